"""Build the shipped benchmark reference files from the published DfE files (run by hand, never at run time).

    .venv/bin/python -m scorecard_tools.benchmark_build [--source /work/shared/reference]

Reads (parsing every file by column name, never by position):
  statistical_neighbours/dfe_statistical_neighbours_2021_2025_tidy.csv   -> copied as statistical_neighbours.csv
  statistical_neighbours/New_Statistical_Neighbour_Groupings_April_2021.csv ("Old SNs:" section)
                                                                          -> sn_old_pre2021.csv
  lait/bds_long_0.parquet (LAIT long table)                               -> benchmark_values.parquet (source=lait)
  lait/lait_data_dictionary.csv                                           -> lait_measures.csv (polarity, year type)
  ees/*.csv (explore-education-statistics open data)   -> benchmark_values.parquet (source=ees:<file>)

benchmark_values.parquet columns: source, measure, time_period (int: financial-year end year, or the
30 September year for workforce), geographic_level (la/region/england), la_code (DfE 3-digit, str),
region, value (float, null when missing), symbol (DfE symbol when missing: c, x, z, k, u, low, '-', ':' ...;
'' when the cell was blank), joint_with (the other LA of a joint return, e.g. 941 on a 940 row, else null).
"""

from __future__ import annotations

import argparse
import csv
import shutil
from pathlib import Path

import polars as pl

from pipelines.lib.paths import REFERENCE_DIR

OUT_DIR = REFERENCE_DIR / "benchmarks"
DEFAULT_SOURCE = Path("/work/shared/reference")

# LAIT short descriptions named by the KPI cards (sql/kpis/*.yaml benchmark blocks), exact strings as found
# in bds_long_0.parquet. "A2" (adoption scorecard) is not in the LAIT long table.
LAIT_MEASURES = [
    "ReReferral",
    "Continue_Assess_Comp",
    "CP_conf_15days",
    "PrevRegCPR",
    "LAC_LongStable%",
    "LACStable_2016on",
    "CareLeaverEET",
    "CareLeaverAcc",
    "LACDistance",
    "Work_Force_Vac_Rate",
    "Work_Force_Agecy_Rate",
    "Work_Force_AvgNumCase_SW",
    "%_of LAC Adopted",
    "LAC_ceased_SGO%",
    "LAC_ceased_CAO%",
    # KPI21 components as counts (benchmark.components): adopted and SGO counts, children ceasing care.
    "No_of LAC Adopted",
    "LAC_ceased_SGO",
    "LACceased",
    "Referrals_AssessedNotNeed",
]

# EES simple columns: file -> (source tag, [columns])
EES_SIMPLE = {
    "c1_children_in_need_referrals_and_rereferrals_2013_to_2025.csv": (
        "ees:c1", ["rereferral_percent", "not_in_need_percent"]),
    "d3_cpps_subsequent_plan_2013_to_2025.csv": ("ees:d3", ["CPP_subsequent_percent"]),
    "csww_indicators_2017_to_2025.csv": (
        "ees:csww_indicators", ["vacancy_rate_fte", "agency_rate_fte", "caseload_fte"]),
}

# EES filtered rows: measure -> (file, source, value column, {filter column: value})
EES_FILTERED = {
    "cla_stability_long_term_percent": (
        "la_cla_placement_stability.csv", "ees:la_cla_placement_stability", "children_percent",
        {"cla_group": "Children looked after continuously for at least 2.5 years on 31 March aged under 16 years",
         "placement_stability": "Living with the same carer for at least 2 years"}),
    "cla_stability_3plus_placements_percent": (
        "la_cla_placement_stability.csv", "ees:la_cla_placement_stability", "children_percent",
        {"cla_group": "CLA on 31 March",
         "placement_stability": "With 3 or more placements during the year"}),
}

