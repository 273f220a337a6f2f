"""Equality breakdowns (README "Equality breakdowns"): every child-level KPI by sex, ethnicity group, age band,
disability (where recorded) and, for looked-after measures, UASC status, with the gap to the whole cohort.

`group_values` computes every month end and basis of a range in one SQL pass (sql/equality/kpi_groups.sql)
over kpi_records; it is restricted (record counts of small groups, unsuppressed), written as
restricted/kpi_values_by_group.csv. `published_groups` is the suppressed table the packs show.

A KPI is child-level when its card's `disclosure` is not `none` and its records carry person ids (so not
money, posts, incidents or social workers' caseloads).
"""

from __future__ import annotations

import csv
import math
from collections.abc import Collection, Iterable
from datetime import date
from functools import cache
from typing import Any

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.kpi_cards import KpiCard, load_cards
from pipelines.lib.paths import REFERENCE_DIR, SQL_DIR
from pipelines.lib.scorecard.rules import _fmt
from pipelines.lib.staging import use_current

ETHNICITY_CSV = REFERENCE_DIR / "ethnicity_groups.csv"
UNKNOWN = "Unknown"
UNKNOWN_ETHNICITY = "Refused, not obtained or unknown"
DIMENSIONS = ("sex", "ethnicity", "age band", "disability", "uasc")
DIMENSION_LABELS = {"sex": "Sex", "ethnicity": "Ethnicity", "age band": "Age band (at the period end)",
                    "disability": "Disability", "uasc": "UASC (looked-after measures)"}
ETHNIC_GROUPS = ("White", "Mixed", "Asian or Asian British", "Black or Black British", "Other ethnic group",
                 UNKNOWN_ETHNICITY)
AGE_BANDS = ("Under 1", "1-4", "5-9", "10-15", "16-17", "18 and over")
GROUPS = {
    "sex": ("Female", "Male", UNKNOWN),
    "ethnicity": ETHNIC_GROUPS,
    "age band": (*AGE_BANDS, UNKNOWN),
    "disability": ("Disabled", "No disability recorded"),
    "uasc": ("UASC", "Not UASC"),
}
GROUP_ORDER = [g for d in DIMENSIONS for g in GROUPS[d]]
# Measures of children looked after or who were (care leavers, adoption, leaving care): the UASC breakdown.
LOOKED_AFTER = frozenset({"KPI07", "KPI08", "KPI09", "KPI10", "KPI12", "KPI18", "KPI19", "KPI21"})
# Optional sources of the SSD not in this contract: read when the warehouse holds them.
OPTIONAL_SOURCES = {"disability": ("ssd_disability", "equality_disability", "person_id VARCHAR, disabled BOOLEAN"),
                    "uasc": ("ssd_immigration_status", "equality_uasc",
                             "person_id VARCHAR, start_date DATE, end_date DATE")}

GROUP_COLUMNS = ["kpi_id", "period_end", "basis", "dimension", "group", "numerator", "denominator", "value",
                 "cohort_value", "gap", "children", "children_in_numerator"]
PUBLISHED_COLUMNS = ["kpi_id", "title", "period_end", "basis", "dimension", "group", "numerator", "denominator",
                     "value", "cohort_value", "gap", "suppression"]


@cache
def ethnicity_groups() -> dict[str, str]:
    """DfE ethnicity code -> major group (data/reference/ethnicity_groups.csv)."""
    with ETHNICITY_CSV.open(newline="") as f:
        return {r["code"].strip().upper(): r["group"].strip() for r in csv.DictReader(f)}


def child_level_cards(cards: Iterable[KpiCard] | None = None) -> list[KpiCard]:
    """Cards whose records may be children (disclosure not `none`); the SQL keeps those with person ids."""
    return [c for c in (load_cards() if cards is None else cards) if c.disclosure != "none"]


def _table_exists(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    return bool(db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name})
                or db.scalar(con, "SELECT count(*) FROM duckdb_views() WHERE view_name = $n AND NOT internal",
                             {"n": name}))


def _optional_sources(con: duckdb.DuckDBPyConnection) -> dict[str, bool]:
    """Temp views over the optional sources (empty when absent); which ones hold records."""
    present = {}
    for dim, (source, view, columns) in OPTIONAL_SOURCES.items():
        present[dim] = _table_exists(con, source)
        if present[dim]:
            db.run(con, (SQL_DIR / "equality" / f"{dim}.sql").read_text())
        else:
            # fixed names and types from OPTIONAL_SOURCES, never user input
            cols = ", ".join(f"CAST(NULL AS {c.split()[1]}) AS {c.split()[0]}" for c in columns.split(", "))
            db.run(con, f"CREATE OR REPLACE TEMP VIEW {view} AS SELECT {cols} WHERE false")
    return present


def group_values(con: duckdb.DuckDBPyConnection, first: date, last: date,
                 cards: Iterable[KpiCard] | None = None) -> pl.DataFrame:
    """Every child-level KPI's groups for every month end and basis from `first` to `last` (restricted)."""
    chosen = child_level_cards(cards)
    if not chosen:
        return pl.DataFrame(schema={c: pl.String() for c in GROUP_COLUMNS})
    if db.scalar(con, "SELECT count(*) FROM duckdb_schemas() WHERE schema_name = 'current'"):
        use_current(con)  # a warehouse: bare names (ssd_person) read the latest drop, as the KPI SQL does
    present = _optional_sources(con)
    eth = ethnicity_groups()
    params = {
        "first": first, "last": last, "kpi_ids": [c.id for c in chosen], "scales": [float(c.scale) for c in chosen],
        "count_kpi_ids": [c.id for c in chosen if c.unit == "count"] or [""],
        "uasc_kpi_ids": sorted(LOOKED_AFTER), "ethnicity_codes": list(eth), "ethnicity_groups": list(eth.values()),
        "unknown_ethnicity": UNKNOWN_ETHNICITY, "has_disability": present["disability"],
        "has_uasc": present["uasc"], "dimension_order": list(DIMENSIONS), "group_order": GROUP_ORDER,
    }
    text = (SQL_DIR / "equality" / "kpi_groups.sql").read_text()
    frame = con.sql(text, params=params).pl()
    return frame.select([*GROUP_COLUMNS, "cohort_numerator", "cohort_denominator"])


