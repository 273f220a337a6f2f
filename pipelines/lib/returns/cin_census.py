"""The CIN census XML as a way in: children, referrals, assessments, plans and conferences in contract tables.

The DfE children in need census is one XML file per collection year (1 April - 31 March), shaped
``Message/Header/Children/Child`` with, per child, ``ChildIdentifiers``, ``ChildCharacteristics`` and one
``CINdetails`` per episode of need (a referral), holding ``Assessments``, ``CINPlanDates``, ``Section47`` and
``ChildProtectionPlans`` (with ``Reviews``). The elements and code sets of each year are data:
``schemas/cin_census/base.yaml`` (2017/18) plus one yearly-differences file per year that changed
(``schema_for(year)`` applies them in order).

Files are read with a streaming parser (``iterparse``; each ``Child`` is handled and then dropped), so a
national-size census of 600,000 children never sits in memory as a tree.

Decisions (where the census and the contract differ):

- **Person id** is ``LAchildID``. Sex: ``GenderCurrent`` 1/2 → M/F, 0 and 9 → U; from 2024/25 ``Sex`` M/F/U
  as given.
- **Referral id**: the census has none, so ``cine_referral_id`` = ``RF`` + the first 16 hex digits of
  SHA-256 over the child's id (trimmed, upper-cased) and the referral date (ISO). The same referral therefore
  has the same id in every census year and every drop, and the id does not show the child id. (It is a
  plain hash, not a keyed pseudonym: it stays inside the pipeline like every record id.) Child records are
  named the same way from the referral id and their own start date (assessment, CIN plan, S47, CP plan),
  reviews from the plan id and the review date, conferences from the referral id and the conference date.
  A record with a missing or unreadable key date is named from its file and XML path instead (it cannot be
  matched across years); a child with no ``LAchildID`` gets no ids, so staging quarantines its rows ("no
  key") rather than losing them.
- **Several census years in one drop**: a child, a referral and each of its records is taken from the latest
  census year that carries it (``Header/CollectionDetails/ReferenceDate``, else ``Year``); records that
  only an earlier year carries (an assessment finished before the later year began) are kept from that
  year. Two files for the same year: the later in file-name order wins (a warning says so). Repeats within
  the winning file are all passed on, so staging quarantines them with its usual reason.
- **Initial child protection conferences**: one row per ``Section47/DateOfInitialCPC`` (its S47 and its
  ``InitialCPCtarget``), plus ``CINdetails/DateOfInitialCPC`` when no Section47 group of the referral carries
  that date (a conference whose S47 fell in an earlier year, or a transfer-in). ``icpc_cp_plan_id`` and
  ``icpc_icpc_outcome_cp_flag`` (Y/N) are derived: a plan of the same referral starting on the conference
  date; ``cppl_icpc_id`` is the reverse link. The census has no transfer-in flag: left blank.
- **Disabilities**: each ``ChildCharacteristics/Disabilities/Disability`` code is one ``ssd_disability`` row
  (``NONE`` kept as recorded: the equality breakdowns read it as no disability), from the child's latest census
  only, so a code a later census no longer lists is dropped.
- **Flags** (``ReferralNFA``) true/1 → Y, false/0 → N. ``ICPCnotRequired`` is read and checked but not staged
  as ``s47e_s47_nfa``: "no conference needed" is not "no further action".
- **Dates** are ISO ``xs:date``; a time or time-zone part is dropped. A date, flag or number that cannot be
  read is passed on unchanged, so staging rejects the cell and records it, and is also reported here as an
  AdapterIssue with its XML path; the row is never dropped. An unknown code is a warning (the value is
  staged; the code-set checks flag it). An element the year's schema does not know is reported once per
  file and element.
- **Closure outside the census year** (DfE rule 8620), checked on the episode that wins: a ``CINclosureDate``
  after the file's ``ReferenceDate`` (else 31 March of its ``Year``) is an error and the date is not used
  (``cine_close_date`` left blank: the episode stays open, as the census reports it at its reference date); one
  before 1 April of the census year is a warning, one per file (used as recorded: the episode is counted by
  its own dates).
- ``source_row`` is the element's ordinal in its file (the n-th ``CINdetails``, the n-th ``Assessments``, ...;
  for ``ssd_person`` the n-th ``Child``); ``source_location`` its XML path, e.g.
  ``/Message/Children/Child[12]/CINdetails[1]/Assessments[2]``. Messages never quote a child id.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.lib.contract import contract
from pipelines.lib.returns import xml_schema as xs
from pipelines.lib.returns.base import Adapted, AdapterIssue
from pipelines.lib.returns.xml_schema import FLAG_FALSE as FLAG_FALSE
from pipelines.lib.returns.xml_schema import FLAG_TRUE as FLAG_TRUE
from pipelines.lib.returns.xml_schema import NS as _NS  # noqa: F401 (kept importable from here)
from pipelines.lib.returns.xml_schema import XS_DATE as _DATE  # noqa: F401 (kept importable from here)
from pipelines.lib.returns.xml_schema import Element, Group
from pipelines.lib.returns.xml_schema import element as _element  # noqa: F401 (kept importable from here)
from pipelines.lib.returns.xml_schema import local_name as _local
from pipelines.lib.returns.xml_schema import text as _text

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "cin_census"
FORMAT = "CIN census XML"

TABLES = (
    "ssd_person",
    "ssd_cin_episodes",
    "ssd_cin_assessments",
    "ssd_cin_plans",
    "ssd_s47_enquiry",
    "ssd_initial_cp_conference",
    "ssd_cp_plans",
    "ssd_cp_reviews",
    "ssd_disability",
)

# What the census does not carry, for the tables it fills and the tables a KPI would want from it.
LACKS = (
    "ssd_contacts: the census holds referrals, not contacts (KPI01 cannot be computed from it)",
    "ssd_address: no addresses or postcodes in the census (every child's area is unknown; KPI12 impossible)",
    "ssd_cin_episodes.cine_referral_team, cine_referral_worker_id: no teams or workers in the census",
    "ssd_cin_assessments.cina_assessment_outcome_nfa: not in the census (KPI04 falls back to the episode's "
    "RC8/RC9 closure with nothing after the assessment)",
    "ssd_cin_assessments.cina_assessment_child_seen: not in the census",
    "ssd_cin_assessments.cina_assessment_team, cina_assessment_worker_id: no teams or workers in the census",
    "ssd_cin_plans.cinp_cin_plan_team, cinp_cin_plan_worker_id: no teams or workers in the census",
    "ssd_s47_enquiry.s47e_s47_end_date: not in the census (only the conference date, when one was held)",
    "ssd_s47_enquiry.s47e_s47_nfa: not in the census (ICPCnotRequired is not an NFA outcome)",
    "ssd_s47_enquiry.s47e_s47_completed_by_team, s47e_s47_completed_by_worker_id: no teams or workers",
    "ssd_initial_cp_conference.icpc_icpc_transfer_in: not in the census (KPI05 cannot exclude transfer-in "
    "conferences; a conference with no Section47 in any year of the drop is the likely transfer-in)",
    "ssd_initial_cp_conference.icpc_icpc_team, icpc_icpc_worker_id: no teams or workers in the census",
    "ssd_cp_reviews.cppr_cp_review_due: not in the census (only reviews held)",
    "history before the earliest census year in the drop: earlier referrals and CP plans are absent, so "
    "KPI02 (re-referral within 12 months) undercounts in the first 12 months and KPI06 relies on "
    "NumberOfPreviousCPP for earlier plans",
    "ssd_professionals, ssd_involvements, ssd_department: the census names no workers or teams (KPI11, "
    "breakdowns by team and worker)",
)

_INT = re.compile(r"^[+-]?\d+$")  # a signed whole number (CSWW's counts are unsigned)


# ---- the schema as data (the shared machinery is pipelines/lib/returns/xml_schema.py) ------------------------
@dataclass(frozen=True)
class CinSchema(xs.XmlSchema):
    """A census year's schema; ``year`` is the year the collection starts: 2024 = 2024/25 (1 April 2024 - 31
    March 2025)."""


def parse_year(year: int | str) -> int:
    """2024, '2024', '2024/25', '2024_25' or '2024-25' -> 2024 (the start of the collection year)."""
    if isinstance(year, int):
        return year
    return xs.split_collection_year(year, "2024 or '2024/25'")[0]  # CIN years are named by their start


@cache
def _schema_files() -> xs.SchemaFiles:
    # yearly-differences files are named by the collection year: 2024_25.yaml = 2024/25 (year 2024)
    return xs.load_schema_files(SCHEMA_DIR, "[0-9][0-9][0-9][0-9]_[0-9][0-9].yaml", parse_year)


@cache
def schema_for(year: int | str) -> CinSchema:
    """The census schema of a collection year: base.yaml plus every yearly-differences file up to that year."""
    start = parse_year(year)
    files = _schema_files()
    base = files[0]
    if start < base["year"]:
        raise ValueError(f"no CIN census schema before {base['label']} (asked for {start}/{(start + 1) % 100:02d})")
    return xs.build_schema(CinSchema, files, start, f"{start}/{(start + 1) % 100:02d}")


def latest_schema_year() -> int:
    return xs.latest_year(_schema_files())


# ---- helpers -----------------------------------------------------------------------------------------------
def _iso_date(text: str) -> str | None:
    """YYYY-MM-DD when ``text`` is a real calendar date (time and time-zone parts dropped), else None."""
    if len(text) == 10 and text[4] == "-" and text[7] == "-":  # the usual case: plain YYYY-MM-DD
        known = _DATES.get(text)
        if known is not None:
            return known  # one string per distinct date, shared by every row that holds it
        try:
            iso = dt.date.fromisoformat(text).isoformat()
        except ValueError:
            return None
        if len(_DATES) < 100_000:
            _DATES[text] = iso
        return iso
    d = xs.xs_date(text)
    return d.isoformat() if d else None


def _hid(prefix: str, *parts: str) -> str:
    return prefix + hashlib.sha256("|".join((prefix, *parts)).encode("utf-8")).hexdigest()[:16].upper()


def _norm_id(text: str | None) -> str | None:
    return text.strip().upper() if text and text.strip() else None


@cache
def _columns(table: str) -> dict[str, int]:
    return {c: i for i, c in enumerate(contract()[table].columns)}


_DATES: dict[str, str] = {}


@dataclass(slots=True)
class _Row:
    """One adapted row; cells in contract column order (a national census holds millions of these)."""

    table: str
    key: tuple
    rank: tuple          # (origin preference, census year, file index): the highest rank of a key wins
    cells: list[str | None]
    source_row: int
    source_file: str
    location: str

    @classmethod
    def of(cls, table: str, key: tuple, rank: tuple, cells: dict[str, str | None], source_row: int,
           source_file: str, location: str) -> _Row:
        cols = _columns(table)
        return cls(table, key, rank, [cells.get(c) for c in cols], source_row, source_file, location)

    def get(self, column: str) -> str | None:
        return self.cells[_columns(self.table)[column]]

    def set(self, column: str, value: str | None) -> None:
        self.cells[_columns(self.table)[column]] = value


@dataclass
class _FileState:
    path: Path
    index: int
    schema: CinSchema | None = None
    year: int | None = None
    reference: dt.date | None = None  # Header/CollectionDetails/ReferenceDate, when readable
    counters: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    unknown: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)


# ---- the adapter -------------------------------------------------------------------------------------------
class CinCensusAdapter:
    """Recognises CIN census XML by its shape and maps every census year in a drop into contract tables."""

    name = FORMAT

    def recognise(self, path: Path) -> bool:
        """Root ``Message`` with a ``Children`` element, and the header names the CIN collection (or, with no
        collection named, the first child carries CIN modules). Reads no further than the first child."""
        return xs.recognise_xml(path, _cin_shape)

    def adapt(self, paths: list[Path]) -> Adapted:
        out = Adapted(format=FORMAT, files=[Path(p).name for p in paths])
        rows: list[_Row] = []
        years: dict[int, list[str]] = defaultdict(list)
        periods: dict[str, tuple[int, dt.date]] = {}  # file name -> (census year, its last day)
        extra_lacks: set[str] = set()
        for index, path in enumerate(sorted((Path(p) for p in paths), key=lambda p: p.name)):
            state = _FileState(path=path, index=index)
            self._read(state, rows, out.issues, extra_lacks)
            if state.year is not None:
                years[state.year].append(path.name)
                periods[path.name] = (state.year, state.reference or dt.date(state.year + 1, 3, 31))
        for year, names in sorted(years.items()):
            if len(names) > 1:
                out.issues.append(AdapterIssue(
                    file=names[-1], table="Header", column="ReferenceDate", row=None, severity="warning",
                    message=f"{len(names)} census files for {year}/{(year + 1) % 100:02d} ({', '.join(names)}); "
                            f"{names[-1]} (last in file-name order) wins where they overlap"))
        kept = _latest(rows)
        out.issues += _closures_outside_census_year(kept, periods)
        out.tables = _frames(kept)
        if years:  # a census holds the children in need during its year: nothing closed before the earliest
            first = dt.date(min(years), 4, 1)
            out.covered_from = {t: first for t in out.tables if t not in ("ssd_person", "ssd_disability")}
        out.lacks = list(LACKS) + sorted(extra_lacks)
        return out

    # -- one file, streamed ---------------------------------------------------------------------------------
    def _read(self, st: _FileState, rows: list[_Row], issues: list[AdapterIssue], extra_lacks: set[str]) -> None:
        progress = [0]  # children read, for the message when the file breaks off
        try:
            with open(st.path, "rb") as f:
                self._stream(st, f, progress, rows, issues, extra_lacks)
        except ET.ParseError as exc:
            issues.append(xs.not_well_formed(
                st.path.name, exc, f"the {progress[0]} children read before it are kept, the rest of the file "
                                   "could not be read (ask for it to be sent again)"))
        except xs.XmlRefused as exc:
            issues.append(xs.refused_issue(st.path.name, exc, "Message", f"the {progress[0]} children read before "
                                           "it are kept, the rest of the file is not read"))
        if st.schema is None:
            self._no_year(st, issues)
        issues += xs.unknown_issues(st.path.name, st.unknown, f"the {st.schema.label} census schema")

    def _stream(self, st: _FileState, f, progress: list[int], rows: list[_Row], issues: list[AdapterIssue],
                extra_lacks: set[str]) -> None:
        # End events only (half the events of start+end); a finished Child is cleared, leaving an empty
        # element behind, so memory stays flat however many children the file holds.
        for _event, el in xs.iterparse(f, events=("end",)):
            name = _local(el.tag)
            if name == "Child":
                progress[0] += 1
                if st.schema is None:
                    self._no_year(st, issues)
                self._child(st, el, progress[0], f"/Message/Children/Child[{progress[0]}]", rows, issues,
                            extra_lacks)
                el.clear()
            elif name == "Header":
                self._header(st, el, issues)
                el.clear()

    def _header(self, st: _FileState, header: ET.Element, issues: list[AdapterIssue]) -> None:
        details = next((c for c in header if _local(c.tag) == "CollectionDetails"), None)
        values = {_local(c.tag): _text(c) for c in details} if details is not None else {}
        year = None
        ref = values.get("ReferenceDate")
        if ref and _iso_date(ref):
            st.reference = dt.date.fromisoformat(_iso_date(ref))
            year = st.reference.year - 1  # reference date 31 March 2025 = collection 2024/25
        elif values.get("Year") and _INT.match(values["Year"]):
            year = int(values["Year"]) - 1      # <Year>2025</Year> = the collection ending in 2025
        if year is None:
            return
        base_year = _schema_files()[0]["year"]
        if year < base_year:
            issues.append(AdapterIssue(
                file=st.path.name, table="Header", column="ReferenceDate", row=None, severity="warning",
                location="/Message/Header/CollectionDetails",
                message=f"census year {year}/{(year + 1) % 100:02d} predates the earliest schema "
                        f"({base_year}/{(base_year + 1) % 100:02d}); read with that schema"))
        st.year = year
        st.schema = schema_for(max(year, base_year))

    def _no_year(self, st: _FileState, issues: list[AdapterIssue]) -> None:
        latest = latest_schema_year()
        st.schema = schema_for(latest)
        st.year = None
        issues.append(xs.no_year_issue(
            st.path.name, "collection year", st.schema,
            "where another file of the drop holds the same records, that file wins", severity="warning"))

    # -- one child ------------------------------------------------------------------------------------------
    def _child(self, st: _FileState, child: ET.Element, child_no: int, loc: str, rows: list[_Row],
               issues: list[AdapterIssue], extra_lacks: set[str]) -> None:
        schema = st.schema
        rank_year = st.year if st.year is not None else -1
        fname = st.path.name
        top = _group_elements(child)
        person: dict[str, str | None] = {}
        for gname in ("ChildIdentifiers", "ChildCharacteristics"):
            els = top.get(gname, [])
            if els:
                person.update(self._cells(st, schema.groups[gname], els[0], f"{loc}/{gname}", child_no, issues))
        child_key = _norm_id(person.get("pers_person_id"))
        if child_key is None:
            issues.append(AdapterIssue(
                file=fname, table="ChildIdentifiers", column="LAchildID", row=child_no, location=loc,
                message="the child has no LAchildID: its rows are passed on without a person id or record ids, "
                        "so staging quarantines them"))
        for gname in top:
            if gname not in schema.sub_group_names("Child"):
                self._unknown(st, "Child", gname, f"{loc}/{gname}[1]")
        person_key = ("P", child_key) if child_key else ("LOC", fname, loc)
        rows.append(_Row.of("ssd_person", person_key, (0, rank_year, st.index), person, child_no, fname, loc))
        self._disabilities(st, top.get("ChildCharacteristics", [])[:1], loc, child_key, person, child_no, rows)

        episode_group = schema.groups["CINdetails"]
        for k, cin in enumerate(top.get("CINdetails", []), start=1):
            st.counters["CINdetails"] += 1
            cloc = f"{loc}/CINdetails[{k}]"
            cells = self._cells(st, episode_group, cin, cloc, st.counters["CINdetails"], issues)
            ref_date = cells.get("cine_referral_date")
            ref_iso = _iso_date(ref_date) if ref_date else None
            if child_key is None:
                rid, rkey = None, ("LOC", fname, cloc)
            elif ref_iso:
                rid = _hid("RF", child_key, ref_iso)
                rkey = ("RF", rid)
            else:  # no usable referral date: cannot be matched across years
                rid = _hid("RF", child_key, "no-date", fname, cloc)
                rkey = ("RF", rid)
            cells["cine_referral_id"] = rid
            cells["cine_person_id"] = person.get("pers_person_id")
            rows.append(_Row.of("ssd_cin_episodes", rkey, (0, rank_year, st.index), cells,
                             st.counters["CINdetails"], fname, cloc))
            self._episode_records(st, cin, cloc, rid, child_key is not None, person.get("pers_person_id"),
                                  cells.get("_DateOfInitialCPC"), rows, issues, extra_lacks)
            cells.pop("_DateOfInitialCPC", None)

    def _disabilities(self, st: _FileState, characteristics: list[ET.Element], loc: str, child_key: str | None,
                      person: dict[str, str | None], child_no: int, rows: list[_Row]) -> None:
        """One ssd_disability row per <Disability> code of the child (NONE included, as recorded); the codes
        were checked against the year's code set by _cells. Only the child's latest census counts (_latest).
        A child without LAchildID has none: its other rows are quarantined, and a code tied to no child says
        nothing."""
        if child_key is None:
            return
        rank = (0, st.year if st.year is not None else -1, st.index)
        for el in characteristics:
            for k, dis in enumerate((c for c in el if _local(c.tag) == "Disabilities"), start=1):
                for m, item in enumerate((i for i in dis if _local(i.tag) == "Disability"), start=1):
                    code = _text(item)
                    if code is None:
                        continue
                    dloc = f"{loc}/ChildCharacteristics/Disabilities[{k}]/Disability[{m}]"
                    rows.append(_Row.of("ssd_disability", ("DI", child_key, code.upper()), rank, {
                        "disa_person_id": person.get("pers_person_id"), "disa_disability_code": code.upper()},
                        child_no, st.path.name, dloc))

    def _episode_records(self, st: _FileState, cin: ET.Element, cloc: str, rid: str | None, has_child: bool,
                         person_id: str | None, cin_icpc: str | None, rows: list[_Row],
                         issues: list[AdapterIssue], extra_lacks: set[str]) -> None:
        schema = st.schema
        rank = (0, st.year if st.year is not None else -1, st.index)
        fname = st.path.name
        sub = _group_elements(cin)
        s47_icpc_dates: set[str] = set()

        def ident(prefix: str, date: str | None, gloc: str) -> tuple[str | None, tuple]:
            if not has_child or rid is None:
                return None, ("LOC", fname, gloc)
            iso = _iso_date(date) if date else None
            rec = _hid(prefix, rid, iso) if iso else _hid(prefix, rid, "no-date", fname, gloc)
            return rec, (prefix, rec)

        for gname, group in schema.groups.items():
            if group.parent != "CINdetails":
                continue
            for k, el in enumerate(sub.get(gname, []), start=1):
                st.counters[gname] += 1
                n = st.counters[gname]
                gloc = f"{cloc}/{gname}[{k}]"
                cells = self._cells(st, group, el, gloc, n, issues)
                if group.table is None:
                    extra_lacks.add(f"{gname} ({schema.label} census): no contract table yet; read and checked, "
                                    "not staged")
                    continue
                if gname == "Assessments":
                    rec, key = ident("AS", cells.get("cina_assessment_start_date"), gloc)
                    cells.update(cina_assessment_id=rec, cina_referral_id=rid, cina_person_id=person_id)
                elif gname == "CINPlanDates":
                    rec, key = ident("CN", cells.get("cinp_cin_plan_start_date"), gloc)
                    cells.update(cinp_cin_plan_id=rec, cinp_referral_id=rid, cinp_person_id=person_id)
                elif gname == "Section47":
                    rec, key = ident("S4", cells.get("s47e_s47_start_date"), gloc)
                    cells.update(s47e_s47_enquiry_id=rec, s47e_referral_id=rid, s47e_person_id=person_id)
                    icpc = cells.pop("_DateOfInitialCPC", None)
                    target = cells.pop("_InitialCPCtarget", None)
                    cells.pop("_ICPCnotRequired", None)
                    if icpc:
                        s47_icpc_dates.add(_iso_date(icpc) or icpc)
                        ic, ikey = ident("IC", icpc, f"{gloc}/DateOfInitialCPC")
                        rows.append(_Row.of("ssd_initial_cp_conference", ikey, (1, *rank[1:]), {
                            "icpc_icpc_id": ic, "icpc_s47_enquiry_id": rec, "icpc_person_id": person_id,
                            "icpc_referral_id": rid, "icpc_icpc_target_date": target, "icpc_icpc_date": icpc,
                        }, n, fname, f"{gloc}/DateOfInitialCPC"))
                elif gname == "ChildProtectionPlans":
                    rec, key = ident("CP", cells.get("cppl_cp_plan_start_date"), gloc)
                    cells.update(cppl_cp_plan_id=rec, cppl_referral_id=rid, cppl_person_id=person_id)
                    self._reviews(st, el, gloc, rec, has_child, person_id, rows, issues)
                else:  # a group added to the schema with a table but no id rule here yet
                    rec, key = None, ("LOC", fname, gloc)
                for c in [c for c in cells if c.startswith("_")]:
                    cells.pop(c)
                rows.append(_Row.of(group.table, key, rank, cells, n, fname, gloc))
        if cin_icpc and (_iso_date(cin_icpc) or cin_icpc) not in s47_icpc_dates:
            ic, ikey = ident("IC", cin_icpc, f"{cloc}/DateOfInitialCPC")
            rows.append(_Row.of("ssd_initial_cp_conference", ikey, rank, {
                "icpc_icpc_id": ic, "icpc_s47_enquiry_id": None, "icpc_person_id": person_id,
                "icpc_referral_id": rid, "icpc_icpc_date": cin_icpc,
            }, st.counters["CINdetails"], fname, f"{cloc}/DateOfInitialCPC"))

    def _reviews(self, st: _FileState, plan: ET.Element, ploc: str, plan_id: str | None, has_child: bool,
                 person_id: str | None, rows: list[_Row], issues: list[AdapterIssue]) -> None:
        group = st.schema.groups["Reviews"]
        rank = (0, st.year if st.year is not None else -1, st.index)
        # The DfE schema has one <Reviews> per plan holding every <CPPreviewDate>; exports that repeat <Reviews>
        # once per date are read the same way. Each date is one review.
        dates = [(k, m, item) for k, el in enumerate(_group_elements(plan).get("Reviews", []), start=1)
                 for m, item in enumerate((i for i in el if _local(i.tag) == "CPPreviewDate"), start=1)]
        for k, m, item in dates:
            st.counters["Reviews"] += 1
            n = st.counters["Reviews"]
            rloc = f"{ploc}/Reviews[{k}]/CPPreviewDate[{m}]"
            one = ET.Element("Reviews")
            one.append(item)
            cells = self._cells(st, group, one, rloc.rsplit("/", 1)[0], n, issues)
            date = cells.get("cppr_cp_review_date")
            iso = _iso_date(date) if date else None
            if not has_child or plan_id is None:
                rec, key = None, ("LOC", st.path.name, rloc)
            else:
                rec = _hid("RV", plan_id, iso) if iso else _hid("RV", plan_id, "no-date", st.path.name, rloc)
                key = ("RV", rec)
            cells.update(cppr_cp_review_id=rec, cppr_cp_plan_id=plan_id, cppr_person_id=person_id)
            rows.append(_Row.of("ssd_cp_reviews", key, rank, cells, n, st.path.name, rloc))

    # -- cells ----------------------------------------------------------------------------------------------
    def _cells(self, st: _FileState, group: Group, el: ET.Element, gloc: str, row: int,
               issues: list[AdapterIssue]) -> dict[str, str | None]:
        """The group's elements as raw contract cells; elements read but not staged go under '_<name>'."""
        schema = st.schema
        sub_groups = schema.sub_group_names(group.name)
        cells: dict[str, str | None] = {}
        seen: set[str] = set()
        for item in el:
            name = _local(item.tag)
            spec = group.elements.get(name)
            if spec is None:
                if name not in sub_groups:
                    self._unknown(st, group.name, name, f"{gloc}/{name}")
                continue
            if name in seen and spec.type != "list":
                issues.append(AdapterIssue(
                    file=st.path.name, table=group.name, column=name, row=row, location=f"{gloc}/{name}",
                    severity="warning", message=f"<{name}> appears more than once in <{group.name}>; the first is "
                                                "used"))
                continue
            seen.add(name)
            where = f"{gloc}/{name}"
            if spec.type == "list":
                items = [c for c in item if _local(c.tag) == spec.item]
                for k, code in enumerate((_text(c) for c in items), start=1):
                    if code is not None:
                        self._check_code(st, group, spec, code, f"{where}/{spec.item}[{k}]", row, issues,
                                         spec.item)
                continue
            value = _text(item)
            if value is not None:
                value = self._checked(st, group, spec, value, where, row, issues)
            cells[spec.column or f"_{name}"] = value
        return cells

    def _checked(self, st: _FileState, group: Group, spec: Element, value: str, where: str, row: int,
                 issues: list[AdapterIssue]) -> str:
        def bad(what: str) -> str:
            issues.append(AdapterIssue(
                file=st.path.name, table=group.name, column=spec.name, row=row, location=where,
                message=f"<{spec.name}> is not {what}; the value is passed on unchanged and staging rejects it"
                        + (f" ({spec.column} left blank)" if spec.column else "")))
            return value

        if spec.type == "date":
            iso = _iso_date(value)
            return iso if iso else bad("a valid date (expected YYYY-MM-DD)")
        if spec.type == "flag":
            yes = xs.flag(value)
            return bad("true or false") if yes is None else ("Y" if yes else "N")
        if spec.type == "int":
            return value if _INT.match(value) else bad("a whole number")
        if spec.type == "code":
            code = value.upper()
            self._check_code(st, group, spec, code, where, row, issues)
            if spec.recode and code in spec.recode:
                return spec.recode[code]
            return code  # normalised to upper case before any logic (issue 12)
        return value

    def _check_code(self, st: _FileState, group: Group, spec: Element, code: str, where: str, row: int,
                    issues: list[AdapterIssue], name: str | None = None) -> None:
        issue = xs.code_issue(st.schema, st.path.name, group, spec, code, where, row, name)
        if issue is not None:
            issues.append(issue)

    def _unknown(self, st: _FileState, group: str, element: str, loc: str) -> None:
        xs.count_unknown(st.unknown, group, element, loc)


