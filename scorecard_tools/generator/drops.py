"""Cut monthly full-history extracts from the simulated record and write them as CSV.

For an extract date D:
- a row is present once it has reached the system (``_appear`` <= D; a few percent of records arrive weeks
  after the event, so they first show in a later drop);
- every event date after D is blanked, with what depends on it (close reason, outcome, …) — so events in
  progress at D appear open; scheduled dates (target/due/expected dates) are kept;
- a corrected date shows its earlier, wrong value in drops taken before the correction;
- care leavers: one row per young person, their latest status record at D, eligibility as at D;
- optional faults (``dirty``), decided per record by a keyed hash so the same record is faulty the same
  way in every drop.
"""

from __future__ import annotations

import zlib
from pathlib import Path

import polars as pl
import yaml

from pipelines.lib.paths import CONTRACT_FILE

from . import params as P
from .calendar import EPOCH

CONTRACT = CONTRACT_FILE

_PL = {"date": pl.Int32, "int": pl.Int64, "float": pl.Float64}

HIDDEN = {
    "ssd_care_leavers": {"_b18": "date"},
    "information_governance_incidents": {"_ico_outcome_date": "date"},
}
ALLOC_COLS = {
    "ssd_cin_episodes": ("cine_referral_team", "cine_referral_worker_id"),
    "ssd_cin_assessments": ("cina_assessment_team", "cina_assessment_worker_id"),
    "ssd_cin_plans": ("cinp_cin_plan_team", "cinp_cin_plan_worker_id"),
    "ssd_s47_enquiry": ("s47e_s47_completed_by_team", "s47e_s47_completed_by_worker_id"),
    "ssd_initial_cp_conference": ("icpc_icpc_team", "icpc_icpc_worker_id"),
    "ssd_care_leavers": ("clea_care_leaver_allocated_team", "clea_care_leaver_worker_id"),
}
# date column -> columns that are blank (or take a value) while that date is still in the future
DEPENDENTS: dict[str, dict[str, tuple[tuple[str, str | None], ...]]] = {
    "ssd_person": {"pers_dob": (("pers_sex", "U"),)},
    "ssd_contacts": {"cont_contact_decision_date": (("cont_contact_outcome_json", None),)},
    "ssd_cin_episodes": {"cine_close_date": (("cine_close_reason", None),)},
    "ssd_cin_assessments": {"cina_assessment_auth_date": (("cina_assessment_outcome_nfa", None),)},
    "ssd_s47_enquiry": {"s47e_s47_end_date": (("s47e_s47_nfa", None),)},
    "ssd_cla_episodes": {"clae_cla_episode_ceased_date": (("clae_cla_episode_ceased_reason", None),)},
    "ssd_cla_placement": {"clap_cla_placement_end_date": (("clap_cla_placement_change_reason", None),)},
    "ssd_permanence": {"perm_permanence_order_date": (("perm_permanence_order_type", None),)},
    "ssd_missing": {
        "miss_missing_episode_end_date": (("miss_missing_rhi_offered", None), ("miss_missing_rhi_accepted", None))
    },
    "ssd_cla_reviews": {"clar_cla_review_date": (("clar_cla_review_participation", None),)},
    "complaints": {"responded_date": (("outcome", None),)},
    "information_governance_incidents": {"_ico_outcome_date": (("ico_outcome", None),)},
}
# planned dates that may legitimately lie after the extract date
SCHEDULED = {
    "pers_expected_dob",
    "icpc_icpc_target_date",
    "cppr_cp_review_due",
    "clar_cla_review_due_date",
    "response_due_date",
}
SWAP_PAIRS = {
    "ssd_address": ("addr_address_start_date", "addr_address_end_date"),
    "ssd_contacts": ("cont_contact_date", "cont_contact_decision_date"),
    "ssd_cin_episodes": ("cine_referral_date", "cine_close_date"),
    "ssd_cin_assessments": ("cina_assessment_start_date", "cina_assessment_auth_date"),
    "ssd_cin_plans": ("cinp_cin_plan_start_date", "cinp_cin_plan_end_date"),
    "ssd_s47_enquiry": ("s47e_s47_start_date", "s47e_s47_end_date"),
    "ssd_cp_plans": ("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
    "ssd_cla_episodes": ("clae_cla_episode_start_date", "clae_cla_episode_ceased_date"),
    "ssd_legal_status": ("lega_legal_status_start_date", "lega_legal_status_end_date"),
    "ssd_cla_placement": ("clap_cla_placement_start_date", "clap_cla_placement_end_date"),
    "ssd_missing": ("miss_missing_episode_start_date", "miss_missing_episode_end_date"),
    "ssd_involvements": ("invo_involvement_start_date", "invo_involvement_end_date"),
    "complaints": ("received_date", "responded_date"),
}
FAULTS = (
    ("dup", 0.15),
    ("ws", 0.2),
    ("missing", 0.13),
    ("swap", 0.1),
    ("badcode", 0.14),
    ("ukdate", 0.16),
    ("baddate", 0.12),
)


def load_contract() -> dict[str, dict]:
    with open(CONTRACT, encoding="utf-8") as f:
        return yaml.safe_load(f)["tables"]


def truth_frame(
    name: str,
    spec: dict,
    rows: list[tuple],
    appear: list[int],
    rev: dict,
    alloc_team: list | None = None,
    alloc_worker: list | None = None,
) -> pl.DataFrame:
    cols = dict(spec["columns"])
    cols.update(HIDDEN.get(name, {}))
    acols = ALLOC_COLS.get(name, ())
    schema = {}
    for c, typ in cols.items():
        schema[c] = pl.Int64 if c in acols else _PL.get(typ, pl.String)
    df = pl.DataFrame(rows, schema=schema, orient="row") if rows else pl.DataFrame(schema=schema)
    n = df.height
    rev_col: list[str | None] = [None] * n
    rev_val: list[int | None] = [None] * n
    rev_until: list[int | None] = [None] * n
    for i, (c, v, u) in rev.items():
        rev_col[i], rev_val[i], rev_until[i] = c, v, u
    df = df.with_columns(
        pl.Series("_appear", appear, dtype=pl.Int32),
        pl.Series("_rev_col", rev_col, dtype=pl.String),
        pl.Series("_rev_val", rev_val, dtype=pl.Int32),
        pl.Series("_rev_until", rev_until, dtype=pl.Int32),
    )
    dates = [c for c, t in cols.items() if t == "date"] + ["_appear", "_rev_val", "_rev_until"]
    df = df.with_columns([(pl.col(c) - EPOCH).cast(pl.Date) for c in dates])
    if acols and alloc_team is not None:
        teams = pl.Series(alloc_team + [None], dtype=pl.String)
        workers = pl.Series(alloc_worker + [None], dtype=pl.String)
        null_ix = len(alloc_team)
        for c, lookup in ((acols[0], teams), (acols[1], workers)):
            ix = df[c].fill_null(null_ix)
            df = df.with_columns(lookup.gather(ix).alias(c))
    key = list(spec["key"])
    if name == "ssd_care_leavers":
        df = df.sort([*key, "_appear"], maintain_order=True)
    else:
        df = df.unique(subset=key, keep="first", maintain_order=True).sort(key, maintain_order=True)
    return df


def _hash01(s: str) -> float:
    return zlib.crc32(s.encode()) / 4294967296.0


def add_faults(df: pl.DataFrame, name: str, spec: dict, seed: int, dirty: float) -> pl.DataFrame:
    """Decide, per record (keyed by the table key), whether and how it is faulty."""
    cols = spec["columns"]
    keycols = list(spec["key"])
    keys = (
        df.select(pl.concat_str([pl.col(c).cast(pl.String).fill_null("") for c in keycols], separator="|"))
        .to_series()
        .to_list()
    )
    ids = [c for c, t in cols.items() if t in ("id", "person_id")]
    dates = [c for c, t in cols.items() if t == "date"]
    codes = [c for c, t in cols.items() if t == "code"]
    kinds = [k for k, _ in FAULTS]
    weights = dict(FAULTS)
    if not dates:
        for k in ("missing", "swap", "ukdate", "baddate"):
            weights[k] = 0.0
    if name not in SWAP_PAIRS:
        weights["swap"] = 0.0
    if not codes:
        weights["badcode"] = 0.0
    if not ids:
        weights["ws"] = 0.0
    total = sum(weights.values())
    fault: list[str | None] = []
    fcol: list[str | None] = []
    for k in keys:
        base = f"{seed}|{name}|{k}"
        if _hash01(base) >= dirty:
            fault.append(None)
            fcol.append(None)
            continue
        u = _hash01(base + "#kind") * total
        acc = 0.0
        kind = kinds[-1]
        for kk in kinds:
            acc += weights[kk]
            if u < acc and weights[kk] > 0:
                kind = kk
                break
        v = _hash01(base + "#col")
        if kind == "ws":
            col = ids[int(v * len(ids))]
        elif kind in ("missing", "baddate"):
            col = dates[int(v * len(dates))]
        elif kind == "badcode":
            col = codes[int(v * len(codes))]
        else:
            col = None
        fault.append(kind)
        fcol.append(col)
    return df.with_columns(pl.Series("_fault", fault, dtype=pl.String), pl.Series("_fcol", fcol, dtype=pl.String))


def cut(df: pl.DataFrame, name: str, spec: dict, drop: int, events_by: int | None = None) -> pl.DataFrame:
    """The table as it stands in the extract taken at ``drop`` (ordinal), still typed.

    ``events_by`` (an ordinal on or before ``drop``) cuts a statutory return re-run at ``drop`` for a year
    ending then: what was known at ``drop`` (late entries, corrections), but no event after ``events_by``
    (those dates blank, as in an extract taken that day). A care leaver's status records are events: the
    latest one by ``events_by`` is used.
    """
    D = pl.lit(drop - EPOCH).cast(pl.Date)
    E = D if events_by is None else pl.lit(min(events_by, drop) - EPOCH).cast(pl.Date)
    cols = dict(spec["columns"])
    cols.update(HIDDEN.get(name, {}))
    df = df.filter(pl.col("_appear") <= (E if name == "ssd_care_leavers" else D))
    rev_targets = [c for c in cols if cols[c] == "date"]
    if df["_rev_col"].null_count() < df.height:
        present = set(df["_rev_col"].drop_nulls().unique().to_list())
        exprs = []
        for c in rev_targets:
            if c in present:
                exprs.append(
                    pl.when((pl.col("_rev_col") == c) & (D < pl.col("_rev_until")))
                    .then(pl.col("_rev_val"))
                    .otherwise(pl.col(c))
                    .alias(c)
                )
        if exprs:
            df = df.with_columns(exprs)
    if name == "ssd_care_leavers":
        df = df.group_by("clea_person_id", maintain_order=True).last()
        df = df.with_columns(
            pl.when(pl.col("clea_care_leaver_eligibility") == "QUALIFYING")
            .then(pl.lit("QUALIFYING"))
            .when(E < pl.col("_b18"))
            .then(pl.lit("RELEVANT"))
            .otherwise(pl.lit("FORMER_RELEVANT"))
            .alias("clea_care_leaver_eligibility")
        )
    # blank the future, and what depends on it
    conds: dict[str, list[tuple[pl.Expr, object]]] = {}
    for c, t in cols.items():
        if t == "date" and c not in SCHEDULED:
            conds.setdefault(c, []).append((pl.col(c) > E, None))
    for parent, deps in DEPENDENTS.get(name, {}).items():
        for dep, value in deps:
            conds.setdefault(dep, []).append((pl.col(parent) > E, value))
    exprs = []
    for c, lst in conds.items():
        e = None
        for cond, value in lst:
            lit = pl.lit(value, dtype=df.schema[c]) if value is not None else pl.lit(None, dtype=df.schema[c])
            e = pl.when(cond).then(lit) if e is None else e.when(cond).then(lit)
        exprs.append(e.otherwise(pl.col(c)).alias(c))
    if exprs:
        df = df.with_columns(exprs)
    return df


def render(df: pl.DataFrame, name: str, spec: dict, seed: int, dirty: float) -> pl.DataFrame:
    """Strings as written: ISO dates; faults applied when ``dirty``."""
    cols = spec["columns"]
    out_cols = list(cols)
    if dirty > 0:
        if name == "ssd_care_leavers" or "_fault" not in df.columns:
            df = add_faults(df, name, spec, seed, dirty)
        f = pl.col("_fault")
        fc = pl.col("_fcol")
        pair = SWAP_PAIRS.get(name)
        exprs = []
        if pair:
            a, b = pair
            swap = (f == "swap") & pl.col(a).is_not_null() & pl.col(b).is_not_null() & (pl.col(a) < pl.col(b))
            exprs += [
                pl.when(swap).then(pl.col(b)).otherwise(pl.col(a)).alias(a),
                pl.when(swap).then(pl.col(a)).otherwise(pl.col(b)).alias(b),
            ]
        if exprs:
            df = df.with_columns(exprs)
        exprs = []
        for c, t in cols.items():
            col = pl.col(c)
            if t == "date":
                iso = col.dt.strftime("%Y-%m-%d")
                e = (
                    pl.when((f == "missing") & (fc == c))
                    .then(pl.lit(None, dtype=pl.String))
                    .when((f == "baddate") & (fc == c) & col.is_not_null())
                    .then(pl.lit("31/02/") + col.dt.year().cast(pl.String))
                    .when(f == "ukdate")
                    .then(col.dt.strftime("%d/%m/%Y"))
                    .otherwise(iso)
                )
            else:
                s = col.cast(pl.String)
                if t in ("id", "person_id"):
                    e = (
                        pl.when((f == "ws") & (fc == c) & col.is_not_null())
                        .then(pl.lit(" ") + s.str.to_lowercase() + pl.lit(" "))
                        .otherwise(s)
                    )
                elif t == "code":
                    bad = P.BAD_CODES.get(c, P.DEFAULT_BAD_CODES)
                    e = pl.when((f == "badcode") & (fc == c)).then(pl.lit(bad[0])).otherwise(s)
                    if len(bad) > 1:
                        # vary the bad code by record
                        e = (
                            pl.when((f == "badcode") & (fc == c) & (pl.col("_ord") % len(bad) == 1))
                            .then(pl.lit(bad[1]))
                            .otherwise(e)
                        )
                else:
                    e = s
            exprs.append(e.alias(c))
        df = df.with_columns(pl.int_range(pl.len()).alias("_ord")).with_columns(exprs)
        dup = df.filter(pl.col("_fault") == "dup")
        if dup.height:
            df = pl.concat([df, dup]).sort("_ord", maintain_order=True)
        return df.select(out_cols)
    exprs = []
    for c, t in cols.items():
        col = pl.col(c)
        exprs.append((col.dt.strftime("%Y-%m-%d") if t == "date" else col.cast(pl.String)).alias(c))
    return df.select(exprs)


def write(df: pl.DataFrame, path: Path) -> None:
    df.write_csv(path, include_header=True, null_value="", line_terminator="\n")
