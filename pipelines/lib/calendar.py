"""The England-and-Wales working-day calendar.

Built offline from the maintained `holidays` package (England and Wales bank holidays, substitute days and
one-offs such as 8 May 2020, 19 September 2022 and 8 May 2023). Every working-day rule in the SQL goes
through the `add_working_days(d, n)` macro over this table (sql/engine/working_days.sql).
"""

from __future__ import annotations

from datetime import date

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
