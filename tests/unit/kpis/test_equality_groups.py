"""Equality breakdowns (pipelines/lib/equality.py, sql/equality/kpi_groups.sql) on KPI03 with children of known
sex, ethnicity, age and disability. Expected values worked out by hand below.

Children (ssd_person):
  C1  F  WBRI  born 2013-06-30  (10 on 30 Jun 2023, the period end: band 10-15; 9 on 31 May: band 5-9)
  C2  M  MWBC  born 2020-02-29  (3 on 30 Jun 2023: band 1-4)
  C3  F  ZZZZ  born 2023-01-15  (unrecognised code: the ethnicity group "Refused, not obtained or unknown"; Under 1)
  C4  -  not in ssd_person      (Unknown sex, ethnicity group and age band)
  C5  M  BAFR  born 2007-01-15  (16: band 16-17)
Assessments (KPI03: authorised within 45 working days; a same-day authorisation passes; started Mon 3 Apr 2023
and authorised Tue 13 Jun is the 46th working day: fail; started 6 Mar, authorised 31 May: fail):
  June: A1 C1 pass, A2 C1 fail, A3 C2 pass, A4 C3 fail, A5 C4 pass, A6 C5 pass, A7 C5 pass  -> trust 5/7
  May:  A8 C1 pass, A9 C2 fail                                                            -> fytd June 6/9
"""

from datetime import date

import polars as pl
import pytest

from pipelines.lib.equality import UNKNOWN_ETHNICITY, group_values, published_groups, suppress_groups
from pipelines.lib.kpi_cards import card
from tests.kpi_fixture import add, run, value, warehouse

JUNE, MAY = date(2023, 6, 30), date(2023, 5, 31)


def _a(aid, person, start, auth):
    return {"cina_assessment_id": aid, "cina_person_id": person, "cina_referral_id": "R" + aid,
            "cina_assessment_start_date": start, "cina_assessment_auth_date": auth}


PEOPLE = [
    {"pers_person_id": "C1", "pers_sex": "F", "pers_ethnicity": "WBRI", "pers_dob": "2013-06-30"},
    {"pers_person_id": "C2", "pers_sex": "M", "pers_ethnicity": "MWBC", "pers_dob": "2020-02-29"},
    {"pers_person_id": "C3", "pers_sex": "F", "pers_ethnicity": "ZZZZ", "pers_dob": "2023-01-15"},
    {"pers_person_id": "C5", "pers_sex": "M", "pers_ethnicity": "BAFR", "pers_dob": "2007-01-15"},
]
ASSESSMENTS = [
    _a("A1", "C1", "2023-06-05", "2023-06-05"), _a("A2", "C1", "2023-04-03", "2023-06-13"),
    _a("A3", "C2", "2023-06-06", "2023-06-06"), _a("A4", "C3", "2023-04-03", "2023-06-13"),
    _a("A5", "C4", "2023-06-07", "2023-06-07"), _a("A6", "C5", "2023-06-08", "2023-06-08"),
    _a("A7", "C5", "2023-06-09", "2023-06-09"),
    _a("A8", "C1", "2023-05-10", "2023-05-10"), _a("A9", "C2", "2023-03-06", "2023-05-31"),
]


@pytest.fixture(scope="module")
def con():
    con = warehouse()
    add(con, "ssd_person", PEOPLE)
    add(con, "ssd_cin_assessments", ASSESSMENTS)
    # the SSD's disability table (not in this contract): read when the warehouse holds it
    con.execute("CREATE TABLE ssd_disability (disa_person_id VARCHAR, disa_disability_code VARCHAR)")
    con.execute("INSERT INTO ssd_disability VALUES ('C1', 'NONE'), ('C2', 'MOB')")
    run(con, "KPI03", "2023-04-30", "2023-06-30")
    return con


@pytest.fixture(scope="module")
def groups(con):
    return group_values(con, date(2023, 4, 30), JUNE, [card("KPI03")])


def _row(groups, period_end, basis, dimension, group):
    found = groups.filter((pl.col("period_end") == period_end) & (pl.col("basis") == basis)
                          & (pl.col("dimension") == dimension) & (pl.col("group") == group)).to_dicts()
    assert len(found) == 1, (period_end, basis, dimension, group, found)
    r = found[0]
    return r["numerator"], r["denominator"], r["value"], r["cohort_value"], r["gap"]


