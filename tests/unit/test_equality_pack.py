"""Equality breakdowns on the small synthetic authority (March 2020): the restricted table adds up to the trust,
the published table and the OCG page are suppressed within each dimension and hold no identifiers, the
workbook has its Equality sheet, re-runs are byte-identical."""

from __future__ import annotations

import re
import shutil
import zipfile
from datetime import date

import duckdb
import polars as pl
import pytest

PERIOD = date(2020, 3, 31)
PSEUDONYM = re.compile(r"X[0-9a-f]{20}")


@pytest.fixture(scope="module")
def built(small_warehouse, tmp_path_factory):
    from pipelines.lib import packs
    from pipelines.lib.equality import group_values
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.packs.data import PackData
    from pipelines.lib.packs.equality import equality_context, equality_frame, write_equality
    from pipelines.lib.staging import use_current

    tmp = tmp_path_factory.mktemp("equality")
    path = tmp / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), PERIOD)
    restricted = group_values(con, date(2019, 4, 30), PERIOD)
    pd = PackData(con, PERIOD)
    published = equality_frame(pd)
    ctx = equality_context(pd, published)
    pd.area = "940"  # as a council's pack reads it (PackData(..., area=la_code))
    council_ctx = equality_context(pd, published)
    csvs = [write_equality(con, PERIOD, tmp / out) for out in ("a", "b")]
    html = packs.render_ocg_pack(con, PERIOD, tmp / "a").read_text(encoding="utf-8")
    xlsx = packs.write_workbook(con, PERIOD, tmp / "a")
    trust = con.sql("SELECT kpi_id, period_end, basis, numerator, denominator, value FROM kpi_values "
                        "WHERE area = 'all' AND team IS NULL AND worker IS NULL").pl()
    ids = {r[0] for r in con.execute("SELECT DISTINCT person_id FROM kpi_records WHERE person_id IS NOT NULL"
                                     ).fetchall()}
    dobs = {r[0] for r in con.execute("SELECT DISTINCT CAST(pers_dob AS VARCHAR) FROM ssd_person "
                                      "WHERE pers_dob IS NOT NULL").fetchall()}
    con.close()
    return {"restricted": restricted, "published": published, "ctx": ctx, "council_ctx": council_ctx,
            "csvs": csvs, "html": html, "xlsx": xlsx, "trust": trust, "ids": ids, "dobs": dobs}


def test_child_level_kpis_only(built):
    kpis = set(built["restricted"]["kpi_id"].to_list())
    # money, posts, incidents and social workers' caseloads are not broken down by children's groups
    assert not kpis & {"KPI11", "KPI15", "KPI16", "KPI17", "KPI20"}
    assert {"KPI01", "KPI03", "KPI07", "KPI18"} <= kpis
    uasc_kpis = set(built["restricted"].filter(pl.col("dimension") == "uasc")["kpi_id"].to_list())
    assert not uasc_kpis & {"KPI01", "KPI03"}


def test_groups_add_up_to_the_trust_figure(built):
    sums = (built["restricted"].group_by("kpi_id", "period_end", "basis", "dimension")
            .agg(pl.col("numerator").sum().alias("n"), pl.col("denominator").sum().alias("d"),
                 pl.col("cohort_value").first()))
    joined = sums.join(built["trust"], on=["kpi_id", "period_end", "basis"], how="left")
    assert joined.height and joined["value"].null_count() <= joined.filter(pl.col("d") == 0).height
    for r in joined.to_dicts():
        assert r["n"] == pytest.approx(r["numerator"]), r
        if r["denominator"] is not None:
            assert r["d"] == pytest.approx(r["denominator"]), r
        if r["value"] is not None:
            assert r["cohort_value"] == pytest.approx(r["value"], abs=1e-6), r


def test_one_sql_pass_covers_every_month(built):
    months = set(built["restricted"]["period_end"].to_list())
    assert len(months) == 12  # April 2019 - March 2020


def test_no_dimension_has_a_single_suppressed_group(built):
    pub = built["published"]
    assert pub.height and set(pub["period_end"].to_list()) == {PERIOD}
    assert pub["suppression"].drop_nulls().len() > 0
    counts = (pub.group_by("kpi_id", "basis", "dimension")
              .agg((pl.col("suppression").is_not_null()).sum().alias("hidden"), pl.len().alias("groups")))
    assert counts.filter((pl.col("hidden") == 1) & (pl.col("groups") > 1)).height == 0
    for r in pub.filter(pl.col("suppression").is_not_null()).to_dicts():
        assert r["value"] == r["gap"] == r["numerator"] == "c"


def test_published_outputs_hold_no_identifiers(built):
    assert built["published"].columns == ["kpi_id", "title", "period_end", "basis", "dimension", "group",
                                          "numerator", "denominator", "value", "cohort_value", "gap",
                                          "suppression"]
    text = built["csvs"][0].read_text(encoding="utf-8")
    assert built["ids"] and not any(i in text for i in built["ids"])
    assert not PSEUDONYM.search(text) and not any(d in text for d in built["dobs"])
    page = built["html"][built["html"].index('id="equality"'):built["html"].index('id="data-quality"')]
    assert not PSEUDONYM.search(page) and not any(d in page for d in built["dobs"])


def test_reruns_are_byte_identical(built):
    a, b = built["csvs"]
    assert a.name == "equality_2020-03.csv" and a.read_bytes() == b.read_bytes()


def test_ocg_page_shows_the_headline_basis_suppressed_as_published(built):
    html, ctx, pub = built["html"], built["ctx"], built["published"]
    order = [html.index(x) for x in ('id="kpi-pages"', 'id="equality"', 'id="data-quality"')]
    assert order == sorted(order)
    assert "Who the figures leave behind" in html
    dims = [t["dimension"] for t in ctx["tables"]]
    assert dims[:3] == ["sex", "ethnicity", "age band"]
    shown = {(t["dimension"], r["kpi_id"]): r for t in ctx["tables"] for r in t["rows"]}
    from pipelines.lib.kpi_cards import load_cards
    headline = {c.id: c.headline_basis for c in load_cards()}
    for r in pub.filter(pl.col("dimension") == "sex").to_dicts():
        if r["basis"] != headline[r["kpi_id"]]:
            continue
        if r["cohort_value"] == "c":  # the trust figure itself is suppressed: the KPI is left out
            assert ("sex", r["kpi_id"]) not in shown
            continue
        row = shown[("sex", r["kpi_id"])]
        if r["suppression"] is not None:
            assert "c" in [c["value"] for c in row["cells"]]


def test_workbook_equality_sheet(built):
    with zipfile.ZipFile(built["xlsx"]) as z:
        wb = z.read("xl/workbook.xml").decode()
    assert 'name="Equality"' in wb


def test_council_packs_leave_the_page_out(built):
    # a council's groups beside the trust's would let a reader subtract across packs
    assert built["council_ctx"] == {} and built["ctx"]["tables"]
