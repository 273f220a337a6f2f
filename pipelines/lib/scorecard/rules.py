"""The scorecard's rules, as pure functions (../shared/spec/scorecard.md).

Everything here is plain Python + polars, independent of Dagster and DuckDB, so the rules can be tested by hand.

Targets
    One YAML file per financial year in data/config/targets/<fy>.yaml (fy like "2024-25"): per KPI `target`,
    `tolerance` (in the KPI's unit), optional `stretch`, optional `lower_tolerance` / `upper_tolerance`
    (target_band only) and optional `direction_threshold`; a file-level `direction_threshold` is the default.
    A KPI set to null or missing has no target. A month's target is the one of the financial year containing
    the month (April-March). A missing file means no targets for that year (every KPI grey), never last
    year's targets carried forward.

RAG (`rag`)
    polarity high: Green v >= T; Amber T - tol <= v < T; Red v < T - tol.
    polarity low (mirror): Green v <= T; Amber T < v <= T + tol; Red v > T + tol.
    target_band: with L = lower tolerance and U = upper tolerance (both default to tol):
    Green T - L/2 <= v <= T + U/2; Amber T - L <= v <= T + U; Red outside. Every boundary is inclusive on the
    better side (exactly on target is Green, exactly on T - tol is Amber). Comparisons allow 1e-9 of float
    slack, so a value computed as 100 * 39 / 50 = 78.00000000000001 is treated as 78.
    No target -> "no target" (checked first); target but no value -> "no value". Never a guessed colour.

Direction of travel (`direction`; `scorecard_frame` chooses the series)
    Against the previous month the direction is judged on the in-month (month basis) series when the card
    has a month basis and its headline is cumulative (fytd, r12, quarter to date): a cumulative headline
    barely moves from one month to the next, so it read "same" for nearly every KPI. When either month lacks
    a month-basis value, the headline series is used. `direction_basis` says which. Against the same month
    last year the headline series is always used (the year to date against last year's year to date).
    change = current - previous (high), previous - current (low), or, for target_band,
    |previous - T| - |current - T| (closer to the target is better; the distance is in the KPI's unit, so an
    asymmetric band does not weight the sides). |change| < threshold -> "same" (a change of exactly the
    threshold counts); else "better" when change > 0, "worse" when < 0. Either value missing (or no target
    for target_band) -> "n/a". The last-year comparison measures both values against the current target.

Persistent breach (`persistent_breaches`, `breach_at`)
    cadence monthly (every headline basis except quarter): a run of >= 3 calendar-consecutive months all Red.
    cadence quarterly (headline basis quarter): only quarter-end months (Jun, Sep, Dec, Mar) count; a run of
    >= 2 consecutive quarter ends all Red. A missing month, or one that is not Red (including "no value" /
    "no target"), breaks the run. A flag lists every month of its run (the run is maximal, so four Red months
    in a row give one flag with four months). On the scorecard a KPI is in breach at a month when the run
    ending at that month (monthly) or at the latest quarter end on or before it (quarterly) is long enough.

Year-end projection (`projection`, fytd KPIs only)
    m = months elapsed in the financial year (April = 1 ... March = 12), r = 12 - m remaining.
    N, D = the fytd numerator and denominator at the month; n, d = the mean month-basis numerator and
    denominator over the last three calendar months ending at the month (fewer when fewer exist; the window may
    cross into the previous financial year, so April still has a three-month run rate).
    Projected year end = (N + r*n) / (D + r*d) x scale   (a count KPI with no denominator: N + r*n).
    Needed in-year performance, assuming the remaining months bring the same volume d per month:
    X = t*(D + r*d) - N with t = target / scale is the numerator the remaining months must add;
    needed rate = X / (r*d) x scale (the monthly value needed in each remaining month), and X / r the
    numerator per month (count KPI: (target - N) / r). achievable: high -> needed <= max_value (100 for
    proportions, unbounded otherwise); low -> needed >= 0; target_band -> both. In March (r = 0) the
    projection is the fytd value itself and nothing is needed.

Disclosure control (`suppress`, published packs)
    Primary: a row is suppressed when its numerator or its denominator (the denominator only for KPIs in
    `denominator_only`, e.g. KPI18 whose numerator is a total of days) is a count below `threshold`
    (default 5; 0 counts as below unless keep_zero=True). The whole row (numerator, denominator and value) is
    shown as "c". KPIs in `exempt` (money, FTE posts, ICO incidents, schools: KPI15, KPI16, KPI17, KPI20) are
    not counts of people and are never suppressed. Both lists come from the cards' `disclosure` field
    (`children_denominator`, `none`; kpi_cards.disclosure_sets), never from ids kept here.
    Secondary: for each KPI, period and basis, the area rows (team and worker empty) form one equation,
    trust ('all') = sum of the other areas. If exactly one member of it is suppressed it could be recovered by
    subtraction, so the smallest unsuppressed non-trust area (by denominator, then numerator, then area code)
    is suppressed too ("secondary"); if there is none left, the trust row is. Repeat until 0 or >= 2 members
    are suppressed. The team rows of an area (the engine writes them under 'all') form a second equation with
    that area's row as total, area = sum of its teams (plus records with no team), settled the same way (the
    smallest unsuppressed team); the equations are repeated until none has exactly one member suppressed.
    Worker rows get primary suppression only: they belong in restricted packs.
"""

