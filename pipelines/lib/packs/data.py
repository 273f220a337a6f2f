"""The data behind the monthly packs (OCG, clinic, workbook), read from the warehouse.

Everything the templates show comes from here, so tests can check the numbers (e.g. suppression) without
parsing HTML. The rules (RAG, direction, breach, projection, suppression) are the ones in
pipelines/lib/scorecard/rules.py; nothing is re-implemented here.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import benchmarks as bm
from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard, disclosure_sets, load_cards
from pipelines.lib.no_data import NO_DATA, VALUE_KEY, short_of_history
from pipelines.lib.outputs import kpi_status_frame, kpi_values_frame
from pipelines.lib.scorecard import rules
from pipelines.lib.staging import current_drop_id

TREND_MONTHS = 13
HISTORY_MONTHS = 24
SUPPRESSION_THRESHOLD = 5

RAG_LABELS = {  # text label and shape: never colour alone
    rules.GREEN: ("●", "Green"), rules.AMBER: ("▲", "Amber"), rules.RED: ("■", "Red"),
    rules.NO_TARGET: ("○", "No target"), rules.NO_VALUE: ("◌", "No value"),
}
DIRECTION_LABELS = {"better": "⇧ better", "same": "⇨ same", "worse": "⇩ worse", "n/a": "– n/a"}
BASIS_LABELS = {"month": "month", "quarter": "quarter to date", "fytd": "financial year to date",
                "r12": "rolling 12 months", "r36": "rolling 36 months", "snapshot": "snapshot at month end"}


def month_end(d: date) -> date:
    return rules._month_end(d.year, d.month)


def shift(d: date, months: int) -> date:
    return rules._shift(month_end(d), months)


def area_names() -> dict[str, str]:
    names = {rules.TRUST: "Trust (all)", "other": "Other (outside the owning councils)",
             "unknown": "Unknown (not located)"}
    for c in authority().owning_councils:
        names[c.la_code] = f"{c.name} ({c.la_code})"
    return names


def fmt_value(x: Any, unit: str) -> str:
    """A value (float or the suppressed text) for display."""
    if x is None:
        return "–"
    if isinstance(x, str):
        if x == "c":
            return "c"
    # sums of doubles differ in their last bits between runs: 12 must never print as 12.00 in the next run
    x = round(float(x), 6)
    if unit == "percent":
        return f"{x:.1f}%"
    if unit == "days":
        return f"{x:.1f} days"
    if unit == "count":
        return f"{x:g}" if float(x).is_integer() else f"{x:.1f}"
    return f"{x:.2f}"


def fmt_count(x: Any) -> str:
    if x is None:
        return "–"
    if isinstance(x, str):
        return x
    x = round(float(x), 6)  # as in fmt_value: the same text whatever the last bits of a sum of FTEs
    return f"{int(x):,}" if x.is_integer() else f"{x:,.2f}"


def rag_label(r: str) -> dict[str, str]:
    shape, text = RAG_LABELS[r]
    return {"key": r.replace(" ", "-"), "shape": shape, "text": text}


def _num(s: str | None) -> float | None:
    return None if s is None or s == "c" else float(s)


def target_band(t: rules.Target | None, polarity: str) -> tuple[float | None, float | None, float | None]:
    """(target, band low, band high) of the Amber tolerance band, for drawing."""
    if t is None:
        return None, None, None
    tol = t.tolerance
    if polarity == "high":
        return t.target, t.target - tol, t.target
    if polarity == "low":
        return t.target, t.target, t.target + tol
    lo = tol if t.lower_tolerance is None else t.lower_tolerance
    up = tol if t.upper_tolerance is None else t.upper_tolerance
    return t.target, t.target - lo, t.target + up


def comparator(card: KpiCard, la_code: str, period_end: date) -> dict | None:
    """DfE comparators for the card's measure: the latest published year on or before the period end."""
    b = card.raw.get("benchmark") or {}
    values = bm.load_values()
    for measure in (b.get("lait_short_desc"), b.get("ees_column")):
        if not measure:
            continue
        years = values.filter(pl.col("measure") == measure)
        if years.height == 0 or years["source"].n_unique() > 1:
            continue
        ok = sorted(y for y in years["time_period"].unique().to_list() if bm.period_end_for(measure, y) <= period_end)
        if not ok:
            continue
        year = ok[-1]
        try:
            polarity = card.polarity if card.polarity != "target_band" else None
            c = bm.comparators(measure, la_code, year, polarity=polarity)
        except KeyError:
            continue
        c["as_at"] = bm.period_end_for(measure, year)
        c["comparable_month"] = "September" if bm.is_september_measure(measure) else "March"
        c["note"] = " ".join(str(b.get("note") or "").split())
        return c
    return None


