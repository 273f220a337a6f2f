"""Commentary end to end: a commentary.csv placed in the small authority's drop, one `scorecard run` through
Dagster: the OCG pack shows it (escaped), the workbook has it, error_report.csv and drop_files.csv locate
its fault."""

from __future__ import annotations

import shutil

import polars as pl
import pytest

from pipelines.lib.commentary import COLUMNS
from tests.e2e.test_cli import env, scorecard  # noqa: F401 - env is a fixture

ROWS = [
    'KPI03,2020-03,"Assessments in time fell <b>sharply</b> in March.",Vacancies,"=1+1",Head of Service,'
    "2020-04-30,agreed",
    "KPI05,2020-01,Written in January.,,,,,",
    "KPI99,2020-03,A typo in the KPI id.,,,,,",
]


@pytest.fixture(scope="module")
def commentary_run(env, small_landing, tmp_path_factory):  # noqa: F811 - the fixture imported above
    landing = tmp_path_factory.mktemp("landing-commentary")
    shutil.copytree(small_landing / "2020-03-31", landing / "2020-03-31")
    (landing / "2020-03-31" / "commentary.csv").write_text("\n".join([",".join(COLUMNS), *ROWS]) + "\n",
                                                           encoding="utf-8")
    out = tmp_path_factory.mktemp("out-commentary")
    state = tmp_path_factory.mktemp("state-commentary")
    run_env = dict(env, SCORECARD_STATE=str(state), DAGSTER_HOME=str(state / "dagster_home"))
    run_env.pop("SCORECARD_COMMENTARY_DIR", None)
    done = scorecard(run_env, "run", "--extracts", str(landing), "--period", "2020-03", "--out", str(out))
    assert done.returncode == 0, done.stdout + done.stderr
    return out


def test_the_pack_shows_the_drop_s_commentary_escaped(commentary_run):
    html = (commentary_run / "ocg_pack_2020-03.html").read_text(encoding="utf-8")
    kpi03 = html[html.index('id="kpi03"'):html.index('id="kpi04"')]
    assert "Assessments in time fell &lt;b&gt;sharply&lt;/b&gt; in March." in kpi03
    assert "<b>sharply</b>" not in html
    kpi05 = html[html.index('id="kpi05"'):html.index('id="kpi06"')]
    assert "carried forward, written for January 2020" in kpi05


def test_the_fault_is_located_in_the_error_report_and_the_drop_s_files(commentary_run):
    report = pl.read_csv(commentary_run / "restricted" / "error_report.csv", infer_schema=False)
    mine = report.filter(pl.col("table") == "commentary")
    assert mine.select("file", "column", "row", "severity").rows() == [
        ("commentary.csv", "kpi_id", "3", "commentary error")]
    assert mine["rule"][0].startswith("KPI99 2020-03: 'KPI99' is not a KPI of the pack")
    files = pl.read_csv(commentary_run / "drop_files.csv", infer_schema=False)
    row = files.filter(pl.col("file") == "commentary.csv").to_dicts()[0]
    assert (row["status"], row["tables"]) == ("used", "commentary")
    assert "commentary KPI99 2020-03, row 3, column kpi_id" in row["reason"]


def test_the_workbook_has_the_commentary_sheet_with_the_formula_neutralised(commentary_run):
    import openpyxl

    ws = openpyxl.load_workbook(commentary_run / "scorecard_2020-03.xlsx")["Commentary"]
    head = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert rows["KPI03"]["action"] == "'=1+1" and rows["KPI03"]["remedial_plan_status"] == "agreed"