def test_cohort_is_the_trust_value(con, groups):
    trust = value(con, "KPI03", "2023-06-30", "month")
    assert (trust["numerator"], trust["denominator"]) == (5, 7)
    june = groups.filter((pl.col("period_end") == JUNE) & (pl.col("basis") == "month"))
    assert set(june["cohort_value"].to_list()) == {trust["value"]}


def test_sex_month_and_fytd(groups):
    # June month: Female C1 (A1 pass, A2 fail) + C3 (A4 fail) = 1/3; Male C2 (A3) + C5 (A6, A7) = 3/3;
    # Unknown C4 (A5) = 1/1. Trust 5/7 = 71.428571; gaps 33.333333 - 71.428571, 100 - 71.428571
    assert _row(groups, JUNE, "month", "sex", "Female") == (1, 3, 33.333333, 71.428571, -38.095238)
    assert _row(groups, JUNE, "month", "sex", "Male") == (3, 3, 100.0, 71.428571, 28.571429)
    assert _row(groups, JUNE, "month", "sex", "Unknown") == (1, 1, 100.0, 71.428571, 28.571429)
    # fytd to June adds May: A8 (C1 pass), A9 (C2 fail). Trust 6/9 = 66.666667.
    # Female: A1, A2, A8, A4 = 2/4 = 50; Male: A3, A9, A6, A7 = 3/4 = 75
    assert _row(groups, JUNE, "fytd", "sex", "Female") == (2, 4, 50.0, 66.666667, -16.666667)
    assert _row(groups, JUNE, "fytd", "sex", "Male") == (3, 4, 75.0, 66.666667, 8.333333)


def test_groups_of_each_dimension_add_up_to_the_trust(groups):
    sums = (groups.group_by("period_end", "basis", "dimension")
            .agg(pl.col("numerator").sum(), pl.col("denominator").sum()))
    june = sums.filter((pl.col("period_end") == JUNE) & (pl.col("basis") == "month"))
    assert sorted(june["dimension"].to_list()) == ["age band", "disability", "ethnicity", "sex"]  # no UASC: KPI03
    assert set(zip(june["numerator"].to_list(), june["denominator"].to_list(), strict=True)) == {(5, 7)}


def test_unknown_ethnicity_code_is_counted_not_lost(groups):
    # C3's ZZZZ and C4 (not in ssd_person) are in the unknown group: A4 fail + A5 pass = 1/2
    assert _row(groups, JUNE, "month", "ethnicity", UNKNOWN_ETHNICITY)[:3] == (1, 2, 50.0)
    assert _row(groups, JUNE, "month", "ethnicity", "White")[:3] == (1, 2, 50.0)       # C1 WBRI
    assert _row(groups, JUNE, "month", "ethnicity", "Mixed")[:3] == (1, 1, 100.0)      # C2 MWBC
    assert _row(groups, JUNE, "month", "ethnicity", "Black or Black British")[:3] == (2, 2, 100.0)  # C5 BAFR


def test_age_band_birthday_on_the_period_end(groups):
    # C1 born 30 Jun 2013 is 10 on 30 Jun 2023 (10-15) and 9 on 31 May 2023 (5-9)
    assert _row(groups, JUNE, "month", "age band", "10-15")[:2] == (1, 2)
    assert _row(groups, MAY, "month", "age band", "5-9")[:2] == (1, 1)
    assert _row(groups, JUNE, "month", "age band", "1-4")[:2] == (1, 1)      # C2, 3
    assert _row(groups, JUNE, "month", "age band", "Under 1")[:2] == (0, 1)  # C3
    assert _row(groups, JUNE, "month", "age band", "16-17")[:2] == (2, 2)    # C5, 16
    assert _row(groups, JUNE, "month", "age band", "Unknown")[:2] == (1, 1)  # C4


def test_disability_where_recorded(groups):
    assert _row(groups, JUNE, "month", "disability", "Disabled")[:2] == (1, 1)                 # C2 MOB
    assert _row(groups, JUNE, "month", "disability", "No disability recorded")[:2] == (4, 6)   # the rest


