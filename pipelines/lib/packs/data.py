"""The data behind the monthly packs (OCG, clinic, workbook), read from the warehouse.

Everything the templates show comes from here, so tests can check the numbers (e.g. suppression) without
parsing HTML. The rules (RAG, direction, breach, projection, suppression) are the ones in
pipelines/lib/scorecard/rules.py; nothing is re-implemented here.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib import formatting as fmt
from pipelines.lib.calendar import month_end
from pipelines.lib.compare import Comparison, kpi_comparison
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


def shift(d: date, months: int) -> date:
    return rules._shift(month_end(d), months)


def area_names() -> dict[str, str]:
    names = {rules.TRUST: "Trust (all)", "other": "Other (outside the owning councils)",
             "unknown": "Unknown (not located)"}
    for c in authority().owning_councils:
        names[c.la_code] = f"{c.name} ({c.la_code})"
    return names


def fmt_value(x: Any, unit: str) -> str:
    """A value (float or the suppressed text) for display (pipelines/lib/formatting.py)."""
    return fmt.value(x, unit)


def fmt_count(x: Any) -> str:
    return fmt.count(x)


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
    """DfE comparators for the card's measure (the latest published year on or before the period end), as the
    dict the templates read; built from the Comparison record (pipelines.lib.compare)."""
    auth = authority()
    if la_code != auth.la_code:
        auth = replace(auth, la_code=la_code, owning_councils=())
    comp = kpi_comparison(card, period_end, auth)
    return None if comp is None else comp.legacy()


# The comparator columns of the workbook's Summary sheet (one KPI per row; DfE published figures, no counts
# of children): pipelines.lib.compare.Comparison flattened.
COMPARATOR_COLUMNS: dict[str, pl.DataType] = {
    "comparator_measure": pl.String(), "year_compared": pl.String(), "trust_value_compared": pl.Float64(),
    "trust_value_how": pl.String(), "sn_mean": pl.Float64(), "sn_n": pl.Int64(), "england": pl.Float64(),
    "quartile": pl.String(), "position": pl.String(), "contextual": pl.Boolean(), "sn_model": pl.String(),
    "sn_group": pl.String(),
}


def comparator_columns(comp: Comparison | None) -> dict[str, Any]:
    """The Summary sheet's comparator cells of one KPI (all empty when the KPI has no DfE comparator)."""
    if comp is None:
        return dict.fromkeys(COMPARATOR_COLUMNS)
    row = comp.as_row()
    return {k: row[k] for k in COMPARATOR_COLUMNS}


# comparators_YYYY-MM.csv: one row per KPI with a DfE comparator (published figures only: no identifiers).
COMPARATORS_CSV_SCHEMA: dict[str, pl.DataType] = {
    "kpi_id": pl.String(), "title": pl.String(), "comparator_measure": pl.String(), "comparator_label": pl.String(),
    "comparator_source": pl.String(), "year_compared": pl.String(), "as_at": pl.Date(),
    "trust_value_compared": pl.Float64(), "trust_value_how": pl.String(), "sn_mean": pl.Float64(),
    "sn_n": pl.Int64(), "sn_median": pl.Float64(), "region": pl.String(), "region_value": pl.Float64(),
    "england": pl.Float64(), "rank": pl.Int64(), "rank_n": pl.Int64(), "quartile": pl.String(),
    "position": pl.String(), "contextual": pl.Boolean(), "contextual_note": pl.String(), "sn_model": pl.String(),
    "sn_group": pl.String(), "neighbours": pl.String(), "councils": pl.String(),
}


