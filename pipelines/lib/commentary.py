"""Commentary and actions: what the performance team writes about a KPI each month, shown in the OCG pack.

A commentary file (template data/templates/commentary/commentary.csv, rules in its README) has one row per
KPI and reporting month it was written for:

    kpi_id,period,commentary,cause,action,owner,due_date,remedial_plan_status

It comes with the drop (a CSV named `commentary.csv`, or any CSV with exactly that header) or, when the
environment variable SCORECARD_COMMENTARY_DIR names a folder, from `commentary.csv` in that folder (which
then wins over the drop's: see `commentary_files`). Either way the run reads an archived copy, so a re-run of
the same archive gives the same pack.

- `read_commentary(paths, kpi_ids)` validates every row: each fault is a located `CommentaryIssue` (file,
  row, column, the row's kpi_id and period). A row with a fault is kept (with its errors) but never shown;
  the other rows are used.
- `commentary_for_pack(rows, period, kpi_rags, breaches)` is the pure carry-forward rule: for each KPI the
  latest good row written for the reporting month or before; a Red or persistently breached KPI without a
  row written for the month is "commentary due".
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.paths import DATA_DIR

FILE_NAME = "commentary.csv"
TABLE = "commentary"  # the name the drop's files list and the error report give it
COLUMNS = ("kpi_id", "period", "commentary", "cause", "action", "owner", "due_date", "remedial_plan_status")
TEXT_COLUMNS = ("commentary", "cause", "action")
TEXT_LIMIT = 1_000  # characters per commentary / cause / action: a pack paragraph, not a report
OWNER_LIMIT = 200   # a role or a team, e.g. "Head of Service, Assessment and Intervention"
PLAN_STATUSES = ("none", "drafted", "agreed", "in progress", "complete", "overdue")
ENV_DIR = "SCORECARD_COMMENTARY_DIR"
TEMPLATE = DATA_DIR / "templates" / "commentary" / FILE_NAME
ARCHIVE_FOLDER = "commentary"  # <archive>/commentary/<sha256>.csv: copies of the configured folder's file

_PERIOD = re.compile(r"\A(\d{4})-(\d{2})\Z")
_ISO_DATE = re.compile(r"\A(\d{4})-(\d{2})-(\d{2})\Z")
_UK_DATE = re.compile(r"\A(\d{1,2})/(\d{1,2})/(\d{4})\Z")
_SHORT = 20  # a coded cell's value is quoted in a message only when this short (never a typed paragraph)


@dataclass(frozen=True)
class CommentaryIssue:
    """One fault of a commentary file, located: file, row (1 = the first row under the header; None for
    the whole file), column, and the row's key as written."""

    file: str
    row: int | None
    column: str | None
    reason: str
    kpi_id: str | None = None
    period: str | None = None
    severity: str = "error"  # 'error': the row (or file) is not used; 'warning': used, but look at it

    @property
    def key(self) -> str:
        return f"{self.kpi_id or '(no kpi_id)'} {self.period or '(no period)'}"

    @property
    def message(self) -> str:
        """'commentary.csv: commentary KPI03 2025-03, row 8, column period: why' (the file first, as every
        message of a drop starts with the file it is about)."""
        where = ", ".join(filter(None, [f"{TABLE} {self.key}" if self.row is not None else TABLE,
                                        f"row {self.row}" if self.row is not None else "",
                                        f"column {self.column}" if self.column else ""]))
        return f"{self.file}: {where}: {self.reason}"


@dataclass(frozen=True)
class CommentaryRow:
    """One row as read: kpi_id and period normalised (None when missing or invalid); `errors` says why a row
    is not used (empty: a good row)."""

    source_file: str
    source_row: int
    kpi_id: str | None
    period: str | None  # YYYY-MM
    commentary: str = ""
    cause: str = ""
    action: str = ""
    owner: str = ""
    due_date: date | None = None
    plan_status: str = "none"
    errors: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass(frozen=True)
class CommentaryView:
    """What the pack shows for one KPI in one reporting month."""

    commentary: str
    cause: str
    action: str
    owner: str
    due_date: date | None
    plan_status: str
    written_for: str | None  # YYYY-MM of the row shown; None when there is none
    carried_forward: bool    # the row shown was written for an earlier month
    due: bool                # Red or persistent breach, and nothing written for this month: "commentary due"
    held_back: bool = False  # a row written for this month has an error and is not shown (see error report)

    @property
    def written_for_label(self) -> str:
        return "" if self.written_for is None else month_label(self.written_for)

    @property
    def due_date_text(self) -> str:
        return "" if self.due_date is None else f"{self.due_date.day} {self.due_date:%B %Y}"

    @property
    def has_row(self) -> bool:
        return self.written_for is not None