def test_leap_day_birthday():
    # born 29 Feb 2020: still 0 on 28 Feb 2021 (the birthday is reached on 1 March), 1 on 31 Mar 2021
    con = warehouse()
    add(con, "ssd_person", [{"pers_person_id": "L1", "pers_sex": "m", "pers_ethnicity": " aind",  # case, space
                             "pers_dob": "2020-02-29"}])
    add(con, "ssd_cin_assessments", [_a("B1", "L1", "2021-02-10", "2021-02-10"),
                                     _a("B2", "L1", "2021-03-10", "2021-03-10")])
    run(con, "KPI03", "2021-02-28", "2021-03-31")
    g = group_values(con, date(2021, 2, 28), date(2021, 3, 31), [card("KPI03")])
    month_bands = {(r["period_end"], r["group"]) for r in g.filter(
        (pl.col("basis") == "month") & (pl.col("dimension") == "age band")).to_dicts()}
    assert month_bands == {(date(2021, 2, 28), "Under 1"), (date(2021, 3, 31), "1-4")}
    assert set(g.filter(pl.col("dimension") == "ethnicity")["group"].to_list()) == {"Asian or Asian British"}
    assert set(g.filter(pl.col("dimension") == "sex")["group"].to_list()) == {"Male"}
    # no ssd_disability table: no disability rows
    assert "disability" not in g["dimension"].to_list()


def test_uasc_for_looked_after_measures_only():
    # hand-made kpi_records for KPI12 (a looked-after measure) and KPI03: UASC rows only for KPI12
    con = warehouse()
    run(con, "KPI03", "2023-06-30")  # creates the engine's tables (empty)
    add(con, "ssd_person", PEOPLE)
    con.execute("CREATE TABLE ssd_immigration_status (immi_person_id VARCHAR, immi_immigration_status VARCHAR,"
                " immi_immigration_status_start_date DATE, immi_immigration_status_end_date DATE)")
    con.execute("INSERT INTO ssd_immigration_status VALUES ('C5', 'UASC', DATE '2022-01-01', NULL),"
                " ('C2', 'UASC', DATE '2022-01-01', DATE '2023-01-31')")  # C2's status ended before June
    for kpi in ("KPI12", "KPI03"):
        con.execute("INSERT INTO kpi_records VALUES (?, DATE '2023-06-30', 'snapshot', 'x5', 'C5', '941', NULL, NULL,"
                    " 1, 1, NULL), (?, DATE '2023-06-30', 'snapshot', 'x2', 'C2', '941', NULL, NULL, 0, 1, NULL)",
                    [kpi, kpi])
    g = group_values(con, JUNE, JUNE, [card("KPI12"), card("KPI03")])
    uasc = g.filter(pl.col("dimension") == "uasc")
    assert set(uasc["kpi_id"].to_list()) == {"KPI12"}
    got = {r["group"]: (r["numerator"], r["denominator"], r["value"], r["gap"]) for r in uasc.to_dicts()}
    assert got == {"UASC": (1, 1, 100.0, 50.0), "Not UASC": (0, 1, 0.0, -50.0)}


def _frame(rows):
    base = {"kpi_id": "KPI03", "period_end": JUNE, "basis": "month", "cohort_value": 50.0,
            "cohort_numerator": 30.0, "cohort_denominator": 60.0}
    cols = ["dimension", "group", "numerator", "denominator", "children", "children_in_numerator"]
    data = [{**base, **dict(zip(cols, r, strict=True))} for r in rows]
    for d in data:
        d["value"] = 100 * d["numerator"] / d["denominator"]
        d["gap"] = d["value"] - d["cohort_value"]
    return pl.DataFrame(data)


