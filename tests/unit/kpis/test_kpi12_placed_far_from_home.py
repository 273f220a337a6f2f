"""KPI12: placed more than 20 miles from home and outside the child's own council. Expected values by hand.

Distances: sqrt(dE^2 + dN^2) / 1000 / 1.6093 miles, from the fixture's grid references:
  NN1 1AA (475320, 261359, 941) -> L1 0AA (334864, 389326, 341):
      dE = -140456, dN = 127967; 19727887936 + 16375553089 = 36103441025; sqrt = 190009.1 m = 118.07 mi
  NN1 1AA -> MK1 1AA (486900, 233300, 826): dE = 11580, dN = -28059;
      134096400 + 787307481 = 921403881; sqrt = 30354.6 m = 18.86 mi
  NN1 1AA -> NN14 1AA (489278, 282875, 940): dE = 13958, dN = 21516;
      194825764 + 462938256 = 657764020; sqrt = 25646.9 m = 15.94 mi
  NN1 1AA -> NN8 1AA (489900, 268100, 940): dE = 14580, dN = 6741;
      212576400 + 45441081 = 258017481; sqrt = 16062.9 m = 9.98 mi
  NN11 4AA (457560, 262470, 941) -> NN14 1AA: dE = 31718, dN = 20405;
      1006031524 + 416364025 = 1422395549; sqrt = 37714.7 m = 23.44 mi
  NN11 4AA -> NN99 9ZZ (test-only postcode at 457560, 302470 in council 941): dN = 40000; 40 km = 24.86 mi
"""

import pytest

from pipelines.lib import db
from tests.kpi_fixture import add, records, run, value, warehouse

# person: (care start, placement postcode, recorded distance, [(home postcode, start, end), ...])
CHILDREN = {
    # 118.07 mi, 941 -> 341: num
    "A": ("2022-01-01", "L1 0AA", None, [("NN1 1AA", "2010-01-01", None)]),
    # 18.86 mi, outside (826) but not over 20: not num
    "B": ("2022-01-01", "MK1 1AA", None, [("NN1 1AA", "2010-01-01", None)]),
    # home at care start (1 Mar 2022) is NN11 4AA, whose address ended that very day (still in force);
    # NN1 1AA starts the day after. NN11 4AA -> NN14 1AA 23.44 mi, 941 -> 940: num
    # (from NN1 1AA it would be 15.94 mi: not num)
    "C": ("2022-03-01", "NN14 1AA", None, [("NN11 4AA", "2005-01-01", "2022-03-01"),
                                           ("NN1 1AA", "2022-03-02", None)]),
    # 24.86 mi but inside the child's own council (941 -> 941): not num
    "D": ("2022-01-01", "NN99 9ZZ", None, [("NN11 4AA", "2010-01-01", None)]),
    # home when care began (1 Jan 2022) NN1 1AA; the family moved to Liverpool in 2023. Measured from NN1 1AA:
    # NN14 1AA is 15.94 mi: not num (from L1 0AA it would be num). Latest home L1 0AA -> area 'other'
    "E": ("2022-01-01", "NN14 1AA", None, [("NN1 1AA", "2010-01-01", "2023-06-01"),
                                           ("L1 0AA", "2023-06-01", None)]),
    # placement postcode not in the reference: recorded 35.0 mi > 20 decides: num
    "F": ("2022-01-01", "ZZ9 9ZZ", 35.0, [("NN14 1AA", "2010-01-01", None)]),
    # placement postcode not in the reference: recorded 20.0 mi is not over 20: not num
    "G": ("2022-01-01", "ZZ9 9ZZ", 20.0, [("NN8 1AA", "2010-01-01", None)]),
    # placement postcode not in the reference and no recorded distance: unknown, kept in the denominator
    "H": ("2022-01-01", "ZZ9 9ZZ", None, [("NN14 1AA", "2010-01-01", None)]),
    # both postcodes located: the recorded 50 mi is ignored; NN1 1AA -> NN8 1AA 9.98 mi: not num
    "I": ("2022-01-01", "NN8 1AA", 50.0, [("NN1 1AA", "2010-01-01", None)]),
    # short breaks (V4): not in the cohort although placed in Liverpool
    "J": ("2022-01-01", "L1 0AA", None, [("NN1 1AA", "2010-01-01", None)]),
    # no home address at all and no recorded distance: unknown, kept in the denominator; area 'unknown'
    "K": ("2022-01-01", "L1 0AA", None, []),
}


