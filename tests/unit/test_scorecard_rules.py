"""Scorecard rules (pipelines/lib/scorecard/rules.py; ../shared/spec/scorecard.md).

Every expected value is worked out by hand in the comments beside it.
"""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pipelines.lib.kpi_cards import disclosure_sets, load_cards
from pipelines.lib.paths import CONFIG_DIR
from pipelines.lib.scorecard.rules import (
    Target,
    Targets,
    breach_at,
    direction,
    financial_year,
    load_targets,
    months_elapsed,
    persistent_breaches,
    projection,
    rag,
    scorecard_frame,
    suppress,
    target_for,
)

# ------------------------------------------------------------------------------------------------ targets


def test_financial_year_of_a_month():
    assert financial_year(date(2024, 4, 30)) == "2024-25"  # April starts the year
    assert financial_year(date(2025, 3, 31)) == "2024-25"  # March ends it
    assert financial_year(date(2019, 12, 31)) == "2019-20"
    assert financial_year(date(2099, 4, 30)) == "2099-00"
    assert [months_elapsed(date(2024, m, 28)) for m in (4, 9, 12, 1, 3)] == [1, 6, 9, 10, 12]


def test_shipped_target_files_are_illustrative_and_parse():
    for fy in ("2019-20", "2024-25"):
        path = CONFIG_DIR / "targets" / f"{fy}.yaml"
        assert "ILLUSTRATIVE" in path.read_text().splitlines()[0]
        t = load_targets(fy)
        assert t.financial_year == fy
        assert t.get("KPI14") is None and t.get("KPI20") is None  # deliberately no target -> grey
        assert t.get("KPI15") == Target(target=0, tolerance=2, lower_tolerance=4, upper_tolerance=1)
        assert t.threshold("KPI01") == 1.0 and t.threshold("KPI15") == 0.25
    assert load_targets("2019-20").get("KPI13") is None  # no complaints target in the first year
    assert load_targets("2024-25").get("KPI13") == Target(80, 10, 90)
    # 31 March 2025 belongs to 2024-25; 30 April 2019 to 2019-20
    assert target_for("KPI01", date(2025, 3, 31)) == Target(85, 5, 90)
    assert target_for("KPI13", date(2019, 4, 30)) is None


def test_missing_target_file_means_no_targets(tmp_path):
    t = load_targets("2030-31", tmp_path)
    assert t.kpis == {} and t.get("KPI01") is None
    (tmp_path / "2030-31.yaml").write_text("financial_year: '2030-31'\nkpis:\n  KPI01: {target: 1, bogus: 2}\n")
    with pytest.raises(ValueError, match="unknown keys"):
        load_targets("2030-31", tmp_path)


# ------------------------------------------------------------------------------------------------ RAG


@pytest.mark.parametrize(("value", "expected"), [
    (90.0, "green"),
    (85.0, "green"),   # exactly on target -> Green (v >= T)
    (84.9, "amber"),
    (80.0, "amber"),   # exactly on T - tol = 85 - 5 = 80 -> Amber
    (79.9, "red"),     # below 80
])
def test_rag_high(value, expected):
    assert rag(value, 85, 5, "high") == expected


@pytest.mark.parametrize(("value", "expected"), [
    (20.0, "green"),
    (22.0, "green"),   # exactly on target
    (22.1, "amber"),
    (25.0, "amber"),   # exactly on T + tol = 22 + 3 = 25
    (25.1, "red"),
])
def test_rag_low_mirrors(value, expected):
    assert rag(value, 22, 3, "low") == expected


@pytest.mark.parametrize(("value", "expected"), [
    # T = 35, tol = 10: Green 35 +/- 5 = [30, 40]; Amber 35 +/- 10 = [25, 45]
    (35.0, "green"), (30.0, "green"), (40.0, "green"),
    (29.9, "amber"), (40.1, "amber"), (25.0, "amber"), (45.0, "amber"),
    (24.9, "red"), (45.1, "red"),
])
def test_rag_target_band_symmetric(value, expected):
    assert rag(value, 35, 10, "target_band") == expected