# EES 17-21 ratios built from counts (KPI09/KPI10 card notes): measure -> (file, source, numerator breakdown,
# denominator breakdown). Percent = 100 * sum(count, both age bands) / sum(denominator count, both bands).
EES_RATIOS = {
    "care_leavers_eet_17_21_percent": (
        "la_care_leavers_activity.csv", "ees:la_care_leavers_activity",
        "Total in education, employment or training", "Total"),
    "care_leavers_suitable_accommodation_17_21_percent": (
        "la_care_leavers_accommodation_suitability.csv", "ees:la_care_leavers_accommodation_suitability",
        "Accommodation considered suitable", "Suitability total"),
}
AGE_BANDS = ["17 to 18 years", "19 to 21 years"]

LAIT_REGION_NAMES = {  # LAIT region-row names -> the names used in la_codes.csv / LAIT LA rows
    "London (Inner)": "Inner London",
    "London (Outer)": "Outer London",
    "Yorkshire and the Humber": "Yorkshire and The Humber",
}
EES_LEVELS = {"Local authority": "la", "Regional": "region", "National": "england"}

SCHEMA = {
    "source": pl.Utf8, "measure": pl.Utf8, "time_period": pl.Int32, "geographic_level": pl.Utf8,
    "la_code": pl.Utf8, "region": pl.Utf8, "value": pl.Float64, "symbol": pl.Utf8, "joint_with": pl.Utf8,
}


def _value_symbol(col: str) -> list[pl.Expr]:
    """Numeric value, or null with the published symbol kept as the reason (never zero)."""
    raw = pl.col(col).cast(pl.Utf8).str.strip_chars()
    num = raw.cast(pl.Float64, strict=False)
    return [
        num.alias("value"),
        pl.when(num.is_null()).then(pl.coalesce(raw, pl.lit(""))).otherwise(None).alias("symbol"),
    ]


def _read_ees(path: Path) -> pl.DataFrame:
    df = pl.read_csv(path, infer_schema_length=0, encoding="utf8-lossy")
    return df.rename({c: c.lstrip("\ufeff").strip() for c in df.columns})


def lait_values(source: Path) -> pl.DataFrame:
    d = pl.read_parquet(source / "lait" / "bds_long_0.parquet",
                        columns=["Short Desc", "Years", "LA and Regions", "Values", "LA Number", "Region"])
    present = set(d["Short Desc"].unique().to_list())
    missing = [m for m in LAIT_MEASURES if m not in present]
    if missing:
        raise ValueError(f"LAIT short descriptions not found: {missing}")
    d = d.filter(pl.col("Short Desc").is_in(LAIT_MEASURES))
    num = pl.col("LA Number").cast(pl.Int64)
    level = pl.when(num == 970).then(pl.lit("england")).when(num >= 980).then(pl.lit("region")).otherwise(pl.lit("la"))
    out = d.select(
        pl.lit("lait").alias("source"),
        pl.col("Short Desc").alias("measure"),
        pl.col("Years").cast(pl.Int32).alias("time_period"),
        level.alias("geographic_level"),
        pl.when(level == "la").then(num.cast(pl.Utf8).str.zfill(3)).otherwise(None).alias("la_code"),
        pl.when(level == "region").then(pl.col("LA and Regions").replace(LAIT_REGION_NAMES))
        .when(level == "la").then(pl.col("Region")).otherwise(None).alias("region"),
        *_value_symbol("Values"),
        pl.lit(None, pl.Utf8).alias("joint_with"),
    )
    # LAIT repeats a joint workforce return (one return for two LAs) on both LAs' rows: mark them as the EES
    # file does, from the EES csww file's own joint rows ("a / b" in old_la_code), for the years it has them.
    out = out.join(workforce_joint_pairs(source), on=["la_code", "time_period"], how="left", suffix="_pair")
    joint = pl.col("measure").str.starts_with("Work_Force_") & pl.col("joint_with_pair").is_not_null()
    return out.with_columns(pl.when(joint).then(pl.col("joint_with_pair")).otherwise(pl.col("joint_with"))
                            .alias("joint_with")).drop("joint_with_pair")


