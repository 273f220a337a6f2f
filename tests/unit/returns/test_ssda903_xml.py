"""The SSDA903 XML form (pipelines/lib/returns/ssda903_xml.py): it feeds the same core as the CSV set, so the
same history in either form gives the same contract rows; faults are located by XML path."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import db
from pipelines.lib.archive import archive_drop
from pipelines.lib.returns import ADAPTERS, REGISTRY, recognise
from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW
from pipelines.lib.returns.cin_census import CinCensusAdapter
from pipelines.lib.returns.ssda903 import Ssda903CsvAdapter
from pipelines.lib.returns.ssda903_xml import Ssda903XmlAdapter, is_903_xml
from pipelines.lib.staging import stage_drop

KEY = bytes(range(32))
EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"

# The hand-made history of test_ssda903.py as a CSV set, plus a child C9 whose DEC (30 February) is no date.
CSV_SET = {
    "903_episodes_2018-19.csv": EP_HEAD
    + "C1,01/06/2018,S,L1,N1,U4,PR1,05/06/2018,X1,,NN1 1AA,NN2 2BB,\n"
    + "C1,05/06/2018,L,C2,N1,U4,PR1,01/01/2019,X1,CARPL,NN1 1AA,NN2 2BB,\n"
    + "C1,01/01/2019,P,C2,N1,U6,PR4,,,,NN1 1AA,NN3 3CC,\n",
    "903_episodes_2019-20.csv": EP_HEAD
    + "C1,01/01/2019,P,C2,N1,U6,PR4,10/10/2019,E13,,NN1 1AA,NN3 3CC,\n"
    + "C1,01/02/2020,S,V2,N1,K2,PR4,,,,NN4 4DD,NN5 5EE,SC123456\n"
    + "C9,01/02/2020,S,C2,N1,U4,PR1,30/02/2020,E13,,,,\n",
    "903_header_2018-19.csv": HEADER_HEAD + "C1,2,15/03/2008,WBRI,UN3,,\n",
    "903_header_2019-20.csv": HEADER_HEAD + "C1,2,15/03/2008,WBRI,UN3,,\nC9,1,01/01/2012,WOTH,,,\n",
    "903_reviews_2018-19.csv": "CHILD,DOB,REVIEW,REVIEW_CODE\nC1,15/03/2008,20/06/2018,PN1\n"
                               "C1,15/03/2008,01/09/2018,PN3\n",
    "903_oc2_2019-20.csv": "CHILD,DOB,SDQ_SCORE,SDQ_REASON,CONVICTED,HEALTH_CHECK,IMMUNISATIONS,TEETH_CHECK,"
                           "HEALTH_ASSESSMENT,SUBSTANCE_MISUSE,INTERVENTION_RECEIVED,INTERVENTION_OFFERED\n"
                           "C1,15/03/2008,9,,0,1,0,1,,0,,\n",
}

# The same two years as real exports write the XML: pretty-printed, values padded, empty elements, the 2019/20
# file in a default namespace, the OC2 group and reviews inside the HEADER.
XML_SET = {
    "903_2018-19.xml": """<?xml version="1.0" encoding="utf-8"?>
<EXPSSDA903>
  <CHILD>
    <HEADER>
      <CHILDID> C1 </CHILDID><UPN>UN3</UPN><SEX>2</SEX><DOB>15/03/2008</DOB><ETHNIC>WBRI</ETHNIC><UASC/>
      <AREVIEW><REVIEW>20/06/2018</REVIEW><REVIEW_CODE>PN1</REVIEW_CODE></AREVIEW>
      <AREVIEW>
        <REVIEW>01/09/2018</REVIEW>
        <REVIEW_CODE>PN3</REVIEW_CODE>
      </AREVIEW>
      <MOTHER/><MC_DOB/>
    </HEADER>
    <EPISODE><DECOM>01/06/2018</DECOM><RNE>S</RNE><LS>L1</LS><CIN>N1</CIN><PL>U4</PL><PL_POST>NN2 2BB</PL_POST>
      <HOME_POST>NN1 1AA</HOME_POST><URN/><PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>05/06/2018</DEC><REC>X1</REC>
      <REASON_PLACE_CHANGE/></EPISODE>
    <EPISODE><DECOM>05/06/2018</DECOM><RNE>L</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><PL_POST>NN2 2BB</PL_POST>
      <HOME_POST>NN1 1AA</HOME_POST><URN/><PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>01/01/2019</DEC><REC>X1</REC>
      <REASON_PLACE_CHANGE>CARPL</REASON_PLACE_CHANGE></EPISODE>
    <EPISODE><DECOM>01/01/2019</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>U6</PL><PL_POST>NN3 3CC</PL_POST>
      <HOME_POST>NN1 1AA</HOME_POST><URN/><PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC/><REC/><REASON_PLACE_CHANGE/>
    </EPISODE>
  </CHILD>
