"""KPI06: CP plans that are a second or subsequent plan. Expected values worked out by hand below."""

import pytest

from pipelines.lib import db
from tests.kpi_fixture import add, records, run, value, warehouse


def _cp(pid, person, start, previous=None, end=None):
    return {"cppl_cp_plan_id": pid, "cppl_person_id": person, "cppl_cp_plan_start_date": start,
            "cppl_number_of_previous_cpp": previous, "cppl_cp_plan_end_date": end}


PLANS = [
    _cp("CP1", "P1", "2019-06-01", end="2020-01-01"),   # history, years before: no look-back limit
    _cp("CP2", "P1", "2023-05-10"),                      # P1's earlier plan CP1 -> 1
    _cp("CP3", "P2", "2023-04-01"),                      # first day of the year, first plan -> 0
    _cp("CP4", "P2", "2023-09-15"),                      # P2's second plan in the same year -> 1
    _cp("CP5", "P3", "2023-06-01", previous=2),          # plans held elsewhere (count only) -> 1
    _cp("CP6", "P4", "2023-06-20", previous=0),          # count 0, no history -> 0
    _cp("CP7", "P5", "2023-07-03"),                      # same-day pair: not earlier than each other -> 0
    _cp("CP8", "P5", "2023-07-03"),                      # -> 0
    _cp("CP9", "P6", "2024-03-31"),                      # last day of the year; P6's other plan is undated -> 0
    _cp("CP10", "P6", None),                             # undated: in no period, never "earlier"
    _cp("CP12", "P7", "2023-10-01"),                     # first plan, still open -> 0
    _cp("CP11", "P7", "2023-11-01"),                     # earlier (open) plan CP12 -> 1
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": "P1", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},   # 941
        {"addr_person_id": "P2", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},  # 940
    ])
    add(con, "ssd_cp_plans", PLANS)
    run(con, "KPI06", "2023-04-30", "2024-03-31")
    return con


@pytest.mark.parametrize("period_end, num, den", [
    ("2023-04-30", 0, 1),   # CP3
    ("2023-05-31", 1, 1),   # CP2
    ("2023-06-30", 1, 2),   # CP5 1, CP6 0
    ("2023-07-31", 0, 2),   # CP7, CP8 (same day)
    ("2023-09-30", 1, 1),   # CP4
    ("2023-10-31", 0, 1),   # CP12
    ("2023-11-30", 1, 1),   # CP11
    ("2024-03-31", 0, 1),   # CP9
])
def test_months(con, period_end, num, den):
    row = value(con, "KPI06", period_end, "month")
    assert (row["numerator"], row["denominator"]) == (num, den)


def test_fytd_occasions_not_children(con):
    # num: CP2, CP5, CP4, CP11 = 4; den: CP3 CP2 CP5 CP6 CP7 CP8 CP4 CP12 CP11 CP9 = 10 -> 40 %
    # (P2 counted twice: CP3 and CP4)
    row = value(con, "KPI06", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 10, 40.0)
    assert row["excluded_count"] == 0
    # fytd September: CP3 CP2 CP5 CP6 CP7 CP8 CP4 = 7; num CP2 CP5 CP4 = 3 -> 42.857143 %
    row = value(con, "KPI06", "2023-09-30", "fytd")
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["value"] == pytest.approx(300 / 7, abs=1e-6)


def test_records(con):
    recs = records(con, "KPI06", "2024-03-31", "fytd")
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"CP2", "CP4", "CP5", "CP11"}
    assert "CP1" not in {r["record_id"] for r in recs} and "CP10" not in {r["record_id"] for r in recs}


def test_r12(con):
    # r12 at June 2023: 1 Jul 2022 - 30 Jun 2023: CP3 0, CP2 1, CP5 1, CP6 0 -> 2/4 (CP1 of 2019 is outside
    # the window but still makes CP2 a subsequent plan)
    row = value(con, "KPI06", "2023-06-30", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 50.0)


def test_empty_month_is_null(con):
    row = value(con, "KPI06", "2023-08-31", "month")
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"


def test_by_area_and_no_team(con):
    # fytd March 941 (P1): CP2 -> 100 %; 940 (P2): CP3 0, CP4 1 -> 50 %; others unknown
    assert value(con, "KPI06", "2024-03-31", "fytd", area="941")["value"] == 100.0
    assert value(con, "KPI06", "2024-03-31", "fytd", area="940")["value"] == 50.0
    unknown = value(con, "KPI06", "2024-03-31", "fytd", area="unknown")
    assert (unknown["numerator"], unknown["denominator"]) == (2, 7)   # CP5, CP11 of CP5-CP9, CP11, CP12
    # ssd_cp_plans carries no team: no team rows
    assert db.scalar(con, "SELECT count(*) FROM kpi_values WHERE kpi_id = 'KPI06' AND team IS NOT NULL") == 0
