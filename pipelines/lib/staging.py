"""Staging a drop: typed, pseudonymised, stamped rows in DuckDB, every rejected cell or row recorded.

One table per contract table in schema `staged`, holding every drop (stamped la_code, drop_id,
extract_date, source_file, source_row). `current.<table>` views show the latest drop: the source of truth
for figures "as now known". A drop is staged in one transaction: it lands whole or not at all.
"""

from __future__ import annotations

import ast
import csv
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import duckdb
import polars as pl

from pipelines.lib import db
from pipelines.lib.archive import Drop
from pipelines.lib.contract import Table, contract, ident
from pipelines.lib.parsing import reject_reason, typed_expr
from pipelines.lib.pseudonymise import PseudonymKeyError, fingerprint, pseudonym
from pipelines.lib.reference import install_reference, postcode_frame

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

CELL_COLUMNS = ("column_name", "source_row", "value", "reason")
REJECTION_SCHEMA = {
    "drop_id": pl.String(), "source_file": pl.String(), "table_name": pl.String(), "column_name": pl.String(),
    "source_row": pl.Int64(), "value": pl.String(), "reason": pl.String(),
}
QUARANTINE_SCHEMA = {
    "drop_id": pl.String(), "source_file": pl.String(), "table_name": pl.String(), "source_row": pl.Int64(),
    "reason": pl.String(), "raw_json": pl.String(),
}
ISSUE_SCHEMA = {
    "drop_id": pl.String(), "source_file": pl.String(), "table_name": pl.String(), "column_name": pl.String(),
    "source_row": pl.Int64(), "severity": pl.String(), "reason": pl.String(), "format": pl.String(),
}
SUPPORTED = (".csv", ".parquet")
LOCAL_FEEDS = "local_feeds"  # several files with exactly its header are staged together, whatever their names


@dataclass
class TableSummary:
    table: str
    source_file: str | None
    input_rows: int = 0
    staged_rows: int = 0
    quarantined_rows: int = 0
    rejected_cells: int = 0


@dataclass
class StageSummary:
    drop_id: str
    status: str
    tables: list[TableSummary] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    files: list[dict] = field(default_factory=list)  # every entry of the drop: {file, status, tables, reason}


class FileReadError(ValueError):
    pass


FILES_SCHEMA = {"drop_id": pl.String(), "file": pl.String(), "status": pl.String(), "tables": pl.String(),
                "reason": pl.String()}
# Per drop and staged table, the date from which its history is complete (None: complete, an SSD file) and
# where that comes from: read by pipelines/lib/no_data.py against each card's lookback_months.
COVERAGE_SCHEMA = {"drop_id": pl.String(), "table_name": pl.String(), "covered_from": pl.Date(),
                   "source": pl.String()}


DELIMITERS = {";": "';'", "\t": "a tab", "|": "'|'"}
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")


def _refused(path: Path, table: str | None, detail: str, kind: str = "CSV") -> FileReadError:
    """A whole file that cannot be staged: the message names the file and the table, never a raw value."""
    where = f", table {table} not staged" if table else ""
    return FileReadError(f"{path.name}: could not be read as {kind}{where}: {detail}")


def _header_names(names: list[str]) -> list[str]:
    """Header names trimmed and lower-cased (a UTF-8 byte-order mark dropped); blank ones named by position."""
    out = []
    for i, name in enumerate(names, start=1):
        clean = name.lstrip("\ufeff").strip().lower()
        out.append(clean or f"(unnamed column {i})")
    return out


def _check_header(path: Path, table: str | None, names: list[str], kind: str) -> None:
    seen: dict[str, int] = {}
    for i, name in enumerate(names, start=1):
        if name in seen:
            raise _refused(path, table, f"column {name} appears twice in the header (columns {seen[name]} and {i})",
                           kind)
        seen[name] = i


def _scan_csv(path: Path, table: str | None) -> list[str]:
    """Check a CSV's bytes and structure before polars reads it (polars pads short rows silently).

    Returns the normalised header. Raises FileReadError naming the line or row of the first fault.
    """
    data = path.read_bytes()
    if not data:
        raise _refused(path, table, "the file is empty (0 bytes)")
    if data.startswith(UTF16_BOMS):
        raise _refused(path, table, "not UTF-8 text: the file is UTF-16 encoded (save it as CSV UTF-8)")
    if b"\x00" in data[:65536]:
        raise _refused(path, table, "not UTF-8 text (binary content, not a CSV file)")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[:exc.start].count(b"\n") + 1
        raise _refused(path, table, f"not UTF-8 text: the first invalid byte is on line {line} (the file seems "
                                    "to be in another encoding, e.g. Windows-1252 or Latin-1; save it as CSV "
                                    "UTF-8)") from None
    if not text.strip():
        raise _refused(path, table, "the file has no header, only blank lines")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    start = 1  # the line the record being read starts on
    try:
        header = next(reader)
        if len(header) == 1:
            for delim, label in DELIMITERS.items():
                if delim in header[0]:
                    raise _refused(path, table, f"the header has one column; the file seems to use {label} as "
                                                "delimiter, expected ','")
        names = _header_names(header)
        _check_header(path, table, names, "CSV")
        ragged = []
        row, start = 0, reader.line_num + 1
        for record in reader:
            row += 1
            if record and len(record) != len(header):
                ragged.append((row, start, len(record)))
            start = reader.line_num + 1
    except csv.Error as exc:
        if "end of data" in str(exc):
            detail = f"a quote opened in the row starting on line {start} is never closed"
        elif "field limit" in str(exc):
            # the csv module's bound (128 Ki characters): far above any real value, so the file is refused
            detail = (f"a value in the row starting on line {start} is longer than {csv.field_size_limit():,} "
                      "characters (not a real extract value; an unclosed quote or a corrupt file?)")
        else:
            detail = f"malformed quoting in the row starting on line {start} ({exc})"
        raise _refused(path, table, detail) from None
    if ragged:
        first = "; ".join(f"row {r} (line {ln}) has {n} field{'' if n == 1 else 's'}" for r, ln, n in ragged[:3])
        extra = len(ragged) - 3
        more = f"; {extra} more row{'' if extra == 1 else 's'} like this" if extra > 0 else ""
        raise _refused(path, table, f"{first}{more}; the header has {len(header)}: every row must have as many "
                                    "fields as the header (a truncated file, or a comma in an unquoted value?)")
    return names


