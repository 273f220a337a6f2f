"""Local feeds of the core data set: small monthly / termly / annual figures a service supplies.

A drop carries them as the contract table `local_feeds` (period_end, measure_id, numerator, denominator, value,
source_note; key measure_id + period_end), filled in from the templates in data/templates/local_feeds/. Which
measures a feed may carry, and what kind of figure each is, comes from the measure cards: every card in
sql/core/ with a `feed:` block (local-feed measures, and published measures with a local-feed fallback):

    feed:
      family: virtual_school        # which template (data/templates/local_feeds/<family>.csv)
      frequency: termly             # monthly | termly | annual
      value_kind: percent           # count | percent (default: percent when the card's unit is percent)
      range: {min: 0, max: 50}      # optional plausible range of the value (a warning when outside)

`local_feed_values(con)` returns the current drop's figures, the value computed as 100 * numerator /
denominator where a percentage is supplied as counts with the value left blank. The validation (GX suite
expectations/local_feeds.json and sql/checks/local_feed_*.sql) gets the card lists from `feed_parameters()`.

Decisions:
- A supplied value is kept as supplied; it is only computed when blank. The checks flag a value more than 0.1
  points from its numerator / denominator, so a kept value never disagrees with its counts by more.
- A percentage with a zero denominator and no value has no value (nothing in the denominator), not 0.
- Rows for measure ids no card knows are left out of the values (and reported by the checks).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import duckdb
import polars as pl

from pipelines.lib.kpi_cards import CardError
from pipelines.lib.measure_cards import MeasureCard, load_measures
from pipelines.lib.paths import DATA_DIR, SQL_DIR

FEED_SQL = SQL_DIR / "core" / "feeds" / "local_feed_values.sql"
TEMPLATE_DIR = DATA_DIR / "templates" / "local_feeds"
FAMILIES = ("outdoor_education", "youth_service", "early_years", "virtual_school", "schools", "participation")
FREQUENCIES = ("monthly", "termly", "annual")
VALUE_KINDS = ("count", "percent")
VALUES_SCHEMA = {
    "measure_id": pl.String(), "period_end": pl.Date(), "numerator": pl.Float64(), "denominator": pl.Float64(),
    "value": pl.Float64(), "source_note": pl.String(), "frequency": pl.String(), "family": pl.String(),
}


@dataclass(frozen=True)
class FeedMeasure:
    """What a local feed may carry for one measure (from its card's feed: block)."""

    id: str
    title: str
    family: str
    frequency: str
    value_kind: str
    low: float | None = None
    high: float | None = None


def feed_measure(card: MeasureCard) -> FeedMeasure:
    feed = card.feed or {}
    where = f"{card.card_path}: feed:"
    family, frequency = feed.get("family"), feed.get("frequency")
    kind = feed.get("value_kind") or ("percent" if card.unit == "percent" else "count")
    if family not in FAMILIES:
        raise CardError(f"{where} family {family!r} not in {FAMILIES}")
    if frequency not in FREQUENCIES:
        raise CardError(f"{where} frequency {frequency!r} not in {FREQUENCIES}")
    if kind not in VALUE_KINDS:
        raise CardError(f"{where} value_kind {kind!r} not in {VALUE_KINDS}")
    bounds = feed.get("range") or {}
    if not isinstance(bounds, dict) or set(bounds) - {"min", "max"}:
        raise CardError(f"{where} range is {{min: ..., max: ...}}, not {bounds!r}")
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None and low > high:
        raise CardError(f"{where} range min {low} is above max {high}")
    return FeedMeasure(id=card.id, title=card.title, family=family, frequency=frequency, value_kind=kind,
                       low=None if low is None else float(low), high=None if high is None else float(high))


def feed_measures(cards: tuple[MeasureCard, ...] | None = None) -> tuple[FeedMeasure, ...]:
    """Every measure a local feed may carry: the cards with a feed: block (any source)."""
    return tuple(feed_measure(c) for c in (load_measures() if cards is None else cards) if c.feed)


def feed_parameters(measures: tuple[FeedMeasure, ...] | None = None) -> dict[str, Any]:
    """The cards as bound parameters (parallel lists) for the feed SQL and the local-feed checks."""
    ms = feed_measures() if measures is None else measures
    return {
        "feed_measures": [m.id for m in ms],
        "feed_families": [m.family for m in ms],
        "feed_frequencies": [m.frequency for m in ms],
        "feed_value_kinds": [m.value_kind for m in ms],
        "percent_measures": [m.id for m in ms if m.value_kind == "percent"],
        "count_measures": [m.id for m in ms if m.value_kind == "count"],
        "range_measures": [m.id for m in ms if m.low is not None or m.high is not None],
        "range_low": [m.low for m in ms if m.low is not None or m.high is not None],
        "range_high": [m.high for m in ms if m.low is not None or m.high is not None],
    }


def local_feed_values(con: duckdb.DuckDBPyConnection, measures: tuple[FeedMeasure, ...] | None = None
                      ) -> pl.DataFrame:
    """The current drop's local-feed figures, one row per measure and period_end, with each measure's
    frequency and family. Reads the bare table name `local_feeds`, as the KPI SQL does: call
    staging.use_current(con) first on the warehouse.

    Columns: measure_id, period_end, numerator, denominator, value (supplied, or 100 * numerator / denominator
    for a percentage left blank), source_note, frequency, family.
    """
    params = feed_parameters(measures)
    if not params["feed_measures"]:
        return pl.DataFrame(schema=VALUES_SCHEMA)
    bound = {k: params[k] for k in ("feed_measures", "feed_families", "feed_frequencies", "feed_value_kinds")}
    frame = con.sql(FEED_SQL.read_text(), params=bound).pl()
    return frame.select(list(VALUES_SCHEMA)).cast(VALUES_SCHEMA)
