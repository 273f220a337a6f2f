"""The warehouse and folders every asset uses, as one Dagster resource."""


import os
from collections.abc import Generator, Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from pipelines.lib.paths import state_dir as default_state_dir
from pipelines.lib.run_guard import exclusive_run, owner_only_files, recover_dead_runs, secure_state


def _default(env: str, fallback: Path) -> str:
    return os.environ.get(env, str(fallback))


class Warehouse(dg.ConfigurableResource):
    """Folders and the DuckDB warehouse. Defaults live in the git-ignored state folder; the CLI points
    `landing_dir` at --extracts and `out_dir` at --out."""

    landing_dir: str = _default("SCORECARD_LANDING", default_state_dir() / "landing")
    state_dir: str = str(default_state_dir())
    out_dir: str = _default("SCORECARD_OUT", default_state_dir() / "published")
    allow_revision: bool = False
    clinic_pack: bool = False  # the restricted clinic pack is produced only on request

    @property
    def archive(self) -> Path:
        return Path(self.state_dir) / "archive"

    @property
    def path(self) -> Path:
        return Path(self.state_dir) / "warehouse.duckdb"

    @contextmanager
    def yield_for_execution(self, context: dg.InitResourceContext) -> Generator["Warehouse", None, None]:
        """For a run (CLI, schedule or sensor alike), the process executing it holds the state folder's run lock
        until the run ends, recovers runs left executing by a dead process, and writes state owner-only.
        Sensor evaluations (no run) only read folders."""
        if context.run is None or context.instance is None:
            yield self
            return
        state = Path(self.state_dir)
        with owner_only_files(), exclusive_run(state, context.run_id):
            for run_id in recover_dead_runs(context.instance, state, keep=context.run_id):
                context.log.warning(f"run {run_id} was left unfinished by a process that died: marked failed")
            secure_state(state)
            try:
                yield self
            finally:
                secure_state(state)

    @contextmanager
    def connect(self, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """One writer at a time (the `warehouse` pool); readers may open read-only."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        con = duckdb.connect(str(self.path), read_only=read_only)
        try:
            yield con
        finally:
            con.close()
