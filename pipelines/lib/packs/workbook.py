"""The analysts' Excel workbook (xlsxwriter), byte-identical on re-run (fixed document properties)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import duckdb
import polars as pl

from pipelines.lib.commentary import CommentaryRow
from pipelines.lib.packs.data import PackData
from pipelines.lib.packs.equality import equality_sheet
from pipelines.lib.packs.ocg import ocg_context
from pipelines.lib.publish import formula_safe_text, write_csv, write_file


def _cell(v):
    if isinstance(v, list):
        return ", ".join(str(x) for x in v)
    if isinstance(v, float) and v != v:
        return None
    return v


# Figure columns a published sheet keeps as text because a suppressed cell reads "c": the other cells are
# written back as numbers, so analysts can sum and chart them.
FIGURE_COLUMNS = {"value", "numerator", "denominator", "previous_value", "last_year_value", "cohort_value", "gap"}
NUMBER = re.compile(r"-?\d+(\.\d+)?")


def _sheet(wb, name: str, frame: pl.DataFrame, fmt_head, fmt_date) -> None:
    ws = wb.add_worksheet(name)
    for j, c in enumerate(frame.columns):
        ws.write_string(0, j, c, fmt_head)
        ws.set_column(j, j, max(10, min(50, len(c) + 2)))
    for i, row in enumerate(frame.iter_rows(), start=1):
        for j, v in enumerate(row):
            v = _cell(v)
            if v is None:
                continue
            if isinstance(v, date):
                ws.write_datetime(i, j, datetime(v.year, v.month, v.day), fmt_date)
            elif isinstance(v, bool):
                ws.write_boolean(i, j, v)
            elif isinstance(v, int | float):
                ws.write_number(i, j, v)
            elif frame.columns[j] in FIGURE_COLUMNS and NUMBER.fullmatch(str(v)):
                ws.write_number(i, j, float(v))
            else:
                # text a spreadsheet would evaluate if retyped or exported is shown with a leading quote
                ws.write_string(i, j, formula_safe_text(str(v)))
    ws.freeze_panes(1, 0)
    if frame.height:
        ws.autofilter(0, 0, frame.height, max(0, frame.width - 1))


def write_sheets(path: Path, properties: dict[str, str], as_at: date, sheets: dict[str, pl.DataFrame]) -> None:
    """One workbook, written whole and renamed into place; fixed properties so re-runs are byte-identical."""
    import xlsxwriter

    def write(target: Path) -> None:
        wb = xlsxwriter.Workbook(str(target), {"constant_memory": False, "strings_to_numbers": False,
                                               "strings_to_formulas": False, "strings_to_urls": False})
        wb.set_properties({**properties, "created": datetime(as_at.year, as_at.month, as_at.day)})
        head = wb.add_format({"bold": True, "bg_color": "#EEF2F7", "border": 1})
        dfmt = wb.add_format({"num_format": "yyyy-mm-dd"})
        for name, frame in sheets.items():
            _sheet(wb, name, frame, head, dfmt)
        wb.close()

    write_file(path, write)


COMMENTARY_SCHEMA = {
    "kpi_id": pl.String(), "title": pl.String(), "rag": pl.String(), "commentary_due": pl.Boolean(),
    "written_for": pl.String(), "carried_forward": pl.Boolean(), "commentary": pl.String(), "cause": pl.String(),
    "action": pl.String(), "owner": pl.String(), "due_date": pl.Date(), "remedial_plan_status": pl.String(),
    "row_with_error_not_shown": pl.Boolean(),
}


def commentary_sheet(sections: list[dict]) -> pl.DataFrame:
    """The OCG pack's commentary, one row per KPI with something shown (pipelines/lib/commentary.py)."""
    rows = [{"kpi_id": s["kpi_id"], "title": s["title"], "rag": s["rag"]["text"], "commentary_due": c.due,
             "written_for": c.written_for, "carried_forward": c.carried_forward, "commentary": c.commentary,
             "cause": c.cause, "action": c.action, "owner": c.owner, "due_date": c.due_date,
             "remedial_plan_status": c.plan_status if c.has_row else None, "row_with_error_not_shown": c.held_back}
            for s in sections if (c := s.get("commentary_view")) is not None]
    return pl.DataFrame(rows, schema=COMMENTARY_SCHEMA)


def write_workbook(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path,
                   commentary: Sequence[CommentaryRow] = ()) -> Path:
    pd = PackData(con, period_end)
    published = pd.published_rows()
    values = published.filter(pl.col("team").is_null()).drop("team", "worker")
    # teams by name (ssd_department), never ids, as in the pack; an undelivered name falls back to the id
    by_team = published.filter(pl.col("team").is_not_null()).drop("worker").with_columns(
        pl.col("team").map_elements(pd.team_name, return_dtype=pl.String))
    ctx = ocg_context(con, period_end, with_charts=False, commentary=commentary)
    dq = pl.DataFrame([{"kpi_id": r["kpi_id"], "title": r["title"], "status": r["dq"]["status"],
                        "reasons": r["dq"]["reasons"]} for r in ctx["summary"]])
    defs = pl.DataFrame([{**{k: v for k, v in d.items() if k != "decisions"},
                          "decisions": " | ".join(d["decisions"])} for d in ctx["appendix"]])
    path = Path(out_dir) / f"scorecard_{pd.period_end:%Y-%m}.xlsx"
    write_sheets(path, {"title": f"Scorecard {pd.period_end:%B %Y}", "author": pd.authority.name,
                        "comments": "Published workbook: counts below 5 suppressed as 'c'."}, pd.period_end,
                 {"Summary": pd.published_scorecard(published), "KPI values": values, "By team": by_team,
                  "Data quality": dq, "Commentary": commentary_sheet(ctx["sections"]), "Equality": equality_sheet(pd),
                  "Definitions": defs})
    return path


def write_comparators(con: duckdb.DuckDBPyConnection, period_end: date, out_dir: Path) -> Path:
    """comparators_YYYY-MM.csv (published): each KPI's DfE comparison as data (pipelines.lib.compare)."""
    pd = PackData(con, period_end)
    return write_csv(pd.comparators_frame(), Path(out_dir) / f"comparators_{pd.period_end:%Y-%m}.csv")
