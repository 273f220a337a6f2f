"""Data-quality checks on the staged inputs of the current drop, before the KPIs (partitioned by month).

Great Expectations suites (expectations/*.json) and SQL invariants (sql/checks) run over every row of the
current drop, whatever its date: the month's figures read older records too (fytd, r12, r36, snapshots,
cohorts), and which months a failing record blocks is decided per KPI (pipelines/lib/card_run.py). One Dagster asset
check per checked table: ERROR when a critical rule fails, WARN when only warnings do. A critical failure
stops the KPIs that read that table from being published for those months (see pipelines/lib/card_run.py); KPIs that
read only clean tables are still published. Dagster's own blocking checks stop a whole step, which would
hold back every KPI, so the selection is made per KPI.
"""

import dagster as dg

from pipelines.defs.ingest import STAGED_KEYS
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib.quality import run_quality
from pipelines.lib.quality.gx_runner import SAMPLE_SIZE, Finding, suites
from pipelines.lib.quality.store import store_findings
from pipelines.lib.staging import current_drop_id

QUALITY_KEY = dg.AssetKey(["quality", "input_checks"])
CHECKED_TABLES = sorted(set(suites()) - {"kpi_values"})
OTHER = "other_tables"


def check_name(table: str) -> str:
    return f"{table}_quality"


def failing_row_locators(findings: list[Finding], limit: int = SAMPLE_SIZE) -> list[dict]:
    """Where failing rows are (rule, columns, file, row), never what they hold: Dagster's run storage keeps
    this metadata, and a failing row's values include dates of birth, postcodes and names."""
    return [{"rule": f.rule, "columns": list(f.columns), "source_file": None if file is None else str(file),
             "source_row": None if row is None else int(row)}
            for f in findings for file, row in f.locators[:limit]][:limit]


@dg.multi_asset(
    specs=[dg.AssetSpec(QUALITY_KEY, deps=list(STAGED_KEYS.values()), group_name="quality",
                        description="Great Expectations suites and SQL invariants on every staged row of the "
                                    "current drop")],
    check_specs=[dg.AssetCheckSpec(check_name(t), asset=QUALITY_KEY, description=f"{t}: suite and invariants")
                 for t in [*CHECKED_TABLES, OTHER]],
    partitions_def=reporting_months,
    backfill_policy=dg.BackfillPolicy.single_run(),
    pool="warehouse",
)
def input_checks(context: dg.AssetExecutionContext, warehouse: Warehouse):
    keys = context.partition_key_range
    first = month_end(keys.start).replace(day=1)
    last = month_end(keys.end)
    with warehouse.connect() as con:
        drop_id = current_drop_id(con)
        findings = run_quality(con, drop_id, first, last, include_kpi_values=False) if drop_id else []
        store_findings(con, drop_id or "", first, last, findings)
    critical = [f for f in findings if f.critical]
    context.log.info(f"quality {first}..{last}: {len(critical)} critical and "
                     f"{len(findings) - len(critical)} warning rule(s) failed")
    for f in critical:
        context.log.warning(f"critical: {f.table}: {f.rule} ({f.failing_count} rows; KPIs {', '.join(f.kpis)})")
    yield dg.MaterializeResult(asset_key=QUALITY_KEY, metadata={
        "drop": drop_id or "none", "critical_rules_failed": len(critical),
        "warning_rules_failed": len(findings) - len(critical),
    })
    for table in [*CHECKED_TABLES, OTHER]:
        mine = [f for f in findings if (f.table == table) or (table == OTHER and f.table not in CHECKED_TABLES)]
        crit = [f for f in mine if f.critical]
        yield dg.AssetCheckResult(
            asset_key=QUALITY_KEY, check_name=check_name(table), passed=not mine,
            severity=dg.AssetCheckSeverity.ERROR if crit else dg.AssetCheckSeverity.WARN,
            metadata={
                "critical_failing_rows": sum(f.failing_count for f in crit),
                "warning_failing_rows": sum(f.failing_count for f in mine if not f.critical),
                "rules": dg.MetadataValue.md("\n".join(
                    f"- **{f.severity}** {f.table}: {f.rule} ({f.failing_count} rows)" for f in mine) or "all passed"),
                "sample": dg.MetadataValue.json(failing_row_locators(mine)),
            },
        )
