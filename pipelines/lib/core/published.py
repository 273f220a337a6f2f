"""Published measures of the core data set: values from DfE/ONS open-data (EES) CSVs, with comparators.

A published measure card (sql/core/*.yaml, `source: published`) carries a `published:` block; a case measure
with a DfE comparator carries the same block under `benchmark: {published: ...}`. The block says how to read
one EES open-data CSV, always by column name:

    published:
      file: ks2_la.csv                  # the file looked for (user folder first, then data/reference/published/)
      year_type: academic               # financial | academic | calendar (see PERIODS below)
      filters: {social_care_group: "CLA 12 months at 31 March"}   # column = value, all must hold
      value_column: pt_rwm_met_expected_standard                  # the published value of an LA/region/England
      numerator_column: t_rwm_met_expected_standard               # optional counts, so councils can be summed
      denominator_column: t_rwm_eligible_pupils                   # optional: denominator count in the same row
      denominator_filters: {breakdown: "Total all ages"}          # optional: the row holding the denominator
                                                                  # (count read from denominator_column if
                                                                  # given, else from numerator_column)
      gap_compare_filters: {breakdown: "All other"}               # optional: a gap measure, value =
                                                                  # value(compare group) - value(filters group)
      multiplier: 100                                             # value = multiplier * num / den (default 100)
      period_end_month: 2                                         # calendar files only (default 12)
      shipped: false                                              # documentation: the file is not shipped
      publication / data_set / released_as / note                 # documentation only

Periods (`time_period` of the file -> end year, label, period_end):
  financial  2025   -> 2025, "2024/25", 31 March 2025 (also EES "Reporting year" files: year to 31 March)
  academic   202425 -> 2025, "2024/25", 31 August 2025 (the end of the academic year)
  calendar   2025   -> 2025, "2025", last day of `period_end_month` (NEET/participation 16-17: the
             December-February average is published as the year of the February, so period_end_month: 2,
             29 February in leap years)

Levels: geographic_level "National" -> england, "Regional" -> region, "Local authority" -> la (DfE 3-digit
code from old_la_code; a joint "940 / 941" row counts for each LA named); other levels (LAD, opportunity
areas) are ignored. A cell holding a DfE symbol (c, x, z, k, u, low, ':' ...) gives value null with the symbol
kept and its reason from pipelines.lib.benchmarks.SYMBOLS; symbols are never zero.

The trust ("trust" rows, la_code = the authority's code, data/config/authority.yaml): when the authority's own
code has a value in the file (for the demo trust, the predecessor county, to 2020/21), that value is used as
published. Otherwise, when the owning councils (authority.yaml) have rows, their numerator and denominator
counts are summed and the percentage recomputed (multiplier * sum(num) / sum(den), unrounded). When a
council's count is suppressed or missing, or the file carries no counts, the trust value is null with the
reason: percentages are never averaged. A gap measure's trust value is the difference of the two recomputed
group values.

Comparators (`comparators`, rules shared with the KPIs' in pipelines.lib.compare): the statistical neighbours
of the authority's neighbour group (authority.yaml) for the model in force at the period end
(pipelines.lib.benchmarks.neighbours: a defunct LA keeps its pre-2021 "Old SNs" list), mean of those with a
value (missing dropped, n shown, unrounded - as the DfE tool computes it), median, region (la_codes.csv
region of the authority), England, and rank/quartile of the trust value among all LAs with a value (the
trust's own councils and the authority code left out so the trust counts once).

Files are looked up first in a user folder (parameter `user_dir`, else the SCORECARD_PUBLISHED_DIR
environment variable; e.g. the `published/` folder of a drop), then in data/reference/published/ (shipped).
A missing file, or filters matching no row, gives one row for the measure with value null and the reason; a
file that lacks a column the block names raises PublishedDataError naming file, column and expected columns.
"""

from __future__ import annotations

import calendar
import math
import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from pathlib import Path
from typing import Any

import polars as pl
import yaml

