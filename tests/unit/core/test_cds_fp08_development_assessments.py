"""CDS_FP08: children looked after 12+ months and under 5 whose development assessments are up to date.
Expected values by hand.

31 January 2025: looked after since 1 February 2024 at the latest, assessment dated 1 Feb 2024 - 31 Jan 2025.
28 February 2025: looked after since 1 March 2024 (28 Feb 2024's month ends 29 Feb; + 1 day), assessment dated
1 Mar 2024 - 28 Feb 2025. Under 5 = the 5th birthday (dob + 5 years; 29 Feb 2020 + 5 years = 28 Feb 2025) is
after the period end.
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP08"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (dob, care start, legal status, council of home, [(type, date, status)])
CHILDREN = {
    # born on leap day: 4 at 31 Jan 2025 (in, assessed 1 Dec 2024); 5 on 28 Feb 2025 (out)
    "D1": ("2020-02-29", "2023-01-01", "C2", "941", [("DEVELOPMENT", "2024-12-01", "COMPLETED")]),
    # assessed 28 Feb 2024: in the year to 31 Jan 2025 (from 1 Feb 2024), too old for 28 Feb 2025 (from 1 Mar)
    "D2": ("2022-06-01", "2022-07-01", "C2", "941", [("DEVELOPMENT", "2024-02-28", "COMPLETED")]),
    "D3": ("2021-01-01", "2023-06-01", "C2", "941", []),                                    # never assessed
    "D4": ("2021-05-01", "2023-01-01", "C2", "940", [("DEVELOPMENT", "2024-10-01", "NOT_ATTENDED")]),
    "D5": ("2019-03-01", "2021-01-01", "C2", "941", [("DEVELOPMENT", "2024-10-01", "COMPLETED")]),  # 5 at both
    "D6": (None, "2022-01-01", "C2", "940", [("DEVELOPMENT", "2024-10-01", "COMPLETED")]),  # no date of birth
    # care began 1 Mar 2024: not 12 months at 31 Jan 2025, exactly the year at 28 Feb 2025
    "D7": ("2022-01-01", "2024-03-01", "C2", "940", [("Development Assessment", "2024-06-01", "COMPLETED")]),
    "D8": ("2021-08-01", "2022-01-01", "V3", "940", [("DEVELOPMENT", "2024-10-01", "COMPLETED")]),  # short breaks
    "D9": ("2022-03-01", "2022-04-01", "C2", "940", [("DEVELOPMENT", None, "COMPLETED")]),  # undated assessment
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
    add(con, "ssd_cla_health", [
        {"clah_person_id": p, "clah_health_check_type": t, "clah_health_check_date": d, "clah_health_check_status": st}
        for p, (*_, checks) in CHILDREN.items() for t, d, st in checks
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2025-01-31", "2025-02-28")
    return con


def test_january(con):
    # den: D1 D2 D3 D4 D9 = 5 (D5 aged 5, D6 no dob -> excluded, D7 under 12 months, D8 short breaks)
    # num: D1 (1 Dec 2024), D2 (28 Feb 2024) = 2 -> 40 %
    row = measure_value(con, M, "2025-01-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)
    assert row["excluded_count"] == 2
    assert row["excluded_reasons"] == "check date missing (kept in the denominator): 1; date of birth missing: 1"


def test_february_leap_birthday_and_stale_check(con):
    # D1 turns 5 on 28 Feb 2025 (out); D2's check is now too old; D7 reaches 12 months
    # den: D2 D3 D4 D7 D9 = 5; num: D7 = 1 -> 20 %
    row = measure_value(con, M, "2025-02-28", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 5, 20.0)
    recs = measure_records(con, M, "2025-02-28", "snapshot")
    assert [r["record_id"] for r in recs if r["denominator"] == 1] == ["D2", "D3", "D4", "D7", "D9"]


def test_each_council(con):
    # January - 941: D1 D2 D3 -> 2/3 = 66.666667 %; 940: D4 D9 -> 0/2 = 0 %
    row = measure_value(con, M, "2025-01-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"]) == (2, 3)
    assert row["value"] == pytest.approx(200 / 3, abs=1e-6)
    row = measure_value(con, M, "2025-01-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 2, 0.0)


def test_under_age_is_a_parameter():
    # under 6 at 28 Feb 2025: D1 (5, assessed 1 Dec 2024) and D5 (5; 6th birthday 1 Mar 2025; assessed
    # 1 Oct 2024) join -> den 5 + 2 = 7, num D7 D1 D5 = 3 -> 42.857143 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2025-02-28", overrides={"under_age": 6})
    row = measure_value(con, M, "2025-02-28", "snapshot")
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["value"] == pytest.approx(300 / 7, abs=1e-6)
