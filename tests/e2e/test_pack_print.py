"""The OCG pack (the trust's, and an owning council's) prints to A4 in at most 25 pages (spec: scorecard.md
"The HTML"), with Chromium's own headless print-to-PDF, the summary on one landscape page. Skipped only when
Debian's chromium is absent (`make browser` installs it as root, as CI does).

Run as a script on a pack to print it and keep the screenshots of page 1, the summary page and one KPI page:
    .venv/bin/python -m tests.e2e.test_pack_print state/demo/out/ocg_pack_2025-03.html
and of a council's pack (files named ocg_940_page1.png, ...; any third argument is the KPI page):
    .venv/bin/python -m tests.e2e.test_pack_print state/demo/out/ocg_pack_940_2025-03.html 0 ocg_940
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

ARTIFACTS = Path(__file__).resolve().parents[1] / "artifacts"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
MAX_PAGES = 25
A4_PORTRAIT = (595, 842)  # points (PDF MediaBox), rounded


def print_to_pdf(html: Path, pdf: Path) -> None:
    """Chromium's headless print-to-PDF: what a commissioner gets from the browser's Print (no header/footer)."""
    assert CHROMIUM is not None
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--no-pdf-header-footer",
                    "--run-all-compositor-stages-before-draw", "--virtual-time-budget=10000",
                    f"--print-to-pdf={pdf}", html.resolve().as_uri()],
                   check=True, capture_output=True, timeout=180)


def page_sizes(pdf: Path) -> list[tuple[int, int]]:
    """(width, height) in points of each page object of a PDF Chromium wrote (uncompressed page dictionaries)."""
    data = pdf.read_bytes()
    sizes = []
    for m in re.finditer(rb"/Type\s*/Page(?![s\w])", data):
        # the page dictionary around the match holds its MediaBox
        start = data.rfind(b"obj", 0, m.start())
        end = data.find(b"endobj", m.end())
        box = re.search(rb"/MediaBox\s*\[\s*([\d.]+)\s+([\d.]+)\s+([\d.]+)\s+([\d.]+)\s*\]", data[start:end])
        if box is None:
            sizes.append((0, 0))
            continue
        x0, y0, x1, y1 = (float(v) for v in box.groups())
        sizes.append((round(x1 - x0), round(y1 - y0)))
    return sizes


@pytest.fixture(scope="module", params=[None, "940"], ids=["trust", "council-940"])
def printed(request, small_warehouse, tmp_path_factory) -> tuple[Path, Path]:
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.packs import render_ocg_pack
    from pipelines.lib.staging import use_current

    work = tmp_path_factory.mktemp("print")
    copy = work / "warehouse.duckdb"
    shutil.copyfile(small_warehouse, copy)
    con = duckdb.connect(str(copy))
    use_current(con)
    compute_kpis(con, date(2019, 4, 30), date(2020, 3, 31))
    pack = render_ocg_pack(con, date(2020, 3, 31), work, area=request.param)
    con.close()
    print(f"printing {pack.name}")
    pdf = work / "ocg_pack.pdf"
    print_to_pdf(pack, pdf)
    return pack, pdf


@pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (make test installs it as root)")
def test_ocg_pack_prints_to_at_most_25_a4_pages_with_one_landscape_summary(printed):
    pack, pdf = printed
    sizes = page_sizes(pdf)
    print(f"{pack.name}: {len(sizes)} A4 pages")
    assert 5 <= len(sizes) <= MAX_PAGES, len(sizes)
    portrait = [s for s in sizes if s == A4_PORTRAIT]
    landscape = [i for i, s in enumerate(sizes) if s == A4_PORTRAIT[::-1]]
    assert len(portrait) + len(landscape) == len(sizes), sizes  # every page is A4
    assert len(landscape) == 1, sizes  # the summary of all 21 KPIs fits one landscape page
    # exceptions come first (portrait), the summary after them, then the KPI pages (portrait)
    assert 1 <= landscape[0] <= 3 and sizes[0] == A4_PORTRAIT
    html = pack.read_text(encoding="utf-8")
    # every chart has the table behind it, and a KPI page never splits across sheets
    assert html.count('class="trend"') == html.count('-trend" class="plotly-graph-div') == 21
    assert "section.kpi { break-inside: avoid" in html


def screenshots(pack: Path, kpi_page: int | None = None, prefix: str = "ocg") -> list[Path]:
    """Print `pack` and keep PNGs of page 1, the summary (landscape) page and a KPI page in tests/artifacts
    (needs chromium and poppler's pdftoppm). Returns the files written."""
    import tempfile

    pdftoppm = shutil.which("pdftoppm")
    assert pdftoppm is not None, "pdftoppm (poppler-utils) is needed to turn the printed pages into PNG"
    ARTIFACTS.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "pack.pdf"
        print_to_pdf(pack, pdf)
        sizes = page_sizes(pdf)
        summary = next(i for i, s in enumerate(sizes) if s[0] > s[1]) + 1
        kpi = kpi_page or summary + 1
        out = []
        for page, name in ((1, f"{prefix}_page1"), (summary, f"{prefix}_summary"), (kpi, f"{prefix}_kpi_page")):
            subprocess.run([pdftoppm, "-r", "100", "-png", "-singlefile", "-f", str(page), "-l", str(page),
                            str(pdf), str(ARTIFACTS / name)], check=True, timeout=120)
            out.append(ARTIFACTS / f"{name}.png")
        print(f"{len(sizes)} pages; summary on page {summary}")
    return out


if __name__ == "__main__":
    for path in screenshots(Path(sys.argv[1]), int(sys.argv[2]) or None if len(sys.argv) > 2 else None,
                            sys.argv[3] if len(sys.argv) > 3 else "ocg"):
        print(path)