@pytest.mark.parametrize(("value", "expected"), [
    # KPI15: T = 0, lower 4, upper 1: Green [-4/2, +1/2] = [-2, 0.5]; Amber [-4, 1]
    (0.0, "green"), (-2.0, "green"), (0.5, "green"),
    (0.6, "amber"), (1.0, "amber"), (-2.1, "amber"), (-4.0, "amber"),
    (1.1, "red"), (-4.1, "red"),
    (1.5, "red"), (-1.5, "green"),  # an overspend of 1.5 is Red, an equal underspend Green
])
def test_rag_target_band_asymmetric(value, expected):
    assert rag(value, 0, 2, "target_band", lower_tol=4, upper_tol=1) == expected


def test_rag_no_target_no_value_and_float_noise():
    assert rag(50.0, None, 5, "high") == "no target"
    assert rag(None, None, None, "low") == "no target"  # no target wins: never a guessed colour
    assert rag(None, 85, 5, "high") == "no value"
    assert rag(float("nan"), 85, 5, "high") == "no value"
    assert rag(80.0, 85, None, "high") == "red"  # no tolerance -> no Amber zone
    # 0.1 + 0.2 = 0.30000000000000004: on target within float slack -> Green, not Amber
    assert rag(0.1 + 0.2, 0.3, 1, "low") == "green"
    with pytest.raises(ValueError):
        rag(1.0, 1.0, 1.0, "sideways")


ORDER = {"red": 0, "amber": 1, "green": 2}
finite = st.floats(min_value=-1e6, max_value=1e6, allow_nan=False)


@settings(max_examples=200, deadline=None)
@given(finite, finite, finite, st.floats(min_value=0, max_value=1e4))
def test_rag_high_is_monotone_and_low_mirrors(v1, v2, target, tol):
    lo, hi = sorted((v1, v2))
    assert ORDER[rag(lo, target, tol, "high")] <= ORDER[rag(hi, target, tol, "high")]
    # low polarity is high polarity reflected: rag_low(v, T) == rag_high(-v, -T)
    assert rag(v1, target, tol, "low") == rag(-v1, -target, tol, "high")


@settings(max_examples=200, deadline=None)
@given(finite, finite, st.floats(min_value=0, max_value=1e4))
def test_rag_band_depends_on_distance_only(v, target, tol):
    # symmetric band: the colour of T + d equals that of T - d, and gets no better as |d| grows
    d = abs(v - target)
    assert rag(target + d, target, tol, "target_band") == rag(target - d, target, tol, "target_band")
    assert ORDER[rag(target + 2 * d, target, tol, "target_band")] <= ORDER[rag(target + d, target, tol, "target_band")]


# ------------------------------------------------------------------------------------------------ direction


def test_direction_high_low_threshold():
    assert direction(80, 79, "high", threshold=1) == "better"   # change 1 = threshold -> counts
    assert direction(80, 79.5, "high", threshold=1) == "same"   # change 0.5 < 1
    assert direction(78, 80, "high", threshold=1) == "worse"    # change -2
    assert direction(80, 80, "high") == "same"                  # no change, threshold 0
    assert direction(80.01, 80, "high") == "better"             # any change with threshold 0
    assert direction(20, 22, "low", threshold=1) == "better"    # fell by 2, lower is better
    assert direction(22.5, 22, "low", threshold=1) == "same"
    assert direction(0.3, 0.2, "high", threshold=0.1) == "better"  # 0.09999999999999998 is the threshold
    assert direction(None, 80, "high") == "n/a"
    assert direction(80, float("nan"), "low") == "n/a"


