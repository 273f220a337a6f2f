"""CDS_KS03: children on a CP plan at the period end per 10,000 children aged 0-17. Expected values by hand.

Populations (data/reference/population_0_17.csv, ONS mid-year, the shipped file):
  928 Northamptonshire mid-2020 170,287 (940/941 have no estimate before mid-2021)
  940 mid-2021 79,186   mid-2023 81,494   mid-2024 83,113
  941 mid-2021 92,050   mid-2023 95,133   mid-2024 96,295
  trust = 940 + 941: mid-2021 171,236; mid-2023 176,627; mid-2024 179,408
Estimate for a period end = latest 30 June on or before it: 31 Mar 2021 -> mid-2020 (928), 30 Jun 2021 -> mid-2021,
31 Mar 2024 and 31 May 2024 -> mid-2023, 30 Jun 2024 -> mid-2024, 30 Jun 2025 -> mid-2025, not shipped: mid-2024.

child  home   plans                                      open at 31 Mar 2024?
P1     940    2023-01-01 -                               yes
P2     940    2023-05-01 - and 2023-06-01 - (two open)   yes, counted once
P3     941    2023-10-01 - 2024-03-31                    no (ends on the period end)
P4     941    2024-03-31 -                               yes (starts on the period end)
P5     other  2022-01-01 -                               yes (Liverpool: trust only)
P6     none   2020-01-01 -                               yes ('unknown': trust only)
P7     941    2024-04-15 -                               no (from April)
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOMES = {"P1": "NN14 1AA", "P2": "NN8 1AA", "P3": "NN1 1AA", "P4": "NN11 4AA", "P5": "L1 0AA", "P7": "NN1 1AA"}
PLANS = [
    ("CP1", "P1", "2023-01-01", None),
    ("CP2a", "P2", "2023-05-01", None),
    ("CP2b", "P2", "2023-06-01", None),
    ("CP3", "P3", "2023-10-01", "2024-03-31"),
    ("CP4", "P4", "2024-03-31", None),
    ("CP5", "P5", "2022-01-01", None),
    ("CP6", "P6", "2020-01-01", None),
    ("CP7", "P7", "2024-04-15", None),
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
    run_measure(con, "CDS_KS03", "2021-03-31", "2025-06-30")
    return con


def test_trust_march_2024(con):
    # num P1 P2 P4 P5 P6 = 5; den 81,494 + 95,133 = 176,627 (mid-2023) -> 10000 * 5 / 176627 = 0.283082
    row = measure_value(con, "CDS_KS03", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 176627)
    assert row["value"] == pytest.approx(0.283082, abs=1e-6)


def test_councils_march_2024(con):
    # 940: P1 P2 = 2 / 81,494 -> 0.245417; 941: P4 = 1 / 95,133 -> 0.105116
    row = measure_value(con, "CDS_KS03", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"]) == (2, 81494)
    assert row["value"] == pytest.approx(0.245417, abs=1e-6)
    row = measure_value(con, "CDS_KS03", "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"]) == (1, 95133)
    assert row["value"] == pytest.approx(0.105116, abs=1e-6)
    # children outside the owning councils: in the trust numerator only, no population of their own
    for area in ("other", "unknown"):
        row = measure_value(con, "CDS_KS03", "2024-03-31", "snapshot", area=area)
        assert (row["numerator"], row["denominator"], row["value"]) == (1, 0, None)


def test_records_march_2024(con):
    recs = measure_records(con, "CDS_KS03", "2024-03-31", "snapshot")
    children = sorted(r["person_id"] for r in recs if r["numerator"] == 1)
    assert children == ["P1", "P2", "P4", "P5", "P6"]
    population = {r["record_id"]: (r["area"], r["denominator"]) for r in recs if r["person_id"] is None}
    assert population == {"population 940 mid-2023": ("940", 81494), "population 941 mid-2023": ("941", 95133)}


def test_population_switches_at_30_june(con):
    # 31 May 2024: still mid-2023; P7 (from 15 Apr) joins -> 6 / 176,627 = 0.339699
    row = measure_value(con, "CDS_KS03", "2024-05-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (6, 176627)
    assert row["value"] == pytest.approx(0.339699, abs=1e-6)
    # 30 Jun 2024: mid-2024, 83,113 + 96,295 = 179,408 -> 6 / 179,408 = 0.334433
    row = measure_value(con, "CDS_KS03", "2024-06-30", "snapshot")
    assert (row["numerator"], row["denominator"]) == (6, 179408)
    assert row["value"] == pytest.approx(0.334433, abs=1e-6)


def test_latest_estimate_carried_forward(con):
    # 30 Jun 2025 wants mid-2025, not shipped: mid-2024 carried forward; 941: P4 P7 = 2 / 96,295 = 0.207695
    assert measure_value(con, "CDS_KS03", "2025-06-30", "snapshot")["denominator"] == 179408
    row = measure_value(con, "CDS_KS03", "2025-06-30", "snapshot", area="941")
    assert (row["numerator"], row["denominator"]) == (2, 96295)
    assert row["value"] == pytest.approx(0.207695, abs=1e-6)


def test_before_reorganisation_northamptonshire(con):
    # 31 Mar 2021: no 940/941 estimate for mid-2020 -> 928's 170,287 for the trust only; P6 = 1 -> 0.058724
    row = measure_value(con, "CDS_KS03", "2021-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (1, 170287)
    assert row["value"] == pytest.approx(0.058724, abs=1e-6)
    assert measure_value(con, "CDS_KS03", "2021-03-31", "snapshot", area="940")["value"] is None
    recs = measure_records(con, "CDS_KS03", "2021-03-31", "snapshot")
    assert [(r["record_id"], r["area"]) for r in recs if r["person_id"] is None] == [("population 928 mid-2020", None)]
    # 31 May 2021 is still mid-2020 (928); 30 Jun 2021: mid-2021 councils, 79,186 + 92,050 = 171,236
    assert measure_value(con, "CDS_KS03", "2021-05-31", "snapshot")["denominator"] == 170287
    assert measure_value(con, "CDS_KS03", "2021-06-30", "snapshot")["denominator"] == 171236
    assert measure_value(con, "CDS_KS03", "2021-06-30", "snapshot", area="940")["denominator"] == 79186


def test_former_authorities_is_a_parameter():
    # without a predecessor the trust has no population before mid-2021: value NULL
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS03", "2021-03-31", overrides={"former_authorities": []})
    row = measure_value(con, "CDS_KS03", "2021-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 0, None)
    assert row["null_reason"] == "no records in the denominator"
