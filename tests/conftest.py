"""Shared fixtures: a small synthetic authority, generated once per test session and staged in DuckDB."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import pytest

SMALL_SPAN = (date(2018, 4, 1), date(2020, 3, 31))


@pytest.fixture(autouse=True, scope="session")
def _pseudonymisation_key(tmp_path_factory):
    """Tests never touch the user's real key: one throwaway key for the session, created explicitly (a run
    never creates one)."""
    import os

    from pipelines.lib.pseudonymise import create_key

    key = create_key(tmp_path_factory.mktemp("key") / "pseudonymisation.key")
    saved = os.environ.get("SCORECARD_KEY_FILE")
    os.environ["SCORECARD_KEY_FILE"] = str(key)
    yield
    if saved is None:
        os.environ.pop("SCORECARD_KEY_FILE", None)
    else:
        os.environ["SCORECARD_KEY_FILE"] = saved
SMALL_DROP = date(2020, 3, 31)


@pytest.fixture(scope="session")
def small_landing(tmp_path_factory) -> Path:
    """A small synthetic authority, April 2018 - March 2020, one drop dated 31 March 2020, holding the SSD tables
    and, beside them, the statutory returns (SSDA903 and CIN census of 2018/19 and 2019/20) as `scorecard
    generate` writes them: the SSD tables win, the 903 OC2 table fills cla_oc2_outcomes."""
    from scorecard_tools.generator import generate

    landing = tmp_path_factory.mktemp("landing")
    generate(landing, seed=7, size="small", start=SMALL_SPAN[0], end=SMALL_SPAN[1], drops=[SMALL_DROP],
             returns=True)
    return landing


@pytest.fixture(scope="session")
def small_warehouse(small_landing, tmp_path_factory) -> Path:
    """The small authority archived and staged into a DuckDB file (open it read-only or copy it)."""
    from pipelines.lib.archive import archive_drop, archived_drops, landing_drops
    from pipelines.lib.returns import REGISTRY
    from pipelines.lib.staging import stage_drop

    state = tmp_path_factory.mktemp("state")
    for folder in landing_drops(small_landing):
        archive_drop(folder, state / "archive")
    path = state / "warehouse.duckdb"
    con = duckdb.connect(str(path))
    for drop in archived_drops(state / "archive"):
        stage_drop(con, drop, b"test-key-" * 4, "928", registry=REGISTRY)
    con.close()
    return path
