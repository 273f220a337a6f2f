"""Staging drops into DuckDB (pipelines/lib/staging.py): every fault reported with its row, nothing lost,
idempotent re-staging, `current` views on the latest drop, lineage stamps, CSV and Parquet.

The dirty drop below is written by hand; what each row should become is worked out in the comments.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import db
from pipelines.lib.archive import Drop, archive_drop
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop, use_current

KEY = bytes(range(32))
LA = "941"
DATE_REASON = "not a valid date (expected YYYY-MM-DD or DD/MM/YYYY)"
MISSING = "column missing from the file; every value treated as blank"


def make_drop(root: Path, name: str, files: dict[str, str | bytes | pl.DataFrame],
              allow_revision: bool = False) -> Drop:
    """Write files into root/landing-<n>/<name>/ and archive them into root/archive."""
    n = len(list(root.glob("landing-*")))
    folder = root / f"landing-{n}" / name
    folder.mkdir(parents=True)
    for fname, content in files.items():
        path = folder / fname
        if isinstance(content, pl.DataFrame):
            content.write_parquet(path)
        elif isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return archive_drop(folder, root / "archive", allow_revision=allow_revision).drop


def count(con, sql: str, params: dict | None = None) -> int:
    return db.scalar(con, sql, params)


# ---------------------------------------------------------------- the dirty drop

CONTACTS = (
    # cont_contact_outcome_json is missing from the header: one 'column missing' rejection
    "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_decision_date\n"
    "C1,P1,2024-01-15,a,2024-01-16\n"      # row 1: staged
    "C2,P2,31/02/2024,B,17/01/2024\n"      # row 2: staged; contact date rejected (no 31 February)
    "C1,P1,2024-01-15,a,2024-01-16\n"      # row 3: exact duplicate of row 1 -> quarantined
    "C3,P3,2024-01-20,A,\n"                # row 4: staged (no decision yet: blank, not rejected)
    "C3,P4,2024-01-21,A,2024-01-22\n"      # row 5: same key C3, other content -> quarantined (row 4 kept)
    ",P5,2024-01-22,A,2024-01-23\n"        # row 6: no contact id -> quarantined
    " c4 ,P6,2024-01-23,A,2024-01-24\n"    # row 7: staged as C4
)
# staged rows 1, 2, 4, 7 = 4; quarantined rows 3, 5, 6 = 3; 4 + 3 = 7 input rows

CIN_EPISODES = (
    # a UTF-8 byte-order mark and a header in mixed case with spaces: still the contract's columns
    "\ufeffCINE_REFERRAL_ID, Cine_Person_Id ,cine_referral_date,cine_cin_primary_need_code,"
    "cine_referral_source_code,cine_referral_nfa,cine_close_reason,cine_close_date,cine_referral_team,"
    "cine_referral_worker_id\n"
    "R1,P1,2024-01-16,N1,1A,N,,,T1,W1\n"           # row 1: staged
    "R2,P2,2024-01-17,N2,1B,maybe,RC8,,T1,W1\n"    # row 2: staged; nfa flag 'maybe' rejected
    "R3,P3,2024-01-18,N3,1C,Y,RC1,2024-02-30,T2,W2\n"  # row 3: staged; close date 30 Feb rejected
    "R1,P1,2024-01-16,N1,1A,N,,,T1,W1\n"           # row 4: exact duplicate of row 1
)
# staged 3, quarantined 1: 3 + 1 = 4 input rows

CP_PLANS = (
    "cppl_cp_plan_id,cppl_referral_id,cppl_icpc_id,cppl_person_id,cppl_cp_plan_start_date,"
    "cppl_cp_plan_end_date,cppl_cp_plan_initial_category,cppl_cp_plan_latest_category,"
    "cppl_number_of_previous_cpp\n"
    "CP1,R1,I1,P1,2024-02-01,,N,N,two\n"     # row 1: staged; 'two' is not a whole number
    "CP2,R2,I2,P2,2024-02-02,,E,E,1.5\n"     # row 2: staged; 1.5 is not a whole number
    "CP3,R3,I3,P3,02/02/2024,,P,P,0\n"       # row 3: staged, start 2 Feb 2024 (UK form)
)

RAGGED_PERSON = "pers_person_id,pers_sex\nP1,M\nP2,F,extra-field\n"  # row 2 has three fields for two columns
GARBAGE = b"\xff\xfe\x00\x9c binary\n\x00\x00 not utf-8 \xc3\x28\n"  # invalid UTF-8 on every line

SDQ = pl.DataFrame(
    {
        "csdq_person_id": ["p1", "P2", "P2"],
        "csdq_sdq_completed_date": [date(2024, 1, 10), date(2024, 1, 11), date(2024, 1, 11)],
        "csdq_sdq_score": [12, 30, 31],
    },
    schema={"csdq_person_id": pl.String, "csdq_sdq_completed_date": pl.Date, "csdq_sdq_score": pl.Int64},
)
# Parquet: rows 1 and 2 staged; row 3 has the same key (P2, 11 Jan) with another score -> quarantined
# (row 2 kept)

PROFESSIONALS = pl.DataFrame({
    "prof_professional_id": ["W1", "W2"],
    "prof_staff_id": ["S1", "S2"],
    "prof_professional_job_title": ["Social Worker", "Team Manager"],
    "prof_social_worker_registration_no": ["SW1", None],
    "prof_professional_department": ["Front door", "Front door"],
    "prof_full_time_equivalency": [1.0, 0.5],
    "prof_agency_worker_flag": [True, False],
})  # Parquet with float and boolean columns: both rows staged, typed back to 1.0/0.5 and true/false


@pytest.fixture(scope="module")
def dirty(tmp_path_factory):
    root = tmp_path_factory.mktemp("dirty")
    drop = make_drop(root, "2024-03-31", {
        "ssd_contacts.csv": CONTACTS,
        "ssd_cin_episodes.csv": CIN_EPISODES,
        "ssd_cp_plans.csv": CP_PLANS,
        "ssd_person.csv": RAGGED_PERSON,
        "ssd_cin_plans.csv": GARBAGE,
        "ssd_sdq_scores.parquet": SDQ,
        "ssd_professionals.parquet": PROFESSIONALS,
        "extra_table.csv": "a,b\n1,2\n",
        "notes.txt": "delivered late\n",
    })
    con = duckdb.connect()
    summary = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    yield con, summary, drop
    con.close()


def rejections(con, table: str) -> list[tuple]:
    return db.rows(con, "SELECT source_file, table_name, column_name, source_row, value, reason "
                        "FROM staged.rejections WHERE table_name = $t "
                        "ORDER BY source_row NULLS FIRST, column_name", {"t": table})


def quarantine(con, table: str) -> list[tuple]:
    return db.rows(con, "SELECT source_file, source_row, reason FROM staged.quarantine WHERE table_name = $t "
                        "ORDER BY source_row", {"t": table})


def test_dirty_drop_is_staged(dirty):
    _, summary, _ = dirty
    assert summary.status == "staged"
    assert summary.drop_id == "2024-03-31"


def test_unparseable_date_is_a_rejection_with_its_row(dirty):
    con, _, _ = dirty
    assert rejections(con, "ssd_contacts") == [
        ("ssd_contacts.csv", "ssd_contacts", "cont_contact_outcome_json", None, None, MISSING),
        ("ssd_contacts.csv", "ssd_contacts", "cont_contact_date", 2, "31/02/2024", DATE_REASON),
    ]
    # the row itself is kept, with the bad date NULL and the good UK-form decision date typed
    row = db.dicts(con, "SELECT * FROM staged.ssd_contacts WHERE cont_contact_id = 'C2'")
    assert len(row) == 1
    assert row[0]["cont_contact_date"] is None
    assert row[0]["cont_contact_decision_date"] == date(2024, 1, 17)
    assert row[0]["source_row"] == 2


def test_flag_and_number_rejections_with_their_rows(dirty):
    con, _, _ = dirty
    assert rejections(con, "ssd_cin_episodes") == [
        ("ssd_cin_episodes.csv", "ssd_cin_episodes", "cine_referral_nfa", 2, "maybe", "not a Y/N flag"),
        ("ssd_cin_episodes.csv", "ssd_cin_episodes", "cine_close_date", 3, "2024-02-30", DATE_REASON),
    ]
    assert rejections(con, "ssd_cp_plans") == [
        ("ssd_cp_plans.csv", "ssd_cp_plans", "cppl_number_of_previous_cpp", 1, "two", "not a whole number"),
        ("ssd_cp_plans.csv", "ssd_cp_plans", "cppl_number_of_previous_cpp", 2, "1.5", "not a whole number"),
    ]
    assert db.rows(con, "SELECT cppl_cp_plan_id, cppl_cp_plan_start_date, cppl_number_of_previous_cpp "
                        "FROM staged.ssd_cp_plans ORDER BY 1") == [
        ("CP1", date(2024, 2, 1), None), ("CP2", date(2024, 2, 2), None), ("CP3", date(2024, 2, 2), 0)]


def test_duplicates_and_missing_keys_are_quarantined_with_their_rows(dirty):
    con, _, _ = dirty
    assert quarantine(con, "ssd_contacts") == [
        ("ssd_contacts.csv", 3, "exact duplicate of row 1"),
        ("ssd_contacts.csv", 5, "duplicate cont_contact_id (row 4 kept)"),
        ("ssd_contacts.csv", 6, "no value in key column(s) cont_contact_id"),
    ]
    assert quarantine(con, "ssd_cin_episodes") == [("ssd_cin_episodes.csv", 4, "exact duplicate of row 1")]
    # the kept C3 is row 4's (contact 20 Jan), not row 5's (21 Jan)
    assert db.rows(con, "SELECT cont_contact_date, source_row FROM staged.ssd_contacts "
                        "WHERE cont_contact_id = 'C3'") == [(date(2024, 1, 20), 4)]


def test_quarantined_row_keeps_its_delivered_values(dirty):
    con, _, _ = dirty
    raw = db.scalar(con, "SELECT raw_json FROM staged.quarantine WHERE table_name = 'ssd_contacts' "
                         "AND source_row = 5")
    # row 5 as delivered: C3, contact 2024-01-21, decided 2024-01-22 (person id pseudonymised)
    assert '"cont_contact_id":"C3"' in raw
    assert '"cont_contact_date":"2024-01-21"' in raw
    assert '"cont_contact_decision_date":"2024-01-22"' in raw
    assert '"P4"' not in raw


def test_staged_plus_quarantined_equals_input_rows(dirty):
    con, summary, _ = dirty
    # input rows counted by hand from the files above
    expected_input = {"ssd_contacts": 7, "ssd_cin_episodes": 4, "ssd_cp_plans": 3, "ssd_sdq_scores": 3,
                      "ssd_professionals": 2}
    expected_staged = {"ssd_contacts": 4, "ssd_cin_episodes": 3, "ssd_cp_plans": 3, "ssd_sdq_scores": 2,
                       "ssd_professionals": 2}
    for table, n_in in expected_input.items():
        staged = count(con, f'SELECT count(*) FROM staged."{table}"')
        held = count(con, "SELECT count(*) FROM staged.quarantine WHERE table_name = $t", {"t": table})
        assert (staged, staged + held) == (expected_staged[table], n_in), table
    by_table = {t.table: t for t in summary.tables}
    for table, n_in in expected_input.items():
        t = by_table[table]
        assert (t.input_rows, t.staged_rows, t.quarantined_rows) == (
            n_in, expected_staged[table], n_in - expected_staged[table]), table


def test_unknown_files_are_reported_not_staged(dirty):
    _, summary, _ = dirty
    assert "notes.txt: not a CSV or Parquet file; kept in the archive, not staged" in summary.messages
    assert ("extra_table.csv: no contract table named 'extra_table' and not a statutory return of a known shape "
            "(expected a file named after a contract table (data/contract/tables.yaml) or a statutory return "
            "recognised by its content (SSDA903 CSV, SSDA903 XML, CIN census XML, CSWW XML, Ofsted Annex A "
            "workbook)); kept in the archive, not staged") in summary.messages


@pytest.mark.parametrize(("table", "source_file"), [("ssd_person", "ssd_person.csv"),
                                                      ("ssd_cin_plans", "ssd_cin_plans.csv")])
def test_unreadable_csv_is_a_file_level_rejection(dirty, table, source_file):
    con, summary, _ = dirty
    got = rejections(con, table)
    assert len(got) == 1
    file, tname, column, row, value, reason = got[0]
    assert (file, tname, column, row, value) == (source_file, table, None, None, None)
    assert reason.startswith(f"{source_file}: could not be read")
    assert any(m.startswith(f"{source_file}: could not be read") for m in summary.messages)
    # nothing of the unreadable file is staged or quarantined
    assert count(con, f'SELECT count(*) FROM staged."{table}"') == 0
    assert count(con, "SELECT count(*) FROM staged.quarantine WHERE table_name = $t", {"t": table}) == 0


def test_lineage_is_stamped(dirty):
    con, _, _ = dirty
    rows = db.rows(con, "SELECT cont_contact_id, la_code, drop_id, extract_date, source_file, source_row "
                        "FROM staged.ssd_contacts ORDER BY source_row")
    # data rows are numbered from 1 (the header is not a row); C4 was ' c4 ' on row 7
    assert rows == [
        ("C1", "941", "2024-03-31", date(2024, 3, 31), "ssd_contacts.csv", 1),
        ("C2", "941", "2024-03-31", date(2024, 3, 31), "ssd_contacts.csv", 2),
        ("C3", "941", "2024-03-31", date(2024, 3, 31), "ssd_contacts.csv", 4),
        ("C4", "941", "2024-03-31", date(2024, 3, 31), "ssd_contacts.csv", 7),
    ]
    types = dict(db.rows(con, "SELECT column_name, data_type FROM duckdb_columns() "
                              "WHERE schema_name = 'staged' AND table_name = 'ssd_contacts'"))
    assert (types["la_code"], types["drop_id"], types["extract_date"], types["source_file"],
            types["source_row"]) == ("VARCHAR", "VARCHAR", "DATE", "VARCHAR", "BIGINT")
    assert db.rows(con, "SELECT drop_id, extract_date, la_code, revision FROM staged.drops") == [
        ("2024-03-31", date(2024, 3, 31), "941", 1)]


def test_header_with_bom_and_mixed_case_is_read(dirty):
    con, _, _ = dirty
    # no 'column missing' rejection for cine_referral_id / cine_person_id, and the ids arrived
    assert db.rows(con, "SELECT cine_referral_id, cine_referral_nfa, source_row FROM staged.ssd_cin_episodes "
                        "ORDER BY source_row") == [("R1", False, 1), ("R2", None, 2), ("R3", True, 3)]
    assert count(con, "SELECT count(*) FROM staged.ssd_cin_episodes WHERE cine_person_id IS NULL") == 0


def test_parquet_files_are_staged(dirty):
    con, _, _ = dirty
    rows = db.rows(con, "SELECT csdq_sdq_completed_date, csdq_sdq_score, source_file, source_row "
                        "FROM staged.ssd_sdq_scores ORDER BY source_row")
    assert rows == [(date(2024, 1, 10), 12, "ssd_sdq_scores.parquet", 1),
                    (date(2024, 1, 11), 30, "ssd_sdq_scores.parquet", 2)]
    assert quarantine(con, "ssd_sdq_scores") == [
        ("ssd_sdq_scores.parquet", 3, "duplicate csdq_person_id, csdq_sdq_completed_date (row 2 kept)")]
    # the Parquet person ids were pseudonymised like CSV ones: 'p1' -> same pseudonym as CSV 'P1'
    sdq_p1 = db.scalar(con, "SELECT csdq_person_id FROM staged.ssd_sdq_scores WHERE source_row = 1")
    contacts_p1 = db.scalar(con, "SELECT cont_person_id FROM staged.ssd_contacts "
                                 "WHERE cont_contact_id = 'C1'")
    assert sdq_p1 == contacts_p1
    assert sdq_p1.startswith("X") and len(sdq_p1) == 21
    assert db.rows(con, "SELECT prof_professional_id, prof_full_time_equivalency, prof_agency_worker_flag, "
                        "prof_social_worker_registration_no FROM staged.ssd_professionals ORDER BY 1") == [
        ("W1", 1.0, True, "SW1"), ("W2", 0.5, False, None)]
    assert rejections(con, "ssd_sdq_scores") == []
    assert rejections(con, "ssd_professionals") == []


# ---------------------------------------------------------------- idempotence, current views

def contacts_csv(*ids: str) -> str:
    return "cont_contact_id,cont_person_id,cont_contact_date\n" + "".join(
        f"{c},P{i},2024-01-{i + 10:02d}\n" for i, c in enumerate(ids, start=1))


def test_restaging_the_same_drop_is_a_no_op(tmp_path):
    drop = make_drop(tmp_path, "2024-01-31", {"ssd_contacts.csv": contacts_csv("C1", "C2", "C2")})
    con = duckdb.connect()
    first = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    assert first.status == "staged"

    def counts():
        return [count(con, f"SELECT count(*) FROM staged.{t}")
                for t in ("ssd_contacts", "quarantine", "rejections", "drops")]

    # staged: C1 (row 1), C2 (row 2) = 2; quarantined: row 3 repeats key C2 with other content (P3,
    # 13 Jan vs P2, 12 Jan) = 1; rejections: the three contract columns absent from the header
    # (source_code, outcome_json, decision_date) = 3; drops: 1
    assert counts() == [2, 1, 3, 1]
    again = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    assert again.status == "already staged"
    assert again.tables == []
    assert counts() == [2, 1, 3, 1]


def test_current_views_show_the_latest_drop_only(tmp_path):
    con = duckdb.connect()
    jan = make_drop(tmp_path, "2024-01-31", {"ssd_contacts.csv": contacts_csv("C1", "C2")})
    feb = make_drop(tmp_path, "2024-02-29", {"ssd_contacts.csv": contacts_csv("C1", "C2", "C3")})
    # staged out of order: the latest extract date wins, not the latest staged
    stage_drop(con, feb, KEY, LA, registry=REGISTRY)
    stage_drop(con, jan, KEY, LA, registry=REGISTRY)
    assert count(con, "SELECT count(*) FROM staged.ssd_contacts") == 5  # 2 + 3: every drop is kept

    use_current(con)
    assert db.rows(con, "SELECT DISTINCT drop_id FROM ssd_contacts") == [("2024-02-29",)]
    assert db.rows(con, "SELECT cont_contact_id FROM ssd_contacts ORDER BY 1") == [("C1",), ("C2",), ("C3",)]
    assert count(con, "SELECT count(*) FROM current.ssd_contacts") == 3
    # tables absent from the drop are empty views, not errors
    assert count(con, "SELECT count(*) FROM ssd_person") == 0

    # a revision of the same extract date supersedes the first delivery
    feb2 = make_drop(tmp_path, "2024-02-29", {"ssd_contacts.csv": contacts_csv("C1", "C2", "C3", "C4")},
                     allow_revision=True)
    assert feb2.drop_id == "2024-02-29r2"
    stage_drop(con, feb2, KEY, LA, registry=REGISTRY)
    assert db.rows(con, "SELECT DISTINCT drop_id FROM ssd_contacts") == [("2024-02-29r2",)]
    assert count(con, "SELECT count(*) FROM ssd_contacts") == 4

    # a later month then takes over
    mar = make_drop(tmp_path, "2024-03-31", {"ssd_contacts.csv": contacts_csv("C9")})
    stage_drop(con, mar, KEY, LA, registry=REGISTRY)
    assert db.rows(con, "SELECT cont_contact_id, drop_id FROM ssd_contacts") == [("C9", "2024-03-31")]


def test_a_withdrawn_drop_stops_being_current(tmp_path):
    from pipelines.lib.archive import archived_drops, withdraw_drop
    from pipelines.lib.staging import current_drop_id, record_withdrawn

    con = duckdb.connect()
    feb = make_drop(tmp_path, "2024-02-29", {"ssd_contacts.csv": contacts_csv("C1", "C2", "C3")})
    stray = make_drop(tmp_path, "2024-03-15", {"ssd_contacts.csv": contacts_csv("C9")})
    stage_drop(con, feb, KEY, LA, registry=REGISTRY)
    stage_drop(con, stray, KEY, LA, registry=REGISTRY)
    use_current(con)
    assert current_drop_id(con) == "2024-03-15"
    withdraw_drop(tmp_path / "archive", "2024-03-15", "stray folder")
    marks = {d.drop_id: d.withdrawn for d in archived_drops(tmp_path / "archive", include_withdrawn=True)
             if d.withdrawn}
    assert record_withdrawn(con, marks) is True
    assert current_drop_id(con) == "2024-02-29"
    assert db.rows(con, "SELECT drop_id FROM staged.current_drop") == [("2024-02-29",)]
    assert db.rows(con, "SELECT cont_contact_id FROM ssd_contacts ORDER BY 1") == [("C1",), ("C2",), ("C3",)]
    # its staged rows are kept (derived data; the archive keeps the drop itself)
    assert count(con, "SELECT count(*) FROM staged.ssd_contacts WHERE drop_id = '2024-03-15'") == 1
    assert record_withdrawn(con, marks) is False  # nothing changed


def test_binary_file_with_garbage_only_in_the_header_line_is_refused(tmp_path):
    png = bytes.fromhex("89504e470d0a1a0a0000000d49484452")  # \x89PNG\r\n\x1a\n....IHDR
    drop = make_drop(tmp_path, "2024-01-31", {"ssd_contacts.csv": png})
    con = duckdb.connect()
    summary = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    got = db.rows(con, "SELECT column_name, source_row, reason FROM staged.rejections")
    assert len(got) == 1
    assert got[0][:2] == (None, None)
    assert got[0][2].startswith("ssd_contacts.csv: could not be read")
    assert any(m.startswith("ssd_contacts.csv: could not be read") for m in summary.messages)
    assert count(con, "SELECT count(*) FROM staged.quarantine") == 0


def test_out_of_range_int_is_a_rejection_not_a_crash(tmp_path):
    drop = make_drop(tmp_path, "2024-01-31", {"ssd_cp_plans.csv": (
        "cppl_cp_plan_id,cppl_person_id,cppl_number_of_previous_cpp\nCP1,P1,1e30\nCP2,P2,1\n")})
    con = duckdb.connect()
    summary = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    assert summary.status == "staged"
    assert db.rows(con, "SELECT source_row, value, reason FROM staged.rejections "
                        "WHERE column_name = 'cppl_number_of_previous_cpp'") == [
        (1, "1e30", "not a whole number")]
    assert count(con, "SELECT count(*) FROM staged.ssd_cp_plans") == 2


def test_area_lookup_keeps_its_own_la_code(tmp_path):
    # area_lookup.la_code names an owning council; the lineage stamp (the authority's la_code) must not
    # overwrite it, or every area would become the authority.
    drop = make_drop(tmp_path, "2024-01-31", {"area_lookup.csv": "la_code,area_name\n940,North\n941,West\n"})
    con = duckdb.connect()
    stage_drop(con, drop, KEY, "928", registry=REGISTRY)
    assert db.rows(con, "SELECT la_code, area_name FROM staged.area_lookup ORDER BY 1") == [
        ("940", "North"), ("941", "West")]


def test_every_file_received_is_accounted_for_in_the_outputs(tmp_path):
    # before: a run said nothing of hidden files, and no output listed what was received and what became of it
    from pipelines.lib.outputs import files_received

    drop = make_drop(tmp_path, "2024-03-31", {
        "ssd_person.csv": "pers_person_id,pers_sex,extra\nP1,M,x\n",
        "ssd_contacts.csv": b"\xff\xfe" + "c".encode("utf-16-le"),      # refused whole: UTF-16
        "notes.txt": "hello", ".hidden.csv": "a\n1\n", "ssd_professionals .csv": "a\n1\n",
    })
    con = duckdb.connect()
    summary = stage_drop(con, drop, KEY, LA, registry=REGISTRY)
    got = files_received(con).drop("drop_id").to_dicts()
    assert got == summary.files
    assert [(f["file"], f["status"], f["tables"]) for f in got] == [
        ("'ssd_professionals .csv'", "refused", ""),  # sorted as shown: quoted names first
        (".hidden.csv", "not used", ""),
        ("notes.txt", "not used", ""),
        ("ssd_contacts.csv", "refused", ""),
        ("ssd_person.csv", "used", "ssd_person"),
    ]
    why = {f["file"]: f["reason"] for f in got}
    assert why[".hidden.csv"] == "a hidden file (its name starts with '.'); not archived"
    assert why["'ssd_professionals .csv'"].endswith("table ssd_professionals is not staged from it; not archived")
    assert why["notes.txt"] == "not a CSV or Parquet file; kept in the archive, not staged"
    assert why["ssd_contacts.csv"].startswith("could not be read as CSV, table ssd_contacts not staged: not UTF-8")
    assert why["ssd_person.csv"] == "column(s) extra not in the contract for table ssd_person; kept in the archive, " \
                                    "not staged"
