"""The run's tables, written into the run's folder (pipelines/lib/publish.py publishes them all together)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.equality import GROUP_COLUMNS, group_values
from pipelines.lib.no_data import NO_DATA, mark_short_of_history
from pipelines.lib.publish import RESTRICTED, write_csv, write_text
from pipelines.lib.records import quarantined_rows, rejected_cells
from pipelines.lib.staging import current_drop_id, drop_files_frame, staged_summary

VALUE_COLUMNS = ["kpi_id", "period_end", "basis", "area", "team", "worker", "numerator", "denominator",
                 "value", "null_reason", "excluded_count", "excluded_reasons", "definition_version"]


def write_atomic_csv(frame: pl.DataFrame, path: Path) -> None:
    """A CSV into the run's folder (text cells made formula-safe; restricted ones 0600)."""
    write_csv(frame, path)


def kpi_values_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pl.DataFrame:
    return con.sql(
        "SELECT * FROM kpi_values WHERE period_end BETWEEN $first AND $last "
        "ORDER BY kpi_id, period_end, basis, area, team NULLS FIRST, worker NULLS FIRST",
        params={"first": first, "last": last},
    ).pl().select(VALUE_COLUMNS)


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.sql("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $t",
                        params={"t": table}).fetchall()[0][0])


def kpi_status_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pl.DataFrame:
    if not _exists(con, "kpi_status"):
        return pl.DataFrame(schema={"kpi_id": pl.String(), "period_end": pl.Date(), "status": pl.String(),
                                    "reasons": pl.String()})
    return con.sql("SELECT kpi_id, period_end, status, reasons FROM kpi_status WHERE period_end BETWEEN $f AND $l "
                   "ORDER BY kpi_id, period_end", params={"f": first, "l": last}).pl()


RETURN_ISSUES_SQL = (
    # statutory-return adapter findings of the current drop (errors, warnings and stitching repairs), located
    # in the return's own file, table (903 table, Annex A list, XML element), column and row
    "SELECT source_file AS file, table_name AS table, column_name AS column, source_row AS row, reason AS rule, "
    "'return ' || severity AS severity, CAST(NULL AS VARCHAR) AS kpis_affected "
    "FROM staged.return_issues i JOIN staged.current_drop c USING (drop_id) "
    "ORDER BY severity, table_name, file, source_row")