def workforce_joint_pairs(source: Path) -> pl.DataFrame:
    """(la_code, time_period, joint_with) of every joint return in the EES workforce indicators file, both ways."""
    df = _read_ees(source / "ees" / "csww_indicators_2017_to_2025.csv")
    df = df.filter(pl.col("geographic_level") == "Local authority", pl.col("old_la_code").str.contains("/"))
    codes = df.select(pl.col("time_period").cast(pl.Int32),
                      pl.col("old_la_code").str.replace_all(" ", "").str.split("/").alias("_c")).unique()
    if codes.filter(pl.col("_c").list.len() != 2).height:
        raise ValueError("joint returns of more than two LAs are not handled")
    a, b = pl.col("_c").list.first(), pl.col("_c").list.last()
    return pl.concat([codes.select(a.alias("la_code"), "time_period", b.alias("joint_with")),
                      codes.select(b.alias("la_code"), "time_period", a.alias("joint_with"))]).unique().sort(
        "la_code", "time_period")


def _ees_keys(df: pl.DataFrame) -> pl.DataFrame:
    """Common key columns of an EES frame; joint returns ("a / b") become one row per LA with joint_with."""
    df = df.with_columns(
        pl.col("geographic_level").replace_strict(EES_LEVELS, default=None).alias("_level"),
        pl.col("old_la_code").str.replace_all(" ", "").str.split("/").alias("_codes"),
    )
    unknown = df.filter(pl.col("_level").is_null())["geographic_level"].unique().to_list()
    df = df.filter(pl.col("_level").is_not_null())
    if unknown:
        print(f"  skipped geographic levels {unknown}")
    df = df.with_columns(pl.col("_codes").alias("_all_codes")).explode("_codes")
    if df.filter(pl.col("_all_codes").list.len() > 2).height:
        raise ValueError("joint returns of more than two LAs are not handled")
    return df.with_columns(
        pl.col("time_period").cast(pl.Int32),
        pl.when(pl.col("_level") == "la").then(pl.col("_codes")).otherwise(None).alias("_la_code"),
        pl.when(pl.col("_level") == "england").then(None)
        .otherwise(pl.col("region_name").replace("", None)).alias("_region"),
        pl.when(pl.col("_all_codes").list.len() > 1)
        .then(pl.when(pl.col("_all_codes").list.first() != pl.col("_codes"))
              .then(pl.col("_all_codes").list.first()).otherwise(pl.col("_all_codes").list.last()))
        .otherwise(None).alias("joint_with"),
    )


def _ees_frame(df: pl.DataFrame, source: str, measure: str, col: str) -> pl.DataFrame:
    return df.select(
        pl.lit(source).alias("source"), pl.lit(measure).alias("measure"), "time_period",
        pl.col("_level").alias("geographic_level"), pl.col("_la_code").alias("la_code"),
        pl.col("_region").alias("region"), *_value_symbol(col), "joint_with",
    )


