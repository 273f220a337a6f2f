"""Date helpers for the generator: dates are proleptic ordinals (``date.toordinal()``) throughout.

Working days are Monday–Friday excluding England-and-Wales bank holidays (the ``holidays`` package's
offline calendar, which includes substitute days and one-off days such as 2020-05-08, 2022-09-19 and
2023-05-08). ``nth_after(d, n)`` is the Nth working day *after* ``d`` (``d`` itself never counts), the
convention the KPI definitions use.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

import holidays

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
    d = dt.date.fromordinal(ordinal)
    m = d.month - 1 + months
    y = d.year + m // 12
    m = m % 12 + 1
    last = _month_len(y, m)
    return dt.date(y, m, min(d.day, last)).toordinal()


def add_years(ordinal: int, years: int) -> int:
    return add_months(ordinal, 12 * years)


def month_end(year: int, month: int) -> int:
    return dt.date(year, month, _month_len(year, month)).toordinal()


def _month_len(y: int, m: int) -> int:
    if m == 12:
        return 31
    return (dt.date(y, m + 1, 1) - dt.date(y, m, 1)).days


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


class WorkCalendar:
    """O(1) working-day arithmetic over 1980–2045."""

    def __init__(self) -> None:
        hol = holidays.country_holidays("GB", subdiv="ENG", years=range(FIRST_YEAR, LAST_YEAR + 1))
        hol_ord = {d.toordinal() for d in hol}  # membership only: never iterated
        n = TOP - BASE + 1
        cum = [0] * n
        wd: list[int] = []
        count = 0
        for i in range(n):
            od = BASE + i
            if (od - 1) % 7 < 5 and od not in hol_ord:
                wd.append(od)
                count += 1
            cum[i] = count
        self._cum = cum
        self._wd = wd
        self.holidays = hol_ord

    def is_working(self, ordinal: int) -> bool:
        i = ordinal - BASE
        return self._cum[i] != (self._cum[i - 1] if i else 0)

    def nth_after(self, ordinal: int, n: int) -> int:
        """The nth working day after ``ordinal`` (n <= 0 returns the date itself)."""
        if n <= 0:
            return ordinal
        return self._wd[self._cum[ordinal - BASE] + n - 1]

    def between(self, a: int, b: int) -> int:
        """Working days in (a, b]."""
        return self._cum[b - BASE] - self._cum[a - BASE]

    def next_working(self, ordinal: int) -> int:
        """The date itself if a working day, else the next working day."""
        return ordinal if self.is_working(ordinal) else self.nth_after(ordinal, 1)


@lru_cache(maxsize=1)
def calendar() -> WorkCalendar:
    return WorkCalendar()
