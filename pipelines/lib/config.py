"""The authority's configuration (data/config/authority.yaml) and the project's state folders."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass, replace
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
    # (cost centre, owning council la_code): the council of each budget-monitoring line (KPI15)
    cost_centres: tuple[tuple[str, str], ...] = ()
    plan_group: tuple[str, ...] = ()  # the trust plan's comparator LAs (authority.yaml plan_comparators)
    plan_group_name: str = ""

    def council_areas(self) -> list[str]:
        """The owning councils reported apart (a pack each): every one when there are two or more; a single
        owning council's figures are the authority's own."""
        codes = [c.la_code for c in self.owning_councils]
        return codes if len(codes) > 1 else []

    def council(self, la_code: str) -> Authority:
        """One owning council as an authority of its own (a council pack): its own published figures, its own
        DfE statistical neighbours and region; the plan comparator group kept."""
        c = next((c for c in self.owning_councils if c.la_code == la_code), None)
        if c is None:
            raise KeyError(f"{la_code} is not an owning council of {self.name}")
        return replace(self, la_code=c.la_code, name=c.name, owning_councils=(c,), neighbour_group=c.la_code)


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
    plan = raw.get("plan_comparators") or {}
    return Authority(
        la_code=str(raw["la_code"]).zfill(3), name=raw["name"],
        owning_councils=tuple(Council(str(c["la_code"]).zfill(3), c["ons_code"], c["name"])
                              for c in raw["owning_councils"]),
        first_reporting_month=str(raw["first_reporting_month"]),
        neighbour_group=None if group is None else str(group).zfill(3),
        cost_centres=_cost_centres(path, raw.get("cost_centres") or {},
                                   {str(c["la_code"]).zfill(3) for c in raw["owning_councils"]}),
        plan_group=tuple(str(c).zfill(3) for c in plan.get("la_codes") or ()),
        plan_group_name=str(plan.get("name") or "plan comparator group"),
    )


def _cost_centres(path: Path, raw: dict, councils: set[str]) -> tuple[tuple[str, str], ...]:
    """`cost_centres:` (owning council la_code -> its cost centres) as (cost centre, la_code) pairs. Cost centres
    are normalised as the contract's `id` columns are (trimmed, upper-cased); a council that is not an owning
    council, or a cost centre listed under two councils, is an error naming the file."""
    pairs: dict[str, str] = {}
    for la, centres in raw.items():
        code = str(la).zfill(3)
        if code not in councils:
            raise ValueError(f"{path}: cost_centres: {code} is not an owning council")
        for centre in centres or []:
            key = str(centre).strip().upper()
            if pairs.get(key, code) != code:
                raise ValueError(f"{path}: cost_centres: {key} listed under {pairs[key]} and {code}")
            pairs[key] = code
    return tuple(sorted(pairs.items()))


def dagster_home() -> Path:
    """DAGSTER_HOME inside the git-ignored state folder, so run history, schedules and backfills persist."""
    home = Path(os.environ.get("DAGSTER_HOME") or state_dir() / "dagster_home")
    home.mkdir(parents=True, exist_ok=True)
    if not (home / "dagster.yaml").exists():
        shutil.copyfile(CONFIG_DIR / "dagster.yaml", home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(home)
    return home