def test_direction_target_band_closer_is_better():
    # T = 35: prev 45 (distance 10) -> cur 28 (distance 7): 3 closer -> better, though the value fell
    assert direction(28, 45, "target_band", threshold=1, target=35) == "better"
    # prev 33 (distance 2) -> cur 38 (distance 3): 1 further -> worse at threshold 1, same at 1.5
    assert direction(38, 33, "target_band", threshold=1, target=35) == "worse"
    assert direction(38, 33, "target_band", threshold=1.5, target=35) == "same"
    assert direction(32, 38, "target_band", target=35) == "same"  # both 3 away
    assert direction(28, 45, "target_band") == "n/a"              # no target, no band


# ------------------------------------------------------------------------------------------------ breaches

M = [date(2024, 4, 30), date(2024, 5, 31), date(2024, 6, 30), date(2024, 7, 31), date(2024, 8, 31),
     date(2024, 9, 30), date(2024, 10, 31), date(2024, 11, 30), date(2024, 12, 31)]


def test_monthly_breach_three_in_a_row():
    series = list(zip(M[:3], ["red", "red", "red"], strict=True))
    (b,) = persistent_breaches(series, "monthly")
    assert b.months == (M[0], M[1], M[2])
    # four in a row: one flag listing all four (the run is maximal)
    series = list(zip(M[:4], ["red"] * 4, strict=True))
    assert [b.months for b in persistent_breaches(series, "monthly")] == [tuple(M[:4])]


def test_monthly_broken_runs_do_not_breach():
    # R R A R R: two runs of 2
    series = list(zip(M[:5], ["red", "red", "amber", "red", "red"], strict=True))
    assert persistent_breaches(series, "monthly") == []
    # Apr, May, Jul red with June missing: not consecutive months
    assert persistent_breaches([(M[0], "red"), (M[1], "red"), (M[3], "red")], "monthly") == []
    # "no value" breaks a run too
    assert persistent_breaches(list(zip(M[:3], ["red", "no value", "red"], strict=True)), "monthly") == []
    # unordered input is sorted; two separate runs of 3
    rags = ["red", "red", "red", "green", "red", "red", "red"]
    runs = persistent_breaches(list(zip(M[:7], rags, strict=True))[::-1], "monthly")
    assert [b.months for b in runs] == [tuple(M[0:3]), tuple(M[4:7])]


def test_quarterly_breach_two_quarter_ends():
    # Jun and Sep red (consecutive quarter ends) -> breach; the months between are ignored
    series = [(M[2], "red"), (M[3], "green"), (M[4], "green"), (M[5], "red")]
    assert [b.months for b in persistent_breaches(series, "quarterly")] == [(M[2], M[5])]
    # Jul, Aug, Sep red: only Sep is a quarter end -> one quarter, no breach
    assert persistent_breaches([(M[3], "red"), (M[4], "red"), (M[5], "red")], "quarterly") == []
    # Jun red, Sep amber, Dec red -> broken
    assert persistent_breaches([(M[2], "red"), (M[5], "amber"), (M[8], "red")], "quarterly") == []
    # across the financial-year boundary: Dec 2024 and Mar 2025
    assert len(persistent_breaches([(M[8], "red"), (date(2025, 3, 31), "red")], "quarterly")) == 1


def test_breach_live_at_a_month():
    series = list(zip(M[:4], ["red", "red", "red", "green"], strict=True))
    assert breach_at(series, "monthly", M[2]) == tuple(M[:3])   # June ends a run of 3
    assert breach_at(series, "monthly", M[1]) == ()             # only 2 by May
    assert breach_at(series, "monthly", M[3]) == ()             # July green: run over
    # quarterly at August: the latest quarter end is June; Mar + Jun red -> live
    q = [(date(2024, 3, 31), "red"), (M[2], "red")]
    assert breach_at(q, "quarterly", M[4]) == (date(2024, 3, 31), M[2])
    assert breach_at(q, "quarterly", M[5]) == ()                # September has no Red row


# ------------------------------------------------------------------------------------------------ projection


