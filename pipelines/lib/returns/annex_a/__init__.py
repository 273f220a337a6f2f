"""The Ofsted Annex A workbook as a way in: the inspection lists in contract tables, as far as they go.

Annex A is the child-level data Ofsted asks for at the start of an inspection of local authority children's
services (ILACS): an .xlsx with one sheet per list - List 1 contacts, 2 early help, 3 referrals,
4 assessments, 5 section 47 enquiries and initial child protection conferences, 6 children in need, 7 child
protection, 8 children in care, 9 care leavers, 10 adoption, 11 adopters. The lists, their headers (with the
variants of local exports and older Ofsted templates) and the code sets are data:
``schemas/annex_a/lists.yaml`` and ``schemas/annex_a/codes.yaml``.

What it maps (raw string cells under contract column names, as the SSD route delivers them):

- ``ssd_person`` from the child columns of every list (Child Unique ID, gender, ethnicity, date of birth):
  one row per child, from the first list row that names the child; a later row that disagrees is a warning.
  ``Age of Child (Years)`` (whole or fractional, e.g. 15.7) is read and checked against the date of birth
  at the inspection date, not staged: the contract derives ages from ``pers_dob``.
- ``ssd_contacts`` (List 1), ``ssd_cin_episodes`` (List 3 referrals; List 6 adds the primary need, closure
  date and reason to the referral of the same child and date, or an episode of its own when List 3 does not
  hold it - "CIN Start Date" is read as the referral date that opened the episode),
  ``ssd_cin_assessments`` (List 4), ``ssd_s47_enquiry`` and ``ssd_initial_cp_conference`` (List 5),
  ``ssd_cp_plans`` (List 7), ``ssd_cla_episodes`` / ``ssd_cla_placement`` / ``ssd_legal_status`` (List 8: one
  episode per period of care, its most recent placement and current legal status), ``ssd_care_leavers``
  (List 9) and ``ssd_permanence`` (List 10). Lists 2 and 11 have no contract table: counted, not staged.
- A table is given to staging only when its list is in the workbook (an Annex A without List 8 says nothing
  about children in care).

Decisions (where Annex A and the contract differ):

- **Record ids**: Annex A has none. Each record is named from the child and its key date, as
  ``<child id>|<prefix><yyyymmdd>`` (``CT`` contact, ``RF`` referral, ``AS`` assessment, ``S4`` S47, ``IC``
  conference, ``CP`` plan; ``C`` period of care, ``E`` episode, ``P`` placement, ``L`` legal status, as the
  SSDA903 adapter names them), so staging replaces the child part with its pseudonym
  (``Adapted.derived_ids``). A second record of the same child, kind and date gets ``-2``, ``-3``; a record
  with no usable date is named from its list and row (``RF-L3R12``). A row with no child id gets no ids, so
  staging quarantines it ("no key") rather than losing it.
- **Links**: an assessment, S47 or CP plan belongs to the child's latest referral (Lists 3 and 6) dated on
  or before it; none when the referral is older than the lists reach. A conference is linked to the plan of
  the same child starting on the conference date (and the plan to it); ``icpc_icpc_outcome_cp_flag`` is the
  list's answer, or Y when such a plan exists and the answer is blank. List 10's period of care is
  ``<child>|C<date the child entered care>``, the same id List 8 gives it.
- **Assessment outcome**: "Was the child assessed as requiring LA children's social care support?" Yes → not
  NFA (N), No → NFA (Y); the older "Did the Continuous Assessment Result in NFA" is taken as it is.
- **Care leavers**: eligibility, in-touch, accommodation and activity answers are read to the SSD / SSDA903
  codes (codes.yaml); an accommodation letter without its suitability digit gets 1 or 2 from "Suitability
  of Accommodation"; an activity label not saying "part time" is read as full time.
- **Cells**: cached values are read (openpyxl, read-only, ``data_only``); a formula saved without a cached
  value is reported and read as blank. ``#N/A`` and the other Excel errors are blank with an issue.
  Non-breaking spaces are spaces; a lettered answer ("a) Male", "q) 6: Police", "N1 - Abuse or neglect",
  "1") is read to its code; an unknown code is passed on with a warning. Dates may be real dates, Excel
  serial numbers or text (dd/mm/yyyy, d/m/yy, yyyy-mm-dd, 5 Mar 2020); a date, number or flag that cannot be
  read is passed on unchanged (staging rejects the cell) and reported. Blank rows are skipped; title rows
  above the header are skipped (the header is the first row, within the first 25, naming the child id and
  two other columns of the list); a sheet that is not a list is reported once and ignored.
- **Inspection date**: from a title row or cover sheet ("Date of inspection: 31/03/2025", "as at ...",
  "Reference date"), else the latest event date in the lists (said so in ``lacks``). It dates the age check
  and the coverage statements.
- ``source_row`` is the row's place below the header (1 = first data row; the sheet row is the header row
  plus it), ``source_location`` the sheet name; issues carry the cell (``'List 3'!F7``) as ``location``.
  Messages never quote a child id, a date of birth or a postcode.

Coverage: each list holds only the rows Ofsted asks for - events in the 6 months before the inspection date
(Lists 1-5), children open at some point in those 6 months (Lists 6-8), current care leavers (List 9), and
12 months for adoption (Lists 10-11). Every KPI computed from an Annex A drop therefore sees at most that
window, with no earlier history (see ``LACKS``).
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

from pipelines.lib.returns.annex_a.read import (
    _LIST_NAME,
    EXCEL_ERRORS,
    HEADER_SCAN_ROWS,
    MAX_ENTRIES,
    MAX_UNCOMPRESSED,
    SUFFIXES,
    WorkbookRefused,
    _is_header,
    _match_header,
    _sheet_names,
    _WorkbookReading,
    check_zip,
    clean_text,
    list_for_sheet_name,
    read_code,
    read_date,
    read_flag,
    read_number,
    zip_refusal,
)
from pipelines.lib.returns.annex_a.schema import (
    DERIVED_IDS,
    FORMAT,
    LACKS,
    LIST_TABLES,
    SCHEMA_DIR,
    TABLES,
    AnnexASchema,
    CodeSet,
    Field,
    ListSpec,
    annex_a_schema,
    normalise_header,
)
from pipelines.lib.returns.annex_a.stitch import _Builder
from pipelines.lib.returns.base import Adapted

__all__ = [
    "AnnexAAdapter", "AnnexASchema", "CodeSet", "DERIVED_IDS", "EXCEL_ERRORS", "FORMAT", "Field",
    "HEADER_SCAN_ROWS", "LACKS", "LIST_TABLES", "ListSpec", "MAX_ENTRIES", "MAX_UNCOMPRESSED", "SCHEMA_DIR",
    "SUFFIXES", "TABLES", "WorkbookRefused", "annex_a_schema", "check_zip", "clean_text", "list_for_sheet_name",
    "normalise_header", "read_code", "read_date", "read_flag", "read_number", "zip_refusal",
]


class AnnexAAdapter(_WorkbookReading):
    """Recognises an Ofsted Annex A workbook by its sheet names or headers and maps its lists to contract tables."""

    name = FORMAT

    def recognise(self, path: Path) -> bool:
        """An .xlsx/.xlsm whose sheet names are Annex A lists ('List 1'..., or two list titles), else whose first
        sheets have an Annex A header row (child id and two list columns) in their first rows."""
        path = Path(path)
        if path.suffix.lower() not in SUFFIXES:
            return False
        try:
            names = _sheet_names(path)
        except (OSError, KeyError, zipfile.BadZipFile, ET.ParseError, WorkbookRefused):
            return False
        if any(_LIST_NAME.match(normalise_header(n)) for n in names):
            return True
        if sum(1 for n in names if list_for_sheet_name(n) is not None) >= 2:
            return True
        try:
            import openpyxl

            wb = openpyxl.load_workbook(path, read_only=True, data_only=True)
        except Exception:  # noqa: BLE001 - a workbook openpyxl cannot open is not one we can adapt either
            return False
        try:
            schema = annex_a_schema()
            for ws in wb.worksheets[:4]:
                for cells in ws.iter_rows(max_row=HEADER_SCAN_ROWS, values_only=True):
                    for spec in schema.lists.values():
                        found = _match_header(cells, spec)
                        if _is_header(found, spec) and set(found) - schema.common:
                            return True
        finally:
            wb.close()
        return False

    def adapt(self, paths: list[Path]) -> Adapted:
        out = Adapted(format=FORMAT, files=[Path(p).name for p in paths], derived_ids=DERIVED_IDS)
        books = []
        for path in sorted((Path(p) for p in paths), key=lambda p: p.name):
            book = self._read(path, out.issues)
            if book is not None:
                books.append(book)
        builder = _Builder(out.issues)
        for book in books:
            builder.add(book)
        out.tables = builder.frames()
        out.lacks = list(LACKS) + builder.coverage(books)
        out.covered_from = builder.covered_from(books)
        return out
