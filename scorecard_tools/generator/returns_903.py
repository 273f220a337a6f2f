"""The synthetic authority's SSDA903 returns: one CSV set per completed collection year, from the SSD record.

Each year's files are the return as the authority's system would produce it on the drop's extract date:
what was known by then (late entries, corrected dates), but nothing that happened after that year's
31 March (episodes still open then have no DEC), so a set of several years exercises the adapter's stitching
(an open episode continuing in the next year's file) while the years together say what the SSD tables of
the same drop say. (Cut at each 31 March instead, a record entered late or corrected after the year end
would differ from the SSD tables for reasons that are not the return's: it was simply made earlier.)
Dates are DD/MM/YYYY as real exports write them; file names follow the usual export names
(``903_episodes_2019-20.csv``), which the adapter does not use to recognise a table.

OC3 holds the relevant and former relevant young people with a 17th-21st birthday in the year (not the
qualifying ones), with their latest status recorded by 31 March.

OC2 outcomes come from the simulated checks: HEALTH_CHECK = an annual health check completed in the 12 months
to 31 March, TEETH_CHECK = a dental check completed in them, HEALTH_ASSESSMENT = a development check for an
under-5 (blank from 5), IMMUNISATIONS = up to date at 31 March, SDQ_SCORE = the latest score in the year for a
4-16 year old (else SDQ_REASON SDQ1 outside the ages, SDQ4 otherwise). Convictions (10-17 year olds, about 3%)
and substance misuse (about 3%, with interventions received or offered) are drawn from their own stream per
child and year, and AD1's adopter details from their own stream per child, so nothing else in the
simulation moves.
"""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import polars as pl

from . import drops as writer

FIRST_YEAR = 2018  # 2017/18
SEX_CODE = {"M": "1", "F": "2"}
SEX_LETTERS_FROM = 2025  # 2024/25: SEX is M/F/U, not 1/2 (schemas/ssda903/2024_25.yaml)
# ACTIV before 2021/22 had F3/P3 (training or employment); from then F4/P4 (training) and F5/P5 (employment)
ACTIV_SPLIT_FROM = 2022
ACTIV_BEFORE_SPLIT = {"F4": "F3", "F5": "F3", "P4": "P3", "P5": "P3"}
ACTIV_AFTER_SPLIT = {"F3": "F5", "P3": "P5"}
# the 903's CIN (category of need) is N1-N8: the SSD's N9 (not a child in need) has no 903 code
CIN_903 = {"N9": "N8"}
MISSING_CODE = {"MISSING": "M", "ABSENT": "A"}
FILES = {
    "Header": "header", "Episodes": "episodes", "Reviews": "reviews", "UASC": "uasc", "OC2": "oc2", "OC3": "oc3",
    "AD1": "ad1", "PlacedAdoption": "placed_for_adoption", "PrevPerm": "prev_perm", "Missing": "missing",
}


def collection_years(start: dt.date, drop: dt.date) -> list[int]:
    """Years (by their 31 March) wholly inside the simulated span and completed by the drop date."""
    first = max(FIRST_YEAR, start.year + (1 if start <= dt.date(start.year, 4, 1) else 2))
    return [y for y in range(first, drop.year + 1) if dt.date(y, 3, 31) <= drop]


def file_name(table: str, year: int) -> str:
    return f"903_{FILES[table]}_{year - 1}-{str(year)[2:]}.csv"


def write_returns(folder: Path, frames: dict[str, pl.DataFrame], contract: dict, seed: int, start: dt.date,
                  drop: dt.date) -> list[Path]:
    """Write the 903 set of every completed collection year into a drop folder; returns the files written."""
    written = []
    for year in collection_years(start, drop):
        for table, frame in year_tables(frames, contract, seed, year, known_at=drop).items():
            path = folder / file_name(table, year)
            frame.write_csv(path, include_header=True, null_value="", line_terminator="\n")
            written.append(path)
    return written


