"""Commentary and actions (pipelines/lib/commentary.py): validation of the file, located faults, and the
carry-forward / "commentary due" rule on hand-built rows."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.lib.commentary import (
    COLUMNS,
    PLAN_STATUSES,
    TEMPLATE,
    TEXT_LIMIT,
    CommentaryRow,
    commentary_for_pack,
    month_label,
    read_commentary,
)

KPIS = [f"KPI{n:02d}" for n in range(1, 22)]
HEADER = ",".join(COLUMNS)


def row(kpi_id: str, period: str, text: str = "Said for the month", **kw) -> CommentaryRow:
    return CommentaryRow("commentary.csv", kw.pop("source_row", 1), kpi_id, period, text, **kw)


def write(tmp_path: Path, *lines: str, name: str = "commentary.csv") -> Path:
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


# ------------------------------------------------------------------------------------- carry forward, due


def test_written_for_the_month_is_shown_as_current():
    views = commentary_for_pack([row("KPI03", "2025-03", cause="Staffing", action="Agency cover",
                                     owner="Head of Service", due_date=date(2025, 4, 30), plan_status="agreed")],
                                date(2025, 3, 31), {"KPI03": "red"})
    v = views["KPI03"]
    assert (v.commentary, v.cause, v.action, v.owner, v.plan_status) == (
        "Said for the month", "Staffing", "Agency cover", "Head of Service", "agreed")
    assert v.due_date == date(2025, 4, 30) and v.due_date_text == "30 April 2025"
    assert v.written_for == "2025-03" and not v.carried_forward and not v.due


def test_written_two_months_earlier_is_carried_forward():
    rows = [row("KPI05", "2025-01", "January's word"), row("KPI05", "2024-11", "November's word")]
    v = commentary_for_pack(rows, "2025-03", {"KPI05": "amber"})["KPI05"]
    assert v.commentary == "January's word"
    assert v.carried_forward and v.written_for == "2025-01" and v.written_for_label == "January 2025"
    assert not v.due  # Amber, not in breach: carried forward is enough


def test_a_row_written_for_a_later_month_is_not_shown_for_an_earlier_pack():
    rows = [row("KPI05", "2025-04", "April"), row("KPI05", "2025-02", "February")]
    assert commentary_for_pack(rows, date(2025, 3, 31), {"KPI05": "green"})["KPI05"].commentary == "February"
    assert commentary_for_pack(rows, "2025-01", {"KPI05": "green"}) == {}


def test_red_with_no_commentary_is_due():
    v = commentary_for_pack([], "2025-03", {"KPI01": "red"})["KPI01"]
    assert v.due and not v.has_row and not v.carried_forward and v.commentary == ""


def test_green_with_no_commentary_shows_nothing():
    assert commentary_for_pack([row("KPI02", "2025-03")], "2025-03", {"KPI01": "green", "KPI02": "green"}
                               ).keys() == {"KPI02"}


def test_breached_with_only_carried_commentary_is_due_and_still_shows_it():
    v = commentary_for_pack([row("KPI07", "2025-02", "February's plan")], "2025-03", {"KPI07": "amber"},
                            breaches={"KPI07"})["KPI07"]
    assert v.due and v.carried_forward and v.commentary == "February's plan"


def test_red_with_commentary_for_the_month_is_not_due():
    assert not commentary_for_pack([row("KPI07", "2025-03")], "2025-03", {"KPI07": "red"}, {"KPI07"})["KPI07"].due


def test_a_bad_row_is_not_shown_but_marked_held_back():
    bad = row("KPI04", "2025-03", "new words", errors=("remedial_plan_status 'x' is not a plan status",))
    v = commentary_for_pack([row("KPI04", "2025-02", "old words"), bad], "2025-03", {"KPI04": "red"})["KPI04"]
    assert v.commentary == "old words" and v.carried_forward and v.due and v.held_back


def test_month_label():
    assert month_label("2025-01") == "January 2025"


# ------------------------------------------------------------------------------------------- validation


def test_template_is_valid_and_has_a_carried_row():
    rows, issues = read_commentary([TEMPLATE], KPIS)
    assert issues == [] and rows and all(r.ok for r in rows)
    assert {r.period for r in rows} == {"2025-03", "2025-01"}
    assert TEMPLATE.read_text(encoding="utf-8").splitlines()[0] == HEADER


def test_each_fault_is_located_with_file_row_column_and_key(tmp_path):
    path = write(tmp_path,
                 "KPI03,2025-03,Fine,,,,,",                                       # 1 good
                 "KPI99,2025-03,Typo in the id,,,,,",                             # 2 unknown KPI
                 "KPI04,2025-13,Bad month,,,,,",                                  # 3 bad period
                 "KPI05,2025-03,Bad due date,,,,2025-02-30,",                     # 4 bad date
                 f"KPI06,2025-03,{'x' * (TEXT_LIMIT + 1)},,,,,",                  # 5 too long
                 "KPI07,2025-03,Unknown status,,,,,started",                      # 6 plan status
                 "KPI08,2025-03,,,,,,",                                           # 7 empty commentary
                 "KPI03,2025-03,Second for the same key,,,,,",                    # 8 duplicate
                 ",,,,,,,",                                                       # a blank line: skipped
                 "kpi09 ,2025-02,Lower case id and padded; status spelt loosely,,,,15/04/2025,In_Progress")
    rows, issues = read_commentary([path], KPIS)
    got = [(i.file, i.row, i.column, i.kpi_id, i.period) for i in issues]
    assert got == [
        ("commentary.csv", 2, "kpi_id", "KPI99", "2025-03"),
        ("commentary.csv", 3, "period", "KPI04", "2025-13"),
        ("commentary.csv", 4, "due_date", "KPI05", "2025-03"),
        ("commentary.csv", 5, "commentary", "KPI06", "2025-03"),
        ("commentary.csv", 6, "remedial_plan_status", "KPI07", "2025-03"),
        ("commentary.csv", 7, "commentary", "KPI08", "2025-03"),
        ("commentary.csv", 8, "kpi_id, period", "KPI03", "2025-03"),
    ]
    reasons = [i.reason for i in issues]
    assert "'KPI99' is not a KPI of the pack" in reasons[0]
    assert "'2025-13' is not a reporting month (expected YYYY-MM" in reasons[1]
    assert "'2025-02-30' is not a valid date" in reasons[2]
    assert f"commentary is {TEXT_LIMIT + 1:,} characters long; at most {TEXT_LIMIT:,}" in reasons[3]
    assert "'started' is not a plan status (" + ", ".join(PLAN_STATUSES) + ")" in reasons[4]
    assert "the commentary is empty" in reasons[5]
    assert reasons[6] == "duplicate kpi_id, period (row 1 kept)"
    # nothing lost: every non-blank row is returned, the bad ones with their errors
    assert [r.source_row for r in rows] == [1, 2, 3, 4, 5, 6, 7, 8, 10]
    assert [r.ok for r in rows] == [True] + [False] * 7 + [True]
    last = rows[-1]
    assert (last.kpi_id, last.due_date, last.plan_status) == ("KPI09", date(2025, 4, 15), "in progress")
    assert issues[0].message == ("commentary.csv: commentary KPI99 2025-03, row 2, column kpi_id: "
                                 + reasons[0])


def test_a_long_text_is_never_quoted_in_a_message(tmp_path):
    path = write(tmp_path, f"KPI01,2025-03,ok,,,,,{'z' * 50}")
    _, issues = read_commentary([path], KPIS)
    assert "zzzz" not in issues[0].message and "a value of 50 characters" in issues[0].message


def test_a_file_missing_a_column_is_refused_whole(tmp_path):
    path = tmp_path / "commentary.csv"
    path.write_text("kpi_id,period,commentary\nKPI01,2025-03,Words\n", encoding="utf-8")
    rows, issues = read_commentary([path], KPIS)
    assert rows == [] and len(issues) == 1 and issues[0].row is None
    assert issues[0].reason.startswith("column(s) cause, action, owner, due_date, remedial_plan_status missing")


def test_a_file_that_is_not_utf8_is_refused_whole(tmp_path):
    path = tmp_path / "commentary.csv"
    path.write_bytes((HEADER + "\nKPI01,2025-03,Caf\xe9 words,,,,,\n").encode("cp1252"))
    rows, issues = read_commentary([path], KPIS)
    assert rows == [] and "not UTF-8 text" in issues[0].reason


def test_duplicates_are_found_across_files(tmp_path):
    a = write(tmp_path, "KPI01,2025-03,first,,,,,", name="commentary.csv")
    b = write(tmp_path, "KPI01,2025-03,second,,,,,", name="more_commentary.csv")
    rows, issues = read_commentary([a, b], KPIS)
    assert [(i.file, i.row, i.reason) for i in issues] == [
        ("more_commentary.csv", 1, "duplicate kpi_id, period (row 1 of commentary.csv kept)")]


@pytest.mark.parametrize("status", PLAN_STATUSES)
def test_every_plan_status_is_accepted(tmp_path, status):
    rows, issues = read_commentary([write(tmp_path, f"KPI01,2025-03,Words,,,,,{status.upper()}")], KPIS)
    assert issues == [] and rows[0].plan_status == status


def test_the_demo_drop_gets_the_template_rows_and_an_earlier_drop_none(tmp_path):
    from pipelines.lib.commentary import write_example

    march = tmp_path / "2025-03-31"
    march.mkdir()
    assert write_example(march, date(2025, 3, 31)) == march / "commentary.csv"
    assert (march / "commentary.csv").read_bytes() == TEMPLATE.read_bytes()
    early = tmp_path / "2020-03-31"
    early.mkdir()
    assert write_example(early, date(2020, 3, 31)) is None and not list(early.iterdir())


def test_line_breaks_are_kept_and_other_control_characters_blanked(tmp_path):
    path = tmp_path / "commentary.csv"
    path.write_bytes((HEADER + '\r\nKPI01,2025-03,"First line\r\nsecond\x0bline",,,,,\r\n').encode("utf-8"))
    rows, issues = read_commentary([path], KPIS)
    assert issues == [] and rows[0].commentary == "First line\nsecond line"
