"""CSWW census XML adapter, its year-aware schema, KPI16/KPI17 from the adapted census, and the census writer.

The hand-made census below is shaped like a real export: a default namespace on the root, values padded
with whitespace and newlines, optional elements missing (no Ethnicity, no OrgRole, no FTE30), one
unreadable FTE at a known path (/Message/CSWWWorker[5]/FTE), a leaver, a starter on the census date and one
worker holding two roles. Every expected row and rate is worked out by hand from the XML.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import polars as pl
import pytest

from pipelines.lib.archive import Drop
from pipelines.lib.contract import contract
from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW
from pipelines.lib.returns.cin_census import CinCensusAdapter
from pipelines.lib.returns.csww import LACKS, CswwAdapter, professional_id, schema_for
from pipelines.lib.staging import type_table
from scorecard_tools.generator.returns_csww import write_csww
from tests.kpi_fixture import add, run, value, warehouse

SWE = {k: f"SW10000000{k:02d}" for k in range(1, 10)}  # fictitious registration numbers

CENSUS_2024 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Message xmlns="http://www.dfe.gov.uk/CSWW">
  <Header>
    <CollectionDetails>
      <Collection>CSWW</Collection>
      <Year>2024</Year>
      <ReferenceDate>2024-09-30</ReferenceDate>
    </CollectionDetails>
    <Source>
      <SourceLevel>L</SourceLevel>
      <LEA>940</LEA>
      <SoftwareCode>CMS export</SoftwareCode>
      <DateTime>2024-10-21T09:15:00Z</DateTime>
    </Source>
  </Header>
  <LALevelVacancies>
    <NumberOfVacancies>
       3.50
    </NumberOfVacancies>
    <NoAgencyFTE>1.50</NoAgencyFTE>
    <NoAgencyHeadcount>2</NoAgencyHeadcount>
  </LALevelVacancies>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo> {SWE[1]} </SWENo>
    <FTE>1.000000</FTE>
    <PersonBirthDate>1985-04-02</PersonBirthDate>
    <GenderCurrent>2</GenderCurrent>
    <Ethnicity>WBRI</Ethnicity>
    <QualInst>University of Northampton</QualInst>
    <QualLevel>1</QualLevel>
    <OrgRole>5</OrgRole>
    <RoleStartDate>2019-01-07</RoleStartDate>
    <StartOrigin>1</StartOrigin>
    <FTE30>1.000000</FTE30>
    <Cases30>18</Cases30>
    <WorkingDaysLost>4.50</WorkingDaysLost>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>{SWE[2]}</SWENo>
    <FTE>0.600000</FTE>
    <GenderCurrent>1</GenderCurrent>
    <QualInst>University of Leicester</QualInst>
    <OrgRole>4</OrgRole>
    <RoleStartDate>2016-05-01</RoleStartDate>
    <Cases30>11</Cases30>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>1</AgencyWorker>
    <SWENo>{SWE[3]}</SWENo>
    <FTE>1.000000</FTE>
    <QualInst>Not known</QualInst>
    <Cases30>20</Cases30>
    <ContractWeeks>26.0</ContractWeeks>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>1</AgencyWorker>
    <SWENo>{SWE[4]}</SWENo>
    <FTE>0.500000</FTE>
    <QualInst>Not known</QualInst>
    <OrgRole>5</OrgRole>
    <Cases30>9</Cases30>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>{SWE[5]}</SWENo>
    <FTE>0.8x</FTE>
    <QualInst>Open University</QualInst>
    <OrgRole>5</OrgRole>
    <RoleStartDate>2022-09-12</RoleStartDate>
    <Cases30>15</Cases30>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>{SWE[6]}</SWENo>
    <FTE>0.800000</FTE>
    <QualInst>University of Bedfordshire</QualInst>
    <OrgRole>5</OrgRole>
    <RoleStartDate>2020-02-03</RoleStartDate>
    <RoleEndDate>2024-03-31</RoleEndDate>
    <ReasonLeave>1</ReasonLeave>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>{SWE[2]}</SWENo>
    <FTE>0.400000</FTE>
    <QualInst>University of Leicester</QualInst>
    <OrgRole>3</OrgRole>
    <RoleStartDate>2023-04-01</RoleStartDate>
  </CSWWWorker>
  <CSWWWorker>
    <AgencyWorker>0</AgencyWorker>
    <SWENo>{SWE[8]}</SWENo>
    <FTE>0.800000</FTE>
    <QualInst>University of Northampton</QualInst>
    <OrgRole>5</OrgRole>
    <RoleStartDate>2024-09-30</RoleStartDate>
    <Cases30>3</Cases30>
  </CSWWWorker>
</Message>
"""