from pipelines.lib import benchmarks as bm
from pipelines.lib.compare import neighbour_group, rank_direction, summarise
from pipelines.lib.config import authority
from pipelines.lib.paths import PROJECT_ROOT, REFERENCE_DIR, SQL_DIR

PUBLISHED_DIR = REFERENCE_DIR / "published"
CORE_DIR = SQL_DIR / "core"
USER_DIR_ENV = "SCORECARD_PUBLISHED_DIR"
TABLE = "core_published"

YEAR_TYPES = ("financial", "academic", "calendar")
LEVELS = {"National": "england", "Regional": "region", "Local authority": "la"}
KEY_COLUMNS = ("time_period", "geographic_level", "region_name", "old_la_code", "la_name")
REQUIRED_KEYS = ("time_period", "geographic_level")  # the others only where the file has region / LA rows
BLOCK_KEYS = {
    "file", "year_type", "filters", "value_column", "numerator_column", "denominator_column",
    "denominator_filters", "gap_compare_filters", "multiplier", "period_end_month", "shipped", "value_format",
    "publication", "data_set", "released_as", "url", "note",
}

COLUMNS = {
    "measure_id": pl.Utf8, "time_period": pl.Int32, "period_label": pl.Utf8, "period_end": pl.Date,
    "geographic_level": pl.Utf8, "la_code": pl.Utf8, "area_name": pl.Utf8, "value": pl.Float64,
    "numerator": pl.Float64, "denominator": pl.Float64, "symbol": pl.Utf8, "reason": pl.Utf8,
}


class PublishedDataError(ValueError):
    """A published file or block that cannot be read as described (names file, column, expected columns)."""


@dataclass(frozen=True)
class PublishedBlock:
    file: str
    year_type: str
    value_column: str
    filters: dict[str, str] = field(default_factory=dict)
    numerator_column: str | None = None
    denominator_column: str | None = None
    denominator_filters: dict[str, str] | None = None
    gap_compare_filters: dict[str, str] | None = None
    multiplier: float = 100.0
    period_end_month: int = 12
    shipped: bool = True
    value_format: str = "number"  # or "years_months": "01:07" (1 year 7 months) -> days

    @property
    def has_counts(self) -> bool:
        return self.numerator_column is not None and (
            self.denominator_column is not None or self.denominator_filters is not None)

    def columns(self) -> list[str]:
        """Every column the block reads, in a stable order (for the header check)."""
        cols = list(REQUIRED_KEYS) + list(self.filters)
        for extra in (self.denominator_filters or {}, self.gap_compare_filters or {}):
            cols += list(extra)
        cols += [c for c in (self.value_column, self.numerator_column, self.denominator_column) if c]
        return list(dict.fromkeys(cols))


def parse_block(raw: Mapping[str, Any], where: str) -> PublishedBlock:
    """A PublishedBlock from a card's `published:` mapping; `where` names the card in errors."""
    if not isinstance(raw, Mapping):
        raise PublishedDataError(f"{where}: the published block must be a mapping")
    unknown = sorted(set(raw) - BLOCK_KEYS)
    if unknown:
        raise PublishedDataError(f"{where}: unknown published keys {unknown}; allowed {sorted(BLOCK_KEYS)}")
    for key in ("file", "year_type", "value_column"):
        if not raw.get(key):
            raise PublishedDataError(f"{where}: the published block needs {key!r}")
    if raw["year_type"] not in YEAR_TYPES:
        raise PublishedDataError(f"{where}: year_type {raw['year_type']!r} not in {YEAR_TYPES}")

    def _filters(name: str) -> dict[str, str] | None:
        f = raw.get(name)
        if f is None:
            return None
        if not isinstance(f, Mapping):
            raise PublishedDataError(f"{where}: {name} must map column -> value")
        return {str(k): str(v) for k, v in f.items()}

    month = int(raw.get("period_end_month", 12))
    if not 1 <= month <= 12:
        raise PublishedDataError(f"{where}: period_end_month {month} is not a month")
    return PublishedBlock(
        file=str(raw["file"]), year_type=raw["year_type"], value_column=str(raw["value_column"]),
        filters=_filters("filters") or {}, numerator_column=raw.get("numerator_column"),
        denominator_column=raw.get("denominator_column"), denominator_filters=_filters("denominator_filters"),
        gap_compare_filters=_filters("gap_compare_filters"), multiplier=float(raw.get("multiplier", 100)),
        period_end_month=month, shipped=bool(raw.get("shipped", True)),
        value_format=_value_format(raw.get("value_format", "number"), where),
    )


