"""The record lists an analyst opens (rejections.csv): a rejected value is quoted short, never whole."""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipelines.lib.archive import archive_drop, archived_drops
from pipelines.lib.records import rejected_cells
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

HEADER = ("cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_outcome_json,"
          "cont_contact_decision_date\n")


def _stage(tmp_path: Path, rows: str):
    """One drop of contacts archived and staged in memory: (connection, staging summary)."""
    drop = tmp_path / "landing" / "2024-03-31"
    drop.mkdir(parents=True)
    (drop / "ssd_contacts.csv").write_text(HEADER + rows)
    archive_drop(drop, tmp_path / "archive")
    con = duckdb.connect()
    [archived] = archived_drops(tmp_path / "archive")
    return con, stage_drop(con, archived, b"test-key-" * 4, "928", registry=REGISTRY)


def test_a_huge_rejected_value_is_quoted_short(tmp_path: Path):
    huge = "9" * 100_000  # not a date: rejected, and a 100 KB cell must not be echoed into the record list
    con, _ = _stage(tmp_path, f"C1,P1,{huge},A,,2024-01-16\nC2,P2,2024-01-02,B,,\n")
    cells = rejected_cells(con).filter(rejected_cells(con)["column_name"] == "cont_contact_date")
    [value] = cells["value"].to_list()
    assert value == "9" * 40 + "... (100,000 characters)"
    assert cells["record_key"].to_list() == ["cont_contact_id=C1"]


def test_a_value_beyond_the_csv_bound_refuses_the_file_saying_so(tmp_path: Path):
    con, summary = _stage(tmp_path, f"C1,P1,{'9' * 200_000},A,,2024-01-16\n")
    assert summary.messages == [
        "ssd_contacts.csv: could not be read as CSV, table ssd_contacts not staged: a value in the row starting on "
        "line 2 is longer than 131,072 characters (not a real extract value; an unclosed quote or a corrupt file?)"]
    assert "9" * 41 not in str(rejected_cells(con).to_dicts())
