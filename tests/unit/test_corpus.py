"""The bad-input corpus (tests/corpus/, see its README): every case archived and staged, its messages,
rejections and quarantine compared exactly, no exception escaping, and no row lost (input data rows = staged +
quarantined, for every table of every drop; a file refused whole stages nothing and records why).
"""

from __future__ import annotations

import csv
import io
import os
import re
import shutil
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from pipelines.lib import db
from pipelines.lib.archive import DropError, archive_drop
from pipelines.lib.contract import ident
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

CORPUS = Path(__file__).resolve().parents[1] / "corpus"
CASES = sorted(p for p in CORPUS.iterdir() if p.is_dir())
KEY = bytes(range(32))
LA = "941"
PERSON_ID = re.compile(r"\bP\d+\b")  # the corpus's fake person ids: never in a message or reason
CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")  # would let a file name forge a line of output


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
            check_withdrawal(con, spec, tmp_path / "archive")
    finally:
        con.close()


def made_at_run_time(folder: Path, make: dict, work: Path) -> Path:
    """A copy of the drop folder with the entries git cannot hold (links, named pipes, names with control
    characters) made in it (the case's `make:`); the drop folder itself a link when `folder_link` is set."""
    landing = work / "landing"
    copy = landing / folder.name
    shutil.copytree(folder, copy) if folder.exists() else copy.mkdir(parents=True)
    for name, target in (make.get("symlinks") or {}).items():
        (copy / name).symlink_to(target)
    for name in make.get("fifos") or []:
        os.mkfifo(copy / name)
    for name, text in (make.get("files") or {}).items():
        (copy / name).write_text(text, encoding="utf-8")
    if make.get("folder_link"):
        outside = work / "elsewhere" / folder.name
        outside.parent.mkdir()
        copy.rename(outside)
        copy.symlink_to(outside, target_is_directory=True)
    return copy