def read_raw(path: Path, table: str | None = None) -> pl.DataFrame:
    """All cells as strings, header names trimmed and lower-cased."""
    is_csv = path.suffix.lower() == ".csv"
    kind = "CSV" if is_csv else "Parquet"
    names = _scan_csv(path, table) if is_csv else None
    try:
        if is_csv:
            frame = pl.read_csv(path, infer_schema=False, encoding="utf8",
                                truncate_ragged_lines=False)
        else:
            frame = pl.read_parquet(path)
            frame = frame.with_columns(
                pl.col(c).cast(pl.String) if frame.schema[c] != pl.Date else pl.col(c).dt.to_string("%Y-%m-%d")
                for c in frame.columns
            )
    except Exception as exc:  # polars raises several error types for malformed files
        # The parser's own message can quote raw rows (person ids included), so it is not repeated here.
        hint = ("check the delimiter, quoting, encoding and that every row has as many fields as the header"
                if is_csv else "the file is truncated, corrupt or not Parquet; ask for it to be sent again")
        raise _refused(path, table, f"the parser failed ({type(exc).__name__}); {hint}", kind) from exc
    if names is None:
        names = _header_names(frame.columns)
        _check_header(path, table, names, kind)
    if len(names) != frame.width:
        raise _refused(path, table, f"the header has {len(names)} columns but {frame.width} were read", kind)
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _pseudonym_map(values: pl.Series, key: bytes) -> dict[str, str]:
    return {v: pseudonym(key, v) for v in values.drop_nulls().unique().sort().to_list()}


def type_table(raw: pl.DataFrame, table: Table, key: bytes, drop: Drop, source_file: str, la_code: str
               ) -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    """Return (staged rows, rejected cells, quarantined rows) for one delivered table.

    A frame from a statutory-return adapter (or several local-feed files) carries its own source_row and
    source_file per row: they are kept, so rejections and checks name the return's file and row.
    """
    carried = "source_row" in raw.columns and "source_file" in raw.columns
    rejections: list[pl.DataFrame] = []
    for col in table.columns:
        if col not in raw.columns:
            raw = raw.with_columns(pl.lit(None, dtype=pl.String).alias(col))
            rejections.append(pl.DataFrame([{
                "column_name": col, "source_row": None, "value": None,
                "reason": "column missing from the file; every value treated as blank", "source_file": source_file,
            }], schema={**{k: REJECTION_SCHEMA[k] for k in CELL_COLUMNS}, "source_file": pl.String()}))
    if carried:
        # _ord orders rows across files ("the first" of duplicates); source_row is the row within its file
        raw = raw.select(*table.columns, pl.col("source_row").cast(pl.Int64), pl.col("source_file").cast(pl.String)
                         ).with_row_index("_ord").with_columns(pl.col("_ord").cast(pl.Int64))
    else:
        raw = raw.select(list(table.columns)).with_row_index("source_row", offset=1).with_columns(
            pl.col("source_row").cast(pl.Int64)
        ).with_columns(pl.col("source_row").alias("_ord"), pl.lit(source_file).alias("source_file"))
    for col, typ in table.columns.items():
        why = reject_reason(col, typ)
        if why is None:
            continue
        bad = raw.select("source_row", pl.col(col).alias("value"), why.alias("reason"), "source_file").filter(
            pl.col("reason").is_not_null())
        if bad.height:
            rejections.append(bad.with_columns(pl.lit(col).alias("column_name")))
    typed = raw.select("_ord", "source_row", "source_file",
                       *[typed_expr(c, t).alias(c) for c, t in table.columns.items()])
    for col in table.person_columns:
        mapping = _pseudonym_map(typed[col], key)
        typed = typed.with_columns(pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String))
        raw = raw.with_columns(pl.col(col).str.strip_chars().str.to_uppercase()
                               .replace_strict(mapping, default=None, return_dtype=pl.String))

    # Row-level quarantine: no key; exact duplicate of an earlier row; same key as an earlier row.
    content = [c for c in table.columns]

    def first_of(cols: list[str], name: str) -> list[pl.Expr]:
        return [pl.col("_ord").min().over(cols).alias(f"_{name}_ord"),
                pl.col("source_row").sort_by("_ord").first().over(cols).alias(f"_{name}_row"),
                pl.col("source_file").sort_by("_ord").first().over(cols).alias(f"_{name}_file")]

    def row_ref(name: str) -> pl.Expr:
        # "row 3", or "row 3 of other.csv" when the first is in another file (several files in one table)
        return pl.col(f"_{name}_row").cast(pl.String) + pl.when(pl.col(f"_{name}_file") != pl.col("source_file")).then(
            pl.lit(" of ") + pl.col(f"_{name}_file")).otherwise(pl.lit(""))

    typed = typed.with_columns(first_of(content, "same"))
    key_cols = list(table.key)
    if key_cols:
        typed = typed.with_columns(
            pl.all_horizontal(pl.col(k).is_null() for k in key_cols).alias("_key_missing"), *first_of(key_cols, "key"))
    else:
        typed = typed.with_columns(_key_missing=pl.lit(False), _key_ord=pl.col("_ord"), _key_row=pl.col("source_row"),
                                   _key_file=pl.col("source_file"))
    reason = (
        pl.when(pl.col("_key_missing"))
        .then(pl.lit(f"no value in key column(s) {', '.join(key_cols)}"))
        .when(pl.col("_same_ord") < pl.col("_ord"))
        .then(pl.lit("exact duplicate of row ") + row_ref("same"))
        .when(pl.col("_key_ord") < pl.col("_ord"))
        .then(pl.lit(f"duplicate {', '.join(key_cols)} (row ") + row_ref("key") + pl.lit(" kept)"))
    )
    typed = typed.with_columns(_reason=reason)
    quarantined_rows = typed.filter(pl.col("_reason").is_not_null()).select("_ord", "_reason")
    quarantine = (
        quarantined_rows.join(raw, on="_ord", how="left")
        .select("source_row", "source_file", pl.col("_reason").alias("reason"),
                pl.struct(content).struct.json_encode().alias("raw_json"))
    )
    staged = typed.filter(pl.col("_reason").is_null()).select(*table.columns, "source_row", "source_file")
    lineage = {"la_code": la_code, "drop_id": drop.drop_id, "extract_date": drop.extract_date}
    staged = staged.with_columns(*[pl.lit(v).alias(k) for k, v in lineage.items() if k not in table.columns]).select(
        list(table.polars_schema(lineage=True))).cast(table.polars_schema(lineage=True))
    stamp = [pl.lit(drop.drop_id).alias("drop_id"), pl.lit(table.name).alias("table_name")]
    cells = (pl.concat(rejections, how="diagonal") if rejections
             else pl.DataFrame(schema={**{k: REJECTION_SCHEMA[k] for k in CELL_COLUMNS}, "source_file": pl.String()}))
    cells = cells.with_columns(stamp).select(list(REJECTION_SCHEMA)).cast(REJECTION_SCHEMA)
    quarantine = quarantine.with_columns(stamp).select(list(QUARANTINE_SCHEMA)).cast(QUARANTINE_SCHEMA)
    return staged, cells, quarantine


