"""Data-quality checks for a staged drop and the KPI values (plain Python; the Dagster asset checks wrap it).

- expectations/<table>.json: readable GX suites (one per staged table, one for kpi_values), run over pandas
  slices by `gx_runner.validate` (Great Expectations is imported only there, lazily);
- sql/checks/*.sql: cross-row and cross-table invariants, run by `sql_checks.run_sql_checks`.

`run_quality` runs both over every row of the drop, whatever the run's months: fytd, r12, r36 and snapshot
figures, the 12 months recomputed for trends and cohorts reaching back years all read older records, so a
fault years back is found and reported; which months it blocks is decided per KPI (pipelines/lib/card_run.py,
`history_blocking`). `error_report_frame` lists every failing record with file,
table, column, row, rule, severity and the KPIs it affects.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import polars as pl

from pipelines.lib.contract import ident
from pipelines.lib.kpi_cards import load_cards
from pipelines.lib.quality.gx_runner import SAMPLE_SIZE, Finding, suites, validate
from pipelines.lib.quality.sql_checks import run_kpi_sql_checks, run_sql_checks

__all__ = ["Finding", "affected_kpis", "check_kpi_values", "error_report_frame", "run_quality", "staged_slice",
           "suites", "validate"]

REPORT_SCHEMA = {"file": pl.String(), "table": pl.String(), "column": pl.String(), "row": pl.Int64(),
                 "rule": pl.String(), "severity": pl.String(), "kpis_affected": pl.String()}


def affected_kpis(table: str) -> list[str]:
    """KPI ids whose SQL reads `table`, directly or through a shared model (every KPI for kpi_values)."""
    cards = load_cards()
    if table == "kpi_values":
        return [c.id for c in cards]
    return [c.id for c in cards if table in c.source_tables]


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(con.execute("SELECT count(*) FROM duckdb_tables() WHERE schema_name = $s AND table_name = $t",
                            {"s": schema, "t": table}).fetchall()[0][0])


def staged_slice(con: duckdb.DuckDBPyConnection, table: str, drop_id: str, period_start: date, period_end: date,
                 partition_date: str | None):
    """The drop's rows of a staged table as pandas; for event tables only the month's rows (main event date in
    the period) and rows with no main date."""
    sql = "SELECT * FROM staged." + ident(table) + " WHERE drop_id = $drop_id"
    params = {"drop_id": drop_id}
    if partition_date:
        col = ident(partition_date)
        sql += f" AND ({col} BETWEEN $ps AND $pe OR {col} IS NULL)"
        params |= {"ps": period_start, "pe": period_end}
    return con.sql(sql + " ORDER BY source_file, source_row", params=params).df()


def kpi_values_slice(con: duckdb.DuckDBPyConnection, period_start: date, period_end: date):
    """Area-level KPI values in the period with each KPI's unit; row = position in kpi_id/period/basis/area order."""
    # proportion: a percentage of one cohort (0-100, numerator <= denominator); cards mark the exceptions
    units = pl.DataFrame({"kpi_id": [c.id for c in load_cards()], "unit": [c.unit for c in load_cards()],
                          "proportion": [c.unit == "percent" and c.raw.get("proportion", True) for c in load_cards()]})
    con.register("quality_units", units.to_arrow())
    try:
        return con.sql(
            "SELECT 'kpi_values' AS source_file, "
            "row_number() OVER (ORDER BY v.kpi_id, v.period_end, v.basis, v.area) AS source_row, v.*, u.unit, "
            "u.proportion "
            "FROM kpi_values v LEFT JOIN quality_units u USING (kpi_id) "
            "WHERE v.period_end BETWEEN $ps AND $pe AND v.team IS NULL ORDER BY source_row",
            params={"ps": period_start, "pe": period_end}).df()
    finally:
        con.unregister("quality_units")


