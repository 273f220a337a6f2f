"""KPI cards: one YAML file per KPI beside its SQL (sql/kpis/KPInn_name.yaml + .sql).

The cards drive the engine (which SQL, which bases, which parameters), the checks and the definitions
appendix. Adding a KPI means adding a card, its SQL file and a test; no Python changes.

Every card, KPI or core-data-set measure (pipelines/lib/measure_cards.py), is read against a typed schema
(`KPI_FIELDS`, `MEASURE_FIELDS`): a field the schema does not name (a misspelling), a missing required field or a
value of the wrong type is a CardError naming the file and the field.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from pipelines.lib.contract import contract
from pipelines.lib.lineage import Lineage, LineageError, sql_lineage
from pipelines.lib.paths import KPI_CARD_DIR, SQL_DIR

BASES = ("month", "quarter", "fytd", "r12", "r36", "snapshot")
UNITS = ("percent", "days", "count", "ratio", "rate_per_10000", "mean")
# value = scale * sum(numerator) / sum(denominator); counts are sum(numerator)
SCALES = {"percent": 100.0, "rate_per_10000": 10000.0}
POLARITIES = ("high", "low", "target_band")
# What the published counts are, for disclosure control (scorecard.rules.suppress): `children` - numerator and
# denominator count children (or other people a small count could identify: workers, complainants), suppressed
# below the threshold; `children_denominator` - only the denominator counts children (an average of days or
# scores); `none` - not counts of people (money, FTE posts, ICO incidents, schools), never suppressed.
DISCLOSURES = ("children", "children_denominator", "none")
# Which owning-council rows a figure has (`council_rows:`): `always` - every council every period, 0 or "no records
# in the denominator" when nothing is placed there; `placed` - a council's row only where a record is placed in it
# (a figure whose records may carry no council, e.g. ICO incidents: a council row of 0 would claim a fact).
COUNCIL_ROWS = ("always", "placed")
LOOKBACK_ALL = "all"  # lookback_months of a figure that reads the whole history ('ever had a plan')
# What the SQL reads is derived from it (pipelines/lib/lineage.py), never listed by hand
DERIVED = ("source_tables", "breakdown_tables")


@dataclass(frozen=True)
class Field:
    """One card field: the YAML types it may hold (None: may be null) and whether the card must give it."""

    types: tuple[type | None, ...]
    required: bool = False
    keys: tuple[str, ...] = ()  # a mapping's (or each list item's) allowed keys; empty: any


TEXT = (str,)
KPI_FIELDS: dict[str, Field] = {
    "id": Field(TEXT, True), "title": Field(TEXT, True), "definition": Field(TEXT, True),
    "numerator": Field(TEXT, True), "denominator": Field(TEXT, True), "cohort": Field(TEXT, True),
    "headline_basis": Field(TEXT, True), "bases": Field((list,), True), "polarity": Field(TEXT, True),
    "unit": Field(TEXT, True), "disclosure": Field(TEXT, True), "council_rows": Field(TEXT),
    "parameters": Field((dict, None)),  # name -> {default, description}
    "definition_version": Field((int,)),
    "lookback_months": Field((int, str, None)),
    "depends_on": Field((list, None), keys=("column", "min_share_known", "month_column")),
    "known_records": Field((dict, None), keys=("unknown_reason", "min_share_known")),
    "benchmark": Field((dict, None)), "baseline_2019_20": Field((int, float, None)), "additive": Field((bool,)),
    "proportion": Field((bool,)),  # a percent that is not a share of one cohort (may exceed 100)
    "decisions": Field((list,)), "sql_from": Field(TEXT),
}
PARAMETER_KEYS = ("default", "description")


def _type_names(types: tuple[type | None, ...]) -> str:
    return " or ".join("null" if t is None else {"str": "text", "dict": "a mapping", "list": "a list",
                                                 "int": "a whole number", "float": "a number",
                                                 "bool": "true/false"}[t.__name__] for t in types)


def _matches(value: Any, types: tuple[type | None, ...]) -> bool:
    if value is None:
        return None in types
    if isinstance(value, bool):  # YAML true is not a number
        return bool in types
    return any(t is not None and isinstance(value, t) for t in types)


def check_fields(path: Path, raw: Any, fields: Mapping[str, Field]) -> dict[str, Any]:
    """The card's fields checked against the schema: unknown (with the nearest known name), missing or mistyped
    fields are errors naming the file and the field."""
    if not isinstance(raw, dict):
        raise CardError(f"{path}: a card is a mapping of fields, not {type(raw).__name__}")
    for name in raw:
        if name in DERIVED:
            raise CardError(f"{path}: field {name!r} is derived from the SQL (pipelines/lib/lineage.py): remove it")
        if name not in fields:
            near = difflib.get_close_matches(str(name), list(fields), n=1)
            raise CardError(f"{path}: unknown field {name!r}" + (f" (did you mean {near[0]!r}?)" if near else ""))
    missing = [k for k, f in fields.items() if f.required and k not in raw]
    if missing:
        raise CardError(f"{path}: missing {', '.join(missing)}")
    for name, value in raw.items():
        spec = fields[name]
        if not _matches(value, spec.types):
            raise CardError(f"{path}: field {name!r} must be {_type_names(spec.types)}, not {value!r}")
        items = value if isinstance(value, list) else [value] if isinstance(value, dict) else []
        for item in items if spec.keys else []:
            unknown = sorted(set(item) - set(spec.keys)) if isinstance(item, dict) else [repr(item)]
            if unknown:
                raise CardError(f"{path}: field {name!r}: unknown key(s) {', '.join(map(str, unknown))} "
                                f"(known: {', '.join(spec.keys)})")
    for name, spec in (raw.get("parameters") or {}).items():
        if not isinstance(spec, dict) or "default" not in spec or set(spec) - set(PARAMETER_KEYS):
            raise CardError(f"{path}: parameter {name!r} must be a mapping of {', '.join(PARAMETER_KEYS)} "
                            "(default required)")
    return raw


def check_choice(path: Path, raw: Mapping[str, Any], name: str, choices: tuple[str, ...] | Mapping[str, Any]
                 ) -> None:
    if raw[name] not in choices:
        raise CardError(f"{path}: field {name!r}: {raw[name]!r} not in {tuple(choices)}")


@dataclass(frozen=True)
class ColumnKnown:
    """A column the figure depends on (`depends_on:` in the card): below `min_share_known` of the records known,
    the month reads "no data" (a return that does not carry the column, an extract that leaves it blank).
    With `month_column` the share is that of the records dated in each month; without it, of the whole table."""

    table: str
    column: str
    min_share_known: float
    month_column: str | None = None


@dataclass(frozen=True)
class RecordsKnown:
    """`known_records:` in the card: the records of a month's denominator the SQL flags with `unknown_reason`
    (information-only rows, e.g. KPI12's 'distance unknown (kept in the denominator)'); below `min_share_known`
    known, the month reads "no data"."""

    unknown_reason: str
    min_share_known: float


@dataclass(frozen=True)
class KpiCard:
    id: str
    title: str
    headline_basis: str
    bases: tuple[str, ...]
    polarity: str
    unit: str
    sql_path: Path
    card_path: Path
    parameters: dict[str, Any] = field(default_factory=dict)  # name -> default value
    definition_version: int = 1
    raw: dict[str, Any] = field(default_factory=dict, compare=False, hash=False, repr=False)
    # What the figure needs to be a number (pipelines/lib/no_data.py): below these, a month reads "no data"
    depends_on: tuple[ColumnKnown, ...] = ()
    known_records: RecordsKnown | None = None
    # How far before its reporting window the figure reads (`lookback_months:`): months, LOOKBACK_ALL for an
    # 'ever' definition, 0 (null/absent) for the window only. A month whose source tables' history starts
    # later than the window start less this is "no data" (a return holds only the years delivered).
    lookback_months: int | str = 0
    disclosure: str = "children"  # DISCLOSURES
    council_rows: str = "always"  # COUNCIL_ROWS

    @property
    def lineage(self) -> Lineage:
        """What the card's SQL reads, parsed by DuckDB, with the shared models' closure."""
        return sql_lineage(self.sql_path)

    @property
    def source_tables(self) -> tuple[str, ...]:
        """Every contract or reference table the figure reads, directly or through a shared model."""
        return self.lineage.source_tables

    @property
    def breakdown_tables(self) -> tuple[str, ...]:
        """Source tables read only for the council or team breakdown (through person_area / team_area): not
        delivering them leaves the trust figure whole."""
        return self.lineage.breakdown_tables

    @property
    def required_tables(self) -> list[str]:
        """The source tables without which the figure is "no data"."""
        return list(self.lineage.required_tables)

    @property
    def scale(self) -> float:
        """Percentages are published 0-100, rates per 10,000 children; days, means and ratios as they are."""
        return SCALES.get(self.unit, 1.0)

    @property
    def asset_name(self) -> str:
        return self.card_path.stem.lower()


class CardError(ValueError):
    pass


def read_card(path: Path) -> Any:
    try:
        return yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise CardError(f"{path}: not YAML: {exc}") from exc


def load_card(path: Path, fields: Mapping[str, Field] = KPI_FIELDS) -> KpiCard:
    """One card (KPI, or case measure of the core data set with its own `fields`) with its SQL file beside it."""
    raw = check_fields(path, read_card(path), fields)
    bases = tuple(raw["bases"])
    bad = [b for b in bases if b not in BASES]
    if bad or raw["headline_basis"] not in bases:
        raise CardError(f"{path}: bases {bases} must be among {BASES} and include the headline basis")
    check_choice(path, raw, "unit", UNITS)
    check_choice(path, raw, "polarity", POLARITIES)
    check_choice(path, raw, "disclosure", DISCLOSURES)
    if "council_rows" in raw:
        check_choice(path, raw, "council_rows", COUNCIL_ROWS)
    # A card may run another card's SQL with its own parameters (`sql_from: kpis/KPI09_care_leavers_eet.sql`,
    # relative to sql/): the same definition on another cohort, written once.
    sql_path = SQL_DIR / raw["sql_from"] if raw.get("sql_from") else path.with_suffix(".sql")
    if not sql_path.exists():
        raise CardError(f"{path}: no SQL file {sql_path.name} " + ("(sql_from)" if raw.get("sql_from")
                                                                   else "beside the card"))
    if raw.get("sql_from") and path.with_suffix(".sql").exists():
        raise CardError(f"{path}: has both sql_from and a SQL file beside it")
    params = {name: spec["default"] for name, spec in (raw.get("parameters") or {}).items()}
    try:
        source_tables = sql_lineage(sql_path).source_tables
    except LineageError as exc:
        raise CardError(f"{path}: {exc}") from exc
    return KpiCard(
        id=raw["id"], title=raw["title"], headline_basis=raw["headline_basis"], bases=bases,
        polarity=raw["polarity"], unit=raw["unit"], sql_path=sql_path, card_path=path,
        parameters=params, definition_version=int(raw.get("definition_version", 1)), raw=raw,
        depends_on=_depends_on(path, raw, source_tables), known_records=_known_records(path, raw),
        lookback_months=_lookback(path, raw), disclosure=raw["disclosure"],
        council_rows=raw.get("council_rows", "always"),
    )


def _share(path: Path, value: Any) -> float:
    if not isinstance(value, int | float) or not 0 < value <= 1:
        raise CardError(f"{path}: min_share_known must be a share above 0 and at most 1, not {value!r}")
    return float(value)


def _depends_on(path: Path, raw: dict, source_tables: tuple[str, ...]) -> tuple[ColumnKnown, ...]:
    out = []
    for spec in raw.get("depends_on") or []:
        table, _, column = str(spec.get("column", "")).partition(".")
        month = spec.get("month_column")
        known = contract().get(table)
        if known is None or column not in known.columns or (month and known.columns.get(month) != "date"):
            raise CardError(f"{path}: depends_on {spec!r}: 'column' must be a contract table.column (and "
                            "'month_column' a date column of that table)")
        if table not in source_tables:
            raise CardError(f"{path}: depends_on {table}.{column}: its SQL does not read {table}")
        out.append(ColumnKnown(table, column, _share(path, spec.get("min_share_known")), month))
    return tuple(out)


def _known_records(path: Path, raw: dict) -> RecordsKnown | None:
    spec = raw.get("known_records")
    if spec is None:
        return None
    if not isinstance(spec.get("unknown_reason"), str) or not spec["unknown_reason"]:
        raise CardError(f"{path}: known_records needs the unknown_reason its SQL writes")
    return RecordsKnown(spec["unknown_reason"], _share(path, spec.get("min_share_known")))


def _lookback(path: Path, raw: dict) -> int | str:
    value = raw.get("lookback_months")
    if value is None:
        return 0
    if value == LOOKBACK_ALL or (isinstance(value, int) and not isinstance(value, bool) and value >= 0):
        return value
    raise CardError(f"{path}: lookback_months must be a whole number of months (0 or more), '{LOOKBACK_ALL}' or "
                    f"null, not {value!r}")


def disclosure_sets(cards: Iterable[Any]) -> dict[str, tuple[str, ...]]:
    """scorecard.rules.suppress's `exempt` and `denominator_only` ids from the cards' `disclosure` (KPI or
    measure cards; a card without one - a published measure - is left out of both)."""
    cards = list(cards)
    return {"exempt": tuple(c.id for c in cards if getattr(c, "disclosure", None) == "none"),
            "denominator_only": tuple(c.id for c in cards if getattr(c, "disclosure", None) == "children_denominator")}


@cache
def load_cards(card_dir: Path = KPI_CARD_DIR) -> tuple[KpiCard, ...]:
    return load_folder(card_dir, load_card, "KPI")


def load_folder(card_dir: Path, load: Callable[[Path], Any], what: str) -> tuple[Any, ...]:
    """Every card of a folder (*.yaml, by file name) through `load`; two cards with one id are an error."""
    cards = tuple(load(p) for p in sorted(card_dir.glob("*.yaml")))
    ids = [c.id for c in cards]
    repeated = sorted({i for i in ids if ids.count(i) > 1})
    if repeated:
        raise CardError(f"{card_dir}: duplicate {what} ids {', '.join(repeated)}")
    return cards


def card(kpi_id: str) -> KpiCard:
    for c in load_cards():
        if c.id == kpi_id:
            return c
    raise KeyError(kpi_id)
