"""The restricted clinic pack: drill-down by council, team and worker, and the pseudonymised records behind a
failing figure. No suppression; marked RESTRICTED on every page. Produced only on request."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib.packs.data import BASIS_LABELS, PackData, fmt_count, fmt_value, rag_label, worker_names
from pipelines.lib.packs.render import render_template, write_text
from pipelines.lib.publish import RESTRICTED as RESTRICTED_DIR

RESTRICTED = "RESTRICTED — performance clinic use only"


def _failing(polarity: str, value: float | None, target: float | None) -> str:
    """Which records are 'failing': 'not_numerator' (in the denominator, not the numerator) or 'numerator'."""
    if polarity == "high":
        return "not_numerator"
    if polarity == "low":
        return "numerator"
    # target_band: the side the value is off target
    if value is not None and target is not None and value < target:
        return "not_numerator"
    return "numerator"


def clinic_context(con: duckdb.DuckDBPyConnection, period_end: date) -> dict[str, Any]:
    pd = PackData(con, period_end)
    sc = {r["kpi_id"]: r for r in pd.scorecard.to_dicts()}
    month = pd.values.filter(pl.col("period_end") == pd.period_end)
    workers_named = worker_names(con)  # restricted pack only: workers by name (job title and staff number)

    def worker(w: str | None) -> str:
        return "" if w is None else workers_named.get(w, w)
    sections = []
    for card in pd.cards:
        s = sc[card.id]
        f = month.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis))

        def rows(frame: pl.DataFrame, unit: str = card.unit) -> list[dict]:
            return [{"area": pd.areas.get(r["area"], r["area"]), "team": pd.team_name(r["team"]),
                     "worker": worker(r["worker"]),
                     "numerator": fmt_count(r["numerator"]), "denominator": fmt_count(r["denominator"]),
                     "value": fmt_value(r["value"], unit)} for r in frame.to_dicts()]

        areas = rows(f.filter(pl.col("team").is_null() & pl.col("worker").is_null()).sort("area"))
        teams = rows(f.filter(pl.col("team").is_not_null() & pl.col("worker").is_null()).sort("team"))
        workers = rows(f.filter(pl.col("worker").is_not_null()).sort("team", "worker", nulls_last=False))
        which = _failing(card.polarity, s["value"], s["target"])
        recs = []
        for r in pd.records(card.id, card.headline_basis):
            if r["excluded_reason"] is not None:
                continue
            num, den = r["numerator"] or 0, r["denominator"] or 0
            fails = (den > 0 and num == 0) if which == "not_numerator" else num > 0
            if fails:
                recs.append({"record_id": r["record_id"] or "", "person_id": r["person_id"] or "",
                             "area": pd.areas.get(r["area"], r["area"] or ""), "team": pd.team_name(r["team"]),
                             "worker": worker(r["worker"]), "numerator": fmt_count(r["numerator"]),
                             "denominator": fmt_count(r["denominator"])})
        sections.append({
            "kpi_id": card.id, "title": card.title, "basis": BASIS_LABELS[card.headline_basis],
            "value": fmt_value(s["value"], card.unit), "numerator": fmt_count(s["numerator"]),
            "denominator": fmt_count(s["denominator"]), "rag": rag_label(s["rag"]),
            "target": "no target" if s["target"] is None else fmt_value(s["target"], card.unit),
            "breach": s["breach"], "breach_months": [f"{d:%b %Y}" for d in s["breach_months"]],
            "dq": pd.status_of(card.id), "areas": areas, "teams": teams, "workers": workers,
            "failing_rule": ("in the denominator but not the numerator" if which == "not_numerator"
                             else "in the numerator"),
            "records": recs,
        })
    return {"authority": pd.authority.name, "period": f"{pd.period_end:%B %Y}", "period_end": pd.period_end,
            "restricted": RESTRICTED, "sections": sections}


def render_clinic_pack(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path) -> Path:
    ctx = clinic_context(con, period_end)
    html = render_template("clinic_pack.html", ctx)
    path = Path(out_dir) / RESTRICTED_DIR / f"clinic_pack_{ctx['period_end']:%Y-%m}.html"
    write_text(html, path)
    return path
