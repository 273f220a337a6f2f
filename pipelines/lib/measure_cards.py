"""Measure cards of the departmental core data set (../shared/spec/core-data-set.md), in sql/core/.

One YAML card per measure, in the KPI cards' format (id, title, definition, polarity, unit, benchmark ...)
plus `commitment` (the strategy heading it sits under) and `source`, which says where its values come from:

  case        computed by the KPI engine from the extract contract: the card is a full KPI card (numerator,
              denominator, cohort, bases, source_tables, parameters, decisions) with its SQL file beside it
              (sql/core/CDS_xxnn_name.sql); values land in core_values / core_records.
  kpi         the same as a contract KPI: `kpis: [KPInn, ...]` points at it instead of computing it twice.
  published   taken from a DfE/ONS open-data file (`published:` block: file, filters, value and count columns).
  local_feed  a figure a service supplies in a local-feed CSV (`feed:` block: family, frequency).

Adding a measure means adding a card (and, for a case measure, its SQL file and a test); no Python changes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.lib.kpi_cards import (
    DISCLOSURES,
    KPI_FIELDS,
    POLARITIES,
    TEXT,
    UNITS,
    CardError,
    Field,
    KpiCard,
    check_choice,
    check_fields,
    load_card,
    load_cards,
    load_folder,
    read_card,
)
from pipelines.lib.paths import SQL_DIR

CORE_DIR = SQL_DIR / "core"

COMMITMENTS = {
    "families_prosper": "Families prosper and achieve their potential",
    "kept_safe": "Children are kept safe from harm",
    "education": "Education: children are kept safe and go to good schools",
}
SOURCES = ("case", "kpi", "published", "local_feed")
# A measure card's fields; a case measure is also a full KPI card (CASE_FIELDS)
MEASURE_FIELDS: dict[str, Field] = {
    "id": Field(TEXT, True), "title": Field(TEXT, True), "commitment": Field(TEXT, True),
    "source": Field(TEXT, True), "definition": Field(TEXT, True), "polarity": Field(TEXT, True),
    "unit": Field(TEXT, True), "decisions": Field((list,)), "benchmark": Field((dict, None)),
    "kpis": Field((list,)), "published": Field((dict,)), "feed": Field((dict,)), "proportion": Field((bool,)),
    "disclosure": Field(TEXT),  # required of case and local_feed measures (kpi_cards.DISCLOSURES)
}
CASE_FIELDS = {**KPI_FIELDS, **MEASURE_FIELDS}


@dataclass(frozen=True)
class MeasureCard:
    id: str
    title: str
    commitment: str
    source: str
    definition: str
    polarity: str
    unit: str
    card_path: Path
    kpi_card: KpiCard | None = None          # case measures: the runnable card (SQL beside it)
    kpis: tuple[str, ...] = ()               # kpi measures: the contract KPIs it is
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)

    @property
    def commitment_title(self) -> str:
        return COMMITMENTS[self.commitment]

    @property
    def disclosure(self) -> str | None:
        """kpi_cards.DISCLOSURES for case and local_feed measures; None for kpi and published measures."""
        return self.raw.get("disclosure")

    @property
    def published(self) -> dict[str, Any] | None:
        return self.raw.get("published")

    @property
    def feed(self) -> dict[str, Any] | None:
        return self.raw.get("feed")


def load_measure(path: Path) -> MeasureCard:
    raw = read_card(path)
    source = raw.get("source") if isinstance(raw, dict) else None
    # the source decides the schema: a case measure is a full KPI card as well
    check_fields(path, raw, CASE_FIELDS if source == "case" else MEASURE_FIELDS)
    check_choice(path, raw, "commitment", COMMITMENTS)
    check_choice(path, raw, "source", SOURCES)
    check_choice(path, raw, "unit", UNITS)
    check_choice(path, raw, "polarity", POLARITIES)
    # Counts a pack publishes: the engine's (case) and a service's (local_feed) are disclosure-controlled by the
    # card; a kpi measure takes its KPI card's, a published one is the publisher's figure, already controlled.
    if source in ("case", "local_feed"):
        if "disclosure" not in raw:
            raise CardError(f"{path}: missing disclosure (one of {DISCLOSURES})")
        check_choice(path, raw, "disclosure", DISCLOSURES)
    elif "disclosure" in raw:
        raise CardError(f"{path}: field 'disclosure': a {source} measure takes "
                        + ("its KPI card's" if source == "kpi" else "the publisher's disclosure control"))
    kpi_card = load_card(path, CASE_FIELDS) if source == "case" else None
    kpis = tuple(raw.get("kpis") or ())
    if source == "kpi" and not kpis:
        raise CardError(f"{path}: a kpi measure names the KPI(s) it is (kpis: [KPInn])")
    unknown = sorted(set(kpis) - {c.id for c in load_cards()})
    if unknown:
        raise CardError(f"{path}: no contract KPI card {', '.join(unknown)}")
    if source == "published" and not raw.get("published"):
        raise CardError(f"{path}: a published measure needs a published: block")
    if source == "local_feed" and not raw.get("feed"):
        raise CardError(f"{path}: a local_feed measure needs a feed: block")
    if source != "case" and (path.with_suffix(".sql").exists() or raw.get("sql_from")):
        raise CardError(f"{path}: only case measures have a SQL file")
    return MeasureCard(
        id=raw["id"], title=raw["title"], commitment=raw["commitment"], source=source,
        definition=raw["definition"], polarity=raw["polarity"], unit=raw["unit"], card_path=path,
        kpi_card=kpi_card, kpis=kpis, raw=raw,
    )


@cache
def load_measures(card_dir: Path = CORE_DIR) -> tuple[MeasureCard, ...]:
    return load_folder(card_dir, load_measure, "measure")


def measure(measure_id: str) -> MeasureCard:
    for c in load_measures():
        if c.id == measure_id:
            return c
    raise KeyError(measure_id)


def case_cards() -> tuple[KpiCard, ...]:
    """The runnable cards of the case measures (for the KPI engine, family 'core')."""
    return tuple(c.kpi_card for c in load_measures() if c.kpi_card is not None)
