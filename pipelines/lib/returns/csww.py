"""The children's social work workforce census (CSWW) XML as a way in: the 30 September establishment and workers.

The DfE CSWW census is one XML file per year ending 30 September, collected each autumn, shaped
``Message/Header`` (``CollectionDetails``: ``Collection`` CSWW, ``Year``, ``ReferenceDate``; ``Source``: ``LEA``),
one ``Message/LALevelVacancies`` (the authority's FTE vacancies and the agency workers covering them) and one
``Message/CSWWWorker`` per worker record (in post at 30 September, a starter or leaver of the year, or an agency
worker; a worker holding two roles has two records). Elements and code sets of each year are data:
``schemas/csww/base.yaml`` (year ending 30 September 2017, the first census collected per worker) plus one
yearly-differences file per year that changed (``schema_for(year)`` applies them in order).

Files are read with a streaming parser (``iterparse``; each ``CSWWWorker`` is handled, then cleared), so the
file never sits in memory as a tree.

Decisions (where the census and the contract differ):

- **workforce_establishment**: one row per census file. ``period_end`` = ``ReferenceDate`` (else 30 September of
  ``Year``); the census has no teams, so ``team_id`` = ``CSWW-<LEA>`` (``CSWW-LA`` when the header gives no LEA):
  one authority-level row, which the KPI roll-up puts under area ``unknown`` (no ``ssd_department`` row names it).
  Two authorities' returns (e.g. 940 and 941 in a year they file separately) stay two rows and are summed; the
  same LEA and reference date twice is one return, and the later file in file-name order wins (a warning says
  so). ``post_type`` = ``qualified_social_worker`` for every registered child and family social worker in the
  census, managers included, as the DfE counts them (the census vacancies are not split by role, so a manager
  row could not carry its vacancies; KPI16/KPI17 then compare with the DfE ``vacancy_rate_fte`` and
  ``agency_rate_fte``).
  - ``in_post_fte`` = sum of ``FTE`` over the non-agency records in post at the reference date; ``agency_fte`` the
    same over agency records (``AgencyWorker`` 1). In post = ``RoleStartDate`` missing or on/before the
    reference date and ``RoleEndDate`` missing or after it (a worker leaving on 30 September is a leaver, not in
    post). A record whose FTE is missing or unreadable is left out of the sums (as the DfE leaves out missing
    FTEs) and reported; so is one whose agency flag is unreadable. FTEs are summed as decimals (exact).
  - ``vacancy_fte`` = ``LALevelVacancies/NumberOfVacancies`` (vacant posts include those covered by agency
    workers, so KPI17's agency FTE is not taken off them); ``establishment_fte`` = in post + vacancies. No
    readable vacancy figure: both left blank and an error says KPI16 for that date is not reliable.
  - A file that breaks off gives no establishment row (its in-post sums would be partial).
- **ssd_professionals**: one row per worker (registration number ``SWENo``), built from every record of the
  file: ``prof_professional_id`` = ``CW`` + the first 16 hex digits of SHA-256 over ``CW|`` and the number
  (trimmed, upper-cased), the same in every census year and drop; ``prof_social_worker_registration_no`` =
  ``SWENo`` as given (trimmed); records sharing a number are one worker: ``prof_full_time_equivalency`` = the sum
  of their in-post FTEs, job title and agency flag from the most senior in-post role (``OrgRole`` 1 highest), a
  warning says how many records were merged. ``OrgRole`` 1-6 → Senior Manager, Middle Manager, First Line
  Manager, Senior Practitioner, Case Holder, Qualified Without Cases; ``AgencyWorker`` 1/0 → Y/N. A record with
  no ``SWENo`` is passed on without ids, so staging quarantines it ("no key"). Several census years in one
  drop: a worker is taken from the latest census that carries them.
- **KPI11 (caseloads)** needs each worker's open involvements (children), which the census does not carry:
  ``Cases30`` is a count per worker at 30 September. It is read and checked, never turned into invented
  involvements; ``lacks`` says so. (The DfE caseload, cases / case-holder FTE, stays the contextual comparator.)
- Values: an FTE outside 0-1, a negative or non-numeric figure, a flag that is not 0/1, a date that is not a date
  is an error located by XML path (``/Message/CSWWWorker[5]/FTE``); a non-numeric value or bad date is passed on
  unchanged so staging rejects the cell too, an out-of-range FTE is left blank. An unknown code is a warning (the
  value is used). An element the year's schema does not know is reported once per file and element. Messages
  never quote a registration number, a name or a date of birth.
- ``source_row`` is the element's ordinal in its file (the n-th ``CSWWWorker``; 1 for ``LALevelVacancies``);
  ``source_location`` its XML path.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path

import polars as pl

from pipelines.lib.contract import contract
from pipelines.lib.returns import xml_schema as xs
from pipelines.lib.returns.base import Adapted, AdapterIssue
from pipelines.lib.returns.xml_schema import FLAG_FALSE as FLAG_FALSE
from pipelines.lib.returns.xml_schema import FLAG_TRUE as FLAG_TRUE
from pipelines.lib.returns.xml_schema import NS as _NS  # noqa: F401 (kept importable from here)
from pipelines.lib.returns.xml_schema import Element, Group
from pipelines.lib.returns.xml_schema import element as _element  # noqa: F401 (kept importable from here)
from pipelines.lib.returns.xml_schema import local_name as _local
from pipelines.lib.returns.xml_schema import text as _text
from pipelines.lib.returns.xml_schema import xs_date as _iso_date

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "csww"
FORMAT = "CSWW XML"
COLLECTION = "CSWW"
TABLES = ("workforce_establishment", "ssd_professionals")
LA_TEAM = "CSWW-LA"             # team_id of the authority-level row when the header names no LEA
TEAM_PREFIX = "CSWW-"
POST_TYPE = "qualified_social_worker"

LACKS = (
    "workforce_establishment: no teams in the census - one authority-level row per census (team_id CSWW-<LEA>), "
    "so KPI16/KPI17 have no team breakdown and the row's council is 'unknown'",
    "workforce_establishment: only 30 September in each year - KPI16/KPI17 have a value for September only",
    "workforce_establishment post_type social_work_manager, other: the census covers registered social workers "
    "only, managers included under qualified_social_worker (vacancies are not split by role)",
    "ssd_involvements: the census holds a count of cases per worker (Cases30), not the cases - KPI11 "
    "(caseloads above target) cannot be computed from it; no involvements are invented",
    "ssd_department: no teams in the census (KPI11 team targets, breakdowns by team)",
    "ssd_professionals.prof_staff_id: not in the census (only the registration number)",
    "ssd_professionals.prof_professional_department: not in the census",
    "workers' start and leaving dates, absence, starters, leavers and turnover: read and checked, no contract "
    "table holds them",
)

_SWE = re.compile(r"^[A-Za-z]{2}\d{4,12}$")
_LEA = re.compile(r"^\d{3}$")
_INT = re.compile(r"^\+?\d+$")  # counts and vacancies: an unsigned whole number


# ---- the schema as data (the shared machinery is pipelines/lib/returns/xml_schema.py) ------------------------
@dataclass(frozen=True)
class CswwSchema(xs.XmlSchema):
    """A census year's schema; ``year`` is the year of the 30 September reference date: 2024 = year ending 30
    September 2024."""


def parse_year(year: int | str | dt.date) -> int:
    """2024, '2024' or a reference date (2024-09-30) -> 2024, the census year ending 30 September 2024."""
    if isinstance(year, dt.date):
        return year.year
    if isinstance(year, int):
        return year
    m = re.fullmatch(r"\s*(\d{4})(?:-\d{2}-\d{2})?\s*", str(year))
    if not m:
        raise ValueError(f"not a CSWW census year: {year!r} (expected e.g. 2024 or '2024-09-30')")
    return int(m.group(1))


@cache
def _schema_files() -> xs.SchemaFiles:
    # yearly-differences files are named by the census year: 2019.yaml = 30 September 2019
    return xs.load_schema_files(SCHEMA_DIR, "[0-9][0-9][0-9][0-9].yaml", int)


def schema_for(year: int | str | dt.date) -> CswwSchema:
    """The census schema of a year: base.yaml plus every yearly-differences file up to that year."""
    return _schema(parse_year(year))


@cache
def _schema(y: int) -> CswwSchema:
    files = _schema_files()
    base = files[0]
    if y < base["year"]:
        raise ValueError(f"no CSWW census schema before the {base['label']} (asked for {y}); the worker-level "
                         "census began in 2017")
    return xs.build_schema(CswwSchema, files, y, f"year ending 30 September {y}")


def latest_schema_year() -> int:
    return xs.latest_year(_schema_files())


# ---- helpers -----------------------------------------------------------------------------------------------
def _decimal(text: str) -> Decimal | None:
    try:
        d = Decimal(text)
    except InvalidOperation:
        return None
    return d if d.is_finite() else None


def _fmt(d: Decimal) -> str:
    """A decimal as plain text without trailing zeros: 2.800000 -> '2.8', 10 -> '10', 0 -> '0'."""
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "") else text


def professional_id(registration_no: str) -> str:
    """The documented id rule: 'CW' + first 16 hex digits of SHA-256 over 'CW|<number trimmed, upper-cased>'."""
    norm = registration_no.strip().upper()
    return "CW" + hashlib.sha256(f"CW|{norm}".encode()).hexdigest()[:16].upper()


@cache
def _columns(table: str) -> tuple[str, ...]:
    return tuple(contract()[table].columns)


@dataclass
class _Worker:
    """One CSWWWorker record as read: contract cells plus what the establishment sums need."""

    ordinal: int
    location: str
    cells: dict[str, str | None]
    fte: Decimal | None          # a readable FTE within 0-1
    agency: bool | None          # None: missing or unreadable
    start: dt.date | None
    end: dt.date | None
    end_unreadable: bool
    role: int | None             # OrgRole code when a known one

    def in_post(self, ref: dt.date | None) -> bool:
        if ref is None:
            return self.end is None and not self.end_unreadable
        return (self.start is None or self.start <= ref) and (self.end is None or self.end > ref)


@dataclass
class _Row:
    table: str
    key: tuple
    rank: tuple            # (reference date ordinal, file index): the highest rank of a key wins
    cells: dict[str, str | None]
    source_row: int
    source_file: str
    location: str


@dataclass
class _FileState:
    path: Path
    index: int
    schema: CswwSchema | None = None
    ref: dt.date | None = None
    lea: str | None = None
    vacancies: dict[str, str | None] | None = None
    vacancy: Decimal | None = None
    agency_declared: object = None  # LALevelVacancies/NoAgencyFTE as read (a Decimal when readable)
    vacancy_groups: int = 0
    workers: list[_Worker] = field(default_factory=list)
    unknown: dict[tuple[str, str], tuple[int, str]] = field(default_factory=dict)
    broken: bool = False

    @property
    def rank(self) -> tuple:
        return (self.ref.toordinal() if self.ref else -1, self.index)


# ---- the adapter -------------------------------------------------------------------------------------------
class CswwAdapter:
    """Recognises CSWW census XML by its shape and maps every census year in a drop into contract tables."""

    name = FORMAT

    def recognise(self, path: Path) -> bool:
        """Root ``Message`` whose header names the CSWW collection, or (no collection named) whose first
        element after the header is ``LALevelVacancies`` or ``CSWWWorker``. Reads no further than that."""
        return xs.recognise_xml(path, _csww_shape)

    def adapt(self, paths: list[Path]) -> Adapted:
        out = Adapted(format=FORMAT, files=[Path(p).name for p in paths])
        rows: list[_Row] = []
        returns: dict[tuple[str | None, str], list[str]] = defaultdict(list)
        for index, path in enumerate(sorted((Path(p) for p in paths), key=lambda p: p.name)):
            st = _FileState(path=path, index=index)
            self._read(st, out.issues)
            rows += self._establishment(st, out.issues)
            rows += self._professionals(st, out.issues)
            if st.ref is not None and not st.broken:
                returns[(st.ref.isoformat(), self._team(st))].append(path.name)
        for (ref, team), names in sorted(returns.items()):
            if len(names) > 1:
                out.issues.append(AdapterIssue(
                    file=names[-1], table="Header", column="ReferenceDate", row=None, severity="warning",
                    location="/Message/Header/CollectionDetails",
                    message=f"{len(names)} census files for {team} at {ref} ({', '.join(names)}); {names[-1]} "
                            "(last in file-name order) wins"))
        out.tables = _frames(_latest(rows))
        if returns:  # a census is the workforce on its reference date: nothing before the earliest
            first = min(dt.date.fromisoformat(ref) for ref, _ in returns if ref)
            out.covered_from = {t: first for t in out.tables if t != "ssd_person"}
        out.lacks = list(LACKS)
        return out

    # -- one file, streamed ---------------------------------------------------------------------------------
    def _read(self, st: _FileState, issues: list[AdapterIssue]) -> None:
        try:
            with open(st.path, "rb") as f:
                self._stream(st, f, issues)
        except ET.ParseError as exc:
            st.broken = True
            issues.append(xs.not_well_formed(
                st.path.name, exc, f"the {len(st.workers)} worker records read before it are kept in "
                                   "ssd_professionals, no workforce_establishment row is made (its in-post FTE "
                                   "would be partial); ask for the file to be sent again"))
        except xs.XmlRefused as exc:
            st.broken = True
            issues.append(xs.refused_issue(st.path.name, exc, "Message", f"the {len(st.workers)} worker records "
                                           "read before it are kept in ssd_professionals, no workforce_establishment "
                                           "row is made"))
        if st.schema is None:
            self._no_year(st, issues)
        issues += xs.unknown_issues(st.path.name, st.unknown, f"the CSWW schema for the {st.schema.label}")

    def _stream(self, st: _FileState, f, issues: list[AdapterIssue]) -> None:
        depth = 0
        workers = 0
        for event, el in xs.iterparse(f, events=("start", "end")):
            if event == "start":
                depth += 1
                continue
            depth -= 1
            if depth != 1:
                continue  # only the Message's own children are dispatched; their contents are read whole
            name = _local(el.tag)
            if name == "Header":
                self._header(st, el, issues)
            elif name == "LALevelVacancies":
                if st.schema is None:
                    self._no_year(st, issues)
                self._vacancies(st, el, issues)
            elif name == "CSWWWorker":
                if st.schema is None:
                    self._no_year(st, issues)
                workers += 1
                self._worker(st, el, workers, f"/Message/CSWWWorker[{workers}]", issues)
            else:
                self._unknown(st, "Message", name, f"/Message/{name}")
            el.clear()  # a finished record leaves an empty element behind: memory stays flat

    def _header(self, st: _FileState, header: ET.Element, issues: list[AdapterIssue]) -> None:
        values: dict[str, str | None] = {}
        for part in header:
            if _local(part.tag) in ("CollectionDetails", "Source"):
                for c in part:
                    values.setdefault(_local(c.tag), _text(c))
        where = "/Message/Header/CollectionDetails"
        ref_text, year_text = values.get("ReferenceDate"), values.get("Year")
        ref = _iso_date(ref_text) if ref_text else None
        if ref_text and ref is None:
            issues.append(AdapterIssue(
                file=st.path.name, table="Header", column="ReferenceDate", row=None, location=f"{where}/ReferenceDate",
                message="<ReferenceDate> is not a valid date (expected YYYY-MM-DD)"))
        if ref is None and year_text and re.fullmatch(r"\d{4}", year_text):
            ref = dt.date(int(year_text), 9, 30)
            issues.append(AdapterIssue(
                file=st.path.name, table="Header", column="ReferenceDate", row=None, location=where,
                severity="warning", message=f"no readable <ReferenceDate>: 30 September {year_text} (from <Year>) "
                                            "taken as the census date"))
        lea = values.get("LEA")
        if lea and _LEA.match(lea):
            st.lea = lea
        elif lea:
            issues.append(AdapterIssue(
                file=st.path.name, table="Header", column="LEA", row=None, location="/Message/Header/Source/LEA",
                severity="warning", message=f"<LEA> is not a three-digit LA number; the establishment row's team "
                                            f"is {LA_TEAM}"))
        if ref is None:
            return
        base_year = _schema_files()[0]["year"]
        if ref.year < base_year:
            issues.append(AdapterIssue(
                file=st.path.name, table="Header", column="ReferenceDate", row=None, location=where,
                severity="warning", message=f"census year {ref.year} predates the earliest schema ({base_year}); "
                                            "read with that schema"))
        st.ref = ref
        st.schema = schema_for(max(ref.year, base_year))

    def _no_year(self, st: _FileState, issues: list[AdapterIssue]) -> None:
        st.schema = schema_for(latest_schema_year())
        issues.append(xs.no_year_issue(
            st.path.name, "census date", st.schema,
            "the establishment row has no period_end, so KPI16 and KPI17 cannot use it", severity="error"))

    def _team(self, st: _FileState) -> str:
        return f"{TEAM_PREFIX}{st.lea}" if st.lea else LA_TEAM

    # -- the groups -----------------------------------------------------------------------------------------
    def _vacancies(self, st: _FileState, el: ET.Element, issues: list[AdapterIssue]) -> None:
        st.vacancy_groups += 1
        loc = "/Message/LALevelVacancies"
        if st.vacancy_groups > 1:
            issues.append(AdapterIssue(
                file=st.path.name, table="LALevelVacancies", column=None, row=st.vacancy_groups,
                location=f"{loc}[{st.vacancy_groups}]", severity="warning",
                message="<LALevelVacancies> appears more than once; the first is used"))
            return
        cells, parsed = self._cells(st, st.schema.groups["LALevelVacancies"], el, loc, 1, issues)
        st.vacancies = cells
        st.vacancy = parsed.get("NumberOfVacancies")
        st.agency_declared = parsed.get("NoAgencyFTE")

    def _worker(self, st: _FileState, el: ET.Element, n: int, loc: str, issues: list[AdapterIssue]) -> None:
        cells, parsed = self._cells(st, st.schema.groups["CSWWWorker"], el, loc, n, issues)
        swe = cells.get("prof_social_worker_registration_no")
        if swe is None:
            issues.append(AdapterIssue(
                file=st.path.name, table="CSWWWorker", column="SWENo", row=n, location=loc,
                message="the worker record has no <SWENo>: passed on without a professional id, so staging "
                        "quarantines it; its FTE still counts in the establishment"))
        elif not _SWE.match(swe):
            issues.append(AdapterIssue(
                file=st.path.name, table="CSWWWorker", column="SWENo", row=n, location=f"{loc}/SWENo",
                severity="warning", message="<SWENo> is not two letters and 4-12 digits (a registration number); "
                                            "the value is used"))
        role = parsed.get("OrgRole")
        st.workers.append(_Worker(
            ordinal=n, location=loc, cells=cells, fte=parsed.get("FTE"), agency=parsed.get("AgencyWorker"),
            start=parsed.get("RoleStartDate"), end=parsed.get("RoleEndDate"),
            end_unreadable="RoleEndDate" in parsed and parsed["RoleEndDate"] is None,
            role=int(role) if isinstance(role, str) and role.isdigit() else None))

    def _cells(self, st: _FileState, group: Group, el: ET.Element, gloc: str, row: int,
               issues: list[AdapterIssue]) -> tuple[dict[str, str | None], dict[str, object]]:
        """(raw contract cells, parsed values by element name: None where present but unreadable)."""
        cells: dict[str, str | None] = {}
        parsed: dict[str, object] = {}
        seen: set[str] = set()
        for item in el:
            name = _local(item.tag)
            spec = group.elements.get(name)
            if spec is None:
                self._unknown(st, group.name, name, f"{gloc}/{name}")
                continue
            where = f"{gloc}/{name}"
            value = _text(item)
            if name in seen:
                if not spec.repeat:
                    issues.append(AdapterIssue(
                        file=st.path.name, table=group.name, column=name, row=row, location=where,
                        severity="warning", message=f"<{name}> appears more than once in <{group.name}>; the first "
                                                    "is used"))
                elif value is not None:
                    self._checked(st, group, spec, value, where, row, issues)  # checked, not used
                continue
            seen.add(name)
            if value is None:
                continue
            raw, val = self._checked(st, group, spec, value, where, row, issues)
            parsed[name] = val
            if spec.column:
                cells[spec.column] = raw
        return cells, parsed

    def _checked(self, st: _FileState, group: Group, spec: Element, value: str, where: str, row: int,
                 issues: list[AdapterIssue]) -> tuple[str | None, object]:
        """(the raw cell to pass on, the parsed value or None when it cannot be used)."""
        def bad(what: str, blank: bool = False) -> tuple[str | None, None]:
            if spec.column:
                then = (f"{spec.column} left blank" if blank
                        else "passed on unchanged, so staging rejects the cell")
            else:
                then = "not used"
            issues.append(AdapterIssue(
                file=st.path.name, table=group.name, column=spec.name, row=row, location=where,
                message=f"<{spec.name}> is not {what}; {then}"))
            return (None if blank else value), None

        if spec.type in ("fte", "decimal"):
            d = _decimal(value)
            if d is None:
                return bad("a number")
            if d < 0 or (spec.type == "fte" and d > 1):
                return bad("between 0 and 1" if spec.type == "fte" else "zero or more", blank=True)
            return value, d
        if spec.type == "int":
            return (value, int(value)) if _INT.match(value) else bad("a whole number of zero or more")
        if spec.type == "date":
            d = _iso_date(value)
            return (d.isoformat(), d) if d else bad("a valid date (expected YYYY-MM-DD)")
        if spec.type == "flag":
            yes = xs.flag(value)
            return bad("0 or 1") if yes is None else ("Y" if yes else "N", yes)
        if spec.type == "code":
            code = value.upper()
            issue = xs.code_issue(st.schema, st.path.name, group, spec, code, where, row)
            if issue is not None:
                issues.append(issue)
            if spec.recode and code in spec.recode:
                return spec.recode[code], code
            return code, code  # normalised to upper case before any logic (issue 12)
        return value, value

    def _unknown(self, st: _FileState, group: str, element: str, loc: str) -> None:
        xs.count_unknown(st.unknown, group, element, loc)

    # -- contract rows ----------------------------------------------------------------------------------------
    def _establishment(self, st: _FileState, issues: list[AdapterIssue]) -> list[_Row]:
        if st.broken:
            return []
        fname, loc = st.path.name, "/Message/LALevelVacancies"
        in_post = agency = Decimal(0)
        for w in st.workers:
            if not w.in_post(st.ref):
                continue
            left_out = None
            if w.fte is None:
                left_out = "has no usable <FTE>"
            elif w.agency is None:
                left_out = "has no usable <AgencyWorker> flag"
            if left_out:
                issues.append(AdapterIssue(
                    file=fname, table="CSWWWorker", column="FTE" if w.fte is None else "AgencyWorker",
                    row=w.ordinal, location=w.location, severity="warning",
                    message=f"the worker in post at the census date {left_out}: left out of the in-post and "
                            "agency FTE of workforce_establishment"))
            elif w.agency:
                agency += w.fte
            else:
                in_post += w.fte
        declared = st.agency_declared
        if isinstance(declared, Decimal) and declared != agency:
            # two figures for one thing: the worker records are what the KPI uses, the contradiction is said
            issues.append(AdapterIssue(
                file=fname, table="LALevelVacancies", column="NoAgencyFTE", row=1, location=f"{loc}/NoAgencyFTE",
                severity="warning",
                message=f"the authority-level agency FTE (<NoAgencyFTE> {_fmt(declared)}) contradicts the agency "
                        f"workers in post at the census date ({_fmt(agency)} FTE over their <CSWWWorker> records); "
                        "agency_fte is the worker-level total (KPI17 reads it)"))
        if st.vacancies is None:
            issues.append(AdapterIssue(
                file=fname, table="LALevelVacancies", column=None, row=None, location=loc,
                message="no <LALevelVacancies> in the census: vacancy_fte and establishment_fte left blank (KPI16 "
                        "for this date reads no vacancies and is not reliable)"))
        elif st.vacancy is None:
            issues.append(AdapterIssue(
                file=fname, table="LALevelVacancies", column="NumberOfVacancies", row=1, location=loc,
                message="no usable <NumberOfVacancies>: vacancy_fte and establishment_fte left blank (KPI16 for "
                        "this date reads no vacancies and is not reliable)"))
        vacancy = st.vacancy
        team = self._team(st)
        cells = {
            "period_end": st.ref.isoformat() if st.ref else None,
            "team_id": team,
            "post_type": POST_TYPE,
            "establishment_fte": _fmt(in_post + vacancy) if vacancy is not None else None,
            "in_post_fte": _fmt(in_post),
            "agency_fte": _fmt(agency),
            "vacancy_fte": (st.vacancies or {}).get("vacancy_fte") if vacancy is not None else None,
        }
        key = ("WE", cells["period_end"], team) if st.ref else ("LOC", fname, loc)
        return [_Row("workforce_establishment", key, st.rank, cells, 1, fname, loc)]

    def _professionals(self, st: _FileState, issues: list[AdapterIssue]) -> list[_Row]:
        fname = st.path.name
        by_swe: dict[str, list[_Worker]] = defaultdict(list)
        rows: list[_Row] = []
        for w in st.workers:
            swe = w.cells.get("prof_social_worker_registration_no")
            if swe is None:
                rows.append(_Row("ssd_professionals", ("LOC", fname, w.location), st.rank,
                                 {**w.cells, "prof_professional_id": None}, w.ordinal, fname, w.location))
            else:
                by_swe[swe.upper()].append(w)
        for norm, records in by_swe.items():
            current = [w for w in records if w.in_post(st.ref)]
            # the most senior in-post role (OrgRole 1 highest; no role last), then the first record
            main = min(current or records, key=lambda w: (w.role if w.role is not None else 99, w.ordinal))
            cells = dict(main.cells)
            if len(records) > 1:
                if len(current) > 1:
                    total = sum((w.fte for w in current if w.fte is not None), Decimal(0))
                    cells["prof_full_time_equivalency"] = _fmt(total)
                issues.append(AdapterIssue(
                    file=fname, table="CSWWWorker", column="SWENo", row=main.ordinal, location=main.location,
                    severity="warning",
                    message=f"{len(records)} worker records (rows {', '.join(str(w.ordinal) for w in records)}) share "
                            "one registration number: one ssd_professionals row, FTE summed over the records in "
                            "post, job title and agency flag from the most senior role"))
            cells["prof_professional_id"] = professional_id(norm)
            rows.append(_Row("ssd_professionals", ("CW", cells["prof_professional_id"]), st.rank, cells,
                             main.ordinal, fname, main.location))
        return rows


def _csww_shape(f) -> bool:
    in_details = False
    try:
        for event, depth, name, el in xs.message_events(f):
            if event == "start":
                if depth == 2 and name != "Header":
                    return name in ("LALevelVacancies", "CSWWWorker")
                elif depth == 3 and name == "CollectionDetails":
                    in_details = True
                continue
            if in_details and depth == 4 and name == "Collection":
                return (_text(el) or "").upper() == COLLECTION
            if depth == 3 and name == "CollectionDetails":
                in_details = False
    except ET.ParseError:
        pass  # broken before a deciding element: not recognisable as this format
    return False


def _latest(rows: list[_Row]) -> list[_Row]:
    """Per table and key, the row of the best-ranked file (latest census, then last in file-name order)."""
    return xs.best_ranked(rows)


def _frames(rows: list[_Row]) -> dict[str, pl.DataFrame]:
    by_table: dict[str, list[_Row]] = defaultdict(list)
    for r in rows:
        by_table[r.table].append(r)
    frames = {}
    for table in TABLES:
        cols = _columns(table)
        trs = xs.in_source_order(by_table.get(table, []))
        frames[table] = xs.contract_frame({c: [r.cells.get(c) for r in trs] for c in cols}, trs)
    return frames