def load(con):
    # a test-only postcode 40 km due north of NN11 4AA, inside council 941
    db.run(con, "INSERT INTO postcode_ref VALUES ('NN99 9ZZ', 457560.0, 302470.0, 'E06000062', '941')")
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S", "clae_cla_placement_id": f"P{p}"}
        for p, (start, *_) in CHILDREN.items()
    ])
    add(con, "ssd_cla_placement", [
        {"clap_cla_placement_id": f"P{p}", "clap_person_id": p, "clap_cla_placement_start_date": start,
         "clap_cla_placement_type": "U1", "clap_cla_placement_postcode": pc, "clap_cla_placement_distance": miles}
        for p, (start, pc, miles, _) in CHILDREN.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc,
         "addr_address_start_date": s, "addr_address_end_date": e}
        for p, (*_, homes) in CHILDREN.items() for pc, s, e in homes
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "LJ", "lega_person_id": "J", "lega_legal_status": "V4",
         "lega_legal_status_start_date": "2022-01-01"},
        {"lega_legal_status_id": "LA", "lega_person_id": "A", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2022-01-01"},
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI12", "2024-03-31")
    return con


def test_trust_snapshot(con):
    # den: A B C D E F G H I K = 10 (J short breaks); num: A (118.07), C (23.44), F (recorded 35) = 3 -> 30 %
    row = value(con, "KPI12", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 10, 30.0)
    # H and K: distance unknown, still in the denominator, shown separately
    assert row["excluded_count"] == 2
    assert row["excluded_reasons"] == "distance unknown (kept in the denominator): 2"


def test_records(con):
    recs = records(con, "KPI12", "2024-03-31", "snapshot")
    counted = [r["record_id"] for r in recs if r["denominator"] == 1]
    assert counted == ["A", "B", "C", "D", "E", "F", "G", "H", "I", "K"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A", "C", "F"}
    assert {r["person_id"] for r in recs if r["excluded_reason"]} == {"H", "K"}


def test_each_council(con):
    # area = council of the latest home (person_area): 941 (NN1 1AA, NN11 4AA): A B C D I -> num A C = 2/5
    # = 40 %; 940 (NN14 1AA, NN8 1AA): F G H -> num F = 1/3 = 33.333333 %
    assert value(con, "KPI12", "2024-03-31", "snapshot", area="941")["value"] == 40.0
    row = value(con, "KPI12", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)
    # E's latest home is in Liverpool (341, not an owning council) -> 'other'; K has none -> 'unknown' (and its
    # unknown distance is reported under that area)
    other = [r for r in records(con, "KPI12", "2024-03-31", "snapshot") if r["area"] == "other"]
    assert [(r["record_id"], r["numerator"], r["denominator"]) for r in other] == [("E", 0, 1)]
    row = value(con, "KPI12", "2024-03-31", "snapshot", area="unknown")
    assert (row["numerator"], row["denominator"], row["excluded_count"]) == (0, 1, 1)


def test_threshold_is_a_parameter():
    # 15 miles: B (18.86, outside) and E (15.94, 941 -> 940) join; G (recorded 20 > 15) joins;
    # I (9.98) and D (inside) still out -> A B C E F G = 6/10 = 60 %
    con = warehouse()
    load(con)
    run(con, "KPI12", "2024-03-31", overrides={"distance_miles": 15})
    row = value(con, "KPI12", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (6, 10, 60.0)


def test_empty_period_is_null(con):
    run(con, "KPI12", "2021-12-31")   # before anyone came into care
    row = value(con, "KPI12", "2021-12-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
    assert value(con, "KPI12", "2021-12-31", "snapshot", area="941")["value"] is None
