"""The Ofsted Annex A workbook as a way in: the inspection lists in contract tables, as far as they go.

Annex A is the child-level data Ofsted asks for at the start of an inspection of local authority children's
services (ILACS): an .xlsx with one sheet per list - List 1 contacts, 2 early help, 3 referrals,
4 assessments, 5 section 47 enquiries and initial child protection conferences, 6 children in need, 7 child
protection, 8 children in care, 9 care leavers, 10 adoption, 11 adopters. The lists, their headers (with the
variants of local exports and older Ofsted templates) and the code sets are data:
``schemas/annex_a/lists.yaml`` and ``schemas/annex_a/codes.yaml``.

What it maps (raw string cells under contract column names, as the SSD route delivers them):

- ``ssd_person`` from the child columns of every list (Child Unique ID, gender, ethnicity, date of birth):
  one row per child, from the first list row that names the child; a later row that disagrees is a warning.
  ``Age of Child (Years)`` (whole or fractional, e.g. 15.7) is read and checked against the date of birth
  at the inspection date, not staged: the contract derives ages from ``pers_dob``.
- ``ssd_contacts`` (List 1), ``ssd_cin_episodes`` (List 3 referrals; List 6 adds the primary need, closure
  date and reason to the referral of the same child and date, or an episode of its own when List 3 does not
  hold it - "CIN Start Date" is read as the referral date that opened the episode),
  ``ssd_cin_assessments`` (List 4), ``ssd_s47_enquiry`` and ``ssd_initial_cp_conference`` (List 5),
  ``ssd_cp_plans`` (List 7), ``ssd_cla_episodes`` / ``ssd_cla_placement`` / ``ssd_legal_status`` (List 8: one
  episode per period of care, its most recent placement and current legal status), ``ssd_care_leavers``
  (List 9) and ``ssd_permanence`` (List 10). Lists 2 and 11 have no contract table: counted, not staged.
- A table is given to staging only when its list is in the workbook (an Annex A without List 8 says nothing
  about children in care).

Decisions (where Annex A and the contract differ):

- **Record ids**: Annex A has none. Each record is named from the child and its key date, as
  ``<child id>|<prefix><yyyymmdd>`` (``CT`` contact, ``RF`` referral, ``AS`` assessment, ``S4`` S47, ``IC``
  conference, ``CP`` plan; ``C`` period of care, ``E`` episode, ``P`` placement, ``L`` legal status, as the
  SSDA903 adapter names them), so staging replaces the child part with its pseudonym
  (``Adapted.derived_ids``). A second record of the same child, kind and date gets ``-2``, ``-3``; a record
  with no usable date is named from its list and row (``RF-L3R12``). A row with no child id gets no ids, so
  staging quarantines it ("no key") rather than losing it.
- **Links**: an assessment, S47 or CP plan belongs to the child's latest referral (Lists 3 and 6) dated on
  or before it; none when the referral is older than the lists reach. A conference is linked to the plan of
  the same child starting on the conference date (and the plan to it); ``icpc_icpc_outcome_cp_flag`` is the
  list's answer, or Y when such a plan exists and the answer is blank. List 10's period of care is
  ``<child>|C<date the child entered care>``, the same id List 8 gives it.
- **Assessment outcome**: "Was the child assessed as requiring LA children's social care support?" Yes → not
  NFA (N), No → NFA (Y); the older "Did the Continuous Assessment Result in NFA" is taken as it is.
- **Care leavers**: eligibility, in-touch, accommodation and activity answers are read to the SSD / SSDA903
  codes (codes.yaml); an accommodation letter without its suitability digit gets 1 or 2 from "Suitability
  of Accommodation"; an activity label not saying "part time" is read as full time.
- **Cells**: cached values are read (openpyxl, read-only, ``data_only``); a formula saved without a cached
  value is reported and read as blank. ``#N/A`` and the other Excel errors are blank with an issue.
  Non-breaking spaces are spaces; a lettered answer ("a) Male", "q) 6: Police", "N1 - Abuse or neglect",
  "1") is read to its code; an unknown code is passed on with a warning. Dates may be real dates, Excel
  serial numbers or text (dd/mm/yyyy, d/m/yy, yyyy-mm-dd, 5 Mar 2020); a date, number or flag that cannot be
  read is passed on unchanged (staging rejects the cell) and reported. Blank rows are skipped; title rows
  above the header are skipped (the header is the first row, within the first 25, naming the child id and
  two other columns of the list); a sheet that is not a list is reported once and ignored.
- **Inspection date**: from a title row or cover sheet ("Date of inspection: 31/03/2025", "as at ...",
  "Reference date"), else the latest event date in the lists (said so in ``lacks``). It dates the age check
  and the coverage statements.
- ``source_row`` is the row's place below the header (1 = first data row; the sheet row is the header row
  plus it), ``source_location`` the sheet name; issues carry the cell (``'List 3'!F7``) as ``location``.
  Messages never quote a child id, a date of birth or a postcode.

Coverage: each list holds only the rows Ofsted asks for - events in the 6 months before the inspection date
(Lists 1-5), children open at some point in those 6 months (Lists 6-8), current care leavers (List 9), and
12 months for adoption (Lists 10-11). Every KPI computed from an Annex A drop therefore sees at most that
window, with no earlier history (see ``LACKS``).
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from functools import cache
from itertools import zip_longest
from pathlib import Path

import polars as pl
import yaml

from pipelines.lib.contract import contract
from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW, Adapted, AdapterIssue
from pipelines.lib.returns.xml_schema import quoted as xs_quoted

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas" / "annex_a"
FORMAT = "Ofsted Annex A workbook"
SUFFIXES = (".xlsx", ".xlsm")
HEADER_SCAN_ROWS = 25

# list number -> contract tables it fills
LIST_TABLES: dict[int, tuple[str, ...]] = {
    1: ("ssd_contacts",),
    3: ("ssd_cin_episodes",),
    4: ("ssd_cin_assessments",),
    5: ("ssd_s47_enquiry", "ssd_initial_cp_conference"),
    6: ("ssd_cin_episodes",),
    7: ("ssd_cp_plans",),
    8: ("ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status"),
    9: ("ssd_care_leavers",),
    10: ("ssd_permanence",),
}
TABLES = ("ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry",
          "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status",
          "ssd_care_leavers", "ssd_permanence")
DERIVED_IDS = {
    "ssd_contacts": ["cont_contact_id"],
    "ssd_cin_episodes": ["cine_referral_id"],
    "ssd_cin_assessments": ["cina_assessment_id", "cina_referral_id"],
    "ssd_s47_enquiry": ["s47e_s47_enquiry_id", "s47e_referral_id"],
    "ssd_initial_cp_conference": ["icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_cp_plan_id", "icpc_referral_id"],
    "ssd_cp_plans": ["cppl_cp_plan_id", "cppl_referral_id", "cppl_icpc_id"],
    "ssd_cla_episodes": ["clae_cla_episode_id", "clae_cla_id", "clae_cla_placement_id"],
    "ssd_cla_placement": ["clap_cla_placement_id", "clap_cla_id"],
    "ssd_legal_status": ["lega_legal_status_id"],
    "ssd_permanence": ["perm_cla_id"],
}

# What Annex A does not carry, for the tables it fills and the KPIs that would want them.
LACKS = (
    "history: each list reaches back only 6 months before the inspection date (12 for adoption), so every "
    "KPI sees at most that window; KPI02 (re-referrals within 12 months) cannot see the earlier referral, "
    "KPI06 relies on 'Number of Previous Child Protection Plans', KPI07/KPI08 (placement stability) see only "
    "the most recent placement",
    "ssd_contacts.cont_contact_outcome_json, cont_contact_decision_date: not in Annex A (KPI01, contact "
    "decisions in time, cannot be computed)",
    "ssd_cin_episodes.cine_close_reason, cine_close_date, cine_cin_primary_need_code: only for children in "
    "List 6 (children in need)",
    "ssd_cin_assessments.cina_referral_id: derived (the child's latest referral on or before the assessment); "
    "blank when that referral predates the lists",
    "ssd_s47_enquiry.s47e_s47_end_date, s47e_s47_nfa: not in Annex A ('ICPC deemed unnecessary' is not an NFA "
    "outcome)",
    "ssd_initial_cp_conference.icpc_icpc_target_date, icpc_icpc_transfer_in, icpc_icpc_team, icpc_icpc_worker_id: "
    "not in Annex A (KPI05 cannot exclude transfer-in conferences)",
    "ssd_cp_reviews: Annex A gives only the date of the latest review conference (read, not staged)",
    "ssd_cin_plans: List 6 holds episodes of need, not CIN plan dates",
    "ssd_cla_episodes: one episode per period of care (Date Started / Ceased to be Looked After); episodes "
    "within it, clae_cla_episode_start_reason and clae_referral_id are not in Annex A (KPI21 and KPI18/19 see "
    "only the periods List 8 holds)",
    "ssd_cla_placement: only the most recent placement (no earlier placements, no end date while open, no "
    "change reason, no distance) - KPI08 cannot be computed, 'Number of Placements in the Last 12 Months' is "
    "read but not staged",
    "ssd_legal_status: only the current legal status (earlier statuses absent)",
    "ssd_address: no home addresses in Annex A (every child's area is unknown; KPI12 impossible)",
    "ssd_cla_health, ssd_cla_reviews, ssd_missing: List 8's dates of the last health assessment, dental check "
    "and statutory review and its missing-episode counts are read, not staged",
    "ssd_care_leavers.clea_care_leaver_latest_contact, clea_pathway_plan_review_date: only when the export "
    "has those columns",
    "ssd_permanence: adoption only (List 10); special guardianship and child arrangements orders are not in "
    "Annex A",
    "ssd_person.pers_expected_dob, pers_death_date, pers_upn_unknown: not in Annex A",
    "ssd_professionals, ssd_involvements, ssd_department: 'Allocated Team' / 'Allocated Worker' are names, "
    "not linked to a workforce (KPI11 cannot be computed)",
    "List 2 (early help) and List 11 (adopters): no contract table; counted, not staged",
)

EXCEL_ERRORS = frozenset({"#N/A", "#N/A N/A", "#VALUE!", "#REF!", "#DIV/0!", "#NUM!", "#NAME?", "#NULL!",
                          "#SPILL!", "#CALC!", "#GETTING_DATA", "#FIELD!", "#BLOCKED!", "#UNKNOWN!", "#CONNECT!",
                          "#BUSY!"})
_LETTERED = re.compile(r"^\(?[a-z]{1,2}\d{0,2}\)\s*", re.IGNORECASE)
_TOKEN = re.compile(r"^([^\s:\-–—.,;/()]+)")
_LIST_NAME = re.compile(r"^(?:list|l)\s*(\d{1,2})(?!\d)")
_FLAG_Y = frozenset({"Y", "YES", "TRUE", "1"})
_FLAG_N = frozenset({"N", "NO", "FALSE", "0"})
_MONTHS = {m: i for i, m in enumerate(
    ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1)}
_UK_DATE = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2}|\d{4})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")
_TEXT_DATE = re.compile(r"^(\d{1,2})[ \-]([a-z]{3})[a-z]*[ \-,]+(\d{4})$", re.IGNORECASE)
_ANY_DATE = re.compile(r"(\d{1,2}/\d{1,2}/\d{4}|\d{4}-\d{2}-\d{2}|\d{1,2} [A-Za-z]{3,9} \d{4})")
_REF_LABEL = re.compile(r"inspection|reference date|as at|extract date|date of extract", re.IGNORECASE)
_EXCEL_EPOCH = dt.date(1899, 12, 30)


# ---- the schema as data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    name: str
    type: str
    headers: frozenset[str]
    patterns: tuple[re.Pattern, ...] = ()
    code_set: str | None = None
    column: str | None = None  # '<table>.<column>'
    alternative: str | None = None  # another field that gives the same value (no warning when it is there)

    def matches(self, norm: str) -> bool:
        return norm in self.headers or any(p.search(norm) for p in self.patterns)


@dataclass(frozen=True)
class ListSpec:
    number: int
    title: str
    sheet_names: tuple[str, ...]
    months: int
    fields: dict[str, Field]
    id_field: str = "child_id"
    covers: str = ""

    @property
    def label(self) -> str:
        return f"List {self.number} ({self.title})"


@dataclass(frozen=True)
class CodeSet:
    name: str
    codes: frozenset[str]
    aliases: dict[str, str]
    keywords: tuple[tuple[str, str], ...]
    part_time: tuple[str, str, str] | None = None  # (pattern, from prefix, to prefix)


@dataclass(frozen=True)
class AnnexASchema:
    lists: dict[int, ListSpec]
    code_sets: dict[str, CodeSet]
    common: frozenset[str]  # field names every child list shares (not evidence of which list a sheet is)


def normalise_header(text: object) -> str:
    """Case-folded words: NFKC, NBSP as space, apostrophes dropped, other punctuation runs as one space."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\u00a0", " ")
    s = re.sub(r"['’‘`]", "", s).casefold()
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


