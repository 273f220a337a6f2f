"""The core data set pack: a quarterly HTML report (and workbook) of the departmental core data set.

Organised by the strategy's commitments; every measure shows its latest value, a trend, comparators and its
data-quality status, whatever its source:
  case        core_values / core_status (the KPI engine, family 'core'), last five quarter ends;
  kpi         the contract KPI's own kpi_values / kpi_status (one series per KPI), last five quarter ends;
  published   the DfE/ONS open-data values by year (pipelines.lib.core.published), last five years;
  local_feed  the local-feed figures of the current drop (pipelines.lib.core.local_feeds), last five periods.
A measure with no figure for the quarter says so and why instead of disappearing. Disclosure control is the
OCG pack's (counts below 5 shown as 'c', secondary suppression across councils); published DfE figures are
shown as the DfE published them (symbols kept). Output is deterministic: re-runs give byte-identical files.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
from markupsafe import Markup

from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard, disclosure_sets, load_cards
from pipelines.lib.measure_cards import COMMITMENTS, MeasureCard, load_measures
from pipelines.lib.no_data import NO_DATA, mark_short_of_history
from pipelines.lib.packs.data import (
    BASIS_LABELS,
    SUPPRESSION_THRESHOLD,
    area_names,
    comparator,
    fmt_count,
    fmt_value,
    month_end,
    shift,
)
from pipelines.lib.packs.render import render_template, write_text
from pipelines.lib.scorecard import rules
from pipelines.lib.staging import current_drop_id

QUARTERS = 5      # the quarter and the four before it (a year on year comparison)
YEARS = 5         # published years shown
FEED_PERIODS = 5  # local-feed periods shown
SOURCE_LABELS = {"case": "case data (extract)", "kpi": "contract KPI", "published": "DfE/ONS published statistics",
                 "local_feed": "local feed"}
VALUE_COLUMNS = ["kpi_id", "period_end", "basis", "area", "team", "worker", "numerator", "denominator", "value",
                 "null_reason"]


def quarter_end(d: date) -> date:
    """The last quarter end (30 June, 30 September, 31 December, 31 March) on or before the month end of d."""
    m = month_end(d)
    back = m.month % 3
    return shift(m, -back) if back else m


def quarter_label(q: date) -> str:
    fy = rules.financial_year(q)
    n = {6: 1, 9: 2, 12: 3, 3: 4}[q.month]
    start = shift(q, -2).replace(day=1)
    return f"Q{n} {fy} ({start:%B} to {q:%B %Y})"


def rules_symbol(symbol: str | None) -> str:
    from pipelines.lib.benchmarks import symbol_reason

    return symbol_reason(symbol)


def _clean(text: Any) -> str:
    return " ".join(str(text or "").split())


@dataclass
class Point:
    label: str
    value: float | None
    value_text: str
    numerator: str
    denominator: str
    note: str = ""


def _values(con: duckdb.DuckDBPyConnection, table: str, ids: list[str], months: list[date]) -> pl.DataFrame:
    if table not in ("kpi_values", "core_values"):  # fixed names
        raise ValueError(table)
    if not _exists(con, table) or not ids:
        return pl.DataFrame(schema={c: pl.String() for c in VALUE_COLUMNS})
    return con.sql(
        f"SELECT {', '.join(VALUE_COLUMNS)} FROM {table} WHERE list_contains($ids, kpi_id) "
        "AND list_contains($months, period_end) AND team IS NULL AND worker IS NULL ORDER BY kpi_id, period_end, "
        "basis, area", params={"ids": ids, "months": months}).pl()


def _status(con: duckdb.DuckDBPyConnection, table: str, months: list[date]) -> dict[tuple[str, date], dict]:
    if table not in ("kpi_status", "core_status") or not _exists(con, table):
        return {}
    rows = con.sql(f"SELECT kpi_id, period_end, status, reasons FROM {table} WHERE list_contains($m, period_end)",
                   params={"m": months}).fetchall()
    return {(k, p): {"status": s, "reasons": r or ""} for k, p, s, r in rows}


def _exists(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    return bool(con.sql("SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'main' AND table_name = $t",
                        params={"t": table}).fetchall()[0][0])


def _num(text: str | None) -> float | None:
    return None if text is None or text == "c" else float(text)


class CoreData:
    """Everything read once per pack."""

    def __init__(self, con: duckdb.DuckDBPyConnection, period_end: date, published: pl.DataFrame | None = None,
                 feeds: pl.DataFrame | None = None, comparators=None):
        self.con = con
        self.quarter_end = quarter_end(period_end)
        self.quarters = [shift(self.quarter_end, -3 * k) for k in range(QUARTERS - 1, -1, -1)]
        self.measures = load_measures()
        self.kpi_cards = {c.id: c for c in load_cards()}
        self.authority = authority()
        self.areas = area_names()
        case_ids = [m.id for m in self.measures if m.source == "case"]
        kpi_ids = sorted({k for m in self.measures for k in m.kpis})
        self.case_values = self._suppressed(_values(con, "core_values", case_ids, self.quarters),
                                            [m.kpi_card for m in self.measures if m.kpi_card is not None])
        self.kpi_values = self._suppressed(_values(con, "kpi_values", kpi_ids, self.quarters),
                                           [self.kpi_cards[k] for k in kpi_ids])
        self.case_status = _status(con, "core_status", self.quarters)
        self.kpi_status = _status(con, "kpi_status", self.quarters)
        self.published = published
        self.feeds = feeds
        self.comparators = comparators

    @staticmethod
    def _suppressed(values: pl.DataFrame, cards: list[KpiCard]) -> pl.DataFrame:
        if values.height == 0:
            return values.with_columns(suppression=pl.lit(None, dtype=pl.String()))
        # each card's disclosure: an average (days, a mean score) only on its count of children, money never
        return rules.suppress(values.with_columns(pl.col("team").cast(pl.String()), pl.col("worker").cast(pl.String())),
                              SUPPRESSION_THRESHOLD, **disclosure_sets(cards))

    # ---- series of engine-computed values (case measures and contract KPIs)
    def engine_series(self, card: KpiCard, values: pl.DataFrame, status: dict, label: str) -> dict[str, Any]:
        rows = values.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis))
        by = {(r["period_end"], r["area"]): r for r in rows.to_dicts()}
        trend = []
        for q in self.quarters:
            r = by.get((q, rules.TRUST))
            dq = status.get((card.id, q), {"status": "not checked", "reasons": ""})
            if r is None:
                trend.append(Point(f"{q:%b %Y}", None, "–", "–", "–", "not computed for this quarter end"))
            elif dq["status"] in ("blocked", NO_DATA):  # faulty or absent inputs: no number, and why
                trend.append(Point(f"{q:%b %Y}", None, "–", "–", "–", f"{dq['status']}: {dq['reasons']}"))
            else:
                # an empty cohort says so; only a small, non-empty one is "suppressed"
                note = r["null_reason"] or ("suppressed (small numbers)" if r["suppression"] else "")
                trend.append(Point(f"{q:%b %Y}", _num(r["value"]),
                                   "–" if r["value"] is None else fmt_value(r["value"], card.unit),
                                   fmt_count(r["numerator"]), fmt_count(r["denominator"]), note))
        dq = status.get((card.id, self.quarter_end), {"status": "not checked",
                                                       "reasons": "no data-quality status recorded"})
        areas = []
        if dq["status"] not in ("blocked", NO_DATA):
            for (q, area), r in sorted(by.items(), key=lambda kv: str(kv[0][1])):
                if q == self.quarter_end and area != rules.TRUST:
                    areas.append({"area": self.areas.get(area, area), "numerator": fmt_count(r["numerator"]),
                                  "denominator": fmt_count(r["denominator"]),
                                  "value": "–" if r["value"] is None else fmt_value(r["value"], card.unit)})
        cur = trend[-1]
        return {"label": label, "unit": card.unit, "polarity": card.polarity, "trend": trend,
                "value": cur.value_text, "numerator": cur.numerator, "denominator": cur.denominator,
                "period_label": f"{BASIS_LABELS[card.headline_basis]}, {self.quarter_end:%B %Y}",
                "no_data": None if cur.value is not None else (cur.note or "no value"),
                "areas": areas, "dq": dq}

    def published_series(self, m: MeasureCard) -> dict[str, Any]:
        """The trust's published values by year (the latest published on or before the quarter end)."""
        from pipelines.lib.core.published import trust_series

        rows = [] if self.published is None else trust_series(self.published, m.id, self.quarter_end, YEARS)
        dq = {"status": "published", "reasons": "as published by the DfE/ONS"}
        base = {"label": "Published (DfE/ONS)", "unit": m.unit, "polarity": m.polarity, "areas": [], "dq": dq,
                "numerator": "–", "denominator": "–", "value": "–"}
        if not rows or rows[-1]["time_period"] is None:
            reason = rows[0]["reason"] if rows else "no published values loaded"
            return {**base, "trend": [], "period_label": "", "no_data": reason,
                    "dq": {"status": "no data", "reasons": reason}}
        trend = [Point(r["period_label"], r["value"], "–" if r["value"] is None else fmt_value(r["value"], m.unit),
                       fmt_count(r["numerator"]), fmt_count(r["denominator"]),
                       "" if r["value"] is not None else (r["reason"] or rules_symbol(r["symbol"])))
                 for r in rows]
        last = rows[-1]
        comp = self._published_comparator(m.id, last["time_period"], m.unit, "Trust")
        cur = trend[-1]
        return {**base, "trend": trend, "value": cur.value_text, "numerator": cur.numerator,
                "denominator": cur.denominator, "period_label": last["period_label"],
                "no_data": None if cur.value is not None else f"{last['period_label']}: {cur.note}",
                "areas": comp.pop("areas") if comp else [], "comparator": comp}

    def _published_comparator(self, measure_id: str, time_period: int, unit: str, own: str) -> dict | None:
        from pipelines.lib.core.published import comparators

        try:
            c = comparators(self.published, measure_id, time_period)
        except KeyError:
            return None

        def text(v: float | None) -> str:
            return "not available" if v is None else fmt_value(v, unit)

        rows = [{"label": f"{own} ({c['period_label']})", "text": text(c["trust"]["value"])},
                {"label": f"Statistical-neighbour mean (n = {c['sn_n']}; {c['model_version']})",
                 "text": text(c["sn_mean"])},
                {"label": f"Region ({c['region']})", "text": text(c["region_value"])},
                {"label": "England", "text": text(c["england_value"])}]
        if c["rank"] is not None:
            rows.append({"label": f"Rank among LAs ({c['rank_direction']})",
                         "text": f"{c['rank']} of {c['rank_n']} (quartile {c['quartile']})"})
        areas = [{"area": self.areas.get(code, code), "numerator": fmt_count(v["numerator"]),
                  "denominator": fmt_count(v["denominator"]),
                  "value": text(v["value"]) if v["value"] is not None else (v["symbol"] or "not available")}
                 for code, v in sorted(c["councils"].items())]
        return {"title": f"DfE/ONS published, {c['period_label']}", "rows": rows, "areas": areas,
                "note": "Statistical neighbours of the authority in the model in force at the period end; "
                        "mean of those with a value."}

    def case_comparator(self, m: MeasureCard) -> dict | None:
        """A case measure's published DfE comparator: the latest year published on or before the quarter end."""
        if self.published is None:
            return None
        years = (self.published.filter((pl.col("measure_id") == m.id) & pl.col("period_end").is_not_null()
                                       & (pl.col("period_end") <= self.quarter_end))["time_period"].unique())
        if years.len() == 0:
            return None
        comp = self._published_comparator(m.id, int(years.max()), m.unit, "Authority, as published")
        if comp:
            comp.pop("areas")
        return comp

    def feed_series(self, m: MeasureCard) -> dict[str, Any] | None:
        feed = self.feeds
        rows = [] if feed is None else (feed.filter((pl.col("measure_id") == m.id)
                                                    & (pl.col("period_end") <= self.quarter_end))
                                        .sort("period_end").tail(FEED_PERIODS).to_dicts())
        if not rows:
            return None
        supp = rules.suppress(pl.DataFrame({
            "kpi_id": [m.id] * len(rows), "period_end": [r["period_end"] for r in rows],
            "basis": ["feed"] * len(rows), "area": [rules.TRUST] * len(rows),
            "numerator": [r["numerator"] if m.unit != "count" else r["value"] for r in rows],
            "denominator": [r["denominator"] for r in rows], "value": [r["value"] for r in rows]},
            schema={"kpi_id": pl.String(), "period_end": pl.Date(), "basis": pl.String(), "area": pl.String(),
                    "numerator": pl.Float64(), "denominator": pl.Float64(), "value": pl.Float64()}),
            SUPPRESSION_THRESHOLD, **disclosure_sets([m]))
        trend = [Point(f"{r['period_end']:%b %Y}", _num(s["value"]),
                       "–" if s["value"] is None else fmt_value(s["value"], m.unit),
                       fmt_count(s["numerator"]) if m.unit != "count" else "–", fmt_count(s["denominator"]),
                       _clean(r.get("source_note")) + (" (suppressed: small numbers)" if s["suppression"] else ""))
                 for r, s in zip(rows, supp.to_dicts(), strict=True)]
        last = rows[-1]["period_end"]
        in_quarter = last > shift(self.quarter_end, -3)
        cur = trend[-1]
        return {"label": "Local feed", "unit": m.unit, "polarity": m.polarity, "trend": trend,
                "value": cur.value_text if in_quarter else "–", "numerator": cur.numerator,
                "denominator": cur.denominator, "period_label": f"{last:%B %Y}",
                "no_data": None if in_quarter and cur.value is not None else (
                    f"no local-feed figure for this quarter (latest supplied: {last:%B %Y})" if not in_quarter
                    else cur.note or "no value"),
                "areas": [], "dq": {"status": "published", "reasons": "local feed, validated at staging"}}


