"""The departmental core data set (../shared/spec/core-data-set.md) beside the contract KPIs.

Case measures are KPI-format cards in sql/core/ run by the same engine (family 'core': core_values,
core_records, core_status), one asset each, all computed in one step over the partition range like the KPIs.
Published measures come from the shipped (or user-supplied) DfE/ONS open-data files, local-feed measures from
the local_feeds table of the current drop; measures that are a contract KPI point at it. The pack asset
(outputs/core_data_set_pack) brings them together by commitment.
"""

import dagster as dg

from pipelines.defs.cards import CardFamily, card_assets
from pipelines.defs.ingest import STAGED_KEYS
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib.measure_cards import case_cards
from pipelines.lib.staging import use_current

GROUP = "core_data_set"
CORE_FAMILY = CardFamily(
    family="core", op_name="core_case_measures", key_prefix="core", group=GROUP, id_field="measure_id",
    cards=case_cards(), checks=False,
    description="Every selected case measure over the run's months (and the 12 before, as for the KPIs); a "
                "measure whose source tables fail a critical check for a month is recorded as blocked for it in "
                "core_status, one whose inputs are absent as \"no data\" (pipelines/lib/no_data.py).",
)
CASE_CARDS = CORE_FAMILY.keys
core_case_measures = card_assets(CORE_FAMILY)


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
