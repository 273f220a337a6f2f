"""KPI19: adopted children placed for adoption within 12 months of the ADM decision. Expected values by hand.

Within 12 months = placed on or before ADM date + 12 months, the interval added to the ADM date
(2022-06-15 + 12 months = 2023-06-15; 2023-02-28 + 12 months = 2024-02-28).
fytd 2023/24: adoptions 1 Apr 2023 - 31 Mar 2024.
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse

# person: (adoption date, ceased reason, ADM decision, placed for adoption, home)
ADOPTIONS = {
    # placed exactly 12 months after the ADM decision (15 Jun 2022 -> 15 Jun 2023): within
    "B1": ("2023-12-01", "E11", "2022-06-15", "2023-06-15", "NN1 1AA"),
    # one day later: late
    "B2": ("2024-01-10", "E11", "2022-06-15", "2023-06-16", "NN1 1AA"),
    # ADM 28 Feb 2023 + 12 months = 28 Feb 2024; placed 29 Feb 2024: late. Adopted 31 Mar 2024 (last day)
    "B3": ("2024-03-31", "E11", "2023-02-28", "2024-02-29", "NN1 1AA"),
    # ADM 28 Feb 2022 + 12 months = 28 Feb 2023; placed that day: within. Adopted 1 Apr 2023 (first day)
    "B4": ("2023-04-01", "E12", "2022-02-28", "2023-02-28", "NN14 1AA"),
    # no ADM decision date: excluded with its reason
    "B5": ("2023-07-01", "E11", None, "2023-01-01", "NN14 1AA"),
    # adopted 31 Mar 2023: in fytd 2022/23, not 2023/24; placed within (1 May 2022 -> 1 Dec 2022)
    "B6": ("2023-03-31", "E11", "2022-05-01", "2022-12-01", "NN14 1AA"),
    # left care to special guardianship: not adopted, not in the cohort
    "B7": ("2023-06-01", "E45", "2022-01-01", "2023-05-01", "NN14 1AA"),
    # early permanence: placed (1 Mar 2023) before the ADM decision (1 May 2023): within
    "B8": ("2024-02-01", "E11", "2023-05-01", "2023-03-01", "NN14 1AA"),
    # adopted E12 (consent dispensed with): ADM 1 Oct 2022, placed 15 Jan 2023: within
    "B9": ("2023-08-31", "E12", "2022-10-01", "2023-01-15", "NN14 1AA"),
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_id": f"C{p}",
         "clae_cla_episode_start_date": "2021-01-01", "clae_cla_episode_start_reason": "S",
         "clae_cla_episode_ceased_date": adopted, "clae_cla_episode_ceased_reason": rec}
        for p, (adopted, rec, *_) in ADOPTIONS.items()
    ])
    add(con, "ssd_permanence", [
        {"perm_person_id": p, "perm_cla_id": f"C{p}", "perm_adm_decision_date": adm,
         "perm_placed_for_adoption_date": placed}
        for p, (_, _, adm, placed, _) in ADOPTIONS.items()
    ])
    add(con, "ssd_address", [{"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": v[-1]}
                             for p, v in ADOPTIONS.items()])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run(con, "KPI19", "2023-03-31", "2024-03-31")
    return con


def test_fytd_march(con):
    # den B1 B2 B3 B4 B8 B9 = 6; num B1 B4 B8 B9 = 4 -> 66.666667 %; B5 excluded (no ADM date)
    row = value(con, "KPI19", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(400 / 6, abs=1e-6)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "ADM decision date missing: 1"


def test_records(con):
    recs = records(con, "KPI19", "2024-03-31", "fytd")
    assert [r["record_id"] for r in recs] == ["EB1", "EB2", "EB3", "EB4", "EB5", "EB8", "EB9"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"EB1", "EB4", "EB8", "EB9"}


def test_first_and_last_days_and_previous_year(con):
    # April 2023: B4 adopted 1 Apr -> 1/1; March 2024: B3 adopted 31 Mar, late -> 0/1
    assert value(con, "KPI19", "2023-04-30", "month")["value"] == 100.0
    row = value(con, "KPI19", "2024-03-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 1, 0.0)
    # fytd 2022/23 at 31 Mar 2023 holds only B6 (within) -> 1/1
    row = value(con, "KPI19", "2023-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (1, 1)


def test_by_owning_council(con):
    # 941: B1 num, B2, B3 -> 1/3; 940: B4, B8, B9 all num -> 3/3
    assert value(con, "KPI19", "2024-03-31", "fytd", area="941")["value"] == pytest.approx(100 / 3, abs=1e-6)
    assert value(con, "KPI19", "2024-03-31", "fytd", area="940")["value"] == 100.0


def test_empty_month_is_null(con):
    # nobody adopted in May 2023
    row = value(con, "KPI19", "2023-05-31", "month")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"


def test_months_allowed_is_a_parameter():
    # 13 months: B2 (deadline 15 Jul 2023) and B3 (deadline 28 Mar 2024) become within -> 6/6
    con = warehouse()
    load(con)
    run(con, "KPI19", "2024-03-31", overrides={"within_months": 13})
    row = value(con, "KPI19", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"], row["value"]) == (6, 6, 100.0)
