"""CDS_FP06: children looked after 12+ months with up-to-date immunisations. Expected values by hand.

At 31 March 2024: looked after since 1 April 2023 at the latest; the child's latest immunisation status dated
1 April 2023 - 31 March 2024 decides (an older status, or none, is not up to date).
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP06"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (care start, [(legal status, start, end)], council of home, [(status, date)])
CHILDREN = {
    "I1": ("2020-01-01", [("C2", "2020-01-01", None)], "941", [("UP_TO_DATE", "2024-03-31")]),
    # the latest status in the year is not up to date (the older one was)
    "I2": ("2020-01-01", [("C2", "2020-01-01", None)], "941",
           [("UP_TO_DATE", "2023-03-31"), ("NOT_UP_TO_DATE", "2024-03-31")]),
    # up to date exactly 12 months before the period end: stale, not up to date now
    "I3": ("2020-01-01", [("C2", "2020-01-01", None)], "941", [("UP_TO_DATE", "2023-03-31")]),
    # 903 flag value Y: up to date
    "I4": ("2020-01-01", [("C2", "2020-01-01", None)], "940", [("Y", "2023-09-01")]),
    "I5": ("2020-01-01", [("C2", "2020-01-01", None)], "941", []),                     # no record at all
    "I6": ("2020-01-01", [("C2", "2020-01-01", None)], "940", [("UP_TO_DATE", None)]),  # undated: info row
    "I7": ("2023-04-02", [("C2", "2023-04-02", None)], "940", [("UP_TO_DATE", "2024-03-31")]),  # < 12 months
    "I8": ("2022-01-01", [("C2", "2022-01-01", None)], "940", [("UP_TO_DATE", "2023-04-01")]),  # first day: in
    # short breaks until 1 May 2023: out
    "I9": ("2022-01-01", [("V3", "2022-01-01", "2023-05-01"), ("C2", "2023-05-01", None)], "940",
           [("UP_TO_DATE", "2024-03-31")]),
    # a later status (after the period end) is not yet known at 31 March 2024
    "I10": ("2020-01-01", [("C2", "2020-01-01", None)], "940",
            [("UP_TO_DATE", "2024-02-01"), ("NOT_UP_TO_DATE", "2024-04-15")]),
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S"}
        for p, (start, *_) in CHILDREN.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}{i}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": s, "lega_legal_status_end_date": e}
        for p, (_, statuses, *_) in CHILDREN.items() for i, (ls, s, e) in enumerate(statuses)
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for p, (_, _, council, _) in CHILDREN.items()
    ])
    add(con, "ssd_cla_immunisations", [
        {"clai_person_id": p, "clai_immunisations_status": st, "clai_immunisations_status_date": d}
        for p, (*_, statuses) in CHILDREN.items() for st, d in statuses
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_trust(con):
    # den: I1-I6, I8, I10 = 8 (I7 under 12 months, I9 short breaks in the year)
    # num: I1, I4 (Y), I8 (1 Apr 2023), I10 (1 Feb 2024; the April status is after the period end) = 4 -> 50 %
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 8, 50.0)
    assert row["excluded_reasons"] == "immunisation status date missing (kept in the denominator): 1"
    recs = measure_records(con, M, "2024-03-31", "snapshot")
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"I1", "I4", "I8", "I10"}
    assert [r["record_id"] for r in recs if r["excluded_reason"]] == ["I6 (status date missing)"]


def test_each_council(con):
    # 941: I1 I2 I3 I5 -> num I1 = 1/4 = 25 %; 940: I4 I6 I8 I10 -> num I4 I8 I10 = 3/4 = 75 %
    assert measure_value(con, M, "2024-03-31", "snapshot", area="941")["value"] == 25.0
    assert measure_value(con, M, "2024-03-31", "snapshot", area="940")["value"] == 75.0


def test_check_months_is_a_parameter():
    # statuses from 1 Apr 2022 are current: I3's 31 Mar 2023 status now counts -> 5/8 = 62.5 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"check_months": 24})
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (5, 8, 62.5)