def _small(x: Any, threshold: float) -> bool:
    return x is not None and not (isinstance(x, float) and math.isnan(x)) and round(float(x), 6) < threshold


def suppress_groups(frame: pl.DataFrame, cards: Iterable[KpiCard] | None = None,
                    threshold: float = 5, hidden_trust: Collection[tuple] = ()) -> pl.DataFrame:
    """Disclosure control of group rows (group_values' columns) as the packs publish them.

    Primary: a group with fewer than `threshold` children (or records) in its numerator or denominator (only
    the denominator for a `children_denominator` card), zero included. Secondary: the groups of a dimension
    add up to the trust's figure, so a dimension with one suppressed group has its next smallest group
    (denominator, then numerator) suppressed too; "Unknown" groups are members like any other. The cohort's
    own figure is hidden when it is small itself or suppressed as published (`hidden_trust`: (kpi_id,
    period_end, basis) of trust rows the packs suppress); a hidden trust figure is one unknown of each
    dimension's equation, so one group goes with it, or shown groups would add up to it. Figures become text,
    "c" when suppressed."""
    disclosure = {c.id: c.disclosure for c in (load_cards() if cards is None else cards)}
    rows = frame.to_dicts()
    status: list[str | None] = [None] * len(rows)
    for i, r in enumerate(rows):
        den_only = disclosure.get(r["kpi_id"]) == "children_denominator"
        counts = [r["denominator"], r["children"]] + ([] if den_only else [r["numerator"],
                                                                             r["children_in_numerator"]])
        if r["denominator"] is None:  # a count measure: its numerator is the count of children
            counts = [r["numerator"], r["children"]]
        if any(_small(x, threshold) for x in counts):
            status[i] = "primary"
    dims: dict[tuple, list[int]] = {}
    for i, r in enumerate(rows):
        dims.setdefault((r["kpi_id"], r["period_end"], r["basis"], r["dimension"]), []).append(i)

    def size(i: int) -> tuple:
        r = rows[i]
        return (r["denominator"] if r["denominator"] is not None else math.inf,
                r["numerator"] if r["numerator"] is not None else math.inf, str(r["group"]))

    def cohort_hidden(r: dict) -> bool:
        den_only = disclosure.get(r["kpi_id"]) == "children_denominator"
        return ((r["kpi_id"], r["period_end"], r["basis"]) in hidden
                or _small(r["cohort_denominator"], threshold)
                or (not den_only and _small(r["cohort_numerator"], threshold)))

    hidden = set(hidden_trust)
    for members in dims.values():
        # unknowns of "trust = sum of the groups": none, or at least two
        unknowns = sum(status[i] is not None for i in members) + cohort_hidden(rows[members[0]])
        open_members = [i for i in members if status[i] is None]
        if unknowns == 1 and open_members:
            status[min(open_members, key=size)] = "secondary"

    out = []
    for r, s in zip(rows, status, strict=True):
        hide_cohort = cohort_hidden(r)
        out.append({
            "numerator": "c" if s else _fmt(r["numerator"], None),
            "denominator": None if r["denominator"] is None else ("c" if s else _fmt(r["denominator"], None)),
            "value": "c" if s else _fmt(r["value"], 1),
            "cohort_value": "c" if hide_cohort else _fmt(r["cohort_value"], 1),
            "gap": "c" if s or hide_cohort else _fmt(r["gap"], 1),
            "suppression": s,
        })
    text = pl.DataFrame(out, schema={"numerator": pl.String(), "denominator": pl.String(), "value": pl.String(),
                                     "cohort_value": pl.String(), "gap": pl.String(), "suppression": pl.String()})
    return frame.drop("numerator", "denominator", "value", "cohort_value", "gap").hstack(text)


def published_groups(con: duckdb.DuckDBPyConnection, period_end: date, cards: Iterable[KpiCard] | None = None,
                     threshold: float = 5, status: pl.DataFrame | None = None,
                     hidden_trust: Collection[tuple] = ()) -> pl.DataFrame:
    """The reporting month's group rows, every basis, suppressed; no person ids, dates of birth or counts of
    children. A KPI not published this month (blocked, no data: `status` from kpi_status) is left out."""
    cards = list(load_cards() if cards is None else cards)
    frame = suppress_groups(group_values(con, period_end, period_end, cards), cards, threshold, hidden_trust)
    if status is not None and status.height:
        held = {r["kpi_id"] for r in status.filter(pl.col("period_end") == period_end).to_dicts()
                if r["status"] != "published"}
        frame = frame.filter(~pl.col("kpi_id").is_in(sorted(held)))
    titles = {c.id: c.title for c in cards}
    return (frame.with_columns(pl.col("kpi_id").replace_strict(titles, default=None).alias("title"))
            .select(PUBLISHED_COLUMNS))