def _uk(col: str) -> pl.Expr:
    return pl.col(col).dt.strftime("%d/%m/%Y")


def _dob_of(col: str, dob: dict) -> pl.Expr:
    return pl.col(col).replace_strict(dob, default=None, return_dtype=pl.Date).dt.strftime("%d/%m/%Y").alias("DOB")


def _age(dob: dt.date | None, on: dt.date) -> int | None:
    if dob is None:
        return None
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def year_tables(frames: dict[str, pl.DataFrame], contract: dict, seed: int, year: int,
                known_at: dt.date | None = None) -> dict[str, pl.DataFrame]:
    """One year's 903 tables, known as at ``known_at`` (default: that year's 31 March), events up to 31 March."""
    ys, ye = dt.date(year - 1, 4, 1), dt.date(year, 3, 31)
    at = ye.toordinal()
    known = max(at, known_at.toordinal()) if known_at else at

    def cut(name: str) -> pl.DataFrame:
        return writer.cut(frames[name], name, contract[name], known, events_by=at)

    person = cut("ssd_person").select("pers_person_id", "pers_sex", "pers_ethnicity", "pers_dob", "pers_upn_unknown")
    dob = dict(zip(person["pers_person_id"].to_list(), person["pers_dob"].to_list(), strict=True))
    episodes = cut("ssd_cla_episodes").filter(
        (pl.col("clae_cla_episode_start_date") <= ye)
        & (pl.col("clae_cla_episode_ceased_date").is_null() | (pl.col("clae_cla_episode_ceased_date") >= ys)))
    place = cut("ssd_cla_placement")
    legal = cut("ssd_legal_status").sort("lega_legal_status_start_date")
    home = cut("ssd_address").filter(pl.col("addr_address_type") == "HOME").sort("addr_address_start_date")

    ep = (episodes.join(place.select("clap_cla_placement_id", "clap_cla_placement_type", "clap_cla_placement_provider",
                                     "clap_cla_placement_postcode", "clap_cla_placement_urn",
                                     "clap_cla_placement_end_date", "clap_cla_placement_change_reason"),
                        left_on="clae_cla_placement_id", right_on="clap_cla_placement_id", how="left")
          .sort("clae_cla_episode_start_date")
          .join_asof(legal.select("lega_person_id", "lega_legal_status_start_date", "lega_legal_status"),
                     left_on="clae_cla_episode_start_date", right_on="lega_legal_status_start_date",
                     by_left="clae_person_id", by_right="lega_person_id", strategy="backward", check_sortedness=False)
          .sort("clae_entered_care_date")
          .join_asof(home.select("addr_person_id", "addr_address_start_date", "addr_address_postcode"),
                     left_on="clae_entered_care_date", right_on="addr_address_start_date",
                     by_left="clae_person_id", by_right="addr_person_id", strategy="backward", check_sortedness=False)
          .sort("clae_person_id", "clae_cla_episode_start_date"))
    # the reason a placement changed goes on the episode that ended with it
    ends_placement = ((pl.col("clae_cla_episode_ceased_date") == pl.col("clap_cla_placement_end_date"))
                      & (pl.col("clae_cla_episode_ceased_reason") == "X1"))
    out: dict[str, pl.DataFrame] = {}
    out["Episodes"] = ep.select(
        pl.col("clae_person_id").alias("CHILD"), _uk("clae_cla_episode_start_date").alias("DECOM"),
        pl.col("clae_cla_episode_start_reason").alias("RNE"), pl.col("lega_legal_status").alias("LS"),
        pl.col("clae_cla_primary_need_code").replace(CIN_903).alias("CIN"),
        pl.col("clap_cla_placement_type").alias("PLACE"),
        pl.col("clap_cla_placement_provider").alias("PLACE_PROVIDER"),
        _uk("clae_cla_episode_ceased_date").alias("DEC"), pl.col("clae_cla_episode_ceased_reason").alias("REC"),
        pl.when(ends_placement).then(pl.col("clap_cla_placement_change_reason")).alias("REASON_PLACE_CHANGE"),
        pl.col("addr_address_postcode").alias("HOME_POST"), pl.col("clap_cla_placement_postcode").alias("PL_POST"),
        pl.col("clap_cla_placement_urn").alias("URN"))
    child_of_cla = dict(zip(frames["ssd_cla_episodes"]["clae_cla_id"].to_list(),
                            frames["ssd_cla_episodes"]["clae_person_id"].to_list(), strict=True))

    reviews = cut("ssd_cla_reviews").filter(pl.col("clar_cla_review_date").is_between(ys, ye)).with_columns(
        pl.col("clar_cla_id").replace_strict(child_of_cla, default=None).alias("CHILD"))
    out["Reviews"] = reviews.sort("CHILD", "clar_cla_review_date").select(
        "CHILD", _dob_of("CHILD", dob),
        _uk("clar_cla_review_date").alias("REVIEW"), pl.col("clar_cla_review_participation").alias("REVIEW_CODE"))

    missing = cut("ssd_missing").filter((pl.col("miss_missing_episode_start_date") <= ye) & (
        pl.col("miss_missing_episode_end_date").is_null() | (pl.col("miss_missing_episode_end_date") >= ys)))
    out["Missing"] = missing.sort("miss_person_id", "miss_missing_episode_start_date").select(
        pl.col("miss_person_id").alias("CHILD"),
        _dob_of("miss_person_id", dob),
        pl.col("miss_missing_episode_type").replace_strict(MISSING_CODE, default=None).alias("MISSING"),
        _uk("miss_missing_episode_start_date").alias("MIS_START"),
        _uk("miss_missing_episode_end_date").alias("MIS_END"))

    # OC3 is about relevant and former relevant young people (looked after 13 weeks since 14, some of it at
    # 16 or later): a qualifying care leaver is not in it
    leavers = cut("ssd_care_leavers").filter(pl.col("clea_care_leaver_eligibility").fill_null("") != "QUALIFYING")
    oc3 = []
    activ = ACTIV_AFTER_SPLIT if year >= ACTIV_SPLIT_FROM else ACTIV_BEFORE_SPLIT
    for r in leavers.iter_rows(named=True):
        b = dob.get(r["clea_person_id"])
        if b is None:
            continue
        birthdays = [dt.date(b.year + a, b.month, 28 if (b.month, b.day) == (2, 29) else b.day) for a in range(17, 22)]
        if any(ys <= d <= ye for d in birthdays):
            oc3.append({"CHILD": r["clea_person_id"], "DOB": b.strftime("%d/%m/%Y"),
                        "IN_TOUCH": r["clea_care_leaver_in_touch"],
                        "ACTIV": activ.get(r["clea_care_leaver_activity"], r["clea_care_leaver_activity"]),
                        "ACCOM": r["clea_care_leaver_accommodation"]})
    out["OC3"] = pl.DataFrame(oc3, schema=dict.fromkeys(("CHILD", "DOB", "IN_TOUCH", "ACTIV", "ACCOM"), pl.String))

    sex = (pl.col("pers_sex") if year >= SEX_LETTERS_FROM
           else pl.col("pers_sex").replace_strict(SEX_CODE, default=None)).alias("SEX")
    in_year = set(out["Episodes"]["CHILD"].to_list()) | set(out["OC3"]["CHILD"].to_list())
    header = person.filter(pl.col("pers_person_id").is_in(sorted(in_year))).sort("pers_person_id")
    out["Header"] = header.select(
        pl.col("pers_person_id").alias("CHILD"), sex,
        _uk("pers_dob").alias("DOB"), pl.col("pers_ethnicity").alias("ETHNIC"),
        pl.col("pers_upn_unknown").alias("UPN"), pl.lit(None, pl.String).alias("MOTHER"),
        pl.lit(None, pl.String).alias("MC_DOB"))
    uasc = header.filter(pl.col("pers_upn_unknown") == "UN4")
    out["UASC"] = uasc.select(
        pl.col("pers_person_id").alias("CHILD"), sex,
        _uk("pers_dob").alias("DOB"),
        pl.when(pl.col("pers_dob").dt.offset_by("18y") <= ye).then(pl.col("pers_dob").dt.offset_by("18y"))
        .dt.strftime("%d/%m/%Y").alias("DUC"))

    out["OC2"] = _oc2(cut, ep, dob, seed, year)
    out["AD1"], out["PlacedAdoption"] = _adoption(cut, ep, dob, seed, ys, ye)
    starts = (ep.filter(pl.col("clae_entered_care_date").is_between(ys, ye)
                        & (pl.col("clae_cla_episode_start_date") == pl.col("clae_entered_care_date"))
                        & ~pl.col("lega_legal_status").is_in(["V3", "V4"]))
              .unique("clae_person_id", keep="first", maintain_order=True))
    out["PrevPerm"] = starts.select(
        pl.col("clae_person_id").alias("CHILD"),
        _dob_of("clae_person_id", dob),
        pl.lit("Z1").alias("PREV_PERM"), pl.lit(None, pl.String).alias("LA_PERM"),
        pl.lit(None, pl.String).alias("DATE_PERM"))
    return {t: out[t] for t in FILES}