VALUE_FORMATS = ("number", "years_months")
DAYS_PER_YEAR = 365.25


def _value_format(fmt: Any, where: str) -> str:
    if fmt not in VALUE_FORMATS:
        raise PublishedDataError(f"{where}: value_format {fmt!r} not in {VALUE_FORMATS}")
    return str(fmt)


def years_months_days(raw: str | None) -> tuple[float | None, str | None]:
    """The DfE adoption-timings "YY:MM" text as days: years * 365.25 + months * 365.25 / 12, to the whole day
    ("01:07" -> 365.25 + 7 * 30.4375 = 578.3 -> 578). A symbol or other text stays missing with its symbol."""
    text = (raw or "").strip()
    parts = text.split(":")
    if len(parts) == 2 and all(p.isdigit() for p in parts) and int(parts[1]) < 12:
        return float(round(int(parts[0]) * DAYS_PER_YEAR + int(parts[1]) * DAYS_PER_YEAR / 12)), None
    return _number(raw)


# --------------------------------------------------------------------------------------------- periods

def parse_time_period(raw: str, year_type: str, period_end_month: int = 12) -> tuple[int, str, date]:
    """(end year, label, period_end) of an EES time_period; ValueError when it does not fit the year type."""
    text = str(raw).strip()
    if year_type == "academic":
        if len(text) != 6 or not text.isdigit() or (int(text[:4]) + 1) % 100 != int(text[4:]):
            raise ValueError(f"time_period {text!r} is not an academic year like 202425")
        end = int(text[:4]) + 1
        return end, f"{text[:4]}/{text[4:]}", date(end, 8, 31)
    if len(text) != 4 or not text.isdigit():
        raise ValueError(f"time_period {text!r} is not a {year_type} year like 2025")
    year = int(text)
    if year_type == "financial":
        return year, f"{year - 1}/{year % 100:02d}", date(year, 3, 31)
    if year_type == "calendar":
        last = calendar.monthrange(year, period_end_month)[1]
        return year, str(year), date(year, period_end_month, last)
    raise ValueError(f"year_type {year_type!r} not in {YEAR_TYPES}")


# --------------------------------------------------------------------------------------------- files

def search_dirs(user_dir: Path | str | None = None) -> list[Path]:
    """Folders searched for a published file, in order: the user folder (or SCORECARD_PUBLISHED_DIR), shipped."""
    dirs = []
    chosen = user_dir if user_dir is not None else os.environ.get(USER_DIR_ENV)
    if chosen:
        dirs.append(Path(chosen))
    dirs.append(PUBLISHED_DIR)
    return dirs


def _shown(folder: Path) -> str:
    """A searched folder as the pack shows it: the shipped one relative to the project (the same on every
    machine, so packs stay byte-identical), a user folder as given."""
    try:
        return str(Path(folder).resolve().relative_to(PROJECT_ROOT))
    except ValueError:
        return str(folder)


def locate(file: str, user_dir: Path | str | None = None) -> Path | None:
    for d in search_dirs(user_dir):
        if (d / file).is_file():
            return d / file
    return None


@lru_cache(maxsize=16)
def _read_cached(path: str, mtime_ns: int, size: int) -> pl.DataFrame:
    try:
        df = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    except (pl.exceptions.ComputeError, pl.exceptions.NoDataError) as e:
        raise PublishedDataError(f"{path}: cannot be read as an EES open-data CSV ({e})") from e
    # A UTF-8 byte-order mark sticks to the first header when read lossily: strip it, and stray spaces.
    return df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})


