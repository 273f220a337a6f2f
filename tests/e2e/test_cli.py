"""The `scorecard` command end to end on the small synthetic authority, through Dagster in-process."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCORECARD = Path(sys.executable).with_name("scorecard")
REQUIRED = ["kpi_id", "period_end", "basis", "area", "numerator", "denominator", "value"]


@pytest.fixture(scope="module")
def env(tmp_path_factory) -> dict:
    state = tmp_path_factory.mktemp("cli-state")
    env = dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(state / "key"),
               DAGSTER_HOME=str(state / "dagster_home"))
    made = scorecard(env, "key", "create")  # an explicit step, as on a fresh machine
    assert made.returncode == 0, made.stderr
    return env


def scorecard(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCORECARD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def digests(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*.csv"))}


@pytest.fixture(scope="module")
def month_run(env, small_landing, tmp_path_factory):
    out = tmp_path_factory.mktemp("out")
    done = scorecard(env, "run", "--extracts", str(small_landing), "--period", "2020-03", "--out", str(out))
    return done, out


def test_run_writes_kpi_values_for_the_month(month_run):
    done, out = month_run
    assert done.returncode == 0, done.stdout + done.stderr
    values = pl.read_csv(out / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String})
    assert values.columns[:4] == ["kpi_id", "period_end", "basis", "area"]
    assert set(REQUIRED) <= set(values.columns)
    trust = values.filter(pl.col("area") == "all")
    assert sorted(trust["kpi_id"].unique()) == [f"KPI{n:02d}" for n in range(1, 22)]
    assert set(values["period_end"].unique()) == {"2020-03-31"}
    # one row per KPI, period, basis and area: team and worker rows live in kpi_values_by_team.csv
    assert values.select("kpi_id", "period_end", "basis", "area").is_duplicated().sum() == 0
    assert {"all", "940", "941"} <= set(values["area"].unique())


def test_run_prints_staged_tables_and_kpis(month_run):
    done, out = month_run
    assert "Staged tables" in done.stdout and "ssd_cin_episodes" in done.stdout
    assert "KPI values for the month ending 2020-03-31" in done.stdout and "KPI21" in done.stdout
    assert str(out / "restricted" / "kpi_values.csv") in done.stdout
    summary = pl.read_csv(out / "staged_tables.csv")
    assert summary.filter(pl.col("table_name") == "ssd_contacts")["staged_rows"].item() > 0


def test_rerun_is_idempotent(env, small_landing, month_run):
    _, out = month_run
    before = digests(out)
    again = scorecard(env, "run", "--extracts", str(small_landing), "--period", "2020-03", "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert "already archived" in again.stdout
    assert digests(out) == before


def test_month_without_a_drop_fails_cleanly_and_keeps_last_output(env, small_landing, month_run):
    _, out = month_run
    before = digests(out)
    failed = scorecard(env, "run", "--extracts", str(small_landing), "--period", "2020-04", "--out", str(out))
    assert failed.returncode == 1
    assert "no staged drop covers the month ending 2020-04-30" in failed.stderr
    assert "Traceback" not in failed.stderr
    assert digests(out) == before


def test_backfill_is_one_run_over_the_range(env, small_landing, tmp_path):
    import dagster as dg

    done = scorecard(env, "backfill", "--extracts", str(small_landing), "--from", "2019-04", "--to", "2020-03",
                     "--out", str(tmp_path))
    assert done.returncode == 0, done.stdout + done.stderr
    values = pl.read_csv(tmp_path / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String})
    assert values["period_end"].n_unique() == 12
    os.environ["DAGSTER_HOME"], saved = env["DAGSTER_HOME"], os.environ.get("DAGSTER_HOME")
    try:
        with dg.DagsterInstance.get() as instance:
            runs = instance.get_run_records(dg.RunsFilter(tags={"dagster/asset_partition_range_start": "2019-04-01"}))
    finally:
        if saved is None:
            del os.environ["DAGSTER_HOME"]
        else:
            os.environ["DAGSTER_HOME"] = saved
    assert len(runs) == 1


def test_clean_synthetic_authority_passes_every_critical_check(month_run):
    # The generator writes clean data (dirty=0): nothing may be blocked, and the pack and workbook exist.
    _, out = month_run
    status = pl.read_csv(out / "kpi_status.csv")
    assert status.height >= 21
    assert set(status["status"]) == {"published"}, status.filter(pl.col("status") != "published")
    assert (out / "ocg_pack_2020-03.html").exists() and (out / "scorecard_2020-03.xlsx").exists()
    assert not (out / "restricted" / "clinic_pack_2020-03.html").exists()  # restricted: only on request


def test_core_data_set_values_for_every_case_measure(month_run):
    # Issue acceptance: every case measure has a value for the synthetic authority (the OC2 ones from the 903
    # OC2 table beside the SSD tables), every published measure with a shipped file has values for the
    # configured authority, and every measure of the core data set is in the table (a reason when no data).
    from pipelines.lib.measure_cards import load_measures

    _, out = month_run
    values = pl.read_csv(out / "restricted" / "core_data_set_values.csv", schema_overrides={"area": pl.String})
    measures = load_measures()
    assert set(values["measure_id"]) == {m.id for m in measures}
    trust_now = values.filter((pl.col("area") == "all") & (pl.col("period_end") == "2020-03-31"))
    case = [m.id for m in measures if m.source == "case"]
    missing = sorted(set(case) - set(trust_now.filter(pl.col("value").is_not_null())["measure_id"]))
    assert missing == [], f"case measures without a value for March 2020: {missing}"
    published = values.filter((pl.col("source") == "published") & (pl.col("area") == "all")
                              & pl.col("value").is_not_null())
    # the shipped DfE files give the trust a value for these (tests/unit/core/test_published.py pins the rest)
    assert {"CDS_ED04", "CDS_ED06", "CDS_ED07"} <= set(published["measure_id"])
    no_data = values.filter(pl.col("status") == "no data")
    assert no_data["reason"].null_count() == 0
    assert (out / "core_data_set_2020-03.html").exists() and (out / "core_data_set_2020-03.xlsx").exists()


def test_a_run_without_a_key_is_refused_with_how_to_create_one(env, tmp_path):
    # before: a missing key file was created silently, so every pseudonym changed with no message
    drop = tmp_path / "landing" / "2024-03-31"
    drop.mkdir(parents=True)
    (drop / "ssd_person.csv").write_text("pers_person_id,pers_sex\nP1,M\n")
    key = tmp_path / "no-key-here"
    mine = dict(env, SCORECARD_STATE=str(tmp_path / "state"), SCORECARD_KEY_FILE=str(key),
                DAGSTER_HOME=str(tmp_path / "state" / "dagster_home"))
    ran = scorecard(mine, "run", "--extracts", str(tmp_path / "landing"), "--period", "2024-03",
                    "--out", str(tmp_path / "out"))
    assert ran.returncode != 0
    assert f"no pseudonymisation key at {key}: create one with `scorecard key create`" in ran.stdout + ran.stderr
    assert not key.exists()
