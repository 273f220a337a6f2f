"""Archiving monthly drops (pipelines/lib/archive.py): sha256 manifest, read-only copies, idempotence,
refusal of a different file set for an extract date already archived, revisions, bad folder names."""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import date
from pathlib import Path

import pytest

from pipelines.lib.archive import DropError, archive_drop, archived_drops

CONTACTS = "cont_contact_id,cont_person_id,cont_contact_date\nC1,P1,2024-03-01\n"
PERSON = "pers_person_id,pers_sex\nP1,M\n"


def two_files() -> dict[str, str]:
    return {"ssd_contacts.csv": CONTACTS, "ssd_person.csv": PERSON}


def write_drop(landing: Path, name: str, files: dict[str, str | bytes]) -> Path:
    folder = landing / name
    folder.mkdir(parents=True)
    for fname, content in files.items():
        path = folder / fname
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content)
    return folder


def snapshot(archive: Path) -> dict[str, bytes]:
    """Every path under the archive (hidden temporary folders included) with its bytes."""
    if not archive.exists():
        return {}
    return {str(p.relative_to(archive)): (p.read_bytes() if p.is_file() else b"<dir>")
            for p in sorted(archive.rglob("*"))}


def test_archive_writes_manifest_with_sha256_and_read_only_copies(tmp_path):
    src = write_drop(tmp_path / "landing", "2024-03-31", two_files())
    archive = tmp_path / "archive"
    out = archive_drop(src, archive)

    assert out.status == "archived"
    assert out.drop.drop_id == "2024-03-31"
    assert out.drop.extract_date == date(2024, 3, 31)
    assert out.drop.revision == 1
    assert out.drop.path == archive / "2024-03-31"

    manifest = json.loads((archive / "2024-03-31" / "manifest.json").read_text())
    assert manifest["drop_id"] == "2024-03-31"
    assert manifest["extract_date"] == "2024-03-31"
    # sha256 worked out here from the bytes written, independently of the archive code
    expected = [
        {"name": "ssd_contacts.csv", "sha256": hashlib.sha256(CONTACTS.encode()).hexdigest(),
         "bytes": len(CONTACTS.encode())},
        {"name": "ssd_person.csv", "sha256": hashlib.sha256(PERSON.encode()).hexdigest(),
         "bytes": len(PERSON.encode())},
    ]
    assert manifest["files"] == expected

    copied = archive / "2024-03-31"
    assert sorted(p.name for p in copied.iterdir()) == ["manifest.json", "ssd_contacts.csv", "ssd_person.csv"]
    assert (copied / "ssd_contacts.csv").read_text() == CONTACTS
    assert (copied / "ssd_person.csv").read_text() == PERSON
    for p in copied.iterdir():
        # r--------: owner may read, nobody may write (checked on the mode bits, which hold even when tests run as root)
        assert stat.S_IMODE(p.stat().st_mode) == 0o400, p.name
    # the source folder is left as it was
    assert sorted(p.name for p in src.iterdir()) == ["ssd_contacts.csv", "ssd_person.csv"]
    # no temporary folder is left behind
    assert sorted(p.name for p in archive.iterdir()) == ["2024-03-31"]


def test_archiving_the_same_folder_again_is_a_no_op(tmp_path):
    src = write_drop(tmp_path / "landing", "2024-03-31", {"ssd_contacts.csv": CONTACTS})
    archive = tmp_path / "archive"
    first = archive_drop(src, archive)
    before = snapshot(archive)

    again = archive_drop(src, archive)
    assert again.status == "already archived"
    assert again.drop.drop_id == "2024-03-31"
    assert again.drop.files == first.drop.files
    assert snapshot(archive) == before
    assert sorted(p.name for p in archive.iterdir()) == ["2024-03-31"]


