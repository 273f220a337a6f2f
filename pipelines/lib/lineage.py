"""Which tables a card's SQL reads, derived with DuckDB's own parser instead of kept by hand.

A KPI or case-measure SQL file reads staged contract tables, shipped reference tables and the shared models of
sql/models (temp tables and table macros the engine builds in the run's connection: person_area, cla_snapshot,
cla_12_months ...). `json_serialize_sql` parses a SELECT (with its `$name` parameters) into a tree whose
BASE_TABLE nodes are the relations it reads and whose TABLE_FUNCTION nodes are the table macros it calls;
names defined by a WITH clause in scope are the query's own and are left out. A model file is split into its
statements with `duckdb.extract_statements`; each is `CREATE [OR REPLACE] [TEMP] TABLE|VIEW name AS <select>` or
`CREATE [OR REPLACE] [TEMP] MACRO name(args) AS TABLE <select>`, and its SELECT is parsed the same way. A card
reading a model reads that model's tables too (the closure).

Breakdown tables: a model file whose header says `-- role: breakdown` gives the council or team a record is
counted under (person_area, team_area). Tables a card reaches only through such models are its
`breakdown_tables`: they count for lineage and blocking (a fault there puts records under the wrong council),
not for "no data" (without them every record is 'unknown' and the trust figure stands). A table the card reads
directly, or through any other model, is required. `area_lookup` is never required either: without a delivered
one the configured owning councils are used (pipelines/lib/card_run.ensure_area_lookup).
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import duckdb

from pipelines.lib.contract import contract
from pipelines.lib.paths import SQL_DIR

MODEL_DIR = SQL_DIR / "models"
# Shipped reference data (pipelines/lib/reference.py, staging's postcode_ref): read like contract tables, never
# staged from a drop, so never absent and not checked; listed among a card's source tables.
REFERENCE_TABLES = ("postcode_ref", "population_0_17", "la_codes", "ltla_to_utla")
# Made by the engine itself for every run (sql/engine): not a source.
# The cost-centre -> council map (data/config/authority.yaml `cost_centres:`, kpi_engine.install_cost_centres) is
# configuration the engine loads too, never absent.
ENGINE_TABLES = ("kpi_windows", "calendar", "working_day_seq", "cost_centre_council")
# Filled from the configured owning councils when a drop does not deliver it: never makes a figure "no data".
FILLED_WHEN_ABSENT = ("area_lookup",)
ROLES = ("breakdown",)

_LEADING_COMMENTS = re.compile(r"\A(?:\s*--[^\n]*(?:\n|\Z))*\s*")
_CREATE_TABLE = re.compile(r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:TABLE|VIEW)\s+(\w+)\s+AS\s+",
                           re.IGNORECASE)
_CREATE_MACRO = re.compile(
    r"CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?MACRO\s+(\w+)\s*\([^)]*\)\s*AS\s+TABLE\s+", re.IGNORECASE)
_ROLE = re.compile(r"^--\s*role:\s*(\S+)", re.MULTILINE)


class LineageError(ValueError):
    pass


def _walk(node: Any, scope: frozenset[str], tables: set[str], macros: set[str]) -> None:
    if isinstance(node, list):
        for item in node:
            _walk(item, scope, tables, macros)
        return
    if not isinstance(node, dict):
        return
    ctes = node.get("cte_map")
    if isinstance(ctes, dict) and ctes.get("map"):
        scope = scope | {entry["key"].lower() for entry in ctes["map"]}
    kind = node.get("type")
    if kind == "BASE_TABLE":
        name = node["table_name"].lower()
        if node.get("schema_name") or name not in scope:
            tables.add(name)
    elif kind == "TABLE_FUNCTION":
        macros.add(node["function"]["function_name"].lower())
    for value in node.values():
        _walk(value, scope, tables, macros)


_PARSER_LOCK = threading.Lock()


@cache
def _parser() -> duckdb.DuckDBPyConnection:
    return duckdb.connect()


def select_reads(sql: str, where: str) -> tuple[frozenset[str], frozenset[str]]:
    """(relations, table functions) one SELECT reads, as DuckDB parses it; `where` names the file in errors."""
    with _PARSER_LOCK:  # one in-memory connection parses every file (opening one costs more than parsing)
        text = _parser().execute("SELECT json_serialize_sql($sql)", {"sql": sql}).fetchall()[0][0]
    tree = json.loads(text)
    if tree.get("error"):
        raise LineageError(f"{where}: DuckDB cannot parse it as one SELECT: {tree.get('error_message')}")
    tables: set[str] = set()
    macros: set[str] = set()
    _walk(tree["statements"], frozenset(), tables, macros)
    return frozenset(tables), frozenset(macros)


@dataclass(frozen=True)
class Model:
    """One relation (temp table) or table macro defined in sql/models."""

    name: str
    kind: str  # "table" or "macro"
    path: Path
    reads: frozenset[str]  # relations and table macros its SELECT reads directly
    breakdown: bool  # the file's header says `-- role: breakdown`


def load_model_file(path: Path) -> list[Model]:
    text = path.read_text()
    header = _LEADING_COMMENTS.match(text).group(0)
    roles = _ROLE.findall(header)
    bad = [r for r in roles if r not in ROLES]
    if bad:
        raise LineageError(f"{path}: role {bad[0]!r} not in {ROLES}")
    out = []
    for statement in duckdb.extract_statements(text):
        body = _LEADING_COMMENTS.sub("", statement.query, count=1)
        found = _CREATE_TABLE.match(body)
        kind = "table"
        if found is None:
            found, kind = _CREATE_MACRO.match(body), "macro"
        if found is None:
            raise LineageError(f"{path}: a model statement is CREATE [OR REPLACE] TEMP TABLE name AS SELECT ... or "
                               f"CREATE [OR REPLACE] TEMP MACRO name(...) AS TABLE SELECT ...; not: {body[:60]!r}")
        tables, macros = select_reads(body[found.end():], f"{path} ({found.group(1)})")
        out.append(Model(found.group(1).lower(), kind, path, tables | macros, bool(roles)))
    return out


@cache
def models(model_dir: Path = MODEL_DIR) -> dict[str, Model]:
    """Every shared model by name, in file-name order (the order the engine builds them)."""
    out: dict[str, Model] = {}
    for path in sorted(model_dir.glob("*.sql")):
        for model in load_model_file(path):
            if model.name in out:
                raise LineageError(f"{path}: model {model.name} is already defined in {out[model.name].path.name}")
            out[model.name] = model
    for model in out.values():
        _check_known(model.reads - set(out), str(model.path), macros=set())
    return out


def _check_known(names: Iterable[str], where: str, macros: set[str]) -> None:
    known = set(contract()) | set(REFERENCE_TABLES) | set(ENGINE_TABLES)
    unknown = sorted(n for n in names if n not in known and n not in macros)
    if unknown:
        raise LineageError(f"{where}: reads {', '.join(unknown)}: neither a contract table, a reference table, the "
                           "engine's kpi_windows nor a model of sql/models")


@dataclass(frozen=True)
class Lineage:
    """What one SQL file reads: directly, and with the models' closure."""

    direct_tables: tuple[str, ...]  # source tables its own text reads
    direct_models: tuple[str, ...]  # models its own text reads (relations and table macros)
    models: tuple[str, ...]  # every model it reaches
    source_tables: tuple[str, ...]  # every contract or reference table it reaches
    breakdown_tables: tuple[str, ...]  # of those, the ones reached only through breakdown models

    @property
    def required_tables(self) -> tuple[str, ...]:
        return tuple(t for t in self.source_tables if t not in self.breakdown_tables and t not in FILLED_WHEN_ABSENT)


