"""The schema-as-data machinery the XML return adapters share (CIN census, CSWW; the SSDA903 year files too).

A return's elements and code sets are data: ``schemas/<return>/base.yaml`` (its first year) plus one
yearly-differences file per year that changed. This module reads those files, applies the differences up to a
year and gives the year's schema (``Element`` / ``Group`` / ``XmlSchema``), and holds the small readers every
adapter uses on the XML itself: namespace-free tag names, trimmed text, ``xs:date``, flags, code-set checks,
unknown-element counts, and the rows-to-frame step.

What differs between returns stays with the adapter and is passed in: how a file name gives its year (CIN
``2024_25.yaml`` = the collection starting 1 April 2024, CSWW ``2019.yaml`` = 30 September 2019, SSDA903
``2020_21.yaml`` = the year ending 31 March 2021), the key the year is under (``year`` / ``year_ending``), the
schema's label and class, and the error messages that name the return.
"""

from __future__ import annotations

import copy
import datetime as dt
import pyexpat
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Protocol, TypeVar

import polars as pl
import yaml

from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW, AdapterIssue

NS = re.compile(r"^\{[^}]*\}")
XS_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})(?:(?:[T ][0-9:.]+)?(?:Z|[+-]\d{2}:?\d{2})?)$")
FLAG_TRUE = {"TRUE", "1", "Y", "YES"}
FLAG_FALSE = {"FALSE", "0", "N", "NO"}


# ---- the schema as data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Element:
    name: str
    type: str
    column: str | None = None
    code_set: str | None = None
    recode: dict[str, str] | None = None
    item: str | None = None   # type list: the repeated item inside the container element (CIN)
    repeat: bool = False      # the element may appear more than once, each checked, the first used (CSWW)


@dataclass(frozen=True)
class Group:
    name: str
    parent: str
    table: str | None
    elements: dict[str, Element]


@dataclass(frozen=True)
class XmlSchema:
    year: int
    label: str
    groups: dict[str, Group]
    code_sets: dict[str, frozenset[str]]
    provisional: tuple[str, ...] = ()
    applied: tuple[str, ...] = ()  # the yearly-differences files applied, in order
    subgroups: dict[str, frozenset[str]] = field(default_factory=dict)  # parent -> its groups' names

    def sub_group_names(self, parent: str) -> frozenset[str]:
        return self.subgroups.get(parent, frozenset())


S = TypeVar("S", bound=XmlSchema)
SchemaFiles = tuple[dict, tuple[tuple[int, str, dict], ...]]


def split_collection_year(year: str, example: str) -> tuple[int, bool]:
    """'2024', '2024/25', '2024_25' or '2024-25' -> (2024, whether a second year was given); ``example`` goes
    into the error ("2024 or '2024/25'"). What the number means (start or end of the year) is the caller's."""
    m = re.fullmatch(r"\s*(\d{4})(?:\s*[/_-]\s*(\d{2}|\d{4}))?\s*", str(year))
    if not m:
        raise ValueError(f"not a collection year: {year!r} (expected e.g. {example})")
    start = int(m.group(1))
    if m.group(2) is not None and int(m.group(2)) % 100 != (start + 1) % 100:
        raise ValueError(f"not a collection year: {year!r} (the second year must follow the first)")
    return start, m.group(2) is not None


def load_schema_files(schema_dir: Path, pattern: str, year_of_name: Callable[[str], int],
                      year_key: str = "year") -> SchemaFiles:
    """(base.yaml, ((year, file name, differences), ...) in year order) from a return's schema folder.

    ``pattern`` globs the differences files; ``year_of_name`` reads a file's year from its stem, which must
    match the year the file holds under ``year_key``."""
    base = yaml.safe_load((schema_dir / "base.yaml").read_text(encoding="utf-8"))
    diffs = []
    for path in sorted(schema_dir.glob(pattern)):
        spec = yaml.safe_load(path.read_text(encoding="utf-8"))
        if year_of_name(path.stem) != spec[year_key]:
            raise ValueError(f"{path.name}: {year_key} {spec[year_key]} does not match the file name")
        diffs.append((spec[year_key], path.name, spec))
    return base, tuple(sorted(diffs, key=lambda d: d[0]))


