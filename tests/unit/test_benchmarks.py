"""Benchmarks: shipped DfE values and statistical-neighbour comparators.

Expected values were read by hand from the published files in /work/shared/reference (cited per test)."""

from __future__ import annotations

from datetime import date

import polars as pl
import pytest

from pipelines.lib import benchmarks as bm

NORTHANTS_OLD_SNS = ["886", "891", "866", "860", "830", "881", "937", "885", "888", "887"]


def test_northamptonshire_2019_20_rereferrals_lait():
    # lait/bds_long_0.parquet, Short Desc "ReReferral", Years "2020": Northamptonshire (928) 32.8,
    # England (970) 22.6; the old-SN values for 2020: Kent 28.5, Nottinghamshire 29.3, Swindon 29.5,
    # Staffordshire 18.7, Derbyshire 26, Essex 19, Warwickshire 19.2, Worcestershire 24.2, Lancashire 21.5,
    # Medway 24.9 -> sum 240.8 / 10 = 24.08 -> 24.1 as LAIT shows it.
    c = bm.comparators("ReReferral", "928", 2020, polarity="low")
    assert c["la_value"] == pytest.approx(32.8)
    assert c["england_value"] == pytest.approx(22.6)
    assert c["model_version"] == "pre_2021"
    assert c["neighbours"] == NORTHANTS_OLD_SNS
    assert c["sn_n"] == 10
    assert round(c["sn_mean"], 1) == 24.1
    assert c["sn_mean"] == pytest.approx(24.08)
    # sorted: 18.7 19 19.2 21.5 24.2 | 24.9 26 28.5 29.3 29.5 -> median (24.2 + 24.9) / 2
    assert c["sn_median"] == pytest.approx(24.55)
    assert c["missing"] == {}


def test_northamptonshire_2019_20_rereferrals_ees_c1():
    # ees/c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv, time_period 2020:
    # National rereferral_percent 22.6; LA 928 32.8; Regional East Midlands 25.6.
    c = bm.comparators("rereferral_percent", "928", 2020)
    assert c["source"] == "ees:c1"
    assert c["la_value"] == pytest.approx(32.8)
    assert c["england_value"] == pytest.approx(22.6)
    assert c["region_value"] == pytest.approx(25.6)
    assert round(c["sn_mean"], 1) == 24.1


def test_dfe_symbol_is_missing_with_reason_not_zero():
    # c1 csv, time_period 2024, Isles of Scilly (420): rereferral_percent "c"; Herefordshire (884): "u".
    v = bm.load_values().filter(pl.col("measure") == "rereferral_percent", pl.col("time_period") == 2024,
                                pl.col("la_code").is_in(["420", "884"])).sort("la_code")
    assert v["value"].to_list() == [None, None]
    assert v["symbol"].to_list() == ["c", "u"]
    c = bm.comparators("rereferral_percent", "420", 2024)
    assert c["la_value"] is None and c["rank"] is None
    assert c["missing"]["la"] == ("c", "suppressed (confidentiality)")
    assert c["missing"]["884"][0] == "u"  # Herefordshire is a neighbour of Scilly, dropped from the mean
    assert c["sn_n"] == 9


def test_lait_dash_is_missing():
    # bds_long_0.parquet ReReferral, 2022: Northamptonshire (928) "-" (abolished 1 April 2021).
    v = bm.load_values().filter(pl.col("source") == "lait", pl.col("measure") == "ReReferral",
                                pl.col("time_period") == 2022, pl.col("la_code") == "928")
    assert v["value"][0] is None and v["symbol"][0] == "-"
    assert (bm.load_values()["value"].drop_nulls() != 0).any()  # sanity: zero is never produced from symbols
    assert bm.load_values().filter(pl.col("symbol").is_not_null(), pl.col("value").is_not_null()).height == 0


