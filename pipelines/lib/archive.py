"""Archiving monthly drops unchanged, with a sha256 manifest, before anything reads them.

A drop is a folder `landing/<YYYY-MM-DD>/` (its extract date). Re-archiving the same files is a no-op; a
different file set for an extract date already archived is refused unless revisions are allowed, in which
case it is kept beside the first as `<date>r2`, `<date>r3`, ...

An operator may withdraw an archived drop (a stray folder, a wrong delivery): it is kept, with a
`withdrawn.json` marker beside its manifest saying when and why, but it is never the current drop and the same
files in the landing folder are not archived again. A new file set for that date is kept as the next revision
without --allow-revision when every earlier delivery of the date is withdrawn (none of them counts).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import stat
import tempfile
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

from pipelines.lib.atomic import renamed_into_place

DROP_NAME = re.compile(r"\A(\d{4}-\d{2}-\d{2})\Z")  # \Z: `$` would accept a trailing newline
ARCHIVED_NAME = re.compile(r"\A(\d{4}-\d{2}-\d{2})(?:r(\d+))?\Z")
MANIFEST = "manifest.json"
WITHDRAWN = "withdrawn.json"


class DropError(ValueError):
    """A drop that cannot be archived: the message says which folder and why."""


@dataclass(frozen=True)
class Drop:
    drop_id: str           # '2025-03-31' or '2025-03-31r2' for a kept revision
    extract_date: date
    path: Path             # the archived folder
    files: tuple[dict, ...]  # [{'name', 'sha256', 'bytes'}]
    not_archived: tuple[dict, ...] = ()  # [{'name' (printable), 'status', 'reason'}]: entries kept out
    withdrawn: dict | None = None  # {'withdrawn_at', 'reason'} when an operator withdrew it

    @property
    def revision(self) -> int:
        m = ARCHIVED_NAME.match(self.drop_id)
        return int(m.group(2) or 1) if m else 1


@dataclass(frozen=True)
class ArchiveOutcome:
    drop: Drop
    status: str  # 'archived', 'already archived', 'archived as revision'


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


# Unicode line and paragraph separators end a line in many consoles and editors, like a newline does.
_LINE_BREAKS = {"\u2028", "\u2029"}


def shown(name: str) -> str:
    """A file or folder name safe to print: as it is when plain, else quoted with control characters escaped
    (so a newline in a name can never forge a line of output, and trailing whitespace is visible)."""
    return name if odd_name(name) is None else repr(name)


def _odd_char(c: str) -> bool:
    # Cc: control characters; Cs: bytes that are not valid UTF-8 (surrogate-escaped); Cf: invisible formatting
    return unicodedata.category(c) in ("Cc", "Cs", "Cf") or c in _LINE_BREAKS


def odd_name(name: str) -> str | None:
    """Why a file name is refused, or None. A name with whitespace around it or its stem is one that looks
    like another (`ssd_professionals .csv` is not `ssd_professionals.csv`): refused rather than guessed."""
    if any(_odd_char(c) for c in name):
        return "its name holds a control or invisible character; rename it"
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    if name != name.strip() or stem != stem.strip():
        return "its name has whitespace at the start or end of the name or before the extension; rename it"
    return None


@dataclass(frozen=True)
class Entry:
    """One entry of a drop folder: archived (a regular file), or not, and why."""
    name: str     # as delivered (may hold odd characters: print it with shown())
    status: str   # 'archive', 'not used' (kept out of the archive) or 'refused'
    reason: str = ""
    kind: str = "a file"


def _kind(mode: int) -> str | None:
    """What a non-regular directory entry is (None for a regular file)."""
    for test, what in ((stat.S_ISLNK, "a symbolic link"), (stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a named pipe"),
                       (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device")):
        if test(mode):
            return what
    return None if stat.S_ISREG(mode) else "a special file"


def _open_dir(folder: Path) -> int:
    """The drop folder, never through a symbolic link (O_NOFOLLOW): nothing outside the landing folder is read."""
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError as exc:
        if folder.is_symlink():
            raise DropError(f"{shown(str(folder))}: refused, nothing archived: the drop folder is a symbolic link; "
                            "links are never followed: deliver the folder itself") from None
        raise DropError(f"{shown(str(folder))}: cannot be read as a folder ({exc.strerror})") from None


def drop_entries(folder: Path) -> list[Entry]:
    """Every entry of a drop folder, sorted by name, each with what becomes of it. Links and special files are
    refused (never opened); hidden files and sub-folders are not used; odd names are refused."""
    fd = _open_dir(folder)
    try:
        out = []
        for name in sorted(os.listdir(fd)):
            mode = os.stat(name, dir_fd=fd, follow_symlinks=False).st_mode
            kind = _kind(mode)
            if kind == "a folder":
                out.append(Entry(name, "not used", "a sub-folder: only the files at the top of a drop are read",
                                 kind))
            elif kind is not None:
                out.append(Entry(name, "refused", f"{kind}: links and special files are never read; deliver "
                                                  "the file itself", kind))
            elif name.startswith("."):
                out.append(Entry(name, "not used", "a hidden file (its name starts with '.')"))
            elif (why := odd_name(name)) is not None:
                out.append(Entry(name, "refused", why))
            else:
                out.append(Entry(name, "archive"))
        return out
    finally:
        os.close(fd)


def drop_files(folder: Path) -> list[Path]:
    """The regular files of a drop that are archived (see drop_entries for the others)."""
    return [folder / e.name for e in drop_entries(folder) if e.status == "archive"]


def _open_file(folder_fd: int, name: str) -> int:
    """A drop's file, refusing a link or special file that replaced it after it was listed."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=folder_fd)
    except OSError as exc:  # ELOOP: replaced by a link since it was listed
        raise DropError(f"{shown(name)}: cannot be read as a regular file ({exc.strerror}); refused") from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise DropError(f"{shown(name)}: no longer a regular file; refused")
    return fd


