"""Local feeds of the core data set: cards, values, validation, templates and the synthetic authority's feed.

Expected values are worked out by hand in the comments; the validation tests stage a real CSV through
archive + staging, so each failure is located by the file, table, column and row a service would fix.
"""

from __future__ import annotations

import csv
import random
from datetime import date
from pathlib import Path
from types import SimpleNamespace

import polars as pl
import pytest

from pipelines.lib.contract import contract
from pipelines.lib.core.local_feeds import (
    FAMILIES,
    TEMPLATE_DIR,
    FeedMeasure,
    feed_measure,
    feed_measures,
    feed_parameters,
    local_feed_values,
)
from pipelines.lib.kpi_cards import CardError
from pipelines.lib.measure_cards import load_measure, load_measures
from tests.kpi_fixture import add, warehouse

KEY = b"local-feeds-test-key" * 2
LOCAL_FEED_IDS = {"CDS_FP01", "CDS_FP02", "CDS_FP17", "CDS_KS10", "CDS_ED01", "CDS_ED08", "CDS_ED09",
                  "CDS_ED17", "CDS_ED18", "CDS_ED19"}
HEADER = "period_end,measure_id,numerator,denominator,value,source_note\n"


# ---- cards ------------------------------------------------------------------------------------------------

def test_every_local_feed_measure_of_the_spec_has_a_card_with_a_feed_block():
    cards = {c.id: c for c in load_measures() if c.source == "local_feed"}
    assert set(cards) == LOCAL_FEED_IDS
    kinds = {m.id: (m.family, m.frequency, m.value_kind) for m in feed_measures()}
    assert kinds["CDS_FP01"] == ("outdoor_education", "monthly", "count")
    assert kinds["CDS_KS10"] == ("youth_service", "monthly", "count")
    assert kinds["CDS_ED01"] == ("virtual_school", "termly", "percent")
    assert kinds["CDS_ED08"] == ("schools", "termly", "count")
    for card in cards.values():
        m = feed_measure(card)
        # a count card counts, a percent card is a percentage: the card's unit and the feed agree
        assert m.value_kind == ("percent" if card.unit == "percent" else "count"), card.id
        assert card.raw["decisions"], card.id


def _card(tmp_path: Path, feed: str, source: str = "local_feed", extra: str = "") -> Path:
    path = tmp_path / "CDS_ED99_test.yaml"
    path.write_text(f"""id: CDS_ED99
title: A test measure
commitment: education
source: {source}
definition: A test.
polarity: high
unit: percent
{"disclosure: children" + chr(10) if source == "local_feed" else ""}{extra}feed:
{feed}
""")
    return path


def test_a_published_card_with_a_feed_block_is_a_feed_measure(tmp_path):
    # any source: a published measure's local-feed fallback is accepted like a local-feed measure
    path = _card(tmp_path, "  family: participation\n  frequency: monthly", source="published",
                 extra="published: {file: x.csv, value_column: v}\n")
    m = feed_measures((load_measure(path),))[0]
    # value_kind omitted: the card's unit (percent) decides
    assert (m.id, m.family, m.frequency, m.value_kind, m.low, m.high) == (
        "CDS_ED99", "participation", "monthly", "percent", None, None)


@pytest.mark.parametrize(("feed", "message"), [
    ("  family: libraries\n  frequency: monthly", "family 'libraries'"),
    ("  family: schools\n  frequency: weekly", "frequency 'weekly'"),
    ("  family: schools\n  frequency: termly\n  value_kind: rate", "value_kind 'rate'"),
    ("  family: schools\n  frequency: termly\n  range: {min: 10, max: 5}", "range min 10 is above max 5"),
])
def test_a_bad_feed_block_names_the_card(tmp_path, feed, message):
    path = _card(tmp_path, feed)
    with pytest.raises(CardError, match=message) as err:
        feed_measures((load_measure(path),))
    assert str(path) in str(err.value)


def test_feed_parameters_are_parallel_lists_from_the_cards():
    ms = (FeedMeasure("CDS_A", "a", "schools", "termly", "count", 0.0, 10.0),
          FeedMeasure("CDS_B", "b", "early_years", "termly", "percent"))
    p = feed_parameters(ms)
    assert p["feed_measures"] == ["CDS_A", "CDS_B"]
    assert p["percent_measures"] == ["CDS_B"] and p["count_measures"] == ["CDS_A"]
    assert (p["range_measures"], p["range_low"], p["range_high"]) == (["CDS_A"], [0.0], [10.0])


