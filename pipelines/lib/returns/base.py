"""The adapter interface for statutory returns (SSDA903, CIN census, Annex A, CSWW).

An adapter recognises its files by content (headers, XML root), never by file name, and maps them into the
same contract tables the SSD route produces (data/contract/tables.yaml): raw string cells under the contract's
column names, so staging types, pseudonymises and checks them exactly as it does an SSD file. What a return
does not carry is reported (`lacks`), never invented.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Protocol

import polars as pl

SOURCE_ROW = "source_row"   # Int64 column on every adapted frame: the row (1 = first data row) in the source
SOURCE_FILE = "source_file"  # String column on every adapted frame: the file the row came from
SOURCE_LOCATION = "source_location"  # String column: sheet / table / XML path of the row, for error messages
DERIVED_ID_SEPARATOR = "|"  # between the person id and the rest of an id an adapter built (see Adapted.derived_ids)


@dataclass(frozen=True)
class AdapterIssue:
    """A row-located fault found while adapting: file, sheet/table or XML path, column, row."""

    file: str
    table: str            # the return's own table / sheet / XML element (e.g. 'Episodes', 'List 1', 'CINdetails')
    column: str | None
    row: int | None       # 1 = first data row (CSV/sheet) or the element's ordinal (XML)
    message: str          # never quotes a person identifier
    severity: str = "error"  # 'error' (value not used) | 'warning' (used, but noted) | 'repair' (stitching)
    location: str | None = None  # XML path, when there is one


@dataclass
class Adapted:
    """What one adapter made of the files of its format in one drop."""

    format: str                                   # e.g. 'SSDA903 CSV'
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)  # contract table -> raw frame (+ SOURCE_*)
    issues: list[AdapterIssue] = field(default_factory=list)
    lacks: list[str] = field(default_factory=list)  # 'ssd_cla_episodes.clae_referral_id: not in the 903', ...
    files: list[str] = field(default_factory=list)
    # A return has no record ids: an adapter that builds them from a person id writes '<person id>|<suffix>'
    # and lists the columns here (contract table -> id columns); staging replaces the person part with its
    # pseudonym ('X...-<suffix>'), so the id is stable under the key and quotes no identifier.
    derived_ids: dict[str, list[str]] = field(default_factory=dict)
    # contract table -> the date from which its history is complete in these files (a 903 set from 1 April of
    # its earliest year, an Annex A list from its window start): a figure reading further back is "no data"
    # (pipelines/lib/no_data.py). ssd_person is left out: a child's details are not a dated history.
    covered_from: dict[str, date] = field(default_factory=dict)


class ReturnAdapter(Protocol):
    name: str

    def recognise(self, path: Path) -> bool:
        """True when the file is in this adapter's format (by content); cheap: reads the header only."""
        ...

    def adapt(self, paths: list[Path]) -> Adapted:
        """All of the drop's files in this format at once (a 903 drop stitches several years)."""
        ...


class UnknownShapeError(ValueError):
    """A file no adapter and no contract table recognises: the message says what was expected."""
