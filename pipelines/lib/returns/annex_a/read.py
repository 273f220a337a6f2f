"""Reading an Annex A workbook: bounds checked before it is opened, sheets matched to lists, header rows
found, cells read to codes, dates, numbers and flags."""

from __future__ import annotations

import datetime as dt
import math
import re
import unicodedata
import xml.etree.ElementTree as ET
import zipfile
from dataclasses import dataclass, field
from itertools import zip_longest
from pathlib import Path

from pipelines.lib.returns.annex_a.schema import (
    CodeSet,
    Field,
    ListSpec,
    annex_a_schema,
    normalise_header,
)
from pipelines.lib.returns.base import AdapterIssue
from pipelines.lib.returns.xml_schema import quoted as xs_quoted

SUFFIXES = (".xlsx", ".xlsm")


HEADER_SCAN_ROWS = 25


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


class _WorkbookReading:
    """One workbook read into its lists: sheets matched to lists, header rows found, cells read to codes,
    dates and flags with an issue for each that cannot be. ``AnnexAAdapter`` builds on it."""

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