def read_ees(path: Path) -> pl.DataFrame:
    """An EES CSV as text columns (BOM-tolerant), cached by path, modification time and size."""
    st = path.stat()
    return _read_cached(str(path), st.st_mtime_ns, st.st_size)


def check_columns(df: pl.DataFrame, block: PublishedBlock, path: Path, measure_id: str) -> None:
    """Every column the block reads must be in the file; region / LA key columns only where such rows exist
    (a national-only file, e.g. adoption stage timings, has none and needs none)."""
    levels = set(df["geographic_level"].str.strip_chars().unique().to_list()) if "geographic_level" in df.columns \
        else set(LEVELS)
    keys = list(REQUIRED_KEYS) + (["region_name"] if "Regional" in levels else []) + (
        ["old_la_code", "la_name"] if "Local authority" in levels else [])
    expected = list(dict.fromkeys(keys + block.columns()))
    missing = [c for c in expected if c not in df.columns]
    if missing:
        raise PublishedDataError(
            f"{path}: column{'s' if len(missing) > 1 else ''} {', '.join(repr(c) for c in missing)} not found "
            f"(read by {measure_id}); expected columns: {expected}; the file has: {df.columns}")


# --------------------------------------------------------------------------------------------- parsing

def _number(raw: str | None) -> tuple[float | None, str | None]:
    """(value, symbol): a number, or None with the published symbol ('' when blank)."""
    text = (raw or "").strip()
    try:
        v = float(text.replace(",", ""))
    except ValueError:
        return None, text
    if math.isnan(v):
        return None, text
    return v, None


class _NoRows(Exception):
    """Filters matched no row: carries the reason shown for the measure."""


def _filtered(df: pl.DataFrame, filters: Mapping[str, str], file: str) -> pl.DataFrame:
    for col, want in filters.items():
        hit = df.filter(pl.col(col).str.strip_chars() == want)
        if hit.height == 0:
            seen = sorted(v for v in df[col].drop_nulls().unique().to_list())
            shown = ", ".join(repr(v) for v in seen[:12]) + (" ..." if len(seen) > 12 else "")
            raise _NoRows(f"no rows in {file} with {col} = {want!r} (values there: {shown})")
        df = hit
    return df


@dataclass
class _Cell:
    value: float | None
    symbol: str | None
    num: float | None = None
    num_symbol: str | None = None
    den: float | None = None
    den_symbol: str | None = None
    area_name: str | None = None
    row: int | None = None      # 1 = first data row of the file (a joint row has one number for both LAs)


# key: (end year, level, la_code or region name or "england") -> cell; periods: end year -> (label, period_end)
_Group = dict[tuple[int, str, str], _Cell]


def _group(df: pl.DataFrame, block: PublishedBlock, filters: Mapping[str, str],
           path: Path) -> tuple[_Group, dict[int, tuple[str, date]]]:
    df = df.with_row_index("_row", offset=1)
    rows = _filtered(df, filters, path.name)
    same_row_den = block.denominator_column if block.denominator_filters is None else None
    cells, periods = _cells(rows, block, path, block.value_column, block.numerator_column, same_row_den)
    if block.denominator_filters is not None:
        # The denominator count sits in another row (e.g. breakdown "Total all ages") of the same area and year.
        den_col = block.denominator_column or block.numerator_column
        if den_col is None:
            raise PublishedDataError(f"{path}: denominator_filters need numerator_column or denominator_column")
        den_rows = _filtered(df, {**filters, **block.denominator_filters}, path.name)
        den_cells, _ = _cells(den_rows, block, path, den_col, None, None)
        for key, cell in cells.items():
            den = den_cells.get(key)
            cell.den, cell.den_symbol = (den.value, den.symbol) if den else (None, "no row")
    return cells, periods