def ensure_schema(con: duckdb.DuckDBPyConnection) -> None:
    db.run(con, "CREATE SCHEMA IF NOT EXISTS staged; CREATE SCHEMA IF NOT EXISTS current;")
    existing = {r[0] for r in db.rows(con, "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'staged'")}
    for table in contract().values():
        if table.name not in existing:
            con.from_arrow(table.empty_frame(lineage=True).to_arrow()).create("staged." + table.name)
    for name, schema in (("rejections", REJECTION_SCHEMA), ("quarantine", QUARANTINE_SCHEMA),
                         ("return_issues", ISSUE_SCHEMA)):
        if name not in existing:
            con.from_arrow(pl.DataFrame(schema=schema).to_arrow()).create("staged." + name)
    if "drop_files" not in existing:
        con.from_arrow(pl.DataFrame(schema=FILES_SCHEMA).to_arrow()).create("staged.drop_files")
    if "table_coverage" not in existing:
        con.from_arrow(pl.DataFrame(schema=COVERAGE_SCHEMA).to_arrow()).create("staged.table_coverage")
    if "drops" not in existing:
        db.run(con, "CREATE TABLE staged.drops (drop_id VARCHAR PRIMARY KEY, extract_date DATE, la_code VARCHAR,"
                    " revision INTEGER, manifest_json VARCHAR)")
    if "withdrawn_drops" not in existing:
        db.run(con, "CREATE TABLE staged.withdrawn_drops (drop_id VARCHAR PRIMARY KEY, withdrawn_at VARCHAR, "
                    "reason VARCHAR)")
    install_reference(con)


def ensure_key(con: duckdb.DuckDBPyConnection, key: bytes) -> None:
    """The warehouse keeps the fingerprint of the key its pseudonyms were made with; a different key is refused
    before anything is staged (its pseudonyms would not link to any earlier drop's)."""
    db.run(con, "CREATE TABLE IF NOT EXISTS staged.key_fingerprint (fingerprint VARCHAR NOT NULL, "
                "recorded_at TIMESTAMP)")
    stored = db.scalar(con, "SELECT fingerprint FROM staged.key_fingerprint LIMIT 1")
    given = fingerprint(key)
    if stored is None:
        db.run(con, "INSERT INTO staged.key_fingerprint VALUES ($f, current_timestamp)", {"f": given})
    elif stored != given:
        raise PseudonymKeyError(
            f"the pseudonymisation key given (fingerprint {given}) is not the key this warehouse was staged with "
            f"(fingerprint {stored}): its pseudonyms would not link to the earlier drops' children, so nothing was "
            "staged. Point SCORECARD_KEY_FILE at the warehouse's key; or, to change key on purpose, move the "
            "warehouse (warehouse.duckdb in the state folder) aside: the next run restages every archived drop "
            "under the new key.")


