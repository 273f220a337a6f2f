"""The authority is data: every authority-specific fact is in authority.yaml (or the DfE reference files).

A second authority (Leeds, 383: a single council, whose DfE neighbours never include Northamptonshire 928 or
its successors 940/941 in any model) runs the demo's KPI and comparator steps from its own authority.yaml,
named by SCORECARD_AUTHORITY; its comparators use its own neighbours, region and England, and no 928/940/941.
"""

from __future__ import annotations

import ast
import csv
import re
import shutil
import statistics
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib.paths import PROJECT_ROOT, REFERENCE_DIR

PERIOD = date(2020, 3, 31)
NORTHANTS = {"928", "940", "941"}
LEEDS_YAML = """\
la_code: "383"
name: Leeds Children's Services (test)
owning_councils:
  - la_code: "383"
    ons_code: E08000035
    name: Leeds
first_reporting_month: "2017-04"
"""


def _la_codes() -> set[str]:
    with (REFERENCE_DIR / "la_codes.csv").open(encoding="utf-8") as fh:
        return {r["la_code"] for r in csv.DictReader(fh)}


def _string_constants(tree: ast.AST):
    """Every string constant that is not a docstring."""
    docs = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant):
                docs.add(id(first.value))
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and id(node) not in docs:
            yield node


def test_no_la_code_literal_in_runtime_code():
    """No DfE LA code written into the pipeline's code: "928", ("940", "941"), "940 / 941" ... (the synthetic
    data generator, which plays one authority on purpose, is left out)."""
    codes = _la_codes()
    looks_like = re.compile(r"\s*\d{3}(\s*[/+,]\s*\d{3})*\s*")
    found = []
    for path in sorted((PROJECT_ROOT / "pipelines").rglob("*.py")):
        if "generator" in path.relative_to(PROJECT_ROOT).parts:
            continue
        for node in _string_constants(ast.parse(path.read_text(encoding="utf-8"))):
            if looks_like.fullmatch(node.value) and set(re.findall(r"\d{3}", node.value)) & codes:
                found.append(f"{path.relative_to(PROJECT_ROOT)}:{node.lineno}: {node.value!r}")
    assert not found, found


def test_the_scan_finds_a_literal(tmp_path):
    """The scan above can fail: a module holding NORTHAMPTONSHIRE = "928" is caught, a docstring is not."""
    src = '"""Northamptonshire "928" in prose."""\nNORTHAMPTONSHIRE = "928"\nPAIR = ("940", "941")\n'
    hits = [n.value for n in _string_constants(ast.parse(src)) if n.value in _la_codes()]
    assert hits == ["928", "940", "941"]


def test_authority_file_from_the_environment(tmp_path, monkeypatch):
    from pipelines.lib.config import authority

    assert authority().la_code == "928" and [c.la_code for c in authority().owning_councils] == ["940", "941"]
    assert authority().neighbour_group == "928"
    path = tmp_path / "authority.yaml"
    path.write_text(LEEDS_YAML)
    monkeypatch.setenv("SCORECARD_AUTHORITY", str(path))
    leeds = authority()
    assert leeds.la_code == "383" and [c.la_code for c in leeds.owning_councils] == ["383"]
    assert leeds.neighbour_group is None


@pytest.fixture(scope="module")
def leeds(small_warehouse, tmp_path_factory):
    """The demo's KPI step on the small synthetic drop, then its comparator step, for Leeds."""
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.packs import write_comparators, write_workbook
    from pipelines.lib.packs.data import PackData
    from pipelines.lib.staging import use_current

    tmp = tmp_path_factory.mktemp("leeds")
    (tmp / "authority.yaml").write_text(LEEDS_YAML)
    mp = pytest.MonkeyPatch()
    mp.setenv("SCORECARD_AUTHORITY", str(tmp / "authority.yaml"))
    try:
        path = tmp / "warehouse.duckdb"
        shutil.copy(small_warehouse, path)
        con = duckdb.connect(str(path))
        use_current(con)
        compute_kpis(con, date(2020, 3, 1), PERIOD)
        pd = PackData(con, PERIOD)
        comps = pd.comparisons()
        summary = pd.summary_rows()
        csv_path = write_comparators(con, PERIOD, tmp / "out")
        xlsx = write_workbook(con, PERIOD, tmp / "out")
        con.close()
        yield {"comps": comps, "csv": csv_path, "xlsx": xlsx, "authority": pd.authority, "summary": summary}
    finally:
        mp.undo()


def _codes_in(comp) -> set[str]:
    """Every LA code a comparison names."""
    return ({comp.la_code, comp.group[0], *comp.neighbours, *comp.neighbour_missing, *comp.missing}
            | set(re.findall(r"\d{3}", comp.la_code_used)) | {c.la_code for c in comp.councils}
            | set(re.findall(r"\b\d{3}\b", comp.trust_value_how))) - {"la", "region", "england"}


