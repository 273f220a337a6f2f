"""Reading SSDA903 files: the header and date order of a CSV, its rows typed and checked, each file's
collection year from its own evidence, duplicates within a file (D1, D2)."""

from __future__ import annotations

import csv
import io
import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from pipelines.lib.returns.base import Adapted, AdapterIssue
from pipelines.lib.returns.ssda903.schema import (
    FIRST_YEAR,
    FORMAT,
    HELD_IN_YEAR,
    LACKS,
    TableSpec,
    _code_items,
    _recognition,
    collection_year,
    reading_spec,
    schema_for,
    year_end,
    year_label,
)
from pipelines.lib.returns.xml_schema import (
    quoted,
)
from pipelines.lib.staging import FileReadError, read_raw  # staging imports nothing from the adapters

NAME_YEAR = re.compile(r"(?<!\d)(20\d\d)[-_ ]?(\d\d)(?!\d)")


DATE_TEXT = re.compile(r"^([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{4})(?:[ T].*)?$")


BAD_DATE = "not a valid date (expected DD/MM/YYYY or YYYY-MM-DD)"


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


def read_csv_part(ad: _Reading, path: Path) -> Part | None:
    """One 903 CSV file as rows of its table (cells trimmed, dates, flags and numbers checked)."""
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


class _Reading:
    """The rows of every 903 file as read: each cell typed and checked, each file's collection year, the
    duplicates within a file. ``stitch._Adaptation`` builds the contract tables on top of it."""

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
