"""`scorecard run` on a drop holding statutory returns instead of SSD tables (SSDA903 CSVs, CIN census XML)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCORECARD = Path(sys.executable).with_name("scorecard")


def scorecard(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCORECARD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def returns_run(tmp_path_factory):
    state = tmp_path_factory.mktemp("returns-state")
    env = dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(state / "key"),
               DAGSTER_HOME=str(state / "dagster_home"))
    landing, out = tmp_path_factory.mktemp("returns-landing"), tmp_path_factory.mktemp("returns-out")
    made = scorecard(env, "generate", "--out", str(landing), "--seed", "7", "--size", "small", "--from", "2019-04",
                     "--to", "2020-03", "--drops", "2020-03-31", "--returns-only")
    assert made.returncode == 0, made.stdout + made.stderr
    done = scorecard(env, "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(out))
    return landing / "2020-03-31", done, out


def test_the_drop_holds_returns_instead_of_ssd_tables(returns_run):
    drop, _, _ = returns_run
    names = {p.name for p in drop.iterdir()}
    # one collection year completed in the span (April 2019 - March 2020): one census, one 903 set
    assert {"cin_census_2019-20.xml", "903_episodes_2019-20.csv", "903_oc3_2019-20.csv"} <= names
    assert not [n for n in names if "2018-19" in n]
    assert not [n for n in names if n.startswith("ssd_")]


def test_run_on_returns_writes_kpi_values(returns_run):
    _, done, out = returns_run
    assert done.returncode == 0, done.stdout + done.stderr
    values = pl.read_csv(out / "kpi_values.csv", schema_overrides={"area": pl.String})
    trust = values.filter((pl.col("area") == "all") & (pl.col("period_end") == "2020-03-31"))
    assert sorted(trust["kpi_id"].unique()) == [f"KPI{n:02d}" for n in range(1, 22)]
    headline = {r["kpi_id"]: r for r in trust.filter(pl.col("basis").is_in(["fytd", "snapshot"])).iter_rows(
        named=True)}
    # from the CIN census and the 903: real denominators and values
    for kpi in ("KPI02", "KPI03", "KPI05", "KPI06", "KPI07", "KPI08", "KPI21"):
        assert headline[kpi]["denominator"] > 0 and headline[kpi]["value"] is not None, kpi
    # no return carries contacts: KPI01 has nothing in its denominator, and says so
    assert headline["KPI01"]["denominator"] == 0 and headline["KPI01"]["value"] is None
    assert headline["KPI01"]["null_reason"]


def test_staged_tables_come_from_the_returns(returns_run):
    _, done, out = returns_run
    summary = pl.read_csv(out / "staged_tables.csv")
    rows = {r["table_name"]: r["staged_rows"] for r in summary.iter_rows(named=True)}
    assert rows["ssd_cin_episodes"] > 300 and rows["ssd_cla_episodes"] > 50 and rows["cla_oc2_outcomes"] > 0
    assert rows.get("ssd_contacts", 0) == 0
    assert "Staged tables" in done.stdout and "KPI values for the month ending 2020-03-31" in done.stdout