def check_drop(con, case: Path, spec: dict, archive: Path) -> None:
    folder = case / spec["folder"]
    if "make" in spec:
        folder = made_at_run_time(folder, spec["make"], archive.parent)
    if "archive_error" in spec:
        with pytest.raises(DropError) as refused:
            archive_drop(folder, archive)
        assert spec["archive_error"] in str(refused.value)
        # nothing read through a link reached the archive
        archived = [p.read_bytes() for p in archive.rglob("*") if p.is_file()] if archive.exists() else []
        for target in (spec.get("make", {}).get("symlinks") or {}).values():
            if Path(target).is_file():
                assert Path(target).read_bytes() not in archived
        return
    try:
        outcome = archive_drop(folder, archive)
        # a withdrawn drop is not staged (as the staging asset skips it)
        summary = stage_drop(con, outcome.drop, KEY, LA, registry=REGISTRY) if outcome.drop.withdrawn is None else None
    except Exception as exc:  # noqa: BLE001 - the point of the corpus: nothing escapes
        pytest.fail(f"{case.name}: {type(exc).__name__} escaped: {exc}")
    assert outcome.status == spec.get("archive", "archived")
    if summary is None:
        assert spec.get("stage") == "withdrawn", f"{case.name}: {outcome.drop.drop_id} is withdrawn"
        return
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

    # every entry of the drop accounted for: used, not used or refused, and why (the run's drop_files.csv)
    if "files" in spec:
        assert summary.files == spec["files"]
    assert sorted(f["file"] for f in summary.files) == sorted(
        [f["name"] for f in outcome.drop.files] + [e["name"] for e in outcome.drop.not_archived])
    for f in summary.files:
        assert not CONTROL.search(f["file"] + f["reason"]), f  # printable: a name can never forge a line

    # every message names its file (kept out of the archive or not); no person id is ever quoted
    delivered = {f["name"] for f in outcome.drop.files} | {e["name"] for e in outcome.drop.not_archived}
    for message in summary.messages:
        assert not CONTROL.search(message), message
        # a message names its file, or the several files of one return ('a.csv, b.csv: ...')
        assert (any(message.startswith(f"{name}: ") for name in delivered)
                or set(message.split(": ", 1)[0].split(", ")) <= delivered), message
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
        if spec.get("adapted"):  # a statutory return: its rows are mapped, the adapted frame is the input
            assert staged + held == t.input_rows, t.table
            continue
        n = input_rows(outcome.drop.path / t.source_file)
        assert n == staged + held == t.input_rows, t.table

    # the record lists an analyst opens (rejections.csv, quarantined_rows.csv): each row names its file, table,
    # row and record key; personal values are withheld, raw person ids never appear
    if "outputs" in spec:
        check_record_lists(con, drop_id, spec["outputs"])

    # faults that staging keeps (they are valid values) but the data-quality checks must find, with their rows
    # (null: a finding about a table or column, not a record, which blocks every month of the run);
    # optional `quality_period: [first day, last day]`: the run's months (every record is checked whatever its
    # date, so a fault years before them is still found); optional `quality_clean: true`: no critical finding
    if spec.get("quality") or spec.get("quality_clean"):
        from pipelines.lib.quality import run_quality

        period = [date.fromisoformat(str(d)) for d in spec.get("quality_period", ["1990-01-01", "2035-12-31"])]
        findings = run_quality(con, drop_id, period[0], period[1], include_kpi_values=False)
        if spec.get("quality_clean"):
            assert [f.rule for f in findings if f.critical] == [], case.name
        for want in spec.get("quality") or []:
            hits = [f for f in findings if (f.severity, f.table, f.rule) == (want["severity"], want["table"],
                                                                             want["rule"])]
            assert hits, f"{case.name}: no {want['severity']} finding '{want['rule']}' on {want['table']}"
            rows = sorted({row for f in hits for _, row in f.locators}, key=lambda r: (r is not None, r or 0))
            assert rows == want["rows"], f"{case.name}: {want['rule']}"
            # optional: the files and columns the finding names, and the KPIs it blocks (exactly)
            if "files" in want:
                assert sorted({file for f in hits for file, _ in f.locators}) == want["files"], case.name
            if "columns" in want:
                assert sorted({c for f in hits for c in f.columns}) == want["columns"], case.name
            if "kpis" in want:
                assert sorted({k for f in hits for k in f.kpis}) == want["kpis"], case.name

    # optional: KPIs that must read "no data" for the drop's month, each with a phrase of its reason (and those
    # that must not)
    if "no_data" in spec or "has_data" in spec:
        from pipelines.lib.kpi_cards import card
        from pipelines.lib.no_data import absent_tables, no_data_reasons

        month = [outcome.drop.extract_date]
        absent = absent_tables(con, drop_id)
        for kpi, phrase in (spec.get("no_data") or {}).items():
            reasons = no_data_reasons(con, card(kpi), drop_id, month, absent).get(month[0], [])
            assert any(phrase in r for r in reasons), f"{case.name}: {kpi} not 'no data' ({phrase}): {reasons}"
        for kpi in spec.get("has_data") or []:
            assert no_data_reasons(con, card(kpi), drop_id, month, absent) == {}, f"{case.name}: {kpi}"


def check_withdrawal(con, spec: dict, archive: Path) -> None:
    """Optional keys: `withdraw: {drop, reason}` withdraws an archived drop after this delivery (as `scorecard
    withdraw` does; the next run mirrors it in the warehouse); `current`: the current drop expected after it."""
    from pipelines.lib.archive import archived_drops, withdraw_drop
    from pipelines.lib.staging import current_drop_id, record_withdrawn

    if "withdraw" in spec:
        withdraw_drop(archive, spec["withdraw"]["drop"], spec["withdraw"]["reason"])
        record_withdrawn(con, {d.drop_id: d.withdrawn for d in archived_drops(archive, include_withdrawn=True)
                               if d.withdrawn})
    if "current" in spec:
        assert current_drop_id(con) == spec["current"]
        assert db.scalar(con, "SELECT drop_id FROM staged.current_drop") == spec["current"]


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
