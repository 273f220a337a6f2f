"""The SSDA903 schema as data (schemas/ssda903/: base.yaml plus one yearly-differences file per year that
changed), the collection years, and what the return cannot carry (``LACKS``)."""

from __future__ import annotations

import copy
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.lib.returns.xml_schema import (
    SchemaFiles,
    apply_code_set_changes,
    load_schema_files,
    split_collection_year,
)

FORMAT = "SSDA903 CSV"


SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "ssda903"


CODE_SETS_FOR_QUALITY = ("REC",)  # the code sets written to data/reference/code_sets.csv


# ---- the schema as data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class TableSpec:
    name: str
    columns: tuple[str, ...]
    optional: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    events: tuple[str, ...] = ()
    key: tuple[str, ...] = ("CHILD",)
    codes: tuple[tuple[str, str], ...] = ()  # (item, code set)
    flags: tuple[str, ...] = ()
    numbers: tuple[str, ...] = ()
    since: int = 0
    provisional: bool = False

    @property
    def items(self) -> tuple[str, ...]:
        return self.columns + tuple(c for c in self.optional if c not in self.columns)


@dataclass(frozen=True)
class Ssda903Schema:
    year: int                          # the year ending 31 March: 2021 = 2020/21
    label: str
    tables: dict[str, TableSpec]
    code_sets: dict[str, frozenset[str]]
    notes: dict[str, dict[str, str]]
    xml: dict
    provisional: tuple[str, ...] = ()
    applied: tuple[str, ...] = ()      # the yearly-differences files applied, in order


def parse_year(year: int | str) -> int:
    """2021, '2021', '2020/21', '2020_21' or '2020-21' -> 2021 (the year ending 31 March)."""
    if isinstance(year, int):
        return year
    first, span = split_collection_year(year, "2021 or '2020/21'")
    return first + 1 if span else first  # 903 years are named by their 31 March: '2020/21' -> 2021


@cache
def _schema_files() -> SchemaFiles:
    # yearly-differences files are named by the collection year: 2020_21.yaml = the year ending 31 March 2021
    return load_schema_files(SCHEMA_DIR, "[0-9][0-9][0-9][0-9]_[0-9][0-9].yaml", parse_year, "year_ending")


def _codes(values) -> set[str]:
    return {str(c) for c in values}


def _table(name: str, spec: dict, since: int) -> TableSpec:
    return TableSpec(
        name=name, columns=tuple(spec["columns"]), optional=tuple(spec.get("optional", ())),
        dates=tuple(spec.get("dates", ())), events=tuple(spec.get("events", ())),
        key=tuple(spec.get("key", ("CHILD",))), codes=tuple((spec.get("codes") or {}).items()),
        flags=tuple(spec.get("flags", ())), numbers=tuple(spec.get("numbers", ())),
        since=spec.get("since", since), provisional=bool(spec.get("provisional", False)))


def schema_for(year: int | str) -> Ssda903Schema:
    """The 903 schema of a collection year (named by its 31 March): base.yaml plus every yearly-differences
    file up to that year. A year after the latest file is the latest schema."""
    return _schema(parse_year(year))


@cache
def _schema(ending: int) -> Ssda903Schema:
    base, diffs = _schema_files()
    if ending < base["year_ending"]:
        raise ValueError(f"no SSDA903 schema before {base['label']} (asked for {year_label(ending)})")
    tables: dict[str, dict] = {n: {**t, "since": base["year_ending"]} for n, t in copy.deepcopy(base["tables"]).items()}
    code_sets = {k: _codes(v) for k, v in base["code_sets"].items()}
    notes = {k: dict(v) for k, v in (base.get("notes") or {}).items()}
    xml = copy.deepcopy(base.get("xml") or {})
    provisional, applied = [], []
    for dyear, fname, spec in diffs:
        if dyear > ending:
            break
        for tname, change in (spec.get("tables") or {}).items():
            tables[tname] = {**tables[tname], **change}
        for tname, tspec in (spec.get("add_tables") or {}).items():
            tables[tname] = {**copy.deepcopy(tspec), "since": dyear}
        for tname in spec.get("remove_tables", []):
            del tables[tname]
        apply_code_set_changes(code_sets, spec.get("code_sets"))
        for cname, more in (spec.get("notes") or {}).items():
            notes.setdefault(cname, {}).update(more)
        for part, more in (spec.get("xml") or {}).items():
            if isinstance(more, dict):
                xml.setdefault(part, {}).update(more)
            else:
                xml[part] = [*xml.get(part, []), *more]
        provisional += spec.get("provisional", [])
        applied.append(fname)
    return Ssda903Schema(
        year=ending, label=year_label(ending),
        tables={n: _table(n, t, t["since"]) for n, t in tables.items()},
        code_sets={k: frozenset(v) for k, v in code_sets.items()}, notes=notes, xml=xml,
        provisional=tuple(provisional), applied=tuple(applied))