from __future__ import annotations

import math
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import polars as pl
import yaml

from pipelines.lib.calendar import month_end, shift_months
from pipelines.lib.paths import CONFIG_DIR

TARGET_DIR = CONFIG_DIR / "targets"
EPS = 1e-9

Rag = Literal["green", "amber", "red", "no target", "no value"]
Direction = Literal["better", "same", "worse", "n/a"]
Cadence = Literal["monthly", "quarterly"]
GREEN, AMBER, RED, NO_TARGET, NO_VALUE = "green", "amber", "red", "no target", "no value"
TRUST = "all"
_TARGET_KEYS = {"target", "tolerance", "stretch", "lower_tolerance", "upper_tolerance", "direction_threshold"}


# --------------------------------------------------------------------------------------------- targets
@dataclass(frozen=True)
class Target:
    target: float
    tolerance: float = 0.0
    stretch: float | None = None
    lower_tolerance: float | None = None
    upper_tolerance: float | None = None


@dataclass(frozen=True)
class Targets:
    """One financial year's targets: kpis holds only the KPIs that have a target."""

    financial_year: str
    kpis: Mapping[str, Target] = field(default_factory=dict)
    direction_threshold: float = 0.0
    thresholds: Mapping[str, float] = field(default_factory=dict)  # per-KPI overrides

    def get(self, kpi_id: str) -> Target | None:
        return self.kpis.get(kpi_id)

    def threshold(self, kpi_id: str) -> float:
        return self.thresholds.get(kpi_id, self.direction_threshold)


def financial_year(d: date) -> str:
    """'2024-25' for any day from 1 April 2024 to 31 March 2025."""
    start = d.year if d.month >= 4 else d.year - 1
    return f"{start}-{(start + 1) % 100:02d}"


def months_elapsed(period_end: date) -> int:
    """Months of the financial year up to and including the month: April = 1 ... March = 12."""
    return (period_end.month - 4) % 12 + 1


def _num(x: Any, what: str) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise ValueError(f"{what} must be a number, not {x!r}")
    return float(x)


def parse_targets(raw: Mapping[str, Any], fy: str) -> Targets:
    default = _num(raw.get("direction_threshold", 0.0), "direction_threshold")
    kpis: dict[str, Target] = {}
    thresholds: dict[str, float] = {}
    for kpi_id, spec in (raw.get("kpis") or {}).items():
        if spec is None:
            continue
        unknown = set(spec) - _TARGET_KEYS
        if unknown:
            raise ValueError(f"{fy} {kpi_id}: unknown keys {sorted(unknown)}")
        if "direction_threshold" in spec:
            thresholds[kpi_id] = _num(spec["direction_threshold"], f"{kpi_id} direction_threshold")
        if spec.get("target") is None:
            continue
        opt = {k: (None if spec.get(k) is None else _num(spec[k], f"{kpi_id} {k}"))
               for k in ("stretch", "lower_tolerance", "upper_tolerance")}
        t = Target(target=_num(spec["target"], f"{kpi_id} target"),
                   tolerance=_num(spec.get("tolerance", 0.0), f"{kpi_id} tolerance"), **opt)
        if min(t.tolerance, t.lower_tolerance or 0.0, t.upper_tolerance or 0.0) < 0:
            raise ValueError(f"{fy} {kpi_id}: tolerances must not be negative")
        kpis[kpi_id] = t
    return Targets(financial_year=fy, kpis=kpis, direction_threshold=default, thresholds=thresholds)


