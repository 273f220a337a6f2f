"""One comparison record per KPI (or published measure) and period: the trust against its DfE comparators.

Every pack, the workbook and the comparators CSV read a `Comparison`; the two builders that used to compute
comparators apart (the KPI cards' DfE measures, pipelines.lib.benchmarks.comparators, and the core data set's
published measures, pipelines.lib.core.published.comparators) both go through `summarise` here.

Rules (README "Scorecard rules and benchmarks"):
  * Neighbours: the DfE statistical-neighbour list of the authority's comparator group (authority.yaml
    `neighbour_group`, default its own code) in the model in force at the period end compared
    (pipelines.lib.benchmarks.neighbours). Mean = the plain mean of the neighbours that have a value, missing
    ones dropped and n shown (as the DfE tool computes it); median alike. Never weighted by size.
  * A composite measure (a card's `benchmark.components`, e.g. KPI21 adopted + SGO + CAO) is built per area
    from COUNTS: the components' counts summed, the percentage recomputed (100 * sum / denominator); an area
    missing any component or its denominator has no value (dropped from the mean, never taken as 0). The
    neighbour mean is then the mean of the neighbours' recomputed percentages.
  * Trust value compared: the authority's own published figure for the year compared (its own code's;
    else one joint return of all its councils; else, for a composite, its councils' summed counts); without
    one, the trust's own published KPI value at the comparable month end (PackData.trust_value_at). Rank and
    quartile are of the published figure only.
  * Position: the trust value compared against the SN mean, by polarity: "in line with" when within
    IN_LINE_RELATIVE (5 %) of the mean, relative to it (a card may set `benchmark.in_line_relative`);
    otherwise "better than" / "worse than". None when the comparator is contextual (another unit or
    population), the polarity is not high/low, or a value is missing.
  * Quartile: 1..4 = ceil(4 * rank / n) among all LAs with a value, rank 1 = best by polarity; the DfE letter
    A (best quarter) .. D (worst) when the polarity is known.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any, Literal

import polars as pl

from pipelines.lib import benchmarks as bm
from pipelines.lib.config import Authority, authority

Position = Literal["better than", "in line with", "worse than"]
IN_LINE_RELATIVE = 0.05  # within 5 % of the SN mean (relative to it) is "in line with"

MODEL_NAMES = {
    "pre_2021": "DfE statistical neighbours, pre-2021 model (Old SNs)",
    "april_2021": "DfE statistical neighbours, April 2021 model",
    "may_2025": "DfE statistical neighbours, May 2025 model",
}
QUARTILE_LETTERS = {1: "A", 2: "B", 3: "C", 4: "D"}
# the keys a KPI card's `benchmark:` block may hold (a misspelt `contextual` would silently draw a contextual
# comparator on the KPI's axis: tests check every card against this)
BENCHMARK_KEYS = frozenset({"lait_short_desc", "ees_file", "ees_column", "note", "components", "contextual",
                            "in_line_relative", "published"})


@dataclass(frozen=True)
class CouncilValue:
    """One owning council's own published figure (from 2021 each council publishes its own)."""
    la_code: str
    name: str
    value: float | None
    symbol: str | None = None  # the DfE symbol when the value is missing ("no row" when not published)


