"""CDS_FP15: care leavers aged 19-21 in education, employment or training. Expected values by hand (the fixture
is shared with the CDS_FP16 higher-education test: the same cohort).

r12 at 31 March 2024: birthdays 1 April 2023 - 31 March 2024. r12 at 28 February 2023: 1 March 2022 -
28 February 2023; at 31 January 2023: 1 February 2022 - 31 January 2023.
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# (person, dob, eligibility, in touch, activity, council)
LEAVERS = [
    ("C1", "2004-04-01", "FORMER RELEVANT", "YES", "F1", "941"),   # 19th on 1 Apr 2023 (first day): in; HE
    ("C2", "2005-04-01", "FORMER RELEVANT", "YES", "G5", "941"),   # 18th 1 Apr 2023, 19th 1 Apr 2024: out
    ("C3", "2005-03-31", "RELEVANT", "YES", "G4", "941"),          # 19th on 31 Mar 2024 (last day): in; NEET
    ("C4", "2002-04-01", "FORMER RELEVANT", "YES", "P1", "941"),   # 21st on 1 Apr 2023: in; part-time HE
    ("C5", "2002-03-31", "FORMER RELEVANT", "YES", "F2", "940"),   # 21st 31 Mar 2023, 22nd 31 Mar 2024: out
    # leap day: 19th birthday 28 Feb 2023, 20th 29 Feb 2024 (in the March 2024 window): in; EET, not HE
    ("C6", "2004-02-29", "FORMER RELEVANT", "YES", "F2", "940"),
    ("C7", "2003-06-01", "FORMER RELEVANT", "DIED", "F1", "940"),  # died: out
    ("C8", "2003-06-01", "FORMER RELEVANT", "NO", None, "941"),    # not in touch: in, not EET
    ("C9", "2003-06-01", "FORMER RELEVANT", "YES", "F1", "940"),   # short breaks only: out
    ("C10", "2003-06-01", "FORMER RELEVANT", "YES", "F4", "940"),  # EET, not HE
    ("C11", "2003-06-01", "QUALIFYING", "YES", "F1", "940"),       # qualifying: out
]


def load(con):
    add(con, "ssd_person", [{"pers_person_id": p, "pers_dob": dob} for p, dob, *_ in LEAVERS])
    add(con, "ssd_care_leavers", [
        {"clea_person_id": p, "clea_care_leaver_eligibility": elig, "clea_care_leaver_in_touch": touch,
         "clea_care_leaver_activity": act}
        for p, _, elig, touch, act, _ in LEAVERS
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "S9", "lega_person_id": "C9", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2015-01-01", "lega_legal_status_end_date": "2021-06-01"},
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[c]}
        for p, *_, c in LEAVERS
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_FP15", "2024-03-31")
    return con


def test_eet_r12(con):
    # cohort: C1 C3 C4 C6 C8 C10 = 6; EET: C1 (F1), C4 (P1), C6 (F2), C10 (F4) = 4 -> 66.666667 %
    row = measure_value(con, "CDS_FP15", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(200 / 3, abs=1e-6)
    recs = measure_records(con, "CDS_FP15", "2024-03-31", "r12")
    assert [r["record_id"] for r in recs] == ["C1", "C10", "C3", "C4", "C6", "C8"]


def test_each_council(con):
    # 941: C1 C3 C4 C8 -> EET C1 C4 = 2/4 = 50 %; 940: C6 C10 -> EET 2/2 = 100 %
    assert measure_value(con, "CDS_FP15", "2024-03-31", "r12", area="941")["value"] == 50.0
    row = measure_value(con, "CDS_FP15", "2024-03-31", "r12", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 2, 100.0)


def test_leap_day_birthday_on_the_window_edge():
    # C6 (born 29 Feb 2004): 19th birthday 28 Feb 2023 = last day of the February 2023 window -> in;
    # in the January 2023 window (1 Feb 2022 - 31 Jan 2023) its birthday is the 18th (28 Feb 2022) -> out
    con = warehouse()
    load(con)
    run_measure(con, "CDS_FP15", "2023-01-31", "2023-02-28")
    feb = {r["record_id"] for r in measure_records(con, "CDS_FP15", "2023-02-28", "r12")}
    jan = {r["record_id"] for r in measure_records(con, "CDS_FP15", "2023-01-31", "r12")}
    assert "C6" in feb and "C6" not in jan


def test_age_band_is_a_parameter():
    # from 17: C2 (18th birthday 1 Apr 2023, NEET) joins -> EET 4/7 = 57.142857 %
    con = warehouse()
    load(con)
    run_measure(con, "CDS_FP15", "2024-03-31", overrides={"min_age": 17})
    row = measure_value(con, "CDS_FP15", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (4, 7)