@cache
def annex_a_schema() -> AnnexASchema:
    raw = yaml.safe_load((SCHEMA_DIR / "lists.yaml").read_text(encoding="utf-8"))
    lists = {}
    for number, spec in raw["lists"].items():
        fields = {}
        for name, f in spec["columns"].items():
            fields[name] = Field(
                name=name, type=f["type"], code_set=f.get("code_set"), column=f.get("column"),
                alternative=f.get("alternative"),
                headers=frozenset(normalise_header(h) for h in f.get("headers") or []),
                patterns=tuple(re.compile(p) for p in f.get("patterns") or []))
        lists[int(number)] = ListSpec(number=int(number), title=spec["title"],
                                      sheet_names=tuple(normalise_header(s) for s in spec.get("sheet_names", [])),
                                      months=int(spec.get("months", 6)), fields=fields,
                                      id_field=spec.get("id_field", "child_id"), covers=spec.get("covers", ""))
    codes_raw = yaml.safe_load((SCHEMA_DIR / "codes.yaml").read_text(encoding="utf-8"))
    code_sets = {}
    for name, spec in codes_raw.items():
        pt = spec.get("part_time")
        code_sets[name] = CodeSet(
            name=name, codes=frozenset(str(c).upper() for c in spec["codes"]),
            aliases={normalise_header(k): str(v) for k, v in (spec.get("aliases") or {}).items()},
            keywords=tuple((normalise_header(k), str(v)) for k, v in spec.get("keywords") or []),
            part_time=(pt["pattern"], pt["from"], pt["to"]) if pt else None)
    return AnnexASchema(lists=lists, code_sets=code_sets, common=frozenset(raw["common"]))


