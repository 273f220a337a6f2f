"""Data-quality checks (pipelines.lib.quality) on a tiny hand-made staged warehouse with known faults."""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.paths import PROJECT_ROOT

KEY = b"quality-test-key" * 2
EXTRACT = "2020-03-31"
MARCH = (date(2020, 3, 1), date(2020, 3, 31))


def _tables(bad: bool) -> dict[str, str]:
    """The current drop (extract date 2020-03-31). With bad=True each fault is noted beside its row."""
    def pick(faulty: str, clean: str) -> str:
        return faulty if bad else clean

    return {
        "ssd_person": "pers_person_id,pers_sex,pers_dob\nC1,M,2010-01-01\n"
                      f"C2,F,{pick('2020-03-10', '2019-01-01')}\nC3,F,2012-05-05\n",
        "ssd_contacts": "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_decision_date\n"
                        "CT1,C1,2020-03-02,2020-03-03\n"
                        "CT2,C2,2020-03-05,2020-03-06\n"                              # row 2: before DOB (bad)
                        f"CT3,C3,{pick('2020-04-15', '2020-03-25')},\n",             # row 3: after extract
        "ssd_cin_episodes": "cine_referral_id,cine_person_id,cine_referral_date,cine_close_reason,cine_close_date\n"
                            f"R1,C1,{pick('2020-03-10', '2020-03-01')},,\n"
                            "R2,C3,2020-03-01,RC8,2020-03-20\n",
        "ssd_cin_assessments": "cina_assessment_id,cina_person_id,cina_referral_id,cina_assessment_start_date,"
                               "cina_assessment_auth_date\n"
                               "A1,C1,R1,2020-03-05,2020-03-12\n"                      # row 1: before referral
                               f"A2,C3,R2,2020-03-04,{pick('2020-03-02', '2020-03-06')}\n",  # row 2: auth < start
        "ssd_s47_enquiry": "s47e_s47_enquiry_id,s47e_referral_id,s47e_person_id,s47e_s47_start_date,"
                           "s47e_s47_end_date\nS1,R2,C3,2020-03-20,2020-03-25\n",
        "ssd_initial_cp_conference": "icpc_icpc_id,icpc_s47_enquiry_id,icpc_person_id,icpc_referral_id,icpc_icpc_date\n"
                                     f"I1,S1,C3,R2,{pick('2020-03-15', '2020-03-25')}\n",  # row 1: ICPC < S47
        "ssd_cp_plans": "cppl_cp_plan_id,cppl_referral_id,cppl_person_id,cppl_cp_plan_start_date,"
                        "cppl_cp_plan_initial_category,cppl_cp_plan_latest_category\n"
                        f"P1,R2,C3,2020-03-26,NEG,{pick('XYZ', 'NEG')}\n",               # row 1: warning code
        "ssd_cla_episodes": "clae_cla_episode_id,clae_person_id,clae_cla_id,clae_cla_episode_start_date,"
                            "clae_cla_episode_start_reason,clae_cla_episode_ceased_date,"
                            "clae_cla_episode_ceased_reason,clae_entered_care_date\n"
                            f"E1,C1,CLA1,2020-03-01,S,{pick('', '2020-03-10,X1')}{pick(',', '')},2020-03-01\n"
                            f"E2,C1,CLA1,2020-03-10,{pick('Q', 'P')},2020-03-20,{pick('E99', 'E11')},2020-03-01\n",
        "ssd_legal_status": "lega_legal_status_id,lega_person_id,lega_legal_status,lega_legal_status_start_date\n"
                            f"L1,C1,C2,2020-03-01\nL2,C1,{pick('ZZ', 'C1')},2020-03-10\n",
        "ssd_cla_placement": "clap_cla_placement_id,clap_cla_id,clap_person_id,clap_cla_placement_start_date,"
                             "clap_cla_placement_end_date,clap_cla_placement_type,clap_cla_placement_provider\n"
                             f"PL1,CLA1,C1,2020-03-01,{pick('2020-03-20', '2020-03-15')},U1,PR1\n"
                             f"PL2,CLA1,C1,2020-03-15,,{pick('U9', 'U2')},PR1\n",
        "ssd_care_leavers": "clea_person_id,clea_care_leaver_activity,clea_care_leaver_accommodation\n"
                            f"C3,{pick('Q9', 'F1')},B1\n",
    }