# The year before, with no namespace: worker 1 then worked 0.8 FTE; worker 6 was still in post.
CENSUS_2023 = f"""<?xml version="1.0" encoding="UTF-8"?>
<Message>
  <Header><CollectionDetails><Collection>CSWW</Collection><Year>2023</Year>
    <ReferenceDate>2023-09-30</ReferenceDate></CollectionDetails>
    <Source><LEA>940</LEA></Source></Header>
  <LALevelVacancies><NumberOfVacancies>4.00</NumberOfVacancies><NoAgencyFTE>0.00</NoAgencyFTE>
    <NoAgencyHeadcount>0</NoAgencyHeadcount></LALevelVacancies>
  <CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>{SWE[1]}</SWENo><FTE>0.800000</FTE><OrgRole>5</OrgRole>
    <QualInst>University of Northampton</QualInst><RoleStartDate>2019-01-07</RoleStartDate></CSWWWorker>
  <CSWWWorker><AgencyWorker>0</AgencyWorker><SWENo>{SWE[6]}</SWENo><FTE>0.800000</FTE><OrgRole>5</OrgRole>
    <QualInst>University of Bedfordshire</QualInst><RoleStartDate>2020-02-03</RoleStartDate></CSWWWorker>
</Message>
"""

CIN_CENSUS = """<?xml version="1.0" encoding="UTF-8"?>
<Message xmlns="http://www.dfe.gov.uk/CIN">
  <Header><CollectionDetails><Collection>CIN</Collection><Year>2024</Year>
    <ReferenceDate>2024-03-31</ReferenceDate></CollectionDetails><Source><LEA>940</LEA></Source></Header>
  <Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers></Child></Children>
</Message>
"""

W = "/Message/CSWWWorker"


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def census(tmp_path) -> Path:
    return write(tmp_path, "csww_2024.xml", CENSUS_2024)


def rows(df: pl.DataFrame, cols: list[str]) -> list[tuple]:
    return list(df.select(cols).iter_rows())


def no_identifier_in(issues) -> None:
    for issue in issues:
        for number in SWE.values():
            assert number not in issue.message.upper()
        assert "1985-04-02" not in issue.message


# ---- one census --------------------------------------------------------------------------------------------
def test_establishment_row_hand_worked(census):
    out = CswwAdapter().adapt([census])
    we = out.tables["workforce_establishment"]
    # In post at 30 Sep 2024, not agency, readable FTE: worker 1 (1.0) + worker 2's two roles (0.6 + 0.4)
    # + worker 8 (0.8, starts on the census date) = 2.8. Worker 5 (FTE '0.8x') is left out; worker 6 left
    # on 31 Mar 2024. Agency in post: worker 3 (1.0) + worker 4 (0.5) = 1.5.
    # Vacancies 3.50 (trimmed, as written); establishment = 2.8 + 3.5 = 6.3.
    assert rows(we, ["period_end", "team_id", "post_type", "establishment_fte", "in_post_fte", "agency_fte",
                     "vacancy_fte", SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION]) == [
        ("2024-09-30", "CSWW-940", "qualified_social_worker", "6.3", "2.8", "1.5", "3.50", 1, "csww_2024.xml",
         "/Message/LALevelVacancies")]
    assert all(dtype == pl.String for c, dtype in we.schema.items() if c != SOURCE_ROW)


