"""The KPI engine: runs one SQL file per KPI card over every month end of a range in one pass.

Contract of a KPI SQL file (sql/kpis/KPInn_*.sql): a single SELECT over the staged contract tables (bare
names), `calendar` / `add_working_days`, `kpi_windows`, the shared models in sql/models (temp tables such as
`person_area`, `team_area`), `postcode_ref` and `area_lookup`, returning one row per record per period
and basis with exactly RECORD_COLUMNS. Parameters are written `$name` and bound from the card's
`parameters` (defaults) and any overrides, plus `$bases` (the card's bases, a list); they are never
formatted into the SQL text. A row with an excluded_reason is counted as excluded and in no numerator or
denominator, whatever its numerator/denominator say. The engine rolls the rows up
(sql/engine/kpi_aggregate.sql) and replaces the range's rows in `kpi_values` and `kpi_records` in one
transaction per KPI.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard, load_cards
from pipelines.lib.paths import SQL_DIR

RECORD_COLUMNS = {
    "period_end": "DATE",
    "basis": "VARCHAR",
    "record_id": "VARCHAR",
    "person_id": "VARCHAR",
    "area": "VARCHAR",
    "team": "VARCHAR",
    "worker": "VARCHAR",
    "numerator": "DOUBLE",
    "denominator": "DOUBLE",
    "excluded_reason": "VARCHAR",
}

_PARAM = re.compile(r"\$([A-Za-z_][A-Za-z0-9_]*)")
_LINE_COMMENT = re.compile(r"--[^\n]*")


class KpiSqlError(RuntimeError):
    pass


def _sql(relative: str) -> str:
    return (SQL_DIR / relative).read_text()


def parameters_used(sql_text: str) -> set[str]:
    return set(_PARAM.findall(_LINE_COMMENT.sub("", sql_text)))


def bind(sql_text: str, available: Mapping[str, Any], where: str) -> dict[str, Any]:
    """The parameters this SQL text uses, from `available`; an unknown one is an error naming the file."""
    used = parameters_used(sql_text)
    unknown = sorted(used - set(available))
    if unknown:
        raise KpiSqlError(f"{where}: parameter(s) {', '.join('$' + u for u in unknown)} not declared")
    return {name: available[name] for name in used}


def install_cost_centres(con: duckdb.DuckDBPyConnection) -> None:
    """The temp table cost_centre_council (cost_centre, la_code): the owning council of each budget-monitoring
    cost centre, from the authority's configuration (data/config/authority.yaml `cost_centres:`)."""
    frame = pl.DataFrame(list(authority().cost_centres), schema={"cost_centre": pl.String(), "la_code": pl.String()},
                         orient="row")
    con.register("configured_cost_centres", frame.to_arrow())
    try:
        db.run(con, "CREATE OR REPLACE TEMP TABLE cost_centre_council AS SELECT * FROM configured_cost_centres")
    finally:
        con.unregister("configured_cost_centres")


def prepare(con: duckdb.DuckDBPyConnection, first_period_end: date, last_period_end: date) -> None:
    """Windows for the range, output tables, the configured cost-centre map and the area models over the staged
    tables."""
    db.run(con, _sql("engine/kpi_tables.sql"))
    install_cost_centres(con)
    db.run(con, _sql("engine/kpi_windows.sql"),
           {"first_period_end": first_period_end, "last_period_end": last_period_end})
    # Shared models (areas, care periods, ...) that several KPIs read, in file-name order.
    for model in sorted((SQL_DIR / "models").glob("*.sql")):
        db.run(con, model.read_text())


def card_parameters(card: KpiCard, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> dict[str, Any]:
    params = dict(card.parameters)
    unknown = set((overrides or {}).get(card.id, {})) - set(params)
    if unknown:
        raise KpiSqlError(f"{card.id}: override(s) for undeclared parameter(s) {sorted(unknown)}")
    params.update((overrides or {}).get(card.id, {}))
    return params


def record_rows(con: duckdb.DuckDBPyConnection, card: KpiCard, params: Mapping[str, Any]) -> None:
    """Run the KPI's SQL into the temp table kpi_rows and check its shape."""
    text = card.sql_path.read_text()
    db.run(con, "DROP TABLE IF EXISTS kpi_rows")
    try:
        available = {**params, "bases": list(card.bases)}
        con.sql(text, params=bind(text, available, str(card.sql_path))).create("kpi_rows")
    except duckdb.Error as exc:
        raise KpiSqlError(f"{card.sql_path}: {exc}") from exc
    got = dict(db.rows(
        con, "SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'kpi_rows' ORDER BY column_index"
    ))
    if got != RECORD_COLUMNS:
        raise KpiSqlError(f"{card.sql_path}: returns {got}, expected {RECORD_COLUMNS}")


@dataclass(frozen=True)
class KpiResult:
    kpi_id: str
    values_rows: int
    record_rows: int


# Output tables by family: the contract KPIs, and the case measures of the departmental core data set
# (same cards, SQL contract and roll-up; kept apart so the contract pack and its checks see only the KPIs).
OUTPUT_TABLES = {"kpi": ("kpi_values", "kpi_records"), "core": ("core_values", "core_records")}


def compute_kpi(con: duckdb.DuckDBPyConnection, card: KpiCard, first_period_end: date, last_period_end: date,
                overrides: Mapping[str, Mapping[str, Any]] | None = None, family: str = "kpi") -> KpiResult:
    """Compute one KPI (or case measure, family 'core') for every month end in the range and replace its rows
    in the family's output tables."""
    values_table, records_table = OUTPUT_TABLES[family]  # fixed names, never user input
    record_rows(con, card, card_parameters(card, overrides))
    agg_params = {"kpi_id": card.id, "scale": card.scale, "unit": card.unit, "bases": list(card.bases),
                  "definition_version": card.definition_version, "council_rows": card.council_rows}
    aggregate = _sql("engine/kpi_aggregate.sql")
    span = {"kpi_id": card.id, "first": first_period_end, "last": last_period_end}
    with db.transaction(con):
        for table in (values_table, records_table):
            db.run(con, f"DELETE FROM {table} WHERE kpi_id = $kpi_id AND period_end BETWEEN $first AND $last", span)
        db.run(con, f"INSERT INTO {values_table} " + aggregate,
               bind(aggregate, agg_params, "sql/engine/kpi_aggregate.sql"))
        db.run(
            con,
            f"INSERT INTO {records_table} SELECT $kpi_id, period_end, basis, record_id, person_id, area, team, worker,"
            " CASE WHEN excluded_reason IS NULL THEN numerator ELSE 0 END,"
            " CASE WHEN excluded_reason IS NULL THEN denominator ELSE 0 END,"
            " excluded_reason FROM kpi_rows WHERE list_contains($bases, basis)",
            {"kpi_id": card.id, "bases": list(card.bases)},
        )
        values_n = db.scalar(
            con, f"SELECT count(*) FROM {values_table} WHERE kpi_id = $kpi_id AND period_end BETWEEN $first AND $last",
            span)
        records_n = db.scalar(con, "SELECT count(*) FROM kpi_rows")
    return KpiResult(card.id, values_n, records_n)


def compute_kpis(con: duckdb.DuckDBPyConnection, first_period_end: date, last_period_end: date,
                 cards: Iterable[KpiCard] | None = None,
                 overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[KpiResult]:
    prepare(con, first_period_end, last_period_end)
    return [compute_kpi(con, c, first_period_end, last_period_end, overrides)
            for c in (cards if cards is not None else load_cards())]