# ---- values -----------------------------------------------------------------------------------------------

def test_values_are_computed_from_counts_when_blank_and_kept_when_supplied():
    con = warehouse()
    add(con, "local_feeds", [
        # percentage as counts, value blank: 100 * 598 / 642 = 59800 / 642 = 93.146417... (642 * 93 = 59706,
        # remainder 94 / 642 = 0.146417)
        {"period_end": "2025-03-31", "measure_id": "CDS_ED01", "numerator": 598.0, "denominator": 642.0,
         "source_note": "ePEP"},
        # all three supplied: the supplied 93.4 is kept (100 * 57 / 61 = 93.44, within 0.1 of it)
        {"period_end": "2025-03-31", "measure_id": "CDS_ED19", "numerator": 57.0, "denominator": 61.0,
         "value": 93.4, "source_note": "Ofsted"},
        # percentage as a value alone
        {"period_end": "2025-03-31", "measure_id": "CDS_ED18", "value": 96.4, "source_note": "Ofsted"},
        # zero denominator and no value: no value (nothing in the denominator), not 0 and not an error
        {"period_end": "2024-12-31", "measure_id": "CDS_ED17", "numerator": 0.0, "denominator": 0.0,
         "source_note": "EY funding"},
        # a count: its value; a count is never computed from a numerator
        {"period_end": "2025-03-31", "measure_id": "CDS_FP01", "value": 2140.0, "source_note": "bookings"},
        {"period_end": "2025-03-31", "measure_id": "CDS_KS10", "numerator": 3.0, "source_note": "YJS"},
        # leap-year month end
        {"period_end": "2024-02-29", "measure_id": "CDS_FP02", "value": 1875.0, "source_note": "register"},
        # a published measure's fallback (card CDS_ED10, feed block): 100 * 18190 / 19230 = 94.5918...
        # (19230 * 94.59 / 100 = 18189.66; the remaining 0.34 / 19230 * 100 = 0.0018)
        {"period_end": "2025-01-31", "measure_id": "CDS_ED10", "numerator": 18190.0, "denominator": 19230.0,
         "source_note": "CCIS"},
        # an id no card knows: left out (the checks report it)
        {"period_end": "2025-03-31", "measure_id": "CDS_ZZ99", "value": 1.0, "source_note": "?"},
    ])
    got = local_feed_values(con)
    assert got.columns == ["measure_id", "period_end", "numerator", "denominator", "value", "source_note",
                           "frequency", "family"]
    rows = {(r["measure_id"], r["period_end"]): r for r in got.to_dicts()}
    assert set(rows) == {("CDS_ED01", date(2025, 3, 31)), ("CDS_ED19", date(2025, 3, 31)),
                         ("CDS_ED18", date(2025, 3, 31)), ("CDS_ED17", date(2024, 12, 31)),
                         ("CDS_FP01", date(2025, 3, 31)), ("CDS_KS10", date(2025, 3, 31)),
                         ("CDS_FP02", date(2024, 2, 29)), ("CDS_ED10", date(2025, 1, 31))}
    ed01 = rows[("CDS_ED01", date(2025, 3, 31))]
    assert ed01["value"] == pytest.approx(93.1464, abs=1e-4)
    assert (ed01["numerator"], ed01["denominator"], ed01["frequency"], ed01["family"]) == (
        598.0, 642.0, "termly", "virtual_school")
    assert rows[("CDS_ED19", date(2025, 3, 31))]["value"] == 93.4
    assert rows[("CDS_ED18", date(2025, 3, 31))]["value"] == 96.4
    assert rows[("CDS_ED17", date(2024, 12, 31))]["value"] is None
    fp01 = rows[("CDS_FP01", date(2025, 3, 31))]
    assert (fp01["value"], fp01["frequency"], fp01["family"], fp01["source_note"]) == (
        2140.0, "monthly", "outdoor_education", "bookings")
    assert rows[("CDS_KS10", date(2025, 3, 31))]["value"] is None
    assert rows[("CDS_FP02", date(2024, 2, 29))]["value"] == 1875.0
    ed10 = rows[("CDS_ED10", date(2025, 1, 31))]
    assert ed10["value"] == pytest.approx(94.5918, abs=1e-4) and ed10["family"] == "participation"
    # ordered by measure and period
    assert got["measure_id"].to_list() == sorted(got["measure_id"].to_list())


