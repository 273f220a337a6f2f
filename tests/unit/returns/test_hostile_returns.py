"""Real and hostile return files (issue 12): codes in lower case, US-format dates, tables received but not used,
a semicolon 903 CSV, UTF-16 XML, a contradicting CSWW agency FTE; and the parsing bounds: XML nesting, huge
values, DTDs and entities, and workbooks that inflate. Hostile files are made here, small on disk.
"""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest

import pipelines.lib.returns as registry
from pipelines.lib import db
from pipelines.lib.archive import archive_drop
from pipelines.lib.returns import REGISTRY, recognise, ssda903
from pipelines.lib.returns.annex_a import AnnexAAdapter
from pipelines.lib.returns.cin_census import CinCensusAdapter
from pipelines.lib.returns.csww import CswwAdapter
from pipelines.lib.returns.ssda903 import Ssda903CsvAdapter
from pipelines.lib.returns.ssda903_xml import Ssda903XmlAdapter
from pipelines.lib.staging import stage_drop
from tests.unit.returns.test_csww import CENSUS_2024
from tests.unit.returns.test_ssda903_xml import XML_SET

KEY = bytes(range(32))
EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"
CIN_HEAD = ('<?xml version="1.0" encoding="UTF-8"?>\n<Message><Header><CollectionDetails><Collection>CIN'
            '</Collection><Year>2023</Year><ReferenceDate>2023-03-31</ReferenceDate></CollectionDetails></Header>'
            '<Children><Child><ChildIdentifiers><LAchildID>C1</LAchildID></ChildIdentifiers>')
CIN_TAIL = "</Child></Children></Message>\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode("utf-8"))
    return path


def issues(adapted, severity: str | None = None) -> list[tuple]:
    return [(i.file, i.table, i.column, i.row, i.message) for i in adapted.issues
            if severity is None or i.severity == severity]


# ---- 903: codes normalised before any logic -----------------------------------------------------------------
def test_lower_case_codes_are_upper_cased_before_the_stitching(tmp_path):
    # x1 declares care continued: read as X1, the two episodes are one period of care (they were two, and
    # KPI07's long-term placement fell from 35.8% to 11.3%); l and c2 likewise
    path = write(tmp_path / "e.csv", EP_HEAD + "A,01/05/2018,S,c2,n1,u4,PR1,01/06/2018,x1,,,,\n"
                                               "A,01/06/2018,l,c2,N1,U4,PR1,,,,,,\n")
    out = Ssda903CsvAdapter().adapt([path])
    eps = out.tables["ssd_cla_episodes"]
    assert eps["clae_cla_id"].n_unique() == 1
    assert eps["clae_cla_episode_ceased_reason"].to_list() == ["X1", None]
    assert eps["clae_cla_episode_start_reason"].to_list() == ["S", "L"]
    assert ("e.csv", "Episodes", None, None, "6 coded value(s) in lower case (CIN, LS, PLACE, REC, RNE; first at "
            "row 1) read as upper case, the form the code sets and the stitching use") in issues(out, "repair")
    assert not issues(out, "warning")  # no code-set warning for a code that is only in lower case


# ---- 903: date order ------------------------------------------------------------------------------------------
def test_us_format_dates_are_detected_and_read_month_first(tmp_path):
    # 12/31/2018 can only be month-first, and no date is day-first only: every date read MM/DD/YYYY
    path = write(tmp_path / "e.csv", EP_HEAD + "A,05/01/2018,S,C2,N1,U4,PR1,12/31/2018,E13,,,,\n"
                                               "B,03/02/2019,S,C2,N1,U4,PR1,,,,,,\n")
    out = Ssda903CsvAdapter().adapt([path])
    eps = out.tables["ssd_cla_episodes"]
    assert sorted(eps["clae_cla_episode_start_date"].to_list()) == ["2018-05-01", "2019-03-02"]
    assert ("e.csv", "Episodes", None, None, "its dates are month-first: DEC row 1 can only be MM/DD/YYYY and none is "
            "DD/MM/YYYY only; every date read as MM/DD/YYYY") in issues(out, "warning")