def _cin_shape(f) -> bool:
    children, collection, in_child, cin_modules = False, None, False, False
    try:
        for event, depth, name, el in xs.message_events(f):
            if event == "start":
                if depth == 2 and name == "Children":
                    children = True
                if depth == 3 and name == "Child" and children:
                    in_child = True
                if in_child and depth == 4 and name in ("ChildIdentifiers", "CINdetails"):
                    cin_modules = True
                continue
            if name == "Collection" and depth == 4:
                collection = (_text(el) or "").upper()
                if collection != "CIN":
                    return False  # another return in the same envelope (e.g. the SSDA903 XML)
            if (depth == 2 and name == "Children") or (in_child and depth == 3):
                break
    except ET.ParseError:
        pass  # a file broken after its opening is still this format; adapt() reports where it breaks
    return children and (collection == "CIN" or cin_modules)


def _group_elements(el: ET.Element) -> dict[str, list[ET.Element]]:
    out: dict[str, list[ET.Element]] = defaultdict(list)
    for c in el:
        out[_local(c.tag)].append(c)
    return out


def _latest(rows: list[_Row]) -> list[_Row]:
    """Per table and key, the rows of the best-ranked (latest census year) file; rows keep their file order."""
    kept = xs.best_ranked(rows)
    # A child's disabilities are those of the census that gives the child's details (its latest): a code an
    # earlier census recorded and the later one does not is no longer recorded.
    person_rank = {r.key: r.rank for r in kept if r.table == "ssd_person"}
    kept = [r for r in kept if r.table != "ssd_disability" or person_rank.get(("P", r.key[1])) == r.rank]
    # Links between conferences and plans, from the records that won.
    plans = {(r.get("cppl_referral_id"), r.get("cppl_cp_plan_start_date")): r.get("cppl_cp_plan_id")
             for r in kept if r.table == "ssd_cp_plans" and r.get("cppl_cp_plan_id")}
    icpcs: dict[tuple, str] = {}
    for r in kept:
        if r.table == "ssd_initial_cp_conference" and r.get("icpc_icpc_id"):
            k = (r.get("icpc_referral_id"), r.get("icpc_icpc_date"))
            plan = plans.get(k)
            r.set("icpc_cp_plan_id", plan)
            r.set("icpc_icpc_outcome_cp_flag", "Y" if plan else "N")
            icpcs.setdefault(k, r.get("icpc_icpc_id"))
    for r in kept:
        if r.table == "ssd_cp_plans":
            r.set("cppl_icpc_id", icpcs.get((r.get("cppl_referral_id"), r.get("cppl_cp_plan_start_date"))))
    return kept