def test_same_files_delivered_from_another_landing_folder_are_already_archived(tmp_path):
    archive = tmp_path / "archive"
    archive_drop(write_drop(tmp_path / "a", "2024-03-31", {"ssd_contacts.csv": CONTACTS}), archive)
    out = archive_drop(write_drop(tmp_path / "b", "2024-03-31", {"ssd_contacts.csv": CONTACTS}), archive)
    assert out.status == "already archived"
    assert sorted(p.name for p in archive.iterdir()) == ["2024-03-31"]


def test_different_contents_for_an_archived_date_are_refused_and_nothing_changes(tmp_path):
    archive = tmp_path / "archive"
    archive_drop(write_drop(tmp_path / "a", "2024-03-31", two_files()),
                 archive)
    before = snapshot(archive)
    # same file names, but ssd_contacts.csv has one more row
    changed = write_drop(tmp_path / "b", "2024-03-31", {
        "ssd_contacts.csv": CONTACTS + "C2,P1,2024-03-02\n", "ssd_person.csv": PERSON})

    with pytest.raises(DropError) as err:
        archive_drop(changed, archive)
    msg = str(err.value)
    assert str(changed) in msg           # names the folder delivered
    assert "2024-03-31" in msg           # the extract date
    assert "ssd_contacts.csv" in msg     # the file whose contents differ
    assert "ssd_person.csv" not in msg   # the identical file is not blamed
    assert snapshot(archive) == before   # nothing copied, no temporary folder, manifest unchanged
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-03-31"]


def test_a_different_file_set_names_added_and_missing_files(tmp_path):
    archive = tmp_path / "archive"
    archive_drop(write_drop(tmp_path / "a", "2024-03-31", two_files()),
                 archive)
    before = snapshot(archive)
    # ssd_person.csv missing, ssd_cin_plans.csv added
    other = write_drop(tmp_path / "b", "2024-03-31", {"ssd_contacts.csv": CONTACTS,
                                                     "ssd_cin_plans.csv": "cinp_cin_plan_id\nX1\n"})
    with pytest.raises(DropError) as err:
        archive_drop(other, archive)
    msg = str(err.value)
    assert str(other) in msg and "2024-03-31" in msg
    assert "ssd_person.csv" in msg and "ssd_cin_plans.csv" in msg
    assert snapshot(archive) == before


def test_allow_revision_keeps_both_as_r2_then_r3(tmp_path):
    archive = tmp_path / "archive"
    archive_drop(write_drop(tmp_path / "a", "2024-03-31", {"ssd_contacts.csv": CONTACTS}), archive)
    second = write_drop(tmp_path / "b", "2024-03-31", {"ssd_contacts.csv": CONTACTS + "C2,P1,2024-03-02\n"})

    out = archive_drop(second, archive, allow_revision=True)
    assert out.status == "archived as revision"
    assert out.drop.drop_id == "2024-03-31r2"
    assert out.drop.revision == 2
    assert out.drop.extract_date == date(2024, 3, 31)
    assert sorted(p.name for p in archive.iterdir()) == ["2024-03-31", "2024-03-31r2"]
    assert json.loads((archive / "2024-03-31r2" / "manifest.json").read_text())["drop_id"] == "2024-03-31r2"
    # the first archive is untouched
    assert (archive / "2024-03-31" / "ssd_contacts.csv").read_text() == CONTACTS

    # the revision's files again: already archived (as r2), nothing new
    again = archive_drop(second, archive, allow_revision=True)
    assert (again.status, again.drop.drop_id) == ("already archived", "2024-03-31r2")

    third = write_drop(tmp_path / "c", "2024-03-31", {"ssd_contacts.csv": CONTACTS + "C3,P1,2024-03-03\n"})
    assert archive_drop(third, archive, allow_revision=True).drop.drop_id == "2024-03-31r3"
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-03-31", "2024-03-31r2", "2024-03-31r3"]


@pytest.mark.parametrize("name", ["march-2024", "2024-3-31", "31-03-2024", "20240331", "2024-03-31-extra",
                                  "2024_03_31"])