@dataclass(frozen=True)
class Comparison:
    """The trust against its DfE comparators for one KPI (or published measure) and published year."""
    kpi_id: str
    measure: str                   # the DfE measure (LAIT short description, EES column, or the components)
    measure_label: str             # what the DfE figure counts, in words
    source: str                    # lait | ees:<file> | published file
    year_compared: int             # published year (financial-year end, or the 30 September year)
    period_label: str              # "2024/25" or "September 2024"
    as_at: date                    # the date the published year refers to (31 March / 30 September / ...)
    comparable_month: str          # the month of the trust's own series strictly comparable with it
    la_code: str                   # the authority's DfE code (authority.yaml)
    la_code_used: str              # whose published figure is published_value (a code, "940/941", "940+941")
    published_value: float | None  # the authority's own published figure for the year compared (ranked)
    trust_value_compared: float | None  # published_value, else the trust's KPI value at the comparable month
    trust_value_how: str           # why that figure: "published for 928", "sum of 940 + 941 counts", ...
    neighbour_mean: float | None
    neighbour_n: int
    neighbour_median: float | None
    neighbours: tuple[str, ...]
    neighbour_missing: Mapping[str, tuple[str, str]]
    region: str | None
    region_value: float | None
    england: float | None
    rank: int | None
    rank_n: int | None
    quartile: int | None
    quartile_letter: str | None
    rank_direction: str
    model_version: str             # pre_2021 | april_2021 | may_2025
    model: str                     # e.g. "DfE statistical neighbours, April 2021 model"
    group: tuple[str, str]         # (LA code whose neighbour list is used, its name)
    contextual: bool
    contextual_note: str
    position: Position | None
    position_band: float           # the relative in-line band used
    polarity: str | None
    councils: tuple[CouncilValue, ...] = ()
    note: str = ""
    missing: Mapping[str, tuple[str, str]] = field(default_factory=dict)
    plan_name: str = ""                # authority.yaml plan_comparators: the trust plan's comparator group
    plan_codes: tuple[str, ...] = ()
    plan_mean: float | None = None     # plain mean of the group's published figures (those with a value)
    plan_n: int = 0

    def legacy(self) -> dict[str, Any]:
        """The dict the packs' templates read before the Comparison (kept until they read the record)."""
        return {"measure": self.measure, "source": self.source, "year": self.year_compared, "la_code": self.la_code,
                "la_code_used": self.la_code_used, "la_value": self.published_value,
                "model_version": self.model_version, "neighbours": list(self.neighbours),
                "sn_mean": self.neighbour_mean, "sn_n": self.neighbour_n, "sn_median": self.neighbour_median,
                "region": self.region, "region_value": self.region_value, "england_value": self.england,
                "rank": self.rank, "quartile": self.quartile, "rank_n": self.rank_n,
                "rank_direction": self.rank_direction, "missing": dict(self.missing), "as_at": self.as_at,
                "comparable_month": self.comparable_month, "note": self.note, "contextual": self.contextual,
                "position": self.position, "quartile_letter": self.quartile_letter, "model": self.model,
                "group": self.group}

    def council_values(self) -> list[tuple[str, str, float | None]]:
        return [(c.la_code, c.name, c.value) for c in self.councils]

    def as_row(self) -> dict[str, Any]:
        """A flat row for the Summary sheet and the comparators CSV (no child-level data: DfE published figures)."""
        row: dict[str, Any] = {
            "kpi_id": self.kpi_id, "comparator_measure": self.measure, "comparator_label": self.measure_label,
            "comparator_source": self.source, "year_compared": self.period_label, "as_at": self.as_at,
            "trust_value_compared": self.trust_value_compared, "trust_value_how": self.trust_value_how,
            "sn_mean": self.neighbour_mean, "sn_n": self.neighbour_n, "sn_median": self.neighbour_median,
            "region": self.region, "region_value": self.region_value, "england": self.england,
            "rank": self.rank, "rank_n": self.rank_n, "quartile": self.quartile_letter,
            "position": self.position, "contextual": self.contextual, "sn_model": self.model,
            "sn_group": f"{self.group[1]} ({self.group[0]})", "neighbours": " ".join(self.neighbours),
            "contextual_note": self.contextual_note or None,
        }
        row["councils"] = "; ".join(
            f"{c.name} ({c.la_code}): " + ("not published" if c.value is None else f"{c.value:g}")
            for c in self.councils)
        return row


# --------------------------------------------------------------------------------------------- rules

def position_of(value: float | None, mean: float | None, polarity: str | None,
                band: float = IN_LINE_RELATIVE) -> Position | None:
    """"better than" / "in line with" / "worse than" the mean, by polarity; in line within `band` of the mean
    (relative: |value - mean| <= band * |mean|). None without both values or without a high/low polarity."""
    if value is None or mean is None or polarity not in ("high", "low"):
        return None
    if abs(value - mean) <= band * abs(mean):
        return "in line with"
    higher = value > mean
    return "better than" if higher == (polarity == "high") else "worse than"


