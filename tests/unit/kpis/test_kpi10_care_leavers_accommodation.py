"""KPI10: care leavers aged 17-21 in suitable accommodation. Expected values worked out by hand.

r12 window for 31 March 2024: 1 April 2023 - 31 March 2024. Everyone below has an 18th birthday on 1 June 2023
(dob 2005-06-01) unless noted, is former relevant and in touch unless noted.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse

# (person, accommodation, accom_suitable, in touch)
LEAVERS = [
    ("A1", "B1", None, "YES"),           # no flag: digit 1 -> suitable
    ("A2", "B2", None, "YES"),           # no flag: digit 2 -> unsuitable
    ("A3", "B2", "Y", "YES"),            # the flag wins: suitable
    ("A4", "U1", "2", "YES"),            # the flag wins: unsuitable
    ("A5", "G1", None, "YES"),           # gone abroad: out
    ("A6", "H2", None, "YES"),           # deported: out
    ("A7", "R2", None, "YES"),           # residence not known: out
    ("A8", None, None, "NO"),            # not in touch, nothing recorded: in, not suitable
    ("A9", "D1", "SUITABLE", "YES"),     # suitable
    ("A10", "D1", None, "DIED"),         # died: out
    ("A11", "S2", "UNSUITABLE", "YES"),  # unsuitable
    ("A12", "B1", None, "YES"),          # V4 only (short breaks): out
    ("A13", "B1", None, "YES"),          # C2, then V3 in force when care ended: out
    # born 31 Mar 2002: 21st birthday 31 Mar 2023, the day before March's window (its 22nd does not count):
    # out in March, in February's window; suitable
    ("A14", "Z1", "1", "YES"),
]


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_person", [
        {"pers_person_id": p, "pers_dob": "2002-03-31" if p == "A14" else "2005-06-01"} for p, *_ in LEAVERS
    ])
    add(con, "ssd_care_leavers", [
        {"clea_person_id": p, "clea_care_leaver_eligibility": "FORMER RELEVANT",
         "clea_care_leaver_in_touch": touch,
         "clea_care_leaver_accommodation": acc, "clea_care_leaver_accom_suitable": suit,
         "clea_care_leaver_allocated_team": "LC1" if p in ("A1", "A2") else None}
        for p, acc, suit, touch in LEAVERS
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "S12", "lega_person_id": "A12", "lega_legal_status": "V4",
         "lega_legal_status_start_date": "2018-01-01", "lega_legal_status_end_date": "2022-01-01"},
        {"lega_legal_status_id": "S13A", "lega_person_id": "A13", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2015-01-01", "lega_legal_status_end_date": "2022-01-01"},
        {"lega_legal_status_id": "S13B", "lega_person_id": "A13", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2022-01-01", "lega_legal_status_end_date": "2023-01-01"},
    ])
    add(con, "ssd_address", [
        {"addr_person_id": "A1", "addr_address_type": "HOME", "addr_address_postcode": "NN11 4AA"},  # 941
        {"addr_person_id": "A2", "addr_address_type": "HOME", "addr_address_postcode": "NN8 1AA"},   # 940
    ])
    run(con, "KPI10", "2024-02-29", "2024-03-31")
    return con


def test_march_r12(con):
    # cohort: A1 yes, A2 no, A3 yes, A4 no, A8 no, A9 yes, A11 no -> 3/7 = 42.857143 %
    row = value(con, "KPI10", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["value"] == pytest.approx(300 / 7, abs=1e-6)
    assert row["excluded_count"] == 0


def test_records(con):
    recs = records(con, "KPI10", "2024-03-31", "r12")
    assert [r["record_id"] for r in recs] == ["A1", "A11", "A2", "A3", "A4", "A8", "A9"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A1", "A3", "A9"}


def test_by_owning_council_and_team(con):
    # 941: A1 suitable -> 100 %; 940: A2 unsuitable -> 0 %; team LC1: A1 + A2 -> 50 %
    assert value(con, "KPI10", "2024-03-31", "r12", area="941")["value"] == 100.0
    assert value(con, "KPI10", "2024-03-31", "r12", area="940")["value"] == 0.0
    assert value(con, "KPI10", "2024-03-31", "r12", team="LC1")["value"] == 50.0


def test_february_window_adds_a14(con):
    # r12 for 29 Feb 2024 (1 Mar 2023 - 29 Feb 2024) holds the 1 Jun 2023 birthdays and A14's 21st birthday
    # (31 Mar 2023, suitable) -> 4/8 = 50 %
    row = value(con, "KPI10", "2024-02-29", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 8, 50.0)


def test_empty_period_is_null(con):
    # r12 for 31 March 2018 is 1 Apr 2017 - 31 Mar 2018: the 2005 births turn 17 on 1 Jun 2022 and A14 on
    # 31 Mar 2019, so nobody
    run(con, "KPI10", "2018-03-31")
    row = value(con, "KPI10", "2018-03-31", "r12")
    assert row["denominator"] == 0 and row["value"] is None


def test_accommodation_exclusions_are_a_parameter(con):
    # nothing excluded by letter: A5 (G1 -> digit 1, suitable), A6 (H2, no), A7 (R2, no) join -> 4/10 = 40 %
    run(con, "KPI10", "2024-03-31", overrides={"excluded_accommodation_letters": []})
    row = value(con, "KPI10", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 10, 40.0)
