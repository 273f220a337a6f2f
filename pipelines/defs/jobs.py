"""The monthly contract run: ingest new drops, stage them, compute every KPI, write the outputs."""


import dagster as dg

monthly_contract_job = dg.define_asset_job(
    "monthly_contract_job",
    selection=dg.AssetSelection.all(),
    description="Archive and stage new drops, compute all KPIs for the reporting month, publish outputs.",
)

ingest_job = dg.define_asset_job(
    "ingest_job",
    selection=dg.AssetSelection.groups("ingest", "staged"),
    description="Archive and stage the drops in the landing folder.",
)
