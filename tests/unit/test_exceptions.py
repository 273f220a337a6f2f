"""The OCG pack's exception wording and arithmetic (pipelines/lib/scorecard/exceptions.py), computed by hand."""

from __future__ import annotations

from datetime import date

import pytest

from pipelines.lib.calendar import month_end
from pipelines.lib.scorecard import exceptions as ex
from pipelines.lib.scorecard.rules import AMBER, GREEN, NO_VALUE, RED, Target


def me(y: int, m: int) -> date:
    return month_end(date(y, m, 1))


def monthly(start: tuple[int, int], rags: str) -> list[tuple[date, str]]:
    """'GARR' from start -> [(month end, rag)...]; '-' is a month with no value."""
    code = {"G": GREEN, "A": AMBER, "R": RED, "-": NO_VALUE}
    y, m = start
    out = []
    for c in rags:
        out.append((me(y, m), code[c]))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def test_thirteen_red_months_read_as_a_length_and_a_first_month():
    # April 2023 .. March 2025: Green for 11 months, then Red from March 2024 (13 months)
    s = monthly((2023, 4), "G" * 11 + "R" * 13)
    run = ex.red_run(s, "monthly", me(2025, 3))
    assert (run.length, run.since, run.at_least, run.in_breach) == (13, me(2024, 3), False, True)
    assert ex.run_wording(run) == "Red for 13 consecutive months since March 2024"


def test_a_run_across_the_year_boundary():
    s = monthly((2024, 9), "GGRRR")  # Red Nov, Dec 2024, Jan 2025
    run = ex.red_run(s, "monthly", me(2025, 1))
    assert ex.run_wording(run) == "Red for 3 consecutive months since November 2024"
    assert run.in_breach


def test_a_run_older_than_the_history_held_says_at_least():
    s = monthly((2023, 4), "R" * 24)
    run = ex.red_run(s, "monthly", me(2025, 3))
    assert run.at_least and run.length == 24
    assert ex.run_wording(run) == "Red for at least 24 consecutive months, since April 2023 or earlier"
    # with the history known to start earlier (a Green month before), the run is exact
    s2 = monthly((2023, 3), "G" + "R" * 24)
    assert ex.run_wording(ex.red_run(s2, "monthly", me(2025, 3))) == \
        "Red for 24 consecutive months since April 2023"


def test_a_missing_month_breaks_the_run_as_the_breach_rule_does():
    s = monthly((2024, 10), "RR-RR")  # Oct, Nov Red; Dec no value; Jan, Feb Red
    run = ex.red_run(s, "monthly", me(2025, 2))
    assert (run.length, run.since, run.in_breach) == (2, me(2025, 1), False)
    # at November the run starts at the first month held: it may be longer
    assert ex.run_wording(ex.red_run(s, "monthly", me(2024, 11))) == \
        "Red for at least 2 consecutive months, since October 2024 or earlier"
    assert ex.run_wording(ex.red_run(s, "monthly", me(2024, 11), history_start=me(2024, 9))) == \
        "Red for 2 consecutive months since October 2024"


def test_one_red_month_and_not_red():
    s = monthly((2025, 1), "GGR")
    assert ex.run_wording(ex.red_run(s, "monthly", me(2025, 3))) == "Red for 1 month (March 2025)"
    assert ex.red_run(s, "monthly", me(2025, 2)).length == 0


def test_quarterly_runs_count_quarter_ends_only():
    # Red at Dec 2024 and Mar 2025 quarter ends; the months between do not count (Jan Green)
    s = [(me(2024, 9), GREEN), (me(2024, 12), RED), (me(2025, 1), GREEN), (me(2025, 3), RED)]
    run = ex.red_run(s, "quarterly", me(2025, 3))
    assert (run.length, run.since, run.in_breach) == (2, me(2024, 12), True)
    assert ex.run_wording(run) == "Red for 2 consecutive quarters since the quarter ending December 2024"
    # in April the latest quarter end (March) still decides
    assert ex.red_run(s + [(me(2025, 4), GREEN)], "quarterly", me(2025, 4)).length == 2
    one = ex.red_run(s[:3], "quarterly", me(2025, 1))
    assert ex.run_wording(one) == "Red for 1 quarter (the quarter ending December 2024)"


