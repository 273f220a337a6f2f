"""The synthetic authority's SSDA903 return in its XML form: one file per collection year from the CSV set.

``write_903_xml(folder_or_tables, out_dir, years)`` takes either a folder holding the 903 CSV sets the generator
writes (``903_episodes_2019-20.csv`` ...) or, per collection year, the tables ``returns_903.year_tables`` gives,
and writes ``903_2019-20.xml`` per year in the shape pipelines/lib/returns/ssda903_xml.py reads: root
``EXPSSDA903``, one ``CHILD`` per child (in CHILD order), its ``HEADER`` holding the Header items (CHILDID for
CHILD), the UASC flag and DUC, ``AREVIEW`` groups, MOTHER and MC_DOB, an ``OC2`` group, the OC3 and AD1 items,
a ``PERMANENCE`` group, ``AD_PLACED`` and ``AMISSING`` groups; then the ``EPISODE`` groups (PL for PLACE), in
DECOM order. A child in a year's tables but not in its Header (a missing episode of a child not looked after
that year) gets CHILDID and DOB only. Used by tests; not part of ``generate()``.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from scorecard_tools.generator.returns_903 import FILES, file_name

HEADER_ITEMS = ("CHILD", "UPN", "SEX", "DOB", "ETHNIC")
EPISODE_ITEMS = ("DECOM", "RNE", "LS", "CIN", "PLACE", "PL_POST", "HOME_POST", "URN", "PLACE_PROVIDER", "DEC", "REC",
                 "REASON_PLACE_CHANGE")
XML_NAME = {"CHILD": "CHILDID", "PLACE": "PL"}
GROUPS = {"Reviews": ("AREVIEW", ("REVIEW", "REVIEW_CODE")),
          "Missing": ("AMISSING", ("MISSING", "MIS_START", "MIS_END")),
          "PlacedAdoption": ("AD_PLACED", ("DATE_PLACED", "DATE_PLACED_CEASED", "REASON_PLACED_CEASED")),
          "PrevPerm": ("PERMANENCE", ("PREV_PERM", "LA_PERM", "DATE_PERM"))}
OC2_ITEMS = ("SDQ_SCORE", "SDQ_REASON", "CONVICTED", "HEALTH_CHECK", "IMMUNISATIONS", "TEETH_CHECK",
             "HEALTH_ASSESSMENT", "SUBSTANCE_MISUSE", "INTERVENTION_RECEIVED", "INTERVENTION_OFFERED")
OC3_ITEMS = ("IN_TOUCH", "ACTIV", "ACCOM")
AD1_ITEMS = ("DATE_INT", "DATE_MATCH", "FOSTER_CARE", "NB_ADOPTR", "SEX_ADOPTR", "LS_ADOPTR")


def _year_name(year: int) -> str:
    return f"{year - 1}-{str(year)[2:]}"


def _tables_from_folder(folder: Path, year: int) -> dict[str, pl.DataFrame]:
    out = {}
    for table in FILES:
        path = folder / file_name(table, year)
        if path.exists():
            out[table] = pl.read_csv(path, infer_schema=False)
    return out


def _item(parent: ET.Element, name: str, value: str | None) -> None:
    ET.SubElement(parent, XML_NAME.get(name, name)).text = value


def _by_child(frame: pl.DataFrame | None) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    if frame is None:
        return out
    for r in frame.iter_rows(named=True):
        out.setdefault(r["CHILD"], []).append(r)
    return out


def year_xml(tables: Mapping[str, pl.DataFrame]) -> ET.ElementTree:
    """One collection year's 903 tables as the XML form."""
    rows = {t: _by_child(tables.get(t)) for t in FILES}
    children = sorted({c for by in rows.values() for c in by if c})
    root = ET.Element("EXPSSDA903")
    for child in children:
        el = ET.SubElement(root, "CHILD")
        head = ET.SubElement(el, "HEADER")
        header = (rows["Header"].get(child) or [None])[0]
        if header is None:  # only in a group's table: its id and date of birth
            dob = next((r["DOB"] for t in FILES for r in rows[t].get(child, []) if r.get("DOB")), None)
            _item(head, "CHILD", child)
            _item(head, "DOB", dob)
        else:
            for name in HEADER_ITEMS:
                _item(head, name, header[name])
        uasc = (rows["UASC"].get(child) or [None])[0]
        _item(head, "UASC", "1" if uasc else None)
        if uasc:
            _item(head, "DUC", uasc["DUC"])
        for r in rows["Reviews"].get(child, []):
            group = ET.SubElement(head, GROUPS["Reviews"][0])
            for name in GROUPS["Reviews"][1]:
                _item(group, name, r[name])
        if header is not None:
            _item(head, "MOTHER", header["MOTHER"])
            _item(head, "MC_DOB", header["MC_DOB"])
        for r in rows["OC2"].get(child, []):
            group = ET.SubElement(head, "OC2")
            for name in OC2_ITEMS:
                _item(group, name, r[name])
        for table, names in (("OC3", OC3_ITEMS), ("AD1", AD1_ITEMS)):
            for r in rows[table].get(child, [])[:1]:
                for name in names:
                    _item(head, name, r[name])
        for table in ("PrevPerm", "PlacedAdoption", "Missing"):
            tag, names = GROUPS[table]
            for r in rows[table].get(child, []):
                group = ET.SubElement(head, tag)
                for name in names:
                    _item(group, name, r[name])
        for r in rows["Episodes"].get(child, []):
            group = ET.SubElement(el, "EPISODE")
            for name in EPISODE_ITEMS:
                _item(group, name, r[name])
    ET.indent(root)
    return ET.ElementTree(root)


def write_903_xml(folder_or_tables: Path | Mapping[int, Mapping[str, pl.DataFrame]], out_dir: Path,
                  years: list[int]) -> list[Path]:
    """The XML form of each collection year (named by its 31 March) into ``out_dir``; returns the files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for year in years:
        if isinstance(folder_or_tables, Path):
            tables = _tables_from_folder(folder_or_tables, year)
        else:
            tables = folder_or_tables[year]
        path = out_dir / f"903_{_year_name(year)}.xml"
        year_xml(tables).write(path, encoding="utf-8", xml_declaration=True)
        written.append(path)
    return written