# ---- reading cells ----------------------------------------------------------------------------------------
def clean_text(value: object) -> str | None:
    """The cell as trimmed text (NBSP as space, inner runs of spaces as one); None when blank."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    s = re.sub(r"[ \t\u00a0\u2007\u202f]+", " ", unicodedata.normalize("NFC", str(value))).strip()
    return s or None


def read_code(text: str, code_set: CodeSet) -> tuple[str, bool]:
    """(code, known): the answer read to a code of the set, else the answer without its lettered prefix."""
    stripped = _LETTERED.sub("", text).strip() or text
    upper = stripped.upper()
    if upper in code_set.codes:
        return upper, True
    m = _TOKEN.match(upper)
    if m and m.group(1) in code_set.codes:
        return m.group(1), True
    norm = normalise_header(stripped)
    for candidate in (norm, normalise_header(text)):
        if candidate in code_set.aliases:
            return code_set.aliases[candidate], True
    if m:  # the label after a code the set does not know ("Z9 - Male")
        rest = normalise_header(stripped[m.end():])
        if rest in code_set.aliases:
            return code_set.aliases[rest], True
    padded = f" {norm} "
    for fragment, code in code_set.keywords:
        if f" {fragment}" in padded:
            if code_set.part_time and re.search(code_set.part_time[0], norm) and code.startswith(
                    code_set.part_time[1]):
                code = code_set.part_time[2] + code[len(code_set.part_time[1]):]
            return code, True
    return stripped, False


def read_flag(text: str) -> str | None:
    """Y / N from Yes / No / Y / N / 1 / 0 / True / False, with or without a lettered prefix."""
    s = _LETTERED.sub("", text).strip().upper()
    m = _TOKEN.match(s)
    for candidate in (s, m.group(1) if m else None):
        if candidate in _FLAG_Y:
            return "Y"
        if candidate in _FLAG_N:
            return "N"
    return None


def read_date(value: object) -> str | None:
    """ISO date from a date cell, an Excel serial number or text (dd/mm/yyyy, d/m/yy, ISO, '5 Mar 2020')."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        if not math.isfinite(value) or not 1 <= value < 2958466:
            return None
        return (_EXCEL_EPOCH + dt.timedelta(days=int(value))).isoformat()
    s = clean_text(value)
    if s is None:
        return None
    try:
        if re.fullmatch(r"\d{5}(\.\d+)?", s):  # a serial number stored as text
            return read_date(float(s))
        m = _ISO_DATE.match(s)
        if m:
            return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
        m = _UK_DATE.match(s)
        if m:
            year = int(m.group(3))
            if len(m.group(3)) == 2:
                year += 2000 if year < 70 else 1900
            return dt.date(year, int(m.group(2)), int(m.group(1))).isoformat()
        m = _TEXT_DATE.match(s)
        if m and m.group(2).lower() in _MONTHS:
            return dt.date(int(m.group(3)), _MONTHS[m.group(2).lower()], int(m.group(1))).isoformat()
    except ValueError:
        return None
    return None


def read_number(value: object) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    s = clean_text(value)
    if s is None:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def _cell_ref(sheet: str, col: int, sheet_row: int) -> str:
    return f"'{sheet}'!{_column_letter(col)}{sheet_row}"


