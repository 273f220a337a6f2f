"""The OCG run: on the 5th of each month at 06:00, for the month just ended."""


from datetime import timedelta
from pathlib import Path

import dagster as dg

from pipelines.defs.jobs import monthly_contract_job
from pipelines.defs.resources import Warehouse
from pipelines.lib.run_guard import recover_before_request


@dg.schedule(job=monthly_contract_job, cron_schedule="0 6 5 * *", name="monthly_ocg_schedule",
             execution_timezone="UTC",
             description="Monthly contract pack for the Operational Commissioning Group, early in the following month.")
def monthly_ocg_schedule(context: dg.ScheduleEvaluationContext, warehouse: Warehouse) -> dg.RunRequest:
    # A run left STARTED by a dead process would hold the run queue (one run at a time) for ever: recover it first.
    recover_before_request(context, Path(warehouse.state_dir))
    tick = context.scheduled_execution_time.date()
    month = (tick.replace(day=1) - timedelta(days=1)).replace(day=1).isoformat()
    return dg.RunRequest(partition_key=month)
