"""KPI05: ICPCs within 15 working days of the S47 start. Expected values worked out by hand below.

Bank holidays used: Fri 25 Dec 2020, Mon 28 Dec 2020 (Boxing Day substitute), Fri 1 Jan 2021.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def _s47(sid, person, start):
    return {"s47e_s47_enquiry_id": sid, "s47e_person_id": person, "s47e_s47_start_date": start}


def _icpc(iid, person, s47, held, transfer_in=None, team=None, worker=None):
    return {"icpc_icpc_id": iid, "icpc_person_id": person, "icpc_s47_enquiry_id": s47, "icpc_icpc_date": held,
            "icpc_icpc_transfer_in": transfer_in, "icpc_icpc_team": team, "icpc_icpc_worker_id": worker}


S47 = [
    # Fri 11 Dec 2020: Dec 14-18 (5), 21-24 (9), [25, 28] Dec 29-31 (12), [1 Jan] Jan 4-6 (15) -> Wed 6 Jan
    _s47("S1", "P1", "2020-12-11"),
    _s47("S2", "P2", "2020-12-11"),
    _s47("S3", "P3", "2020-10-01"),
    # Sun 3 Jan 2021 (never counted): Jan 4-8 (5), 11-15 (10), 18-22 (15) -> Fri 22 Jan
    _s47("S4", "P4", "2021-01-03"),
    _s47("S5", "P5", "2021-01-03"),
    _s47("S6", "P1", "2021-01-18"),
    _s47("S8", "P8", None),
    _s47("S10", "P10", "2021-01-20"),
    # Wed 10 Mar 2021: Mar 11-12 (2), 15-19 (7), 22-26 (12), 29-31 (15) -> Wed 31 Mar
    _s47("S11", "P11", "2021-03-10"),
    # Mon 2 Nov 2020: Nov 3-6 (4), 9-13 (9), 16-20 (14), 23 (15) -> Mon 23 Nov
    _s47("S12", "P12", "2020-11-02"),
]

ICPCS = [
    _icpc("I1", "P1", "S1", "2021-01-06", team="T1", worker="W1"),      # 15th working day: pass (blank flag)
    _icpc("I2", "P2", "S2", "2021-01-07", False, "T1", "W1"),           # 16th working day: fail
    _icpc("I3", "P3", "S3", "2021-01-08", True),                        # transfer-in: not in the measure
    _icpc("I4", "P4", "S4", "2021-01-22"),                              # weekend start, 15th: pass
    # Sat 23 Jan is after Fri 22 Jan: fail (busday_count(Sun 3, Sat 23) = 15 would wrongly pass it)
    _icpc("I5", "P5", "S5", "2021-01-23"),
    _icpc("I6", "P1", "S6", "2021-01-18", team="T1", worker="W2"),      # P1's second ICPC, same day: pass
    _icpc("I7", "P7", None, "2021-01-12"),                              # no linked S47: excluded
    _icpc("I8", "P8", "S8", "2021-01-13"),                              # S47 without a start: excluded
    _icpc("I9", "P9", "S1", None),                                      # not held: in no period
    _icpc("I10", "P10", "S10", "2021-01-19"),                           # before the S47 start: excluded
    _icpc("I11", "P11", "S11", "2021-03-31"),                           # last day of the year, 15th: pass
    _icpc("I12", "P12", "S12", "2020-12-01"),                           # first day of December: fail
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": "P1", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},   # 941
        {"addr_person_id": "P2", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},  # 940
    ])
    add(con, "ssd_s47_enquiry", S47)
    add(con, "ssd_initial_cp_conference", ICPCS)
    run(con, "KPI05", "2020-04-30", "2021-03-31")
    return con


def test_january_christmas_and_weekends(con):
    # January: I1 pass, I2 fail, I4 pass, I5 fail, I6 pass -> 3/5 = 60 %; I3 transfer-in not returned;
    # I7, I8, I10 excluded with their reasons
    row = value(con, "KPI05", "2021-01-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 5, 60.0)
    assert row["excluded_count"] == 3
    assert row["excluded_reasons"] == ("conference before the S47 start: 1; missing S47 start date: 1; "
                                       "no linked S47 enquiry: 1")


def test_records(con):
    recs = records(con, "KPI05", "2021-01-31", "month")
    assert [r["record_id"] for r in recs] == ["I1", "I10", "I2", "I4", "I5", "I6", "I7", "I8"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"I1", "I4", "I6"}


def test_first_and_last_day_and_fytd(con):
    # December: I12 (held 1 Dec, deadline 23 Nov) 0/1; March: I11 (31 Mar = deadline) 1/1
    assert value(con, "KPI05", "2020-12-31", "month")["value"] == 0.0
    assert value(con, "KPI05", "2021-03-31", "month")["value"] == 100.0
    # fytd March: 0/1 + 3/5 + 1/1 -> 4/7 = 57.142857 %
    row = value(con, "KPI05", "2021-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (4, 7)
    assert row["value"] == pytest.approx(400 / 7, abs=1e-6)
    assert row["excluded_count"] == 3
    # Q4 to date at March: January 3/5 + March 1/1 -> 4/6
    row = value(con, "KPI05", "2021-03-31", "quarter")
    assert (row["numerator"], row["denominator"]) == (4, 6)


def test_empty_month_is_null(con):
    row = value(con, "KPI05", "2021-02-28", "month")
    assert row["value"] is None and row["null_reason"] == "no records in the denominator"


def test_by_area_team_worker(con):
    # January 941 (P1): I1, I6 pass -> 100 %; 940 (P2): I2 fail -> 0 %
    assert value(con, "KPI05", "2021-01-31", "month", area="941")["value"] == 100.0
    assert value(con, "KPI05", "2021-01-31", "month", area="940")["value"] == 0.0
    # team T1: I1 pass, I2 fail, I6 pass -> 2/3; worker W1: I1 pass, I2 fail -> 1/2
    row = value(con, "KPI05", "2021-01-31", "month", team="T1")
    assert (row["numerator"], row["denominator"]) == (2, 3)
    assert value(con, "KPI05", "2021-01-31", "month", team="T1", worker="W1")["value"] == 50.0


def test_working_days_parameter():
    # I2 held Thu 7 Jan 2021 = the 16th working day after Fri 11 Dec 2020: fails at 15, passes at 16
    con = warehouse()
    add(con, "ssd_s47_enquiry", [_s47("S2", "P2", "2020-12-11")])
    add(con, "ssd_initial_cp_conference", [_icpc("I2", "P2", "S2", "2021-01-07")])
    run(con, "KPI05", "2021-01-31")
    assert value(con, "KPI05", "2021-01-31", "month")["value"] == 0.0
    run(con, "KPI05", "2021-01-31", overrides={"icpc_working_days": 16})
    assert value(con, "KPI05", "2021-01-31", "month")["value"] == 100.0
