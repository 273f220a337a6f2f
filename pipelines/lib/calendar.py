"""The England-and-Wales working-day calendar, and month arithmetic: the project's one calendar.

Built offline from the maintained `holidays` package (England and Wales bank holidays, substitute days and
one-offs such as 8 May 2020, 19 September 2022 and 8 May 2023). Every working-day rule in the SQL goes
through the `add_working_days(d, n)` macro over this table (sql/engine/working_days.sql); Python (the SSDA903
review due dates, the synthetic authority) uses `add_working_days` / `working_days()` here, the same rule.
"""

from __future__ import annotations

from datetime import date
from functools import cache

import holidays
import polars as pl

FIRST_YEAR = 1990
LAST_YEAR = 2045


def bank_holidays(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> dict[date, str]:
    """England and Wales bank holidays (England's list; Wales differs from it in no bank holiday)."""
    cal = holidays.country_holidays("GB", subdiv="ENG", years=range(first_year, last_year + 1))
    return dict(sorted(cal.items()))


def calendar_frame(first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> pl.DataFrame:
    """One row per day: day, is_working_day, bank_holiday (name or null), wd_cum.

    wd_cum counts working days on or before the day, so the Nth working day after d is the working day
    whose wd_cum equals wd_cum(d) + N, whatever day of the week d is.
    """
    hols = bank_holidays(first_year, last_year)
    days = pl.date_range(date(first_year, 1, 1), date(last_year, 12, 31), interval="1d", eager=True)
    frame = pl.DataFrame({"day": days}).with_columns(
        bank_holiday=pl.col("day").replace_strict(hols, default=None, return_dtype=pl.String()),
    )
    frame = frame.with_columns(
        is_working_day=(pl.col("day").dt.weekday() <= 5) & pl.col("bank_holiday").is_null(),
    )
    return frame.with_columns(wd_cum=pl.col("is_working_day").cast(pl.Int32).cum_sum())


# --------------------------------------------------------------------------------------------- months
def month_end(d: date) -> date:
    """The last day of `d`'s month."""
    nxt = date(d.year + (d.month == 12), d.month % 12 + 1, 1)
    return date.fromordinal(nxt.toordinal() - 1)


def shift_months(d: date, months: int) -> date:
    """The same day `months` later (earlier when negative); the month's last day when it has fewer days."""
    year, month = divmod(d.year * 12 + d.month - 1 + months, 12)
    first = date(year, month + 1, 1)
    return first.replace(day=min(d.day, month_end(first).day))


# --------------------------------------------------------------------------------------------- working days
class WorkingDays:
    """Working-day arithmetic on day ordinals (`date.toordinal()`), O(1) within FIRST_YEAR-LAST_YEAR (a table
    of working days counted so far); outside it, stepped one day at a time over weekdays (no bank holidays
    are known there, as in the SQL calendar)."""

    def __init__(self, first_year: int = FIRST_YEAR, last_year: int = LAST_YEAR) -> None:
        self.base = date(first_year, 1, 1).toordinal()
        self.top = date(last_year, 12, 31).toordinal()
        self.holidays = {d.toordinal() for d in bank_holidays(first_year, last_year)}  # membership only
        cum, wd, count = [], [], 0
        for od in range(self.base, self.top + 1):
            if (od - 1) % 7 < 5 and od not in self.holidays:
                wd.append(od)
                count += 1
            cum.append(count)
        self._cum, self._wd = cum, wd

    def is_working(self, ordinal: int) -> bool:
        if not self.base <= ordinal <= self.top:
            return (ordinal - 1) % 7 < 5
        i = ordinal - self.base
        return self._cum[i] != (self._cum[i - 1] if i else 0)

    def nth_after(self, ordinal: int, n: int) -> int:
        """The nth working day after `ordinal` (the day itself never counts; n <= 0 gives the day itself)."""
        if n <= 0:
            return ordinal
        if self.base <= ordinal <= self.top:
            i = self._cum[ordinal - self.base] + n - 1
            if i < len(self._wd):
                return self._wd[i]
        while n > 0:
            ordinal += 1
            n -= self.is_working(ordinal)
        return ordinal

    def between(self, a: int, b: int) -> int:
        """Working days in (a, b] (both within the table)."""
        return self._cum[b - self.base] - self._cum[a - self.base]

    def next_working(self, ordinal: int) -> int:
        """The day itself if a working day, else the next working day."""
        return ordinal if self.is_working(ordinal) else self.nth_after(ordinal, 1)


@cache
def working_days() -> WorkingDays:
    return WorkingDays()


def add_working_days(d: date, n: int) -> date:
    """The nth working day after `d`, `d` itself never counted (kpis.md, "Working days"; the SQL macro)."""
    return date.fromordinal(working_days().nth_after(d.toordinal(), n))