def test_months_to_breach_monthly_and_quarterly():
    assert ex.months_to_breach(0, "monthly", me(2025, 3)) == (3, me(2025, 6))
    assert ex.months_to_breach(1, "monthly", me(2024, 12)) == (2, me(2025, 2))
    assert ex.months_to_breach(3, "monthly", me(2025, 3)) == (0, me(2025, 3))
    # quarterly, Amber in March (a quarter end): Red at June and September -> breach in September (6 months)
    assert ex.months_to_breach(0, "quarterly", me(2025, 3)) == (6, me(2025, 9))
    # quarterly, one Red quarter end (December) and now February: the next quarter end, March, breaches
    assert ex.months_to_breach(1, "quarterly", me(2025, 2)) == (1, me(2025, 3))
    # Amber in May: June then September
    assert ex.months_to_breach(0, "quarterly", me(2025, 5)) == (4, me(2025, 9))


def test_watch_wording():
    s = monthly((2025, 1), "GGA")
    run = ex.red_run(s, "monthly", me(2025, 3))
    assert ex.watch_wording(AMBER, run, me(2025, 3)) == "Amber; if Red next month, a breach in 3 months (June 2025)"
    s = monthly((2025, 1), "GGR")
    run = ex.red_run(s, "monthly", me(2025, 3))
    assert ex.watch_wording(RED, run, me(2025, 3)) == \
        "Red for 1 month (March 2025); if still Red, a breach in 2 months (May 2025)"
    q = ex.red_run([(me(2025, 3), AMBER)], "quarterly", me(2025, 3))
    assert ex.watch_wording(AMBER, q, me(2025, 3)) == \
        "Amber; if Red at the next 2 quarter ends, a breach in 6 months (the quarter ending September 2025)"


def test_red_edge_by_polarity():
    t = Target(target=80, tolerance=5)
    assert ex.red_edge(70, t, "high") == (75, "at least")
    assert ex.red_edge(90, t, "low") == (85, "at most")
    band = Target(target=0, tolerance=1, lower_tolerance=2, upper_tolerance=1)
    assert ex.red_edge(3.0, band, "target_band") == (1, "at most")
    assert ex.red_edge(-4.0, band, "target_band") == (-2, "at least")


def test_fytd_next_month_from_numerator_denominator_and_recent_volume():
    # 70 / 100 = 70%; edge 75%; next month ~20 in the denominator: (0.75 * 120 - 70) / 20 = 100%
    nm = ex.next_month_needed("fytd", me(2024, 11), 75, "at least", 70, 100, [(10, 18), (14, 20), (15, 22)])
    assert nm.needed == pytest.approx(100.0) and nm.reachable and nm.volume == 20 and nm.month == me(2024, 12)
    # edge 80%: (96 - 70) / 20 = 130% -> already unreachable next month
    nm = ex.next_month_needed("fytd", me(2024, 11), 80, "at least", 70, 100, [(10, 20)] * 3)
    assert nm.needed == pytest.approx(130.0) and nm.reachable is False
    text = ex.next_month_wording(nm, "percent", in_breach=True, month_basis=True)
    assert "130.0%" in text and "cannot be reached next month" in text and text.startswith("To end the breach")
    # polarity low: 40 / 100, edge 35% at most, ~50 next month: (0.35 * 150 - 40) / 50 = 25%
    nm = ex.next_month_needed("fytd", me(2024, 6), 35, "at most", 40, 100, [(20, 50)])
    assert nm.needed == pytest.approx(25.0) and nm.reachable
    nm = ex.next_month_needed("fytd", me(2024, 6), 20, "at most", 40, 100, [(20, 50)])
    assert nm.needed == pytest.approx(-20.0) and nm.reachable is False