class PackData:
    """Everything read once per pack: cards, values (blocked and no-data KPI-months removed), status, scorecard."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period_end: date):
        self.period_end = month_end(period_end)
        self.first = shift(self.period_end, -(HISTORY_MONTHS - 1))
        self.trend_months = [shift(self.period_end, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        self.cards = load_cards()
        self.authority = authority()
        self.status = kpi_status_frame(con, self.first, self.period_end)
        # blocked (faulty inputs) and "no data" (absent inputs) months are not published, nor used for trends,
        # directions or persistent breaches
        blocked = self.status.filter(pl.col("status").is_in(["blocked", NO_DATA])).select("kpi_id", "period_end")
        values = kpi_values_frame(con, self.first, self.period_end)
        values = values.join(blocked, on=["kpi_id", "period_end"], how="anti") if blocked.height else values
        # so are the rows (any basis) whose figure reads before a table's history (no_data.py)
        short = short_of_history(con, current_drop_id(con), values, {c.id: c for c in self.cards})
        self.values = values.join(short, on=VALUE_KEY, how="anti") if short.height else values
        self.scorecard = rules.scorecard_frame(self.values, self.cards, None, self.period_end,
                                               history_months=HISTORY_MONTHS)
        self.targets: dict[str, rules.Targets] = {}
        self.areas = area_names()
        self.con = con

    def targets_for(self, d: date) -> rules.Targets:
        fy = rules.financial_year(d)
        if fy not in self.targets:
            self.targets[fy] = rules.load_targets(fy)
        return self.targets[fy]

    def status_of(self, kpi_id: str, d: date | None = None) -> dict[str, str]:
        d = d or self.period_end
        s = self.status.filter((pl.col("kpi_id") == kpi_id) & (pl.col("period_end") == d))
        if s.height == 0:
            return {"status": "not checked", "reasons": "no data-quality status recorded for this month"}
        return {"status": s["status"][0], "reasons": s["reasons"][0] or ""}

    def published_rows(self) -> pl.DataFrame:
        """Area and team rows (no worker rows) of the trend window, suppressed for publication."""
        v = self.values.filter((pl.col("period_end") >= self.trend_months[0]) & pl.col("worker").is_null())
        return rules.suppress(v, SUPPRESSION_THRESHOLD, **disclosure_sets(load_cards()))

    def published_scorecard(self, published: pl.DataFrame | None = None) -> pl.DataFrame:
        """The scorecard as published (workbook Summary): each trust figure (this month, last month, a year
        ago) as the suppressed text of `published_rows`, 'c' when suppressed; when this month's figure is
        suppressed, whatever would reveal it (RAG, direction, projection) is left out, as in the OCG pack."""
        published = self.published_rows() if published is None else published
        trust = published.filter((pl.col("area") == rules.TRUST) & pl.col("team").is_null())
        text = {(r["kpi_id"], r["basis"], r["period_end"]): r for r in trust.to_dicts()}
        prev_month, last_year = shift(self.period_end, -1), shift(self.period_end, -12)
        hidden = ["projected_value", "projection_needed_value", "projection_needed_numerator_per_month",
                  "projection_achievable", "projection_months_used"]
        rows = []
        for r in self.scorecard.to_dicts():
            now = text.get((r["kpi_id"], r["basis"], self.period_end))
            prev = text.get((r["kpi_id"], r["basis"], prev_month))
            year = text.get((r["kpi_id"], r["basis"], last_year))
            out = {**r, "breach_months": ", ".join(f"{d:%Y-%m}" for d in r["breach_months"]),
                   "value": None if now is None else now["value"],
                   "numerator": None if now is None else now["numerator"],
                   "denominator": None if now is None else now["denominator"],
                   "previous_value": None if prev is None else prev["value"],
                   "last_year_value": None if year is None else year["value"],
                   "suppression": None if now is None else now["suppression"]}
            if now is not None and now["suppression"] is not None:
                out.update({k: None for k in hidden})
                out.update(rag=rules.NO_VALUE if r["target"] is not None else rules.NO_TARGET,
                           direction_vs_previous_month="n/a", direction_vs_last_year="n/a")
            if prev is not None and prev["suppression"] is not None:
                out["direction_vs_previous_month"] = "n/a"
            if year is not None and year["suppression"] is not None:
                out["direction_vs_last_year"] = "n/a"
            rows.append(out)
        schema = {**rules.SCORECARD_SCHEMA, "breach_months": pl.String(), "suppression": pl.String(),
                  **{c: pl.String() for c in ("value", "numerator", "denominator", "previous_value",
                                              "last_year_value")}}
        return pl.DataFrame(rows, schema=schema)

    def records(self, kpi_id: str, basis: str) -> list[dict]:
        return db.dicts(self.con, "SELECT record_id, person_id, area, team, worker, numerator, denominator, "
                        "excluded_reason FROM kpi_records WHERE kpi_id = $k AND basis = $b AND period_end = $p "
                        "ORDER BY area, team NULLS FIRST, worker NULLS FIRST, record_id, person_id",
                        {"k": kpi_id, "b": basis, "p": self.period_end})
