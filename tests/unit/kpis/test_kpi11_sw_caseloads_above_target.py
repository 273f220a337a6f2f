"""KPI11: qualified social workers with caseloads above target x FTE, at 31 March 2024. Hand-worked values.

Default target 18 for every team type; an allocation is open at the period end when
start <= 31 Mar 2024 and (end is null or end > 31 Mar 2024).
"""

import pytest

from tests.kpi_fixture import add, records, run, value, warehouse

PE = "2024-03-31"


def _inv(worker, team, children, role="ALLOC", start="2023-06-01", end=None, tag=""):
    """One involvement per child id in `children` (ids are made up, hand-counted in the comments)."""
    return [
        {"invo_involvements_id": f"{worker}-{team}-{role}-{tag}{c}", "invo_professional_id": worker,
         "invo_professional_role_id": role, "invo_professional_team": team, "invo_person_id": c,
         "invo_involvement_start_date": start, "invo_involvement_end_date": end}
        for c in children
    ]


def kids(prefix, n):
    return [f"{prefix}{i:02d}" for i in range(1, n + 1)]


@pytest.fixture()
def con():
    con = warehouse()
    add(con, "ssd_department", [
        {"dept_team_id": "TA", "dept_team_parent_id": "941", "dept_team_type": "ASSESSMENT"},
        {"dept_team_id": "TC", "dept_team_parent_id": "940", "dept_team_type": "CHILDREN_IN_CARE"},
        # a team listed under both councils: reported once, under area 'joint'
        {"dept_team_id": "TJ", "dept_team_parent_id": "940", "dept_team_type": "SAFEGUARDING"},
        {"dept_team_id": "TJ", "dept_team_parent_id": "941", "dept_team_type": "SAFEGUARDING"},
    ])
    add(con, "ssd_professionals", [
        {"prof_professional_id": w, "prof_social_worker_registration_no": reg,
         "prof_full_time_equivalency": fte, "prof_agency_worker_flag": agency}
        for w, reg, fte, agency in [
            ("W1", "SW001", 1.0, False),
            ("W2", "SW002", 1.0, False),
            ("W3", "SW003", 0.5, False),
            ("W4", "SW004", 0.5, False),
            ("W5", None, 1.0, False),      # no registration number: not qualified
            ("W6", "SW006", 1.0, True),    # agency
            ("W7", "SW007", 1.0, False),
            ("W8", "SW008", 0.0, False),   # FTE 0
            ("W9", "SW009", None, None),   # FTE blank: full time
        ]
    ])
    add(con, "ssd_involvements",
        # W1 (TA, FTE 1): 18 ALLOC + 1 CONSULT = 19 children > 18 -> above
        _inv("W1", "TA", kids("A", 18)) + _inv("W1", "TA", ["A19"], role="CONSULT")
        # W2 (TA, FTE 1): 17 children + one starting on the period end (open) = 18, not > 18;
        # a 19th child's involvement ended on the period end (not open) and a 20th starts the day after
        + _inv("W2", "TA", kids("B", 17)) + _inv("W2", "TA", ["B18"], start=PE)
        + _inv("W2", "TA", ["B19"], end=PE) + _inv("W2", "TA", ["B20"], start="2024-04-01")
        # W3 (TC, FTE 0.5): 10 > 18 x 0.5 = 9 -> above (part time)
        + _inv("W3", "TC", kids("C", 10))
        # W4 (TC, FTE 0.5): 9, not > 9
        + _inv("W4", "TC", kids("D", 9))
        # W5: no registration number -> not qualified, never counted, whatever the caseload
        + _inv("W5", "TA", kids("E", 30))
        # W6 (TJ, agency, FTE 1): 20 > 18 -> above
        + _inv("W6", "TJ", kids("F", 20))
        # W7: only closed or future involvements -> no open allocation, not in the denominator
        + _inv("W7", "TA", kids("G", 25), end=PE) + _inv("W7", "TA", ["G99"], start="2024-04-01")
        # W8: FTE 0 -> excluded with a reason
        + _inv("W8", "TA", ["H01"])
        # W9 (FTE blank = full time): 10 children in TC (J01 has two involvements, counted once) + 8 in TA
        # = 18 distinct, not > 18; team = TC (most children)
        + _inv("W9", "TC", kids("J", 10)) + _inv("W9", "TC", ["J01"], tag="second")
        + _inv("W9", "TA", kids("K", 8), start="2024-01-01"))
    run(con, "KPI11", "2024-02-29", PE)
    return con