def _every_column(table: str, text: str) -> str:
    """The file with the contract's other columns added blank (a column missing from a file is critical)."""
    from pipelines.lib.contract import contract

    header, *rows = text.splitlines()
    names = header.split(",")
    extra = [c for c in contract()[table].columns if c not in names]
    lines = [",".join(names + extra), *(",".join([r, *[""] * len(extra)]) for r in rows)]
    return "".join(line + "\n" for line in lines)


def _build(root: Path, bad: bool) -> duckdb.DuckDBPyConnection:
    from pipelines.lib.archive import archive_drop, archived_drops
    from pipelines.lib.returns import REGISTRY
    from pipelines.lib.staging import stage_drop

    previous = root / "landing" / "2020-02-29"
    previous.mkdir(parents=True)
    n_prev = 4 if bad else 3  # 3 contacts now: below 0.8x of 4 but not below 0.5x (bad: a warning)
    (previous / "ssd_contacts.csv").write_text(
        "cont_contact_id,cont_person_id,cont_contact_date\n"
        + "".join(f"CT{i},C1,2020-02-{i + 1:02d}\n" for i in range(1, n_prev + 1)))
    current = root / "landing" / EXTRACT
    current.mkdir()
    for name, text in _tables(bad).items():
        (current / f"{name}.csv").write_text(_every_column(name, text))
    for folder in (previous, current):
        archive_drop(folder, root / "archive")
    con = duckdb.connect(str(root / "warehouse.duckdb"))
    for drop in archived_drops(root / "archive"):
        stage_drop(con, drop, KEY, "928", registry=REGISTRY)
    _kpi_values(con, bad)
    return con


def _kpi_values(con: duckdb.DuckDBPyConnection, bad: bool) -> None:
    from pipelines.lib import db
    from pipelines.lib.kpi_cards import load_cards

    db.run(con, (PROJECT_ROOT / "sql" / "engine" / "kpi_tables.sql").read_text())
    for c in load_cards():
        if bad and c.id == "KPI02":
            continue  # missing for the month: completeness fault
        num, den, val = (6.0, 5.0, 120.0) if bad and c.id == "KPI01" else (1.0, 2.0, 50.0)
        for area in ("all", "940", "941"):  # the trust and the configured owning councils
            db.run(con, "INSERT INTO kpi_values (kpi_id, period_end, basis, area, numerator, denominator, value) "
                        "VALUES ($k, DATE '2020-03-31', 'month', $a, $n, $d, $v)",
                   {"k": c.id, "a": area, "n": num, "d": den, "v": val})


@pytest.fixture(scope="module")
def faulty(tmp_path_factory):
    from pipelines.lib.quality import run_quality

    con = _build(tmp_path_factory.mktemp("faulty"), bad=True)
    yield run_quality(con, EXTRACT, *MARCH)
    con.close()


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    from pipelines.lib.quality import run_quality

    con = _build(tmp_path_factory.mktemp("clean"), bad=False)
    yield run_quality(con, EXTRACT, *MARCH)
    con.close()


def _find(findings, rule: str, file: str, row: int | None):
    hits = [f for f in findings if f.rule == rule and (file, row) in f.locators]
    assert hits, f"no finding {rule!r} at {file}:{row}; got {[(f.rule, f.locators) for f in findings]}"
    return hits[0]


@pytest.mark.parametrize(("rule", "file", "row", "severity"), [
    ("care episodes of a child do not overlap", "ssd_cla_episodes.csv", 2, "critical"),
    ("clae_cla_episode_start_reason is a valid RNE (reason new episode) code", "ssd_cla_episodes.csv", 2, "critical"),
    ("clae_cla_episode_ceased_reason is a valid REC (reason episode ceased) code in some year",
     "ssd_cla_episodes.csv", 2, "critical"),
    ("placements of a child do not overlap", "ssd_cla_placement.csv", 2, "critical"),
    ("clap_cla_placement_type is a valid PLACE (placement type) code", "ssd_cla_placement.csv", 2, "critical"),
    ("referral on or before assessment start", "ssd_cin_assessments.csv", 1, "critical"),
    ("assessment start on or before authorisation", "ssd_cin_assessments.csv", 2, "critical"),
    ("S47 start on or before ICPC", "ssd_initial_cp_conference.csv", 1, "critical"),
    ("date of birth on or before every event", "ssd_contacts.csv", 2, "warning"),
    ("no event after the extract date", "ssd_contacts.csv", 3, "critical"),
    ("lega_legal_status is a valid LS (legal status) code", "ssd_legal_status.csv", 2, "critical"),
    ("clea_care_leaver_activity is a valid OC3 activity code", "ssd_care_leavers.csv", 1, "critical"),
    ("cppl_cp_plan_latest_category is a valid category of abuse code", "ssd_cp_plans.csv", 1, "warning"),
    ("row count within 0.8-1.25x the previous drop", "ssd_contacts.csv", None, "warning"),
])
def test_each_fault_is_found(faulty, rule, file, row, severity):
    assert _find(faulty, rule, file, row).severity == severity