def test_folder_not_named_by_extract_date_is_refused(tmp_path, name):
    src = write_drop(tmp_path / "landing", name, {"ssd_contacts.csv": CONTACTS})
    with pytest.raises(DropError, match="YYYY-MM-DD") as err:
        archive_drop(src, tmp_path / "archive")
    assert name in str(err.value)
    assert not (tmp_path / "archive").exists()


@pytest.mark.parametrize("name", ["2025-02-30", "2023-02-29", "2024-13-01", "2024-00-10"])
def test_impossible_extract_date_is_refused(tmp_path, name):
    src = write_drop(tmp_path / "landing", name, {"ssd_contacts.csv": CONTACTS})
    with pytest.raises(DropError, match="not a real date") as err:
        archive_drop(src, tmp_path / "archive")
    assert name in str(err.value)
    assert not (tmp_path / "archive").exists()


def test_empty_folder_is_refused(tmp_path):
    src = tmp_path / "landing" / "2024-03-31"
    src.mkdir(parents=True)
    with pytest.raises(DropError, match="empty") as err:
        archive_drop(src, tmp_path / "archive")
    assert str(src) in str(err.value)
    assert not (tmp_path / "archive").exists()


def test_folder_with_only_hidden_files_and_subfolders_is_empty(tmp_path):
    # dot files (e.g. .DS_Store) and sub-folders are not part of a drop
    src = write_drop(tmp_path / "landing", "2024-03-31", {".DS_Store": b"\x00\x01"})
    (src / "sub").mkdir()
    (src / "sub" / "ssd_contacts.csv").write_text(CONTACTS)
    with pytest.raises(DropError, match="empty"):
        archive_drop(src, tmp_path / "archive")


def test_archived_drops_are_listed_oldest_first(tmp_path):
    archive = tmp_path / "archive"
    for name in ("2024-04-30", "2024-02-29", "2024-03-31"):
        files = {"ssd_contacts.csv": CONTACTS + name + "\n"}
        archive_drop(write_drop(tmp_path / "landing", name, files), archive)
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-02-29", "2024-03-31", "2024-04-30"]


# ---------------------------------------------------------------- hostile drops: nothing read outside the data


def test_a_link_to_a_system_file_is_refused_and_never_read(tmp_path):
    # before: the link was followed and /etc/passwd copied into the archive, world-readable (0444)
    secret = tmp_path / "outside" / "secret.txt"
    secret.parent.mkdir()
    secret.write_text("root:x:0:0:not data\n")
    src = write_drop(tmp_path / "landing", "2024-03-31", {"ssd_person.csv": PERSON})
    (src / "ssd_contacts.csv").symlink_to(secret)
    archive = tmp_path / "archive"
    with pytest.raises(DropError) as refused:
        archive_drop(src, archive)
    assert "refused, nothing archived: ssd_contacts.csv is a symbolic link" in str(refused.value)
    assert all(b"root:x" not in p.read_bytes() for p in archive.rglob("*") if p.is_file())
    assert not list(archive.glob("2024-*"))


def test_a_symlinked_drop_folder_is_refused(tmp_path):
    real = write_drop(tmp_path / "elsewhere", "2024-03-31", two_files())
    (tmp_path / "landing").mkdir()
    (tmp_path / "landing" / "2024-03-31").symlink_to(real, target_is_directory=True)
    from pipelines.lib.archive import landing_drops

    [listed] = landing_drops(tmp_path / "landing")  # listed, so that archiving says why it is refused
    with pytest.raises(DropError, match="the drop folder is a symbolic link; links are never followed"):
        archive_drop(listed, tmp_path / "archive")
    assert not (tmp_path / "archive").exists()