def load_targets(financial_year: str, target_dir: Path = TARGET_DIR) -> Targets:
    """The targets file of a financial year ('2024-25'); a missing file gives no targets at all."""
    path = Path(target_dir) / f"{financial_year}.yaml"
    if not path.exists():
        return Targets(financial_year=financial_year)
    raw = yaml.safe_load(path.read_text()) or {}
    if str(raw.get("financial_year", financial_year)) != financial_year:
        raise ValueError(f"{path}: says financial_year {raw['financial_year']!r}")
    return parse_targets(raw, financial_year)


def target_for(kpi_id: str, period_end: date, target_dir: Path = TARGET_DIR) -> Target | None:
    """The target in force for a month: the one of the financial year containing it."""
    return load_targets(financial_year(period_end), target_dir).get(kpi_id)


# --------------------------------------------------------------------------------------------- RAG
def _missing(x: float | None) -> bool:
    return x is None or (isinstance(x, float) and math.isnan(x))


def rag(value: float | None, target: float | None, tolerance: float | None, polarity: str,
        lower_tol: float | None = None, upper_tol: float | None = None) -> Rag:
    if _missing(target):
        return NO_TARGET
    if _missing(value):
        return NO_VALUE
    assert value is not None and target is not None
    tol = 0.0 if tolerance is None else float(tolerance)
    if polarity == "high":
        if value >= target - EPS:
            return GREEN
        return AMBER if value >= target - tol - EPS else RED
    if polarity == "low":
        if value <= target + EPS:
            return GREEN
        return AMBER if value <= target + tol + EPS else RED
    if polarity == "target_band":
        lo = tol if lower_tol is None else float(lower_tol)
        up = tol if upper_tol is None else float(upper_tol)
        d = value - target
        if -lo / 2 - EPS <= d <= up / 2 + EPS:
            return GREEN
        return AMBER if -lo - EPS <= d <= up + EPS else RED
    raise ValueError(f"unknown polarity {polarity!r}")


def rag_for(value: float | None, target: Target | None, polarity: str) -> Rag:
    if target is None:
        return NO_TARGET
    return rag(value, target.target, target.tolerance, polarity, target.lower_tolerance, target.upper_tolerance)


# --------------------------------------------------------------------------------------------- direction
def direction(current: float | None, previous: float | None, polarity: str, threshold: float = 0.0,
              target: float | None = None) -> Direction:
    if _missing(current) or _missing(previous):
        return "n/a"
    assert current is not None and previous is not None
    if polarity == "high":
        change = current - previous
    elif polarity == "low":
        change = previous - current
    elif polarity == "target_band":
        if _missing(target):
            return "n/a"
        assert target is not None
        change = abs(previous - target) - abs(current - target)
    else:
        raise ValueError(f"unknown polarity {polarity!r}")
    if abs(change) <= EPS or abs(change) < threshold - EPS:
        return "same"
    return "better" if change > 0 else "worse"


# --------------------------------------------------------------------------------------------- breaches
@dataclass(frozen=True)
class Breach:
    cadence: str
    months: tuple[date, ...]  # every Red month of the run, oldest first

    @property
    def first(self) -> date:
        return self.months[0]

    @property
    def last(self) -> date:
        return self.months[-1]


def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


def _runs(series: Iterable[tuple[date, str]], cadence: Cadence) -> list[list[date]]:
    if cadence not in ("monthly", "quarterly"):
        raise ValueError(f"unknown cadence {cadence!r}")
    step = 1 if cadence == "monthly" else 3
    points = sorted((d, r) for d, r in series if cadence == "monthly" or d.month % 3 == 0)
    runs: list[list[date]] = []
    current: list[date] = []
    for d, r in points:
        if r == RED and current and _mi(d) - _mi(current[-1]) == step:
            current.append(d)
        elif r == RED:
            current = [d]
            runs.append(current)
        else:
            current = []
    return runs


def _run_length(cadence: Cadence, run_length: int | None) -> int:
    return run_length if run_length is not None else (3 if cadence == "monthly" else 2)


def persistent_breaches(series: Iterable[tuple[date, str]], cadence: Cadence,
                        run_length: int | None = None) -> list[Breach]:
    """(period_end, rag) pairs -> one Breach per maximal run of Red long enough for the cadence."""
    need = _run_length(cadence, run_length)
    return [Breach(cadence, tuple(run)) for run in _runs(series, cadence) if len(run) >= need]