</EXPSSDA903>
""",
    "903_2019-20.xml": """<?xml version="1.0" encoding="utf-8"?>
<EXPSSDA903 xmlns="http://example.org/ssda903">
  <CHILD>
    <HEADER>
      <CHILDID>C1</CHILDID><UPN>UN3</UPN><SEX>2</SEX><DOB>15/03/2008</DOB><ETHNIC>WBRI</ETHNIC><UASC/>
      <MOTHER/><MC_DOB/>
      <OC2><SDQ_SCORE>9</SDQ_SCORE><SDQ_REASON/><CONVICTED>0</CONVICTED><HEALTH_CHECK>1</HEALTH_CHECK>
        <IMMUNISATIONS>0</IMMUNISATIONS><TEETH_CHECK>1</TEETH_CHECK><HEALTH_ASSESSMENT/>
        <SUBSTANCE_MISUSE>0</SUBSTANCE_MISUSE><INTERVENTION_RECEIVED/><INTERVENTION_OFFERED/></OC2>
    </HEADER>
    <EPISODE><DECOM>01/01/2019</DECOM><RNE>P</RNE><LS>C2</LS><CIN>N1</CIN><PL>U6</PL><PL_POST>NN3 3CC</PL_POST>
      <HOME_POST>NN1 1AA</HOME_POST><URN/><PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC>10/10/2019</DEC><REC>E13</REC>
      <REASON_PLACE_CHANGE/></EPISODE>
    <EPISODE><DECOM>01/02/2020</DECOM><RNE>S</RNE><LS>V2</LS><CIN>N1</CIN><PL>K2</PL><PL_POST>NN5 5EE</PL_POST>
      <HOME_POST>NN4 4DD</HOME_POST><URN>SC123456</URN><PLACE_PROVIDER>PR4</PLACE_PROVIDER><DEC/><REC/>
      <REASON_PLACE_CHANGE/></EPISODE>
  </CHILD>
  <CHILD>
    <HEADER><CHILDID>C9</CHILDID><UPN/><SEX>1</SEX><DOB>01/01/2012</DOB><ETHNIC>WOTH</ETHNIC><UASC/><MOTHER/>
      <MC_DOB/></HEADER>
    <EPISODE><DECOM>01/02/2020</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL><PL_POST/><HOME_POST/>
      <URN/><PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC>30/02/2020</DEC><REC>E13</REC><REASON_PLACE_CHANGE/></EPISODE>
  </CHILD>
</EXPSSDA903>
""",
}


def write(root: Path, files: dict[str, str]) -> list[Path]:
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return [root / n for n in files]


def contract_rows(frame: pl.DataFrame) -> pl.DataFrame:
    """A frame's contract columns, in a stable order (the forms number and locate their rows differently)."""
    f = frame.drop(SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION, strict=False)
    return f.sort(f.columns, nulls_last=True)


def assert_same_tables(a, b) -> None:
    assert sorted(a.tables) == sorted(b.tables)
    for name in a.tables:
        assert contract_rows(a.tables[name]).equals(contract_rows(b.tables[name])), name


def test_hand_made_xml_gives_the_same_rows_as_the_csv_set(tmp_path):
    from_csv = Ssda903CsvAdapter().adapt(write(tmp_path / "csv", CSV_SET))
    from_xml = Ssda903XmlAdapter().adapt(write(tmp_path / "xml", XML_SET))
    assert from_xml.format == "SSDA903 XML"
    assert_same_tables(from_csv, from_xml)
    # 4 episodes of C1 (the continued one once) and C9's, whose DEC is not used
    assert from_xml.tables["ssd_cla_episodes"].height == 5
    (csv_err,) = [i for i in from_csv.issues if i.severity == "error"]
    (xml_err,) = [i for i in from_xml.issues if i.severity == "error"]
    # the CSV names row 3 of the 2019/20 Episodes file; the XML its third EPISODE and the element's path
    assert (csv_err.file, csv_err.table, csv_err.column, csv_err.row) == ("903_episodes_2019-20.csv", "Episodes",
                                                                          "DEC", 3)
    assert (xml_err.file, xml_err.table, xml_err.column, xml_err.row, xml_err.location) == (
        "903_2019-20.xml", "Episodes", "DEC", 3, "/EXPSSDA903/CHILD[2]/EPISODE[1]/DEC")
    assert xml_err.message == csv_err.message + " (at /EXPSSDA903/CHILD[2]/EPISODE[1]/DEC)"
    # rows carry their XML path
    ep = from_xml.tables["ssd_cla_episodes"].filter(pl.col("clae_person_id") == "C9")
    assert ep.select(SOURCE_FILE, SOURCE_ROW, SOURCE_LOCATION).rows() == [
        ("903_2019-20.xml", 3, "/EXPSSDA903/CHILD[2]/EPISODE[1]")]
    reviews = from_xml.tables["ssd_cla_reviews"].sort(SOURCE_ROW)
    assert reviews[SOURCE_LOCATION].to_list() == ["/EXPSSDA903/CHILD[1]/HEADER/AREVIEW[1]",
                                                  "/EXPSSDA903/CHILD[1]/HEADER/AREVIEW[2]"]


