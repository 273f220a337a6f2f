"""The England-and-Wales working-day calendar and the add_working_days SQL macro.

Convention (../shared/spec/kpis.md, "Working days"): Monday-Friday excluding England-and-Wales bank holidays
(including substitute days); the Nth working day after d is found by stepping forward one day at a time and
counting only working days; the start day itself is never counted, whatever day it is.
Every expected date below is counted by hand in the comments.
"""

from __future__ import annotations

from datetime import date, timedelta

import duckdb
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.lib import db
from pipelines.lib.calendar import bank_holidays, calendar_frame
from pipelines.lib.reference import install_calendar

HOLS = bank_holidays()


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    install_calendar(con)
    yield con
    con.close()


def add_wd(con, d: date, n: int) -> date:
    return db.scalar(con, "SELECT add_working_days($d, $n)", {"d": d, "n": n})


def reference_add(d: date, n: int) -> date:
    """Straight from the spec: step one day at a time, counting weekdays that are not bank holidays."""
    cur, counted = d, 0
    while counted < n:
        cur += timedelta(days=1)
        if cur.weekday() < 5 and cur not in HOLS:
            counted += 1
    return cur


# ---------------------------------------------------------------- bank holidays


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 8),    # VE day 75: the early May bank holiday moved from Mon 4 May to Fri 8 May 2020
        date(2022, 6, 2),    # Platinum Jubilee: spring bank holiday moved to Thu 2 June ...
        date(2022, 6, 3),    # ... plus the extra Jubilee holiday Fri 3 June
        date(2022, 9, 19),   # State funeral of Queen Elizabeth II
        date(2023, 5, 8),    # Coronation of King Charles III
        date(2020, 12, 28),  # Boxing Day 2020 was a Saturday: substitute Monday 28 December
        date(2021, 12, 27),  # Christmas Day 2021 was a Saturday: substitute Monday 27 December
        date(2021, 12, 28),  # Boxing Day 2021 was a Sunday: substitute Tuesday 28 December
        date(2024, 3, 29),   # Good Friday 2024
        date(2024, 4, 1),    # Easter Monday 2024
        date(2024, 1, 1),    # New Year's Day
    ],
)
def test_bank_holidays_include(day):
    assert day in HOLS


@pytest.mark.parametrize(
    "day",
    [
        date(2020, 5, 4),    # the usual first Monday of May, not a holiday in 2020 (moved to the 8th)
        date(2022, 5, 30),   # the usual last Monday of May, not a holiday in 2022 (moved to 2 June)
        date(2024, 1, 2),    # 2 January: Scotland only
        date(2023, 8, 7),    # first Monday of August: Scotland's summer holiday, not England's
        date(2023, 11, 30),  # St Andrew's Day: Scotland only
        date(2024, 3, 17),   # St Patrick's Day: Northern Ireland only (and a Sunday)
    ],
)
def test_bank_holidays_exclude(day):
    assert day not in HOLS


def test_weekends_and_bank_holidays_are_not_working_days():
    frame = calendar_frame(2024, 2024)
    working = dict(zip(frame["day"].to_list(), frame["is_working_day"].to_list(), strict=True))
    assert working[date(2024, 3, 30)] is False  # Saturday
    assert working[date(2024, 3, 31)] is False  # Sunday
    assert working[date(2024, 3, 29)] is False  # Good Friday (a weekday)
    assert working[date(2024, 3, 28)] is True   # Thursday
    assert working[date(2024, 4, 2)] is True    # Tuesday after Easter Monday
    # 2024: 366 days, 104 weekend days (52 weeks + Mon 1 Jan and Tue 31 Dec are weekdays), and 8 bank
    # holidays all on weekdays (1 Jan, 29 Mar, 1 Apr, 6 May, 27 May, 26 Aug, 25 Dec, 26 Dec): 366-104-8 = 254
    assert sum(working.values()) == 254


def test_calendar_table_in_duckdb_marks_weekends(con):
    rows = db.rows(con, "SELECT day, is_working_day FROM calendar WHERE day BETWEEN DATE '2024-03-28' "
                        "AND DATE '2024-04-02' ORDER BY day")
    # Thu 28 work, Fri 29 Good Friday, Sat 30, Sun 31, Mon 1 Easter Monday, Tue 2 work
    assert [r[1] for r in rows] == [True, False, False, False, False, True]