def test_projection_high_percent():
    # 30 Sep 2024: m = 6 (Apr-Sep), r = 6. FYTD 400/500 = 80 %.
    # Last three months 70/100, 75/100, 80/100 -> n = 75, d = 100 per month.
    # Projected = (400 + 6*75) / (500 + 6*100) = 850 / 1100 = 77.2727 %.
    # Target 85 %: X = 0.85 * 1100 - 400 = 935 - 400 = 535 more in-time records over 6 months
    # -> 535 / 6 = 89.1667 a month out of 100 -> 89.1667 % needed each remaining month (<= 100: achievable).
    p = projection(date(2024, 9, 30), 400, 500, [(70, 100), (75, 100), (80, 100)], target=85)
    assert (p.months_elapsed, p.months_remaining, p.months_used) == (6, 6, 3)
    assert (p.rate_numerator, p.rate_denominator) == (75, 100)
    assert (p.projected_numerator, p.projected_denominator) == (850, 1100)
    assert p.projected_value == pytest.approx(77.272727, abs=1e-5)
    assert p.needed_value == pytest.approx(89.166667, abs=1e-5)
    assert p.needed_numerator_per_month == pytest.approx(89.166667, abs=1e-5)
    assert p.achievable is True


def test_projection_unachievable_and_low_polarity():
    # FYTD 300/500 = 60 % at September, run rate 60/100: projected 660/1100 = 60 %.
    # Target 95: X = 0.95*1100 - 300 = 745; needed 745/600 = 124.17 % > 100 -> not achievable.
    p = projection(date(2024, 9, 30), 300, 500, [(60, 100)] * 3, target=95)
    assert p.projected_value == pytest.approx(60.0)
    assert p.needed_value == pytest.approx(124.1667, abs=1e-4) and p.achievable is False
    # Low (KPI02, target 22): FYTD 150/500 = 30 %, run rate 30/100.
    # X = 0.22*1100 - 150 = 92 -> at most 92/600 = 15.33 % in each remaining month: achievable.
    p = projection(date(2024, 9, 30), 150, 500, [(30, 100)] * 3, target=22, polarity="low")
    assert p.needed_value == pytest.approx(15.3333, abs=1e-4) and p.achievable is True
    # FYTD 250/500: X = 242 - 250 = -8 -> needed -1.33 % -> even 0 misses: not achievable
    p = projection(date(2024, 9, 30), 250, 500, [(30, 100)] * 3, target=22, polarity="low")
    assert p.needed_value == pytest.approx(-1.3333, abs=1e-4) and p.achievable is False


def test_projection_counts_march_and_short_history():
    # Count KPI at 31 Dec 2024: m = 9, r = 3; FYTD 6; last three months 1, 2, 0 -> 1 a month.
    # Projected 6 + 3*1 = 9; target 8 -> (8 - 6)/3 = 0.667 a month at most (low): achievable.
    p = projection(date(2024, 12, 31), 6, None, [(1, None), (2, None), (0, None)], target=8, polarity="low",
                   scale=1, max_value=None)
    assert p.projected_value == 9 and p.needed_value == pytest.approx(2 / 3) and p.achievable is True
    # March: nothing remains; projection = the fytd value, nothing needed
    p = projection(date(2025, 3, 31), 450, 500, [(40, 50)], target=85)
    assert p.months_remaining == 0 and p.projected_value == pytest.approx(90.0)
    assert p.needed_value is None and p.achievable is None
    # April with one month of history: r = 11, n = 8, d = 10 -> (8 + 88)/(10 + 110) = 96/120 = 80 %
    p = projection(date(2024, 4, 30), 8, 10, [(8, 10)], target=85)
    assert p.months_used == 1 and p.projected_value == pytest.approx(80.0)
    assert projection(date(2024, 4, 30), 8, 10, [], target=85) is None


# ------------------------------------------------------------------------------------------------ suppression


def _kv(rows):
    return pl.DataFrame(
        [dict(kpi_id=k, period_end=date(2024, 9, 30), basis="fytd", area=a, team=t, worker=None,
              numerator=n, denominator=d, value=None if not d else 100 * n / d)
         for k, a, t, n, d in rows],
        schema={"kpi_id": pl.String, "period_end": pl.Date, "basis": pl.String, "area": pl.String,
                "team": pl.String, "worker": pl.String, "numerator": pl.Float64, "denominator": pl.Float64,
                "value": pl.Float64})


