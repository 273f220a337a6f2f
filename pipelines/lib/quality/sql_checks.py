"""Cross-row and cross-table invariants in SQL (sql/checks/*.sql): cheaper in DuckDB than in GX.

Every check returns rows of (source_file, source_row, table_name, column_name, rule, severity, detail, kpi_id)
and takes bound parameters only ($drop_id, $period_start, $period_end; the row-count band also $low, $high,
$critical_low, $critical_high, $critical_min_rows; the delivery checks $contract_tables;
the local-feed checks also the measure cards as lists, $feed_measures, $percent_measures, ... - see
pipelines/lib/core/local_feeds.feed_parameters).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.contract import contract, ident
from pipelines.lib.kpi_engine import install_cost_centres
from pipelines.lib.paths import REFERENCE_DIR, SQL_DIR
from pipelines.lib.staging import LOCAL_FEEDS

CHECK_DIR = SQL_DIR / "checks"
# A check file says what it is in its leading comments, as the cards do: `-- kind:` (how it runs, below) and
# `-- severity:` (the severities its rows may carry: critical, warning or both). Adding a check is adding a file.
KINDS = {
    "row": "records of the drop: $drop_id, $period_start, $period_end (and quality_code_sets)",
    "delivery": "the drop against the contract and the previous drop: $drop_id, $contract_tables",
    "row_count_band": "row counts against the previous drop's (quality_counts): $drop_id and the band",
    "feed": "local_feeds rows against the measure cards with a feed: block (local_feeds.feed_parameters)",
    "kpi_values": "the computed KPI values (kpi_values): $period_start, $period_end",
    "setup": "not a check: a statement another step runs (row_count_files.sql fills quality_counts)",
}
SEVERITIES = ("critical", "warning")
_HEADER_BLOCK = re.compile(r"\A(?:[ \t]*--[^\n]*\n)*")
_HEADER_LINE = re.compile(r"^--\s*(kind|severity):\s*(.*?)\s*$", re.MULTILINE)


class SqlCheckError(ValueError):
    pass


@dataclass(frozen=True)
class SqlCheck:
    name: str
    kind: str
    severities: tuple[str, ...]
    path: Path

    def sql(self) -> str:
        return self.path.read_text()


def read_check(path: Path) -> SqlCheck:
    """A check file's header: an unknown or missing kind or severity is an error naming the file and line."""
    text = path.read_text()
    header: dict[str, str] = {}
    for m in _HEADER_LINE.finditer(_HEADER_BLOCK.match(text).group(0)):
        if m.group(1) in header:
            raise SqlCheckError(f"{path}: header '-- {m.group(1)}:' given twice")
        header[m.group(1)] = m.group(2)
    kind = header.get("kind")
    if kind not in KINDS:
        found = "no '-- kind:' header in its leading comments" if kind is None else f"header '-- kind: {kind}'"
        raise SqlCheckError(f"{path}: {found}: the kind is one of {', '.join(KINDS)}")
    severities = tuple(s.strip() for s in header.get("severity", "").split(",") if s.strip())
    if kind != "setup" and (not severities or set(severities) - set(SEVERITIES)):
        raise SqlCheckError(f"{path}: header '-- severity: {header.get('severity', '')}' must name "
                            f"{' and/or '.join(SEVERITIES)}")
    return SqlCheck(path.stem, kind, severities, path)


def checks(check_dir: Path = CHECK_DIR, kind: str | None = None) -> list[SqlCheck]:
    """Every check file of the folder (sorted by name), or those of one kind."""
    found = [read_check(p) for p in sorted(check_dir.glob("*.sql"))]
    return [c for c in found if kind is None or c.kind == kind]


BAND = (0.8, 1.25)
# Outside this band of the previous drop's rows a table is critical (halved, or more than doubled: a partial or
# foreign extract), not a warning: see sql/checks/row_count_band.sql.
CRITICAL_BAND = (0.5, 2.0)
CRITICAL_MIN_ROWS = 20  # a table under 20 rows in both drops only warns: a few records either way is noise
COLUMNS = ("source_file", "source_row", "table_name", "column_name", "rule", "severity", "detail", "kpi_id")


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = $s AND table_name = $t",
                          {"s": schema, "t": table}))


def _query(con: duckdb.DuckDBPyConnection, check: SqlCheck, params: dict[str, Any]) -> list[dict]:
    text = check.sql()
    used = set(re.findall(r"\$([a-z_]+)", text))
    out = db.dicts(con, text, {k: v for k, v in params.items() if k in used})
    for r in out:
        if r["severity"] not in check.severities:  # the header says what the check reports
            raise SqlCheckError(f"{check.path}: a row of severity {r['severity']!r}; its header says "
                                f"'-- severity: {', '.join(check.severities)}'")
        r["check"] = check.name
    return out


def _load_code_sets(con: duckdb.DuckDBPyConnection) -> None:
    """Codes valid by collection year (data/reference/code_sets.csv): next year's change is a data edit."""
    frame = pl.read_csv(REFERENCE_DIR / "code_sets.csv", schema_overrides={"first_year": pl.Int64,
                                                                          "last_year": pl.Int64})
    db.run(con, "DROP TABLE IF EXISTS quality_code_sets")
    con.register("code_sets_frame", frame.to_arrow())
    try:
        db.run(con, "CREATE TEMP TABLE quality_code_sets AS SELECT * FROM code_sets_frame")
    finally:
        con.unregister("code_sets_frame")


