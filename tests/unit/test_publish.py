"""Publishing (pipelines/lib/publish.py): a run's outputs appear together or not at all, restricted outputs are
0600 in restricted/, published ones follow the umask, and no text cell can be evaluated as a formula."""

from __future__ import annotations

import errno
import hashlib
import os
import stat
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib import publish
from pipelines.lib.outputs import write_atomic_csv, write_atomic_text


def snapshot(out: Path) -> dict[str, str]:
    """Every file and folder under out (hidden ones included), with its content's digest."""
    return {str(p.relative_to(out)): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(out.rglob("*"))}


@pytest.fixture
def published(tmp_path) -> Path:
    """An out folder holding a previous run's outputs."""
    out = tmp_path / "out"
    run = publish.run_folder(out, "previous")
    write_atomic_csv(pl.DataFrame({"kpi_id": ["KPI01"], "value": [1.0]}), run / "restricted" / "kpi_values.csv")
    write_atomic_csv(pl.DataFrame({"table_name": ["ssd_person"], "staged_rows": [3]}), run / "staged_tables.csv")
    write_atomic_text("<p>old</p>", run / "data_quality.html")
    write_atomic_text("<p>old pack</p>", run / "ocg_pack_2020-03.html")
    publish.publish_run(out, "previous")
    return out


def write_run(out: Path, run_id: str) -> Path:
    """A run's three output steps writing into its folder (tables, packs, core data set)."""
    run = publish.run_folder(out, run_id)
    write_atomic_csv(pl.DataFrame({"kpi_id": ["KPI01"], "value": [2.0]}), run / "restricted" / "kpi_values.csv")
    write_atomic_csv(pl.DataFrame({"table_name": ["ssd_person"], "staged_rows": [4]}), run / "staged_tables.csv")
    write_atomic_text("<p>new</p>", run / "data_quality.html")
    write_atomic_text("<p>new pack</p>", run / "ocg_pack_2020-03.html")
    write_atomic_text("<p>core</p>", run / "core_data_set_2020-03.html")
    return run


def test_publish_moves_every_file_and_leaves_no_run_folder(published):
    write_run(published, "r2")
    moved = publish.publish_run(published, "r2")
    assert {p.name for p in moved} == {"kpi_values.csv", "staged_tables.csv", "data_quality.html",
                                       "ocg_pack_2020-03.html", "core_data_set_2020-03.html"}
    assert (published / "data_quality.html").read_text() == "<p>new</p>"
    assert (published / "restricted" / "kpi_values.csv").read_text().endswith("KPI01,2.000000\n")
    assert not [p for p in published.iterdir() if p.name.startswith(".")]


@pytest.mark.parametrize("failing_step", ["kpi_tables", "packs", "core_data_set"])
def test_a_failed_step_leaves_out_byte_identical(published, failing_step):
    before = snapshot(published)
    run = publish.run_folder(published, "r2")
    steps = {"kpi_tables": lambda: write_atomic_csv(pl.DataFrame({"a": [1]}), run / "staged_tables.csv"),
             "packs": lambda: write_atomic_text("<p>pack</p>", run / "ocg_pack_2020-03.html"),
             "core_data_set": lambda: write_atomic_text("<p>core</p>", run / "core_data_set_2020-03.html")}
    for name, step in steps.items():
        if name == failing_step:
            break
        step()
    # the run fails here: publish never runs, the CLI discards the run's folder
    publish.discard(published, "r2")
    assert snapshot(published) == before


def test_a_folder_in_the_way_fails_before_anything_moves(published):
    (published / "ocg_pack_2020-03.html").unlink()
    (published / "ocg_pack_2020-03.html").mkdir()
    before = snapshot(published)
    write_run(published, "r2")
    with pytest.raises(IsADirectoryError):
        publish.publish_run(published, "r2")
    publish.discard(published, "r2")
    assert snapshot(published) == before


def test_a_rename_failing_midway_is_undone(published, monkeypatch):
    before = snapshot(published)
    write_run(published, "r2")
    real, calls = os.replace, []

    def flaky(src, dst):
        calls.append(dst)
        if len(calls) == 5:
            raise OSError(errno.EIO, "I/O error")
        return real(src, dst)

    monkeypatch.setattr(publish.os, "replace", flaky)
    with pytest.raises(OSError):
        publish.publish_run(published, "r2")
    monkeypatch.setattr(publish.os, "replace", real)
    publish.discard(published, "r2")
    assert snapshot(published) == before


