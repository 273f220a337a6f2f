"""CDS_KS07: OC2 children looked after 12+ months identified with a substance misuse problem. Expected by hand.

Each period end shows the latest collection year (31 March) with OC2 rows on or before it.

child  home  year ending 2023   year ending 2024             year ending 2025
S1     941   no                 yes                          yes
S2     941   yes                no                           yes
S3     940                      yes
S4     940                      blank -> excluded
S5     none                     no   ('unknown')
S6     941                      yes, but V4 short breaks at 31 Mar 2024 -> left out
S7     940                      no (oc2_year_ending written 2024-03-30 -> collection year ending 2024-03-31)
S8     941   yes
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOMES = {"S1": "NN1 1AA", "S2": "NN11 4AA", "S3": "NN14 1AA", "S4": "NN8 1AA", "S6": "NN1 1AA", "S7": "NN14 1AA",
         "S8": "NN1 1AA"}
OC2 = [
    ("S1", "2023-03-31", False), ("S2", "2023-03-31", True), ("S8", "2023-03-31", True),
    ("S1", "2024-03-31", True), ("S2", "2024-03-31", False), ("S3", "2024-03-31", True),
    ("S4", "2024-03-31", None), ("S5", "2024-03-31", False), ("S6", "2024-03-31", True),
    ("S7", "2024-03-30", False),
    ("S1", "2025-03-31", True), ("S2", "2025-03-31", True),
]


def load(con):
    add(con, "cla_oc2_outcomes", [
        {"oc2_person_id": p, "oc2_year_ending": ye, "oc2_substance_misuse": flag} for p, ye, flag in OC2
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "L6", "lega_person_id": "S6", "lega_legal_status": "V4",
         "lega_legal_status_start_date": "2023-06-01"},
        {"lega_legal_status_id": "L1", "lega_person_id": "S1", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2020-01-01"},
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc,
         "addr_address_start_date": "2010-01-01"}
        for p, pc in HOMES.items()
    ])


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS07", "2022-03-31", "2025-03-31")
    return con


def test_trust_march_2024(con):
    # year ending 2024: den S1 S2 S3 S5 S7 = 5 (S4 blank excluded, S6 short breaks); num S1 S3 = 2 -> 40 %
    row = measure_value(con, "CDS_KS07", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "substance misuse not recorded: 1"


def test_councils_march_2024(con):
    # 941: S1 S2 -> 1/2 = 50 %; 940: S3 S7 -> 1/2 = 50 % with S4 excluded there
    row = measure_value(con, "CDS_KS07", "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)
    row = measure_value(con, "CDS_KS07", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["excluded_count"]) == (1, 2, 1)


def test_records_name_the_collection_year(con):
    recs = measure_records(con, "CDS_KS07", "2024-03-31", "snapshot")
    assert sorted(r["record_id"].split(" ")[1] for r in recs) == ["2024-03-31"] * 6
    assert {r["person_id"] for r in recs} == {"S1", "S2", "S3", "S4", "S5", "S7"}


def test_other_month_ends_show_the_latest_year_known(con):
    # 31 Mar 2023 and every month to 29 Feb 2024: year ending 2023, S1 no, S2 yes, S8 yes -> 2/3
    for period_end in ("2023-03-31", "2023-04-30", "2024-02-29"):
        row = measure_value(con, "CDS_KS07", period_end, "snapshot")
        assert (row["numerator"], row["denominator"]) == (2, 3), period_end
    # 30 Apr 2024: year ending 2024 (2/5); 31 Mar 2025: year ending 2025, S1 S2 yes -> 2/2 = 100 %
    assert (measure_value(con, "CDS_KS07", "2024-04-30", "snapshot")["denominator"]) == 5
    assert measure_value(con, "CDS_KS07", "2025-03-31", "snapshot")["value"] == 100.0


def test_before_any_collection_year_is_null(con):
    row = measure_value(con, "CDS_KS07", "2022-03-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