# ---- the adapter ------------------------------------------------------------------------------------------
@dataclass
class _Row:
    """One list row read to field values (strings ready for the contract), with where it came from."""

    spec: ListSpec
    values: dict[str, str | None]
    extra: dict[str, object]          # values read but not staged as strings (age as a number)
    source_row: int
    sheet_row: int
    file: str
    sheet: str
    headers: dict[str, str]           # field -> the header text as the sheet writes it
    columns: dict[str, int]           # field -> column index

    def where(self, name: str) -> str | None:
        col = self.columns.get(name)
        return _cell_ref(self.sheet, col, self.sheet_row) if col is not None else None


@dataclass
class _Sheet:
    spec: ListSpec
    name: str
    rows: list[_Row] = field(default_factory=list)


@dataclass
class _Workbook:
    path: Path
    sheets: list[_Sheet] = field(default_factory=list)
    inspection_date: dt.date | None = None


# A workbook is a zip: its declared uncompressed sizes are checked before openpyxl opens it (one that inflated to
# 4 GB once drove a run to 8.5 GB). A real Annex A is a few MB; zipfile never inflates an entry past its declared
# size, so the declaration bounds what is read.
MAX_UNCOMPRESSED = 256 << 20
MAX_ENTRIES = 10_000


class WorkbookRefused(ValueError):
    """A workbook refused before it is opened: the message says what is beyond the bounds."""


def check_zip(path: Path) -> None:
    """Raise WorkbookRefused when the workbook's entries would inflate beyond the bounds."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
    if len(infos) > MAX_ENTRIES:
        raise WorkbookRefused(f"the workbook holds {len(infos):,} zip entries (at most {MAX_ENTRIES:,}); refused "
                              "before it is opened")
    total = sum(i.file_size for i in infos)
    if total > MAX_UNCOMPRESSED:
        biggest = max(infos, key=lambda i: i.file_size)
        raise WorkbookRefused(f"the workbook would inflate to {total / (1 << 20):,.0f} MB ({biggest.filename[:60]}: "
                              f"{biggest.file_size / (1 << 20):,.0f} MB; at most {MAX_UNCOMPRESSED >> 20} MB in all); "
                              "refused before it is opened")


def zip_refusal(path: Path) -> str | None:
    """Why a workbook is refused by the bounds, or None."""
    try:
        check_zip(path)
    except WorkbookRefused as exc:
        return str(exc)
    except (OSError, zipfile.BadZipFile):
        return None
    return None


def _sheet_names(path: Path) -> list[str]:
    check_zip(path)
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("xl/workbook.xml"))
    return [el.get("name", "") for el in root.iter() if el.tag.rsplit("}", 1)[-1] == "sheet"]


def list_for_sheet_name(name: str) -> int | None:
    """The list a sheet's name says it is ('List 3', 'L3 Referrals', 'Referrals'), else None."""
    norm = normalise_header(name)
    m = _LIST_NAME.match(norm)
    schema = annex_a_schema()
    if m and int(m.group(1)) in schema.lists:
        return int(m.group(1))
    aliases = sorted(((a, n) for n, s in schema.lists.items() for a in s.sheet_names), key=lambda x: -len(x[0]))
    padded = f" {norm} "
    for alias, number in aliases:
        if f" {alias} " in padded:
            return number
    return None


def _match_header(cells: tuple, spec: ListSpec) -> dict[str, int]:
    """field -> column index for a candidate header row (the first column matching a field wins)."""
    found: dict[str, int] = {}
    for i, v in enumerate(cells):
        if v is None or not isinstance(v, str):
            continue
        norm = normalise_header(v)
        if not norm:
            continue
        for f in spec.fields.values():
            if f.name not in found and f.matches(norm):
                found[f.name] = i
                break
    return found


def _is_header(found: dict[str, int], spec: ListSpec) -> bool:
    return spec.id_field in found and len(found) >= 3


