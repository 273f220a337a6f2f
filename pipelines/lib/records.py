"""Record lists of the current drop an analyst can open: every rejected cell and every quarantined row, each
with its file, table, row number, the record's own key (contract key columns; person ids pseudonymised, never
raw) and the reason. Values of personal columns (person ids, postcodes, dates of birth, names) are withheld.
Both lists are restricted outputs."""

from __future__ import annotations

import json

import duckdb
import polars as pl

from pipelines.lib.contract import Table, contract, ident

REJECTION_COLUMNS = ["drop_id", "source_file", "table_name", "column_name", "source_row", "record_key", "value",
                     "reason"]
QUARANTINE_COLUMNS = ["drop_id", "source_file", "table_name", "source_row", "record_key", "reason"]


def withheld(kind: str) -> str:
    return f"(withheld: {kind})"


QUOTE_LIMIT = 40  # characters of a rejected value the list quotes: a 200 MB cell must not be echoed whole


def _short(value: str) -> str:
    return value if len(value) <= QUOTE_LIMIT else f"{value[:QUOTE_LIMIT]}... ({len(value):,} characters)"


def _key_text(table: Table, values: dict) -> str | None:
    """'col=value; col=value' of the contract key; a personal key part other than a pseudonym is withheld."""
    if not table.key:
        return None
    parts = []
    for col in table.key:
        v = values.get(col)
        kind = table.personal_kind(col)
        text = "" if v is None else str(v)
        if kind not in (None, "person id") and v is not None:
            text = withheld(kind)
        parts.append(f"{col}={text}")
    return "; ".join(parts)


def _keys_of(con: duckdb.DuckDBPyConnection, table: Table, drop_id: str) -> dict[tuple[str, int], str | None]:
    """(source_file, source_row) -> record key, over the table's staged and quarantined rows of the drop."""
    if not table.key:
        return {}
    cols = ", ".join(ident(c) for c in table.key)
    staged = con.execute("SELECT source_file, source_row, " + cols + " FROM staged." + ident(table.name)
                         + " WHERE drop_id = $d", {"d": drop_id}).fetchall()
    keys = {(r[0], r[1]): _key_text(table, dict(zip(table.key, r[2:], strict=True))) for r in staged}
    for file, row, raw in con.execute("SELECT source_file, source_row, raw_json FROM staged.quarantine "
                                      "WHERE drop_id = $d AND table_name = $t", {"d": drop_id, "t": table.name}
                                      ).fetchall():
        keys.setdefault((file, row), _key_text(table, json.loads(raw or "{}")))
    return keys


def _current(con: duckdb.DuckDBPyConnection) -> str | None:
    got = con.execute("SELECT drop_id FROM staged.current_drop").fetchall()
    return got[0][0] if got else None


def rejected_cells(con: duckdb.DuckDBPyConnection, drop_id: str | None = None) -> pl.DataFrame:
    """rejections.csv: every rejected cell of the drop (default: the current one), personal values withheld,
    record key added."""
    drop_id = drop_id or _current(con)
    frame = con.sql("SELECT drop_id, source_file, table_name, column_name, source_row, value, reason "
                    "FROM staged.rejections WHERE drop_id = $d "
                    "ORDER BY table_name, column_name, source_row, source_file", params={"d": drop_id}).pl()
    tables = contract()
    key_maps = {t: _keys_of(con, tables[t], drop_id) for t in frame["table_name"].unique().to_list() if t in tables}
    keys, values = [], []
    for r in frame.iter_rows(named=True):
        table = tables.get(r["table_name"])
        keys.append(None if table is None else key_maps[table.name].get((r["source_file"], r["source_row"])))
        value = r["value"]
        if value is not None:
            # a return's own columns are not classified by the contract: never quote them
            kind = "not a contract column" if table is None else table.personal_kind(r["column_name"] or "")
            value = _short(value) if kind is None else withheld(kind)
        values.append(value)
    return frame.with_columns(record_key=pl.Series(keys, dtype=pl.String()),
                              value=pl.Series(values, dtype=pl.String())).select(REJECTION_COLUMNS)


def quarantined_rows(con: duckdb.DuckDBPyConnection, drop_id: str | None = None) -> pl.DataFrame:
    """quarantined_rows.csv: every row of the drop (default: the current one) kept out of staging (no key,
    duplicate), with the record's key; the rest of the row (raw_json) stays in the warehouse."""
    drop_id = drop_id or _current(con)
    frame = con.sql("SELECT drop_id, source_file, table_name, source_row, reason, raw_json "
                    "FROM staged.quarantine WHERE drop_id = $d ORDER BY table_name, source_file, source_row",
                    params={"d": drop_id}).pl()
    tables = contract()
    keys = [None if (t := tables.get(r["table_name"])) is None else _key_text(t, json.loads(r["raw_json"] or "{}"))
            for r in frame.iter_rows(named=True)]
    return frame.with_columns(record_key=pl.Series(keys, dtype=pl.String())).select(QUARANTINE_COLUMNS)
