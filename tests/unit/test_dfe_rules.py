"""DfE 903 / CIN census rules that change a figure, as SQL checks (sql/checks, data/reference/dfe_rules.csv).

One tiny hand-made drop holds, for every check, records that break the rule and records that keep it: each
check must flag exactly the bad rows (so it fails on a bad record and passes on a good one), with its severity.
The rules table must agree with the check files.
"""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.paths import PROJECT_ROOT

KEY = bytes(range(32))
RULES_TABLE = PROJECT_ROOT / "data" / "reference" / "dfe_rules.csv"
CHECK_DIR = PROJECT_ROOT / "sql" / "checks"
HEADER = re.compile(r"^-- DfE rules: (.+)$", re.MULTILINE)

# Each row's fault (or why it is good) is noted beside it; rows are numbered from 1 under the header.
TABLES = {
    "ssd_person": "pers_person_id,pers_sex,pers_dob\n"
                  "C1,M,2010-01-01\n"
                  "C2,F,2005-06-01\n"          # 18 on 2023-06-01
                  "C3,M,2016-01-01\n"          # under 10
                  "C4,F,2005-06-01\n"          # 18 on 2023-06-01, accommodated under V2 from before then
                  "C5,M,2012-01-01\n"
                  "C6,F,2015-01-01\n"
                  "C7,M,2012-01-01\n"          # short breaks only
                  "C8,F,2012-01-01\nC9,M,2012-01-01\nC10,F,2012-01-01\nC11,M,2012-01-01\n",
    "ssd_cla_episodes": "clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,"
                        "clae_cla_episode_start_reason,clae_cla_episode_ceased_date,clae_cla_episode_ceased_reason\n"
                        "E1,C1,CLA1,2023-01-01,S,2023-05-01,\n"       # 1: ceased, no reason
                        "E2,C1,CLA2,2023-06-01,S,,E8\n"               # 2: reason, no ceased date
                        "E3,C5,CLA3,2023-01-01,S,2023-07-01,E11\n"    # 3: good (adopted at 11)
                        "E4,C2,CLA4,2022-01-01,S,2023-08-01,E45\n"    # 4: SGO after 18; looked after past 18
                        "E5,C4,CLA5,2022-01-01,S,,\n"                 # 5: good: open past 18 under V2
                        "E6,C3,CLA6,2023-09-01,S,2023-12-31,E13\n"    # 6: good
                        "E8,C6,CLA8,2022-01-01,S,2023-02-01,E12\n"    # 7: good (adopted at 8)
                        "E10,C8,CLA10,2023-01-01,S,2023-02-01,X1\n"   # 8: good (E11 continues it)
                        "E11,C8,CLA10,2023-02-01,P,2023-03-01,X1\n"   # 9: X1 but nothing starts that day
                        "E12,C9,CLA11,2023-01-01,S,2023-02-01,E13\n"  # 10: good (ends care)
                        "E13,C9,CLA12,2023-02-01,P,2023-03-01,X1\n"   # 11: P after care ended
                        "E14,C9,CLA12,2023-03-01,S,,\n"               # 12: S although E13 ceased X1 that day
                        "E15,C10,CLA13,2023-01-01,P,2023-02-01,X1\n"  # 13: first is P (warning); X1, no next
                        "E16,C10,CLA13,2023-02-10,T,,\n"              # 14: T continues nothing (gap)
                        "E17,C7,CLA9,2023-01-01,S,2023-01-03,E13\n"   # 15: good short break (2 days)
                        "E18,C7,CLA14,2023-02-01,S,2023-03-01,E13\n"  # 16: short break of 28 days
                        + "".join(f"B{m},C11,CLA2{m},2023-0{m}-01,S,2023-0{m}-16,E13\n" for m in range(1, 7)),
                        # 17-22: 15-day breaks; the 6th brings the year to 90 days (> 75)
    "ssd_legal_status": "lega_legal_status_id,lega_person_id,lega_legal_status,lega_legal_status_start_date,"
                        "lega_legal_status_end_date\n"
                        "L1,C3,J1,2023-09-01,\n"      # 1: youth-justice status at 7
                        "L2,C1,J1,2023-02-01,\n"      # 2: good (13)
                        "L3,C4,V2,2023-05-01,\n"      # 3: V2 in force on the 18th birthday
                        "L4,C5,C2,2023-01-01,\n"
                        "L5,C7,V3,2023-01-01,\n"      # 5: short breaks
                        "L6,C11,V4,2022-01-01,\n",
    "ssd_permanence": "perm_person_id,perm_cla_id,perm_adm_decision_date,perm_matched_date,"
                      "perm_placed_for_adoption_date\n"
                      "C5,CLA3,2022-06-01,,2022-05-01\n"              # 1: placed before the decision
                      "C1,CLA1,2022-06-01,,2022-07-01\n"              # 2: good
                      "C2,CLA4,2022-01-01,2022-02-01,2022-03-01\n"    # 3: good
                      "C6,CLA8,2022-03-01,2022-04-01,2023-03-01\n",   # 4: placed after the adoption (2023-02-01)
    "ssd_cin_episodes": "cine_referral_id,cine_person_id,cine_referral_date,cine_referral_nfa\n"
                        "R1,C1,2023-04-01,Y\n"
                        "R2,C2,2023-04-01,N\n",
    "ssd_cin_assessments": "cina_assessment_id,cina_person_id,cina_referral_id,cina_assessment_start_date\n"
                           "A1,C1,R1,2023-04-03\n"    # 1: on an NFA referral
                           "A2,C2,R2,2023-04-03\n",   # 2: good
    "ssd_s47_enquiry": "s47e_s47_enquiry_id,s47e_referral_id,s47e_person_id,s47e_s47_start_date\n"
                       "S1,R1,C1,2023-04-05\n"        # 1: on an NFA referral
                       "S2,R2,C2,2023-04-05\n",       # 2: good
    "ssd_cin_plans": "cinp_cin_plan_id,cinp_referral_id,cinp_person_id,cinp_cin_plan_start_date\n"
                     "CP1,R2,C2,2023-05-01\n"         # 1: good
                     "CP2,R2,C2,2024-05-01\n",        # 2: starts after the extract (2024-03-31)
    "ssd_cp_plans": "cppl_cp_plan_id,cppl_referral_id,cppl_person_id,cppl_cp_plan_start_date\n"
                    "PP1,R1,C1,2023-05-01\n",         # 1: on an NFA referral
    "ssd_cla_placement": "clap_cla_placement_id,clap_cla_id,clap_person_id,clap_cla_placement_start_date,"
                         "clap_cla_placement_end_date,clap_cla_placement_type,clap_cla_placement_postcode,"
                         "clap_cla_placement_distance\n"
                         "PL1,CLA1,C1,2023-01-01,2023-05-01,U1,NN1 1DE,\n"    # 1: good (both located)
                         "PL2,CLA4,C2,2022-01-01,2023-08-01,U1,NN9 9ZZ,\n"    # 2: not located, no distance
                         "PL3,CLA5,C4,2022-01-01,,U1,NN9 9ZZ,12.5\n"          # 3: not located, distance recorded
                         "PL4,CLA3,C5,2023-01-01,2023-07-01,U1,NN1 5PU,\n"    # 4: the child has no home address
                         "PL5,CLA6,C3,2023-09-01,2023-12-31,U1,NN1 5PU,\n"    # 5: good (home row 4 is the fault)
                         "PL6,CLA9,C7,2023-01-01,2023-01-03,U1,,\n",          # 6: short break: left out
    "ssd_address": "addr_person_id,addr_address_type,addr_address_start_date,addr_address_end_date,"
                   "addr_address_postcode\n"
                   "C1,HOME,2015-01-01,,NN4 7PA\n"
                   "C2,HOME,2015-01-01,,NN4 7PA\n"
                   "C4,HOME,2015-01-01,,NN4 7PA\n"
                   "C3,HOME,2016-01-01,,NN9 9ZZ\n",     # 4: home postcode not located, placement PL5 no distance
    "ssd_missing": "miss_person_id,miss_missing_episode_start_date,miss_missing_episode_type,"
                   "miss_missing_episode_end_date\n"
                   "C1,2023-03-01,MISSING,2023-03-02\n"   # 1: good
                   "C1,2023-03-05,ABSENT,2023-03-04\n"    # 2: ends before it starts
                   "C1,2023-04-01,MISSING,2023-04-10\n"   # 3: good
                   "C1,2023-04-05,MISSING,2023-04-06\n"   # 4: inside row 3
                   "C2,2023-03-01,AWOL,2023-03-02\n"      # 5: unknown type
                   "C2,2023-03-10,,2023-03-11\n"          # 6: no type
                   "C99,2023-05-01,MISSING,2023-05-02\n",  # 7: a child with no person record
    "cla_oc2_outcomes": "oc2_person_id,oc2_year_ending,oc2_convicted\n"
                        "C5,2023-03-31,N\n"        # 1: care began 2023-01-01: not 12 months at the year end
                        "C4,2023-03-31,N\n",       # 2: good (looked after since 2022-01-01)
    "ssd_care_leavers": "clea_person_id,clea_care_leaver_in_touch,clea_care_leaver_latest_contact\n"
                        "C1,YES,2023-05-01\n"      # 1: good
                        "C2,DEAD,2023-05-01\n"     # 2: not a code
                        "C3,,\n",                  # 3: blank: missing data, not reported
    "ssd_cla_reviews": "clar_cla_id,clar_cla_review_due_date,clar_cla_review_date,clar_cla_review_participation\n"
                       "CLA1,2023-02-01,2023-02-01,PN1\n"  # 1: good
                       "CLA1,2023-03-01,2023-03-01,PN8\n"  # 2: not a code
                       "CLA2,2023-07-01,2023-07-01,\n"     # 3: held, no code
                       "CLA2,2023-08-01,,\n"               # 4: good (not held yet)
                       "CLA3,2023-02-01,2023-02-01,PN0\n", # 5: good (under 4)
}