def test_professional_rows_hand_worked(census):
    prof = CswwAdapter().adapt([census]).tables["ssd_professionals"]
    # One row per registration number, in file order of each worker's main record. Worker 2's records 2
    # (senior practitioner, 0.6) and 7 (first line manager, 0.4) are one worker: FTE 0.6 + 0.4 = 1.0, title
    # from the more senior role (OrgRole 3 < 4), located at record 7. Worker 3 has no OrgRole; worker 5's
    # unreadable FTE is passed on for staging to reject; the leaver (6) is listed with the FTE they had.
    assert rows(prof, ["prof_professional_id", "prof_staff_id", "prof_professional_job_title",
                       "prof_social_worker_registration_no", "prof_professional_department",
                       "prof_full_time_equivalency", "prof_agency_worker_flag", SOURCE_ROW, SOURCE_LOCATION]) == [
        (professional_id(SWE[1]), None, "Case Holder", SWE[1], None, "1.000000", "N", 1, f"{W}[1]"),
        (professional_id(SWE[3]), None, None, SWE[3], None, "1.000000", "Y", 3, f"{W}[3]"),
        (professional_id(SWE[4]), None, "Case Holder", SWE[4], None, "0.500000", "Y", 4, f"{W}[4]"),
        (professional_id(SWE[5]), None, "Case Holder", SWE[5], None, "0.8x", "N", 5, f"{W}[5]"),
        (professional_id(SWE[6]), None, "Case Holder", SWE[6], None, "0.800000", "N", 6, f"{W}[6]"),
        (professional_id(SWE[2]), None, "First Line Manager", SWE[2], None, "1", "N", 7, f"{W}[7]"),
        (professional_id(SWE[8]), None, "Case Holder", SWE[8], None, "0.800000", "N", 8, f"{W}[8]"),
    ]
    # The documented id rule, worked by hand: 'CW' + 16 hex of SHA-256('CW|SW1000000001').
    assert professional_id(" sw1000000001 ") == "CW" + hashlib.sha256(b"CW|SW1000000001").hexdigest()[:16].upper()


def test_issues_are_row_located_and_quote_no_identifier(census):
    out = CswwAdapter().adapt([census])
    errors = [i for i in out.issues if i.severity == "error"]
    assert [(i.file, i.table, i.column, i.row, i.location) for i in errors] == [
        ("csww_2024.xml", "CSWWWorker", "FTE", 5, f"{W}[5]/FTE")]
    assert "not a number" in errors[0].message and "staging rejects" in errors[0].message
    warnings = sorted((i.table, i.column, i.row, i.location) for i in out.issues if i.severity == "warning")
    assert warnings == [
        ("CSWWWorker", "FTE", 5, f"{W}[5]"),     # in post, no usable FTE: left out of the sums
        ("CSWWWorker", "SWENo", 7, f"{W}[7]"),   # two records merged into one worker
    ]
    merged = next(i for i in out.issues if i.column == "SWENo")
    assert "2 worker records (rows 2, 7)" in merged.message
    no_identifier_in(out.issues)


def test_lacks_name_what_the_census_does_not_carry(census):
    out = CswwAdapter().adapt([census])
    lacks = "\n".join(out.lacks)
    for needle in ("KPI11", "ssd_involvements", "Cases30", "ssd_department", "prof_staff_id", "no teams",
                   "30 September"):
        assert needle in lacks
    assert out.lacks == list(LACKS)
    assert out.format == "CSWW XML" and out.files == ["csww_2024.xml"]
    assert set(out.tables) == {"workforce_establishment", "ssd_professionals"}


def test_out_of_range_values_and_missing_vacancies(tmp_path):
    xml = (CENSUS_2024.replace("<FTE>0.500000</FTE>", "<FTE>1.5</FTE>")
           .replace("<AgencyWorker>0</AgencyWorker>\n    <SWENo>" + SWE[8], "<AgencyWorker>2</AgencyWorker>\n"
                    "    <SWENo>" + SWE[8])
           .replace("<RoleEndDate>2024-03-31</RoleEndDate>", "<RoleEndDate>2024-02-30</RoleEndDate>"))
    start, end = xml.index("<LALevelVacancies>"), xml.index("</LALevelVacancies>") + len("</LALevelVacancies>")
    xml = xml[:start] + xml[end:]
    out = CswwAdapter().adapt([write(tmp_path, "c.xml", xml)])
    errors = {(i.table, i.column, i.row): i for i in out.issues if i.severity == "error"}
    assert set(errors) == {("CSWWWorker", "FTE", 4), ("CSWWWorker", "FTE", 5), ("CSWWWorker", "AgencyWorker", 8),
                           ("CSWWWorker", "RoleEndDate", 6), ("LALevelVacancies", None, None)}
    assert "between 0 and 1" in errors[("CSWWWorker", "FTE", 4)].message
    assert "KPI16" in errors[("LALevelVacancies", None, None)].message
    # In post, non-agency, usable: worker 1 (1.0) + worker 2 (0.6 + 0.4) = 2.0; worker 6's leaving date is
    # unreadable, so they count as in post: + 0.8 = 2.8; worker 8's agency flag '2' is unreadable: left out.
    # Agency: worker 3 (1.0); worker 4's 1.5 is out of range: left out. No vacancies: both blank.
    we = out.tables["workforce_establishment"]
    assert rows(we, ["establishment_fte", "in_post_fte", "agency_fte", "vacancy_fte"]) == [
        (None, "2.8", "1", None)]
    prof = out.tables["ssd_professionals"]
    assert prof.filter(pl.col(SOURCE_ROW) == 4)["prof_full_time_equivalency"].to_list() == [None]  # blanked
    assert prof.filter(pl.col(SOURCE_ROW) == 6)["prof_full_time_equivalency"].to_list() == ["0.800000"]
    no_identifier_in(out.issues)


