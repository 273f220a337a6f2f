"""KPI17: % of social worker posts filled by agency staff = agency FTE / (agency FTE + in-post FTE).

Same rows and joint-return rule as KPI16 (tests/unit/kpis/test_kpi16_sw_vacancies.py). Hand-worked values.
"""

import pytest

from tests.kpi_fixture import add, run, value, warehouse


def post(period_end, team, post_type, est, in_post, agency, vacancy):
    return {"period_end": period_end, "team_id": team, "post_type": post_type, "establishment_fte": est,
            "in_post_fte": in_post, "agency_fte": agency, "vacancy_fte": vacancy}


QSW = "qualified_social_worker"


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_department", [
        {"dept_team_id": "T1", "dept_team_parent_id": "940"},
        {"dept_team_id": "T2", "dept_team_parent_id": "941"},
        {"dept_team_id": "T3", "dept_team_parent_id": "940"},
        {"dept_team_id": "T3", "dept_team_parent_id": "941"},   # T3 listed under both councils
    ])
    add(con, "workforce_establishment", [
        post("2024-03-31", "T1", QSW, 10.0, 7.0, 2.0, 3.0),
        post("2024-03-31", "T2", QSW, 20.0, 16.0, 1.0, 4.0),
        post("2024-03-31", "T3", QSW, 6.0, 3.5, 1.5, 1.0),
        post("2024-03-31", "T3", QSW, 6.0, 3.5, 1.5, 1.0),     # T3 listed again in the joint return: once
        post("2024-03-31", "T1", "social_work_manager", 3.0, 2.0, 1.0, 0.0),  # not a qualified SW post
        post("2024-03-31", "T5", QSW, 3.0, 3.0, None, 0.0),    # blank agency beside in-post 3: agency 0
        post("2024-03-31", "T4", QSW, 2.0, None, None, 2.0),   # no agency and no in-post figure: excluded
        post("2024-02-29", "T1", QSW, 10.0, 8.0, 1.0, 2.0),
    ])
    run(con, "KPI17", "2024-01-31", "2024-03-31")
    return con


def test_march_never_double_counts(con):
    # agency T1 2 + T2 1 + T3 1.5 + T5 0 = 4.5; in post 7 + 16 + 3.5 + 3 = 29.5 -> 4.5 / 34 = 13.235294 %
    # (counting T3 twice would give 6 / 39 = 15.384615 %)
    row = value(con, "KPI17", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4.5, 34)
    assert row["value"] == pytest.approx(450 / 34, abs=1e-6)
    assert row["excluded_reasons"] == "missing agency and in-post FTE: 1"


def test_by_council(con):
    # 940: T1 2 / 9 = 22.222222 %; 941: T2 1 / 17 = 5.882353 %; joint T3: 1.5 / 5 = 30 %
    pe = "2024-03-31"
    assert value(con, "KPI17", pe, "snapshot", area="940")["value"] == pytest.approx(200 / 9, abs=1e-6)
    assert value(con, "KPI17", pe, "snapshot", area="941")["value"] == pytest.approx(100 / 17, abs=1e-6)
    assert value(con, "KPI17", "2024-03-31", "snapshot", area="joint")["value"] == 30.0


def test_february_and_empty_january(con):
    # February: T1 only, 1 / (1 + 8) = 11.111111 %; January has no rows -> NULL
    assert value(con, "KPI17", "2024-02-29", "snapshot")["value"] == pytest.approx(100 / 9, abs=1e-6)
    assert value(con, "KPI17", "2024-01-31", "snapshot")["value"] is None


def test_post_types_parameter(con):
    # with social work managers: agency 4.5 + 1 = 5.5, in post 29.5 + 2 = 31.5 -> 5.5 / 37 = 14.864865 %
    run(con, "KPI17", "2024-03-31", overrides={"post_types": [QSW, "social_work_manager"]})
    row = value(con, "KPI17", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5.5, 37)
    assert row["value"] == pytest.approx(550 / 37, abs=1e-6)