def breach_at(series: Iterable[tuple[date, str]], cadence: Cadence, period_end: date,
              run_length: int | None = None) -> tuple[date, ...]:
    """The months triggering a breach that is live at period_end (empty when none)."""
    need = _run_length(cadence, run_length)
    upto = [(d, r) for d, r in series if _mi(d) <= _mi(period_end)]
    latest = _mi(period_end) if cadence == "monthly" else _mi(period_end) - (period_end.month % 3)
    for run in _runs(upto, cadence):
        if _mi(run[-1]) == latest and len(run) >= need:
            return tuple(run)
    return ()


# --------------------------------------------------------------------------------------------- projection
@dataclass(frozen=True)
class Projection:
    months_elapsed: int
    months_remaining: int
    months_used: int                      # months in the run rate (<= 3)
    fytd_numerator: float
    fytd_denominator: float | None
    rate_numerator: float                 # mean month numerator over the run-rate months
    rate_denominator: float | None
    projected_numerator: float
    projected_denominator: float | None
    projected_value: float | None
    needed_value: float | None            # value needed in each remaining month (in the KPI's unit)
    needed_numerator_per_month: float | None
    achievable: bool | None


def projection(period_end: date, fytd_numerator: float, fytd_denominator: float | None,
               recent: Sequence[tuple[float, float | None]], target: float | None = None,
               polarity: str = "high", scale: float = 100.0, max_value: float | None = 100.0) -> Projection | None:
    """Year-end projection from the fytd totals and the month-basis (numerator, denominator) of up to the
    last three months (count KPIs: denominator None). None when there is no run rate."""
    recent = list(recent)[-3:]
    if not recent:
        return None
    m = months_elapsed(period_end)
    r = 12 - m
    k = len(recent)
    n = sum(x[0] for x in recent) / k
    is_count = fytd_denominator is None
    d = None if is_count else sum((x[1] or 0.0) for x in recent) / k
    pn = fytd_numerator + r * n
    pd = None if is_count or d is None else fytd_denominator + r * d
    if is_count:
        pv: float | None = pn
    else:
        pv = pn / pd * scale if pd else None
    needed = per_month = None
    achievable: bool | None = None
    if target is not None and r > 0:
        if is_count:
            per_month = (target - fytd_numerator) / r
            needed = per_month
        elif d:
            x = target / scale * (fytd_denominator + r * d) - fytd_numerator
            per_month = x / r
            needed = x / (r * d) * scale
        if needed is not None:
            ok_high = max_value is None or needed <= max_value + EPS
            ok_low = needed >= -EPS
            achievable = {"high": ok_high, "low": ok_low}.get(polarity, ok_high and ok_low)
    return Projection(m, r, k, fytd_numerator, fytd_denominator, n, d, pn, pd, pv, needed, per_month, achievable)


# --------------------------------------------------------------------------------------------- suppression
def _fmt(x: float | None, decimals: int | None) -> str | None:
    if _missing(x):
        return None
    assert x is not None
    # Sums of doubles differ in the last bits between runs (parallel aggregation order): 5 - 1e-15 must
    # print as 5 every time, never 5.00 in one run and 5 in the next.
    x = round(float(x), 6)
    if decimals is not None:
        return f"{x:.{decimals}f}"
    return str(int(x)) if x.is_integer() else f"{x:.2f}"


