"""How numbers read in every pack: one place, so the OCG pack, the clinic pack and the summaries agree.

    money   £1,234,567      pounds with thousands separators, no pennies; a negative is -£1,234
    count   1,234           thousands separators; a fractional count (FTE) keeps 2 decimals: 12.50
    days    147.2 days      one decimal; "1 day" when exactly one
    percent 72.4%           one decimal
    other   0.35            two decimals (ratio, mean, rate)

Every function takes None (nothing to show: "–") and the suppressed text "c" (shown as it is), and rounds to
6 decimals first: sums of doubles differ in their last bits between runs, and 12 must never print as 12.00 in
the next run (byte-identical re-runs).
"""

from __future__ import annotations

from typing import Any

DASH = "–"
SUPPRESSED = "c"


def _clean(x: Any) -> float | str:
    """The value as a float, or the text to show as it is (None -> dash, 'c' -> 'c')."""
    if x is None:
        return DASH
    if isinstance(x, str):
        if x in (SUPPRESSED, DASH, ""):
            return x or DASH
        try:
            x = float(x.replace(",", ""))
        except ValueError:
            return x
    return round(float(x), 6)


def money(x: Any) -> str:
    v = _clean(x)
    if isinstance(v, str):
        return v
    pounds = round(v)
    return f"-£{-pounds:,}" if pounds < 0 else f"£{pounds:,}"


def count(x: Any) -> str:
    v = _clean(x)
    if isinstance(v, str):
        return v
    return f"{int(v):,}" if v.is_integer() else f"{v:,.2f}"


def days(x: Any) -> str:
    v = _clean(x)
    if isinstance(v, str):
        return v
    if v == 1:
        return "1 day"
    return f"{v:,.0f} days" if v.is_integer() else f"{v:,.1f} days"


def percent(x: Any) -> str:
    v = _clean(x)
    return v if isinstance(v, str) else f"{v:.1f}%"


def value(x: Any, unit: str) -> str:
    """A KPI value in its unit (kpi_cards.UNITS)."""
    if unit == "percent":
        return percent(x)
    if unit == "days":
        return days(x)
    if unit == "count":
        v = _clean(x)
        if isinstance(v, str):
            return v
        return f"{int(v):,}" if v.is_integer() else f"{v:,.1f}"
    if unit == "money":
        return money(x)
    v = _clean(x)
    return v if isinstance(v, str) else f"{v:,.2f}"


def quantity(x: Any, kind: str) -> str:
    """A numerator or denominator: kind 'count' (people, records), 'money' (GBP), 'days', 'fte'."""
    if kind == "money":
        return money(x)
    if kind == "days":
        return days(x)
    return count(x)  # counts and FTE (FTE keeps its decimals)


def change(delta: float, unit: str) -> str:
    """A change between two values: '+2.4 points' for percentages, '-3 days', '+1'."""
    d = round(float(delta), 6)
    sign = "+" if d > 0 else "-" if d < 0 else "±"
    a = abs(d)
    if unit == "percent":
        return f"{sign}{a:.1f} points"
    if unit == "days":
        return f"{sign}{a:,.1f} days"
    if unit == "count":
        return f"{sign}{a:,.0f}" if a.is_integer() else f"{sign}{a:,.1f}"
    if unit == "money":
        return f"{sign}£{round(a):,}"
    return f"{sign}{a:,.2f}"


def months_words(n: int, cadence: str = "monthly") -> str:
    """'1 month', '13 months', '2 quarters'."""
    word = "quarter" if cadence == "quarterly" else "month"
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
