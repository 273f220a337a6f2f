"""KPI14: stage 2 investigations as a % of stage 1 complaints received. Expected values worked out by hand."""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _c(cid, stage, received, escalated_from=None, team=None):
    return {"complaint_id": cid, "stage": stage, "received_date": received,
            "escalated_from_complaint_id": escalated_from, "team": team}


COMPLAINTS = [
    _c("S1OLD", 1, "2021-12-01"),                    # stage 1 of the previous year
    _c("S1A", 1, "2022-04-01", team="T1"),           # first day of the year
    _c("S1B", 1, "2022-04-20", team="T2"),
    _c("S1C", 1, "2022-05-10"),
    _c("S1E", 1, "2022-07-01"),
    _c("S1D", 1, "2023-03-31"),                      # last day of the year
    _c("S2A", 2, "2022-04-25", "S1B", team="T1"),    # escalated from this year's S1B
    _c("S2B", 2, "2022-05-03", "S1OLD"),             # its stage 1 was last year: still counts in May
    _c("S2C", 2, "2022-05-20"),                      # no stage 1 recorded: still counts
    _c("S2D", 2, "2022-06-15"),                      # June has no stage 1
    _c("S3A", 3, "2022-05-25"),                      # stage 3: in neither count
    _c("S2X", 2, None),                              # undated: in no period
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_department", [{"dept_team_id": "T1", "dept_team_parent_id": "941"},
                                {"dept_team_id": "T2", "dept_team_parent_id": "940"}])
    add(con, "complaints", COMPLAINTS)
    run(con, "KPI14", "2022-04-30", "2023-03-31")
    return con


def test_april(con):
    # stage 1: S1A, S1B = 2; stage 2: S2A = 1 -> 50 %
    row = value(con, "KPI14", "2022-04-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_may_exceeds_100(con):
    # stage 1: S1C = 1; stage 2: S2B (stage 1 last year), S2C (no stage 1) = 2 -> 200 %; S3A in neither
    row = value(con, "KPI14", "2022-05-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 1, 200.0)
    assert [r["record_id"] for r in records(con, "KPI14", "2022-05-31", "month")] == ["S1C", "S2B", "S2C"]


def test_stage2_without_stage1_is_null(con):
    # June: S2D only -> numerator 1, denominator 0 -> NULL with a reason, not infinite
    row = value(con, "KPI14", "2022-06-30", "month")
    assert (row["numerator"], row["denominator"]) == (1, 0)
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"


def test_fytd_march(con):
    # stage 1: S1A, S1B, S1C, S1E, S1D = 5; stage 2: S2A, S2B, S2C, S2D = 4 -> 80 %
    row = value(con, "KPI14", "2023-03-31", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 5, 80.0)
    # March month: S1D on the last day -> 0/1
    assert value(con, "KPI14", "2023-03-31", "month")["value"] == 0.0


def test_r12(con):
    # r12 at May 2022: 1 Jun 2021 - 31 May 2022: stage 1 S1OLD, S1A, S1B, S1C = 4; stage 2 S2A, S2B, S2C = 3
    row = value(con, "KPI14", "2022-05-31", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 4, 75.0)


def test_by_area(con):
    # April 941 (T1): S1A, S2A -> 1/1 = 100 %; 940 (T2): S1B -> 0/1 = 0 %
    assert value(con, "KPI14", "2022-04-30", "month", area="941")["value"] == 100.0
    assert value(con, "KPI14", "2022-04-30", "month", area="940")["value"] == 0.0


def test_empty_month_is_null(con):
    row = value(con, "KPI14", "2022-08-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 0, None)
