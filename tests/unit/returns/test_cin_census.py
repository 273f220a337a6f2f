"""CIN census XML adapter, its year-aware schema and the synthetic census writer.

The hand-made census below is shaped like real exports: a default namespace on the root (the second year
has none), values padded with whitespace, optional elements missing, and one impossible date
(30 February) at a known path. Every expected row is worked out by hand from the XML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW
from pipelines.lib.returns.cin_census import LACKS, CinCensusAdapter, parse_year, schema_for
from scorecard_tools.generator.returns_cin import write_cin_census


def hid(prefix: str, *parts: str) -> str:
    """The documented id rule: prefix + first 16 hex digits of SHA-256 over 'prefix|part|part...'."""
    return prefix + hashlib.sha256("|".join((prefix, *parts)).encode()).hexdigest()[:16].upper()


CENSUS_2022_23 = """<?xml version="1.0" encoding="UTF-8"?>
<Message xmlns="http://www.dfe.gov.uk/CIN">
  <Header>
    <CollectionDetails>
      <Collection>CIN</Collection>
      <Year>2023</Year>
      <ReferenceDate>2023-03-31</ReferenceDate>
    </CollectionDetails>
    <Source><SourceLevel>L</SourceLevel><LEA>928</LEA></Source>
  </Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>  c001 </LAchildID>
        <UPN>A123456789012</UPN>
        <PersonBirthDate>2015-06-01</PersonBirthDate>
        <GenderCurrent> 2 </GenderCurrent>
      </ChildIdentifiers>
      <ChildCharacteristics>
        <Ethnicity>WBRI</Ethnicity>
        <Disabilities><Disability>NONE</Disability></Disabilities>
      </ChildCharacteristics>
      <CINdetails>
        <CINreferralDate>2022-05-03</CINreferralDate>
        <ReferralSource>5A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <CINclosureDate>2023-01-20</CINclosureDate>
        <ReasonForClosure>RC7</ReasonForClosure>
        <DateOfInitialCPC>2022-05-25</DateOfInitialCPC>
        <ReferralNFA>false</ReferralNFA>
        <Assessments>
          <AssessmentActualStartDate>2022-05-04</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2022-06-30</AssessmentAuthorisationDate>
          <FactorsIdentifiedAtAssessment>
            <AssessmentFactors>3A</AssessmentFactors>
            <AssessmentFactors>18A</AssessmentFactors>
          </FactorsIdentifiedAtAssessment>
        </Assessments>
        <Section47>
          <S47ActualStartDate>2022-05-04</S47ActualStartDate>
          <InitialCPCtarget>2022-05-25</InitialCPCtarget>
          <DateOfInitialCPC>2022-05-25</DateOfInitialCPC>
          <ICPCnotRequired>false</ICPCnotRequired>
        </Section47>
        <ChildProtectionPlans>
          <CPPstartDate>2022-05-25</CPPstartDate>
          <CPPendDate>2023-01-20</CPPendDate>
          <InitialCategoryOfAbuse>NEG</InitialCategoryOfAbuse>
          <LatestCategoryOfAbuse>EMO</LatestCategoryOfAbuse>
          <NumberOfPreviousCPP>1</NumberOfPreviousCPP>
          <Reviews><CPPreviewDate>2022-08-20</CPPreviewDate></Reviews>
          <Reviews><CPPreviewDate>2023-01-20</CPPreviewDate></Reviews>
        </ChildProtectionPlans>
      </CINdetails>
    </Child>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C002</LAchildID>
        <ExpectedPersonBirthDate>2023-05-10</ExpectedPersonBirthDate>
        <GenderCurrent>0</GenderCurrent>
      </ChildIdentifiers>
      <CINdetails>
        <CINreferralDate>2023-02-01</CINreferralDate>
        <ReferralSource>3B</ReferralSource>
        <PrimaryNeedCode>N0</PrimaryNeedCode>
        <CINclosureDate>2023-02-02</CINclosureDate>
        <ReasonForClosure>RC8</ReasonForClosure>
        <ReferralNFA>1</ReferralNFA>
      </CINdetails>
      <CINdetails>
        <CINreferralDate>2023-03-01</CINreferralDate>
        <ReferralSource>1A</ReferralSource>
        <PrimaryNeedCode>N1</PrimaryNeedCode>
        <ReferralNFA>false</ReferralNFA>
        <Assessments>
          <AssessmentActualStartDate>2023-03-02</AssessmentActualStartDate>
        </Assessments>
        <Assessments>
          <AssessmentActualStartDate>2023-03-03</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2023-02-30</AssessmentAuthorisationDate>
        </Assessments>
        <CINPlanDates><CINPlanStartDate>2023-03-10</CINPlanStartDate></CINPlanDates>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""

