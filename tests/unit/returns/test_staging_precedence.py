"""Staging a drop that holds several statutory returns filling the same contract tables: one format per table
(the registry's precedence), children combined across formats, and every format's files kept in the archive."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest

from pipelines.lib.archive import archive_drop, archived_drops
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

CIN_TABLES = ("ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry", "ssd_initial_cp_conference",
              "ssd_cp_plans", "ssd_cp_reviews", "ssd_cin_plans")


@pytest.fixture(scope="module")
def staged(small_landing, tmp_path_factory):
    from scorecard_tools.generator.returns_annex_a import write_annex_a
    from scorecard_tools.generator.returns_cin import write_cin_census

    ssd = next(p for p in small_landing.iterdir() if p.is_dir())
    landing = tmp_path_factory.mktemp("returns-landing")
    drop = landing / ssd.name
    drop.mkdir()
    # the returns instead of the CIN tables: a CIN census and an Annex A workbook both carry referrals
    for f in ssd.iterdir():
        if f.stem not in CIN_TABLES:
            shutil.copy(f, drop / f.name)
    write_cin_census(ssd, drop, [2018, 2019])  # 2018/19 and 2019/20
    write_annex_a(ssd, drop / "annex_a.xlsx", date(2020, 3, 31))
    state = tmp_path_factory.mktemp("returns-state")
    archive_drop(drop, state / "archive")
    con = duckdb.connect()
    summary = stage_drop(con, archived_drops(state / "archive")[0], b"test-key-" * 4, "928", registry=REGISTRY)
    return con, summary


def test_each_table_from_one_format(staged):
    con, summary = staged
    # referrals come from the census only: the Annex A list 3 rows (a 6-month window) are not staged beside them
    files = {r[0] for r in con.execute("SELECT DISTINCT source_file FROM staged.ssd_cin_episodes").fetchall()}
    assert files and all(f.startswith("cin_census") for f in files), files
    assert any("table ssd_cin_episodes: staged from the CIN census XML; the Ofsted Annex A workbook rows for it "
               "are not staged" == m for m in summary.messages), summary.messages
    # contacts are in no census: Annex A list 1 is the only return carrying them, but the SSD file wins
    contacts = {r[0] for r in con.execute("SELECT DISTINCT source_file FROM staged.ssd_contacts").fetchall()}
    assert contacts == {"ssd_contacts.csv"}


def test_referrals_not_double_counted(staged, small_warehouse):
    con, _ = staged
    ssd = duckdb.connect(str(small_warehouse), read_only=True)
    # the census years 2018/19 and 2019/20 carry every referral of the span's children in need
    expected = ssd.execute("SELECT count(*) FROM staged.ssd_cin_episodes WHERE cine_referral_date "
                           "BETWEEN DATE '2018-04-01' AND DATE '2020-03-31'").fetchone()[0]
    got = con.execute("SELECT count(*) FROM staged.ssd_cin_episodes WHERE cine_referral_date "
                      "BETWEEN DATE '2018-04-01' AND DATE '2020-03-31'").fetchone()[0]
    ssd.close()
    assert got == expected


def test_every_file_received_says_which_tables_it_fed(staged):
    con, summary = staged
    by_file = {f["file"]: f for f in summary.files}
    delivered = {r[0] for r in con.execute("SELECT unnest(json_extract_string(manifest_json, '$[*].name')) "
                                           "FROM staged.drops").fetchall()}
    assert set(by_file) == delivered
    # the census fed the CIN tables; the Annex A workbook was adapted, but every table it fills came from
    # another file (the census, or the SSD files that win): not used, and why
    census = [f for name, f in by_file.items() if name.startswith("cin_census")]
    assert census and all(f["status"] == "used" and "ssd_cin_episodes" in f["tables"] for f in census), census
    annex = by_file["annex_a.xlsx"]
    assert annex["status"] == "not used" and annex["reason"].startswith(
        "read as Ofsted Annex A workbook, but none of its rows were staged"), annex
    assert by_file["ssd_contacts.csv"] == {"file": "ssd_contacts.csv", "status": "used", "tables": "ssd_contacts",
                                           "reason": by_file["ssd_contacts.csv"]["reason"]}
