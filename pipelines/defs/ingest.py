"""Drops -> archive -> staged tables (unpartitioned: a drop is a full-history extract, not a month)."""


from pathlib import Path

import dagster as dg

from pipelines.defs.resources import Warehouse
from pipelines.lib.archive import archive_drop, archived_drops, landing_drops, landing_others
from pipelines.lib.config import authority
from pipelines.lib.contract import contract
from pipelines.lib.pseudonymise import load_key
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import current_drop_id, record_withdrawn, stage_drop, staged_summary

STAGED_KEYS = {name: dg.AssetKey(["staged", name]) for name in contract()}


@dg.asset(group_name="ingest", pool="warehouse",
          description="Every drop in the landing folder, archived unchanged with a sha256 manifest.")
def raw_drops(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    outcomes = [archive_drop(folder, warehouse.archive, warehouse.allow_revision)
                for folder in landing_drops(Path(warehouse.landing_dir))]
    for line in landing_others(Path(warehouse.landing_dir)):
        context.log.info(f"landing folder: {line}")
    for o in outcomes:
        context.log.info(f"drop {o.drop.drop_id}: {o.status} ({len(o.drop.files)} files)")
        for e in o.drop.not_archived if o.status != "already archived" else ():  # names made printable
            context.log.warning(f"drop {o.drop.drop_id}: {e['name']}: {e['status']}: {e['reason']}; not archived")
    return dg.MaterializeResult(metadata={
        "drops": dg.MetadataValue.md("\n".join(f"- {o.drop.drop_id}: {o.status}" for o in outcomes) or "none"),
        "archived": len(archived_drops(warehouse.archive)),
    })


@dg.multi_asset(
    specs=[dg.AssetSpec(key, deps=[raw_drops], group_name="staged",
                        description=f"{name}: typed, pseudonymised rows of every drop") for name, key in
           STAGED_KEYS.items()],
    pool="warehouse",
)
def staged_tables(context: dg.AssetExecutionContext, warehouse: Warehouse):
    key = load_key()
    la_code = authority().la_code
    with warehouse.connect() as con:
        for drop in archived_drops(warehouse.archive):
            summary = stage_drop(con, drop, key, la_code, registry=REGISTRY)
            context.log.info(f"drop {drop.drop_id}: {summary.status}")
            for message in summary.messages:
                context.log.warning(f"drop {drop.drop_id}: {message}")
        # Withdrawn drops are not staged, and one staged before its withdrawal stops being the current drop.
        withdrawn = {d.drop_id: d.withdrawn for d in archived_drops(warehouse.archive, include_withdrawn=True)
                     if d.withdrawn}
        for drop_id, marker in sorted(withdrawn.items()):
            context.log.info(f"drop {drop_id}: withdrawn {marker['withdrawn_at']} ({marker['reason']}); not used")
        record_withdrawn(con, withdrawn)
        current = current_drop_id(con)
        counts = staged_summary(con)
    for name, asset_key in STAGED_KEYS.items():
        mine = counts.filter((counts["table_name"] == name) & (counts["drop_id"] == (current or "")))
        row = mine.row(0, named=True) if mine.height else {"staged_rows": 0, "rejected_cells": 0,
                                                           "quarantined_rows": 0}
        yield dg.MaterializeResult(asset_key=asset_key, metadata={
            "current_drop": current or "none",
            "staged_rows": int(row["staged_rows"]),
            "rejected_cells": int(row["rejected_cells"]),
            "quarantined_rows": int(row["quarantined_rows"]),
        })
