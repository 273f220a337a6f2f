"""Runs that never mislead, end to end on the small synthetic authority: a run's outputs appear together or
not at all (a failure in any output step, a folder in the way of the last file, a full disk), two fresh runs
give the same bytes, and every output sits with the permissions of its audience (published / restricted/)."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCORECARD = Path(sys.executable).with_name("scorecard")
PERIOD = "2020-03"

PUBLISHED = {"staged_tables.csv", "kpi_status.csv", "drop_files.csv", "ocg_pack_2020-03.html",
             "ocg_pack_940_2020-03.html", "ocg_pack_941_2020-03.html",  # one per owning council
             "scorecard_2020-03.xlsx", "core_data_set_2020-03.html", "core_data_set_2020-03.xlsx",
             "comparators_2020-03.csv", "equality_2020-03.csv"}
RESTRICTED = {"kpi_values.csv", "kpi_values_by_team.csv", "kpi_values_by_group.csv", "rejections.csv",
              "quarantined_rows.csv", "error_report.csv", "data_quality.html", "core_data_set_values.csv",
              "clinic_pack_2020-03.html"}


def cli_env(state: Path, key: Path) -> dict:
    from pipelines.lib.pseudonymise import create_key

    if not key.exists():
        create_key(key)  # an explicit step, as on a fresh machine
    return dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(key),
                DAGSTER_HOME=str(state / "dagster_home"))


def scorecard(env: dict, *args: str) -> subprocess.CompletedProcess:
    # umask 022: the usual default, so published files are 0644
    return subprocess.run([str(SCORECARD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900,
                          preexec_fn=lambda: os.umask(0o022))


def snapshot(out: Path) -> dict[str, str]:
    """Every file and folder under out, hidden ones included, with its bytes' digest."""
    return {str(p.relative_to(out)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "folder"
            for p in sorted(out.rglob("*"))}


@pytest.fixture(scope="module")
def key(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("key") / "key"


@pytest.fixture(scope="module")
def first(small_landing, key, tmp_path_factory):
    state, out = tmp_path_factory.mktemp("state1"), tmp_path_factory.mktemp("out1")
    done = scorecard(cli_env(state, key), "run", "--extracts", str(small_landing), "--period", PERIOD, "--out",
                     str(out), "--clinic")
    assert done.returncode == 0, done.stdout + done.stderr
    return state, out


def test_every_output_is_published_or_restricted_with_its_permissions(first):
    _, out = first
    top = {p.name for p in out.iterdir()}
    assert top == PUBLISHED | {"restricted"}  # no temp file, no run folder left
    assert {p.name for p in (out / "restricted").iterdir()} == RESTRICTED
    assert stat.S_IMODE((out / "restricted").stat().st_mode) == 0o700
    for name in PUBLISHED:
        assert stat.S_IMODE((out / name).stat().st_mode) == 0o644, name
    for name in RESTRICTED:
        assert stat.S_IMODE((out / "restricted" / name).stat().st_mode) == 0o600, name


def test_record_lists_carry_keys_and_no_raw_ids(first):
    _, out = first
    quarantined = pl.read_csv(out / "restricted" / "quarantined_rows.csv", infer_schema=False)
    assert quarantined.columns == ["drop_id", "source_file", "table_name", "source_row", "record_key", "reason"]
    rejections = pl.read_csv(out / "restricted" / "rejections.csv", infer_schema=False)
    assert rejections.columns == ["drop_id", "source_file", "table_name", "column_name", "source_row",
                                  "record_key", "value", "reason"]


def test_two_fresh_runs_give_the_same_bytes(first, small_landing, key, tmp_path_factory):
    """Fresh state, same drops, same key: every output file byte-identical (the workbook used to differ, a
    count written as 5 in one run and 5.00 in the other)."""
    _, out1 = first
    state, out2 = tmp_path_factory.mktemp("state2"), tmp_path_factory.mktemp("out2")
    done = scorecard(cli_env(state, key), "run", "--extracts", str(small_landing), "--period", PERIOD, "--out",
                     str(out2), "--clinic")
    assert done.returncode == 0, done.stdout + done.stderr
    one, two = snapshot(out1), snapshot(out2)
    assert one.keys() == two.keys()
    differ = [name for name in one if one[name] != two[name]]
    assert not differ


def test_last_step_failing_on_a_folder_in_the_way_changes_nothing(first, small_landing, key, tmp_path):
    """The issue's case: the OCG pack's file name taken by a folder. The run fails, says nothing was published,
    and every earlier file is byte-identical, with no temp file or run folder left."""
    state, published = first
    out = tmp_path / "out"
    shutil.copytree(published, out)
    (out / "ocg_pack_2020-03.html").unlink()
    (out / "ocg_pack_2020-03.html").mkdir()
    (out / "ocg_pack_2020-03.html" / "note.txt").write_text("someone's folder")
    before = snapshot(out)
    failed = scorecard(cli_env(state, key), "run", "--extracts", str(small_landing), "--period", PERIOD,
                       "--out", str(out))
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert "nothing was published" in failed.stderr
    assert "a folder of that name is in the way" in failed.stderr
    assert snapshot(out) == before


def test_a_really_full_disk_changes_nothing(first, small_landing, key, tmp_path):
    """--out on a disk with room for the published outputs but not for a second copy (a tmpfs; needs root):
    the run fails for lack of space while writing its own folder, and --out is byte-identical, with no
    temp file or run folder left (it used to rewrite 10 outputs and leave a 3 MB temp file)."""
    state, published = first
    disk = tmp_path / "disk"
    disk.mkdir()
    size = sum(p.stat().st_size for p in published.rglob("*") if p.is_file()) + 2_000_000
    mounted = os.geteuid() == 0 and subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs",
                                                    str(disk)], capture_output=True).returncode == 0
    if not mounted:
        pytest.skip("needs root and a tmpfs mount")
    try:
        out = disk / "out"
        shutil.copytree(published, out)
        before = snapshot(out)
        failed = scorecard(cli_env(state, key), "run", "--extracts", str(small_landing), "--period", PERIOD,
                           "--out", str(out), "--clinic")
        assert failed.returncode == 1, failed.stdout + failed.stderr
        assert "No space left on device" in failed.stderr and "nothing was published" in failed.stderr
        assert snapshot(out) == before
    finally:
        subprocess.run(["umount", str(disk)], capture_output=True)


