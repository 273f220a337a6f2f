"""CDS_KS04: children on a CP plan at the period end whose plan has lasted 2 years or more. Expected by hand.

"2 years or more" at a month end: started on or before the last day of the month 24 months earlier -
31 Mar 2024 -> 31 Mar 2022; 29 Feb 2024 -> last_day(28 Feb 2022) = 28 Feb 2022.

child  home  plan(s)                                        31 Mar 2024         29 Feb 2024
Q1     941   2022-03-31 -        (exactly 2 years)          num                 den (after 28 Feb 2022)
Q2     941   2022-04-01 -        (2 years less a day)       den                 den
Q3     940   2020-06-01 -                                   num                 num
Q4     940   2021-01-01 - 2024-03-31                        out (ended)         num
Q5     940   2023-06-01 -                                   den                 den
Q6     none  2021-05-05 -                                   num ('unknown')     num
Q7     941   2019-01-01 - 2021-01-01, then 2023-01-01 -     den (current plan)  den
Q8     941   2021-01-01 - and 2023-02-01 - (both open)      den (latest plan)   den
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOMES = {"Q1": "NN1 1AA", "Q2": "NN11 4AA", "Q3": "NN14 1AA", "Q4": "NN8 1AA", "Q5": "NN14 1AA",
         "Q7": "NN1 1AA", "Q8": "NN1 1AA"}
PLANS = [
    ("CP1", "Q1", "2022-03-31", None),
    ("CP2", "Q2", "2022-04-01", None),
    ("CP3", "Q3", "2020-06-01", None),
    ("CP4", "Q4", "2021-01-01", "2024-03-31"),
    ("CP5", "Q5", "2023-06-01", None),
    ("CP6", "Q6", "2021-05-05", None),
    ("CP7a", "Q7", "2019-01-01", "2021-01-01"),
    ("CP7b", "Q7", "2023-01-01", None),
    ("CP8a", "Q8", "2021-01-01", None),
    ("CP8b", "Q8", "2023-02-01", None),
]


def load(con):
    add(con, "ssd_cp_plans", [
        {"cppl_cp_plan_id": plan, "cppl_person_id": child, "cppl_cp_plan_start_date": start,
         "cppl_cp_plan_end_date": end}
        for plan, child, start, end in PLANS
    ])
    add(con, "ssd_address", [
        {"addr_person_id": child, "addr_address_type": "HOME", "addr_address_postcode": pc,
         "addr_address_start_date": "2010-01-01"}
        for child, pc in HOMES.items()
    ])


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS04", "2024-02-29", "2024-03-31")
    return con


def test_trust_march(con):
    # den Q1 Q2 Q3 Q5 Q6 Q7 Q8 = 7; num Q1 Q3 Q6 = 3 -> 42.857143 %
    row = measure_value(con, "CDS_KS04", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["value"] == pytest.approx(300 / 7, abs=1e-6)


def test_records_march(con):
    recs = measure_records(con, "CDS_KS04", "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs] == ["CP1", "CP2", "CP3", "CP5", "CP6", "CP7b", "CP8b"]
    assert [r["record_id"] for r in recs if r["numerator"] == 1] == ["CP1", "CP3", "CP6"]


def test_councils_march(con):
    # 941: Q1 Q2 Q7 Q8 -> Q1 = 1/4 = 25 %; 940: Q3 Q5 -> Q3 = 1/2 = 50 %
    row = measure_value(con, "CDS_KS04", "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 4, 25.0)
    row = measure_value(con, "CDS_KS04", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_leap_february(con):
    # cut-off 28 Feb 2022: den Q1..Q8 = 8 (Q4 still open); num Q3 Q4 Q6 = 3 -> 37.5 % (Q1 not yet 2 years)
    row = measure_value(con, "CDS_KS04", "2024-02-29", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 8, 37.5)


def test_duration_is_a_parameter():
    # 12 months: cut-off 31 Mar 2023 -> Q1 Q2 Q3 Q6 Q7 (2023-01-01) Q8 (2023-02-01) of 7; Q5 (2023-06-01) not
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS04", "2024-03-31", overrides={"duration_months": 12})
    row = measure_value(con, "CDS_KS04", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (6, 7)