def _sql_findings(rows: list[dict]) -> list[Finding]:
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in rows:
        groups[(r["table_name"], r["rule"], r["severity"], r["column_name"], r["check"], r["kpi_id"])].append(r)
    out = []
    for (table, rule, severity, column, check, kpi_id), rs in groups.items():
        rs.sort(key=lambda r: (r["source_file"] or "", r["source_row"] or 0))
        out.append(Finding(
            table=table, rule=rule, severity=severity, columns=(column,) if column else (),
            failing_count=len(rs),
            sample=[{"source_file": r["source_file"], "source_row": r["source_row"], "detail": r["detail"]}
                    for r in rs[:SAMPLE_SIZE]],
            locators=[(r["source_file"], r["source_row"]) for r in rs], check=check,
            detail=rs[0]["detail"] if len(rs) == 1 else None,
            kpis=(kpi_id,) if kpi_id else tuple(affected_kpis(table)),
        ))
    return out


def run_quality(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date,
                include_kpi_values: bool = True) -> list[Finding]:
    """GX suites over every row of the drop plus the SQL checks; critical findings first. The period bounds
    only the kpi_values slice. Without `include_kpi_values` only the staged inputs are checked (before the KPIs
    are computed)."""
    findings: list[Finding] = []
    for table, suite in suites().items():
        if table == "kpi_values" and not include_kpi_values:
            continue
        if table == "kpi_values":
            if not _exists(con, "main", "kpi_values"):
                continue
            frame = kpi_values_slice(con, period_start, period_end)
        else:
            if not _exists(con, "staged", table):
                continue
            # the whole drop (no month filter): older records feed this run's figures too
            frame = staged_slice(con, table, drop_id, period_start, period_end, None)
        for f in validate(frame, suite):
            f.kpis = tuple(affected_kpis(table))
            findings.append(f)
    sql_rows = run_sql_checks(con, drop_id, period_start, period_end, kpi_ids=[c.id for c in load_cards()])
    if not include_kpi_values:
        sql_rows = [r for r in sql_rows if r["table_name"] != "kpi_values"]
    findings += _sql_findings(sql_rows)
    findings.sort(key=lambda f: (f.severity != "critical", f.table, f.rule))
    return findings


def error_report_frame(findings: list[Finding]) -> pl.DataFrame:
    """Every failing record: file, table, column, row, rule, severity, kpis_affected (comma-separated)."""
    records = []
    for f in findings:
        column = ", ".join(f.columns) if f.columns else None
        kpis = ", ".join(f.kpis)
        locs = f.locators or [(None, None)]
        for file, row in locs:
            records.append({"file": file, "table": f.table, "column": column, "row": row, "rule": f.rule,
                            "severity": f.severity, "kpis_affected": kpis})
    return pl.DataFrame(records, schema=REPORT_SCHEMA)


def check_kpi_values(con: duckdb.DuckDBPyConnection, period_start: date, period_end: date
                     ) -> dict[str, list[Finding]]:
    """The kpi_values suite and the completeness check, attributed to the KPI each failing row belongs to."""
    by_kpi: dict[str, list[Finding]] = defaultdict(list)
    frame = kpi_values_slice(con, period_start, period_end)
    kpi_of_row = dict(zip(frame["source_row"].tolist(), frame["kpi_id"].tolist(), strict=True))
    for f in validate(frame, suites()["kpi_values"]):
        kpis = sorted({kpi_of_row.get(row) for _, row in f.locators} - {None}) or [c.id for c in load_cards()]
        for kpi in kpis:
            f_kpi = Finding(table=f.table, rule=f.rule, severity=f.severity, columns=f.columns,
                            failing_count=sum(1 for _, row in f.locators if kpi_of_row.get(row) == kpi),
                            sample=[s for s in f.sample if s.get("kpi_id") in (None, kpi)],
                            locators=[loc for loc in f.locators if kpi_of_row.get(loc[1]) == kpi],
                            check=f.check, detail=f.detail, kpis=(kpi,))
            by_kpi[kpi].append(f_kpi)
    cards = load_cards()
    placed = [c.id for c in cards if c.council_rows == "placed"]  # council rows only where records are placed
    for f in _sql_findings(run_kpi_sql_checks(con, period_start, period_end, [c.id for c in cards], placed)):
        for kpi in f.kpis:
            by_kpi[kpi].append(f)
    return dict(by_kpi)
