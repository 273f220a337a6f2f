"""CDS_FP10: children looked after placed 20 miles or more from home (no boundary condition). Expected values by
hand. Distances sqrt(dE^2 + dN^2) / 1000 / 1.6093 miles from the fixture's grid references (as the KPI12 test):
  NN1 1AA (475320, 261359) -> L1 0AA (334864, 389326): 190009.1 m = 118.07 mi
  NN1 1AA -> MK1 1AA (486900, 233300): dE 11580, dN -28059; sqrt(921403881) = 30354.6 m = 18.86 mi
  NN1 1AA -> NN8 1AA (489900, 268100): dE 14580, dN 6741; sqrt(258017481) = 16062.9 m = 9.98 mi
  NN11 4AA (457560, 262470) -> NN14 1AA (489278, 282875): dE 31718, dN 20405; sqrt(1422395549) = 37714.7 m
      = 23.44 mi
  NN11 4AA -> NN99 9ZZ (test-only, 457560, 302470, council 941): 40000 m = 24.86 mi
"""

import pytest

from pipelines.lib import db
from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP10"

# person: (placement postcode, recorded miles, home postcode or None, legal status)
CHILDREN = {
    "A": ("L1 0AA", None, "NN1 1AA", "C2"),     # 118.07 mi: num
    "B": ("MK1 1AA", None, "NN1 1AA", "C2"),    # 18.86 mi: not num
    "C": ("NN14 1AA", None, "NN11 4AA", "C2"),  # 23.44 mi (and outside 941): num
    "D": ("NN99 9ZZ", None, "NN11 4AA", "C2"),  # 24.86 mi inside its own council: num here (not in KPI12)
    "F": ("ZZ9 9ZZ", 20.0, "NN14 1AA", "C2"),   # not located; recorded exactly 20.0 mi: num (>= 20)
    "G": ("ZZ9 9ZZ", 19.9, "NN8 1AA", "C2"),    # not located; recorded 19.9 mi: not num
    "H": ("ZZ9 9ZZ", None, "NN14 1AA", "C2"),   # unknown distance: in the denominator, info row
    "I": ("NN8 1AA", 50.0, "NN1 1AA", "C2"),    # both located: 9.98 mi (recorded 50 ignored): not num
    "J": ("L1 0AA", None, "NN1 1AA", "V4"),     # short breaks: not in the cohort
}


def load(con):
    db.run(con, "INSERT INTO postcode_ref VALUES ('NN99 9ZZ', 457560.0, 302470.0, 'E06000062', '941')")
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": "2022-01-01",
         "clae_cla_episode_start_reason": "S", "clae_cla_placement_id": f"P{p}"}
        for p in CHILDREN
    ])
    add(con, "ssd_cla_placement", [
        {"clap_cla_placement_id": f"P{p}", "clap_person_id": p, "clap_cla_placement_start_date": "2022-01-01",
         "clap_cla_placement_type": "U1", "clap_cla_placement_postcode": pc, "clap_cla_placement_distance": miles}
        for p, (pc, miles, _, _) in CHILDREN.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": home,
         "addr_address_start_date": "2010-01-01"}
        for p, (_, _, home, _) in CHILDREN.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": "2022-01-01"}
        for p, (*_, ls) in CHILDREN.items()
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_trust(con):
    # den: A B C D F G H I = 8 (J short breaks); num: A, C, D, F = 4 -> 50 %
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 8, 50.0)
    assert row["excluded_reasons"] == "distance unknown (kept in the denominator): 1"
    recs = measure_records(con, M, "2024-03-31", "snapshot")
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A", "C", "D", "F"}


def test_each_council(con):
    # 941 (NN1, NN11 homes): A B C D I -> num A C D = 3/5 = 60 %; 940 (NN14, NN8): F G H -> num F = 1/3
    assert measure_value(con, M, "2024-03-31", "snapshot", area="941")["value"] == 60.0
    row = measure_value(con, M, "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)


def test_distance_is_a_parameter():
    # 15 miles: B (18.86) and G (recorded 19.9) join -> 6/8 = 75 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"distance_miles": 15})
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (6, 8, 75.0)
