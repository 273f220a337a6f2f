"""CDS_FP09: children looked after who took up the opportunity to be consulted before their reviews (PN1-PN6).
Expected values by hand.

fytd at 31 March 2024: reviews held 1 April 2023 - 31 March 2024; month: 1 - 31 March 2024.
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

M = "CDS_FP09"
HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# person: (legal status, council of home, [(due date, review date, participation)])
CHILDREN = {
    "R1": ("C2", "941", [("2023-05-01", "2023-05-01", "PN1"), ("2023-11-01", "2023-11-01", "PN6")]),  # every: num
    "R2": ("C2", "941", [("2023-06-01", "2023-06-01", "PN1"), ("2023-12-01", "2023-12-01", "PN7")]),  # one PN7
    # under 4 at the first review (PN0, not counted), consulted at the one after: num
    "R3": ("C2", "941", [("2023-04-01", "2023-04-01", "PN0"), ("2024-03-15", "2024-03-15", "PN2")]),
    "R4": ("C2", "940", [("2023-07-01", "2023-07-01", "PN0")]),                      # PN0 only: outside
    # the PN7 review of 31 Mar 2023 is before the year; the 903 code with its description reads as PN5: num
    "R5": ("C2", "940", [("2023-03-31", "2023-03-31", "PN7"),
                         ("2023-07-01", "2023-07-01", "PN5 - briefs an advocate")]),
    "R6": ("C2", "940", [("2023-08-01", "2023-08-01", None)]),                       # no code: excluded
    # a review due 1 Feb 2024 not held (no date) is no opportunity; held 31 Mar 2024 PN7: not num
    "R7": ("C2", "940", [("2024-02-01", None, "PN1"), ("2024-03-31", "2024-03-31", "PN7")]),
    "R8": ("V3", "940", [("2023-09-01", "2023-09-01", "PN1")]),                      # short breaks: left out
    "R9": ("C2", "941", [("2023-10-01", "2023-10-01", "PN 4")]),                     # 'PN 4' = PN4: num
}


def load(con):
    add(con, "ssd_cla_episodes", [
        {"clae_cla_episode_id": f"E{p}", "clae_person_id": p, "clae_cla_id": f"CLA{p}",
         "clae_cla_episode_start_date": "2022-01-01", "clae_cla_episode_start_reason": "S"}
        for p in CHILDREN
    ])
    add(con, "ssd_legal_status", [
        {"lega_legal_status_id": f"L{p}", "lega_person_id": p, "lega_legal_status": ls,
         "lega_legal_status_start_date": "2022-01-01"}
        for p, (ls, *_) in CHILDREN.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for p, (_, council, _) in CHILDREN.items()
    ])
    add(con, "ssd_cla_reviews", [
        {"clar_cla_id": f"CLA{p}", "clar_cla_review_due_date": due, "clar_cla_review_date": held,
         "clar_cla_review_participation": code}
        for p, (*_, reviews) in CHILDREN.items() for due, held, code in reviews
    ] + [
        # a review of a period of care no episode carries
        {"clar_cla_id": "CLA99", "clar_cla_review_due_date": "2023-09-01", "clar_cla_review_date": "2023-09-01",
         "clar_cla_review_participation": "PN1"},
    ])


@pytest.fixture()
def con():
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31")
    return con


def test_fytd(con):
    # den: R1 R2 R3 R5 R7 R9 = 6 (R4 PN0 only, R8 short breaks; R6 and CLA99 excluded)
    # num: R1, R3, R5, R9 = 4 -> 66.666667 %
    row = measure_value(con, M, "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(200 / 3, abs=1e-6)
    assert row["excluded_reasons"] == (
        "participation code missing or not recognised: 1; review not linked to a period of care: 1")
    recs = measure_records(con, M, "2024-03-31", "fytd")
    assert [r["record_id"] for r in recs if r["denominator"] == 1] == ["R1", "R2", "R3", "R5", "R7", "R9"]
    unlinked = [r for r in recs if r["excluded_reason"] == "review not linked to a period of care"]
    assert [(r["record_id"], r["person_id"], r["area"]) for r in unlinked] == [
        ("review of CLA99 due 2023-09-01", None, "unknown")]


def test_month(con):
    # March 2024: R3 (15 Mar, PN2) and R7 (31 Mar, PN7) -> 1/2 = 50 %
    row = measure_value(con, M, "2024-03-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 2, 50.0)


def test_each_council(con):
    # 941: R1 R2 R3 R9 -> num R1 R3 R9 = 3/4 = 75 %; 940: R5 R7 -> num R5 = 1/2 = 50 %
    assert measure_value(con, M, "2024-03-31", "fytd", area="941")["value"] == 75.0
    assert measure_value(con, M, "2024-03-31", "fytd", area="940")["value"] == 50.0


def test_every_review_is_a_parameter():
    # at least one review with views conveyed is enough: R2 (PN1 in June) joins -> 5/6 = 83.333333 %
    con = warehouse()
    load(con)
    run_measure(con, M, "2024-03-31", overrides={"consulted_at_every_review": False})
    row = measure_value(con, M, "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (5, 6)
