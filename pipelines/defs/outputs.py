"""The run's outputs in the out folder: staged-table summary and KPI values for the partition range.

Every output-writing asset (this one, outputs/packs, outputs/core_data_set) writes into the run's own folder
`<out>/.run-<run_id>/`; outputs/publish, which depends on all of them, moves everything into `<out>` by rename
only at the end (pipelines/lib/publish.py). A run that fails in any step publishes nothing.
"""


from pathlib import Path

import dagster as dg

from pipelines.defs.kpis import CARDS
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib.card_run import history_start
from pipelines.lib.commentary import configured_dir, issues_frame, run_commentary
from pipelines.lib.outputs import write_outputs
from pipelines.lib.publish import run_folder


@dg.asset(
    key=dg.AssetKey(["outputs", "kpi_tables"]), group_name="outputs", deps=list(CARDS),
    partitions_def=reporting_months, backfill_policy=dg.BackfillPolicy.single_run(),
    description="kpi_status.csv and staged_tables.csv (published); restricted/: kpi_values.csv (trust and "
                "council rows), kpi_values_by_team.csv, kpi_values_by_group.csv (child-level KPIs by sex, ethnicity, "
                "age band, disability, UASC), error_report.csv, data_quality.html, rejections.csv, "
                "quarantined_rows.csv. Written into the run's folder; outputs/publish publishes them",
)
def kpi_tables(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    keys = context.partition_key_range
    first, last = month_end(keys.start), month_end(keys.end)
    with warehouse.connect(read_only=True) as con:
        said = run_commentary(con, warehouse.archive, configured_dir())
        for line in said.notes:
            context.log.info(line)
        for issue in said.issues:  # every run says them, not only the run that staged the drop
            context.log.warning(issue.message)
        # statuses of the 12 recomputed months too: an older record may block them (lib/card_run.py)
        written = write_outputs(con, run_folder(Path(warehouse.out_dir), context.run.run_id), first, last,
                                status_first=history_start(last),
                                commentary_issues=issues_frame(said.issues, {c.id for c in CARDS.values()}))
    for path, rows in written.items():
        context.log.info(f"wrote {path.name} ({rows} rows)")
    return dg.MaterializeResult(metadata={p.name: rows for p, rows in written.items()})


OUTPUT_KEYS = [dg.AssetKey(["outputs", "kpi_tables"]), dg.AssetKey(["outputs", "packs"]),
               dg.AssetKey(["outputs", "core_data_set"])]


@dg.asset(
    key=dg.AssetKey(["outputs", "publish"]), group_name="outputs", deps=OUTPUT_KEYS,
    partitions_def=reporting_months, backfill_policy=dg.BackfillPolicy.single_run(),
    description="Moves every file the run wrote (its folder <out>/.run-<run_id>/) into the out folder by rename "
                "only, all together; removes the folders of runs that ended without publishing",
)
def publish(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pipelines.lib.publish import discard_stale, publish_run, stale_run_ids

    out = Path(warehouse.out_dir)
    published = publish_run(out, context.run.run_id)
    # A run folder is stale when its run is over (failed or cancelled elsewhere, e.g. in the UI); a run still
    # in progress keeps its folder.
    stale = []
    for run_id in stale_run_ids(out):
        run = context.instance.get_run_by_id(run_id)
        if run is None or run.is_finished:
            stale.append(run_id)
    discard_stale(out, stale)
    context.log.info(f"published {len(published)} file(s) to {out}"
                     + (f"; removed {len(stale)} unfinished run folder(s)" if stale else ""))
    return dg.MaterializeResult(metadata={"published": len(published), "stale_run_folders_removed": len(stale)})
