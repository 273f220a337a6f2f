"""CDS_FP13 (A10): average days from entering care to moving in with the adoptive family. Expected values by hand.

r12 and fytd at 31 March 2024: adoptions 1 April 2023 - 31 March 2024; r36: 1 April 2021 - 31 March 2024.
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP13"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# Children with one episode for the whole period of care: (care start, ceased, reason, council,
# permanence (placed for adoption, FFA/CP date) or None)
SIMPLE = {
    # placed with adopters (A6) 1 Mar 2022, with its placements: days 10 Jan 2021 -> 1 Mar 2022
    # = 365 (to 10 Jan 2022) + 31 (to 10 Feb) + 19 (to 1 Mar) = 415
    "A1": ("2021-01-10", "2023-06-01", "E11", "941", ("2022-03-01", None)),
    # fostering for adoption from 20 Jun 2022 (placed for adoption later, 1 Feb 2023): the clock stops at the
    # FFA placement -> 19 days; no placement rows at all
    "A3": ("2022-06-01", "2024-01-10", "E11", "941", ("2023-02-01", "2022-06-20")),
    # adopted on the last day of the window; 1 Jan 2023 -> 1 Jul 2023 = 31+28+31+30+31+30 = 181
    "A4": ("2023-01-01", "2024-03-31", "E12", "940", ("2023-07-01", None)),
    # adopted 31 Mar 2023: before the r12/fytd windows, inside r36; 1 May 2020 -> 1 May 2021 = 365
    "A5": ("2020-05-01", "2023-03-31", "E11", "940", ("2021-05-01", None)),
    # no permanence record and no placements: excluded
    "A6": ("2021-01-01", "2023-08-01", "E11", "941", None),
    # placed for adoption after the adoption: excluded
    "A7": ("2022-01-01", "2023-10-01", "E11", "941", ("2023-10-15", None)),
    # returned home: not an adoption
    "A8": ("2021-01-01", "2023-11-01", "E4A", "941", ("2022-06-01", None)),
    # care began on leap day: 29 Feb 2020 -> 28 Feb 2021 = 1 (to 1 Mar 2020) + 364 = 365
    "A10": ("2020-02-29", "2023-12-01", "E11", "940", ("2021-02-28", None)),
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_id": f"CLA{p}",
         "clae_cla_episode_start_date": start, "clae_cla_episode_start_reason": "S",
         "clae_cla_episode_ceased_date": ceased, "clae_cla_episode_ceased_reason": rec}
        for p, (start, ceased, rec, _, _) in SIMPLE.items() if p != "A1"
    ] + [
        # A1: foster placement, then placed with new carers (P) for adoption
        {"clae_cla_episode_id": "EA1a", "clae_person_id": "A1", "clae_cla_id": "CLAA1",
         "clae_cla_episode_start_date": "2021-01-10", "clae_cla_episode_start_reason": "S",
         "clae_cla_episode_ceased_date": "2022-03-01", "clae_cla_episode_ceased_reason": "X1",
         "clae_cla_placement_id": "PA1a"},
        {"clae_cla_episode_id": "EA1b", "clae_person_id": "A1", "clae_cla_id": "CLAA1",
         "clae_cla_episode_start_date": "2022-03-01", "clae_cla_episode_start_reason": "P",
         "clae_cla_episode_ceased_date": "2023-06-01", "clae_cla_episode_ceased_reason": "E11",
         "clae_cla_placement_id": "PA1b"},
        # A2: adopted by the foster carers it moved to on 1 May 2022 (the A5 placement of 15 Jan 2023 is a change
        # of placement with the same carers, RNE T): the clock stops on 1 May 2022.
        {"clae_cla_episode_id": "EA2a", "clae_person_id": "A2", "clae_cla_id": "CLAA2",
         "clae_cla_episode_start_date": "2022-02-01", "clae_cla_episode_start_reason": "S",
         "clae_cla_episode_ceased_date": "2022-05-01", "clae_cla_episode_ceased_reason": "X1",
         "clae_cla_placement_id": "PA2a"},
        {"clae_cla_episode_id": "EA2b", "clae_person_id": "A2", "clae_cla_id": "CLAA2",
         "clae_cla_episode_start_date": "2022-05-01", "clae_cla_episode_start_reason": "P",
         "clae_cla_episode_ceased_date": "2023-01-15", "clae_cla_episode_ceased_reason": "X1",
         "clae_cla_placement_id": "PA2b"},
        {"clae_cla_episode_id": "EA2c", "clae_person_id": "A2", "clae_cla_id": "CLAA2",
         "clae_cla_episode_start_date": "2023-01-15", "clae_cla_episode_start_reason": "T",
         "clae_cla_episode_ceased_date": "2023-09-30", "clae_cla_episode_ceased_reason": "E12",
         "clae_cla_placement_id": "PA2c"},
    ])
    add(con, "ssd_cla_placement", [
        {"clap_cla_placement_id": pid, "clap_person_id": p, "clap_cla_placement_start_date": s,
         "clap_cla_placement_end_date": e, "clap_cla_placement_type": t}
        for pid, p, s, e, t in [
            ("PA1a", "A1", "2021-01-10", "2022-03-01", "U3"), ("PA1b", "A1", "2022-03-01", "2023-06-01", "A6"),
            ("PA2a", "A2", "2022-02-01", "2022-05-01", "U3"), ("PA2b", "A2", "2022-05-01", "2023-01-15", "U4"),
            ("PA2c", "A2", "2023-01-15", "2023-09-30", "A5"),
        ]
    ])
    add(con, "ssd_permanence", [
        {"perm_person_id": p, "perm_cla_id": f"CLA{p}", "perm_placed_for_adoption_date": perm[0],
         "perm_placed_ffa_cp_date": perm[1]}
        for p, (*_, perm) in SIMPLE.items() if perm
    ] + [{"perm_person_id": "A2", "perm_cla_id": "CLAA2", "perm_placed_for_adoption_date": "2023-01-15"}])
    councils = {**{p: c for p, (_, _, _, c, _) in SIMPLE.items()}, "A2": "941"}
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[c],
         "addr_address_start_date": "2010-01-01"}
        for p, c in councils.items()
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_r12_and_fytd(con):
    # A1 415, A2 89 (1 Feb -> 1 May 2022 = 28 + 31 + 30), A3 19, A4 181, A10 365 = 1069 over 5 -> 213.8
    for basis in ("r12", "fytd"):
        row = measure_value(con, M, "2024-03-31", basis)
        assert (row["numerator"], row["denominator"], row["value"]) == (1069, 5, 213.8)
        assert row["excluded_reasons"] == (
            "moved in after the adoption order: 1; moved-in date missing (no placed for adoption or FFA date): 1")


def test_r36(con):
    # + A5 (adopted 31 Mar 2023) 365 -> 1434 over 6 = 239
    row = measure_value(con, M, "2024-03-31", "r36")
    assert (row["numerator"], row["denominator"], row["value"]) == (1434, 6, 239.0)


def test_records(con):
    recs = measure_records(con, M, "2024-03-31", "r12")
    assert {r["record_id"]: r["numerator"] for r in recs if r["denominator"] == 1} == {
        "EA1b": 415, "EA2c": 89, "EA3": 19, "EA4": 181, "EA10": 365}
    assert {r["record_id"] for r in recs if r["excluded_reason"]} == {"EA6", "EA7"}


def test_each_council(con):
    # 941: A1 415 + A2 89 + A3 19 = 523 / 3 = 174.333333; 940: A4 181 + A10 365 = 546 / 2 = 273
    row = measure_value(con, M, "2024-03-31", "r12", area="941")
    assert (row["numerator"], row["denominator"]) == (523, 3)
    assert row["value"] == pytest.approx(523 / 3, abs=1e-6)
    assert measure_value(con, M, "2024-03-31", "r12", area="940")["value"] == 273.0


def test_foster_carer_run_is_a_parameter():
    # without the placements, A2 moves in when placed for adoption: 1 Feb 2022 -> 15 Jan 2023
    # = 365 (to 1 Feb 2023) - 17 = 348; 1069 - 89 + 348 = 1328 over 5 = 265.6
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"move_in_from_placements": False})
    row = measure_value(con, M, "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (1328, 5, 265.6)