def test_fytd_in_march_next_month_restarts_the_year():
    nm = ex.next_month_needed("fytd", me(2025, 3), 75, "at least", 700, 1000, [(50, 80)] * 3)
    assert (nm.needed, nm.rule, nm.month) == (75, "fytd restarts", me(2025, 4))
    assert "April starts a new financial year" in ex.next_month_wording(nm, "percent", False, True)


def test_r12_takes_out_the_month_leaving_the_window():
    # 600 / 1000; the month leaving holds 50 / 100 -> 550 / 900; ~80 next month; edge 62%:
    # (0.62 * 980 - 550) / 80 = 57.6 / 80 = 72%
    nm = ex.next_month_needed("r12", me(2025, 3), 62, "at least", 600, 1000, [(60, 80)] * 3, leaving=(50, 100))
    assert nm.needed == pytest.approx(72.0) and nm.rule == "r12"
    assert ex.next_month_needed("r12", me(2025, 3), 62, "at least", 600, 1000, [(60, 80)], None).needed is None


def test_counts_and_month_basis():
    # a fytd count (no denominator): 5 so far, at most 8 -> at most 3 next month
    nm = ex.next_month_needed("fytd", me(2024, 8), 8, "at most", 5, None, [(1, None)])
    assert nm.needed == 3 and nm.reachable
    nm = ex.next_month_needed("fytd", me(2024, 8), 4, "at most", 5, None, [(1, None)])
    assert nm.needed == -1 and nm.reachable is False
    # month and snapshot bases: simply the tolerance edge
    for basis in ("month", "snapshot", "quarter"):
        nm = ex.next_month_needed(basis, me(2025, 3), 15.0, "at most", 30, 100, [])
        assert (nm.needed, nm.rule) == (15.0, "edge")
    assert ex.next_month_wording(ex.next_month_needed("snapshot", me(2025, 3), 15.0, "at most", 1, 2, []),
                                 "percent", False, False) == \
        "To be out of Red in April 2025 the figure must be at most 15.0% (tolerance edge)."


def test_newly_red_and_recovered():
    assert ex.newly_red(RED, AMBER) and ex.newly_red(RED, None) and not ex.newly_red(RED, RED)
    assert not ex.newly_red(AMBER, GREEN)
    assert ex.recovered(GREEN, RED) and ex.recovered(AMBER, RED)
    assert not ex.recovered(RED, RED) and not ex.recovered(NO_VALUE, RED) and not ex.recovered(GREEN, AMBER)


def test_movers_are_measured_in_tolerances():
    rows = [
        {"kpi_id": "KPI01", "current": 80, "previous": 70, "direction": "better", "tolerance": 5, "target": 85},
        {"kpi_id": "KPI02", "current": 30, "previous": 27, "direction": "worse", "tolerance": 1, "target": 25},
        {"kpi_id": "KPI03", "current": 50, "previous": 49.9, "direction": "same", "tolerance": 1, "target": 50},
        {"kpi_id": "KPI04", "current": 50, "previous": 40, "direction": "better", "tolerance": None, "target": None},
        {"kpi_id": "KPI05", "current": 12, "previous": 10, "direction": "worse", "tolerance": 0, "target": 10},
    ]
    m = ex.movers(rows, n=3)
    # KPI02 3 tolerances, KPI01 2, KPI05 2/10 of its target
    assert [(x.kpi_id, x.direction) for x in m] == [("KPI02", "worse"), ("KPI01", "better"), ("KPI05", "worse")]
    assert m[0].size == pytest.approx(3.0) and m[2].size == pytest.approx(0.2)


def test_rag_changes():
    assert ex.rag_changes({"red": 5, "amber": 3, "green": 10}, {"red": 3, "amber": 4, "green": 10}) == \
        {"red": "+2", "amber": "-1", "green": "no change"}
