"""The `scorecard` command's exit code tells the truth: one `error:` line and a non-zero code for a failure, no
traceback; a summary that cannot be printed never fails a good run. (No Dagster run here: fast.)"""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines import cli
from pipelines.defs.resources import Warehouse


def _run(*args: str) -> list[str]:
    return ["run", *args]


def test_missing_landing_folder_is_one_error_line(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("SCORECARD_STATE", str(tmp_path / "state"))
    code = cli.main(_run("--extracts", str(tmp_path / "nowhere"), "--period", "2020-03", "--out",
                         str(tmp_path / "out")))
    err = capsys.readouterr().err
    assert code == 1
    assert err.splitlines() == [f"error: landing folder {tmp_path / 'nowhere'} does not exist"]


def test_unusable_state_folder_is_one_error_line(tmp_path, capsys, monkeypatch):
    # A state "folder" that is a file: the state cannot be created or written (as a read-only folder cannot;
    # tests may run as root, whom a read-only mode does not stop, so the file stands in for it).
    blocker = tmp_path / "state"
    blocker.write_text("not a folder")
    monkeypatch.setenv("SCORECARD_STATE", str(blocker))
    monkeypatch.setenv("DAGSTER_HOME", "")
    (tmp_path / "landing").mkdir()
    code = cli.main(_run("--extracts", str(tmp_path / "landing"), "--period", "2020-03", "--out",
                         str(tmp_path / "out")))
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith(f"error: the state folder {blocker} cannot be used: ")
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores a read-only mode (the test above stands in)")
def test_read_only_state_folder_is_one_error_line(tmp_path, capsys, monkeypatch):
    state = tmp_path / "state"
    (state / "dagster_home").mkdir(parents=True)
    state.chmod(0o500)
    monkeypatch.setenv("SCORECARD_STATE", str(state))
    monkeypatch.setenv("DAGSTER_HOME", str(state / "dagster_home"))
    (tmp_path / "landing").mkdir()
    try:
        code = cli.main(_run("--extracts", str(tmp_path / "landing"), "--period", "2020-03", "--out",
                             str(tmp_path / "out")))
    finally:
        state.chmod(0o700)
    err = capsys.readouterr().err
    assert code == 1
    assert len(err.splitlines()) == 1 and err.startswith(f"error: the state folder {state} cannot be used: ")


def test_debug_keeps_the_traceback(tmp_path, monkeypatch):
    monkeypatch.setenv("SCORECARD_STATE", str(tmp_path / "state"))
    monkeypatch.delenv("SCORECARD_DEBUG", raising=False)
    with pytest.raises(ValueError, match="does not exist"):
        cli.main(["--debug", *_run("--extracts", str(tmp_path / "nowhere"), "--period", "2020-03", "--out",
                                   str(tmp_path / "out"))])


def test_a_live_run_refuses_the_next_at_once(tmp_path, capsys, monkeypatch):
    import subprocess
    import sys

    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("SCORECARD_STATE", str(state))
    (tmp_path / "landing").mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys, time; from pathlib import Path; from pipelines.lib.run_guard import exclusive_run\n"
        f"with exclusive_run(Path({str(state)!r}), 'live-run-id'):\n"
        "    print('held', flush=True); sys.stdin.read()")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[2])
    try:
        assert holder.stdout.readline().strip() == "held"
        code = cli.main(_run("--extracts", str(tmp_path / "landing"), "--period", "2020-03", "--out",
                             str(tmp_path / "out")))
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    err = capsys.readouterr().err
    assert code == 3
    assert len(err.splitlines()) == 1
    assert "another scorecard run is in progress" in err and "live-run-id" in err and f"pid {holder.pid}" in err


def _outputs(out: Path, first_rows_without_value: int) -> Warehouse:
    """Outputs of a month whose KPI table has no values in its first rows (a CSWW-only or CIN-only drop)."""
    out.mkdir()
    (out / "staged_tables.csv").write_text(
        "table_name,drop_id,staged_rows,rejected_cells,quarantined_rows\nworkforce_establishment,2020-03-31,4,0,0\n")
    header = ("kpi_id,period_end,basis,area,numerator,denominator,value,null_reason,excluded_count,"
              "excluded_reasons,definition_version,dq_status\n")
    empty = "".join(f"KPI{n:02d},2020-03-31,month,{la},0,0,,no records in the denominator,0,,1,published\n"
                    for n in range(1, 16) for la in range(900, 900 + first_rows_without_value // 15 + 1))
    filled = "KPI16,2020-03-31,snapshot,all,4.0,25.6,15.625,,0,,1,published\n"
    (out / "restricted").mkdir()
    (out / "restricted" / "kpi_values.csv").write_text(header + empty + filled)
    (out / "kpi_status.csv").write_text("kpi_id,period_end,status,reasons\nKPI16,2020-03-31,published,\n")
    state = out.parent / "state"
    state.mkdir()
    con = duckdb.connect(str(state / "warehouse.duckdb"))
    con.execute("CREATE SCHEMA staged; CREATE TABLE staged.current_drop AS "
                "SELECT '2020-03-31' AS drop_id, DATE '2020-03-31' AS extract_date")
    con.close()
    return Warehouse(landing_dir=str(out), out_dir=str(out), state_dir=str(state))


def test_summary_of_a_month_whose_first_kpi_rows_have_no_value(tmp_path, capsys):
    warehouse = _outputs(tmp_path / "out", first_rows_without_value=300)
    cli._report(warehouse, tmp_path / "out", date(2020, 3, 31), 1.0)
    printed = capsys.readouterr().out
    line = next(x for x in printed.splitlines() if "KPI16" in x)
    assert "15.6" in line


def test_a_summary_that_cannot_be_printed_does_not_fail_the_run(tmp_path, capsys):
    warehouse = _outputs(tmp_path / "out", first_rows_without_value=0)
    (tmp_path / "out" / "kpi_status.csv").unlink()  # the summary cannot be made
    assert cli._summarise(warehouse, tmp_path / "out", date(2020, 3, 31), 1.0) is None
    err = capsys.readouterr().err
    assert err.startswith("warning: the run succeeded") and len(err.splitlines()) == 1


def test_a_failed_run_ends_with_one_error_line(tmp_path, capsys, monkeypatch):
    """A step that fails: stderr is one `error:` line naming the step and the cause (no module path, no list of
    skipped steps), saying nothing was published; exit 1."""
    from pipelines.lib.pseudonymise import create_key

    key = tmp_path / "key"
    create_key(key)
    landing = tmp_path / "landing"
    (landing / "2020-03-31").mkdir(parents=True)
    (landing / "2020-03-31" / "ssd_person.csv").write_text("pers_person_id,pers_sex\nP1,M\n")
    monkeypatch.setenv("SCORECARD_KEY_FILE", str(key))
    monkeypatch.setenv("SCORECARD_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "state" / "dagster_home"))
    # a month the drop cannot cover: the KPI step refuses it
    code = cli.main(["run", "--extracts", str(landing), "--period", "2020-04", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 1
    assert len(err) == 1 and err[0].startswith("error: the run failed after "), err
    assert "no staged drop covers the month ending 2020-04-30" in err[0]
    assert "NoDropCoversPeriod" not in err[0] and "pipelines." not in err[0]
    assert "nothing was published and earlier outputs in" in err[0]