def _long_date(d: dt.date) -> str:
    return f"{d.day} {d:%B %Y}"


def _closures_outside_census_year(kept: list[_Row], periods: dict[str, tuple[int, dt.date]]) -> list[AdapterIssue]:
    """DfE rule 8620: a closure date must fall within the census year of the file that carries it.

    Checked on the episodes that won (latest census year), so a closure reported again, in range, by a later
    year's census is not faulted. A closure after the year's end would close, from that date, an episode the
    census reports open at its reference date: an error (staging records it as a rejection), the date is
    withheld and left blank, so the episode reads open, as the census says it was. A closure before the year began is
    a warning: the episode is counted by its own dates, so no month's figure moves.
    """
    issues: list[AdapterIssue] = []
    early: dict[str, list[tuple[int, str]]] = {}  # file -> (row, location) of closures before its year
    for r in kept:
        if r.table != "ssd_cin_episodes" or r.source_file not in periods:
            continue
        closed = r.get("cine_close_date")
        iso = _iso_date(closed) if closed else None
        if iso is None:
            continue  # blank, or unreadable (already reported and rejected as not a date)
        year, end = periods[r.source_file]
        start, label = dt.date(year, 4, 1), f"{year}/{(year + 1) % 100:02d}"
        closure = dt.date.fromisoformat(iso)
        referral = _iso_date(r.get("cine_referral_date") or "")
        where = f"{r.location}/CINclosureDate"
        if closure > end:
            also = (" (its referral date is after the year end too)"
                    if referral and dt.date.fromisoformat(referral) > end else "")
            r.set("cine_close_date", None)
            issues.append(AdapterIssue(
                file=r.source_file, table="CINdetails", column="CINclosureDate", row=r.source_row, location=where,
                message=f"<CINclosureDate> at {where} is after {_long_date(end)}, the end of the {label} census "
                        f"year of this file{also} (DfE rule 8620); the date is not used (cine_close_date left "
                        "blank), so the episode stays open as the census reports it at its reference date"))
        elif closure < start:
            early.setdefault(r.source_file, []).append((r.source_row, where))
    for name, found in early.items():  # one warning per file: nothing is withheld, so no per-row record
        year = periods[name][0]
        row, where = found[0]
        issues.append(AdapterIssue(
            file=name, table="CINdetails", column="CINclosureDate", row=row, location=where, severity="warning",
            message=f"{len(found)} <CINclosureDate>(s) before {_long_date(dt.date(year, 4, 1))}, the start of the "
                    f"{year}/{(year + 1) % 100:02d} census year of this file (DfE rule 8620; first at row {row}, "
                    f"{where}): used as recorded (each episode is counted by its own dates)"))
    return issues


def _frames(rows: list[_Row]) -> dict[str, pl.DataFrame]:
    spec = contract()
    by_table: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_table[r.table].append(r)
    frames = {}
    for table in TABLES:
        cols = list(spec[table].columns)
        trs = xs.in_source_order(by_table.get(table, []))
        frames[table] = xs.contract_frame({c: [r.cells[i] for r in trs] for i, c in enumerate(cols)}, trs)
    return frames