@pytest.mark.parametrize("which", ["csv", "text", "xlsx"])
def test_a_full_disk_leaves_out_byte_identical_and_no_partial_file(published, monkeypatch, which):
    """ENOSPC in the middle of writing an output: no partial file is left, and with the run discarded the out
    folder is exactly as before (nothing rewritten, no temp file)."""
    from pipelines.lib.packs.workbook import write_sheets

    before = snapshot(published)
    run = publish.run_folder(published, "r2")

    def full(self, *args, **kwargs):
        Path(args[0] if args else kwargs["file"]).write_bytes(b"partial")
        raise OSError(errno.ENOSPC, "No space left on device")

    if which == "csv":
        monkeypatch.setattr(pl.DataFrame, "write_csv", full)
        with pytest.raises(OSError):
            write_atomic_csv(pl.DataFrame({"a": [1]}), run / "staged_tables.csv")
    elif which == "text":
        monkeypatch.setattr(Path, "write_text", lambda self, *a, **k: full(None, self))
        with pytest.raises(OSError):
            write_atomic_text("<p>x</p>", run / "data_quality.html")
    else:
        import xlsxwriter

        def close(wb):
            Path(wb.filename).write_bytes(b"partial")
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(xlsxwriter.Workbook, "close", close)
        with pytest.raises(OSError):
            write_sheets(run / "scorecard_2020-03.xlsx", {}, __import__("datetime").date(2020, 3, 31),
                         {"Summary": pl.DataFrame({"a": [1]})})
    assert not [p for p in run.rglob("*") if p.is_file()]
    publish.discard(published, "r2")
    assert snapshot(published) == before


def test_permissions_published_follow_umask_restricted_are_owner_only(tmp_path):
    old = os.umask(0o022)
    try:
        out = tmp_path / "out"
        write_run(out, "r1")
        publish.publish_run(out, "r1")
    finally:
        os.umask(old)
    mode = {p.name: stat.S_IMODE(p.stat().st_mode) for p in out.rglob("*")}
    assert mode["staged_tables.csv"] == mode["ocg_pack_2020-03.html"] == mode["core_data_set_2020-03.html"] == 0o644
    assert mode["restricted"] == 0o700
    assert mode["kpi_values.csv"] == 0o600


def test_restricted_table_removes_its_old_published_copy(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kpi_values.csv").write_text("unsuppressed, from an earlier version\n")
    write_run(out, "r1")
    publish.publish_run(out, "r1")
    assert not (out / "kpi_values.csv").exists() and (out / "restricted" / "kpi_values.csv").exists()


def test_csv_text_cells_cannot_be_formulas_numbers_stay_numbers(tmp_path):
    frame = pl.DataFrame({"reason": ["=HYPERLINK(\"http://x\")", "+1", "-2+3", "@SUM(A1)", "plain", None],
                          "value": [-1.5, -2.0, 3.0, 4.0, 5.0, None], "row": [-1, 2, 3, 4, 5, 6]})
    path = tmp_path / "t.csv"
    write_atomic_csv(frame, path)
    back = pl.read_csv(path)
    assert back["reason"].to_list() == ["'=HYPERLINK(\"http://x\")", "'+1", "'-2+3", "'@SUM(A1)", "plain", None]
    assert back["value"].to_list() == [-1.5, -2.0, 3.0, 4.0, 5.0, None]
    assert back["row"].to_list() == [-1, 2, 3, 4, 5, 6]


def test_workbook_text_cells_cannot_be_formulas_numbers_stay_numbers(tmp_path):
    from datetime import date

    import openpyxl

    from pipelines.lib.packs.workbook import write_sheets

    path = tmp_path / "w.xlsx"
    write_sheets(path, {}, date(2020, 3, 31),
                 {"S": pl.DataFrame({"title": ["=1+1", "-x", "ok"], "value": [-3.0, 2.5, -1.0]})})
    ws = openpyxl.load_workbook(path)["S"]
    assert [ws.cell(r, 1).value for r in (2, 3, 4)] == ["'=1+1", "'-x", "ok"]
    assert [ws.cell(r, 1).data_type for r in (2, 3, 4)] == ["s", "s", "s"]
    assert [ws.cell(r, 2).value for r in (2, 3, 4)] == [-3.0, 2.5, -1.0]
