"""KPI07: long-term placement stability. Expected values worked out by hand below.

Cut-offs (last day of the month k months before the period end):
  31 Mar 2024: care began on or before 30 Sep 2021 (30 months), placement on or before 31 Mar 2022 (24 months)
  30 Apr 2024: care on or before 31 Oct 2021, placement on or before 30 Apr 2022
  29 Feb 2024: care on or before 31 Aug 2021, placement on or before 28 Feb 2022
Homes: NN1 1AA is council 941, NN14 1AA is council 940.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


def ep(eid, person, start, rne, ceased=None, rec=None, placement=None):
    return {"clae_cla_episode_id": eid, "clae_person_id": person, "clae_cla_episode_start_date": start,
            "clae_cla_episode_start_reason": rne, "clae_cla_episode_ceased_date": ceased,
            "clae_cla_episode_ceased_reason": rec, "clae_cla_placement_id": placement}


def pl(pid, person, start, end=None, ptype="U1"):
    return {"clap_cla_placement_id": pid, "clap_person_id": person, "clap_cla_placement_start_date": start,
            "clap_cla_placement_end_date": end, "clap_cla_placement_type": ptype}


# person -> (date of birth, home postcode)
PEOPLE = {
    "A": ("2012-05-01", "NN1 1AA"),
    "B": ("2012-01-01", "NN1 1AA"),
    "C": ("2011-06-01", "NN1 1AA"),
    "D": ("2010-06-01", "NN14 1AA"),
    "E": ("2019-06-01", "NN14 1AA"),
    "F": ("2019-01-01", "NN14 1AA"),
    "G": ("2008-03-31", "NN1 1AA"),
    "H": ("2008-04-01", "NN1 1AA"),
    "S": ("2010-01-01", "NN1 1AA"),
    "R": ("2010-01-01", "NN1 1AA"),
    "X": ("2010-01-01", "NN1 1AA"),
    "M": (None, "NN1 1AA"),
}


def load(con):
    add(con, "ssd_person", [{"pers_person_id": p, "pers_dob": dob} for p, (dob, _) in PEOPLE.items()])
    add(con, "ssd_address", [{"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc,
                              "addr_address_start_date": "2000-01-01"} for p, (_, pc) in PEOPLE.items()])
    add(con, "ssd_cla_episodes", [
        # A: care and placement from 30 Sep 2021 = the 31 Mar 2024 care cut-off day -> in; placement -> num
        ep("A1", "A", "2021-09-30", "S", placement="PA1"),
        # B: care from 1 Oct 2021, one day after March's cut-off -> out in March; in April (<= 31 Oct 2021), num
        ep("B1", "B", "2021-10-01", "S", placement="PB1"),
        # C: a legal-status-only change (X1 then L) keeps placement PC1 from 10 Jan 2020 -> num
        ep("C1", "C", "2020-01-10", "S", "2022-06-01", "X1", placement="PC1"),
        ep("C2", "C", "2022-06-01", "L", placement="PC1"),
        # D: care since 2019, moved 1 Apr 2022 = one day after March's placement cut-off -> not num in March;
        # num in April (<= 30 Apr 2022)
        ep("D1", "D", "2019-01-01", "S", "2022-04-01", "X1", placement="PD1"),
        ep("D2", "D", "2022-04-01", "P", placement="PD2"),
        # E: foster placement from 1 Jan 2021, moved to adoption with the same carers 1 Sep 2023 (A4):
        # the adoptive placement and the one before it span from 1 Jan 2021 -> num
        ep("E1", "E", "2021-01-01", "S", "2023-09-01", "X1", placement="PE1"),
        ep("E2", "E", "2023-09-01", "U", placement="PE2"),
        # F: placed for adoption (A5) 1 Jun 2023; the placement before began 1 May 2022 (after both cut-offs)
        ep("F1", "F", "2021-03-01", "S", "2022-05-01", "X1", placement="PF1"),
        ep("F2", "F", "2022-05-01", "P", "2023-06-01", "X1", placement="PF2"),
        ep("F3", "F", "2023-06-01", "P", placement="PF3"),
        # G: 16th birthday 31 Mar 2024 = the period end -> not under 16, out
        ep("G1", "G", "2015-01-01", "S", placement="PG1"),
        # H: 16th birthday 1 Apr 2024 -> 15 on 31 Mar (in, num); 16 on 30 Apr (out). Episode carries no
        # placement link: the placement is found from the child's open placement
        ep("H1", "H", "2015-01-01", "S"),
        # S: short breaks (V3) only -> out whatever its placement
        ep("S1", "S", "2015-01-01", "S", placement="PS1"),
        # R: left care (E13) in 2020 and came back 1 Jan 2022: not continuously looked after 2.5 years -> out
        ep("R1", "R", "2018-01-01", "S", "2020-06-01", "E13", placement="PR1"),
        ep("R2", "R", "2022-01-01", "S", placement="PR2"),
        # X: ceased care on 31 Mar 2024 = period end -> not looked after at the period end
        ep("X1", "X", "2015-01-01", "S", "2024-03-31", "E13", placement="PX1"),
        # M: no date of birth -> excluded with its reason
        ep("M1", "M", "2015-01-01", "S", placement="PM1"),
    ])
    add(con, "ssd_cla_placement", [
        pl("PA1", "A", "2021-09-30"),
        pl("PB1", "B", "2021-10-01"),
        pl("PC1", "C", "2020-01-10"),
        pl("PD1", "D", "2019-01-01", "2022-04-01"), pl("PD2", "D", "2022-04-01"),
        pl("PE1", "E", "2021-01-01", "2023-09-01", "U1"), pl("PE2", "E", "2023-09-01", None, "A4"),
        pl("PF1", "F", "2021-03-01", "2022-05-01"), pl("PF2", "F", "2022-05-01", "2023-06-01", "U4"),
        pl("PF3", "F", "2023-06-01", None, "A5"),
        pl("PG1", "G", "2015-01-01"),
        pl("PH1", "H", "2015-01-01"),
        pl("PS1", "S", "2015-01-01"),
        pl("PR1", "R", "2018-01-01", "2020-06-01"), pl("PR2", "R", "2022-01-01"),
        pl("PX1", "X", "2015-01-01", "2024-03-31"),
        pl("PM1", "M", "2015-01-01"),
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "LS", "lega_person_id": "S", "lega_legal_status": "V3",
         "lega_legal_status_start_date": "2015-01-01"},
        {"lega_legal_status_id": "LC", "lega_person_id": "C", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2020-01-10", "lega_legal_status_end_date": "2022-06-01"},
        {"lega_legal_status_id": "LC2", "lega_person_id": "C", "lega_legal_status": "C1",
         "lega_legal_status_start_date": "2022-06-01"},
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI07", "2024-03-31", "2024-04-30")
    return con


def test_march_snapshot(con):
    # den: A, C, D, E, F, H (B too recent, G 16, S short break, R not continuous, X left, M excluded)
    # num: A (placement on the cut-off day), C (L change only), E (adoption rule), H -> 4/6 = 66.666667 %
    row = value(con, "KPI07", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(400 / 6, abs=1e-6)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "date of birth missing: 1"


def test_records_name_the_children(con):
    recs = records(con, "KPI07", "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs] == ["A", "C", "D", "E", "F", "H", "M"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"A", "C", "E", "H"}


def test_april_cut_offs_move(con):
    # 30 Apr 2024: B joins (care 1 Oct 2021 <= 31 Oct 2021) and is num (placement <= 30 Apr 2022);
    # D becomes num (1 Apr 2022 <= 30 Apr 2022); H is 16 and leaves; F still not num (1 May 2022)
    # den: A, B, C, D, E, F = 6; num: A, B, C, D, E = 5 -> 83.333333 %
    row = value(con, "KPI07", "2024-04-30", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 6)
    assert row["value"] == pytest.approx(500 / 6, abs=1e-6)


def test_by_owning_council(con):
    # 941 (NN1 1AA): A num, C num, H num -> 3/3; 940 (NN14 1AA): D no, E num, F no -> 1/3
    assert value(con, "KPI07", "2024-03-31", "snapshot", area="941")["value"] == 100.0
    assert value(con, "KPI07", "2024-03-31", "snapshot", area="940")["value"] == pytest.approx(100 / 3, abs=1e-6)


def test_placement_length_is_a_parameter():
    # 12 months: placement cut-off at 31 Mar 2024 is 31 Mar 2023 -> D (1 Apr 2022) num; F: adoptive placement
    # 1 Jun 2023 is after it but the placement before began 1 May 2022 -> num. 6/6
    con = warehouse()
    load(con)
    run(con, "KPI07", "2024-03-31", overrides={"min_placement_months": 12})
    row = value(con, "KPI07", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (6, 6, 100.0)


def test_leap_day_period_end():
    # 29 Feb 2024: care cut-off 31 Aug 2021, placement cut-off 28 Feb 2022 (24 months before, last day of
    # that month). L1 placed 28 Feb 2022 -> num; L2 placed 1 Mar 2022 -> not. Both in care since 31 Aug 2021.
    con = warehouse()
    add(con, "ssd_person", [{"pers_person_id": p, "pers_dob": "2015-01-01"} for p in ("L1", "L2")])
    add(con, "ssd_cla_episodes", [
        ep("L1A", "L1", "2021-08-31", "S", "2022-02-28", "X1", placement="P1A"),
        ep("L1B", "L1", "2022-02-28", "P", placement="P1B"),
        ep("L2A", "L2", "2021-08-31", "S", "2022-03-01", "X1", placement="P2A"),
        ep("L2B", "L2", "2022-03-01", "P", placement="P2B"),
    ])
    add(con, "ssd_cla_placement", [
        pl("P1A", "L1", "2021-08-31", "2022-02-28"), pl("P1B", "L1", "2022-02-28"),
        pl("P2A", "L2", "2021-08-31", "2022-03-01"), pl("P2B", "L2", "2022-03-01"),
    ])
    run(con, "KPI07", "2024-02-29")
    row = value(con, "KPI07", "2024-02-29", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)
    # no home address: both children report under 'unknown'
    assert value(con, "KPI07", "2024-02-29", "snapshot", area="unknown")["denominator"] == 2


def test_empty_period_is_null():
    con = warehouse()
    load(con)
    run(con, "KPI07", "2014-12-31")   # nobody looked after yet
    row = value(con, "KPI07", "2014-12-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"


def test_placements_found_through_episode_links():
    # placements carry no clap_person_id: the child comes from the episodes linked to them. Q placed for
    # adoption (A6) 1 Jan 2024 after a placement from 1 Jan 2020 -> num at 31 Mar 2024 (1/1)
    con = warehouse()
    add(con, "ssd_person", [{"pers_person_id": "Q", "pers_dob": "2018-01-01"}])
    add(con, "ssd_cla_episodes", [
        ep("Q1", "Q", "2020-01-01", "S", "2024-01-01", "X1", placement="PQ1"),
        ep("Q2", "Q", "2024-01-01", "U", placement="PQ2"),
    ])
    add(con, "ssd_cla_placement", [pl("PQ1", None, "2020-01-01", "2024-01-01"),
                                   pl("PQ2", None, "2024-01-01", None, "A6")])
    run(con, "KPI07", "2024-03-31")
    row = value(con, "KPI07", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 100.0)
