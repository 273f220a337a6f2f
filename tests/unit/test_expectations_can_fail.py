"""Every expectation kept in expectations/*.json can fail on what staging produces.

An expectation that staging already guarantees (every contract column exists, columns are typed, a record
without its key or with a repeated key is quarantined; kpi_values' NOT NULL columns) passes whatever is
delivered, so it only looks like a check. For each expectation of each staged table this test writes the
rows that break it as delivered text, stages them through `type_table` (as a drop is staged), reads them back
from DuckDB as the checks do, and asserts that the expectation reports them. The kpi_values suite is broken
the same way on rows of the kpi_values table.
"""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib.archive import Drop
from pipelines.lib.contract import contract
from pipelines.lib.paths import PROJECT_ROOT
from pipelines.lib.quality.gx_runner import suites, validate
from pipelines.lib.staging import type_table

KEY = bytes(range(32))
DROP = Drop("2024-03-31", date(2024, 3, 31), Path("."), ())
VALID = {"date": "2020-03-02", "int": "1", "float": "1.5", "flag": "Y", "postcode": "NN1 1AA"}

CASES = [(table, i) for table, suite in sorted(suites().items()) for i in range(len(suite["expectations"]))]


def _valid_row(table: str, n: int) -> dict[str, str | None]:
    """A row staging keeps: a value of the column's type everywhere, keys distinct per row."""
    row: dict[str, str | None] = {}
    for col, typ in contract()[table].columns.items():
        row[col] = VALID.get(typ, "A1")
    for col in contract()[table].key:
        typ = contract()[table].columns[col]
        row[col] = (date(2020, 1, 1) + timedelta(days=n)).isoformat() if typ == "date" else (
            str(n + 1) if typ in ("int", "float") else f"K{n}")
    return row


def _below(value, typ: str) -> str:
    if typ == "date":
        return (date.fromisoformat(str(value)) - timedelta(days=1)).isoformat()
    return str(int(value) - 1) if typ == "int" else str(float(value) - 1)


def _above(value, typ: str) -> str:
    if typ == "date":
        return (date.fromisoformat(str(value)) + timedelta(days=1)).isoformat()
    return str(int(value) + 1) if typ == "int" else str(float(value) + 1)


def _breaking_rows(exp: dict, types: dict[str, str], valid_row) -> list[dict]:
    """Rows (as delivered) that break one expectation."""
    kw, kind = exp["kwargs"], exp["type"]
    first, second = valid_row(0), valid_row(1)
    col = kw.get("column")
    if kind == "expect_column_values_to_not_be_null":
        first[col] = None
    elif kind == "expect_column_values_to_be_unique":
        second[col] = first[col]
    elif kind == "expect_compound_columns_to_be_unique":
        for c in kw["column_list"]:
            second[c] = first[c]
    elif kind == "expect_column_values_to_be_between":
        first[col] = (_below(kw["min_value"], types[col]) if kw.get("min_value") is not None
                      else _above(kw["max_value"], types[col]))
    elif kind == "expect_column_values_to_be_in_set":
        numbers = [v for v in kw["value_set"] if isinstance(v, int | float)]
        first[col] = str(max(numbers) + 1) if types[col] in ("int", "float") else (
            "ZZ9" if types[col] != "flag" else "N")
    elif kind == "expect_column_values_to_match_regex":
        first[col] = "!not a match!"
    elif kind == "expect_column_pair_values_a_to_be_greater_than_b":
        a, b = kw["column_A"], kw["column_B"]
        if a not in types:  # a lineage column (extract_date): the record's date after the drop's extract date
            first[b] = (DROP.extract_date + timedelta(days=1)).isoformat()
        else:
            low, high = ("2020-01-01", "2020-02-01") if types[a] == "date" else ("1", "2")
            first[a], first[b] = low, high
    else:
        raise AssertionError(f"no way to break {kind} in this test: add one")
    condition = re.fullmatch(r"(\w+)\.isnull\(\)", kw.get("row_condition") or "")
    if condition:  # the rule applies to rows where that column is blank
        first[condition.group(1)] = None
    return [first, second]


@pytest.mark.parametrize(("table", "index"), CASES,
                         ids=[f"{t}:{suites()[t]['expectations'][i]['rule']}" for t, i in CASES])
def test_each_kept_expectation_can_fail(table: str, index: int):
    suite = suites()[table]
    exp = suite["expectations"][index]
    one = {**suite, "expectations": [exp]}
    if table == "kpi_values":
        frame = _kpi_values_frame(exp)
    else:
        spec = contract()[table]
        rows = _breaking_rows(exp, spec.columns, lambda n: _valid_row(table, n))
        raw = pl.DataFrame(rows, schema={c: pl.String() for c in spec.columns})
        staged, _, _ = type_table(raw, spec, KEY, DROP, f"{table}.csv", "941")
        con = duckdb.connect()
        try:  # read back through DuckDB, as the checks read the staged slice
            frame = con.from_arrow(staged.to_arrow()).df()
        finally:
            con.close()
    found = [f for f in validate(frame, one) if f.rule == exp["rule"]]
    assert found, f"{table}: {exp['rule']!r} ({exp['type']}) cannot fail on staged rows: remove or repair it"


def _kpi_values_frame(exp: dict):
    from pipelines.lib.quality import kpi_values_slice

    types = {"kpi_id": "code", "basis": "code", "area": "code", "numerator": "float", "denominator": "float",
             "value": "float", "period_end": "date"}

    def valid_row(n: int) -> dict:
        return {"kpi_id": "KPI01", "period_end": "2020-03-31", "basis": "month", "area": ("all", "940")[n],
                "numerator": "1", "denominator": "2", "value": "50"}

    rows = _breaking_rows(exp, types, valid_row)
    con = duckdb.connect()
    try:
        con.execute((PROJECT_ROOT / "sql" / "engine" / "kpi_tables.sql").read_text())
        for r in rows:
            con.execute("INSERT INTO kpi_values (kpi_id, period_end, basis, area, numerator, denominator, value) "
                        "VALUES ($kpi_id, CAST($period_end AS DATE), $basis, $area, CAST($numerator AS DOUBLE), "
                        "CAST($denominator AS DOUBLE), CAST($value AS DOUBLE))", r)
        return kpi_values_slice(con, date(2020, 3, 1), date(2020, 3, 31))
    finally:
        con.close()


def test_structural_expectations_are_left_to_staging():
    """Column sets, column types and key uniqueness are staging's guarantees, not expectations."""
    guaranteed = {"expect_table_columns_to_match_set", "expect_column_values_to_be_in_type_list"}
    for table, suite in suites().items():
        key = list(contract()[table].key) if table in contract() else []
        for exp in suite["expectations"]:
            assert exp["type"] not in guaranteed, (table, exp["rule"])
            if len(key) == 1:
                assert exp["kwargs"].get("column") != key[0] or exp["type"] not in (
                    "expect_column_values_to_not_be_null", "expect_column_values_to_be_unique"), (table, exp["rule"])
