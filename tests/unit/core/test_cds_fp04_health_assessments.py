"""CDS_FP04: children looked after 12+ months who had their annual health assessment. Expected values by hand.

At 31 March 2024 the child must have been looked after since 1 April 2023 at the latest (the first day of the 12
months: last_day(31 Mar 2023) + 1 day) and the assessment must be dated 1 April 2023 - 31 March 2024.
At 29 February 2024 both start 1 March 2023 (last_day(28 Feb 2023) + 1); at 28 February 2025 they start
1 March 2024 (28 Feb 2025 - 12 months = 28 Feb 2024, whose month ends on 29 Feb 2024; + 1 day).
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP04"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (care start, care ceased, [(legal status, start, end)], council of home, [(type, date, status)])
CHILDREN = {
    "A": ("2020-01-01", None, [("C2", "2020-01-01", None)], "941", [("HEALTH", "2023-10-01", "COMPLETED")]),
    # in care exactly 12 months at the period end (31 Mar 2023 + 12 months = 31 Mar 2024): in; a check on the
    # first day of the 12 months counts
    "B": ("2023-03-31", None, [("C2", "2023-03-31", None)], "941", [("HEALTH", "2023-04-01", "COMPLETED")]),
    # care began on the first day of the year (1 Apr 2023): looked after every day of it, in; no check
    "C": ("2023-04-01", None, [("C2", "2023-04-01", None)], "940", []),
    # check exactly 12 months before the period end (31 Mar 2023): too old
    "D": ("2021-06-01", None, [("C2", "2021-06-01", None)], "941", [("HEALTH", "2023-03-31", "COMPLETED")]),
    # care began 2 Apr 2023: one day short of the year, not in the cohort
    "E": ("2023-04-02", None, [("C2", "2023-04-02", None)], "941", [("HEALTH", "2023-06-01", "COMPLETED")]),
    # refused: not a health assessment
    "F": ("2020-01-01", None, [("C2", "2020-01-01", None)], "941", [("HEALTH", "2023-09-01", "REFUSED")]),
    # the check has no date: in the denominator, not the numerator, plus an information-only row
    "G": ("2021-01-01", None, [("C2", "2021-01-01", None)], "940", [("HEALTH", None, "COMPLETED")]),
    # short breaks at the period end (V3 open): not looked after in the measure's sense
    "H": ("2021-01-01", None, [("V3", "2021-01-01", None)], "940", [("HEALTH", "2023-09-01", "COMPLETED")]),
    # short breaks until 1 Jun 2023, inside the year: the 12 months are not all full care, out
    "I": ("2022-01-01", None, [("V3", "2022-01-01", "2023-06-01"), ("C2", "2023-06-01", None)], "940",
          [("HEALTH", "2023-09-01", "COMPLETED")]),
    # short breaks ending on the first day of the year (the care order starts that day and wins the tie): in
    "J": ("2022-06-01", None, [("V4", "2022-06-01", "2023-04-01"), ("C2", "2023-04-01", None)], "940",
          [("HEALTH", "2023-05-01", "COMPLETED")]),
    # an SSD descriptive type with no status recorded: a dated assessment, counts
    "K": ("2019-05-01", None, [("C2", "2019-05-01", None)], "940", [("Health Assessment", "2023-12-01", None)]),
    # only a dental check: not a health assessment
    "L": ("2020-01-01", None, [("C2", "2020-01-01", None)], "940", [("DENTAL", "2023-12-01", "COMPLETED")]),
    # left care on the period end: not looked after at it
    "M": ("2020-01-01", "2024-03-31", [("C2", "2020-01-01", "2024-03-31")], "941",
          [("HEALTH", "2023-12-01", "COMPLETED")]),
}


def load(con, children):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S", "clae_cla_episode_ceased_date": ceased,
         "clae_cla_episode_ceased_reason": "E4A" if ceased else None}
        for p, (start, ceased, *_) in children.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}{i}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": s, "lega_legal_status_end_date": e}
        for p, (_, _, statuses, *_) in children.items() for i, (ls, s, e) in enumerate(statuses)
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for p, (_, _, _, council, _) in children.items() if council
    ])
    add(con, "ssd_cla_health", [
        {"clah_person_id": p, "clah_health_check_type": t, "clah_health_check_date": d, "clah_health_check_status": st}
        for p, (*_, checks) in children.items() for t, d, st in checks
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con, CHILDREN)
    run_measure(con, M, "2024-03-31")
    return con


def test_trust(con):
    # den: A B C D F G J K L = 9 (E under 12 months, H and I short breaks, M left on the period end)
    # num: A (1 Oct 2023), B (1 Apr 2023, first day), J (1 May 2023), K (blank status) = 4 -> 400/9 = 44.444444 %
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 9)
    assert row["value"] == pytest.approx(400 / 9, abs=1e-6)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "check date missing (kept in the denominator): 1"


def test_records(con):
    recs = measure_records(con, M, "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs if r["denominator"] == 1] == ["A", "B", "C", "D", "F", "G", "J", "K", "L"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A", "B", "J", "K"}
    assert [(r["record_id"], r["excluded_reason"]) for r in recs if r["excluded_reason"]] == [
        ("G (check date missing)", "check date missing (kept in the denominator)")]


def test_each_council(con):
    # 941: A B D F -> num A B = 2/4 = 50 %; 940: C G J K L -> num J K = 2/5 = 40 %
    row = measure_value(con, M, "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 50.0)
    row = measure_value(con, M, "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)


def test_check_months_is_a_parameter():
    # 24 months: checks from 1 Apr 2022 count, so D's check of 31 Mar 2023 joins -> 5/9 = 55.555556 %
    con = warehouse()
    load(con, CHILDREN)
    run_measure(con, M, "2024-03-31", overrides={"check_months": 24})
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 9)
    assert row["value"] == pytest.approx(500 / 9, abs=1e-6)


def test_looked_after_months_is_a_parameter():
    # 24 months: care must have begun by 1 Apr 2022 -> A D F G K L (B C J began later) = 6; num A K = 2 -> 33.3 %
    con = warehouse()
    load(con, CHILDREN)
    run_measure(con, M, "2024-03-31", overrides={"looked_after_months": 24})
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (2, 6)


LEAP = {
    # care began on leap day 2024: at 28 Feb 2025 in (on or before 1 Mar 2024); its check that day is too old
    "P1": ("2024-02-29", None, [("C2", "2024-02-29", None)], "941", [("HEALTH", "2024-02-29", "COMPLETED")]),
    # care and check on 1 Mar 2024, the first day of the year to 28 Feb 2025: in, checked
    "P2": ("2024-03-01", None, [("C2", "2024-03-01", None)], "941", [("HEALTH", "2024-03-01", "COMPLETED")]),
    # care began 2 Mar 2024: not 12 months at 28 Feb 2025
    "P3": ("2024-03-02", None, [("C2", "2024-03-02", None)], "941", [("HEALTH", "2024-03-02", "COMPLETED")]),
    # at 29 Feb 2024: care and check on 1 Mar 2023, the first day -> in, checked
    "P4": ("2023-03-01", None, [("C2", "2023-03-01", None)], "940", [("HEALTH", "2023-03-01", "COMPLETED")]),
    # at 29 Feb 2024: in (care began 28 Feb 2023), but the check of 28 Feb 2023 is a day too old
    "P5": ("2023-02-28", None, [("C2", "2023-02-28", None)], "940", [("HEALTH", "2023-02-28", "COMPLETED")]),
}


def test_leap_year_edges():
    con = warehouse()
    load(con, LEAP)
    run_measure(con, M, "2024-02-29", "2025-02-28")
    # 29 Feb 2024: den P4 P5 = 2 (P1-P3 not yet in care), num P4 -> 50 %
    row = measure_value(con, M, "2024-02-29", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)
    # 28 Feb 2025: den P1 P2 P4 P5 = 4 (P3 short by a day); num P2 only (P1's 29 Feb 2024 check is before
    # 1 Mar 2024; P4's and P5's are older still) -> 25 %
    row = measure_value(con, M, "2025-02-28", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 4, 25.0)


def test_empty_period_is_null(con):
    run_measure(con, M, "2019-12-31")  # nobody has been looked after 12 months yet
    row = measure_value(con, M, "2019-12-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
