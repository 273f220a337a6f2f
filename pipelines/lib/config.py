"""The authority's configuration (data/config/authority.yaml) and the project's state folders."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

from pipelines.lib.paths import CONFIG_DIR, state_dir


@dataclass(frozen=True)
class Council:
    la_code: str
    ons_code: str
    name: str


@dataclass(frozen=True)
class Authority:
    la_code: str
    name: str
    owning_councils: tuple[Council, ...]
    first_reporting_month: str
    neighbour_group: str | None = None  # whose DfE statistical-neighbour list; None = la_code


AUTHORITY_ENV = "SCORECARD_AUTHORITY"  # another authority.yaml (a second deployment, or a test)
AUTHORITY_FILE = CONFIG_DIR / "authority.yaml"


def authority(path: Path | None = None) -> Authority:
    """The authority's facts: `path`, else the file named by SCORECARD_AUTHORITY, else data/config/authority.yaml."""
    chosen = path if path is not None else Path(os.environ.get(AUTHORITY_ENV) or AUTHORITY_FILE)
    return _authority(Path(chosen).resolve())


@cache
def _authority(path: Path) -> Authority:
    raw = yaml.safe_load(path.read_text())
    group = raw.get("neighbour_group")
    return Authority(
        la_code=str(raw["la_code"]).zfill(3), name=raw["name"],
        owning_councils=tuple(Council(str(c["la_code"]).zfill(3), c["ons_code"], c["name"])
                              for c in raw["owning_councils"]),
        first_reporting_month=str(raw["first_reporting_month"]),
        neighbour_group=None if group is None else str(group).zfill(3),
    )


def dagster_home() -> Path:
    """DAGSTER_HOME inside the git-ignored state folder, so run history, schedules and backfills persist."""
    home = Path(os.environ.get("DAGSTER_HOME") or state_dir() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(CONFIG_DIR / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
