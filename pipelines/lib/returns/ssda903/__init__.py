"""SSDA903 (children looked after) returns -> the contract"s looked-after tables: the CSV adapter and the core
both forms (CSV and XML, pipelines/lib/returns/ssda903_xml.py) feed.

One adaptation for every collection year in a drop (2017/18 onwards): Header, Episodes, Reviews, UASC, OC2,
OC3, AD1, PlacedAdoption, PrevPerm, Missing, and SWEpisodes / DoLo (2023/24 on). A CSV is recognised by its
header columns (the DfE item names), never by its name.

The tables, their items, which items are dates, flags and codes, and the code sets of each collection year are
data: ``schemas/ssda903/base.yaml`` (2017/18) plus one yearly-differences file per year that changed
(``schema_for(year)`` applies them in order; years are named by the year ending 31 March, 2021 = 2020/21).
A table is recognised by the items every year"s version of it has; once a file"s collection year is known its
header is checked against that year"s items and every coded item against that year"s code set (an unknown code
is a warning naming file, table, column and row; the value is still used). data/reference/code_sets.csv (the
REC codes by year the quality checks use) is written from the same schema (``code_sets_rows``), so there is one
source of truth.

Mapping (every cell stays a raw string under the contract column name; staging types and pseudonymises it):

- Header -> ssd_person (SEX 1/2 -> M/F, M/F/U from 2024/25 as given; UPN only when it is an unknown-UPN code
  UN1-UN10; a death date from an episode ending E2). Episodes -> ssd_cla_episodes (one row per 903 episode),
  ssd_cla_placement (a run of episodes in one placement: a new placement at RNE S, P, B, T or U, or when PLACE,
  PLACE_PROVIDER, PL_POST or URN change), ssd_legal_status (runs of the same LS), ssd_address (runs of the
  same HOME_POST, type HOME). Reviews -> ssd_cla_reviews (REVIEW_CODE -> participation). Missing ->
  ssd_missing (M/A -> MISSING/ABSENT). OC3 -> ssd_care_leavers. OC2 -> cla_oc2_outcomes (year ending 31 March
  of the collection year). UASC -> ssd_immigration_status (status UASC, ending at DUC, starting at the child's
  first period of care in the returns: the 903 has no start). AD1, PlacedAdoption and Episodes ->
  ssd_permanence (one row per period of care with any permanence item).
- A 903 has no record ids: episode, period-of-care, placement and legal-status ids are built from the child
  and a date ("<CHILD>|E20190401"); `Adapted.derived_ids` tells staging to replace the child part with its
  pseudonym, so no identifier leaks through an id column.

Collection year of a file (the year ending 31 March), from the file"s own evidence (``_evidence_year``): with
Episodes, the latest episode start (DECOM) is the earliest year it can be and the end dates (DEC) span the years
it may be; within that span the year written in the file name (2019-20, 2019_20, 201920) wins, else a later year
only when most end dates fall in it, so one episode ending on 1 April or a review typed as 2028 does not move a
year"s return. Other dated tables (Reviews, Missing, PlacedAdoption, SWEpisodes, DoLo): the file-name year, else
the year most of their dates fall in. Header, UASC, OC2, OC3, AD1 and PrevPerm carry no date of their own: the
file-name year, else the year whose Episodes and Header children they share most (a tie is refused). A date
beyond the year is a row-located warning and is used as recorded. An XML file holds every table of one year, so
its episodes date it.

Read as real exports are (issue 12): coded items are upper-cased before any check or stitching; a CSV"s date
order is told from its own dates (``date_order``: month-first only when the data say so, refused when they
contradict each other or cannot tell); a semicolon- or tab-delimited file is recognised and refused saying so;
tables no contract table carries (``NOT_USED``) are reported as received, not used, with their row counts.

Several years are stitched into one history; every repair is an AdapterIssue(severity="repair"):
- D1 an exact duplicate row in a file is dropped; D2 a second row with the same CHILD and DECOM (Episodes) or
  key in one file is dropped, the first kept;
- V1 the same episode (CHILD and DECOM) in several years" returns: the latest return"s version wins. An
  episode open at a year end that continues in the next year"s file is the normal case: counted in one
  summary issue, not one per row; a version whose other items differ is reported row by row;
- V2 an episode open at the end of one return, absent from a later return that holds the child, was replaced
  in that later return (a corrected start date): dropped;
- O1 an episode still open, or ending after the next episode"s DECOM, is trimmed to the next DECOM (a blank
  REC becomes X1: care continued);
- G1 an episode ending X1 whose successor starts up to 7 days later is extended to the successor"s DECOM
  (X1 declares care continued); a longer gap is left as recorded, with a warning.
Header, OC3, Missing and the permanence tables follow V1 (latest return wins); a Header whose DOB or SEX
differs from an earlier return"s is reported.

Both forms of one year in one adaptation (a CSV set and an XML file both dated 2019/20): the CSV files are used
and the XML"s tables for that year are not (a warning says so): the two are the same return, and mixing rows of
both would double every episode. (Staging groups files by the adapter that recognised them, so a drop holding
both forms reaches the two adapters separately; per contract table it then stages the CSV"s rows, the first
in precedence, and says so.)

Cells that cannot be read (a date that is not a date, an OC2 flag that is not 0/1) are errors naming file,
903 table, column and row (and, for the XML, the element"s path); the value is not used. Identifiers are never
quoted in messages.
"""

