"""The monthly packs (pipelines/lib/packs): OCG HTML, clinic HTML and the Excel workbook, on the small
synthetic authority (KPIs computed April 2019 - March 2020, packs for March 2020)."""

from __future__ import annotations

import re
import shutil
from datetime import date

import duckdb
import pytest

from pipelines.lib.scorecard.rules import DEFAULT_DENOMINATOR_ONLY, DEFAULT_EXEMPT

PERIOD = date(2020, 3, 31)
PSEUDONYM = re.compile(r"X[0-9a-f]{20}")
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}\b")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
KPI_IDS = [f"KPI{i:02d}" for i in range(1, 22)]


@pytest.fixture(scope="module")
def packs(small_warehouse, tmp_path_factory):
    from pipelines.lib import packs
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.staging import use_current

    tmp = tmp_path_factory.mktemp("packs")
    path = tmp / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), PERIOD)
    out1, out2 = tmp / "run1", tmp / "run2"
    files = {
        "ocg": [packs.render_ocg_pack(con, PERIOD, out) for out in (out1, out2)],
        "clinic": [packs.render_clinic_pack(con, PERIOD, out) for out in (out1, out2)],
        "xlsx": [packs.write_workbook(con, PERIOD, out) for out in (out1, out2)],
    }
    ctx = packs.ocg_context(con, PERIOD, with_charts=False)
    clinic = packs.clinic_context(con, PERIOD)
    postcodes = {r[0] for r in con.execute("SELECT DISTINCT addr_address_postcode FROM ssd_address "
                                           "WHERE addr_address_postcode IS NOT NULL").fetchall()}
    dobs = {r[0] for r in con.execute("SELECT DISTINCT CAST(pers_dob AS VARCHAR) FROM ssd_person "
                                      "WHERE pers_dob IS NOT NULL").fetchall()}
    workers = {r[0] for r in con.execute("SELECT DISTINCT worker FROM kpi_values WHERE worker IS NOT NULL").fetchall()}
    con.close()
    return {"files": files, "ctx": ctx, "clinic": clinic, "postcodes": postcodes, "dobs": dobs, "workers": workers}


def _split_bundle(html: str) -> tuple[str, str]:
    """(the plotly.js bundle, the rest of the page)."""
    start = html.index("<script>") + len("<script>")
    end = html.index("</script>", start)
    return html[start:end], html[:start] + html[end:]


def test_ocg_pack_is_self_contained(packs):
    path = packs["files"]["ocg"][0]
    assert path.name == "ocg_pack_2020-03.html" and path.exists()
    html = path.read_text(encoding="utf-8")
    assert html.count("plotly.js v") == 1  # the bundle's banner: embedded exactly once
    bundle, rest = _split_bundle(html)
    assert "plotly.js v" in bundle and len(bundle) > 1_000_000
    # The bundle itself carries attribution URLs as JS strings (never rendered: logo off, no maps); the page
    # around it must not load or link anything external.
    assert not EXTERNAL.findall(rest)
    assert "cdn.plot.ly" not in rest and "http://" not in rest and "https://" not in rest
    assert not re.search(r"<(?:script|link|img|iframe)[^>]+(?:src|href)=", rest)
    assert rest.count("Plotly.newPlot") >= 21


def test_ocg_pack_has_no_personal_data(packs):
    html = packs["files"]["ocg"][0].read_text(encoding="utf-8")
    assert not PSEUDONYM.search(html)
    _, rest = _split_bundle(html)
    assert not POSTCODE.search(rest)
    assert packs["postcodes"] and not any(p in rest for p in packs["postcodes"])
    assert not any(d in rest for d in packs["dobs"])
    assert packs["workers"] and not any(re.search(rf"\b{re.escape(w)}\b", rest) for w in packs["workers"])


def test_ocg_pack_content(packs):
    html = packs["files"]["ocg"][0].read_text(encoding="utf-8")
    for kpi in KPI_IDS:
        assert f'id="{kpi.lower()}"' in html and f'id="{kpi.lower()}-trend"' in html
    ctx = packs["ctx"]
    assert [r["kpi_id"] for r in ctx["summary"]] == KPI_IDS
    for r in ctx["summary"]:
        assert f'{r["rag"]["shape"]} {r["rag"]["text"]}' in html  # RAG as text and shape
    for label in ("● Green", "▲ Amber", "■ Red", "○ No target"):
        assert label in html  # at least in the legend
    assert "Only the March" in html or "only the March" in html
    assert "Definitions (from the KPI cards)" in html
    assert {r["dq"]["status"] for r in ctx["summary"]} == {"not checked"}  # no kpi_status table here


def test_ocg_suppression(packs):
    ctx = packs["ctx"]
    seen_c = 0

    def check(kpi_id: str, row: dict) -> None:
        nonlocal seen_c
        if kpi_id in DEFAULT_EXEMPT:
            return
        cols = ["denominator"] if kpi_id in DEFAULT_DENOMINATOR_ONLY else ["numerator", "denominator"]
        for col in cols:
            text = row[col]
            if text == "c":
                seen_c += 1
            elif text not in ("–", None):
                assert float(text.replace(",", "")) >= 5, (kpi_id, row)

    for r in ctx["summary"]:
        check(r["kpi_id"], r)
    for s in ctx["sections"]:
        for row in s["trend"] + s["areas"] + s["teams"]:
            check(s["kpi_id"], row)
            if row.get("suppressed") or (row.get("raw") or {}).get("value") == "c":
                assert row.get("value_text", row.get("value")) == "c"
                if "value" in row and row.get("suppressed"):
                    assert row["value"] is None  # not plotted either
    assert seen_c > 0  # the small authority has small numbers to suppress


def test_reruns_are_byte_identical(packs):
    for kind in ("ocg", "clinic", "xlsx"):
        a, b = packs["files"][kind]
        assert a.read_bytes() == b.read_bytes(), kind
    assert packs["files"]["xlsx"][0].name == "scorecard_2020-03.xlsx"


def test_workbook_sheets(packs):
    import zipfile

    with zipfile.ZipFile(packs["files"]["xlsx"][0]) as z:
        wb = z.read("xl/workbook.xml").decode()
    for sheet in ("Summary", "KPI values", "By team", "Data quality", "Definitions"):
        assert f'name="{sheet}"' in wb


def test_clinic_pack(packs):
    html = packs["files"]["clinic"][0].read_text(encoding="utf-8")
    assert packs["files"]["clinic"][0].name == "clinic_pack_2020-03.html"
    sections = re.findall(r'<section class="kpi" id="(kpi\d\d)">(.*?)</section>', html, re.S)
    assert [s[0].upper() for s in sections] == KPI_IDS
    for _, body in sections:
        assert "RESTRICTED — performance clinic use only" in body
    assert PSEUDONYM.search(html)
    assert "https://" not in html and "http://" not in html
    assert any(s["records"] for s in packs["clinic"]["sections"])
    assert any(s["workers"] for s in packs["clinic"]["sections"])