def latest_year(files: SchemaFiles, year_key: str = "year") -> int:
    base, diffs = files
    return max([base[year_key], *[d[0] for d in diffs]])


def apply_code_set_changes(code_sets: dict[str, set[str]], changes: Mapping | None) -> None:
    """One year's code-set differences, in place: a list replaces the set, ``drop`` removes it, otherwise
    ``remove`` then ``add``."""
    for cname, change in (changes or {}).items():
        if isinstance(change, list):
            code_sets[cname] = {str(c) for c in change}
        elif change.get("drop"):
            code_sets.pop(cname, None)
        else:
            codes = code_sets.setdefault(cname, set())
            codes.difference_update(str(c) for c in change.get("remove", []))
            codes.update(str(c) for c in change.get("add", []))


def element(name: str, spec: dict) -> Element:
    return Element(name=name, type=spec["type"], column=spec.get("column"), code_set=spec.get("code_set"),
                   recode={str(k): str(v) for k, v in spec["recode"].items()} if spec.get("recode") else None,
                   item=spec.get("item"), repeat=bool(spec.get("repeat", False)))


def build_schema(cls: type[S], files: SchemaFiles, year: int, label: str) -> S:
    """The schema of ``year``: base.yaml plus every yearly-differences file up to that year, in order
    (element changes per group, groups added and removed, code-set changes). The caller checks that
    ``year`` is not before the base year (its message names the return)."""
    base, diffs = files
    groups: dict[str, dict] = copy.deepcopy(base["groups"])
    code_sets: dict[str, set[str]] = {k: {str(c) for c in v} for k, v in base["code_sets"].items()}
    provisional, applied = [], []
    for dyear, fname, spec in diffs:
        if dyear > year:
            break
        for gname, change in (spec.get("groups") or {}).items():
            elements = groups[gname]["elements"]
            for name in change.get("remove_elements", []):
                del elements[name]
            elements.update(copy.deepcopy(change.get("add_elements") or {}))
            for name, fields in (change.get("change_elements") or {}).items():
                elements[name] = {**elements[name], **fields}
        groups.update(copy.deepcopy(spec.get("add_groups") or {}))
        for gname in spec.get("remove_groups", []):
            del groups[gname]
        apply_code_set_changes(code_sets, spec.get("code_sets"))
        provisional += spec.get("provisional", [])
        applied.append(fname)
    parents: dict[str, set[str]] = defaultdict(set)
    for g, gspec in groups.items():
        parents[gspec["parent"]].add(g)
    return cls(
        year=year,
        label=label,
        groups={g: Group(g, s["parent"], s.get("table"), {e: element(e, es) for e, es in s["elements"].items()})
                for g, s in groups.items()},
        subgroups={p: frozenset(gs) for p, gs in parents.items()},
        code_sets={k: frozenset(v) for k, v in code_sets.items()},
        provisional=tuple(provisional),
        applied=tuple(applied),
    )


# ---- reading the XML ---------------------------------------------------------------------------------------
_LOCAL: dict[str, str] = {}


def local_name(tag: object) -> str:
    """The tag without its namespace (memoised: a return has a few dozen distinct tags, millions of elements)."""
    try:
        return _LOCAL[tag]  # type: ignore[index]
    except (KeyError, TypeError):
        name = NS.sub("", tag) if isinstance(tag, str) else ""
        if isinstance(tag, str) and len(_LOCAL) < 10000:
            _LOCAL[tag] = name
        return name


def text(el: ET.Element | None) -> str | None:
    """The element's text, trimmed; None when it has none."""
    if el is None or el.text is None:
        return None
    t = el.text.strip()
    return t or None