def quartile_letter(quartile: int | None, polarity: str | None) -> str | None:
    """DfE quartile banding: A = the best quarter by polarity .. D = the worst; none without a polarity."""
    return QUARTILE_LETTERS.get(quartile) if quartile is not None and polarity in ("high", "low") else None


def rank_direction(polarity: str | None) -> str:
    return "rank 1 = " + ("lowest value (low is good)" if polarity == "low"
                          else "highest value" + (" (high is good)" if polarity == "high" else ""))


@lru_cache(maxsize=1)
def _la_names() -> dict[str, str]:
    codes = pl.read_csv(bm.REFERENCE_DIR / "la_codes.csv", infer_schema_length=0)
    return dict(zip(codes["la_code"], codes["la_name"], strict=True))


def la_name(la_code: str) -> str:
    return _la_names().get(la_code, la_code)


@dataclass(frozen=True)
class Summary:
    """What both builders share: neighbours, their mean/median/n, and the rank of the authority's value."""
    model_version: str
    neighbours: tuple[str, ...]
    group: str
    sn_mean: float | None
    sn_n: int
    sn_median: float | None
    sn_missing: dict[str, tuple[str, str]]
    rank: int | None
    quartile: int | None
    rank_n: int


def summarise(la: Mapping[str, tuple[float | None, str | None]], group: str, period_end: date,
              own_value: float | None, left_out: Sequence[str], polarity: str | None,
              joint: Mapping[str, str] | None = None) -> Summary:
    """Neighbours of `group` at period_end, their mean (missing dropped, n shown), median, and the rank of
    own_value among every LA with a value.

    la maps LA code -> (value, symbol). The authority is ranked once: the codes in left_out (its own code and
    its councils) and their joint-return partners are taken out and own_value put in their place; any other
    joint return ("940 / 941" style, joint maps a code to its partner) counts once, under the lower code."""
    joint = joint or {}
    model, sns = bm.neighbours(group, period_end)
    vals, missing = [], {}
    for code in sns:
        v, s = la.get(code, (None, "no row"))
        if v is None or (isinstance(v, float) and math.isnan(v)):
            sym = s if s is not None else ""
            missing[code] = (sym, bm.symbol_reason(sym))
        else:
            vals.append(v)
    out = set(left_out) | {joint[c] for c in left_out if c in joint}
    ranked: dict[str, float] = {}
    for code, (v, _s) in la.items():
        if v is None or code in out or (code in joint and joint[code] < code):
            continue
        ranked[code] = v
    rank = quartile = None
    if own_value is not None:
        ranked[" own"] = own_value  # a key no LA code can be
        rank, quartile, _ = bm.rank_and_quartile(ranked, " own", polarity)
    return Summary(model, tuple(sns), group, statistics.fmean(vals) if vals else None, len(vals),
                   statistics.median(vals) if vals else None, missing, rank, quartile, len(ranked))


def plan_mean(la: Mapping[str, tuple[float | None, str | None]], codes: Sequence[str]) -> tuple[float | None, int]:
    """(mean, n) of the plan comparator group's published figures: the plain mean of the LAs with a value,
    missing ones dropped and n shown (the same rule as the statistical neighbours' mean)."""
    vals = [v for c in codes if (v := la.get(c, (None, None))[0]) is not None
            and not (isinstance(v, float) and math.isnan(v))]
    return (statistics.fmean(vals) if vals else None), len(vals)


# --------------------------------------------------------------------------------------------- components

@dataclass(frozen=True)
class Component:
    measure: str
    percent_of_denominator: bool = False  # published as a % of the denominator only: count = % x den / 100


@dataclass(frozen=True)
class Components:
    """A card's `benchmark.components`: counts summed per area, then the percentage recomputed."""
    numerators: tuple[Component, ...]
    denominator: str
    label: str
    source: str = "lait"
    multiplier: float = 100.0

    @property
    def measure(self) -> str:
        return " + ".join(c.measure for c in self.numerators) + f" / {self.denominator}"