# ------------------------------------------------------------------ a fault in each output step, in-process
def _fail(*_args, **_kwargs):
    raise RuntimeError("injected failure")


def _full_disk_csv(self, file, *args, **kwargs):
    Path(file).write_bytes(b"half a file")
    raise OSError(errno.ENOSPC, "No space left on device")


def _full_disk_xlsx(wb):
    Path(wb.filename).write_bytes(b"half a workbook")
    raise OSError(errno.ENOSPC, "No space left on device")


FAULTS: dict[str, tuple | None] = {
    "kpi_tables": ("pipelines.lib.outputs.data_quality_html", _fail),
    "packs": ("pipelines.lib.packs.write_workbook", _fail),
    "core_data_set": ("pipelines.lib.packs.core_data_set.write_core_data_set", _fail),
    "publish": None,  # a folder in the way of the workbook instead, below
    "full_disk_csv": ("polars.DataFrame.write_csv", _full_disk_csv),
    "full_disk_xlsx": ("xlsxwriter.Workbook.close", _full_disk_xlsx),
}


@pytest.mark.parametrize("fault", list(FAULTS))
def test_a_fault_in_any_output_step_publishes_nothing(fault, first, small_landing, tmp_path, monkeypatch):
    """The output steps (outputs/kpi_tables, outputs/packs, outputs/core_data_set, outputs/publish) run
    in-process over the first run's warehouse with a fault injected; the run is discarded as the CLI does,
    and the out folder is exactly as it was."""
    import dagster as dg

    from pipelines.definitions import ASSETS
    from pipelines.defs.resources import Warehouse
    from pipelines.lib.publish import discard

    state, published = first
    out = tmp_path / "out"
    shutil.copytree(published, out)
    if FAULTS[fault] is None:
        (out / "scorecard_2020-03.xlsx").unlink()
        (out / "scorecard_2020-03.xlsx").mkdir()
    else:
        target, replacement = FAULTS[fault]
        monkeypatch.setattr(target, replacement)
    monkeypatch.setenv("SCORECARD_STATE", str(state))
    before = snapshot(out)
    warehouse = Warehouse(landing_dir=str(small_landing), out_dir=str(out), state_dir=str(state))
    selection = [dg.AssetKey(["outputs", n]) for n in ("kpi_tables", "packs", "core_data_set", "publish")]
    result = dg.materialize(ASSETS, selection=selection, partition_key=f"{PERIOD}-01",
                            resources={"warehouse": warehouse}, raise_on_error=False)
    assert not result.success
    discard(out, result.run_id)
    assert snapshot(out) == before


def test_publish_removes_the_folders_of_runs_that_are_over(first, small_landing, tmp_path, monkeypatch):
    """A run that failed outside the CLI (the UI) leaves its folder; the next publish removes it, and the
    output steps re-run over the same warehouse publish the same bytes."""
    import dagster as dg

    from pipelines.definitions import ASSETS
    from pipelines.defs.resources import Warehouse

    state, published = first
    out = tmp_path / "out"
    shutil.copytree(published, out)
    (out / ".run-failed-in-the-ui" / "restricted").mkdir(parents=True)
    (out / ".run-failed-in-the-ui" / "kpi_status.csv").write_text("half\n")
    before = snapshot(published)
    monkeypatch.setenv("SCORECARD_STATE", str(state))
    warehouse = Warehouse(landing_dir=str(small_landing), out_dir=str(out), state_dir=str(state), clinic_pack=True)
    selection = [dg.AssetKey(["outputs", n]) for n in ("kpi_tables", "packs", "core_data_set", "publish")]
    result = dg.materialize(ASSETS, selection=selection, partition_key=f"{PERIOD}-01",
                            resources={"warehouse": warehouse})
    assert result.success
    assert snapshot(out) == before
