"""The OCG pack per owning council (ocg_pack_<la_code>_YYYY-MM.html) on the small synthetic authority
(KPIs April 2019 - March 2020, packs for March 2020): the council's own rows, RAG and breaches on its own
series, its own DfE statistical neighbours, the plan comparator group, and the trust pack's suppression."""

from __future__ import annotations

import shutil
import statistics
from datetime import date

import duckdb
import polars as pl
import pytest

PERIOD = date(2020, 3, 31)


@pytest.fixture(scope="module")
def council_packs(small_warehouse, tmp_path_factory):
    from pipelines.lib import packs
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.packs.data import PackData
    from pipelines.lib.staging import use_current

    tmp = tmp_path_factory.mktemp("council_packs")
    path = tmp / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), PERIOD)
    out = {
        "trust": packs.ocg_context(con, PERIOD, with_charts=False),
        "940": packs.ocg_context(con, PERIOD, with_charts=False, area="940"),
        "941": packs.ocg_context(con, PERIOD, with_charts=False, area="941"),
        "files": [packs.render_ocg_pack(con, PERIOD, tmp / run, area="940") for run in ("run1", "run2")],
        "values": PackData(con, PERIOD).values,
        "data": {a: PackData(con, PERIOD, a) for a in (None, "940")},
    }
    con.close()
    return out


def _row(values: pl.DataFrame, kpi_id: str, basis: str, area: str, d: date = PERIOD) -> dict:
    r = values.filter((pl.col("kpi_id") == kpi_id) & (pl.col("basis") == basis) & (pl.col("area") == area)
                      & pl.col("team").is_null() & pl.col("worker").is_null() & (pl.col("period_end") == d))
    assert r.height == 1, (kpi_id, basis, area, d)
    return r.to_dicts()[0]


def test_council_pack_shows_its_own_figures_not_the_other_councils(council_packs):
    """KPI02 (re-referrals, financial year to date): 940's own numerator / denominator, not 941's nor the trust's."""
    v = council_packs["values"]
    own, other, trust = (_row(v, "KPI02", "fytd", a) for a in ("940", "941", "all"))
    by_hand = f"{100 * own['numerator'] / own['denominator']:.1f}%"
    row = {r["kpi_id"]: r for r in council_packs["940"]["summary"]}["KPI02"]
    assert row["value"] == by_hand == "33.1%"
    assert row["numerator"] == f"{own['numerator']:,.0f}" and row["denominator"] == f"{own['denominator']:,.0f}"
    assert by_hand != f"{100 * other['numerator'] / other['denominator']:.1f}%"
    assert {r["kpi_id"]: r for r in council_packs["941"]["summary"]}["KPI02"]["value"] == \
        f"{100 * other['numerator'] / other['denominator']:.1f}%"
    assert {r["kpi_id"]: r for r in council_packs["trust"]["summary"]}["KPI02"]["value"] == \
        f"{100 * trust['numerator'] / trust['denominator']:.1f}%" != by_hand
    html = council_packs["files"][0].read_text(encoding="utf-8")
    assert council_packs["files"][0].name == "ocg_pack_940_2020-03.html"
    assert "North Northamptonshire (940)" in html and "West Northamptonshire (941)" not in html
    # one council's rows only: no side-by-side councils, no team breakdowns, no commentary, no (trust) equality
    assert council_packs["940"]["equality"] is None
    for s in council_packs["940"]["sections"]:
        assert s["areas"] == [] and s["teams"] == [] and s["commentary"] is None
        assert s["comparator"] is None or s["comparator"]["councils"] == []
    assert council_packs["files"][0].read_bytes() == council_packs["files"][1].read_bytes()  # byte-identical re-run