def parse_components(raw: Mapping[str, Any] | None) -> Components | None:
    if not raw:
        return None
    nums = []
    for n in raw["numerators"]:
        n = {"measure": n} if isinstance(n, str) else n
        nums.append(Component(str(n["measure"]), bool(n.get("percent_of_denominator", False))))
    return Components(tuple(nums), str(raw["denominator"]), str(raw.get("label") or ""),
                      str(raw.get("source", "lait")), float(raw.get("multiplier", 100)))


def _key(r: Mapping[str, Any]) -> tuple[str, str | None, str | None]:
    return r["geographic_level"], r["la_code"], r["region"]


def component_rows(comp: Components, year: int, values: pl.DataFrame | None = None) -> pl.DataFrame:
    """The composite measure per area for one year, in benchmark_values' shape (value null + symbol when any
    component or the denominator is missing; never a zero for a missing part). Counts are summed, then
    multiplier * sum / denominator; percentages are never added or averaged."""
    v = (bm.load_values() if values is None else values).filter(
        pl.col("time_period") == year, pl.col("source") == comp.source,
        pl.col("measure").is_in([c.measure for c in comp.numerators] + [comp.denominator]))
    parts: dict[tuple, dict[str, tuple[float | None, str | None]]] = {}
    joint: dict[tuple, str | None] = {}
    for r in v.to_dicts():
        parts.setdefault(_key(r), {})[r["measure"]] = (r["value"], r["symbol"])
        joint[_key(r)] = joint.get(_key(r)) or r["joint_with"]
    rows = []
    for key, got in parts.items():
        den, den_sym = got.get(comp.denominator, (None, "no row"))
        total, sym = 0.0, None
        if den is None:
            sym = den_sym if den_sym is not None else ""
        for c in comp.numerators:
            x, s = got.get(c.measure, (None, "no row"))
            if x is None:
                sym = sym if sym is not None else (s if s is not None else "")
                continue
            total += x * den / 100 if c.percent_of_denominator and den is not None else x
        value = None if sym is not None or not den else comp.multiplier * total / den
        if sym is None and not den:
            sym = "z"  # nobody ceased: no percentage
        rows.append({"source": comp.source, "measure": comp.measure, "time_period": year,
                     "geographic_level": key[0], "la_code": key[1], "region": key[2],
                     "value": value, "symbol": None if value is not None else sym, "joint_with": joint[key]})
    schema = {"source": pl.Utf8, "measure": pl.Utf8, "time_period": pl.Int32, "geographic_level": pl.Utf8,
              "la_code": pl.Utf8, "region": pl.Utf8, "value": pl.Float64, "symbol": pl.Utf8, "joint_with": pl.Utf8}
    return pl.DataFrame(rows, schema=schema, orient="row").sort("geographic_level", "la_code", "region",
                                                                nulls_last=True)


# --------------------------------------------------------------------------------------------- KPI builder

def _benchmark(card: Any) -> dict[str, Any]:
    raw = getattr(card, "raw", card)
    return dict(raw.get("benchmark") or {})


def is_contextual(card: Any) -> bool:
    """The card says its DfE measure is another unit or population (`benchmark.contextual: true`)."""
    return bool(_benchmark(card).get("contextual"))


def _polarity(card: Any) -> str | None:
    p = getattr(card, "polarity", None) or getattr(card, "raw", card).get("polarity")
    return p if p in ("high", "low") else None


def _period_label(measure: str, year: int) -> str:
    return f"September {year}" if bm.is_september_measure(measure) else f"{year - 1}/{year % 100:02d}"


TrustAt = Callable[[date], "tuple[float | None, str] | None"]