def test_recognition_and_registry(tmp_path):
    (a, b) = write(tmp_path, XML_SET)
    envelope, cin, other = write(tmp_path, {
        # a Message envelope around 903 children
        "m.xml": "<Message><Header/><Children><Child><CHILDID>A</CHILDID><EPISODE/></Child></Children></Message>",
        # the CIN census: Message/Children/Child with ChildIdentifiers, not a 903 child
        "c.xml": "<Message><Header><CollectionDetails><Collection>CIN</Collection></CollectionDetails></Header>"
                 "<Children><Child><ChildIdentifiers><LAchildID>A</LAchildID></ChildIdentifiers></Child>"
                 "</Children></Message>",
        "o.xml": "<Root><Thing/></Root>",
    }).__iter__()
    assert is_903_xml(a) and is_903_xml(b) and is_903_xml(envelope)
    assert not is_903_xml(cin) and not is_903_xml(other)
    assert isinstance(recognise(a), Ssda903XmlAdapter) and isinstance(recognise(envelope), Ssda903XmlAdapter)
    assert isinstance(recognise(cin), CinCensusAdapter) and recognise(other) is None
    # the XML form comes right after the CSV set, before the other returns
    assert [x.name for x in ADAPTERS][:3] == ["SSDA903 CSV", "SSDA903 XML", "CIN census XML"]


def test_envelope_any_case_unknown_items_and_a_broken_file(tmp_path):
    (envelope, broken) = write(tmp_path, {
        "e.xml": "<Message><Children>"
                 "<Child><Header><ChildID>A</ChildID><Sex>1</Sex><DOB>01/01/2010</DOB><Ethnic>WBRI</Ethnic>"
                 "<Colour>red</Colour></Header>"
                 "<Episodes><Episode><DECOM>01/05/2019</DECOM><RNE>S</RNE><LS>C2</LS><CIN>N1</CIN><PL>U4</PL>"
                 "<PLACE_PROVIDER>PR1</PLACE_PROVIDER><Colour>blue</Colour></Episode></Episodes></Child>"
                 "</Children></Message>",
        # the second child is cut off: the first is kept
        "b.xml": "<EXPSSDA903><CHILD><HEADER><CHILDID>B</CHILDID><SEX>2</SEX><DOB>01/01/2011</DOB></HEADER>"
                 "<EPISODE><DECOM>01/06/2019</DECOM><RNE>S</RNE></EPISODE></CHILD><CHILD><HEADER><CHILDID>C",
    }).__iter__()
    out = Ssda903XmlAdapter().adapt([envelope, broken])
    assert sorted(out.tables["ssd_person"].select("pers_person_id", "pers_sex").rows()) == [("A", "M"), ("B", "F")]
    ep = out.tables["ssd_cla_episodes"].sort("clae_person_id")
    assert ep.select("clae_person_id", "source_location").rows() == [
        ("A", "/Message/Children/Child[1]/Episodes/Episode[1]"), ("B", "/EXPSSDA903/CHILD[1]/EPISODE[1]")]
    # an unknown element is reported once per file, with its count and first path
    (unknown,) = [i for i in out.issues if "not an SSDA903 item" in i.message]
    assert (unknown.file, unknown.severity, unknown.location) == (
        "e.xml", "warning", "/Message/Children/Child[1]/Header/Colour")
    assert unknown.message.startswith("<Colour> is not an SSDA903 item; ignored (2 occurrences")
    (cut,) = [i for i in out.issues if "not well formed" in i.message]
    assert cut.file == "b.xml" and cut.severity == "error" and "the 1 children read before it are kept" in cut.message