class AnnexAAdapter:
    """Recognises an Ofsted Annex A workbook by its sheet names or headers and maps its lists to contract tables."""

    name = FORMAT

    def recognise(self, path: Path) -> bool:
        """An .xlsx/.xlsm whose sheet names are Annex A lists ('List 1'..., or two list titles), else whose first
        sheets have an Annex A header row (child id and two list columns) in their first rows."""
        path = Path(path)
        if path.suffix.lower() not in SUFFIXES:
            return False
        try:
            names = _sheet_names(path)
        except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError, WorkbookRefused):
            return False
        if any(_LIST_NAME.match(normalise_header(n)) for n in names):
            return True
        if sum(1 for n in names if list_for_sheet_name(n) is not None) >= 2:
            return True
        try:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is not one we can adapt either
            return False
        try:
            schema = annex_a_schema()
            for ws in wb.worksheets[:4]:
                for cells in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True):
                    for spec in schema.lists.values():
                        found = _match_header(cells, spec)
                        if _is_header(found, spec) and set(found) - schema.common:
                            return True
        finally:
            wb.close()
        return False

    def adapt(self, paths: list[Path]) -> Adapted:
        out = Adapted(format=FORMAT, files=[Path(p).name for p in paths], derived_ids=DERIVED_IDS)
        books = []
        for path in sorted((Path(p) for p in paths), key=lambda p: p.name):
            book = self._read(path, out.issues)
            if book is not None:
                books.append(book)
        builder = _Builder(out.issues)
        for book in books:
            builder.add(book)
        out.tables = builder.frames()
        out.lacks = list(LACKS) + builder.coverage(books)
        out.covered_from = builder.covered_from(books)
        return out

    # -- one workbook ---------------------------------------------------------------------------------------
    def _read(self, path: Path, issues: list[AdapterIssue]) -> _Workbook | None:
        import openpyxl

        try:
            check_zip(path)
        except WorkbookRefused as exc:
            issues.append(AdapterIssue(file=path.name, table="workbook", column=None, row=None,
                                       message=f"{exc}; nothing is staged from it"))
            return None
        except (OSError, zipfile.BadZipFile):
            pass  # openpyxl's own failure below says the workbook cannot be opened
        try:
            values = openpyxl.load_workbook(path, read_only=True, data_only=True)
            formulas = openpyxl.load_workbook(path, read_only=True, data_only=False)
        except Exception as exc:  # noqa: BLE001 - a corrupt workbook is reported, never a crash
            issues.append(AdapterIssue(file=path.name, table="workbook", column=None, row=None,
                                       message=f"the workbook cannot be opened ({type(exc).__name__}); nothing "
                                               "is staged from it (ask for it to be sent again)"))
            return None
        book = _Workbook(path)
        pending: list[tuple[str, list[tuple], list[tuple]]] = []
        try:
            for ws_v, ws_f in zip(values.worksheets, formulas.worksheets, strict=True):
                ws_v.reset_dimensions()
                ws_f.reset_dimensions()
                rows_v, rows_f = [], []
                for rv, rf in zip_longest(ws_v.iter_rows(values_only=True), ws_f.iter_rows(values_only=True),
                                          fillvalue=()):
                    rows_v.append(tuple(rv))
                    rows_f.append(tuple(rf))
                pending.append((ws_v.title, rows_v, rows_f))
        finally:
            values.close()
            formulas.close()
        schema = annex_a_schema()
        located: list[tuple[str, ListSpec, int, dict[str, int], list[tuple], list[tuple]]] = []
        for title, rows_v, rows_f in pending:
            number = list_for_sheet_name(title)
            candidates = [schema.lists[number]] if number else list(schema.lists.values())
            header = None
            for i, cells in enumerate(rows_v[:HEADER_SCAN_ROWS]):
                best = None
                for spec in candidates:
                    found = _match_header(cells, spec)
                    if not _is_header(found, spec):
                        continue
                    score = len(set(found) - schema.common)
                    if number is None and score == 0:
                        continue
                    if best is None or score > best[0]:
                        best = (score, spec, found)
                if best:
                    header = (i, best[1], best[2])
                    break
            if header is None:
                self._reference_date(book, rows_v[:30])
                filled = sum(1 for r in rows_v if any(clean_text(c) for c in r))
                if number is not None:
                    issues.append(AdapterIssue(
                        file=path.name, table=title, column=None, row=None,
                        message=f"sheet '{title}' looks like {schema.lists[number].label} but no header row "
                                f"naming the child id and the list's columns was found in its first "
                                f"{HEADER_SCAN_ROWS} rows; its {filled} non-blank rows are not staged"))
                elif filled:
                    issues.append(AdapterIssue(
                        file=path.name, table=title, column=None, row=None, severity="warning",
                        message=f"sheet '{title}' is not an Annex A list (no list header found); ignored"))
                continue
            index, spec, found = header
            self._reference_date(book, rows_v[:index])
            located.append((title, spec, index, found, rows_v, rows_f))
        for title, spec, index, found, rows_v, rows_f in located:
            book.sheets.append(self._sheet(path, title, spec, index, found, rows_v, rows_f, book, issues))
        return book

    def _reference_date(self, book: _Workbook, rows: list[tuple]) -> None:
        """The inspection date from a title row or cover sheet ('Date of inspection: 31/03/2025')."""
        if book.inspection_date is not None:
            return
        for cells in rows:
            for k, v in enumerate(cells):
                text = clean_text(v) if isinstance(v, str) else None
                if not text or not _REF_LABEL.search(text):
                    continue
                m = _ANY_DATE.search(text)
                iso = read_date(m.group(1)) if m else None
                if iso is None:
                    for nxt in cells[k + 1:k + 3]:
                        iso = read_date(nxt) if nxt is not None else None
                        if iso:
                            break
                if iso:
                    book.inspection_date = dt.date.fromisoformat(iso)
                    return

    def _sheet(self, path: Path, title: str, spec: ListSpec, index: int, found: dict[str, int],
               rows_v: list[tuple], rows_f: list[tuple], book: _Workbook, issues: list[AdapterIssue]) -> _Sheet:
        sheet = _Sheet(spec=spec, name=title)
        header_cells = rows_v[index]
        headers = {name: clean_text(header_cells[col]) or "" for name, col in found.items()}
        used = set(found.values())
        for col, v in enumerate(header_cells):
            text = clean_text(v)
            if text and col not in used:
                issues.append(AdapterIssue(
                    file=path.name, table=title, column=text, row=None, severity="warning",
                    location=_cell_ref(title, col, index + 1),
                    message=f"column {xs_quoted(text)} is not a column of {spec.label}; ignored"))
        for name, f in spec.fields.items():
            if name not in found and f.alternative not in found and (f.column or name in ("dob", "gender",
                                                                                           "ethnicity")):
                target = f.column or f"ssd_person.pers_{'sex' if name == 'gender' else name}"
                issues.append(AdapterIssue(
                    file=path.name, table=title, column=None, row=None, severity="warning",
                    message=f"{spec.label} has no '{name.replace('_', ' ')}' column: {target} is left blank "
                            "for its rows"))
        codes = annex_a_schema().code_sets
        for k in range(index + 1, len(rows_v)):
            cells = rows_v[k]
            fcells = rows_f[k] if k < len(rows_f) else ()
            source_row, sheet_row = k - index, k + 1
            uncached = {c for c, fv in enumerate(fcells)
                        if isinstance(fv, str) and fv.startswith("=") and (c >= len(cells) or cells[c] is None)}
            if not any(clean_text(c) for c in cells) and not uncached:
                continue  # a blank row carries nothing
            row = _Row(spec=spec, values={}, extra={}, source_row=source_row, sheet_row=sheet_row, file=path.name,
                       sheet=title, headers=headers, columns=found)
            for name, col in found.items():
                f = spec.fields[name]
                raw = cells[col] if col < len(cells) else None

                def issue(message: str, severity: str = "error", _name: str = name, _row: _Row = row) -> None:
                    issues.append(AdapterIssue(file=path.name, table=title, column=headers[_name],
                                               row=_row.source_row, location=_row.where(_name), severity=severity,
                                               message=message))

                if col in uncached:
                    issue("a formula with no cached value (the workbook was saved without being recalculated): "
                          "read as blank" + (f", so {f.column} is left blank" if f.column else ""))
                    row.values[name] = None
                    continue
                text = clean_text(raw)
                if text is not None and text.upper() in EXCEL_ERRORS:
                    issue(f"the cell holds the Excel error {text.upper()}: read as blank"
                          + (f", so {f.column} is left blank" if f.column else ""))
                    text, raw = None, None
                if text is None:
                    row.values[name] = None
                    continue
                row.values[name] = self._value(f, raw, text, codes, issue, row)
            sheet.rows.append(row)
        return sheet

    def _value(self, f: Field, raw: object, text: str, codes: dict[str, CodeSet], issue, row: _Row) -> str | None:
        if f.type == "id":
            return text.upper() if f.name == "child_id" else text
        if f.type == "date":
            iso = read_date(raw)
            if iso is None:
                issue("is not a date (expected a date cell, an Excel serial or dd/mm/yyyy); passed on unchanged "
                      "and staging rejects it")
                return text
            return iso
        if f.type == "flag":
            flag = read_flag(text)
            if flag is None:
                issue("is not a yes/no answer; passed on unchanged and staging rejects it", "error")
                return text
            return flag
        if f.type == "int":
            n = read_number(raw)
            if n is None or not n.is_integer():
                issue("is not a whole number; passed on unchanged and staging rejects it")
                return text
            return str(int(n))
        if f.type == "age":
            n = read_number(raw)
            if n is None:
                issue("is not a number of years; ignored (ages come from the date of birth)", "warning")
                return None
            row.extra["age"] = n
            return text
        if f.type == "code":
            code, known = read_code(text, codes[f.code_set])
            if not known:
                issue(f"{xs_quoted(code)} is not a {f.code_set.replace('_', ' ')} code Annex A is known to use; passed "
                      "on as written", "warning")
            return code
        return text