def _by_area(out):
    return {r["area"] + ("/" + r["team"] if r["team"] else ""): (r["numerator"], r["denominator"], r["value"],
                                                                 r["suppression"]) for r in out.to_dicts()}


def test_suppress_primary_and_secondary_two_councils():
    # Trust 30/40 = 75 %; North (940) 3/10 -> numerator 3 < 5 -> primary "c".
    # Trust - West would reveal North (30 - 27 = 3), so West (the only other council) is suppressed too.
    out = suppress(_kv([("KPI03", "all", None, 30, 40), ("KPI03", "940", None, 3, 10),
                        ("KPI03", "941", None, 27, 30)]))
    got = _by_area(out)
    assert got["all"] == ("30", "40", "75.0", None)
    assert got["940"] == ("c", "c", "c", "primary")
    assert got["941"] == ("c", "c", "c", "secondary")


def test_suppress_secondary_picks_the_next_smallest():
    # Trust 40/50; 940 3/10 primary; unknown 7/8 and 941 30/32 shown by size -> the smaller (unknown, den 8)
    # is suppressed secondarily, 941 stays visible: 40 - 30 = 10 = 940 + unknown, two unknowns -> safe.
    out = suppress(_kv([("KPI03", "all", None, 40, 50), ("KPI03", "940", None, 3, 10),
                        ("KPI03", "941", None, 30, 32), ("KPI03", "unknown", None, 7, 8)]))
    got = _by_area(out)
    assert got["unknown"][3] == "secondary" and got["941"] == ("30", "32", "93.8", None)
    # two primaries already: nothing more (940 3/10, 941 4/20)
    out = suppress(_kv([("KPI03", "all", None, 27, 60), ("KPI03", "940", None, 3, 10),
                        ("KPI03", "941", None, 4, 20), ("KPI03", "unknown", None, 20, 30)]))
    assert [r for r in out["suppression"].to_list()] == [None, "primary", "primary", None]


def test_suppress_thresholds_zero_exemptions_counts_and_teams():
    rows = [("KPI03", "all", None, 40, 60), ("KPI03", "940", None, 0, 20), ("KPI03", "941", None, 40, 40)]
    # 0 is a count below 5 by default -> 940 primary, 941 secondary
    assert suppress(_kv(rows))["suppression"].to_list() == [None, "primary", "secondary"]
    # keep_zero: nothing suppressed
    assert suppress(_kv(rows), keep_zero=True)["suppression"].to_list() == [None, None, None]
    # threshold 10 (configurable): 7/30 suppressed at 10 but not at 5
    small = [("KPI05", "all", None, 7, 30)]
    assert suppress(_kv(small))["suppression"].to_list() == [None]
    assert suppress(_kv(small), threshold=10)["suppression"].to_list() == ["primary"]
    # KPI15 (money) is exempt; KPI18 checks the denominator only (numerator = total days)
    cards = disclosure_sets(load_cards())  # what each card's `disclosure` field says
    assert suppress(_kv([("KPI15", "all", None, 2, 3)]), **cards)["suppression"].to_list() == [None]
    assert suppress(_kv([("KPI18", "all", None, 4, 10)]), **cards)["suppression"].to_list() == [None]
    assert suppress(_kv([("KPI18", "all", None, 300, 3)]), **cards)["suppression"].to_list() == ["primary"]
    # a single area under the trust: it equals the trust, so its suppression hides the trust too
    assert suppress(_kv([("KPI18", "all", None, 400, 9), ("KPI18", "940", None, 300, 3)]), **cards)[
        "suppression"].to_list() == ["secondary", "primary"]
    # a count of children (no denominator): count 3 -> "c", the empty denominator stays empty
    out = suppress(_kv([("KPI06", "all", None, 3, None)]), **cards)
    assert out.row(0, named=True)["numerator"] == "c" and out.row(0, named=True)["denominator"] is None
    # team rows sum to their area: one team suppressed would follow by subtraction, so the next smallest is
    # suppressed too (the area row itself stays, being also a member of the trust = councils equation)
    out = suppress(_kv([("KPI03", "all", None, 30, 40), ("KPI03", "940", None, 30, 40),
                        ("KPI03", "940", "T1", 2, 10), ("KPI03", "940", "T2", 28, 30)]))
    assert out["suppression"].to_list() == [None, None, "primary", "secondary"]


