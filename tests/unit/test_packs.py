"""The monthly packs (pipelines/lib/packs): OCG HTML, clinic HTML and the Excel workbook, on the small
synthetic authority (KPIs computed April 2019 - March 2020, packs for March 2020)."""

from __future__ import annotations

import re
import shutil
from datetime import date

import duckdb
import pytest

from pipelines.lib.kpi_cards import disclosure_sets, load_cards

# what disclosure control leaves alone, from the cards' `disclosure` field
DEFAULT_EXEMPT = disclosure_sets(load_cards())["exempt"]
DEFAULT_DENOMINATOR_ONLY = disclosure_sets(load_cards())["denominator_only"]

PERIOD = date(2020, 3, 31)
PSEUDONYM = re.compile(r"X[0-9a-f]{20}")
POSTCODE = re.compile(r"\b[A-Z]{1,2}[0-9][0-9A-Z]? [0-9][A-Z]{2}\b")
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", re.I)
KPI_IDS = [f"KPI{i:02d}" for i in range(1, 22)]
HOSTILE = '=HYPERLINK("http://x","y")<script>alert(1)</script>'


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
        "comparators": [packs.write_comparators(con, PERIOD, out) for out in (out1, out2)],
    }
    ctx = packs.ocg_context(con, PERIOD, with_charts=False)
    clinic = packs.clinic_context(con, PERIOD)
    # commentary for the first Red KPI (written for the month) and one carried forward for the second
    from pipelines.lib.commentary import CommentaryRow

    red = [r["kpi_id"] for r in ctx["exceptions"]["detail"]]
    notes = [CommentaryRow("commentary.csv", 1, red[0], "2020-03", "Fell after a backlog was closed.",
                           "Two vacant posts.", "Agency workers start in April.", "Head of Service",
                           date(2020, 5, 31), "in progress")]
    if len(red) > 1:
        notes.append(CommentaryRow("commentary.csv", 2, red[1], "2020-01", "Written in January.", "", "", ""))
    out4 = tmp / "commentary"
    files["commented"] = [packs.render_ocg_pack(con, PERIOD, out4, commentary=notes)]
    commented = packs.ocg_context(con, PERIOD, with_charts=False, commentary=notes)
    # a team whose name is markup and a formula: escaped in HTML, never a formula in the workbook
    hostile_team = con.execute("SELECT min(team) FROM kpi_values WHERE team IS NOT NULL").fetchall()[0][0]
    con.execute("UPDATE kpi_values SET team = $t WHERE team = $old", {"t": HOSTILE, "old": hostile_team})
    out3 = tmp / "hostile"
    files["hostile"] = [packs.render_ocg_pack(con, PERIOD, out3), packs.render_clinic_pack(con, PERIOD, out3),
                        packs.write_workbook(con, PERIOD, out3)]
    postcodes = {r[0] for r in con.execute("SELECT DISTINCT addr_address_postcode FROM ssd_address "
                                           "WHERE addr_address_postcode IS NOT NULL").fetchall()}
    dobs = {r[0] for r in con.execute("SELECT DISTINCT CAST(pers_dob AS VARCHAR) FROM ssd_person "
                                      "WHERE pers_dob IS NOT NULL").fetchall()}
    workers = {r[0] for r in con.execute("SELECT DISTINCT worker FROM kpi_values WHERE worker IS NOT NULL").fetchall()}
    team_names = dict(con.execute("SELECT dept_team_id, min(dept_team_name) FROM current.ssd_department "
                                  "WHERE dept_team_name IS NOT NULL GROUP BY ALL").fetchall())
    con.close()
    return {"files": files, "ctx": ctx, "clinic": clinic, "commented": commented, "red": red,
            "postcodes": postcodes, "dobs": dobs, "workers": workers, "team_names": team_names}


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
    for sheet in ("Summary", "KPI values", "By team", "Data quality", "Commentary", "Definitions"):
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


def _sheet_rows(path, name: str) -> list[dict]:
    import openpyxl

    ws = openpyxl.load_workbook(path, read_only=True)[name]
    rows = list(ws.iter_rows(values_only=True))
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


def _visible_count(kpi_id: str, text) -> bool:
    """A shown count below 5 (what disclosure control forbids) in a published cell."""
    if text in (None, "c", "–") or kpi_id in DEFAULT_EXEMPT:
        return False
    return float(str(text).replace(",", "")) < 5


