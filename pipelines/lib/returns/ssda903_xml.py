"""The SSDA903 XML form -> the same per-table rows as the CSV set, so one core (ssda903.stitch._Adaptation) maps,
stitches and repairs both.

Shape (the DfE expanded 903 XML, as the 903 validators read it): one file per collection year, root
``EXPSSDA903`` holding one ``CHILD`` per child; a child's own items (CHILDID, SEX, DOB, ETHNIC, UPN, UASC, DUC,
MOTHER, MC_DOB, the OC3 items IN_TOUCH / ACTIV / ACCOM and the AD1 items DATE_INT ... LS_ADOPTR) sit in its
``HEADER``, with repeated groups for the other tables: ``AREVIEW`` (Reviews), ``AMISSING`` (Missing), ``OC2``,
``PERMANENCE`` (PrevPerm), ``AD_PLACED`` (PlacedAdoption); ``EPISODE`` elements (Episodes) follow the HEADER.
The group names, the XML item names that differ from the CSV's (CHILDID -> CHILD, PL -> PLACE) and the items
that make a child-level table are data (``xml:`` in schemas/ssda903/*.yaml). Also read: a ``Message`` envelope
with ``Children/Child`` (the CIN census layout) whose children hold the same items; namespaces; any letter
case; wrapper elements (``EPISODES``) around the groups. Each child's leaf items are matched wherever they sit
in the child, outside a group.

Files are read with a streaming parser (``iterparse``; each child is handled and then cleared), so a large
return never sits in memory as a tree. ``source_row`` is the record's ordinal among its table's records in the
file (the n-th EPISODE; for Header the n-th CHILD) and ``source_location`` its path, e.g.
``/EXPSSDA903/CHILD[12]/EPISODE[2]``; a faulty cell's issue carries the element's path
(``/EXPSSDA903/CHILD[12]/EPISODE[2]/DEC``), also quoted at the end of its message so rejections.csv shows it.
An element that is no 903 item is reported once per file and name, with its first path.

Decisions:
- A child-level item a group also needs (CHILD, DOB, SEX) is taken from the child; a bad DOB is reported once,
  on the Header row, not again on every review.
- A child whose header gives nothing beyond CHILDID and DOB has no Header row (it is in a group's table only).
- UASC: a row when the child's UASC flag is 1 (true, Y) or a DUC is given, as the CSV UASC table lists them.
- A drop holding this form and the CSV set for the same year: see ssda903 (the CSV set is used).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict
from functools import cache
from pathlib import Path

from pipelines.lib.returns.base import Adapted
from pipelines.lib.returns.ssda903 import adapt_903
from pipelines.lib.returns.ssda903.read import Part, Row, date_order
from pipelines.lib.returns.ssda903.schema import _recognition, latest_schema, reading_spec
from pipelines.lib.returns.ssda903.stitch import _Adaptation
from pipelines.lib.returns.xml_schema import XmlRefused, iterparse, starts_like_xml

FORMAT = "SSDA903 XML"
ROOTS = ("EXPSSDA903", "SSDA903")
CHILD_MARKS = ("CHILDID", "HEADER", "EPISODE")  # items that tell a 903 child from a CIN census Child
TRUE = ("1", "TRUE", "Y", "YES")
HEADER_ITEMS = ("SEX", "ETHNIC", "UPN", "MOTHER", "MC_DOB")  # any of them given: the child has a Header row


class Ssda903XmlAdapter:
    """Recognises the SSDA903 XML by its shape and maps it through the same core as the CSV set."""

    name = FORMAT

    def recognise(self, path: Path) -> bool:
        return path.suffix.lower() == ".xml" and is_903_xml(path)

    def adapt(self, paths: list[Path]) -> Adapted:
        return adapt_903(paths, FORMAT)


def _local(tag: object) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def is_903_xml(path: Path) -> bool:
    """Root EXPSSDA903 / SSDA903, or a first CHILD (any case, any envelope) holding CHILDID, HEADER or EPISODE.
    Reads no further than the first child."""
    try:
        with open(path, "rb") as fh:
            if not starts_like_xml(fh.read(2048)):
                return False
            fh.seek(0)
            depth, child_depth = 0, None
            for n, (event, el) in enumerate(iterparse(fh, events=("start", "end"))):
                name = _local(el.tag).upper()
                if event == "end":
                    if child_depth is not None and depth == child_depth:
                        return False  # the first child holds no 903 item
                    depth -= 1
                    continue
                depth += 1
                if depth == 1 and name in ROOTS:
                    return True
                if child_depth is None and name == "CHILD":
                    child_depth = depth
                elif child_depth is not None and name in CHILD_MARKS:
                    return True
                if n > 20000:
                    return False
    except (OSError, ET.ParseError, XmlRefused):
        return False
    return False


@cache
def _mapping() -> tuple[dict[str, str], dict[str, str], dict[str, dict], frozenset[str]]:
    """(XML item -> CSV item, group element -> table, child-level tables, every known item), upper case."""
    xml = latest_schema().xml  # the yearly files only ever add names, so the latest knows them all
    renames = {k.upper(): v.upper() for k, v in (xml.get("renames") or {}).items()}
    records = {alias.upper(): table for table, aliases in (xml.get("records") or {}).items() for alias in aliases}
    known = {c for t in _recognition() for c in reading_spec(t).items}
    known |= {str(c).upper() for c in xml.get("extra_items", [])}
    return renames, records, dict(xml.get("child_items") or {}), frozenset(known)


class _Reader:
    def __init__(self, ad: _Adaptation, path: Path) -> None:
        self.ad, self.path, self.file = ad, path, path.name
        self.renames, self.records, self.child_items, self.known = _mapping()
        self.rows: dict[str, list[Row]] = defaultdict(list)
        self.counts: dict[str, int] = defaultdict(int)  # table -> records read (the row number)
        self.unknown: dict[str, tuple[int, str]] = {}
        self.children = 0

    def read(self) -> list[Part]:
        stack: list[tuple[ET.Element, str, dict[str, int], bool]] = []  # element, path, tag counts, is a child
        try:
            with open(self.path, "rb") as fh:
                for event, el in iterparse(fh, events=("start", "end")):
                    if event == "start":
                        name = _local(el.tag)
                        inside = any(s[3] for s in stack)
                        is_child = name.upper() == "CHILD" and not inside and bool(stack)
                        if stack:
                            counts = stack[-1][2]
                            counts[name] = counts.get(name, 0) + 1
                            n = counts[name]
                            path = f"{stack[-1][1]}/{name}" + (f"[{n}]" if n > 1 or is_child else "")
                        else:
                            path = f"/{name}"
                        stack.append((el, path, {}, is_child))
                        continue
                    _, path, _, is_child = stack.pop()
                    if is_child and len(el):
                        self.children += 1
                        self._child(el, path)
                        el.clear()
                        if stack:
                            stack[-1][0].remove(el)
        except ET.ParseError as exc:
            line, col = getattr(exc, "position", (None, None))
            self.ad.issue(None, f"the XML is not well formed at line {line}, column {col}: the {self.children} "
                                "children read before it are kept, the rest of the file could not be read (ask for "
                                "it to be sent again)", file=self.file, table="CHILD",
                          location=f"line {line}, column {col}")
        except XmlRefused as exc:
            self.ad.issue(None, f"{exc}: the {self.children} children read before it are kept, the rest of the file "
                                "is not read", file=self.file, table="CHILD")
        for name, (count, first) in sorted(self.unknown.items()):
            self.ad.issue(None, f"<{name}> is not an SSDA903 item; ignored ({count} occurrence"
                                f"{'s' if count != 1 else ''}, first at {first})", "warning", file=self.file,
                          table="CHILD", location=first)
        return [Part(self.file, table, rows, form="XML") for table, rows in self.rows.items()]

    # ---- one child ------------------------------------------------------------------------------------------
    def _child(self, el: ET.Element, path: str) -> None:
        items: dict[str, tuple[str | None, str]] = {}
        groups: list[tuple[str, str, dict[str, tuple[str | None, str]]]] = []
        self._walk(el, path, items, groups, None)
        # A child with no header item beyond its id and date of birth (only in a group's table, as a missing
        # episode of a child not looked after that year) has no Header row, as in the CSV set.
        header = (self._row("Header", path, items, {})
                  if any(items.get(c, (None,))[0] is not None for c in HEADER_ITEMS) else None)
        inherited = dict(items)
        if header is not None:  # the Header's checked values (a bad DOB reported once, there)
            inherited.update({c: (header.v[c], items[c][1]) for c in header.v if c in items})
        had = {t for t, _, _ in groups}
        for table, rule in self.child_items.items():
            if table in had:
                continue
            flagged = any((items.get(f.upper(), (None,))[0] or "").upper() in TRUE for f in rule.get("flag", []))
            if flagged or any(items.get(w.upper(), (None,))[0] is not None for w in rule.get("when", [])):
                self._row(table, path, inherited, {})
        for table, gpath, own in groups:
            self._row(table, gpath, inherited, own)

    def _walk(self, node: ET.Element, path: str, items: dict, groups: list, into: dict | None) -> None:
        names = [_local(c.tag) for c in node]
        total = defaultdict(int)
        for n in names:
            total[n] += 1
        seen: dict[str, int] = defaultdict(int)
        for c, name in zip(node, names, strict=True):
            seen[name] += 1
            up = name.upper()
            item = self.renames.get(up, up)
            if len(c) == 0:
                cpath = f"{path}/{name}" + (f"[{seen[name]}]" if total[name] > 1 else "")
                if item not in self.known:
                    count, first = self.unknown.get(name, (0, cpath))
                    self.unknown[name] = (count + 1, first)
                    continue
                target = into if into is not None else items
                if item not in target:  # a repeated item: the first is used
                    target[item] = ((c.text or "").strip() or None, cpath)
                continue
            table = self.records.get(up) if into is None else None
            cpath = f"{path}/{name}" + (f"[{seen[name]}]" if table or total[name] > 1 else "")
            if table:
                own: dict[str, tuple[str | None, str]] = {}
                groups.append((table, cpath, own))
                self._walk(c, cpath, items, groups, own)
            else:  # a wrapper (HEADER, EPISODES, ...) or a nested element of a group
                self._walk(c, cpath, items, groups, into)

    def _row(self, table: str, path: str, inherited: dict, own: dict) -> Row | None:
        spec = reading_spec(table)
        values: dict[str, str | None] = {}
        paths: dict[str, str] = {}
        for c in spec.items:
            src = own.get(c) or inherited.get(c)
            values[c] = src[0] if src else None
            if src:
                paths[c] = src[1]
        self.counts[table] += 1
        r = Row(table, self.file, self.counts[table], 0, values, location=path, paths=paths)
        if not self.ad.accept(r):
            return None
        self.rows[table].append(r)
        return r


def read_xml_parts(ad: _Adaptation, path: Path) -> list[Part]:
    """One 903 XML file as rows of each of its tables, once its date order is known (see ``date_order``)."""
    try:
        order, why = date_order(_date_texts(path))
    except (XmlRefused, ValueError) as exc:  # beyond the bounds, or dates in no tellable order: nothing is read
        ad.issue(None, f"{exc}; file not used", file=path.name, table="CHILD")
        return []
    except (OSError, ET.ParseError):
        order, why = "DMY", ""  # the reader says where the file breaks off, keeping what comes before
    if order == "MDY":
        ad.month_first.add(path.name)
        ad.issue(None, why, "warning", file=path.name, table="CHILD")
    return _Reader(ad, path).read()


def _date_texts(path: Path) -> dict[str, list[str | None]]:
    """The text of every date item of the file, by item (a first streaming pass, before any date is read)."""
    renames, _, _, _ = _mapping()
    dates = {c for t in _recognition() for c in reading_spec(t).dates}
    out: dict[str, list[str | None]] = defaultdict(list)
    with open(path, "rb") as fh:
        for _, el in iterparse(fh, events=("end",)):
            if len(el) == 0:
                up = _local(el.tag).upper()
                item = renames.get(up, up)
                if item in dates:
                    out[item].append(el.text)
            else:
                el.clear()
    return out