def test_neighbour_model_switch_dates():
    assert bm.neighbours("928", date(2021, 3, 31))[0] == "pre_2021"
    assert bm.neighbours("928", date(2021, 3, 31))[1] == NORTHANTS_OLD_SNS
    # April 2021 CSV row 940: SN1..SN10 = 941 891 860 925 830 909 886 885 935 937
    assert bm.neighbours("940", date(2021, 4, 1)) == (
        "april_2021", ["941", "891", "860", "925", "830", "909", "886", "885", "935", "937"])
    assert bm.neighbours("940", date(2025, 4, 30))[0] == "april_2021"
    # sn_model_2025_wide.csv row 940: 866 941 935 925 933 883 891 813 887 384
    assert bm.neighbours("940", date(2025, 5, 1)) == (
        "may_2025", ["866", "941", "935", "925", "933", "883", "891", "813", "887", "384"])
    # An LA with no pre-2021 list shipped falls back to the April 2021 model.
    assert bm.neighbours("202", date(2019, 3, 31))[0] == "april_2021"
    # Workforce years are 30 September: Sept 2020 is still pre-2021, Sept 2021 is the April 2021 model.
    assert bm.period_end_for("Work_Force_Vac_Rate", 2020) == date(2020, 9, 30)
    assert bm.period_end_for("ReReferral", 2020) == date(2020, 3, 31)


def test_rank_and_quartile_by_hand():
    vals = {"a": 10.0, "b": 20.0, "c": 20.0, "d": 30.0, "e": 40.0, "f": 50.0, "g": 60.0, "h": 70.0}
    # high is good: 70 h=1, 60 g=2, 50 f=3, 40 e=4, 30 d=5, 20 b,c=6 (tie), 10 a=8; n=8, quartile=ceil(4r/8)
    assert bm.rank_and_quartile(vals, "h", "high") == (1, 1, 8)
    assert bm.rank_and_quartile(vals, "e", "high") == (4, 2, 8)
    assert bm.rank_and_quartile(vals, "b", "high") == (6, 3, 8)
    assert bm.rank_and_quartile(vals, "a", "high") == (8, 4, 8)
    # low is good: a=1, b/c=2, d=4, ... h=8
    assert bm.rank_and_quartile(vals, "a", "low") == (1, 1, 8)
    assert bm.rank_and_quartile(vals, "c", "low") == (2, 1, 8)
    assert bm.rank_and_quartile(vals, "d", "low") == (4, 2, 8)
    assert bm.rank_and_quartile(vals, "h", "low") == (8, 4, 8)


def test_northamptonshire_workforce_joint_return():
    # ees/csww_indicators_2017_to_2025.csv: 2020 Northamptonshire (928) vacancy_rate_fte 33.6;
    # 2023 "940 / 941" North/West Northamptonshire joint return 36.9.
    assert bm.comparators("vacancy_rate_fte", "928", 2020)["la_value"] == pytest.approx(33.6)
    c = bm.comparators("vacancy_rate_fte", "928", 2023, polarity="low")
    assert c["la_code_used"] == "940/941" and c["la_value"] == pytest.approx(36.9)
    assert c["successor_values"] == {"940": pytest.approx(36.9), "941": pytest.approx(36.9)}
    assert bm.comparators("vacancy_rate_fte", "941", 2023)["la_value"] == pytest.approx(36.9)
    # LAIT carries the same joint value on both rows (Work_Force_Vac_Rate 2023: 940 36.9, 941 36.9).
    assert bm.comparators("Work_Force_Vac_Rate", "940", 2023)["la_value"] == pytest.approx(36.9)


def test_successor_councils_from_2022():
    # c1 csv 2022: 940 rereferral_percent 21.4, 941 19.6; 928 has no row.
    c = bm.comparators("rereferral_percent", "928", 2022)
    assert c["la_value"] is None and c["missing"]["la"][0] == "no row"
    assert c["successor_values"] == {"940": pytest.approx(21.4), "941": pytest.approx(19.6)}
    assert bm.comparators("rereferral_percent", "940", 2022)["la_value"] == pytest.approx(21.4)


def test_shipped_files_and_measures():
    v = bm.load_values()
    assert set(v.columns) >= {"source", "measure", "time_period", "geographic_level", "la_code", "region",
                              "value", "symbol"}
    assert set(v["geographic_level"].unique()) == {"la", "region", "england"}
    lait = set(v.filter(pl.col("source") == "lait")["measure"].unique())
    assert {"ReReferral", "PrevRegCPR", "Work_Force_Vac_Rate", "%_of LAC Adopted"} <= lait
    assert bm.lait_polarity("ReReferral") == "low" and bm.lait_polarity("CareLeaverEET") == "high"
