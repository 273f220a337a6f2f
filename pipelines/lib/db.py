"""Small DuckDB helpers. DuckDB 2.0 keeps a pending result open after execute() until it is read to the
end or completed, and refuses other work on the connection meanwhile: these helpers always finish it."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

import duckdb


def run(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> None:
    """Execute statement(s) for their effect; parameters are always bound, never formatted into the text."""
    con.execute(sql, dict(params) if params else None)
    con.complete()


def rows(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> list[tuple]:
    return con.execute(sql, dict(params) if params else None).fetchall()


def dicts(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> list[dict]:
    result = con.execute(sql, dict(params) if params else None)
    cols = [d[0] for d in result.description]
    return [dict(zip(cols, r, strict=True)) for r in result.fetchall()]


def scalar(con: duckdb.DuckDBPyConnection, sql: str, params: Mapping[str, Any] | None = None) -> Any:
    got = rows(con, sql, params)
    return got[0][0] if got else None


@contextmanager
def transaction(con: duckdb.DuckDBPyConnection) -> Iterator[None]:
    """The block's statements land whole or not at all: COMMIT at its end, ROLLBACK (and re-raise) on error."""
    run(con, "BEGIN TRANSACTION")
    try:
        yield
    except BaseException:
        run(con, "ROLLBACK")
        raise
    run(con, "COMMIT")