def staged_drop_ids(con: duckdb.DuckDBPyConnection) -> set[str]:
    return {r[0] for r in db.rows(con, "SELECT drop_id FROM staged.drops")}


class ReturnRegistry(Protocol):
    """What staging needs of the statutory-return adapters, handed in by the caller
    (pipelines.lib.returns.REGISTRY): staging imports nothing from the adapters, which build on its readers."""

    suffixes: Sequence[str]                      # file suffixes a return may have
    fills: Mapping[str, tuple[str, ...]]         # format -> the contract tables it can fill
    precedence: Sequence[str]                    # formats, the first staged when two fill one table
    combined_tables: Sequence[str]               # tables combined across formats (the first kept per record)
    derived_id_separator: str                    # '<person id><separator><rest>' in ids an adapter built

    def recognise(self, path: Path) -> ReturnAdapterLike | None: ...

    def refusal(self, path: Path) -> str | None: ...

    def expected_brief(self) -> str: ...


class ReturnAdapterLike(Protocol):
    name: str

    def adapt(self, paths: list[Path]) -> Any: ...  # a returns.base.Adapted


@dataclass
class DropFiles:
    tables: dict[str, Path] = field(default_factory=dict)       # contract table -> its file (named after it)
    returns: dict[str, tuple] = field(default_factory=dict)      # return format -> (adapter, its files)
    local_feeds: list[Path] = field(default_factory=list)        # other CSVs with exactly the local_feeds header
    commentary: list[Path] = field(default_factory=list)         # commentary.csv, or a CSV with exactly its header
    messages: list[str] = field(default_factory=list)


def _find_files(drop: Drop, registry: ReturnRegistry) -> DropFiles:
    """Contract tables by file name; other CSV, XML and Excel files by content (statutory returns, local feeds)."""
    from pipelines.lib.commentary import is_commentary_file

    names = contract()
    out = DropFiles()
    feed_header = set(names[LOCAL_FEEDS].columns) if LOCAL_FEEDS in names else None
    for f in drop.files:
        path = drop.path / f["name"]
        stem, suffix = path.stem.lower(), path.suffix.lower()
        if stem in names and suffix in SUPPORTED:
            if stem in out.tables:
                out.messages.append(f"{f['name']}: table {stem} delivered twice (also {out.tables[stem].name}); "
                                    f"{out.tables[stem].name} is staged")
            else:
                out.tables[stem] = path
        elif suffix == ".csv" and is_commentary_file(f["name"], _csv_header(path)):
            out.commentary.append(path)  # not a contract table: read for the packs (pipelines/lib/commentary.py)
        elif suffix == ".csv" and feed_header is not None and _csv_header(path) == feed_header:
            out.local_feeds.append(path)
        elif suffix in registry.suffixes:
            adapter = registry.recognise(path)
            why = registry.refusal(path) if adapter is None else None
            if why:  # refused by design (a DTD, a bomb): say so, not "unknown shape"
                out.messages.append(f"{f['name']}: {why}; kept in the archive, not staged")
            elif adapter is None:
                out.messages.append(f"{f['name']}: no contract table named {stem!r} and not a statutory return of a "
                                    f"known shape ({registry.expected_brief()}); kept in the archive, not staged")
            else:
                out.returns.setdefault(adapter.name, (adapter, []))[1].append(path)
        elif suffix not in SUPPORTED:
            out.messages.append(f"{f['name']}: not a CSV or Parquet file; kept in the archive, not staged")
        else:
            out.messages.append(f"{f['name']}: no contract table named {stem!r}; kept in the archive, not staged")
    return out


def _csv_header(path: Path) -> set[str] | None:
    try:
        with path.open("rb") as fh:
            first = fh.readline(65536).decode("utf-8-sig")
        return set(_header_names(next(csv.reader(io.StringIO(first)))))
    except (OSError, UnicodeDecodeError, csv.Error, StopIteration):
        return None


def _derive_ids(frame: pl.DataFrame, columns: list[str], key: bytes, separator: str) -> pl.DataFrame:
    """Ids an adapter built as '<person id>|<suffix>': the person part becomes its pseudonym."""
    for col in columns:
        if col not in frame.columns:
            continue
        mapping = {}
        for v in frame[col].drop_nulls().unique().to_list():
            person, sep, rest = v.rpartition(separator)
            mapping[v] = (f"{pseudonym(key, person.strip().upper())}-{rest}" if sep
                          else pseudonym(key, v.strip().upper()))
        frame = frame.with_columns(pl.col(col).replace_strict(mapping, default=None, return_dtype=pl.String))
    return frame


@dataclass
class _Returns:
    frames: dict[str, list[tuple[str, pl.DataFrame]]] = field(default_factory=dict)  # table -> [(format, frame)]
    issues: list[dict] = field(default_factory=list)
    rejections: list[dict] = field(default_factory=list)
    messages: list[str] = field(default_factory=list)
    covered_from: dict[str, dict[str, date]] = field(default_factory=dict)  # format -> table -> covered from