def test_values_use_the_measures_given():
    con = warehouse()
    add(con, "local_feeds", [{"period_end": "2025-03-31", "measure_id": "CDS_NEW1", "numerator": 1.0,
                              "denominator": 4.0, "source_note": "n"}])
    # 100 * 1 / 4 = 25
    mine = (FeedMeasure("CDS_NEW1", "new", "schools", "annual", "percent"),)
    assert local_feed_values(con, mine).select("measure_id", "value", "frequency").rows() == [
        ("CDS_NEW1", 25.0, "annual")]
    assert local_feed_values(con).height == 0  # no card knows CDS_NEW1


# ---- validation (staged through the real archive + staging path) ----------------------------------------

BAD_ROWS = [
    # row: period_end, measure_id, numerator, denominator, value, source_note        fault
    "2025-03-31,CDS_ED01,598,642,,ePEP",                                            # 1 clean
    "2025-03-31,CDS_ED1,598,642,,ePEP",                                             # 2 unknown measure (typo)
    "2025-03-31,CDS_ED17,1400,1310,,EY funding",                                    # 3 numerator > denominator
    "2025-03-31,CDS_ED19,57,61,90.0,Ofsted",                                        # 4 90.0 vs 93.44
    "2025-03-31,CDS_ED18,,,931,Ofsted",                                             # 5 percent above 100
    "2025-03-31,CDS_KS10,,,-2,YJS",                                                 # 6 negative count
    "2025-03-28,CDS_FP01,,,2140,bookings",                                          # 7 not a month end
    "2025-03-31,CDS_ED08,,,,Ofsted MI",                                             # 8 no figure (warning)
    "2025-02-28,CDS_KS10,,,80,YJS",                                                 # 9 above card range (warning)
    "2025-03-31,CDS_FP02,,,1875,",                                                  # 10 no source note (warning)
    "2025-03-31,,,,5,orphan",                                                       # 11 no measure id
    "2025-03-31,CDS_ED20,-3,100,,census",                                           # 12 negative numerator
    "2024-12-31,CDS_ED01,1,2,50.1,ePEP",                                            # 13 50.1 vs 50.0: within 0.1
    "2024-07-31,CDS_ED01,1,2,50.2,ePEP",                                            # 14 50.2 vs 50.0: not
    "2025-01-31,CDS_FP02,,,12%,register",                                           # 15 '12%' rejected at staging
    "2024-05-31,CDS_KS10,,,-1,YJS",                                                 # 16 negative, before the period
]
PERIOD = (date(2024, 7, 1), date(2025, 3, 31))


def _stage(root: Path, text: str, drops: tuple[str, ...] = ("2025-03-31",)):
    import duckdb

    from pipelines.lib.archive import archive_drop, archived_drops
    from pipelines.lib.returns import REGISTRY
    from pipelines.lib.staging import stage_drop

    for i, extract in enumerate(drops):
        folder = root / "landing" / extract
        folder.mkdir(parents=True)
        # an earlier drop holds other figures: only the latest drop's rows are current
        (folder / "local_feeds.csv").write_text(text if i == len(drops) - 1 else
                                                HEADER + "2024-12-31,CDS_FP01,,,999,old drop\n")
        archive_drop(folder, root / "archive")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    for drop in archived_drops(root / "archive"):
        stage_drop(con, drop, KEY, "928", registry=REGISTRY)
    return con


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    from pipelines.lib.quality import run_quality

    con = _stage(tmp_path_factory.mktemp("feeds"), HEADER + "\n".join(BAD_ROWS) + "\n")
    findings = run_quality(con, "2025-03-31", *PERIOD, include_kpi_values=False)
    yield con, [f for f in findings if f.table == "local_feeds"]
    con.close()


@pytest.mark.parametrize(("rule", "column", "row", "severity"), [
    ("measure_id is a local-feed measure", "measure_id", 2, "critical"),
    ("local-feed numerator not above denominator", "numerator", 3, "critical"),
    ("local-feed percentage within 0-100", "value", 3, "critical"),        # computed 100 * 1400 / 1310 = 106.9
    ("local-feed percentage agrees with its numerator and denominator", "value", 4, "critical"),
    ("local-feed percentage within 0-100", "value", 5, "critical"),
    ("local-feed counts not negative", "value", 6, "critical"),
    ("local-feed period_end is a month end", "period_end", 7, "critical"),
    ("local-feed row gives a value (or a numerator and denominator)", "value", 8, "warning"),
    ("local-feed value within the range its card expects", "value", 9, "warning"),
    ("source_note is present (where the figure comes from and who supplied it)", "source_note", 10, "warning"),
    ("measure_id is present (which measure the figure is for)", "measure_id", 11, "critical"),
    ("local-feed counts not negative", "numerator", 12, "critical"),
    ("local-feed percentage agrees with its numerator and denominator", "value", 14, "critical"),
    ("local-feed row gives a value (or a numerator and denominator)", "value", 15, "warning"),
])
def test_each_bad_row_is_caught_with_file_table_column_and_row(faulty, rule, column, row, severity):
    from pipelines.lib.quality import error_report_frame

    _, findings = faulty
    hits = [f for f in findings if f.rule == rule and ("local_feeds.csv", row) in f.locators]
    assert hits, f"no {rule!r} at row {row}; got {[(f.rule, f.locators) for f in findings]}"
    assert hits[0].severity == severity and hits[0].columns == (column,)
    report = error_report_frame(hits)
    assert ("local_feeds.csv", "local_feeds", column, row, rule, severity) in [
        r[:6] for r in report.rows()]


