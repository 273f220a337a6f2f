"""Keyed pseudonymisation of person identifiers (pipelines/lib/pseudonymise.py) and its use at staging:
no raw person identifier may reach any staged table, the quarantine or the rejections."""

from __future__ import annotations

import hashlib
import hmac
import stat
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import db
from pipelines.lib.archive import archive_drop
from pipelines.lib.pseudonymise import (
    PseudonymKeyError,
    create_key,
    fingerprint,
    key_file,
    load_key,
    pseudonym,
    pseudonymise,
)
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

KEY_A = bytes.fromhex("00" * 31 + "01")
KEY_B = bytes.fromhex("00" * 31 + "02")


def expected_pseudonym(key: bytes, identifier: str) -> str:
    """The documented recipe, written out here: 'X' + first 20 hex digits of HMAC-SHA256(key, id)."""
    return "X" + hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()[:20]


def stage(tmp_path: Path, files: dict[str, str], key: bytes, name: str = "2024-03-31"):
    folder = tmp_path / "landing" / name
    folder.mkdir(parents=True)
    for fname, text in files.items():
        (folder / fname).write_text(text)
    drop = archive_drop(folder, tmp_path / "archive").drop
    con = duckdb.connect()
    summary = stage_drop(con, drop, key, "941", registry=REGISTRY)
    return con, summary


# ---------------------------------------------------------------- the function itself


def test_same_id_same_pseudonym_under_one_key():
    assert pseudonym(KEY_A, "P001") == pseudonym(KEY_A, "P001")
    assert pseudonym(KEY_A, "P001") == expected_pseudonym(KEY_A, "P001")
    assert pseudonym(KEY_A, "P001") != pseudonym(KEY_A, "P002")


def test_other_key_other_pseudonym():
    assert pseudonym(KEY_A, "P001") != pseudonym(KEY_B, "P001")
    assert pseudonym(KEY_B, "P001") == expected_pseudonym(KEY_B, "P001")


def test_pseudonym_shape():
    p = pseudonym(KEY_A, "P001")
    assert len(p) == 21 and p[0] == "X"
    assert all(c in "0123456789abcdef" for c in p[1:])
    assert "P001" not in p


def test_pseudonymise_expression_keeps_nulls():
    frame = pl.DataFrame({"id": ["P001", None, "P002"]})
    got = frame.select(pseudonymise(pl.col("id"), KEY_A))["id"].to_list()
    assert got == [expected_pseudonym(KEY_A, "P001"), None, expected_pseudonym(KEY_A, "P002")]


# ---------------------------------------------------------------- the key file


def test_missing_key_is_refused_never_created(tmp_path, monkeypatch):
    # before: a missing key file was created silently, so every pseudonym changed with no message
    path = tmp_path / "config" / "scorecard" / "pseudonymisation.key"
    monkeypatch.setenv("SCORECARD_KEY_FILE", str(path))
    assert key_file() == path
    with pytest.raises(PseudonymKeyError) as refused:
        load_key()
    assert str(refused.value).startswith(f"no pseudonymisation key at {path}: create one with `scorecard key create`")
    assert "keep it" in str(refused.value)
    assert not path.exists() and not path.parent.exists()


def test_key_is_created_explicitly_with_mode_0600_and_never_replaced(tmp_path, monkeypatch):
    path = tmp_path / "config" / "scorecard" / "pseudonymisation.key"
    monkeypatch.setenv("SCORECARD_KEY_FILE", str(path))
    assert create_key() == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    text = path.read_text().strip()
    assert len(text) == 64 and all(c in "0123456789abcdef" for c in text)
    key = load_key()
    assert key == bytes.fromhex(text) and len(key) == 32

    before = path.read_bytes()
    with pytest.raises(PseudonymKeyError, match="already exists"):
        create_key()
    assert path.read_bytes() == before
    assert load_key() == key


def test_two_new_key_files_hold_different_keys(tmp_path):
    assert load_key(create_key(tmp_path / "a.key")) != load_key(create_key(tmp_path / "b.key"))


def test_existing_key_file_is_used_as_is(tmp_path, monkeypatch):
    path = tmp_path / "given.key"
    path.write_text("ab" * 32 + "\n")
    monkeypatch.setenv("SCORECARD_KEY_FILE", str(path))
    assert load_key() == bytes.fromhex("ab" * 32)


def test_too_short_key_is_refused(tmp_path):
    path = tmp_path / "short.key"
    path.write_text("abc123\n")
    with pytest.raises(ValueError, match="too short"):
        load_key(path)


def test_fingerprint_names_a_key_without_revealing_it():
    a, b = fingerprint(KEY_A), fingerprint(KEY_B)
    assert a == fingerprint(KEY_A) and a != b and len(a) == 16
    # not the key, nor any pseudonym made with it (an HMAC of a fixed label, not of an identifier)
    assert a not in KEY_A.hex() and a not in pseudonym(KEY_A, "")


