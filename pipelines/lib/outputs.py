"""Writing the run's tables to the out folder atomically."""

from __future__ import annotations

import os
import tempfile
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.staging import staged_summary

VALUE_COLUMNS = ["kpi_id", "period_end", "basis", "area", "team", "worker", "numerator", "denominator",
                 "value", "null_reason", "excluded_count", "excluded_reasons", "definition_version"]


def write_atomic_csv(frame: pl.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        frame.write_csv(tmp, date_format="%Y-%m-%d", float_precision=6)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def kpi_values_frame(con: duckdb.DuckDBPyConnection, first: date, last: date) -> pl.DataFrame:
    return con.sql(
        "SELECT * FROM kpi_values WHERE period_end BETWEEN $first AND $last "
        "ORDER BY kpi_id, period_end, basis, area, team NULLS FIRST, worker NULLS FIRST",
        params={"first": first, "last": last},
    ).pl().select(VALUE_COLUMNS)


def write_outputs(con: duckdb.DuckDBPyConnection, out: Path, first: date, last: date) -> dict[Path, int]:
    values = kpi_values_frame(con, first, last)
    area_rows = values.filter(pl.col("team").is_null() & pl.col("worker").is_null()).drop("team", "worker")
    team_rows = values.filter(pl.col("team").is_not_null() | pl.col("worker").is_not_null())
    rejections = con.sql(
        "SELECT r.* FROM staged.rejections r JOIN staged.current_drop c USING (drop_id) "
        "ORDER BY table_name, column_name, source_row").pl()
    tables = {
        out / "kpi_values.csv": area_rows,
        out / "kpi_values_by_team.csv": team_rows,
        out / "staged_tables.csv": staged_summary(con),
        out / "rejections.csv": rejections,
    }
    for path, frame in tables.items():
        write_atomic_csv(frame, path)
    return {p: f.height for p, f in tables.items()}
