"""The OCG run: on the 5th of each month at 06:00, for the month just ended."""


import dagster as dg

from pipelines.defs.jobs import monthly_contract_job

monthly_ocg_schedule = dg.build_schedule_from_partitioned_job(
    monthly_contract_job, name="monthly_ocg_schedule", day_of_month=5, hour_of_day=6,
    description="Monthly contract pack for the Operational Commissioning Group, early in the following month.",
)
