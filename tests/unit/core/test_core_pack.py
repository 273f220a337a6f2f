"""The quarterly core data set pack (pipelines/lib/packs/core_data_set.py) on the small synthetic authority:
KPIs and case measures computed April 2019 - March 2020, local feeds from the drop, published values from the
shipped DfE files; pack for the quarter ending March 2020."""

from __future__ import annotations

import re
import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.lib.measure_cards import load_measures
from pipelines.lib.packs.core_data_set import quarter_end, quarter_label

PERIOD = date(2020, 3, 31)
PSEUDONYM = re.compile(r"X[0-9a-f]{20}")
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}\b")


@pytest.mark.parametrize(("month_end", "expected"), [
    (date(2020, 3, 31), date(2020, 3, 31)),
    (date(2020, 5, 31), date(2020, 3, 31)),    # May: the quarter to March is the last complete one
    (date(2020, 6, 30), date(2020, 6, 30)),
    (date(2021, 2, 28), date(2020, 12, 31)),
    (date(2024, 2, 29), date(2023, 12, 31)),   # leap February
    (date(2024, 1, 15), date(2023, 12, 31)),   # any day of a month counts as its month end
])
def test_quarter_end(month_end, expected):
    assert quarter_end(month_end) == expected


def test_quarter_label():
    assert quarter_label(date(2020, 3, 31)) == "Q4 2019-20 (January to March 2020)"
    assert quarter_label(date(2019, 6, 30)) == "Q1 2019-20 (April to June 2019)"
    assert quarter_label(date(2019, 12, 31)) == "Q3 2019-20 (October to December 2019)"


@pytest.fixture(scope="module")
def pack(small_warehouse, tmp_path_factory):
    from pipelines.lib.core.published import published_values
    from pipelines.lib.kpi_engine import compute_kpi, compute_kpis
    from pipelines.lib.measure_cards import case_cards
    from pipelines.lib.packs.core_data_set import core_context, write_core_data_set
    from pipelines.lib.staging import use_current

    tmp = tmp_path_factory.mktemp("core-pack")
    path = tmp / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    use_current(con)
    first = date(2019, 4, 30)
    compute_kpis(con, first, PERIOD)
    for card in case_cards():
        compute_kpi(con, card, first, PERIOD, family="core")
    published_values(con)
    files = [write_core_data_set(con, PERIOD, tmp / out) for out in ("run1", "run2")]
    from pipelines.lib.core.local_feeds import local_feed_values

    ctx = core_context(con, PERIOD, con.sql("SELECT * FROM core_published").pl(), local_feed_values(con),
                       with_charts=False)
    postcodes = {r[0] for r in con.execute("SELECT DISTINCT addr_address_postcode FROM ssd_address "
                                           "WHERE addr_address_postcode IS NOT NULL").fetchall()}
    dobs = {r[0] for r in con.execute("SELECT DISTINCT CAST(pers_dob AS VARCHAR) FROM ssd_person "
                                      "WHERE pers_dob IS NOT NULL").fetchall()}
    con.close()
    return {"files": files, "ctx": ctx, "postcodes": postcodes, "dobs": dobs}


def test_files_and_byte_identical_reruns(pack):
    run1, run2 = pack["files"]
    assert [p.name for p in run1] == ["core_data_set_values.csv", "core_data_set_2020-03.html",
                                      "core_data_set_2020-03.xlsx"]
    for a, b in zip(run1, run2, strict=True):
        assert a.read_bytes() == b.read_bytes(), a.name


def test_every_measure_is_in_the_pack_by_commitment(pack):
    ctx = pack["ctx"]
    assert ctx["quarter"] == "Q4 2019-20 (January to March 2020)"
    in_pack = [s["id"] for c in ctx["commitments"] for s in c["sections"]]
    assert sorted(in_pack) == sorted(m.id for m in load_measures())
    assert [c["key"] for c in ctx["commitments"]] == ["families_prosper", "kept_safe", "education"]
    html = pack["files"][0][1].read_text(encoding="utf-8")
    for m in load_measures():
        assert f'id="{m.id.lower()}"' in html
    assert html.count("plotly.js v") == 1  # embedded once, no CDN
    assert "cdn.plot.ly" not in html.split("</script>", 1)[1]


def test_measures_without_data_say_why(pack):
    summary = {r["id"]: r for r in pack["ctx"]["summary"]}
    # a published measure whose DfE file is not shipped says which file is missing
    assert "ks1_la.csv not supplied" in summary["CDS_ED05"]["no_data"]
    # every measure either has a value or a reason; none is silently blank
    for r in summary.values():
        assert r["no_data"] or r["value"] not in ("–", None), r
    # case measures and the KPIs they point at have a value for the quarter on the small authority (the OC2
    # measures only when a 903 OC2 table is in the drop)
    for m in load_measures():
        if m.source in ("case", "kpi") and m.id not in ("CDS_KS07", "CDS_KS08"):
            assert summary[m.id]["no_data"] in (None, "suppressed (small numbers)"), (m.id, summary[m.id])


def test_values_table_has_every_measure(pack):
    values = pl.read_csv(pack["files"][0][0], schema_overrides={"area": pl.String})
    assert set(values["measure_id"]) == {m.id for m in load_measures()}
    fp04 = values.filter((pl.col("measure_id") == "CDS_FP04") & (pl.col("area") == "all")
                         & (pl.col("period_end") == "2020-03-31"))
    assert fp04.height == 1 and fp04["value"][0] is not None
    # a measure that is a contract KPI carries the KPI's own value, not a second computation
    ks01 = values.filter((pl.col("measure_id") == "CDS_KS01") & (pl.col("area") == "all")
                         & (pl.col("period_end") == "2020-03-31"))
    assert ks01["kpi_id"].to_list() == ["KPI03"]


def test_small_numbers_suppressed_and_no_personal_data(pack):
    seen = 0
    for c in pack["ctx"]["commitments"]:
        for s in c["sections"]:
            if s["source"] not in ("case data (extract)", "contract KPI"):
                continue
            for x in s["series"]:
                for row in [*[vars(t) for t in x["trend"]], *x["areas"]]:
                    for col in ("numerator", "denominator"):
                        text = row[col]
                        if text == "c":
                            seen += 1
                        elif text not in ("–", None) and x["unit"] not in ("days", "mean") \
                                and "KPI16" not in x["label"]:
                            assert float(text.replace(",", "")) >= 5, (s["id"], row)
    assert seen > 0
    html = pack["files"][0][1].read_text(encoding="utf-8")
    rest = html.split("</script>", 1)[1]
    assert not PSEUDONYM.search(html)
    assert not any(p in rest for p in pack["postcodes"])
    assert not any(d in rest for d in pack["dobs"])
