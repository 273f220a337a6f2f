"""One formatting module for every pack (pipelines/lib/formatting.py)."""

from __future__ import annotations

from pipelines.lib import formatting as fmt


def test_money_has_pounds_separators_and_no_pennies():
    assert fmt.money(1234567.89) == "£1,234,568"
    assert fmt.money(-2500.4) == "-£2,500"
    assert fmt.money(0) == "£0"
    assert fmt.money("c") == "c" and fmt.money(None) == "–"


def test_counts_days_and_percentages():
    assert fmt.count(12345) == "12,345"
    assert fmt.count(11.999999999999998) == fmt.count(12.000000000000002) == "12"
    assert fmt.count(12.5) == "12.50"  # FTE
    assert fmt.days(147.23) == "147.2 days" and fmt.days(1) == "1 day" and fmt.days(30) == "30 days"
    assert fmt.days(1234.5) == "1,234.5 days"
    assert fmt.percent(72.449) == "72.4%" and fmt.percent("c") == "c"
    assert fmt.value(4.999999999999999, "count") == "5"
    assert fmt.value(2500, "count") == "2,500"
    assert fmt.value(0.351, "ratio") == "0.35"
    assert fmt.value("12.5", "percent") == "12.5%"  # suppressed-pack text figures read as numbers


def test_quantities_by_kind():
    assert fmt.quantity(-150000.0, "money") == "-£150,000"
    assert fmt.quantity(4380.0, "days") == "4,380 days"
    assert fmt.quantity(23.25, "fte") == "23.25"
    assert fmt.quantity(1200, "count") == "1,200"


def test_changes_and_periods():
    assert fmt.change(2.44, "percent") == "+2.4 points"
    assert fmt.change(-3, "days") == "-3.0 days"
    assert fmt.change(0, "count") == "±0"
    assert fmt.months_words(1) == "1 month" and fmt.months_words(13) == "13 months"
    assert fmt.months_words(2, "quarterly") == "2 quarters"
