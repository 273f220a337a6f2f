"""What the statutory-return writers share (CIN census, CSWW, Annex A): reading the SSD tables from a drop
folder or a mapping, the drops' date cells, one XML element per line, and writing a file whole before it is
renamed into place (a reader never sees half a return)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import TextIO
from xml.sax.saxutils import escape

import polars as pl

from pipelines.lib.atomic import renamed_into_place

Tables = dict[str, list[dict[str, str | None]]]

_UK = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})")


def load_tables(src: Path | str | Mapping[str, pl.DataFrame], tables: Iterable[str], *,
                parquet: bool = False) -> Tables:
    """Each table's rows as dicts of string cells (a missing table: no rows), from a mapping of table name ->
    polars frame or from ``<name>.csv`` in a drop folder (``parquet``: else ``<name>.parquet``)."""
    out = {}
    for name in tables:
        if isinstance(src, Mapping):
            df = src.get(name)
        else:
            folder = Path(src)
            csv, pq = folder / f"{name}.csv", folder / f"{name}.parquet"
            df = (pl.read_csv(csv, infer_schema=False) if csv.exists()
                  else pl.read_parquet(pq) if parquet and pq.exists() else None)
        if df is None:
            out[name] = []
            continue
        out[name] = df.with_columns(pl.col(c).cast(pl.String) for c in df.columns).to_dicts()
    return out


@lru_cache(maxsize=65536)  # a few thousand distinct dates, each parsed once however many rows hold it
def cell_date(text: str | None) -> dt.date | None:
    """A drop's date cell: ISO (a time part ignored) or DD/MM/YYYY; None when blank or not a date."""
    if text is None or not str(text).strip():
        return None
    s = str(text).strip()
    try:
        return dt.date.fromisoformat(s[:10])
    except ValueError:
        m = _UK.match(s)
        if m:
            try:
                return dt.date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
            except ValueError:
                return None
    return None


def xml_element(name: str, value: str | None, indent: str) -> str:
    """``<name>value</name>`` on its own line, escaped; nothing when the value is empty (as real exports do)."""
    return f"{indent}<{name}>{escape(value)}</{name}>\n" if value else ""


@contextmanager
def text_renamed_into_place(path: Path) -> Iterator[TextIO]:
    """The file open for writing (UTF-8, \\n line ends) under a temporary name, renamed into place when done."""
    with renamed_into_place(path) as tmp, open(tmp, "w", encoding="utf-8", newline="\n") as f:
        yield f