def test_us_format_dates_in_a_903_xml_are_detected_too(tmp_path):
    uk = write(tmp_path / "a" / "903.xml", XML_SET["903_2018-19.xml"])
    us = write(tmp_path / "b" / "903.xml", re.sub(r"<(DOB|REVIEW|DECOM|DEC)>(\d\d)/(\d\d)/", r"<\1>\3/\2/",
                                                  XML_SET["903_2018-19.xml"]))
    a, b = Ssda903XmlAdapter().adapt([uk]), Ssda903XmlAdapter().adapt([us])
    assert ("903.xml", "CHILD", None, None, "its dates are month-first: DOB row 1 can only be MM/DD/YYYY and none is "
            "DD/MM/YYYY only; every date read as MM/DD/YYYY") in issues(b, "warning")
    for table, frame in a.tables.items():
        assert frame.equals(b.tables[table]), table


def test_lower_case_codes_in_census_xml_are_upper_cased(tmp_path):
    from tests.unit.returns.test_cin_census import CENSUS_2022_23

    lower = re.sub(r"<(ReferralSource|PrimaryNeedCode|ReasonForClosure|Ethnicity)>([^<]+)<",
                   lambda m: f"<{m.group(1)}>{m.group(2).lower()}<", CENSUS_2022_23)
    assert lower != CENSUS_2022_23
    a = CinCensusAdapter().adapt([write(tmp_path / "a" / "cin.xml", CENSUS_2022_23)])
    b = CinCensusAdapter().adapt([write(tmp_path / "b" / "cin.xml", lower)])
    for table, frame in a.tables.items():
        assert frame.equals(b.tables[table]), table


def test_mixed_or_undecidable_date_order_refuses_the_file(tmp_path):
    mixed = write(tmp_path / "m.csv", EP_HEAD + "A,25/01/2018,S,C2,N1,U4,PR1,12/31/2018,E13,,,,\n")
    out = Ssda903CsvAdapter().adapt([mixed])
    assert issues(out, "error") == [("m.csv", "Episodes", None, None, "dates in both orders: DECOM row 1 can only be "
                                     "DD/MM/YYYY and DEC row 1 only MM/DD/YYYY; the file's date order cannot be told, "
                                     "so no date of it is read (send it again with DD/MM/YYYY dates); file not used")]
    assert "ssd_cla_episodes" not in out.tables
    # 20 distinct dates none of which has a first number above 12: cannot be told apart
    undecided = {"DECOM": [f"{d:02d}/{m:02d}/2018" for d in range(1, 6) for m in range(1, 5)]}
    with pytest.raises(ValueError, match="none of its 20 distinct"):
        ssda903.date_order(undecided)
    assert ssda903.date_order({"DECOM": ["01/02/2018", "03/04/2018"]}) == ("DMY", "")  # a few: the 903's own order


# ---- 903: the collection year from the file's own evidence --------------------------------------------------
def test_a_review_dated_2028_does_not_move_an_xml_return(tmp_path):
    text = XML_SET["903_2018-19.xml"].replace("<REVIEW>01/09/2018</REVIEW>", "<REVIEW>01/09/2028</REVIEW>")
    path = write(tmp_path / "export.xml", text)
    out = Ssda903XmlAdapter().adapt([path])
    # SEX 2 is valid in 2018/19 (M/F came in 2024/25): no false SEX warning, and the year is 2018/19
    assert not [i for i in issues(out, "warning") if i[2] == "SEX"]
    assert [i[4] for i in issues(out, "warning") if i[2] == "REVIEW"] == [
        "1 REVIEW date(s) fall after 31 March 2019, outside 2018/19 (the collection year its latest episode start "
        "(DECOM) gives; first at row 2): the year is kept, the dates are used as recorded (at "
        "/EXPSSDA903/CHILD[1]/HEADER/AREVIEW[2]/REVIEW)"]


