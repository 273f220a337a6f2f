"""KPI03: single assessments authorised within 45 working days. Expected values worked out by hand below.

2023 bank holidays used: Fri 7 Apr (Good Friday), Mon 10 Apr (Easter Monday), Mon 1 May, Mon 8 May
(coronation), Mon 29 May. 2024: Fri 29 Mar, Mon 1 Apr, Mon 6 May.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _a(aid, person, start, auth, team=None, worker=None):
    return {"cina_assessment_id": aid, "cina_person_id": person, "cina_referral_id": "R" + aid,
            "cina_assessment_start_date": start, "cina_assessment_auth_date": auth,
            "cina_assessment_team": team, "cina_assessment_worker_id": worker}


# 45 working days after Mon 3 Apr 2023: Apr 4-6 (3), [7, 10 holidays] Apr 11-14 (7), 17-21 (12), 24-28 (17),
# [1 May] May 2-5 (21), [8 May] 9-12 (25), 15-19 (30), 22-26 (35), [29 May] 30, 31, Jun 1, 2 (39),
# Jun 5-9 (44), Mon 12 Jun (45)  -> deadline Mon 12 Jun 2023
ASSESSMENTS = [
    _a("A1", "P1", "2023-04-03", "2023-06-12", "T1", "W1"),   # on the 45th working day: pass
    _a("A2", "P2", "2023-04-03", "2023-06-13", "T2", "W2"),   # 46th working day: fail
    # Sat 1 Apr start: the start day is never counted; Mon 3 Apr is the 1st, so the 45th is Fri 9 Jun;
    # authorised Mon 12 Jun: fail (busday_count from Saturday would wrongly call this 44 days: pass)
    _a("A3", "P1", "2023-04-01", "2023-06-12", "T1", "W1"),
    _a("A4", "P2", "2023-06-01", "2023-06-01", "T2", "W2"),   # same-day authorisation on the 1st: pass
    # Tue 2 May: May 3-5 (3), [8] 9-12 (7), 15-19 (12), 22-26 (17), [29] 30, 31, Jun 1, 2 (21), Jun 5-9 (26),
    # 12-16 (31), 19-23 (36), 26-30 (41), Jul 3-6 (45) -> deadline Thu 6 Jul; authorised Fri 30 Jun: pass
    _a("A8", "P1", "2023-05-02", "2023-06-30", "T2", "W2"),
    _a("A5", "P1", None, "2023-06-20", "T1", "W1"),           # no start date: excluded
    _a("A6", "P2", "2023-06-22", "2023-06-21", "T2", "W2"),   # authorised before start: excluded
    _a("A7", "P2", "2023-06-01", None),                       # not authorised: in no period
    # Mon 6 Mar: Mar 7-10 (4), 13-17 (9), 20-24 (14), 27-31 (19), Apr 3-6 (23), [7, 10] 11-14 (27), 17-21 (32),
    # 24-28 (37), [1 May] 2-5 (41), [8 May] 9-12 (45) -> deadline Fri 12 May; authorised Wed 31 May: fail
    _a("A9", "P2", "2023-03-06", "2023-05-31", "T1", "W1"),
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": "P1", "addr_address_type": "HOME", "addr_address_postcode": "NN11 4AA"},  # 941
        {"addr_person_id": "P2", "addr_address_type": "HOME", "addr_address_postcode": "NN8 1AA"},   # 940
    ])
    add(con, "ssd_cin_assessments", ASSESSMENTS)
    run(con, "KPI03", "2023-04-30", "2023-07-31")
    return con


def test_june_month(con):
    # June: A1 pass, A2 fail, A3 fail, A4 pass, A8 pass -> 3/5 = 60 %; A5, A6 excluded
    row = value(con, "KPI03", "2023-06-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 5, 60.0)
    assert row["excluded_count"] == 2
    assert row["excluded_reasons"] == ("authorised before the assessment start: 1; "
                                       "missing assessment start date: 1")


def test_records(con):
    recs = records(con, "KPI03", "2023-06-30", "month")
    assert [r["record_id"] for r in recs] == ["A1", "A2", "A3", "A4", "A5", "A6", "A8"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A1", "A4", "A8"}


def test_may_last_day_and_fytd(con):
    # May: A9 (authorised on the last day of May, 45th working day was 12 May) -> 0/1
    row = value(con, "KPI03", "2023-05-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 1, 0.0)
    # fytd June: 0/1 + 3/5 -> 3/6 = 50 %
    row = value(con, "KPI03", "2023-06-30", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 6, 50.0)


def test_empty_months_are_null(con):
    for pe in ("2023-04-30", "2023-07-31"):
        row = value(con, "KPI03", pe, "month")
        assert row["value"] is None and row["null_reason"] == "no records in the denominator"


def test_by_area_and_team(con):
    # June 941 (P1): A1 pass, A3 fail, A8 pass -> 2/3; 940 (P2): A2 fail, A4 pass -> 1/2
    assert value(con, "KPI03", "2023-06-30", "month", area="941")["value"] == pytest.approx(200 / 3, abs=1e-6)
    assert value(con, "KPI03", "2023-06-30", "month", area="940")["value"] == 50.0
    # team T1: A1 pass, A3 fail -> 50 %; T2: A2 fail, A4 pass, A8 pass -> 2/3; worker W1 in T1: 1/2
    assert value(con, "KPI03", "2023-06-30", "month", team="T1")["value"] == 50.0
    assert value(con, "KPI03", "2023-06-30", "month", team="T2")["value"] == pytest.approx(200 / 3, abs=1e-6)
    row = value(con, "KPI03", "2023-06-30", "month", team="T1", worker="W1")
    assert (row["numerator"], row["denominator"]) == (1, 2)


def test_leap_day_start():
    # Thu 29 Feb 2024: Mar 1 (1), 4-8 (6), 11-15 (11), 18-22 (16), 25-28 (20), [29 Mar, 1 Apr] Apr 2-5 (24),
    # 8-12 (29), 15-19 (34), 22-26 (39), Apr 29, 30, May 1-3 (44), [6 May] Tue 7 May (45)
    # B1 authorised Tue 7 May: pass; B2 Wed 8 May: fail -> May 2024 1/2
    con = warehouse()
    add(con, "ssd_cin_assessments", [_a("B1", "P1", "2024-02-29", "2024-05-07"),
                                     _a("B2", "P1", "2024-02-29", "2024-05-08")])
    run(con, "KPI03", "2024-05-31")
    recs = {r["record_id"]: r["numerator"] for r in records(con, "KPI03", "2024-05-31", "month")}
    assert recs == {"B1": 1.0, "B2": 0.0}


def test_working_days_parameter():
    # A2 authorised Tue 13 Jun = the 46th working day after Mon 3 Apr: fails at 45, passes at 46
    con = warehouse()
    add(con, "ssd_cin_assessments", [_a("A2", "P2", "2023-04-03", "2023-06-13")])
    run(con, "KPI03", "2023-06-30")
    assert value(con, "KPI03", "2023-06-30", "month")["value"] == 0.0
    run(con, "KPI03", "2023-06-30", overrides={"assessment_working_days": 46})
    assert value(con, "KPI03", "2023-06-30", "month")["value"] == 100.0