def test_census_date_edges(tmp_path):
    # Worker 1 leaves on the census date itself: a leaver, not in post (in post 2.8 - 1.0 = 1.8); worker 8
    # moved to start the day after: not yet in post either (1.8 - 0.8 = 1.0).
    xml = (CENSUS_2024.replace("<Cases30>18</Cases30>", "<RoleEndDate>2024-09-30</RoleEndDate>")
           .replace("<RoleStartDate>2024-09-30</RoleStartDate>", "<RoleStartDate>2024-10-01</RoleStartDate>"))
    we = CswwAdapter().adapt([write(tmp_path, "c.xml", xml)]).tables["workforce_establishment"]
    assert rows(we, ["in_post_fte", "agency_fte", "establishment_fte"]) == [("1", "1.5", "4.5")]  # 1.0 + 3.5
    # No ReferenceDate: 30 September of <Year> is taken, with a warning.
    out = CswwAdapter().adapt([write(tmp_path, "y.xml", CENSUS_2024.replace(
        "<ReferenceDate>2024-09-30</ReferenceDate>", ""))])
    assert out.tables["workforce_establishment"]["period_end"].to_list() == ["2024-09-30"]
    assert [(i.column, i.severity) for i in out.issues if i.table == "Header"] == [("ReferenceDate", "warning")]


def test_worker_without_registration_number_is_kept_without_id(tmp_path):
    xml = CENSUS_2024.replace(f"<SWENo>{SWE[8]}</SWENo>", "<SWENo>   </SWENo>")
    out = CswwAdapter().adapt([write(tmp_path, "c.xml", xml)])
    prof = out.tables["ssd_professionals"]
    assert rows(prof.filter(pl.col(SOURCE_ROW) == 8), ["prof_professional_id",
                                                       "prof_social_worker_registration_no"]) == [(None, None)]
    issue = next(i for i in out.issues if i.column == "SWENo" and i.row == 8)
    assert issue.severity == "error" and "quarantines" in issue.message and issue.location == f"{W}[8]"
    # the worker still counts in the establishment: in post 2.8 as before
    assert out.tables["workforce_establishment"]["in_post_fte"].to_list() == ["2.8"]


def test_unknown_element_and_code_are_warnings(tmp_path):
    xml = CENSUS_2024.replace("<Ethnicity>WBRI</Ethnicity>", "<Ethnicity>WROM</Ethnicity><Team>A</Team>")
    out = CswwAdapter().adapt([write(tmp_path, "c.xml", xml)])
    eth = next(i for i in out.issues if i.column == "Ethnicity")
    assert eth.severity == "warning" and "'WROM'" in eth.message and eth.location == f"{W}[1]/Ethnicity"
    team = next(i for i in out.issues if i.column == "Team")
    assert team.severity == "warning" and team.table == "CSWWWorker" and "1 occurrence" in team.message


def test_broken_file_keeps_workers_but_no_establishment(tmp_path):
    cut = CENSUS_2024.index("<CSWWWorker>", CENSUS_2024.index("<SWENo>" + SWE[3]) - 80)
    out = CswwAdapter().adapt([write(tmp_path, "cut.xml", CENSUS_2024[:cut + 30])])
    assert out.tables["workforce_establishment"].height == 0
    assert out.tables["ssd_professionals"].height == 2  # workers 1 and 2, read before the break
    [broken] = [i for i in out.issues if i.table == "Message"]
    assert "not well formed" in broken.message and "2 worker records" in broken.message


