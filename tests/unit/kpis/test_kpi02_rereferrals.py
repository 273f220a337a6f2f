"""KPI02: re-referrals within 12 months of a previous referral. Expected values worked out by hand below."""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _ref(rid, person, date, team=None, worker=None, nfa=None):
    return {"cine_referral_id": rid, "cine_person_id": person, "cine_referral_date": date,
            "cine_referral_team": team, "cine_referral_worker_id": worker, "cine_referral_nfa": nfa}


REFERRALS = [
    # P1: R1 a year before the period (history counts); R2 exactly 12 months later:
    # 2022-05-01 + 12 months = 2023-05-01, and 2023-05-01 <= 2023-05-01 -> re-referral
    _ref("R1", "P1", "2022-05-01"),
    _ref("R2", "P1", "2023-05-01"),
    # P1 again: R9's latest earlier referral is R2 (2023-05-01) -> within -> re-referral; counted once although
    # P1 has two earlier referrals (R1, R2)
    _ref("R9", "P1", "2023-06-15", team="T1", worker="W1"),
    # P2 leap day: 2023-02-28 + 12 months = 2024-02-28 < 2024-02-29 -> NOT a re-referral
    _ref("R3", "P2", "2023-02-28"),
    _ref("R4", "P2", "2024-02-29"),
    # P3: 2023-02-28 -> 2024-02-28 is exactly 12 months -> re-referral
    _ref("R5", "P3", "2023-02-28"),
    _ref("R6", "P3", "2024-02-28"),
    # P4: two referrals on the same day: neither is earlier than the other -> neither a re-referral
    _ref("R7", "P4", "2023-06-10", team="T1", worker="W2"),
    _ref("R8", "P4", "2023-06-10"),
    # P5: R10 on the first day of the financial year, an NFA referral; R11 re-refers within weeks -> 1
    _ref("R10", "P5", "2023-04-01", nfa=True),
    _ref("R11", "P5", "2023-04-20"),
    # P6: 2022-05-01 + 12 months = 2023-05-01 < 2023-05-02 -> one day too late, not a re-referral
    _ref("R13", "P6", "2022-05-01"),
    _ref("R12", "P6", "2023-05-02"),
    # P6: undated referral: in no period and never "earlier"
    _ref("R14", "P6", None),
    # P7: R16 first referral (0); R15 on the last day of the financial year, 8 months later -> 1
    _ref("R16", "P7", "2023-07-31"),
    _ref("R15", "P7", "2024-03-31"),
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": "P1", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},   # 941
        {"addr_person_id": "P2", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},  # 940
    ])
    add(con, "ssd_cin_episodes", REFERRALS)
    run(con, "KPI02", "2023-04-30", "2024-03-31")
    return con


def test_april_nfa_referral_counts_as_earlier(con):
    # April: R10 (first referral, 0), R11 (re-referral of the NFA referral R10, 1) -> 1/2
    row = value(con, "KPI02", "2023-04-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_may_exactly_twelve_months_and_one_day_late(con):
    # May: R2 (exactly 12 months after R1: 1), R12 (12 months + 1 day after R13: 0) -> 1/2
    row = value(con, "KPI02", "2023-05-31", "month")
    assert (row["numerator"], row["denominator"]) == (1, 2)
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI02", "2023-05-31", "month")}
    assert recs == {"R2": 1.0, "R12": 0.0}


def test_june_same_day_referrals_and_single_count(con):
    # June: R7 (0), R8 (0) same day; R9 (1) counted once despite two earlier referrals -> 1/3
    row = value(con, "KPI02", "2023-06-30", "month")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)
    assert [r["record_id"] for r in records(con, "KPI02", "2023-06-30", "month")] == ["R7", "R8", "R9"]


def test_leap_day(con):
    # February 2024: R4 (2024-02-29 is not within 12 months of 2023-02-28: 0), R6 (2024-02-28: 1) -> 1/2
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI02", "2024-02-29", "month")}
    assert recs == {"R4": 0.0, "R6": 1.0}


