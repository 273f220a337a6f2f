"""SSDA903 (children looked after) returns -> the contract's looked-after tables: the CSV adapter and the core
both forms (CSV and XML, pipelines/lib/returns/ssda903_xml.py) feed.

One adaptation for every collection year in a drop (2017/18 onwards): Header, Episodes, Reviews, UASC, OC2,
OC3, AD1, PlacedAdoption, PrevPerm, Missing, and SWEpisodes / DoLo (2023/24 on). A CSV is recognised by its
header columns (the DfE item names), never by its name.

The tables, their items, which items are dates, flags and codes, and the code sets of each collection year are
data: ``schemas/ssda903/base.yaml`` (2017/18) plus one yearly-differences file per year that changed
(``schema_for(year)`` applies them in order; years are named by the year ending 31 March, 2021 = 2020/21).
A table is recognised by the items every year's version of it has; once a file's collection year is known its
header is checked against that year's items and every coded item against that year's code set (an unknown code
is a warning naming file, table, column and row; the value is still used). data/reference/code_sets.csv (the
REC codes by year the quality checks use) is written from the same schema (``code_sets_rows``), so there is one
source of truth.

Mapping (every cell stays a raw string under the contract column name; staging types and pseudonymises it):

- Header -> ssd_person (SEX 1/2 -> M/F, M/F/U from 2024/25 as given; UPN only when it is an unknown-UPN code
  UN1-UN10; a death date from an episode ending E2). Episodes -> ssd_cla_episodes (one row per 903 episode),
  ssd_cla_placement (a run of episodes in one placement: a new placement at RNE S, P, B, T or U, or when PLACE,
  PLACE_PROVIDER, PL_POST or URN change), ssd_legal_status (runs of the same LS), ssd_address (runs of the
  same HOME_POST, type HOME). Reviews -> ssd_cla_reviews (REVIEW_CODE -> participation). Missing ->
  ssd_missing (M/A -> MISSING/ABSENT). OC3 -> ssd_care_leavers. OC2 -> cla_oc2_outcomes (year ending 31 March
  of the collection year). AD1, PlacedAdoption and Episodes -> ssd_permanence (one row per period of care with
  any permanence item).
- A 903 has no record ids: episode, period-of-care, placement and legal-status ids are built from the child
  and a date ('<CHILD>|E20190401'); `Adapted.derived_ids` tells staging to replace the child part with its
  pseudonym, so no identifier leaks through an id column.

Collection year of a file (the year ending 31 March), from the file's own evidence (``_evidence_year``): with
Episodes, the latest episode start (DECOM) is the earliest year it can be and the end dates (DEC) span the years
it may be; within that span the year written in the file name (2019-20, 2019_20, 201920) wins, else a later year
only when most end dates fall in it, so one episode ending on 1 April or a review typed as 2028 does not move a
year's return. Other dated tables (Reviews, Missing, PlacedAdoption, SWEpisodes, DoLo): the file-name year, else
the year most of their dates fall in. Header, UASC, OC2, OC3, AD1 and PrevPerm carry no date of their own: the
file-name year, else the year whose Episodes and Header children they share most (a tie is refused). A date
beyond the year is a row-located warning and is used as recorded. An XML file holds every table of one year, so
its episodes date it.

Read as real exports are (issue 12): coded items are upper-cased before any check or stitching; a CSV's date
order is told from its own dates (``date_order``: month-first only when the data say so, refused when they
contradict each other or cannot tell); a semicolon- or tab-delimited file is recognised and refused saying so;
tables no contract table carries (``NOT_USED``) are reported as received, not used, with their row counts.

Several years are stitched into one history; every repair is an AdapterIssue(severity='repair'):
- D1 an exact duplicate row in a file is dropped; D2 a second row with the same CHILD and DECOM (Episodes) or
  key in one file is dropped, the first kept;
- V1 the same episode (CHILD and DECOM) in several years' returns: the latest return's version wins. An
  episode open at a year end that continues in the next year's file is the normal case: counted in one
  summary issue, not one per row; a version whose other items differ is reported row by row;
- V2 an episode open at the end of one return, absent from a later return that holds the child, was replaced
  in that later return (a corrected start date): dropped;
- O1 an episode still open, or ending after the next episode's DECOM, is trimmed to the next DECOM (a blank
  REC becomes X1: care continued);
- G1 an episode ending X1 whose successor starts up to 7 days later is extended to the successor's DECOM
  (X1 declares care continued); a longer gap is left as recorded, with a warning.
Header, OC3, Missing and the permanence tables follow V1 (latest return wins); a Header whose DOB or SEX
differs from an earlier return's is reported.

Both forms of one year in one adaptation (a CSV set and an XML file both dated 2019/20): the CSV files are used
and the XML's tables for that year are not (a warning says so): the two are the same return, and mixing rows of
both would double every episode. (Staging groups files by the adapter that recognised them, so a drop holding
both forms reaches the two adapters separately; per contract table it then stages the CSV's rows, the first
in precedence, and says so.)

Cells that cannot be read (a date that is not a date, an OC2 flag that is not 0/1) are errors naming file,
903 table, column and row (and, for the XML, the element's path); the value is not used. Identifiers are never
quoted in messages.
"""

from __future__ import annotations

import copy
import csv
import io
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW, Adapted, AdapterIssue
from pipelines.lib.returns.xml_schema import (
    SchemaFiles,
    apply_code_set_changes,
    load_schema_files,
    quoted,
    split_collection_year,
)

FORMAT = "SSDA903 CSV"
SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "ssda903"
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
    "UASC": "no contract column for unaccompanied asylum-seeking status",
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


