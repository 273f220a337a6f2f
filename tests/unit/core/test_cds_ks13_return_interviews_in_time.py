"""CDS_KS13: return interviews within 72 hours (return date + 3 days) of the return. Expected by hand.

Episodes placed in the period containing their deadline (return + 3 days). 2024 bank holidays: Good Friday 29 Mar,
Easter Monday 1 Apr, early May 6 May - they do not stop the clock.

child  return       deadline     interview    offered/accepted  in March 2024 fytd (deadline 1 Apr 2023 - 31 Mar 2024)
V1     2024-03-04   2024-03-07   2024-03-07   Y/Y               num (exactly 72 hours = day 3)
V2     2024-03-04   2024-03-07   2024-03-08   Y/Y               den (day 4: just over)
V3     2024-03-10   2024-03-13   2024-03-10   Y/Y               num (same day)
V4     2024-03-10   2024-03-13   -            Y/N               excluded: offered and refused
V5     2024-03-10   2024-03-13   -            N/N               den (not offered)
V6     2024-03-10   2024-03-13   -            Y/Y               den (accepted, never held)
V7     (none)       -            -                              excluded: no return date (start 2024-03-15)
V8     2024-03-28   2024-03-31   2024-03-31   Y/Y               num (Thursday before Good Friday, day 3 = Sunday)
V9     2024-03-29   2024-04-01   2024-04-01   Y/Y               April (Good Friday return, Easter Monday interview: num)
V10    2024-03-10   2024-03-13   2024-03-09   Y/Y               excluded: interview before the return
V11    2024-03-12   2024-03-15   2024-03-14   Y/Y               ABSENT episode: not in the measure
V12    2023-03-30   2023-04-02   2023-04-01   Y/Y               fytd 2023/24 (deadline 2 Apr 2023), not March: num
"""

import pytest

from tests.kpi_fixture import add, measure_value, run_measure, warehouse

HOMES = {"V1": "NN1 1AA", "V2": "NN1 1AA", "V3": "NN14 1AA", "V4": "NN14 1AA", "V5": "NN1 1AA", "V6": "NN14 1AA",
         "V7": "NN1 1AA", "V8": "NN8 1AA", "V9": "NN8 1AA", "V10": "NN1 1AA", "V11": "NN1 1AA", "V12": "NN11 4AA"}
# child: (start, type, return, offered, accepted, interview)
EPISODES = {
    "V1": ("2024-03-03", "MISSING", "2024-03-04", True, True, "2024-03-07"),
    "V2": ("2024-03-03", "MISSING", "2024-03-04", True, True, "2024-03-08"),
    "V3": ("2024-03-09", "MISSING", "2024-03-10", True, True, "2024-03-10"),
    "V4": ("2024-03-09", "MISSING", "2024-03-10", True, False, None),
    "V5": ("2024-03-09", "MISSING", "2024-03-10", False, False, None),
    "V6": ("2024-03-09", "MISSING", "2024-03-10", True, True, None),
    "V7": ("2024-03-15", "MISSING", None, None, None, None),
    "V8": ("2024-03-27", "MISSING", "2024-03-28", True, True, "2024-03-31"),
    "V9": ("2024-03-29", "MISSING", "2024-03-29", True, True, "2024-04-01"),
    "V10": ("2024-03-08", "MISSING", "2024-03-10", True, True, "2024-03-09"),
    "V11": ("2024-03-11", "ABSENT", "2024-03-12", True, True, "2024-03-14"),
    "V12": ("2023-03-29", "MISSING", "2023-03-30", True, True, "2023-04-01"),
}


def load(con):
    add(con, "ssd_missing", [
        {"miss_person_id": p, "miss_missing_episode_start_date": s, "miss_missing_episode_type": t,
         "miss_missing_episode_end_date": r, "miss_missing_rhi_offered": o, "miss_missing_rhi_accepted": a,
         "miss_missing_rhi_date": i}
        for p, (s, t, r, o, a, i) in EPISODES.items()
    ])
    add(con, "ssd_address", [
        {"addr_person_id": p, "addr_address_type": "HOME", "addr_address_postcode": pc,
         "addr_address_start_date": "2010-01-01"}
        for p, pc in HOMES.items()
    ])


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS13", "2024-03-31", "2024-04-30")
    return con


def test_month_march(con):
    # den V1 V2 V3 V5 V6 V8 = 6; num V1 V3 V8 = 3 -> 50 %; excluded V4 (refused), V7 (no return), V10 (before)
    row = measure_value(con, "CDS_KS13", "2024-03-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 6, 50.0)
    assert row["excluded_reasons"] == ("interview dated before the return: 1; interview offered and refused: 1; "
                                       "no return date (still missing or not recorded): 1")


def test_fytd_and_councils(con):
    # fytd 2023/24 adds V12 (deadline 2 Apr 2023, interview day 2: num) -> 4/7 = 57.142857 %
    row = measure_value(con, "CDS_KS13", "2024-03-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (4, 7)
    assert row["value"] == pytest.approx(400 / 7, abs=1e-6)
    # 941 (NN1 1AA, NN11 4AA): V1 V2 V5 V12 -> V1 V12 = 2/4; 940 (NN14 1AA, NN8 1AA): V3 V6 V8 -> V3 V8 = 2/3
    row = measure_value(con, "CDS_KS13", "2024-03-31", "fytd", area="941")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 4, 50.0)
    row = measure_value(con, "CDS_KS13", "2024-03-31", "fytd", area="940")
    assert (row["numerator"], row["denominator"]) == (2, 3)


def test_bank_holiday_return_in_april(con):
    # V9 returned on Good Friday 29 Mar; deadline Easter Monday 1 Apr (calendar days): interviewed then -> 1/1
    row = measure_value(con, "CDS_KS13", "2024-04-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 100.0)


def test_timescale_hours_is_a_parameter():
    # 48 hours -> 2 days: V1 (day 3) and V8 (day 3) become late, and V9's deadline moves to 31 Mar (den; interview
    # on day 3, 1 Apr: late) -> March den V1 V2 V3 V5 V6 V8 V9 = 7, num V3 = 1
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS13", "2024-03-31", overrides={"timescale_hours": 48})
    row = measure_value(con, "CDS_KS13", "2024-03-31", "month")
    assert (row["numerator"], row["denominator"]) == (1, 7)


def test_refusals_can_count_as_failures():
    con = warehouse()
    load(con)
    run_measure(con, "CDS_KS13", "2024-03-31", overrides={"count_refusals": True})
    row = measure_value(con, "CDS_KS13", "2024-03-31", "month")
    # V4 back in the denominator as not in time -> 3/7
    assert (row["numerator"], row["denominator"]) == (3, 7)
    assert row["excluded_count"] == 2