def _sources(names: Iterable[str]) -> set[str]:
    return {n for n in names if n not in ENGINE_TABLES}


@cache
def sql_lineage(sql_path: Path, model_dir: Path = MODEL_DIR) -> Lineage:
    known_models = models(model_dir)
    tables, macros = select_reads(sql_path.read_text(), str(sql_path))
    # table functions that are not models are DuckDB's own (range, json_each, read_csv ...)
    reads = set(tables) | (set(macros) & set(known_models))
    _check_known(reads, str(sql_path), macros=set(known_models))

    def reach(skip_breakdown: bool) -> tuple[set[str], set[str]]:
        seen_models: set[str] = set()
        found: set[str] = set()
        todo = list(reads)
        while todo:
            name = todo.pop()
            model = known_models.get(name)
            if model is None:
                found.add(name)
            elif name not in seen_models and not (skip_breakdown and model.breakdown):
                seen_models.add(name)
                todo += model.reads
        return _sources(found), seen_models

    every, every_model = reach(False)
    required, _ = reach(True)
    return Lineage(
        direct_tables=tuple(sorted(_sources(reads - set(known_models)))),
        direct_models=tuple(sorted(reads & set(known_models))),
        models=tuple(sorted(every_model)),
        source_tables=tuple(sorted(every)),
        breakdown_tables=tuple(sorted(every - required)),
    )