def test_workbook_summary_is_suppressed_like_the_pack(packs):
    """The Summary sheet used to carry the raw scorecard (KPI19 4/5, KPI18's denominator 4 under a note saying
    counts below 5 are suppressed)."""
    rows = _sheet_rows(packs["files"]["xlsx"][0], "Summary")
    assert [r["kpi_id"] for r in rows] == KPI_IDS
    pack = {r["kpi_id"]: r for r in packs["ctx"]["summary"]}
    for r in rows:
        cols = ["denominator"] if r["kpi_id"] in DEFAULT_DENOMINATOR_ONLY else ["numerator", "denominator"]
        for col in cols:
            assert not _visible_count(r["kpi_id"], r[col]), (r["kpi_id"], col, r[col])
        if r["value"] == "c":
            assert pack[r["kpi_id"]]["suppressed"] and r["projected_value"] is None
            assert r["direction_vs_previous_month"] == "n/a"
    assert any(r["value"] == "c" for r in rows)
    # figures that are shown are numbers an analyst can sum, not text; only a suppressed cell reads "c"
    shown = [r[c] for r in rows for c in ("value", "numerator", "denominator") if r[c] not in (None, "c")]
    assert shown and all(isinstance(v, int | float) for v in shown), shown[:5]


def test_published_teams_cannot_be_recovered_by_subtraction(packs):
    """In every (KPI, month, basis) of the workbook, the trust and its teams never have exactly one cell
    suppressed (else it follows from the trust and the other teams); the pack's team tables likewise."""
    path = packs["files"]["xlsx"][0]
    trust = {(r["kpi_id"], r["period_end"], r["basis"]): r for r in _sheet_rows(path, "KPI values")
             if r["area"] == "all"}
    teams: dict[tuple, list] = {}
    for r in _sheet_rows(path, "By team"):
        teams.setdefault((r["kpi_id"], r["period_end"], r["basis"]), []).append(r)
        for col in ("numerator", "denominator"):
            if col == "numerator" and r["kpi_id"] in DEFAULT_DENOMINATOR_ONLY:
                continue
            assert not _visible_count(r["kpi_id"], r[col]), r
    checked = 0
    for key, members in teams.items():
        cells = [*members, trust[key]]
        assert sum(m["value"] == "c" for m in cells) != 1, key
        checked += any(m["value"] == "c" for m in cells)
    assert checked > 0
    for s in packs["ctx"]["sections"]:
        summary = next(r for r in packs["ctx"]["summary"] if r["kpi_id"] == s["kpi_id"])
        cells = [t["value"] for t in s["teams"]] + [summary["value"]]
        assert not s["teams"] or sum(v == "c" for v in cells) != 1, s["kpi_id"]