def _series_for(cd: CoreData, m: MeasureCard) -> list[dict[str, Any]]:
    if m.source == "case":
        return [cd.engine_series(m.kpi_card, cd.case_values, cd.case_status, "Trust")]
    if m.source == "kpi":
        return [cd.engine_series(cd.kpi_cards[k], cd.kpi_values, cd.kpi_status,
                                 f"{k} {cd.kpi_cards[k].title}") for k in m.kpis]
    if m.source == "local_feed":
        s = cd.feed_series(m)
        return [s] if s else []
    series = [cd.published_series(m)]
    if series[0]["no_data"] and m.feed:
        fallback = cd.feed_series(m)
        if fallback:
            series.append(fallback)
    return series


def _chart(m: MeasureCard, i: int, s: dict[str, Any]) -> Markup | None:
    import plotly.graph_objects as go

    from pipelines.lib.packs.charts import _html

    pts = [p for p in s["trend"] if p.value is not None]
    if not pts:
        return None
    fig = go.Figure(go.Scatter(x=[p.label for p in s["trend"]], y=[p.value for p in s["trend"]],
                               mode="lines+markers", name=s["label"], line={"color": "#0b4f8a", "width": 3},
                               marker={"size": 8, "symbol": "circle"}, text=[p.value_text for p in s["trend"]],
                               hovertemplate="%{x}: %{text}<extra></extra>"))
    fig.update_layout(template="none", margin={"l": 50, "r": 10, "t": 30, "b": 40}, height=260,
                      title={"text": f"{m.id}: {s['label']}", "font": {"size": 13}}, xaxis={"type": "category"},
                      yaxis={"title": {"text": s["unit"]}}, paper_bgcolor="#ffffff", plot_bgcolor="#ffffff")
    return _html(fig, f"{m.id.lower()}-{i}-trend")


