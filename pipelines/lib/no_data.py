"""When a KPI (or case measure) month is "no data": the figure's inputs are absent, so a number would mislead.

A critical check *blocks* a figure computed from faulty records (the value is kept for analysts). "No data" is
different: there is nothing to compute from, and a computed 0 (no contacts, no incidents, every distance
unknown) would look real. A month is "no data", with the reason, when

- a table the card needs (`required_tables`: what its SQL reads, less breakdown tables) was not delivered in the drop:
  no file named for it and no statutory return filling it, or its file was refused whole (every month);
- a column the card `depends_on` is known for fewer than `min_share_known` of the records (of the month's
  records with `month_column`, else of the whole table): e.g. KPI01's decision dates, which Annex A lacks;
- fewer than `known_records.min_share_known` of the month's denominator records are known (the SQL flags the
  unknown ones with `unknown_reason`, e.g. KPI12's distances);
- a table the card reads holds history only from a date later than the figure needs: staging records, per
  table, the date its history is complete from (staged.table_coverage: an SSD file is complete; a 903 set from
  1 April of its earliest year, a CIN census likewise, an Annex A list from its window start before the
  inspection date, a CSWW census from its reference date), and the card says how far before its reporting
  window it reads (`lookback_months`, 'all' for an 'ever' definition). The month is judged on the card's
  headline basis (status is per KPI and month): it is "no data" when the headline window's start less the
  look-back is before that date. A month whose other bases read further back (KPI02's r12) is published on
  its headline figure, but each row written or shown is judged on its own basis (`mark_short_of_history`):
  an r12 row reading before the history is "no data" while the month's headline row is published.

The value, numerator and denominator are left out of kpi_values.csv and the packs (which say "no data" and
why), and such months never count towards a persistent breach.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.calendar import month_end, shift_months
from pipelines.lib.contract import contract, ident
from pipelines.lib.kpi_cards import LOOKBACK_ALL, KpiCard, load_cards
from pipelines.lib.paths import SQL_DIR

NO_DATA = "no data"
RECORDS_TABLES = {"kpi": "kpi_records", "core": "core_records"}  # fixed names by family


def _sql(name: str) -> str:
    return (SQL_DIR / "no_data" / f"{name}.sql").read_text()


def absent_tables(con: duckdb.DuckDBPyConnection, drop_id: str) -> dict[str, str]:
    """Contract tables the drop does not deliver, with why: not delivered, or its file refused whole. A table
    with staged rows (from its file or a return), or delivered as a header-only file, is present."""
    files = {r["table_name"]: r for r in db.dicts(con, _sql("files_of_drop"),
                                                   {"drop_id": drop_id, "contract_tables": list(contract())})}
    out = {}
    for table in contract():
        # Table names come from the contract (validated identifiers); values are bound.
        staged = db.scalar(con, "SELECT count(*) FROM staged." + ident(table) + " WHERE drop_id = $d",
                           {"d": drop_id})
        if staged:
            continue
        delivered = files.get(table)
        if delivered is None:
            out[table] = f"{table} not delivered in drop {drop_id}"
        elif delivered["refused_reason"]:
            out[table] = f"{table}: its file {delivered['file_name']} was refused, nothing staged"
    return out


def _column_reasons(con: duckdb.DuckDBPyConnection, card: KpiCard, drop_id: str, months: list[date]
                    ) -> dict[date | None, list[str]]:
    out: dict[date | None, list[str]] = defaultdict(list)
    for dep in card.depends_on:
        # Identifiers are the card's, checked against the contract when the card loaded; values are bound.
        col, table = ident(dep.column), "staged." + ident(dep.table)
        if dep.month_column:
            rows = db.rows(con, f"SELECT CAST(last_day({ident(dep.month_column)}) AS DATE), count(*), count({col}) "
                                f"FROM {table} WHERE drop_id = $d AND {ident(dep.month_column)} IS NOT NULL "
                                "GROUP BY 1", {"d": drop_id})
        else:
            rows = [(None, *db.rows(con, f"SELECT count(*), count({col}) FROM {table} WHERE drop_id = $d",
                                    {"d": drop_id})[0])]
        for month, n, known in rows:
            if month is not None and month not in months:
                continue
            if n and known / n < dep.min_share_known:
                where = f"records dated {month:%B %Y}" if month else "records"
                out[month].append(f"{dep.table}.{dep.column} known for {known:,} of {n:,} {where} (the figure "
                                  f"needs {dep.min_share_known:.0%})")
    return out


def _record_reasons(con: duckdb.DuckDBPyConnection, card: KpiCard, months: list[date], family: str
                    ) -> dict[date, list[str]]:
    out: dict[date, list[str]] = defaultdict(list)
    known = card.known_records
    if known is None or not months:
        return out
    sql = _sql("records_known").replace("records_table", RECORDS_TABLES[family])
    rows = db.rows(con, sql, {"kpi_id": card.id, "basis": card.headline_basis, "unknown_reason": known.unknown_reason,
                              "first": min(months), "last": max(months)})
    for month, in_denominator, unknown in rows:
        if in_denominator and 1 - unknown / in_denominator < known.min_share_known:
            out[month].append(f"{unknown:,} of {in_denominator:,} records '{known.unknown_reason}' (the figure "
                              f"needs {known.min_share_known:.0%} known)")
    return out


def _months_earlier(d: date, months: int) -> date:
    """Month arithmetic as kpis.md: a month end goes to the month end `months` earlier, other days keep the day."""
    shifted = shift_months(d, -months)
    return month_end(shifted) if d == month_end(d) else shifted


def window_start(period_end: date, basis: str) -> date:
    """The first day of a basis' reporting window ending `period_end` (as sql/engine/kpi_windows.sql)."""
    fy_start = date(period_end.year if period_end.month >= 4 else period_end.year - 1, 4, 1)
    if basis == "month":
        return period_end.replace(day=1)
    if basis == "quarter":
        months = (period_end.year * 12 + period_end.month) - (fy_start.year * 12 + fy_start.month)
        return _months_earlier(fy_start, -3 * (months // 3))
    if basis == "fytd":
        return fy_start
    if basis in ("r12", "r36"):
        return _months_earlier(period_end, 12 if basis == "r12" else 36) + timedelta(days=1)
    return period_end  # snapshot: the state at the period end


def needed_from(card: KpiCard, period_end: date, basis: str) -> date | None:
    """The earliest date whose records the figure reads (None: the whole history)."""
    if card.lookback_months == LOOKBACK_ALL:
        return None
    return _months_earlier(window_start(period_end, basis), int(card.lookback_months))


def table_coverage(con: duckdb.DuckDBPyConnection, drop_id: str) -> dict[str, tuple[date, str]]:
    """Tables of the drop whose history starts at a known date: table -> (covered from, source)."""
    if not db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staged' "
                          "AND table_name = 'table_coverage'"):
        return {}  # a warehouse staged before coverage was recorded: nothing known to be short
    return {r["table_name"]: (r["covered_from"], r["source"])
            for r in db.dicts(con, _sql("table_coverage"), {"drop_id": drop_id})}


def history_reasons(card: KpiCard, period_end: date, basis: str, coverage: dict[str, tuple[date, str]]
                    ) -> list[str]:
    """Why the figure for this month and basis would read a truncated history (empty: it would not)."""
    need = needed_from(card, period_end, basis)
    out = []
    for table in card.required_tables:
        if table not in coverage:
            continue
        start, source = coverage[table]
        if need is None:
            out.append(f"{table} history from {start} only ({source}); the figure needs the whole history")
        elif start > need:
            out.append(f"{table} history from {start} only ({source}); the figure needs records from {need}")
    return out


VALUE_KEY = ["kpi_id", "period_end", "basis"]


def short_of_history(con: duckdb.DuckDBPyConnection, drop_id: str | None, values: pl.DataFrame,
                     cards: dict[str, KpiCard] | None = None) -> pl.DataFrame:
    """(kpi_id, period_end, basis, history) of the values' rows whose figure, on that row's own basis, reads
    before a table's history starts; `history` is the reasons joined. Ids without a card are left alone."""
    out_schema = {"kpi_id": pl.String(), "period_end": pl.Date(), "basis": pl.String(), "history": pl.String()}
    coverage = table_coverage(con, drop_id) if drop_id else {}
    if not coverage or values.height == 0:
        return pl.DataFrame(schema=out_schema)
    cards = cards if cards is not None else {c.id: c for c in load_cards()}
    rows = []
    for kpi_id, period_end, basis in values.select(VALUE_KEY).unique().iter_rows():
        card = cards.get(kpi_id)
        if card is None or period_end is None or basis is None:
            continue
        reasons = history_reasons(card, period_end, basis, coverage)
        if reasons:
            rows.append({"kpi_id": kpi_id, "period_end": period_end, "basis": basis, "history": "; ".join(reasons)})
    return pl.DataFrame(rows, schema=out_schema)


def mark_short_of_history(con: duckdb.DuckDBPyConnection, drop_id: str | None, values: pl.DataFrame,
                          cards: dict[str, KpiCard] | None = None, status: str = "dq_status",
                          reason: str = "null_reason") -> pl.DataFrame:
    """The values with each row short of history (any basis, `short_of_history`) made "no data": value,
    numerator and denominator empty, `reason` "no data: <why>", `status` (when the frame has it) "no data".
    Only that row: the month's status, judged on the headline basis, is not changed. A row already "no data"
    keeps its reason."""
    short = short_of_history(con, drop_id, values, cards)
    if short.height == 0:
        return values
    marked = values.join(short.with_columns(pl.col("period_end").cast(values.schema["period_end"])),
                         on=VALUE_KEY, how="left")
    hit = pl.col("history").is_not_null()
    if status in values.columns:
        hit = hit & pl.col(status).ne_missing(pl.lit(NO_DATA))
    return marked.with_columns(
        *[pl.when(hit).then(None).otherwise(pl.col(c)).alias(c) for c in ("numerator", "denominator", "value")],
        pl.when(hit).then(pl.lit("no data: ") + pl.col("history")).otherwise(pl.col(reason)).alias(reason),
        *([pl.when(hit).then(pl.lit(NO_DATA)).otherwise(pl.col(status)).alias(status)]
          if status in values.columns else []),
    ).drop("history")


def no_data_reasons(con: duckdb.DuckDBPyConnection, card: KpiCard, drop_id: str, months: list[date],
                    absent: dict[str, str], family: str = "kpi") -> dict[date, list[str]]:
    """Why each month of the run is "no data" for this card (months absent from the result have their data)."""
    every = [absent[t] for t in card.required_tables if t in absent]
    columns = _column_reasons(con, card, drop_id, months)
    records = _record_reasons(con, card, months, family)
    coverage = table_coverage(con, drop_id)
    out = {}
    for month in months:
        reasons = every + columns.get(None, []) + columns.get(month, []) + records.get(month, [])
        reasons += history_reasons(card, month, card.headline_basis, coverage)
        if reasons:
            out[month] = reasons
    return out


def month_status(no_data: list[str], blocking: list[str]) -> tuple[str, str | None]:
    """A month's status and reasons: "no data" (nothing to compute from) before "blocked" (faulty inputs)."""
    if no_data:
        return NO_DATA, "; ".join(no_data + blocking)
    if blocking:
        return "blocked", "; ".join(blocking)
    return "published", None
