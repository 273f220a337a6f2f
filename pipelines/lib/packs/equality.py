"""The packs' equality breakdowns (pipelines/lib/equality.py), suppressed: the OCG pack's "Who the figures leave
behind" page (dashboards/templates/_ocg_equality.html), the workbook's Equality sheet and the published
equality_YYYY-MM.csv. The reporting month only; the pack shows each KPI's headline basis."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import formatting as fmt
from pipelines.lib.equality import DIMENSION_LABELS, DIMENSIONS, GROUPS, published_groups
from pipelines.lib.packs.data import BASIS_LABELS, SUPPRESSION_THRESHOLD, PackData
from pipelines.lib.publish import write_csv
from pipelines.lib.scorecard.rules import TRUST

# Short column heads for the pack's tables (full group names in the workbook and the CSV).
SHORT = {"Asian or Asian British": "Asian", "Black or Black British": "Black", "Other ethnic group": "Other",
         "Refused, not obtained or unknown": "Refused / unknown", "No disability recorded": "Not recorded",
         "18 and over": "18+"}


def equality_frame(pd: PackData) -> pl.DataFrame:
    """The published table: every child-level KPI published this month, every basis, by group, suppressed."""
    published = pd.published_rows()
    trust = published.filter((pl.col("area") == TRUST) & pl.col("team").is_null()
                             & (pl.col("period_end") == pd.period_end) & pl.col("suppression").is_not_null())
    hidden = {(r["kpi_id"], r["period_end"], r["basis"]) for r in trust.to_dicts()}
    return published_groups(pd.con, pd.period_end, pd.cards, SUPPRESSION_THRESHOLD, pd.status, hidden)


def _worse(gap: str | None, polarity: str) -> bool:
    if gap is None or gap == "c":
        return False
    g = float(gap)
    return (polarity == "high" and g < 0) or (polarity == "low" and g > 0)


def equality_context(pd: PackData, frame: pl.DataFrame | None = None) -> dict[str, Any]:
    """One table per dimension across the KPIs, for each KPI's headline basis of the reporting month: the
    trust's value, then each group's value and its gap to the trust (the worse side marked by polarity)."""
    if getattr(pd, "area", TRUST) != TRUST:
        # a council's pack leaves it out: its groups with the other council's and the trust's would be one
        # more set of equations (council A + council B = trust, per group) a reader could solve across packs
        return {}
    frame = equality_frame(pd) if frame is None else frame
    cards = {c.id: c for c in pd.cards}
    headline = frame.filter(pl.col("basis") == pl.col("kpi_id").replace_strict(
        {k: c.headline_basis for k, c in cards.items()}, default=None))
    # a KPI whose trust figure is itself suppressed shows nothing but "c": left out (said on the page)
    headline = headline.filter(pl.col("cohort_value") != "c")
    tables, absent = [], []
    for dim in DIMENSIONS:
        rows_d = headline.filter(pl.col("dimension") == dim)
        if rows_d.height == 0:
            absent.append(DIMENSION_LABELS[dim].split(" (")[0].lower() if dim != "uasc" else "UASC status")
            continue
        present = set(rows_d["group"].to_list())
        groups = [g for g in GROUPS[dim] if g in present]
        rows = []
        for kpi_id in sorted(set(rows_d["kpi_id"].to_list())):
            card = cards[kpi_id]
            mine = {r["group"]: r for r in rows_d.filter(pl.col("kpi_id") == kpi_id).to_dicts()}
            trust = next(iter(mine.values()))["cohort_value"]
            cells = []
            for g in groups:
                r = mine.get(g)
                if r is None:
                    cells.append({"value": "–", "gap": None, "worse": False})
                    continue
                gap = r["gap"]
                cells.append({"value": fmt.value(r["value"], card.unit),
                              "gap": None if gap is None or gap == "c" else fmt.change(float(gap), card.unit),
                              "worse": _worse(gap, card.polarity)})
            rows.append({"kpi_id": kpi_id, "title": card.title, "basis": BASIS_LABELS[card.headline_basis],
                         "trust": fmt.value(trust, card.unit), "cells": cells})
        tables.append({"dimension": dim, "label": DIMENSION_LABELS[dim],
                       "groups": [SHORT.get(g, g) for g in groups], "rows": rows})
    return {"tables": tables, "absent": absent, "threshold": SUPPRESSION_THRESHOLD,
            "period": f"{pd.period_end:%B %Y}"}


def equality_sheet(pd: PackData, frame: pl.DataFrame | None = None) -> pl.DataFrame:
    """The workbook's Equality sheet: the published table (suppressed as the pack)."""
    return equality_frame(pd) if frame is None else frame


def write_equality(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path) -> Path:
    """equality_YYYY-MM.csv (published): the reporting month's groups, suppressed; no identifiers."""
    pd = PackData(con, period_end)
    return write_csv(equality_frame(pd), Path(out_dir) / f"equality_{pd.period_end:%Y-%m}.csv")