def test_council_pack_uses_its_own_neighbours_and_the_plan_group(council_packs):
    """KPI02's DfE measure (ReReferral) for 2019/20: 940's own April 2021 neighbour list (940 has no pre-2021
    list) and the plan comparator group's plain mean, both by hand from the shipped benchmark files."""
    from pipelines.lib.benchmarks import BENCHMARK_DIR
    from pipelines.lib.config import authority

    sns = pl.read_csv(BENCHMARK_DIR / "statistical_neighbours.csv", infer_schema_length=0).filter(
        pl.col("la_code") == "940", pl.col("model").str.starts_with("DfE SN model April 2021"))
    bench = pl.read_parquet(BENCHMARK_DIR / "benchmark_values.parquet").filter(
        pl.col("measure") == "ReReferral", pl.col("time_period") == 2020, pl.col("geographic_level") == "la",
        pl.col("value").is_not_null())
    published = dict(zip(bench["la_code"], bench["value"], strict=True))
    sn_vals = [published[c] for c in sns["sn_code"] if c in published]
    plan = ["886", "937", "860", "891", "885"]  # Kent, Warwickshire, Staffordshire, Nottinghamshire, Worcestershire
    assert list(authority().plan_group) == plan
    plan_vals = [published[c] for c in plan if c in published]
    assert len(sn_vals) == 9 and len(plan_vals) == 5  # 941 (a neighbour) did not exist in 2019/20

    comp = {s["kpi_id"]: s for s in council_packs["940"]["sections"]}["KPI02"]["comparator"]
    assert comp["group"] == "North Northamptonshire (940)" and comp["sn_n"] == 9
    assert comp["sn_mean_value"] == pytest.approx(statistics.fmean(sn_vals))
    assert comp["plan_mean_value"] == pytest.approx(statistics.fmean(plan_vals)) and comp["plan_n"] == 5
    assert comp["region"] == "East Midlands"
    # 941's pack: its own (different) list; the trust's pack: the trust's group, the same plan mean
    other = {s["kpi_id"]: s for s in council_packs["941"]["sections"]}["KPI02"]["comparator"]
    trust = {s["kpi_id"]: s for s in council_packs["trust"]["sections"]}["KPI02"]["comparator"]
    assert other["group"] == "West Northamptonshire (941)" and other["sn_mean_value"] != comp["sn_mean_value"]
    assert trust["group"].endswith("(928)") and [c["name"] for c in trust["councils"]] == [
        "North Northamptonshire (940)", "West Northamptonshire (941)"]
    assert trust["plan_mean_value"] == comp["plan_mean_value"]
    html = council_packs["files"][0].read_text(encoding="utf-8")
    assert f"plan comparator group mean <strong>{comp['plan_mean']}</strong> (n = 5 of 886, 937" in html


def test_breaches_are_judged_on_the_councils_own_series(council_packs):
    """KPI07 (long-term placement stability): 940 Red in every month of the fixture's year (a persistent
    breach of its own), while the trust as a whole is not Red this month."""
    from pipelines.lib.kpi_cards import load_cards
    from pipelines.lib.scorecard import rules

    card = {c.id: c for c in load_cards()}["KPI07"]
    v = council_packs["values"]
    months = sorted(v.filter(pl.col("kpi_id") == "KPI07")["period_end"].unique().to_list())
    run = 0
    for d in reversed(months):  # consecutive Red months of 940's own figure, back from March 2020
        t = rules.load_targets(rules.financial_year(d)).get("KPI07")
        if rules.rag_for(_row(v, "KPI07", card.headline_basis, "940", d)["value"], t, card.polarity) != rules.RED:
            break
        run += 1
    council = {r["kpi_id"]: r for r in council_packs["940"]["summary"]}["KPI07"]
    trust = {r["kpi_id"]: r for r in council_packs["trust"]["summary"]}["KPI07"]
    assert run >= 3 and council["breach"] and council["run_length"] == run
    assert f"{run} consecutive months" in council["run_text"]
    assert trust["rag"]["key"] != "red" and not trust["breach"]
    exc = council_packs["940"]["exceptions"]
    assert "KPI07" in [r["kpi_id"] for r in exc["breach"]]
    assert "KPI07" not in [r["kpi_id"] for r in council_packs["trust"]["exceptions"]["breach"]]


