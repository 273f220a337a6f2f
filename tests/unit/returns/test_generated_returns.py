"""The generator's statutory returns: what each year's file holds, and the drops they go into.

Each test pins a fix found by tests/integration/test_returns_consistency.py (KPIs from the returns against
KPIs from the SSD tables): a difference there that no missing item explained.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from pipelines.lib.returns.cin_census import CinCensusAdapter
from scorecard_tools.generator import REPLACED_BY_RETURNS, generate
from scorecard_tools.generator import drops as writer
from scorecard_tools.generator.returns_cin import write_cin_census

S = pl.String


def frame(data: dict[str, list]) -> pl.DataFrame:
    return pl.DataFrame(data, schema=dict.fromkeys(data, S))


def adapted(paths) -> dict[str, pl.DataFrame]:
    out = CinCensusAdapter().adapt(paths)
    assert [i for i in out.issues if i.severity == "error"] == []
    return out.tables


# ---- CIN census scope ---------------------------------------------------------------------------------------
def test_referral_stays_in_the_census_until_an_assessment_authorised_after_it_closed(tmp_path):
    # Referral 11 Feb 2021, closed 8 March 2021 (2020/21); its assessment started 12 Feb 2021 and was
    # authorised on 6 April 2021, after the closure and in 2021/22. Before the fix the referral was only in
    # the 2020/21 census (closed in it), where the authorisation had not happened: KPI03 lost it.
    tables = {
        "ssd_person": frame({"pers_person_id": ["P1"], "pers_sex": ["F"], "pers_dob": ["2010-05-05"]}),
        "ssd_cin_episodes": frame({"cine_referral_id": ["R1"], "cine_person_id": ["P1"],
                                   "cine_referral_date": ["2021-02-11"], "cine_close_date": ["2021-03-08"],
                                   "cine_close_reason": ["RC7"]}),
        "ssd_cin_assessments": frame({"cina_referral_id": ["R1"], "cina_person_id": ["P1"],
                                      "cina_assessment_start_date": ["2021-02-12"],
                                      "cina_assessment_auth_date": ["2021-04-06"]}),
    }
    old, new = write_cin_census(tables, tmp_path, [2020, 2021])
    assert "<AssessmentAuthorisationDate>" not in old.read_text()  # not yet authorised at 31 March 2021
    text = new.read_text()
    assert "<CINclosureDate>2021-03-08</CINclosureDate>" in text
    assert "<AssessmentAuthorisationDate>2021-04-06</AssessmentAuthorisationDate>" in text
    t = adapted([old, new])
    assert t["ssd_cin_assessments"].select("cina_assessment_start_date", "cina_assessment_auth_date").rows() == [
        ("2021-02-12", "2021-04-06")]
    assert t["ssd_cin_episodes"].select("cine_close_date").rows() == [("2021-03-08",)]
    # a referral closed with nothing after it stays out of the next year, as before
    tables["ssd_cin_assessments"] = frame({"cina_referral_id": ["R1"], "cina_person_id": ["P1"],
                                           "cina_assessment_start_date": ["2021-02-12"],
                                           "cina_assessment_auth_date": ["2021-03-01"]})
    [later] = write_cin_census(tables, tmp_path / "b", [2021])
    assert "<CINdetails>" not in later.read_text()


def test_s47_is_reported_in_the_year_of_its_conference(tmp_path):
    # S47 20-30 March 2020 (2019/20), conference 8 April 2020 (2020/21). Before the fix the enquiry was left
    # out of 2020/21 (it ended before 1 April), so the conference came only from CINdetails, with no S47:
    # KPI05 then excluded it ('no linked S47 enquiry') although the SSD counts it.
    tables = {
        "ssd_person": frame({"pers_person_id": ["P1"], "pers_sex": ["M"], "pers_dob": ["2012-01-01"]}),
        "ssd_cin_episodes": frame({"cine_referral_id": ["R1"], "cine_person_id": ["P1"],
                                   "cine_referral_date": ["2020-03-19"], "cine_close_date": [None]}),
        "ssd_s47_enquiry": frame({"s47e_s47_enquiry_id": ["S1"], "s47e_referral_id": ["R1"], "s47e_person_id": ["P1"],
                                  "s47e_s47_start_date": ["2020-03-20"], "s47e_s47_end_date": ["2020-03-30"]}),
        "ssd_initial_cp_conference": frame({"icpc_icpc_id": ["I1"], "icpc_s47_enquiry_id": ["S1"],
                                            "icpc_referral_id": ["R1"], "icpc_person_id": ["P1"],
                                            "icpc_icpc_target_date": ["2020-04-17"],
                                            "icpc_icpc_date": ["2020-04-08"]}),
    }
    old, new = write_cin_census(tables, tmp_path, [2019, 2020])
    assert "<DateOfInitialCPC>" not in old.read_text()
    section = new.read_text().split("<Section47>")[1].split("</Section47>")[0]
    assert "<S47ActualStartDate>2020-03-20</S47ActualStartDate>" in section
    assert "<DateOfInitialCPC>2020-04-08</DateOfInitialCPC>" in section
    assert "<InitialCPCtarget>2020-04-17</InitialCPCtarget>" in section
    t = adapted([old, new])
    icpc = t["ssd_initial_cp_conference"]
    assert icpc.select("icpc_icpc_date", "icpc_icpc_target_date").rows() == [("2020-04-08", "2020-04-17")]
    assert icpc["icpc_s47_enquiry_id"].to_list() == t["ssd_s47_enquiry"]["s47e_s47_enquiry_id"].to_list()
    assert icpc["icpc_s47_enquiry_id"].null_count() == 0


# ---- returns known as at the drop ---------------------------------------------------------------------------
def _truth() -> tuple[pl.DataFrame, dict]:
    spec = {"columns": {"cine_referral_id": "id", "cine_referral_date": "date", "cine_close_date": "date",
                        "cine_close_reason": "code"}, "key": ["cine_referral_id"]}
    o = dt.date.toordinal
    rows = [("R1", o(dt.date(2020, 3, 18)), o(dt.date(2020, 3, 25)), "RC8"),   # entered late, on 15 April 2020
            ("R2", o(dt.date(2020, 1, 6)), o(dt.date(2020, 3, 2)), "RC7"),     # close date corrected 20 April
            ("R3", o(dt.date(2020, 3, 2)), o(dt.date(2020, 5, 1)), "RC7")]     # closed after the year end
    appear = [o(dt.date(2020, 4, 15)), o(dt.date(2020, 1, 6)), o(dt.date(2020, 3, 2))]
    rev = {1: ("cine_close_date", o(dt.date(2020, 3, 5)), o(dt.date(2020, 4, 20)))}
    return writer.truth_frame("ssd_cin_episodes", spec, rows, appear, rev), spec


def test_a_return_rerun_at_the_drop_keeps_late_entries_and_corrections_but_no_later_event():
    df, spec = _truth()
    year_end, drop = dt.date(2020, 3, 31).toordinal(), dt.date(2021, 3, 31).toordinal()
    then = writer.cut(df, "ssd_cin_episodes", spec, year_end)
    # the extract of 31 March 2020: R1 not yet entered, R2's close date still the wrong 5 March, R3 open
    assert then.select("cine_referral_id", "cine_close_date", "cine_close_reason").rows() == [
        ("R2", dt.date(2020, 3, 5), "RC7"), ("R3", None, None)]
    rerun = writer.cut(df, "ssd_cin_episodes", spec, drop, events_by=year_end)
    # re-run on 31 March 2021 for 2019/20: R1 present, R2 corrected to 2 March, R3's May closure not yet
    assert rerun.select("cine_referral_id", "cine_close_date", "cine_close_reason").rows() == [
        ("R1", dt.date(2020, 3, 25), "RC8"), ("R2", dt.date(2020, 3, 2), "RC7"), ("R3", None, None)]
    # events_by on or after the drop is the plain extract
    assert writer.cut(df, "ssd_cin_episodes", spec, drop, events_by=drop + 10).equals(
        writer.cut(df, "ssd_cin_episodes", spec, drop))


# ---- the drops ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def tiny(tmp_path_factory) -> dict:
    start, end = dt.date(2018, 4, 1), dt.date(2020, 3, 31)
    root = tmp_path_factory.mktemp("tiny")
    both = generate(root / "both", seed=3, size=0.03, start=start, end=end, drops=[end], returns=True)[0]
    only = generate(root / "only", seed=3, size=0.03, start=start, end=end, drops=[end], returns_only=True)[0]
    return {"both": both, "only": only}


def test_returns_only_drop_holds_the_returns_and_the_tables_no_return_or_ssd_extract_holds(tiny):
    names = {p.name for p in tiny["only"].iterdir()}
    kinds = ("903_", "cin_census_", "csww_", "annex_a_")
    tables = {n[:-4] for n in names if not n.startswith(kinds)}
    # the corporate tables stay; every ssd_* table, the 903-only OC2 table and the establishment (the CSWW
    # census replaces it) are left out
    assert tables == {"complaints", "budget_monitoring", "information_governance_incidents", "area_lookup",
                      "local_feeds"}
    assert not tables & REPLACED_BY_RETURNS
    returns = sorted(n for n in names if n.startswith(kinds))
    assert returns == sorted(p.name for p in tiny["both"].iterdir() if p.name.startswith(kinds))
    assert {"cin_census_2018-19.xml", "cin_census_2019-20.xml", "903_episodes_2019-20.csv", "csww_2018.xml",
            "csww_2019.xml", "annex_a_2020-03-31.xlsx"} <= set(returns)
    for name in returns + [f"{t}.csv" for t in tables]:  # the same files, byte for byte, as beside the SSD
        assert (tiny["only"] / name).read_bytes() == (tiny["both"] / name).read_bytes(), name


def test_oc3_leaves_out_qualifying_care_leavers(tiny):
    leavers = pl.read_csv(tiny["both"] / "ssd_care_leavers.csv", infer_schema=False)
    qualifying = set(leavers.filter(pl.col("clea_care_leaver_eligibility") == "QUALIFYING")["clea_person_id"])
    oc3 = set()
    for year in ("2018-19", "2019-20"):
        oc3 |= set(pl.read_csv(tiny["both"] / f"903_oc3_{year}.csv", infer_schema=False)["CHILD"])
    assert oc3 and not oc3 & qualifying


def test_returns_only_refuses_a_drop_before_any_completed_year(tmp_path):
    with pytest.raises(ValueError, match="no collection year"):
        generate(tmp_path, seed=1, size=0.03, start=dt.date(2018, 4, 1), end=dt.date(2019, 2, 28),
                 drops=[dt.date(2019, 2, 28)], returns_only=True)


def test_cli_flags_choose_the_drop_kind():
    from pipelines.cli import parser

    assert parser().parse_args(["generate", "--out", "x", "--returns-only"]).returns_only
    assert parser().parse_args(["generate", "--out", "x", "--ssd-only"]).ssd_only
    with pytest.raises(SystemExit):
        parser().parse_args(["generate", "--out", "x", "--ssd-only", "--returns-only"])