def _adapt_returns(drop: Drop, found: DropFiles, key: bytes, registry: ReturnRegistry) -> _Returns:
    """Every statutory return of the drop through its adapter; issues become rejections, messages, issue rows."""
    out = _Returns()
    names = contract()
    for fmt, (adapter, paths) in found.returns.items():
        fills = registry.fills.get(fmt)
        if fills and all(t in found.tables and _has_rows(found.tables[t]) for t in fills):
            out.messages.append(f"{', '.join(p.name for p in paths)}: {fmt} not adapted: every table it fills "
                                "is staged from this drop's SSD files")
            continue
        try:
            adapted = adapter.adapt(paths)
        except Exception as exc:  # noqa: BLE001 - a return that cannot be adapted is recorded, never a crash
            for p in paths:
                reason = f"{p.name}: could not be adapted as {fmt} ({type(exc).__name__}); not staged"
                out.messages.append(reason)
                out.rejections.append({"drop_id": drop.drop_id, "source_file": p.name, "table_name": fmt,
                                       "column_name": None, "source_row": None, "value": None, "reason": reason})
            continue
        out.covered_from[fmt] = adapted.covered_from
        if adapted.lacks:  # what the return cannot give, as its adapter says (issue 12)
            out.messages.append(f"{', '.join(adapted.files)}: the {fmt} does not carry: {'; '.join(adapted.lacks)}")
        for i in adapted.issues:
            where = "".join([f" row {i.row}" if i.row is not None else "", f", column {i.column}" if i.column else ""])
            out.issues.append({"drop_id": drop.drop_id, "source_file": i.file, "table_name": i.table,
                               "column_name": i.column, "source_row": i.row, "severity": i.severity,
                               "reason": i.message, "format": fmt})
            if i.severity == "error":
                out.rejections.append({"drop_id": drop.drop_id, "source_file": i.file, "table_name": i.table,
                                       "column_name": i.column, "source_row": i.row, "value": None,
                                       "reason": f"{fmt} {i.table}: {i.message}"})
            if i.severity != "error" or i.row is None:
                out.messages.append(f"{i.file}: {fmt} {i.table}{where}: {i.message}")
        for table, frame in adapted.tables.items():
            if table not in names:
                out.messages.append(f"{', '.join(adapted.files)}: {fmt} gave a table {table!r} that is not in the "
                                    "contract; not staged")
                continue
            frame = _derive_ids(frame, adapted.derived_ids.get(table, []), key, registry.derived_id_separator)
            out.frames.setdefault(table, []).append((fmt, frame))
    return out


def _local_feed_frame(paths: list[Path]) -> pl.DataFrame:
    """Several local-feed files as one frame, each row keeping its file and row."""
    frames = []
    for p in paths:
        raw = read_raw(p, LOCAL_FEEDS)
        frames.append(raw.with_row_index("source_row", offset=1).with_columns(
            pl.col("source_row").cast(pl.Int64), pl.lit(p.name).alias("source_file")))
    return pl.concat(frames, how="diagonal")


def _header_notes(path: Path, table: Table, raw: pl.DataFrame) -> list[str]:
    """Messages about a readable file's header: columns beyond the contract, no data rows.

    A file none of whose columns is in the contract is refused whole (the wrong file, or no header line).
    """
    known = [c for c in raw.columns if c in table.columns]
    kind = "CSV" if path.suffix.lower() == ".csv" else "Parquet"
    if not known:
        raise _refused(path, table.name, f"none of the {raw.width} header column(s) is a column of {table.name} in "
                                         "the contract (a missing header line, or the wrong file?)", kind)
    notes = []
    extra = [c for c in raw.columns if c not in table.columns]
    if extra:
        notes.append(f"{path.name}: column(s) {', '.join(extra)} not in the contract for table {table.name}; "
                     "kept in the archive, not staged")
    if raw.height == 0:
        notes.append(f"{path.name}: table {table.name} has a header but no data rows; staged with 0 rows")
    return notes