def test_suppress_teams_cannot_be_recovered_from_the_trust_and_the_other_teams():
    # The pack's KPI02 case: trust 236/731, teams 120/355, 116/375 and a small one 0/1 (primary). Without
    # secondary suppression the small team is 236 - 120 - 116 = 0 of 731 - 355 - 375 = 1.
    rows = [("KPI02", "all", None, 236, 731), ("KPI02", "940", None, 120, 356), ("KPI02", "941", None, 116, 375),
            ("KPI02", "all", "T940DC", 0, 1), ("KPI02", "all", "T940A", 120, 355), ("KPI02", "all", "T941A", 116, 375)]
    got = _by_area(suppress(_kv(rows)))
    assert got["all/T940DC"][3] == "primary"
    assert got["all/T940A"][3] == "secondary"  # the smaller of the two open teams (by denominator)
    assert got["all/T941A"][3] is None and got["all"][3] is None
    # a single team under the trust: suppressing it leaves the trust as the one unknown, so the trust goes too;
    # then the councils' equation has one suppressed member and a council follows
    got = _by_area(suppress(_kv([("KPI02", "all", None, 40, 50), ("KPI02", "940", None, 20, 25),
                                 ("KPI02", "941", None, 20, 25), ("KPI02", "all", "T1", 3, 4)])))
    assert [got[k][3] for k in ("all/T1", "all", "940", "941")] == ["primary", "secondary", "secondary", None]


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=4),
       st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=4))
def test_suppress_never_leaves_one_recoverable_cell_among_areas_or_teams(areas, teams):
    rows = [("KPI03", f"a{i}", None, n, n + extra) for i, (n, extra) in enumerate(areas)]
    rows += [("KPI03", "all", f"t{i}", n, n + extra) for i, (n, extra) in enumerate(teams)]
    rows.append(("KPI03", "all", None, sum(r[3] for r in rows[:len(areas)]), sum(r[4] for r in rows[:len(areas)])))
    out = suppress(_kv(rows)).to_dicts()
    trust = [r for r in out if r["area"] == "all" and r["team"] is None]
    for members in ([r for r in out if r["team"] is None], [r for r in out if r["area"] == "all"]):
        assert sum(r["suppression"] is not None for r in members) != 1
    assert len(trust) == 1


def test_suppressed_figures_print_the_same_whatever_the_last_bits():
    # sums of doubles differ in their last bits between runs: 5 and 4.999999999999999 must print alike
    a = suppress(_kv([("KPI03", "all", None, 5.0, 40.0)]))
    b = suppress(_kv([("KPI03", "all", None, 4.999999999999999, 40.000000000000004)]))
    c = suppress(_kv([("KPI03", "all", None, 5.000000000000001, 39.99999999999999)]))
    assert (a.select("numerator", "denominator").rows() == b.select("numerator", "denominator").rows()
            == c.select("numerator", "denominator").rows() == [("5", "40")])


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 30), st.integers(0, 30)), min_size=1, max_size=4))
def test_suppress_never_leaves_one_recoverable_cell(children):
    # property: in the trust = sum(areas) equation, 0 or >= 2 cells are suppressed, never exactly one
    rows = [("KPI03", f"a{i}", None, n, n + extra) for i, (n, extra) in enumerate(children)]
    rows.append(("KPI03", "all", None, sum(r[3] for r in rows), sum(r[4] for r in rows)))
    out = suppress(_kv(rows))
    assert out["suppression"].is_not_null().sum() != 1
    for r in out.to_dicts():
        assert (r["suppression"] is None) == (r["value"] != "c")


