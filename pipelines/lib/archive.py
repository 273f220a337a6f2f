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
import tempfile
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

DROP_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})$")
ARCHIVED_NAME = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:r(\d+))?$")
MANIFEST = "manifest.json"
WITHDRAWN = "withdrawn.json"
DATA_SUFFIXES = (".csv", ".parquet", ".xml", ".xlsx", ".xlsm")


class DropError(ValueError):
    """A drop that cannot be archived: the message says which folder and why."""


@dataclass(frozen=True)
class Drop:
    drop_id: str           # '2025-03-31' or '2025-03-31r2' for a kept revision
    extract_date: date
    path: Path             # the archived folder
    files: tuple[dict, ...]  # [{'name', 'sha256', 'bytes'}]
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


def drop_files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))


def file_manifest(folder: Path) -> tuple[dict, ...]:
    return tuple({"name": p.name, "sha256": sha256(p), "bytes": p.stat().st_size} for p in drop_files(folder))


def landing_drops(landing: Path) -> list[Path]:
    """Drop folders in a landing folder, oldest first; other entries are ignored."""
    if not landing.is_dir():
        raise DropError(f"landing folder {landing} does not exist")
    return sorted(p for p in landing.iterdir() if p.is_dir() and DROP_NAME.match(p.name))


def read_drop(folder: Path) -> Drop:
    manifest = json.loads((folder / MANIFEST).read_text())
    marker = folder / WITHDRAWN
    return Drop(manifest["drop_id"], date.fromisoformat(manifest["extract_date"]), folder,
                tuple(manifest["files"]), json.loads(marker.read_text()) if marker.exists() else None)


def archived_drops(archive: Path, include_withdrawn: bool = False) -> list[Drop]:
    """Archived drops, oldest first; withdrawn ones only when asked for (they never count)."""
    if not archive.is_dir():
        return []
    # Only folders named as drops: a `.<drop>-...` temporary folder left by a killed run is not a drop.
    found = [read_drop(p) for p in archive.iterdir()
             if p.is_dir() and ARCHIVED_NAME.match(p.name) and (p / MANIFEST).exists()]
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
    tmp = drop.path / f".{WITHDRAWN}.tmp"
    tmp.write_text(json.dumps(marker, indent=2) + "\n")
    os.chmod(tmp, 0o400)
    tmp.rename(drop.path / WITHDRAWN)
    return read_drop(drop.path)


def archive_drop(source: Path, archive: Path, allow_revision: bool = False) -> ArchiveOutcome:
    m = DROP_NAME.match(source.name)
    if not m:
        raise DropError(f"{source}: a drop folder must be named by its extract date, YYYY-MM-DD")
    try:
        extract_date = date.fromisoformat(m.group(1))
    except ValueError as exc:
        raise DropError(f"{source}: {source.name} is not a real date") from exc
    files = file_manifest(source)
    if not files:
        raise DropError(f"{source}: the drop folder is empty")
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
    archive.mkdir(parents=True, exist_ok=True)
    for stale in archive.glob(f".{drop_id}-*"):  # left by a run killed while copying (one run at a time)
        shutil.rmtree(stale, ignore_errors=True)
    # Copy into a temporary folder and rename, so a half-copied drop is never seen as archived.
    tmp = Path(tempfile.mkdtemp(prefix=f".{drop_id}-", dir=archive))
    try:
        for f in files:
            shutil.copy2(source / f["name"], tmp / f["name"])
            if sha256(tmp / f["name"]) != f["sha256"]:
                raise DropError(f"{source / f['name']}: changed while it was being archived")
        manifest = {"drop_id": drop_id, "extract_date": extract_date.isoformat(), "source": str(source),
                    "files": list(files)}
        (tmp / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
        for p in tmp.iterdir():
            os.chmod(p, 0o400)  # read-only, and owner-only: drops hold dates of birth and postcodes
        tmp.rename(archive / drop_id)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    status = "archived as revision" if same_date else "archived"
    return ArchiveOutcome(read_drop(archive / drop_id), status)