def test_a_five_year_csv_set_keeps_five_years_and_its_oc2_rows(tmp_path):
    # no year in the file names: each year's file is dated by its own episodes. A is in care throughout; in
    # 2017/18 and 2019/20 one episode ends on 1 April, which moved those files into the next year, where
    # two files then shared a year and their OC2 rows (undated, matched by their children) became duplicates
    files = []
    oc2 = ("CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,HEALTH_ASSESSMENT,"
           "SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n")
    for y in range(2018, 2023):
        end = "01/04" if y in (2018, 2020) else "01/03"
        files.append(write(tmp_path / f"e{y}.csv", EP_HEAD
                           + "A,01/05/2016,S,C2,N1,U4,PR1,,,,,,\n"
                           + f"B{y},01/06/{y - 1},S,C2,N1,U4,PR1,{end}/{y},E13,,,,\n"
                           + f"C{y},01/07/{y - 1},S,C2,N1,U4,PR1,01/02/{y},E13,,,,\n"
                           + f"D{y},01/08/{y - 1},S,C2,N1,U4,PR1,01/03/{y},E13,,,,\n"))
        files.append(write(tmp_path / f"o{y}.csv", oc2 + f"A,01/01/2010,9,,0,1,1,1,,0,,\nC{y},01/01/2010,9,,0,1,1,1,,"
                                                         "0,,\n"))
    out = Ssda903CsvAdapter().adapt(files)
    years = out.tables["cla_oc2_outcomes"].select("oc2_person_id", "oc2_year_ending")
    assert years.height == 10 and not years.is_duplicated().any()
    assert sorted(set(years["oc2_year_ending"].to_list())) == [f"{y}-03-31" for y in range(2018, 2023)]


# ---- tables received but not used; what each adapter says the return lacks -----------------------------------
def test_tables_received_but_not_used_are_listed_with_row_counts(tmp_path):
    drop = tmp_path / "in" / "2024-03-31"
    write(drop / "e.csv", EP_HEAD + "A,01/05/2023,S,C2,N1,U4,PR1,,,,,,\n")
    write(drop / "uasc.csv", "CHILD,SEX,DOB,DUC\nA,1,01/01/2010,01/01/2028\nB,2,01/01/2011,\n")
    write(drop / "prevperm.csv", "CHILD,DOB,PREV_PERM,LA_PERM,DATE_PERM\nA,01/01/2010,Z1,,\n")
    con = duckdb.connect()
    summary = stage_drop(con, archive_drop(drop, tmp_path / "archive").drop, KEY, "941", registry=REGISTRY)
    # UASC is used since ssd_immigration_status is in the contract (an optional table)
    assert not any("received, not used" in m and "UASC" in m for m in summary.messages)
    assert ("prevperm.csv: SSDA903 CSV PrevPerm: received, not used: 1 row(s) of PrevPerm (no contract table for "
            "permanence before care)") in summary.messages
    assert any(m.startswith("e.csv, prevperm.csv, uasc.csv: the SSDA903 CSV does not carry: ssd_person."
                            "pers_expected_dob") for m in summary.messages)
    # in the error report too (staged.return_issues feeds error_report.csv)
    assert db.scalar(con, "SELECT count(*) FROM staged.return_issues WHERE reason LIKE 'received, not used%'") == 1


# ---- shapes refused today as "not a known shape" -------------------------------------------------------------
def test_semicolon_903_csv_is_refused_saying_its_delimiter_is_wrong(tmp_path):
    path = write(tmp_path / "e.csv", EP_HEAD.replace(",", ";") + "A;01/05/2018;S;C2;N1;U4;PR1;;;;;;\n")
    assert recognise(path) is not None
    out = Ssda903CsvAdapter().adapt([path])
    assert issues(out, "error") == [("e.csv", "Episodes", None, None, "the file is delimited by semicolons, not "
                                     "commas: a 903 CSV is comma-separated (the DfE specification); file not used "
                                     "(send it again comma-separated)")]