def test_second_authority_uses_its_own_neighbours_region_and_england(leeds):
    from pipelines.lib import benchmarks as bm

    assert leeds["authority"].la_code == "383"
    comps = {k: c for k, c in leeds["comps"].items() if c is not None}
    assert {"KPI02", "KPI06", "KPI16", "KPI21"} <= set(comps)
    values = bm.load_values()
    for kpi, c in comps.items():
        assert c.group == ("383", "Leeds") and c.la_code == "383", kpi
        # no pre-2021 list is shipped for Leeds: its April 2021 list stands in (benchmarks.neighbours)
        assert c.neighbours == tuple(bm.neighbours("383", c.as_at)[1]), kpi
        assert [(x.la_code, x.name) for x in c.councils] == [("383", "Leeds")], kpi
        assert c.region == "Yorkshire and The Humber", kpi
        assert not (_codes_in(c) & NORTHANTS), (kpi, _codes_in(c) & NORTHANTS)
        if kpi == "KPI21":
            continue
        year = values.filter(pl.col("measure") == c.measure, pl.col("time_period") == c.year_compared)
        eng = year.filter(pl.col("geographic_level") == "england")["value"][0]
        assert c.england == pytest.approx(eng), kpi
        la = dict(zip(*year.filter(pl.col("geographic_level") == "la").select("la_code", "value"), strict=True))
        assert c.published_value == pytest.approx(la["383"]), kpi
        sn = [la[x] for x in c.neighbours if la.get(x) is not None]
        assert c.neighbour_n == len(sn) and c.neighbour_mean == pytest.approx(statistics.fmean(sn)), kpi
    # KPI02 by hand: LAIT ReReferral 2019/20 for Leeds and England
    k2 = comps["KPI02"]
    assert k2.year_compared == 2020 and k2.measure == "ReReferral" and k2.trust_value_how == "published for 383"


def test_summary_rows_carry_the_comparison(leeds):
    rows = leeds["summary"]
    assert [r["kpi_id"] for r in rows] == list(leeds["comps"])
    for r in rows:
        assert r["comparison"] is leeds["comps"][r["kpi_id"]]
    assert rows[0]["comparison"] is None and rows[1]["comparison"].kpi_id == "KPI02"


def test_second_authority_outputs_name_no_northamptonshire_code(leeds):
    f = pl.read_csv(leeds["csv"], infer_schema_length=0)
    text_columns = [c for c in f.columns if c not in {
        "trust_value_compared", "sn_mean", "sn_median", "region_value", "england", "rank", "rank_n", "sn_n"}]
    for row in f.select(text_columns).iter_rows(named=True):
        for col, v in row.items():
            assert not (set(re.findall(r"\b\d{3}\b", v or "")) & NORTHANTS), (row["kpi_id"], col, v)
    assert set(f["sn_group"]) == {"Leeds (383)"}
    import openpyxl

    ws = openpyxl.load_workbook(leeds["xlsx"], read_only=True)["Summary"]
    rows = list(ws.iter_rows(values_only=True))
    groups = {r[rows[0].index("sn_group")] for r in rows[1:]} - {None}
    assert groups == {"Leeds (383)"}


def test_second_authority_published_measures(tmp_path, monkeypatch):
    """The core data set's published measures follow the authority file too (trust = Leeds' own figure)."""
    from pipelines.lib.core import published as pb

    (tmp_path / "authority.yaml").write_text(LEEDS_YAML)
    monkeypatch.setenv("SCORECARD_AUTHORITY", str(tmp_path / "authority.yaml"))
    frame = pb.published_values()
    trust = frame.filter(pl.col("geographic_level") == "trust")
    assert set(trust["la_code"]) == {"383"}
    mid, year = trust.filter(pl.col("value").is_not_null()).select("measure_id", "time_period").row(0)
    c = pb.comparators(frame, mid, year)
    own = frame.filter(pl.col("measure_id") == mid, pl.col("time_period") == year, pl.col("la_code") == "383",
                       pl.col("geographic_level") == "la")["value"][0]
    assert c["trust"]["value"] == pytest.approx(own) and list(c["councils"]) == ["383"]
    assert not (set(c["neighbours"]) & NORTHANTS) and c["region"] == "Yorkshire and The Humber"


def test_leeds_neighbours_never_include_northamptonshire():
    """Why Leeds: its lists in every shipped model name none of 928/940/941 (so the check above means
    something); Kent's April 2021 list, for one, includes West Northamptonshire."""
    t = pl.read_csv(Path(REFERENCE_DIR / "benchmarks" / "statistical_neighbours.csv"), infer_schema_length=0)
    assert not set(t.filter(pl.col("la_code") == "383")["sn_code"]) & NORTHANTS
    assert "941" in set(t.filter(pl.col("la_code") == "886")["sn_code"])
