"""Publishing a run's outputs together or not at all, with the permissions their audience needs.

Every output-writing asset writes into the run's own folder, `<out>/.run-<run_id>/` (same filesystem as
`<out>`, hidden, 0700 so nothing in it is readable before it is published). Published outputs go at its top,
restricted outputs (record lists, unsuppressed tables, the clinic pack) in its `restricted/` sub-folder.
The last asset, outputs/publish, moves every file into `<out>` by rename only: a rename needs no free space,
so once every step has written its files nothing can fail for lack of it. A failed run leaves `<out>`
untouched; its run folder is removed by the CLI, or by the next publish when the run ran elsewhere.

Permissions: published files are created normally, so they follow the umask (0644 by default) and a shared
drive can serve them; restricted files are 0600 in `<out>/restricted/` (0700).
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

import polars as pl

from pipelines.lib.atomic import renamed_into_place

RUN_PREFIX = ".run-"
RESTRICTED = "restricted"
PREVIOUS = ".previous"  # inside a run folder: the files it replaced, until the swap is complete
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def run_folder(out: Path, run_id: str) -> Path:
    """The run's private folder inside `out` (created 0700, with its restricted/ sub-folder)."""
    folder = Path(out) / f"{RUN_PREFIX}{run_id}"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    restricted_dir(folder)
    return folder


def restricted_dir(folder: Path) -> Path:
    path = Path(folder) / RESTRICTED
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask; restricted means owner only
    return path


def is_restricted(path: Path) -> bool:
    return Path(path).parent.name == RESTRICTED


def _finish(path: Path) -> None:
    if is_restricted(path):
        os.chmod(path, 0o600)
    else:
        # the run writes its state under an owner-only umask; a published file follows the operator's own
        from pipelines.lib.run_guard import operator_umask

        os.chmod(path, 0o666 & ~operator_umask())


def write_file(path: Path, write: Callable[[Path], None]) -> Path:
    """Write one output with `write(a temporary path)`, renamed into place (pipelines/lib/atomic.py); restricted
    outputs are made 0600 before the rename, so before anything can publish them. A failed write leaves no
    partial file behind (the run folder is discarded anyway)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with renamed_into_place(path) as tmp:
        write(tmp)
        _finish(tmp)
    return path


def formula_safe(frame: pl.DataFrame) -> pl.DataFrame:
    """Text cells that a spreadsheet would evaluate (starting =, +, -, @, tab or CR) prefixed with a quote.
    Only text columns: numbers (negative ones included) stay numbers."""
    text = [c for c, t in frame.schema.items() if t == pl.String]
    if not text:
        return frame
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(r"^[=+\-@\t\r]")).then(pl.lit("'") + pl.col(c)).otherwise(pl.col(c)).alias(c)
        for c in text)


def formula_safe_text(value: str) -> str:
    return "'" + value if value.startswith(FORMULA_START) else value


def write_csv(frame: pl.DataFrame, path: Path) -> Path:
    frame = formula_safe(frame)
    return write_file(path, lambda p: frame.write_csv(p, date_format="%Y-%m-%d", float_precision=6))


def write_text(text: str, path: Path) -> Path:
    return write_file(path, lambda p: p.write_text(text, encoding="utf-8"))


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def publish_run(out: Path, run_id: str) -> list[Path]:
    """Move the run's files into `out`, all or none, then remove the run folder. Returns the published paths.

    Before anything moves, every destination is checked (a folder in the way fails here, `out` untouched) and
    the folders the swap needs are made. Then each file already in `out` is renamed aside into the run folder
    and the new one renamed in; if a rename fails, every rename done is undone, so `out` is as it was.
    A file published under restricted/ also removes a copy of the same name left at the top of `out` by
    earlier versions, which kept unsuppressed tables there."""
    out = Path(out)
    folder = out / f"{RUN_PREFIX}{run_id}"
    if not folder.is_dir():
        return []
    files = [p for p in _files(folder) if p.relative_to(folder).parts[0] != PREVIOUS]
    moves = []
    for src in files:
        rel = src.relative_to(folder)
        dest = out / rel
        if dest.is_dir() and not dest.is_symlink():
            raise IsADirectoryError(f"cannot publish {rel}: a folder of that name is in the way in {out}")
        moves.append((src, dest, folder / PREVIOUS / rel))
    legacy = [(out / rel.name, folder / PREVIOUS / "legacy" / rel.name) for src in files
              if is_restricted(rel := src.relative_to(folder)) and (out / rel.name).is_file()]
    restricted_dir(out)
    for path in {b.parent for _, _, b in moves} | {b.parent for _, b in legacy}:
        path.mkdir(parents=True, exist_ok=True)
    done: list[tuple[Path, Path]] = []  # (from, to) renames, undone in reverse on failure
    try:
        for src, dest, backup in moves:
            if dest.exists() or dest.is_symlink():
                os.replace(dest, backup)
                done.append((dest, backup))
            os.replace(src, dest)
            done.append((src, dest))
        for path, backup in legacy:
            os.replace(path, backup)
            done.append((path, backup))
    except BaseException:
        for frm, to in reversed(done):
            os.replace(to, frm)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    return [dest for _, dest, _ in moves]


def discard(out: Path, run_id: str) -> None:
    """Remove a failed run's folder: `out` is left exactly as it was."""
    shutil.rmtree(Path(out) / f"{RUN_PREFIX}{run_id}", ignore_errors=True)


def stale_run_ids(out: Path) -> list[str]:
    return sorted(p.name[len(RUN_PREFIX):] for p in Path(out).glob(f"{RUN_PREFIX}*") if p.is_dir())


def discard_stale(out: Path, run_ids: Iterable[str]) -> None:
    for run_id in run_ids:
        discard(out, run_id)