def test_utf16_xml_with_its_declaration_is_read(tmp_path):
    utf8 = write(tmp_path / "a" / "903.xml", XML_SET["903_2018-19.xml"])
    text = XML_SET["903_2018-19.xml"].replace('encoding="utf-8"', 'encoding="UTF-16"')
    utf16 = write(tmp_path / "b" / "903.xml", text.encode("utf-16"))
    assert isinstance(recognise(utf16), Ssda903XmlAdapter)
    a, b = Ssda903XmlAdapter().adapt([utf8]), Ssda903XmlAdapter().adapt([utf16])
    assert not issues(b, "error")
    for table, frame in a.tables.items():
        assert frame.equals(b.tables[table]), table
    census = write(tmp_path / "c" / "csww.xml", CENSUS_2024.replace('encoding="UTF-8"', 'encoding="UTF-16"')
                   .encode("utf-16"))
    assert isinstance(recognise(census), CswwAdapter)


# ---- CSWW: the authority-level agency FTE against the workers ------------------------------------------------
def test_csww_agency_fte_contradicting_the_workers_is_reported(tmp_path):
    # the workers in post give 1.5 agency FTE (hand-worked in test_csww); the authority says 4.0
    path = write(tmp_path / "csww.xml", CENSUS_2024.replace("<NoAgencyFTE>1.50</NoAgencyFTE>",
                                                            "<NoAgencyFTE>4.00</NoAgencyFTE>"))
    out = CswwAdapter().adapt([path])
    assert ("csww.xml", "LALevelVacancies", "NoAgencyFTE", 1, "the authority-level agency FTE (<NoAgencyFTE> 4) "
            "contradicts the agency workers in post at the census date (1.5 FTE over their <CSWWWorker> records); "
            "agency_fte is the worker-level total (KPI17 reads it)") in issues(out, "warning")
    agreeing = CswwAdapter().adapt([write(tmp_path / "ok" / "csww.xml", CENSUS_2024)])
    assert not [i for i in agreeing.issues if i.column == "NoAgencyFTE"]


# ---- parsing bounds ------------------------------------------------------------------------------------------
def deep_cin(levels: int) -> str:
    return CIN_HEAD + "<a>" * levels + "</a>" * levels + CIN_TAIL


def test_deep_nesting_is_refused_with_its_location(tmp_path):
    path = write(tmp_path / "cin.xml", deep_cin(80_000))  # about 560 KB
    out = CinCensusAdapter().adapt([path])
    (err,) = issues(out, "error")
    assert err[4] == ("elements nested more than 64 levels deep at /Message/Children/Child/a/a/a/a/a/a/a/a/a/... "
                      "(within the first 65,536 bytes); refused (a return nests about 8 levels): the 0 children read "
                      "before it are kept, the rest of the file is not read")


def test_deep_nesting_in_a_903_xml_is_refused_before_its_paths_are_built(tmp_path):
    # the 903 reader builds each element's path: 80,000 levels made 80,000 paths up to 480 KB long (6.3 GB)
    text = ('<?xml version="1.0"?><EXPSSDA903><CHILD><HEADER><CHILDID>C1</CHILDID></HEADER>' + "<a>" * 5000
            + "</a>" * 5000 + "</CHILD></EXPSSDA903>")
    out = Ssda903XmlAdapter().adapt([write(tmp_path / "903.xml", text)])
    assert issues(out, "error") == [("903.xml", "CHILD", None, None, "elements nested more than 64 levels deep at "
                                     "/EXPSSDA903/CHILD/a/a/a/a/a/a/a/a/a/a/... (within the first 35,099 bytes); "
                                     "refused (a return nests about 8 levels); file not used")]