PLACEMENT_CHANGE = ("S", "P", "B", "T", "U")  # RNE: the episode starts a new placement
PLACEMENT_ITEMS = ("PLACE", "PLACE_PROVIDER", "PL_POST", "URN")
CONTINUATION_ITEMS = ("DEC", "REC", "REASON_PLACE_CHANGE")  # what may change when an open episode continues
GAP_DAYS = 7  # G1: an X1 gap up to this long is closed
ADOPTED = ("E11", "E12")
PERMANENCE_TYPE = {"E11": "ADOPTION", "E12": "ADOPTION", "E41": "CAO", "E43": "SGO", "E44": "SGO", "E45": "SGO",
                   "E46": "SGO", "E47": "SGO", "E48": "SGO"}
PLACED_FOR_ADOPTION = ("A3", "A4", "A5", "A6")
PLACEMENT_ORDER = ("E1", "D1")
SEX = {"1": "M", "2": "F"}


def _as_meant(column: str, row: Row) -> object:
    """A Header item's value for comparison across years (a date as a date, SEX as M/F/U)."""
    value = row.d.get(column) or row.v[column]
    return SEX.get(value or "", value) if column == "SEX" else value
MISSING_TYPE = {"M": "MISSING", "A": "ABSENT"}
NAME_YEAR = re.compile(r"(?<!\d)(20\d\d)[-_ ]?(\d\d)(?!\d)")
DATE_TEXT = re.compile(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})(?:[ T].*)?$")
BAD_DATE = "not a valid date (expected DD/MM/YYYY or YYYY-MM-DD)"

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
    "UASC, PrevPerm, DoLo, MOTHER, MC_DOB: recognised, no contract table or column",
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


def parse_date(text: str | None, month_first: bool = False) -> date | None:
    """A 903 date (DD/MM/YYYY, or MM/DD/YYYY when the file's dates are month-first; ISO accepted; a time part
    ignored). Raises ValueError when not a date."""
    if text is None:
        return None
    m = DATE_TEXT.match(text)
    if not m:
        raise ValueError(text)
    day = m.group(1)
    if "/" in day:
        d, mth, y = (int(x) for x in day.split("/"))
        if month_first:
            d, mth = mth, d
    else:
        y, mth, d = (int(x) for x in day.split("-"))
    return date(y, mth, d)


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _stamp(d: date) -> str:
    return d.strftime("%Y%m%d")


def header_columns(path: Path) -> list[str] | None:
    """The header line's names, trimmed and upper-cased (a byte-order mark dropped); None if not readable.
    A header with no comma is split on a semicolon or tab, so such a 903 file is recognised and then refused
    saying its delimiter is wrong (not refused as a file of no known shape)."""
    found = _header_line(path)
    if found is None:
        return None
    text, delimiter = found
    try:
        names = next(csv.reader(io.StringIO(text), delimiter=delimiter))
    except (csv.Error, StopIteration):
        return None
    return [n.lstrip("\ufeff").strip().upper() for n in names]


def _header_line(path: Path) -> tuple[str, str] | None:
    """(the first line, its delimiter: ',' unless the line has none and has ';' or a tab)."""
    try:
        with path.open("rb") as fh:
            first = fh.readline(65536)
        text = first.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    delimiter = ","
    if "," not in text:
        delimiter = next((d for d in (";", "\t", "|") if d in text), ",")
    return text, delimiter


DELIMITER_NAMES = {";": "semicolons", "\t": "tabs", "|": "pipes"}
MONTH_FIRST_EVIDENCE = 20  # distinct d/m/y dates with no day above 12: too many to be chance (p < 1e-8)
SLASH_DATE = re.compile(r"^\s*([0-9]{1,2})/([0-9]{1,2})/[0-9]{4}")


def date_order(cells: dict[str, list[str | None]]) -> tuple[str, str]:
    """A CSV file's date order from its own dates ('DMY' or 'MDY', and why), per column -> values. Raises
    ValueError when the data contradict themselves or cannot tell (its message says so; no date is quoted)."""
    day_first: tuple[str, int] | None = None    # (column, row) of a date whose first number is above 12
    month_first: tuple[str, int] | None = None  # ... whose second number is above 12
    distinct: set[str] = set()
    for column, values in cells.items():
        for row, v in enumerate(values, start=1):
            m = SLASH_DATE.match(v) if v else None
            if not m:
                continue
            distinct.add(v.strip())
            a, b = int(m.group(1)), int(m.group(2))
            if a > 12 and day_first is None:
                day_first = (column, row)
            if b > 12 and month_first is None:
                month_first = (column, row)
    if day_first and month_first:
        raise ValueError(f"dates in both orders: {day_first[0]} row {day_first[1]} can only be DD/MM/YYYY and "
                         f"{month_first[0]} row {month_first[1]} only MM/DD/YYYY; the file's date order cannot be "
                         "told, so no date of it is read (send it again with DD/MM/YYYY dates)")
    if month_first:
        return "MDY", (f"its dates are month-first: {month_first[0]} row {month_first[1]} can only be MM/DD/YYYY "
                       "and none is DD/MM/YYYY only; every date read as MM/DD/YYYY")
    if day_first is None and len(distinct) >= MONTH_FIRST_EVIDENCE:
        raise ValueError(f"none of its {len(distinct)} distinct DD/MM/YYYY-looking dates has a first number above "
                         "12, so day-first and month-first order cannot be told apart; no date of it is read "
                         "(send it again with DD/MM/YYYY or YYYY-MM-DD dates)")
    return "DMY", ""


def table_of(columns: list[str]) -> str | None:
    """The 903 table whose items (those every year's version has) are all in the header (the one with most
    items, when several fit)."""
    present = set(columns)
    fits = [(len(cols), name) for name, cols in _recognition().items() if set(cols) <= present]
    return max(fits)[1] if fits else None


@dataclass
class Row:
    table: str
    file: str
    row: int            # 1 = first data row (CSV) or the record's ordinal among its table's records (XML)
    year: int
    v: dict[str, str | None]
    d: dict[str, date | None] = field(default_factory=dict)
    location: str | None = None              # XML: the record's path
    paths: dict[str, str] | None = None      # XML: item -> the path of the element it came from

    @property
    def child(self) -> str:
        return self.v["CHILD"] or ""

    def where(self, column: str | None) -> str | None:
        if self.paths is not None and column is not None and column in self.paths:
            return self.paths[column]
        return self.location