# ---------------------------------------------------------------- add_working_days by hand


@pytest.mark.parametrize(
    ("start", "n", "expected"),
    [
        # Fri 22 Mar 2024 +1: Sat, Sun skipped -> Mon 25 Mar
        (date(2024, 3, 22), 1, date(2024, 3, 25)),
        # Sat 23 Mar 2024 +1: the Saturday itself never counts; Sun skipped -> Mon 25 Mar
        (date(2024, 3, 23), 1, date(2024, 3, 25)),
        # Sun 24 Mar 2024 +1 -> Mon 25 Mar
        (date(2024, 3, 24), 1, date(2024, 3, 25)),
        # Wed 20 Mar 2024 +1 -> Thu 21 Mar (ordinary weekday)
        (date(2024, 3, 20), 1, date(2024, 3, 21)),
        # Easter 2024: Thu 28 Mar +2: Fri 29 Good Friday, Sat, Sun, Mon 1 Apr Easter Monday skipped;
        # Tue 2 Apr (1), Wed 3 Apr (2)
        (date(2024, 3, 28), 2, date(2024, 4, 3)),
        # Good Friday 29 Mar 2024 +1 (a holiday start is not counted either) -> Tue 2 Apr
        (date(2024, 3, 29), 1, date(2024, 4, 2)),
        # VE day: Thu 7 May 2020 +2: Fri 8 May holiday, weekend; Mon 11 (1), Tue 12 (2)
        (date(2020, 5, 7), 2, date(2020, 5, 12)),
        # Thu 30 Apr 2020 +2: Fri 1 May (1), Mon 4 May (2) -- not a holiday in 2020
        (date(2020, 4, 30), 2, date(2020, 5, 4)),
        # +10 from Mon 1 Jan 2024 (a holiday): Jan 2(1) 3(2) 4(3) 5(4) 8(5) 9(6) 10(7) 11(8) 12(9) 15(10)
        (date(2024, 1, 1), 10, date(2024, 1, 15)),
        # +10 from Sat 19 Dec 2020: Dec 21(1) 22(2) 23(3) 24(4); 25 Christmas, 26-27 weekend,
        # 28 Boxing Day substitute; 29(5) 30(6) 31(7); Jan 1 holiday, 2-3 weekend; Jan 4(8) 5(9) 6(10)
        (date(2020, 12, 19), 10, date(2021, 1, 6)),
        # +10 from Mon 12 Sep 2022: 13(1) 14(2) 15(3) 16(4); 19 state funeral; 20(5) 21(6) 22(7) 23(8)
        # 26(9) 27(10)
        (date(2022, 9, 12), 10, date(2022, 9, 27)),
        # +15 from Fri 15 Dec 2023: Dec 18(1) 19(2) 20(3) 21(4) 22(5); 25, 26 holidays; 27(6) 28(7) 29(8);
        # Jan 1 holiday; Jan 2(9) 3(10) 4(11) 5(12) 8(13) 9(14) 10(15)
        (date(2023, 12, 15), 15, date(2024, 1, 10)),
        # +15 from Wed 25 May 2022: 26(1) 27(2) 30(3) 31(4) Jun 1(5); Jun 2, 3 Jubilee holidays;
        # Jun 6-10 (6-10); Jun 13-17 (11-15)
        (date(2022, 5, 25), 15, date(2022, 6, 17)),
        # +45 from Wed 1 Jan 2020 (a holiday): Jan 2(1) 3(2); Jan 6-10 (3-7) 13-17 (8-12) 20-24 (13-17)
        # 27-31 (18-22); Feb 3-7 (23-27) 10-14 (28-32) 17-21 (33-37) 24-28 (38-42); Mar 2(43) 3(44) 4(45)
        (date(2020, 1, 1), 45, date(2020, 3, 4)),
        # +45 from Mon 3 Apr 2023: Apr 4(1) 5(2) 6(3); 7 Good Friday, 10 Easter Monday; 11-14 (4-7);
        # 17-21 (8-12); 24-28 (13-17); May 1 holiday; 2-5 (18-21); May 8 coronation; 9-12 (22-25);
        # 15-19 (26-30); 22-26 (31-35); May 29 spring holiday; 30(36) 31(37) Jun 1(38) 2(39);
        # Jun 5-9 (40-44); Mon 12 Jun (45)
        (date(2023, 4, 3), 45, date(2023, 6, 12)),
    ],
)
def test_add_working_days_counted_by_hand(con, start, n, expected):
    assert add_wd(con, start, n) == expected


