"""The shared models of sql/models as nodes of the asset graph, between the staged tables and the figures.

person_area, cla_snapshot, cla_12_months ... are built in the KPI step's own connection for the run's months
(pipelines/lib/kpi_engine.prepare) and not stored, so they are declared, not materialized: the graph then shows
which staged tables reach which figure through which model. Their edges come from the SQL as DuckDB parses it
(pipelines/lib/lineage.py), as the cards' do.
"""

import dagster as dg

from pipelines.defs.ingest import STAGED_KEYS
from pipelines.lib.lineage import Lineage, models

GROUP = "models"
MODEL_KEYS = {name: dg.AssetKey(["model", name]) for name in models()}


def upstream_keys(reads: set[str] | tuple[str, ...]) -> list[dg.AssetKey]:
    """The staged tables and models a SQL text reads directly, as asset keys (reference and engine tables are
    not assets)."""
    keys = {STAGED_KEYS[n] for n in reads if n in STAGED_KEYS} | {MODEL_KEYS[n] for n in reads if n in MODEL_KEYS}
    return sorted(keys, key=lambda k: k.path)


def card_upstream(lineage: Lineage) -> list[dg.AssetKey]:
    return upstream_keys((*lineage.direct_tables, *lineage.direct_models))


MODEL_SPECS = [
    dg.AssetSpec(
        MODEL_KEYS[name], group_name=GROUP, deps=upstream_keys(model.reads), kinds={"duckdb"},
        description=f"{name}: shared {'table macro' if model.kind == 'macro' else 'temp table'} of "
                    f"sql/models/{model.path.name}, built in the KPI step for the run's months"
                    + (" (council breakdown: read only through it, a table never makes a figure 'no data')"
                       if model.breakdown else ""),
        metadata={"file": f"sql/models/{model.path.name}", "kind": model.kind, "breakdown": model.breakdown},
    )
    for name, model in models().items()
]