def kpi_comparison(card: Any, period_end: date, auth: Authority | None = None,
                   values: pl.DataFrame | None = None, trust_at: TrustAt | None = None) -> Comparison | None:
    """The card's DfE comparison for the latest published year on or before period_end (None when the card
    names no DfE measure with published values). Uses `benchmark.components` when the card has them, else
    lait_short_desc, then ees_column (the first with a year on or before the period end).

    trust_at(as_at) may give the trust's own KPI value at the comparable month end (value, how): it is the
    value compared (position) when the authority has no published figure of its own for that year."""
    auth = auth or authority()
    b = _benchmark(card)
    values = bm.load_values() if values is None else values
    comps = parse_components(b.get("components"))
    candidates: list[tuple[str, Components | None]] = []
    if comps is not None:
        candidates.append((comps.measure, comps))
    candidates += [(m, None) for m in (b.get("lait_short_desc"), b.get("ees_column")) if m and comps is None]
    for measure, comp in candidates:
        if comp is not None:
            years = values.filter(pl.col("source") == comp.source, pl.col("measure") == comp.denominator)
            timing = comp.denominator
        else:
            years = values.filter(pl.col("measure") == measure)
            if years["source"].n_unique() > 1:
                continue
            timing = measure
        ok = sorted(y for y in years["time_period"].unique().to_list() if bm.period_end_for(timing, y) <= period_end)
        if not ok:
            continue
        year = ok[-1]
        rows = component_rows(comp, year, values) if comp is not None else values.filter(
            pl.col("measure") == measure, pl.col("time_period") == year)
        fallback = trust_at(bm.period_end_for(timing, year)) if trust_at is not None else None
        return comparison_from_rows(card, rows, year, auth, timing=timing,
                                    label=comp.label if comp is not None else "", fallback=fallback,
                                    values=values)
    return None


def _la_lookup(rows: pl.DataFrame) -> tuple[dict[str, tuple[float | None, str | None]], dict[str, str]]:
    la = rows.filter(pl.col("geographic_level") == "la")
    lookup: dict[str, tuple[float | None, str | None]] = {}
    joint: dict[str, str] = {}
    for c, v, s, j in zip(la["la_code"], la["value"], la["symbol"], la["joint_with"], strict=True):
        gone = v is None or (isinstance(v, float) and math.isnan(v))
        lookup[c] = (None, s if s is not None else "") if gone else (v, None)
        if j:
            joint[c] = j
    return lookup, joint


def _geo(rows: pl.DataFrame, level: str, region: str | None = None) -> tuple[float | None, str | None]:
    g = rows.filter(pl.col("geographic_level") == level)
    if region is not None:
        g = g.filter(pl.col("region") == region)
    if g.height == 0:
        return None, "no row"
    v, s = g["value"][0], g["symbol"][0]
    return (v, None) if v is not None else (None, s or "")


def authority_value(lookup: Mapping[str, tuple[float | None, str | None]], joint: Mapping[str, str],
                    auth: Authority) -> tuple[float | None, str | None, str, str]:
    """(value, symbol, la_code_used, how) of the authority in one published year's LA rows.

    Its own code's value when published (e.g. the predecessor council to 2021); else one joint return covering
    every owning council; else None (councils publishing apart, with percentages only, cannot be combined:
    percentages are never averaged - a composite measure sums their counts instead, see trust_from_counts)."""
    own, sym = lookup.get(auth.la_code, (None, "no row"))
    if own is not None:
        return own, None, auth.la_code, f"published for {auth.la_code}"
    codes = [c.la_code for c in auth.owning_councils if c.la_code != auth.la_code]
    if codes:
        first = lookup.get(codes[0], (None, "no row"))[0]
        partners = {codes[0]} | {joint[codes[0]]} if codes[0] in joint else {codes[0]}
        if first is not None and set(codes) <= partners:
            return first, None, "/".join(codes), f"joint return of {' and '.join(codes)}"
    return None, sym, auth.la_code, "not published for the authority"