EXPECTED = {
    "episode_ceased_date_and_reason": {("ssd_cla_episodes", 1, "critical"), ("ssd_cla_episodes", 2, "critical")},
    "ceased_reason_for_age": {("ssd_cla_episodes", 4, "critical")},
    "looked_after_after_18th_birthday": {("ssd_cla_episodes", 4, "critical")},
    "legal_status_for_age": {("ssd_legal_status", 1, "warning")},
    "adoption_dates_in_order": {("ssd_permanence", 1, "critical"), ("ssd_permanence", 4, "critical")},
    "activity_on_nfa_referral": {("ssd_cin_assessments", 1, "critical"), ("ssd_s47_enquiry", 1, "critical"),
                                 ("ssd_cp_plans", 1, "critical")},
    "episode_continuity": {("ssd_cla_episodes", 9, "critical"), ("ssd_cla_episodes", 11, "critical"),
                           ("ssd_cla_episodes", 12, "critical"), ("ssd_cla_episodes", 13, "warning"),
                           ("ssd_cla_episodes", 13, "critical"), ("ssd_cla_episodes", 14, "critical")},
    "short_break_length": {("ssd_cla_episodes", 16, "critical"), ("ssd_cla_episodes", 22, "critical")},
    "missing_episode_dates": {("ssd_missing", 2, "critical"), ("ssd_missing", 4, "warning")},
    "missing_episode_type": {("ssd_missing", 5, "critical"), ("ssd_missing", 6, "critical")},
    "oc2_child_in_12_month_cohort": {("cla_oc2_outcomes", 1, "critical")},
    "cin_plan_after_extract": {("ssd_cin_plans", 2, "critical")},
    "care_leaver_in_touch_code": {("ssd_care_leavers", 2, "critical")},
    "person_record_missing": {("ssd_missing", 7, "warning")},
    "review_participation_code": {("ssd_cla_reviews", 2, "warning"), ("ssd_cla_reviews", 3, "warning")},
    "postcode_not_located": {("ssd_cla_placement", 2, "critical"), ("ssd_cla_placement", 3, "warning"),
                             ("ssd_cla_placement", 4, "warning"), ("ssd_address", 4, "critical")},
}