@dataclass
class Part:
    """One 903 table of one file, as read (before the collection year is known)."""

    file: str
    table: str
    rows: list[Row]
    header: tuple[str, ...] | None = None   # a CSV's header columns (checked against the year's items)
    form: str = "CSV"


@dataclass
class Period:
    cla_id: str
    child: str
    start: date
    episodes: list[Row]

    @property
    def end(self) -> date | None:
        return self.episodes[-1].d.get("DEC")

    def holds(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


@cache
def _holidays() -> frozenset[date]:
    from pipelines.lib.calendar import bank_holidays

    return frozenset(bank_holidays())


def nth_working_day_after(d: date, n: int) -> date:
    hols = _holidays()
    while n > 0:
        d += timedelta(days=1)
        if d.weekday() < 5 and d not in hols:
            n -= 1
    return d


def add_months(d: date, months: int) -> date:
    import calendar

    m = d.month - 1 + months
    y, m = d.year + m // 12, m % 12 + 1
    return date(y, m, min(d.day, calendar.monthrange(y, m)[1]))


class Ssda903CsvAdapter:
    name = FORMAT

    def recognise(self, path: Path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        cols = header_columns(path)
        return cols is not None and table_of(cols) is not None

    def adapt(self, paths: list[Path]) -> Adapted:
        return adapt_903(paths, FORMAT)


def adapt_903(paths: list[Path], fmt: str) -> Adapted:
    """Every 903 file given, CSV or XML (told apart by content), through one adaptation."""
    from pipelines.lib.returns.ssda903_xml import is_903_xml, read_xml_parts

    def reader(ad: _Adaptation) -> list[Part]:
        parts: list[Part] = []
        for path in ad.paths:
            if path.suffix.lower() == ".xml" and is_903_xml(path):
                parts.extend(read_xml_parts(ad, path))
            else:
                part = read_csv_part(ad, path)
                if part is not None:
                    parts.append(part)
        return parts

    return _Adaptation(paths, fmt).run(reader)


def read_csv_part(ad: _Adaptation, path: Path) -> Part | None:
    """One 903 CSV file as rows of its table (cells trimmed, dates, flags and numbers checked)."""
    from pipelines.lib.staging import FileReadError, read_raw  # staging imports the registry lazily

    cols = header_columns(path)
    table = table_of(cols or [])
    if table is None:
        ad.issue(None, "not an SSDA903 table: the header matches none of " + ", ".join(_recognition()),
                 file=path.name)
        return None
    _, delimiter = _header_line(path) or ("", ",")
    if delimiter != ",":
        ad.issue(None, f"the file is delimited by {DELIMITER_NAMES[delimiter]}, not commas: a 903 CSV is "
                       "comma-separated (the DfE specification); file not used (send it again comma-separated)",
                 file=path.name, table=table)
        return None
    try:
        raw = read_raw(path)
    except FileReadError as exc:
        ad.issue(None, str(exc), file=path.name, table=table)
        return None
    raw = raw.rename({c: c.upper() for c in raw.columns})
    spec = reading_spec(table)
    present = [c for c in spec.items if c in raw.columns]
    try:
        order, why = date_order({c: raw[c].to_list() for c in spec.dates if c in raw.columns})
    except ValueError as exc:
        ad.issue(None, f"{exc}; file not used", file=path.name, table=table)
        return None
    if order == "MDY":
        ad.month_first.add(path.name)
        ad.issue(None, why, "warning", file=path.name, table=table)
    rows: list[Row] = []
    for i, rec in enumerate(raw.select(present).iter_rows(), start=1):
        values = dict.fromkeys(spec.items)
        values.update({c: (x.strip() or None) if x is not None else None for c, x in zip(present, rec, strict=True)})
        r = Row(table, path.name, i, 0, values)
        if ad.accept(r):
            rows.append(r)
    return Part(path.name, table, rows, header=tuple(raw.columns))


class _Adaptation:
    """The core both forms feed: rows of the 903 tables of every file -> years, checks, stitching, contract
    tables."""

    def __init__(self, paths: list[Path], fmt: str = FORMAT) -> None:
        self.paths = sorted(paths)
        self.out = Adapted(format=fmt, lacks=list(LACKS), files=[p.name for p in self.paths])
        self.rows: dict[str, list[Row]] = defaultdict(list)  # 903 table -> rows of every year
        self.years: dict[str, int] = {}  # file -> collection year
        self.continued = 0
        self.month_first: set[str] = set()  # files whose dates are MM/DD/YYYY (see date_order)
        # (file, table) -> [count, first row, columns]: coded values given in lower case, read upper-cased
        self.lowered: dict[tuple[str, str], list] = {}

    # ---- issues -------------------------------------------------------------------------------------------
    def issue(self, r: Row | None, message: str, severity: str = "error", column: str | None = None,
              file: str | None = None, table: str | None = None, location: str | None = None) -> None:
        where = location or (r.where(column) if r else None)
        if where and r is not None and r.location is not None:
            message = f"{message} (at {where})"  # the XML path, so rejections.csv and error_report.csv show it
        self.out.issues.append(AdapterIssue(file=r.file if r else (file or ""), table=r.table if r else (table or ""),
                                            column=column, row=r.row if r else None, message=message,
                                            severity=severity, location=where))

    # ---- reading ------------------------------------------------------------------------------------------
    def run(self, reader: Callable[[_Adaptation], list[Part]]) -> Adapted:
        parts = reader(self)
        for (fname, table), (count, first, columns) in sorted(self.lowered.items()):
            self.issue(None, f"{count} coded value(s) in lower case ({', '.join(sorted(columns))}; first at row "
                             f"{first}) read as upper case, the form the code sets and the stitching use",
                       "repair", file=fname, table=table)
        for part in parts:
            if part.table in NOT_USED:
                self.issue(None, f"received, not used: {len(part.rows)} row(s) of {part.table} "
                                 f"({NOT_USED[part.table]})", "warning", file=part.file, table=part.table)
        self._assign_years(parts)
        parts = self._one_form_per_year(parts)
        for part in parts:
            year = self.years.get(part.file)
            if year is None:
                continue
            if year < FIRST_YEAR:
                self.issue(None, f"collection year {year_label(year)} is before {year_label(FIRST_YEAR)}, the first "
                                 "this adapter reads; file not used", file=part.file, table=part.table)
                continue
            spec = year_spec(part.table, year)
            if year < spec.since:
                self.issue(None, f"{part.table} is collected from {year_label(spec.since)}, but this file's dates are "
                                 f"in {year_label(year)}", "warning", file=part.file, table=part.table)
            self._header_for_year(part, spec, year)
            for r in part.rows:
                r.year = year
                self._check_codes(r, spec, year)
            self.rows[part.table].extend(self._dedupe(part.table, part.rows))
        self._build()
        return self.out

    def accept(self, r: Row) -> bool:
        """A row as read: not blank, has a CHILD, its dates, flags and numbers typed. False: not used."""
        if all(x is None for x in r.v.values()):
            self.issue(r, "blank row; not used", "warning")
            return False
        if r.v["CHILD"] is None:
            self.issue(r, "no CHILD; row not used", column="CHILD")
            return False
        return self._cells(r)

    def _cells(self, r: Row) -> bool:
        """Type the dates, flags and numbers of a row; False when the row cannot be used at all."""
        spec = reading_spec(r.table)
        for c in _code_items(r.table):
            # codes are compared upper case everywhere (stitching, code sets, KPIs): normalised before any logic
            value = r.v.get(c)
            if value is not None and value != value.upper():
                r.v[c] = value.upper()
                seen = self.lowered.setdefault((r.file, r.table), [0, r.row, set()])
                seen[0] += 1
                seen[2].add(c)
        month_first = r.file in self.month_first
        for c in spec.dates:
            try:
                r.d[c] = parse_date(r.v[c], month_first)
            except ValueError:
                r.d[c] = None
                r.v[c] = None
                if c in spec.key:
                    self.issue(r, f"{BAD_DATE}; row not used ({c} places the row in the history)", column=c)
                    return False
                self.issue(r, f"{BAD_DATE}; value not used", column=c)
        for key_col in spec.key:
            if key_col in spec.dates and r.d.get(key_col) is None:
                self.issue(r, f"no {key_col}; row not used ({key_col} places the row in the history)", column=key_col)
                return False
        for c in spec.flags:
            if r.v[c] is not None and r.v[c] not in ("0", "1"):
                self.issue(r, "not a 0/1 flag; value not used", column=c)
                r.v[c] = None
        for c in spec.numbers:
            if r.v[c] is not None and not r.v[c].isdigit():
                self.issue(r, "not a whole number; value not used", column=c)
                r.v[c] = None
        return True

    def _check_codes(self, r: Row, spec: TableSpec, year: int) -> None:
        """Every coded item against the code set of the row's collection year: an unknown code is a warning
        (the value is used; the SQL code-set checks see it)."""
        sets = schema_for(max(year, FIRST_YEAR)).code_sets
        for column, cset in spec.codes:
            value = r.v.get(column)
            valid = sets.get(cset)
            if value is None or valid is None:
                continue
            if value not in valid and value.upper() not in valid:
                self.issue(r, f"code {quoted(value)} is not in the {year_label(year)} {cset} code set; the value is "
                              "used", "warning", column=column)

    def _header_for_year(self, part: Part, spec: TableSpec, year: int) -> None:
        """A CSV header against the items of its collection year's table."""
        if part.header is None:
            return
        extra = [c for c in part.header if c not in spec.items]
        if extra:
            self.issue(None, f"column(s) {', '.join(extra)} not in the {year_label(year)} 903 {part.table} table; "
                             "not used", "warning", file=part.file, table=part.table)
        missing = [c for c in spec.columns if c not in part.header]
        if missing:
            self.issue(None, f"column(s) {', '.join(missing)} of the {year_label(year)} 903 {part.table} table are "
                             "not in the file; read as blank", "warning", file=part.file, table=part.table)

    def _assign_years(self, parts: list[Part]) -> None:
        by_file: dict[str, list[Part]] = defaultdict(list)
        for part in parts:
            by_file[part.file].append(part)
        children: dict[int, set[str]] = defaultdict(set)
        undated = []
        for fname, fparts in by_file.items():
            named = _name_year(fname)
            label = fparts[0].table if len(fparts) == 1 else "Header"
            evidence = _evidence_year(fparts, named)
            if evidence is not None:
                year, basis = evidence
                self.years[fname] = year
                if named is not None and named != year:
                    self.issue(None, f"the file name says {year_label(named)} but {basis} is in {year_label(year)}; "
                                     f"{year_label(year)} is used", "warning", file=fname, table=label)
                self._outside_year(fparts, year, basis)
                for p in fparts:
                    if p.table == "Episodes" or (p.table == "Header" and len(fparts) > 1):
                        children[year].update(r.child for r in p.rows)
            else:
                undated.append((fname, fparts, named))
        # Headers first: the others are then matched against Episodes and Header children together.
        undated.sort(key=lambda f: all(p.table != "Header" for p in f[1]))
        for fname, fparts, named in undated:
            label = fparts[0].table if len(fparts) == 1 else "Header"
            rows = [r for p in fparts for r in p.rows]
            if named is not None:
                self.years[fname] = named
            elif not rows:
                self.issue(None, "no data rows and no collection year in the name; file not used", "warning",
                           file=fname, table=label)
                continue
            else:
                mine = {r.child for r in rows}
                score = sorted(((len(mine & kids) / len(mine | kids), y) for y, kids in children.items()), reverse=True)
                if not score or score[0][0] == 0 or (len(score) > 1 and score[0][0] == score[1][0]):
                    self.issue(None, f"{label} carries no dates and the collection year cannot be told from the "
                                     "children it shares with the Episodes files (put the year in the file name, "
                                     "e.g. 2019-20); file not used", file=fname, table=label)
                    continue
                self.years[fname] = score[0][1]
            if any(p.table == "Header" for p in fparts):
                children[self.years[fname]].update(r.child for p in fparts if p.table == "Header" for r in p.rows)

    def _outside_year(self, fparts: list[Part], year: int, basis: str) -> None:
        """Dates a file holds beyond its collection year: reported (one warning per table and item, with the
        count and first row), the year kept. Nothing may be dated after its 31 March; an episode that ended, or
        a review held, before its 1 April is not in it (an episode, a missing spell or an adoption decision may
        have begun earlier)."""
        start, end = year_end(year - 1) + timedelta(days=1), year_end(year)
        for p in fparts:
            spec = reading_spec(p.table)
            for c in spec.events:
                late = [r for r in p.rows if r.d.get(c) and r.d[c] > end]
                early = [r for r in p.rows if r.d.get(c) and r.d[c] < start and (p.table, c) in HELD_IN_YEAR]
                for found, side in ((late, f"after 31 March {year}"), (early, f"before 1 April {year - 1}")):
                    if found:
                        self.issue(found[0], f"{len(found)} {c} date(s) fall {side}, outside {year_label(year)} "
                                             f"(the collection year {basis} gives; first at row {found[0].row}): the "
                                             "year is kept, the dates are used as recorded", "warning", column=c)

    def _one_form_per_year(self, parts: list[Part]) -> list[Part]:
        """A year delivered as CSV and as XML: the CSV set is used, the XML file of that year is not."""
        csv_years = {self.years[p.file] for p in parts if p.form == "CSV" and p.file in self.years}
        kept, refused = [], set()
        for p in parts:
            year = self.years.get(p.file)
            if p.form != "CSV" and year in csv_years:
                refused.add((p.file, year))
                continue
            kept.append(p)
        for fname, year in sorted(refused):
            self.issue(None, f"{year_label(year)} is also delivered as a CSV set: the CSV files are used and this XML "
                             "file is not (one return per year)", "warning", file=fname, table="Header")
        return kept

    def _dedupe(self, table: str, rows: list[Row]) -> list[Row]:
        """D1 / D2 within one file."""
        seen: dict[tuple, Row] = {}
        kept = []
        key = reading_spec(table).key
        for r in rows:
            k = tuple(r.v[c] if c not in r.d else r.d[c] for c in key)
            first = seen.get(k)
            if first is None:
                seen[k] = r
                kept.append(r)
            elif first.v == r.v:
                self.issue(r, f"exact duplicate of row {first.row}; dropped (D1)", "repair")
            else:
                self.issue(r, f"same {' and '.join(key)} as row {first.row} of the same file; row {first.row} kept "
                              "(D2)", "repair")
        return kept

    # ---- stitching ----------------------------------------------------------------------------------------
    def _latest(self, table: str, key: tuple[str, ...], compare: tuple[str, ...]) -> list[Row]:
        """V1 for a table: per key, the latest return's row. An earlier version that differs only by items
        filled in later (an end date, a reason) is the normal continuation, counted in one summary issue; one
        whose recorded items differ is reported row by row."""
        by_key: dict[tuple, list[Row]] = defaultdict(list)
        for r in self.rows.get(table, []):
            by_key[tuple(r.d.get(c) or r.v[c] for c in key)].append(r)
        out = []
        filled = 0
        for versions in by_key.values():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                differ = [c for c in compare if old.v[c] != win.v[c]]
                if differ and all(old.v[c] is None for c in differ):
                    filled += 1
                elif differ:
                    self.issue(old, f"replaced by the {year_label(win.year)} return's row ({', '.join(differ)} "
                                    "differ); the later return wins (V1)", "repair")
            out.append(win)
        if filled:
            files = sorted({r.file for r in self.rows.get(table, [])})
            self.issue(None, f"{filled} row(s) completed in a later year's return (an end date or reason filled "
                             "in); the later return's row is used (V1)", "repair", file=", ".join(files), table=table)
        return out

    def _period_of(self, child: str, d: date, periods: dict[str, list[Period]]) -> Period | None:
        """The period of care holding a date; a date before a history that begins mid-care (the first episode
        in the returns is not RNE S) belongs to that first period."""
        plist = periods.get(child, [])
        p = next((p for p in plist if p.holds(d)), None)
        if p is None and plist and d < plist[0].start and (plist[0].episodes[0].v["RNE"] or "").upper() != "S":
            p = plist[0]
        return p

    def _episodes(self) -> dict[str, list[Row]]:
        rows = self.rows.get("Episodes", [])
        years = sorted({r.year for r in rows})
        by_key: dict[tuple, list[Row]] = defaultdict(list)
        for r in rows:
            by_key[(r.child, r.d["DECOM"])].append(r)
        kids_in: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            kids_in[r.year].add(r.child)
        chosen: dict[str, list[Row]] = defaultdict(list)
        others = [c for c in reading_spec("Episodes").items if c not in CONTINUATION_ITEMS and c != "CHILD"]
        for versions in by_key.values():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                differ = [c for c in others if old.v[c] != win.v[c]]
                if not differ and old.d["DEC"] is None:
                    self.continued += 1
                else:
                    self.issue(old, f"episode replaced by the {year_label(win.year)} return's version"
                                    f"{' (' + ', '.join(differ or ['DEC', 'REC']) + ' differ)'}; the later return "
                                    "wins (V1)", "repair")
            later = [y for y in years if y > win.year]
            if win.d["DEC"] is None and later:
                nxt = later[0]
                if win.child in kids_in[nxt]:
                    self.issue(win, f"open at 31 March {win.year} but not in the {year_label(nxt)} return, which "
                                    "holds the child's episodes: replaced there; dropped (V2)", "repair")
                    continue
                self.issue(win, f"open at 31 March {win.year} but the child is not in the {year_label(nxt)} return; "
                                "kept open as recorded", "warning")
            chosen[win.child].append(win)
        if self.continued:
            self.issue(None, f"{self.continued} episode(s) open at a year end continue in the next year's return; "
                             "the later return's version is used (V1)", "repair",
                       file=", ".join(sorted({r.file for r in rows})), table="Episodes")
        midway = 0
        for eps in chosen.values():
            eps.sort(key=lambda r: r.d["DECOM"])
            midway += (eps[0].v["RNE"] or "").upper() != "S"
            for a, b in zip(eps, eps[1:], strict=False):
                dec, nxt = a.d["DEC"], b.d["DECOM"]
                if dec is None or dec > nxt:
                    what = "still open" if dec is None else f"ends {(dec - nxt).days} day(s) after it"
                    blank = a.v["REC"] is None
                    a.d["DEC"], a.v["DEC"] = nxt, iso(nxt)
                    if blank:
                        a.v["REC"] = "X1"
                    self.issue(a, f"overlaps the next episode ({what}): DEC trimmed to the next DECOM"
                                  f"{', REC set to X1' if blank else ''} (O1)", "repair", column="DEC")
                elif a.v["REC"] == "X1" and dec < nxt:
                    gap = (nxt - dec).days
                    if gap <= GAP_DAYS:
                        a.d["DEC"], a.v["DEC"] = nxt, iso(nxt)
                        self.issue(a, f"ends X1 but the next episode starts {gap} day(s) later: DEC extended to the "
                                      "next DECOM (G1)", "repair", column="DEC")
                    else:
                        self.issue(a, f"ends X1 but the next episode starts {gap} days later; left as recorded "
                                      "(care taken to have ended)", "warning", column="REC")
            last = eps[-1]
            if last.v["REC"] == "X1":
                self.issue(last, "ends X1 but no later episode is in the returns", "warning", column="REC")
        if midway:
            self.issue(None, f"{midway} child(ren)'s history in the returns begins mid-care (first episode not RNE "
                             "S): care before the first return is not in them, so the period of care is taken to "
                             "start at that episode", "warning", file=", ".join(sorted({r.file for r in rows})),
                       table="Episodes")
        return chosen

    # ---- building the contract tables ---------------------------------------------------------------------
    def _build(self) -> None:
        tables: dict[str, list[dict]] = defaultdict(list)
        chosen = self._episodes()
        periods: dict[str, list[Period]] = {}
        deaths: dict[str, date] = {}
        for child, eps in chosen.items():
            periods[child] = self._periods(child, eps)
            for p in periods[child]:
                self._care_rows(p, tables)
            e2 = [e for e in eps if e.v["REC"] == "E2" and e.d["DEC"]]
            if e2:
                deaths[child] = e2[-1].d["DEC"]
            self._addresses(child, eps, tables)
        self._people(deaths, tables)
        self._reviews(periods, tables)
        for r in self._latest("Missing", ("CHILD", "MIS_START"), ("MISSING",)):
            tables["ssd_missing"].append(_src(r, miss_person_id=r.child, miss_missing_episode_start_date=iso(
                r.d["MIS_START"]), miss_missing_episode_type=MISSING_TYPE.get((r.v["MISSING"] or "").upper(),
                                                                              r.v["MISSING"]),
                miss_missing_episode_end_date=iso(r.d["MIS_END"])))
        for r in self._latest("OC3", ("CHILD",), ("DOB",)):
            tables["ssd_care_leavers"].append(_src(r, clea_person_id=r.child, clea_care_leaver_in_touch=r.v["IN_TOUCH"],
                                                   clea_care_leaver_activity=r.v["ACTIV"],
                                                   clea_care_leaver_accommodation=r.v["ACCOM"]))
        for r in self.rows.get("OC2", []):
            tables["cla_oc2_outcomes"].append(_src(
                r, oc2_person_id=r.child, oc2_year_ending=iso(year_end(r.year)), oc2_sdq_score=r.v["SDQ_SCORE"],
                oc2_sdq_reason=r.v["SDQ_REASON"], oc2_convicted=r.v["CONVICTED"], oc2_health_check=r.v["HEALTH_CHECK"],
                oc2_immunisations=r.v["IMMUNISATIONS"], oc2_teeth_check=r.v["TEETH_CHECK"],
                oc2_health_assessment=r.v["HEALTH_ASSESSMENT"], oc2_substance_misuse=r.v["SUBSTANCE_MISUSE"],
                oc2_intervention_received=r.v["INTERVENTION_RECEIVED"],
                oc2_intervention_offered=r.v["INTERVENTION_OFFERED"]))
        self._permanence(periods, tables)
        from pipelines.lib.contract import contract

        spec = contract()
        for name, recs in tables.items():
            cols = list(spec[name].columns)
            frame = pl.DataFrame(recs, schema={**{c: pl.String for c in cols}, SOURCE_ROW: pl.Int64,
                                               SOURCE_FILE: pl.String, SOURCE_LOCATION: pl.String})
            self.out.tables[name] = frame.select(*cols, SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION)
        # A 903 year holds the episodes open during it: history before 1 April of the earliest year delivered
        # is in none of the files (a period of care begun earlier starts, here, in that year).
        years = [r.year for rows in self.rows.values() for r in rows if r.year]
        if years:
            first = date(min(years) - 1, 4, 1)
            self.out.covered_from = {name: first for name in self.out.tables if name != "ssd_person"}
        self.out.derived_ids = {
            "ssd_cla_episodes": ["clae_cla_episode_id", "clae_cla_id", "clae_cla_placement_id"],
            "ssd_cla_placement": ["clap_cla_placement_id", "clap_cla_id"],
            "ssd_legal_status": ["lega_legal_status_id"],
            "ssd_cla_reviews": ["clar_cla_id"],
            "ssd_permanence": ["perm_cla_id"],
        }

    def _periods(self, child: str, eps: list[Row]) -> list[Period]:
        out: list[Period] = []
        prev: Row | None = None
        for e in eps:
            new = (prev is None or prev.d["DEC"] is None or e.d["DECOM"] > prev.d["DEC"]
                   or (prev.v["REC"] is not None and prev.v["REC"] != "X1"))
            if new:
                out.append(Period(f"{child}|C{_stamp(e.d['DECOM'])}", child, e.d["DECOM"], []))
            out[-1].episodes.append(e)
            prev = e
        return out

    def _care_rows(self, p: Period, tables: dict[str, list[dict]]) -> None:
        child = p.child
        placement: list[Row] = []
        legal: list[Row] = []
        runs_p: list[list[Row]] = []
        runs_l: list[list[Row]] = []
        for e in p.episodes:
            changed = [c for c in PLACEMENT_ITEMS if placement and placement[-1].v[c] != e.v[c]]
            rne = (e.v["RNE"] or "").upper()
            if not placement or rne in PLACEMENT_CHANGE or changed:
                if placement and rne not in PLACEMENT_CHANGE:
                    self.issue(e, f"RNE {rne or '(blank)'} but {', '.join(changed)} changed: a new placement is "
                                  "started", "warning", column="RNE")
                placement = [e]
                runs_p.append(placement)
            else:
                placement.append(e)
            if not legal or (legal[-1].v["LS"] or "") != (e.v["LS"] or ""):
                legal = [e]
                runs_l.append(legal)
            else:
                legal.append(e)
        placement_of: dict[int, str] = {}
        for run in runs_p:
            first, last = run[0], run[-1]
            pid = f"{child}|P{_stamp(first.d['DECOM'])}"
            for e in run:
                placement_of[id(e)] = pid
            tables["ssd_cla_placement"].append(_src(
                first, clap_cla_placement_id=pid, clap_cla_id=p.cla_id, clap_person_id=child,
                clap_cla_placement_start_date=iso(first.d["DECOM"]), clap_cla_placement_end_date=iso(last.d["DEC"]),
                clap_cla_placement_type=first.v["PLACE"], clap_cla_placement_provider=first.v["PLACE_PROVIDER"],
                clap_cla_placement_postcode=first.v["PL_POST"], clap_cla_placement_urn=first.v["URN"],
                clap_cla_placement_change_reason=last.v["REASON_PLACE_CHANGE"]))
        for run in runs_l:
            first, last = run[0], run[-1]
            tables["ssd_legal_status"].append(_src(
                first, lega_legal_status_id=f"{child}|L{_stamp(first.d['DECOM'])}", lega_person_id=child,
                lega_legal_status=first.v["LS"], lega_legal_status_start_date=iso(first.d["DECOM"]),
                lega_legal_status_end_date=iso(last.d["DEC"])))
        for e in p.episodes:
            tables["ssd_cla_episodes"].append(_src(
                e, clae_cla_episode_id=f"{child}|E{_stamp(e.d['DECOM'])}", clae_person_id=child,
                clae_cla_id=p.cla_id, clae_cla_episode_start_date=iso(e.d["DECOM"]),
                clae_cla_episode_start_reason=e.v["RNE"], clae_cla_primary_need_code=e.v["CIN"],
                clae_cla_episode_ceased_date=iso(e.d["DEC"]), clae_cla_episode_ceased_reason=e.v["REC"],
                clae_entered_care_date=iso(p.start), clae_cla_placement_id=placement_of[id(e)]))

    def _addresses(self, child: str, eps: list[Row], tables: dict[str, list[dict]]) -> None:
        runs: list[Row] = []
        for e in eps:
            if e.v["HOME_POST"] and (not runs or runs[-1].v["HOME_POST"] != e.v["HOME_POST"]):
                runs.append(e)
        for a, b in zip(runs, [*runs[1:], None], strict=False):
            tables["ssd_address"].append(_src(
                a, addr_person_id=child, addr_address_type="HOME", addr_address_start_date=iso(a.d["DECOM"]),
                addr_address_end_date=iso(b.d["DECOM"]) if b else None, addr_address_postcode=a.v["HOME_POST"]))

    def _people(self, deaths: dict[str, date], tables: dict[str, list[dict]]) -> None:
        by_child: dict[str, list[Row]] = defaultdict(list)
        for r in self.rows.get("Header", []):
            by_child[r.child].append(r)
        for child, versions in by_child.items():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                # compared as meant, not as coded: SEX 1/2 before 2024/25 and M/F from then are the same values
                differ = [c for c in ("DOB", "SEX") if _as_meant(c, old) != _as_meant(c, win)]
                if differ:
                    self.issue(old, f"{' and '.join(differ)} differ from the {year_label(win.year)} return; the "
                                    "latest return's value is used", "repair", column=differ[0])
            upn = win.v["UPN"] if (win.v["UPN"] or "").upper().startswith("UN") else None
            tables["ssd_person"].append(_src(
                win, pers_person_id=child, pers_sex=SEX.get(win.v["SEX"] or "", win.v["SEX"]),
                pers_ethnicity=win.v["ETHNIC"], pers_dob=iso(win.d["DOB"]), pers_death_date=iso(deaths.get(child)),
                pers_upn_unknown=upn))

    def _reviews(self, periods: dict[str, list[Period]], tables: dict[str, list[dict]]) -> None:
        held: dict[str, list[tuple[Row, Period]]] = defaultdict(list)
        for r in self._latest("Reviews", ("CHILD", "REVIEW"), ("REVIEW_CODE",)):
            p = self._period_of(r.child, r.d["REVIEW"], periods)
            if p is None:
                self.issue(r, "review date is in no period of care in the Episodes returns; row not used",
                           column="REVIEW")
                continue
            held[p.cla_id].append((r, p))
        for rows in held.values():
            rows.sort(key=lambda x: x[0].d["REVIEW"])
            prev: date | None = None
            for n, (r, p) in enumerate(rows):
                due = (nth_working_day_after(p.start, 20) if n == 0
                       else add_months(prev, 3 if n == 1 else 6))  # type: ignore[arg-type]
                prev = r.d["REVIEW"]
                tables["ssd_cla_reviews"].append(_src(
                    r, clar_cla_id=p.cla_id, clar_cla_review_due_date=iso(due), clar_cla_review_date=iso(prev),
                    clar_cla_review_participation=r.v["REVIEW_CODE"]))

    def _permanence(self, periods: dict[str, list[Period]], tables: dict[str, list[dict]]) -> None:
        items: dict[str, dict[str, str | None]] = {}
        source: dict[str, Row] = {}
        owner: dict[str, Period] = {}

        def slot(p: Period, r: Row) -> dict[str, str | None]:
            if p.cla_id not in items:
                items[p.cla_id] = {}
                source[p.cla_id] = r
                owner[p.cla_id] = p
            return items[p.cla_id]

        for plist in periods.values():
            for p in plist:
                order = next((e for e in p.episodes if (e.v["LS"] or "").upper() in PLACEMENT_ORDER), None)
                placed = next((e for e in p.episodes if (e.v["PLACE"] or "").upper() in PLACED_FOR_ADOPTION), None)
                last = p.episodes[-1]
                kind = PERMANENCE_TYPE.get((last.v["REC"] or "").upper()) if last.d["DEC"] else None
                if order:
                    slot(p, order)["perm_placement_order_date"] = iso(order.d["DECOM"])
                if placed:
                    slot(p, placed)["perm_placed_for_adoption_date"] = iso(placed.d["DECOM"])
                if kind:
                    s = slot(p, last)
                    s["perm_permanence_order_date"] = iso(last.d["DEC"])
                    s["perm_permanence_order_type"] = kind
        for r in self._latest("AD1", ("CHILD", ), ("DATE_INT", "DATE_MATCH")):
            plist = periods.get(r.child, [])
            p = next((p for p in plist if p.end and collection_year(p.end) == r.year
                      and (p.episodes[-1].v["REC"] or "").upper() in ADOPTED), None)
            if p is None:
                self.issue(r, f"no adoption (REC E11/E12) in {year_label(r.year)} in the Episodes returns; row not "
                              "used", column="CHILD")
                continue
            s = slot(p, r)
            s["perm_adm_decision_date"] = iso(r.d["DATE_INT"])
            s["perm_matched_date"] = iso(r.d["DATE_MATCH"])
        for r in self._latest("PlacedAdoption", ("CHILD", "DATE_PLACED"), ("DATE_PLACED_CEASED",
                                                                          "REASON_PLACED_CEASED")):
            p = self._period_of(r.child, r.d["DATE_PLACED"], periods)
            if p is None:
                self.issue(r, "decision date is in no period of care in the Episodes returns; row not used",
                           column="DATE_PLACED")
                continue
            s = slot(p, r)
            adm = iso(r.d["DATE_PLACED"])
            if s.get("perm_adm_decision_date") not in (None, adm):
                self.issue(r, "DATE_PLACED differs from the AD1 DATE_INT; the AD1 date is used", "warning",
                           column="DATE_PLACED")
            s.setdefault("perm_adm_decision_date", adm)
            if (r.v["REASON_PLACED_CEASED"] or "").upper().startswith("RD"):
                s["perm_decision_reversed_date"] = iso(r.d["DATE_PLACED_CEASED"])
        for cla_id, s in items.items():
            p = owner[cla_id]
            tables["ssd_permanence"].append(_src(source[cla_id], perm_person_id=p.child, perm_cla_id=cla_id, **s))


def _evidence_year(fparts: list[Part], named: int | None) -> tuple[int, str] | None:
    """A file's collection year from its own evidence, and what gave it; None when it has no dated rows.

    Episodes: every episode of a year's return began by its 31 March, so the year of the latest start (DECOM)
    is the earliest it can be; its end dates (DEC) span the years it may be. Within that span the year in the
    file name wins; without one, a later year only when most of the end dates fall in it (a return in which
    no episode began), so one episode ending on 1 April, or a review mistyped into 2028, does not move a year's
    return. Other dated tables (Reviews, Missing, ...): the file-name year, else the year most of their dates
    fall in (on a tie, the earlier)."""
    episodes = [r for p in fparts if p.table == "Episodes" for r in p.rows if r.d.get("DECOM")]
    if episodes:
        low = collection_year(max(r.d["DECOM"] for r in episodes))
        ends = [collection_year(r.d["DEC"]) for r in episodes if r.d.get("DEC")]
        high = max([low, *ends])
        if named is not None and low <= named <= high:
            return named, "its file name"
        later = [y for y in ends if y > low]
        if later and 2 * len(later) > len(ends):
            return max(sorted(set(later)), key=later.count), "most of its episode end dates (DEC)"
        return low, "its latest episode start (DECOM)"
    counts: dict[int, int] = defaultdict(int)
    for p in fparts:
        for r in p.rows:
            for c in reading_spec(p.table).events:
                if r.d.get(c):
                    counts[collection_year(r.d[c])] += 1
    if not counts:
        return None
    if named is not None and named in counts:
        return named, "its file name"
    return max(sorted(counts), key=lambda y: counts[y]), "most of its dates"


def _name_year(name: str) -> int | None:
    for m in NAME_YEAR.finditer(name):
        first, second = int(m.group(1)), int(m.group(2))
        if second == (first + 1) % 100:
            return first + 1
    return None


def _src(r: Row, **values: str | None) -> dict:
    return {**values, SOURCE_ROW: r.row, SOURCE_FILE: r.file, SOURCE_LOCATION: r.location or f"SSDA903 {r.table}"}



TABLES = _recognition()


if __name__ == "__main__":  # python -m pipelines.lib.returns.ssda903: rewrite data/reference/code_sets.csv
    write_code_sets_csv(Path(__file__).resolve().parents[3] / "data" / "reference" / "code_sets.csv")