def test_clean_rows_and_the_tolerance_edge_pass(faulty):
    _, findings = faulty
    located = {row for f in findings for _, row in f.locators}
    assert 1 not in located  # the clean row
    assert 13 not in located  # 50.1 against 100 * 1 / 2 = 50.0: exactly 0.1 points off is within tolerance
    # May 2024 is before the checked months (July 2024 - March 2025), and still found: every row is checked
    assert 16 in located


def test_every_row_is_checked_whatever_the_months(faulty):
    # Older figures are shown beside the month's (trends, quarters), so a run checks every row of the feed.
    from pipelines.lib.quality.sql_checks import run_local_feed_checks

    con, _ = faulty
    may = run_local_feed_checks(con, "2025-03-31", date(2024, 5, 1), date(2024, 5, 31))
    march = run_local_feed_checks(con, "2025-03-31", date(2025, 3, 1), date(2025, 3, 31))
    assert ("local-feed counts not negative", 16, "value", "CDS_KS10") in [
        (r["rule"], r["source_row"], r["column_name"], r["kpi_id"]) for r in may]
    assert sorted((r["rule"], r["source_row"]) for r in may) == sorted((r["rule"], r["source_row"]) for r in march)


def test_the_unparseable_cell_is_a_rejection_with_its_row(faulty):
    con, _ = faulty
    got = con.sql("SELECT source_file, table_name, column_name, source_row, value, reason FROM staged.rejections "
                  "WHERE table_name = 'local_feeds'").fetchall()
    assert got == [("local_feeds.csv", "local_feeds", "value", 15, "12%", "not a number")]


def test_values_read_the_current_drop_only(tmp_path):
    from pipelines.lib.staging import use_current

    con = _stage(tmp_path, HEADER + "2025-03-31,CDS_ED01,30,40,,ePEP\n", drops=("2025-02-28", "2025-03-31"))
    use_current(con)
    # the February drop's FP01 row is not current; March's ED01: 100 * 30 / 40 = 75
    assert local_feed_values(con).select("measure_id", "period_end", "value").rows() == [
        ("CDS_ED01", date(2025, 3, 31), 75.0)]


# ---- templates --------------------------------------------------------------------------------------------

def _templates() -> dict[str, list[dict[str, str]]]:
    out = {}
    for path in sorted(TEMPLATE_DIR.glob("*.csv")):
        with path.open(newline="", encoding="utf-8") as f:
            out[path.stem] = list(csv.DictReader(f))
    return out


def test_one_template_per_family_with_the_contract_header():
    assert {p.stem for p in TEMPLATE_DIR.glob("*.csv")} == set(FAMILIES)
    columns = list(contract()["local_feeds"].columns)
    for path in TEMPLATE_DIR.glob("*.csv"):
        assert path.read_text(encoding="utf-8").splitlines()[0].split(",") == columns, path.name
    assert (TEMPLATE_DIR / "README.md").exists()


def test_every_example_row_is_a_feed_card_of_its_family_and_clearly_an_example():
    family_of = {m.id: m.family for m in feed_measures()}
    for family, rows in _templates().items():
        ids = [r["measure_id"] for r in rows]
        assert rows and len(ids) == len(set(ids)), family  # one example row per measure
        for r in rows:
            assert family_of.get(r["measure_id"]) == family, (family, r["measure_id"])
            assert r["source_note"].startswith("EXAMPLE ROW - replace"), (family, r["measure_id"])


def test_every_feed_card_appears_in_its_template():
    in_templates = {r["measure_id"] for rows in _templates().values() for r in rows}
    assert LOCAL_FEED_IDS <= in_templates
    assert {m.id for m in feed_measures()} <= in_templates