def xs_date(value: str) -> dt.date | None:
    """The calendar date of an ``xs:date`` (a time or time-zone part dropped), else None."""
    m = XS_DATE.match(value)
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def flag(value: str) -> bool | None:
    """true/1/Y/yes -> True, false/0/N/no -> False (any case), else None."""
    up = value.upper()
    if up in FLAG_TRUE:
        return True
    if up in FLAG_FALSE:
        return False
    return None


def code_issue(schema: XmlSchema, file: str, group: Group, spec: Element, code: str, where: str, row: int,
               name: str | None = None) -> AdapterIssue | None:
    """A warning when ``code`` is not in the year's code set of the element (the value is still passed on)."""
    valid = schema.code_sets.get(spec.code_set) if spec.code_set else None
    if valid is None or code.upper() in valid:
        return None
    name = name or spec.name
    return AdapterIssue(
        file=file, table=group.name, column=name, row=row, location=where, severity="warning",
        message=f"<{name}> code {quoted(code)} is not in the {schema.label} code set {spec.code_set}; "
                "the value is passed on")


def count_unknown(unknown: dict[tuple[str, str], tuple[int, str]], group: str, element: str, loc: str) -> None:
    """One more occurrence of an element the schema does not know (the first location kept)."""
    count, first = unknown.get((group, element), (0, loc))
    unknown[(group, element)] = (count + 1, first)


def unknown_issues(file: str, unknown: dict[tuple[str, str], tuple[int, str]], schema_words: str) -> list[AdapterIssue]:
    """One warning per unknown element of a file; ``schema_words`` names the schema ('the 2024/25 census
    schema')."""
    return [AdapterIssue(
        file=file, table=group, column=element, row=None, location=loc, severity="warning",
        message=f"<{element}> is not an element of <{group}> in {schema_words}; "
                f"ignored ({count} occurrence{'s' if count != 1 else ''}, first at {loc})")
        for (group, element), (count, loc) in sorted(unknown.items())]


def no_year_issue(file: str, what: str, schema: XmlSchema, then: str, severity: str) -> AdapterIssue:
    """The header gives no ``what`` (collection year, census date): the file is read with ``schema`` (the
    latest) and ``then`` says what follows."""
    return AdapterIssue(
        file=file, table="Header", column="ReferenceDate", row=None, severity=severity,
        location="/Message/Header/CollectionDetails",
        message=f"the header gives no {what} (CollectionDetails/ReferenceDate or Year): read with the latest "
                f"schema ({schema.label}); {then}")


def not_well_formed(file: str, exc: ET.ParseError, kept: str) -> AdapterIssue:
    """The error for a file that breaks off; ``kept`` says what was kept of it and what to do."""
    line, col = exc.position
    return AdapterIssue(
        file=file, table="Message", column=None, row=None, location=f"line {line}, column {col}",
        message=f"the XML is not well formed at line {line}, column {col}: {kept}")


# ---- bounds on what an XML file may make us hold (issue 12) -----------------------------------------------
# A return nests about 8 levels deep and its longest value is a few hundred characters: these bounds are far
# above any real file and far below what exhausts memory (80,000 levels once took 6.3 GB; a 200 MB value was
# echoed into every log).
MAX_DEPTH = 64
MAX_TEXT = 1 << 16          # characters in one value (or comment): 64 Ki, ~100 times the longest real one
MAX_PROLOG = 1 << 20        # bytes before the root element (declaration, comments)
CHUNK = 1 << 16
QUOTE_LIMIT = 40            # characters of a value a message quotes


def quoted(value: object, limit: int = QUOTE_LIMIT) -> str:
    """A value as a message quotes it: at most ``limit`` characters, a longer one cut with its length said."""
    text = str(value)
    if len(text) <= limit:
        return f"'{text}'"
    return f"'{text[:limit]}...' ({len(text):,} characters)"