def test_both_forms_of_one_year_use_the_csv_set(tmp_path):
    csv_paths = write(tmp_path, {n: t for n, t in CSV_SET.items() if "2019-20" in n})
    xml_paths = write(tmp_path, XML_SET)
    # one adaptation given both forms: 2018/19 comes from the XML, 2019/20 from the CSV set only
    mixed = Ssda903CsvAdapter().adapt(csv_paths + xml_paths)
    assert [(i.file, i.severity, i.message) for i in mixed.issues if "also delivered" in i.message] == [
        ("903_2019-20.xml", "warning", "2019/20 is also delivered as a CSV set: the CSV files are used and this XML "
                                       "file is not (one return per year)")]
    assert_same_tables(mixed, Ssda903CsvAdapter().adapt(write(tmp_path / "all", CSV_SET)))


# ---------------------------------------------------------------- the generated small authority, both forms

@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    from scorecard_tools.generator import generate
    from scorecard_tools.generator.returns_903_xml import write_903_xml

    root = tmp_path_factory.mktemp("gen")
    end = dt.date(2020, 3, 31)
    drop = generate(root / "gen", seed=3, size=0.03, start=dt.date(2018, 4, 1), end=end, drops=[end],
                    returns_903=True)[0]
    csvs = sorted(drop.glob("903_*.csv"))
    xmls = write_903_xml(drop, root / "xml", [2019, 2020])
    return root, csvs, xmls


def test_generated_xml_round_trip_gives_the_same_adapted_tables(generated):
    _, csvs, xmls = generated
    assert [p.name for p in xmls] == ["903_2018-19.xml", "903_2019-20.xml"]
    from_csv, from_xml = Ssda903CsvAdapter().adapt(csvs), Ssda903XmlAdapter().adapt(xmls)
    assert [i for i in from_xml.issues if i.severity == "error"] == []
    assert from_xml.tables["ssd_cla_episodes"].height > 100
    assert_same_tables(from_csv, from_xml)


def test_generated_xml_and_csv_forms_stage_identical_tables(generated):
    root, csvs, xmls = generated
    staged = {}
    for form, paths in (("csv", csvs), ("xml", xmls)):
        folder = root / form / "landing" / "2020-03-31"
        folder.mkdir(parents=True)
        for p in paths:
            (folder / p.name).write_bytes(p.read_bytes())
        con = duckdb.connect()
        stage_drop(con, archive_drop(folder, root / form / "archive").drop, KEY, "941", registry=REGISTRY)
        staged[form] = con
    from pipelines.lib.contract import contract

    compared = 0
    for table in contract().values():
        cols = ", ".join(table.columns)
        # contract columns only: source_file and source_row name each form's own file and record
        a, b = (db.rows(staged[f], f"SELECT {cols} FROM staged.{table.name} ORDER BY ALL") for f in ("csv", "xml"))
        assert a == b, table.name
        compared += bool(a)
    assert compared >= 9  # every table the 903 fills has rows


def test_xml_uasc_flag_and_duc_give_immigration_status(tmp_path):
    # U: UASC flag 1 and DUC 10/12/2020, in care from 1 May 2019 -> UASC from 2019-05-01 to 2020-12-10.
    # N: UASC empty -> no row.
    episode = ("<EPISODE><DECOM>01/05/2019</DECOM><RNE>S</RNE><LS>V2</LS><CIN>N8</CIN><PL>K2</PL><PL_POST/>"
               "<HOME_POST/><URN/><PLACE_PROVIDER>PR1</PLACE_PROVIDER><DEC/><REC/><REASON_PLACE_CHANGE/></EPISODE>")
    xml = ('<?xml version="1.0" encoding="utf-8"?>\n<EXPSSDA903>'
           "<CHILD><HEADER><CHILDID>U</CHILDID><UPN>UN4</UPN><SEX>1</SEX><DOB>01/01/2003</DOB><ETHNIC>AOTH</ETHNIC>"
           f"<UASC>1</UASC><DUC>10/12/2020</DUC></HEADER>{episode}</CHILD>"
           "<CHILD><HEADER><CHILDID>N</CHILDID><UPN/><SEX>2</SEX><DOB>01/01/2006</DOB><ETHNIC>WBRI</ETHNIC>"
           f"<UASC/></HEADER>{episode}</CHILD></EXPSSDA903>\n")
    out = Ssda903XmlAdapter().adapt(write(tmp_path, {"903_2019-20.xml": xml}))
    assert out.tables["ssd_immigration_status"].select(
        "immi_person_id", "immi_immigration_status", "immi_immigration_status_start_date",
        "immi_immigration_status_end_date").rows() == [("U", "UASC", "2019-05-01", "2020-12-10")]