def test_secondary_suppression_within_a_dimension():
    frame = _frame([
        # sex: Unknown has 3 children -> primary; the next smallest (Female, 25) secondary; Male shown
        ("sex", "Female", 12.0, 25.0, 25, 12), ("sex", "Male", 16.0, 32.0, 32, 16), ("sex", "Unknown", 2.0, 3.0, 3, 2),
        # ethnicity: nothing small -> all shown
        ("ethnicity", "White", 20.0, 40.0, 40, 20), ("ethnicity", UNKNOWN_ETHNICITY, 10.0, 20.0, 20, 10),
        # age: 12 assessments of 4 children -> primary on children; so its pair (the other band) goes too
        ("age band", "1-4", 6.0, 12.0, 4, 3), ("age band", "5-9", 24.0, 48.0, 40, 20),
    ])
    out = {(r["dimension"], r["group"]): r for r in suppress_groups(frame).to_dicts()}
    assert out[("sex", "Unknown")]["suppression"] == "primary"
    assert out[("sex", "Female")]["suppression"] == "secondary"
    assert out[("sex", "Female")]["value"] == out[("sex", "Female")]["gap"] == "c"
    assert out[("sex", "Male")]["suppression"] is None and out[("sex", "Male")]["value"] == "50.0"
    assert out[("sex", "Male")]["gap"] == "0.0" and out[("sex", "Male")]["cohort_value"] == "50.0"
    assert {out[("ethnicity", g)]["suppression"] for g in ("White", UNKNOWN_ETHNICITY)} == {None}
    assert out[("age band", "1-4")]["suppression"] == "primary"
    assert out[("age band", "5-9")]["suppression"] == "secondary"


def test_a_trust_figure_suppressed_as_published_takes_one_group_with_it():
    # the trust row is suppressed in the published values (e.g. secondary among the councils): shown groups
    # would add up to it, so the smallest group goes too, and the cohort value and gaps read c
    frame = _frame([("sex", "Female", 12.0, 25.0, 25, 12), ("sex", "Male", 16.0, 32.0, 32, 16)])
    out = suppress_groups(frame, hidden_trust={("KPI03", JUNE, "month")})
    assert out["suppression"].to_list() == ["secondary", None]
    assert set(out["cohort_value"].to_list()) == set(out["gap"].to_list()) == {"c"}
    assert out["value"].to_list() == ["c", "50.0"]
    # shown, nothing is hidden
    assert suppress_groups(frame)["suppression"].to_list() == [None, None]


def test_denominator_only_card_keeps_small_numerators():
    # KPI18 (days; disclosure children_denominator): a numerator of days is no count of children
    frame = _frame([("sex", "Female", 3.0, 6.0, 6, 1), ("sex", "Male", 4.0, 8.0, 8, 1)]).with_columns(
        pl.lit("KPI18").alias("kpi_id"))
    assert suppress_groups(frame)["suppression"].to_list() == [None, None]
    assert suppress_groups(frame.with_columns(pl.lit("KPI03").alias("kpi_id")))["suppression"].to_list() == [
        "primary", "primary"]


def test_published_groups_hold_no_identifiers(con):
    pub = published_groups(con, JUNE, [card("KPI03")])
    assert pub.columns == ["kpi_id", "title", "period_end", "basis", "dimension", "group", "numerator",
                           "denominator", "value", "cohort_value", "gap", "suppression"]
    text = " ".join(str(v) for row in pub.iter_rows() for v in row)
    for ident in ("C1", "C2", "C3", "C4", "C5", "2013-06-30", "2020-02-29", "2007-01-15", "WBRI", "ZZZZ"):
        assert ident not in text
    # every June group has under 5 children: all suppressed; the cohort (5/7) is not small: shown
    assert set(pub["suppression"].to_list()) == {"primary"}
    assert set(pub.filter(pl.col("basis") == "month")["cohort_value"].to_list()) == {"71.4"}


def test_every_dfe_ethnicity_code_of_the_returns_has_a_major_group():
    # the 903 schema's ETHNIC code list (the DfE's) and the mapping in data/reference/ethnicity_groups.csv agree
    import yaml

    from pipelines.lib.equality import ETHNIC_GROUPS, ethnicity_groups
    from pipelines.lib.paths import PROJECT_ROOT

    schema = yaml.safe_load((PROJECT_ROOT / "pipelines/lib/returns/schemas/ssda903/base.yaml").read_text())
    codes = set(schema["code_sets"]["ETHNIC"])
    assert codes == set(ethnicity_groups())
    assert set(ethnicity_groups().values()) == set(ETHNIC_GROUPS)
    assert ethnicity_groups()["CHNE"] == "Other ethnic group" and ethnicity_groups()["REFU"] == UNKNOWN_ETHNICITY
