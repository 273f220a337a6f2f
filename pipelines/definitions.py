"""The Dagster definitions, assembled once; loaded by workspace.yaml and by `dg`.

The asset graph reads like the data's path: raw_drops -> staged/<table> -> quality/input_checks -> kpi/<KPI>
-> outputs (tables, then packs); beside the KPIs, the core data set: core/<case measure>, core/published_measures
-> outputs/core_data_set; outputs/publish publishes every output file of the run together.
"""

from __future__ import annotations

import dagster as dg

from pipelines.defs.core_data_set import core_case_measures, core_data_set_outputs, published_measures
from pipelines.defs.ingest import raw_drops, staged_tables
from pipelines.defs.jobs import ingest_job, monthly_contract_job
from pipelines.defs.kpis import kpi_values
from pipelines.defs.models import MODEL_SPECS
from pipelines.defs.outputs import kpi_tables, publish
from pipelines.defs.packs import packs
from pipelines.defs.quality import input_checks
from pipelines.defs.resources import Warehouse
from pipelines.defs.schedules import monthly_ocg_schedule
from pipelines.defs.sensors import new_drop_sensor

ASSETS = [raw_drops, staged_tables, input_checks, kpi_values, core_case_measures, published_measures, kpi_tables,
          packs, core_data_set_outputs, publish, *MODEL_SPECS]


def build_definitions(warehouse: Warehouse | None = None, loggers: dict | None = None) -> dg.Definitions:
    return dg.Definitions(
        loggers=loggers,
        assets=ASSETS,
        jobs=[monthly_contract_job, ingest_job],
        schedules=[monthly_ocg_schedule],
        sensors=[new_drop_sensor],
        resources={"warehouse": warehouse or Warehouse()},
        # In-process: saves seconds of subprocess start per step, and one process holds the DuckDB writer.
        executor=dg.in_process_executor,
    )


defs = build_definitions()