def test_hostile_text_is_escaped_in_html_and_never_a_formula_in_the_workbook(packs):
    import openpyxl

    ocg, clinic, xlsx = packs["files"]["hostile"]
    for page in (ocg, clinic):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert(1)</script>" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    ws = openpyxl.load_workbook(xlsx)["By team"]
    cells = [c for row in ws.iter_rows() for c in row if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert cells and all(c.value == "'" + HOSTILE and c.data_type == "s" for c in cells)


def test_figures_print_alike_whatever_the_last_bits_of_a_sum():
    """Two fresh runs printed an FTE total as 12 in one clinic pack and 12.00 in the other."""
    from pipelines.lib.packs.data import fmt_count, fmt_value

    assert fmt_count(11.999999999999998) == fmt_count(12.000000000000002) == fmt_count(12.0) == "12"
    assert fmt_value(4.999999999999999, "count") == fmt_value(5.0, "count") == "5"


def test_workbook_summary_carries_the_comparators(packs):
    """Analysts get the DfE comparators as data: Summary columns from the same Comparison the pack shows."""
    from pipelines.lib.compare import kpi_comparison
    from pipelines.lib.kpi_cards import load_cards

    rows = {r["kpi_id"]: r for r in _sheet_rows(packs["files"]["xlsx"][0], "Summary")}
    cards = {c.id: c for c in load_cards()}
    for col in ("sn_mean", "sn_n", "england", "quartile", "position", "sn_model", "year_compared", "contextual"):
        assert col in rows["KPI02"], col
    # KPI02 (re-referrals, polarity low) for March 2020 compares 2019/20: LAIT ReReferral, Northamptonshire
    # (928) 32.8 against its pre-2021 neighbours' mean - worse, bottom quartile
    k2 = rows["KPI02"]
    want = kpi_comparison(cards["KPI02"], PERIOD)
    assert k2["year_compared"] == "2019/20" and k2["sn_mean"] == pytest.approx(want.neighbour_mean)
    assert k2["sn_n"] == want.neighbour_n == 10 and k2["england"] == pytest.approx(22.6)
    assert k2["trust_value_compared"] == pytest.approx(32.8) and k2["position"] == "worse than"
    assert k2["quartile"] == "D" and k2["sn_model"] == "DfE statistical neighbours, pre-2021 model (Old SNs)"
    # a contextual comparator carries no position; a KPI without a DfE measure has empty cells
    assert rows["KPI11"]["contextual"] is True and rows["KPI11"]["position"] is None
    assert rows["KPI01"]["sn_mean"] is None and rows["KPI01"]["comparator_measure"] is None


def test_comparators_csv(packs):
    import polars as pl

    a, b = packs["files"]["comparators"]
    assert a.name == "comparators_2020-03.csv" and a.read_bytes() == b.read_bytes()
    f = pl.read_csv(a, infer_schema_length=0)
    assert {"kpi_id", "sn_mean", "sn_n", "england", "quartile", "position", "sn_model", "year_compared",
            "contextual", "councils"} <= set(f.columns)
    ids = f["kpi_id"].to_list()
    assert "KPI21" in ids and "KPI01" not in ids and ids == sorted(ids)
    k21 = f.filter(pl.col("kpi_id") == "KPI21").to_dicts()[0]
    # KPI21 compares adopted + SGO + CAO (counts summed): 928 in 2019/20 = (52 + 45 + 2% of 408) / 408
    assert float(k21["trust_value_compared"]) == pytest.approx(100 * (52 + 45 + 0.02 * 408) / 408, abs=1e-5)
    assert "LACceased" in k21["comparator_measure"]
    # the neighbours named are 928's pre-2021 list, in rank order; KPI11's row says why it is contextual
    assert k21["neighbours"] == "886 891 866 860 830 881 937 885 888 887"
    assert k21["sn_group"] == "Northamptonshire (928)"
    k11 = f.filter(pl.col("kpi_id") == "KPI11").to_dicts()[0]
    assert k11["contextual"] == "true" and k11["contextual_note"].startswith("Contextual only")
    text = a.read_text()
    assert not PSEUDONYM.search(text) and not POSTCODE.search(text)


def _kpi_section(html: str, kpi: str) -> str:
    start = html.index(f'<section class="kpi" id="{kpi.lower()}">')
    return html[start:html.index("</section>", start)]


def test_ocg_pack_opens_with_the_exceptions_then_summary_kpis_definitions(packs):
    html = packs["files"]["ocg"][0].read_text(encoding="utf-8")
    _, rest = _split_bundle(html)
    order = [rest.index(f'id="{x}"') for x in ("exceptions", "summary", "kpi01", "kpi21", "definitions")]
    assert order == sorted(order)
    ctx = packs["ctx"]
    e = ctx["exceptions"]
    assert sum(c["now"] for c in e["counts"]) == sum(c["before"] for c in e["counts"]) == 21
    assert {c["rag"]["key"]: c["now"] for c in e["counts"]} == ctx["counts"]
    summary = {r["kpi_id"]: r for r in ctx["summary"]}
    # every Red or breached KPI has its entry, breaches first, with the run in words and what next month needs
    assert {r["kpi_id"] for r in e["detail"]} == {k for k, r in summary.items()
                                                  if r["breach"] or r["rag"]["key"] == "red"}
    assert e["detail"], "the small authority has Red KPIs"
    for r in e["detail"]:
        assert r["run_text"].startswith("Red for") and r["next_month"]
        assert r["next_month"].startswith(("To end the breach", "To be out of Red"))
        assert f"<strong>{r['run_text']}.</strong>" in rest
    for r in e["breach"]:
        assert r["run_length"] >= (2 if r["basis"] == "quarter to date" else 3)
    # newly Red / recovered follow last month's RAG; movers exclude "same"
    for r in e["newly_red"]:
        assert r["rag"]["key"] == "red" and r["prev_rag"] != "red"
    for r in e["recovered"]:
        assert r["prev_rag"] == "red" and r["rag"]["key"] in ("green", "amber")
    assert all(m["direction"] in ("better", "worse") for m in e["movers"]) and len(e["movers"]) <= 3
    # Amber and Red-not-in-breach KPIs say how far a breach is
    for r in e["watch"]:
        assert "a breach in" in r["watch"]
    # no commentary supplied: every Red or breached KPI reads "commentary due"
    assert e["commentary_due"] == len(e["detail"]) and "Commentary due" in rest


def test_ocg_pack_shows_commentary_and_what_is_due(packs):
    ctx, red = packs["commented"], packs["red"]
    first = next(r for r in ctx["exceptions"]["detail"] if r["kpi_id"] == red[0])
    assert first["commentary"]["commentary"] == "Fell after a backlog was closed." and not first["commentary_due"]
    assert first["commentary"]["due_date"] == "31 May 2020" and first["commentary"]["plan_status"] == "in progress"
    html = packs["files"]["commented"][0].read_text(encoding="utf-8")
    assert "Fell after a backlog was closed." in html and "Agency workers start in April." in html
    assert ctx["exceptions"]["commentary_due"] == len(ctx["exceptions"]["detail"]) - 1
    if len(red) > 1:  # carried forward from January: shown, dated, and still due
        second = next(r for r in ctx["exceptions"]["detail"] if r["kpi_id"] == red[1])
        assert second["commentary"]["carried_forward"] and second["commentary_due"]
        assert "carried forward, written for January 2020" in html


def test_ocg_comparators_beside_the_target_and_contextual_never_drawn(packs):
    html = packs["files"]["ocg"][0].read_text(encoding="utf-8")
    summary = {r["kpi_id"]: r for r in packs["ctx"]["summary"]}
    # KPI02 (re-referrals, pre-2021 neighbours): a position in the summary and the mean drawn on its chart
    assert summary["KPI02"]["against"].endswith("than neighbours") or summary["KPI02"]["against"].startswith("in line")
    k2 = _kpi_section(html, "KPI02")
    assert "Neighbours&#39; mean" in k2 or "Neighbours' mean" in k2
    assert "DfE statistical neighbours, pre-2021 model" in k2
    # KPI11's DfE measure is another unit: labelled contextual, no reference line on its axis
    assert summary["KPI11"]["contextual"] and summary["KPI11"]["against"] == "contextual"
    k11 = _kpi_section(html, "KPI11")
    assert "Contextual comparator" in k11
    assert "Neighbours' mean" not in k11 and "Neighbours&#39; mean" not in k11 and "England (" not in k11


def test_ocg_teams_by_name_and_money_in_pounds(packs):
    ctx = packs["ctx"]
    teams = {t["team"] for s in ctx["sections"] for t in s["teams"]}
    assert teams and not any(re.fullmatch(r"T\d{3}[A-Z]+\d*", t) for t in teams), sorted(teams)[:5]
    k15 = next(s for s in ctx["sections"] if s["kpi_id"] == "KPI15")
    shown = [t["numerator"] for t in k15["trend"] if t["numerator"] not in ("–", "c")]
    assert shown and all(re.fullmatch(r"-?£[\d,]+", x) for x in shown), shown


def test_teams_are_grouped_under_their_council_and_suppressed_ones_counted_in_one_line():
    from pipelines.lib.packs.ocg import _team_groups

    teams = [{"team": "North Northamptonshire Front Door (MASH)", "value": "33.6%"},
             {"team": "North Northamptonshire Disabled Children", "value": "c"},
             {"team": "West Northamptonshire Front Door (MASH)", "value": "32.9%"},
             {"team": "Countywide Adoption", "value": "40.0%"}]
    g = _team_groups(teams, ["North Northamptonshire", "West Northamptonshire"])
    assert [x["name"] for x in g] == ["North Northamptonshire", "West Northamptonshire", "Other teams"]
    assert [t["short"] for t in g[0]["shown"]] == ["Front Door (MASH)"] and g[0]["hidden"] == ["Disabled Children"]
    assert [t["short"] for t in g[2]["shown"]] == ["Countywide Adoption"] and g[1]["hidden"] == []


def test_team_names_are_found_without_the_current_search_path(small_warehouse, tmp_path):
    """The pipeline's pack step opens the warehouse without `current` on its search path: the demo pack
    showed team ids (T940FD) until the names were read from current.ssd_department."""
    from pipelines.lib.packs.data import team_names, worker_names

    copy = tmp_path / "warehouse.duckdb"
    shutil.copyfile(small_warehouse, copy)
    con = duckdb.connect(str(copy), read_only=True)
    names = team_names(con)
    workers = worker_names(con)
    con.close()
    assert names and all(k != v for k, v in names.items())
    assert workers and all("," in v for v in workers.values())  # job title, staff number


def test_workbook_by_team_names_teams_never_ids(packs):
    """The analysts' By team sheet reads like the pack: the team's name from ssd_department, not its id."""
    names = packs["team_names"]
    shown = {r["team"] for r in _sheet_rows(packs["files"]["xlsx"][0], "By team")}
    assert names and shown
    assert not shown & set(names), shown & set(names)
    assert shown & set(names.values())