class XmlRefused(ValueError):
    """An XML file refused before or while it is read (a DTD or entities, nesting or a value beyond the
    bounds): the message says what, where, and that it is refused by design."""


class _Root(Exception):
    pass


def check_prolog(f: IO[bytes]) -> str:
    """The root element's name; raises XmlRefused when the file declares a DTD or entities (refused by design:
    never expanded, never fetched), or has no root element in its first MAX_PROLOG bytes. ``f`` is rewound."""
    parser = pyexpat.ParserCreate()
    root: list[str] = []

    def doctype(name: str, *_args: object) -> None:
        raise XmlRefused(f"the file carries a DTD (<!DOCTYPE {name[:QUOTE_LIMIT]}>): XML with a DTD or entity "
                         "declarations is refused by design (they are never expanded or fetched); send the return "
                         "without it")

    def entity(name: str, *_args: object) -> None:
        raise XmlRefused(f"the file declares an entity ({name[:QUOTE_LIMIT]}): XML with a DTD or entity "
                         "declarations is refused by design (they are never expanded or fetched)")

    def start(name: str, _attrs: object) -> None:
        root.append(name)
        raise _Root

    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = entity
    parser.StartElementHandler = start
    read = 0
    try:
        while read < MAX_PROLOG:
            chunk = f.read(CHUNK)
            read += len(chunk)
            parser.Parse(chunk, not chunk)
            if not chunk:
                break
    except _Root:
        pass
    except pyexpat.ExpatError as exc:
        raise ET.ParseError(f"{exc}") from exc  # not well formed: the caller's usual message
    finally:
        f.seek(0)
    if not root:
        raise XmlRefused(f"no root element in the first {MAX_PROLOG // 1024:,} KB of the file; refused")
    return root[0]


def iterparse(f: IO[bytes], events: tuple[str, ...] = ("end",)) -> Iterator[tuple[str, ET.Element]]:
    """``ET.iterparse`` within bounds: a DTD or entity declaration, nesting deeper than MAX_DEPTH or a value
    longer than MAX_TEXT characters raises XmlRefused naming the element's path, before it is held. Events
    are read as the file is fed (CHUNK bytes at a time), so a refusal costs at most a chunk more memory."""
    check_prolog(f)
    pull = ET.XMLPullParser(events=("start", "end"))
    shown: list[str] = []   # the tags of the first levels of the current path, for the messages
    depth = fed = since_event = 0
    want_start, want_end = "start" in events, "end" in events

    def where() -> str:
        return "/" + "/".join(local_name(t) for t in shown) + ("/..." if depth > len(shown) else "")

    # one flat loop (no nested generator): it runs for every element of a national-size census
    done = False
    while not done:
        chunk = f.read(CHUNK)
        if chunk:
            fed += len(chunk)
            pull.feed(chunk)
        else:
            pull.close()
            done = True
        seen = 0
        for event, el in pull.read_events():
            seen += 1
            if event == "start":
                depth += 1
                if depth <= 12:
                    shown.append(el.tag)
                elif depth > MAX_DEPTH:
                    raise XmlRefused(f"elements nested more than {MAX_DEPTH} levels deep at {where()} (within the "
                                     f"first {fed:,} bytes); refused (a return nests about 8 levels)")
                if want_start:
                    yield event, el
            else:
                text = el.text
                if text is not None and len(text) > MAX_TEXT:
                    raise XmlRefused(f"a value of {len(text):,} characters at {where()}; refused (at most "
                                     f"{MAX_TEXT:,})")
                if depth <= 12:
                    shown.pop()
                depth -= 1
                if want_end:
                    yield event, el
        since_event = 0 if seen else since_event + len(chunk)
        if since_event > MAX_TEXT:  # a value (or comment) still growing: refused before it is held whole
            raise XmlRefused(f"a value longer than {MAX_TEXT:,} characters at {where()} (within the first {fed:,} "
                             "bytes); refused")


REFUSAL_EVENTS = 50_000  # recognition reads a file's opening only: so does the search for why it failed