def _caption(m: MeasureCard, s: dict[str, Any]) -> str:
    pts = [p for p in s["trend"] if p.value is not None]
    if not pts:
        return f"{m.id} {s['label']}: no value in the periods shown ({s['no_data'] or 'no data'})."
    return (f"{m.id} {s['label']}: {pts[0].value_text} in {pts[0].label}, {pts[-1].value_text} in {pts[-1].label} "
            f"({len(pts)} of {len(s['trend'])} periods with a value).")


def core_context(con: duckdb.DuckDBPyConnection, period_end: date, published: pl.DataFrame | None = None,
                 feeds: pl.DataFrame | None = None, with_charts: bool = True) -> dict[str, Any]:
    """Everything the core data set template shows (numbers suppressed and formatted)."""
    cd = CoreData(con, period_end, published, feeds)
    commitments = []
    summary = []
    for key, title in COMMITMENTS.items():
        sections = []
        for m in (x for x in cd.measures if x.commitment == key):
            series = _series_for(cd, m)
            for i, s in enumerate(series):
                s["caption"] = _caption(m, s)
                s["chart"] = _chart(m, i, s) if with_charts else None
                s["comparator"] = s.get("comparator") or _engine_comparator(cd, m, s)
            head = next((x for x in series if not x["no_data"]), series[0] if series else None)
            no_data = ("no data for this quarter: the local feed has no figure for this measure"
                       if head is None else head["no_data"])
            row = {"id": m.id, "anchor": m.id.lower(), "title": m.title, "source": SOURCE_LABELS[m.source],
                   "value": "–" if head is None else head["value"],
                   "period": "" if head is None else head["period_label"],
                   "no_data": no_data, "dq": "–" if head is None else head["dq"]["status"]}
            summary.append({**row, "commitment": title})
            sections.append({**row, "definition": _clean(m.definition), "unit": m.unit, "polarity": m.polarity,
                             "series": series,
                             "decisions": [_clean(d) for d in m.raw.get("decisions") or []],
                             "kpis": ", ".join(m.kpis)})
        commitments.append({"key": key, "title": title, "sections": sections})
    return {"authority": cd.authority.name, "quarter_end": cd.quarter_end, "quarter": quarter_label(cd.quarter_end),
            "threshold": SUPPRESSION_THRESHOLD, "commitments": commitments, "summary": summary,
            "with_value": sum(r["no_data"] is None for r in summary), "measures": len(summary)}