# ---- several census years ----------------------------------------------------------------------------------
@pytest.mark.parametrize("order", [(0, 1), (1, 0)])
def test_each_census_gives_its_september_and_the_latest_worker_wins(tmp_path, order):
    files = [write(tmp_path, "a_2023.xml", CENSUS_2023), write(tmp_path, "b_2024.xml", CENSUS_2024)]
    t = CswwAdapter().adapt([files[i] for i in order]).tables
    # 2023: in post worker 1 (0.8) + worker 6 (0.8) = 1.6; vacancies 4.00; establishment 5.6.
    assert rows(t["workforce_establishment"], ["period_end", "team_id", "establishment_fte", "in_post_fte",
                                               "agency_fte", "vacancy_fte", SOURCE_FILE]) == [
        ("2023-09-30", "CSWW-940", "5.6", "1.6", "0", "4.00", "a_2023.xml"),
        ("2024-09-30", "CSWW-940", "6.3", "2.8", "1.5", "3.50", "b_2024.xml"),
    ]
    prof = t["ssd_professionals"]
    assert prof.height == 7  # workers 1 and 6 from 2024 only (the later census)
    assert rows(prof.filter(pl.col("prof_professional_id") == professional_id(SWE[1])),
                ["prof_full_time_equivalency", SOURCE_FILE]) == [("1.000000", "b_2024.xml")]


def test_same_return_twice_last_file_wins(tmp_path):
    files = [write(tmp_path, "a.xml", CENSUS_2024),
             write(tmp_path, "b.xml", CENSUS_2024.replace("3.50", "2.00"))]
    out = CswwAdapter().adapt(files)
    assert rows(out.tables["workforce_establishment"], ["vacancy_fte", "establishment_fte", SOURCE_FILE]) == [
        ("2.00", "4.8", "b.xml")]  # 2.8 in post + 2.0
    [dup] = [i for i in out.issues if i.table == "Header"]
    assert dup.severity == "warning" and "b.xml (last in file-name order) wins" in dup.message


# ---- recognise ---------------------------------------------------------------------------------------------
def test_recognise_by_shape(tmp_path, census):
    adapter = CswwAdapter()
    assert adapter.recognise(census)
    assert adapter.recognise(write(tmp_path, "plain.xml", CENSUS_2023))
    anonymous = CENSUS_2023.replace("<Collection>CSWW</Collection>", "")
    assert adapter.recognise(write(tmp_path, "anon.xml", anonymous))  # no collection: LALevelVacancies decides
    headerless = "<Message><CSWWWorker><SWENo>X</SWENo></CSWWWorker></Message>"
    assert adapter.recognise(write(tmp_path, "bare.xml", headerless))
    cin = write(tmp_path, "cin.xml", CIN_CENSUS)
    assert not adapter.recognise(cin)                     # a CIN census is not a workforce census
    assert CinCensusAdapter().recognise(cin)
    assert not CinCensusAdapter().recognise(census)       # and the CIN adapter does not take this one
    assert not adapter.recognise(write(tmp_path, "cin_anon.xml", CIN_CENSUS.replace(
        "<Collection>CIN</Collection>", "")))
    assert not adapter.recognise(write(tmp_path, "other.xml", CENSUS_2023.replace(">CSWW<", ">SSDA903<")))
    assert not adapter.recognise(write(tmp_path, "root.xml", "<CSWWWorker/>"))
    assert not adapter.recognise(write(tmp_path, "w.csv", "period_end,team_id\n2024-09-30,T1\n"))
    assert not adapter.recognise(write(tmp_path, "empty.xml", ""))
    assert not adapter.recognise(tmp_path / "missing.xml")