def error_report(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pl.DataFrame:
    """Every failing record of the run's quality checks: file, table, column, row, rule, severity, KPIs; then
    the statutory-return adapters' findings for the drop (severity 'return error' / 'return warning' /
    'return repair')."""
    frames = []
    if _exists(con, "quality_failures"):
        frames.append(_quality_failures(con, first, last))
    has_issues = con.sql("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staged' AND "
                         "table_name = 'return_issues'").fetchall()[0][0]
    if has_issues:
        issues = con.sql(RETURN_ISSUES_SQL).pl()
        if issues.height:
            frames.append(issues)
    return pl.concat(frames, how="diagonal_relaxed") if frames else pl.DataFrame()


def _quality_failures(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pl.DataFrame:
    return con.sql(
        "SELECT file, table_name AS table, column_name AS column, source_row AS row, rule, severity, kpis_affected "
        "FROM quality_failures f JOIN staged.current_drop c USING (drop_id) "
        "WHERE f.period_start = $ps AND f.period_end = $pe "
        "ORDER BY severity, table_name, rule, file, source_row",
        params={"ps": first.replace(day=1), "pe": last}).pl()


def _with_commentary(report: pl.DataFrame, issues: pl.DataFrame | None) -> pl.DataFrame:
    if issues is None or not issues.height:
        return report
    return pl.concat([report, issues], how="diagonal_relaxed") if report.width else issues


def files_received(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Every entry of the current drop: used (and for which tables), not used or refused, and why."""
    has = con.sql("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staged' AND "
                  "table_name = 'drop_files'").fetchall()[0][0]
    return drop_files_frame(con) if has else pl.DataFrame(schema={"drop_id": pl.String(), "file": pl.String(),
                                                                  "status": pl.String(), "tables": pl.String(),
                                                                  "reason": pl.String()})


def write_atomic_text(text: str, path: Path) -> None:
    write_text(text, path)


def data_quality_html(con: duckdb.DuckDBPyConnection, first: date, last: date, status: pl.DataFrame) -> str:
    """The data-quality section: KPI publication status and the rules that failed (autoescaped Jinja2)."""
    from pipelines.lib.templating import render

    findings = []
    drop_id = con.sql("SELECT drop_id FROM staged.current_drop").fetchall()[0][0]
    if _exists(con, "quality_findings"):
        findings = con.sql(
            "SELECT table_name, rule, severity, failing_count, kpis_affected FROM quality_findings "
            "WHERE drop_id = $d AND period_start = $ps AND period_end = $pe ORDER BY severity, table_name, rule",
            params={"d": drop_id, "ps": first.replace(day=1), "pe": last}).pl().to_dicts()
    period = last.strftime("%B %Y") if first.replace(day=1) == last.replace(day=1) else f"{first:%B %Y} to {last:%B %Y}"
    return render(
        "data_quality.html", period=period, drop_id=drop_id, status=status.to_dicts(), findings=findings,
        critical_count=sum(f["severity"] == "critical" for f in findings),
        warning_count=sum(f["severity"] != "critical" for f in findings),
    )


def write_outputs(con: duckdb.DuckDBPyConnection, out: Path, first: date, last: date,
                  status_first: date | None = None, commentary_issues: pl.DataFrame | None = None
                  ) -> dict[Path, int]:
    """The analysts' tables. Every computed value is kept, with its data-quality status (dq_status:
    published, or blocked by a critical check, reason in kpi_status.csv), except "no data" months, whose
    inputs are absent: no value, and null_reason says why. The published packs leave both out.
    kpi_status.csv and data_quality.html also cover the months from `status_first` (the 12 months the run
    recomputed for trends and breaches). `commentary_issues`: the faults of the run's commentary file(s)
    (pipelines/lib/commentary.issues_frame), added to error_report.csv."""
    status = kpi_status_frame(con, min(first, status_first or first), last)
    values = (kpi_values_frame(con, first, last)
              .join(status.select("kpi_id", "period_end", pl.col("status").alias("dq_status"), "reasons"),
                    on=["kpi_id", "period_end"], how="left")
              .with_columns(pl.col("dq_status").fill_null("not checked")))
    # "no data": the inputs are absent, so no number is written (a computed 0 would look real); null_reason
    # says why
    no_data = pl.col("dq_status") == NO_DATA
    values = values.with_columns(
        *[pl.when(no_data).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value")],
        pl.when(no_data).then(pl.lit("no data: ") + pl.col("reasons")).otherwise(pl.col("null_reason"))
        .alias("null_reason"),
    ).drop("reasons")
    # and a row of another basis than the headline reading before a table's history (KPI02's r12 on returns)
    values = mark_short_of_history(con, current_drop_id(con), values)
    area_rows = values.filter(pl.col("team").is_null() & pl.col("worker").is_null()).drop("team", "worker")
    team_rows = values.filter(pl.col("team").is_not_null() | pl.col("worker").is_not_null())
    restricted = out / RESTRICTED
    tables = {
        # unsuppressed tables and record lists: restricted (README "Who may see which output")
        restricted / "kpi_values.csv": area_rows,
        restricted / "kpi_values_by_team.csv": team_rows,
        # child-level KPIs by sex, ethnicity group, age band, disability, UASC (pipelines/lib/equality.py)
        restricted / "kpi_values_by_group.csv": group_values(con, first, last).select(GROUP_COLUMNS),
        restricted / "rejections.csv": rejected_cells(con),
        restricted / "quarantined_rows.csv": quarantined_rows(con),
        restricted / "error_report.csv": _with_commentary(error_report(con, first, last), commentary_issues),
        # counts per table and publication status: published
        out / "staged_tables.csv": staged_summary(con),
        out / "kpi_status.csv": status,
        out / "drop_files.csv": files_received(con),
    }
    for path, frame in tables.items():
        write_atomic_csv(frame, path)
    # the readable page of error_report.csv, with counts of failing records (small ones included): restricted
    write_atomic_text(data_quality_html(con, first, last, status), restricted / "data_quality.html")
    return {**{p: f.height for p, f in tables.items()}, restricted / "data_quality.html": status.height}