def refusal(path: Path) -> str | None:
    """Why an XML file breaks the bounds (a DTD, nesting, a huge value) within its opening, or None. Used only
    to say what is wrong with a file no adapter recognised."""
    try:
        with open(path, "rb") as f:
            for n, _ in enumerate(iterparse(f, ("end",))):
                if n > REFUSAL_EVENTS:
                    break
    except XmlRefused as exc:
        return str(exc)
    except (ET.ParseError, OSError):
        return None
    return None


def refused_issue(file: str, exc: XmlRefused, table: str, kept: str) -> AdapterIssue:
    """The error for a file refused by the bounds; ``kept`` says what was kept of it."""
    return AdapterIssue(file=file, table=table, column=None, row=None, message=f"{exc}: {kept}")


def starts_like_xml(head: bytes) -> bool:
    """The first bytes open an XML document: '<' after white space, in UTF-8 (a BOM allowed) or UTF-16."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        enc = "utf-16-le" if head.startswith(b"\xff\xfe") else "utf-16-be"
        return head[2:].decode(enc, errors="ignore").lstrip().startswith("<")
    if head.startswith((b"<\x00", b"\x00<")):  # UTF-16 without a BOM: the declaration says so
        return True
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<")


def message_events(f: IO[bytes], limit: int = 20000) -> Iterator[tuple[str, int, str, ET.Element]]:
    """(event, depth, name, element) of the start and end events of an XML file whose root is ``Message``
    (depth 1 = the root; an end event has its element's depth; names without namespace), for recognising a
    return by its opening: nothing when the root is another element, and no more after the first end event
    past ``limit`` events. A ``ParseError`` is the caller's."""
    depth = 0
    for n, (event, el) in enumerate(iterparse(f, events=("start", "end"))):
        name = local_name(el.tag)
        if event == "start":
            depth += 1
            if depth == 1 and name != "Message":
                return
            yield event, depth, name, el
            continue
        yield event, depth, name, el
        depth -= 1
        if n > limit:
            return


def recognise_xml(path: Path, shape: Callable[[IO[bytes]], bool]) -> bool:
    """True when the file starts like XML (after a BOM and white space) and ``shape`` accepts it."""
    try:
        with open(path, "rb") as f:
            if not starts_like_xml(f.read(2048)):
                return False
            f.seek(0)
            return shape(f)
    except (OSError, XmlRefused):
        return False


# ---- rows to frames ----------------------------------------------------------------------------------------
class SourcedRow(Protocol):
    table: str
    key: tuple
    rank: tuple
    source_row: int
    source_file: str
    location: str


R = TypeVar("R", bound=SourcedRow)


def best_ranked(rows: Iterable[R]) -> list[R]:
    """Per table and key, the rows of the best-ranked file (the latest return); rows keep their order."""
    rows = list(rows)
    best: dict[tuple[str, tuple], tuple] = {}
    for r in rows:
        k = (r.table, r.key)
        if k not in best or r.rank > best[k]:
            best[k] = r.rank
    return [r for r in rows if best[(r.table, r.key)] == r.rank]


def in_source_order(rows: Iterable[R]) -> list[R]:
    return sorted(rows, key=lambda r: (r.source_file, r.source_row, r.location))


def contract_frame(cells: dict[str, list], rows: list[R]) -> pl.DataFrame:
    """A contract table's raw frame: string cells (contract columns, in order) plus the SOURCE_* columns."""
    data: dict[str, list] = dict(cells)
    data[SOURCE_ROW] = [r.source_row for r in rows]
    data[SOURCE_FILE] = [r.source_file for r in rows]
    data[SOURCE_LOCATION] = [r.location for r in rows]
    schema = {c: pl.String for c in cells} | {SOURCE_ROW: pl.Int64, SOURCE_FILE: pl.String,
                                              SOURCE_LOCATION: pl.String}
    return pl.DataFrame(data, schema=schema)
