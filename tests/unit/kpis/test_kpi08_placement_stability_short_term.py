"""KPI08: children looked after with 3+ placements in the previous 12 months. Expected values by hand below.

Look-back (day after the last day of the month 12 months earlier):
  31 Mar 2024 -> 1 Apr 2023;  29 Feb 2024 -> 1 Mar 2023 (last day of Feb 2023 is 28 Feb, plus one day).
A placement counts when start <= period end and (end is null or end > look-back start), and it began with
RNE S, P or B, is not temporary (T0-T4), not the return from a temporary one, not a short break and lasted a day.
Homes: children A-E and L in council 941 (NN1 1AA); F, G, I, J, K in 940 (NN14 1AA).
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def ep(eid, person, start, rne, ceased=None, rec=None, placement=None):
    return {"clae_cla_episode_id": eid, "clae_person_id": person, "clae_cla_episode_start_date": start,
            "clae_cla_episode_start_reason": rne, "clae_cla_episode_ceased_date": ceased,
            "clae_cla_episode_ceased_reason": rec, "clae_cla_placement_id": placement}


def pl(pid, person, start, end=None, ptype="U1", postcode=None):
    return {"clap_cla_placement_id": pid, "clap_person_id": person, "clap_cla_placement_start_date": start,
            "clap_cla_placement_end_date": end, "clap_cla_placement_type": ptype,
            "clap_cla_placement_postcode": postcode}


def chain(person, moves, ceased=None, rec=None, tag=""):
    """Episodes E<person><tag><i> and placements P<person><tag><i> for a run of placements:
    moves = [(start, rne, type, postcode), ...]; each placement ends (episode ceased X1) the day the next
    starts; the last one ends `ceased` with `rec`, else stays open."""
    episodes, placements = [], []
    for i, (start, rne, ptype, postcode) in enumerate(moves):
        nxt = moves[i + 1][0] if i + 1 < len(moves) else ceased
        reason = "X1" if i + 1 < len(moves) else rec
        pid = f"P{person}{tag}{i}"
        episodes.append(ep(f"E{person}{tag}{i}", person, start, rne, nxt, reason, pid))
        placements.append(pl(pid, person, start, nxt, ptype, postcode))
    return episodes, placements


CHAINS = {
    # A: 3 placements overlapping the March look-back (the first began before it, ended 1 Jun 2023) -> num
    "A": [("2023-01-01", "S", "U1", None), ("2023-06-01", "P", "U1", None), ("2023-10-01", "P", "U1", None)],
    # B: first placement ended 1 Apr 2023 = March's look-back start (end > start fails) -> 2 in March;
    # in February's look-back (from 1 Mar 2023) it overlaps -> 3
    "B": [("2022-01-01", "S", "U1", None), ("2023-04-01", "P", "U1", None), ("2023-08-01", "P", "U1", None)],
    # C: first placement ended 2 Apr 2023 (> 1 Apr) -> 3 -> num
    "C": [("2022-01-01", "S", "U1", None), ("2023-04-02", "P", "U1", None), ("2023-08-01", "P", "U1", None)],
    # D: S, P, then a move to adoption with the same foster carers (U) -> 2 (the U placement does not count)
    #    (a later legal-status-only episode, L, shares the adoptive placement: added below)
    "D": [("2023-04-15", "S", "U4", None), ("2023-05-01", "P", "U1", None), ("2023-09-01", "U", "A4", None)],
    # E: S, P (U1 at NN1 1AA), temporary T1, return to U1 at NN1 1AA -> 2 (temporary and return not counted)
    "E": [("2023-04-10", "S", "U4", None), ("2023-05-01", "P", "U1", "NN1 1AA"),
          ("2023-07-01", "P", "T1", None), ("2023-07-15", "P", "U1", "NN1 1AA")],
    # F: as E but after the temporary placement the child goes to a new postcode -> a new placement: 3 -> num
    "F": [("2023-04-10", "S", "U4", None), ("2023-05-01", "P", "U1", "NN1 1AA"),
          ("2023-07-01", "P", "T1", None), ("2023-07-15", "P", "U1", "NN8 1AA")],
    # G: S, then a same-day placement (1 Jun - 1 Jun, under a day), then P -> 2 (3 if same-day counted)
    "G": [("2023-05-01", "S", "U1", None), ("2023-06-01", "P", "U1", None), ("2023-06-01", "P", "U4", None)],
    # J: one placement since 2020 -> 1
    "J": [("2020-01-01", "S", "U1", None)],
    # L: first placement starts on the look-back's first day, then B (legal status and carer) and P -> 3 -> num
    "L": [("2023-04-01", "S", "U1", None), ("2023-06-01", "B", "U1", None), ("2023-08-01", "P", "U1", None)],
}
HOMES = {"A": "NN1 1AA", "B": "NN1 1AA", "C": "NN1 1AA", "D": "NN1 1AA", "E": "NN1 1AA", "L": "NN1 1AA",
         "F": "NN14 1AA", "G": "NN14 1AA", "H": "NN14 1AA", "I": "NN14 1AA", "J": "NN14 1AA", "K": "NN14 1AA"}


def load(con):
    episodes, placements = [], []

    def put(e_p):
        episodes.extend(e_p[0])
        placements.extend(e_p[1])

    for person, moves in CHAINS.items():
        put(chain(person, moves))
    # G: chain() gives PG1 1 Jun - 1 Jun (the same-day placement) and PG2 from 1 Jun.
    # D: a legal-status-only change on 1 Dec 2023 inside the adoptive placement PD2 (no new placement row)
    episodes[:] = [{**e, "clae_cla_episode_ceased_date": "2023-12-01", "clae_cla_episode_ceased_reason": "X1"}
                   if e["clae_cla_episode_id"] == "ED2" else e for e in episodes]
    episodes.append(ep("ED3", "D", "2023-12-01", "L", placement="PD2"))
    # H: short breaks (V3) at the period end, with 3 placements -> not in the cohort
    put(chain("H", [("2023-05-01", "S", "U1", None), ("2023-06-01", "P", "U1", None),
                    ("2023-07-01", "P", "U1", None)]))
    # I: a short-break placement (V3) 10 Apr - 1 May 2023, then a new period under C2 with 2 placements -> 2
    #    (3, and num, if the short-break placement were counted)
    put(chain("I", [("2023-04-10", "S", "U1", None)], ceased="2023-05-01", rec="E13"))
    put(chain("I", [("2023-06-01", "S", "U1", None), ("2023-09-01", "P", "U1", None)], tag="b"))
    # K: 3 placements, left care on 31 Mar 2024 (in care at 29 Feb, not at 31 Mar)
    put(chain("K", [("2023-05-01", "S", "U1", None), ("2023-07-01", "P", "U1", None),
                    ("2023-09-01", "P", "U1", None)], ceased="2024-03-31", rec="E13"))
    add(con, "ssd_cla_episodes", episodes)
    add(con, "ssd_cla_placement", placements)
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "LH", "lega_person_id": "H", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2023-05-01"},
        {"lega_legal_status_id": "LI1", "lega_person_id": "I", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2023-04-10", "lega_legal_status_end_date": "2023-05-01"},
        {"lega_legal_status_id": "LI2", "lega_person_id": "I", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2023-06-01"},
    ])
    add(con, "ssd_address", [{"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc}
                             for p, pc in HOMES.items()])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI08", "2024-02-29", "2024-03-31")
    return con


def test_march_snapshot(con):
    # den (looked after 31 Mar 2024, no short break): A B C D E F G I J L = 10 (H is V3, K left on 31 Mar)
    # counted placements: A 3, B 2, C 3, D 2, E 2, F 3, G 2, I 2, J 1, L 3 -> num A C F L = 4 -> 40 %
    row = value(con, "KPI08", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (4, 10, 40.0)
    assert row["excluded_count"] == 0


def test_records(con):
    recs = records(con, "KPI08", "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs] == ["A", "B", "C", "D", "E", "F", "G", "I", "J", "L"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A", "C", "F", "L"}


def test_leap_year_february_look_back(con):
    # 29 Feb 2024, look-back from 1 Mar 2023: B's first placement (ended 1 Apr 2023) now overlaps -> 3 (num);
    # K is still in care with 3 placements (num). den: the 10 above + K = 11; num: A B C F K L = 6
    row = value(con, "KPI08", "2024-02-29", "snapshot")
    assert (row["numerator"], row["denominator"]) == (6, 11)
    assert row["value"] == pytest.approx(600 / 11, abs=1e-6)


def test_by_owning_council(con):
    # 941: A B C D E L -> num A C L = 3/6 = 50 %; 940: F G I J -> num F = 1/4 = 25 %
    assert value(con, "KPI08", "2024-03-31", "snapshot", area="941")["value"] == 50.0
    assert value(con, "KPI08", "2024-03-31", "snapshot", area="940")["value"] == 25.0


def test_same_day_placements_can_be_counted():
    # min_placement_days = 0: G's same-day placement counts -> G has 3 -> num A C F G L = 5/10 = 50 %
    con = warehouse()
    load(con)
    run(con, "KPI08", "2024-03-31", overrides={"min_placement_days": 0})
    row = value(con, "KPI08", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (5, 10, 50.0)


def test_placement_found_by_start_date_when_episode_has_no_link():
    # episodes without clae_cla_placement_id: the starting reason comes from the child's episode starting on
    # the placement's start date. S, P, P -> 3 -> num; a second child S, T, P -> 2 -> not num. 1/2 = 50 %
    con = warehouse()
    add(con, "ssd_cla_episodes", [
        ep("N1", "N", "2023-05-01", "S", "2023-06-01", "X1"), ep("N2", "N", "2023-06-01", "P", "2023-07-01", "X1"),
        ep("N3", "N", "2023-07-01", "P"),
        ep("O1", "O", "2023-05-01", "S", "2023-06-01", "X1"), ep("O2", "O", "2023-06-01", "T", "2023-07-01", "X1"),
        ep("O3", "O", "2023-07-01", "P"),
    ])
    add(con, "ssd_cla_placement", [
        pl("N1", "N", "2023-05-01", "2023-06-01"), pl("N2", "N", "2023-06-01", "2023-07-01"),
        pl("N3", "N", "2023-07-01"),
        pl("O1", "O", "2023-05-01", "2023-06-01"), pl("O2", "O", "2023-06-01", "2023-07-01", "U4"),
        pl("O3", "O", "2023-07-01", None, "U4"),
    ])
    run(con, "KPI08", "2024-03-31")
    row = value(con, "KPI08", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_empty_period_is_null(con):
    # nobody is looked after at 31 Dec 2019 (J, the earliest, came into care 1 Jan 2020)
    run(con, "KPI08", "2019-12-31")
    row = value(con, "KPI08", "2019-12-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"
