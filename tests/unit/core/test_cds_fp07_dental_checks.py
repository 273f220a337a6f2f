"""CDS_FP07: children looked after 12+ months whose teeth were checked by a dentist. Expected values by hand.

At 31 March 2024 the child must have been looked after since 1 April 2023 at the latest and the check must be
dated 1 April 2023 - 31 March 2024 (the cohort rules are CDS_FP04's, tested there in more depth).
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP07"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (care start, legal status, council of home, [(type, date, status)])
CHILDREN = {
    "T1": ("2020-01-01", "C2", "941", [("DENTAL", "2023-08-01", "COMPLETED")]),
    # SSD descriptive type, no status recorded: counts (blank_status_counts)
    "T2": ("2021-01-01", "C2", "941", [("Dental Check", "2024-01-10", None)]),
    "T3": ("2021-01-01", "C2", "941", [("DENTAL", "2023-10-01", "REFUSED")]),            # refused: not num
    "T4": ("2021-01-01", "C2", "940", [("DENTAL", "2023-03-31", "COMPLETED")]),          # 12 months before: old
    "T5": ("2021-01-01", "C2", "940", [("DENTAL", None, "COMPLETED")]),                  # no date: info row
    "T6": ("2021-01-01", "C2", "940", [("HEALTH", "2023-10-01", "COMPLETED")]),          # not a dental check
    "T7": ("2023-04-02", "C2", "940", [("DENTAL", "2023-10-01", "COMPLETED")]),          # a day short of 12 months
    "T8": ("2021-01-01", "V4", "940", [("DENTAL", "2023-10-01", "COMPLETED")]),          # short breaks
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_episode_start_date": start,
         "clae_cla_episode_start_reason": "S"}
        for p, (start, *_) in CHILDREN.items()
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": start}
        for p, (start, ls, *_) in CHILDREN.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for p, (_, _, council, _) in CHILDREN.items()
    ])
    add(con, "ssd_cla_health", [
        {"clah_person_id": p, "clah_health_check_type": t, "clah_health_check_date": d, "clah_health_check_status": st}
        for p, (*_, checks) in CHILDREN.items() for t, d, st in checks
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_trust(con):
    # den: T1-T6 = 6 (T7 under 12 months, T8 short breaks); num: T1, T2 = 2 -> 33.333333 %
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (2, 6)
    assert row["value"] == pytest.approx(100 / 3, abs=1e-6)
    assert row["excluded_reasons"] == "check date missing (kept in the denominator): 1"
    recs = measure_records(con, M, "2024-03-31", "snapshot")
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"T1", "T2"}


def test_each_council(con):
    # 941: T1 T2 T3 -> 2/3 = 66.666667 %; 940: T4 T5 T6 -> 0/3 = 0 %
    assert measure_value(con, M, "2024-03-31", "snapshot", area="941")["value"] == pytest.approx(200 / 3, abs=1e-6)
    row = measure_value(con, M, "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 3, 0.0)


def test_blank_status_is_a_parameter():
    # blank status no longer a check: T2 drops out of the numerator -> 1/6 = 16.666667 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"blank_status_counts": False})
    row = measure_value(con, M, "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (1, 6)