def comparison_from_rows(card: Any, rows: pl.DataFrame, year: int, auth: Authority | None = None,
                         timing: str | None = None, label: str = "",
                         fallback: tuple[float | None, str] | None = None,
                         values: pl.DataFrame | None = None) -> Comparison:
    """The Comparison for one year's rows in benchmark_values' shape (one measure). The authority's published
    figure is ranked and compared; without one, `fallback` (the trust's own KPI value, how) is compared."""
    auth = auth or authority()
    b = _benchmark(card)
    measure = rows["measure"][0] if rows.height else str(timing)
    timing = timing or measure
    pol = _polarity(card)
    lookup, joint = _la_lookup(rows)
    value, sym, used, how = authority_value(lookup, joint, auth)
    if value is None and b.get("components"):
        value, used, how = trust_from_counts(card, year, auth, values)
    compared, compared_how = value, how
    if value is None and fallback is not None and fallback[0] is not None:
        compared, compared_how = fallback
    missing: dict[str, tuple[str, str]] = {}
    if value is None:
        missing["la"] = (sym or "", bm.symbol_reason(sym))
    group = neighbour_group(auth)
    as_at = bm.period_end_for(timing, year)
    # the authority is ranked once (its code and councils taken out) when it has a figure of its own
    s = summarise(lookup, group, as_at, value,
                  [auth.la_code, *(c.la_code for c in auth.owning_councils)] if value is not None else [], pol, joint)
    region = bm.region_of(group)
    region_value, rsym = _geo(rows, "region", region) if region else (None, "no row")
    if region_value is None and region in ("Inner London", "Outer London"):
        region_value, rsym = _geo(rows, "region", "London")
    if region_value is None:
        missing["region"] = (rsym or "", bm.symbol_reason(rsym))
    england, esym = _geo(rows, "england")
    if england is None:
        missing["england"] = (esym or "", bm.symbol_reason(esym))
    missing.update(s.sn_missing)
    contextual = is_contextual(card)
    band = float(b.get("in_line_relative", IN_LINE_RELATIVE))
    councils = tuple(CouncilValue(c.la_code, c.name, *lookup.get(c.la_code, (None, "no row")))
                     for c in auth.owning_councils)
    note = " ".join(str(b.get("note") or "").split())
    p_mean, p_n = plan_mean(lookup, auth.plan_group)
    return Comparison(
        kpi_id=str(getattr(card, "id", None) or getattr(card, "raw", card).get("id")), measure=measure,
        measure_label=label or _measure_label(measure), source=rows["source"][0] if rows.height else "",
        year_compared=year, period_label=_period_label(timing, year), as_at=as_at,
        comparable_month="September" if bm.is_september_measure(timing) else "March",
        la_code=auth.la_code, la_code_used=used, published_value=value, trust_value_compared=compared,
        trust_value_how=compared_how,
        neighbour_mean=s.sn_mean, neighbour_n=s.sn_n, neighbour_median=s.sn_median, neighbours=s.neighbours,
        neighbour_missing=s.sn_missing, region=region, region_value=region_value, england=england,
        rank=s.rank, rank_n=s.rank_n, quartile=s.quartile, quartile_letter=quartile_letter(s.quartile, pol),
        rank_direction=rank_direction(pol), model_version=s.model_version, model=MODEL_NAMES[s.model_version],
        group=(group, la_name(group)), contextual=contextual,
        contextual_note=note if contextual else "",
        position=None if contextual else position_of(compared, s.sn_mean, pol, band), position_band=band,
        polarity=pol, councils=councils, note=note, missing=missing, plan_name=auth.plan_group_name,
        plan_codes=auth.plan_group, plan_mean=p_mean, plan_n=p_n)


def trust_from_counts(card: Any, year: int, auth: Authority,
                      values: pl.DataFrame | None = None) -> tuple[float | None, str, str]:
    """A composite measure for the authority from its councils' summed counts (each component and the
    denominator summed over the councils, then the percentage); None when any council lacks any part."""
    comp = parse_components(_benchmark(card).get("components"))
    if comp is None:
        return None, auth.la_code, "no components"
    codes = [c.la_code for c in auth.owning_councils]
    v = (bm.load_values() if values is None else values).filter(
        pl.col("time_period") == year, pl.col("source") == comp.source,
                                pl.col("geographic_level") == "la", pl.col("la_code").is_in(codes))
    got = {(r["la_code"], r["measure"]): r["value"] for r in v.to_dicts()}
    num = den = 0.0
    for code in codes:
        d = got.get((code, comp.denominator))
        if d is None:
            return None, "+".join(codes), f"council {code} has no published {comp.denominator}"
        den += d
        for c in comp.numerators:
            x = got.get((code, c.measure))
            if x is None:
                return None, "+".join(codes), f"council {code} has no published {c.measure}"
            num += x * d / 100 if c.percent_of_denominator else x
    if den == 0:
        return None, "+".join(codes), "no children in the denominator"
    return comp.multiplier * num / den, "+".join(codes), f"sum of {' + '.join(codes)} counts"


