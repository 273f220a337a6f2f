"""CDS_FP16: care leavers aged 19-21 in higher education (activity F1/P1). Expected values by hand.

The fixture is CDS_FP15's (the same cohort, see that test for who is in and why); r12 at 31 March 2024:
birthdays 1 April 2023 - 31 March 2024. Cohort C1 C3 C4 C6 C8 C10; activities C1 F1, C3 G4, C4 P1, C6 F2,
C8 none, C10 F4.
"""

import pytest

from tests.kpi_fixture import measure_records, measure_value, run_measure, warehouse
from tests.unit.core.test_cds_fp15_care_leavers_19_21_eet import load

M = "CDS_FP16"


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_higher_education_r12(con):
    # higher education F1/P1: C1 (F1, 19th birthday on the window's first day), C4 (P1) = 2/6 = 33.333333 %
    row = measure_value(con, M, "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (2, 6)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)
    recs = measure_records(con, M, "2024-03-31", "r12")
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"C1", "C4"}


def test_each_council(con):
    # 941: C1 C3 C4 C8 -> C1 C4 = 2/4 = 50 %; 940: C6 C10 (EET but not HE) -> 0/2 = 0 %
    assert measure_value(con, M, "2024-03-31", "r12", area="941")["value"] == 50.0
    row = measure_value(con, M, "2024-03-31", "r12", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 2, 0.0)


def test_activity_codes_are_a_parameter():
    # full-time higher education only: C1 -> 1/6 = 16.666667 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"activity_codes": ["F1"]})
    row = measure_value(con, M, "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (1, 6)