def test_council_pack_suppresses_what_the_trust_pack_suppresses(council_packs):
    """The council's rows come from the trust pack's suppressed rows (secondary suppression settled over trust =
    sum of councils): a council figure shown as c in the trust pack is c in the council pack, and no count
    below 5 is shown."""
    from pipelines.lib.kpi_cards import disclosure_sets, load_cards

    sets = disclosure_sets(load_cards())
    trust_areas = {s["kpi_id"]: {a["area"]: a for a in s["areas"]} for s in council_packs["trust"]["sections"]}
    seen_c = compared = 0
    for code, name in (("940", "North Northamptonshire (940)"), ("941", "West Northamptonshire (941)")):
        for s in council_packs[code]["sections"]:
            in_trust = trust_areas[s["kpi_id"]].get(name)
            now = s["trend"][-1]
            if in_trust is not None:
                compared += 1
                assert (in_trust["value"] == "c") == now["suppressed"], (code, s["kpi_id"])
                if not now["suppressed"]:
                    assert in_trust["value"] == now["value_text"], (code, s["kpi_id"])
            seen_c += now["suppressed"]
            if s["kpi_id"] in sets["exempt"]:
                continue
            cols = ["denominator"] if s["kpi_id"] in sets["denominator_only"] else ["numerator", "denominator"]
            for t in s["trend"]:
                for col in cols:
                    if t[col] not in ("c", "–"):
                        assert float(t[col].replace(",", "")) >= 5, (code, s["kpi_id"], t)
    assert seen_c > 0 and compared >= 40


def test_plan_comparator_group_is_the_neighbours_both_councils_share():
    """authority.yaml plan_comparators: the codes are the LAs the trust's plan names (la_codes.csv), each a
    statistical neighbour of both owning councils in the DfE April 2021 model."""
    from pipelines.lib.benchmarks import neighbours
    from pipelines.lib.compare import la_name
    from pipelines.lib.config import authority

    auth = authority()
    assert [la_name(c) for c in auth.plan_group] == ["Kent", "Warwickshire", "Staffordshire", "Nottinghamshire",
                                                     "Worcestershire"]
    for council in auth.owning_councils:
        model, sns = neighbours(council.la_code, date(2024, 3, 31))
        assert model == "april_2021" and set(auth.plan_group) <= set(sns), council.la_code
    assert auth.council("940").neighbour_group == "940" and auth.council("940").plan_group == auth.plan_group
    with pytest.raises(KeyError):
        auth.council(auth.la_code)  # the trust itself is not one of its owning councils


def test_a_pack_per_council_only_when_there_are_several():
    """A single-council authority (owning_councils names itself once) gets no second, identical pack."""
    from pipelines.lib.config import Authority, Council, authority
    from pipelines.lib.packs.ocg import ocg_pack_name

    assert authority().council_areas() == ["940", "941"]
    assert Authority("383", "Leeds", (Council("383", "E08000035", "Leeds"),), "2020-04").council_areas() == []
    assert ocg_pack_name(date(2025, 3, 31), "940") == "ocg_pack_940_2025-03.html"
    assert ocg_pack_name(date(2025, 3, 31)) == "ocg_pack_2025-03.html"


def test_a_council_figure_hidden_by_secondary_suppression_is_not_compared(council_packs):
    """Without a published figure of its own, a council's KPI value at the comparable month is compared with
    its neighbours, unless disclosure control hides it: 941 (3 children) is suppressed, so 940 (the trust
    less 941) is hidden too and never shown as the value compared; the trust's own figure still is."""
    from pipelines.lib.kpi_cards import load_cards

    card = {c.id: c for c in load_cards()}["KPI02"]
    d = date(2019, 3, 31)
    base = {c: None for c in council_packs["values"].columns}
    rows = [{**base, "kpi_id": "KPI02", "basis": card.headline_basis, "period_end": d, "area": area,
             "numerator": n, "denominator": den, "value": 100 * n / den}
            for area, n, den in (("all", 32.0, 40.0), ("940", 30.0, 37.0), ("941", 2.0, 3.0))]
    frame = pl.DataFrame(rows, schema=council_packs["values"].schema)
    trust, council = council_packs["data"][None], council_packs["data"]["940"]
    trust.values, council.values = frame, frame
    assert trust.trust_value_at(card, d)[0] == pytest.approx(80.0)
    assert council.trust_value_at(card, d) is None
    # with 941 large enough to publish (6 of 20), 940's own figure is the one compared
    big = pl.col("area") == "941"
    council.values = frame.with_columns(numerator=pl.when(big).then(6.0).otherwise(pl.col("numerator")),
                                        denominator=pl.when(big).then(20.0).otherwise(pl.col("denominator")))
    assert council.trust_value_at(card, d)[0] == pytest.approx(100 * 30 / 37)
