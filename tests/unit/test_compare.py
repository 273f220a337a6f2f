"""The comparison record (pipelines/lib/compare.py): composite counts, position, quartile, contextual, councils."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.lib import compare
from pipelines.lib.config import Authority, Council

SCHEMA = {"source": pl.Utf8, "measure": pl.Utf8, "time_period": pl.Int32, "geographic_level": pl.Utf8,
          "la_code": pl.Utf8, "region": pl.Utf8, "value": pl.Float64, "symbol": pl.Utf8, "joint_with": pl.Utf8}

COMPONENTS = {"label": "adopted + SGO + CAO", "source": "lait", "denominator": "ceased",
              "numerators": ["adopted", "sgo", {"measure": "cao%", "percent_of_denominator": True}]}


def _values(rows: list[tuple]) -> pl.DataFrame:
    """rows: (measure, level, la_code, value, symbol) for 2024."""
    return pl.DataFrame([{"source": "lait", "measure": m, "time_period": 2024, "geographic_level": lvl,
                          "la_code": code, "region": None, "value": v, "symbol": s, "joint_with": None}
                         for m, lvl, code, v, s in rows], schema=SCHEMA, orient="row")


def _la(code: str, adopted, sgo, cao_pct, ceased) -> list[tuple]:
    out = []
    for m, v in (("adopted", adopted), ("sgo", sgo), ("cao%", cao_pct), ("ceased", ceased)):
        out.append((m, "la", code, v, None if v is not None else "-"))
    return out


def test_components_sum_counts_then_recompute_never_average_percentages():
    # LA A: 10 adopted + 5 SGO + 10% of 100 ceased (10 CAO) = 25 of 100 -> 25 %.
    # LA B: 1 adopted + 1 SGO + 0% of 20 = 2 of 20 -> 10 %.
    # England: 30 + 20 + 5% of 400 (20) = 70 of 400 -> 17.5 %.
    v = _values(_la("001", 10, 5, 10, 100) + _la("002", 1, 1, 0, 20) + [
        ("adopted", "england", None, 30, None), ("sgo", "england", None, 20, None),
        ("cao%", "england", None, 5, None), ("ceased", "england", None, 400, None)])
    rows = compare.component_rows(compare.parse_components(COMPONENTS), 2024, v)
    got = {(r["geographic_level"], r["la_code"]): r["value"] for r in rows.to_dicts()}
    assert got[("la", "001")] == pytest.approx(25.0)
    assert got[("la", "002")] == pytest.approx(10.0)
    assert got[("england", None)] == pytest.approx(17.5)
    # pooled over A and B: (25 + 2) / 120 = 22.5 %, not the mean of the percentages (17.5 %)
    pooled = _values(_la("001", 10, 5, 10, 100) + _la("002", 1, 1, 0, 20))
    auth = Authority("999", "Test trust", (Council("001", "E0", "A"), Council("002", "E0", "B")), "2020-04")
    card = {"id": "KPI21", "polarity": "high", "benchmark": {"components": COMPONENTS}}
    value, used, how = compare.trust_from_counts(card, 2024, auth, pooled)
    assert value == pytest.approx(100 * 27 / 120) and used == "001+002" and how == "sum of 001 + 002 counts"


def test_a_missing_component_drops_the_area_it_is_never_zero():
    v = _values(_la("001", 10, 5, 10, 100) + _la("003", 10, 5, None, 100))  # 003's CAO share is "-"
    rows = compare.component_rows(compare.parse_components(COMPONENTS), 2024, v)
    r3 = rows.filter(pl.col("la_code") == "003").to_dicts()[0]
    assert r3["value"] is None and r3["symbol"] == "-"  # not (10 + 5) / 100 = 15 %
    auth = Authority("999", "Test trust", (Council("001", "E0", "A"), Council("003", "E0", "C")), "2020-04")
    card = {"id": "KPI21", "polarity": "high", "benchmark": {"components": COMPONENTS}}
    value, _used, how = compare.trust_from_counts(card, 2024, auth, v)
    assert value is None and "003" in how


def test_neighbour_mean_drops_missing_and_counts_n():
    # neighbours of 928 in the pre-2021 model: 886 891 866 860 830 881 937 885 888 887
    la = {"886": (10.0, None), "891": (20.0, None), "866": (None, "c"), "999": (99.0, None)}
    s = compare.summarise(la, "928", date(2020, 3, 31), own_value=15.0, left_out=["928"], polarity="high")
    assert s.sn_mean == pytest.approx(15.0) and s.sn_n == 2 and s.sn_median == pytest.approx(15.0)
    assert s.sn_missing["866"][0] == "c" and s.sn_missing["860"][0] == "no row"
    # ranked among 886, 891, 999 and the authority: 99 > 20 > 15 > 10 -> rank 3 of 4, quartile 3
    assert (s.rank, s.rank_n, s.quartile) == (3, 4, 3)


@pytest.mark.parametrize(("value", "mean", "polarity", "expected"), [
    (100.0, 100.0, "high", "in line with"),
    (105.0, 100.0, "high", "in line with"),     # exactly 5 % of the mean: in line
    (105.1, 100.0, "high", "better than"),
    (94.9, 100.0, "high", "worse than"),
    (94.9, 100.0, "low", "better than"),
    (105.1, 100.0, "low", "worse than"),
    (10.0, 9.3, "high", "better than"),        # 0.7 > 0.465 (5 % of 9.3)
    (9.7, 9.3, "high", "in line with"),
    (None, 9.3, "high", None),
    (9.7, None, "high", None),
    (9.7, 9.3, None, None),                    # no polarity (target_band): no judgement
])
def test_position_rule(value, mean, polarity, expected):
    assert compare.position_of(value, mean, polarity) == expected


def test_quartile_letter_a_is_best():
    assert [compare.quartile_letter(q, "low") for q in (1, 2, 3, 4)] == ["A", "B", "C", "D"]
    assert compare.quartile_letter(1, None) is None


def test_kpi21_uses_the_components_and_the_councils():
    from pipelines.lib.kpi_cards import load_cards

    card = next(c for c in load_cards() if c.id == "KPI21")
    c = compare.kpi_comparison(card, date(2020, 3, 31))
    # LAIT 2020 Northamptonshire (928): 52 adopted + 45 SGO + 2 % CAO of 408 ceased = 105.16 / 408 = 25.77 %
    assert c.published_value == pytest.approx(100 * (52 + 45 + 0.02 * 408) / 408)
    # England 2020: 3480 + 3720 + 4 % of 29710 over 29710
    assert c.england == pytest.approx(100 * (3480 + 3720 + 0.04 * 29710) / 29710)
    assert c.model_version == "pre_2021" and c.group == ("928", "Northamptonshire")
    assert c.model == "DfE statistical neighbours, pre-2021 model (Old SNs)"
    assert not c.contextual and c.position in ("better than", "in line with", "worse than")
    assert [x.la_code for x in c.councils] == ["940", "941"]
    later = compare.kpi_comparison(card, date(2025, 3, 31))
    # 2024/25: each council publishes its own; LAIT 941 = (18 + 28 + CAO) / 260 ... values are as published
    assert {x.la_code for x in later.councils if x.value is not None} <= {"940", "941"}
    assert later.year_compared == 2025 and later.model_version == "pre_2021"


def test_contextual_comparators_have_no_position():
    from pipelines.lib.kpi_cards import load_cards

    cards = {c.id: c for c in load_cards()}
    for kpi in ("KPI04", "KPI11"):
        c = compare.kpi_comparison(cards[kpi], date(2020, 3, 31))
        assert c.contextual and c.position is None and c.contextual_note.startswith("Contextual only")
    assert compare.kpi_comparison(cards["KPI02"], date(2020, 3, 31)).contextual is False


def test_published_measures_get_the_same_record():
    """A core-data-set published measure's Comparison carries published.comparators' numbers (one rule set)."""
    from pipelines.lib.core import published as pb

    frame = pb.published_values()
    raw = next(r for r in pb.cards_with_published() if r["id"] == "CDS_FP07")
    year = pb.latest_period(frame, "CDS_FP07")
    c = compare.published_comparison(frame, raw, year)
    d = pb.comparators(frame, "CDS_FP07", year)
    assert (c.neighbour_mean, c.neighbour_n, c.england, c.rank, c.quartile) == (
        d["sn_mean"], d["sn_n"], d["england_value"], d["rank"], d["quartile"])
    assert c.trust_value_compared == d["trust"]["value"] and [x.la_code for x in c.councils] == ["940", "941"]
    assert c.group == ("928", "Northamptonshire") and c.model_version == d["model_version"]
    # 2024/25: trust 80.5 % (940 + 941 counts) against the neighbours' 83.7 %: 3.2 points apart, within 5 % of
    # 83.7 (4.2 points), so "in line with" although lower (polarity high)
    assert year == 2025 and c.trust_value_compared == pytest.approx(80.476, abs=1e-3)
    assert c.neighbour_mean == pytest.approx(83.7) and c.position == "in line with"


def test_kpi21_neighbour_missing_a_component_is_dropped_from_the_mean():
    """End to end through kpi_comparison on hand-made values: 928's pre-2021 neighbours 886 (25 %) and 891
    (10 %) count; 866 has no CAO share ("-") and is dropped - taking it as 0 would add (10 + 5) / 100 = 15 %
    and give a mean of 16.67 over 3."""
    rows = (_la("886", 10, 5, 10, 100) + _la("891", 1, 1, 0, 20) + _la("866", 10, 5, None, 100)
            + _la("928", 6, 3, 5, 40))
    v = _values(rows).with_columns(pl.lit(2020, pl.Int32).alias("time_period"))
    card = {"id": "KPI21", "polarity": "high", "benchmark": {"components": COMPONENTS}}
    auth = Authority("928", "Test trust", (), "2017-04")
    c = compare.kpi_comparison(card, date(2020, 6, 30), auth, values=v)
    assert c.year_compared == 2020 and c.as_at == date(2020, 3, 31)
    assert c.neighbour_n == 2 and c.neighbour_mean == pytest.approx(17.5)
    assert c.neighbour_missing["866"][0] == "-"
    # the authority's own: (6 + 3 + 5 % of 40) / 40 = 27.5 %, better than 17.5 by more than 5 %
    assert c.published_value == pytest.approx(27.5) and c.position == "better than"


def test_kpi_cards_benchmark_blocks_use_known_keys():
    from pipelines.lib.kpi_cards import load_cards

    for card in load_cards():
        b = card.raw.get("benchmark") or {}
        assert set(b) <= compare.BENCHMARK_KEYS, (card.id, set(b) - compare.BENCHMARK_KEYS)
        if b.get("components"):
            comp = compare.parse_components(b["components"])
            measures = set(compare.bm.load_values()["measure"].unique())
            assert {c.measure for c in comp.numerators} | {comp.denominator} <= measures, card.id
    # the contextual ones say so in their note too
    flagged = {c.id for c in load_cards() if compare.is_contextual(c)}
    assert flagged == {"KPI04", "KPI11", "KPI18"}