def _cells(rows: pl.DataFrame, block: PublishedBlock, path: Path, value_col: str, num_col: str | None,
           den_col: str | None) -> tuple[_Group, dict[int, tuple[str, date]]]:
    cells: _Group = {}
    periods: dict[int, tuple[str, date]] = {}
    parsed: dict[str, tuple[int, str, date]] = {}
    cols = ["_row", *KEY_COLUMNS, value_col] + [c for c in (num_col, den_col) if c]
    for rec in rows.select(list(dict.fromkeys(cols))).iter_rows(named=True):
        level = LEVELS.get((rec["geographic_level"] or "").strip())
        if level is None:
            continue
        tp = rec["time_period"] or ""
        if tp not in parsed:
            try:
                parsed[tp] = parse_time_period(tp, block.year_type, block.period_end_month)
            except ValueError as e:
                raise PublishedDataError(f"{path}: column 'time_period', row {rec['_row']}: {e} "
                                         f"(year_type {block.year_type})") from e
        end, label, pend = parsed[tp]
        periods[end] = (label, pend)
        if level == "la":
            codes = [c.strip() for c in (rec["old_la_code"] or "").split("/") if c.strip()]
            if not codes:
                raise PublishedDataError(f"{path}: column 'old_la_code', row {rec['_row']}: "
                                         "a Local authority row without an LA code")
            keys = [(end, "la", c.zfill(3)) for c in codes]
            name = (rec["la_name"] or "").strip()
        elif level == "region":
            name = (rec["region_name"] or "").strip()
            keys = [(end, "region", name)]
        else:
            name = "England"
            keys = [(end, "england", "england")]
        value, symbol = (years_months_days if block.value_format == "years_months" else _number)(rec[value_col])
        num, num_symbol = _number(rec[num_col]) if num_col else (None, None)
        den, den_symbol = _number(rec[den_col]) if den_col else (None, None)
        for key in keys:
            if key in cells:
                raise PublishedDataError(
                    f"{path}: rows {cells[key].row} and {rec['_row']} are both {level} {key[2]} for "
                    f"{label} after the filters {dict(block.filters)}: add a filter naming the column that "
                    "tells them apart")
            cells[key] = _Cell(value, symbol, num, num_symbol, den, den_symbol, name, rec["_row"])
    return cells, periods


# --------------------------------------------------------------------------------------------- the trust

def _combine(parts: list[tuple[str, _Cell]], multiplier: float) -> tuple[_Cell, str | None]:
    """The trust cell from the councils' counts (each joint row counted once), or None value with the reason."""
    seen_rows: set[int | None] = set()
    num = den = 0.0
    for code, c in parts:
        if c.row in seen_rows and c.row is not None:
            continue  # a joint "940 / 941" return: one row for both councils
        seen_rows.add(c.row)
        for what, v, s in (("numerator", c.num, c.num_symbol), ("denominator", c.den, c.den_symbol)):
            if v is None:
                sym = s if s is not None else ""
                return _Cell(None, sym or None), (
                    f"council {code} {what} count is {sym!r} ({bm.symbol_reason(sym)}): the trust value needs "
                    "both councils' counts (percentages are not averaged)")
        num += c.num  # type: ignore[operator]
        den += c.den  # type: ignore[operator]
    if den == 0:
        return _Cell(None, None, num, None, den, None), "denominator is zero in every council"
    return _Cell(multiplier * num / den, None, num, None, den, None), None


def _trust_cell(cells: _Group, end: int, block: PublishedBlock) -> tuple[_Cell, str | None, str | None]:
    """(cell, reason, how) of the trust for one year; how says which rule gave the value."""
    auth = authority()
    own = cells.get((end, "la", auth.la_code))
    if own is not None and own.value is not None:
        return own, None, f"published for {auth.la_code}"
    codes = [c.la_code for c in auth.owning_councils]
    councils = [(c, cells.get((end, "la", c))) for c in codes]
    present = [(c, cell) for c, cell in councils if cell is not None and not (cell.value is None and
                                                                              cell.symbol == "z")]
    if present:
        absent = [c for c, cell in councils if cell is None]
        if absent:
            return _Cell(None, "no row"), f"no row for council {', '.join(absent)} in {block.file}", None
        if not block.has_counts:
            return _Cell(None, None), (
                f"{block.file} gives percentages only (no counts) so the councils cannot be summed to the "
                "trust; see the council values"), None
        cell, reason = _combine([(c, cell) for c, cell in councils], block.multiplier)  # type: ignore[misc]
        return cell, reason, f"sum of {' + '.join(codes)} counts" if reason is None else None
    if own is not None:
        return own, bm.symbol_reason(own.symbol), None
    return _Cell(None, "no row"), f"not published for {auth.la_code} or {', '.join(codes)}", None