def team_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Team id -> team name (ssd_department): breakdowns show names, never ids. Empty when not delivered."""
    for table in _latest("ssd_department"):
        try:
            rows = con.execute("SELECT dept_team_id, min(dept_team_name) FROM " + table
                               + " WHERE dept_team_id IS NOT NULL AND dept_team_name IS NOT NULL "
                               "GROUP BY dept_team_id").fetchall()
        except duckdb.Error:
            continue
        return {str(k): str(v) for k, v in rows}
    return {}


def _latest(table: str) -> tuple[str, ...]:
    """Where the latest drop's table is: the `current` schema (a pack's connection need not have it on its
    search path), else the bare name."""
    return (f"current.{table}", table)


def worker_names(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Worker id -> how the restricted clinic pack names the worker (ssd_professionals). The extract contract
    carries no personal name, so a worker reads as job title and staff number ("Social Worker, STF00012"); a
    name column, when an extract carries one (prof_professional_name), is used instead. Never in published packs."""
    for table in _latest("ssd_professionals"):
        try:
            cols = {r[0] for r in con.execute("SELECT column_name FROM (DESCRIBE " + table + ")").fetchall()}
            break
        except duckdb.Error:
            continue
    else:
        return {}
    name = "prof_professional_name" if "prof_professional_name" in cols else None
    title = "prof_professional_job_title" if "prof_professional_job_title" in cols else None
    staff = "prof_staff_id" if "prof_staff_id" in cols else None
    picked = [c for c in (name, title, staff) if c]
    if not picked:
        return {}
    rows = con.execute(f"SELECT prof_professional_id, {', '.join(f'min({c})' for c in picked)} "  # noqa: S608 (fixed column names)
                       f"FROM {table} WHERE prof_professional_id IS NOT NULL "
                       "GROUP BY prof_professional_id").fetchall()
    out = {}
    for pid, *vals in rows:
        got = dict(zip(picked, vals, strict=True))
        if name and got.get(name):
            out[str(pid)] = str(got[name])
        elif got.get(title) or got.get(staff):
            out[str(pid)] = ", ".join(str(v) for v in (got.get(title), got.get(staff)) if v)
    return out


