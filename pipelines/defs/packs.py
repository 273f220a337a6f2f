"""Monthly packs from the published KPI tables: the OCG HTML pack and the analysts' workbook, and the
restricted performance-clinic pack when asked for (Warehouse.clinic_pack). A backfill renders the packs of
its last month; every month's figures are in kpi_values.csv and the workbook's history."""

import dagster as dg

from pipelines.defs.outputs import kpi_tables
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse


@dg.asset(
    key=dg.AssetKey(["outputs", "packs"]), group_name="outputs", deps=[kpi_tables],
    partitions_def=reporting_months, backfill_policy=dg.BackfillPolicy.single_run(), pool="warehouse",
    description="ocg_pack_YYYY-MM.html (self-contained, small numbers suppressed), one "
                "ocg_pack_<la_code>_YYYY-MM.html per owning council, scorecard_YYYY-MM.xlsx, "
                "comparators_YYYY-MM.csv (DfE comparators as data), and on request "
                "restricted/clinic_pack_YYYY-MM.html",
)
def packs(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    from pathlib import Path

    from pipelines.lib.commentary import configured_dir, run_commentary
    from pipelines.lib.config import authority
    from pipelines.lib.packs import render_clinic_pack, render_ocg_pack, write_comparators, write_workbook
    from pipelines.lib.packs.equality import write_equality
    from pipelines.lib.publish import run_folder

    last = month_end(context.partition_key_range.end)
    out = run_folder(Path(warehouse.out_dir), context.run.run_id)  # outputs/publish publishes them
    with warehouse.connect(read_only=True) as con:
        # the commentary's faults are reported by outputs/kpi_tables; here only its good rows are shown
        rows = run_commentary(con, warehouse.archive, configured_dir()).rows
        written = [render_ocg_pack(con, last, out, commentary=rows)]
        # each owning council's own pack (its rows picked from the trust pack's suppressed figures)
        written += [render_ocg_pack(con, last, out, area=code) for code in authority().council_areas()]
        written += [write_workbook(con, last, out, commentary=rows), write_comparators(con, last, out)]
        if warehouse.clinic_pack:
            written.append(render_clinic_pack(con, last, out))
        # equality_YYYY-MM.csv: child-level KPIs by sex, ethnicity, age band, ... suppressed (packs/equality.py)
        written.append(write_equality(con, last, out))
    for path in written:
        context.log.info(f"wrote {path.name} ({path.stat().st_size / 1e6:.1f} MB)")
    return dg.MaterializeResult(metadata={p.name: p.stat().st_size for p in written})