@pytest.mark.parametrize("make, kind", [
    (lambda p: __import__("os").mkfifo(p), "a named pipe"),
    (lambda p: p.symlink_to("ssd_person.csv"), "a symbolic link"),  # even to a file of the same drop
])
def test_special_files_refuse_the_drop_saying_which(tmp_path, make, kind):
    src = write_drop(tmp_path / "landing", "2024-03-31", {"ssd_person.csv": PERSON})
    make(src / "ssd_contacts.csv")
    with pytest.raises(DropError, match=f"ssd_contacts.csv is {kind}"):  # a FIFO is never opened: no hang
        archive_drop(src, tmp_path / "archive")


def test_archive_is_readable_by_its_owner_only(tmp_path):
    archive = tmp_path / "archive"
    out = archive_drop(write_drop(tmp_path / "landing", "2024-03-31", two_files()), archive)
    assert stat.S_IMODE(archive.stat().st_mode) == 0o700
    assert stat.S_IMODE(out.drop.path.stat().st_mode) == 0o700
    for p in out.drop.path.iterdir():
        assert stat.S_IMODE(p.stat().st_mode) == 0o400, p.name


def test_hidden_files_sub_folders_and_odd_names_are_kept_out_and_listed(tmp_path):
    # before: '..csv' and dot-files were skipped without a word, and odd names archived as they were
    src = write_drop(tmp_path / "landing", "2024-03-31", {
        "ssd_person.csv": PERSON, "..csv": PERSON, ".DS_Store": b"\x00", "ssd_professionals .csv": "a\n1\n",
        "ssd_contacts.csv\nINFO every KPI passed": CONTACTS, " ssd_address.csv": "a\n1\n"})
    (src / "notes").mkdir()
    out = archive_drop(src, tmp_path / "archive")
    assert [f["name"] for f in out.drop.files] == ["ssd_person.csv"]
    kept_out = {e["name"]: (e["status"], e["reason"]) for e in out.drop.not_archived}
    assert kept_out == {
        "..csv": ("not used", "a hidden file (its name starts with '.')"),
        ".DS_Store": ("not used", "a hidden file (its name starts with '.')"),
        "notes": ("not used", "a sub-folder: only the files at the top of a drop are read"),
        "'ssd_professionals .csv'": ("refused", "its name has whitespace at the start or end of the name or "
                                                "before the extension; rename it"),
        "' ssd_address.csv'": ("refused", "its name has whitespace at the start or end of the name or before the "
                                          "extension; rename it"),
        "'ssd_contacts.csv\\nINFO every KPI passed'": ("refused", "its name holds a control or invisible "
                                                                  "character; rename it"),
    }
    assert sorted(p.name for p in out.drop.path.iterdir()) == ["manifest.json", "ssd_person.csv"]


@pytest.mark.parametrize("name, expected", [
    ("ssd_person.csv", "ssd_person.csv"),
    ("ssd_person.csv\n", "'ssd_person.csv\\n'"),
    ("a\rb\x1b[2J.csv", "'a\\rb\\x1b[2J.csv'"),
    ("ssd_person\u2028.csv", "'ssd_person\\u2028.csv'"),
    ("ssd_person .csv", "'ssd_person .csv'"),
    ("café.csv", "café.csv"),
])
def test_names_are_shown_safely(name, expected):
    from pipelines.lib.archive import shown

    assert shown(name) == expected


def test_a_drop_folder_name_ending_in_a_newline_is_not_a_drop(tmp_path):
    # before: `$` matched before the trailing newline, so '2024-03-31\n' was archived as 2024-03-31
    landing = tmp_path / "landing"
    src = write_drop(landing, "2024-03-31\n", {"ssd_contacts.csv": CONTACTS})
    write_drop(landing, "notes", {"a.txt": "x"})
    (landing / "readme.txt").write_text("x")
    from pipelines.lib.archive import landing_drops, landing_others

    assert landing_drops(landing) == []
    assert landing_others(landing) == [
        "'2024-03-31\\n': a folder, not read (not a drop: a drop is a folder named by its extract date, YYYY-MM-DD)",
        "notes: a folder, not read (not a drop: a drop is a folder named by its extract date, YYYY-MM-DD)",
        "readme.txt: a file, not read (not a drop: a drop is a folder named by its extract date, YYYY-MM-DD)",
    ]
    with pytest.raises(DropError, match="YYYY-MM-DD") as refused:
        archive_drop(src, tmp_path / "archive")
    assert "\n" not in str(refused.value)