# --------------------------------------------------------------------------------------------- frames

def _row(measure_id: str, end: int | None, period: tuple[str, date] | None, level: str, la_code: str | None,
         area_name: str | None, cell: _Cell | None, reason: str | None,
         counts: bool = True) -> dict[str, Any]:
    value = cell.value if cell else None
    symbol = cell.symbol if cell and value is None else None
    if reason is None and value is None and cell is not None:
        reason = bm.symbol_reason(symbol)
    return {
        "measure_id": measure_id, "time_period": end, "period_label": period[0] if period else None,
        "period_end": period[1] if period else None, "geographic_level": level, "la_code": la_code,
        "area_name": area_name, "value": value,
        "numerator": cell.num if cell and counts else None, "denominator": cell.den if cell and counts else None,
        "symbol": symbol or None, "reason": reason,
    }


def _measure_row_only(measure_id: str, reason: str) -> list[dict[str, Any]]:
    auth = authority()
    return [_row(measure_id, None, None, "trust", auth.la_code, auth.name, None, reason)]


def _gap(a: _Cell | None, b: _Cell | None) -> _Cell:
    """value(b) - value(a): the compare group minus the filtered group, in percentage points."""
    if a is None or b is None:
        return _Cell(None, "no row")
    if a.value is None:
        return _Cell(None, a.symbol)
    if b.value is None:
        return _Cell(None, b.symbol)
    return _Cell(b.value - a.value, None)


def measure_frame(measure_id: str, block: PublishedBlock, user_dir: Path | str | None = None) -> pl.DataFrame:
    """Every area and year of one measure (trust, every LA, region, England), or one row saying why none."""
    path = locate(block.file, user_dir)
    if path is None:
        looked = ", ".join(_shown(d) for d in search_dirs(user_dir))
        return _frame(_measure_row_only(measure_id, f"source file {block.file} not supplied (looked in {looked})"))
    df = read_ees(path)
    check_columns(df, block, path, measure_id)
    df = df.with_columns([pl.lit(None, pl.Utf8).alias(c) for c in KEY_COLUMNS if c not in df.columns])
    try:
        cells, periods = _group(df, block, block.filters, path)
        compare = None
        if block.gap_compare_filters is not None:
            compare, more = _group(df, block, {**block.filters, **block.gap_compare_filters}, path)
            periods = {k: v for k, v in periods.items() if k in more}
    except _NoRows as e:
        return _frame(_measure_row_only(measure_id, str(e)))
    auth = authority()
    out: list[dict[str, Any]] = []
    for end in sorted(periods):
        period = periods[end]
        trust, reason, _how = _trust_cell(cells, end, block)
        if compare is not None:
            other, oreason, _ = _trust_cell(compare, end, block)
            gap = _gap(trust, other)
            reason = reason or oreason if gap.value is None else None
            out.append(_row(measure_id, end, period, "trust", auth.la_code, auth.name, gap, reason, counts=False))
        else:
            out.append(_row(measure_id, end, period, "trust", auth.la_code, auth.name, trust, reason))
        for (e, level, key), cell in sorted(cells.items(), key=lambda kv: (kv[0][1], kv[0][2])):
            if e != end:
                continue
            la_code = key if level == "la" else None
            if compare is not None:
                gap = _gap(cell, compare.get((e, level, key)))
                out.append(_row(measure_id, end, period, level, la_code, cell.area_name, gap, None, counts=False))
            else:
                out.append(_row(measure_id, end, period, level, la_code, cell.area_name, cell, None))
    return _frame(out)


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=COLUMNS, orient="row") if rows else pl.DataFrame(schema=COLUMNS)


