"""The OCG pack in headless Chromium (Debian's chromium, installed by `make test`): it loads with no console
errors and no network requests beyond the file itself, and a screenshot is kept as a test artefact."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="module")
def ocg_pack(small_warehouse, tmp_path_factory) -> Path:
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.packs import render_ocg_pack
    from pipelines.lib.staging import use_current

    work = tmp_path_factory.mktemp("browser")
    copy = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse, copy)
    con = duckdb.connect(str(copy))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), date(2020, 3, 31))
    return render_ocg_pack(con, date(2020, 3, 31), work)


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_ocg_pack_loads_offline_without_console_errors(ocg_pack):
    seen = _load_offline(ocg_pack, "ocg_pack.png")
    assert seen["failures"] == []
    assert seen["errors"] == []
    assert seen["requests"] == [ocg_pack.as_uri()]  # nothing fetched: plotly.js is embedded, no CDN
    assert seen["charts"] >= 21  # the trend charts rendered


@pytest.fixture(scope="module")
def core_pack(small_warehouse, tmp_path_factory) -> Path:
    from pipelines.lib.core.published import published_values
    from pipelines.lib.kpi_engine import compute_kpi, compute_kpis
    from pipelines.lib.measure_cards import case_cards
    from pipelines.lib.packs.core_data_set import write_core_data_set
    from pipelines.lib.staging import use_current

    work = tmp_path_factory.mktemp("browser-core")
    copy = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse, copy)
    con = duckdb.connect(str(copy))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), date(2020, 3, 31))
    for card in case_cards():
        compute_kpi(con, card, date(2019, 4, 30), date(2020, 3, 31), family="core")
    published_values(con)
    return write_core_data_set(con, date(2020, 3, 31), work)[1]


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_core_data_set_pack_loads_offline_without_console_errors(core_pack):
    seen = _load_offline(core_pack, "core_data_set_pack.png")
    assert seen["failures"] == []
    assert seen["errors"] == []
    assert seen["requests"] == [core_pack.as_uri()]
    assert seen["sections"] == 58  # every measure of the core data set has its section
    assert seen["charts"] >= 17    # at least the case measures' trends rendered


def _load_offline(pack: Path, screenshot: str) -> dict:
    """Open a pack in headless Chromium: console errors, page errors, requests, charts and sections seen."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    console, requests, failures = [], [], []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        page.on("console", lambda m: console.append((m.type, m.text)))
        page.on("pageerror", lambda e: failures.append(str(e)))
        page.on("request", lambda r: requests.append(r.url))
        page.goto(pack.as_uri(), wait_until="load")
        page.wait_for_timeout(500)
        seen = {"charts": page.locator(".plotly-graph-div").count(), "sections": page.locator("section.kpi").count()}
        page.screenshot(path=str(ARTIFACTS / screenshot), full_page=False)
        browser.close()
    return {**seen, "errors": [c for c in console if c[0] == "error"], "failures": failures, "requests": requests}