def test_add_working_days_accepts_date_literals(con):
    # The form the KPI SQL uses: Fri 29 Mar 2024 (Good Friday) +1 -> Tue 2 Apr
    assert db.scalar(con, "SELECT add_working_days(DATE '2024-03-29', 1)") == date(2024, 4, 2)


def test_add_working_days_zero_from_a_working_day_is_that_day(con):
    # Thu 28 Mar 2024 is a working day: zero steps leave it where it is
    assert add_wd(con, date(2024, 3, 28), 0) == date(2024, 3, 28)


@pytest.mark.parametrize("start", [date(2024, 3, 30), date(2024, 3, 29), date(2024, 3, 31)])
def test_add_working_days_zero_from_a_non_working_day_is_that_day(con, start):
    # Sat 30 Mar, Good Friday 29 Mar, Sun 31 Mar 2024: zero steps forward leave the date unchanged
    assert add_wd(con, start, 0) == start


# ---------------------------------------------------------------- cross-check against a plain loop

DATES = st.dates(min_value=date(2017, 1, 1), max_value=date(2026, 12, 31))


def test_reference_loop_itself_counts_by_hand():
    # the oracle must agree with hand counts too: Thu 28 Mar 2024 +2 = Wed 3 Apr; Sat 23 Mar 2024 +1 = Mon 25
    assert reference_add(date(2024, 3, 28), 2) == date(2024, 4, 3)
    assert reference_add(date(2024, 3, 23), 1) == date(2024, 3, 25)


@settings(max_examples=200, deadline=None, database=None)
@given(start=DATES, n=st.integers(min_value=1, max_value=60))
def test_add_working_days_matches_reference_loop(con, start, n):
    assert add_wd(con, start, n) == reference_add(start, n)


@settings(max_examples=200, deadline=None, database=None)
@given(start=DATES, n=st.integers(min_value=0, max_value=60))
def test_add_working_days_matches_reference_loop_including_zero(con, start, n):
    assert add_wd(con, start, n) == reference_add(start, n)


# ---------------------------------------------------------------- the one calendar in Python


@settings(max_examples=300, deadline=None)
@given(st.dates(min_value=date(1985, 1, 1), max_value=date(2050, 12, 31)), st.integers(min_value=0, max_value=80))
def test_python_add_working_days_is_the_spec_rule(d, n):
    # inside the bank-holiday table and outside it (before 1990, after 2045: weekdays only, as the SQL calendar)
    from pipelines.lib.calendar import add_working_days

    assert add_working_days(d, n) == reference_add(d, n)


@pytest.mark.parametrize(("d", "months", "expected"), [
    (date(2020, 1, 31), 1, date(2020, 2, 29)),    # clamped to a leap February
    (date(2021, 1, 31), 1, date(2021, 2, 28)),
    (date(2020, 3, 31), -1, date(2020, 2, 29)),
    (date(2020, 3, 15), -15, date(2018, 12, 15)),  # across year ends, backwards
    (date(2019, 12, 31), 2, date(2020, 2, 29)),
    (date(2019, 8, 30), 0, date(2019, 8, 30)),
])
def test_shift_months_keeps_the_day_or_takes_the_month_end(d, months, expected):
    from pipelines.lib.calendar import shift_months

    assert shift_months(d, months) == expected


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_month_end_is_the_day_before_the_next_month(d):
    from pipelines.lib.calendar import month_end

    end = month_end(d)
    assert (end.year, end.month) == (d.year, d.month) and (end + timedelta(days=1)).day == 1
