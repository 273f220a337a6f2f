"""Typing delivered cells (pipelines/lib/parsing.py): dates, numbers, flags, codes, ids, postcodes.

Every expected value below is written out by hand from the extract contract
(data/contract/tables.yaml, ../shared/spec/extract-contract.md), never computed by the code under test.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.lib.parsing import reject_reason, typed_expr

DATE_REASON = "not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"


def typed(values: list[str | None], logical_type: str) -> list[tuple[object, str | None]]:
    """(typed value, rejection reason) for each raw cell of a one-column string frame."""
    frame = pl.DataFrame({"v": values}, schema={"v": pl.String()})
    why = reject_reason("v", logical_type)
    out = frame.select(
        typed_expr("v", logical_type).alias("value"),
        (why if why is not None else pl.lit(None, dtype=pl.String)).alias("reason"),
    )
    return list(out.iter_rows())


def one(value: str | None, logical_type: str) -> tuple[object, str | None]:
    return typed([value], logical_type)[0]


# ---------------------------------------------------------------- dates


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2020-02-01", date(2020, 2, 1)),            # ISO
        ("01/02/2020", date(2020, 2, 1)),            # UK DD/MM/YYYY: 1 February, not 2 January
        ("1/2/2020", date(2020, 2, 1)),              # UK without leading zeros: still 1 February
        ("13/01/2020", date(2020, 1, 13)),           # day 13 can only be a day
        ("2020-02-29 00:00:00", date(2020, 2, 29)),  # 2020 is a leap year; the time part is ignored
        ("2020-01-01T09:30", date(2020, 1, 1)),      # ISO with a T time part
        ("29/02/2020 13:45:00", date(2020, 2, 29)),  # UK with a time part
        ("  2020-03-31  ", date(2020, 3, 31)),       # padded with spaces
    ],
)
def test_valid_dates_are_typed_without_rejection(raw, expected):
    assert one(raw, "date") == (expected, None)


@pytest.mark.parametrize(
    "raw",
    [
        "31/02/2020",   # there is no 31 February
        "2019-02-29",   # 2019 is not a leap year
        "29/02/2019",   # same, UK form
        "2020-13-01",   # month 13
        "12/31/2020",   # US month-first: month 31 does not exist, so rejected rather than guessed
        "2020/02/01",   # year first with slashes is neither ISO nor UK
        "garbage",
        "2020-02-01x",  # trailing junk without a space or T separator
    ],
)
def test_invalid_dates_become_null_with_the_date_reason(raw):
    assert one(raw, "date") == (None, DATE_REASON)


@pytest.mark.parametrize("raw", ["", "   ", None])
def test_blank_dates_are_null_without_rejection(raw):
    assert one(raw, "date") == (None, None)


@pytest.mark.parametrize("raw", ["1/2/20", "20-02-01"])
def test_two_digit_years_are_rejected(raw):
    assert one(raw, "date") == (None, DATE_REASON)


# ---------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("7", 7), (" 12 ", 12), ("-3", -3), ("1,000", 1000), ("12.0", 12), ("0", 0)],
)
def test_ints(raw, expected):
    assert one(raw, "int") == (expected, None)


@pytest.mark.parametrize("raw", ["1.5", "two", "3 children", "1-2"])
def test_bad_ints_are_null_with_reason(raw):
    assert one(raw, "int") == (None, "not a whole number")


@pytest.mark.parametrize("raw", ["", "  ", None])
def test_blank_ints_are_null_without_rejection(raw):
    assert one(raw, "int") == (None, None)


@pytest.mark.parametrize("raw", ["inf", "nan", "1e30"])
def test_out_of_range_ints_are_rejected_not_raised(raw):
    assert one(raw, "int") == (None, "not a whole number")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0.5", 0.5), ("2", 2.0), (" 12.25 ", 12.25), ("1,234.5", 1234.5), ("-0.75", -0.75)],
)
def test_floats(raw, expected):
    assert one(raw, "float") == (expected, None)


@pytest.mark.parametrize("raw", ["abc", "1.2.3", "12 miles"])
def test_bad_floats_are_null_with_reason(raw):
    assert one(raw, "float") == (None, "not a number")


def test_blank_float_is_null_without_rejection():
    assert typed(["", None], "float") == [(None, None), (None, None)]


# ---------------------------------------------------------------- flags


@pytest.mark.parametrize("raw", ["Y", "y", "yes", "YES", "1", "True", "true", "T", " y "])
def test_true_flags(raw):
    assert one(raw, "flag") == (True, None)


@pytest.mark.parametrize("raw", ["N", "n", "no", "No", "0", "False", "F"])
def test_false_flags(raw):
    assert one(raw, "flag") == (False, None)


@pytest.mark.parametrize("raw", ["maybe", "2", "unknown", "YN"])
def test_other_flags_are_rejected(raw):
    assert one(raw, "flag") == (None, "not a Y/N flag")


def test_blank_flag_is_null_without_rejection():
    assert typed(["", " ", None], "flag") == [(None, None)] * 3


# ---------------------------------------------------------------- codes, ids, strings


@pytest.mark.parametrize("logical_type", ["code", "id", "person_id"])
@pytest.mark.parametrize(
    ("raw", "expected"),
    [(" rc8 ", "RC8"), ("place", "PLACE"), ("p001", "P001"), ("  p001  ", "P001"), ("P001", "P001"),
     ("", None), ("   ", None), (None, None)],
)
def test_codes_and_ids_are_trimmed_and_upper_cased(logical_type, raw, expected):
    assert one(raw, logical_type) == (expected, None)


def test_strings_are_trimmed_but_keep_their_case():
    got = typed(["  Team Leader ", "", None], "string")
    assert got == [("Team Leader", None), (None, None), (None, None)]


# ---------------------------------------------------------------- postcodes


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("nn11aa", "NN1 1AA"),      # outward code NN1, inward 1AA
        (" NN1  1AA ", "NN1 1AA"),  # extra spaces squeezed to one before the inward code
        ("NN1 1AA", "NN1 1AA"),
        ("nn1-1aa", "NN1 1AA"),     # punctuation dropped
        ("sw1a1aa", "SW1A 1AA"),    # four-character outward code
        ("l10aa", "L1 0AA"),        # two-character outward code
        ("", None),
        (None, None),
    ],
)
def test_postcodes_are_normalised(raw, expected):
    assert one(raw, "postcode") == (expected, None)


def test_types_without_rejections_have_no_reason_expression():
    # Codes, ids, strings and postcodes are never rejected: only dates, numbers and flags can be.
    never = ("string", "id", "person_id", "code", "postcode")
    assert [t for t in never if reject_reason("v", t) is not None] == []
    assert all(reject_reason("v", t) is not None for t in ("date", "int", "float", "flag"))


def test_unknown_logical_type_is_an_error():
    with pytest.raises(ValueError, match="unknown logical type"):
        typed_expr("v", "money")


def test_a_column_mixing_good_bad_and_blank_cells():
    # row by row: ISO ok, UK ok, impossible date rejected, blank null, US-only form rejected
    got = typed(["2024-03-31", "31/03/2024", "30/02/2024", "", "03/31/2024"], "date")
    assert got == [
        (date(2024, 3, 31), None),
        (date(2024, 3, 31), None),
        (None, DATE_REASON),
        (None, None),
        (None, DATE_REASON),
    ]