# ------------------------------------------------------------------------------------------------ scorecard


def _row(kpi, d, basis, n, den):
    return dict(kpi_id=kpi, period_end=d, basis=basis, area="all", team=None, worker=None, numerator=float(n),
                denominator=None if den is None else float(den), value=n if den is None else 100 * n / den)


def test_scorecard_frame():
    jul, aug, sep, sep23 = date(2024, 7, 31), date(2024, 8, 31), date(2024, 9, 30), date(2023, 9, 30)
    rows = [
        # KPI01 fytd trust figures: Jul 70 %, Aug 72 %, Sep 390/500 = 78 % (all Red: < 85 - 5 = 80)
        _row("KPI01", jul, "fytd", 280, 400), _row("KPI01", aug, "fytd", 324, 450),
        _row("KPI01", sep, "fytd", 390, 500), _row("KPI01", sep23, "fytd", 395, 500),  # last year 79 %
        # month basis for the run rate: 70/100, 75/100, 80/100
        _row("KPI01", jul, "month", 70, 100), _row("KPI01", aug, "month", 75, 100),
        _row("KPI01", sep, "month", 80, 100),
        # a council row and a team row must be ignored
        {**_row("KPI01", sep, "fytd", 1, 2), "area": "940"},
        {**_row("KPI01", sep, "fytd", 1, 2), "team": "T1"},
        # KPI20 quarterly counts: Jun 4, Sep 5 against target 2 (low, tol 1 -> Red above 3)
        _row("KPI20", date(2024, 6, 30), "quarter", 4, None), _row("KPI20", aug, "quarter", 3, None),
        _row("KPI20", sep, "quarter", 5, None),
        # KPI14 has no target this year
        _row("KPI14", sep, "fytd", 5, 100), _row("KPI14", aug, "fytd", 3, 100),
    ]
    kv = pl.DataFrame(rows)
    cards = [c for c in load_cards() if c.id in ("KPI01", "KPI14", "KPI20")]
    targets = {
        "2024-25": Targets("2024-25", {"KPI01": Target(85, 5, 90), "KPI20": Target(2, 1)}, direction_threshold=1.0),
        "2023-24": Targets("2023-24", {"KPI01": Target(85, 5)}),
    }
    sc = {r["kpi_id"]: r for r in scorecard_frame(kv, cards, targets, date(2024, 9, 15)).to_dicts()}
    assert set(sc) == {"KPI01", "KPI14", "KPI20"}

    k1 = sc["KPI01"]
    assert (k1["value"], k1["numerator"], k1["denominator"], k1["target"], k1["tolerance"]) == (78, 390, 500, 85, 5)
    assert k1["period_end"] == sep and k1["financial_year"] == "2024-25" and k1["rag"] == "red"
    assert k1["direction_vs_previous_month"] == "better"   # 72 -> 78, +6 >= 1
    assert k1["direction_vs_last_year"] == "worse"         # 79 -> 78: change -1, |-1| = threshold -> counts
    assert k1["breach"] is True and k1["breach_months"] == [jul, aug, sep]
    # projection: (390 + 6*75)/(500 + 6*100) = 840/1100 = 76.36 %; needed (935 - 390)/600 = 90.83 %
    assert k1["projected_value"] == pytest.approx(76.3636, abs=1e-4)
    assert k1["projection_needed_value"] == pytest.approx(90.8333, abs=1e-4)
    assert k1["projection_achievable"] is True and k1["projection_months_used"] == 3

    k20 = sc["KPI20"]
    assert k20["cadence"] == "quarterly" and k20["rag"] == "red"            # 5 > 2 + 1
    assert k20["breach"] is True and k20["breach_months"] == [date(2024, 6, 30), sep]
    assert k20["projected_value"] is None                                    # quarter basis: no projection
    assert k20["direction_vs_previous_month"] == "worse"                     # 3 -> 5, low polarity

    k14 = sc["KPI14"]
    assert k14["rag"] == "no target" and k14["target"] is None and k14["breach"] is False
    assert k14["direction_vs_previous_month"] == "worse"                     # 3 % -> 5 %, low: +2 is worse
    assert k14["projected_value"] is None                                    # no month rows: no run rate