def _read_file(folder_fd: int, name: str, copy_to: Path | None = None) -> dict:
    """sha256 and size of a drop's file read through a descriptor (O_NOFOLLOW), optionally copied as it is read
    into a file only its owner may read."""
    h, size = hashlib.sha256(), 0
    src = os.fdopen(_open_file(folder_fd, name), "rb")
    dst = None
    try:
        if copy_to is not None:
            dst = os.fdopen(os.open(copy_to, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600), "wb")
        for chunk in iter(lambda: src.read(1 << 20), b""):
            h.update(chunk)
            size += len(chunk)
            if dst is not None:
                dst.write(chunk)
    finally:
        src.close()
        if dst is not None:
            dst.close()
    return {"name": name, "sha256": h.hexdigest(), "bytes": size}


def file_manifest(folder: Path) -> tuple[dict, ...]:
    fd = _open_dir(folder)
    try:
        return tuple(_read_file(fd, e.name) for e in drop_entries(folder) if e.status == "archive")
    finally:
        os.close(fd)


def landing_drops(landing: Path) -> list[Path]:
    """Drop folders in a landing folder, oldest first; other entries are ignored (see landing_others). A
    symbolic link named like a drop is listed, so archiving refuses it with a message."""
    if not landing.is_dir():
        raise DropError(f"landing folder {landing} does not exist")
    return sorted(p for p in landing.iterdir()
                  if DROP_NAME.fullmatch(p.name) and (p.is_symlink() or p.is_dir()))


def landing_others(landing: Path) -> list[str]:
    """The landing folder's entries that are not drops, each as a printable line saying why it is not read."""
    out = []
    for p in sorted(landing.iterdir()):
        if DROP_NAME.fullmatch(p.name) and (p.is_symlink() or p.is_dir()):
            continue
        what = "a symbolic link" if p.is_symlink() else "a folder" if p.is_dir() else "a file"
        why = ("not a drop: a drop is a folder named by its extract date, YYYY-MM-DD" if not p.name.startswith(".")
               else "hidden (its name starts with '.')")
        out.append(f"{shown(p.name)}: {what}, not read ({why})")
    return out


def read_drop(folder: Path) -> Drop:
    manifest = json.loads((folder / MANIFEST).read_text())
    marker = folder / WITHDRAWN
    return Drop(manifest["drop_id"], date.fromisoformat(manifest["extract_date"]), folder,
                tuple(manifest["files"]), tuple(manifest.get("not_archived", ())),
                json.loads(marker.read_text()) if marker.exists() else None)


def archived_drops(archive: Path, include_withdrawn: bool = False) -> list[Drop]:
    """Archived drops, oldest first; withdrawn ones only when asked for (they never count)."""
    if not archive.is_dir():
        return []
    # Only folders named as drops: a `.<drop>-...` temporary folder left by a killed run is not a drop.
    found = [read_drop(p) for p in archive.iterdir()
             if ARCHIVED_NAME.fullmatch(p.name) and p.is_dir() and (p / MANIFEST).exists()]
    return sorted((d for d in found if include_withdrawn or d.withdrawn is None),
                  key=lambda d: (d.extract_date, d.revision))


