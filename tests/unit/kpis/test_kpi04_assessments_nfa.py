"""KPI04: single assessments closing with no further action. Expected values worked out by hand below."""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _a(aid, person, referral, start, auth, nfa=None, team=None):
    return {"cina_assessment_id": aid, "cina_person_id": person, "cina_referral_id": referral,
            "cina_assessment_start_date": start, "cina_assessment_auth_date": auth,
            "cina_assessment_outcome_nfa": nfa, "cina_assessment_team": team}


def _ep(rid, person, reason, close, referral_date="2023-05-01"):
    return {"cine_referral_id": rid, "cine_person_id": person, "cine_referral_date": referral_date,
            "cine_close_reason": reason, "cine_close_date": close}


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc}
        for p, pc in [("P3", "NN1 1AA"), ("P5", "NN11 4AA"),                          # 941
                      ("P4", "NN14 1AA"), ("P6", "NN8 1AA"), ("P8", "NN8 1AA")]       # 940
    ])
    add(con, "ssd_cin_assessments", [
        # May
        _a("A1", "P1", "R1", "2023-05-02", "2023-05-31", nfa=True),    # flag Y wins over R1's CIN plan: 1
        _a("A2", "P2", "R2", "2023-04-20", "2023-05-02", nfa=False),   # flag N wins over R2's RC8 closure: 0
        # June (blank flags unless stated)
        _a("A3", "P3", "R3", "2023-05-02", "2023-06-01", team="T1"),   # R3 closed RC8, nothing further: 1
        _a("A4", "P4", "R4", "2023-05-10", "2023-06-05"),              # R4 closed RC9, nothing further: 1
        _a("A5", "P5", "R5", "2023-05-10", "2023-06-06", team="T1"),   # R5 RC8 but CIN plan on R5 after: 0
        # R6 RC8; an S47 of the child (no referral id) began 25 May, during the assessment (15 May - 7 Jun),
        # before R6 closed (8 Jun): further action from the assessment start -> 0
        _a("A6", "P6", "R6", "2023-05-15", "2023-06-07"),
        # R7 RC8 closed 9 Jun; a CP plan under a later referral (R7B) in Jan 2024, after closure: not
        # this referral's further action -> 1
        _a("A7", "P7", "R7", "2023-05-15", "2023-06-08", team="T1"),
        _a("A8", "P8", "R8", "2023-05-15", "2023-06-09"),              # R8 closed RC1 (not RC8/RC9): 0
        _a("A9", "P9", "R9", "2023-05-15", "2023-06-12"),              # R9 still open: 0
        # R10 RC8 closed 14 Jun; care started 1 Jul on referral R10 (after closure, but the same referral): 0
        _a("A10", "P10", "R10", "2023-05-20", "2023-06-13"),
        # R11 RC8; the child has been looked after since 2022 - a new episode on 16 Jun is not care starting: 1
        _a("A11", "P11", "R11", "2023-05-20", "2023-06-15"),
        _a("A12", "P12", None, "2023-06-01", "2023-06-30"),            # blank flag, no referral: 0
        _a("A13", "P13", "R13", "2023-06-20", "2023-06-19"),           # authorised before start: excluded
        _a("A14", "P14", "R14", "2023-06-01", None),                   # not authorised: in no period
    ])
    add(con, "ssd_cin_episodes", [
        _ep("R1", "P1", "RC8", "2023-06-01"),
        _ep("R2", "P2", "RC8", "2023-05-03"),
        _ep("R3", "P3", "RC8", "2023-06-02"),
        _ep("R4", "P4", "RC9", "2023-06-06"),
        _ep("R5", "P5", "RC8", "2023-06-30"),
        _ep("R6", "P6", "RC8", "2023-06-08"),
        _ep("R7", "P7", "RC8", "2023-06-09"),
        _ep("R7B", "P7", None, None, referral_date="2024-01-02"),
        _ep("R8", "P8", "RC1", "2023-06-10"),
        _ep("R9", "P9", None, None),
        _ep("R10", "P10", "RC8", "2023-06-14"),
        _ep("R11", "P11", "RC8", "2023-06-20"),
        _ep("R13", "P13", "RC8", "2023-06-21"),
    ])
    add(con, "ssd_cin_plans", [
        {"cinp_cin_plan_id": "CIN1", "cinp_referral_id": "R1", "cinp_person_id": "P1",
         "cinp_cin_plan_start_date": "2023-06-05"},
        {"cinp_cin_plan_id": "CIN5", "cinp_referral_id": "R5", "cinp_person_id": "P5",
         "cinp_cin_plan_start_date": "2023-06-12"},
    ])
    add(con, "ssd_s47_enquiry", [
        {"s47e_s47_enquiry_id": "S6", "s47e_referral_id": None, "s47e_person_id": "P6",
         "s47e_s47_start_date": "2023-05-25"},
    ])
    add(con, "ssd_cp_plans", [
        {"cppl_cp_plan_id": "CP7", "cppl_referral_id": "R7B", "cppl_person_id": "P7",
         "cppl_cp_plan_start_date": "2024-01-10"},
    ])
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": "E10", "clae_person_id": "P10", "clae_referral_id": "R10",
         "clae_cla_episode_start_date": "2023-07-01", "clae_entered_care_date": "2023-07-01"},
        {"clae_cla_episode_id": "E11", "clae_person_id": "P11", "clae_referral_id": None,
         "clae_cla_episode_start_date": "2023-06-16", "clae_entered_care_date": "2022-01-01"},
    ])
    run(con, "KPI04", "2023-04-30", "2023-07-31")
    return con