def test_cli_key_create_announces_the_key_and_refuses_to_replace_it(tmp_path, monkeypatch, capsys):
    from pipelines.cli import main

    path = tmp_path / "k" / "pseudonymisation.key"
    monkeypatch.setenv("SCORECARD_KEY_FILE", str(path))
    assert main(["key", "create"]) == 0
    said = capsys.readouterr().out
    assert f"created a new pseudonymisation key at {path} (fingerprint {fingerprint(load_key())})" in said
    assert "keep it" in said
    assert main(["key", "create"]) == 2
    assert "already exists" in capsys.readouterr().err
    assert main(["key", "show"]) == 0
    assert fingerprint(load_key()) in capsys.readouterr().out


# ---------------------------------------------------------------- at staging


def test_normalised_ids_share_a_pseudonym_after_staging(tmp_path):
    con, _ = stage(tmp_path, {
        "ssd_person.csv": "pers_person_id,pers_sex\nP001,M\n",
        # ' p001 ' (padded, lower case) is the same person as 'P001'
        "ssd_contacts.csv": "cont_contact_id,cont_person_id,cont_contact_date\nC1, p001 ,2024-01-01\n"
                            "C2,P001,2024-01-02\nC3,p002,2024-01-03\n",
    }, KEY_A)
    person = db.scalar(con, "SELECT pers_person_id FROM staged.ssd_person")
    contacts = dict(db.rows(con, "SELECT cont_contact_id, cont_person_id FROM staged.ssd_contacts"))
    assert person == expected_pseudonym(KEY_A, "P001")
    assert contacts == {"C1": expected_pseudonym(KEY_A, "P001"), "C2": expected_pseudonym(KEY_A, "P001"),
                        "C3": expected_pseudonym(KEY_A, "P002")}


def test_staging_under_another_key_gives_other_pseudonyms(tmp_path):
    files = {"ssd_person.csv": "pers_person_id,pers_sex\nP001,M\n"}
    con_a, _ = stage(tmp_path / "a", files, KEY_A)
    con_b, _ = stage(tmp_path / "b", files, KEY_B)
    a = db.scalar(con_a, "SELECT pers_person_id FROM staged.ssd_person")
    b = db.scalar(con_b, "SELECT pers_person_id FROM staged.ssd_person")
    assert (a, b) == (expected_pseudonym(KEY_A, "P001"), expected_pseudonym(KEY_B, "P001"))
    assert a != b


def varchar_columns(con) -> list[tuple[str, str]]:
    return db.rows(con, "SELECT table_name, column_name FROM duckdb_columns() "
                        "WHERE schema_name = 'staged' AND data_type = 'VARCHAR' ORDER BY ALL")


def cells_containing(con, needle: str) -> list[tuple[str, str, str]]:
    """(table, column, value) for every VARCHAR cell of schema `staged` containing needle, any case."""
    found = []
    for table, column in varchar_columns(con):
        # names come from DuckDB's own catalogue; the searched text is bound
        sql = f'SELECT "{column}" FROM staged."{table}" WHERE contains(upper("{column}"), $needle)'  # noqa: S608
        for (value,) in db.rows(con, sql, {"needle": needle.upper()}):
            found.append((table, column, value))
    return found


# Every raw person id in the drop below starts with 'ZZP' (pseudonyms are 'X' + lower-case hex, so upper-
# cased they hold only X, 0-9, A-F and can never contain 'ZZP'). Non-person ids start with 'ZZQ'.
LEAKY_DROP = {
    "ssd_person.csv": (
        "pers_person_id,pers_sex,pers_dob\n"
        "ZZP0001,M,2010-01-01\n"
        " zzp0002 ,F,31/02/2011\n"           # padded, lower case; dob rejected (row still staged)
        "ZZP0001,M,2010-01-01\n"             # exact duplicate -> quarantined with its raw_json
        "ZZP0002,M,2011-02-01\n"             # same key as row 2, other content -> quarantined
    ),
    "ssd_contacts.csv": (
        "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_outcome_json\n"
        "ZZQ-C1,ZZP0001,2024-01-01,{}\n"
        ",zzp0003,2024-01-02,{}\n"           # no contact id -> quarantined
        "ZZQ-C2,ZZP0004,not a date,{}\n"     # date rejected
    ),
    "ssd_address.csv": (
        "addr_person_id,addr_address_type,addr_address_start_date\n"
        "ZZP0001,HOME,2010-01-01\n"
        "ZZP0005,HOME,\n"
    ),
    "ssd_cin_episodes.csv": (
        "cine_referral_id,cine_person_id,cine_referral_date,cine_referral_nfa\n"
        "ZZQ-R1,ZZP0006,2024-01-03,maybe\n"  # flag rejected
        "ZZQ-R1,ZZP0007,2024-01-04,N\n"      # duplicate referral id -> quarantined
    ),
    "complaints.csv": (
        "complaint_id,person_id,received_date,stage\n"
        "ZZQ-K1,ZZP0008,2024-01-05,1\n"
        "ZZQ-K2,,2024-01-06,one\n"           # no person (allowed); stage rejected
    ),
    "ssd_sdq_scores.csv": (
        "csdq_person_id,csdq_sdq_completed_date,csdq_sdq_score\n"
        ",2024-01-07,10\n"                   # key incomplete but not all blank: staged with null person
        ",,\n"                               # nothing at all -> no value in key columns -> quarantined
        "ZZP0009,2024-01-08,11\n"
    ),
}