@lru_cache(maxsize=1)
def _descriptions() -> dict[str, str]:
    d = pl.read_csv(bm.BENCHMARK_DIR / "lait_measures.csv", infer_schema_length=0)
    return dict(zip(d["measure"], d["description"], strict=True))


def _measure_label(measure: str) -> str:
    return _descriptions().get(measure, measure)


def neighbour_group(auth: Authority | None = None) -> str:
    """The LA code whose DfE neighbour list the authority is compared with (authority.yaml neighbour_group)."""
    auth = auth or authority()
    return getattr(auth, "neighbour_group", None) or auth.la_code


# --------------------------------------------------------------------------------------------- published measures

def published_comparison(frame: pl.DataFrame, card: Any, time_period: int,
                         auth: Authority | None = None) -> Comparison:
    """The Comparison of a core-data-set published measure (or a case measure's benchmark.published block) for
    one year of pipelines.lib.core.published.published_values: the same record as the KPIs', the numbers from
    published.comparators (which shares summarise). KeyError when the frame has no such year."""
    from pipelines.lib.core import published as pb

    auth = auth or authority()
    raw = dict(getattr(card, "raw", card))
    pol = raw.get("polarity") if raw.get("polarity") in ("high", "low") else None
    c = pb.comparators(frame, str(raw["id"]), time_period, polarity=pol)
    block = pb.block_for(raw)
    b = dict(raw.get("benchmark") or {})
    contextual = bool(b.get("contextual"))
    band = float(b.get("in_line_relative", IN_LINE_RELATIVE))
    value = c["trust"]["value"]
    names = {x.la_code: x.name for x in auth.owning_councils}
    councils = tuple(CouncilValue(code, names.get(code, la_name(code)), v["value"],
                                  None if v["value"] is not None else (v["symbol"] or ""))
                     for code, v in c["councils"].items())
    missing = dict(c["sn_missing"])
    if value is None:
        missing["la"] = (c["trust"]["symbol"] or "", c["trust"]["reason"] or bm.symbol_reason(c["trust"]["symbol"]))
    group = neighbour_group(auth)
    note = " ".join(str(b.get("note") or raw.get("note") or "").split())
    return Comparison(
        kpi_id=str(raw["id"]), measure=block.value_column if block else str(raw["id"]),
        measure_label=str(raw.get("title") or raw["id"]), source=block.file if block else "",
        year_compared=time_period, period_label=str(c["period_label"]), as_at=c["period_end"],
        comparable_month=f"{c['period_end']:%B}", la_code=auth.la_code, la_code_used=auth.la_code,
        published_value=value, trust_value_compared=value,
        trust_value_how=str(c["trust"]["reason"] or "published") if value is None else "published (trust rule)",
        neighbour_mean=c["sn_mean"], neighbour_n=c["sn_n"], neighbour_median=c["sn_median"],
        neighbours=tuple(c["neighbours"]), neighbour_missing=c["sn_missing"], region=c["region"],
        region_value=c["region_value"], england=c["england_value"], rank=c["rank"], rank_n=c["rank_n"],
        quartile=c["quartile"], quartile_letter=quartile_letter(c["quartile"], pol),
        rank_direction=c["rank_direction"], model_version=c["model_version"], model=MODEL_NAMES[c["model_version"]],
        group=(group, la_name(group)), contextual=contextual, contextual_note=note if contextual else "",
        position=None if contextual else position_of(value, c["sn_mean"], pol, band), position_band=band,
        polarity=pol, councils=councils, note=note, missing=missing)
