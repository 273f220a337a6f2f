"""The SSDA903 schema as data (schemas/ssda903/*.yaml): the exact changes between collection years, the derived
code_sets.csv, and the adapter's per-year code and header checks."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines.lib.returns.ssda903 import (
    TABLES,
    Ssda903CsvAdapter,
    code_sets_rows,
    schema_for,
    schema_years,
    write_code_sets_csv,
)

ROOT = Path(__file__).resolve().parents[3]
EP_HEAD = "CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
HEADER_HEAD = "CHILD,SEX,DOB,ETHNIC,UPN,MOTHER,MC_DOB\n"


def adapt(root: Path, files: dict[str, str]):
    root.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return Ssda903CsvAdapter().adapt([root / n for n in files])


def warnings(out) -> list[tuple]:
    return [(i.file, i.table, i.column, i.row, i.message) for i in out.issues if i.severity == "warning"]


def test_schema_years_and_labels():
    # base 2017/18 plus the four difference files, named by the year ending 31 March
    assert schema_years() == [2018, 2021, 2022, 2024, 2025]
    assert schema_for("2020/21") is schema_for(2021) and schema_for("2020_21") is schema_for("2020-21")
    assert schema_for(2019).applied == () and schema_for(2019).label == "2018/19"
    assert schema_for(2030).applied == schema_for(2025).applied  # a later year is the latest schema
    with pytest.raises(ValueError, match="no SSDA903 schema before 2017/18"):
        schema_for(2017)
    with pytest.raises(ValueError, match="must follow"):
        schema_for("2020/22")


def test_exact_code_set_changes_between_years():
    years = list(range(2018, 2026))
    changes = {}
    for prev, year in zip(years, years[1:], strict=False):
        a, b = schema_for(prev).code_sets, schema_for(year).code_sets
        for name in sorted(set(a) | set(b)):
            old, new = a.get(name, frozenset()), b.get(name, frozenset())
            if old != new:
                changes[(year, name)] = (sorted(old - new), sorted(new - old))
    assert changes == {
        # 2020/21: special guardianship split by former foster carers / relatives
        (2021, "REC"): (["E43", "E44"], ["E45", "E46", "E47", "E48"]),
        # 2021/22: care leavers' activity (provisional year)
        (2022, "ACTIV"): (["F3", "P3"], ["F4", "F5", "P4", "P5"]),
        # 2023/24: social worker episodes and their end reasons
        (2024, "SW_REASON"): ([], ["ABSENC", "CHCHAN", "FCONTA", "LEFTRL", "MANAGE", "ORGRST", "OTHERS", "PCCHAN",
                                   "SWDIED", "TSPROC"]),
        # 2024/25: sex M/F/U; placement type K3
        (2025, "SEX"): (["1", "2"], ["F", "M", "U"]),
        (2025, "PLACE"): ([], ["K3"]),
    }


def test_base_code_sets_are_read_as_codes():
    base = schema_for(2018).code_sets
    # YES / NO must stay strings (a bare YES in YAML is a boolean); 0 is a code
    assert base["IN_TOUCH"] == {"YES", "NO", "DIED", "REFU", "NREQ", "RHOM"}
    assert "0" in base["ACTIV"] and "0" in base["ACCOM"] and len(base["ACCOM"]) == 33
    assert base["CIN"] == {f"N{i}" for i in range(1, 9)}  # N0 and N9 are census codes, not 903
    assert base["REVIEW_CODE"] == {f"PN{i}" for i in range(8)}
    assert len(base["PLACE"]) == 27 and len(base["ETHNIC"]) == 20 and base["MISSING"] == {"M", "A"}


def test_tables_by_year():
    assert {"SWEpisodes", "DoLo"} & set(schema_for(2023).tables) == set()
    s24 = schema_for(2024)
    assert s24.tables["SWEpisodes"].since == 2024 and s24.tables["DoLo"].provisional
    assert s24.tables["SWEpisodes"].optional == ("DOB",)
    assert schema_for(2024).tables["Header"].optional == () and schema_for(2025).tables["Header"].optional == (
        "UASC_STATUS",)
    # a header is recognised by the items every year's version of a table has
    assert TABLES["SWEpisodes"] == ("CHILD", "SW_ID", "SW_DECOM", "SW_DEC", "SW_REASON")
    assert TABLES["Episodes"] == tuple(EP_HEAD.strip().split(","))


def test_code_sets_csv_is_derived_from_the_schema(tmp_path):
    # one source of truth: the shipped file is exactly what the schema writes
    write_code_sets_csv(tmp_path / "code_sets.csv")
    assert (tmp_path / "code_sets.csv").read_text() == (ROOT / "data" / "reference" / "code_sets.csv").read_text()
    rec = {r["code"]: (r["first_year"], r["last_year"]) for r in code_sets_rows()}
    # E43/E44 valid to 2019/20 (the year before the 2020/21 file dropped them); E45-E48 from 2020/21
    assert rec["E43"] == (None, 2020) and rec["E44"] == (None, 2020)
    assert rec["E45"] == (2021, None) and rec["E48"] == (2021, None) and rec["X1"] == (None, None)


def test_unknown_code_for_the_year_is_a_row_located_warning(tmp_path):
    out = adapt(tmp_path, {
        # 2019/20: E45 is not yet a code (row 1); E43 is (row 2)
        "e1.csv": EP_HEAD + "A,01/05/2019,S,C2,N1,U4,PR1,01/06/2019,E45,,,,\n"
                            "B,01/05/2019,S,C2,N1,U4,PR1,01/06/2019,E43,,,,\n",
        # 2020/21: E43 no longer (row 1), E46 is (row 2); Q is no RNE in any year (row 2)
        "e2.csv": EP_HEAD + "C,01/05/2020,S,C2,N1,U4,PR1,01/06/2020,E43,,,,\n"
                            "D,01/05/2020,Q,C2,N1,U4,PR1,01/06/2020,E46,,,,\n",
        # 2023/24: K3 is not yet a placement type; 2024/25: it is
        "e3.csv": EP_HEAD + "E,01/05/2023,S,C2,N1,K3,PR1,01/06/2023,E13,,,,\n",
        "e4.csv": EP_HEAD + "F,01/05/2024,S,C2,N1,K3,PR1,01/06/2024,E13,,,,\n",
    })
    # (D's history, starting at a Q episode, also begins mid-care: a file-level warning, not a code)
    assert [w for w in warnings(out) if w[2] is not None] == [
        ("e1.csv", "Episodes", "REC", 1, "code 'E45' is not in the 2019/20 REC code set; the value is used"),
        ("e2.csv", "Episodes", "REC", 1, "code 'E43' is not in the 2020/21 REC code set; the value is used"),
        ("e2.csv", "Episodes", "RNE", 2, "code 'Q' is not in the 2020/21 RNE code set; the value is used"),
        ("e3.csv", "Episodes", "PLACE", 1, "code 'K3' is not in the 2023/24 PLACE code set; the value is used"),
    ]
    # the values are used as recorded (the quality checks see them)
    assert sorted(out.tables["ssd_cla_episodes"]["clae_cla_episode_ceased_reason"].to_list()) == [
        "E13", "E13", "E43", "E43", "E45", "E46"]


def test_sex_codes_by_year(tmp_path):
    out = adapt(tmp_path, {
        "h_2019-20.csv": HEADER_HEAD + "A,1,01/01/2010,WBRI,,,\n",
        # 2024/25: M/F/U as given; a 1/2 still maps to M/F but is flagged
        "h_2024-25.csv": HEADER_HEAD + "B,F,01/01/2011,WBRI,,,\nC,U,01/01/2012,WBRI,,,\nD,1,01/01/2013,WBRI,,,\n",
    })
    assert sorted(out.tables["ssd_person"].select("pers_person_id", "pers_sex").rows()) == [
        ("A", "M"), ("B", "F"), ("C", "U"), ("D", "M")]
    assert warnings(out) == [("h_2024-25.csv", "Header", "SEX", 3,
                              "code '1' is not in the 2024/25 SEX code set; the value is used")]


def test_header_checked_against_the_years_items(tmp_path):
    head = HEADER_HEAD.strip() + ",UASC_STATUS\n"
    out = adapt(tmp_path, {"h_2019-20.csv": head + "A,1,01/01/2010,WBRI,,,,0\n",
                           "h_2024-25.csv": head + "B,M,01/01/2010,WBRI,,,,1\n"})
    # UASC_STATUS is a 2024/25 Header item (read, not used); in 2019/20 it is no item of the table
    assert warnings(out) == [("h_2019-20.csv", "Header", None, None,
                              "column(s) UASC_STATUS not in the 2019/20 903 Header table; not used")]
