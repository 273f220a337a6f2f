"""One live run per state folder, dead runs recovered, state files owner-only.

A run holds an exclusive `flock` on `<state>/run.lock` for its whole life, taken by the process that executes it
(the CLI, or a run worker the Dagster daemon launched for the schedule or sensor). The kernel drops the lock when
that process dies, however it dies (kill -9, a power cut), so:

- a held lock means a live run: the next one is refused at once, naming the holder's run and pid;
- a free lock means any run Dagster still shows as STARTED (or CANCELING) is dead: it is reported failed and
  its `warehouse` concurrency slots are freed, otherwise every later run waits behind it for ever.

The state folder holds pseudonymised records, dates of birth and postcodes (warehouse, archive) and Dagster's
run history: `secure_state` makes it owner-only (no permission for group or other).
"""

from __future__ import annotations

import fcntl
import json
import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import dagster as dg

LOCK_NAME = "run.lock"
OWNER_ONLY_UMASK = 0o077


class RunInProgress(RuntimeError):
    """Another live process holds the state folder's run lock."""


# Locks this process holds, by lock path: the CLI takes the lock before Dagster creates the run, and the
# warehouse resource of that same run must not try again (flock is per open file: it would refuse itself).
_HELD: dict[Path, tuple[IO[str], int]] = {}


def lock_path(state: Path) -> Path:
    return Path(state) / LOCK_NAME


def _holder(path: Path) -> str:
    try:
        info = json.loads(path.read_text() or "{}")
    except (OSError, ValueError):
        info = {}
    run = f"run {info['run_id']}, " if info.get("run_id") else ""
    since = f", started {info['started']}" if info.get("started") else ""
    return f"{run}pid {info.get('pid', 'unknown')}{since}"


@contextmanager
def exclusive_run(state: Path, run_id: str | None = None) -> Iterator[None]:
    """Hold the state folder's run lock for the block; refuse at once (RunInProgress) when a live run has it.
    Re-entrant within one process."""
    path = lock_path(state).resolve()
    if path in _HELD:
        handle, depth = _HELD[path]
        _HELD[path] = (handle, depth + 1)
        if run_id:
            _write_holder(handle, run_id)
        try:
            yield
        finally:
            handle, depth = _HELD[path]
            _HELD[path] = (handle, depth - 1)
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(path, "a+")  # noqa: SIM115 - held open for the whole run, closed in `finally`
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.close()
        raise RunInProgress(
            f"another scorecard run is in progress on {path.parent} ({_holder(path)}); wait for it to finish, "
            "or stop it: its lock is released the moment its process ends") from None
    try:
        os.chmod(path, 0o600)
        _HELD[path] = (handle, 1)
        _write_holder(handle, run_id)
        yield
    finally:
        _HELD.pop(path, None)
        handle.close()  # releases the lock


def _write_holder(handle: IO[str], run_id: str | None) -> None:
    handle.seek(0)
    handle.truncate()
    handle.write(json.dumps({"pid": os.getpid(), "run_id": run_id,
                             "started": datetime.now(UTC).isoformat(timespec="seconds")}))
    handle.flush()


def holds_lock(state: Path) -> bool:
    return lock_path(state).resolve() in _HELD


# A run in these states has a live process executing it; with the lock free, nobody does.
LIVE_STATUSES = ("STARTED", "CANCELING")


def recover_dead_runs(instance: dg.DagsterInstance, state: Path, keep: str | None = None) -> list[str]:
    """Mark every run Dagster shows as executing (but `keep`, the caller's own) failed and free its concurrency
    slots. Only call while holding the run lock: then no other process is executing a run on this state folder.
    Returns the ids of the runs recovered."""
    import dagster as dg

    if not holds_lock(state):
        raise RuntimeError("recover_dead_runs needs the run lock held")
    statuses = [dg.DagsterRunStatus[s] for s in LIVE_STATUSES]
    recovered = []
    for record in instance.get_run_records(dg.RunsFilter(statuses=statuses)):
        run = record.dagster_run
        if run.run_id == keep:
            continue
        instance.report_run_failed(
            run, message="The process executing this run ended without finishing it (killed, or the machine "
                         "stopped); marked failed by the next run, which freed its concurrency slots.")
        recovered.append(run.run_id)
    storage = instance.event_log_storage
    if storage.supports_global_concurrency_limits:
        # Slots claimed by any run that is not executing now (the dead ones above, or runs that finished
        # without releasing them) would block the next step in the `warehouse` pool for ever.
        for run_id in storage.get_concurrency_run_ids() - ({keep} if keep else set()):
            record = instance.get_run_record_by_id(run_id)
            if record is None or record.dagster_run.is_finished or run_id in recovered:
                storage.free_concurrency_slots_for_run(run_id)
    return recovered


def recover_before_request(context: dg.ScheduleEvaluationContext | dg.SensorEvaluationContext,
                           state: Path) -> list[str]:
    """For the schedule and the sensor, before they ask for a run: when no live run holds the state folder,
    report runs left executing by a dead process as failed (the run queue, one run at a time, would otherwise
    wait behind them for ever, and the launched run's own recovery would never start). Returns the ids recovered."""
    import dagster as dg

    try:
        instance = context.instance
    except dg.DagsterInvariantViolationError:  # evaluated without an instance (a test): no run history to mend
        return []
    recovered = recover_if_idle(instance, state)
    for run_id in recovered:
        context.log.warning(f"run {run_id} was left unfinished by a process that died: marked failed")
    return recovered


def recover_if_idle(instance: dg.DagsterInstance, state: Path) -> list[str]:
    """When no live run holds the state folder, report runs left executing by a dead process as failed."""
    try:
        with exclusive_run(state):
            return recover_dead_runs(instance, state)
    except RunInProgress:
        return []  # a live run: nothing is dead


def secure_state(state: Path) -> None:
    """Owner-only state: group and other lose every permission (what the run creates is 0700 / 0600 under its
    umask). The owner's own bits are kept: a folder the operator made read-only stays read-only."""
    state = Path(state)
    if not state.is_dir():
        return
    for root, dirs, files in os.walk(state):
        for p in (Path(root), *(Path(root, n) for n in (*dirs, *files))):
            if p.is_symlink():
                continue
            mode = stat.S_IMODE(p.lstat().st_mode)
            if mode & 0o077:
                os.chmod(p, mode & 0o700)


# The operator's own umask while a run writes under the owner-only one: published outputs follow it.
_OUTER_UMASKS: list[int] = []


def operator_umask() -> int:
    """The umask the operator runs with (not the run's owner-only one): published outputs are created by it."""
    if _OUTER_UMASKS:
        return _OUTER_UMASKS[0]
    current = os.umask(0)
    os.umask(current)
    return current


@contextmanager
def owner_only_files() -> Iterator[None]:
    """Files and folders created in the block are owner-only (the warehouse, its WAL, Dagster's databases)."""
    previous = os.umask(OWNER_ONLY_UMASK)
    _OUTER_UMASKS.append(previous)
    try:
        yield
    finally:
        _OUTER_UMASKS.pop()
        os.umask(previous)
