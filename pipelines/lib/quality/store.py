"""Findings kept in the warehouse, so the KPI step, the outputs and later runs can read them."""

from __future__ import annotations

import json
from datetime import date

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.quality.gx_runner import Finding

FINDINGS_SCHEMA = {
    "drop_id": pl.String(), "period_start": pl.Date(), "period_end": pl.Date(), "table_name": pl.String(),
    "rule": pl.String(), "severity": pl.String(), "columns": pl.String(), "failing_count": pl.Int64(),
    "kpis_affected": pl.String(), "check_name": pl.String(), "sample_json": pl.String(),
}
FAILURES_SCHEMA = {
    "drop_id": pl.String(), "period_start": pl.Date(), "period_end": pl.Date(), "file": pl.String(),
    "table_name": pl.String(), "column_name": pl.String(), "source_row": pl.Int64(), "rule": pl.String(),
    "severity": pl.String(), "kpis_affected": pl.String(),
}


def _ensure(con: duckdb.DuckDBPyConnection) -> None:
    for name, schema in (("quality_findings", FINDINGS_SCHEMA), ("quality_failures", FAILURES_SCHEMA)):
        exists = db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' "
                                "AND table_name = $t", {"t": name})
        if not exists:
            con.from_arrow(pl.DataFrame(schema=schema).to_arrow()).create(name)


def store_findings(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date,
                   findings: list[Finding]) -> None:
    """Replace the findings for this drop and period (one transaction)."""
    _ensure(con)
    scope = {"drop_id": drop_id, "ps": period_start, "pe": period_end}
    summary = pl.DataFrame([{
        "drop_id": drop_id, "period_start": period_start, "period_end": period_end, "table_name": f.table,
        "rule": f.rule, "severity": f.severity, "columns": ", ".join(f.columns), "failing_count": f.failing_count,
        "kpis_affected": ", ".join(f.kpis), "check_name": f.check, "sample_json": json.dumps(f.sample, default=str),
    } for f in findings], schema=FINDINGS_SCHEMA)
    failures = pl.DataFrame([{
        "drop_id": drop_id, "period_start": period_start, "period_end": period_end, "file": file,
        "table_name": f.table, "column_name": ", ".join(f.columns) or None, "source_row": row, "rule": f.rule,
        "severity": f.severity, "kpis_affected": ", ".join(f.kpis),
    } for f in findings for file, row in (f.locators or [(None, None)])], schema=FAILURES_SCHEMA)
    with db.transaction(con):
        for name in ("quality_findings", "quality_failures"):
            db.run(con, "DELETE FROM " + name + " WHERE drop_id = $drop_id AND period_start = $ps "
                        "AND period_end = $pe", scope)
        con.from_arrow(summary.to_arrow()).insert_into("quality_findings")
        con.from_arrow(failures.to_arrow()).insert_into("quality_failures")


def critical_rules_by_table_month(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date,
                                  period_end: date) -> dict[str, dict[date | None, list[str]]]:
    """Critical rules failed per table and per month end of the failing records' main event date, so a
    fault in one month blocks that month only. Records with no event date, and rules that are not about
    records (a missing column, a row-count band), are filed under None: every month of the run."""
    from pipelines.lib.contract import ident
    from pipelines.lib.quality.gx_runner import suites

    _ensure(con)
    failures = con.sql(
        "SELECT DISTINCT table_name, rule, file, source_row FROM quality_failures WHERE drop_id = $d "
        "AND period_start = $ps AND period_end = $pe AND severity = 'critical'",
        params={"d": drop_id, "ps": period_start, "pe": period_end}).pl()
    out: dict[str, dict[date | None, list[str]]] = {}
    for (table,), group in failures.group_by(["table_name"], maintain_order=True):
        months: dict[date | None, set[str]] = {}
        event_col = (suites().get(table) or {}).get("partition_date")
        located = group.filter(pl.col("source_row").is_not_null() & pl.col("file").is_not_null())
        for rule in group.filter(pl.col("source_row").is_null() | pl.col("file").is_null())["rule"]:
            months.setdefault(None, set()).add(rule)
        if located.height and event_col and table in suites():
            con.register("failing_rows", located.to_arrow())
            try:
                dated = db.rows(con, "SELECT f.rule, CAST(last_day(s." + ident(event_col) + ") AS DATE) "
                                     "FROM failing_rows f JOIN staged." + ident(table) + " s "
                                     "ON s.source_file = f.file AND s.source_row = f.source_row AND s.drop_id = $d",
                                {"d": drop_id})
            finally:
                con.unregister("failing_rows")
            for rule, month in dated:
                months.setdefault(month, set()).add(rule)
        else:
            for rule in located["rule"]:
                months.setdefault(None, set()).add(rule)
        out[table] = {m: sorted(r) for m, r in months.items()}
    return out


# Tables whose records name no person but belong to one through another table: a CLA review belongs to the
# child of its period of care (clar_cla_id = clae_cla_id).
PERSON_VIA = {"ssd_cla_reviews": ("clar_cla_id", "ssd_cla_episodes", "clae_cla_id", "clae_person_id")}
FAILING_RECORDS_SCHEMA = {"table_name": pl.String(), "rule": pl.String(), "event_date": pl.Date(),
                          "person_id": pl.String()}


def critical_records(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date
                     ) -> pl.DataFrame:
    """Every located record failing a critical rule (whatever its date): table, rule, main event date and the
    (pseudonymised) person it belongs to, NULL when the table names none. The KPI step blocks a figure that
    counts that person, or whose window reaches back to a record that names no one (pipelines/lib/card_run.py)."""
    from pipelines.lib.contract import contract, ident
    from pipelines.lib.quality.gx_runner import suites

    _ensure(con)
    failures = con.sql(
        "SELECT DISTINCT table_name, rule, file, source_row FROM quality_failures WHERE drop_id = $d "
        "AND period_start = $ps AND period_end = $pe AND severity = 'critical' AND file IS NOT NULL "
        "AND source_row IS NOT NULL",
        params={"d": drop_id, "ps": period_start, "pe": period_end}).pl()
    tables = contract()
    frames = [pl.DataFrame(schema=FAILING_RECORDS_SCHEMA)]
    for (table,), group in failures.group_by(["table_name"], maintain_order=True):
        if table not in tables:
            continue
        event_col = (suites().get(table) or {}).get("partition_date")
        event = "CAST(s." + ident(event_col) + " AS DATE)" if event_col else "CAST(NULL AS DATE)"
        person_cols = tables[table].person_columns
        # identifiers below come from the contract and the suites (validated names), values are bound
        if person_cols:
            person, via = "s." + ident(person_cols[0]), ""
        elif table in PERSON_VIA:
            own, other, other_key, other_person = PERSON_VIA[table]
            person = "v.person_id"
            via = (" LEFT JOIN (SELECT DISTINCT " + ident(other_key) + " AS link, " + ident(other_person)
                   + " AS person_id FROM staged." + ident(other) + " WHERE drop_id = $d) v ON v.link = s."
                   + ident(own))
        else:
            person, via = "CAST(NULL AS VARCHAR)", ""
        con.register("failing_rows", group.to_arrow())
        try:
            frames.append(con.sql(
                "SELECT DISTINCT f.table_name, f.rule, " + event + " AS event_date, " + person + " AS person_id "
                "FROM failing_rows f JOIN staged." + ident(table) + " s ON s.source_file = f.file "
                "AND s.source_row = f.source_row AND s.drop_id = $d" + via, params={"d": drop_id}).pl())
        finally:
            con.unregister("failing_rows")
    return pl.concat(frames, how="vertical_relaxed")
