"""DfE benchmarks: statistical neighbours (versioned) and comparators for KPIs with a DfE measure.

Plain Python over the files shipped in data/reference/benchmarks/ (built from the published DfE files by
`scorecard_tools/benchmark_build.py`, outside the runtime; nothing is fetched at run time).
See data/reference/benchmarks/README.md.

Statistical-neighbour model in force, by the end date of the period compared (`period_end`):
  * period_end <  2021-04-01              -> "pre_2021"   (the "Old SNs" lists of the pre-reorganisation LAs
                                              in the DfE April 2021 file; other LAs have no pre-2021 list
                                              shipped and fall back to "april_2021")
  * 2021-04-01 <= period_end < 2025-05-01 -> "april_2021" (DfE model published April 2021)
  * period_end >= 2025-05-01              -> "may_2025"   (DfE model published May 2025)
Financial-year measures end 31 March (2019/20 -> 2020-03-31 -> pre_2021; 2024/25 -> 2025-03-31 ->
april_2021); workforce measures are 30 September snapshots (Sept 2020 -> pre_2021; Sept 2025 -> may_2025).
An LA with a pre-2021 "Old SNs" list (sn_old_pre2021.csv: an LA abolished by a reorganisation) keeps that
list in every model, as the DfE files carry it forward in both newer workbooks.

Nothing here is about one authority: which LA the trust is, its owning councils and whose neighbour list it
uses are in data/config/authority.yaml (pipelines.lib.config.authority); pipelines.lib.compare builds the
trust's comparison record from them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import polars as pl

from pipelines.lib.paths import REFERENCE_DIR

BENCHMARK_DIR = REFERENCE_DIR / "benchmarks"

APRIL_2021_FROM = date(2021, 4, 1)
MAY_2025_FROM = date(2025, 5, 1)

MODEL_LABELS = {  # model column of statistical_neighbours.csv
    "april_2021": "DfE SN model April 2021 (incl. Old SNs rows)",
    "may_2025": "DfE SN model May 2025",
}

SYMBOLS = {
    "c": "suppressed (confidentiality)",
    "x": "not available",
    "z": "not applicable",
    "k": "rounds to zero (fewer than 0.5)",
    "u": "low reliability",
    "low": "low (below the publication threshold)",
    "-": "missing in LAIT",
    ":": "not available",
    "": "blank in the published file",
    "no row": "not published for this LA/year",
}



def symbol_reason(symbol: str | None) -> str:
    return SYMBOLS.get(symbol or "", f"published symbol {symbol!r}")


@lru_cache(maxsize=1)
def load_values(path: Path | None = None) -> pl.DataFrame:
    return pl.read_parquet(path or BENCHMARK_DIR / "benchmark_values.parquet")


@lru_cache(maxsize=1)
def _sn_table() -> pl.DataFrame:
    new = pl.read_csv(BENCHMARK_DIR / "statistical_neighbours.csv", infer_schema_length=0)
    old = pl.read_csv(BENCHMARK_DIR / "sn_old_pre2021.csv", infer_schema_length=0)
    cols = ["model", "la_code", "rank", "sn_code"]
    return pl.concat([new.select(cols), old.select(cols)]).with_columns(pl.col("rank").cast(pl.Int32))


def _model_codes(model: str, la_code: str) -> list[str]:
    t = _sn_table().filter(pl.col("model") == model, pl.col("la_code") == la_code).sort("rank")
    return t["sn_code"].to_list()


def old_sn_codes() -> frozenset[str]:
    """LAs with a pre-2021 "Old SNs" list (the foot of the DfE April 2021 file): defunct LAs that keep it."""
    t = _sn_table()
    return frozenset(t.filter(pl.col("model") == "pre_2021")["la_code"].to_list())


def model_in_force(period_end: date) -> str:
    if period_end < APRIL_2021_FROM:
        return "pre_2021"
    if period_end < MAY_2025_FROM:
        return "april_2021"
    return "may_2025"


def neighbours(la_code: str, period_end: date) -> tuple[str, list[str]]:
    """(model_version, the LA's 10 statistical neighbours in rank order) for the model in force at period_end.

    model_version is "pre_2021", "april_2021" or "may_2025"; when the LA has no list in that model the next
    best list is used and the version says which ("april_2021" for an LA without a pre-2021 list; "pre_2021"
    for a pre-reorganisation LA, one of old_sn_codes(), after 2021)."""
    la_code = str(la_code).zfill(3)
    model = model_in_force(period_end)
    if model == "pre_2021":
        codes = _model_codes("pre_2021", la_code)
        if codes:
            return "pre_2021", codes
        model = "april_2021"
    if la_code in old_sn_codes():
        # Only the Old SNs list exists for a defunct LA (the newer files repeat it).
        return "pre_2021", _model_codes("pre_2021", la_code)
    codes = _model_codes(MODEL_LABELS[model], la_code)
    if not codes:
        raise KeyError(f"no statistical neighbours for LA {la_code} in model {model}")
    return model, codes


def is_september_measure(measure: str) -> bool:
    return measure.startswith("Work_Force_") or measure in {"vacancy_rate_fte", "agency_rate_fte", "caseload_fte"}


def period_end_for(measure: str, year: int) -> date:
    """The date a published year refers to: 31 March of the financial-year end, or 30 September (workforce)."""
    return date(year, 9, 30) if is_september_measure(measure) else date(year, 3, 31)


def _rows(measure: str, year: int, source: str | None) -> pl.DataFrame:
    v = load_values().filter(pl.col("measure") == measure, pl.col("time_period") == year)
    if source is not None:
        v = v.filter(pl.col("source") == source)
    srcs = v["source"].unique().to_list()
    if len(srcs) > 1:
        raise ValueError(f"measure {measure!r} is in several sources {srcs}; pass source=")
    return v


def rank_and_quartile(values: dict[str, float], la_code: str, polarity: str | None = "high") -> tuple[int, int, int]:
    """(rank, quartile, n) of la_code among `values` (LAs with a value).

    Rank 1 = best by polarity: polarity "high" (high is good) ranks the highest value 1; "low" ranks the lowest
    value 1; None ranks the highest value 1 (no judgement). Ties share the best rank (1, 2, 2, 4).
    Quartile = ceil(4 * rank / n): 1 = best quarter, 4 = worst quarter."""
    if la_code not in values:
        raise KeyError(la_code)
    mine = values[la_code]
    low_good = (polarity or "high").lower() == "low"
    better = sum(1 for v in values.values() if (v < mine if low_good else v > mine))
    rank = better + 1
    n = len(values)
    return rank, math.ceil(4 * rank / n), n


def _region_of(la_code: str) -> str | None:
    codes = pl.read_csv(REFERENCE_DIR / "la_codes.csv", infer_schema_length=0)
    hit = codes.filter(pl.col("la_code") == la_code)
    return hit["region"][0] if hit.height else None


region_of = _region_of  # public: the region (la_codes.csv) an LA is compared with (used by core published measures)


def comparators(measure: str, la_code: str, year: int, polarity: str | None = None,
                source: str | None = None, councils: Sequence[str] | None = None) -> dict:
    """Comparators for one DfE measure, LA and published year (time_period as in benchmark_values).

    Returns la_value, sn_mean (mean of the neighbours with a value, missing dropped, as LAIT computes it;
    unrounded), sn_n, sn_median, region_value, england_value, rank/quartile/rank_n among all LAs with a value
    (see rank_and_quartile for the direction), model_version, neighbours, la_code_used, successor_values and
    missing ({"la"|"region"|"england"|<sn code>: (symbol, reason)}).

    councils: the LA's owning councils (default: the configured authority's, when la_code is its code). The
    LA's own row is used where it has a value; otherwise one joint return covering every council (e.g. a
    joint workforce return) is used; the councils' own values are reported in successor_values. The rules
    are pipelines.lib.compare's (authority_value, summarise)."""
    from pipelines.lib import compare
    from pipelines.lib.config import Authority, Council, authority

    la_code = str(la_code).zfill(3)
    rows = _rows(measure, year, source)
    if rows.height == 0:
        raise KeyError(f"no published values for {measure!r} in {year}")
    if councils is None:
        auth = authority()
        councils = [c.la_code for c in auth.owning_councils] if la_code == auth.la_code else []
    councils = [c for c in councils if c != la_code]
    lookup, joint = compare._la_lookup(rows)
    la = Authority(la_code, la_code, tuple(Council(c, "", c) for c in councils), "")
    la_value, sym, la_used, _how = compare.authority_value(lookup, joint, la)
    missing: dict[str, tuple[str, str]] = {}
    if la_value is None:
        missing["la"] = (sym, symbol_reason(sym))
    # an LA without a figure is not ranked, and every LA with one counts (joint returns once)
    s = compare.summarise(lookup, la_code, period_end_for(measure, year), la_value,
                          [la_code, *councils] if la_value is not None else [], polarity, joint)
    missing.update(s.sn_missing)
    region = _region_of(la_code)
    region_value, rsym = compare._geo(rows, "region", region) if region else (None, "no row")
    if region_value is None and region in ("Inner London", "Outer London"):
        region_value, rsym = compare._geo(rows, "region", "London")
    if region_value is None:
        missing["region"] = (rsym, symbol_reason(rsym))
    england_value, esym = compare._geo(rows, "england")
    if england_value is None:
        missing["england"] = (esym, symbol_reason(esym))
    return {
        "measure": measure, "source": rows["source"][0], "year": year, "la_code": la_code,
        "la_code_used": la_used, "la_value": la_value,
        "model_version": s.model_version, "neighbours": list(s.neighbours),
        "sn_mean": s.sn_mean, "sn_n": s.sn_n, "sn_median": s.sn_median,
        "region": region, "region_value": region_value, "england_value": england_value,
        "rank": s.rank, "quartile": s.quartile, "rank_n": s.rank_n,
        "rank_direction": compare.rank_direction((polarity or "").lower() or None),
        "successor_values": {c: lookup.get(c, (None, None))[0] for c in councils},
        "missing": missing,
    }


def latest_year(measure: str, la_code: str, source: str | None = None,
                councils: Sequence[str] | None = None) -> int | None:
    """The latest published year with a value for the LA or its owning councils (default: the configured
    authority's councils when la_code is its code)."""
    from pipelines.lib.config import authority

    v = load_values().filter(pl.col("measure") == measure, pl.col("geographic_level") == "la",
                             pl.col("value").is_not_null())
    if source is not None:
        v = v.filter(pl.col("source") == source)
    codes = [str(la_code).zfill(3)]
    if councils is None:
        auth = authority()
        councils = [c.la_code for c in auth.owning_councils] if codes[0] == auth.la_code else []
    v = v.filter(pl.col("la_code").is_in(codes + list(councils)))
    return int(v["time_period"].max()) if v.height else None


def lait_polarity(measure: str) -> str | None:
    """"high"/"low" from the LAIT data dictionary, None when not stated."""
    d = pl.read_csv(BENCHMARK_DIR / "lait_measures.csv", infer_schema_length=0).filter(pl.col("measure") == measure)
    p = d["polarity"][0].lower() if d.height and d["polarity"][0] else None
    return p if p in ("high", "low") else None