def test_the_example_rows_pass_every_check(tmp_path):
    from pipelines.lib.quality.sql_checks import run_local_feed_checks

    text = HEADER + "".join(p.read_text(encoding="utf-8").split("\n", 1)[1] for p in sorted(
        TEMPLATE_DIR.glob("*.csv")))
    con = _stage(tmp_path, text)
    assert con.sql("SELECT count(*) FROM staged.rejections").fetchall()[0][0] == 0
    assert con.sql("SELECT count(*) FROM staged.quarantine").fetchall()[0][0] == 0
    rows = run_local_feed_checks(con, "2025-03-31", date(2024, 1, 1), date(2025, 12, 31))
    assert rows == []


# ---- the synthetic authority ------------------------------------------------------------------------------

def _sim(seed: int = 1, scale: float = 1.0):
    from scorecard_tools.generator.calendar import month_end

    return SimpleNamespace(seed=seed, scale=scale, horizon=month_end(2025, 3))


def _frame(rows: list[tuple]) -> pl.DataFrame:
    return pl.DataFrame([r for r, _ in rows], schema=list(contract()["local_feeds"].columns), orient="row")


def test_generated_feed_has_every_local_feed_measure_monthly_or_termly():
    from scorecard_tools.generator import local_feeds
    from scorecard_tools.generator.calendar import month_end

    rows = local_feeds.rows(_sim(), month_end(2024, 4))  # April 2024 - March 2025
    frame = _frame(rows)
    assert set(frame["measure_id"]) == LOCAL_FEED_IDS
    for (mid,), g in frame.group_by(["measure_id"]):
        months = sorted(date.fromordinal(o).month for o in g["period_end"])
        if mid in ("CDS_FP01", "CDS_FP02", "CDS_KS10"):
            assert months == list(range(1, 13)), mid
        else:  # termly: autumn 31 December, spring 31 March, summer 31 July
            assert months == [3, 7, 12], mid
    # each figure appears in the drop dated on its period_end
    assert all(appear == row[0] for row, appear in rows)
    pct = frame.filter(pl.col("numerator").is_not_null())
    assert (pct["numerator"] <= pct["denominator"]).all()
    both = frame.filter(pl.col("numerator").is_not_null() & pl.col("value").is_not_null())
    assert ((both["value"] - 100 * both["numerator"] / both["denominator"]).abs() <= 0.05 + 1e-9).all()


def test_generated_feed_is_seeded_and_each_measure_has_its_own_stream(monkeypatch):
    from scorecard_tools.generator import local_feeds
    from scorecard_tools.generator import params as P
    from scorecard_tools.generator.calendar import month_end

    first = month_end(2023, 4)
    base = _frame(local_feeds.rows(_sim(), first))
    assert base.equals(_frame(local_feeds.rows(_sim(), first)))
    assert not base.equals(_frame(local_feeds.rows(_sim(seed=2), first)))
    random.seed(0)  # the module's streams do not depend on the global generator
    assert _frame(local_feeds.rows(_sim(), first)).equals(base)
    # retuning one measure changes that measure only
    monkeypatch.setitem(P.LOCAL_FEEDS, "CDS_FP01", {**P.LOCAL_FEEDS["CDS_FP01"], "level": 9000})
    tuned = _frame(local_feeds.rows(_sim(), first))
    others = pl.col("measure_id") != "CDS_FP01"
    assert tuned.filter(others).equals(base.filter(others))
    assert not tuned.filter(~others).equals(base.filter(~others))


def test_generated_feed_passes_the_checks(tmp_path):
    from pipelines.lib.quality.sql_checks import run_local_feed_checks
    from scorecard_tools.generator import drops as writer
    from scorecard_tools.generator import local_feeds
    from scorecard_tools.generator.calendar import month_end

    spec = writer.load_contract()["local_feeds"]
    rows = local_feeds.rows(_sim(scale=0.05), month_end(2023, 4))
    df = writer.truth_frame("local_feeds", spec, [r for r, _ in rows], [a for _, a in rows], {})
    df = writer.render(writer.cut(df, "local_feeds", spec, date(2025, 3, 31).toordinal()), "local_feeds", spec, 1,
                       0.0)
    text = df.write_csv(null_value="", line_terminator="\n")
    con = _stage(tmp_path, text)
    assert con.sql("SELECT count(*) FROM staged.local_feeds").fetchall()[0][0] == len(rows)
    assert run_local_feed_checks(con, "2025-03-31", date(2023, 4, 1), date(2025, 3, 31)) == []
