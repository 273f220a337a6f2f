"""KPI values: one asset per KPI card, all computed in one step over the partition range (single-run
backfills: a ten-year backfill is one run and one pass of each SQL file)."""


from pathlib import Path

import dagster as dg
import polars as pl
import yaml

from pipelines.defs.ingest import STAGED_KEYS
from pipelines.defs.partitions import month_end, reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib import db
from pipelines.lib.config import authority
from pipelines.lib.kpi_cards import KpiCard, load_cards
from pipelines.lib.kpi_engine import compute_kpi, prepare
from pipelines.lib.paths import CONFIG_DIR
from pipelines.lib.staging import use_current

CARDS = {dg.AssetKey(["kpi", c.asset_name]): c for c in load_cards()}


class NoDropCoversPeriod(RuntimeError):
    pass


def parameter_overrides(path: Path = CONFIG_DIR / "kpi_parameters.yaml") -> dict:
    return yaml.safe_load(path.read_text()) or {} if path.exists() else {}


def _spec(key: dg.AssetKey, card: KpiCard) -> dg.AssetSpec:
    return dg.AssetSpec(
        key, group_name="kpis", description=f"{card.id}: {card.title}",
        deps=[STAGED_KEYS[t] for t in card.raw["source_tables"] if t in STAGED_KEYS],
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


@dg.multi_asset(
    specs=[_spec(k, c) for k, c in CARDS.items()],
    partitions_def=reporting_months,
    backfill_policy=dg.BackfillPolicy.single_run(),
    can_subset=True,
    pool="warehouse",
)
def kpi_values(context: dg.AssetExecutionContext, warehouse: Warehouse):
    keys = context.partition_key_range
    first, last = month_end(keys.start), month_end(keys.end)
    overrides = parameter_overrides()
    with warehouse.connect() as con:
        use_current(con)
        extract = db.scalar(con, "SELECT max(extract_date) FROM staged.current_drop")
        if extract is None or extract < last:
            raise NoDropCoversPeriod(
                f"no staged drop covers the month ending {last}: the latest extract is dated "
                f"{extract or 'never'}. Deliver a drop dated {last} or later.")
        ensure_area_lookup(con)
        prepare(con, first, last)
        for key in sorted(context.selected_asset_keys):
            card = CARDS[key]
            result = compute_kpi(con, card, first, last, overrides)
            headline = db.dicts(con, "SELECT value, numerator, denominator FROM kpi_values WHERE kpi_id = $k "
                                "AND period_end = $p AND basis = $b AND area = 'all' AND team IS NULL",
                                {"k": card.id, "p": last, "b": card.headline_basis})
            context.log.info(f"{card.id} {first}..{last}: {result.values_rows} values, {result.record_rows} records")
            h = headline[0] if headline else {}
            yield dg.MaterializeResult(asset_key=key, metadata={
                "values_rows": result.values_rows, "record_rows": result.record_rows,
                f"headline_{card.headline_basis}_{last}": h.get("value"),
                "numerator": h.get("numerator"), "denominator": h.get("denominator"),
            })
