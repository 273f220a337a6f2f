"""The departmental core data set (../shared/spec/core-data-set.md) beside the contract KPIs.

Case measures are KPI-format cards in sql/core/ run by the same engine (family 'core': core_values,
core_records, core_status), one asset each, all computed in one step over the partition range like the KPIs.
Published measures come from the shipped (or user-supplied) DfE/ONS open-data files, local-feed measures from
the local_feeds table of the current drop; measures that are a contract KPI point at it. The pack asset
(outputs/core_data_set_pack) brings them together by commitment.
"""

import dagster as dg

from pipelines.defs.ingest import STAGED_KEYS
from pipelines.defs.kpis import (
    NoDropCoversPeriod,
    blocking_rules,
    ensure_area_lookup,
    history_start,
    parameter_overrides,
    record_status,
)
from pipelines.defs.models import card_upstream
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.quality import QUALITY_KEY
from pipelines.defs.resources import Warehouse
from pipelines.lib import db
from pipelines.lib.kpi_cards import KpiCard
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.measure_cards import case_cards
from pipelines.lib.no_data import absent_tables, month_status, no_data_reasons
from pipelines.lib.quality.blocking import history_blocking
from pipelines.lib.quality.store import critical_records, critical_rules_by_table_month
from pipelines.lib.staging import current_drop_id, use_current

CASE_CARDS = {dg.AssetKey(["core", c.asset_name]): c for c in case_cards()}
GROUP = "core_data_set"


def _spec(key: dg.AssetKey, card: KpiCard) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, group_name=GROUP, description=f"{card.id}: {card.title}",
        deps=[QUALITY_KEY, *card_upstream(card.lineage)],
        metadata={"measure_id": card.id, "headline_basis": card.headline_basis, "unit": card.unit,
                  "polarity": card.polarity, "card": str(card.card_path.name)},
    )


@dg.multi_asset(
    specs=[_spec(k, c) for k, c in CASE_CARDS.items()],
    partitions_def=reporting_months,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool="warehouse",
)
def core_case_measures(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Every selected case measure over the run's months (and the 12 before, as for the KPIs); a measure whose
    source tables fail a critical check for a month is recorded as blocked for it in core_status, one whose
    inputs are absent as "no data" (pipelines/lib/no_data.py)."""
    keys = context.partition_key_range
    last = month_end(keys.end)
    range_first = month_end(keys.start)
    first = min(range_first, history_start(last))
    overrides = parameter_overrides()
    with warehouse.connect() as con:
        use_current(con)
        extract = db.scalar(con, "SELECT max(extract_date) FROM staged.current_drop")
        if extract is None or extract < last:
            raise NoDropCoversPeriod(f"no staged drop covers the month ending {last} (latest extract "
                                     f"{extract or 'never'})")
        ensure_area_lookup(con)
        critical = critical_rules_by_table_month(con, current_drop_id(con), range_first.replace(day=1), last)
        failing = critical_records(con, current_drop_id(con), range_first.replace(day=1), last)
        prepare(con, first, last)
        months = [r[0] for r in db.rows(con, "SELECT DISTINCT period_end FROM kpi_windows ORDER BY 1")]
        drop_id = current_drop_id(con)
        absent = absent_tables(con, drop_id)
        status_rows = []
        for key in sorted(context.selected_asset_keys):
            card = CASE_CARDS[key]
            result = compute_kpi(con, card, first, last, overrides, family="core")
            no_data = no_data_reasons(con, card, drop_id, months, absent, family="core")
            blocked = 0
            history = history_blocking(con, card, failing, first, last, extract, family="core")
            for month in months:
                reasons = blocking_rules(card, critical, month, history)
                blocked += bool(reasons)
                status, text = month_status(no_data.get(month, []), reasons)
                status_rows.append({"kpi_id": card.id, "period_end": month, "status": status, "reasons": text})
            context.log.info(f"{card.id} {first}..{last}: {result.values_rows} values, {result.record_rows} "
                             f"records, blocked in {blocked} and no data in {len(no_data)} of {len(months)} month(s)")
            yield dg.MaterializeResult(asset_key=key, metadata={
                "values_rows": result.values_rows, "record_rows": result.record_rows, "blocked_months": blocked,
                "no_data_months": len(no_data)})
        if status_rows:
            record_status(con, first, last, status_rows, table="core_status")


PUBLISHED_KEY = dg.AssetKey(["core", "published_measures"])


@dg.asset(
    key=PUBLISHED_KEY, group_name=GROUP, partitions_def=reporting_months,
    backfill_policy=dg.BackfillPolicy.single_run(), pool="warehouse",
    description="Published measures (and case measures' DfE comparators) from the DfE/ONS open-data files: "
                "shipped in data/reference/published/, or newer files of the same name in "
                "<landing>/published/ (or SCORECARD_PUBLISHED_DIR) -> table core_published",
)
def published_measures(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pathlib import Path

    from pipelines.lib.core.published import published_values

    user_dir = Path(warehouse.landing_dir) / "published"
    with warehouse.connect() as con:
        frame = published_values(con, user_dir=user_dir if user_dir.is_dir() else None)
    with_values = frame.filter(frame["value"].is_not_null())["measure_id"].n_unique()
    context.log.info(f"published measures: {frame['measure_id'].n_unique()} measure(s), {with_values} with values")
    return dg.MaterializeResult(metadata={"rows": frame.height, "measures_with_values": with_values})


@dg.asset(
    key=dg.AssetKey(["outputs", "core_data_set"]), group_name="outputs",
    deps=[*CASE_CARDS, PUBLISHED_KEY, STAGED_KEYS["local_feeds"], dg.AssetKey(["outputs", "kpi_tables"])],
    partitions_def=reporting_months, backfill_policy=dg.BackfillPolicy.single_run(), pool="warehouse",
    description="restricted/core_data_set_values.csv (every measure, every source), core_data_set_YYYY-MM.html (the "
                "quarterly pack, by commitment) and core_data_set_YYYY-MM.xlsx, for the quarter ending on or "
                "before the run's last month",
)
def core_data_set_outputs(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pathlib import Path

    from pipelines.lib.packs.core_data_set import write_core_data_set
    from pipelines.lib.publish import run_folder

    last = month_end(context.partition_key_range.end)
    with warehouse.connect(read_only=True) as con:
        use_current(con)
        # into the run's folder: outputs/publish publishes them with the run's other outputs
        written = write_core_data_set(con, last, run_folder(Path(warehouse.out_dir), context.run.run_id))
    for path in written:
        context.log.info(f"wrote {path.name}")
    return dg.MaterializeResult(metadata={p.name: p.stat().st_size for p in written})
