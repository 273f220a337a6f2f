"""The bad-input corpus (tests/corpus/, see its README): every case archived and staged, its messages,
rejections and quarantine compared exactly, no exception escaping, and no row lost (input data rows = staged +
quarantined, for every table of every drop; a file refused whole stages nothing and records why).
"""

from __future__ import annotations

import csv
import io
import re
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from pipelines.lib import db
from pipelines.lib.archive import DropError, archive_drop
from pipelines.lib.contract import ident
from pipelines.lib.staging import stage_drop

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
KEY = bytes(range(32))
LA = "941"
PERSON_ID = re.compile(r"\bP\d+\b")  # the corpus's fake person ids: never in a message or reason


def load(case: Path) -> tuple[dict, list[dict]]:
    expected = yaml.safe_load((case / "expected.yaml").read_text(encoding="utf-8"))
    drops = expected.get("drops") or [{"folder": "2024-03-31", **expected}]
    return expected, drops


def input_rows(path: Path) -> int:
    """Data rows in a delivered file, counted independently of the staging code."""
    if path.suffix.lower() == ".parquet":
        return pl.scan_parquet(path).select(pl.len()).collect().item()
    text = path.read_bytes().decode("utf-8")
    records = list(csv.reader(io.StringIO(text, newline="")))
    return len(records) - 1  # the header is not a row; a blank line inside the file is a (blank) row


def by_table(con, sql: str, drop_id: str) -> list[dict]:
    return db.dicts(con, sql, {"d": drop_id})


def sort_key(row: dict) -> tuple:
    return (row["table"], row.get("file") or "", row["row"] or 0, row.get("column") or "", row["reason"])


def test_corpus_is_big_enough():
    specs = [load(c)[0] for c in CASES]
    assert len(specs) >= 30
    assert sum(1 for s in specs if s.get("checks") != "pending") >= 22
    assert sum(1 for s in specs if s.get("quality")) >= 6  # plausibility faults found by the quality checks


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_corpus_case(case: Path, tmp_path: Path):
    expected, drops = load(case)
    assert expected["description"]
    con = duckdb.connect()
    try:
        for spec in drops:
            check_drop(con, case, spec, tmp_path / "archive")
    finally:
        con.close()


def check_drop(con, case: Path, spec: dict, archive: Path) -> None:
    folder = case / spec["folder"]
    if "archive_error" in spec:
        with pytest.raises(DropError) as refused:
            archive_drop(folder, archive)
        assert spec["archive_error"] in str(refused.value)
        return
    try:
        outcome = archive_drop(folder, archive)
        summary = stage_drop(con, outcome.drop, KEY, LA)
    except Exception as exc:  # noqa: BLE001 - the point of the corpus: nothing escapes
        pytest.fail(f"{case.name}: {type(exc).__name__} escaped: {exc}")
    assert outcome.status == spec.get("archive", "archived")
    assert summary.status == spec.get("stage", "staged")
    if summary.status != "staged":
        return
    drop_id = outcome.drop.drop_id

    # the exact messages, rejections and quarantine
    assert summary.messages == spec["messages"]
    rejections = by_table(con, "SELECT table_name AS \"table\", source_file AS file, column_name AS \"column\", "
                               "source_row AS \"row\", value, reason FROM staged.rejections "
                               "WHERE drop_id = $d", drop_id)
    assert sorted(rejections, key=sort_key) == sorted(spec["rejections"], key=sort_key)
    quarantine = by_table(con, "SELECT table_name AS \"table\", source_file AS file, source_row AS \"row\", reason "
                               "FROM staged.quarantine WHERE drop_id = $d", drop_id)
    assert sorted(quarantine, key=sort_key) == sorted(spec["quarantine"], key=sort_key)

    # every message names its file; no person id is ever quoted
    delivered = {f["name"] for f in outcome.drop.files}
    for message in summary.messages:
        assert message.split(": ", 1)[0] in delivered, message
        assert not PERSON_ID.search(message), message
    for row in rejections:
        assert not PERSON_ID.search(row["reason"]), row
        assert row["table"] in row["reason"] or row["column"] is not None, row  # file-level: names the table

    # no row lost: for every delivered table, input rows = staged + quarantined
    refused = set(spec.get("refused", []))
    file_level = {r["table"] for r in rejections if r["column"] is None and r["row"] is None}
    assert file_level == refused
    staged_expected = spec.get("staged", {})
    for t in summary.tables:
        if t.source_file is None:
            continue
        staged = db.scalar(con, f"SELECT count(*) FROM staged.{ident(t.table)} WHERE drop_id = $d", {"d": drop_id})
        held = db.scalar(con, "SELECT count(*) FROM staged.quarantine WHERE drop_id = $d AND table_name = $t",
                         {"d": drop_id, "t": t.table})
        assert t.table in staged_expected, f"{t.table} staged but not in expected.yaml"
        assert staged == staged_expected[t.table], t.table
        assert (t.staged_rows, t.quarantined_rows) == (staged, held), t.table
        if t.table in refused:
            assert (staged, held) == (0, 0), t.table
            continue
        n = input_rows(outcome.drop.path / t.source_file)
        assert n == staged + held == t.input_rows, t.table

    # the record lists an analyst opens (rejections.csv, quarantined_rows.csv): each row names its file, table,
    # row and record key; personal values are withheld, raw person ids never appear
    if "outputs" in spec:
        check_record_lists(con, drop_id, spec["outputs"])

    # faults that staging keeps (they are valid values) but the data-quality checks must find, with their rows
    if spec.get("quality"):
        from pipelines.lib.quality import run_quality

        findings = run_quality(con, drop_id, date(1990, 1, 1), date(2035, 12, 31), include_kpi_values=False)
        for want in spec["quality"]:
            hits = [f for f in findings if (f.severity, f.table, f.rule) == (want["severity"], want["table"],
                                                                             want["rule"])]
            assert hits, f"{case.name}: no {want['severity']} finding '{want['rule']}' on {want['table']}"
            rows = sorted({row for f in hits for _, row in f.locators})
            assert rows == want["rows"], f"{case.name}: {want['rule']}"


def check_record_lists(con, drop_id: str, want: dict) -> None:
    from pipelines.lib.records import quarantined_rows, rejected_cells

    cells = rejected_cells(con, drop_id)
    rows = quarantined_rows(con, drop_id)
    for frame in (cells, rows):
        for col in frame.columns:
            if frame[col].dtype == pl.String:
                assert not any(PERSON_ID.search(v) for v in frame[col].drop_nulls()), col
    got_cells = [{"table": r["table_name"], "file": r["source_file"], "column": r["column_name"],
                  "row": r["source_row"], "record_key": r["record_key"], "value": r["value"]}
                 for r in cells.iter_rows(named=True)]
    assert sorted(got_cells, key=sort_key_reason) == sorted(want.get("rejections", []), key=sort_key_reason)
    got_rows = [{"table": r["table_name"], "file": r["source_file"], "row": r["source_row"],
                 "record_key": r["record_key"], "reason": r["reason"]} for r in rows.iter_rows(named=True)]
    assert sorted(got_rows, key=sort_key) == sorted(want.get("quarantine", []), key=sort_key)


def sort_key_reason(row: dict) -> tuple:
    return (row["table"], row.get("file") or "", row["row"] or 0, row.get("column") or "")