def schema_years() -> list[int]:
    """The base year and every year with a differences file (years ending 31 March)."""
    base, diffs = _schema_files()
    return [base["year_ending"], *[d[0] for d in diffs]]


FIRST_YEAR = schema_years()[0]  # collection years ending 31 March: 2017/18 onwards


def latest_schema() -> Ssda903Schema:
    return schema_for(schema_years()[-1])


@cache
def _all_schemas() -> tuple[Ssda903Schema, ...]:
    return tuple(schema_for(y) for y in schema_years())


@cache
def _recognition() -> dict[str, tuple[str, ...]]:
    """Per table, the items every year's version of it has (in the latest order): what a header must hold."""
    out: dict[str, tuple[str, ...]] = {}
    for s in _all_schemas():
        for name, t in s.tables.items():
            out[name] = t.columns if name not in out else tuple(c for c in t.columns if c in out[name])
    return out


@cache
def reading_spec(table: str) -> TableSpec:
    """A table as read before its year is known: every item, date, flag and number any year has."""
    specs = [s.tables[table] for s in _all_schemas() if table in s.tables]
    first, last = specs[0], specs[-1]

    def union(attr: str) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c for t in specs for c in getattr(t, attr)))

    return TableSpec(name=table, columns=last.columns, optional=tuple(c for c in union("items")
                                                                       if c not in last.columns),
                     dates=union("dates"), events=union("events"), key=last.key, flags=union("flags"),
                     numbers=union("numbers"), since=first.since, provisional=last.provisional)


def year_spec(table: str, year: int) -> TableSpec:
    """The table in a collection year's schema; before its first year, its first year's version."""
    s = schema_for(max(year, FIRST_YEAR))
    if table in s.tables:
        return s.tables[table]
    return next(x.tables[table] for x in _all_schemas() if table in x.tables)


HELD_IN_YEAR = {("Episodes", "DEC"), ("Reviews", "REVIEW")}  # dates a year's return holds only within the year


# 903 tables recognised but mapped to no contract table: reported as received, not used, with their row counts
NOT_USED = {
    "PrevPerm": "no contract table for permanence before care",
    "DoLo": "no contract table for deprivation of liberty",
    "SWEpisodes": "social worker episodes are not mapped",
}


@cache
def _code_items(table: str) -> tuple[str, ...]:
    """The coded items of a table in any year (normalised to upper case as they are read)."""
    return tuple(dict.fromkeys(c for s in _all_schemas() if table in s.tables for c, _ in s.tables[table].codes))


def code_sets_rows(code_sets: tuple[str, ...] = CODE_SETS_FOR_QUALITY) -> list[dict[str, str | int | None]]:
    """data/reference/code_sets.csv from the schema: a code's first and last collection year (blank = from the
    first / to the latest schema year), with the schema's note."""
    schemas = _all_schemas()
    first_year, last_year = schemas[0].year, schemas[-1].year
    rows = []
    for cset in code_sets:
        years: dict[str, list[int]] = defaultdict(list)
        for s in schemas:
            for code in s.code_sets.get(cset, ()):
                years[code].append(s.year)
        for code in sorted(years):
            ys = years[code]
            rows.append({"code_set": cset, "code": code, "first_year": None if ys[0] == first_year else ys[0],
                         "last_year": None if ys[-1] == last_year else _last_before_gap(ys, schemas),
                         "note": schemas[-1].notes.get(cset, {}).get(code)})
    return rows