def _engine_comparator(cd: CoreData, m: MeasureCard, s: dict[str, Any]) -> dict | None:
    """A contract KPI's DfE comparator (as in the OCG pack), or a case measure's published one."""
    if m.source == "kpi":
        kpi = next((k for k in m.kpis if s["label"].startswith(k)), None)
        comp = comparator(cd.kpi_cards[kpi], cd.authority.la_code, cd.quarter_end) if kpi else None
        if comp is None:
            return None
        rows = [("LA published", comp["la_value"]), (f"Statistical-neighbour mean (n = {comp['sn_n']})",
                                                     comp["sn_mean"]), ("England", comp["england_value"])]
        return {"title": f"DfE {comp['measure']}, as at {comp['as_at']:%d %B %Y}",
                "rows": [{"label": lab, "text": "not available" if v is None else f"{v:.1f}"} for lab, v in rows],
                "note": comp.get("note") or ""}
    if m.source == "case" and (m.raw.get("benchmark") or {}).get("published"):
        return cd.case_comparator(m)
    return None


def render_core_pack(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path,
                     published: pl.DataFrame | None = None, feeds: pl.DataFrame | None = None) -> Path:
    ctx = core_context(con, period_end, published, feeds)
    html = render_template("core_data_set_pack.html", ctx, plotly=True)
    path = Path(out_dir) / f"core_data_set_{ctx['quarter_end']:%Y-%m}.html"
    write_text(html, path)
    return path