def stage_drop(con: duckdb.DuckDBPyConnection, drop: Drop, key: bytes, la_code: str, *,
               registry: ReturnRegistry) -> StageSummary:
    """Stage one archived drop (a no-op when it is already staged).

    Files named after a contract table are staged as they are. Other CSV, XML and Excel files go through the
    statutory-return adapters of `registry` (pipelines.lib.returns.REGISTRY); when a drop has both an SSD table
    and a return that fills the same table, the SSD table wins (unless it has a header and no rows) and a message
    says so. CSVs whose header is exactly the local_feeds columns are staged together as local_feeds.
    """
    ensure_schema(con)
    ensure_key(con, key)
    if drop.drop_id in staged_drop_ids(con):
        return StageSummary(drop.drop_id, "already staged")
    found = _find_files(drop, registry)
    files = found.tables
    summary = StageSummary(drop.drop_id, "staged", messages=_kept_out_messages(drop) + found.messages)
    used: dict[str, list[str]] = {}  # file -> the tables staged from it
    returns = _adapt_returns(drop, found, key, registry) if found.returns else _Returns()
    summary.messages.extend(returns.messages)
    prepared = []
    file_rejections = list(returns.rejections)
    if found.commentary:
        _check_commentary(drop, found.commentary, summary, used, file_rejections)
    coverage: list[dict] = []  # per staged table: the date its history is complete from (None: complete)
    for table in contract().values():
        path = files.get(table.name)
        carried: pl.DataFrame | None = None
        carried_from = ""
        if table.name == LOCAL_FEEDS and found.local_feeds:
            feed_paths = ([path] if path is not None else []) + found.local_feeds
            path = None
            try:
                carried = _local_feed_frame(feed_paths)
                carried_from = ", ".join(p.name for p in feed_paths)
            except FileReadError as exc:
                reason = str(exc)
                file_rejections.append({"drop_id": drop.drop_id, "source_file": reason.split(": ", 1)[0],
                                        "table_name": table.name, "column_name": None, "source_row": None,
                                        "value": None, "reason": reason})
                summary.messages.append(reason)
                summary.tables.append(TableSummary(table.name, ", ".join(p.name for p in feed_paths)))
                continue
        elif table.name in returns.frames:
            parts = returns.frames[table.name]
            precedence = list(registry.precedence)
            if table.name not in registry.combined_tables:
                # one format per table: the first in precedence order (a record in two returns would otherwise
                # be counted twice, their derived ids differing)
                best = min((fmt for fmt, _ in parts), key=precedence.index)
                dropped = sorted({fmt for fmt, _ in parts} - {best})
                if dropped:
                    summary.messages.append(f"table {table.name}: staged from the {best}; the "
                                            f"{' and '.join(dropped)} rows for it are not staged")
                parts = [(fmt, f) for fmt, f in parts if fmt == best]
            else:
                # children combined across formats, the first kept for a child in several: in precedence order
                parts = sorted(parts, key=lambda p: precedence.index(p[0]))
            formats = " and ".join(dict.fromkeys(fmt for fmt, _ in parts))
            carried = pl.concat([f for _, f in parts], how="diagonal").drop("source_location", strict=False)
            carried_from = ", ".join(dict.fromkeys(carried["source_file"].drop_nulls().to_list()))
            if len(parts) > 1:
                summary.messages.append(f"{carried_from}: table {table.name} from {formats} combined; a record in "
                                        "both is kept from the first")
            if path is not None:
                if _has_rows(path):
                    summary.messages.append(f"{path.name}: table {table.name} is staged from this SSD file; the "
                                            f"{formats} rows for it are not staged (the SSD table wins)")
                    carried = None
                else:
                    summary.messages.append(f"{path.name}: table {table.name} has a header but no data rows; the "
                                            f"{formats} rows for it are staged instead")
                    path = None
        if path is None and carried is None:
            summary.tables.append(TableSummary(table.name, None))
            continue
        if carried is not None:
            try:
                staged, cells, quarantine = type_table(carried, table, key, drop, carried_from, la_code)
            except Exception as exc:  # noqa: BLE001 - recorded, never a crash
                reason = f"{carried_from}: table {table.name} not staged: staging failed ({type(exc).__name__})"
                file_rejections.append({"drop_id": drop.drop_id, "source_file": carried_from, "table_name": table.name,
                                        "column_name": None, "source_row": None, "value": None, "reason": reason})
                summary.messages.append(reason)
                summary.tables.append(TableSummary(table.name, carried_from))
                continue
            prepared.append((table, staged, cells, quarantine))
            coverage.append(_coverage(drop.drop_id, table.name, parts if table.name in returns.frames else [],
                                      returns.covered_from, carried_from))
            for name in dict.fromkeys(carried["source_file"].drop_nulls().to_list()):
                used.setdefault(name, []).append(table.name)
            summary.tables.append(TableSummary(table.name, carried_from, carried.height, staged.height,
                                               quarantine.height, cells.height))
            continue
        try:
            raw = read_raw(path, table.name)
            notes = _header_notes(path, table, raw)
            staged, cells, quarantine = type_table(raw, table, key, drop, path.name, la_code)
        except Exception as exc:  # noqa: BLE001 - a file that cannot be staged is recorded, never a crash
            reason = str(exc) if isinstance(exc, FileReadError) else str(_refused(
                path, table.name, f"staging failed ({type(exc).__name__})",
                "CSV" if path.suffix.lower() == ".csv" else "Parquet"))
            file_rejections.append({"drop_id": drop.drop_id, "source_file": path.name, "table_name": table.name,
                                    "column_name": None, "source_row": None, "value": None, "reason": reason})
            summary.messages.append(reason)
            summary.tables.append(TableSummary(table.name, path.name))
            continue
        summary.messages.extend(notes)
        used.setdefault(path.name, []).append(table.name)
        prepared.append((table, staged, cells, quarantine))
        coverage.append({"drop_id": drop.drop_id, "table_name": table.name, "covered_from": None,
                         "source": f"SSD file {path.name}"})
        summary.tables.append(TableSummary(table.name, path.name, raw.height, staged.height, quarantine.height,
                                           cells.height))
    returns_of = {path.name: fmt for fmt, (_, paths) in found.returns.items() for path in paths}
    summary.files = _files_received(drop, used, file_rejections, summary.messages, returns_of)
    with db.transaction(con):
        con.from_arrow(pl.DataFrame([{"drop_id": drop.drop_id, **f} for f in summary.files], schema=FILES_SCHEMA)
                       .to_arrow()).insert_into("staged.drop_files")
        for table, staged, cells, quarantine in prepared:
            con.from_arrow(staged.to_arrow()).insert_into("staged." + table.name)
            if cells.height:
                con.from_arrow(cells.to_arrow()).insert_into("staged.rejections")
            if quarantine.height:
                con.from_arrow(quarantine.to_arrow()).insert_into("staged.quarantine")
        if file_rejections:
            con.from_arrow(pl.DataFrame(file_rejections, schema=REJECTION_SCHEMA).to_arrow()
                           ).insert_into("staged.rejections")
        if returns.issues:
            con.from_arrow(pl.DataFrame(returns.issues, schema=ISSUE_SCHEMA).to_arrow()
                           ).insert_into("staged.return_issues")
        if coverage:
            con.from_arrow(pl.DataFrame(coverage, schema=COVERAGE_SCHEMA).to_arrow()
                           ).insert_into("staged.table_coverage")
        db.run(con, "INSERT INTO staged.drops VALUES ($drop_id, $extract_date, $la_code, $revision, $manifest)", {
            "drop_id": drop.drop_id, "extract_date": drop.extract_date, "la_code": la_code,
            "revision": drop.revision, "manifest": json.dumps(list(drop.files)),
        })
        refresh_current(con)
    return summary


