"""SQL checks are found by glob over sql/checks/*.sql and run by their header (`-- kind:`, `-- severity:`), like
the cards: adding a check is adding a file; a bad header is an error naming the file."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pytest

from pipelines.lib.archive import archive_drop
from pipelines.lib.quality.sql_checks import CHECK_DIR, SqlCheckError, checks, read_check, run_sql_checks
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

KEY = bytes(range(32))
CONTACTS = ("cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_outcome_json,"
            "cont_contact_decision_date\nC1,P1,2024-03-01,A,,2024-03-04\nC2,P2,2024-03-02,Z,,2024-03-02\n")
NEW_CHECK = """-- kind: row
-- severity: warning
-- A contact source code Z (a test rule, dropped into the folder).
SELECT source_file, source_row, 'ssd_contacts' AS table_name, 'cont_contact_source_code' AS column_name,
       'contact source is not Z' AS rule, 'warning' AS severity, NULL AS detail, NULL AS kpi_id
FROM staged.ssd_contacts
WHERE drop_id = $drop_id AND cont_contact_source_code = 'Z'
"""


def _staged(tmp: Path) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    path = tmp / "landing" / "2024-03-31"
    path.mkdir(parents=True)
    (path / "ssd_contacts.csv").write_text(CONTACTS)
    stage_drop(con, archive_drop(path, tmp / "archive").drop, KEY, "941", registry=REGISTRY)
    return con


def test_every_shipped_check_has_a_header():
    found = checks()
    assert {c.name for c in found} == {p.stem for p in CHECK_DIR.glob("*.sql")}
    kinds = {c.name: c.kind for c in found}
    assert kinds["overlapping_placements"] == "row" and kinds["missing_column"] == "delivery"
    assert kinds["local_feed_no_figure"] == "feed" and kinds["kpi_completeness"] == "kpi_values"
    assert kinds["row_count_files"] == "setup"
    assert read_check(CHECK_DIR / "postcode_not_located.sql").severities == ("critical", "warning")


def test_a_check_dropped_into_the_folder_is_run(tmp_path: Path):
    folder = tmp_path / "checks"
    shutil.copytree(CHECK_DIR, folder)
    (folder / "contact_source_not_z.sql").write_text(NEW_CHECK)
    con = _staged(tmp_path)
    rows = run_sql_checks(con, "2024-03-31", date(2024, 3, 1), date(2024, 3, 31), check_dir=folder)
    mine = [r for r in rows if r["check"] == "contact_source_not_z"]
    assert [(r["rule"], r["severity"], r["source_row"]) for r in mine] == [("contact source is not Z", "warning", 2)]
    # the shipped folder does not have it
    shipped = run_sql_checks(con, "2024-03-31", date(2024, 3, 1), date(2024, 3, 31))
    assert not [r for r in shipped if r["check"] == "contact_source_not_z"]


@pytest.mark.parametrize(("header", "message"), [
    ("-- severity: warning\n", "no '-- kind:' header"),
    ("-- kind: rows\n-- severity: warning\n", "header '-- kind: rows'"),
    ("-- kind: row\n-- severity: fatal\n", "header '-- severity: fatal'"),
    ("-- kind: row\n", "header '-- severity: '"),
    ("-- kind: row\n-- kind: feed\n-- severity: warning\n", "given twice"),
])
def test_a_bad_header_is_a_located_error(tmp_path: Path, header: str, message: str):
    path = tmp_path / "bad_check.sql"
    path.write_text(header + NEW_CHECK.split("\n", 2)[2])
    with pytest.raises(SqlCheckError, match=message) as err:
        read_check(path)
    assert str(path) in str(err.value)


def test_a_row_of_an_undeclared_severity_is_a_located_error(tmp_path: Path):
    folder = tmp_path / "checks"
    folder.mkdir()
    (folder / "says_warning.sql").write_text(NEW_CHECK.replace("'warning' AS severity", "'critical' AS severity"))
    con = _staged(tmp_path)
    with pytest.raises(SqlCheckError, match=r"says_warning\.sql: a row of severity 'critical'"):
        run_sql_checks(con, "2024-03-31", date(2024, 3, 1), date(2024, 3, 31), check_dir=folder)

