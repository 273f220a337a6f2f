"""CDS_KS02: children on a CP plan 3+ months at the period end whose reviews were all in time. Expected by hand.

Schedule (months added to the earlier date): first review due by conference + 3 months, then by the review
actually held + 6 months. Cohort at P: plan open at P and started on or before last_day(P - 3 months)
(31 Mar 2024 -> 31 Dec 2023; 31 May 2024 -> 29 Feb 2024; 30 Jun 2024 -> 31 Mar 2024).

child  area  conference  reviews held (due)                                  at 31 Mar 2024
A      941   2023-12-31  2024-03-31 (2023-12-31 + 3m = 2024-03-31: exactly)  in time; next due 2024-09-30 -> num
B      941   2023-11-30  2024-03-01 (2023-11-30 + 3m = 2024-02-29)           one day late (recorded due 03-15 ignored)
E      940   2023-03-31  2023-06-20 (06-30), 2023-12-20 (06-20 + 6m = 12-20) in time; next due 2024-06-20 -> num
F      941   2023-01-15  2023-05-01 (04-15) late, 2023-10-25 (05-01 + 6m)    late
G      940   2023-06-01  2023-07-01 (09-01), 2024-01-15 (07-01 + 6m = 01-01) late (an early review brings the next
                                                                            due date forward; from 09-01 it was in time)
J      941   (no ICPC) plan 2023-10-10; review without plan id 2024-01-10 (2024-01-10)   in time -> num
L      940   ICPC 2023-09-01 (cppl_icpc_id), plan 2023-09-05; 2023-12-04 (12-01)        late
                                                                     (from the plan start 09-05: in time)
M      unk   2023-06-01  2023-08-31 (09-01), 2024-02-28 (08-31 + 6m = 2024-02-29)         in time -> num
N      941   ICPC 2023-11-28 (icpc_cp_plan_id only), plan 2023-12-01; 2024-02-29 (02-28)  late
H      940   2024-01-01  none                                                 not in the cohort (< 3 months)
I      941   2023-10-01, plan ended 2023-12-15                                not open at the period end
C      940   2024-02-29  2024-05-29 (2024-02-29 + 3m = 2024-05-29)           from May: in time -> num
D      940   2024-02-29  2024-05-30 (05-29)                                  from May: late
"""

import pytest

from tests.kpi_fixture import add, measure_records, measure_value, run_measure, warehouse

HOME = {"941": "NN1 1AA", "940": "NN14 1AA"}

# child: (council or None, plan start, plan end, icpc (date, link) or None, [(review held, plan id linked?)])
PLANS = {
    "A": ("941", "2023-12-31", None, ("2023-12-31", "plan"), [("2024-03-31", True)]),
    "B": ("941", "2023-11-30", None, ("2023-11-30", "plan"), [("2024-03-01", True)]),
    "E": ("940", "2023-03-31", None, ("2023-03-31", "plan"), [("2023-06-20", True), ("2023-12-20", True)]),
    "F": ("941", "2023-01-15", None, ("2023-01-15", "plan"), [("2023-05-01", True), ("2023-10-25", True)]),
    "G": ("940", "2023-06-01", None, ("2023-06-01", "plan"), [("2023-07-01", True), ("2024-01-15", True)]),
    "J": ("941", "2023-10-10", None, None, [("2024-01-10", False)]),
    "L": ("940", "2023-09-05", None, ("2023-09-01", "plan"), [("2023-12-04", True)]),
    "M": (None, "2023-06-01", None, ("2023-06-01", "plan"), [("2023-08-31", True), ("2024-02-28", True)]),
    "N": ("941", "2023-12-01", None, ("2023-11-28", "icpc"), [("2024-02-29", True)]),
    "H": ("940", "2024-01-01", None, ("2024-01-01", "plan"), []),
    "I": ("941", "2023-10-01", "2023-12-15", ("2023-10-01", "plan"), []),
    "C": ("940", "2024-02-29", None, ("2024-02-29", "plan"), [("2024-05-29", True)]),
    "D": ("940", "2024-02-29", None, ("2024-02-29", "plan"), [("2024-05-30", True)]),
}