def _check_commentary(drop: Drop, paths: list[Path], summary: StageSummary, used: dict[str, list[str]],
                      file_rejections: list[dict]) -> None:
    """The drop's commentary files checked when staged, so the drop's messages and files list say at once
    what is wrong (each fault located); the rows are read from the archive when the packs are made."""
    from pipelines.lib.commentary import TABLE, read_commentary
    from pipelines.lib.kpi_cards import load_cards

    rows, issues = read_commentary(paths, {c.id for c in load_cards()})
    whole = {i.file: i for i in issues if i.row is None and i.severity == "error"}
    for path in paths:
        if path.name in whole:
            reason = whole[path.name].message
            file_rejections.append({"drop_id": drop.drop_id, "source_file": path.name, "table_name": TABLE,
                                    "column_name": None, "source_row": None, "value": None, "reason": reason})
            continue
        mine = [r for r in rows if r.source_file == path.name]
        bad = sum(not r.ok for r in mine)
        used.setdefault(path.name, []).append(TABLE)
        summary.messages.append(f"{path.name}: commentary for the OCG pack, {len(mine)} row(s)"
                                + (f", {bad} with a fault (not shown)" if bad else ""))
    summary.messages.extend(i.message for i in issues)


def _coverage(drop_id: str, table: str, parts: list[tuple[str, pl.DataFrame]],
              covered_from: dict[str, dict[str, date]], carried_from: str) -> dict:
    """Where a staged table's history starts: the latest start of the returns it was staged from (a table
    combined from several formats is complete only from the latest), None for a local feed or a table whose
    adapter states no start (ssd_person: a child's details are not a dated history)."""
    starts = {fmt: covered_from.get(fmt, {}).get(table) for fmt, _ in parts}
    known = {fmt: d for fmt, d in starts.items() if d is not None}
    if not known:
        source = " and ".join(starts) if starts else f"files {carried_from}"
        return {"drop_id": drop_id, "table_name": table, "covered_from": None, "source": source}
    fmt = max(known, key=lambda f: known[f])
    return {"drop_id": drop_id, "table_name": table, "covered_from": known[fmt], "source": fmt}


def _kept_out(drop: Drop) -> list[tuple[dict, str]]:
    """Each entry the archive kept out, with why; a refused name that is a contract table's name plus
    whitespace says which table is not staged from it (never silently taken for another)."""
    names = contract()
    out = []
    for e in drop.not_archived:
        shown = e["name"]  # printable: quoted with escapes when odd (archive.shown)
        name = ast.literal_eval(shown) if shown[:1] in "'\"" else shown
        stem = name.rsplit(".", 1)[0].strip().lower()
        looks = f"; table {stem} is not staged from it" if e["status"] == "refused" and stem in names else ""
        out.append((e, f"{e['status']}: {e['reason']}{looks}; not archived"))
    return out


def _kept_out_messages(drop: Drop) -> list[str]:
    return [f"{e['name']}: {why}" for e, why in _kept_out(drop)]


def _named(message: str) -> list[str]:
    """The file names a message starts with ('a.csv: ...' or 'a.xml, b.xml: ...')."""
    head = message.split(": ", 1)[0] if ": " in message else ""
    return head.split(", ")


def _files_received(drop: Drop, used: dict[str, list[str]], file_rejections: list[dict],
                    messages: list[str], returns_of: dict[str, str]) -> list[dict]:
    """Every entry of the drop, each used, not used or refused, and why: the run's account of what it received."""
    refused = {}
    for r in file_rejections:
        if r["column_name"] is None and r["source_row"] is None:
            for name in str(r["source_file"]).split(", "):
                refused.setdefault(name, r["reason"])
    out = []
    for f in drop.files:
        name = f["name"]
        said = "; ".join(m.split(": ", 1)[1] for m in messages if name in _named(m))
        if name in used:
            out.append({"file": name, "status": "used", "tables": ", ".join(used[name]), "reason": said})
        elif name in refused:
            out.append({"file": name, "status": "refused", "tables": "",
                        "reason": refused[name].split(": ", 1)[1] if ": " in refused[name] else refused[name]})
        elif name in returns_of and "not adapted" not in said:
            why = (f"read as {returns_of[name]}, but none of its rows were staged: each table it fills was staged "
                   "from another file of this drop (see the messages)")
            out.append({"file": name, "status": "not used", "tables": "",
                        "reason": "; ".join(filter(None, [why, said]))})
        else:
            out.append({"file": name, "status": "not used", "tables": "",
                        "reason": said or "no table was staged from it"})
    for e, why in _kept_out(drop):
        out.append({"file": e["name"], "status": e["status"], "tables": "",
                    "reason": why.split(": ", 1)[1]})
    return sorted(out, key=lambda f: f["file"])