def suppress(frame: pl.DataFrame, threshold: float = 5, *, exempt: Collection[str] = (),
             denominator_only: Collection[str] = (), keep_zero: bool = False,
             decimals: int = 1) -> pl.DataFrame:
    """Disclosure control for published packs (rule in the module docstring).

    Takes kpi_values rows (kpi_id, period_end, basis, area, [team, worker,] numerator, denominator, value) and
    returns them with numerator, denominator and value as text ("c" when suppressed) and a `suppression`
    column: null, "primary" or "secondary". `exempt` and `denominator_only` are ids whose card's `disclosure` is
    `none` and `children_denominator` (kpi_cards.disclosure_sets)."""

    def small(x: float | None) -> bool:
        if _missing(x):
            return False
        assert x is not None
        x = round(float(x), 6)  # a count of 5 summed as 4.999999999999999 is 5: same decision every run
        return x < threshold and not (keep_zero and x == 0)

    rows = frame.to_dicts()
    status: list[str | None] = [None] * len(rows)
    for i, row in enumerate(rows):
        if row["kpi_id"] in exempt:
            continue
        num_small = row["kpi_id"] not in denominator_only and small(row.get("numerator"))
        if num_small or small(row.get("denominator")):
            status[i] = "primary"

    # Equations a reader could solve by subtraction: total = sum of members. Area rows: the trust ('all') =
    # the councils and other areas. Team rows (no worker): their area's row (the trust, as the engine writes
    # them) = the teams (and records with no team, which only makes subtraction harder). The trust is the
    # total of both, so the equations are settled together.
    groups: dict[tuple[Any, ...], list[int]] = {}
    for i, row in enumerate(rows):
        if row["kpi_id"] in exempt or row.get("worker") is not None:
            continue
        key = (row["kpi_id"], row["period_end"], row["basis"])
        if row.get("team") is None:
            groups.setdefault((*key, "areas"), []).append(i)
        groups.setdefault((*key, "teams of", row["area"]), []).append(i)
    totals = {i for key, members in groups.items() if key[3] == "teams of" for i in members
              if rows[i].get("team") is None}

    def is_total_of(members: list[int]):
        area_group = all(rows[i].get("team") is None for i in members)
        return (lambda i: rows[i]["area"] == TRUST) if area_group else (lambda i: i in totals)

    def size(i: int) -> tuple[float, float, str, str]:  # the smallest cell goes first: least information lost
        r = rows[i]
        den = r.get("denominator")
        num = r.get("numerator")
        return (math.inf if _missing(den) else den, math.inf if _missing(num) else num, str(r["area"]),
                str(r.get("team") or ""))

    equations = []
    for members in groups.values():
        is_total = is_total_of(members)
        if len(members) >= 2 and sum(map(is_total, members)) == 1:
            equations.append((members, is_total))
    changed = True
    while changed:
        changed = False
        for members, is_total in equations:
            while sum(status[i] is not None for i in members) == 1:
                open_children = [i for i in members if status[i] is None and not is_total(i)]
                if open_children:
                    status[min(open_children, key=size)] = "secondary"
                else:
                    status[next(i for i in members if is_total(i))] = "secondary"
                changed = True

    out_num, out_den, out_val = [], [], []
    for row, s in zip(rows, status, strict=True):
        if s is None:
            out_num.append(_fmt(row.get("numerator"), None))
            out_den.append(_fmt(row.get("denominator"), None))
            out_val.append(_fmt(row.get("value"), decimals))
        else:
            out_num.append("c")
            out_den.append(None if _missing(row.get("denominator")) else "c")
            out_val.append("c")
    return frame.with_columns(
        numerator=pl.Series(out_num, dtype=pl.String()),
        denominator=pl.Series(out_den, dtype=pl.String()),
        value=pl.Series(out_val, dtype=pl.String()),
        suppression=pl.Series(status, dtype=pl.String()),
    )


# --------------------------------------------------------------------------------------------- scorecard
def _shift(d: date, months: int) -> date:
    """The month end `months` after `d`'s month."""
    return month_end(shift_months(d, months))


def _series(kpi_values: pl.DataFrame, kpi_id: str, basis: str, area: str = TRUST) -> dict[int, dict[str, Any]]:
    """One area's rows (default the trust's) of one KPI and basis keyed by month index."""
    f = kpi_values.filter((pl.col("kpi_id") == kpi_id) & (pl.col("basis") == basis) & (pl.col("area") == area))
    if "team" in f.columns:
        f = f.filter(pl.col("team").is_null())
    if "worker" in f.columns:
        f = f.filter(pl.col("worker").is_null())
    return {_mi(r["period_end"]): r for r in f.select("period_end", "numerator", "denominator", "value").to_dicts()}


SCORECARD_SCHEMA: dict[str, Any] = {
    "kpi_id": pl.String(), "title": pl.String(), "polarity": pl.String(), "unit": pl.String(),
    "basis": pl.String(), "cadence": pl.String(), "period_end": pl.Date(), "financial_year": pl.String(),
    "value": pl.Float64(), "numerator": pl.Float64(), "denominator": pl.Float64(),
    "target": pl.Float64(), "tolerance": pl.Float64(), "lower_tolerance": pl.Float64(),
    "upper_tolerance": pl.Float64(), "stretch": pl.Float64(), "rag": pl.String(),
    "previous_value": pl.Float64(), "direction_vs_previous_month": pl.String(), "direction_basis": pl.String(),
    "last_year_value": pl.Float64(), "direction_vs_last_year": pl.String(),
    "breach": pl.Boolean(), "breach_months": pl.List(pl.Date()),
    "projected_value": pl.Float64(), "projection_needed_value": pl.Float64(),
    "projection_needed_numerator_per_month": pl.Float64(), "projection_achievable": pl.Boolean(),
    "projection_months_used": pl.Int64(),
}


