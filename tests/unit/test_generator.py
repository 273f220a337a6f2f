"""The synthetic authority generator: determinism, the contract's shape, linkage, drops and faults."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from scorecard_tools.generator import default_drops, generate, parse_size
from scorecard_tools.generator.calendar import calendar

CONTRACT = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "data" / "contract" / "tables.yaml").read_text(encoding="utf-8")
)["tables"]
START, END = dt.date(2019, 4, 1), dt.date(2020, 3, 31)
DROPS = [dt.date(2020, 2, 29), dt.date(2020, 3, 31)]
# planned dates (targets, due dates, expected births) may lie after the extract date
SCHEDULED = {
    "pers_expected_dob",
    "icpc_icpc_target_date",
    "cppr_cp_review_due",
    "clar_cla_review_due_date",
    "response_due_date",
}
ISO = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def _gen(root: Path, **kw) -> list[Path]:
    args = {"seed": 1, "size": "small", "start": START, "end": END, "drops": DROPS}
    args.update(kw)
    return generate(root, **args)


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> list[Path]:
    return _gen(tmp_path_factory.mktemp("clean"))


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> list[Path]:
    return _gen(tmp_path_factory.mktemp("dirty"), dirty=0.05)


def _read(folder: Path, table: str) -> pl.DataFrame:
    return pl.read_csv(folder / f"{table}.csv", infer_schema_length=0)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def test_same_arguments_give_identical_files(clean, tmp_path):
    again = _gen(tmp_path)
    assert [p.name for p in again] == [p.name for p in clean] == [d.isoformat() for d in DROPS]
    for a, b in zip(clean, again, strict=True):
        assert _files(a) == _files(b)


def test_different_seed_gives_different_content(clean, tmp_path):
    other = _gen(tmp_path, seed=2, drops=[DROPS[-1]])
    assert (other[0] / "ssd_contacts.csv").read_bytes() != (clean[-1] / "ssd_contacts.csv").read_bytes()
    assert (other[0] / "ssd_cla_placement.csv").read_bytes() != (clean[-1] / "ssd_cla_placement.csv").read_bytes()


def test_every_table_with_the_contract_header(clean):
    for folder in clean:
        names = sorted(p.name for p in folder.iterdir())
        assert names == sorted(f"{t}.csv" for t in CONTRACT)
        for table, spec in CONTRACT.items():
            raw = (folder / f"{table}.csv").read_bytes()
            assert b"\r" not in raw
            assert raw.split(b"\n", 1)[0].decode() == ",".join(spec["columns"])
    last = clean[-1]
    for table in (
        "ssd_person",
        "ssd_contacts",
        "ssd_cin_episodes",
        "ssd_cin_assessments",
        "ssd_cla_episodes",
        "ssd_cla_placement",
        "ssd_involvements",
        "ssd_professionals",
        "ssd_department",
        "complaints",
        "budget_monitoring",
        "workforce_establishment",
        "area_lookup",
        "ssd_care_leavers",
    ):
        assert _read(last, table).height > 0, table
    assert sorted(_read(last, "area_lookup").rows()) == [
        ("940", "North Northamptonshire"),
        ("941", "West Northamptonshire"),
    ]


def _ids(df: pl.DataFrame, col: str) -> pl.Series:
    return df[col].drop_nulls().unique()


def _missing(child: pl.DataFrame, col: str, parent: pl.DataFrame, pcol: str) -> int:
    return child.filter(pl.col(col).is_not_null() & ~pl.col(col).is_in(_ids(parent, pcol).implode())).height


def test_linkage(clean):
    for folder in clean:
        t = {name: _read(folder, name) for name in CONTRACT}
        assert _missing(t["ssd_cin_assessments"], "cina_referral_id", t["ssd_cin_episodes"], "cine_referral_id") == 0
        assert (
            _missing(t["ssd_initial_cp_conference"], "icpc_s47_enquiry_id", t["ssd_s47_enquiry"], "s47e_s47_enquiry_id")
            == 0
        )
        assert _missing(t["ssd_cp_plans"], "cppl_icpc_id", t["ssd_initial_cp_conference"], "icpc_icpc_id") == 0
        assert (
            _missing(t["ssd_cla_episodes"], "clae_cla_placement_id", t["ssd_cla_placement"], "clap_cla_placement_id")
            == 0
        )
        assert t["ssd_cla_episodes"]["clae_cla_placement_id"].null_count() == 0
        assert (
            _missing(t["ssd_involvements"], "invo_professional_id", t["ssd_professionals"], "prof_professional_id") == 0
        )
        assert _missing(t["ssd_involvements"], "invo_professional_team", t["ssd_department"], "dept_team_id") == 0
        for table, spec in CONTRACT.items():
            for col, typ in spec["columns"].items():
                if typ == "person_id":
                    assert _missing(t[table], col, t["ssd_person"], "pers_person_id") == 0, (table, col)


def test_clean_data_is_consistent(clean):
    last = clean[-1]
    for table, spec in CONTRACT.items():
        df = _read(last, table)
        assert df.select(spec["key"]).is_duplicated().sum() == 0, table
    ep = _read(last, "ssd_cla_episodes").with_columns(
        pl.col("clae_cla_episode_start_date").str.to_date(), pl.col("clae_cla_episode_ceased_date").str.to_date()
    )
    assert ep.filter(pl.col("clae_cla_episode_ceased_date") < pl.col("clae_cla_episode_start_date")).height == 0
    # an episode ceases with a reason exactly when it has a ceased date
    assert (
        ep.filter(
            pl.col("clae_cla_episode_ceased_date").is_null() != pl.col("clae_cla_episode_ceased_reason").is_null()
        ).height
        == 0
    )
    assert set(ep["clae_cla_episode_start_reason"].unique()) <= {"S", "L", "P", "T", "U", "B"}
    codes = set(_read(last, "ssd_cla_placement")["clap_cla_placement_type"].unique())
    assert codes <= {
        "U1",
        "U2",
        "U3",
        "U4",
        "U5",
        "U6",
        "R1",
        "R2",
        "R3",
        "R5",
        "K1",
        "K2",
        "H5",
        "P1",
        "P2",
        "P3",
        "S1",
        "T0",
        "T1",
        "T2",
        "T3",
        "T4",
        "A3",
        "A4",
        "A5",
        "A6",
        "Z1",
    }


def test_drops_hold_nothing_after_their_date(clean):
    for folder in clean:
        d = dt.date.fromisoformat(folder.name)
        for table, spec in CONTRACT.items():
            df = _read(folder, table)
            for col, typ in spec["columns"].items():
                if typ != "date" or col in SCHEDULED:
                    continue
                values = df[col].drop_nulls()
                assert values.str.contains(r"^\d{4}-\d{2}-\d{2}$").all(), (table, col)
                assert (values.str.to_date() <= d).all(), (folder.name, table, col)


def test_later_drop_has_at_least_as_many_referrals(clean):
    earlier, later = (_read(f, "ssd_cin_episodes") for f in clean)
    assert later.height >= earlier.height > 0
    # a referral still open in the earlier drop is open there even if closed by the later one
    e = earlier.join(later, on="cine_referral_id", suffix="_later")
    assert e.filter(pl.col("cine_close_date").is_null() & pl.col("cine_close_reason").is_not_null()).height == 0


def _fault_counts(folders: list[Path]) -> tuple[int, int, int]:
    dups = padded = bad_dates = 0
    for folder in folders:
        for table, spec in CONTRACT.items():
            df = _read(folder, table)
            dups += df.is_duplicated().sum()
            for col, typ in spec["columns"].items():
                if typ in ("id", "person_id"):
                    padded += df.filter(pl.col(col) != pl.col(col).str.strip_chars()).height
                elif typ == "date":
                    v = df[col].drop_nulls()
                    parsed = v.str.to_date("%Y-%m-%d", strict=False).fill_null(v.str.to_date("%d/%m/%Y", strict=False))
                    bad_dates += parsed.null_count()
    return dups, padded, bad_dates


def test_dirty_injects_faults(dirty):
    dups, padded, bad_dates = _fault_counts(dirty)
    assert dups >= 1 and padded >= 1 and bad_dates >= 1


def test_clean_has_no_faults(clean):
    assert _fault_counts(clean) == (0, 0, 0)


def test_dirty_faults_are_stable_across_drops(dirty):
    earlier, later = (set(_read(f, "ssd_contacts")["cont_contact_id"].to_list()) for f in dirty)
    padded = {x for x in earlier if x != x.strip()}
    assert padded and padded <= later


def test_sizes_and_default_drops():
    assert parse_size("default") == 1.0
    assert parse_size("small") == 0.05
    assert parse_size("0.1") == 0.1
    with pytest.raises(ValueError):
        parse_size("huge")
    assert default_drops(dt.date(2025, 3, 31)) == [dt.date(2025, 1, 31), dt.date(2025, 2, 28), dt.date(2025, 3, 31)]
    assert default_drops(dt.date(2025, 3, 15)) == [dt.date(2024, 12, 31), dt.date(2025, 1, 31), dt.date(2025, 2, 28)]


def test_working_days():
    cal = calendar()
    o = dt.date.toordinal
    for holiday in ("2020-05-08", "2022-09-19", "2023-05-08", "2020-12-28"):
        assert o(dt.date.fromisoformat(holiday)) in cal.holidays
    # the start day never counts, whatever day it is: Saturday 2024-03-02 -> 2nd working day Tuesday 5 March
    assert dt.date.fromordinal(cal.nth_after(o(dt.date(2024, 3, 2)), 2)) == dt.date(2024, 3, 5)
    # Friday 2020-05-01 -> 1st working day Monday 4 May; 5th skips Friday 8 May (VE day) -> Monday 11 May
    assert dt.date.fromordinal(cal.nth_after(o(dt.date(2020, 5, 1)), 1)) == dt.date(2020, 5, 4)
    assert dt.date.fromordinal(cal.nth_after(o(dt.date(2020, 5, 1)), 5)) == dt.date(2020, 5, 11)


def test_budget_cost_centres_are_in_the_configured_map():
    # KPI15's council rows need every generated budget line's cost centre (CC<council><stem>) in the demo
    # authority's cost-centre map under that council (data/config/authority.yaml cost_centres:)
    from pipelines.lib.config import AUTHORITY_FILE, authority
    from scorecard_tools.generator.corporate import COUNCIL_SHARE, SERVICE_LINES

    generated = {f"CC{council}{stem}": council for _, stem, _, _ in SERVICE_LINES for council in COUNCIL_SHARE}
    assert dict(authority(AUTHORITY_FILE).cost_centres) == generated