def _last_before_gap(years: list[int], schemas: tuple[Ssda903Schema, ...]) -> int:
    """The last year a code is valid: the year before the first schema year that dropped it."""
    later = [s.year for s in schemas if s.year > years[-1]]
    return later[0] - 1 if later else years[-1]


def write_code_sets_csv(path: Path) -> None:
    frame = pl.DataFrame(code_sets_rows(), schema={"code_set": pl.String, "code": pl.String, "first_year": pl.Int64,
                                                   "last_year": pl.Int64, "note": pl.String}, orient="row")
    frame.write_csv(path, null_value="", line_terminator="\n")


LACKS = [
    "ssd_person.pers_expected_dob: unborn children are not in the 903",
    "ssd_person.pers_death_date: only when care ended with REC E2 (died)",
    "ssd_person.pers_upn_unknown: only UPN unknown codes (UN1-UN10); the UPN itself has no contract column",
    "ssd_cla_episodes.clae_referral_id: the 903 has no referrals",
    "ssd_cla_episodes/ssd_cla_placement/ssd_legal_status ids: not in the 903; built from the child and the start date",
    "ssd_cla_placement.clap_cla_placement_distance: not in the 903 (the DfE derives it from the postcodes)",
    "ssd_cla_reviews.clar_cla_review_due_date: not in the 903; derived from the statutory timescale "
    "(20 working days after care began, then 3 months, then 6 months after the previous review)",
    "ssd_missing.miss_missing_rhi_offered, miss_missing_rhi_accepted, miss_missing_rhi_date: return interviews "
    "are not in the 903",
    "ssd_care_leavers.clea_care_leaver_eligibility, clea_care_leaver_latest_contact, "
    "clea_pathway_plan_review_date: not in the 903 OC3",
    "ssd_care_leavers.clea_care_leaver_accom_suitable: carried as the digit of the ACCOM code, not separately",
    "ssd_permanence.perm_matched_date: only for adopted children (AD1)",
    "ssd_permanence.perm_placed_ffa_cp_date: fostering for adoption is not distinguished in the 903",
    "teams and workers (clea_care_leaver_allocated_team, clea_care_leaver_worker_id, ssd_involvements, "
    "ssd_professionals, ssd_department): not in the 903 (SWEpisodes, 2023/24 on, is recognised but not mapped)",
    "ssd_cla_health, ssd_cla_immunisations, ssd_sdq_scores: the 903 has yearly OC2 outcomes "
    "(cla_oc2_outcomes), not dated checks",
    "PrevPerm, DoLo, MOTHER, MC_DOB: recognised, no contract table or column",
    "ssd_immigration_status: only UASC (the UASC table), ending at DUC; its start is not in the 903 and is taken "
    "as the child's first period of care in the returns (blank when the child has no episode in them)",
    "ssd_contacts, ssd_cin_*, ssd_s47_enquiry, ssd_initial_cp_conference, ssd_cp_*: not in the 903 "
    "(the CIN census carries them)",
    "history before the earliest return in the drop: episodes that ended before its 1 April are absent, so a "
    "period of care or placement that began earlier starts at its first episode in the returns (with that "
    "episode's RNE, often L); KPI07 (2.5 years in care, 2 years placed), KPI08 (placements begun with a change "
    "of carer) and KPI18 (adoptions in a 3-year window) undercount until the history is long enough",
    "ssd_address: only HOME_POST, the home when care began, from each episode's start; a later move (during or "
    "after care) is not in the 903, so the child's council (the latest home) can differ",
]


def collection_year(d: date) -> int:
    """The collection year holding a date, named by the year of its 31 March (2019-04-01 -> 2020)."""
    return d.year + 1 if d.month >= 4 else d.year


def year_label(year: int) -> str:
    return f"{year - 1}/{str(year)[2:]}"


def year_end(year: int) -> date:
    return date(year, 3, 31)


TABLES = _recognition()