# ---- schema years ------------------------------------------------------------------------------------------
def test_schema_year_differences():
    schemas = {y: schema_for(y) for y in range(2017, 2026)}
    workers = {y: set(s.groups["CSWWWorker"].elements) for y, s in schemas.items()}
    # 2017 = 2018; CFKSSstatus (with its code set 1-4) arrives in 2019 (provisional); nothing else changes.
    assert workers[2017] == workers[2018]
    assert workers[2019] - workers[2018] == {"CFKSSstatus"} and not workers[2018] - workers[2019]
    assert all(workers[y] == workers[2019] for y in range(2019, 2026))
    assert set(schemas[2019].code_sets) - set(schemas[2018].code_sets) == {"CFKSSstatus"}
    assert schemas[2019].code_sets["CFKSSstatus"] == {"1", "2", "3", "4"}
    assert all(schemas[2018].code_sets[c] == schemas[2025].code_sets[c] for c in schemas[2018].code_sets)
    assert schemas[2018].applied == () and schemas[2025].applied == ("2019.yaml",)
    assert schemas[2019].provisional == ("CFKSSstatus",)
    base = schemas[2017]
    assert len(workers[2017]) == 22
    assert set(base.groups["LALevelVacancies"].elements) == {"NumberOfVacancies", "NoAgencyFTE",
                                                             "NoAgencyHeadcount"}
    assert base.code_sets["OrgRole"] == {"1", "2", "3", "4", "5", "6"}
    assert base.code_sets["ReasonAbsence"] == {"MAT", "OTH", "PUB", "SIC", "TRN", "UNA", "UNP"}
    assert len(base.code_sets["Ethnicity"]) == 18 and not {"WIRT", "WROM"} & base.code_sets["Ethnicity"]
    assert base.groups["CSWWWorker"].elements["SWENo"].column == "prof_social_worker_registration_no"
    with pytest.raises(ValueError, match="no CSWW census schema before"):
        schema_for(2016)
    assert schema_for("2024-09-30") is schema_for(2024)


def test_cfkss_status_is_known_from_2019_only(tmp_path):
    with_status = CENSUS_2024.replace("<Cases30>18</Cases30>", "<Cases30>18</Cases30><CFKSSstatus>2</CFKSSstatus>")
    out = CswwAdapter().adapt([write(tmp_path, "c.xml", with_status)])
    assert not [i for i in out.issues if i.column == "CFKSSstatus"]
    older = with_status.replace("2024-09-30", "2018-09-30").replace("<Year>2024</Year>", "<Year>2018</Year>")
    out = CswwAdapter().adapt([write(tmp_path, "o.xml", older)])
    [unknown] = [i for i in out.issues if i.column == "CFKSSstatus"]
    assert unknown.severity == "warning" and "year ending 30 September 2018" in unknown.message


# ---- KPI16 and KPI17 from the adapted census ----------------------------------------------------------------
def staged(frame: pl.DataFrame, table: str) -> list[dict]:
    """The adapted frame through staging's own typing (as a drop would be staged), contract columns only."""
    spec = contract()[table]
    drop = Drop("2024-10-31", dt.date(2024, 10, 31), Path("."), ())
    rows_, rejected, quarantined = type_table(frame, spec, b"k" * 32, drop, "csww.xml", "940")
    assert quarantined.height == 0
    return rows_.select(list(spec.columns)).to_dicts()


def test_kpi16_and_kpi17_from_the_census(tmp_path):
    files = [write(tmp_path, "a_2023.xml", CENSUS_2023), write(tmp_path, "b_2024.xml", CENSUS_2024)]
    adapted = CswwAdapter().adapt(files)
    con = warehouse()
    add(con, "workforce_establishment", staged(adapted.tables["workforce_establishment"],
                                               "workforce_establishment"))
    run(con, "KPI16", "2023-09-30", "2024-09-30")
    run(con, "KPI17", "2023-09-30", "2024-09-30")
    # Sept 2024: vacancy 3.5 / (3.5 + in post 2.8) = 3.5 / 6.3 = 55.5556 %
    k16 = value(con, "KPI16", "2024-09-30", "snapshot")
    assert (k16["numerator"], k16["denominator"]) == (pytest.approx(3.5), pytest.approx(6.3))
    assert k16["value"] == pytest.approx(100 * 3.5 / 6.3, abs=1e-6)
    # Sept 2024: agency 1.5 / (1.5 + 2.8) = 1.5 / 4.3 = 34.8837 %
    k17 = value(con, "KPI17", "2024-09-30", "snapshot")
    assert (k17["numerator"], k17["denominator"]) == (pytest.approx(1.5), pytest.approx(4.3))
    assert k17["value"] == pytest.approx(100 * 1.5 / 4.3, abs=1e-6)
    # Sept 2023: 4.0 / (4.0 + 1.6) = 71.4286 %; no agency: 0 / (0 + 1.6) = 0 %
    assert value(con, "KPI16", "2023-09-30", "snapshot")["value"] == pytest.approx(100 * 4 / 5.6, abs=1e-6)
    assert value(con, "KPI17", "2023-09-30", "snapshot")["value"] == 0.0
    # The census is a 30 September snapshot: October 2023 - August 2024 have no rows, so no value.
    assert value(con, "KPI16", "2024-03-31", "snapshot")["value"] is None


