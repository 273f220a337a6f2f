"""Cross-row and cross-table invariants in SQL (sql/checks/*.sql): cheaper in DuckDB than in GX.

Every check returns rows of (source_file, source_row, table_name, column_name, rule, severity, detail, kpi_id)
and takes bound parameters only ($drop_id, $period_start, $period_end; the row-count band also $low, $high,
$critical_low, $critical_high, $critical_min_rows; the delivery checks $contract_tables;
the local-feed checks also the measure cards as lists, $feed_measures, $percent_measures, ... - see
pipelines/lib/core/local_feeds.feed_parameters).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.contract import contract, ident
from pipelines.lib.paths import REFERENCE_DIR, SQL_DIR
from pipelines.lib.staging import LOCAL_FEEDS

CHECK_DIR = SQL_DIR / "checks"
ROW_CHECKS = ("overlapping_care_episodes", "overlapping_placements", "referral_before_assessment",
              "s47_before_icpc", "dob_before_events", "events_after_extract", "rec_code_for_year",
              "contact_decision_dates_missing", "dates_in_order",
              # DfE 903 / CIN census rules that change a figure (data/reference/dfe_rules.csv)
              "episode_ceased_date_and_reason", "looked_after_after_18th_birthday", "ceased_reason_for_age",
              "legal_status_for_age", "postcode_not_located", "adoption_dates_in_order",
              "activity_on_nfa_referral", "episode_continuity", "missing_episode_dates", "missing_episode_type",
              "review_participation_code", "short_break_length", "person_record_missing",
              "care_leaver_in_touch_code", "oc2_child_in_12_month_cohort", "cin_plan_after_extract")
# local_feeds rows against the measure cards with a feed: block (pipelines/lib/core/local_feeds.py)
FEED_CHECKS = ("local_feed_unknown_measure", "local_feed_numerator_above_denominator",
               "local_feed_value_inconsistent", "local_feed_percent_range", "local_feed_negative_count",
               "local_feed_period_not_month_end", "local_feed_no_figure", "local_feed_expected_range")
BAND = (0.8, 1.25)
# Outside this band of the previous drop's rows a table is critical (halved, or more than doubled: a partial or
# foreign extract), not a warning: see sql/checks/row_count_band.sql.
CRITICAL_BAND = (0.5, 2.0)
CRITICAL_MIN_ROWS = 20  # a table under 20 rows in both drops only warns: a few records either way is noise
# Delivery checks (the drop against the contract and the previous drop), about tables, not records
DELIVERY_CHECKS = ("missing_column", "table_no_longer_delivered")
COLUMNS = ("source_file", "source_row", "table_name", "column_name", "rule", "severity", "detail", "kpi_id")


def check_sql(name: str) -> str:
    return (CHECK_DIR / f"{name}.sql").read_text()


def _exists(con: duckdb.DuckDBPyConnection, schema: str, table: str) -> bool:
    return bool(db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = $s AND table_name = $t",
                          {"s": schema, "t": table}))


def _query(con: duckdb.DuckDBPyConnection, name: str, params: dict[str, Any]) -> list[dict]:
    text = check_sql(name)
    used = set(re.findall(r"\$([a-z_]+)", text))
    out = db.dicts(con, text, {k: v for k, v in params.items() if k in used})
    for r in out:
        r["check"] = name
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
                   band: tuple[float, float] = BAND, kpi_ids: list[str] | None = None) -> list[dict]:
    """Every SQL check for one drop and period: a list of failing-row dicts (COLUMNS + 'check')."""
    params = {"drop_id": drop_id, "period_start": period_start, "period_end": period_end}
    rows: list[dict] = []
    if _exists(con, "staged", "drops"):
        _load_code_sets(con)
        for name in ROW_CHECKS:
            rows += _query(con, name, params)
        # local feeds come when a service has figures to supply, not with every extract: never "no longer delivered"
        tables = [t for t in contract() if t != LOCAL_FEEDS]
        for name in DELIVERY_CHECKS:
            rows += _query(con, name, {"drop_id": drop_id, "contract_tables": tables})
        _fill_counts(con)
        rows += _query(con, "row_count_band", {"drop_id": drop_id, "low": band[0], "high": band[1],
                                               "critical_low": CRITICAL_BAND[0], "critical_high": CRITICAL_BAND[1],
                                               "critical_min_rows": CRITICAL_MIN_ROWS})
        rows += run_local_feed_checks(con, drop_id, period_start, period_end)
    if kpi_ids:
        rows += run_kpi_sql_checks(con, period_start, period_end, kpi_ids)
    return rows


def run_local_feed_checks(con: duckdb.DuckDBPyConnection, drop_id: str, period_start: date, period_end: date
                          ) -> list[dict]:
    """The local_feeds checks: the measure ids and kinds a feed may carry are bound from the measure cards."""
    from pipelines.lib.core.local_feeds import feed_parameters  # the cards load only when feeds are checked

    if not _exists(con, "staged", "local_feeds"):
        return []
    params = {"drop_id": drop_id, "period_start": period_start, "period_end": period_end} | feed_parameters()
    rows: list[dict] = []
    for name in FEED_CHECKS:
        rows += _query(con, name, params)
    return rows


def owning_councils(con: duckdb.DuckDBPyConnection) -> list[str]:
    """The drop's area_lookup when the connection sees one, else the configured owning councils."""
    try:
        found = [r[0] for r in db.rows(con, "SELECT DISTINCT la_code FROM area_lookup ORDER BY 1")]
    except duckdb.CatalogException:
        found = []
    return found or [c.la_code for c in authority().owning_councils]


def run_kpi_sql_checks(con: duckdb.DuckDBPyConnection, period_start: date, period_end: date,
                       kpi_ids: list[str]) -> list[dict]:
    """Every KPI present for every area each month (kpi_values)."""
    if not _exists(con, "main", "kpi_values"):
        return []
    db.run(con, "CREATE OR REPLACE TEMP TABLE quality_kpi_ids (kpi_id VARCHAR)")
    con.from_arrow(pl.DataFrame({"kpi_id": kpi_ids}).to_arrow()).insert_into("quality_kpi_ids")
    db.run(con, "CREATE OR REPLACE TEMP TABLE quality_areas (area VARCHAR)")
    con.from_arrow(pl.DataFrame({"area": owning_councils(con)}, schema={"area": pl.String()}).to_arrow()
                   ).insert_into("quality_areas")
    return _query(con, "kpi_completeness", {"period_start": period_start, "period_end": period_end})