def load(con):
    add(con, "ssd_cp_plans", [
        {"cppl_cp_plan_id": f"CP{c}", "cppl_person_id": c, "cppl_cp_plan_start_date": start,
         "cppl_cp_plan_end_date": end, "cppl_icpc_id": f"IC{c}" if icpc and icpc[1] == "plan" else None}
        for c, (_, start, end, icpc, _) in PLANS.items()
    ])
    add(con, "ssd_initial_cp_conference", [
        {"icpc_icpc_id": f"IC{c}", "icpc_person_id": c, "icpc_icpc_date": icpc[0],
         "icpc_cp_plan_id": f"CP{c}" if icpc[1] == "icpc" else None}
        for c, (_, _, _, icpc, _) in PLANS.items() if icpc
    ])
    add(con, "ssd_cp_reviews", [
        {"cppr_cp_review_id": f"R{c}{i}", "cppr_cp_plan_id": f"CP{c}" if linked else None, "cppr_person_id": c,
         "cppr_cp_review_date": held,
         # a recorded due date that would make B's review look in time: the measure computes its own
         "cppr_cp_review_due": "2024-03-15" if c == "B" else None}
        for c, (*_, reviews) in PLANS.items() for i, (held, linked) in enumerate(reviews)
    ] + [
        # a review scheduled but not yet held (no held date) is not a review
        {"cppr_cp_review_id": "RA-next", "cppr_cp_plan_id": "CPA", "cppr_person_id": "A",
         "cppr_cp_review_due": "2024-09-30"},
    ])
    add(con, "ssd_address", [
        {"addr_person_id": c, "addr_address_type": "HOME", "addr_address_postcode": HOME[council],
         "addr_address_start_date": "2010-01-01"}
        for c, (council, *_) in PLANS.items() if council
    ])


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS02", "2024-03-31", "2024-06-30")
    return con


def test_trust_march(con):
    # den: A B E F G J L M N = 9 (H under 3 months, I closed); num: A E J M = 4 -> 44.444444 %
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 9)
    assert row["value"] == pytest.approx(400 / 9, abs=1e-6)
    assert row["excluded_count"] == 0


def test_records_march(con):
    recs = measure_records(con, "CDS_KS02", "2024-03-31", "snapshot")
    assert [r["record_id"] for r in recs] == ["CPA", "CPB", "CPE", "CPF", "CPG", "CPJ", "CPL", "CPM", "CPN"]
    assert {r["person_id"] for r in recs if r["numerator"] == 1} == {"A", "E", "J", "M"}


def test_councils_march(con):
    # 941: A B F J N -> num A J = 2/5 = 40 %; 940: E G L -> num E = 1/3; M (no home) in the trust only
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot", area="940")
    assert (row["numerator"], row["denominator"]) == (1, 3)
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot", area="unknown")
    assert (row["numerator"], row["denominator"]) == (1, 1)


def test_leap_day_conference_in_may(con):
    # cohort from 29 Feb 2024: A B E F G J L M N + H C D = 12. C held 29 May (due 2024-02-29 + 3m = 29 May):
    # in time; D on 30 May: late; H (due 1 Apr) not held: overdue. E's next due 20 Jun is after 31 May.
    # num: A E J M C = 5
    row = measure_value(con, "CDS_KS02", "2024-05-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 12)
    nums = {r["person_id"] for r in measure_records(con, "CDS_KS02", "2024-05-31", "snapshot") if r["numerator"] == 1}
    assert nums == {"A", "E", "J", "M", "C"}


def test_overdue_review_in_june(con):
    # at 30 Jun E's next review (due 20 Jun 2024) has not been held: late. num: A J M C = 4 of 12
    row = measure_value(con, "CDS_KS02", "2024-06-30", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 12)
    # April: cohort start <= 31 Jan 2024 adds H (start 1 Jan; due 1 Apr not held: late) -> A E J M of 10
    row = measure_value(con, "CDS_KS02", "2024-04-30", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 10)


def test_first_review_months_is_a_parameter():
    # 4 months: B due 2024-03-30 (held 03-01 ok), F due 2023-05-15 (05-01 ok; then 05-01 + 6m = 11-01, 10-25 ok),
    # L due 2024-01-01 (12-04 ok), N due 2024-03-28 (02-29 ok); G still late (01-15 after 07-01 + 6m)
    # -> num A B E F J L M N = 8 of 9
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS02", "2024-03-31", overrides={"first_review_months": 4})
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (8, 9)


def test_review_interval_is_a_parameter():
    # 7 months: G's second review due 2023-07-01 + 7m = 2024-02-01 -> 01-15 in time -> num A E G J M = 5 of 9
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS02", "2024-03-31", overrides={"review_interval_months": 7})
    row = measure_value(con, "CDS_KS02", "2024-03-31", "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 9)


def test_empty_period_is_null():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS02", "2022-12-31")
    row = measure_value(con, "CDS_KS02", "2022-12-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"