def test_professionals_stage_cleanly_except_the_bad_fte(census):
    frame = CswwAdapter().adapt([census]).tables["ssd_professionals"]
    spec = contract()["ssd_professionals"]
    drop = Drop("2024-10-31", dt.date(2024, 10, 31), Path("."), ())
    typed, rejected, quarantined = type_table(frame, spec, b"k" * 32, drop, "csww_2024.xml", "940")
    assert typed.height == 7 and quarantined.height == 0
    # staging rejects worker 5's '0.8x' at the record's own row, as the adapter reported it
    assert rows(rejected, ["column_name", "source_row", "source_file"]) == [
        ("prof_full_time_equivalency", 5, "csww_2024.xml")]
    assert typed.filter(pl.col("prof_agency_worker_flag"))["source_row"].to_list() == [3, 4]


# ---- the synthetic census writer ---------------------------------------------------------------------------
def tiny_tables() -> dict[str, pl.DataFrame]:
    s = pl.String
    prof = pl.DataFrame({
        "prof_professional_id": ["PRF1", "PRF2", "PRF3", "PRF4", "PRF5"],
        "prof_professional_job_title": ["Social Worker", "Senior Social Worker", "Social Worker",
                                        "Social Work Assistant", "Social Worker"],
        "prof_social_worker_registration_no": ["SW100001", "SW100002", "SW100003", None, "SW100005"],
        "prof_full_time_equivalency": ["1.0", "0.6", "1.0", "1.0", "0.8"],
        "prof_agency_worker_flag": ["N", "N", "Y", "N", "N"],
    }, schema={c: s for c in ("prof_professional_id", "prof_professional_job_title",
                              "prof_social_worker_registration_no", "prof_full_time_equivalency",
                              "prof_agency_worker_flag")})
    inv = pl.DataFrame({
        "invo_involvements_id": ["I1", "I2", "I3", "I4", "I5", "I6", "I7"],
        "invo_professional_id": ["PRF1", "PRF1", "PRF2", "PRF3", "PRF4", "PRF5", "PRF1"],
        "invo_person_id": ["C1", "C2", "C3", "C4", "C5", "C6", "C1"],
        "invo_involvement_start_date": ["2024-01-10", "2024-05-01", "2023-11-01", "2024-09-30", "2024-02-01",
                                        "2023-06-01", "2024-10-05"],
        "invo_involvement_end_date": [None, "2024-10-15", None, None, None, "2024-06-30", None],
    })
    we = pl.DataFrame({
        "period_end": ["2024-09-30", "2024-09-30", "2024-09-30", "2024-08-31"],
        "team_id": ["T1", "T2", "T1", "T1"],
        "post_type": ["qualified_social_worker", "qualified_social_worker", "social_work_manager",
                      "qualified_social_worker"],
        "establishment_fte": ["5.0", "4.0", "2.0", "5.0"],
        "in_post_fte": ["2.6", "3.0", "1.0", "3.0"],
        "agency_fte": ["1.0", "0.0", "0.0", "1.0"],
        "vacancy_fte": ["2.4", "1.0", "1.0", "2.0"],
    })
    return {"ssd_professionals": prof, "ssd_involvements": inv, "workforce_establishment": we}


