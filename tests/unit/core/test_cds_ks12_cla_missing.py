"""CDS_KS12: children looked after during the window with a missing incident, by child. Expected by hand.

Windows at 31 Mar 2024: r12 = fytd = 1 Apr 2023 - 31 Mar 2024; month = March 2024. April 2023 month also checked.

child  home  care                         legal             incidents                              r12 2024   Mar 2024
U1     941   2023-01-01 -                 V3 to 05-31, C2   MISSING 2023-06-10 - 06-11             num        den
             (short breaks only in April 2023: out of that month)
U2     941   2022-01-01 -                                   ABSENT 2023-09-01 - 09-01              den        den
U3     940   2023-02-01 - 2023-04-01                        MISSING 2023-03-20 - 03-25 (before)    den        -
U4     940   2022-05-01 -                                   MISSING 2023-03-30 - 04-02 (carried)   num        den
U5     940   2023-01-01 -                 V3 only           MISSING 2023-07-01 - 07-01             - (short breaks)
U6     none  2024-03-15 -                                   MISSING 2024-03-20 - (no end)          num        num
U7     941   (never looked after)                           MISSING 2023-08-01 - 08-01             -
U8     941   2023-10-01 - 2023-12-31                        MISSING 2024-01-10 (after care ended)  den        -
U9     940   2023-05-01 -                                   ' missing ' 2024-03-02 - 03-03         num        num
U10    941   2022-01-01 - 2023-03-31                        MISSING 2023-02-01                     -          -
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOMES = {"U1": "NN1 1AA", "U2": "NN11 4AA", "U3": "NN14 1AA", "U4": "NN8 1AA", "U5": "NN14 1AA", "U7": "NN1 1AA",
         "U8": "NN1 1AA", "U9": "NN14 1AA", "U10": "NN1 1AA"}
CARE = [("U1", "2023-01-01", None), ("U2", "2022-01-01", None), ("U3", "2023-02-01", "2023-04-01"),
        ("U4", "2022-05-01", None), ("U5", "2023-01-01", None), ("U6", "2024-03-15", None),
        ("U8", "2023-10-01", "2023-12-31"), ("U9", "2023-05-01", None), ("U10", "2022-01-01", "2023-03-31")]
INCIDENTS = [("U1", "2023-06-10", "MISSING", "2023-06-11"), ("U2", "2023-09-01", "ABSENT", "2023-09-01"),
             ("U3", "2023-03-20", "MISSING", "2023-03-25"), ("U4", "2023-03-30", "MISSING", "2023-04-02"),
             ("U5", "2023-07-01", "MISSING", "2023-07-01"), ("U6", "2024-03-20", "MISSING", None),
             ("U7", "2023-08-01", "MISSING", "2023-08-01"), ("U8", "2024-01-10", "MISSING", "2024-01-10"),
             ("U9", "2024-03-02", " missing ", "2024-03-03"), ("U10", "2023-02-01", "MISSING", "2023-02-01")]


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S", "clae_cla_episode_ceased_date": end,
         "clae_cla_episode_ceased_reason": "E13" if end else None}
        for p, start, end in CARE
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "L1a", "lega_person_id": "U1", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2023-01-01", "lega_legal_status_end_date": "2023-05-31"},
        {"lega_legal_status_id": "L1b", "lega_person_id": "U1", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2023-06-01"},
        {"lega_legal_status_id": "L5", "lega_person_id": "U5", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2023-01-01"},
    ])
    add(con, "ssd_missing", [
        {"miss_person_id": p, "miss_missing_episode_start_date": s, "miss_missing_episode_type": t,
         "miss_missing_episode_end_date": e}
        for p, s, t, e in INCIDENTS
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
    run_measure(con, "CDS_KS12", "2023-04-30", "2024-03-31")
    return con


def test_trust_r12(con):
    # den U1 U2 U3 U4 U6 U8 U9 = 7; num U1 U4 U6 U9 = 4 -> 57.142857 %
    row = measure_value(con, "CDS_KS12", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (4, 7)
    assert row["value"] == pytest.approx(400 / 7, abs=1e-6)
    recs = measure_records(con, "CDS_KS12", "2024-03-31", "r12")
    assert [r["record_id"] for r in recs] == ["U1", "U2", "U3", "U4", "U6", "U8", "U9"]
    # March fytd is the same year
    fytd = measure_value(con, "CDS_KS12", "2024-03-31", "fytd")
    assert (fytd["numerator"], fytd["denominator"]) == (4, 7)


def test_councils_r12(con):
    # 941: U1 U2 U8 -> U1 = 1/3; 940: U3 U4 U9 -> U4 U9 = 2/3; U6 has no home -> 'unknown'
    row = measure_value(con, "CDS_KS12", "2024-03-31", "r12", area="941")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    row = measure_value(con, "CDS_KS12", "2024-03-31", "r12", area="940")
    assert (row["numerator"], row["denominator"]) == (2, 3)
    assert row["value"] == pytest.approx(200 / 3, abs=1e-6)


def test_month(con):
    # March 2024: looked after U1 U2 U4 U6 U9 = 5; num U6 (missing from 20 Mar, no end), U9 (2 Mar) -> 40 %
    row = measure_value(con, "CDS_KS12", "2024-03-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)
    # April 2023: U1 is only on V3 short breaks until 31 May -> out; U2 U3 (left on 1 Apr) U4 = 3; U4's incident
    # from 30 Mar to 2 Apr carries over -> 1/3. From June U1's C2 brings it back (r12 above).
    row = measure_value(con, "CDS_KS12", "2023-04-30", "month")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    assert [r["record_id"] for r in measure_records(con, "CDS_KS12", "2023-04-30", "month")] == ["U2", "U3", "U4"]


def test_missing_types_is_a_parameter():
    # with ABSENT counted, U2 joins the numerator -> 5/7
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS12", "2024-03-31", overrides={"missing_types": ["MISSING", "ABSENT"]})
    row = measure_value(con, "CDS_KS12", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (5, 7)
