"""KPI21: children leaving care due to permanence. Expected values worked out by hand below.

fytd 2023/24: leavings 1 Apr 2023 - 31 Mar 2024; one record per child, the last leaving in the period.
Homes: C1, C2, C3, C7, C8, C9, C10, C13 in 941 (NN1 1AA); C4, C5, C6, C11 in 940 (NN14 1AA); C14 none.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def ep(eid, person, start, ceased=None, rec=None, rne="S"):
    return {"clae_cla_episode_id": eid, "clae_person_id": person, "clae_cla_episode_start_date": start,
            "clae_cla_episode_start_reason": rne, "clae_cla_episode_ceased_date": ceased,
            "clae_cla_episode_ceased_reason": rec}


EPISODES = [
    ep("C1a", "C1", "2021-01-01", "2023-05-10", "E11"),        # adopted: num
    ep("C2a", "C2", "2021-01-01", "2023-06-01", "E45"),        # special guardianship: num
    ep("C3a", "C3", "2021-01-01", "2023-07-01", "E41"),        # child arrangements order: num
    # C4 left twice: returned home (E13) in May, came back in August, SGO (E45) in January -> fytd: E45, num
    ep("C4a", "C4", "2021-01-01", "2023-05-01", "E13"),
    ep("C4b", "C4", "2023-08-01", "2024-01-15", "E45"),
    # C5 left twice the other way: CAO (E41) in June, came back, home (E13) in February -> fytd: E13, not num
    ep("C5a", "C5", "2021-01-01", "2023-06-15", "E41"),
    ep("C5b", "C5", "2023-09-01", "2024-02-01", "E13"),
    ep("C6a", "C6", "2021-01-01", "2023-10-01", "E2"),         # died in care: den, not num
    # C7: an X1 episode end with a new episode the same day is not leaving care
    ep("C7a", "C7", "2021-01-01", "2023-07-01", "X1"),
    ep("C7b", "C7", "2023-07-01", None, None, rne="L"),
    ep("C8a", "C8", "2023-01-01", "2023-09-01", "E13"),        # short breaks (V3) when care ended: out
    ep("C9a", "C9", "2021-01-01", "2023-11-01", None),         # no ceased reason: excluded
    ep("C10a", "C10", "2021-01-01", "2023-03-31", "E13"),      # left 31 Mar 2023: previous year
    ep("C11a", "C11", "2021-01-01", "2024-03-31", "E12"),      # adopted on the last day of the year: num
    ep("C13a", "C13", "2023-12-20", "2023-12-10", "E13"),      # ceased before it started: excluded
    ep("C14a", "C14", None, "2023-04-15", "E11"),              # no start date: excluded (April)
]
HOMES = {p: "NN1 1AA" for p in ("C1", "C2", "C3", "C7", "C8", "C9", "C10", "C13")} | {
    p: "NN14 1AA" for p in ("C4", "C5", "C6", "C11")}


def load(con):
    add(con, "ssd_cla_episodes", EPISODES)
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "L8", "lega_person_id": "C8", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2023-01-01", "lega_legal_status_end_date": "2023-09-01"},
        # C4's second period is under C2 (not a short break)
        {"lega_legal_status_id": "L4", "lega_person_id": "C4", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2023-08-01", "lega_legal_status_end_date": "2024-01-15"},
    ])
    add(con, "ssd_address", [{"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc}
                             for p, pc in HOMES.items()])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI21", "2023-03-31", "2024-03-31")
    return con


def test_fytd_march(con):
    # den: C1 C2 C3 C4 C5 C6 C11 = 7; num: C1 C2 C3 C4 C11 = 5 -> 71.428571 %
    row = value(con, "KPI21", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (5, 7)
    assert row["value"] == pytest.approx(500 / 7, abs=1e-6)
    assert row["excluded_count"] == 3
    assert row["excluded_reasons"] == ("ceased date before start date: 1; ceased reason missing: 1; "
                                       "episode start date missing: 1")


def test_one_record_per_child_the_last_leaving(con):
    recs = records(con, "KPI21", "2024-03-31", "fytd")
    # C4 and C5 by their second (last) leaving; C7 (X1), C8 (short break), C10 (last year) absent
    assert [r["record_id"] for r in recs] == ["C11a", "C13a", "C14a", "C1a", "C2a", "C3a", "C4b", "C5b", "C6a",
                                              "C9a"]
    assert {r["person_id"] for r in recs if r["numerator"] == 1} == {"C1", "C2", "C3", "C4", "C11"}


def test_months(con):
    # May 2023: C1 (E11) num, C4 (E13) -> 1/2 = 50 %
    row = value(con, "KPI21", "2023-05-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)
    # July 2023: C3 only (C7's X1 is not a leaving) -> 1/1
    row = value(con, "KPI21", "2023-07-31", "month")
    assert (row["numerator"], row["denominator"]) == (1, 1)
    # months do not add up to the year: C4 and C5 appear in two months each.
    # May 2 + Jun 2 (C2, C5) + Jul 1 + Oct 1 + Jan 1 (C4) + Feb 1 (C5) + Mar 1 = 9 leavings vs 7 children
    months = sum(value(con, "KPI21", pe, "month")["denominator"] for pe in (
        "2023-04-30", "2023-05-31", "2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31",
        "2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31"))
    assert months == 9


def test_short_break_and_empty_months_are_null(con):
    # August: no leaving -> NULL
    row = value(con, "KPI21", "2023-08-31", "month")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"
    # September: only C8, under V3 when care ended -> out of the cohort altogether (not even excluded)
    row = value(con, "KPI21", "2023-09-30", "month")
    assert row["denominator"] == 0 and row["value"] is None and row["excluded_count"] == 0


def test_previous_year(con):
    # fytd 2022/23 at 31 Mar 2023: C10 (E13, 31 Mar 2023) -> 0/1 = 0 %
    row = value(con, "KPI21", "2023-03-31", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 1, 0.0)


def test_by_owning_council(con):
    # 941: C1 C2 C3 -> 3/3; 940: C4 num, C5, C6, C11 num -> 2/4 = 50 %
    assert value(con, "KPI21", "2024-03-31", "fytd", area="941")["value"] == 100.0
    assert value(con, "KPI21", "2024-03-31", "fytd", area="940")["value"] == 50.0


def test_permanence_reasons_are_a_parameter():
    # adoption only: C1 (E11), C11 (E12) -> 2/7 = 28.571429 %
    con = warehouse()
    load(con)
    run(con, "KPI21", "2024-03-31", overrides={"permanence_reasons": ["E11", "E12"]})
    row = value(con, "KPI21", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (2, 7)
    assert row["value"] == pytest.approx(200 / 7, abs=1e-6)