def withdraw_drop(archive: Path, drop_id: str, reason: str, withdrawn_at: datetime | None = None) -> Drop:
    """Mark an archived drop withdrawn (kept, never deleted): it stops being a candidate for the current drop."""
    if not reason.strip():
        raise DropError("say why the drop is withdrawn (--reason)")
    known = {d.drop_id: d for d in archived_drops(archive, include_withdrawn=True)}
    drop = known.get(drop_id)
    if drop is None:
        listed = ", ".join(known) or "none"
        raise DropError(f"no archived drop {drop_id} in {archive} (archived: {listed})")
    if drop.withdrawn is not None:
        raise DropError(f"drop {drop_id} was already withdrawn on {drop.withdrawn['withdrawn_at']}: "
                        f"{drop.withdrawn['reason']}")
    when = (withdrawn_at or datetime.now(UTC)).isoformat(timespec="seconds")
    marker = {"drop_id": drop_id, "withdrawn_at": when, "reason": reason.strip()}
    # Written whole and renamed into place: a half-written marker must never hide (or fail to hide) a drop.
    with renamed_into_place(drop.path / WITHDRAWN) as tmp:
        tmp.write_text(json.dumps(marker, indent=2) + "\n")
        os.chmod(tmp, 0o400)
    return read_drop(drop.path)


def archive_drop(source: Path, archive: Path, allow_revision: bool = False) -> ArchiveOutcome:
    """Archive one drop folder. Links and special files refuse the drop (nothing archived, each named); hidden
    files, sub-folders and files with odd names are kept out and listed in the manifest (`not_archived`) with
    why, so the run's report accounts for every entry. The archive is readable by its owner only."""
    m = DROP_NAME.fullmatch(source.name)
    if not m:
        raise DropError(f"{shown(str(source))}: a drop folder must be named by its extract date, YYYY-MM-DD")
    try:
        extract_date = date.fromisoformat(m.group(1))
    except ValueError as exc:
        raise DropError(f"{source}: {source.name} is not a real date") from exc
    entries = drop_entries(source)
    special = [e for e in entries if e.status == "refused" and e.kind != "a file"]
    if special:
        which = "; ".join(f"{shown(e.name)} is {e.kind}" for e in special)
        raise DropError(f"{source}: refused, nothing archived: {which}. Links and special files are never read "
                        "(a link can point outside the landing folder): replace each with the file itself")
    kept_out = tuple({"name": shown(e.name), "status": e.status, "reason": e.reason}
                     for e in entries if e.status != "archive")
    files = file_manifest(source)
    if not files:
        detail = "; ".join(f"{e['name']}: {e['reason']}" for e in kept_out)
        detail = f" ({detail})" if detail else ""
        raise DropError(f"{source}: the drop folder is empty: no file to archive{detail}")
    same_date = [d for d in archived_drops(archive, include_withdrawn=True) if d.extract_date == extract_date]
    for earlier in same_date:
        if earlier.files == files:
            # A withdrawn drop stays withdrawn: the same files left in the landing folder do not bring it back.
            return ArchiveOutcome(earlier, "withdrawn, not used" if earlier.withdrawn else "already archived")
    in_force = [d for d in same_date if d.withdrawn is None]
    if in_force and not allow_revision:
        names = sorted({f["name"] for f in files} ^ {f["name"] for f in in_force[-1].files})
        changed = sorted(f["name"] for f in files if f not in in_force[-1].files and f["name"] not in names)
        detail = "; ".join(filter(None, [
            f"files added or missing: {', '.join(names)}" if names else "",
            f"files with different contents: {', '.join(changed)}" if changed else "",
        ]))
        raise DropError(
            f"{source}: a different file set for extract date {extract_date} is already archived as "
            f"{in_force[-1].drop_id} ({detail}). Nothing was changed. To keep both, re-run with "
            f"--allow-revision; to replace, deliver it under a new extract date."
        )
    drop_id = extract_date.isoformat() + (f"r{len(same_date) + 1}" if same_date else "")
    # The archive holds person-level data: its folders are 0700 and its files 0400 (owner only).
    archive.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(archive, 0o700)
    for stale in archive.glob(f".{drop_id}-*"):  # left by a run killed while copying (one run at a time)
        shutil.rmtree(stale, ignore_errors=True)
    # Copy into a temporary folder and rename, so a half-copied drop is never seen as archived.
    tmp = Path(tempfile.mkdtemp(prefix=f".{drop_id}-", dir=archive))
    fd = _open_dir(source)
    try:
        for f in files:
            if _read_file(fd, f["name"], copy_to=tmp / f["name"]) != f:
                raise DropError(f"{source / f['name']}: changed while it was being archived")
        manifest = {"drop_id": drop_id, "extract_date": extract_date.isoformat(), "source": str(source),
                    "files": list(files), "not_archived": list(kept_out)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for p in tmp.iterdir():
            os.chmod(p, 0o400)
        os.chmod(tmp, 0o700)
        tmp.rename(archive / drop_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    finally:
        os.close(fd)
    status = "archived as revision" if same_date else "archived"
    return ArchiveOutcome(read_drop(archive / drop_id), status)