# --------------------------------------------------------------------------------------------- cards

def _card_raw(card: Any) -> dict[str, Any]:
    if isinstance(card, Mapping):
        return dict(card)
    raw = getattr(card, "raw", None)
    if isinstance(raw, Mapping):
        return dict(raw)
    if isinstance(card, (str, Path)):
        return yaml.safe_load(Path(card).read_text())
    raise TypeError(f"not a measure card: {card!r}")


def benchmark_block(card: Any) -> PublishedBlock | None:
    """The `benchmark: {published: ...}` block of a case (or kpi) measure card, None when it has none."""
    raw = _card_raw(card)
    bench = raw.get("benchmark") or {}
    pub = bench.get("published") if isinstance(bench, Mapping) else None
    return parse_block(pub, f"{raw.get('id')} benchmark.published") if pub else None


def block_for(card: Any) -> PublishedBlock | None:
    """The published block of a published measure, or the benchmark.published block of any other card."""
    raw = _card_raw(card)
    if raw.get("source") == "published":
        return parse_block(raw.get("published"), f"{raw.get('id')} published")
    return benchmark_block(raw)


def published_cards(card_dir: Path = CORE_DIR) -> list[dict[str, Any]]:
    """Raw published measure cards (`source: published`) in card_dir, by id."""
    out = []
    for p in sorted(card_dir.glob("*.yaml")):
        raw = yaml.safe_load(p.read_text()) or {}
        if raw.get("source") == "published":
            out.append(raw)
    return sorted(out, key=lambda r: r["id"])


def cards_with_published(card_dir: Path = CORE_DIR) -> list[dict[str, Any]]:
    """Published measure cards and any other card with a benchmark.published block."""
    out = []
    for p in sorted(card_dir.glob("*.yaml")):
        raw = yaml.safe_load(p.read_text()) or {}
        bench = raw.get("benchmark") or {}
        if raw.get("source") == "published" or (isinstance(bench, Mapping) and bench.get("published")):
            out.append(raw)
    return sorted(out, key=lambda r: r["id"])


def published_values(con: Any | None = None, cards: Iterable[Any] | None = None,
                     user_dir: Path | str | None = None) -> pl.DataFrame:
    """Published values of the given cards (default: every card in sql/core with a published block).

    One row per measure, year and area (geographic_level trust / la / region / england), or a single trust
    row with the reason when a measure has no values (file not supplied, filters matching nothing). With a
    DuckDB connection the frame is also written to the table core_published (replaced)."""
    chosen = list(cards) if cards is not None else cards_with_published()
    frames = []
    for card in chosen:
        raw = _card_raw(card)
        block = block_for(raw)
        if block is None:
            continue
        frames.append(measure_frame(str(raw["id"]), block, user_dir))
    frame = pl.concat(frames) if frames else pl.DataFrame(schema=COLUMNS)
    if con is not None:
        con.register("_published_frame", frame.to_arrow())
        try:
            con.execute(f"CREATE OR REPLACE TABLE {TABLE} AS SELECT * FROM _published_frame")  # constant name
        finally:
            con.unregister("_published_frame")
    return frame


# --------------------------------------------------------------------------------------------- comparators

def _card_polarity(measure_id: str) -> str | None:
    for p in CORE_DIR.glob(f"{measure_id}_*.yaml"):
        raw = yaml.safe_load(p.read_text()) or {}
        if raw.get("id") == measure_id:
            return raw.get("polarity")
    return None