def _fill_counts(con: duckdb.DuckDBPyConnection) -> None:
    db.run(con, "CREATE OR REPLACE TEMP TABLE quality_counts (table_name VARCHAR, drop_id VARCHAR, "
                "extract_date DATE, revision INTEGER, source_file VARCHAR, n BIGINT)")
    for table in contract().values():
        # Table names come from the contract (validated identifiers); values are bound.
        db.run(con, "INSERT INTO quality_counts SELECT $t, d.drop_id, d.extract_date, d.revision, "
                    "any_value(s.source_file), count(s.drop_id) FROM staged.drops d "
                    "LEFT JOIN staged." + ident(table.name) + " s ON s.drop_id = d.drop_id "
                    # a withdrawn drop is nobody's previous drop
                    "WHERE d.drop_id NOT IN (SELECT drop_id FROM staged.withdrawn_drops) GROUP BY ALL",
               {"t": table.name})
    # A table not delivered in a drop has no file: counts of 0 there are not compared (no source_file). A
    # header-only file is delivered with 0 rows: compared (a collapse to nothing), named by the manifest.
    db.run(con, (CHECK_DIR / "row_count_files.sql").read_text())


def run_sql_checks(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date,
                   band: tuple[float, float] = BAND, kpi_ids: list[str] | None = None,
                   check_dir: Path = CHECK_DIR) -> list[dict]:
    """Every SQL check of `check_dir` (by its `-- kind:` header) for one drop and period: a list of failing-row
    dicts (COLUMNS + 'check')."""
    params = {"drop_id": drop_id, "period_start": period_start, "period_end": period_end}
    rows: list[dict] = []
    if _exists(con, "staged", "drops"):
        _load_code_sets(con)
        install_cost_centres(con)  # budget_line_council.sql reads the configured map, as KPI15 does
        for check in checks(check_dir, "row"):
            rows += _query(con, check, params)
        # local feeds come when a service has figures to supply, not with every extract: never "no longer delivered"
        tables = [t for t in contract() if t != LOCAL_FEEDS]
        for check in checks(check_dir, "delivery"):
            rows += _query(con, check, {"drop_id": drop_id, "contract_tables": tables})
        _fill_counts(con)
        for check in checks(check_dir, "row_count_band"):
            rows += _query(con, check, {"drop_id": drop_id, "low": band[0], "high": band[1],
                                        "critical_low": CRITICAL_BAND[0], "critical_high": CRITICAL_BAND[1],
                                        "critical_min_rows": CRITICAL_MIN_ROWS})
        rows += run_local_feed_checks(con, drop_id, period_start, period_end, check_dir)
    if kpi_ids:
        rows += run_kpi_sql_checks(con, period_start, period_end, kpi_ids, check_dir=check_dir)
    return rows


def run_local_feed_checks(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date,
                          check_dir: Path = CHECK_DIR) -> list[dict]:
    """The local_feeds checks: the measure ids and kinds a feed may carry are bound from the measure cards."""
    from pipelines.lib.core.local_feeds import feed_parameters  # the cards load only when feeds are checked

    if not _exists(con, "staged", "local_feeds"):
        return []
    params = {"drop_id": drop_id, "period_start": period_start, "period_end": period_end} | feed_parameters()
    rows: list[dict] = []
    for check in checks(check_dir, "feed"):
        rows += _query(con, check, params)
    return rows


def owning_councils(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The drop's area_lookup when the connection sees one, else the configured owning councils."""
    try:
        found = [r[0] for r in db.rows(con, "SELECT DISTINCT la_code FROM area_lookup ORDER BY 1")]
    except duckdb.CatalogException:
        found = []
    return found or [c.la_code for c in authority().owning_councils]


def run_kpi_sql_checks(con: duckdb.DuckDBPyConnection, period_start: date, period_end: date,
                       kpi_ids: list[str], placed: list[str] | None = None, check_dir: Path = CHECK_DIR
                       ) -> list[dict]:
    """Every KPI present for every area each month (kpi_values); a KPI in `placed` (card council_rows: placed)
    is expected for the trust only."""
    if not _exists(con, "main", "kpi_values"):
        return []
    db.run(con, "CREATE OR REPLACE TEMP TABLE quality_kpi_ids (kpi_id VARCHAR, councils BOOLEAN)")
    con.from_arrow(pl.DataFrame({"kpi_id": kpi_ids, "councils": [k not in (placed or []) for k in kpi_ids]},
                                schema={"kpi_id": pl.String(), "councils": pl.Boolean()}).to_arrow()
                   ).insert_into("quality_kpi_ids")
    db.run(con, "CREATE OR REPLACE TEMP TABLE quality_areas (area VARCHAR)")
    con.from_arrow(pl.DataFrame({"area": owning_councils(con)}, schema={"area": pl.String()}).to_arrow()
                   ).insert_into("quality_areas")
    rows: list[dict] = []
    for check in checks(check_dir, "kpi_values"):
        rows += _query(con, check, {"period_start": period_start, "period_end": period_end})
    return rows