def _table(con: duckdb.DuckDBPyConnection, name: str) -> pl.DataFrame | None:
    if name != "core_published" or not _exists(con, name):  # a fixed name
        return None
    return con.sql(f"SELECT * FROM {name}").pl()


def core_values_frame(con: duckdb.DuckDBPyConnection, last: date, published: pl.DataFrame | None,
                      feeds: pl.DataFrame | None) -> pl.DataFrame:
    """The analysts' long table of every measure (unsuppressed, like kpi_values.csv): case measures and the
    KPIs they point at for the 13 months to `last` (trust and councils, headline basis), published values by
    year (trust and councils), local-feed figures; one row with the reason for a measure with none."""
    months = [shift(month_end(last), -k) for k in range(12, -1, -1)]
    measures = load_measures()
    kpi_cards = {c.id: c for c in load_cards()}
    rows: list[dict[str, Any]] = []
    case = _values(con, "core_values", [m.id for m in measures if m.source == "case"], months)
    kpis = _values(con, "kpi_values", sorted({k for m in measures for k in m.kpis}), months)
    status = {**_status(con, "core_status", months)}
    kpi_status = _status(con, "kpi_status", months)
    for m in measures:
        base = {"measure_id": m.id, "commitment": m.commitment, "source": m.source, "unit": m.unit}
        found: list[dict[str, Any]] = []
        if m.source in ("case", "kpi"):
            pairs = [(m.id, m.kpi_card, case, status)] if m.source == "case" else [
                (k, kpi_cards[k], kpis, kpi_status) for k in m.kpis]
            for kid, card, frame, st in pairs:
                for r in frame.filter((pl.col("kpi_id") == kid) & (pl.col("basis") == card.headline_basis)).to_dicts():
                    s = st.get((kid, r["period_end"]), {"status": "not checked", "reasons": ""})
                    absent = s["status"] == NO_DATA  # inputs absent: no number is written, the reason is
                    found.append({**base, "kpi_id": kid, "period_end": r["period_end"],
                                  "period_label": f"{r['period_end']:%b %Y}", "basis": r["basis"], "area": r["area"],
                                  "numerator": None if absent else r["numerator"],
                                  "denominator": None if absent else r["denominator"],
                                  "value": None if absent else r["value"],
                                  "status": s["status"], "reason": s["reasons"] or r["null_reason"]})
        if m.source == "published" and published is not None:
            for r in published.filter((pl.col("measure_id") == m.id)
                                      & pl.col("geographic_level").is_in(["trust", "la"])).to_dicts():
                if r["geographic_level"] == "la" and r["la_code"] not in {c.la_code for c in
                                                                          authority().owning_councils}:
                    continue
                found.append({**base, "kpi_id": None, "period_end": r["period_end"],
                              "period_label": r["period_label"], "basis": "published year",
                              "area": rules.TRUST if r["geographic_level"] == "trust" else r["la_code"],
                              "numerator": r["numerator"], "denominator": r["denominator"], "value": r["value"],
                              "status": "published" if r["value"] is not None else "no data",
                              "reason": r["reason"]})
        if m.feed and feeds is not None:
            for r in feeds.filter(pl.col("measure_id") == m.id).to_dicts():
                found.append({**base, "kpi_id": None, "period_end": r["period_end"],
                              "period_label": f"{r['period_end']:%b %Y}", "basis": f"local feed ({r['frequency']})",
                              "area": rules.TRUST, "numerator": r["numerator"], "denominator": r["denominator"],
                              "value": r["value"], "status": "published", "reason": r["source_note"]})
        if not found:
            found.append({**base, "kpi_id": None, "period_end": None, "period_label": None, "basis": None,
                          "area": rules.TRUST, "numerator": None, "denominator": None, "value": None,
                          "status": "no data", "reason": _no_data_reason(m)})
        rows.extend(found)
    schema = {"measure_id": pl.String(), "commitment": pl.String(), "source": pl.String(), "unit": pl.String(),
              "kpi_id": pl.String(), "period_end": pl.Date(), "period_label": pl.String(), "basis": pl.String(),
              "area": pl.String(), "numerator": pl.Float64(), "denominator": pl.Float64(), "value": pl.Float64(),
              "status": pl.String(), "reason": pl.String()}
    frame = pl.DataFrame(rows, schema=schema)
    # a row whose figure, on its basis, reads before a table's history is "no data" (no_data.py)
    cards = {**kpi_cards, **{m.id: m.kpi_card for m in measures if m.source == "case" and m.kpi_card is not None}}
    frame = mark_short_of_history(con, current_drop_id(con), frame, cards, status="status", reason="reason")
    return frame.sort("measure_id", "kpi_id", "period_end", "area", nulls_last=True)