def comparators(frame: pl.DataFrame, measure_id: str, time_period: int, polarity: str | None = None) -> dict:
    """The authority (trust) value of one measure and year with its councils, SN mean, region and England.

    Returns trust (value, numerator, denominator, symbol, reason), councils {code: same}, model_version and
    neighbours (pipelines.lib.benchmarks.neighbours at the period end), sn_mean (unrounded), sn_n, sn_median,
    sn_missing {code: (symbol, reason)}, region and region_value, england_value, rank/quartile/rank_n of the
    trust among all LAs with a value (rank 1 = best by polarity; None when no trust value), period_label,
    period_end. polarity defaults to the card's (target_band ranks without judgement, highest first)."""
    f = frame.filter(pl.col("measure_id") == measure_id, pl.col("time_period") == time_period)
    if f.height == 0:
        raise KeyError(f"no published values for {measure_id} in {time_period}")
    auth = authority()
    pol = polarity if polarity is not None else _card_polarity(measure_id)
    pol = pol if pol in ("high", "low") else None

    def _pick(row: dict[str, Any]) -> dict[str, Any]:
        return {k: row[k] for k in ("value", "numerator", "denominator", "symbol", "reason")}

    trust_rows = f.filter(pl.col("geographic_level") == "trust").to_dicts()
    trust = _pick(trust_rows[0]) if trust_rows else {"value": None, "numerator": None, "denominator": None,
                                                     "symbol": "no row", "reason": "no trust row"}
    la = {r["la_code"]: r for r in f.filter(pl.col("geographic_level") == "la").to_dicts()}
    councils = {}
    for c in auth.owning_councils:
        councils[c.la_code] = _pick(la[c.la_code]) if c.la_code in la else {
            "value": None, "numerator": None, "denominator": None, "symbol": "no row",
            "reason": bm.symbol_reason("no row")}
    period_end = f["period_end"][0]
    # one rule set with the KPI comparators (pipelines.lib.compare.summarise): the trust's neighbour group's
    # list at the period end, mean of those with a value, the trust ranked once (its code and councils out)
    lookup = {code: (r["value"], None if r["value"] is not None else (r["symbol"] or ""))
              for code, r in la.items()}
    s = summarise(lookup, neighbour_group(auth), period_end, trust["value"],
                  [auth.la_code, *councils], pol)
    region = bm.region_of(auth.la_code)
    regions = {r["area_name"]: r for r in f.filter(pl.col("geographic_level") == "region").to_dicts()}
    reg = regions.get(region) or (regions.get("London") if region in ("Inner London", "Outer London") else None)
    eng = f.filter(pl.col("geographic_level") == "england").to_dicts()
    model, sns, sn_missing = s.model_version, list(s.neighbours), s.sn_missing
    rank, quartile = s.rank, s.quartile
    rank_n = s.rank_n if trust["value"] is not None else None
    return {
        "measure_id": measure_id, "time_period": time_period, "period_label": f["period_label"][0],
        "period_end": period_end, "la_code": auth.la_code, "trust": trust, "councils": councils,
        "model_version": model, "neighbours": sns,
        "sn_mean": s.sn_mean, "sn_n": s.sn_n, "sn_median": s.sn_median, "sn_missing": sn_missing,
        "region": region, "region_value": reg["value"] if reg else None,
        "england_value": eng[0]["value"] if eng else None,
        "rank": rank, "quartile": quartile, "rank_n": rank_n,
        "rank_direction": rank_direction(pol),
    }


def trust_series(frame: pl.DataFrame, measure_id: str, as_at: date, years: int = 5) -> list[dict[str, Any]]:
    """The trust rows of the last `years` published periods ending on or before as_at (oldest first).

    A measure without values (file not supplied, ...) gives its single reason row (time_period None)."""
    f = frame.filter(pl.col("measure_id") == measure_id, pl.col("geographic_level") == "trust")
    dated = f.filter(pl.col("period_end").is_not_null())
    if dated.height == 0:
        return f.to_dicts()
    return dated.filter(pl.col("period_end") <= as_at).sort("time_period").tail(years).to_dicts()


def latest_period(frame: pl.DataFrame, measure_id: str) -> int | None:
    """The latest time_period with a trust value for the measure."""
    t = frame.filter(pl.col("measure_id") == measure_id, pl.col("geographic_level") == "trust",
                     pl.col("value").is_not_null())
    return int(t["time_period"].max()) if t.height else None
