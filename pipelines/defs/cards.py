"""One Dagster factory for every family of cards: one asset per card, all computed in one step over the partition
range (single-run backfills: a ten-year backfill is one run and one pass of each SQL file).

A family is the contract KPIs (sql/kpis: kpi/<card>, kpi_values, kpi_records, kpi_status, with two asset checks
each) or the core data set's case measures (sql/core: core/<card>, core_values, core_records, core_status). The
run itself is pipelines/lib/card_run.run_cards; each card's upstream edges are the staged tables and shared
models its SQL reads (pipelines/lib/lineage.py).
"""

from dataclasses import dataclass

import dagster as dg

from pipelines.defs.models import card_upstream
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.quality import QUALITY_KEY
from pipelines.defs.resources import Warehouse
from pipelines.lib.card_run import parameter_overrides, run_cards
from pipelines.lib.kpi_cards import KpiCard
from pipelines.lib.staging import use_current

INPUTS_CHECK = "inputs_pass_critical_checks"
VALUES_CHECK = "values_pass_critical_checks"


@dataclass(frozen=True)
class CardFamily:
    family: str  # "kpi" or "core": the engine's output tables (kpi_engine.OUTPUT_TABLES) and status table
    op_name: str
    key_prefix: str
    group: str
    id_field: str  # the asset metadata naming the card's id
    cards: tuple[KpiCard, ...]
    checks: bool  # the KPIs carry inputs_pass_critical_checks and values_pass_critical_checks
    description: str

    @property
    def keys(self) -> dict[dg.AssetKey, KpiCard]:
        return {dg.AssetKey([self.key_prefix, c.asset_name]): c for c in self.cards}


def _spec(family: CardFamily, key: dg.AssetKey, card: KpiCard) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, group_name=family.group, description=f"{card.id}: {card.title}",
        deps=[QUALITY_KEY, *card_upstream(card.lineage)],
        metadata={family.id_field: card.id, "headline_basis": card.headline_basis, "unit": card.unit,
                  "polarity": card.polarity, "card": str(card.card_path.name)},
    )


def card_assets(family: CardFamily) -> dg.AssetsDefinition:
    keys = family.keys
    checks = [dg.AssetCheckSpec(name, asset=k, description=text) for k in keys for name, text in (
        (INPUTS_CHECK, "the staged tables this card reads pass their critical checks for the month"),
        (VALUES_CHECK, "the values pass the kpi_values suite (range, numerator <= denominator, complete)"),
    )] if family.checks else []

    @dg.multi_asset(
        name=family.op_name,
        specs=[_spec(family, k, c) for k, c in keys.items()],
        check_specs=checks,
        partitions_def=reporting_months,
        backfill_policy=dg.BackfillPolicy.single_run(),
        can_subset=True,
        pool="warehouse",
        description=family.description,
    )
    def _cards(context: dg.AssetExecutionContext, warehouse: Warehouse):
        span = context.partition_key_range
        selected = sorted(context.selected_asset_keys)
        key_of = {keys[k].id: k for k in selected}
        with warehouse.connect() as con:
            use_current(con)
            outcomes = run_cards(con, [keys[k] for k in selected], family.family, month_end(span.start),
                                 month_end(span.end), parameter_overrides())
        for o in outcomes:
            card, key = o.card, key_of[o.card.id]
            context.log.info(f"{card.id} {o.months[0]}..{o.months[-1]}: {o.values_rows} values, "
                             f"{o.record_rows} records, {o.state()}")
            yield dg.MaterializeResult(asset_key=key, metadata={
                "values_rows": o.values_rows, "record_rows": o.record_rows, "status": o.state(),
                "blocked_months": len(o.blocked), "no_data_months": len(o.no_data),
                f"headline_{card.headline_basis}_{o.months[-1]}": o.headline.get("value"),
                "numerator": o.headline.get("numerator"), "denominator": o.headline.get("denominator"),
            })
            if family.checks:
                for name, rules in ((INPUTS_CHECK, o.input_rules), (VALUES_CHECK, o.value_rules)):
                    yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=not rules,
                                              severity=dg.AssetCheckSeverity.ERROR,
                                              metadata={"failed_rules": dg.MetadataValue.md(
                                                  "\n".join(f"- {r}" for r in rules) or "none")})

    return _cards
