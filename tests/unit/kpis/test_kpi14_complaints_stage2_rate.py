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


# --- Area: the child's home council, whatever team handled the complaint (the team's only when no child is
# named). TN is a 940 team, TW a 941 team; P_N lives in 940 (NN14), P_W in 941 (NN1), P_U has no address.
def _a(cid, stage, received, person, team):
    return {"complaint_id": cid, "stage": stage, "received_date": received, "person_id": person, "team": team}


@pytest.fixture(scope="module")
def homes():
    con = warehouse()
    add(con, "ssd_department", [{"dept_team_id": "TN", "dept_team_parent_id": "940"},
                                {"dept_team_id": "TW", "dept_team_parent_id": "941"}])
    add(con, "ssd_address", [
        {"addr_person_id": "P_N", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},
        {"addr_person_id": "P_W", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},
    ])
    add(con, "complaints", [
        _a("A1", 1, "2022-04-05", "P_N", "TW"),   # 940 child, 941 team -> 940 (denominator)
        _a("A2", 2, "2022-04-20", "P_N", "TW"),   # its stage 2 -> 940 (numerator)
        _a("A3", 1, "2022-04-11", "P_W", "TN"),   # 941 child, 940 team -> 941
        _a("A4", 1, "2022-04-12", None, "TN"),    # no child: the team's council 940
        _a("A5", 2, "2022-05-03", None, "TW"),    # no child: the team's council 941
        _a("A6", 1, "2022-05-10", "P_W", "TN"),   # -> 941
        _a("A7", 2, "2022-05-12", "P_U", "TN"),   # child with no home: unknown, not the team's 940
    ])
    run(con, "KPI14", "2022-04-30", "2022-05-31")
    return con


def test_area_is_the_childs_home_council_month(homes):
    # April: 940 = A2 / (A1, A4) = 1/2 = 50 %; 941 = 0 / A3 = 0 %
    # (by the handling team it would be 940 = 0/2 (A3, A4) and 941 = 1/1 (A1, A2))
    n = value(homes, "KPI14", "2022-04-30", "month", area="940")
    assert (n["numerator"], n["denominator"], n["value"]) == (1, 2, 50.0)
    w = value(homes, "KPI14", "2022-04-30", "month", area="941")
    assert (w["numerator"], w["denominator"], w["value"]) == (0, 1, 0.0)
    # May: 941 = A5 / A6 = 100 %; 940 has nothing -> NULL; A7 is unknown (1/0)
    assert value(homes, "KPI14", "2022-05-31", "month", area="941")["value"] == 100.0
    assert value(homes, "KPI14", "2022-05-31", "month", area="940")["null_reason"] == "no records in the denominator"
    u = value(homes, "KPI14", "2022-05-31", "month", area="unknown")
    assert (u["numerator"], u["denominator"]) == (1, 0)


def test_area_is_the_childs_home_council_fytd(homes):
    # fytd May (the headline basis): 940 = A2 / (A1, A4) = 50 %; 941 = A5 / (A3, A6) = 50 %; trust 3/4 = 75 %
    n = value(homes, "KPI14", "2022-05-31", "fytd", area="940")
    assert (n["numerator"], n["denominator"], n["value"]) == (1, 2, 50.0)
    w = value(homes, "KPI14", "2022-05-31", "fytd", area="941")
    assert (w["numerator"], w["denominator"], w["value"]) == (1, 2, 50.0)
    a = value(homes, "KPI14", "2022-05-31", "fytd")
    assert (a["numerator"], a["denominator"], a["value"]) == (3, 4, 75.0)
