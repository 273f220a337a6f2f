"""The OCG pack: one self-contained HTML file per month (published; small numbers suppressed).

The meeting's paper, in the order the meeting takes it (README "The OCG pack"):
    1. exceptions: RAG counts and their change since last month; KPIs in persistent breach, newly Red,
       recovered, the largest movers and the watch list; for each Red or breached KPI its value, target, how
       long it has been Red, what next month must reach (pipelines/lib/scorecard/exceptions.py) and its
       commentary;
    2. the one-page summary of all 21 KPIs (a landscape page);
    3. a page per KPI (trend with the in-month series, target, tolerance, baseline and comparators; table
       behind the chart; breakdowns by council and team, teams by name);
    4. data quality and the definitions.

The same pack per owning council (ocg_context(..., area=la_code), ocg_pack_<la_code>_YYYY-MM.html): the
council's own area rows, RAG against the contract's targets, breach runs on its own series, its own DfE
figures, neighbours and region (README "The OCG pack").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import formatting as fmt
from pipelines.lib.compare import Comparison, la_name
from pipelines.lib.no_data import NO_DATA
from pipelines.lib.packs import charts
from pipelines.lib.packs.data import (
    BASIS_LABELS,
    DIRECTION_LABELS,
    SUPPRESSION_THRESHOLD,
    PackData,
    _num,
    fmt_value,
    rag_label,
    shift,
    target_band,
)
from pipelines.lib.packs.equality import equality_context
from pipelines.lib.packs.render import render_template, write_text
from pipelines.lib.scorecard import exceptions as ex
from pipelines.lib.scorecard import rules

# numerators and denominators that are not counts of children or records
QUANTITY_KINDS = {"KPI15": "money", "KPI16": "fte", "KPI17": "fte", "KPI18": "days"}
RAG_KEYS = ("green", "amber", "red", "no-target", "no-value")
MOVERS = 3
RAW_RAG = {rag_label(k)["key"]: k for k in (rules.GREEN, rules.AMBER, rules.RED, rules.NO_TARGET, rules.NO_VALUE)}


def _kind(card) -> str:
    return card.raw.get("quantity_kind") or QUANTITY_KINDS.get(card.id, "count")


def _trust(frame: pl.DataFrame, kpi_id: str, basis: str, area: str = rules.TRUST) -> pl.DataFrame:
    """The pack's own series: the trust's rows, or (a council's pack) the council's area rows."""
    return frame.filter((pl.col("kpi_id") == kpi_id) & (pl.col("basis") == basis) & (pl.col("area") == area)
                        & pl.col("team").is_null())


def _trend(pd: PackData, card, published: pl.DataFrame) -> list[dict]:
    """13 months of the headline (and, when the card has one, the in-month series), published figures only."""
    kind = _kind(card)
    by_month = {r["period_end"]: r for r in _trust(published, card.id, card.headline_basis, pd.area).to_dicts()}
    raw_by_month = {r["period_end"]: r for r in _trust(pd.values, card.id, card.headline_basis, pd.area).to_dicts()}
    in_month = {}
    if card.headline_basis != "month" and "month" in card.bases:
        in_month = {r["period_end"]: r for r in _trust(published, card.id, "month", pd.area).to_dicts()}
    out = []
    for d in pd.trend_months:
        r = by_month.get(d)
        m = in_month.get(d)
        t = pd.targets_for(d).get(card.id)
        tv, lo, hi = target_band(t, card.polarity)
        raw = raw_by_month.get(d)
        suppressed = r is not None and r["suppression"] is not None
        out.append({
            "month": d, "label": f"{d:%b %Y}", "short": f"{d:%b %y}",
            "value": None if r is None else _num(r["value"]),
            "value_text": "–" if r is None else fmt_value(r["value"], card.unit),
            "numerator": "–" if r is None else fmt.quantity(r["numerator"], kind),
            "denominator": "–" if r is None else fmt.quantity(r["denominator"], kind),
            "month_value": None if m is None else _num(m["value"]),
            "month_text": None if not in_month else ("–" if m is None else fmt_value(m["value"], card.unit)),
            "target": tv, "band_low": lo, "band_high": hi,
            "target_text": "no target" if tv is None else fmt_value(tv, card.unit),
            "rag": rag_label((rules.NO_VALUE if t is not None else rules.NO_TARGET) if suppressed
                             else rules.rag_for(None if raw is None else raw["value"], t, card.polarity)),
            "suppressed": suppressed,
        })
    return out


def _breakdown(pd: PackData, card, published: pl.DataFrame) -> tuple[list[dict], list[dict]]:
    kind = _kind(card)
    f = published.filter((pl.col("kpi_id") == card.id) & (pl.col("basis") == card.headline_basis)
                         & (pl.col("period_end") == pd.period_end))

    def row(r: dict, name: str) -> dict:
        return {"name": name, "numerator": fmt.quantity(r["numerator"], kind),
                "denominator": fmt.quantity(r["denominator"], kind), "value": fmt_value(r["value"], card.unit),
                "raw": {"numerator": r["numerator"], "denominator": r["denominator"], "value": r["value"]},
                "suppression": r["suppression"] or ""}

    areas = [{**row(r, pd.areas.get(r["area"], r["area"])), "area": pd.areas.get(r["area"], r["area"])}
             for r in f.filter(pl.col("team").is_null()).sort("area").to_dicts()]
    teams = [{**row(r, pd.team_name(r["team"])), "team": pd.team_name(r["team"])}
             for r in f.filter(pl.col("team").is_not_null()).to_dicts()]
    teams.sort(key=lambda r: r["team"])
    return areas, teams


def _team_groups(teams: list[dict], councils: list[str]) -> list[dict]:
    """Teams grouped under the owning council their name starts with (the name then read without it), the
    others under "Other teams"; in each group the teams whose figure is suppressed are counted and named in one
    line, not listed row by row."""
    groups: dict[str, list[dict]] = {c: [] for c in councils}
    other: list[dict] = []
    for t in teams:
        council = next((c for c in councils if t["team"].startswith(c + " ")), None)
        short = t["team"][len(council) + 1:] if council else t["team"]
        (groups[council] if council else other).append({**t, "short": short})
    out = []
    for name, members in [*groups.items(), ("Other teams", other)]:
        if members:
            out.append({"name": name, "shown": [m for m in members if m["value"] != "c"],
                        "hidden": [m["short"] for m in members if m["value"] == "c"]})
    return out


def _comparator_view(card, comp: Comparison | None, council: bool = False) -> dict | None:
    """The KPI's Comparison (pipelines/lib/compare.py) as the template shows it: the trust and each owning
    council beside the neighbours' mean and England, position and national quartile, model and group named; a
    contextual comparator labelled so (and never drawn on the KPI's axis). A council's pack (`council`) compares
    the council alone (no side-by-side councils); both show the plan comparator group's mean."""
    if comp is None:
        return None

    def text(v: float | None) -> str:
        return "not available" if v is None else fmt_value(v, card.unit)

    quartile = None if comp.quartile_letter is None else f"quartile {comp.quartile_letter}"
    if comp.contextual:
        against = "contextual"
    elif comp.position is None:
        against = "not compared"
    else:
        against = f"{comp.position} neighbours"
    return {
        "measure": comp.measure, "label": comp.measure_label, "source": comp.source, "year": comp.period_label,
        "as_at": f"{comp.as_at:%d %B %Y}", "comparable_month": comp.comparable_month,
        "model": comp.model, "group": f"{comp.group[1]} ({comp.group[0]})", "sn_n": comp.neighbour_n,
        "sn_mean_value": comp.neighbour_mean, "england_value": comp.england,
        "sn_mean": None if comp.neighbour_mean is None else text(comp.neighbour_mean),
        "england": None if comp.england is None else text(comp.england),
        "trust": text(comp.trust_value_compared), "trust_how": comp.trust_value_how,
        "councils": [] if council else [{"name": f"{c.name} ({c.la_code})",
                                         "value": "not published" if c.value is None else text(c.value)}
                                        for c in comp.councils],
        "plan_name": comp.plan_name, "plan_n": comp.plan_n, "plan_codes": ", ".join(comp.plan_codes),
        "plan_mean_value": comp.plan_mean, "plan_mean": None if comp.plan_mean is None else text(comp.plan_mean),
        "region": comp.region, "region_value": None if comp.region_value is None else text(comp.region_value),
        "rank": comp.rank, "rank_n": comp.rank_n, "quartile": quartile, "position": comp.position,
        "against": against, "contextual": comp.contextual, "contextual_note": comp.contextual_note,
        "note": comp.note,
    }


def _references(comp: dict | None) -> list[dict]:
    """Lines drawn on the KPI's axis: statistical-neighbour mean and England (never a contextual comparator)."""
    if comp is None or comp["contextual"]:
        return []
    out = []
    if comp["sn_mean_value"] is not None:
        out.append({"label": f"Neighbours' mean ({comp['year']})", "value": comp["sn_mean_value"],
                    "color": "#2e7d32", "dash": "dashdot"})
    if comp["england_value"] is not None:
        out.append({"label": f"England ({comp['year']})", "value": comp["england_value"],
                    "color": "#6b6b6b", "dash": "longdash"})
    return out


def _commentary(rows: list[dict], period_end: date, commentary: Iterable[Any] | None) -> dict[str, Any]:
    """The performance team's commentary per KPI (pipelines/lib/commentary.py: the latest row written for the
    month or before; a Red or breached KPI with nothing written for the month is "commentary due")."""
    from pipelines.lib.commentary import commentary_for_pack

    rags = {r["kpi_id"]: r["rag_raw"] for r in rows}
    breaches = [r["kpi_id"] for r in rows if r["breach"]]
    return commentary_for_pack(list(commentary or []), period_end, rags, breaches)


def _raw_month(pd: PackData, kpi_id: str, basis: str, d: date) -> dict | None:
    rows = _trust(pd.values, kpi_id, basis, pd.area).filter(pl.col("period_end") == d).to_dicts()
    return rows[0] if rows else None


def _next_month(pd: PackData, card, s: dict, run: ex.RedRun) -> str | None:
    """What next month must reach to leave Red (or end the breach): exceptions.next_month_needed."""
    t = pd.targets_for(pd.period_end).get(card.id)
    if t is None or s["value"] is None:
        return None
    edge, side = ex.red_edge(s["value"], t, card.polarity)
    basis = card.headline_basis
    recent, leaving = [], None
    if "month" in card.bases:
        for k in (2, 1, 0):
            r = _raw_month(pd, card.id, "month", shift(pd.period_end, -k))
            if r is not None and r["numerator"] is not None:
                recent.append((r["numerator"], r["denominator"]))
        out = _raw_month(pd, card.id, "month", shift(pd.period_end, -11))
        leaving = None if out is None else (out["numerator"], out["denominator"])
    proportion = card.unit == "percent" and card.raw.get("proportion", True)
    nm = ex.next_month_needed(basis, pd.period_end, edge, side, s["numerator"], s["denominator"], recent,
                              leaving, scale=card.scale, max_value=100.0 if proportion else None)
    return ex.next_month_wording(nm, card.unit, run.in_breach, basis != "month" and "month" in card.bases)


def _exceptions(pd: PackData, rows: list[dict], cards: dict) -> dict[str, Any]:
    now = {k: sum(r["rag"]["key"] == k for r in rows) for k in RAG_KEYS}
    before = {k: sum(r["prev_rag"] == k for r in rows) for k in RAG_KEYS}
    changes = ex.rag_changes(now, before)
    labels = {rag_label(k)["key"]: rag_label(k) for k in
              (rules.GREEN, rules.AMBER, rules.RED, rules.NO_TARGET, rules.NO_VALUE)}
    counts = [{"rag": labels[k], "now": now[k], "before": before[k], "change": changes[k]} for k in RAG_KEYS]
    red = [r for r in rows if r["rag"]["key"] == "red"]
    breach = [r for r in rows if r["breach"]]
    newly = [r for r in rows if ex.newly_red(r["rag_raw"], r["prev_rag_raw"])]
    recovered = [r for r in rows if ex.recovered(r["rag_raw"], r["prev_rag_raw"])]
    moves = ex.movers([r["move"] for r in rows if r["move"] is not None], MOVERS)
    by_id = {r["kpi_id"]: r for r in rows}
    movers = [{"kpi_id": m.kpi_id, "title": by_id[m.kpi_id]["title"], "direction": m.direction,
               "change": fmt.change(m.change, cards[m.kpi_id].unit),
               "series": by_id[m.kpi_id]["move"]["series"], "size": f"{m.size:.1f}",
               "from": fmt_value(by_id[m.kpi_id]["move"]["previous"], cards[m.kpi_id].unit),
               "to": fmt_value(by_id[m.kpi_id]["move"]["current"], cards[m.kpi_id].unit)} for m in moves]
    watch = [r for r in rows if r["watch"]]
    detail = [r for r in rows if r["breach"] or r["rag"]["key"] == "red"]
    detail.sort(key=lambda r: (not r["breach"], -r["run_length"], r["kpi_id"]))
    return {"counts": counts, "red": red, "breach": breach, "newly_red": newly, "recovered": recovered,
            "movers": movers, "watch": watch, "detail": detail,
            "commentary_due": sum(1 for r in detail if r["commentary_due"])}


def _view(c: Any) -> dict | None:
    """A CommentaryView as a plain dict for the template's _ocg_commentary.html (dates in words)."""
    if c is None:
        return None
    return {"commentary": c.commentary, "cause": c.cause, "action": c.action, "owner": c.owner,
            "due_date": c.due_date_text, "plan_status": "" if c.plan_status == "none" else c.plan_status,
            "written_for": c.written_for_label, "carried_forward": c.carried_forward, "due": c.due,
            "held_back": c.held_back}


def ocg_context(con: duckdb.DuckDBPyConnection, period_end: date, with_charts: bool = True,
                commentary: Iterable[Any] | None = None, area: str | None = None) -> dict[str, Any]:
    """Everything the OCG template shows (numbers already suppressed and formatted). `commentary`: the
    performance team's commentary rows (pipelines.lib.commentary.read_commentary), none by default.

    area: None for the trust's pack (the trust beside both councils); an owning council's LA code for that
    council's pack: its own area rows (value, RAG against the contract's targets, trend, breach runs on its
    own series, exceptions first), its own DfE published figures, statistical neighbours and region. Its
    figures are picked from the trust pack's suppressed rows; no team breakdown and no commentary (both are
    the trust's)."""
    pd = PackData(con, period_end, area)
    council = None if area is None else pd.compared
    published = pd.published_rows()
    sc = {r["kpi_id"]: r for r in pd.scorecard.to_dicts()}
    cards = {c.id: c for c in pd.cards}
    prev_month = shift(pd.period_end, -1)
    summary, sections, appendix = [], [], []
    for card in pd.cards:
        s = sc[card.id]
        trend = _trend(pd, card, published)
        cur, prev = trend[-1], trend[-2]
        dq = pd.status_of(card.id)
        comp = _comparator_view(card, pd.comparison(card), council is not None)
        shown = not cur["suppressed"]
        rag_raw = s["rag"] if shown else (rules.NO_VALUE if s["target"] is not None else rules.NO_TARGET)
        rag = rag_label(rag_raw)
        prev_rag_raw = RAW_RAG[prev["rag"]["key"]]
        cadence = "quarterly" if card.headline_basis == "quarter" else "monthly"
        history = [(r["period_end"], rules.rag_for(r["value"], pd.targets_for(r["period_end"]).get(card.id),
                                                   card.polarity))
                   for r in _trust(pd.values, card.id, card.headline_basis, pd.area).sort("period_end").to_dicts()]
        run = ex.red_run(history, cadence, pd.period_end) if shown else ex.RedRun(cadence, 0, None, False)
        # the month-on-month direction and the movers read the series the rule chose (rules.py docstring)
        dir_basis = s["direction_basis"]
        dir_month = s["direction_vs_previous_month"] if shown else "n/a"
        if shown and dir_basis == "month" and (cur["month_value"] is None or prev["month_value"] is None):
            # an in-month figure is suppressed (small numbers): the published headline series decides
            dir_basis = card.headline_basis
            t_now = pd.targets_for(pd.period_end)
            dir_month = rules.direction(cur["value"], prev["value"], card.polarity, t_now.threshold(card.id),
                                        s["target"])
        move = None
        if dir_month in ("better", "worse"):
            c_v, p_v = ((cur["month_value"], prev["month_value"]) if dir_basis == "month"
                        else (cur["value"], prev["value"]))
            if c_v is not None and p_v is not None:
                move = {"kpi_id": card.id, "current": c_v, "previous": p_v, "direction": dir_month,
                        "tolerance": s["tolerance"], "target": s["target"],
                        "series": "in month" if dir_basis == "month" else BASIS_LABELS[card.headline_basis]}
        in_breach = bool(s["breach"]) and shown
        red_now = rag["key"] == "red"
        watch = None
        if shown and not in_breach and rag["key"] in ("amber", "red"):
            watch = ex.watch_wording(rag_raw, run, pd.period_end)
        row = {
            "kpi_id": card.id, "title": card.title, "basis": BASIS_LABELS[card.headline_basis],
            # a month whose inputs are absent says so (the reason is in its data-quality line), never "0"
            "value": NO_DATA if dq["status"] == NO_DATA else cur["value_text"],
            "numerator": cur["numerator"], "denominator": cur["denominator"],
            "suppressed": cur["suppressed"], "rag": rag, "rag_raw": rag_raw,
            "prev_rag": prev["rag"]["key"], "prev_rag_raw": prev_rag_raw, "prev_value": prev["value_text"],
            "dir_month": DIRECTION_LABELS[dir_month],
            "dir_month_series": "in month" if dir_basis == "month" else BASIS_LABELS[card.headline_basis],
            "dir_year": DIRECTION_LABELS[s["direction_vs_last_year"] if shown else "n/a"],
            "target": "no target" if s["target"] is None else fmt_value(s["target"], card.unit),
            "tolerance": None if s["tolerance"] is None else fmt_value(s["tolerance"], card.unit),
            "stretch": None if s["stretch"] is None else fmt_value(s["stretch"], card.unit),
            "sn_mean": None if comp is None or comp["sn_mean"] is None else f"{comp['sn_mean']} (n = {comp['sn_n']})",
            "england": None if comp is None else comp["england"],
            "plan_mean": None if comp is None or comp["plan_mean"] is None
            else f"{comp['plan_mean']} (n = {comp['plan_n']})",
            "quartile": None if comp is None else comp["quartile"],
            "against": "no comparator" if comp is None else comp["against"],
            "contextual": comp is not None and comp["contextual"],
            "comparator_year": None if comp is None else comp["year"],
            "breach": in_breach, "breach_months": [f"{d:%b %Y}" for d in s["breach_months"]] if shown else [],
            "run_length": run.length, "run_text": ex.run_wording(run) if run.length else None,
            "next_month": _next_month(pd, card, s, run) if (in_breach or red_now) else None,
            "watch": watch, "move": move, "commentary": None, "commentary_due": False,  # set below
            "dq": dq,
        }
        summary.append(row)
        areas, teams = _breakdown(pd, card, published) if council is None else ([], [])
        team_groups = _team_groups(teams, [c.name for c in pd.authority.owning_councils])
        proj = None
        if s["projected_value"] is not None and shown:
            proj = {"value": fmt_value(s["projected_value"], card.unit),
                    "needed": None if s["projection_needed_value"] is None
                    else fmt_value(s["projection_needed_value"], card.unit),
                    "achievable": s["projection_achievable"], "months_used": s["projection_months_used"]}
        baseline = card.raw.get("baseline_2019_20")
        section = {**row, "unit": card.unit, "polarity": card.polarity,
                   "numerator_text": " ".join(str(card.raw["numerator"]).split()),
                   "denominator_text": " ".join(str(card.raw["denominator"]).split()),
                   "trend": trend, "has_month": any(t["month_text"] is not None for t in trend),
                   "comparator": comp, "areas": areas, "teams": teams, "projection": proj,
                   "team_groups": team_groups,
                   "baseline": None if baseline is None else fmt_value(baseline, card.unit),
                   "caption": charts.trend_caption(card, trend)}
        if with_charts:
            proportion = card.unit == "percent" and card.raw.get("proportion", True) is not False
            section["trend_chart"] = charts.trend_chart(
                card, trend, BASIS_LABELS[card.headline_basis], _references(comp),
                None if baseline is None else float(baseline), proportion)
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
    views = _commentary(summary, pd.period_end, commentary) if council is None else {}
    for row, section in zip(summary, sections, strict=True):
        view = views.get(row["kpi_id"])
        note = _view(view)
        section["commentary_view"] = view  # the workbook's Commentary sheet reads the record itself
        for r in (row, section):
            r["commentary"] = note
            r["commentary_due"] = note is not None and note["due"]
    exceptions = _exceptions(pd, summary, cards)
    counts = {k: sum(r["rag"]["key"] == k for r in summary) for k in RAG_KEYS}
    ctx = {
        "authority": pd.authority.name, "period_end": pd.period_end, "period": f"{pd.period_end:%B %Y}",
        "area": pd.area,
        "council": None if council is None else {"la_code": council.la_code, "name": council.name,
                                                 "label": f"{council.name} ({council.la_code})"},
        "subject": "trust" if council is None else council.name,
        "previous_period": f"{prev_month:%B %Y}",
        "financial_year": rules.financial_year(pd.period_end), "threshold": SUPPRESSION_THRESHOLD,
        "plan_name": pd.compared.plan_group_name if pd.compared.plan_group else "",
        "plan_codes": ", ".join(f"{la_name(c)} {c}" for c in pd.compared.plan_group),
        "summary": summary, "sections": sections, "appendix": appendix, "counts": counts,
        "exceptions": exceptions,
        "rag_legend": [rag_label(k) for k in (rules.GREEN, rules.AMBER, rules.RED, rules.NO_TARGET, rules.NO_VALUE)],
        "breaches": [r for r in summary if r["breach"]],
        "dq_rows": [{"kpi_id": r["kpi_id"], "title": r["title"], **r["dq"]} for r in summary],
        "equality": equality_context(pd),  # "Who the figures leave behind" (_ocg_equality.html)
    }

    if council is not None:
        ctx["equality"] = None  # the equality breakdowns are the trust's (kpi_values_by_group has no area)
    return ctx


def ocg_pack_name(period_end: date, area: str | None = None) -> str:
    """ocg_pack_YYYY-MM.html (the trust's), ocg_pack_<la_code>_YYYY-MM.html (an owning council's)."""
    return f"ocg_pack_{'' if area is None else f'{area}_'}{period_end:%Y-%m}.html"


def render_ocg_pack(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path,
                    commentary: Iterable[Any] | None = None, area: str | None = None) -> Path:
    """The trust's OCG pack, or (area = an owning council's LA code) that council's."""
    ctx = ocg_context(con, period_end, commentary=commentary, area=area)
    html = render_template("ocg_pack.html", ctx, plotly=True)
    path = Path(out_dir) / ocg_pack_name(ctx["period_end"], area)
    write_text(html, path)
    return path
