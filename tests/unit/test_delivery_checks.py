"""The delivery checks' edges (sql/checks/row_count_band.sql, missing_column.sql): what is critical, what only
warns. The corpus (58-61) pins the critical cases end to end."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb

from pipelines.lib.archive import archive_drop
from pipelines.lib.quality.sql_checks import run_sql_checks
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

KEY = bytes(range(32))
HEADER = "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_outcome_json,"
HEADER += "cont_contact_decision_date\n"


def _contacts(n: int) -> str:
    return HEADER + "".join(f"C{i},P{i},2024-02-01,A,,2024-02-01\n" for i in range(n))


def _findings(tmp: Path, drops: list[tuple[str, dict[str, str]]]) -> list[dict]:
    con = duckdb.connect()
    for folder, files in drops:
        path = tmp / "landing" / folder
        path.mkdir(parents=True)
        for name, text in files.items():
            (path / name).write_text(text)
        stage_drop(con, archive_drop(path, tmp / "archive").drop, KEY, "941", registry=REGISTRY)
    return run_sql_checks(con, drops[-1][0], date(2024, 3, 1), date(2024, 3, 31))


def _band(rows: list[dict]) -> list[tuple[str, str]]:
    return [(r["severity"], r["rule"]) for r in rows if r["check"] == "row_count_band"]


def test_a_tiny_table_outside_the_band_only_warns(tmp_path: Path):
    rows = _findings(tmp_path, [("2024-02-29", {"ssd_contacts.csv": _contacts(3)}),
                                ("2024-03-31", {"ssd_contacts.csv": _contacts(9)})])
    assert _band(rows) == [("warning", "row count within 0.8-1.25x the previous drop")]


def test_a_jump_outside_the_critical_band_is_critical(tmp_path: Path):
    rows = _findings(tmp_path, [("2024-02-29", {"ssd_contacts.csv": _contacts(10)}),
                                ("2024-03-31", {"ssd_contacts.csv": _contacts(21)})])
    assert _band(rows) == [("critical", "row count within 0.5-2.0x the previous drop")]


def test_a_change_inside_the_critical_band_warns(tmp_path: Path):
    rows = _findings(tmp_path, [("2024-02-29", {"ssd_contacts.csv": _contacts(100)}),
                                ("2024-03-31", {"ssd_contacts.csv": _contacts(150)})])
    assert _band(rows) == [("warning", "row count within 0.8-1.25x the previous drop")]


def test_a_column_missing_from_the_tables_own_file_names_file_table_and_column(tmp_path: Path):
    # (a statutory return's frame names the return's file, so what a return does not carry is not reported:
    # tests/e2e/test_cli_returns.py)
    rows = _findings(tmp_path, [("2024-03-31", {"ssd_contacts.csv": _contacts(2).replace(
        ",cont_contact_decision_date", "").replace(",2024-02-01\n", "\n")})])
    missing = [(r["table_name"], r["column_name"], r["source_file"]) for r in rows if r["check"] == "missing_column"]
    assert missing == [("ssd_contacts", "cont_contact_decision_date", "ssd_contacts.csv")]


def test_a_table_the_previous_drop_had_is_critical_but_a_local_feed_is_not(tmp_path: Path):
    feed = "period_end,measure_id,numerator,denominator,value,source_note\n2024-02-29,CDS_FP01,1,2,50,team\n"
    person = "pers_person_id,pers_sex,pers_ethnicity,pers_dob,pers_expected_dob,pers_death_date,pers_upn_unknown\n"
    rows = _findings(tmp_path, [
        ("2024-02-29", {"ssd_contacts.csv": _contacts(3), "ssd_person.csv": person + "P1,1,WBRI,2010-01-01,,,\n",
                        "local_feeds.csv": feed}),
        ("2024-03-31", {"ssd_contacts.csv": _contacts(3)})])
    gone = [(r["severity"], r["table_name"], r["detail"]) for r in rows if r["check"] == "table_no_longer_delivered"]
    assert gone == [("critical", "ssd_person", "ssd_person.csv was in drop 2024-02-29 and is not in this drop")]