@pytest.fixture(scope="module")
def findings(tmp_path_factory) -> list[dict]:
    from pipelines.lib.archive import archive_drop
    from pipelines.lib.quality.sql_checks import run_sql_checks
    from pipelines.lib.returns import REGISTRY
    from pipelines.lib.staging import stage_drop

    root = tmp_path_factory.mktemp("dfe")
    folder = root / "landing" / "2024-03-31"
    folder.mkdir(parents=True)
    for name, text in TABLES.items():
        (folder / f"{name}.csv").write_text(text)
    outcome = archive_drop(folder, root / "archive")
    con = duckdb.connect()
    try:
        summary = stage_drop(con, outcome.drop, KEY, "941", registry=REGISTRY)
        assert summary.messages == [] and not db_rows(con, "SELECT * FROM staged.quarantine")
        wide = run_sql_checks(con, outcome.drop.drop_id, date(2000, 1, 1), date(2024, 3, 31))
        # a run of March 2024 alone: every record is checked whatever its date (README "Data quality"), so the
        # 2022-2023 faults of the fixture must still be found
        march = run_sql_checks(con, outcome.drop.drop_id, date(2024, 3, 1), date(2024, 3, 31))
        yield wide + [dict(r, check="march:" + r["check"]) for r in march]
    finally:
        con.close()


def db_rows(con: duckdb.DuckDBPyConnection, sql: str) -> list[tuple]:
    return con.execute(sql).fetchall()


@pytest.mark.parametrize("check", sorted(EXPECTED))
def test_check_flags_exactly_the_bad_records(findings, check):
    got = {(r["table_name"], r["source_row"], r["severity"]) for r in findings if r["check"] == check}
    assert got == EXPECTED[check]


# KPI12 is a month-end snapshot: its postcode check reads the placements open in the run's months only
PERIOD_SCOPED = {"postcode_not_located"}