def ees_values(source: Path) -> pl.DataFrame:
    frames = []
    for fname, (tag, cols) in EES_SIMPLE.items():
        df = _ees_keys(_read_ees(source / "ees" / fname))
        for col in cols:
            frames.append(_ees_frame(df, tag, col, col))
    for measure, (fname, tag, col, filt) in EES_FILTERED.items():
        df = _read_ees(source / "ees" / fname)
        for k, v in filt.items():
            df = df.filter(pl.col(k) == v)
        frames.append(_ees_frame(_ees_keys(df), tag, measure, col))
    for measure, (fname, tag, num_b, den_b) in EES_RATIOS.items():
        df = _read_ees(source / "ees" / fname)
        df = df.filter(pl.col("care_leaver_age").is_in(AGE_BANDS), pl.col("breakdown").is_in([num_b, den_b]))
        keys = ["time_period", "geographic_level", "region_name", "old_la_code"]
        cnt = pl.col("care_leaver_count").str.strip_chars()
        df = df.with_columns(cnt.cast(pl.Float64, strict=False).alias("_n"), cnt.alias("_raw"))
        agg = df.group_by(keys, maintain_order=True).agg(
            pl.col("_n").filter(pl.col("breakdown") == num_b).sum().alias("_num"),
            pl.col("_n").filter(pl.col("breakdown") == den_b).sum().alias("_den"),
            (pl.col("_n").is_null() | (pl.col("_raw").count() != 2 * len(AGE_BANDS))).any().alias("_bad"),
            pl.col("_raw").filter(pl.col("_n").is_null()).first().alias("_sym"),
        )
        agg = agg.with_columns(
            pl.when(~pl.col("_bad") & (pl.col("_den") > 0)).then(100 * pl.col("_num") / pl.col("_den"))
            .otherwise(None).cast(pl.Utf8).alias("_pct"))
        agg = agg.with_columns(
            pl.when(pl.col("_pct").is_null()).then(pl.coalesce(pl.col("_sym"), pl.lit("x")))
            .otherwise(pl.col("_pct")).alias("_pct"))
        frames.append(_ees_frame(_ees_keys(agg), tag, measure, "_pct"))
    return pl.concat([f.cast(SCHEMA) for f in frames])


def old_neighbours(source: Path) -> list[dict]:
    """The "Old SNs:" section of the April 2021 CSV: the pre-reorganisation LAs' lists (Dorset, Poole,
    Bournemouth, Northamptonshire)."""
    path = source / "statistical_neighbours" / "New_Statistical_Neighbour_Groupings_April_2021.csv"
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.reader(fh))
    header = rows[0]
    idx = {name: i for i, name in enumerate(header) if name not in ("SNP", "")}
    names = {r[idx["LA num"]]: r[idx["LA Name"]] for r in rows[1:] if r and r[idx["LA num"]].strip()}
    out, in_old = [], False
    for r in rows[1:]:
        if any(c.strip().lower().startswith("old sns") for c in r):
            in_old = True
            continue
        if not in_old or not r or not r[idx["LA num"]].strip():
            continue
        for k in range(1, 11):
            col = idx[f"SN{k}"]
            sn = r[col].strip()
            out.append({
                "model": "pre_2021", "la_code": r[idx["LA num"]].strip(), "la_name": r[idx["LA Name"]],
                "region": r[idx["GOReg"]], "rank": k, "sn_code": sn, "sn_name": names.get(sn, ""),
                "closeness": r[col + 1].strip(),  # the SNP column that follows each SNk
            })
    if not out:
        raise ValueError("no Old SNs section found (the pre-2021 lists of the reorganised LAs)")
    return out


def lait_measures(source: Path) -> pl.DataFrame:
    d = pl.read_csv(source / "lait" / "lait_data_dictionary.csv", infer_schema_length=0)
    return (d.filter(pl.col("Measure_short").is_in(LAIT_MEASURES))
            .select(pl.col("Measure_short").alias("measure"), pl.col("Polarity").alias("polarity"),
                    pl.col("Year_Type").alias("year_type"), pl.col("Measure").alias("description"))
            .unique("measure", keep="first").sort("measure"))


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    args = ap.parse_args(argv)
    src = args.source
    OUT_DIR.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src / "statistical_neighbours" / "dfe_statistical_neighbours_2021_2025_tidy.csv",
                    OUT_DIR / "statistical_neighbours.csv")
    old = old_neighbours(src)
    with (OUT_DIR / "sn_old_pre2021.csv").open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=list(old[0]))
        w.writeheader()
        w.writerows(old)
    values = pl.concat([lait_values(src).cast(SCHEMA), ees_values(src)])
    values = values.sort(["source", "measure", "time_period", "geographic_level", "la_code", "region"],
                         nulls_last=True)
    values.write_parquet(OUT_DIR / "benchmark_values.parquet", compression="zstd")
    lait_measures(src).write_csv(OUT_DIR / "lait_measures.csv")
    print(values.group_by("source", "measure").len().sort("source", "measure"))


if __name__ == "__main__":
    main()
