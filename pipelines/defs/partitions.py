"""Monthly partitions: one partition per reporting month (key = the month's first day, 'YYYY-MM-01')."""


from datetime import date

import dagster as dg

from pipelines.lib.calendar import month_end as _month_end
from pipelines.lib.config import authority

reporting_months = dg.MonthlyPartitionsDefinition(
    start_date=authority().first_reporting_month + "-01", end_offset=0, fmt="%Y-%m-%d"
)


def month_end(partition_key: str) -> date:
    """'2025-03-01' -> 2025-03-31."""
    return _month_end(date.fromisoformat(partition_key))


def partition_key(period: str) -> str:
    """'2025-03' -> '2025-03-01'."""
    year, month = (int(x) for x in period.split("-")[:2])
    return date(year, month, 1).isoformat()