def scorecard_frame(kpi_values: pl.DataFrame, cards: Iterable[Any], targets: Mapping[str, Targets] | None,
                    period_end: date, history_months: int = 24, area: str = TRUST) -> pl.DataFrame:
    """One row per KPI card: the trust figure on its headline basis for the month, with RAG, direction of
    travel, persistent-breach flag and (fytd KPIs) year-end projection. `targets` maps financial year ->
    Targets (None: load from data/config/targets); a year not in it has no targets. `area`: whose series
    (an owning council's LA code: the council's own, against the same targets)."""
    period_end = month_end(period_end)
    cache: dict[str, Targets] = dict(targets or {})

    def year_targets(d: date) -> Targets:
        fy = financial_year(d)
        if fy not in cache:
            cache[fy] = load_targets(fy) if targets is None else Targets(fy)
        return cache[fy]

    now = _mi(period_end)
    out = []
    for card in cards:
        basis = card.headline_basis
        cadence: Cadence = "quarterly" if basis == "quarter" else "monthly"
        series = _series(kpi_values, card.id, basis, area)
        cur = series.get(now, {})
        tg = year_targets(period_end)
        t = tg.get(card.id)
        threshold = tg.threshold(card.id)
        value = cur.get("value")
        prev = series.get(now - 1, {}).get("value")
        last_year = series.get(now - 12, {}).get("value")
        tv = None if t is None else t.target

        history = []
        for back in range(history_months - 1, -1, -1):
            d = _shift(period_end, -back)
            row = series.get(_mi(d))
            if row is not None:
                history.append((d, rag_for(row.get("value"), year_targets(d).get(card.id), card.polarity)))
        months = breach_at(history, cadence, period_end)

        # month-on-month direction on the in-month series where the card has one (rule in the docstring)
        dir_basis, dir_now, dir_prev = basis, value, prev
        if basis != "month" and "month" in tuple(getattr(card, "bases", ()) or ()):
            month_rows = _series(kpi_values, card.id, "month", area)
            m_now = month_rows.get(now, {}).get("value")
            m_prev = month_rows.get(now - 1, {}).get("value")
            if not _missing(m_now) and not _missing(m_prev):
                dir_basis, dir_now, dir_prev = "month", m_now, m_prev

        proj = None
        if basis == "fytd" and cur.get("numerator") is not None:
            month_rows = _series(kpi_values, card.id, "month", area)
            recent = [(r["numerator"], r["denominator"]) for i in (now - 2, now - 1, now)
                      if (r := month_rows.get(i)) is not None and r.get("numerator") is not None]
            proportion = (card.raw or {}).get("proportion", True) if hasattr(card, "raw") else True
            scale = 100.0 if card.unit == "percent" else 1.0
            proj = projection(period_end, cur["numerator"], cur.get("denominator"), recent, tv, card.polarity,
                              scale=scale, max_value=100.0 if (card.unit == "percent" and proportion) else None)

        out.append({
            "kpi_id": card.id, "title": card.title, "polarity": card.polarity, "unit": card.unit,
            "basis": basis, "cadence": cadence, "period_end": period_end, "financial_year": tg.financial_year,
            "value": value, "numerator": cur.get("numerator"), "denominator": cur.get("denominator"),
            "target": tv, "tolerance": None if t is None else t.tolerance,
            "lower_tolerance": None if t is None else t.lower_tolerance,
            "upper_tolerance": None if t is None else t.upper_tolerance,
            "stretch": None if t is None else t.stretch,
            "rag": rag_for(value, t, card.polarity),
            "previous_value": prev,
            "direction_vs_previous_month": direction(dir_now, dir_prev, card.polarity, threshold, tv),
            "direction_basis": dir_basis,
            "last_year_value": last_year,
            "direction_vs_last_year": direction(value, last_year, card.polarity, threshold, tv),
            "breach": bool(months), "breach_months": list(months),
            "projected_value": None if proj is None else proj.projected_value,
            "projection_needed_value": None if proj is None else proj.needed_value,
            "projection_needed_numerator_per_month": None if proj is None else proj.needed_numerator_per_month,
            "projection_achievable": None if proj is None else proj.achievable,
            "projection_months_used": None if proj is None else proj.months_used,
        })
    return pl.DataFrame(out, schema=SCORECARD_SCHEMA)