def test_no_raw_person_id_reaches_any_staged_table(tmp_path):
    con, summary = stage(tmp_path, LEAKY_DROP, KEY_A)
    assert summary.status == "staged"

    # the scan covers every contract table plus the quarantine and rejections, raw_json included
    scanned = {(t, c) for t, c in varchar_columns(con)}
    assert ("quarantine", "raw_json") in scanned and ("rejections", "value") in scanned
    assert ("rejections", "reason") in scanned and ("ssd_person", "pers_person_id") in scanned
    # the quarantine really holds raw rows from the person tables (so the scan is not vacuous):
    # ssd_person rows 3, 4; ssd_contacts row 2; ssd_cin_episodes row 2; ssd_sdq_scores row 2
    assert db.rows(con, "SELECT table_name, source_row FROM staged.quarantine ORDER BY ALL") == [
        ("ssd_cin_episodes", 2), ("ssd_contacts", 2), ("ssd_person", 3), ("ssd_person", 4),
        ("ssd_sdq_scores", 2)]
    # positive control: the scanner does find non-person ids, in staged rows and in quarantined raw_json
    found_q = cells_containing(con, "ZZQ")
    assert ("ssd_contacts", "cont_contact_id", "ZZQ-C1") in found_q
    assert any(t == "quarantine" and c == "raw_json" and "ZZQ-R1" in v for t, c, v in found_q)

    assert cells_containing(con, "ZZP") == []

    # and the pseudonyms are where the ids were: ' zzp0002 ' was normalised before hashing
    assert db.rows(con, "SELECT pers_person_id FROM staged.ssd_person ORDER BY source_row") == [
        (expected_pseudonym(KEY_A, "ZZP0001"),), (expected_pseudonym(KEY_A, "ZZP0002"),)]
    raw_json = db.scalar(con, "SELECT raw_json FROM staged.quarantine WHERE table_name = 'ssd_contacts'")
    assert expected_pseudonym(KEY_A, "ZZP0003") in raw_json


def test_no_raw_person_id_in_the_reason_for_an_unreadable_file(tmp_path):
    con, summary = stage(tmp_path, {
        # an unterminated quote on row 1: the file cannot be parsed
        "ssd_person.csv": 'pers_person_id,pers_sex\n"ZZP0001,M\nZZP0002,F\n',
    }, KEY_A)
    reasons = db.rows(con, "SELECT reason FROM staged.rejections WHERE table_name = 'ssd_person'")
    assert len(reasons) == 1 and reasons[0][0].startswith("ssd_person.csv: could not be read")
    assert cells_containing(con, "ZZP") == []
    assert not any("ZZP" in m for m in summary.messages)


def test_a_run_under_another_key_is_refused_before_anything_is_staged(tmp_path):
    # before: February's children staged under one key, March's under another: 0 of them found again
    archive, con = tmp_path / "archive", duckdb.connect()
    person = "pers_person_id,pers_sex\nP001,M\n"
    drops = []
    for name in ("2024-02-29", "2024-03-31"):
        folder = tmp_path / "landing" / name
        folder.mkdir(parents=True)
        (folder / "ssd_person.csv").write_text(person)
        drops.append(archive_drop(folder, archive).drop)
    assert stage_drop(con, drops[0], KEY_A, "941", registry=REGISTRY).status == "staged"
    with pytest.raises(PseudonymKeyError) as refused:
        stage_drop(con, drops[1], KEY_B, "941", registry=REGISTRY)
    message = str(refused.value)
    assert f"(fingerprint {fingerprint(KEY_B)}) is not the key this warehouse was staged with " \
           f"(fingerprint {fingerprint(KEY_A)})" in message
    assert "nothing was staged" in message and "SCORECARD_KEY_FILE" in message and "restages" in message
    assert KEY_A.hex() not in message and KEY_B.hex() not in message
    assert db.rows(con, "SELECT drop_id FROM staged.drops") == [("2024-02-29",)]
    # under the warehouse's own key the next drop links: the same child, the same pseudonym
    assert stage_drop(con, drops[1], KEY_A, "941", registry=REGISTRY).status == "staged"
    assert db.rows(con, "SELECT DISTINCT pers_person_id FROM staged.ssd_person") == [(pseudonym(KEY_A, "P001"),)]