def month_of(period: date | str) -> str:
    """'YYYY-MM' of a date or of a 'YYYY-MM' / 'YYYY-MM-DD' string."""
    if isinstance(period, date):
        return f"{period.year:04d}-{period.month:02d}"
    text = str(period).strip()[:7]
    if not _valid_period(text):
        raise ValueError(f"not a reporting month: {period!r} (expected YYYY-MM)")
    return text


def month_label(period: str) -> str:
    """'2025-01' -> 'January 2025'."""
    return f"{date(int(period[:4]), int(period[5:7]), 1):%B %Y}"


def _valid_period(text: str) -> bool:
    m = _PERIOD.match(text)
    return bool(m) and 1 <= int(m.group(2)) <= 12


def _parse_date(text: str) -> date | None:
    m = _ISO_DATE.match(text)
    parts = (int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
    if parts is None and (u := _UK_DATE.match(text)):
        parts = (int(u.group(3)), int(u.group(2)), int(u.group(1)))
    if parts is None:
        return None
    try:
        return date(*parts)
    except ValueError:
        return None


def plan_status(text: str) -> str | None:
    """The closed list's entry for a cell ('In_Progress' -> 'in progress'; blank -> 'none'), or None."""
    norm = " ".join(text.replace("_", " ").replace("-", " ").lower().split())
    norm = norm or "none"
    return norm if norm in PLAN_STATUSES else None


def _quoted(value: str) -> str:
    return f"{value!r}" if len(value) <= _SHORT else f"a value of {len(value):,} characters"


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def _clean(value: object) -> str:
    # Excel writes CRLF inside a quoted multi-line cell; a pack paragraph needs only \n. Other control
    # characters (a vertical tab from a pasted cell) would be invisible in the pack and invalid in the workbook.
    text = "" if value is None else str(value).replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub(" ", text).strip()


def validate_row(file: str, row: int, cells: Mapping[str, object], kpi_ids: Collection[str]
                 ) -> tuple[CommentaryRow, list[CommentaryIssue]]:
    """One row's cells (header names lower-cased) checked against the rules; every fault located."""
    raw = {c: _clean(cells.get(c)) for c in COLUMNS}
    issues: list[tuple[str, str]] = []  # (column, reason)
    kpi_id: str | None = raw["kpi_id"].upper().replace(" ", "") or None
    if kpi_id is None:
        issues.append(("kpi_id", "no kpi_id: every row names the KPI it is about (KPI01 to KPI21)"))
    elif kpi_id not in kpi_ids:
        issues.append(("kpi_id", f"{_quoted(raw['kpi_id'])} is not a KPI of the pack "
                                 f"({', '.join(sorted(kpi_ids)[:1] + ['...'] + sorted(kpi_ids)[-1:])})"))
        kpi_id = None
    period: str | None = raw["period"] or None
    if period is None:
        issues.append(("period", "no period: the reporting month the row was written for, as YYYY-MM"))
    elif not _valid_period(period):
        issues.append(("period", f"{_quoted(raw['period'])} is not a reporting month (expected YYYY-MM, e.g. "
                                 "2025-03; in Excel, format the column as text)"))
        period = None
    if not raw["commentary"]:
        issues.append(("commentary", "the commentary is empty: say what the figure shows and why"))
    for col in TEXT_COLUMNS:
        if len(raw[col]) > TEXT_LIMIT:
            issues.append((col, f"{col} is {len(raw[col]):,} characters long; at most {TEXT_LIMIT:,}"))
    if len(raw["owner"]) > OWNER_LIMIT:
        issues.append(("owner", f"owner is {len(raw['owner']):,} characters long; at most {OWNER_LIMIT:,} "
                                "(a role or team)"))
    due = None
    if raw["due_date"]:
        due = _parse_date(raw["due_date"])
        if due is None:
            issues.append(("due_date", f"{_quoted(raw['due_date'])} is not a valid date (expected YYYY-MM-DD or "
                                       "DD/MM/YYYY)"))
    status = plan_status(raw["remedial_plan_status"])
    if status is None:
        issues.append(("remedial_plan_status", f"{_quoted(raw['remedial_plan_status'])} is not a plan status "
                                               f"({', '.join(PLAN_STATUSES)})"))
    key = {"kpi_id": raw["kpi_id"] or None, "period": raw["period"] or None}
    located = [CommentaryIssue(file, row, col, why, **key) for col, why in issues]
    out = CommentaryRow(file, row, kpi_id, period, raw["commentary"], raw["cause"], raw["action"], raw["owner"],
                        due, status or "none", tuple(why for _, why in issues))
    return out, located


def read_commentary(paths: Sequence[Path], kpi_ids: Collection[str], names: Mapping[Path, str] | None = None
                    ) -> tuple[list[CommentaryRow], list[CommentaryIssue]]:
    """Every row of the commentary files (bad ones kept, with their errors) and every fault, located.

    A file that cannot be read as CSV UTF-8, or whose header lacks a column, is refused whole (one issue, no
    rows). A second row for the same kpi_id and period (in any of the files) is an error; the first is kept.
    `names` gives the name a file is reported under (an archived copy's delivered name).
    """
    from pipelines.lib.staging import FileReadError, read_raw  # staging imports this module

    rows: list[CommentaryRow] = []
    issues: list[CommentaryIssue] = []
    first: dict[tuple[str, str], CommentaryRow] = {}
    for path in paths:
        name = (names or {}).get(path, path.name)
        try:
            frame = read_raw(path)
        except FileReadError as exc:
            reason = str(exc).split(": ", 1)[1] if ": " in str(exc) else str(exc)
            issues.append(CommentaryIssue(name, None, None, f"{reason}; no commentary read from it"))
            continue
        missing = [c for c in COLUMNS if c not in frame.columns]
        if missing:
            issues.append(CommentaryIssue(name, None, ", ".join(missing), f"column(s) {', '.join(missing)} "
                                          f"missing from the header (expected {','.join(COLUMNS)}); no "
                                          "commentary read from it"))
            continue
        extra = [c for c in frame.columns if c not in COLUMNS]
        if extra:
            issues.append(CommentaryIssue(name, None, ", ".join(extra), f"column(s) {', '.join(extra)} are not "
                                          "commentary columns; not read", severity="warning"))
        for i, cells in enumerate(frame.iter_rows(named=True), start=1):
            if not any(_clean(v) for v in cells.values()):
                continue  # a blank line left in the sheet
            row, found = validate_row(name, i, cells, kpi_ids)
            if row.ok and row.kpi_id and row.period:
                kept = first.setdefault((row.kpi_id, row.period), row)
                if kept is not row:
                    where = f"row {kept.source_row}" + ("" if kept.source_file == name else f" of {kept.source_file}")
                    why = f"duplicate kpi_id, period ({where} kept)"
                    found.append(CommentaryIssue(name, i, "kpi_id, period", why, _clean(cells.get("kpi_id")),
                                                 _clean(cells.get("period"))))
                    row = replace(row, errors=(why,))
            rows.append(row)
            issues.extend(found)
    return rows, issues


def commentary_for_pack(rows: Iterable[CommentaryRow], period: date | str, kpi_rags: Mapping[str, str],
                        breaches: Collection[str] = ()) -> dict[str, CommentaryView]:
    """For each KPI of `kpi_rags` (id -> RAG: 'red', 'amber', ...), the commentary the pack shows for the
    reporting month `period`: the latest good row written for that month or before (carried forward when
    earlier). A KPI that is Red, or in `breaches` (persistent breach), without a row written for the month
    is `due`, the carried-forward row still shown. KPIs with nothing to show are left out."""
    month = month_of(period)
    latest: dict[str, CommentaryRow] = {}
    held: set[str] = set()
    for r in rows:
        if r.kpi_id is None or r.period is None or r.period > month:
            continue
        if not r.ok:
            held.update([r.kpi_id] if r.period == month else [])
            continue
        if r.kpi_id not in latest or r.period > latest[r.kpi_id].period:  # type: ignore[operator]
            latest[r.kpi_id] = r
    out: dict[str, CommentaryView] = {}
    for kpi_id, rag in kpi_rags.items():
        r = latest.get(kpi_id)
        current = r is not None and r.period == month
        due = (str(rag).lower() == "red" or kpi_id in breaches) and not current
        if r is None and not due and kpi_id not in held:
            continue
        out[kpi_id] = CommentaryView(
            commentary=r.commentary if r else "", cause=r.cause if r else "", action=r.action if r else "",
            owner=r.owner if r else "", due_date=r.due_date if r else None,
            plan_status=r.plan_status if r else "none", written_for=r.period if r else None,
            carried_forward=r is not None and not current, due=due, held_back=kpi_id in held)
    return out


# --------------------------------------------------------------------------------------------- the files


def is_commentary_file(name: str, header: set[str] | None) -> bool:
    """A drop's file is commentary when named commentary.csv (any case) or a CSV with exactly its header."""
    return name.lower() == FILE_NAME or (name.lower().endswith(".csv") and header == set(COLUMNS))


def archive_configured(folder: Path, archive: Path) -> Path | None:
    """The configured folder's commentary.csv copied into the archive, content-addressed
    (<archive>/commentary/<sha256>.csv, owner-only): the run reads the copy, so the same archive gives the
    same pack again. None when the folder holds no commentary.csv."""
    src = Path(folder) / FILE_NAME
    if not src.is_file():
        return None
    data = src.read_bytes()
    store = Path(archive) / ARCHIVE_FOLDER
    store.mkdir(parents=True, exist_ok=True, mode=0o700)
    dest = store / f"{hashlib.sha256(data).hexdigest()}.csv"
    if not dest.exists():
        tmp = store / f".{dest.name}.tmp"
        tmp.write_bytes(data)
        os.chmod(tmp, 0o400)
        shutil.move(tmp, dest)
    return dest


def commentary_files(drop_path: Path | None, drop_files: Iterable[str], configured: Path | None,
                     archive: Path) -> tuple[list[Path], dict[Path, str], list[str]]:
    """Which files the run reads, by precedence, with the name each is reported under and what was decided.

    The configured folder (SCORECARD_COMMENTARY_DIR) wins when it holds commentary.csv: it is the team's
    working copy, updated after the figures are seen; a drop's commentary file is then not read (said in a
    message). Otherwise every commentary file of the current (archived) drop is read.
    """
    from pipelines.lib.staging import _csv_header

    in_drop = [] if drop_path is None else [
        drop_path / n for n in sorted(drop_files) if is_commentary_file(n, _csv_header(drop_path / n)
                                                                         if n.lower().endswith(".csv") else None)]
    notes: list[str] = []
    if configured is not None:
        copy = archive_configured(configured, archive)
        if copy is not None:
            shown = f"{ENV_DIR}/{FILE_NAME}"
            notes.append(f"{shown}: commentary read from {Path(configured) / FILE_NAME} (archived as "
                         f"{ARCHIVE_FOLDER}/{copy.name})")
            notes += [f"{p.name}: commentary not read: {ENV_DIR} is set and its {FILE_NAME} wins" for p in in_drop]
            return [copy], {copy: shown}, notes
        notes.append(f"{ENV_DIR}: {configured} holds no {FILE_NAME}; the drop's commentary is read")
    return in_drop, {p: p.name for p in in_drop}, notes


def configured_dir() -> Path | None:
    value = os.environ.get(ENV_DIR, "").strip()
    return Path(value) if value else None


@dataclass(frozen=True)
class RunCommentary:
    """The commentary a run uses: its rows (bad ones included), every fault, and what was read from where."""

    rows: list[CommentaryRow]
    issues: list[CommentaryIssue]
    notes: list[str]


def run_commentary(con: duckdb.DuckDBPyConnection, archive: Path, configured: Path | None = None) -> RunCommentary:
    """The commentary of the warehouse's current drop (read from its archived files), or the configured
    folder's (archived first) when `configured` holds commentary.csv. Read alike by every step of a run."""
    from pipelines.lib.archive import read_drop
    from pipelines.lib.kpi_cards import load_cards
    from pipelines.lib.staging import current_drop_id

    drop_id = current_drop_id(con)
    folder = Path(archive) / drop_id if drop_id else None
    drop = read_drop(folder) if folder is not None and folder.is_dir() else None
    paths, names, notes = commentary_files(drop.path if drop else None,
                                           [f["name"] for f in drop.files] if drop else [], configured, archive)
    rows, issues = read_commentary(paths, {c.id for c in load_cards()}, names)
    return RunCommentary(rows, issues, notes)


ISSUE_REPORT_SCHEMA = {"file": pl.String(), "table": pl.String(), "column": pl.String(), "row": pl.Int64(),
                       "rule": pl.String(), "severity": pl.String(), "kpis_affected": pl.String()}


def issues_frame(issues: Sequence[CommentaryIssue], kpi_ids: Collection[str]) -> pl.DataFrame:
    """The faults as rows of restricted/error_report.csv (table `commentary`, severity 'commentary error' or
    'commentary warning'; the rule names the row's kpi_id and period; kpis_affected: the KPI when known)."""
    records = []
    for i in issues:
        kpi = (i.kpi_id or "").strip().upper().replace(" ", "")
        records.append({"file": i.file, "table": TABLE, "column": i.column, "row": i.row,
                        "rule": f"{i.key}: {i.reason}" if i.row is not None else i.reason,
                        "severity": f"commentary {i.severity}", "kpis_affected": kpi if kpi in kpi_ids else None})
    return pl.DataFrame(records, schema=ISSUE_REPORT_SCHEMA)


def write_example(folder: Path, extract_date: date) -> Path | None:
    """The template's example rows as the drop's commentary.csv (the demo's latest drop), when the drop is
    dated in or after the latest month they were written for; an earlier drop would carry commentary
    written for months after it, so it gets none."""
    from pipelines.lib.kpi_cards import load_cards

    rows, _ = read_commentary([TEMPLATE], {c.id for c in load_cards()})
    if max(r.period or "" for r in rows) > month_of(extract_date):
        return None
    path = Path(folder) / FILE_NAME
    shutil.copyfile(TEMPLATE, path)
    return path
