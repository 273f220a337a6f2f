"""The y-axis rule of the pack charts (pipelines/lib/packs/charts.py axis_range), computed by hand."""

from __future__ import annotations

import pytest

from pipelines.lib.packs.charts import axis_range


def test_proportions_use_0_to_100_unless_the_span_is_narrow():
    assert axis_range([5.0, 80.0, 85.0], proportion=True) == (0.0, 100.0)  # span 80 >= 40
    assert axis_range([], proportion=True) == (0.0, 100.0)


def test_a_narrow_proportion_gets_at_least_a_20_point_window_holding_everything():
    # 78..85 (values, target 85): width max(20, 8.4) = 20 centred on 81.5 -> 71.5..91.5 -> whole fives 70..95
    lo, hi = axis_range([78.0, 79.2, 80.0, 85.0], proportion=True)
    assert (lo, hi) == (70.0, 95.0) and hi - lo >= 20
    # a one-point wobble stays a wobble: 60.2 -> 61.1 on a window of 20 points or more
    lo, hi = axis_range([60.2, 61.1], proportion=True)
    assert hi - lo >= 20 and lo <= 60.2 and hi >= 61.1


def test_the_window_is_moved_inside_0_100():
    assert axis_range([95.0, 99.0], proportion=True) == (80.0, 100.0)
    assert axis_range([1.0, 3.0, None], proportion=True) == (0.0, 20.0)


def test_other_units_are_read_against_zero():
    # days 130..150: from 0, a fifteenth of the range above
    assert axis_range([130.0, 150.0], proportion=False) == (0.0, pytest.approx(160.0))
    # a budget variance either side of 0: -2..3 with a fifteenth of 5 beyond each end
    lo, hi = axis_range([-2.0, 3.0], proportion=False)
    assert lo == pytest.approx(-2 - 1 / 3) and hi == pytest.approx(3 + 1 / 3)
    assert axis_range([-4.0, -1.0], proportion=False) == (pytest.approx(-4 - 4 / 15), 0.0)
    assert axis_range([0.0, 0.0], proportion=False) == (0.0, 1.0)  # all zero: still an axis
    assert axis_range([], proportion=False) == (0.0, 1.0)