def drop_files_frame(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """The current drop's files received: every entry, used / not used / refused, the tables it fed, why."""
    return con.sql("SELECT f.drop_id, file, status, tables, reason FROM staged.drop_files f "
                   "JOIN staged.current_drop c USING (drop_id) ORDER BY file").pl()


def _has_rows(path: Path) -> bool:
    """Whether an SSD file holds any data row (a header-only file yields to a return that fills the table)."""
    try:
        return read_raw(path).height > 0
    except Exception:  # noqa: BLE001 - an unreadable file is refused by the normal route, which reports it
        return True


# The latest staged drop an operator has not withdrawn.
_CURRENT_DROP = ("SELECT drop_id, extract_date FROM staged.drops "
                 "WHERE drop_id NOT IN (SELECT drop_id FROM staged.withdrawn_drops) "
                 "ORDER BY extract_date DESC, revision DESC LIMIT 1")


def current_drop_id(con: duckdb.DuckDBPyConnection) -> str | None:
    if not db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staged' "
                          "AND table_name = 'withdrawn_drops'"):  # staged before drops could be withdrawn
        return db.scalar(con, "SELECT drop_id FROM staged.drops ORDER BY extract_date DESC, revision DESC LIMIT 1")
    return db.scalar(con, "SELECT drop_id FROM (" + _CURRENT_DROP + ")")


def ensure_withdrawn_table(con: duckdb.DuckDBPyConnection) -> None:
    """A warehouse staged before drops could be withdrawn gains the (empty) table."""
    db.run(con, "CREATE SCHEMA IF NOT EXISTS staged; CREATE TABLE IF NOT EXISTS staged.withdrawn_drops "
                "(drop_id VARCHAR PRIMARY KEY, withdrawn_at VARCHAR, reason VARCHAR)")


def record_withdrawn(con: duckdb.DuckDBPyConnection, withdrawn: dict[str, dict]) -> bool:
    """Mirror the archive's withdrawn markers ({drop_id: {'withdrawn_at', 'reason'}}) in the warehouse and point
    the `current` views at the latest drop not withdrawn. Returns whether the current drop changed."""
    ensure_withdrawn_table(con)
    before = set(db.rows(con, "SELECT drop_id FROM staged.withdrawn_drops"))
    current = (db.scalar(con, "SELECT drop_id FROM staged.current_drop")
               if db.scalar(con, "SELECT count(*) FROM duckdb_tables() WHERE schema_name = 'staged' "
                                 "AND table_name = 'current_drop'") else None)
    with db.transaction(con):
        db.run(con, "DELETE FROM staged.withdrawn_drops")
        for drop_id, marker in sorted(withdrawn.items()):
            db.run(con, "INSERT INTO staged.withdrawn_drops VALUES ($drop_id, $at, $reason)",
                   {"drop_id": drop_id, "at": marker.get("withdrawn_at"), "reason": marker.get("reason")})
        changed = current != current_drop_id(con)
        if (changed or before != {(d,) for d in withdrawn}) and db.scalar(con, "SELECT count(*) FROM staged.drops"):
            refresh_current(con)
    return changed


def refresh_current(con: duckdb.DuckDBPyConnection) -> None:
    """Point the `current` views at the latest drop not withdrawn and rebuild the postcode reference for it."""
    ensure_withdrawn_table(con)
    db.run(con, "CREATE OR REPLACE TABLE staged.current_drop AS " + _CURRENT_DROP)
    for table in contract().values():
        # Identifiers come from the contract file (validated); the drop is selected by data, not text.
        db.run(con, f"CREATE OR REPLACE VIEW current.{ident(table.name)} AS "  # noqa: S608
                    f"SELECT * FROM staged.{ident(table.name)} "
                    "WHERE drop_id = (SELECT drop_id FROM staged.current_drop)")
    postcodes = db.rows(con, "SELECT DISTINCT addr_address_postcode FROM current.ssd_address "
                             "UNION SELECT DISTINCT clap_cla_placement_postcode FROM current.ssd_cla_placement")
    frame = postcode_frame(p for (p,) in postcodes if p)
    db.run(con, "DROP TABLE IF EXISTS main.postcode_ref")
    con.from_arrow(frame.to_arrow()).create("main.postcode_ref")


def use_current(con: duckdb.DuckDBPyConnection) -> None:
    """Let bare table names (as the KPI SQL writes them) resolve to the latest drop."""
    db.run(con, "SET search_path = 'main,current'")


def staged_summary(con: duckdb.DuckDBPyConnection) -> pl.DataFrame:
    """Rows per staged table for every drop, with rejected cells and quarantined rows."""
    frames = []
    for table in contract().values():
        frames.append(con.sql(
            "SELECT $t AS table_name, drop_id, count(*) AS staged_rows FROM staged." + ident(table.name)
            + " GROUP BY drop_id", params={"t": table.name}).pl())
    counts = pl.concat(frames) if frames else pl.DataFrame()
    rej = con.sql("SELECT table_name, drop_id, count(*) AS rejected_cells FROM staged.rejections "
                  "GROUP BY ALL").pl()
    qua = con.sql("SELECT table_name, drop_id, count(*) AS quarantined_rows FROM staged.quarantine "
                  "GROUP BY ALL").pl()
    return (counts.join(rej, on=["table_name", "drop_id"], how="full", coalesce=True)
            .join(qua, on=["table_name", "drop_id"], how="full", coalesce=True)
            .with_columns(pl.col("staged_rows", "rejected_cells", "quarantined_rows").fill_null(0))
            .sort("drop_id", "table_name"))