def test_june_month(con):
    # June: A3..A12 = 10 in the denominator; NFA: A3, A4, A7, A11 -> 4/10 = 40 %; A13 excluded
    row = value(con, "KPI04", "2023-06-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 10, 40.0)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "authorised before the assessment start: 1"


def test_june_records(con):
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI04", "2023-06-30", "month")
            if r["excluded_reason"] is None}
    assert recs == {"A3": 1.0, "A4": 1.0, "A5": 0.0, "A6": 0.0, "A7": 1.0, "A8": 0.0, "A9": 0.0,
                    "A10": 0.0, "A11": 1.0, "A12": 0.0}


def test_flag_wins(con):
    # May: A1 (flag Y despite a CIN plan on R1) 1, A2 (flag N despite RC8) 0 -> 1/2
    # (A1 authorised on the last day of May, A2 on 2 May)
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI04", "2023-05-31", "month")}
    assert recs == {"A1": 1.0, "A2": 0.0}


def test_fytd_and_empty_month(con):
    # fytd June: May 1/2 + June 4/10 -> 5/12 = 41.666667 %
    row = value(con, "KPI04", "2023-06-30", "fytd")
    assert (row["numerator"], row["denominator"]) == (5, 12)
    assert row["value"] == pytest.approx(500 / 12, abs=1e-6)
    for pe in ("2023-04-30", "2023-07-31"):
        assert value(con, "KPI04", pe, "month")["value"] is None


def test_by_area_and_team(con):
    # June 941: A3 (P3) 1, A5 (P5) 0 -> 50 %; 940: A4 (P4) 1, A6 (P6) 0, A8 (P8) 0 -> 33.33 %
    assert value(con, "KPI04", "2023-06-30", "month", area="941")["value"] == 50.0
    assert value(con, "KPI04", "2023-06-30", "month", area="940")["value"] == pytest.approx(100 / 3, abs=1e-6)
    # team T1: A3 1, A5 0, A7 1 -> 2/3
    row = value(con, "KPI04", "2023-06-30", "month", team="T1")
    assert (row["numerator"], row["denominator"]) == (2, 3)


def test_further_action_from_authorisation(con):
    # from the authorisation date, A6's S47 (25 May, before the 7 Jun authorisation) no longer counts:
    # A6 becomes NFA -> June 5/10 = 50 %; A5 (plan 12 Jun, after authorisation 6 Jun) stays 0
    run(con, "KPI04", "2023-06-30", overrides={"further_action_from": "authorisation"})
    assert value(con, "KPI04", "2023-06-30", "month")["value"] == 50.0
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI04", "2023-06-30", "month")}
    assert (recs["A6"], recs["A5"]) == (1.0, 0.0)
    run(con, "KPI04", "2023-06-30")   # restore the defaults for the other tests


def test_close_reasons_parameter():
    # RC8 only: A4 (closed RC9) is no longer NFA -> 0/1 (1/1 by default)
    con = warehouse()
    add(con, "ssd_cin_assessments", [_a("A4", "P4", "R4", "2023-05-10", "2023-06-05")])
    add(con, "ssd_cin_episodes", [_ep("R4", "P4", "RC9", "2023-06-06")])
    run(con, "KPI04", "2023-06-30")
    assert value(con, "KPI04", "2023-06-30", "month")["value"] == 100.0
    run(con, "KPI04", "2023-06-30", overrides={"nfa_close_reasons": ["RC8"]})
    assert value(con, "KPI04", "2023-06-30", "month")["value"] == 0.0
