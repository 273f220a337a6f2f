"""The Dagster definitions load through both entry points (workspace.yaml and dg) with the expected assets."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
SNAPSHOT = Path(__file__).with_name("asset_keys.json")


@pytest.fixture(scope="module")
def dagster_env(tmp_path_factory):
    home = tmp_path_factory.mktemp("dagster_home")
    (home / "dagster.yaml").write_text((ROOT / "data/config/dagster.yaml").read_text())
    env = dict(os.environ, DAGSTER_HOME=str(home), SCORECARD_STATE=str(home / "state"))
    return env


def asset_keys() -> list[str]:
    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()
    return sorted("/".join(k.path) for k in graph.get_all_asset_keys())


def test_asset_keys_snapshot():
    # The graph reads like the data's path: raw_drops -> staged/<table> -> kpi/<KPI> -> outputs.
    # Update asset_keys.json deliberately when an asset is added (e.g. a new KPI card).
    assert asset_keys() == json.loads(SNAPSHOT.read_text())


def test_every_kpi_card_is_an_asset():
    from pipelines.lib.kpi_cards import load_cards

    keys = asset_keys()
    assert [f"kpi/{c.asset_name}" for c in load_cards()] == [k for k in keys if k.startswith("kpi/")]
    assert len(load_cards()) == 21


def test_jobs_schedule_sensor():
    from pipelines.definitions import defs

    repo = defs.get_repository_def()
    assert {"monthly_contract_job", "ingest_job"} <= {j.name for j in repo.get_all_jobs()}
    schedule = repo.get_schedule_def("monthly_ocg_schedule")
    assert schedule.cron_schedule == "0 6 5 * *"
    assert repo.get_sensor_def("new_drop_sensor").job_name == "monthly_contract_job"


def test_loads_through_workspace_yaml(dagster_env):
    out = subprocess.run([str(BIN / "dagster"), "definitions", "validate", "-w", str(ROOT / "workspace.yaml")],
                         cwd=ROOT, env=dagster_env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    assert "pipelines" in out.stdout + out.stderr


def test_loads_through_dg(dagster_env):
    out = subprocess.run([str(BIN / "dg"), "list", "defs", "--json"], cwd=ROOT, env=dagster_env,
                         capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stdout + out.stderr
    listed = json.loads(out.stdout)
    assert sorted(a["asset_key"] for a in listed["assets"]) == asset_keys()
    assert "monthly_ocg_schedule" in json.dumps(listed)