def test_deep_nesting_stays_small_in_memory(tmp_path):
    # measured in a fresh process: the bomb is refused at depth 65, never held (it took 6.3 GB before)
    path = write(tmp_path / "cin.xml", deep_cin(80_000))
    code = ("import resource, sys; from pipelines.lib.returns.cin_census import CinCensusAdapter; "
            "base = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss; "
            f"CinCensusAdapter().adapt([{str(path)!r}]); "
            "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base)")
    grew_kb = int(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                 cwd=Path(__file__).resolve().parents[3]).stdout.split()[-1])
    assert grew_kb < 64 * 1024


def test_a_huge_value_is_refused_and_never_echoed(tmp_path):
    big = "x" * (3 << 20)
    path = write(tmp_path / "cin.xml", CIN_HEAD.replace("<LAchildID>C1</LAchildID>", f"<LAchildID>{big}</LAchildID>")
                 + CIN_TAIL)
    out = CinCensusAdapter().adapt([path])
    (err,) = issues(out, "error")
    assert err[4].startswith("a value longer than 65,536 characters at "
                             "/Message/Children/Child/ChildIdentifiers/LAchildID (within the first")
    assert len(err[4]) < 300


def test_a_long_code_is_quoted_short(tmp_path):
    path = write(tmp_path / "e.csv", EP_HEAD + f"A,01/05/2018,{'Q' * 5000},C2,N1,U4,PR1,,,,,,\n")
    out = Ssda903CsvAdapter().adapt([path])
    (msg,) = [m for f, t, c, r, m in issues(out, "warning") if c == "RNE"]
    assert msg == ("code 'QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ...' (5,000 characters) is not in the 2018/19 RNE "
                   "code set; the value is used")


@pytest.mark.parametrize(("prolog", "said"), [
    ('<!DOCTYPE Message [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>',
     "the file carries a DTD (<!DOCTYPE Message>): XML with a DTD or entity declarations is refused by design "
     "(they are never expanded or fetched); send the return without it"),
    ('<!DOCTYPE Message SYSTEM "http://example.invalid/evil.dtd">',
     "the file carries a DTD (<!DOCTYPE Message>): XML with a DTD or entity declarations is refused by design "
     "(they are never expanded or fetched); send the return without it"),
])
def test_dtds_and_entities_are_refused_by_design(tmp_path, prolog, said):
    text = CIN_HEAD.replace("?>\n", "?>\n" + prolog + "\n") + CIN_TAIL
    path = write(tmp_path / "cin.xml", text)
    assert recognise(path) is None
    assert registry.refusal(path) == said
    drop = tmp_path / "in" / "2024-03-31"
    write(drop / "cin.xml", text)
    summary = stage_drop(duckdb.connect(), archive_drop(drop, tmp_path / "archive").drop, KEY, "941", registry=REGISTRY)
    assert summary.messages == [f"cin.xml: {said}; kept in the archive, not staged"]


def test_a_workbook_that_would_inflate_is_refused_before_it_is_opened(tmp_path, monkeypatch):
    from pipelines.lib.returns.annex_a import read as annex_a_read

    path = tmp_path / "annex_a.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", '<workbook><sheets><sheet name="List 1"/></sheets></workbook>')
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (3 << 20))  # 3 MB of zeros, a few KB on disk
    assert path.stat().st_size < 64 * 1024
    monkeypatch.setattr(annex_a_read, "MAX_UNCOMPRESSED", 2 << 20)  # the real bound is 256 MB: made small here
    said = ("the workbook would inflate to 3 MB (xl/worksheets/sheet1.xml: 3 MB; at most 2 MB in all); refused "
            "before it is opened")
    assert registry.refusal(path) == said
    out = AnnexAAdapter().adapt([path])
    assert issues(out, "error") == [("annex_a.xlsx", "workbook", None, None, f"{said}; nothing is staged from it")]
