"""KPI15: budget % variance = (forecast outturn - annual budget) / annual budget x 100. Hand-worked values."""

from pathlib import Path

import duckdb
import pytest
import yaml

from pipelines.lib.config import AUTHORITY_FILE, authority
from pipelines.lib.kpi_engine import install_cost_centres
from pipelines.lib.paths import SQL_DIR
from pipelines.lib.quality.sql_checks import _query, read_check
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


def test_cost_centre_that_is_a_team_is_not_a_council(con):
    # CC3 is also a team id in ssd_department, but lines are placed by the configured cost-centre map only
    # (none of CC1-CC5 is in it): every line is 'unknown', and the councils have no lines -> NULL
    assert value(con, "KPI15", "2024-03-31", "month", area="unknown")["denominator"] == 3_500_000
    assert value(con, "KPI15", "2024-03-31", "month", area="941")["value"] is None


def test_empty_month_is_null(con):
    row = value(con, "KPI15", "2024-01-31", "month")
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"


# --- Council rows: the configured cost-centre -> council map (authority.yaml cost_centres:). A copy of the
# authority file maps CCN1, CCN2 to North Northamptonshire (940) and CCW1 (written ' ccw1 ': normalised) to
# West Northamptonshire (941); CCX9 is in no council.
@pytest.fixture()
def mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    raw = yaml.safe_load(AUTHORITY_FILE.read_text())
    raw["cost_centres"] = {"940": ["CCN1", "CCN2"], "941": [" ccw1 "]}
    (tmp_path / "authority.yaml").write_text(yaml.safe_dump(raw))
    monkeypatch.setenv("SCORECARD_AUTHORITY", str(tmp_path / "authority.yaml"))
    con = warehouse()
    add(con, "budget_monitoring", [
        line("2024-03-31", "Placements", "CCN1", 1_000_000.0, 1_100_000.0),     # 940: +100,000
        line("2024-03-31", "Placements", "CCW1", 2_000_000.0, 1_900_000.0),     # 941: -100,000
        line("2024-03-31", "Family support", "CCN2", 500_000.0, 525_000.0),     # 940: +25,000
        line("2024-03-31", "Corporate", "CCX9", 100_000.0, 150_000.0),          # unmapped: +50,000
        line("2024-02-29", "Placements", "CCN1", 1_000_000.0, 1_200_000.0),     # February, 940: +200,000
    ])
    run(con, "KPI15", "2024-02-29", "2024-03-31")
    return con


def test_lines_in_each_council_and_one_unmapped(mapped):
    # March (the month basis is KPI15's headline and only basis):
    # 940 = (100,000 + 25,000) / (1,000,000 + 500,000) = 8.333333 %; 941 = -100,000 / 2,000,000 = -5 %
    n = value(mapped, "KPI15", "2024-03-31", "month", area="940")
    assert (n["numerator"], n["denominator"]) == (125_000, 1_500_000)
    assert n["value"] == pytest.approx(100 * 125_000 / 1_500_000, abs=1e-6)
    w = value(mapped, "KPI15", "2024-03-31", "month", area="941")
    assert (w["numerator"], w["denominator"], w["value"]) == (-100_000, 2_000_000, -5.0)
    # the unmapped line is in no council, but still in the trust: 75,000 / 3,600,000 = 2.083333 %
    u = value(mapped, "KPI15", "2024-03-31", "month", area="unknown")
    assert (u["numerator"], u["denominator"], u["value"]) == (50_000, 100_000, 50.0)
    a = value(mapped, "KPI15", "2024-03-31", "month")
    assert (a["numerator"], a["denominator"]) == (75_000, 3_600_000)
    assert a["value"] == pytest.approx(100 * 75_000 / 3_600_000, abs=1e-6)
    # the service line keeps both councils' lines: Placements = 0 / 3,000,000 = 0 %
    assert value(mapped, "KPI15", "2024-03-31", "month", team="Placements")["value"] == 0.0


def test_council_with_no_line_in_the_month(mapped):
    # February: 940 = 200,000 / 1,000,000 = 20 %; 941 has no line that month -> NULL, truly nothing to divide
    assert value(mapped, "KPI15", "2024-02-29", "month", area="940")["value"] == 20.0
    assert value(mapped, "KPI15", "2024-02-29", "month", area="941")["null_reason"] == "no records in the denominator"


def test_unmapped_line_is_a_located_warning(mapped):
    # sql/checks/budget_line_council.sql: a warning per unmapped (or blank) cost centre, with file and row
    con = duckdb.connect()
    con.execute("CREATE SCHEMA staged; CREATE TABLE staged.budget_monitoring (drop_id VARCHAR, source_file VARCHAR,"
                " source_row BIGINT, period_end DATE, cost_centre VARCHAR)")
    con.execute("INSERT INTO staged.budget_monitoring VALUES "
                "('D1', 'budget_monitoring.csv', 1, DATE '2024-03-31', 'CCN1'),"
                "('D1', 'budget_monitoring.csv', 2, DATE '2024-03-31', 'CCX9'),"
                "('D1', 'budget_monitoring.csv', 3, DATE '2024-03-31', NULL),"
                "('D1', 'budget_monitoring.csv', 4, DATE '2024-03-31', 'CCW1'),"
                "('D1', 'budget_monitoring.csv', 5, DATE '2024-02-29', 'CCX9'),"   # another month
                "('D0', 'budget_monitoring.csv', 6, DATE '2024-03-31', 'CCX9')")   # another drop
    install_cost_centres(con)
    found = _query(con, read_check(SQL_DIR / "checks" / "budget_line_council.sql"),
                   {"drop_id": "D1", "period_start": "2024-03-01", "period_end": "2024-03-31"})
    assert [(f["source_file"], f["source_row"], f["table_name"], f["column_name"], f["severity"], f["kpi_id"])
            for f in found] == [("budget_monitoring.csv", 2, "budget_monitoring", "cost_centre", "warning", "KPI15"),
                                ("budget_monitoring.csv", 3, "budget_monitoring", "cost_centre", "warning", "KPI15")]
    assert "CCX9" in found[0]["detail"] and "trust only" in found[0]["detail"]


def test_cost_centre_map_is_checked(tmp_path: Path):
    raw = yaml.safe_load(AUTHORITY_FILE.read_text())
    raw["cost_centres"] = {"940": ["CCA"], "941": ["cca"]}
    (tmp_path / "a.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="CCA listed under 940 and 941"):
        authority(tmp_path / "a.yaml")
    raw["cost_centres"] = {"383": ["CCA"]}
    (tmp_path / "b.yaml").write_text(yaml.safe_dump(raw))
    with pytest.raises(ValueError, match="383 is not an owning council"):
        authority(tmp_path / "b.yaml")
