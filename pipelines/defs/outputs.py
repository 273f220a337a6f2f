"""The run's outputs in the out folder: staged-table summary and KPI values for the partition range.

Files are written to a temporary name and renamed into place, so a failed run never leaves a half-written
file and the last good output stays published.
"""


from pathlib import Path

import dagster as dg

from pipelines.defs.kpis import CARDS, history_start
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib.outputs import write_outputs


@dg.asset(
    key=dg.AssetKey(["outputs", "kpi_tables"]), group_name="outputs", deps=list(CARDS),
    partitions_def=reporting_months, backfill_policy=dg.BackfillPolicy.single_run(),
    description="kpi_values.csv (trust and council rows of published KPIs), kpi_values_by_team.csv, "
                "kpi_status.csv, error_report.csv, staged_tables.csv, "
                "rejections.csv in the out folder",
)
def kpi_tables(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    keys = context.partition_key_range
    first, last = month_end(keys.start), month_end(keys.end)
    with warehouse.connect(read_only=True) as con:
        # statuses of the 12 recomputed months too: an older record may block them (defs/kpis.py)
        written = write_outputs(con, Path(warehouse.out_dir), first, last, status_first=history_start(last))
    for path, rows in written.items():
        context.log.info(f"wrote {path} ({rows} rows)")
    return dg.MaterializeResult(metadata={p.name: dg.MetadataValue.path(str(p)) for p in written})
