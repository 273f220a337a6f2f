"""KPI18 (A2): mean days from court authority to place to the match. Expected values worked out by hand.

Windows at 31 Mar 2024: r12 and fytd 1 Apr 2023 - 31 Mar 2024; r36 1 Apr 2021 - 31 Mar 2024.
At 30 Jun 2023: r12 1 Jul 2022 - 30 Jun 2023; fytd 1 Apr 2023 - 30 Jun 2023.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse

# person: (care start, adoption date, ceased reason, order date, matched, placed, home)
ADOPTIONS = {
    # order 10 Jan 2022 -> matched 20 May 2022: 21 (to 31 Jan) + 28 + 31 + 30 + 20 = 130 days
    "A1": ("2021-06-01", "2023-06-15", "E11", "2022-01-10", "2022-05-20", "2022-07-01", "NN1 1AA"),
    # no order date: first E1 legal status 1 Dec 2022 -> matched 1 Mar 2023: 31 + 31 + 28 = 90 days;
    # adopted on 31 Mar 2024, the last day of the windows
    "A2": ("2022-03-01", "2024-03-31", "E12", None, "2023-03-01", "2023-04-01", "NN14 1AA"),
    # matched 1 May 2022 before the order of 1 Jun 2022: 0 days; adopted 1 Apr 2023, first day of the windows
    "A3": ("2021-01-01", "2023-04-01", "E11", "2022-06-01", "2022-05-01", "2022-08-01", "NN1 1AA"),
    # adopted 31 Mar 2023: before the r12 window, inside r36. order 1 Jan 2021 -> matched 11 Apr 2021:
    # 31 + 28 + 31 + 10 = 100 days
    "A4": ("2020-01-01", "2023-03-31", "E11", "2021-01-01", "2021-04-11", "2021-05-01", "NN1 1AA"),
    # no order and no E1/D1: excluded
    "A5": ("2021-01-01", "2023-09-01", "E11", None, "2022-09-01", "2022-10-01", "NN1 1AA"),
    # no placed-for-adoption date: excluded
    "A6": ("2021-01-01", "2023-10-01", "E11", "2022-01-01", "2022-03-01", None, "NN1 1AA"),
    # across 29 Feb 2024: order 20 Feb 2023 -> 20 Feb 2024 is 365 days, then 21-29 Feb (9) + 1 Mar = 10:
    # 375 days
    "A7": ("2022-01-01", "2024-03-28", "E11", "2023-02-20", "2024-03-01", "2024-03-05", "NN14 1AA"),
    # left care to special guardianship (E45), not adopted: not in the cohort
    "A8": ("2021-01-01", "2023-11-01", "E45", "2022-01-01", "2022-06-01", "2022-07-01", "NN1 1AA"),
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_id": f"C{p}",
         "clae_cla_episode_start_date": start, "clae_cla_episode_start_reason": "S",
         "clae_cla_episode_ceased_date": adopted, "clae_cla_episode_ceased_reason": rec}
        for p, (start, adopted, rec, *_) in ADOPTIONS.items()
    ])
    add(con, "ssd_permanence", [
        {"perm_person_id": p, "perm_cla_id": f"C{p}", "perm_placement_order_date": order,
         "perm_matched_date": matched, "perm_placed_for_adoption_date": placed}
        for p, (_, _, _, order, matched, placed, _) in ADOPTIONS.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": "L2A", "lega_person_id": "A2", "lega_legal_status": "C2",
         "lega_legal_status_start_date": "2022-03-01", "lega_legal_status_end_date": "2022-12-01"},
        {"lega_legal_status_id": "L2B", "lega_person_id": "A2", "lega_legal_status": "E1",
         "lega_legal_status_start_date": "2022-12-01", "lega_legal_status_end_date": "2024-03-31"},
    ])
    add(con, "ssd_address", [{"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": v[-1]}
                             for p, v in ADOPTIONS.items()])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI18", "2022-03-31", "2024-03-31")
    return con


def test_r12_headline(con):
    # A1 130, A2 90, A3 0, A7 375 -> 595 / 4 = 148.75 days; A5 and A6 excluded with their reasons
    row = value(con, "KPI18", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"], row["value"]) == (595, 4, 148.75)
    assert row["excluded_count"] == 2
    assert row["excluded_reasons"] == ("no court authority to place (no placement order, E1 or D1): 1; "
                                       "placed for adoption date missing: 1")


def test_r36_three_year_average(con):
    # adds A4 (adopted 31 Mar 2023): 595 + 100 = 695 / 5 = 139 days
    row = value(con, "KPI18", "2024-03-31", "r36")
    assert (row["numerator"], row["denominator"], row["value"]) == (695, 5, 139.0)


def test_fytd_and_r12_at_june(con):
    # fytd to 30 Jun 2023: A3 (0), A1 (130) -> 65 days
    assert value(con, "KPI18", "2023-06-30", "fytd")["value"] == 65.0
    # r12 to 30 Jun 2023: A4 (31 Mar 2023), A3, A1 -> (100 + 0 + 130) / 3 = 76.666667 days
    assert value(con, "KPI18", "2023-06-30", "r12")["value"] == pytest.approx(230 / 3, abs=1e-6)


def test_records(con):
    recs = records(con, "KPI18", "2024-03-31", "r12")
    assert [(r["record_id"], r["numerator"]) for r in recs if r["excluded_reason"] is None] == [
        ("EA1", 130), ("EA2", 90), ("EA3", 0), ("EA7", 375)]


def test_by_owning_council(con):
    # 941: A1 130, A3 0 -> 65; 940: A2 90, A7 375 -> 232.5
    assert value(con, "KPI18", "2024-03-31", "r12", area="941")["value"] == 65.0
    assert value(con, "KPI18", "2024-03-31", "r12", area="940")["value"] == 232.5


def test_empty_window_is_null(con):
    # r12 to 31 Mar 2022 (1 Apr 2021 - 31 Mar 2022): no adoptions
    row = value(con, "KPI18", "2022-03-31", "r12")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"


def test_court_authority_statuses_are_a_parameter():
    # with only D1 as court authority, A2 (E1, no order date) has no authority and is excluded:
    # A1 130, A3 0, A7 375 -> 505 / 3 = 168.333333 days
    con = warehouse()
    load(con)
    run(con, "KPI18", "2024-03-31", overrides={"court_authority_statuses": ["D1"]})
    row = value(con, "KPI18", "2024-03-31", "r12")
    assert (row["numerator"], row["denominator"]) == (505, 3)
    assert row["value"] == pytest.approx(505 / 3, abs=1e-6)
    assert row["excluded_count"] == 3
