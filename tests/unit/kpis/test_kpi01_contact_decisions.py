"""KPI01: contacts decided within 2 working days. Expected values worked out by hand below."""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_address", [
        {"addr_person_id": "P1", "addr_address_type": "HOME", "addr_address_postcode": "NN1 1AA"},   # 941
        {"addr_person_id": "P2", "addr_address_type": "HOME", "addr_address_postcode": "NN14 1AA"},  # 940
    ])
    add(con, "ssd_contacts", [
        # Wed 1 Apr 2020 -> Thu 2 (1), Fri 3 (2): deadline 3 Apr; decided 3 Apr: pass (April)
        {"cont_contact_id": "C0", "cont_person_id": "P1", "cont_contact_date": "2020-04-01",
         "cont_contact_decision_date": "2020-04-03"},
        # Wed 6 May 2020 -> Thu 7 (1), Fri 8 is the VE-day bank holiday, Mon 11 (2): deadline 11 May; pass
        {"cont_contact_id": "C1", "cont_person_id": "P1", "cont_contact_date": "2020-05-06",
         "cont_contact_decision_date": "2020-05-11"},
        # Thu 7 May 2020 -> Mon 11 (1), Tue 12 (2): deadline 12 May; decided 13 May: fail
        {"cont_contact_id": "C2", "cont_person_id": "P1", "cont_contact_date": "2020-05-07",
         "cont_contact_decision_date": "2020-05-13"},
        # Sat 9 May 2020 (weekend start, never counted) -> Mon 11 (1), Tue 12 (2); decided Tue 12: pass
        {"cont_contact_id": "C3", "cont_person_id": "P2", "cont_contact_date": "2020-05-09",
         "cont_contact_decision_date": "2020-05-12"},
        # Fri 29 May 2020 -> Mon 1 Jun (1), Tue 2 Jun (2): deadline in June, not in May; decided 1 Jun: pass
        {"cont_contact_id": "C4", "cont_person_id": "P2", "cont_contact_date": "2020-05-29",
         "cont_contact_decision_date": "2020-06-01"},
        # Thu 30 Apr 2020 -> Fri 1 May (1), Mon 4 May (2) (the early-May holiday moved to 8 May in 2020):
        # deadline 4 May, in May; never decided: fail
        {"cont_contact_id": "C5", "cont_person_id": "P2", "cont_contact_date": "2020-04-30",
         "cont_contact_decision_date": None},
        # Wed 27 May 2020 -> deadline Fri 29 May; decided the same day: pass
        {"cont_contact_id": "C6", "cont_person_id": "P2", "cont_contact_date": "2020-05-27",
         "cont_contact_decision_date": "2020-05-27"},
        # Wed 13 May 2020, decided the day before the contact: excluded, with its reason
        {"cont_contact_id": "C7", "cont_person_id": "P2", "cont_contact_date": "2020-05-13",
         "cont_contact_decision_date": "2020-05-12"},
        # Thu 24 Dec 2020 -> Fri 25 and Mon 28 (Boxing Day substitute) are holidays: Tue 29 (1), Wed 30 (2);
        # decided Thu 31 Dec: fail
        {"cont_contact_id": "C8", "cont_person_id": "P1", "cont_contact_date": "2020-12-24",
         "cont_contact_decision_date": "2020-12-31"},
        # no contact date: cannot be placed in any period, so in no denominator
        {"cont_contact_id": "C9", "cont_person_id": "P1", "cont_contact_date": None,
         "cont_contact_decision_date": "2020-05-20"},
    ])
    run(con, "KPI01", "2020-04-30", "2020-12-31")
    return con


def test_may_month(con):
    # deadlines in May: C1 pass, C2 fail, C3 pass, C5 fail, C6 pass -> 3/5 = 60 %
    row = value(con, "KPI01", "2020-05-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 5, 60.0)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "decision date before contact date: 1"


def test_may_fytd_includes_april(con):
    # April C0 pass + May 3/5 -> 4/6 = 66.666667 %
    row = value(con, "KPI01", "2020-05-31", "fytd")
    assert (row["numerator"], row["denominator"]) == (4, 6)
    assert row["value"] == pytest.approx(66.666667, abs=1e-6)


def test_by_owning_council(con):
    # 941 (P1): C1 pass, C2 fail -> 50 %; 940 (P2): C3 pass, C5 fail, C6 pass -> 66.67 %
    assert value(con, "KPI01", "2020-05-31", "month", area="941")["value"] == 50.0
    assert value(con, "KPI01", "2020-05-31", "month", area="940")["value"] == pytest.approx(200 / 3, abs=1e-6)


def test_deadline_in_next_month(con):
    # June: only C4 (deadline 2 Jun), decided 1 Jun -> 1/1
    row = value(con, "KPI01", "2020-06-30", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (1, 1, 100.0)


def test_christmas_bank_holidays(con):
    # December: only C8, deadline Wed 30 Dec, decided 31 Dec -> 0/1
    row = value(con, "KPI01", "2020-12-31", "month")
    assert (row["numerator"], row["denominator"], row["value"]) == (0, 1, 0.0)


def test_empty_month_is_null_with_reason(con):
    row = value(con, "KPI01", "2020-07-31", "month")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"
    # owning councils get a row too
    assert value(con, "KPI01", "2020-07-31", "month", area="940")["value"] is None


def test_records_name_the_contacts(con):
    recs = records(con, "KPI01", "2020-05-31", "month")
    assert [r["record_id"] for r in recs] == ["C1", "C2", "C3", "C5", "C6", "C7"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"C1", "C3", "C6"}


def test_decision_window_is_a_parameter():
    # with 3 working days, C2 (contact Thu 7 May, decided Wed 13 May = 3rd working day) passes: 4/5
    con = warehouse()
    add(con, "ssd_contacts", [
        {"cont_contact_id": "C2", "cont_person_id": "P1", "cont_contact_date": "2020-05-07",
         "cont_contact_decision_date": "2020-05-13"},
    ])
    run(con, "KPI01", "2020-05-31", overrides={"decision_working_days": 3})
    assert value(con, "KPI01", "2020-05-31", "month")["value"] == 100.0