class PackData:
    """Everything read once per pack: cards, values (blocked and no-data KPI-months removed), status, scorecard."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period_end: date, area: str | None = None):
        """area: None for the trust's pack; an owning council's LA code for that council's pack (its own area
        rows are the series ranked, RAG'd against the same contract targets and checked for breaches; its own
        published figures and statistical neighbours are its comparators)."""
        self.period_end = month_end(period_end)
        self.area = rules.TRUST if area is None else str(area)
        self.first = shift(self.period_end, -(HISTORY_MONTHS - 1))
        self.trend_months = [shift(self.period_end, -k) for k in range(TREND_MONTHS - 1, -1, -1)]
        self.cards = load_cards()
        self.authority = authority()
        # whose DfE figures and neighbours are compared: the trust's, or the council's own (KeyError: no such
        # owning council)
        self.compared = self.authority if area is None else self.authority.council(self.area)
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
                                               history_months=HISTORY_MONTHS, area=self.area)
        self.targets: dict[str, rules.Targets] = {}
        self.areas = area_names()
        self.teams = team_names(con)
        self.con = con
        self._comparisons: dict[str, Comparison | None] = {}

    def comparison(self, card: KpiCard) -> Comparison | None:
        """The card's DfE comparison (pipelines.lib.compare). Without a published figure of the authority's
        own, the trust's published headline value at the comparable month end is the value compared."""
        if card.id not in self._comparisons:
            self._comparisons[card.id] = kpi_comparison(card, self.period_end, self.compared,
                                                        trust_at=lambda d: self.trust_value_at(card, d))
        return self._comparisons[card.id]

    def comparisons(self) -> dict[str, Comparison | None]:
        """Each KPI's comparison record (None: no DfE comparator), in card order."""
        return {c.id: self.comparison(c) for c in self.cards}

    def summary_rows(self) -> list[dict[str, Any]]:
        """The scorecard rows (one per KPI) with the KPI's Comparison record under "comparison"."""
        comps = self.comparisons()
        return [{**r, "comparison": comps.get(r["kpi_id"])} for r in self.scorecard.to_dicts()]

    def comparators_frame(self) -> pl.DataFrame:
        """comparators_YYYY-MM.csv: every KPI with a DfE comparator, as data (DfE published figures only)."""
        rows = []
        for card in self.cards:
            comp = self.comparison(card)
            if comp is not None:
                rows.append({"kpi_id": card.id, "title": card.title,
                             **{k: v for k, v in comp.as_row().items() if k in COMPARATORS_CSV_SCHEMA}})
        return pl.DataFrame(rows, schema=COMPARATORS_CSV_SCHEMA, orient="row")

    def trust_value_at(self, card: KpiCard, d: date) -> tuple[float | None, str] | None:
        """The trust's headline value of the month ending d as published (None when suppressed, blocked or
        absent): the trust's own figure compared with the neighbours."""
        d = month_end(d)
        rows = self.values.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                                  & (pl.col("area") == self.area) & pl.col("team").is_null()
                                  & pl.col("worker").is_null() & (pl.col("period_end") == d))
        if rows.height == 0 or rows["value"][0] is None:
            return None
        shown = rules.suppress(rows, SUPPRESSION_THRESHOLD)
        if self.area != rules.TRUST:
            # a council's figure may be hidden by secondary suppression (trust = sum of councils): judged over
            # the month's every area and team row, as published_rows does
            month = self.values.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                                       & (pl.col("period_end") == d) & pl.col("worker").is_null())
            shown = rules.suppress(month, SUPPRESSION_THRESHOLD, **disclosure_sets(self.cards)).filter(
                (pl.col("area") == self.area) & pl.col("team").is_null())
        if shown["suppression"][0] is not None:
            return None
        whose = "trust" if self.area == rules.TRUST else "council"
        how = f"{whose} KPI value, {BASIS_LABELS[card.headline_basis]} to {d:%B %Y} (no published figure of its own)"
        return float(rows["value"][0]), how

    def team_name(self, team: str | None) -> str:
        return "" if team is None else self.teams.get(team, team)

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
        """Area and team rows (no worker rows) of the trend window, suppressed for publication. Always every
        area's and team's rows, suppressed together (secondary suppression is settled over trust = sum of
        councils): a council's pack picks its rows from these, so a figure hidden in the trust's pack is hidden
        in the council's too."""
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
        cards = {c.id: c for c in self.cards}
        for r in self.scorecard.to_dicts():
            now = text.get((r["kpi_id"], r["basis"], self.period_end))
            prev = text.get((r["kpi_id"], r["basis"], prev_month))
            # the month-on-month direction may read the in-month series: a suppressed month hides it too
            d_now = text.get((r["kpi_id"], r["direction_basis"], self.period_end))
            d_prev = text.get((r["kpi_id"], r["direction_basis"], prev_month))
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
            if any(x is not None and x["suppression"] is not None for x in (prev, d_now, d_prev)):
                out["direction_vs_previous_month"] = "n/a"
            if year is not None and year["suppression"] is not None:
                out["direction_vs_last_year"] = "n/a"
            card = cards.get(r["kpi_id"])
            out.update(comparator_columns(None if card is None else self.comparison(card)))
            rows.append(out)
        schema = {**rules.SCORECARD_SCHEMA, "breach_months": pl.String(), "suppression": pl.String(),
                  **{c: pl.String() for c in ("value", "numerator", "denominator", "previous_value",
                                              "last_year_value")}, **COMPARATOR_COLUMNS}
        return pl.DataFrame(rows, schema=schema)

    def records(self, kpi_id: str, basis: str) -> list[dict]:
        return db.dicts(self.con, "SELECT record_id, person_id, area, team, worker, numerator, denominator, "
                        "excluded_reason FROM kpi_records WHERE kpi_id = $k AND basis = $b AND period_end = $p "
                        "ORDER BY area, team NULLS FIRST, worker NULLS FIRST, record_id, person_id",
                        {"k": kpi_id, "b": basis, "p": self.period_end})
