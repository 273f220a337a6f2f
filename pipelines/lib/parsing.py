"""Typing the cells of a delivered table: dates (ISO and UK), numbers, flags, codes, ids, postcodes.

Every cell that has a value but cannot be typed becomes NULL and is reported as a rejection with its
column, row and reason; nothing is dropped silently.
"""

from __future__ import annotations

import polars as pl

from pipelines.lib.reference import normalise_postcode

FLAG_TRUE = ("Y", "YES", "1", "TRUE", "T")
FLAG_FALSE = ("N", "NO", "0", "FALSE", "F")

DATE_REASON = "not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"
REASONS = {
    "date": DATE_REASON,
    "int": "not a whole number",
    "float": "not a number",
    "flag": "not a Y/N flag",
}


def _blank_to_null(expr: pl.Expr) -> pl.Expr:
    stripped = expr.str.strip_chars()
    return pl.when(stripped == "").then(None).otherwise(stripped)


def typed_expr(col: str, logical_type: str) -> pl.Expr:
    """The typed value of a string column (NULL where it cannot be typed)."""
    raw = _blank_to_null(pl.col(col))
    if logical_type in ("id", "person_id", "code"):
        return raw.str.to_uppercase()
    if logical_type == "string":
        return raw
    if logical_type == "postcode":
        return normalise_postcode(raw)
    if logical_type == "date":
        # A time part ('2020-01-01 00:00:00', '2020-01-01T09:30') is ignored: the contract is day-level.
        # Four-digit years only: '1/2/20' would otherwise become the year 20.
        day = raw.str.extract(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})(?:[ T].*)?$", 1)
        iso = day.str.strptime(pl.Date, "%Y-%m-%d", strict=False)
        uk = day.str.strptime(pl.Date, "%d/%m/%Y", strict=False)
        return pl.coalesce(iso, uk)
    if logical_type == "int":
        number = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
        whole = number.is_finite() & (number.abs() < 2**53) & (number == number.round(0))
        return pl.when(whole).then(number).otherwise(None).cast(pl.Int64)
    if logical_type == "float":
        # 'nan' and 'inf' parse as floats but are not quantities a case record can hold.
        number = raw.str.replace_all(",", "").cast(pl.Float64, strict=False)
        return pl.when(number.is_finite()).then(number).otherwise(None)
    if logical_type == "flag":
        up = raw.str.to_uppercase()
        return pl.when(up.is_in(FLAG_TRUE)).then(True).when(up.is_in(FLAG_FALSE)).then(False).otherwise(None)
    raise ValueError(f"unknown logical type {logical_type!r}")


def reject_reason(col: str, logical_type: str) -> pl.Expr | None:
    """Why a cell with a value could not be typed (NULL where it was typed or was blank)."""
    if logical_type not in REASONS:
        return None
    raw = _blank_to_null(pl.col(col))
    return pl.when(raw.is_not_null() & typed_expr(col, logical_type).is_null()).then(pl.lit(REASONS[logical_type]))
