"""Published measures of the core data set (pipelines/lib/core/published.py and the source: published cards).

Expected values were read BY HAND from the shipped files in data/reference/published/ (verbatim EES copies);
"line N" is the file line (line 1 = the header), the row is described beside it. Tiny EES-format files written
in tmp folders stand in for user-supplied files of measures whose file is not shipped."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest
import yaml

from pipelines.lib.core import published as pb

NORTHANTS_OLD_SNS = ["886", "891", "866", "860", "830", "881", "937", "885", "888", "887"]
CLA12 = "CLA 12 months at 31 March"


def _card(measure_id: str) -> dict:
    return next(c for c in pb.published_cards() if c["id"] == measure_id)


@pytest.fixture(scope="module")
def shipped() -> pl.DataFrame:
    # Every published card against the shipped files only (no user folder: an empty tmp one beats the env).
    return pb.published_values(None, pb.published_cards(), user_dir=Path("/nonexistent-published-dir"))


def _value(frame: pl.DataFrame, measure_id: str, year: int, level: str, la_code: str | None = None) -> dict:
    f = frame.filter(pl.col("measure_id") == measure_id, pl.col("time_period") == year,
                     pl.col("geographic_level") == level)
    if la_code is not None:
        f = f.filter(pl.col("la_code") == la_code)
    assert f.height == 1, f
    return f.to_dicts()[0]


# ----------------------------------------------------------------------------------------- periods

def test_time_periods_parse_to_end_year_label_and_period_end():
    assert pb.parse_time_period("202425", "academic") == (2025, "2024/25", date(2025, 8, 31))
    assert pb.parse_time_period("2025", "financial") == (2025, "2024/25", date(2025, 3, 31))
    assert pb.parse_time_period("2000", "financial") == (2000, "1999/00", date(2000, 3, 31))
    # NEET/participation: the December-February average, period end the last day of February (leap year 2024).
    assert pb.parse_time_period("2024", "calendar", 2) == (2024, "2024", date(2024, 2, 29))
    assert pb.parse_time_period("2025", "calendar", 2)[2] == date(2025, 2, 28)
    assert pb.parse_time_period("2025", "calendar")[2] == date(2025, 12, 31)
    assert pb.parse_time_period("199900", "academic") == (2000, "1999/00", date(2000, 8, 31))
    for bad, kind in (("2025", "academic"), ("202426", "academic"), ("202425", "financial"), ("20x5", "calendar")):
        with pytest.raises(ValueError):
            pb.parse_time_period(bad, kind)


# ----------------------------------------------------------------------------------------- shipped values

def test_ks2_rwm_cla_940_and_england_2021_22(shipped):
    # ks2_la.csv line 1715: 202122, Local authority, 940 North Northamptonshire, CLA 12 months at 31 March,
    # t_rwm_eligible_pupils 32, t_rwm_met_expected_standard 6, pt_rwm_met_expected_standard 19.
    # line 1648: 202122 National CLA 12 months: 3170, 990, 31.
    la = _value(shipped, "CDS_ED06", 2022, "la", "940")
    assert (la["value"], la["numerator"], la["denominator"]) == (19.0, 6.0, 32.0)
    assert la["period_label"] == "2021/22" and la["period_end"] == date(2022, 8, 31)
    assert la["area_name"] == "North Northamptonshire"
    eng = _value(shipped, "CDS_ED06", 2022, "england")
    assert (eng["value"], eng["numerator"], eng["denominator"]) == (31.0, 990.0, 3170.0)


def test_trust_is_940_plus_941_counts_recomputed(shipped):
    # ks2_la.csv 202122 CLA 12 months: 940 (line 1715) 6 of 32; 941 (line 1719) 9 of 28 (32%).
    # trust = 100 * (6 + 9) / (32 + 28) = 100 * 15 / 60 = 25.0 (the mean of 19 and 32 would be 25.5: not used).
    t = _value(shipped, "CDS_ED06", 2022, "trust")
    assert t["la_code"] == "928"
    assert (t["numerator"], t["denominator"]) == (15.0, 60.0)
    assert t["value"] == pytest.approx(25.0)
    assert t["symbol"] is None and t["reason"] is None


def test_ks4_9_5_english_maths_cla_941(shipped):
    # ks4_la.csv line 734: 202324, 941 West Northamptonshire, CLA 12 months at 31 March, Final,
    # t_pupils 56, t_l2basics_95 6, pt_l2basics_95 10.7.
    la = _value(shipped, "CDS_ED07", 2024, "la", "941")
    assert (la["value"], la["numerator"], la["denominator"]) == (10.7, 6.0, 56.0)


def test_928_row_used_directly_for_2019_20(shipped):
    # ks4_la.csv line 2695: 201920, 928 Northamptonshire, CLA 12 months, Revised: t_pupils 75,
    # t_l2basics_95 9, pt_l2basics_95 12 -> the trust value is 928's published 12, not a recomputation.
    t = _value(shipped, "CDS_ED07", 2020, "trust")
    assert (t["value"], t["numerator"], t["denominator"]) == (12.0, 9.0, 75.0)
    assert t["period_label"] == "2019/20"
    # 940/941 have no rows before 2021/22 in this file.
    assert shipped.filter(pl.col("measure_id") == "CDS_ED07", pl.col("time_period") == 2020,
                          pl.col("la_code").is_in(["940", "941"]), pl.col("geographic_level") == "la").height == 0


def test_persistent_absence_cla(shipped):
    # absence_la.csv line 3642: 202324, 940, six half terms, CLA 12 months, Total: t_pupils 245,
    # t_pupils_pa_10_exact 53, pt_pupils_pa_10_exact 21.6; line 3662: 941 278, 53, 19.1;
    # line 3302: National 34660, 7210, 20.8.
    assert _value(shipped, "CDS_ED04", 2024, "la", "940")["value"] == 21.6
    assert _value(shipped, "CDS_ED04", 2024, "la", "941")["value"] == 19.1
    assert _value(shipped, "CDS_ED04", 2024, "england")["value"] == 20.8
    # trust = 100 * (53 + 53) / (245 + 278) = 10600 / 523 = 20.2676...
    t = _value(shipped, "CDS_ED04", 2024, "trust")
    assert t["value"] == pytest.approx(10600 / 523)
    assert round(t["value"], 1) == 20.3


def test_suppressed_c_cell_stays_null_with_symbol(shipped):
    # ks2_la.csv line 730: 202324, 940, CLA 12 months: t_rwm_eligible_pupils 16, met c, pt c.
    la = _value(shipped, "CDS_ED06", 2024, "la", "940")
    assert la["value"] is None and la["numerator"] is None
    assert la["denominator"] == 16.0
    assert la["symbol"] == "c" and la["reason"] == "suppressed (confidentiality)"
    # ... so the trust value is not computed from 941 alone, nor from percentages.
    t = _value(shipped, "CDS_ED06", 2024, "trust")
    assert t["value"] is None and t["symbol"] == "c"
    assert "council 940" in t["reason"] and "not averaged" in t["reason"]


def test_x_not_available_for_928_when_no_assessments(shipped):
    # ks2_la.csv line 2695: 201920, 928, CLA 12 months: x, x, x (KS2 cancelled, COVID-19).
    t = _value(shipped, "CDS_ED06", 2020, "trust")
    assert t["value"] is None and t["symbol"] == "x" and t["reason"] == "not available"


def test_sn_mean_for_persistent_absence_2023_24(shipped):
    # 928 keeps its Old SNs list (pre_2021) after 2021. absence_la.csv 202324, CLA 12 months, Total,
    # pt_pupils_pa_10_exact: Kent 19.9, Nottinghamshire 25.5, Swindon 18.6, Staffordshire 19.3, Derbyshire 24.1,
    # Essex 18, Warwickshire 25.2, Worcestershire 18.8, Lancashire 19.3, Medway 17.3
    # -> sum 206.0 / 10 = 20.6; sorted 17.3 18 18.6 18.8 19.3 | 19.3 19.9 24.1 25.2 25.5 -> median 19.3.
    # Regional East Midlands 21.3; National 20.8.
    c = pb.comparators(shipped, "CDS_ED04", 2024)
    assert c["model_version"] == "pre_2021" and c["neighbours"] == NORTHANTS_OLD_SNS
    assert c["sn_n"] == 10 and c["sn_missing"] == {}
    assert c["sn_mean"] == pytest.approx(20.6)
    assert c["sn_median"] == pytest.approx(19.3)
    assert c["region"] == "East Midlands" and c["region_value"] == 21.3
    assert c["england_value"] == 20.8
    assert c["trust"]["value"] == pytest.approx(10600 / 523)
    assert c["councils"]["940"]["value"] == 21.6 and c["councils"]["941"]["value"] == 19.1
    assert c["rank_direction"].startswith("rank 1 = lowest")  # polarity low from the card
    assert 1 <= c["rank"] <= c["rank_n"] and c["quartile"] in (1, 2, 3, 4)


def test_sn_mean_drops_suppressed_neighbours_ks2_2021_22(shipped):
    # ks2_la.csv 202122 CLA 12 months pt_rwm_met_expected_standard: Kent 34, Nottinghamshire 24, Swindon c,
    # Staffordshire 27, Derbyshire 18, Essex 21, Warwickshire 27, Worcestershire 35, Lancashire 36, Medway c
    # -> (34+24+27+18+21+27+35+36) / 8 = 222 / 8 = 27.75, n 8 (the c cells are dropped, not zero).
    c = pb.comparators(shipped, "CDS_ED06", 2022)
    assert c["sn_n"] == 8 and c["sn_mean"] == pytest.approx(27.75)
    assert c["sn_missing"] == {"866": ("c", "suppressed (confidentiality)"),
                               "887": ("c", "suppressed (confidentiality)")}
    assert c["region_value"] == 28.0 and c["england_value"] == 31.0


def test_case_card_benchmark_block_health_assessments(tmp_path):
    # A case card with a benchmark.published block (as CDS_FP04 carries): la_conviction_health_outcome_cla.csv.
    card = {
        "id": "T_FP04", "source": "case",
        "benchmark": {"published": {
            "file": "la_conviction_health_outcome_cla.csv", "year_type": "financial",
            "filters": {"characteristic": "Health assessments: Children looked after all ages",
                        "breakdown": "Had their annual health assessment"},
            "value_column": "children_percent", "numerator_column": "children_count",
            "denominator_filters": {"breakdown": "Total all ages"}}},
    }
    path = tmp_path / "T_FP04_health.yaml"
    path.write_text(yaml.safe_dump(card))
    block = pb.benchmark_block(path)
    assert block is not None and block.denominator_filters == {"breakdown": "Total all ages"}
    f = pb.published_values(None, [path], user_dir=tmp_path)
    # line 4950: 2023 Reporting year, 940, "Had their annual health assessment" 311, 79;
    # line 4953: 940 "Total all ages" 396; line 4954: 941 374, 78; line 4957: 941 total 478.
    la = _value(f, "T_FP04", 2023, "la", "940")
    assert (la["value"], la["numerator"], la["denominator"]) == (79.0, 311.0, 396.0)
    assert la["period_label"] == "2022/23" and la["period_end"] == date(2023, 3, 31)
    # trust = 100 * (311 + 374) / (396 + 478) = 68500 / 874 = 78.375...
    t = _value(f, "T_FP04", 2023, "trust")
    assert (t["numerator"], t["denominator"]) == (685.0, 874.0)
    assert t["value"] == pytest.approx(68500 / 874)
    # line 4678: National 52390, 89.
    assert _value(f, "T_FP04", 2023, "england")["value"] == 89.0
    # 2020/21 (time_period 2021): 928 has 457 of 851 (54%), 940/941 are z -> 928 used as published.
    t21 = _value(f, "T_FP04", 2021, "trust")
    assert (t21["value"], t21["numerator"], t21["denominator"]) == (54.0, 457.0, 851.0)
    z = _value(f, "T_FP04", 2021, "la", "940")
    assert z["value"] is None and z["symbol"] == "z" and z["reason"] == "not applicable"


# ----------------------------------------------------------------------------------------- user files

NEET_HEADER = ("\ufefftime_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
               "old_la_code,new_la_code,la_name,Age,Characteristic_grouping,Characteristic,avgcohort,avgNEETNK,"
               "avgNEET,avgNK,NEETNKprop,NEETprop,Notknownprop,annual_change_NEETNK")
NEET_ROWS = [
    "2024,Calendar year,National,E92000001,England,,,,,,16-17,Total,Total,1200000,66000,38400,27600,5.5,3.2,2.3,0.1",
    "2024,Calendar year,Regional,E92000001,England,E12000004,East Midlands,,,,16-17,Total,Total,100000,5000,3000,"
    "2000,5,3,2,0",
    "2024,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,940,E06000061,North Northamptonshire,"
    "16-17,Total,Total,8000,400,240,160,5,3,2,0",
    "2024,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,940,E06000061,North Northamptonshire,"
    "16-17,Sex,Male,4000,250,150,100,6.3,3.8,2.5,0",
    "2024,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,941,E06000062,West Northamptonshire,"
    "16-17,Total,Total,10000,600,420,180,6,4.2,1.8,0",
    "2024,Calendar year,Local authority,E92000001,England,E12000008,South East,886,E10000016,Kent,"
    "16-17,Total,Total,35000,2000,1435,565,5.7,4.1,1.6,0",
    "2024,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,891,E10000024,Nottinghamshire,"
    "16-17,Total,Total,20000,1100,700,400,5.5,3.5,2,0",
    "2023,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,940,E06000061,North Northamptonshire,"
    "16-17,Total,Total,7900,c,c,c,c,c,c,z",
    "2023,Calendar year,Local authority,E92000001,England,E12000004,East Midlands,941,E06000062,West Northamptonshire,"
    "16-17,Total,Total,9900,590,410,180,6,4.1,1.8,0",
]


def _write(path: Path, header: str, rows: list[str]) -> Path:
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_user_supplied_file_for_unshipped_measure(tmp_path):
    # CDS_ED11 NEET 16-17 reads ud_neet_characteristics.csv (not shipped); a BOM-headed EES-format file in the
    # user folder is found and parsed by column name (the columns here are in a different order to the card).
    _write(tmp_path / "ud_neet_characteristics.csv", NEET_HEADER, NEET_ROWS)
    f = pb.published_values(None, [_card("CDS_ED11")], user_dir=tmp_path)
    t = _value(f, "CDS_ED11", 2024, "trust")
    # trust = 100 * (240 + 420) / (8000 + 10000) = 66000 / 18000 = 3.666... (the Male row is filtered out)
    assert (t["numerator"], t["denominator"]) == (660.0, 18000.0)
    assert t["value"] == pytest.approx(66000 / 18000)
    assert t["period_label"] == "2024" and t["period_end"] == date(2024, 2, 29)  # leap-year February
    # 2023: 940's NEET count is c -> no trust value, reason names the council; 941 keeps its own value.
    t23 = _value(f, "CDS_ED11", 2023, "trust")
    assert t23["value"] is None and t23["symbol"] == "c" and "council 940" in t23["reason"]
    assert _value(f, "CDS_ED11", 2023, "la", "941")["value"] == 4.1
    # Comparators: period end 29 Feb 2024 -> 928's Old SNs; only Kent 4.1 and Nottinghamshire 3.5 have rows
    # -> SN mean (4.1 + 3.5) / 2 = 3.8, n 2, the 8 others 'no row'. Region 3, England 3.2.
    c = pb.comparators(f, "CDS_ED11", 2024)
    assert c["sn_n"] == 2 and c["sn_mean"] == pytest.approx(3.8)
    assert c["sn_missing"]["866"] == ("no row", "not published for this LA/year")
    assert (c["region_value"], c["england_value"]) == (3.0, 3.2)
    # Rank among LAs with a value (Kent 4.1, Nottinghamshire 3.5, trust 3.67; 940/941 left out), low is good:
    # Nottinghamshire 1, trust 2 of 3 -> quartile ceil(4 * 2 / 3) = 3.
    assert (c["rank"], c["rank_n"], c["quartile"]) == (2, 3, 3)


def test_user_folder_from_environment(tmp_path, monkeypatch):
    _write(tmp_path / "ud_neet_characteristics.csv", NEET_HEADER, NEET_ROWS)
    monkeypatch.setenv(pb.USER_DIR_ENV, str(tmp_path))
    f = pb.published_values(None, [_card("CDS_ED12")])
    # not known: 100 * (160 + 180) / 18000 = 34000 / 18000 = 1.888...
    assert _value(f, "CDS_ED12", 2024, "trust")["value"] == pytest.approx(34000 / 18000)


def test_user_file_wins_over_the_shipped_file(tmp_path):
    # A newer release of ks2_la.csv dropped in the user folder is read instead of the shipped copy.
    header = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
              "old_la_code,la_name,new_la_code,social_care_group,version,t_rwm_eligible_pupils,"
              "t_rwm_met_expected_standard,pt_rwm_met_expected_standard")
    rows = ["202526,Academic year,Local authority,E92000001,England,E12000004,East Midlands,940,North "
            "Northamptonshire,E06000061,CLA 12 months at 31 March,Provisional,20,10,50",
            "202526,Academic year,Local authority,E92000001,England,E12000004,East Midlands,941,West "
            "Northamptonshire,E06000062,CLA 12 months at 31 March,Provisional,30,12,40"]
    _write(tmp_path / "ks2_la.csv", header, rows)
    f = pb.published_values(None, [_card("CDS_ED06")], user_dir=tmp_path)
    assert f["time_period"].unique().to_list() == [2026]
    # trust = 100 * (10 + 12) / (20 + 30) = 2200 / 50 = 44.0
    assert _value(f, "CDS_ED06", 2026, "trust")["value"] == pytest.approx(44.0)


def test_joint_return_counted_once_and_gap_measure(tmp_path):
    # CDS_ED14 (FSM gap at 5) from a user EYFSP file where 940/941 submit one joint row ("940 / 941").
    header = ("time_period,time_identifier,geographic_level,country_code,country_name,region_code,region_name,"
              "old_la_code,new_la_code,la_name,lad_code,lad_name,breakdown_topic,breakdown,sex,children_number,"
              "gld_number,gld_percentage")
    em = "E92000001,England,E12000004,East Midlands"
    rows = [
        f"202324,Academic year,Local authority,{em},940 / 941,,North and West Northamptonshire,,,"
        "Free school meal status,FSM eligible,Total,1000,500,50",
        f"202324,Academic year,Local authority,{em},940 / 941,,North and West Northamptonshire,,,"
        "Free school meal status,Not known to be FSM eligible,Total,4000,2800,70",
        f"202324,Academic year,Local authority district,{em},940,,North Northamptonshire,E07000150,Corby,"
        "Free school meal status,FSM eligible,Total,100,10,10",
        "202324,Academic year,National,E92000001,England,,,,,,,,Free school meal status,FSM eligible,Total,"
        "100000,52000,52",
        "202324,Academic year,National,E92000001,England,,,,,,,,Free school meal status,"
        "Not known to be FSM eligible,Total,500000,360000,72",
    ]
    _write(tmp_path / "eyfsp_headline_measures_by_characteristics.csv", header, rows)
    f = pb.published_values(None, [_card("CDS_ED14")], user_dir=tmp_path)
    # joint row once: FSM 100 * 500 / 1000 = 50; other 100 * 2800 / 4000 = 70 -> gap 70 - 50 = 20 points
    # (summing the joint row twice would give the same percentages, so check the counts are not doubled below).
    t = _value(f, "CDS_ED14", 2024, "trust")
    assert t["value"] == pytest.approx(20.0) and t["numerator"] is None
    assert _value(f, "CDS_ED14", 2024, "england")["value"] == pytest.approx(72 - 52)
    # the LAD row (Corby) is not read as a local authority
    assert f.filter(pl.col("area_name") == "Corby").height == 0
    fsm = pb.published_values(None, [{"id": "T_FSM", "source": "published", "published": {
        **_card("CDS_ED14")["published"], "gap_compare_filters": None}}], user_dir=tmp_path)
    assert (_value(fsm, "T_FSM", 2024, "trust")["numerator"], _value(fsm, "T_FSM", 2024, "trust")["denominator"]) \
        == (500.0, 1000.0)


def test_missing_file_gives_reason_not_exception(tmp_path):
    f = pb.published_values(None, [_card("CDS_ED02")], user_dir=tmp_path)
    assert f.height == 1
    row = f.to_dicts()[0]
    assert row["geographic_level"] == "trust" and row["value"] is None and row["time_period"] is None
    assert row["reason"].startswith("source file exclusions_la.csv not supplied (looked in ")
    assert str(tmp_path) in row["reason"]


def test_bad_header_names_file_column_and_expected_columns(tmp_path):
    header = NEET_HEADER.replace(",avgNEET,", ",avg_neet,")
    path = _write(tmp_path / "ud_neet_characteristics.csv", header, NEET_ROWS[:1])
    with pytest.raises(pb.PublishedDataError) as err:
        pb.published_values(None, [_card("CDS_ED11")], user_dir=tmp_path)
    msg = str(err.value)
    assert str(path) in msg and "'avgNEET' not found" in msg and "CDS_ED11" in msg
    assert "expected columns: ['time_period', 'geographic_level'" in msg and "'NEETprop'" in msg


def test_filter_value_not_in_file_gives_reason_listing_values(tmp_path):
    rows = [r.replace(",Total,Total,", ",Total,All,") for r in NEET_ROWS]
    _write(tmp_path / "ud_neet_characteristics.csv", NEET_HEADER, rows)
    f = pb.published_values(None, [_card("CDS_ED11")], user_dir=tmp_path)
    assert f.height == 1
    assert f["reason"][0] == ("no rows in ud_neet_characteristics.csv with Characteristic = 'Total' "
                              "(values there: 'All', 'Male')")


def test_time_period_not_of_the_year_type_names_row(tmp_path):
    rows = [NEET_ROWS[0], NEET_ROWS[2].replace("2024,", "202324,", 1)]
    path = _write(tmp_path / "ud_neet_characteristics.csv", NEET_HEADER, rows)
    with pytest.raises(pb.PublishedDataError, match=r"column 'time_period', row 2: .*202324"):
        pb.published_values(None, [_card("CDS_ED11")], user_dir=tmp_path)
    assert path.exists()


def test_values_written_to_duckdb(tmp_path):
    con = duckdb.connect()
    f = pb.published_values(con, [_card("CDS_ED04")], user_dir=tmp_path)
    n, trust = con.execute(
        "SELECT count(*), sum(CASE WHEN geographic_level = 'trust' THEN 1 ELSE 0 END) FROM core_published").fetchone()
    assert n == f.height and trust == 7  # 2018/19 to 2024/25


# ----------------------------------------------------------------------------------------- the cards

# Published measures without a value for the authority from the shipped files, and why (pinned).
NOT_SHIPPED = {
    "CDS_FP03": "eyfsp_headline_measures_by_characteristics.csv",
    "CDS_ED02": "exclusions_la.csv",
    "CDS_ED03": "exclusions_la.csv",
    "CDS_ED05": "ks1_la.csv",
    "CDS_ED10": "participation_characteristics_la.csv",
    "CDS_ED11": "ud_neet_characteristics.csv",
    "CDS_ED12": "ud_neet_characteristics.csv",
    "CDS_ED13": "eyfsp_headline_measures_by_characteristics.csv",
    "CDS_ED14": "eyfsp_headline_measures_by_characteristics.csv",
    "CDS_ED15": "ks2_regional_local_authority_and_pupil_characteristics.csv",
    "CDS_ED16": "ks4_la_characteristics.csv",
    "CDS_ED20": "exc_la.csv",
    "CDS_ED21": "absence_la_all_pupils.csv",
    "CDS_ED22": "absence_la_all_pupils.csv",
    "CDS_ED23": "absence_la_all_pupils.csv",
    "CDS_ED24": "ks2_regional_local_authority_and_pupil_characteristics.csv",
    "CDS_ED25": "ks4_la_characteristics.csv",
    "CDS_ED26": "a_level_entries_results_la.csv",
    "CDS_ED27": "a_level_entries_results_la.csv",
    "CDS_ED28": "level_2_3_ages_16_19_la.csv",
}
WITH_VALUES = {"CDS_ED04": "absence_la.csv", "CDS_ED06": "ks2_la.csv", "CDS_ED07": "ks4_la.csv"}
FEED_FALLBACK = {"CDS_ED02": "virtual_school", "CDS_ED03": "virtual_school", "CDS_ED04": "virtual_school",
                 "CDS_ED10": "participation", "CDS_ED11": "participation", "CDS_ED12": "participation"}


def test_every_published_card_and_which_have_values(shipped):
    cards = {c["id"]: c for c in pb.published_cards()}
    assert set(cards) == set(NOT_SHIPPED) | set(WITH_VALUES)
    trust = shipped.filter(pl.col("geographic_level") == "trust")
    have = set(trust.filter(pl.col("value").is_not_null())["measure_id"].unique().to_list())
    assert have == set(WITH_VALUES)
    for mid, file in WITH_VALUES.items():
        assert cards[mid]["published"]["file"] == file and cards[mid]["published"].get("shipped", True)
        assert (pb.PUBLISHED_DIR / file).is_file()
    for mid, file in NOT_SHIPPED.items():
        block = cards[mid]["published"]
        assert block["file"] == file and block["shipped"] is False, mid
        assert block.get("publication") and block.get("data_set"), mid
        reasons = trust.filter(pl.col("measure_id") == mid)["reason"].to_list()
        assert reasons == [f"source file {file} not supplied (looked in /nonexistent-published-dir, "
                           "data/reference/published)"], mid
    for mid, family in FEED_FALLBACK.items():
        assert cards[mid]["feed"]["family"] == family, mid


def test_cards_load_as_measure_cards_and_blocks_parse():
    from pipelines.lib.measure_cards import load_measure

    for path in sorted(pb.CORE_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text())
        if raw.get("source") != "published":
            continue
        card = load_measure(path)
        block = pb.block_for(card)
        assert block is not None and block.year_type in pb.YEAR_TYPES
        assert card.unit == "percent" and raw["decisions"]
        # shipped blocks name a shipped file whose header has every column the block reads
        if block.shipped:
            df = pb.read_ees(pb.PUBLISHED_DIR / block.file)
            pb.check_columns(df, block, pb.PUBLISHED_DIR / block.file, card.id)


def test_shipped_readme_lists_every_shipped_file():
    readme = (pb.PUBLISHED_DIR / "README.md").read_text()
    for csv in sorted(p.name for p in pb.PUBLISHED_DIR.glob("*.csv")):
        assert f"`{csv}`" in readme, csv
    assert "Open Government Licence v3" in readme


def test_national_only_file_needs_no_la_columns(tmp_path):
    # A national-only EES file (like the adoption stage timings) has no region / LA columns: England is read,
    # the trust row says it is not published for the authority.
    _write(tmp_path / "national_only.csv", "time_period,time_identifier,geographic_level,country_code,country_name,"
           "measure,number", ["2025,Reporting year,National,E92000001,England,days,480",
                              "2024,Reporting year,National,E92000001,England,days,x"])
    card = {"id": "T_NAT", "source": "published", "published": {
        "file": "national_only.csv", "year_type": "financial", "filters": {"measure": "days"},
        "value_column": "number"}}
    f = pb.published_values(None, [card], user_dir=tmp_path)
    assert _value(f, "T_NAT", 2025, "england")["value"] == 480.0
    assert _value(f, "T_NAT", 2024, "england")["symbol"] == "x"
    t = _value(f, "T_NAT", 2025, "trust")
    assert t["value"] is None and t["reason"] == "not published for 928 or 940, 941"
    c = pb.comparators(f, "T_NAT", 2025, polarity="low")
    assert c["england_value"] == 480.0 and c["sn_n"] == 0 and c["sn_mean"] is None and c["rank"] is None


def test_trust_series_as_at_a_date(shipped):
    # CDS_ED04 is academic (period end 31 August): at 31 March 2025 the latest year is 2023/24 (ends 31 Aug
    # 2024); the 5 years shown are 2019/20 .. 2023/24.
    rows = pb.trust_series(shipped, "CDS_ED04", date(2025, 3, 31))
    assert [r["period_label"] for r in rows] == ["2019/20", "2020/21", "2021/22", "2022/23", "2023/24"]
    assert pb.latest_period(shipped, "CDS_ED04") == 2025
    missing = pb.trust_series(shipped, "CDS_ED02", date(2025, 3, 31))
    assert len(missing) == 1 and missing[0]["reason"].startswith("source file exclusions_la.csv not supplied")


def test_years_months_durations_read_as_days():
    from pipelines.lib.core.published import years_months_days

    # 1 year 7 months = 365.25 + 7 * 30.4375 = 578.3125 -> 578 days; 0 years 6 months = 182.625 -> 183
    assert years_months_days("01:07") == (578.0, None)
    assert years_months_days(" 00:06 ") == (183.0, None)
    assert years_months_days("02:00") == (730.0, None)   # 730.5 rounds half to even
    assert years_months_days("x") == (None, "x")          # a DfE symbol stays missing
    assert years_months_days("01:13") == (None, "01:13")  # not a years:months value


def test_fp13_national_comparator_in_days():
    import polars as pl

    from pipelines.lib.core.published import published_values
    from pipelines.lib.measure_cards import measure

    frame = published_values(None, [measure("CDS_FP13")])
    eng = frame.filter(pl.col("geographic_level") == "england")
    assert eng.height > 0 and eng["value"].drop_nulls().len() == eng.height
    # national_cla_adopted_average_time_between_adoption_process_stages.csv, 2025, Total, stage 4: "01:07"
    assert eng.filter(pl.col("time_period") == 2025)["value"].to_list() == [578.0]
