"""Run one readable JSON suite (expectations/<table>.json) over a pandas slice with Great Expectations 1.x.

Great Expectations is imported lazily, inside `validate` (its import takes ~10 s), and runs in an ephemeral
context with a pandas data source: its DuckDB path and polars input do not work in 1.24. Failing rows are
mapped back through the frame's position to `source_file` / `source_row`.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from pipelines.lib.paths import PROJECT_ROOT

SUITE_DIR = PROJECT_ROOT / "expectations"
SAMPLE_SIZE = 5
SEVERITIES = ("critical", "warning")
_GX_STATE: dict[str, Any] = {}


@dataclass
class Finding:
    table: str
    rule: str
    severity: str                      # 'critical' | 'warning'
    columns: tuple[str, ...]
    failing_count: int
    sample: list[dict] = field(default_factory=list)          # up to 5 rows, person ids removed
    locators: list[tuple[str | None, int | None]] = field(default_factory=list)  # (source_file, source_row)
    check: str = ""                    # expectation type or SQL check name
    detail: str | None = None
    kpis: tuple[str, ...] = ()         # KPIs the failing records feed (set by run_quality)

    @property
    def critical(self) -> bool:
        return self.severity == "critical"


def load_suite(path: Path) -> dict:
    suite = json.loads(Path(path).read_text())
    for exp in suite["expectations"]:
        if exp.get("severity") not in SEVERITIES:
            raise ValueError(f"{path}: {exp.get('rule')!r} has severity {exp.get('severity')!r}")
    return suite


@cache
def suites() -> dict[str, dict]:
    """Every suite in expectations/, by table."""
    return {s["table"]: s for s in (load_suite(p) for p in sorted(SUITE_DIR.glob("*.json")))}


def _class_name(type_: str) -> str:
    return "".join(part.capitalize() for part in type_.split("_"))


def _context():
    import great_expectations as gx  # lazy: ~10 s import

    if "context" not in _GX_STATE:
        context = gx.get_context(mode="ephemeral")
        try:  # no tqdm bars in the run logs
            from great_expectations.data_context.types.base import ProgressBarsConfig
            context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
        except Exception:  # noqa: BLE001 - cosmetic only
            pass
        asset = context.data_sources.add_pandas("quality").add_dataframe_asset("slice")
        _GX_STATE["context"] = context
        _GX_STATE["batch_definition"] = asset.add_batch_definition_whole_dataframe("whole")
    return gx, _GX_STATE["batch_definition"]


def _kwargs(kwargs: dict, frame) -> dict:
    """Date bounds are written as ISO strings in the JSON; compare them as timestamps on date columns."""
    import pandas as pd

    out = dict(kwargs)
    col = out.get("column")
    if col in frame.columns and pd.api.types.is_datetime64_any_dtype(frame[col]):
        for k in ("min_value", "max_value"):
            if isinstance(out.get(k), str):
                out[k] = pd.Timestamp(out[k])
    return out


def _indices(result: dict) -> list[int]:
    got = result.get("unexpected_index_list") or []
    out = []
    for item in got:
        if isinstance(item, dict):  # multi-column expectations may report {"index": ..., col: ...}
            item = item.get("index", item.get("pk_index"))
        if item is not None:
            out.append(int(item))
    return out


def _private(col: str) -> bool:
    return col.endswith("person_id") or col == "person_id"


def validate(frame, suite: dict) -> list[Finding]:
    """Validate a pandas frame against a suite; one Finding per failing expectation."""
    if frame.empty:
        return []
    gx, batch_definition = _context()
    frame = frame.reset_index(drop=True)
    # pandas 3 'str' columns are not recognised by GX 1.24's type expectations; as object they are.
    # Nor are pandas' nullable extension types (an all-NULL DuckDB column arrives as 'boolean' or 'Int64').
    frame = frame.astype({c: object for c, t in frame.dtypes.items() if str(t) == "str"})
    for c, t in list(frame.dtypes.items()):
        if str(t) == "boolean":
            frame[c] = frame[c].astype(object).where(frame[c].notna(), None)
        elif str(t) in ("Int64", "Float64"):
            frame[c] = frame[c].astype("float64")
    batch = batch_definition.get_batch(batch_parameters={"dataframe": frame})
    gx_suite = gx.ExpectationSuite(name=suite["name"])
    specs = []
    present = set(frame.columns)
    for spec in suite["expectations"]:
        kwargs = spec["kwargs"]
        cols = [c for k in ("column", "column_A", "column_B") if (c := kwargs.get(k))]
        cols += list(kwargs.get("column_list", []))
        missing = [c for c in cols if c not in present]
        if missing:  # reported once by the column-set expectation; nothing to evaluate here
            continue
        exp_class = getattr(gx.expectations, _class_name(spec["type"]))
        with warnings.catch_warnings():  # string row conditions are deprecated (still supported) in GX 1.9+
            warnings.filterwarnings("ignore", category=DeprecationWarning)
            gx_suite.add_expectation(exp_class(**_kwargs(kwargs, frame), meta={"spec": len(specs)}))
        specs.append(spec)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning)
        results = batch.validate(gx_suite, result_format={"result_format": "COMPLETE"})
    # Results are not in the suite's order: each expectation carries its spec's position in `meta`.
    findings = []
    has_lineage = {"source_file", "source_row"} <= present
    sample_cols = [c for c in frame.columns if not _private(c)]
    for res in results.results:
        if res.success:
            continue
        spec = specs[int(res.expectation_config.meta["spec"])]
        r = res.result or {}
        idx = sorted(set(_indices(r)))
        count = r.get("unexpected_count")
        if count is None:
            count = len(idx) if idx else (len(r.get("details", {}).get("mismatched", {}) or {}) or 1)
        locators = ([(frame.at[i, "source_file"], _int(frame.at[i, "source_row"])) for i in idx]
                    if has_lineage else [])
        rows = frame.loc[idx[:SAMPLE_SIZE], sample_cols] if idx else frame.iloc[0:0][sample_cols]
        findings.append(Finding(
            table=suite["table"], rule=spec["rule"], severity=spec["severity"], columns=tuple(spec["columns"]),
            failing_count=int(count), sample=_records(rows), locators=locators, check=spec["type"],
            detail=None if idx else json.dumps(r.get("details") or r.get("observed_value"), default=str)[:500],
        ))
    return findings


def _int(v) -> int | None:
    try:
        return None if v is None or v != v else int(v)
    except (TypeError, ValueError):
        return None


def _records(rows) -> list[dict]:
    out = []
    for rec in rows.to_dict(orient="records"):
        out.append({k: (None if v is None or (isinstance(v, float) and v != v) or str(v) in ("NaT", "<NA>")
                        else (v.date().isoformat() if hasattr(v, "date") and hasattr(v, "hour") else v))
                    for k, v in rec.items()})
    return out
