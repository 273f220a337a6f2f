"""CDS_KS08: OC2 children aged 10-17 at 31 March convicted or cautioned during the year. Expected by hand.

Ages in whole years on 31 March 2024 (10 = 10th birthday on or before it; 17 = 18th birthday after it):

child  home  dob          age   flag 2024   in the 2024 cohort?
T1     941   2014-03-31   10    yes         yes (10th birthday on 31 March) -> num
T2     941   2014-04-01    9    yes         no
T3     940   2006-04-01   17    no          yes (18th birthday the day after)
T4     940   2006-03-31   18    no          no
T5     941   blank              no          excluded: date of birth missing
T6     940   2010-02-28   14    blank       excluded: conviction not recorded
T7     none  2008-02-29   16    yes         yes ('unknown') -> num
T8     941   2012-01-01   12    yes         no: V3 short breaks at 31 March
T9     941   (not in ssd_person) no         excluded: date of birth missing
T10    940   2011-06-01   12    no          yes
Year ending 2023: T1 (aged 9) yes -> out; T3 (16) yes -> num; T10 (11) no.  Year ending 2025: T10 yes.
"""

import pytest

from tests.kpi_fixture import add, measure_value, run_measure, warehouse

PEOPLE = {  # child: (home postcode, date of birth)
    "T1": ("NN1 1AA", "2014-03-31"), "T2": ("NN1 1AA", "2014-04-01"), "T3": ("NN14 1AA", "2006-04-01"),
    "T4": ("NN14 1AA", "2006-03-31"), "T5": ("NN11 4AA", None), "T6": ("NN8 1AA", "2010-02-28"),
    "T7": (None, "2008-02-29"), "T8": ("NN1 1AA", "2012-01-01"), "T10": ("NN14 1AA", "2011-06-01"),
}
OC2 = [
    ("T1", "2024-03-31", True), ("T2", "2024-03-31", True), ("T3", "2024-03-31", False),
    ("T4", "2024-03-31", False), ("T5", "2024-03-31", False), ("T6", "2024-03-31", None),
    ("T7", "2024-03-31", True), ("T8", "2024-03-31", True), ("T9", "2024-03-31", False),
    ("T10", "2024-03-31", False),
    ("T1", "2023-03-31", True), ("T3", "2023-03-31", True), ("T10", "2023-03-31", False),
    ("T10", "2025-03-31", True),
]


def load(con):
    add(con, "cla_oc2_outcomes", [
        {"oc2_person_id": p, "oc2_year_ending": ye, "oc2_convicted": flag} for p, ye, flag in OC2
    ])
    add(con, "ssd_person", [{"pers_person_id": p, "pers_dob": dob} for p, (_, dob) in PEOPLE.items()])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc,
         "addr_address_start_date": "2010-01-01"}
        for p, (pc, _) in PEOPLE.items() if pc
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "L8", "lega_person_id": "T8", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2022-01-01"},
    ])


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS08", "2023-03-31", "2024-03-31")
    return con


def test_trust_march_2024(con):
    # den T1 T3 T7 T10 = 4; num T1 T7 = 2 -> 50 %; excluded T5 T9 (date of birth), T6 (flag)
    row = measure_value(con, "CDS_KS08", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 50.0)
    assert row["excluded_reasons"] == "conviction not recorded: 1; date of birth missing: 2"


def test_councils_march_2024(con):
    # 941: T1 -> 1/1 = 100 % (T5, T9's area: T5 941, T9 no home -> unknown); 940: T3 T10 -> 0/2 = 0 %
    row = measure_value(con, "CDS_KS08", "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"], row["excluded_count"]) == (1, 1, 100.0, 1)
    row = measure_value(con, "CDS_KS08", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"], row["excluded_count"]) == (0, 2, 0.0, 1)


def test_previous_collection_year(con):
    # year ending 2023 (31 Mar 2023 .. 29 Feb 2024): T3 T10 (T1 aged 9) -> T3 = 1/2; the 2025 row is never used
    for period_end in ("2023-03-31", "2024-02-29"):
        row = measure_value(con, "CDS_KS08", period_end, "snapshot")
        assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0), period_end


@pytest.mark.parametrize(("overrides", "expected"), [
    ({"min_age": 11}, (1, 3)),   # T1 (10) leaves: T3 T7 T10, num T7
    ({"max_age": 18}, (2, 5)),   # T4 (18) joins, not convicted
])
def test_age_band_is_a_parameter(overrides, expected):
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS08", "2024-03-31", overrides=overrides)
    row = measure_value(con, "CDS_KS08", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == expected
