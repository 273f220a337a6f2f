"""Commentary through the pipeline: a commentary.csv placed in a drop is archived and checked with the drop,
read back from the archive for the run (pipelines/lib/commentary.run_commentary, as the Dagster assets do),
shown escaped in the OCG pack and written to the workbook; its faults reach error_report.csv. The configured
folder (SCORECARD_COMMENTARY_DIR) wins over the drop's file and is archived. Small synthetic authority, one
month of KPIs."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import polars as pl
import pytest

from pipelines.lib.commentary import COLUMNS, ENV_DIR, configured_dir, issues_frame, run_commentary
from pipelines.lib.returns import REGISTRY

PERIOD = date(2020, 3, 31)
SCRIPT = "<script>alert('x')</script>"
FORMULA = '=HYPERLINK("http://x","y")'
QUOTED_FORMULA = FORMULA.replace('"', '""')  # as a CSV cell
KPIS = {f"KPI{n:02d}" for n in range(1, 22)}
ROWS = [
    # KPI03 written for the month: shown as it is, its markup escaped and its formula neutralised
    f'KPI03,2020-03,"Assessments in time fell {SCRIPT} after two posts fell vacant.",Vacancies,'
    f'"{QUOTED_FORMULA}",Head of Service,2020-04-30,in progress',
    "KPI05,2020-01,Conferences in time written for January.,,,,,agreed",     # carried forward
    "KPI04,2020-03,A plan status not in the list.,,,,,started",              # row 3: a located fault
]


@pytest.fixture(scope="module")
def run(small_landing, tmp_path_factory):
    from pipelines.lib.archive import archive_drop
    from pipelines.lib.kpi_engine import compute_kpis
    from pipelines.lib.staging import stage_drop, use_current

    tmp = tmp_path_factory.mktemp("commentary")
    drop = tmp / "landing" / "2020-03-31"
    shutil.copytree(small_landing / "2020-03-31", drop)
    (drop / "commentary.csv").write_text("\n".join([",".join(COLUMNS), *ROWS]) + "\n", encoding="utf-8")
    archive = tmp / "archive"
    outcome = archive_drop(drop, archive)
    con = duckdb.connect(str(tmp / "warehouse.duckdb"))
    summary = stage_drop(con, outcome.drop, b"test-key-" * 4, "928", registry=REGISTRY)
    use_current(con)
    compute_kpis(con, PERIOD, PERIOD)
    yield {"con": con, "archive": archive, "summary": summary, "tmp": tmp}
    con.close()


def test_the_drop_lists_the_file_as_commentary_with_its_fault(run):
    files = {f["file"]: f for f in run["summary"].files}
    assert files["commentary.csv"]["status"] == "used" and files["commentary.csv"]["tables"] == "commentary"
    assert ("commentary.csv: commentary KPI04 2020-03, row 3, column remedial_plan_status: 'started' is not a "
            "plan status (none, drafted, agreed, in progress, complete, overdue)") in run["summary"].messages


def test_commentary_in_the_drop_shows_in_the_ocg_pack_escaped(run):
    from pipelines.lib.packs import render_ocg_pack

    said = run_commentary(run["con"], run["archive"])
    assert [r.source_row for r in said.rows] == [1, 2, 3] and [i.row for i in said.issues] == [3]
    html = render_ocg_pack(run["con"], PERIOD, run["tmp"] / "out", commentary=said.rows).read_text("utf-8")
    kpi03 = html[html.index('id="kpi03"'):html.index('id="kpi04"')]
    assert "after two posts fell vacant." in kpi03 and "Vacancies" in kpi03
    assert SCRIPT not in html and "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in kpi03
    assert "30 April 2020" in kpi03 and "in progress" in kpi03 and "Head of Service" in kpi03
    kpi05 = html[html.index('id="kpi05"'):html.index('id="kpi06"')]
    assert "carried forward, written for January 2020" in kpi05
    kpi04 = html[html.index('id="kpi04"'):html.index('id="kpi05"')]
    assert "has an error and is held back" in kpi04 and "A plan status not in the list." not in kpi04


def test_commentary_due_for_every_red_kpi_without_a_row_for_the_month(run):
    from pipelines.lib.packs import ocg_context

    rows = run_commentary(run["con"], run["archive"]).rows
    ctx = ocg_context(run["con"], PERIOD, with_charts=False, commentary=rows)
    due = []
    for s in ctx["sections"]:
        c = s["commentary"]
        should_be_due = (s["rag"]["key"] == "red" or s["breach"]) and s["kpi_id"] != "KPI03"
        assert (c is not None and c["due"]) == should_be_due == s["commentary_due"], s["kpi_id"]
        due += [s["kpi_id"]] if should_be_due else []
    assert due  # the small authority has Red KPIs this month: the rule is exercised


def test_workbook_commentary_sheet_never_holds_a_formula(run):
    import openpyxl

    from pipelines.lib.packs import write_workbook

    rows = run_commentary(run["con"], run["archive"]).rows
    path = write_workbook(run["con"], PERIOD, run["tmp"] / "xlsx", commentary=rows)
    ws = openpyxl.load_workbook(path)["Commentary"]
    head = [c.value for c in ws[1]]
    got = {r[0]: dict(zip(head, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)}
    assert got["KPI03"]["action"] == "'" + FORMULA and got["KPI03"]["written_for"] == "2020-03"
    assert got["KPI05"]["carried_forward"] is True and got["KPI05"]["written_for"] == "2020-01"


def test_faults_reach_the_error_report(run):
    from pipelines.lib.outputs import write_outputs

    said = run_commentary(run["con"], run["archive"])
    out = run["tmp"] / "outputs"
    write_outputs(run["con"], out, PERIOD, PERIOD, commentary_issues=issues_frame(said.issues, KPIS))
    report = pl.read_csv(out / "restricted" / "error_report.csv", infer_schema=False)
    mine = report.filter(pl.col("table") == "commentary").to_dicts()
    assert mine == [{"file": "commentary.csv", "table": "commentary", "column": "remedial_plan_status", "row": "3",
                     "rule": "KPI04 2020-03: 'started' is not a plan status (none, drafted, agreed, in progress, "
                             "complete, overdue)", "severity": "commentary error", "kpis_affected": "KPI04"}]


def test_the_configured_folder_wins_and_is_archived(run, tmp_path, monkeypatch):
    folder = tmp_path / "team"
    folder.mkdir()
    text = ",".join(COLUMNS) + "\nKPI01,2020-03,From the team's working copy.,,,,,\n"
    (folder / "commentary.csv").write_text(text, encoding="utf-8")
    monkeypatch.setenv(ENV_DIR, str(folder))
    said = run_commentary(run["con"], run["archive"], configured_dir())
    assert [(r.kpi_id, r.commentary) for r in said.rows] == [("KPI01", "From the team's working copy.")]
    copies = list((run["archive"] / "commentary").glob("*.csv"))
    assert len(copies) == 1 and copies[0].read_text(encoding="utf-8") == text
    assert any("commentary.csv: commentary not read" in n for n in said.notes)
    # the copy is what is read: editing the folder after the run does not change what that run read
    assert run_commentary(run["con"], run["archive"], folder).rows == said.rows
    monkeypatch.delenv(ENV_DIR)
    assert configured_dir() is None
    # a configured folder without the file: the drop's commentary is read
    (folder / "commentary.csv").unlink()
    assert len(run_commentary(run["con"], run["archive"], folder).rows) == 3
