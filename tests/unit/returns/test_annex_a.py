"""The Ofsted Annex A adapter: a hand-made messy workbook to hand-worked contract rows and issues; recognition;
the generator's workbook round-tripping to the SSD tables it came from."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import polars as pl
import pytest
import xlsxwriter

from pipelines.lib.returns.annex_a import (
    AnnexAAdapter,
    annex_a_schema,
    normalise_header,
    read_code,
    read_date,
    read_flag,
)
from scorecard_tools.generator.returns_annex_a import in_window, open_in_window, write_annex_a

INSPECTION = dt.date(2020, 3, 31)
NBSP = "\u00a0"


def _messy_workbook(path: Path) -> Path:
    """Lists 1, 3, 4, 6 and 7 as a local export writes them: title rows, renamed headers, lettered codes."""
    wb = xlsxwriter.Workbook(str(path))
    dmy = wb.add_format({"num_format": "dd/mm/yyyy"})
    cover = wb.add_worksheet("Cover")
    cover.write(0, 0, "Annex A")
    cover.write(1, 0, "Date of inspection")
    cover.write_datetime(1, 1, dt.datetime(2020, 3, 31), dmy)

    ws = wb.add_worksheet("List 1 - Contacts")
    ws.write(0, 0, "Annex A List 1: Contacts")  # a title row, then a blank row, then the header (sheet row 3)
    for c, h in enumerate([f"Child{NBSP}ID", "GENDER", "Ethnicity", "D.O.B.", "Age", "Date of Contact",
                           "Contact Source", "Notes"]):
        ws.write_string(2, c, h)
    # data row 1 (sheet row 4): lower-case id with a trailing space, lettered gender, fractional age
    ws.write_string(3, 0, "c1 ")
    ws.write_string(3, 1, "a) Male")
    ws.write_string(3, 2, "WBRI")
    ws.write_datetime(3, 3, dt.datetime(2010, 5, 1), dmy)
    ws.write_number(3, 4, 9.9)
    ws.write_string(3, 5, "15/01/2020")
    ws.write_string(3, 6, "q) 6: Police")
    # data row 2 (sheet row 5): numeric gender, #N/A from a VLOOKUP, dates as bare Excel serials
    ws.write_string(4, 0, "C2")
    ws.write_string(4, 1, "2")
    ws.write_formula(4, 2, "=VLOOKUP(A5,Codes!A:B,2,FALSE)", None, "#N/A")
    ws.write_number(4, 3, 40000)   # 2009-07-06 (serial 40000)
    ws.write_number(4, 4, 10)
    ws.write_number(4, 5, 43850)   # 2020-01-20 (43831 = 2020-01-01, + 19)
    ws.write_string(4, 6, "1A: Individual - Family member")
    # data row 3 (sheet row 6) is blank
    # data row 4 (sheet row 7): label-only ethnicity with a NBSP, an impossible date, a formula with no cached
    # value, a formula with its cached value (43864 = 2020-02-03), an unknown source code
    ws.write_string(6, 0, "C3")
    ws.write_string(6, 1, "b) Female")
    ws.write_string(6, 2, f"White{NBSP}British")
    ws.write_string(6, 3, "31/02/2012")
    ws.write_formula(6, 4, "=DATEDIF(D7,Cover!B2,\"y\")", None, "")
    ws.write_formula(6, 5, "=DATE(2020,2,3)", dmy, 43864)
    ws.write_string(6, 6, "Z9")
    # data row 5 (sheet row 8): no child id
    for c, v in enumerate(["", "a) Male", "WBRI", "01/01/2015", "5", "2020-03-01", "6"]):
        ws.write_string(7, c, v)

    ws = wb.add_worksheet("Referrals")  # named by title only; header in row 1
    for c, h in enumerate(["Child Unique ID", "Gender", "Ethnicity", "Date of Birth", "Age of Child (Years)",
                           "Referral Date", "Source of Referral", "Referral NFA?", "Allocated Team"]):
        ws.write_string(0, c, h)
    for r, row in enumerate([["C1", "a) Male", "WBRI", "01/05/2010", 9, "20/01/2020", "6", "b) No", "T1"],
                             ["C2", "b) Female", "WBRI", "06/07/2009", 15.7, dt.datetime(2020, 2, 10), "2A: Schools",
                              "a) Yes", "T2"]], start=1):
        for c, v in enumerate(row):
            if isinstance(v, dt.datetime):
                ws.write_datetime(r, c, v, dmy)
            else:
                ws.write(r, c, v)

    ws = wb.add_worksheet("List 4")
    for c, h in enumerate(["Child ID", "Gender", "Ethnicity", "DOB", "Age", "Assessment Start Date", "Child Seen",
                           "Date of Authorisation",
                           "Was the child assessed as requiring LA children\u2019s social care support?"]):
        ws.write_string(0, c, h)
    for r, row in enumerate([["C1", "a) Male", "WBRI", "01/05/2010", 9, "21/01/2020", "Yes", "02/03/2020",
                              "b) No"],
                             ["C2", "b) Female", "WBRI", "06/07/2009", 10, "11/02/2020", "a) Yes", None, None]],
                            start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)

    ws = wb.add_worksheet("List 6")
    for c, h in enumerate(["Child ID", "Gender", "Ethnicity", "DOB", "Age", "Primary Need Code", "CIN Start Date",
                           "CIN Closure Date"]):
        ws.write_string(0, c, h)
    for c, v in enumerate(["C1", "a) Male", "WBRI", "01/05/2010", 9, "N1 - Abuse or Neglect", "20/01/2020"]):
        ws.write(1, c, v)

    ws = wb.add_worksheet("List 7")
    for c, h in enumerate(["Child ID", "Gender", "Ethnicity", "DOB", "Age", "CP Plan Start Date",
                           "Initial Category of Abuse", "Latest Category of Abuse", "Child Protection Plan End Date",
                           "Number of Previous CP Plans"]):
        ws.write_string(0, c, h)
    for r, row in enumerate([["C2", "b) Female", "WBRI", "06/07/2009", 10, "03/03/2020", "a) Neglect",
                              "PHY - Physical abuse", None, "#N/A"],
                             ["C1", "a) Male", "WBRI", "01/05/2010", 9, "05/03/2020", "Emotional abuse", "MUL", None,
                              1.0]], start=1):
        for c, v in enumerate(row):
            if v is not None:
                ws.write(r, c, v)

    ws = wb.add_worksheet("Guidance")
    ws.write(0, 0, "Complete one row per child.")
    wb.close()
    return path


@pytest.fixture(scope="module")
def messy(tmp_path_factory):
    path = _messy_workbook(tmp_path_factory.mktemp("annex_a") / "annex_a_messy.xlsx")
    return path, AnnexAAdapter().adapt([path])


def _rows(adapted, table: str) -> list[dict]:
    return adapted.tables[table].drop("source_file").to_dicts()


def test_messy_people(messy):
    _path, out = messy
    people = _rows(out, "ssd_person")
    # C1 from List 1 row 1 (id upper-cased, NBSP/space trimmed); C2 from List 1 row 2: numeric gender 2 = F,
    # ethnicity #N/A there (blank), filled from the Referrals sheet; C3: label 'White British' = WBRI, the
    # impossible date passed on unchanged for staging to reject.
    assert people == [
        {"pers_person_id": "C1", "pers_sex": "M", "pers_ethnicity": "WBRI", "pers_dob": "2010-05-01",
         "pers_expected_dob": None, "pers_death_date": None, "pers_upn_unknown": None,
         "source_row": 1, "source_location": "List 1 - Contacts"},
        {"pers_person_id": "C2", "pers_sex": "F", "pers_ethnicity": "WBRI", "pers_dob": "2009-07-06",
         "pers_expected_dob": None, "pers_death_date": None, "pers_upn_unknown": None,
         "source_row": 2, "source_location": "List 1 - Contacts"},
        {"pers_person_id": "C3", "pers_sex": "F", "pers_ethnicity": "WBRI", "pers_dob": "31/02/2012",
         "pers_expected_dob": None, "pers_death_date": None, "pers_upn_unknown": None,
         "source_row": 4, "source_location": "List 1 - Contacts"},
    ]


def test_messy_contacts(messy):
    _path, out = messy
    # Data row 3 is blank (skipped, numbering kept); row 5 has no child id: passed on with no ids.
    assert _rows(out, "ssd_contacts") == [
        {"cont_contact_id": "C1|CT20200115", "cont_person_id": "C1", "cont_contact_date": "2020-01-15",
         "cont_contact_source_code": "6", "cont_contact_outcome_json": None, "cont_contact_decision_date": None,
         "source_row": 1, "source_location": "List 1 - Contacts"},
        {"cont_contact_id": "C2|CT20200120", "cont_person_id": "C2", "cont_contact_date": "2020-01-20",
         "cont_contact_source_code": "1A", "cont_contact_outcome_json": None, "cont_contact_decision_date": None,
         "source_row": 2, "source_location": "List 1 - Contacts"},
        {"cont_contact_id": "C3|CT20200203", "cont_person_id": "C3", "cont_contact_date": "2020-02-03",
         "cont_contact_source_code": "Z9", "cont_contact_outcome_json": None, "cont_contact_decision_date": None,
         "source_row": 4, "source_location": "List 1 - Contacts"},
        {"cont_contact_id": None, "cont_person_id": None, "cont_contact_date": "2020-03-01",
         "cont_contact_source_code": "6", "cont_contact_outcome_json": None, "cont_contact_decision_date": None,
         "source_row": 5, "source_location": "List 1 - Contacts"},
    ]


def test_messy_referrals_assessments_plans(messy):
    _path, out = messy
    # List 6's row for C1 starts on C1's referral date: it adds the primary need to that referral (N1).
    assert _rows(out, "ssd_cin_episodes") == [
        {"cine_referral_id": "C1|RF20200120", "cine_person_id": "C1", "cine_referral_date": "2020-01-20",
         "cine_cin_primary_need_code": "N1", "cine_referral_source_code": "6", "cine_referral_nfa": "N",
         "cine_close_reason": None, "cine_close_date": None, "cine_referral_team": "T1",
         "cine_referral_worker_id": None, "source_row": 1, "source_location": "Referrals"},
        {"cine_referral_id": "C2|RF20200210", "cine_person_id": "C2", "cine_referral_date": "2020-02-10",
         "cine_cin_primary_need_code": None, "cine_referral_source_code": "2A", "cine_referral_nfa": "Y",
         "cine_close_reason": None, "cine_close_date": None, "cine_referral_team": "T2",
         "cine_referral_worker_id": None, "source_row": 2, "source_location": "Referrals"},
    ]
    # "requiring social care support?" b) No = NFA (Y); no answer, no authorisation: outcome blank. Each
    # assessment belongs to the child's latest referral on or before its start.
    assert _rows(out, "ssd_cin_assessments") == [
        {"cina_assessment_id": "C1|AS20200121", "cina_person_id": "C1", "cina_referral_id": "C1|RF20200120",
         "cina_assessment_start_date": "2020-01-21", "cina_assessment_child_seen": "Y",
         "cina_assessment_auth_date": "2020-03-02", "cina_assessment_outcome_nfa": "Y",
         "cina_assessment_team": None, "cina_assessment_worker_id": None, "source_row": 1,
         "source_location": "List 4"},
        {"cina_assessment_id": "C2|AS20200211", "cina_person_id": "C2", "cina_referral_id": "C2|RF20200210",
         "cina_assessment_start_date": "2020-02-11", "cina_assessment_child_seen": "Y",
         "cina_assessment_auth_date": None, "cina_assessment_outcome_nfa": None,
         "cina_assessment_team": None, "cina_assessment_worker_id": None, "source_row": 2,
         "source_location": "List 4"},
    ]
    # Lettered, labelled and bare categories; #N/A previous plans is blank; 1.0 is the whole number 1.
    assert _rows(out, "ssd_cp_plans") == [
        {"cppl_cp_plan_id": "C2|CP20200303", "cppl_referral_id": "C2|RF20200210", "cppl_icpc_id": None,
         "cppl_person_id": "C2", "cppl_cp_plan_start_date": "2020-03-03", "cppl_cp_plan_end_date": None,
         "cppl_cp_plan_initial_category": "NEG", "cppl_cp_plan_latest_category": "PHY",
         "cppl_number_of_previous_cpp": None, "source_row": 1, "source_location": "List 7"},
        {"cppl_cp_plan_id": "C1|CP20200305", "cppl_referral_id": "C1|RF20200120", "cppl_icpc_id": None,
         "cppl_person_id": "C1", "cppl_cp_plan_start_date": "2020-03-05", "cppl_cp_plan_end_date": None,
         "cppl_cp_plan_initial_category": "EMO", "cppl_cp_plan_latest_category": "MUL",
         "cppl_number_of_previous_cpp": "1", "source_row": 2, "source_location": "List 7"},
    ]
    # Only the lists present give tables: no List 5, 8, 9 or 10 in this workbook.
    assert set(out.tables) == {"ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments",
                               "ssd_cp_plans"}
    assert out.derived_ids["ssd_cin_assessments"] == ["cina_assessment_id", "cina_referral_id"]


def test_messy_issues(messy):
    path, out = messy
    def key(t):
        return tuple(str(x) for x in t)

    got = sorted(((i.table, i.column, i.row, i.severity) for i in out.issues), key=key)
    assert got == sorted([
        # List 1: the unknown 'Notes' column; its missing columns are none (all seven are there)
        ("List 1 - Contacts", "Notes", None, "warning"),
        ("List 1 - Contacts", "Ethnicity", 2, "error"),        # #N/A
        ("List 1 - Contacts", "D.O.B.", 4, "error"),           # 31/02/2012
        ("List 1 - Contacts", "Age", 4, "error"),              # formula with no cached value
        ("List 1 - Contacts", "Contact Source", 4, "warning"),  # Z9
        ("List 1 - Contacts", "Child ID", 5, "error"),  # no child id (the header as read: NBSP a space)
        # Referrals: C2 is F here but 2 (F) in List 1 - agrees; C1's age 9 agrees; C2's 15.7 does not (10)
        ("Referrals", "Age of Child (Years)", 2, "warning"),
        # contract columns with no column in the sheet: Referrals worker; List 4 team and worker; List 6
        # close reason (List 7's team and worker have no contract column, so no warning)
        ("Referrals", None, None, "warning"),
        ("List 4", None, None, "warning"),
        ("List 4", None, None, "warning"),
        ("List 6", None, None, "warning"),
        ("List 7", "Number of Previous CP Plans", 1, "error"),  # #N/A
        ("Cover", None, None, "warning"),
        ("Guidance", None, None, "warning"),
    ], key=key)
    by = {(i.table, i.column, i.row): i for i in out.issues}
    assert by[("List 1 - Contacts", "Ethnicity", 2)].location == "'List 1 - Contacts'!C5"
    assert "#N/A" in by[("List 1 - Contacts", "Ethnicity", 2)].message
    assert by[("List 1 - Contacts", "Age", 4)].location == "'List 1 - Contacts'!E7"
    assert "no cached value" in by[("List 1 - Contacts", "Age", 4)].message
    assert "not a date" in by[("List 1 - Contacts", "D.O.B.", 4)].message
    assert "'Z9'" in by[("List 1 - Contacts", "Contact Source", 4)].message
    assert "no child id" in by[("List 1 - Contacts", "Child ID", 5)].message
    assert "10 completed years" in by[("Referrals", "Age of Child (Years)", 2)].message
    missing = sorted(i.message for i in out.issues if i.row is None and i.column is None
                     and i.table in ("Referrals", "List 4", "List 6"))
    assert missing == [
        "List 3 (Referrals) has no 'worker' column: ssd_cin_episodes.cine_referral_worker_id is left blank for "
        "its rows",
        "List 4 (Assessments) has no 'team' column: ssd_cin_assessments.cina_assessment_team is left blank for "
        "its rows",
        "List 4 (Assessments) has no 'worker' column: ssd_cin_assessments.cina_assessment_worker_id is left "
        "blank for its rows",
        "List 6 (Children in need) has no 'close reason' column: ssd_cin_episodes.cine_close_reason is left "
        "blank for its rows",
    ]
    assert all(i.file == path.name for i in out.issues)
    for i in out.issues:  # no child id or date of birth quoted
        for secret in ("C1", "C2", "C3", "2010-05-01", "01/05/2010", "2009-07-06"):
            assert secret not in i.message
    assert "inspection date 2020-03-31 (from the workbook)" in out.lacks
    assert any(s.startswith("List 3 (Referrals): 2 rows, only referrals received in the 6 months") for s in out.lacks)
    assert "List 8 (Children in care): not in the workbook (ssd_cla_episodes, ssd_cla_placement, " \
           "ssd_legal_status not filled from it)" in out.lacks


@pytest.mark.parametrize(("text", "code_set", "expected"), [
    ("a) Male", "gender", ("M", True)),
    ("1", "gender", ("M", True)),
    ("c) Not stated/recorded", "gender", ("U", True)),
    ("N1 - Abuse or Neglect", "need", ("N1", True)),
    ("q) 6: Police", "referral_source", ("6", True)),
    ("10 - Unknown", "referral_source", ("10", True)),
    ("Police", "referral_source", ("6", True)),
    ("d) Emotional abuse", "abuse_category", ("EMO", True)),
    ("White and Black Caribbean", "ethnicity", ("MWBC", True)),
    ("a) Yes", "in_touch", ("YES", True)),
    ("b) Former relevant", "eligibility", ("FORMER_RELEVANT", True)),
    ("d2) Not in education, training or employment - other reasons", "activity", ("G5", True)),
    ("Higher education - part time", "activity", ("P1", True)),
    ("C2 - Full care order", "legal_status", ("C2", True)),
    ("x) Martian", "gender", ("Martian", False)),
])
def test_read_code(text, code_set, expected):
    assert read_code(text, annex_a_schema().code_sets[code_set]) == expected


@pytest.mark.parametrize(("value", "expected"), [
    (dt.datetime(2020, 2, 29, 13, 5), "2020-02-29"),
    (43890, "2020-02-29"),          # 43831 = 2020-01-01; + 59 days = 29 February (a leap year)
    (43890.75, "2020-02-29"),       # a time of day in the serial is dropped
    ("29/02/2020", "2020-02-29"),
    ("1/3/20", "2020-03-01"),
    ("2020-03-01 00:00:00", "2020-03-01"),
    ("5 Mar 2020", "2020-03-05"),
    ("29/02/2019", None),           # not a leap year
    ("TBC", None),
])
def test_read_date(value, expected):
    assert read_date(value) == expected


def test_read_flag_and_headers():
    answers = ("a) Yes", "b) No", "Y", "0", "True", "maybe")
    assert [read_flag(t) for t in answers] == ["Y", "N", "Y", "N", "Y", None]
    assert normalise_header(f"Child\u2019s{NBSP}Legal  Status?") == "childs legal status"


def test_recognise(tmp_path, messy):
    adapter = AnnexAAdapter()
    assert adapter.recognise(messy[0])
    # a workbook whose one sheet has an Annex A header but no list name
    one = tmp_path / "export.xlsx"
    wb = xlsxwriter.Workbook(str(one))
    ws = wb.add_worksheet("Sheet1")
    for c, h in enumerate(["Child Unique ID", "Gender", "Date of referral", "Referral NFA?"]):
        ws.write(1, c, h)
    wb.close()
    assert adapter.recognise(one)
    other = tmp_path / "budget.xlsx"
    wb = xlsxwriter.Workbook(str(other))
    wb.add_worksheet("Budget").write_row(0, 0, ["Cost centre", "Annual budget", "Child ID"])
    wb.close()
    assert not adapter.recognise(other)
    fake = tmp_path / "not_a_zip.xlsx"
    fake.write_text("Child Unique ID,Gender\n", encoding="utf-8")
    assert not adapter.recognise(fake)
    csv = tmp_path / "list1.csv"
    csv.write_text("Child Unique ID,Gender,Date of Contact\n", encoding="utf-8")
    assert not adapter.recognise(csv)


def _csv(landing: Path, table: str) -> list[dict]:
    drop = sorted(p for p in landing.iterdir() if p.is_dir())[-1]
    return pl.read_csv(drop / f"{table}.csv", infer_schema=False).to_dicts()


def _d(text: str | None) -> dt.date | None:
    return dt.date.fromisoformat(text) if text else None


def _by_inspection(text: str | None) -> str | None:
    """A date after the inspection had not happened when the workbook was written."""
    return text if text and _d(text) <= INSPECTION else None


@pytest.mark.parametrize("messy_export", [False, True])
def test_generator_round_trip(small_landing, tmp_path, messy_export):
    drop = sorted(p for p in small_landing.iterdir() if p.is_dir())[-1]
    path = write_annex_a(drop, tmp_path / "annex_a.xlsx", INSPECTION, messy=messy_export)
    adapter = AnnexAAdapter()
    assert adapter.recognise(path)
    out = adapter.adapt([path])

    # Referrals received in the 6 months to 31 March 2020 (after 30 September 2019).
    want = {(r["cine_person_id"], r["cine_referral_date"], r["cine_referral_source_code"], r["cine_referral_nfa"])
            for r in _csv(small_landing, "ssd_cin_episodes") if in_window(_d(r["cine_referral_date"]), INSPECTION, 6)}
    got = {(r["cine_person_id"], r["cine_referral_date"], r["cine_referral_source_code"], r["cine_referral_nfa"])
           for r in out.tables["ssd_cin_episodes"].to_dicts() if in_window(_d(r["cine_referral_date"]), INSPECTION, 6)}
    assert want and got == want

    # Assessments started or authorised in the window; an outcome only once authorised.
    want = set()
    for r in _csv(small_landing, "ssd_cin_assessments"):
        auth = _by_inspection(r["cina_assessment_auth_date"])
        if in_window(_d(r["cina_assessment_start_date"]), INSPECTION, 6) or in_window(_d(auth), INSPECTION, 6):
            want.add((r["cina_person_id"], r["cina_assessment_start_date"], auth,
                      r["cina_assessment_outcome_nfa"] if auth else None))
    got = {(r["cina_person_id"], r["cina_assessment_start_date"], r["cina_assessment_auth_date"],
            r["cina_assessment_outcome_nfa"]) for r in out.tables["ssd_cin_assessments"].to_dicts()}
    assert want and got == want

    # CP plans open at some point in the window.
    want = set()
    for r in _csv(small_landing, "ssd_cp_plans"):
        end = _by_inspection(r["cppl_cp_plan_end_date"])
        if open_in_window(_d(r["cppl_cp_plan_start_date"]), _d(end), INSPECTION, 6):
            want.add((r["cppl_person_id"], r["cppl_cp_plan_start_date"], end, r["cppl_cp_plan_initial_category"],
                      r["cppl_cp_plan_latest_category"], r["cppl_number_of_previous_cpp"]))
    got = {(r["cppl_person_id"], r["cppl_cp_plan_start_date"], r["cppl_cp_plan_end_date"],
            r["cppl_cp_plan_initial_category"], r["cppl_cp_plan_latest_category"], r["cppl_number_of_previous_cpp"])
           for r in out.tables["ssd_cp_plans"].to_dicts()}
    assert want and got == want

    # Every child's sex and date of birth as in ssd_person (ethnicity too, unless the export's #N/A hid it).
    people = {r["pers_person_id"]: r for r in _csv(small_landing, "ssd_person")}
    for r in out.tables["ssd_person"].to_dicts():
        p = people[r["pers_person_id"]]
        assert (r["pers_sex"], r["pers_dob"]) == (p["pers_sex"] if p["pers_sex"] in ("M", "F") else "U", p["pers_dob"])
        assert r["pers_ethnicity"] in (p["pers_ethnicity"], None)
    assert (out.tables["ssd_person"]["pers_ethnicity"].null_count() > 0) == messy_export
    # Only the messiness the generator adds is reported: #N/A ethnicity (messy), the cover sheet, and the
    # List 8 URN column the generator does not write.
    kinds = {(i.column, i.severity) for i in out.issues}
    assert kinds <= {("Ethnicity", "error"), (None, "warning")}
    assert any(i.column == "Ethnicity" for i in out.issues) == messy_export
