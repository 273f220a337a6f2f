"""KPI15: budget % variance = (forecast outturn - annual budget) / annual budget x 100. Hand-worked values."""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def line(period_end, service_line, cost_centre, budget, forecast):
    return {"period_end": period_end, "service_line": service_line, "cost_centre": cost_centre,
            "annual_budget": budget, "forecast_outturn": forecast, "actual_to_date": None}


@pytest.fixture()
def con():
    con = warehouse()
    # cost centre CC3 is a team of West Northamptonshire (941)
    add(con, "ssd_department", [{"dept_team_id": "CC3", "dept_team_parent_id": "941"}])
    add(con, "budget_monitoring", [
        # March 2024
        line("2024-03-31", "Children in care", "CC1", 1_000_000.0, 1_100_000.0),   # +100,000 (+10 %)
        line("2024-03-31", "Children in care", "CC2", 500_000.0, 450_000.0),       # -50,000 (-10 %)
        line("2024-03-31", "Safeguarding", "CC3", 2_000_000.0, 2_000_000.0),       # 0
        line("2024-03-31", "Safeguarding", "CC4", 0.0, 10_000.0),                  # +10,000 on a zero budget
        line("2024-03-31", "Corporate", "CC5", None, 5_000.0),                     # no budget: excluded
        # an earlier forecast in March for CC1: superseded by the 31 March row
        line("2024-03-15", "Children in care", "CC1", 1_000_000.0, 1_900_000.0),
        # February 2024
        line("2024-02-29", "Children in care", "CC1", 1_000_000.0, 1_200_000.0),  # +200,000
    ])
    run(con, "KPI15", "2024-01-31", "2024-03-31")
    return con


def test_trust_total_is_budget_weighted(con):
    # variances 100,000 - 50,000 + 0 + 10,000 = 60,000 over budgets 1,000,000 + 500,000 + 2,000,000 + 0
    # = 3,500,000 -> 1.714286 % (the mean of the line percentages would be something else entirely)
    row = value(con, "KPI15", "2024-03-31", "month")
    assert (row["numerator"], row["denominator"]) == (60_000, 3_500_000)
    assert row["value"] == pytest.approx(100 * 60_000 / 3_500_000, abs=1e-6)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "missing annual budget: 1"


def test_service_lines_in_team_column(con):
    # Children in care: 50,000 / 1,500,000 = 3.333333 %; Safeguarding: 10,000 / 2,000,000 = 0.5 %
    assert value(con, "KPI15", "2024-03-31", "month", team="Children in care")["value"] == pytest.approx(
        100 * 50_000 / 1_500_000, abs=1e-6)
    assert value(con, "KPI15", "2024-03-31", "month", team="Safeguarding")["value"] == 0.5


def test_overspend_is_positive_and_one_round_per_month(con):
    # February: only CC1, +200,000 / 1,000,000 = +20 % (overspend positive)
    assert value(con, "KPI15", "2024-02-29", "month")["value"] == 20.0
    # March holds CC1 once (the 31 March forecast), not the 15 March one too
    recs = records(con, "KPI15", "2024-03-31", "month")
    assert [r["record_id"] for r in recs] == [
        "Children in care|CC1", "Children in care|CC2", "Corporate|CC5", "Safeguarding|CC3",
        "Safeguarding|CC4"]


def test_by_council(con):
    # CC3 is a 941 team: 0 / 2,000,000 = 0 %; 940 has no lines -> NULL
    row = value(con, "KPI15", "2024-03-31", "month", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 2_000_000, 0.0)
    assert value(con, "KPI15", "2024-03-31", "month", area="940")["value"] is None


def test_empty_month_is_null(con):
    row = value(con, "KPI15", "2024-01-31", "month")
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"