# 2023/24: no namespace. C002 is now born; the 2023-03-01 referral closed, its need recoded N1 -> N3, its
# second assessment authorised (the first one, never authorised, is not carried this year).
CENSUS_2023_24 = """<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>
    <ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails></Header>
  <Children>
    <Child>
      <ChildIdentifiers>
        <LAchildID>C002</LAchildID>
        <PersonBirthDate>2023-05-08</PersonBirthDate>
        <ExpectedPersonBirthDate>2023-05-10</ExpectedPersonBirthDate>
        <GenderCurrent>2</GenderCurrent>
      </ChildIdentifiers>
      <CINdetails>
        <CINreferralDate>2023-03-01</CINreferralDate>
        <ReferralSource>1A</ReferralSource>
        <PrimaryNeedCode>N3</PrimaryNeedCode>
        <CINclosureDate>2023-09-30</CINclosureDate>
        <ReasonForClosure>RC7</ReasonForClosure>
        <ReferralNFA>false</ReferralNFA>
        <Assessments>
          <AssessmentActualStartDate>2023-03-03</AssessmentActualStartDate>
          <AssessmentAuthorisationDate>2023-04-20</AssessmentAuthorisationDate>
        </Assessments>
        <CINPlanDates>
          <CINPlanStartDate>2023-03-10</CINPlanStartDate>
          <CINPlanEndDate>2023-09-30</CINPlanEndDate>
        </CINPlanDates>
      </CINdetails>
    </Child>
  </Children>
</Message>
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def census_2022(tmp_path) -> Path:
    return write(tmp_path, "cin_2023.xml", CENSUS_2022_23)


def rows(df: pl.DataFrame, cols: list[str]) -> list[tuple]:
    return list(df.select(cols).iter_rows())


# Ids worked by the documented rule. The child id is trimmed and upper-cased first: '  c001 ' -> 'C001'.
RF1 = hid("RF", "C001", "2022-05-03")
RF2 = hid("RF", "C002", "2023-02-01")
RF3 = hid("RF", "C002", "2023-03-01")
CP1 = hid("CP", RF1, "2022-05-25")
IC1 = hid("IC", RF1, "2022-05-25")
S41 = hid("S4", RF1, "2022-05-04")
C1 = "/Message/Children/Child[1]"
C2 = "/Message/Children/Child[2]"


# ---- one census year, every table ------------------------------------------------------------------------
def test_person_rows_hand_worked(census_2022):
    out = CinCensusAdapter().adapt([census_2022])
    person = out.tables["ssd_person"]
    # GenderCurrent 2 -> F, 0 -> U; the unborn child has only an expected date of birth. Raw text is
    # trimmed but not upper-cased (staging normalises ids); UPN has no contract column.
    assert rows(person, ["pers_person_id", "pers_sex", "pers_dob", "pers_expected_dob", "pers_ethnicity",
                         "pers_death_date", SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION]) == [
        ("c001", "F", "2015-06-01", None, "WBRI", None, 1, "cin_2023.xml", C1),
        ("C002", "U", None, "2023-05-10", None, None, 2, "cin_2023.xml", C2),
    ]
    # Every contract column is present (null where the census carries nothing) and all cells are strings.
    assert set(person.columns) >= {"pers_upn_unknown", "pers_person_id"}
    assert all(dtype == pl.String for c, dtype in person.schema.items() if c != SOURCE_ROW)


def test_episode_rows_hand_worked(census_2022):
    eps = CinCensusAdapter().adapt([census_2022]).tables["ssd_cin_episodes"]
    # ReferralNFA false -> N, 1 -> Y; an open episode has no closure date or reason. source_row counts
    # CINdetails elements through the file (1, 2, 3).
    assert rows(eps, ["cine_referral_id", "cine_person_id", "cine_referral_date", "cine_cin_primary_need_code",
                      "cine_referral_source_code", "cine_referral_nfa", "cine_close_reason", "cine_close_date",
                      "cine_referral_team", SOURCE_ROW, SOURCE_LOCATION]) == [
        (RF1, "c001", "2022-05-03", "N1", "5A", "N", "RC7", "2023-01-20", None, 1, f"{C1}/CINdetails[1]"),
        (RF2, "C002", "2023-02-01", "N0", "3B", "Y", "RC8", "2023-02-02", None, 2, f"{C2}/CINdetails[1]"),
        (RF3, "C002", "2023-03-01", "N1", "1A", "N", None, None, None, 3, f"{C2}/CINdetails[2]"),
    ]


def test_assessments_keep_the_row_with_the_bad_date(census_2022):
    out = CinCensusAdapter().adapt([census_2022])
    ass = out.tables["ssd_cin_assessments"]
    assert rows(ass, ["cina_assessment_id", "cina_person_id", "cina_referral_id", "cina_assessment_start_date",
                      "cina_assessment_auth_date", "cina_assessment_outcome_nfa", SOURCE_ROW, SOURCE_LOCATION]) == [
        (hid("AS", RF1, "2022-05-04"), "c001", RF1, "2022-05-04", "2022-06-30", None, 1,
         f"{C1}/CINdetails[1]/Assessments[1]"),
        (hid("AS", RF3, "2023-03-02"), "C002", RF3, "2023-03-02", None, None, 2,
         f"{C2}/CINdetails[2]/Assessments[1]"),
        # 30 February is passed on as written, so staging rejects the cell and records it; the row stays.
        (hid("AS", RF3, "2023-03-03"), "C002", RF3, "2023-03-03", "2023-02-30", None, 3,
         f"{C2}/CINdetails[2]/Assessments[2]"),
    ]
    errors = [i for i in out.issues if i.severity == "error"]
    assert len(errors) == 1
    bad = errors[0]
    assert (bad.file, bad.table, bad.column, bad.row) == ("cin_2023.xml", "Assessments",
                                                         "AssessmentAuthorisationDate", 3)
    assert bad.location == f"{C2}/CINdetails[2]/Assessments[2]/AssessmentAuthorisationDate"
    assert "not a valid date" in bad.message and "cina_assessment_auth_date" in bad.message
    for issue in out.issues:  # no child id in any message
        assert "C002" not in issue.message.upper() and "C001" not in issue.message.upper()


def test_factor_not_valid_for_the_year_is_a_warning(census_2022):
    out = CinCensusAdapter().adapt([census_2022])
    # 18A (physical abuse) left the code set in 2021/22 (split into 18B / 18C); 3A is still valid.
    warnings = [i for i in out.issues if i.column == "AssessmentFactors"]
    assert len(warnings) == 1
    assert warnings[0].severity == "warning"
    assert "'18A'" in warnings[0].message and "2022/23" in warnings[0].message
    assert warnings[0].row == 1
    factors = f"{C1}/CINdetails[1]/Assessments[1]/FactorsIdentifiedAtAssessment"
    assert warnings[0].location == f"{factors}/AssessmentFactors[2]"


def test_s47_conference_plan_and_reviews_hand_worked(census_2022):
    t = CinCensusAdapter().adapt([census_2022]).tables
    assert rows(t["ssd_s47_enquiry"], ["s47e_s47_enquiry_id", "s47e_referral_id", "s47e_person_id",
                                       "s47e_s47_start_date", "s47e_s47_end_date", "s47e_s47_nfa"]) == [
        (S41, RF1, "c001", "2022-05-04", None, None)]
    # One conference: the CINdetails-level DateOfInitialCPC is the same date as the S47's, so not repeated.
    # The plan starting on the conference date links both ways and makes the outcome Y.
    assert rows(t["ssd_initial_cp_conference"], [
        "icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_person_id", "icpc_cp_plan_id", "icpc_referral_id",
        "icpc_icpc_transfer_in", "icpc_icpc_target_date", "icpc_icpc_date", "icpc_icpc_outcome_cp_flag",
        SOURCE_LOCATION]) == [
        (IC1, S41, "c001", CP1, RF1, None, "2022-05-25", "2022-05-25", "Y",
         f"{C1}/CINdetails[1]/Section47[1]/DateOfInitialCPC")]
    assert rows(t["ssd_cp_plans"], ["cppl_cp_plan_id", "cppl_referral_id", "cppl_icpc_id", "cppl_person_id",
                                    "cppl_cp_plan_start_date", "cppl_cp_plan_end_date",
                                    "cppl_cp_plan_initial_category", "cppl_cp_plan_latest_category",
                                    "cppl_number_of_previous_cpp"]) == [
        (CP1, RF1, IC1, "c001", "2022-05-25", "2023-01-20", "NEG", "EMO", "1")]
    assert rows(t["ssd_cp_reviews"], ["cppr_cp_review_id", "cppr_cp_plan_id", "cppr_person_id",
                                      "cppr_cp_review_due", "cppr_cp_review_date", SOURCE_ROW]) == [
        (hid("RV", CP1, "2022-08-20"), CP1, "c001", None, "2022-08-20", 1),
        (hid("RV", CP1, "2023-01-20"), CP1, "c001", None, "2023-01-20", 2),
    ]
    assert rows(t["ssd_cin_plans"], ["cinp_cin_plan_id", "cinp_referral_id", "cinp_cin_plan_start_date",
                                     "cinp_cin_plan_end_date"]) == [
        (hid("CN", RF3, "2023-03-10"), RF3, "2023-03-10", None)]


def test_conference_without_s47_comes_from_cindetails(tmp_path):
    # A transfer-in style episode: an ICPC date on CINdetails, no Section47 group; no plan starts that day.
    xml = CENSUS_2023_24.replace(
        "<ReferralNFA>false</ReferralNFA>", "<DateOfInitialCPC>2023-04-03</DateOfInitialCPC>"
                                           "<ReferralNFA>false</ReferralNFA>")
    t = CinCensusAdapter().adapt([write(tmp_path, "c.xml", xml)]).tables
    icpc = t["ssd_initial_cp_conference"]
    assert rows(icpc, ["icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_icpc_date", "icpc_cp_plan_id",
                       "icpc_icpc_outcome_cp_flag", SOURCE_LOCATION]) == [
        (hid("IC", RF3, "2023-04-03"), None, "2023-04-03", None, "N", f"{C1}/CINdetails[1]/DateOfInitialCPC")]


def test_lacks_name_what_the_census_does_not_carry(census_2022):
    out = CinCensusAdapter().adapt([census_2022])
    lacks = "\n".join(out.lacks)
    for needle in ("ssd_contacts", "cina_assessment_outcome_nfa", "icpc_icpc_transfer_in", "s47e_s47_end_date",
                   "cppr_cp_review_due", "cine_referral_worker_id", "ssd_address", "KPI02", "KPI06"):
        assert needle in lacks
    assert out.format == "CIN census XML" and out.files == ["cin_2023.xml"]


def test_child_without_id_is_passed_on_without_ids(tmp_path):
    xml = CENSUS_2023_24.replace("<LAchildID>C002</LAchildID>", "<LAchildID>   </LAchildID>")
    out = CinCensusAdapter().adapt([write(tmp_path, "c.xml", xml)])
    eps = out.tables["ssd_cin_episodes"]
    assert rows(eps, ["cine_referral_id", "cine_person_id", "cine_referral_date"]) == [(None, None, "2023-03-01")]
    assert out.tables["ssd_cin_assessments"].height == 1
    issue = next(i for i in out.issues if i.column == "LAchildID")
    assert issue.severity == "error" and issue.location == C1 and "quarantines" in issue.message


def test_broken_xml_keeps_the_children_before_the_break(tmp_path):
    cut = CENSUS_2022_23.index("<Child>", CENSUS_2022_23.index("</Child>"))
    path = write(tmp_path, "cut.xml", CENSUS_2022_23[:cut + 40])
    adapter = CinCensusAdapter()
    assert adapter.recognise(path)
    out = adapter.adapt([path])
    assert out.tables["ssd_person"].height == 1  # the first child, read before the file breaks off
    broken = [i for i in out.issues if i.table == "Message"]
    assert len(broken) == 1 and "not well formed at line" in broken[0].message and "1 children" in broken[0].message


# ---- several census years in one drop -------------------------------------------------------------------
@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_latest_census_year_wins(tmp_path, order):
    files = [write(tmp_path, "a_2022_23.xml", CENSUS_2022_23), write(tmp_path, "b_2023_24.xml", CENSUS_2023_24)]
    out = CinCensusAdapter().adapt([files[i] for i in order])
    t = out.tables
    # C002 from 2023/24 (now born, female); c001 only in 2022/23.
    assert rows(t["ssd_person"], ["pers_person_id", "pers_sex", "pers_dob", SOURCE_FILE]) == [
        ("c001", "F", "2015-06-01", "a_2022_23.xml"),
        ("C002", "F", "2023-05-08", "b_2023_24.xml"),
    ]
    # Referral 2023-03-01 from 2023/24 (closed, need N3); the other two only in 2022/23.
    assert rows(t["ssd_cin_episodes"], ["cine_referral_id", "cine_cin_primary_need_code", "cine_close_date",
                                        SOURCE_FILE]) == [
        (RF1, "N1", "2023-01-20", "a_2022_23.xml"),
        (RF2, "N0", "2023-02-02", "a_2022_23.xml"),
        (RF3, "N3", "2023-09-30", "b_2023_24.xml"),
    ]
    # Assessment of 2023-03-03: 2023/24's authorised version replaces the bad date; 2023-03-02 is kept from
    # 2022/23, the only year that carries it.
    assert rows(t["ssd_cin_assessments"], ["cina_assessment_start_date", "cina_assessment_auth_date",
                                           SOURCE_FILE]) == [
        ("2022-05-04", "2022-06-30", "a_2022_23.xml"),
        ("2023-03-02", None, "a_2022_23.xml"),
        ("2023-03-03", "2023-04-20", "b_2023_24.xml"),
    ]
    assert rows(t["ssd_cin_plans"], ["cinp_cin_plan_start_date", "cinp_cin_plan_end_date", SOURCE_FILE]) == [
        ("2023-03-10", "2023-09-30", "b_2023_24.xml")]
    # The bad date is still reported: it was in the file, even though a later year superseded the row.
    assert [i.location for i in out.issues if i.severity == "error"] == [
        f"{C2}/CINdetails[2]/Assessments[2]/AssessmentAuthorisationDate"]


def test_repeat_within_one_file_is_passed_on_for_staging_to_quarantine(tmp_path):
    child = CENSUS_2023_24[CENSUS_2023_24.index("<Child>"):CENSUS_2023_24.index("</Children>")]
    xml = CENSUS_2023_24.replace("</Children>", child + "</Children>")
    t = CinCensusAdapter().adapt([write(tmp_path, "twice.xml", xml)]).tables
    # Both copies kept with the same referral id: staging keeps the first and quarantines the repeat.
    assert rows(t["ssd_cin_episodes"], ["cine_referral_id", SOURCE_ROW]) == [(RF3, 1), (RF3, 2)]


CLOSED_2023 = "<CINclosureDate>2023-09-30</CINclosureDate>"


# ---- schema years ---------------------------------------------------------------------------------------
def test_sex_replaces_gender_current_in_2024_25(tmp_path):
    xml = CENSUS_2023_24.replace("<Year>2024</Year>", "<Year>2025</Year>").replace(
        "2024-03-31", "2025-03-31").replace("<GenderCurrent>2</GenderCurrent>", "<Sex>F</Sex>").replace(
        CLOSED_2023, "")  # relabelled two years on, the 2023 closure would fall before the census year (8620)
    out = CinCensusAdapter().adapt([write(tmp_path, "c.xml", xml)])
    assert rows(out.tables["ssd_person"], ["pers_sex"]) == [("F",)]
    assert not out.issues
    old = xml.replace("<Sex>F</Sex>", "<GenderCurrent>2</GenderCurrent>")
    out = CinCensusAdapter().adapt([write(tmp_path, "old.xml", old)])
    assert rows(out.tables["ssd_person"], ["pers_sex"]) == [(None,)]  # GenderCurrent is no longer read
    [unknown] = out.issues
    assert unknown.severity == "warning" and unknown.column == "GenderCurrent" and "2024/25" in unknown.message


def test_pre_proceedings_block_2026_27_is_read_not_staged(tmp_path):
    block = ("<PreProceedings><PreProceedingsStartDate>2026-06-01</PreProceedingsStartDate>"
             "</PreProceedings>")
    xml = CENSUS_2023_24.replace("2024-03-31", "2027-03-31").replace(
        "<GenderCurrent>2</GenderCurrent>", "<Sex>F</Sex>").replace("<CINPlanDates>", block + "<CINPlanDates>").replace(
        CLOSED_2023, "")
    out = CinCensusAdapter().adapt([write(tmp_path, "c.xml", xml)])
    assert not out.issues
    assert any(lack.startswith("PreProceedings (2026/27 census)") for lack in out.lacks)
    assert out.tables["ssd_cin_plans"].height == 1
    earlier = xml.replace("2027-03-31", "2026-03-31")  # 2025/26 has no such group
    out = CinCensusAdapter().adapt([write(tmp_path, "e.xml", earlier)])
    assert [(i.table, i.column, i.severity) for i in out.issues] == [("CINdetails", "PreProceedings", "warning")]


def test_code_set_changes_between_years():
    factors = {y: schema_for(y).code_sets["AssessmentFactors"] for y in range(2017, 2027)}
    assert factors[2017] == factors[2018] == factors[2019] == factors[2020]
    assert factors[2020] - factors[2021] == {"18A", "19A"}
    assert factors[2021] - factors[2020] == {"18B", "18C", "19B", "19C", "24A"}
    assert all(factors[y] == factors[2021] for y in range(2021, 2027))
    assert len(factors[2017]) == 39 and len(factors[2021]) == 42

    s23, s24 = schema_for("2023/24"), schema_for("2024_25")
    assert s23.code_sets["GenderCurrent"] == {"0", "1", "2", "9"} and "Sex" not in s23.code_sets
    assert s24.code_sets["Sex"] == {"F", "M", "U"} and "GenderCurrent" not in s24.code_sets
    assert set(s23.groups["ChildIdentifiers"].elements) - set(s24.groups["ChildIdentifiers"].elements) == {
        "GenderCurrent"}
    assert set(s24.groups["ChildIdentifiers"].elements) - set(s23.groups["ChildIdentifiers"].elements) == {"Sex"}
    assert s24.groups["ChildIdentifiers"].elements["Sex"].column == "pers_sex"
    unchanged = set(s23.code_sets) - {"GenderCurrent"}
    assert all(s23.code_sets[c] == s24.code_sets[c] for c in unchanged)

    s25, s26 = schema_for(2025), schema_for(2026)
    assert "PreProceedings" not in s25.groups
    assert s26.groups["PreProceedings"].parent == "CINdetails" and s26.groups["PreProceedings"].table is None
    assert s26.provisional == ("PreProceedings",) and s25.code_sets == s26.code_sets
    assert s26.applied == ("2021_22.yaml", "2024_25.yaml", "2026_27.yaml")

    base = schema_for(2017).code_sets
    assert base["ReasonForClosure"] == {f"RC{i}" for i in range(1, 10)}
    assert base["PrimaryNeedCode"] == {f"N{i}" for i in range(10)}
    assert base["CategoryOfAbuse"] == {"NEG", "PHY", "EMO", "SAB", "MUL"}
    assert len(base["ReferralSource"]) == 22 and {"1A", "3F", "4", "5D", "10"} <= base["ReferralSource"]


def test_years_are_parsed_and_bounded():
    assert parse_year(2024) == parse_year("2024/25") == parse_year("2024_25") == parse_year("2024-2025") == 2024
    with pytest.raises(ValueError, match="second year must follow"):
        parse_year("2024/26")
    with pytest.raises(ValueError, match="not a collection year"):
        parse_year("spring")
    with pytest.raises(ValueError, match="no CIN census schema before 2017/18"):
        schema_for(2016)


# ---- recognise ------------------------------------------------------------------------------------------
def test_recognise_by_shape(tmp_path, census_2022):
    adapter = CinCensusAdapter()
    assert adapter.recognise(census_2022)
    assert adapter.recognise(write(tmp_path, "plain.xml", CENSUS_2023_24))
    # No collection named: the first child's CIN modules decide.
    anonymous = CENSUS_2023_24.replace("<Collection>CIN</Collection>", "")
    assert adapter.recognise(write(tmp_path, "anon.xml", anonymous))
    assert not adapter.recognise(write(tmp_path, "903.xml", CENSUS_2023_24.replace(">CIN<", ">SSDA903<")))
    assert not adapter.recognise(write(tmp_path, "root.xml", "<Children><Child/></Children>"))
    assert not adapter.recognise(write(tmp_path, "nochildren.xml", "<Message><Header/></Message>"))
    assert not adapter.recognise(write(tmp_path, "ssd_person.csv", "pers_person_id,pers_sex\nP1,M\n"))
    assert not adapter.recognise(write(tmp_path, "empty.xml", ""))
    assert not adapter.recognise(write(tmp_path, "other.xml", "<Message><Children><Pupil/></Children></Message>"))
    assert not adapter.recognise(tmp_path / "missing.xml")


def test_lacks_constant_is_reported_whole(census_2022):
    assert CinCensusAdapter().adapt([census_2022]).lacks[: len(LACKS)] == list(LACKS)


# ---- the synthetic census writer ------------------------------------------------------------------------
def tiny_tables() -> dict[str, pl.DataFrame]:
    s = pl.String
    return {
        "ssd_person": pl.DataFrame({"pers_person_id": ["P1", "P2"], "pers_sex": ["M", "F"],
                                    "pers_dob": ["2010-01-01", "2012-02-02"], "pers_ethnicity": ["WBRI", None]},
                                   schema={c: s for c in ("pers_person_id", "pers_sex", "pers_dob",
                                                          "pers_ethnicity")}),
        "ssd_cin_episodes": pl.DataFrame({
            "cine_referral_id": ["R1", "R2", "R3"], "cine_person_id": ["P1", "P1", "P2"],
            "cine_referral_date": ["2024-03-01", "2025-01-10", "2023-05-01"],
            "cine_close_date": ["2024-04-15", "2025-05-01", "2024-03-31"],
            "cine_close_reason": ["RC7", "RC8", "RC7"], "cine_referral_nfa": ["N", "Y", "N"],
        }),
        "ssd_cin_assessments": pl.DataFrame({
            "cina_referral_id": ["R1", "R2"], "cina_assessment_start_date": ["2024-03-02", "2025-01-11"],
            "cina_assessment_auth_date": ["2024-04-10", "2025-04-02"],
        }),
    }


def test_writer_scope_for_one_year(tmp_path):
    [path] = write_cin_census(tiny_tables(), tmp_path, ["2024/25"], lea="928")
    assert path.name == "cin_census_2024-25.xml"
    text = path.read_text()
    # 2024/25 = 1 April 2024 - 31 March 2025. R3 closed 31 March 2024, before the year: left out, and P2
    # with it. R1 (closed 15 April 2024) is in; R2 is open at 31 March 2025, so its closure (1 May 2025) and
    # its assessment's authorisation (2 April 2025) had not happened: both omitted.
    assert "<LAchildID>P2</LAchildID>" not in text and "2023-05-01" not in text
    assert "<Sex>M</Sex>" in text and "GenderCurrent" not in text
    assert "<Year>2025</Year>" in text and "<ReferenceDate>2025-03-31</ReferenceDate>" in text
    assert "<LEA>928</LEA>" in text
    assert "2025-05-01" not in text and "2025-04-02" not in text and "RC8" not in text
    t = CinCensusAdapter().adapt([path]).tables
    assert rows(t["ssd_cin_episodes"], ["cine_person_id", "cine_referral_date", "cine_close_date",
                                        "cine_close_reason", "cine_referral_nfa"]) == [
        ("P1", "2024-03-01", "2024-04-15", "RC7", "N"),
        ("P1", "2025-01-10", None, None, "Y"),
    ]
    assert rows(t["ssd_cin_assessments"], ["cina_assessment_start_date", "cina_assessment_auth_date"]) == [
        ("2024-03-02", "2024-04-10"), ("2025-01-11", None)]
    [older] = write_cin_census(tiny_tables(), tmp_path, [2023])
    assert "<GenderCurrent>1</GenderCurrent>" in older.read_text() and "<Sex>" not in older.read_text()


def _overlapping(df: pl.DataFrame, start: str, end: str, first: dt.date, last: dt.date) -> pl.DataFrame:
    return df.filter((pl.col(start) <= last.isoformat())
                     & (pl.col(end).is_null() | (pl.col(end) >= first.isoformat())))


def test_generated_census_round_trips_to_the_ssd_tables(small_landing, tmp_path):
    """The small authority's SSD tables -> one census per year -> the adapter -> the same records.

    Expected: every referral, assessment and CP plan of the SSD tables that overlaps the two census years
    (1 April 2018 - 31 March 2020), with the values of the latest drop (31 March 2020, the last year end).
    """
    drop = small_landing / "2020-03-31"
    files = write_cin_census(drop, tmp_path, [2018, 2019])
    assert [f.name for f in files] == ["cin_census_2018-19.xml", "cin_census_2019-20.xml"]
    out = CinCensusAdapter().adapt(files)
    assert [i for i in out.issues if i.severity == "error"] == []
    t = out.tables
    first, last = dt.date(2018, 4, 1), dt.date(2020, 3, 31)

    def ssd(name: str) -> pl.DataFrame:
        return pl.read_csv(drop / f"{name}.csv", infer_schema=False)

    episodes = _overlapping(ssd("ssd_cin_episodes"), "cine_referral_date", "cine_close_date", first, last)
    refs = episodes["cine_referral_id"].to_list()
    cols = ["cine_person_id", "cine_referral_date", "cine_close_date", "cine_close_reason",
            "cine_cin_primary_need_code", "cine_referral_source_code", "cine_referral_nfa"]
    assert episodes.height > 500
    assert sorted(rows(t["ssd_cin_episodes"], cols)) == sorted(rows(episodes, cols))

    ass = _overlapping(ssd("ssd_cin_assessments").filter(pl.col("cina_referral_id").is_in(refs)),
                       "cina_assessment_start_date", "cina_assessment_auth_date", first, last)
    cols = ["cina_person_id", "cina_assessment_start_date", "cina_assessment_auth_date"]
    assert ass.height > 400
    assert sorted(rows(t["ssd_cin_assessments"], cols)) == sorted(rows(ass, cols))

    plans = _overlapping(ssd("ssd_cp_plans").filter(pl.col("cppl_referral_id").is_in(refs)),
                         "cppl_cp_plan_start_date", "cppl_cp_plan_end_date", first, last)
    cols = ["cppl_person_id", "cppl_cp_plan_start_date", "cppl_cp_plan_end_date", "cppl_cp_plan_initial_category",
            "cppl_cp_plan_latest_category", "cppl_number_of_previous_cpp"]
    assert plans.height > 50
    assert sorted(rows(t["ssd_cp_plans"], cols)) == sorted(rows(plans, cols))

    # Each adapted record hangs off the referral the SSD gave it: same child and referral date.
    ref_of = {r: (p, d) for r, p, d in rows(episodes, ["cine_referral_id", "cine_person_id", "cine_referral_date"])}
    expected_links = sorted((*ref_of[r], s) for r, s in rows(plans, ["cppl_referral_id", "cppl_cp_plan_start_date"]))
    got_ref = {r: (p, d) for r, p, d in rows(t["ssd_cin_episodes"], ["cine_referral_id", "cine_person_id",
                                                                     "cine_referral_date"])}
    got_links = sorted((*got_ref[r], s) for r, s in rows(t["ssd_cp_plans"], ["cppl_referral_id",
                                                                             "cppl_cp_plan_start_date"]))
    assert got_links == expected_links

    # Conferences held in the span, every one found (from its S47, or from CINdetails without one).
    icpc = ssd("ssd_initial_cp_conference").filter(pl.col("icpc_referral_id").is_in(refs)
                                                   & (pl.col("icpc_icpc_date") <= last.isoformat()))
    held_in_span = icpc.filter(pl.col("icpc_icpc_date") >= first.isoformat())
    got = set(rows(t["ssd_initial_cp_conference"], ["icpc_person_id", "icpc_icpc_date"]))
    assert set(rows(held_in_span, ["icpc_person_id", "icpc_icpc_date"])) <= got


def test_one_reviews_element_holding_several_dates_gives_a_review_each(tmp_path):
    # The DfE schema: one <Reviews> per plan with every <CPPreviewDate> inside it. The hand-made census repeats
    # <Reviews> once per date; the same plan written the schema's way must give the same two reviews (and the
    # locations name each date).
    both = "<Reviews><CPPreviewDate>2022-08-20</CPPreviewDate><CPPreviewDate>2023-01-20</CPPreviewDate></Reviews>"
    text = CENSUS_2022_23.replace(
        "<Reviews><CPPreviewDate>2022-08-20</CPPreviewDate></Reviews>", both).replace(
        "<Reviews><CPPreviewDate>2023-01-20</CPPreviewDate></Reviews>", "")
    assert text != CENSUS_2022_23
    t = CinCensusAdapter().adapt([write(tmp_path, "cin_2023.xml", text)]).tables
    got = rows(t["ssd_cp_reviews"], ["cppr_cp_review_id", "cppr_cp_review_date", SOURCE_LOCATION])
    assert [(g[0], g[1]) for g in got] == [(hid("RV", CP1, "2022-08-20"), "2022-08-20"),
                                          (hid("RV", CP1, "2023-01-20"), "2023-01-20")]
    assert got[0][2].endswith("/Reviews[1]/CPPreviewDate[1]") and got[1][2].endswith("/Reviews[1]/CPPreviewDate[2]")


def test_history_is_covered_from_1_april_of_the_census_year(census_2022):
    # a census holds the children in need during its year: nothing closed before 1 April 2022 is in it
    out = CinCensusAdapter().adapt([census_2022])
    assert out.covered_from and set(out.covered_from.values()) == {dt.date(2022, 4, 1)}
    # a child's details and disabilities are not a dated history
    assert set(out.covered_from) == set(out.tables) - {"ssd_person", "ssd_disability"}


def test_closure_after_the_census_year_is_withheld_rule_8620(tmp_path):
    # DfE rule 8620: the 2022/23 census (reference date 31 March 2023) closes C001's referral on 30 April 2023,
    # after its year end. Read as given, the episode would count as closed from a date the census could not
    # know; the date is withheld (an error staging records) and the episode stays open, as at the reference date.
    text = CENSUS_2022_23.replace("<CINclosureDate>2023-01-20</CINclosureDate>",
                                  "<CINclosureDate>2023-04-30</CINclosureDate>")
    assert text != CENSUS_2022_23
    out = CinCensusAdapter().adapt([write(tmp_path, "cin_2023.xml", text)])
    eps = out.tables["ssd_cin_episodes"]
    assert rows(eps, ["cine_referral_id", "cine_close_date", "cine_close_reason"])[0] == (RF1, None, "RC7")
    found = [i for i in out.issues if "8620" in i.message]
    assert len(found) == 1
    issue = found[0]
    assert (issue.severity, issue.file, issue.table, issue.column, issue.row) == (
        "error", "cin_2023.xml", "CINdetails", "CINclosureDate", 1)
    assert issue.location == f"{C1}/CINdetails[1]/CINclosureDate"
    assert "31 March 2023" in issue.message and "2022/23" in issue.message and "left blank" in issue.message
    assert "C001" not in issue.message.upper() and "2023-04-30" not in issue.message


def test_closure_before_the_census_year_is_a_warning_and_kept_rule_8620(tmp_path):
    text = CENSUS_2022_23.replace("<CINclosureDate>2023-02-02</CINclosureDate>",
                                  "<CINclosureDate>2022-03-02</CINclosureDate>")
    assert text != CENSUS_2022_23
    out = CinCensusAdapter().adapt([write(tmp_path, "cin_2023.xml", text)])
    assert rows(out.tables["ssd_cin_episodes"], ["cine_referral_id", "cine_close_date"])[1] == (RF2, "2022-03-02")
    found = [i for i in out.issues if "8620" in i.message]
    assert [(i.severity, i.row, i.location) for i in found] == [
        ("warning", 2, f"{C2}/CINdetails[1]/CINclosureDate")]
    assert found[0].message.startswith("1 <CINclosureDate>(s) before 1 April 2022")


def test_closure_repeated_in_range_by_a_later_census_is_not_faulted_rule_8620(tmp_path):
    # The 2022/23 file already carries the 30 September 2023 closure that the 2023/24 census reports in its
    # year: the later year wins, its closure is in range, and nothing is withheld.
    early = CENSUS_2022_23.replace(
        "<PrimaryNeedCode>N1</PrimaryNeedCode>\n        <ReferralNFA>false</ReferralNFA>",
        "<PrimaryNeedCode>N1</PrimaryNeedCode>\n        <CINclosureDate>2023-09-30</CINclosureDate>"
        "\n        <ReferralNFA>false</ReferralNFA>")
    assert early != CENSUS_2022_23
    out = CinCensusAdapter().adapt([write(tmp_path, "cin_2023.xml", early),
                                    write(tmp_path, "cin_2024.xml", CENSUS_2023_24)])
    assert not [i for i in out.issues if "8620" in i.message]
    eps = out.tables["ssd_cin_episodes"]
    assert ("2023-09-30",) in rows(eps.filter(pl.col("cine_referral_id") == RF3), ["cine_close_date"])
    # the 2022/23 file alone is faulted
    alone = CinCensusAdapter().adapt([write(tmp_path, "cin_2023.xml", early)])
    assert [(i.severity, i.row) for i in alone.issues if "8620" in i.message] == [("error", 3)]


def _disability_census(year: int, children: dict[str, list[str]]) -> str:
    kids = "".join(
        f"<Child><ChildIdentifiers><LAchildID>{cid}</LAchildID><PersonBirthDate>2012-01-01</PersonBirthDate>"
        "<GenderCurrent>1</GenderCurrent></ChildIdentifiers><ChildCharacteristics><Ethnicity>WBRI</Ethnicity>"
        "<Disabilities>" + "".join(f"<Disability>{c}</Disability>" for c in codes) + "</Disabilities>"
        "</ChildCharacteristics></Child>" for cid, codes in children.items())
    return (f"<Message><Header><CollectionDetails><Collection>CIN</Collection><Year>{year + 1}</Year>"
            f"<ReferenceDate>{year + 1}-03-31</ReferenceDate></CollectionDetails></Header>"
            f"<Children>{kids}</Children></Message>")


def test_disabilities_give_ssd_disability_rows_from_the_latest_census(tmp_path):
    # 2022/23: X1 MOB and LD, X2 MOB, X3 NONE and an unknown code (warned, passed on). 2023/24: X1 lists only
    # HEAR (MOB and LD no longer recorded); X2 and X3 are not in it (their 2022/23 codes stand).
    files = [write(tmp_path, "a.xml", _disability_census(2022, {"X1": ["MOB", "LD"], "X2": ["mob"],
                                                                "X3": ["NONE", "ZZZ"]})),
             write(tmp_path, "b.xml", _disability_census(2023, {"X1": ["HEAR"]}))]
    out = CinCensusAdapter().adapt(files)
    got = sorted(rows(out.tables["ssd_disability"], ["disa_person_id", "disa_disability_code", SOURCE_FILE]))
    assert got == [("X1", "HEAR", "b.xml"), ("X2", "MOB", "a.xml"), ("X3", "NONE", "a.xml"), ("X3", "ZZZ", "a.xml")]
    assert rows(out.tables["ssd_disability"].filter(pl.col("disa_disability_code") == "ZZZ"), [SOURCE_LOCATION]) == [
        ("/Message/Children/Child[3]/ChildCharacteristics/Disabilities[1]/Disability[2]",)]
    assert [(i.column, i.severity) for i in out.issues if "ZZZ" in i.message] == [("Disability", "warning")]


def test_disabilities_of_a_child_without_id_give_no_row(tmp_path):
    xml = _disability_census(2023, {"X1": ["MOB"], "  ": ["LD"]})
    out = CinCensusAdapter().adapt([write(tmp_path, "c.xml", xml)])
    assert rows(out.tables["ssd_disability"], ["disa_person_id", "disa_disability_code"]) == [("X1", "MOB")]
