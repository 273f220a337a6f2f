"""CDS_FP05: average SDQ score of children looked after 12+ months, aged 5-16. Expected values by hand.

31 January 2025: looked after since 1 February 2024 at the latest, score dated 1 Feb 2024 - 31 Jan 2025.
28 February 2025: looked after since 1 March 2024, score dated 1 Mar 2024 - 28 Feb 2025.
Ages in whole years at the period end; birthdays are dob + k years (29 Feb 2008 + 17 years = 28 Feb 2025).
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP05"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (dob, care start, legal status, council of home, [(completed date, score)])
CHILDREN = {
    # 16 at 31 Jan 2025 (in); 17th birthday 28 Feb 2025 (out then)
    "S1": ("2008-02-29", "2020-01-01", "C2", "941", [("2024-06-01", 20)]),
    # two scores: the latest (14) counts
    "S2": ("2012-05-01", "2019-01-01", "C2", "941", [("2023-10-01", 10), ("2024-09-01", 14)]),
    # score of 28 Feb 2024: in the year to 31 Jan 2025, too old for 28 Feb 2025
    "S3": ("2015-01-01", "2021-01-01", "C2", "940", [("2024-02-28", 30)]),
    # 5th birthday 15 Jan 2025: 5 at both period ends
    "S4": ("2020-01-15", "2021-01-01", "C2", "940", [("2024-12-01", 6)]),
    # 4 at 31 Jan 2025 (out), 5th birthday 1 Feb 2025 (in at 28 Feb)
    "S5": ("2020-02-01", "2021-01-01", "C2", "940", [("2025-02-01", 8)]),
    # care began 1 Mar 2024: not 12 months at 31 Jan 2025, the full year at 28 Feb 2025
    "S6": ("2013-01-01", "2024-03-01", "C2", "941", [("2024-11-01", 25)]),
    "S7": ("2010-01-01", "2019-01-01", "V4", "941", [("2024-10-01", 40)]),   # short breaks: out
    "S8": ("2011-01-01", "2019-01-01", "C2", "941", [("2024-10-01", 45)]),   # not an SDQ total: excluded
    "S9": (None, "2019-01-01", "C2", "941", [("2024-10-01", 12)]),           # no date of birth: excluded
}


def load(con):
    add(con, "ssd_person", [{"pers_person_id": p, "pers_dob": dob} for p, (dob, *_) in CHILDREN.items()])
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S"}
        for p, (_, start, *_) in CHILDREN.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": start}
        for p, (_, start, ls, *_) in CHILDREN.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for p, (_, _, _, council, _) in CHILDREN.items()
    ])
    add(con, "ssd_sdq_scores", [
        {"csdq_person_id": p, "csdq_sdq_completed_date": d, "csdq_sdq_score": s}
        for p, (*_, scores) in CHILDREN.items() for d, s in scores
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2025-01-31", "2025-02-28")
    return con


def test_january(con):
    # S1 20 + S2 14 + S3 30 + S4 6 = 70 over 4 children -> 17.5 (S5 aged 4, S6 under 12 months, S7 short
    # breaks; S8 and S9 excluded with reasons)
    row = measure_value(con, M, "2025-01-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (70, 4, 17.5)
    assert row["excluded_reasons"] == "SDQ score outside 0-40: 1; date of birth missing: 1"


def test_february(con):
    # S1 now 17 (out); S3's score too old (excluded: no score); S5 now 5 and S6 now 12 months in
    # S2 14 + S4 6 + S5 8 + S6 25 = 53 over 4 -> 13.25
    row = measure_value(con, M, "2025-02-28", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (53, 4, 13.25)
    assert row["excluded_count"] == 3
    recs = measure_records(con, M, "2025-02-28", "snapshot")
    assert [(r["record_id"], r["excluded_reason"]) for r in recs if r["excluded_reason"]] == [
        ("S3", "no SDQ score in the period"), ("S8", "SDQ score outside 0-40"), ("S9", "date of birth missing")]


def test_each_council(con):
    # January - 941: S1 20 + S2 14 = 34 / 2 = 17; 940: S3 30 + S4 6 = 36 / 2 = 18
    row = measure_value(con, M, "2025-01-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (34, 2, 17.0)
    row = measure_value(con, M, "2025-01-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (36, 2, 18.0)


def test_age_band_is_a_parameter():
    # max_age 17 at 28 Feb 2025: S1 (17, score 20 of 1 Jun 2024) joins -> 73 / 5 = 14.6
    con = warehouse()
    load(con)
    run_measure(con, M, "2025-02-28", overrides={"max_age": 17})
    row = measure_value(con, M, "2025-02-28", "snapshot")
    assert (row["numerator"], row["denominator"]) == (73, 5)
    assert row["value"] == pytest.approx(14.6)