def _oc2(cut, ep: pl.DataFrame, dob: dict, seed: int, year: int) -> pl.DataFrame:
    ye = dt.date(year, 3, 31)
    yago = ye - dt.timedelta(days=365)
    # looked after continuously for 12 months at 31 March: open then, care began a year or more before
    open_now = ep.filter(pl.col("clae_cla_episode_ceased_date").is_null()
                         & (pl.col("clae_entered_care_date") <= yago)
                         & ~pl.col("lega_legal_status").is_in(["V3", "V4"]))
    health = cut("ssd_cla_health").filter(pl.col("clah_health_check_date").is_between(yago + dt.timedelta(days=1), ye)
                                          & (pl.col("clah_health_check_status") == "COMPLETED"))
    done = {(p, t) for p, t in zip(health["clah_person_id"].to_list(), health["clah_health_check_type"].to_list(),
                                   strict=True)}
    imms = cut("ssd_cla_immunisations").filter(pl.col("clai_immunisations_status_date") == ye)
    imm = dict(zip(imms["clai_person_id"].to_list(), imms["clai_immunisations_status"].to_list(), strict=True))
    sdq = (cut("ssd_sdq_scores").filter(pl.col("csdq_sdq_completed_date").is_between(yago + dt.timedelta(days=1), ye))
           .sort("csdq_sdq_completed_date"))
    score = dict(zip(sdq["csdq_person_id"].to_list(), sdq["csdq_sdq_score"].to_list(), strict=True))
    rows = []
    for child in sorted(set(open_now["clae_person_id"].to_list())):
        age = _age(dob.get(child), ye)
        r = random.Random(f"{seed}:oc2:{child}:{year}")
        u_conv, u_subst, u_recv, u_off = r.random(), r.random(), r.random(), r.random()
        teen = age is not None and 10 <= age <= 17
        substance = teen and u_subst < 0.03
        received = substance and u_recv < 0.6
        s = score.get(child) if age is not None and 4 <= age <= 16 else None
        rows.append({
            "CHILD": child, "DOB": dob[child].strftime("%d/%m/%Y") if dob.get(child) else None,
            "SDQ_SCORE": None if s is None else str(s),
            "SDQ_REASON": None if s is not None else ("SDQ1" if age is None or not 4 <= age <= 16 else "SDQ4"),
            "CONVICTED": ("1" if u_conv < 0.03 else "0") if teen else None,
            "HEALTH_CHECK": "1" if (child, "HEALTH") in done else "0",
            "IMMUNISATIONS": "1" if imm.get(child) == "UP_TO_DATE" else "0",
            "TEETH_CHECK": "1" if (child, "DENTAL") in done else "0",
            "HEALTH_ASSESSMENT": ("1" if (child, "DEVELOPMENT") in done else "0") if age is not None and age < 5
            else None,
            "SUBSTANCE_MISUSE": "1" if substance else "0",
            "INTERVENTION_RECEIVED": ("1" if received else "0") if substance else None,
            "INTERVENTION_OFFERED": ("1" if received or u_off < 0.5 else "0") if substance else None,
        })
    cols = ("CHILD", "DOB", "SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
            "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")
    return pl.DataFrame(rows, schema=dict.fromkeys(cols, pl.String))