def _no_data_reason(m: MeasureCard) -> str:
    if m.source == "local_feed":
        return f"not supplied in the local feeds (template data/templates/local_feeds/{m.feed['family']}.csv)"
    if m.source == "published":
        return "the published file is not supplied"
    return "no values computed for the months of this run"


def write_core_data_set(con: duckdb.DuckDBPyConnection, last: date, out_dir: Path) -> list[Path]:
    """core_data_set_values.csv, the quarterly pack (HTML) and its workbook. `con` has use_current set."""
    from pipelines.lib.core.local_feeds import local_feed_values
    from pipelines.lib.outputs import write_atomic_csv
    from pipelines.lib.packs.workbook import write_sheets
    from pipelines.lib.publish import RESTRICTED

    published = _table(con, "core_published")
    feeds = local_feed_values(con)
    out_dir = Path(out_dir)
    values_path = out_dir / RESTRICTED / "core_data_set_values.csv"  # unsuppressed: restricted
    values = core_values_frame(con, last, published, feeds)
    write_atomic_csv(values, values_path)
    ctx = core_context(con, last, published, feeds)
    html_path = out_dir / f"core_data_set_{ctx['quarter_end']:%Y-%m}.html"
    write_text(render_template("core_data_set_pack.html", ctx, plotly=True), html_path)
    summary = pl.DataFrame([{k: r[k] for k in ("id", "commitment", "title", "source", "value", "period", "no_data",
                                                "dq")} for r in ctx["summary"]])
    trend = pl.DataFrame([{"measure_id": s["id"], "series": x["label"], "period": t.label, "value": t.value_text,
                           "numerator": t.numerator, "denominator": t.denominator, "note": t.note}
                          for c in ctx["commitments"] for s in c["sections"] for x in s["series"] for t in x["trend"]],
                         schema={k: pl.String() for k in ("measure_id", "series", "period", "value", "numerator",
                                                          "denominator", "note")})
    defs = pl.DataFrame([{"measure_id": m.id, "commitment": COMMITMENTS[m.commitment], "title": m.title,
                          "source": m.source, "kpis": ", ".join(m.kpis), "unit": m.unit, "polarity": m.polarity,
                          "definition": _clean(m.definition),
                          "decisions": " | ".join(_clean(d) for d in m.raw.get("decisions") or [])}
                         for m in load_measures()])
    xlsx_path = out_dir / f"core_data_set_{ctx['quarter_end']:%Y-%m}.xlsx"
    write_sheets(xlsx_path, {"title": f"Core data set {ctx['quarter']}", "author": ctx["authority"],
                             "comments": "Published workbook: counts below 5 suppressed as 'c'."},
                 ctx["quarter_end"], {"Summary": summary, "Trend": trend, "Definitions": defs})
    return [values_path, html_path, xlsx_path]