def test_drop_name_patterns_refuse_a_trailing_newline_however_they_are_applied():
    # the sensor uses .match: with `$` a folder '2024-03-31\n' was a drop (and crashed date.fromisoformat)
    from pipelines.lib.archive import ARCHIVED_NAME, DROP_NAME

    assert DROP_NAME.match("2024-03-31") and ARCHIVED_NAME.match("2024-03-31r2")
    assert not DROP_NAME.match("2024-03-31\n") and not ARCHIVED_NAME.match("2024-03-31r2\n")
def test_a_copy_left_by_a_killed_run_is_not_a_drop_and_is_cleared(tmp_path):
    # kill -9 after the manifest was written but before the rename leaves `.<drop>-xxxx/` with a manifest
    src = write_drop(tmp_path / "landing", "2024-03-31", two_files())
    archive = tmp_path / "archive"
    leftover = archive / ".2024-03-31-abcd"
    leftover.mkdir(parents=True)
    (leftover / "manifest.json").write_text(json.dumps({"drop_id": "2024-03-31", "extract_date": "2024-03-31",
                                                       "files": []}))
    assert archived_drops(archive) == []
    assert archive_drop(src, archive).status == "archived"
    assert sorted(p.name for p in archive.iterdir()) == ["2024-03-31"]


def test_a_withdrawn_drop_is_kept_marked_and_not_archived_again(tmp_path):
    from pipelines.lib.archive import withdraw_drop

    landing = tmp_path / "landing"
    archive = tmp_path / "archive"
    archive_drop(write_drop(landing, "2024-03-31", two_files()), archive)
    stray = write_drop(landing, "2024-04-15", {"ssd_contacts.csv": CONTACTS})
    archive_drop(stray, archive)
    before = snapshot(archive)
    drop = withdraw_drop(archive, "2024-04-15", "stray folder")
    assert drop.withdrawn["reason"] == "stray folder"
    # kept whole: every archived byte is still there, with the marker beside the manifest
    after = snapshot(archive)
    assert {k: v for k, v in after.items() if not k.endswith("withdrawn.json")} == before
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-03-31"]
    assert [d.drop_id for d in archived_drops(archive, include_withdrawn=True)] == ["2024-03-31", "2024-04-15"]
    # the folder left in the landing folder does not come back
    assert archive_drop(stray, archive).status == "withdrawn, not used"
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-03-31"]
    with pytest.raises(DropError, match="already withdrawn"):
        withdraw_drop(archive, "2024-04-15", "again")
    with pytest.raises(DropError, match="no archived drop 2024-05-31"):
        withdraw_drop(archive, "2024-05-31", "unknown")
    with pytest.raises(DropError, match="say why"):
        withdraw_drop(archive, "2024-03-31", " ")


def test_a_corrected_delivery_of_a_withdrawn_date_is_the_next_revision(tmp_path):
    from pipelines.lib.archive import withdraw_drop

    landing = tmp_path / "landing"
    archive = tmp_path / "archive"
    archive_drop(write_drop(landing, "2024-04-15", {"ssd_contacts.csv": CONTACTS}), archive)
    withdraw_drop(archive, "2024-04-15", "incomplete")
    outcome = archive_drop(write_drop(tmp_path / "again", "2024-04-15", two_files()), archive)
    assert (outcome.drop.drop_id, outcome.status) == ("2024-04-15r2", "archived as revision")
    assert [d.drop_id for d in archived_drops(archive)] == ["2024-04-15r2"]
