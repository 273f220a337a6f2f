"""Runs the Dagster daemon launches (schedule, sensor) are guarded like the CLI's: the process executing a run
holds the state folder's lock through the warehouse resource, refuses at once when a live run holds it, and
recovers runs left executing by a dead process."""

from __future__ import annotations

import subprocess
import sys
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

from pipelines.definitions import build_definitions
from pipelines.defs.resources import Warehouse

ROOT = Path(__file__).resolve().parents[2]


def _ingest(warehouse: Warehouse, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    job = build_definitions(warehouse).resolve_job_def("ingest_job")
    return job.execute_in_process(instance=instance, raise_on_error=False)


def test_a_launched_run_refuses_while_a_live_run_holds_the_state(small_landing, tmp_path):
    state = tmp_path / "state"
    state.mkdir()
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from pipelines.lib.run_guard import exclusive_run\n"
        f"with exclusive_run(Path({str(state)!r}), 'the-live-run'):\n"
        "    print('held', flush=True); sys.stdin.read()")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        warehouse = Warehouse(landing_dir=str(small_landing), out_dir=str(tmp_path / "out"), state_dir=str(state))
        with dg.DagsterInstance.ephemeral() as instance:
            result = _ingest(warehouse, instance)
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    assert not result.success
    messages = " ".join(str(e.message) for e in result.all_events) + " ".join(
        str(e.event_specific_data) for e in result.all_events if e.event_specific_data)
    assert "another scorecard run is in progress" in messages and "the-live-run" in messages
    assert not (state / "archive").exists()  # nothing was touched


@pytest.fixture
def instance(tmp_path):
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.DagsterInstance.local_temp(str(home)) as inst:
        yield inst


def test_a_launched_run_recovers_a_run_whose_process_died(small_landing, tmp_path, instance):
    dead = DagsterRun(job_name="monthly_contract_job", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED)
    instance.add_run(dead)
    storage = instance.event_log_storage
    storage.set_concurrency_slots("warehouse", 2)  # 2: a regression shows as a dead run left STARTED, not a hang
    storage.claim_concurrency_slot("warehouse", dead.run_id, "staged_tables")
    assert dead.run_id in storage.get_concurrency_run_ids()

    warehouse = Warehouse(landing_dir=str(small_landing), out_dir=str(tmp_path / "out"),
                          state_dir=str(tmp_path / "state"))
    result = _ingest(warehouse, instance)
    assert result.success
    assert instance.get_run_by_id(dead.run_id).status == DagsterRunStatus.FAILURE
    assert dead.run_id not in storage.get_concurrency_run_ids()
    assert instance.get_run_by_id(result.run_id).status == DagsterRunStatus.SUCCESS


def _dead_run(instance: dg.DagsterInstance) -> str:
    dead = DagsterRun(job_name="monthly_contract_job", run_id=str(uuid.uuid4()), status=DagsterRunStatus.STARTED)
    instance.add_run(dead)
    return dead.run_id


def test_the_schedule_recovers_a_dead_run_before_asking_for_the_month(tmp_path, instance):
    # The run queue takes one run at a time: a dead run left STARTED would hold every later run in the queue,
    # before any launched run could recover it. The schedule mends that first.
    from datetime import UTC, datetime

    from pipelines.defs.schedules import monthly_ocg_schedule

    dead = _dead_run(instance)
    warehouse = Warehouse(state_dir=str(tmp_path / "state"))
    with dg.build_schedule_context(instance=instance, resources={"warehouse": warehouse},
                                   scheduled_execution_time=datetime(2025, 4, 5, 6, tzinfo=UTC)) as context:
        request = monthly_ocg_schedule(context)
    assert request.partition_key == "2025-03-01"
    assert instance.get_run_by_id(dead).status == DagsterRunStatus.FAILURE


def test_the_sensor_recovers_a_dead_run_but_never_a_live_one(tmp_path, instance):
    from pipelines.defs.sensors import new_drop_sensor

    state = tmp_path / "state"
    state.mkdir()
    landing = tmp_path / "landing"
    (landing / "2025-03-31").mkdir(parents=True)
    warehouse = Warehouse(landing_dir=str(landing), state_dir=str(state))
    live = _dead_run(instance)  # STARTED, and its process holds the lock: alive
    holder = subprocess.Popen([sys.executable, "-c", (
        "import sys; from pathlib import Path; from pipelines.lib.run_guard import exclusive_run\n"
        f"with exclusive_run(Path({str(state)!r}), {live!r}):\n"
        "    print('held', flush=True); sys.stdin.read()")],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        assert holder.stdout.readline().strip() == "held"
        with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}) as context:
            new_drop_sensor(context)
        assert instance.get_run_by_id(live).status == DagsterRunStatus.STARTED
    finally:
        holder.stdin.close()
        holder.wait(timeout=60)
    # its process has ended without finishing the run: the next evaluation marks it failed
    with dg.build_sensor_context(instance=instance, resources={"warehouse": warehouse}) as context:
        result = new_drop_sensor(context)
    assert instance.get_run_by_id(live).status == DagsterRunStatus.FAILURE
    assert [r.partition_key for r in result] == ["2025-03-01"]
