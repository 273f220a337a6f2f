"""Date helpers for the generator: dates are proleptic ordinals (``date.toordinal()``) throughout.

Working days and month arithmetic are the pipeline's own (pipelines/lib/calendar.py): Monday–Friday excluding
England-and-Wales bank holidays (substitute days and one-off days such as 2020-05-08, 2022-09-19 and
2023-05-08); ``calendar().nth_after(d, n)`` is the Nth working day *after* ``d`` (``d`` itself never counts),
the convention the KPI definitions use.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from pipelines.lib.calendar import WorkingDays, shift_months, working_days
from pipelines.lib.calendar import month_end as _month_end

FIRST_YEAR = 1990
LAST_YEAR = 2040
BASE = dt.date(FIRST_YEAR, 1, 1).toordinal()
TOP = dt.date(LAST_YEAR, 12, 31).toordinal()
EPOCH = dt.date(1970, 1, 1).toordinal()  # polars Date = days since 1970-01-01


def o(d: dt.date) -> int:
    return d.toordinal()


def d_(ordinal: int) -> dt.date:
    return dt.date.fromordinal(ordinal)


def weekday(ordinal: int) -> int:
    """0 = Monday … 6 = Sunday."""
    return (ordinal - 1) % 7


@lru_cache(maxsize=1 << 20)
def add_months(ordinal: int, months: int) -> int:
    """Calendar month arithmetic with the day clamped to the month's length."""
    return shift_months(dt.date.fromordinal(ordinal), months).toordinal()


def add_years(ordinal: int, years: int) -> int:
    return add_months(ordinal, 12 * years)


def month_end(year: int, month: int) -> int:
    return _month_end(dt.date(year, month, 1)).toordinal()


def _fy_table() -> list[int]:
    out = []
    for od in range(BASE, TOP + 1):
        d = dt.date.fromordinal(od)
        out.append(d.year if d.month >= 4 else d.year - 1)
    return out


_FY = _fy_table()


def fy_of(ordinal: int) -> int:
    """Financial year label: 2019 for 1 April 2019 – 31 March 2020."""
    if BASE <= ordinal <= TOP:
        return _FY[ordinal - BASE]
    d = dt.date.fromordinal(ordinal)
    return d.year if d.month >= 4 else d.year - 1


def calendar() -> WorkingDays:
    """The project's working-day calendar (pipelines/lib/calendar.py), on ordinals."""
    return working_days()