def test_trust_snapshot(con):
    # den: W1, W2, W3, W4, W6, W9 = 6 (W5 unqualified, W7 nothing open, W8 excluded);
    # num: W1 (19 > 18), W3 (10 > 9), W6 (20 > 18) = 3 -> 50 %
    row = value(con, "KPI11", PE, "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (3, 6, 50.0)
    assert row["excluded_count"] == 1
    assert row["excluded_reasons"] == "FTE not positive: 1"


def test_records_are_workers(con):
    recs = records(con, "KPI11", PE, "snapshot")
    assert [r["record_id"] for r in recs] == ["W1", "W2", "W3", "W4", "W6", "W8", "W9"]
    assert {r["record_id"] for r in recs if r["numerator"] == 1} == {"W1", "W3", "W6"}
    # W9's team is TC (10 children there against 8 in TA)
    assert {r["record_id"]: r["team"] for r in recs}["W9"] == "TC"


def test_by_area_and_team(con):
    # 941 (TA): W1 above, W2 not -> 50 %; 940 (TC): W3 above, W4 not, W9 not -> 33.333333 %;
    # the team listed under both councils (TJ) is 'joint': W6 above -> 100 %
    assert value(con, "KPI11", PE, "snapshot", area="941")["value"] == 50.0
    assert value(con, "KPI11", PE, "snapshot", area="940")["value"] == pytest.approx(100 / 3, abs=1e-6)
    joint = value(con, "KPI11", PE, "snapshot", area="joint")
    assert (joint["numerator"], joint["denominator"]) == (1, 1)
    tc = value(con, "KPI11", PE, "snapshot", team="TC")
    assert (tc["numerator"], tc["denominator"]) == (1, 3)
    w3 = value(con, "KPI11", PE, "snapshot", team="TC", worker="W3")
    assert (w3["numerator"], w3["denominator"]) == (1, 1)


def test_empty_period_is_null(con):
    # 31 May 2023: every involvement starts on or after 1 Jun 2023, so nobody has an open allocation
    run(con, "KPI11", "2023-05-31")
    row = value(con, "KPI11", "2023-05-31", "snapshot")
    assert row["denominator"] == 0 and row["value"] is None
    assert row["null_reason"] == "no records in the denominator"


def test_february_snapshot(con):
    # 29 Feb 2024: B18 (starts 31 Mar) is not yet open -> W2 has 17 + B19 (ends 31 Mar, open on 29 Feb) = 18;
    # W7's 25 children (end 31 Mar) are open -> 25 > 18, above; the rest as in March -> W1, W3, W6, W7 above
    # out of W1, W2, W3, W4, W6, W7, W9 = 4/7
    row = value(con, "KPI11", "2024-02-29", "snapshot")
    assert (row["numerator"], row["denominator"]) == (4, 7)


def test_target_by_team_type(con):
    # children-in-care target 8 (the override replaces the map; other types take the default 18):
    # W3 10 > 4 above, W4 9 > 4 above, W9 (team TC) 18 > 8 above; W1 above, W2 not, W6 above -> 5/6
    run(con, "KPI11", PE, overrides={"caseload_targets": {"children_in_care": 8}})
    row = value(con, "KPI11", PE, "snapshot")
    assert (row["numerator"], row["denominator"]) == (5, 6)


def test_allocated_roles(con):
    # only ALLOC involvements: W1 has 18 (the CONSULT child drops) -> not above; W3, W6 above -> 2/6
    run(con, "KPI11", PE, overrides={"allocated_roles": ["alloc"]})
    row = value(con, "KPI11", PE, "snapshot")
    assert (row["numerator"], row["denominator"]) == (2, 6)


def test_agency_excluded_by_parameter(con):
    # without agency workers W6 drops: W1, W3 above out of W1, W2, W3, W4, W9 -> 2/5 = 40 %
    run(con, "KPI11", PE, overrides={"include_agency": False})
    row = value(con, "KPI11", PE, "snapshot")
    assert (row["numerator"], row["denominator"], row["value"]) == (2, 5, 40.0)