@pytest.mark.parametrize("check", sorted(set(EXPECTED) - PERIOD_SCOPED))
def test_check_finds_old_faults_in_a_run_of_one_month(findings, check):
    got = {(r["table_name"], r["source_row"], r["severity"]) for r in findings if r["check"] == "march:" + check}
    assert got == EXPECTED[check]


def test_postcode_findings_hold_only_kpi12(findings):
    # placement moves (KPI07, KPI08) do not read postcodes: a postcode fault must not block them
    assert {r["kpi_id"] for r in findings if r["check"] == "postcode_not_located"} == {"KPI12"}


def test_findings_name_no_person(findings):
    for r in findings:
        assert not re.search(r"\bC\d+\b", r["detail"] or ""), r


def _table() -> list[dict]:
    with RULES_TABLE.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_rules_table_is_complete_and_well_formed():
    rows = _table()
    keys = [(r["return"], r["rule_code"]) for r in rows]
    assert len(keys) == len(set(keys)), "a rule listed twice"
    assert {r["return"] for r in rows} == {"903", "CIN"}
    assert sum(1 for r in rows if r["return"] == "903") >= 300  # the validator's whole 903 list (312 rules)
    assert sum(1 for r in rows if r["return"] == "CIN") >= 100
    for r in rows:
        assert r["status"] in {"covered", "partly covered", "not covered", "gap"}, r
        assert r["reason"].strip() and r["topic"].strip(), r  # covered: what it protects; else why no figure moves
        if r["status"] in {"not covered", "gap"}:
            assert not r["check"] and not r["severity"] and not r["gx_rule"], r
        else:
            assert r["check"] and set(r["severity"].split("/")) <= {"critical", "warning"}, r


def test_the_issue_examples_are_checked():
    # issue 12 point 3: DEC/REC together, legal status against age, postcodes for distances, adoption dates in
    # order, a closure date outside the census year, activity on a no-further-action referral
    table = {(r["return"], r["rule_code"]): r for r in _table()}
    for key in [("903", "148"), ("903", "358"), ("903", "352"), ("903", "359"), ("903", "392c"), ("903", "333"),
                ("903", "331"), ("903", "521"), ("903", "552"), ("CIN", "8620"), ("CIN", "8831")]:
        assert table[key]["status"] in {"covered", "partly covered"}, key
        assert table[key]["check"], key


def test_every_check_the_table_names_exists_with_its_gx_rule():
    suites = {p.name: json.loads(p.read_text()) for p in (PROJECT_ROOT / "expectations").glob("*.json")}
    for r in _table():
        names = [n.strip() for n in r["check"].split(";") if n.strip()]
        for name in names:
            assert (PROJECT_ROOT / name).is_file(), f"{r['return']}/{r['rule_code']}: {name} missing"
        if r["gx_rule"]:
            found = [e["severity"] for n in names if n.startswith("expectations/")
                     for e in suites[Path(n).name]["expectations"] if e.get("rule") == r["gx_rule"]]
            assert found, f"{r['return']}/{r['rule_code']}: no expectation '{r['gx_rule']}' in {names}"
            assert set(found) <= set(r["severity"].split("/")), f"{r['return']}/{r['rule_code']}: severity"


def test_every_dfe_rule_check_is_registered_and_listed_with_its_severity():
    from pipelines.lib.quality.sql_checks import read_check

    table = {(r["return"], r["rule_code"]): r for r in _table()}
    headed = 0
    for path in sorted(CHECK_DIR.glob("*.sql")):
        text = path.read_text()
        m = HEADER.search(text)
        if not m:
            continue
        headed += 1
        assert read_check(path).kind == "row", f"{path.name} does not run as a record check (-- kind: row)"
        severities = set(re.findall(r"'(critical|warning)'", text))
        for code in (c.strip() for c in m.group(1).split(",")):
            ret, rule = code.split("/")
            row = table.get((ret, rule))
            assert row, f"{path.name}: DfE {code} not in the rules table"
            assert f"sql/checks/{path.name}" in row["check"].split(";"), f"{code} does not name {path.name}"
            assert set(row["severity"].split("/")) <= severities, f"{code}: severity not one {path.name} gives"
    assert headed >= 14
    # and the other way: every rule the table gives to a DfE-rule SQL check is in that check's header
    for (ret, rule), row in table.items():
        for name in filter(None, row["check"].split(";")):
            path = PROJECT_ROOT / name
            m = HEADER.search(path.read_text()) if name.startswith("sql/checks/") else None
            if m:
                assert f"{ret}/{rule}" in [c.strip() for c in m.group(1).split(",")], f"{ret}/{rule} vs {name}"
