"""Runs that never mislead, through the `scorecard` command on the small synthetic authority:

- a run killed mid-staging (kill -9) does not block the next: it is marked failed and its slot freed;
- state files are owner-only, and Dagster's run storage holds no date of birth or postcode of failing rows;
- a stray drop folder is withdrawn with a command, and the re-run gives the previous drop's figures.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCORECARD = Path(sys.executable).with_name("scorecard")
# Values only the faulty rows hold: a date of birth before 1980 (critical: not plausible) and the postcode of an
# address whose end date is before 1980 (the address row fails, its postcode is in the row).
FAULTY_DOB = "1975-02-03"
FAULTY_POSTCODE = "NN9 9ZQ"


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    from pipelines.lib.pseudonymise import create_key

    state = tmp_path_factory.mktemp("never-mislead") / "state"
    create_key(state.parent / "key")  # an explicit step, as on a fresh machine
    return dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(state.parent / "key"),
                DAGSTER_HOME=str(state / "dagster_home"))


def scorecard(env: dict, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCORECARD), *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)


@pytest.fixture(scope="module")
def landing(small_landing, tmp_path_factory) -> Path:
    """The small authority with failing checks on a date of birth and on an address row (with its postcode)."""
    landing = tmp_path_factory.mktemp("faulty-landing")
    shutil.copytree(small_landing / "2020-03-31", landing / "2020-03-31")
    drop = landing / "2020-03-31"
    person = pl.read_csv(drop / "ssd_person.csv", infer_schema=False)
    person = person.with_columns(pl.when(pl.int_range(pl.len()) == 5).then(pl.lit(FAULTY_DOB))
                                 .otherwise(pl.col("pers_dob")).alias("pers_dob"))
    person.write_csv(drop / "ssd_person.csv")
    address = pl.read_csv(drop / "ssd_address.csv", infer_schema=False)
    first = pl.int_range(pl.len()) == 0
    address = address.with_columns(
        pl.when(first).then(pl.lit("2020-03-10")).otherwise(pl.col("addr_address_start_date"))
        .alias("addr_address_start_date"),
        pl.when(first).then(pl.lit("1975-01-01")).otherwise(pl.col("addr_address_end_date"))
        .alias("addr_address_end_date"),
        pl.when(first).then(pl.lit(FAULTY_POSTCODE)).otherwise(pl.col("addr_address_postcode"))
        .alias("addr_address_postcode"))
    address.write_csv(drop / "ssd_address.csv")
    assert FAULTY_POSTCODE not in (small_landing / "2020-03-31" / "ssd_address.csv").read_text()
    return landing


def _run_status(env: dict) -> tuple[dict[str, str], set[str]]:
    """Every run's status, and the runs holding or waiting for a concurrency slot, from Dagster's storage."""
    code = ("import dagster as dg, json\n"
            "with dg.DagsterInstance.get() as i:\n"
            "    print(json.dumps([{r.dagster_run.run_id: r.dagster_run.status.value for r in i.get_run_records()},"
            " sorted(i.event_log_storage.get_concurrency_run_ids())]))")
    import json

    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=300, check=True)
    statuses, slots = json.loads(done.stdout.strip().splitlines()[-1])
    return statuses, set(slots)


@pytest.fixture(scope="module")
def killed_then_rerun(env, landing, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    args = [str(SCORECARD), "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(out)]
    victim = subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    seen = []
    for line in victim.stdout:
        seen.append(line)
        if "[raw_drops] drop 2020-03-31" in line:  # archived; staging starts now
            victim.send_signal(signal.SIGKILL)
            break
    victim.wait(timeout=120)
    assert victim.returncode == -signal.SIGKILL, "".join(seen)
    dead = {run for run, status in _run_status(env)[0].items() if status == "STARTED"}
    assert len(dead) == 1
    # The next run must finish (the timeout stops a hang behind the dead run; it is not a timed assertion).
    second = scorecard(env, "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(out))
    return dead.pop(), second, out


def test_a_run_killed_mid_staging_does_not_block_the_next(env, killed_then_rerun):
    dead, second, out = killed_then_rerun
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr
    assert f"run {dead} was left unfinished by a process that died" in second.stdout
    statuses, slots = _run_status(env)
    assert statuses[dead] == "FAILURE"
    assert sorted(statuses.values()) == ["FAILURE", "SUCCESS"]
    assert slots == set()
    assert (out / "restricted" / "kpi_values.csv").exists()


def test_state_files_are_owner_only(env, killed_then_rerun):
    state = Path(env["SCORECARD_STATE"])
    readable = [str(p.relative_to(state)) for p in [state, *state.rglob("*")]
                if stat.S_IMODE(p.lstat().st_mode) & 0o077 and not p.is_symlink()]
    assert readable == []
    assert (state / "warehouse.duckdb").exists() and (state / "dagster_home").is_dir()
    assert any((state / "archive").iterdir())


def test_dagster_storage_holds_no_dates_of_birth_or_postcodes(env, killed_then_rerun):
    _, second, out = killed_then_rerun
    report = pl.read_csv(out / "restricted" / "error_report.csv", infer_schema=False)
    # the checks did fail on those rows
    assert report.filter(pl.col("rule") == "pers_dob is a plausible date (1980 or later)").height == 1
    assert report.filter(pl.col("table") == "ssd_address").height >= 1
    home = Path(env["DAGSTER_HOME"])
    dumped = []
    for db in home.rglob("*.db"):
        with sqlite3.connect(db) as con:
            dumped += ["\n".join(str(v) for v in row) for (name,) in
                       con.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
                       for row in con.execute(f'SELECT * FROM "{name}"').fetchall()]  # noqa: S608 - sqlite catalogue
    text = "\n".join(dumped)
    assert "pers_dob is a plausible date" in text  # the failing check is recorded ...
    assert FAULTY_DOB not in text and FAULTY_POSTCODE not in text  # ... without the values
    assert FAULTY_DOB not in second.stdout + second.stderr and FAULTY_POSTCODE not in second.stdout + second.stderr


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_a_stray_drop_is_withdrawn_and_the_month_rerun(env, landing, killed_then_rerun, tmp_path):
    _, _, good_out = killed_then_rerun
    stray = landing / "2020-04-15"
    stray.mkdir()
    # One CSV: every KPI but the workforce ones has no value, so the KPI table's first rows are empty (the
    # summary used to crash on it, exit 1, after writing every output).
    shutil.copy(landing / "2020-03-31" / "workforce_establishment.csv", stray / "workforce_establishment.csv")
    try:
        hijacked = scorecard(env, "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(tmp_path))
        # Until withdrawn, the stray drop is the current one (the quality checks flag what it lacks); the
        # command must not crash on it.
        assert hijacked.returncode == 0, hijacked.stdout[-3000:] + hijacked.stderr
        assert "Staged tables (drop 2020-04-15)" in hijacked.stdout
        listed = scorecard(env, "drops")
        assert listed.returncode == 0
        delivered = str(sum(1 for f in (landing / "2020-03-31").iterdir() if f.is_file()))  # every file archived
        assert [line.split() for line in listed.stdout.splitlines()[1:]] == [
            ["2020-03-31", delivered, "files", "kept"], ["2020-04-15", "1", "files", "current"]]

        withdrawn = scorecard(env, "withdraw", "--drop", "2020-04-15", "--reason", "stray folder, one CSV")
        assert withdrawn.returncode == 0, withdrawn.stderr
        assert "the current drop is now 2020-03-31" in withdrawn.stdout
        again = scorecard(env, "withdraw", "--drop", "2020-04-15", "--reason", "twice")
        assert again.returncode == 1 and again.stderr.startswith("error: drop 2020-04-15 was already withdrawn")
        listed = scorecard(env, "drops").stdout
        assert f"2020-03-31 {delivered:>7} files  current" in listed
        assert "2020-04-15       1 files  withdrawn " in listed and "stray folder, one CSV" in listed

        # The folder is still in the landing folder: it is not archived again, and the month is the 31 March
        # drop's once more.
        rerun = scorecard(env, "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(tmp_path))
        assert rerun.returncode == 0, rerun.stdout[-3000:] + rerun.stderr
        assert "drop 2020-04-15: withdrawn, not used" in rerun.stdout
        assert "Staged tables (drop 2020-03-31)" in rerun.stdout
        archive = Path(env["SCORECARD_STATE"]) / "archive"
        assert sorted(p.name for p in archive.iterdir()) == ["2020-03-31", "2020-04-15"]
        assert (archive / "2020-04-15" / "workforce_establishment.csv").exists()  # kept, never deleted
        for name in ("restricted/kpi_values.csv", "kpi_status.csv"):
            assert _digest(tmp_path / name) == _digest(good_out / name), name
    finally:
        shutil.rmtree(stray)
