"""The synthetic authority's local feeds: one row per local-feed measure card per month or term.

Which measures and how often come from the cards (sql/core/*.yaml with `source: local_feed`: the `feed:`
block's frequency and value kind); levels, trends and what each service supplies from params.LOCAL_FEEDS.
Each measure draws from its own random stream (seed + measure id), so adding a measure or tuning one leaves
every other measure and every other table unchanged.

A figure appears in the drop dated on or after its period_end (the service sends the month's or term's
figure with that month-end drop), so the demo's last drop carries its own month.
"""

from __future__ import annotations

import math
import random

from pipelines.lib.core.local_feeds import FeedMeasure, feed_measure
from pipelines.lib.measure_cards import load_measures

from . import params as P
from .calendar import d_, fy_of, month_end
from .model import Sim


def local_feed_measures() -> list[FeedMeasure]:
    """The cards a service supplies (published measures' fallbacks are not simulated: the published file is)."""
    return [feed_measure(c) for c in load_measures() if c.source == "local_feed"]


def period_ends(m: FeedMeasure, first_month: int, horizon: int) -> list[int]:
    """Month ends from first_month to horizon on which the measure has a figure."""
    months = {"monthly": range(1, 13), "termly": P.TERM_END_MONTHS, "annual": (P.ANNUAL_END_MONTH,)}[m.frequency]
    out = []
    pe = first_month
    while pe <= horizon:
        dd = d_(pe)
        if dd.month in months:
            out.append(pe)
        pe = month_end(dd.year + (dd.month == 12), 1 if dd.month == 12 else dd.month + 1)
    return out


def _poisson(r: random.Random, lam: float) -> int:
    """Knuth's method (small means only), from the measure's own stream."""
    if lam <= 0:
        return 0
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= r.random()
        if p <= limit:
            return k
        k += 1


def rows(sim: Sim, first_month: int) -> list[tuple[tuple, int]]:
    """(row, appear) pairs in the contract's column order: period_end, measure_id, numerator, denominator,
    value, source_note."""
    out: list[tuple[tuple, int]] = []
    for m in local_feed_measures():
        default = P.LOCAL_FEED_DEFAULT_PERCENT if m.value_kind == "percent" else P.LOCAL_FEED_DEFAULT_COUNT
        spec = P.LOCAL_FEEDS.get(m.id, default)
        r = random.Random(f"{sim.seed}:local_feeds:{m.id}")
        note = f"{spec['note']} (synthetic)"
        drift = 0.0  # AR(1) deviation of a rate, or the walk of a slowly changing count
        walk = None
        for pe in period_ends(m, first_month, sim.horizon):
            dd = d_(pe)
            years = fy_of(pe) - P.BASELINE_FY
            if m.value_kind == "percent":
                den = max(1, round(spec["denominator"] * sim.scale * (1 + r.gauss(0, 0.02))))
                drift = 0.6 * drift + r.gauss(0, spec["noise"])
                rate = min(1.0, max(0.0, spec["rate"] + spec["trend"] * years + drift))
                num = round(den * rate)
                pct = round(100.0 * num / den, 1)
                supply = spec["supply"]
                row = (pe, m.id, None if supply == "value" else float(num), None if supply == "value" else float(den),
                       None if supply == "counts" else pct, note)
            else:
                mean = spec["level"] * sim.scale * (1 + spec["trend"]) ** years
                mean *= spec.get("season", {}).get(dd.month, 1.0)
                if spec.get("covid"):
                    mean *= P.LOCAL_FEED_COVID.get((dd.year, dd.month), 1.0)
                if spec.get("walk"):
                    # schools enter and leave a category a few at a time, term by term, around the level
                    step = r.choice((-1, 0, 0, 0, 1))
                    if walk is not None and walk + step > 2 * mean + 1:
                        step = -1
                    walk = round(mean) if walk is None else max(0, walk + step)
                    count = walk
                elif mean < 30:
                    count = _poisson(r, mean)
                else:
                    count = max(0, round(mean * (1 + r.gauss(0, spec["noise"]))))
                row = (pe, m.id, None, None, float(count), note)
            out.append((row, pe))
    return out
