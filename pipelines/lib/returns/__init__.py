"""Statutory-return adapters: the registry, and adapting the return files of one drop.

`ADAPTERS` lists every adapter, in order of precedence. A file is given to the first
adapter that recognises it by content; a file no adapter recognises is refused with a message saying what
was expected: a file named after a contract table, or one of the statutory formats below.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.returns.annex_a import TABLES as annex_a_tables
from pipelines.lib.returns.annex_a import AnnexAAdapter
from pipelines.lib.returns.base import DERIVED_ID_SEPARATOR, Adapted, AdapterIssue, ReturnAdapter, UnknownShapeError
from pipelines.lib.returns.cin_census import TABLES as cin_census_tables
from pipelines.lib.returns.cin_census import CinCensusAdapter
from pipelines.lib.returns.csww import TABLES as csww_tables
from pipelines.lib.returns.csww import CswwAdapter
from pipelines.lib.returns.ssda903 import TABLES as SSDA903_TABLES
from pipelines.lib.returns.ssda903 import Ssda903CsvAdapter
from pipelines.lib.returns.ssda903_xml import Ssda903XmlAdapter

__all__ = ["ADAPTERS", "REGISTRY", "Adapted", "AdapterIssue", "UnknownShapeError", "adapt_drop", "classify",
           "expected_brief", "expected_shapes", "recognise", "refusal"]

RETURN_SUFFIXES = (".csv", ".xml", ".xlsx", ".xlsm")

# In order of precedence: when two formats in one drop fill the same contract table, the earlier one is staged
# (the statutory returns are complete for their cohort; Annex A covers only the months before an inspection).
# ssd_person is the exception: every format's children are combined (one row per child, the first kept).
# The SSDA903 XML is the same return as the CSV set, so it comes right after it; a drop should hold one form
# (when it holds both, each table is staged from the CSV set, and the run says so).
ADAPTERS: list[ReturnAdapter] = [Ssda903CsvAdapter(), Ssda903XmlAdapter(), CinCensusAdapter(), CswwAdapter(),
                                 AnnexAAdapter()]
PRECEDENCE = [a.name for a in ADAPTERS]

# The contract tables each format can fill: a return whose every table is staged from a non-empty SSD file in
# the same drop is not adapted at all (it would not be used; adapting a national-size return takes minutes).
_903_TABLES = ("ssd_person", "ssd_address", "ssd_cla_episodes", "ssd_legal_status", "ssd_cla_placement",
               "ssd_cla_reviews", "ssd_missing", "ssd_care_leavers", "ssd_permanence", "cla_oc2_outcomes",
               "ssd_immigration_status")
FILLS: dict[str, tuple[str, ...]] = {
    "SSDA903 CSV": _903_TABLES, "SSDA903 XML": _903_TABLES, "CIN census XML": cin_census_tables,
    "CSWW XML": csww_tables, "Ofsted Annex A workbook": annex_a_tables,
}
COMBINED_TABLES = ("ssd_person",)

FORMAT_DETAIL = {
    "SSDA903 CSV": "SSDA903 CSV (a header row of one of " + ", ".join(SSDA903_TABLES) + ")",
    "SSDA903 XML": "SSDA903 XML (root EXPSSDA903 with CHILD elements holding HEADER and EPISODE)",
    "CIN census XML": "CIN census XML (root Message with Header and Children/Child)",
    "CSWW XML": "children's social work workforce census XML",
    "Ofsted Annex A workbook": "Ofsted Annex A workbook (.xlsx with sheets 'List 1' ... 'List 11' or their headers)",
}


def expected_shapes() -> str:
    """What a drop's files may be, for the message refusing a file of an unknown shape."""
    from pipelines.lib.contract import contract

    formats = "; ".join(FORMAT_DETAIL.get(a.name, a.name) for a in ADAPTERS)
    return (f"expected a file named after a contract table ({', '.join(contract())}) or a statutory return "
            f"recognised by its content: {formats}")


def expected_brief() -> str:
    """The same, pointing to the contract file instead of listing its tables (for staging's per-file message)."""
    return ("expected a file named after a contract table (data/contract/tables.yaml) or a statutory return "
            f"recognised by its content ({', '.join(a.name for a in ADAPTERS)})")


def recognise(path: Path) -> ReturnAdapter | None:
    if path.suffix.lower() not in RETURN_SUFFIXES:
        return None
    for adapter in ADAPTERS:
        try:
            if adapter.recognise(path):
                return adapter
        except Exception:  # noqa: BLE001, S112 - a file an adapter cannot even sniff is simply not its format
            continue
    return None


def refusal(path: Path) -> str | None:
    """What is wrong with a file no adapter recognised, when it is refused by design rather than of an unknown
    shape: an XML file with a DTD or entities, nested or holding a value beyond the bounds; a workbook that
    would inflate beyond them. None otherwise."""
    from pipelines.lib.returns.annex_a import zip_refusal
    from pipelines.lib.returns.xml_schema import refusal as xml_refusal

    suffix = path.suffix.lower()
    if suffix == ".xml":
        return xml_refusal(path)
    if suffix in (".xlsx", ".xlsm"):
        return zip_refusal(path)
    return None


def classify(paths: list[Path]) -> tuple[dict[str, tuple[ReturnAdapter, list[Path]]], list[Path]]:
    """(adapter name -> (adapter, its files), files no adapter recognises)."""
    found: dict[str, tuple[ReturnAdapter, list[Path]]] = {}
    unknown: list[Path] = []
    for path in sorted(paths):
        adapter = recognise(path)
        if adapter is None:
            unknown.append(path)
        else:
            found.setdefault(adapter.name, (adapter, []))[1].append(path)
    return found, unknown


def adapt_drop(paths: list[Path]) -> list[Adapted]:
    """Every return file of a drop through its adapter; raises UnknownShapeError for a file none recognises."""
    found, unknown = classify(paths)
    if unknown:
        names = ", ".join(p.name for p in unknown)
        raise UnknownShapeError(f"{names}: not a contract table and no statutory-return adapter recognises "
                                f"{'it' if len(unknown) == 1 else 'them'}; {expected_shapes()}")
    return [adapter.adapt(files) for adapter, files in found.values()]



class Registry:
    """The adapters as staging uses them (staging.ReturnRegistry): the caller hands REGISTRY to stage_drop, so
    staging imports nothing from here while the adapters build on staging's readers."""

    suffixes = RETURN_SUFFIXES
    fills = FILLS
    precedence = PRECEDENCE
    combined_tables = COMBINED_TABLES
    derived_id_separator = DERIVED_ID_SEPARATOR
    recognise = staticmethod(recognise)
    refusal = staticmethod(refusal)
    expected_brief = staticmethod(expected_brief)


REGISTRY = Registry()
