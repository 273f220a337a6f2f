"""KPI09: care leavers aged 17-21 in education, employment or training. Expected values worked out by hand.

r12 window for 31 March 2024: 1 April 2023 - 31 March 2024; for 30 April 2024: 1 May 2023 - 30 April 2024.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse

# (person, dob, eligibility, in touch, activity, team, worker)
LEAVERS = [
    # 21st birthday 1 Apr 2023 = first day of the March window; not in April's (its 22nd, 1 Apr 2024, does not
    # count); EET
    ("L1", "2002-04-01", "FORMER RELEVANT", "YES", "F1", "LC1", "W1"),
    # 21st birthday 31 Mar 2024 = last day of the March window (and in April's); NEET
    ("L2", "2003-03-31", "FORMER RELEVANT", "YES", "G4", "LC2", "W2"),
    # 21st birthday 31 Mar 2023, 22nd 31 Mar 2024: no 17th-21st birthday in the window
    ("L3", "2002-03-31", "FORMER RELEVANT", "YES", "F1", None, None),
    # 17th birthday 1 Apr 2024: outside March's window, inside April's; NEET
    ("L4", "2007-04-01", "RELEVANT", "YES", "G5", None, None),
    # the rest have an 18th birthday on 1 Jun 2023 (in both windows)
    ("L5", "2005-06-01", "FORMER RELEVANT", "DIED", "F2", None, None),   # died: out
    ("L6", "2005-06-01", "FORMER RELEVANT", "RHOM", "F4", None, None),   # returned home: out
    ("L7", "2005-06-01", "FORMER RELEVANT", "NO", None, None, None),     # not in touch: in, not EET
    ("L8", "2005-06-01", "FORMER RELEVANT", "REFU", "P3", "LC1", "W1"),  # refused: in, EET
    ("L9", "2005-06-01", "FORMER RELEVANT", "NREQ", "G6", None, None),   # no longer requiring: in, NEET
    ("L10", "2005-06-01", "FORMER RELEVANT", "YES", "F1", None, None),   # V3 only: out
    ("L11", "2005-06-01", "FORMER RELEVANT", "YES", "F1", None, None),   # C2 then V3 when care ended: out
    ("L12", "2005-06-01", "FORMER RELEVANT", "YES", "F3", None, None),   # V3 then C2 when care ended: in, EET
    ("L13", "2005-06-01", "QUALIFYING", "YES", "F1", None, None),        # qualifying care leaver: out
    ("L14", "2005-06-01", "FORMER RELEVANT", "YES", "F1", None, None),   # death date 1 Dec 2023: out
    ("L15", None, "FORMER RELEVANT", "YES", "F1", None, None),           # no date of birth: left out
]


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_person", [
        {"pers_person_id": p, "pers_dob": dob, "pers_death_date": "2023-12-01" if p == "L14" else None}
        for p, dob, *_ in LEAVERS
    ])
    add(con, "ssd_care_leavers", [
        {"clea_person_id": p, "clea_care_leaver_eligibility": elig, "clea_care_leaver_in_touch": touch,
         "clea_care_leaver_activity": act, "clea_care_leaver_allocated_team": team,
         "clea_care_leaver_worker_id": worker}
        for p, _, elig, touch, act, team, worker in LEAVERS
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "S10", "lega_person_id": "L10", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2019-01-01", "lega_legal_status_end_date": "2021-06-01"},
        {"lega_legal_status_id": "S11A", "lega_person_id": "L11", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2015-01-01", "lega_legal_status_end_date": "2020-01-01"},
        {"lega_legal_status_id": "S11B", "lega_person_id": "L11", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2020-01-01", "lega_legal_status_end_date": "2022-01-01"},
        {"lega_legal_status_id": "S12A", "lega_person_id": "L12", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2015-01-01", "lega_legal_status_end_date": "2020-01-01"},
        {"lega_legal_status_id": "S12B", "lega_person_id": "L12", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2020-01-01", "lega_legal_status_end_date": "2023-06-01"},
    ])
    add(con, "ssd_address", [
        {"addr_person_id": "L1", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},   # 941
        {"addr_person_id": "L2", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},  # 940
    ])
    run(con, "KPI09", "2024-03-31", "2024-04-30")
    return con


def test_march_r12(con):
    # in the cohort: L1 (EET), L2 (NEET), L7 (no activity), L8 (EET), L9 (NEET), L12 (EET) -> 3/6 = 50 %
    row = value(con, "KPI09", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 6, 50.0)
    assert row["excluded_count"] == 0


def test_cohort_members(con):
    # died (L5, L14), returned home (L6), short breaks (L10, L11), qualifying (L13), outside the window
    # (L3, L4) and no date of birth (L15) are not in the cohort at all
    recs = records(con, "KPI09", "2024-03-31", "r12")
    assert [r["record_id"] for r in recs] == ["L1", "L12", "L2", "L7", "L8", "L9"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"L1", "L12", "L8"}


def test_april_window_moves(con):
    # L1 (21st birthday 1 Apr 2023) drops out, L4 (17th birthday 1 Apr 2024, NEET) comes in:
    # L2 no, L4 no, L7 no, L8 yes, L9 no, L12 yes -> 2/6 = 33.333333 %
    row = value(con, "KPI09", "2024-04-30", "r12")
    assert (row["numerator"], row["denominator"]) == (2, 6)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)


def test_by_owning_council_and_team(con):
    # 941: L1 EET -> 100 %; 940: L2 NEET -> 0 %; the rest have no home address -> 'unknown' 2/4
    assert value(con, "KPI09", "2024-03-31", "r12", area="941")["value"] == 100.0
    assert value(con, "KPI09", "2024-03-31", "r12", area="940")["value"] == 0.0
    assert value(con, "KPI09", "2024-03-31", "r12", area="unknown")["value"] == 50.0
    # team LC1: L1 and L8, both EET; worker W1 in LC1 holds both
    assert value(con, "KPI09", "2024-03-31", "r12", team="LC1")["value"] == 100.0
    row = value(con, "KPI09", "2024-03-31", "r12", team="LC1", worker="W1")
    assert (row["numerator"], row["denominator"]) == (2, 2)


def test_leap_day_birthday():
    # born 29 Feb 2004: 17th birthday = 29 Feb 2004 + 17 years = 28 Feb 2021 (the interval added to the
    # earlier date). r12 for 28 Feb 2021 is 1 Mar 2020 - 28 Feb 2021: in (1/1). r12 for 31 Jan 2021 is
    # 1 Feb 2020 - 31 Jan 2021: out (no 17th-21st birthday), so NULL.
    con = warehouse()
    add(con, "ssd_person", [{"pers_person_id": "LP", "pers_dob": "2004-02-29"}])
    add(con, "ssd_care_leavers", [{"clea_person_id": "LP", "clea_care_leaver_eligibility": "RELEVANT",
                                   "clea_care_leaver_in_touch": "YES", "clea_care_leaver_activity": "F2"}])
    run(con, "KPI09", "2021-01-31", "2021-02-28")
    row = value(con, "KPI09", "2021-02-28", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 100.0)
    jan = value(con, "KPI09", "2021-01-31", "r12")
    assert jan["denominator"] == 0 and jan["value"] is None
    assert jan["null_reason"] == "no records in the denominator"


def test_empty_period_is_null(con):
    # r12 for 31 March 2015 (1 Apr 2014 - 31 Mar 2015): the earliest 17th birthday is L3's, 31 Mar 2019
    run(con, "KPI09", "2015-03-31")
    row = value(con, "KPI09", "2015-03-31", "r12")
    assert row["value"] is None and row["denominator"] == 0
    assert value(con, "KPI09", "2015-03-31", "r12", area="941")["value"] is None


def test_returned_home_back_in_by_parameter(con):
    # only DIED excluded: L6 (returned home, F4 = EET) joins March -> 4/7 = 57.142857 %
    run(con, "KPI09", "2024-03-31", overrides={"excluded_in_touch": ["DIED"]})
    row = value(con, "KPI09", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (4, 7)
    assert row["value"] == pytest.approx(400 / 7, abs=1e-6)
