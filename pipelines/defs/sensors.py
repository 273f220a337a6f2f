"""Notices a new drop folder in the landing folder and runs the monthly job for the month it covers."""


import json
from datetime import date, timedelta
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import monthly_contract_job
from pipelines.defs.partitions import reporting_months
from pipelines.defs.resources import Warehouse
from pipelines.lib.archive import DROP_NAME
from pipelines.lib.run_guard import recover_before_request


def covered_partition(extract_date: date) -> str:
    """A month-end drop covers its own month; a drop mid-month covers the month before."""
    if (extract_date + timedelta(days=1)).day == 1:
        return extract_date.replace(day=1).isoformat()
    return (extract_date.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()


@dg.sensor(job=monthly_contract_job, minimum_interval_seconds=300,
           description="A new YYYY-MM-DD folder in the landing folder triggers the month it covers.")
def new_drop_sensor(context: dg.SensorEvaluationContext, warehouse: Warehouse):
    recover_before_request(context, Path(warehouse.state_dir))
    landing = Path(warehouse.landing_dir)
    if not landing.is_dir():
        return dg.SkipReason(f"landing folder {landing} does not exist")
    seen = set(json.loads(context.cursor)) if context.cursor else set()
    drops = sorted(p.name for p in landing.iterdir() if p.is_dir() and DROP_NAME.match(p.name))
    new = [d for d in drops if d not in seen]
    if not new:
        return dg.SkipReason("no new drop")
    keys = set(reporting_months.get_partition_keys())
    requests = []
    for name in new:
        key = covered_partition(date.fromisoformat(name))
        if key in keys:
            requests.append(dg.RunRequest(run_key=f"drop-{name}", partition_key=key, tags={"drop": name}))
    context.update_cursor(json.dumps(sorted(seen | set(new))))
    return requests or dg.SkipReason(f"new drop(s) {new} cover no reporting month yet")
