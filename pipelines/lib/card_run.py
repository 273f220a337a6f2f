"""One run of a family of cards over a month range: compute, judge "no data" and blocking, record the status.

The contract KPIs (family 'kpi': kpi_values, kpi_records, kpi_status) and the core data set's case measures
(family 'core': core_values, core_records, core_status) are run the same way by one Dagster factory
(pipelines/defs/cards.py); this module is that run in plain Python. For each selected card and month of the
run: the figure is computed (pipelines/lib/kpi_engine.py), "no data" when its inputs are absent
(pipelines/lib/no_data.py), blocked when a table its SQL reads (pipelines/lib/lineage.py) fails a critical check
for the month or holds a failing record that reaches the month's figure (pipelines/lib/quality/blocking.py), or,
for the KPIs, when its values fail the kpi_values suite.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import yaml

from pipelines.lib import db
from pipelines.lib.calendar import month_end
from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.no_data import absent_tables, month_status, no_data_reasons
from pipelines.lib.paths import CONFIG_DIR
from pipelines.lib.quality.blocking import history_blocking
from pipelines.lib.quality.store import critical_records, critical_rules_by_table_month
from pipelines.lib.staging import current_drop_id

STATUS_TABLES = {"kpi": "kpi_status", "core": "core_status"}  # by family: contract KPIs; core case measures


class NoDropCoversPeriod(RuntimeError):
    pass


def parameter_overrides(path: Path = CONFIG_DIR / "kpi_parameters.yaml") -> dict:
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def ensure_area_lookup(con: duckdb.DuckDBPyConnection) -> None:
    """The drop's area_lookup names the owning councils; without one, the configured councils are used."""
    if db.scalar(con, "SELECT count(*) FROM area_lookup") == 0:
        frame = pl.DataFrame({"la_code": [c.la_code for c in authority().owning_councils],
                              "area_name": [c.name for c in authority().owning_councils]})
        con.register("configured_councils", frame.to_arrow())
        db.run(con, "CREATE OR REPLACE TEMP TABLE area_lookup AS SELECT * FROM configured_councils")
        con.unregister("configured_councils")


def history_start(last: date) -> date:
    """The month end 12 months before `last` (not before the first reporting month's end)."""
    first_year, first_month = (int(x) for x in authority().first_reporting_month.split("-")[:2])
    return max(month_end(date(last.year - 1, last.month, 1)), month_end(date(first_year, first_month, 1)))


def blocking_rules(card: KpiCard, critical: dict[str, dict], period_end: date, history: dict | None = None
                   ) -> list[str]:
    """The critical rules failed by the tables this card reads (its derived source tables), for records of this
    month (or undated), and for older (or later) records that reach this month's figure (`history`, from
    quality.blocking)."""
    rules = []
    for table in card.source_tables:
        by_month = critical.get(table, {})
        for month in (None, period_end):
            rules += [f"{table}: {rule}" for rule in by_month.get(month, [])]
    # a rule already blocking the month by date is not repeated with how an older record reaches it
    rules += [r for r in (history or {}).get(period_end, []) if r.rsplit(" (", 1)[0] not in rules]
    return sorted(set(rules))


def record_status(con: duckdb.DuckDBPyConnection, first: date, last: date, rows: list[dict],
                  table: str = "kpi_status") -> None:
    """kpi_status (or core_status): published, blocked or "no data", per card and month of the run (replaces
    the range's rows)."""
    if table not in STATUS_TABLES.values():  # a fixed name, never user input
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


@dataclass
class CardOutcome:
    """One card's run: what was written, which months are blocked (and why) or "no data"."""

    card: KpiCard
    values_rows: int
    record_rows: int
    months: list[date]
    blocked: dict[date, list[str]] = field(default_factory=dict)
    no_data: dict[date, list[str]] = field(default_factory=dict)
    value_rules: list[str] = field(default_factory=list)  # failed kpi_values rules (KPIs only)
    headline: dict[str, Any] = field(default_factory=dict)  # value, numerator, denominator at the last month

    @property
    def input_rules(self) -> list[str]:
        return sorted({r for rs in self.blocked.values() for r in rs} - set(self.value_rules))

    def state(self) -> str:
        months = len(self.months)
        state = (f"BLOCKED for {len(self.blocked)} of {months} month(s) "
                 f"({'; '.join(self.input_rules + self.value_rules)})" if self.blocked else "published")
        if self.no_data:
            state += (f"; NO DATA for {len(self.no_data)} of {months} month(s) "
                      f"({'; '.join(sorted({r for rs in self.no_data.values() for r in rs}))})")
        return state


def run_cards(con: duckdb.DuckDBPyConnection, cards: Iterable[KpiCard], family: str, range_first: date,
              last: date, overrides: Mapping[str, Mapping[str, Any]] | None = None) -> list[CardOutcome]:
    """Compute every card of the family for the run's months (`range_first`..`last`, and the 12 months before
    the range "as now known", so trends, directions and breaches read current figures), and record each
    month's status in the family's status table. The connection sees the current drop (staging.use_current)."""
    from pipelines.lib.quality import check_kpi_values

    first = min(range_first, history_start(last))
    extract = db.scalar(con, "SELECT max(extract_date) FROM staged.current_drop")
    if extract is None or extract < last:
        raise NoDropCoversPeriod(
            f"no staged drop covers the month ending {last}: the latest extract is dated "
            f"{extract or 'never'}. Deliver a drop dated {last} or later.")
    ensure_area_lookup(con)
    drop_id = current_drop_id(con)
    # findings are stored for the partition range the quality step checked
    critical = critical_rules_by_table_month(con, drop_id, range_first.replace(day=1), last)
    # every failing record of the drop, whatever its date: older records feed fytd, r12, r36, snapshots
    failing = critical_records(con, drop_id, range_first.replace(day=1), last)
    prepare(con, first, last)
    cards = list(cards)
    results = {c.id: compute_kpi(con, c, first, last, overrides, family=family) for c in cards}
    value_findings = check_kpi_values(con, first.replace(day=1), last) if family == "kpi" else {}
    months = [r[0] for r in db.rows(con, "SELECT DISTINCT period_end FROM kpi_windows ORDER BY 1")]
    absent = absent_tables(con, drop_id)
    values_table = "kpi_values" if family == "kpi" else "core_values"
    outcomes, status_rows = [], []
    for card in cards:
        result = results[card.id]
        values = [f"kpi_values: {f.rule}" for f in value_findings.get(card.id, []) if f.critical]
        outcome = CardOutcome(card, result.values_rows, result.record_rows, months, value_rules=values,
                              no_data=no_data_reasons(con, card, drop_id, months, absent, family=family))
        history = history_blocking(con, card, failing, first, last, extract, family=family)
        for month in months:
            reasons = blocking_rules(card, critical, month, history) + values
            status, text = month_status(outcome.no_data.get(month, []), reasons)
            status_rows.append({"kpi_id": card.id, "period_end": month, "status": status, "reasons": text})
            if reasons:
                outcome.blocked[month] = reasons
        headline = db.dicts(con, f"SELECT value, numerator, denominator FROM {values_table} WHERE kpi_id = $k "
                                 "AND period_end = $p AND basis = $b AND area = 'all' AND team IS NULL",
                            {"k": card.id, "p": last, "b": card.headline_basis})
        outcome.headline = headline[0] if headline else {}
        outcomes.append(outcome)
    if status_rows:
        record_status(con, first, last, status_rows, table=STATUS_TABLES[family])
    return outcomes
