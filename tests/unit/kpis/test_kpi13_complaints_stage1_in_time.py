"""KPI13: stage 1 complaints responded to within 10 working days (deadline-based). Expected values by hand.

2022 bank holidays used: Thu 2 and Fri 3 Jun (platinum jubilee), Mon 19 Sep (state funeral).
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _c(cid, received, responded, stage=1, due=None, extension=None, team=None):
    return {"complaint_id": cid, "received_date": received, "responded_date": responded, "stage": stage,
            "response_due_date": due, "extension_agreed": extension, "team": team}


COMPLAINTS = [
    # Thu 26 May: May 27 (1), 30-Jun 1 (4), [2, 3 Jun] Jun 6-10 (9), Mon 13 Jun (10) -> deadline 13 Jun
    _c("C1", "2022-05-26", "2022-06-13"),                       # on the deadline: pass (June)
    _c("C2", "2022-05-26", "2022-06-14"),                       # a day late: fail (June)
    # Mon 5 Sep, extension: Sep 6-9 (4), 12-16 (9), [19] 20-23 (13), 26-30 (18), Oct 3-4 (20) -> Tue 4 Oct
    _c("C3", "2022-09-05", "2022-10-04", extension=True, team="T1"),   # pass, placed in October
    # Mon 5 Sep, no extension: Sep 6-9 (4), 12-16 (9), [19] Tue 20 Sep (10) -> responded 20 Sep: pass
    # (without the funeral holiday the deadline would be 19 Sep and this would fail)
    _c("C4", "2022-09-05", "2022-09-20", extension=False, team="T1"),
    # recorded due date Fri 30 Sep (last day of September) is the deadline (derived would be Thu 15 Sep):
    # responded 29 Sep: pass
    _c("C5", "2022-09-01", "2022-09-29", due="2022-09-30", team="T1"),
    # Mon 12 Sep: Sep 13-16 (4), [19] 20-23 (8), 26-27 (10) -> Tue 27 Sep; never responded: fail (September)
    _c("C6", "2022-09-12", None, team="T2"),
    _c("C7", "2022-09-05", None, stage=2),                      # stage 2: not in KPI13
    # Wed 14 Sep: Sep 15-16 (2), [19] 20-23 (6), 26-29 (10) -> Thu 29 Sep; responded before receipt: excluded
    _c("C8", "2022-09-14", "2022-09-13"),
    _c("C9", None, "2022-09-20"),                               # no received date, no due date: no period
    # Fri 18 Mar: Mar 21-25 (5), 28-Apr 1 (10) -> Fri 1 Apr 2022, first day of the year: received in
    # 2021/22, placed in April 2022; responded 30 Mar: pass
    _c("C10", "2022-03-18", "2022-03-30"),
    # extension agreed but a due date of Thu 8 Sep recorded: the due date wins; responded 9 Sep: fail
    _c("C11", "2022-09-01", "2022-09-09", due="2022-09-08", extension=True, team="T3"),
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_department", [
        {"dept_team_id": "T1", "dept_team_parent_id": "941"},
        {"dept_team_id": "T2", "dept_team_parent_id": "940"},
        {"dept_team_id": "T3", "dept_team_parent_id": "CORPORATE"},   # not an owning council -> unknown
    ])
    add(con, "complaints", COMPLAINTS)
    run(con, "KPI13", "2022-04-30", "2022-12-31")
    return con


def test_september(con):
    # deadlines in September: C4 pass, C5 pass, C6 fail, C11 fail -> 2/4; C8 excluded
    row = value(con, "KPI13", "2022-09-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 50.0)
    assert row["excluded_count"] == 1 and row["excluded_reasons"] == "response before receipt: 1"
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI13", "2022-09-30", "month")}
    assert recs == {"C4": 1.0, "C5": 1.0, "C6": 0.0, "C8": 0.0, "C11": 0.0}


def test_june_jubilee(con):
    # June: C1 (13 Jun) pass, C2 (14 Jun) fail -> 1/2
    row = value(con, "KPI13", "2022-06-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_deadline_placement(con):
    # October: only C3 (received 5 Sep, extended deadline 4 Oct) -> 1/1
    # April: only C10 (received March 2022, deadline 1 Apr) -> 1/1
    for pe in ("2022-10-31", "2022-04-30"):
        row = value(con, "KPI13", pe, "month")
        assert (row["numerator"], row["denominator"]) == (1, 1)


def test_fytd_and_quarters(con):
    # fytd October: num C10, C1, C4, C5, C3 = 5; den + C2, C6, C11 = 8 -> 62.5 %
    row = value(con, "KPI13", "2022-10-31", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (5, 8, 62.5)
    # Q3 to date at October: C3 only; Q2 at September (Jul-Sep): 2/4
    assert value(con, "KPI13", "2022-10-31", "quarter")["value"] == 100.0
    assert value(con, "KPI13", "2022-09-30", "quarter")["value"] == 50.0


def test_empty_month_is_null(con):
    row = value(con, "KPI13", "2022-11-30", "month")
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"


def test_area_from_team(con):
    # September: 941 (T1): C4, C5 pass -> 100 %; 940 (T2): C6 fail -> 0 %;
    # unknown: C11 (T3 under no owning council) 0/1, plus C8 (no team) excluded
    assert value(con, "KPI13", "2022-09-30", "month", area="941")["value"] == 100.0
    assert value(con, "KPI13", "2022-09-30", "month", area="940")["value"] == 0.0
    unknown = value(con, "KPI13", "2022-09-30", "month", area="unknown")
    assert (unknown["numerator"], unknown["denominator"], unknown["excluded_count"]) == (0, 1, 1)
    assert value(con, "KPI13", "2022-09-30", "month", team="T1")["value"] == 100.0


def test_recorded_due_date_can_be_ignored():
    # use_recorded_due_date false: C5 deadline = 10th working day after Thu 1 Sep = Thu 15 Sep
    # (Sep 2 (1), 5-9 (6), 12-15 (10)), responded 29 Sep: fail; C11 (extension) = 20th working day:
    # Sep 2 (1), 5-9 (6), 12-16 (11), [19] 20-23 (15), 26-30 (20) -> Fri 30 Sep, responded 9 Sep: pass
    con = warehouse()
    add(con, "complaints", [COMPLAINTS[4], COMPLAINTS[10]])
    run(con, "KPI13", "2022-09-30", overrides={"use_recorded_due_date": False})
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI13", "2022-09-30", "month")}
    assert recs == {"C5": 0.0, "C11": 1.0}


def test_working_days_parameter():
    # 11 working days: C2's deadline moves from Mon 13 Jun to Tue 14 Jun -> responded 14 Jun passes
    con = warehouse()
    add(con, "complaints", [COMPLAINTS[1]])
    run(con, "KPI13", "2022-06-30")
    assert value(con, "KPI13", "2022-06-30", "month")["value"] == 0.0
    run(con, "KPI13", "2022-06-30", overrides={"response_working_days": 11})
    assert value(con, "KPI13", "2022-06-30", "month")["value"] == 100.0


# --- Area: the child's home council, whatever team handled the complaint (the team's only when no child is
# named). Team TN is North Northamptonshire's (940), TW West Northamptonshire's (941); P_N lives in 940 (NN14),
# P_W in 941 (latest HOME NN1; an earlier home was NN14), P_X in Liverpool (other), P_U has no address.
HOMES = [
    {"addr_person_id": "P_N", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA",
     "addr_address_start_date": "2019-01-01"},
    {"addr_person_id": "P_W", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA",
     "addr_address_start_date": "2019-01-01", "addr_address_end_date": "2021-06-30"},
    {"addr_person_id": "P_W", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA",
     "addr_address_start_date": "2021-07-01"},
    {"addr_person_id": "P_X", "addr_address_type": "HOME", "addr_address_postcode": "L1 0AA",
     "addr_address_start_date": "2019-01-01"},
]


def _k(cid, person, team, due, responded):
    # recorded due dates are the deadlines (no working-day arithmetic needed)
    return {"complaint_id": cid, "person_id": person, "team": team, "stage": 1, "received_date": "2022-09-01",
            "response_due_date": due, "responded_date": responded}


@pytest.fixture(scope="module")
def homes():
    con = warehouse()
    add(con, "ssd_department", [{"dept_team_id": "TN", "dept_team_parent_id": "940"},
                                {"dept_team_id": "TW", "dept_team_parent_id": "941"}])
    add(con, "ssd_address", HOMES)
    add(con, "complaints", [
        _k("K1", "P_N", "TW", "2022-09-15", "2022-09-14"),   # 940 child, 941 team: pass -> 940
        _k("K2", "P_W", "TN", "2022-09-15", "2022-09-20"),   # 941 child, 940 team: fail -> 941
        _k("K3", "P_W", "TW", "2022-09-15", "2022-09-15"),   # 941 child, 941 team: pass -> 941
        _k("K4", None, "TN", "2022-09-15", "2022-09-01"),    # no child: the team's council 940, pass
        _k("K5", None, "TW", "2022-09-15", None),            # no child: the team's council 941, fail
        _k("K6", "P_U", "TN", "2022-09-15", "2022-09-10"),   # child with no home: unknown (not 940), pass
        _k("K8", "P_X", "TN", "2022-09-15", "2022-09-10"),   # child living outside: other, pass
        _k("K7", "P_N", "TW", "2022-10-14", "2022-10-17"),   # October: 940 child, 941 team, fail -> 940
    ])
    run(con, "KPI13", "2022-09-30", "2022-10-31")
    return con


def test_area_is_the_childs_home_council_month(homes):
    # September: 940 = K1 pass, K4 pass -> 2/2 = 100 %; 941 = K2 fail, K3 pass, K5 fail -> 1/3;
    # (by the handling team it would be 940 = K2, K4, K6 -> 2/3 and 941 = K1, K3, K5 -> 2/3)
    n = value(homes, "KPI13", "2022-09-30", "month", area="940")
    assert (n["numerator"], n["denominator"], n["value"]) == (2, 2, 100.0)
    w = value(homes, "KPI13", "2022-09-30", "month", area="941")
    assert (w["numerator"], w["denominator"], w["value"]) == (1, 3, pytest.approx(100 / 3, abs=1e-6))
    u = value(homes, "KPI13", "2022-09-30", "month", area="unknown")
    assert (u["numerator"], u["denominator"]) == (1, 1)
    o = value(homes, "KPI13", "2022-09-30", "month", area="other")
    assert (o["numerator"], o["denominator"]) == (1, 1)
    # the trust holds every complaint once: 5/7; the team breakdown still follows the handling team
    a = value(homes, "KPI13", "2022-09-30", "month")
    assert (a["numerator"], a["denominator"]) == (5, 7)
    tw = value(homes, "KPI13", "2022-09-30", "month", team="TW")
    assert (tw["numerator"], tw["denominator"]) == (2, 3)   # K1, K3 pass, K5 fail


def test_area_is_the_childs_home_council_fytd(homes):
    # fytd to October (the headline basis): 940 = K1, K4 pass, K7 fail -> 2/3; 941 = K3 pass, K2, K5 fail -> 1/3
    n = value(homes, "KPI13", "2022-10-31", "fytd", area="940")
    assert (n["numerator"], n["denominator"]) == (2, 3)
    w = value(homes, "KPI13", "2022-10-31", "fytd", area="941")
    assert (w["numerator"], w["denominator"]) == (1, 3)
    a = value(homes, "KPI13", "2022-10-31", "fytd")
    assert (a["numerator"], a["denominator"]) == (5, 8)