def _stamp(iso: str | None) -> str | None:
    if not iso or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return None
    return iso.replace("-", "")


class _Builder:
    """Rows of every workbook into contract records: people merged, ids derived, records linked."""

    def __init__(self, issues: list[AdapterIssue]) -> None:
        self.issues = issues
        self.records: dict[str, list[dict]] = defaultdict(list)
        self.tables_present: set[str] = set()
        self.people: dict[str, dict] = {}
        self.person_origin: dict[str, _Row] = {}
        self.seen_ids: dict[str, int] = defaultdict(int)
        self.episodes: dict[str, list[dict]] = defaultdict(list)   # child -> episode records
        self.episode_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.plans: dict[tuple[str, str], dict] = {}               # (child, start) -> CP plan record
        self.icpcs: dict[tuple[str, str], dict] = {}
        self.periods: dict[str, dict] = {}                         # cla id -> episode record
        self.periods_by_child: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[int, int] = defaultdict(int)
        self.dates: dict[int, list[str]] = defaultdict(list)
        self.inspection: dt.date | None = None
        self.inferred = False

    # -- helpers --------------------------------------------------------------------------------------------
    def _id(self, child: str | None, prefix: str, iso: str | None, row: _Row) -> str | None:
        if child is None:
            return None
        stamp = _stamp(iso)
        base = f"{child}|{prefix}{stamp}" if stamp else f"{child}|{prefix}-L{row.spec.number}R{row.source_row}"
        self.seen_ids[base] += 1
        n = self.seen_ids[base]
        return base if n == 1 else f"{base}-{n}"

    def _record(self, table: str, row: _Row, cells: dict[str, str | None]) -> dict:
        rec = dict(cells)
        rec[SOURCE_ROW] = row.source_row
        rec[SOURCE_FILE] = row.file
        rec[SOURCE_LOCATION] = row.sheet
        self.records[table].append(rec)
        return rec

    def _mapped(self, row: _Row, table: str) -> dict[str, str | None]:
        """The row's values of the fields whose column is in ``table``."""
        out = {}
        for name, f in row.spec.fields.items():
            if f.column and f.column.startswith(table + ".") and name in row.columns:
                out[f.column.split(".", 1)[1]] = row.values.get(name)
        return out

    def _referral_for(self, child: str | None, iso: str | None) -> str | None:
        if child is None or not _stamp(iso):
            return None
        best = None
        for ep in self.episodes.get(child, []):
            d = ep.get("cine_referral_date")
            if _stamp(d) and d <= iso and (best is None or d >= best["cine_referral_date"]):
                best = ep
        return best["cine_referral_id"] if best else None

    def _person(self, row: _Row) -> str | None:
        """The row's child id (normalised), after merging its characteristics into the child's person row."""
        child = row.values.get(row.spec.id_field)
        if child is None:
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get(row.spec.id_field) or "Child Unique ID",
                row=row.source_row, location=row.where(row.spec.id_field),
                message="the row has no child id: it is passed on without a person id or record ids, so staging "
                        "quarantines it"))
            return None
        cells = {"pers_person_id": child, "pers_sex": row.values.get("gender"),
                 "pers_ethnicity": row.values.get("ethnicity"), "pers_dob": row.values.get("dob")}
        names = {"pers_sex": "gender", "pers_ethnicity": "ethnicity", "pers_dob": "dob"}
        known = self.people.get(child)
        if known is None:
            self.people[child] = self._record("ssd_person", row, cells)
            self.person_origin[child] = row
        else:
            first = self.person_origin[child]
            for col, fname in names.items():
                new = cells[col]
                if new is None:
                    continue
                if known.get(col) is None:
                    known[col] = new
                elif known[col] != new:
                    self.issues.append(AdapterIssue(
                        file=row.file, table=row.sheet, column=row.headers.get(fname), row=row.source_row,
                        location=row.where(fname), severity="warning",
                        message=f"differs from the child's {fname.replace('dob', 'date of birth')} in "
                                f"{first.spec.label} row {first.source_row}; the first is kept"))
        self._check_age(row)
        return child

    def _check_age(self, row: _Row) -> None:
        age, dob = row.extra.get("age"), row.values.get("dob")
        if age is None or not _stamp(dob) or self.inspection is None:
            return
        born = dt.date.fromisoformat(dob)
        ref = self.inspection
        expected = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        if born > ref:
            expected = -1  # unborn: Annex A exports write -1 or 0
        if abs(math.floor(age) - expected) > 1 and not (expected == -1 and age <= 0):
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get("age"), row=row.source_row,
                location=row.where("age"), severity="warning",
                message=f"the age does not match the date of birth ({expected} completed years at the inspection "
                        f"date {ref.isoformat()}); the date of birth is used"))

    # -- lists ----------------------------------------------------------------------------------------------
    def add(self, book: _Workbook) -> None:
        by_list: dict[int, list[_Sheet]] = defaultdict(list)
        for sheet in book.sheets:
            by_list[sheet.spec.number].append(sheet)
            self.tables_present.update(LIST_TABLES.get(sheet.spec.number, ()))
            if sheet.spec.number != 11:  # adopters are not children
                self.tables_present.add("ssd_person")
        self.inspection = book.inspection_date or self._latest_date(book)
        for number in sorted(by_list):
            for sheet in by_list[number]:
                for row in sheet.rows:
                    self.counts[number] += 1
                    self._note_dates(row)
                    if number == 11:
                        continue
                    child = self._person(row)
                    handler = getattr(self, f"_list{number}", None)
                    if handler is not None:
                        handler(row, child)
        self._link()

    def _latest_date(self, book: _Workbook) -> dt.date | None:
        dates = [v for s in book.sheets for r in s.rows for n, v in r.values.items()
                 if s.spec.fields[n].type == "date" and n != "dob" and _stamp(v)]
        if not dates:
            return None
        self.inferred = True
        return dt.date.fromisoformat(max(dates))

    def _note_dates(self, row: _Row) -> None:
        key = {1: "contact_date", 3: "referral_date", 4: "assessment_start", 5: "s47_start", 6: "cin_start",
               7: "cp_start", 8: "care_start", 10: "adm_date", 2: "eha_start", 11: "enquiry_date"}.get(row.spec.number)
        v = row.values.get(key) if key else None
        if _stamp(v):
            self.dates[row.spec.number].append(v)

    def _list1(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_contacts")
        cells.update(cont_contact_id=self._id(child, "CT", row.values.get("contact_date"), row), cont_person_id=child)
        self._record("ssd_contacts", row, cells)

    def _list3(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_episodes")
        date = row.values.get("referral_date")
        cells.update(cine_referral_id=self._id(child, "RF", date, row), cine_person_id=child)
        rec = self._record("ssd_cin_episodes", row, cells)
        rec["_list6"] = False
        if child is not None:
            self.episodes[child].append(rec)
            if _stamp(date):
                self.episode_key[(child, date)].append(rec)

    def _list6(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_episodes")
        date = row.values.get("cin_start")
        if child is not None and _stamp(date):
            for rec in self.episode_key.get((child, date), []):
                if not rec["_list6"]:
                    for col, v in cells.items():
                        if v is not None and rec.get(col) is None:
                            rec[col] = v
                    rec["_list6"] = True
                    return
        cells.update(cine_referral_id=self._id(child, "RF", date, row), cine_person_id=child)
        rec = self._record("ssd_cin_episodes", row, cells)
        rec["_list6"] = True
        if child is not None:
            self.episodes[child].append(rec)
            if _stamp(date):
                self.episode_key[(child, date)].append(rec)

    def _list4(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_assessments")
        start = row.values.get("assessment_start")
        if cells.get("cina_assessment_outcome_nfa") is None and row.values.get("needs_support") in ("Y", "N"):
            cells["cina_assessment_outcome_nfa"] = "N" if row.values["needs_support"] == "Y" else "Y"
        cells.update(cina_assessment_id=self._id(child, "AS", start, row), cina_person_id=child,
                     _date=start)
        self._record("ssd_cin_assessments", row, cells)

    def _list5(self, row: _Row, child: str | None) -> None:
        s47 = self._mapped(row, "ssd_s47_enquiry")
        start = row.values.get("s47_start")
        sid = self._id(child, "S4", start, row)
        s47.update(s47e_s47_enquiry_id=sid, s47e_person_id=child, _date=start)
        self._record("ssd_s47_enquiry", row, s47)
        icpc_date = row.values.get("icpc_date")
        if icpc_date is None:
            return
        icpc = self._mapped(row, "ssd_initial_cp_conference")
        icpc.update(icpc_icpc_id=self._id(child, "IC", icpc_date, row), icpc_s47_enquiry_id=sid,
                    icpc_person_id=child, _date=start)
        rec = self._record("ssd_initial_cp_conference", row, icpc)
        if child is not None and _stamp(icpc_date):
            self.icpcs.setdefault((child, icpc_date), rec)

    def _list7(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cp_plans")
        start = row.values.get("cp_start")
        cells.update(cppl_cp_plan_id=self._id(child, "CP", start, row), cppl_person_id=child, _date=start)
        rec = self._record("ssd_cp_plans", row, cells)
        if child is not None and _stamp(start):
            self.plans.setdefault((child, start), rec)

    def _list8(self, row: _Row, child: str | None) -> None:
        start = row.values.get("care_start")
        end = row.values.get("care_end")
        placement_cells = self._mapped(row, "ssd_cla_placement")
        legal_cells = self._mapped(row, "ssd_legal_status")
        cla_stamp = _stamp(start)
        cla_id = None if child is None else (f"{child}|C{cla_stamp}" if cla_stamp
                                             else f"{child}|C-L8R{row.source_row}")
        placement_id = None
        if any(v is not None for v in placement_cells.values()):
            placement_id = self._id(child, "P", placement_cells.get("clap_cla_placement_start_date"), row)
            placement_cells.update(clap_cla_placement_id=placement_id, clap_cla_id=cla_id, clap_person_id=child,
                                   clap_cla_placement_end_date=end)
            self._record("ssd_cla_placement", row, placement_cells)
        if any(v is not None for v in legal_cells.values()):
            legal_cells.update(lega_legal_status_id=self._id(child, "L", legal_cells.get(
                "lega_legal_status_start_date"), row), lega_person_id=child, lega_legal_status_end_date=end)
            self._record("ssd_legal_status", row, legal_cells)
        if cla_id is not None and cla_id in self.periods:
            first = self.periods[cla_id]
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get("care_start"), row=row.source_row,
                location=row.where("care_start"), severity="warning",
                message=f"another row for the period of care in row {first[SOURCE_ROW]}: its placement and legal "
                        "status are kept, the episode is taken from the first row"))
            return
        cells = self._mapped(row, "ssd_cla_episodes")
        cells.update(clae_cla_episode_id=self._id(child, "E", start, row), clae_person_id=child, clae_cla_id=cla_id,
                     clae_entered_care_date=start, clae_cla_placement_id=placement_id)
        rec = self._record("ssd_cla_episodes", row, cells)
        if cla_id is not None:
            self.periods[cla_id] = rec
            self.periods_by_child[child].append(rec)

    def _list9(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_care_leavers")
        accom, suitable = cells.get("clea_care_leaver_accommodation"), cells.get("clea_care_leaver_accom_suitable")
        if accom and len(accom) == 1 and accom.isalpha() and suitable in ("1", "2"):
            cells["clea_care_leaver_accommodation"] = accom + suitable
        cells.update(clea_person_id=child)
        self._record("ssd_care_leavers", row, cells)

    def _list10(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_permanence")
        entered = _stamp(row.values.get("entered_care"))
        cla_id = None
        if child is not None and entered:
            cla_id = f"{child}|C{entered}"
        elif child is not None:
            adm = row.values.get("adm_date")
            periods = [p for p in self.periods_by_child.get(child, [])
                       if _stamp(p.get("clae_cla_episode_start_date")) and (
                           not _stamp(adm) or p["clae_cla_episode_start_date"] <= adm)]
            if periods:
                cla_id = max(periods, key=lambda p: p["clae_cla_episode_start_date"])["clae_cla_id"]
        if cells.get("perm_permanence_order_date") is not None:
            cells["perm_permanence_order_type"] = "ADOPTION"
        cells.update(perm_person_id=child, perm_cla_id=cla_id)
        self._record("ssd_permanence", row, cells)

    def _link(self) -> None:
        """Referrals for assessments, S47s, conferences and plans; conferences and plans to each other."""
        for table, person_col, ref_col in (("ssd_cin_assessments", "cina_person_id", "cina_referral_id"),
                                           ("ssd_s47_enquiry", "s47e_person_id", "s47e_referral_id"),
                                           ("ssd_initial_cp_conference", "icpc_person_id", "icpc_referral_id"),
                                           ("ssd_cp_plans", "cppl_person_id", "cppl_referral_id")):
            for rec in self.records.get(table, []):
                if "_date" in rec:
                    rec[ref_col] = self._referral_for(rec.get(person_col), rec.pop("_date"))
        for rec in self.records.get("ssd_initial_cp_conference", []):
            plan = self.plans.get((rec.get("icpc_person_id"), rec.get("icpc_icpc_date")))
            rec["icpc_cp_plan_id"] = plan["cppl_cp_plan_id"] if plan else None
            if rec.get("icpc_icpc_outcome_cp_flag") is None and plan:
                rec["icpc_icpc_outcome_cp_flag"] = "Y"
        for rec in self.records.get("ssd_cp_plans", []):
            icpc = self.icpcs.get((rec.get("cppl_person_id"), rec.get("cppl_cp_plan_start_date")))
            rec["cppl_icpc_id"] = icpc["icpc_icpc_id"] if icpc else None

    # -- output ---------------------------------------------------------------------------------------------
    def frames(self) -> dict[str, pl.DataFrame]:
        spec = contract()
        out = {}
        for table in TABLES:
            if table not in self.tables_present:
                continue
            cols = list(spec[table].columns)
            recs = self.records.get(table, [])
            data: dict[str, list] = {c: [r.get(c) for r in recs] for c in cols}
            for c in (SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION):
                data[c] = [r[c] for r in recs]
            schema = {c: pl.String for c in cols} | {SOURCE_ROW: pl.Int64, SOURCE_FILE: pl.String,
                                                     SOURCE_LOCATION: pl.String}
            out[table] = pl.DataFrame(data, schema=schema)
        return out

    def covered_from(self, books: list[_Workbook]) -> dict[str, dt.date]:
        """Each table filled, from the earliest window start of the lists filling it: the inspection date less
        the list's months (contacts 6, adoption 12, care leavers 0: only those current at the date)."""
        if self.inspection is None:
            return {}
        present = {s.spec.number for b in books for s in b.sheets}
        out: dict[str, dt.date] = {}
        for number, spec in annex_a_schema().lists.items():
            if number not in present:
                continue
            start = _months_before(self.inspection, spec.months)
            for table in LIST_TABLES.get(number, ()):
                if table in self.tables_present:
                    out[table] = min(out.get(table, start), start)
        return out

    def coverage(self, books: list[_Workbook]) -> list[str]:
        """What each list of this drop covers, and which lists are missing."""
        schema = annex_a_schema()
        present = {s.spec.number for b in books for s in b.sheets}
        out = []
        if self.inspection is not None:
            how = ("inferred from the latest event date in the lists: no inspection date in the workbook"
                   if self.inferred else "from the workbook")
            out.append(f"inspection date {self.inspection.isoformat()} ({how})")
        for number, spec in schema.lists.items():
            if number not in present:
                tables = ", ".join(LIST_TABLES.get(number, ())) or "no contract table"
                out.append(f"{spec.label}: not in the workbook ({tables} not filled from it)")
                continue
            dates = self.dates.get(number)
            span = f" (key dates {min(dates)} to {max(dates)})" if dates else ""
            out.append(f"{spec.label}: {self.counts.get(number, 0)} rows, only {spec.covers}{span}")
        return out


def _months_before(d: dt.date, months: int) -> dt.date:
    """The same day `months` earlier (the month's last day when it has fewer days)."""
    m = d.year * 12 + d.month - 1 - months
    year, month = divmod(m, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(d.day, last))
