"""KPI values: one asset per KPI card, all computed in one step over the partition range (single-run
backfills: a ten-year backfill is one run and one pass of each SQL file)."""


from pathlib import Path

import dagster as dg
import polars as pl
import yaml

from pipelines.defs.models import card_upstream
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.quality import QUALITY_KEY
from pipelines.defs.resources import Warehouse
from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard, load_cards
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.no_data import absent_tables, month_status, no_data_reasons
from pipelines.lib.paths import CONFIG_DIR
from pipelines.lib.quality import check_kpi_values
from pipelines.lib.quality.blocking import history_blocking
from pipelines.lib.quality.store import critical_records, critical_rules_by_table_month
from pipelines.lib.staging import current_drop_id, use_current

CARDS = {dg.AssetKey(["kpi", c.asset_name]): c for c in load_cards()}


class NoDropCoversPeriod(RuntimeError):
    pass


def parameter_overrides(path: Path = CONFIG_DIR / "kpi_parameters.yaml") -> dict:
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def _spec(key: dg.AssetKey, card: KpiCard) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, group_name="kpis", description=f"{card.id}: {card.title}",
        deps=[QUALITY_KEY, *card_upstream(card.lineage)],
        metadata={"kpi_id": card.id, "headline_basis": card.headline_basis, "unit": card.unit,
                  "polarity": card.polarity, "card": str(card.card_path.name)},
    )


def ensure_area_lookup(con) -> None:
    """The drop's area_lookup names the owning councils; without one, the configured councils are used."""
    if db.scalar(con, "SELECT count(*) FROM area_lookup") == 0:
        frame = pl.DataFrame({"la_code": [c.la_code for c in authority().owning_councils],
                              "area_name": [c.name for c in authority().owning_councils]})
        con.register("configured_councils", frame.to_arrow())
        db.run(con, "CREATE OR REPLACE TEMP TABLE area_lookup AS SELECT * FROM configured_councils")
        con.unregister("configured_councils")


INPUTS_CHECK = "inputs_pass_critical_checks"
VALUES_CHECK = "values_pass_critical_checks"


def history_start(last):
    """The month end 12 months before `last` (not before the first reporting month)."""
    from datetime import date

    year, month = (last.year, last.month - 12) if last.month > 12 else (last.year - 1, last.month)
    floor = month_end(reporting_months.get_first_partition_key())
    return max(month_end(date(year, month, 1).isoformat()), floor)


def blocking_rules(card: KpiCard, critical: dict[str, dict], period_end, history: dict | None = None) -> list[str]:
    """The critical rules failed by the tables this KPI reads, for records of this month (or undated), and
    for older (or later) records that reach this month's figure (`history`, from quality.blocking)."""
    rules = []
    for table in card.source_tables:
        by_month = critical.get(table, {})
        for month in (None, period_end):
            rules += [f"{table}: {rule}" for rule in by_month.get(month, [])]
    # a rule already blocking the month by date is not repeated with how an older record reaches it
    rules += [r for r in (history or {}).get(period_end, []) if r.rsplit(" (", 1)[0] not in rules]
    return sorted(set(rules))