from __future__ import annotations

from pathlib import Path

from pipelines.lib.returns.base import Adapted
from pipelines.lib.returns.ssda903.read import (
    BAD_DATE,
    DATE_TEXT,
    DELIMITER_NAMES,
    MONTH_FIRST_EVIDENCE,
    NAME_YEAR,
    SLASH_DATE,
    Part,
    Row,
    date_order,
    header_columns,
    parse_date,
    read_csv_part,
    table_of,
)
from pipelines.lib.returns.ssda903.schema import (
    CODE_SETS_FOR_QUALITY,
    FIRST_YEAR,
    FORMAT,
    HELD_IN_YEAR,
    LACKS,
    NOT_USED,
    SCHEMA_DIR,
    TABLES,
    Ssda903Schema,
    TableSpec,
    code_sets_rows,
    collection_year,
    latest_schema,
    parse_year,
    reading_spec,
    schema_for,
    schema_years,
    write_code_sets_csv,
    year_end,
    year_label,
    year_spec,
)
from pipelines.lib.returns.ssda903.stitch import (
    ADOPTED,
    CONTINUATION_ITEMS,
    GAP_DAYS,
    MISSING_TYPE,
    PERMANENCE_TYPE,
    PLACED_FOR_ADOPTION,
    PLACEMENT_CHANGE,
    PLACEMENT_ITEMS,
    PLACEMENT_ORDER,
    SEX,
    Period,
    _Adaptation,
    iso,
)

__all__ = [
    "ADOPTED", "BAD_DATE", "CODE_SETS_FOR_QUALITY", "CONTINUATION_ITEMS", "DATE_TEXT", "DELIMITER_NAMES",
    "FIRST_YEAR", "FORMAT", "GAP_DAYS", "HELD_IN_YEAR", "LACKS", "MISSING_TYPE", "MONTH_FIRST_EVIDENCE",
    "NAME_YEAR", "NOT_USED", "PERMANENCE_TYPE", "PLACED_FOR_ADOPTION", "PLACEMENT_CHANGE", "PLACEMENT_ITEMS",
    "PLACEMENT_ORDER", "Part", "Period", "Row", "SCHEMA_DIR", "SEX", "SLASH_DATE", "Ssda903CsvAdapter",
    "Ssda903Schema", "TABLES", "TableSpec", "adapt_903", "code_sets_rows", "collection_year",
    "date_order", "header_columns", "iso", "latest_schema", "parse_date", "parse_year",
    "read_csv_part", "reading_spec", "schema_for", "schema_years", "table_of", "write_code_sets_csv", "year_end",
    "year_label", "year_spec",
]


class Ssda903CsvAdapter:
    name = FORMAT

    def recognise(self, path: Path) -> bool:
        if path.suffix.lower() != ".csv":
            return False
        cols = header_columns(path)
        return cols is not None and table_of(cols) is not None

    def adapt(self, paths: list[Path]) -> Adapted:
        return adapt_903(paths, FORMAT)


def adapt_903(paths: list[Path], fmt: str) -> Adapted:
    """Every 903 file given, CSV or XML (told apart by content), through one adaptation."""
    from pipelines.lib.returns.ssda903_xml import is_903_xml, read_xml_parts

    def reader(ad: _Adaptation) -> list[Part]:
        parts: list[Part] = []
        for path in ad.paths:
            if path.suffix.lower() == ".xml" and is_903_xml(path):
                parts.extend(read_xml_parts(ad, path))
            else:
                part = read_csv_part(ad, path)
                if part is not None:
                    parts.append(part)
        return parts

    return _Adaptation(paths, fmt).run(reader)
