"""KPI20: data breaches reported to the ICO, counted by ICO report date. Hand-worked counts.

Financial quarters: Q1 Apr-Jun, Q2 Jul-Sep, Q3 Oct-Dec, Q4 Jan-Mar; the quarter basis is quarter to date.
"""

from dataclasses import replace
from datetime import date

import duckdb
import pytest

from pipelines.lib import db
from pipelines.lib.kpi_cards import card
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.paths import SQL_DIR
from pipelines.lib.quality.sql_checks import run_kpi_sql_checks
from tests.kpi_fixture import add, records, run, value, warehouse


def incident(iid, detected, reported, ico_date):
    return {"incident_id": iid, "detected_date": detected, "reported_to_ico": reported,
            "ico_report_date": ico_date, "category": "disclosure", "severity": "high"}


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "information_governance_incidents", [
        incident("I1", "2023-12-28", True, "2024-01-02"),   # Q4, January
        incident("I2", "2024-02-12", True, "2024-02-15"),   # Q4, February
        incident("I3", "2024-03-29", True, "2024-03-31"),   # Q4, last day of the quarter and year
        incident("I4", "2024-03-30", True, "2024-04-01"),   # Q1 2024/25, first day of the year
        incident("I5", "2024-03-01", False, None),          # not reported: never counted
        incident("I6", "2024-03-10", True, None),           # reported, no report date: excluded in March
        incident("I7", "2023-12-01", True, "2023-12-31"),   # Q3, last day of the quarter
        incident("I8", "2023-03-30", True, "2023-04-01"),   # Q1 2023/24, first day of the year
        incident("I9", "2024-02-10", True, "2024-02-01"),   # reported before it was detected: excluded
    ])
    run(con, "KPI20", "2023-04-30", "2024-05-31")
    return con


def test_quarter_at_year_end(con):
    # Q4 (1 Jan - 31 Mar 2024): I1, I2, I3 = 3; excluded I6 (March) and I9 (February)
    row = value(con, "KPI20", "2024-03-31", "quarter")
    assert row["value"] == 3.0 and row["numerator"] == 3.0
    assert row["denominator"] is None
    assert row["excluded_count"] == 2
    assert row["excluded_reasons"] == (
        "ICO report date before detection date: 1; reported to ICO with no ICO report date: 1")


def test_quarter_to_date(con):
    # 29 Feb 2024: Q4 to date (1 Jan - 29 Feb) holds I1, I2 = 2; 31 Dec 2023: Q3 holds I7 = 1
    assert value(con, "KPI20", "2024-02-29", "quarter")["value"] == 2.0
    assert value(con, "KPI20", "2023-12-31", "quarter")["value"] == 1.0


def test_month_and_fytd(con):
    # March 2024: I3 = 1; fytd 2023/24: I8, I7, I1, I2, I3 = 5 (the months add up to it)
    assert value(con, "KPI20", "2024-03-31", "month")["value"] == 1.0
    assert value(con, "KPI20", "2024-03-31", "fytd")["value"] == 5.0
    # April 2024 starts a new year: I4 = 1 on every basis
    for basis in ("month", "quarter", "fytd"):
        assert value(con, "KPI20", "2024-04-30", basis)["value"] == 1.0
    assert value(con, "KPI20", "2023-04-30", "month")["value"] == 1.0  # I8


def test_records(con):
    assert [r["record_id"] for r in records(con, "KPI20", "2024-03-31", "month")] == ["I3", "I6"]


def test_empty_period_is_zero_count(con):
    # a count with nothing to count is 0, not NULL (the trust row)
    row = value(con, "KPI20", "2024-05-31", "month")
    assert row["value"] == 0.0 and row["null_reason"] is None


def test_no_council_rows(con):
    # an incident names no child, so none is placed in a council: the trust total only on every basis (month,
    # quarter - the headline - and fytd), never a council row of 0 beside a trust count of 3
    assert value(con, "KPI20", "2024-03-31", "quarter")["value"] == 3.0
    areas = db.rows(con, "SELECT DISTINCT basis, area FROM kpi_values WHERE kpi_id = 'KPI20' ORDER BY 1, 2")
    assert areas == [("fytd", "all"), ("month", "all"), ("quarter", "all")]


def test_council_row_only_where_an_incident_is_placed(tmp_path):
    # council_rows: placed - with SQL that places I2 in 941 (as a child's council would), 941 gets a row (1 in
    # February) and 940 none; the trust still counts every incident
    sql = (SQL_DIR / "kpis" / "KPI20_ico_data_breaches.sql").read_text().replace(
        "CAST(NULL AS VARCHAR) AS area,", "CASE WHEN i.incident_id = 'I2' THEN '941' END AS area,")
    (tmp_path / "placed.sql").write_text(sql)
    placed = replace(card("KPI20"), sql_path=tmp_path / "placed.sql")
    con = warehouse()
    add(con, "information_governance_incidents", [incident("I1", "2024-01-01", True, "2024-02-01"),
                                                  incident("I2", "2024-02-12", True, "2024-02-15")])
    prepare(con, date(2024, 2, 29), date(2024, 2, 29))
    compute_kpi(con, placed, date(2024, 2, 29), date(2024, 2, 29))
    assert value(con, "KPI20", "2024-02-29", "month", area="941")["value"] == 1.0
    assert value(con, "KPI20", "2024-02-29", "month")["value"] == 2.0
    assert db.scalar(con, "SELECT count(*) FROM kpi_values WHERE area = '940'") == 0


def test_completeness_expects_trust_only_for_placed_kpis():
    # kpi_completeness.sql: a KPI with council_rows: placed is complete with its trust row alone; another KPI
    # missing a council row is still reported
    con = duckdb.connect()
    con.execute("CREATE TABLE kpi_values (kpi_id VARCHAR, period_end DATE, area VARCHAR, team VARCHAR)")
    con.execute("INSERT INTO kpi_values VALUES ('KPI20', DATE '2024-03-31', 'all', NULL),"
                "('KPI14', DATE '2024-03-31', 'all', NULL), ('KPI14', DATE '2024-03-31', '940', NULL)")
    con.execute("CREATE TABLE area_lookup AS SELECT * FROM (VALUES ('940', 'N'), ('941', 'W')) t(la_code, area_name)")
    found = run_kpi_sql_checks(con, date(2024, 3, 1), date(2024, 3, 31), ["KPI14", "KPI20"], placed=["KPI20"])
    assert [f["detail"] for f in found] == ["KPI14 missing for 2024-03-31 area 941"]


@pytest.mark.parametrize("basis,expected", [("month", 0.0), ("quarter", 0.0), ("fytd", 0.0)])
def test_before_any_report(basis, expected):
    con = warehouse()
    add(con, "information_governance_incidents", [incident("X1", "2020-06-01", True, "2020-06-02")])
    run(con, "KPI20", "2020-05-31")
    assert value(con, "KPI20", "2020-05-31", basis)["value"] == expected