@dg.multi_asset(
    specs=[_spec(k, c) for k, c in CARDS.items()],
    check_specs=[dg.AssetCheckSpec(name, asset=k, description=text) for k in CARDS for name, text in (
        (INPUTS_CHECK, "the staged tables this KPI reads pass their critical checks for the month"),
        (VALUES_CHECK, "the KPI's values pass the kpi_values suite (range, numerator <= denominator, complete)"),
    )],
    partitions_def=reporting_months,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool="warehouse",
)
def kpi_values(context: dg.AssetExecutionContext, warehouse: Warehouse):
    """Every selected KPI is computed; one whose inputs or values fail a critical check is recorded as
    blocked in kpi_status for the months of the run, one whose inputs are absent as "no data"
    (pipelines/lib/no_data.py), and the outputs do not publish either."""
    keys = context.partition_key_range
    last = month_end(keys.end)
    # The run also refreshes the 12 months before the range "as now known" from the latest drop (one pass
    # of each SQL file), so trends, directions and breaches read current figures.
    range_first = month_end(keys.start)
    first = min(range_first, history_start(last))
    overrides = parameter_overrides()
    with warehouse.connect() as con:
        use_current(con)
        extract = db.scalar(con, "SELECT max(extract_date) FROM staged.current_drop")
        if extract is None or extract < last:
            raise NoDropCoversPeriod(
                f"no staged drop covers the month ending {last}: the latest extract is dated "
                f"{extract or 'never'}. Deliver a drop dated {last} or later.")
        ensure_area_lookup(con)
        # findings are stored for the partition range the quality step checked
        critical_inputs = critical_rules_by_table_month(con, current_drop_id(con), range_first.replace(day=1), last)
        # every failing record of the drop, whatever its date: older records feed fytd, r12, r36, snapshots
        failing = critical_records(con, current_drop_id(con), range_first.replace(day=1), last)
        prepare(con, first, last)
        selected = sorted(context.selected_asset_keys)
        results = {key: compute_kpi(con, CARDS[key], first, last, overrides) for key in selected}
        value_findings = check_kpi_values(con, first.replace(day=1), last)
        status_rows = []
        months = [r[0] for r in db.rows(con, "SELECT DISTINCT period_end FROM kpi_windows ORDER BY 1")]
        drop_id = current_drop_id(con)
        absent = absent_tables(con, drop_id)
        for key in selected:
            card, result = CARDS[key], results[key]
            values = [f"kpi_values: {f.rule}" for f in value_findings.get(card.id, []) if f.critical]
            no_data = no_data_reasons(con, card, drop_id, months, absent)
            blocked_months = {}
            history = history_blocking(con, card, failing, first, last, extract)
            for month in months:
                reasons = blocking_rules(card, critical_inputs, month, history) + values
                status, text = month_status(no_data.get(month, []), reasons)
                status_rows.append({"kpi_id": card.id, "period_end": month, "status": status, "reasons": text})
                if reasons:
                    blocked_months[month] = reasons
            inputs = sorted({r for rs in blocked_months.values() for r in rs} - set(values))
            headline = db.dicts(con, "SELECT value, numerator, denominator FROM kpi_values WHERE kpi_id = $k "
                                "AND period_end = $p AND basis = $b AND area = 'all' AND team IS NULL",
                                {"k": card.id, "p": last, "b": card.headline_basis})
            state = (f"BLOCKED for {len(blocked_months)} of {len(months)} month(s) ({'; '.join(inputs + values)})"
                     if blocked_months else "published")
            if no_data:
                state += (f"; NO DATA for {len(no_data)} of {len(months)} month(s) "
                          f"({'; '.join(sorted({r for rs in no_data.values() for r in rs}))})")
            context.log.info(f"{card.id} {first}..{last}: {result.values_rows} values, "
                             f"{result.record_rows} records, {state}")
            h = headline[0] if headline else {}
            yield dg.MaterializeResult(asset_key=key, metadata={
                "values_rows": result.values_rows, "record_rows": result.record_rows, "status": state,
                "blocked_months": len(blocked_months), "no_data_months": len(no_data),
                f"headline_{card.headline_basis}_{last}": h.get("value"),
                "numerator": h.get("numerator"), "denominator": h.get("denominator"),
            })
            for name, rules in ((INPUTS_CHECK, inputs), (VALUES_CHECK, values)):
                yield dg.AssetCheckResult(asset_key=key, check_name=name, passed=not rules,
                                          severity=dg.AssetCheckSeverity.ERROR,
                                          metadata={"failed_rules": dg.MetadataValue.md(
                                              "\n".join(f"- {r}" for r in rules) or "none")})
        record_status(con, first, last, status_rows)


STATUS_TABLES = ("kpi_status", "core_status")  # contract KPIs; case measures of the core data set


def record_status(con, first, last, rows: list[dict], table: str = "kpi_status") -> None:
    """kpi_status (or core_status): published, blocked or "no data", per KPI and month of the run (replaces the
    range's rows)."""
    if table not in STATUS_TABLES:  # a fixed name, never user input
        raise ValueError(table)
    db.run(con, f"CREATE TABLE IF NOT EXISTS {table} (kpi_id VARCHAR, period_end DATE, status VARCHAR, "
                "reasons VARCHAR)")
    frame = pl.DataFrame(rows, schema={"kpi_id": pl.String(), "period_end": pl.Date(), "status": pl.String(),
                                       "reasons": pl.String()})
    con.register("run_status", frame.to_arrow())
    try:
        with db.transaction(con):
            db.run(con, f"DELETE FROM {table} WHERE list_contains($ids, kpi_id) AND period_end BETWEEN $f AND $l",
                   {"ids": frame["kpi_id"].unique().to_list(), "f": first, "l": last})
            db.run(con, f"INSERT INTO {table} SELECT kpi_id, period_end, status, reasons FROM run_status")
    finally:
        con.unregister("run_status")
