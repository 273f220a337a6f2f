"""KPI16: % social worker vacancies = vacancy FTE / (vacancy FTE + in-post FTE). Hand-worked values.

North and West Northamptonshire submit one joint workforce return: a team listed twice for the same period and
post type is one set of posts, and a team listed under both councils is area 'joint'.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def post(period_end, team, post_type, est, in_post, agency, vacancy):
    return {"period_end": period_end, "team_id": team, "post_type": post_type, "establishment_fte": est,
            "in_post_fte": in_post, "agency_fte": agency, "vacancy_fte": vacancy}


QSW = "qualified_social_worker"
WORKFORCE = [
    post("2024-03-31", "T1", QSW, 10.0, 7.0, 2.0, 3.0),
    post("2024-03-31", "T2", QSW, 20.0, 16.0, 1.0, 4.0),
    post("2024-03-31", "T3", QSW, 5.0, 4.0, 0.0, 1.0),
    post("2024-03-31", "T3", QSW, 5.0, 4.0, 0.0, 1.0),      # T3 listed again in the joint return: once
    post("2024-03-28", "T2", QSW, 20.0, 10.0, 0.0, 10.0),   # an earlier T2 row in March: superseded by 31 Mar
    post("2024-03-31", "T1", "social_work_manager", 3.0, 2.0, 0.0, 1.0),  # not a qualified SW post
    post("2024-03-31", "T1", "other", 8.0, 4.0, 0.0, 4.0),                # not a qualified SW post
    post("2024-03-31", "T4", QSW, 2.0, None, None, None),   # no figures: excluded
    post("2024-02-29", "T1", QSW, 10.0, 8.0, 1.0, 2.0),
]


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_department", [
        {"dept_team_id": "T1", "dept_team_parent_id": "940"},
        {"dept_team_id": "T2", "dept_team_parent_id": "941"},
        {"dept_team_id": "T3", "dept_team_parent_id": "940"},
        {"dept_team_id": "T3", "dept_team_parent_id": "941"},   # T3 listed under both councils
    ])
    add(con, "workforce_establishment", WORKFORCE)
    run(con, "KPI16", "2024-01-31", "2024-03-31")
    return con


def test_march_never_double_counts(con):
    # vacancies T1 3 + T2 4 + T3 1 = 8; in post 7 + 16 + 4 = 27 -> 8 / 35 = 22.857143 %
    # (counting T3 twice would give 9 / 40 = 22.5 %)
    row = value(con, "KPI16", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (8, 35)
    assert row["value"] == pytest.approx(800 / 35, abs=1e-6)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "missing vacancy and in-post FTE: 1"


def test_by_council(con):
    # 940: T1 3 / 10 = 30 %; 941: T2 4 / 20 = 20 %; T3 is under both councils -> 'joint' 1 / 5 = 20 %
    assert value(con, "KPI16", "2024-03-31", "snapshot", area="940")["value"] == 30.0
    assert value(con, "KPI16", "2024-03-31", "snapshot", area="941")["value"] == 20.0
    joint = value(con, "KPI16", "2024-03-31", "snapshot", area="joint")
    assert (joint["numerator"], joint["denominator"]) == (1, 5)
    assert value(con, "KPI16", "2024-03-31", "snapshot", team="T1")["value"] == 30.0


def test_records(con):
    recs = records(con, "KPI16", "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs] == [f"T{i}|{QSW}" for i in (1, 2, 3, 4)]


def test_february_and_empty_january(con):
    # February: T1 only, 2 / (2 + 8) = 20 %; January has no rows -> NULL
    assert value(con, "KPI16", "2024-02-29", "snapshot")["value"] == 20.0
    jan = value(con, "KPI16", "2024-01-31", "snapshot")
    assert jan["value"] is None and jan["null_reason"] == "no records in the denominator"


def test_post_types_parameter(con):
    # with social work managers: vacancies 8 + 1 = 9, in post 27 + 2 = 29 -> 9 / 38 = 23.684211 %
    run(con, "KPI16", "2024-03-31", overrides={"post_types": [QSW, "social_work_manager"]})
    row = value(con, "KPI16", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (9, 38)
    assert row["value"] == pytest.approx(900 / 38, abs=1e-6)