def test_writer_hand_worked_and_read_back(tmp_path):
    path = write_csww(tiny_tables(), tmp_path, dt.date(2024, 9, 30))
    assert path.name == "csww_2024.xml"
    text = path.read_text()
    # Vacancies: September qualified_social_worker rows T1 2.4 + T2 1.0 = 3.40 (the manager row and August
    # are out); agency FTE 1.0 + 0.0 = 1.00; one agency worker record in post (PRF3).
    assert "<NumberOfVacancies>3.40</NumberOfVacancies>" in text and "<NoAgencyFTE>1.00</NoAgencyFTE>" in text
    assert "<NoAgencyHeadcount>1</NoAgencyHeadcount>" in text and "<LEA>940</LEA>" in text
    # PRF4 is not registered (left out); PRF1 in post with C1 and C2 open on 30 Sep (I2 ends 15 Oct; I7 starts
    # after the census date) -> Cases30 2; PRF5's only case ended 30 Jun 2024, inside the census year -> leaver.
    assert "SW100004" not in text and "<Cases30>2</Cases30>" in text
    assert "<RoleEndDate>2024-06-30</RoleEndDate>" in text
    out = CswwAdapter().adapt([path])
    assert not [i for i in out.issues if i.severity == "error"]
    # In post, not agency: PRF1 1.0 + PRF2 0.6 = 1.6; agency PRF3 1.0; establishment 1.6 + 3.4 = 5.0.
    assert rows(out.tables["workforce_establishment"], ["period_end", "team_id", "establishment_fte",
                                                        "in_post_fte", "agency_fte", "vacancy_fte"]) == [
        ("2024-09-30", "CSWW-940", "5", "1.6", "1", "3.40")]
    assert rows(out.tables["ssd_professionals"], ["prof_social_worker_registration_no",
                                                  "prof_professional_job_title", "prof_full_time_equivalency",
                                                  "prof_agency_worker_flag"]) == [
        ("SW100001", "Case Holder", "1.000000", "N"),
        ("SW100002", "Senior Practitioner", "0.600000", "N"),
        ("SW100003", "Case Holder", "1.000000", "Y"),
        ("SW100005", "Case Holder", "0.800000", "N"),
    ]
    assert "<LEA>928</LEA>" in write_csww(tiny_tables(), tmp_path / "x.xml", "2024-09-30", lea="928").read_text()


def test_writer_refuses_a_month_without_establishment(tmp_path):
    with pytest.raises(ValueError, match="no qualified_social_worker rows for September 2023"):
        write_csww(tiny_tables(), tmp_path, dt.date(2023, 9, 30))


@pytest.mark.parametrize("year", [2018, 2019])
def test_generated_census_agrees_with_the_ssd_establishment(small_landing, tmp_path, year):
    """The small authority's drop -> the September census -> the adapter, against the drop's own tables.

    Expected: the census vacancies are the establishment's (qualified social worker rows of September, summed
    over teams) exactly; the census in-post and agency FTE count only workers holding a case on 30 September,
    so they are at most the establishment's and (case-holding posts being nearly always occupied by a worker
    with cases) at least 90 % of it; every worker is one of the drop's registered professionals.
    """
    drop = small_landing / "2020-03-31"
    out = CswwAdapter().adapt([write_csww(drop, tmp_path, dt.date(year, 9, 30))])
    assert not [i for i in out.issues if i.severity == "error"]
    est = pl.read_csv(drop / "workforce_establishment.csv", infer_schema=False).filter(
        pl.col("period_end").str.starts_with(f"{year}-09"), pl.col("post_type") == "qualified_social_worker")
    ssd = est.select(pl.col("in_post_fte", "agency_fte", "vacancy_fte").cast(pl.Float64).sum()).row(0, named=True)
    [census] = out.tables["workforce_establishment"].to_dicts()
    assert census["period_end"] == f"{year}-09-30" and census["team_id"] == "CSWW-928"
    assert float(census["vacancy_fte"]) == pytest.approx(ssd["vacancy_fte"], abs=1e-9)
    in_post, agency = float(census["in_post_fte"]), float(census["agency_fte"])
    assert in_post <= ssd["in_post_fte"] + 1e-9 and agency <= ssd["agency_fte"] + 1e-9
    assert in_post + agency >= 0.9 * (ssd["in_post_fte"] + ssd["agency_fte"])
    assert float(census["establishment_fte"]) == pytest.approx(in_post + ssd["vacancy_fte"], abs=1e-9)
    registered = set(pl.read_csv(drop / "ssd_professionals.csv", infer_schema=False)
                     ["prof_social_worker_registration_no"].drop_nulls())
    assert set(out.tables["ssd_professionals"]["prof_social_worker_registration_no"]) <= registered


def test_history_is_covered_from_the_census_date(census):
    out = CswwAdapter().adapt([census])
    assert out.covered_from == {t: dt.date(2024, 9, 30) for t in out.tables}