def test_fytd_march(con):
    # num: R11, R2, R9, R6, R15 = 5; den: R10 R11 R2 R12 R7 R8 R9 R16 R4 R6 R15 = 11 -> 45.454545 %
    # (R15 on the last day of the year is in; R1, R3, R5, R13 are in 2022/23; R14 has no date)
    row = value(con, "KPI02", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (5, 11)
    assert row["value"] == pytest.approx(500 / 11, abs=1e-6)
    assert row["excluded_count"] == 0


def test_fytd_june_equals_quarter(con):
    # April 1/2 + May 1/2 + June 1/3 -> 3/7; Q1 to date = the same months
    for basis in ("fytd", "quarter"):
        row = value(con, "KPI02", "2023-06-30", basis)
        assert (row["numerator"], row["denominator"]) == (3, 7)
        assert row["value"] == pytest.approx(300 / 7, abs=1e-6)


def test_r12_window_starts_day_after(con):
    # r12 at 29 Feb 2024: 1 Mar 2023 - 29 Feb 2024, so R3/R5 (28 Feb 2023) are out;
    # den: R10 R11 R2 R12 R7 R8 R9 R16 R4 R6 = 10; num: R11 R2 R9 R6 = 4 -> 40 %
    row = value(con, "KPI02", "2024-02-29", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 10, 40.0)


def test_month_counts_add_up_to_fytd(con):
    # additive: true - every referral sits in exactly one month
    months = [value(con, "KPI02", pe, "month") for pe in (
        "2023-04-30", "2023-05-31", "2023-06-30", "2023-07-31", "2023-08-31", "2023-09-30", "2023-10-31",
        "2023-11-30", "2023-12-31", "2024-01-31", "2024-02-29", "2024-03-31")]
    assert sum(m["denominator"] for m in months) == 11
    assert sum(m["numerator"] for m in months) == 5


def test_empty_month_is_null(con):
    row = value(con, "KPI02", "2023-09-30", "month")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"


def test_by_area_team_worker(con):
    # June: 941 (P1): R9 1/1; P4 has no home address -> 'unknown': R7, R8 0/2; 940 (P2) has none -> NULL
    assert value(con, "KPI02", "2023-06-30", "month", area="941")["value"] == 100.0
    unknown = value(con, "KPI02", "2023-06-30", "month", area="unknown")
    assert (unknown["numerator"], unknown["denominator"]) == (0, 2)
    assert value(con, "KPI02", "2023-06-30", "month", area="940")["value"] is None
    # team T1: R7 (0), R9 (1) -> 50 %; worker W1 in T1: R9 -> 100 %
    assert value(con, "KPI02", "2023-06-30", "month", area="all", team="T1")["value"] == 50.0
    assert value(con, "KPI02", "2023-06-30", "month", area="all", team="T1", worker="W1")["value"] == 100.0


def test_same_day_parameter():
    # same_day_counts_as_rereferral: of R7/R8 (same child, same day) the higher id R8 is a re-referral -> 1/2
    con = warehouse()
    add(con, "ssd_cin_episodes", [_ref("R7", "P4", "2023-06-10"), _ref("R8", "P4", "2023-06-10")])
    run(con, "KPI02", "2023-06-30")
    assert value(con, "KPI02", "2023-06-30", "month")["value"] == 0.0
    run(con, "KPI02", "2023-06-30", overrides={"same_day_counts_as_rereferral": True})
    assert value(con, "KPI02", "2023-06-30", "month")["value"] == 50.0
    assert {r["record_id"]: r["numerator"] for r in records(con, "KPI02", "2023-06-30", "month")} == {
        "R7": 0.0, "R8": 1.0}


def test_months_parameter():
    # with 6 months, R16 (2023-07-31) -> R15 (2024-03-31) is 8 months: not a re-referral (12 months: it is)
    con = warehouse()
    add(con, "ssd_cin_episodes", [_ref("R16", "P7", "2023-07-31"), _ref("R15", "P7", "2024-03-31")])
    run(con, "KPI02", "2024-03-31")
    assert value(con, "KPI02", "2024-03-31", "month")["value"] == 100.0
    run(con, "KPI02", "2024-03-31", overrides={"rereferral_months": 6})
    assert value(con, "KPI02", "2024-03-31", "month")["value"] == 0.0