def _adoption(cut, ep: pl.DataFrame, dob: dict, seed: int, ys: dt.date, ye: dt.date
              ) -> tuple[pl.DataFrame, pl.DataFrame]:
    perm = cut("ssd_permanence")
    adopted = ep.filter(pl.col("clae_cla_episode_ceased_reason").is_in(["E11", "E12"])
                        & pl.col("clae_cla_episode_ceased_date").is_between(ys, ye))
    rec_of = dict(zip(adopted["clae_cla_id"].to_list(), adopted["clae_cla_episode_ceased_reason"].to_list(),
                      strict=True))
    place_of = dict(zip(adopted["clae_cla_id"].to_list(), adopted["clap_cla_placement_type"].to_list(), strict=True))
    ad1, placed = [], []
    for r in perm.sort("perm_person_id", "perm_cla_id").iter_rows(named=True):
        child, cla = r["perm_person_id"], r["perm_cla_id"]
        b = dob.get(child)
        b_uk = b.strftime("%d/%m/%Y") if b else None
        if cla in rec_of:
            g = random.Random(f"{seed}:ad1:{child}")
            n = "1" if g.random() < 0.15 else "2"
            u = g.random()
            sex = ("F1" if u < 0.8 else "M1") if n == "1" else ("MF" if u < 0.85 else ("FF" if u < 0.93 else "MM"))
            ad1.append({"CHILD": child, "DOB": b_uk, "DATE_INT": _d(r["perm_adm_decision_date"]),
                        "DATE_MATCH": _d(r["perm_matched_date"]),
                        "FOSTER_CARE": "1" if place_of.get(cla) in ("A3", "A5") else "0", "NB_ADOPTR": n,
                        "SEX_ADOPTR": sex, "LS_ADOPTR": "L0" if n == "2" and g.random() < 0.7 else "L2"})
        adm = r["perm_adm_decision_date"]
        if adm is None or adm > ye:
            continue
        ceased, reason = None, None
        if r["perm_decision_reversed_date"] is not None and r["perm_decision_reversed_date"] <= ye:
            ceased, reason = r["perm_decision_reversed_date"], "RD1"
        elif cla in rec_of:
            ceased, reason = r["perm_permanence_order_date"], rec_of[cla]
        if ceased is not None and ceased < ys:
            continue
        if r["perm_permanence_order_date"] is not None and r["perm_permanence_order_date"] < ys:
            continue
        placed.append({"CHILD": child, "DOB": b_uk, "DATE_PLACED": _d(adm), "DATE_PLACED_CEASED": _d(ceased),
                       "REASON_PLACED_CEASED": reason})
    ad1_cols = ("CHILD", "DOB", "DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")
    pa_cols = ("CHILD", "DOB", "DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")
    return (pl.DataFrame(ad1, schema=dict.fromkeys(ad1_cols, pl.String)),
            pl.DataFrame(placed, schema=dict.fromkeys(pa_cols, pl.String)))


def _d(d: dt.date | None) -> str | None:
    return d.strftime("%d/%m/%Y") if d else None