def test_the_cards_disclosure_field_drives_suppression(tmp_path):
    """No KPI id is kept in the rules: ICO incidents (KPI20, disclosure none) are shown however few; a count of
    children (disclosure children) of 3 is "c"; an average's numerator of days is not a count of children."""
    from pipelines.lib.kpi_cards import card

    cards = disclosure_sets(load_cards())
    assert card("KPI20").disclosure == "none" and card("KPI20").unit == "count"
    kpi20 = suppress(_kv([("KPI20", "all", None, 3, None)]), **cards).row(0, named=True)
    assert kpi20["numerator"] == "3" and kpi20["suppression"] is None
    assert card("KPI03").disclosure == "children"
    kpi03 = suppress(_kv([("KPI03", "all", None, 3, 40)]), **cards).row(0, named=True)
    assert kpi03["numerator"] == "c" and kpi03["suppression"] == "primary"
    assert set(cards["exempt"]) == {"KPI15", "KPI16", "KPI17", "KPI20"} and cards["denominator_only"] == ("KPI18",)
    # the same figures under another card's disclosure: the field decides, not the id
    import dataclasses

    as_children = [dataclasses.replace(c, disclosure="children") if c.id == "KPI20" else c for c in load_cards()]
    assert suppress(_kv([("KPI20", "all", None, 3, None)]), **disclosure_sets(as_children)).row(
        0, named=True)["numerator"] == "c"


@pytest.mark.parametrize("value", ["child", "None", "counts"])
def test_an_unknown_disclosure_is_an_error(tmp_path, value):
    import shutil

    from pipelines.lib.kpi_cards import CardError, load_card
    from pipelines.lib.paths import SQL_DIR

    source = SQL_DIR / "kpis" / "KPI20_ico_data_breaches.yaml"
    path = tmp_path / source.name
    path.write_text(source.read_text().replace("disclosure: none", f"disclosure: {value}"))
    shutil.copy(source.with_suffix(".sql"), path.with_suffix(".sql"))
    with pytest.raises(CardError, match=f"{path}: field 'disclosure': '{value}' not in"):
        load_card(path)


def test_month_on_month_direction_reads_the_in_month_series():
    """A fytd headline rising 60 -> 61 % while the month itself fell 80 -> 65 % is 'worse', not 'better'
    (judged on the in-month series); with no month rows the headline series decides."""
    jul, aug = date(2024, 7, 31), date(2024, 8, 31)
    rows = [_row("KPI01", jul, "fytd", 240, 400), _row("KPI01", aug, "fytd", 305, 500),
            _row("KPI01", jul, "month", 80, 100), _row("KPI01", aug, "month", 65, 100),
            _row("KPI19", jul, "fytd", 240, 400), _row("KPI19", aug, "fytd", 305, 500)]
    cards = [c for c in load_cards() if c.id in ("KPI01", "KPI19")]
    targets = {"2024-25": Targets("2024-25", {"KPI01": Target(85, 5), "KPI19": Target(85, 5)},
                                  direction_threshold=1.0)}
    sc = {r["kpi_id"]: r for r in scorecard_frame(pl.DataFrame(rows), cards, targets, aug).to_dicts()}
    assert sc["KPI01"]["value"] == pytest.approx(61.0)
    assert (sc["KPI01"]["direction_vs_previous_month"], sc["KPI01"]["direction_basis"]) == ("worse", "month")
    assert (sc["KPI19"]["direction_vs_previous_month"], sc["KPI19"]["direction_basis"]) == ("better", "fytd")
