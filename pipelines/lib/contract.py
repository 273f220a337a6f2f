"""The extract contract (data/contract/tables.yaml) as typed Python objects."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

import polars as pl
import yaml

from pipelines.lib.paths import CONTRACT_FILE

LOGICAL_TYPES = ("string", "id", "person_id", "code", "date", "int", "float", "flag", "postcode")

POLARS_TYPES: dict[str, pl.DataType] = {
    "string": pl.String(),
    "id": pl.String(),
    "person_id": pl.String(),
    "code": pl.String(),
    "postcode": pl.String(),
    "date": pl.Date(),
    "int": pl.Int64(),
    "float": pl.Float64(),
    "flag": pl.Boolean(),
}

# Columns stamped on every staged row (lineage) besides the contract's own.
LINEAGE_SCHEMA: dict[str, pl.DataType] = {
    "la_code": pl.String(),
    "drop_id": pl.String(),
    "extract_date": pl.Date(),
    "source_file": pl.String(),
    "source_row": pl.Int64(),
}

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*$")
# Column-name classification on top of the logical type: birth dates (pers_dob, pers_expected_dob) and names
# of people (team and area names are not personal).
_BIRTH = re.compile(r"(^|_)(dob|birth|expected_dob)(_|$)")
_PERSON_NAME = re.compile(r"(^|_)(forename|surname|first_name|last_name|full_name|person_name|worker_name)(_|$)")


@dataclass(frozen=True)
class Table:
    name: str
    key: tuple[str, ...]
    columns: dict[str, str]  # column -> logical type
    # An optional table (ssd_disability, ssd_immigration_status) may be left out of a drop and no KPI reads it.
    optional: bool = False

    @property
    def person_columns(self) -> list[str]:
        return [c for c, t in self.columns.items() if t == "person_id"]

    def personal_kind(self, column: str) -> str | None:
        """What personal data a column holds ('person id', 'postcode', 'date of birth', 'name') or None: a
        value of such a column is never quoted in an output (rejections.csv withholds it)."""
        typ = self.columns.get(column)
        if typ is None:
            return "unknown column"
        if typ == "person_id":
            return "person id"
        if typ == "postcode":
            return "postcode"
        if typ == "date" and _BIRTH.search(column):
            return "date of birth"
        if typ == "string" and _PERSON_NAME.search(column):
            return "name"
        return None

    def polars_schema(self, lineage: bool = False) -> dict[str, pl.DataType]:
        schema = {c: POLARS_TYPES[t] for c, t in self.columns.items()}
        if lineage:
            # area_lookup's own la_code (an owning council) is kept; it is not overwritten by the stamp.
            schema.update({k: v for k, v in LINEAGE_SCHEMA.items() if k not in schema})
        return schema

    def empty_frame(self, lineage: bool = False) -> pl.DataFrame:
        return pl.DataFrame(schema=self.polars_schema(lineage))


@cache
def contract() -> dict[str, Table]:
    raw = yaml.safe_load(CONTRACT_FILE.read_text())
    tables: dict[str, Table] = {}
    for name, spec in raw["tables"].items():
        for col, typ in spec["columns"].items():
            if typ not in LOGICAL_TYPES:
                raise ValueError(f"{CONTRACT_FILE}: {name}.{col} has unknown type {typ!r}")
            if not _IDENT.match(col):
                raise ValueError(f"{CONTRACT_FILE}: {name}.{col} is not a plain identifier")
        if not _IDENT.match(name):
            raise ValueError(f"{CONTRACT_FILE}: table name {name!r} is not a plain identifier")
        tables[name] = Table(name=name, key=tuple(spec.get("key", [])), columns=dict(spec["columns"]),
                             optional=bool(spec.get("optional", False)))
    return tables


def ident(name: str) -> str:
    """Quote a table or schema name taken from the contract (values are always bound, never formatted)."""
    parts = name.split(".")
    if not all(_IDENT.match(p) for p in parts):
        raise ValueError(f"not a contract identifier: {name!r}")
    return ".".join(f'"{p}"' for p in parts)