def test_kpi_value_faults(faulty):
    pct = [f for f in faulty if f.table == "kpi_values" and f.rule == "percentage KPI value within 0-100"]
    # KPI01 is 120 % in each of its three rows (trust, 940, 941)
    assert pct and pct[0].severity == "critical" and pct[0].failing_count == 3
    assert {s["kpi_id"] for s in pct[0].sample} == {"KPI01"}
    ratio = [f for f in faulty if f.rule == "numerator not above denominator"]
    assert ratio and ratio[0].failing_count == 3
    missing = [f for f in faulty if f.rule == "every KPI present for every area each month"]
    assert missing and missing[0].kpis == ("KPI02",) and missing[0].failing_count == 3


def test_findings_carry_counts_samples_and_no_person_ids(faulty):
    for f in faulty:
        assert f.failing_count >= 1 and len(f.sample) <= 5
        for rec in f.sample:
            assert not any(k.endswith("person_id") for k in rec)
    episode = _find(faulty, "clae_cla_episode_start_reason is a valid RNE (reason new episode) code",
                    "ssd_cla_episodes.csv", 2)
    assert episode.sample[0]["source_row"] == 2 and episode.sample[0]["clae_cla_episode_start_reason"] == "Q"


def test_error_report_lists_every_failing_record(faulty):
    from pipelines.lib.quality import error_report_frame

    report = error_report_frame(faulty)
    assert report.columns == ["file", "table", "column", "row", "rule", "severity", "kpis_affected"]
    hit = report.filter(report["rule"] == "placements of a child do not overlap")
    assert hit.rows() == [("ssd_cla_placement.csv", "ssd_cla_placement", "clap_cla_placement_start_date", 2,
                           "placements of a child do not overlap", "critical", "KPI07, KPI08, KPI12")]
    assert report.height >= sum(len(f.locators) for f in faulty)


def test_clean_warehouse_has_no_critical_findings(clean):
    assert [(f.table, f.rule, f.locators) for f in clean if f.severity == "critical"] == []


def test_affected_kpis_from_cards():
    from pipelines.lib.quality import affected_kpis

    assert affected_kpis("ssd_contacts") == ["KPI01"]
    assert "KPI05" in affected_kpis("ssd_s47_enquiry")
    assert affected_kpis("no_such_table") == []


def _keys(obj):
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield k
            yield from _keys(v)
    elif isinstance(obj, list):
        for v in obj:
            yield from _keys(v)


def test_suites_load_are_id_less_and_name_gx_expectations(faulty):
    import great_expectations as gx  # already imported by the checks above

    from pipelines.lib.quality.gx_runner import SUITE_DIR, _class_name, suites

    tables = set(suites())
    assert {"ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry",
            "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cla_episodes", "ssd_legal_status",
            "ssd_cla_placement", "ssd_care_leavers", "ssd_permanence", "complaints", "workforce_establishment",
            "kpi_values"} <= tables
    for path in SUITE_DIR.glob("*.json"):
        suite = json.loads(path.read_text())
        assert "id" not in set(_keys(suite)), path
        for exp in suite["expectations"]:
            assert exp["severity"] in ("critical", "warning") and exp["rule"] and exp["columns"]
            assert hasattr(gx.expectations, _class_name(exp["type"])), exp["type"]


def test_great_expectations_is_imported_lazily():
    code = "import sys, pipelines.lib.quality; print('great_expectations' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_every_staged_table_has_a_suite():
    from pipelines.lib.contract import contract
    from pipelines.lib.quality.gx_runner import suites

    assert set(contract()) <= set(suites())
