"""The OCG pack: one self-contained HTML file per month (published; small numbers suppressed)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib.commentary import CommentaryRow, commentary_for_pack
from pipelines.lib.no_data import NO_DATA
from pipelines.lib.packs import charts
from pipelines.lib.packs.data import (
    BASIS_LABELS,
    DIRECTION_LABELS,
    SUPPRESSION_THRESHOLD,
    PackData,
    _num,
    comparator,
    fmt_count,
    fmt_value,
    rag_label,
    target_band,
)
from pipelines.lib.packs.render import render_template, write_text
from pipelines.lib.scorecard import rules


def _trend(pd: PackData, card, published: pl.DataFrame) -> list[dict]:
    rows = published.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                            & (pl.col("area") == rules.TRUST) & pl.col("team").is_null())
    by_month = {r["period_end"]: r for r in rows.to_dicts()}
    out = []
    for d in pd.trend_months:
        r = by_month.get(d)
        t = pd.targets_for(d).get(card.id)
        tv, lo, hi = target_band(t, card.polarity)
        raw = pd.values.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                               & (pl.col("area") == rules.TRUST) & pl.col("team").is_null()
                               & (pl.col("period_end") == d))
        value_raw = raw["value"][0] if raw.height else None
        suppressed = r is not None and r["suppression"] is not None
        out.append({
            "month": d, "label": f"{d:%b %Y}",
            "value": None if r is None else _num(r["value"]),
            "value_text": "–" if r is None else fmt_value(r["value"], card.unit),
            "numerator": "–" if r is None else fmt_count(r["numerator"]),
            "denominator": "–" if r is None else fmt_count(r["denominator"]),
            "target": tv, "band_low": lo, "band_high": hi,
            "target_text": "no target" if tv is None else fmt_value(tv, card.unit),
            "rag": rag_label((rules.NO_VALUE if t is not None else rules.NO_TARGET) if suppressed
                             else rules.rag_for(value_raw, t, card.polarity)),
            "suppressed": suppressed,
        })
    return out


def _breakdown(pd: PackData, card, published: pl.DataFrame) -> tuple[list[dict], list[dict]]:
    f = published.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                         & (pl.col("period_end") == pd.period_end))
    areas = [{"area": pd.areas.get(r["area"], r["area"]), "numerator": fmt_count(r["numerator"]),
              "denominator": fmt_count(r["denominator"]), "value": fmt_value(r["value"], card.unit),
              "raw": {"numerator": r["numerator"], "denominator": r["denominator"], "value": r["value"]},
              "suppression": r["suppression"] or ""}
             for r in f.filter(pl.col("team").is_null()).sort("area").to_dicts()]
    teams = [{"team": r["team"], "numerator": fmt_count(r["numerator"]), "denominator": fmt_count(r["denominator"]),
              "value": fmt_value(r["value"], card.unit),
              "raw": {"numerator": r["numerator"], "denominator": r["denominator"], "value": r["value"]},
              "suppression": r["suppression"] or ""}
             for r in f.filter(pl.col("team").is_not_null()).sort("team").to_dicts()]
    return areas, teams


def _comparator_view(card, comp: dict | None, trust_value: float | None, unit: str) -> dict | None:
    if comp is None:
        return None
    rows = [
        {"label": f"Trust, this month ({BASIS_LABELS[card.headline_basis]})", "value": trust_value},
        {"label": f"LA published ({comp['la_code_used']}, {comp['as_at']:%B %Y})", "value": comp["la_value"]},
        {"label": f"Statistical-neighbour mean (n = {comp['sn_n']})", "value": comp["sn_mean"]},
        {"label": "England", "value": comp["england_value"]},
    ]
    for r in rows:
        r["text"] = "not available" if r["value"] is None else f"{r['value']:.1f}"
    return {
        "measure": comp["measure"], "source": comp["source"], "year": comp["year"],
        "as_at": f"{comp['as_at']:%d %B %Y}", "comparable_month": comp["comparable_month"],
        "model_version": comp["model_version"], "sn_n": comp["sn_n"],
        "sn_mean": None if comp["sn_mean"] is None else f"{comp['sn_mean']:.1f}",
        "england": None if comp["england_value"] is None else f"{comp['england_value']:.1f}",
        "rank": comp["rank"], "rank_n": comp["rank_n"], "quartile": comp["quartile"],
        "note": comp["note"], "rows": rows,
    }


def ocg_context(con: duckdb.DuckDBPyConnection, period_end: date, with_charts: bool = True,
                commentary: Sequence[CommentaryRow] = ()) -> dict[str, Any]:
    """Everything the OCG template shows (numbers already suppressed and formatted). `commentary`: the rows of
    the run's commentary file(s) (pipelines/lib/commentary.py); each section gets its CommentaryView or None."""
    pd = PackData(con, period_end)
    published = pd.published_rows()
    sc = {r["kpi_id"]: r for r in pd.scorecard.to_dicts()}
    summary, sections, appendix = [], [], []
    for card in pd.cards:
        s = sc[card.id]
        trend = _trend(pd, card, published)
        cur = trend[-1]
        dq = pd.status_of(card.id)
        comp = _comparator_view(card, comparator(card, pd.authority.la_code, pd.period_end), cur["value"], card.unit)
        rag = rag_label(s["rag"]) if not cur["suppressed"] else rag_label(
            rules.NO_VALUE if s["target"] is not None else rules.NO_TARGET)
        row = {
            "kpi_id": card.id, "title": card.title, "basis": BASIS_LABELS[card.headline_basis],
            # a month whose inputs are absent says so (the reason is in its data-quality line), never "0"
            "value": NO_DATA if dq["status"] == NO_DATA else cur["value_text"],
            "numerator": cur["numerator"], "denominator": cur["denominator"],
            "suppressed": cur["suppressed"], "rag": rag,
            "dir_month": DIRECTION_LABELS[s["direction_vs_previous_month"] if not cur["suppressed"] else "n/a"],
            "dir_year": DIRECTION_LABELS[s["direction_vs_last_year"] if not cur["suppressed"] else "n/a"],
            "target": "no target" if s["target"] is None else fmt_value(s["target"], card.unit),
            "tolerance": None if s["tolerance"] is None else fmt_value(s["tolerance"], card.unit),
            "stretch": None if s["stretch"] is None else fmt_value(s["stretch"], card.unit),
            "sn_mean": None if comp is None or comp["sn_mean"] is None else f"{comp['sn_mean']} (n = {comp['sn_n']})",
            "england": None if comp is None else comp["england"],
            "comparator_year": None if comp is None else comp["as_at"],
            "breach": s["breach"], "breach_months": [f"{d:%b %Y}" for d in s["breach_months"]],
            "dq": dq,
        }
        summary.append(row)
        areas, teams = _breakdown(pd, card, published)
        proj = None
        if s["projected_value"] is not None and not cur["suppressed"]:
            proj = {"value": fmt_value(s["projected_value"], card.unit),
                    "needed": None if s["projection_needed_value"] is None
                    else fmt_value(s["projection_needed_value"], card.unit),
                    "achievable": s["projection_achievable"], "months_used": s["projection_months_used"]}
        section = {**row, "unit": card.unit, "polarity": card.polarity,
                   "numerator_text": " ".join(str(card.raw["numerator"]).split()),
                   "denominator_text": " ".join(str(card.raw["denominator"]).split()),
                   "trend": trend, "comparator": comp, "areas": areas, "teams": teams, "projection": proj,
                   "caption": charts.trend_caption(card, trend)}
        if with_charts:
            section["trend_chart"] = charts.trend_chart(card, trend)
            section["comparator_chart"] = charts.comparator_chart(card, comp) if comp else None
        sections.append(section)
        appendix.append({
            "kpi_id": card.id, "title": card.title, "definition": " ".join(str(card.raw["definition"]).split()),
            "numerator": section["numerator_text"], "denominator": section["denominator_text"],
            "cohort": " ".join(str(card.raw.get("cohort", "")).split()), "polarity": card.polarity,
            "unit": card.unit, "headline_basis": BASIS_LABELS[card.headline_basis],
            "bases": ", ".join(BASIS_LABELS[b] for b in card.bases),
            "source_tables": ", ".join(card.source_tables),
            "definition_version": card.definition_version,
            "benchmark_note": " ".join(str((card.raw.get("benchmark") or {}).get("note") or "").split()),
            "decisions": [" ".join(str(d).split()) for d in card.raw.get("decisions") or []],
        })
    views = commentary_for_pack(commentary, pd.period_end, {r["kpi_id"]: r["rag"]["key"] for r in summary},
                                {r["kpi_id"] for r in summary if r["breach"]})
    for section in sections:
        section["commentary"] = views.get(section["kpi_id"])
    counts = {k: sum(r["rag"]["key"] == k for r in summary) for k in ("green", "amber", "red", "no-target", "no-value")}
    return {
        "authority": pd.authority.name, "period_end": pd.period_end, "period": f"{pd.period_end:%B %Y}",
        "financial_year": rules.financial_year(pd.period_end), "threshold": SUPPRESSION_THRESHOLD,
        "summary": summary, "sections": sections, "appendix": appendix, "counts": counts,
        "rag_legend": [rag_label(k) for k in (rules.GREEN, rules.AMBER, rules.RED, rules.NO_TARGET, rules.NO_VALUE)],
        "breaches": [r for r in summary if r["breach"]],
        "dq_rows": [{"kpi_id": r["kpi_id"], "title": r["title"], **r["dq"]} for r in summary],
    }


def render_ocg_pack(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path,
                    commentary: Sequence[CommentaryRow] = ()) -> Path:
    ctx = ocg_context(con, period_end, commentary=commentary)
    html = render_template("ocg_pack.html", ctx, plotly=True)
    path = Path(out_dir) / f"ocg_pack_{ctx['period_end']:%Y-%m}.html"
    write_text(html, path)
    return path
