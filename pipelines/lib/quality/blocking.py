"""Which months of a figure a critical failing record blocks, beyond the month of its own date.

The checks cover every row of the drop, so a fault years back is found; it blocks a KPI (or case measure) for
month M when the KPI reads the record's table and either the record's child is counted in the figure for M
(kpi_records / core_records), or, for a record naming no child or a figure keeping no person ids, the
record's date falls in the window of one of the card's bases for M. The SQL is
sql/quality/failing_records_in_figures.sql; `blocking_rules` (pipelines/lib/card_run.py) adds these to the
month-dated and undated failures.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.kpi_cards import KpiCard
from pipelines.lib.paths import SQL_DIR

FIGURES_SQL = SQL_DIR / "quality" / "failing_records_in_figures.sql"
# How the record reaches the figure, as the reason says it (kpi_status / core_status)
REACH = {"person": "a record of a child in this figure", "window": "a record in this figure's window"}


def history_blocking(con: duckdb.DuckDBPyConnection, card: KpiCard, failing: pl.DataFrame, first: date,
                     last: date, extract_date: date, family: str = "kpi") -> dict[date, list[str]]:
    """Reasons per month end (first..last) for which `failing` records (store.critical_records) reach this
    card's figure; `kpi_records` / `core_records` must hold the card's rows for the range."""
    tables = list(card.source_tables)
    mine = failing.filter(pl.col("table_name").is_in(tables))
    if not mine.height:
        return {}
    con.register("quality_failing_records", mine.to_arrow())
    try:
        found = db.rows(con, FIGURES_SQL.read_text(), {
            "tables": tables, "family": family, "kpi_id": card.id, "first": first, "last": last,
            "extract_date": extract_date, "bases": list(card.bases)})
    finally:
        con.unregister("quality_failing_records")
    out: dict[date, set[str]] = defaultdict(set)
    for month, table, rule, reach in found:
        out[month].add(f"{table}: {rule} ({REACH[reach]})")
    return {m: sorted(r) for m, r in out.items()}
