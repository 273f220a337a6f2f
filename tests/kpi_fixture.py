"""A tiny in-memory warehouse for KPI tests: typed empty contract tables, reference data, helpers.

Tests insert hand-made rows with `add(...)` and read the engine's output with `values(...)`; expected
values are worked out by hand in each test's comments, never produced by the code under test.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.contract import contract
from pipelines.lib.kpi_cards import card
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.reference import POSTCODE_SCHEMA, install_reference

# Real postcodes (ONS grid references) used by fixtures: two in each owning council, some far away.
POSTCODES = [
    # postcode, easting, northing, ons_la, la_code
    ("NN1 1AA", 475320.0, 261359.0, "E06000062", "941"),   # Northampton (West Northamptonshire)
    ("NN11 4AA", 457560.0, 262470.0, "E06000062", "941"),  # Daventry (West Northamptonshire)
    ("NN14 1AA", 489278.0, 282875.0, "E06000061", "940"),  # Kettering area (North Northamptonshire)
    ("NN8 1AA", 489900.0, 268100.0, "E06000061", "940"),   # Wellingborough (North Northamptonshire)
    ("L1 0AA", 334864.0, 389326.0, "E08000012", "341"),    # Liverpool
    ("MK1 1AA", 486900.0, 233300.0, "E06000042", "826"),   # Milton Keynes (close to Northampton)
]


def warehouse() -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    install_reference(con)
    for table in contract().values():
        con.from_arrow(table.empty_frame().to_arrow()).create(table.name)
    con.from_arrow(pl.DataFrame(POSTCODES, schema=POSTCODE_SCHEMA, orient="row").to_arrow()).create("postcode_ref")
    add(con, "area_lookup", [{"la_code": "940", "area_name": "North Northamptonshire"},
                             {"la_code": "941", "area_name": "West Northamptonshire"}])
    return con


def _coerce(value: Any, dtype: pl.DataType) -> Any:
    if isinstance(value, str) and dtype == pl.Date():
        return date.fromisoformat(value)
    return value


def add(con: duckdb.DuckDBPyConnection, table: str, rows: Iterable[Mapping[str, Any]]) -> None:
    """Insert rows given as dicts (missing columns NULL; ISO strings accepted for dates)."""
    spec = contract()[table]
    schema = spec.polars_schema()
    rows = list(rows)
    for row in rows:
        unknown = set(row) - set(schema)
        if unknown:
            raise KeyError(f"{table}: no column(s) {sorted(unknown)}")
    data = {c: [_coerce(r.get(c), t) for r in rows] for c, t in schema.items()}
    frame = pl.DataFrame(data, schema=schema)
    con.from_arrow(frame.to_arrow()).insert_into(table)


def run(con: duckdb.DuckDBPyConnection, kpi_id: str, first: str, last: str | None = None,
        overrides: Mapping[str, Any] | None = None) -> None:
    first_d = date.fromisoformat(first)
    last_d = date.fromisoformat(last or first)
    prepare(con, first_d, last_d)
    compute_kpi(con, card(kpi_id), first_d, last_d, {kpi_id: dict(overrides or {})})


def value(con: duckdb.DuckDBPyConnection, kpi_id: str, period_end: str, basis: str, area: str = "all",
          team: str | None = None, worker: str | None = None) -> dict[str, Any]:
    """The kpi_values row for one KPI, period, basis and area (team/worker None = the area total)."""
    found = db.dicts(
        con,
        "SELECT * FROM kpi_values WHERE kpi_id = $k AND period_end = $p AND basis = $b AND area = $a"
        " AND team IS NOT DISTINCT FROM $t AND worker IS NOT DISTINCT FROM $w",
        {"k": kpi_id, "p": date.fromisoformat(period_end), "b": basis, "a": area, "t": team, "w": worker},
    )
    assert len(found) == 1, f"expected one kpi_values row, got {len(found)}"
    return found[0]


def records(con: duckdb.DuckDBPyConnection, kpi_id: str, period_end: str, basis: str) -> list[dict[str, Any]]:
    return db.dicts(
        con, "SELECT * FROM kpi_records WHERE kpi_id = $k AND period_end = $p AND basis = $b ORDER BY record_id",
        {"k": kpi_id, "p": date.fromisoformat(period_end), "b": basis},
    )


# --- case measures of the core data set (sql/core/): the same engine, output tables core_values/core_records


def run_measure(con: duckdb.DuckDBPyConnection, measure_id: str, first: str, last: str | None = None,
                overrides: Mapping[str, Any] | None = None) -> None:
    from pipelines.lib.measure_cards import measure

    first_d = date.fromisoformat(first)
    last_d = date.fromisoformat(last or first)
    runnable = measure(measure_id).kpi_card
    assert runnable is not None, f"{measure_id} is not a case measure"
    prepare(con, first_d, last_d)
    compute_kpi(con, runnable, first_d, last_d, {measure_id: dict(overrides or {})}, family="core")


def measure_value(con: duckdb.DuckDBPyConnection, measure_id: str, period_end: str, basis: str, area: str = "all",
                  team: str | None = None, worker: str | None = None) -> dict[str, Any]:
    """The core_values row for one case measure, period, basis and area."""
    found = db.dicts(
        con,
        "SELECT * FROM core_values WHERE kpi_id = $k AND period_end = $p AND basis = $b AND area = $a"
        " AND team IS NOT DISTINCT FROM $t AND worker IS NOT DISTINCT FROM $w",
        {"k": measure_id, "p": date.fromisoformat(period_end), "b": basis, "a": area, "t": team, "w": worker},
    )
    assert len(found) == 1, f"expected one core_values row, got {len(found)}"
    return found[0]


def measure_records(con: duckdb.DuckDBPyConnection, measure_id: str, period_end: str, basis: str
                    ) -> list[dict[str, Any]]:
    return db.dicts(
        con, "SELECT * FROM core_records WHERE kpi_id = $k AND period_end = $p AND basis = $b ORDER BY record_id",
        {"k": measure_id, "p": date.fromisoformat(period_end), "b": basis},
    )
