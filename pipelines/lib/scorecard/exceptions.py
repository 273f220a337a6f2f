"""The OCG pack's exceptions: how long a KPI has been Red, what next month must reach, who moved.

Pure functions over (month, RAG) series and numbers, so every sentence the commissioners read can be checked by
hand (tests/unit/test_exceptions.py). The breach rule itself is rules.breach_at; nothing here re-decides it.

Red runs (`red_run`, `run_wording`)
    The run is the consecutive Red periods ending at the month (monthly cadence) or at the latest quarter end on
    or before it (quarterly cadence: only Jun, Sep, Dec and Mar count), as in rules.breach_at. It is worded as
    its length and first period, never as a list of months: "Red for 13 consecutive months since March 2024",
    "Red for 2 consecutive quarters since the quarter ending December 2024". When the period before the run's
    first is older than the history held, the run may be longer: "Red for at least 24 consecutive months, since
    April 2023 or earlier".

Months to a breach (`months_to_breach`, `watch_wording`)
    A breach needs 3 Red months in a row (quarterly: 2 Red quarter ends). With k Red periods in the current run
    (k = 0 for an Amber or Green KPI), the earliest breach is at the (3 - k)-th month after this one
    (quarterly: the (2 - k)-th quarter end after this month), if every period until then is Red. An Amber KPI
    therefore reads "Amber; if Red next month, a breach in 3 months (June 2025)".

What next month must reach (`red_edge`, `next_month_needed`)
    The edge is the tolerance edge: the value on the Red/Amber boundary (polarity high: target - tolerance, at
    least; low: target + tolerance, at most; target band: the nearer edge of the band on the side the value
    lies). Leaving Red next month, or avoiding a breach, means the headline must reach the edge next month.
    - headline basis month, snapshot, quarter (and anything else): the in-month value must reach the edge.
    - fytd: next month's year to date is (N + n) / (D + d) x scale, with N, D this month's year-to-date
      numerator and denominator and d the assumed next-month volume: the mean month-basis denominator of the
      last three months (fewer if fewer exist). The in-month value x = n / d x scale needed to put the headline
      on the edge E is x = (E / scale x (D + d) - N) / d x scale. Next month April starts a new year: the year
      to date is then the in-month value, so x = E. A count KPI (no denominator): x = E - N.
    - r12: as fytd, after taking out the month that leaves the window next month (the one 11 months before
      this one): N and D become N - n_out and D - d_out. Not computed when that month is not held.
    - r36: not computed (the window reaches beyond the history held).
    x beyond what a month can give (above 100% for a proportion, below 0) reads "cannot be reached next
    month".

Changes since last month (`newly_red`, `recovered`, `movers`)
    newly Red: Red this month, not Red last month. Recovered: Red last month, Green or Amber this month.
    Movers: the KPIs whose value on the direction series (the in-month series where the card has one) changed
    most since last month, measured in tolerances (|change| / tolerance; the target's size when it has no
    tolerance); "same" (below the direction threshold) and KPIs without a target are not movers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from pipelines.lib import formatting as fmt
from pipelines.lib.calendar import month_end
from pipelines.lib.scorecard import rules

EPS = rules.EPS


def _mi(d: date) -> int:
    return d.year * 12 + d.month - 1


def _month(i: int) -> date:
    return month_end(date(i // 12, i % 12 + 1, 1))


def _latest_period(period_end: date, cadence: str) -> int:
    now = _mi(period_end)
    return now if cadence == "monthly" else now - (period_end.month % 3)


# --------------------------------------------------------------------------------------------- red runs
@dataclass(frozen=True)
class RedRun:
    cadence: str
    length: int             # Red periods in the run (months, or quarter ends)
    since: date | None      # the run's first period (month end)
    at_least: bool          # the period before `since` is older than the history held

    @property
    def in_breach(self) -> bool:
        return self.length >= (3 if self.cadence == "monthly" else 2)


def red_run(series: Sequence[tuple[date, str]], cadence: str, period_end: date,
            history_start: date | None = None) -> RedRun:
    """The Red run ending at the month (monthly) or at the latest quarter end on or before it (quarterly).
    `series` holds (month end, RAG) pairs; `history_start` is the first month held (default: the first month of
    the series)."""
    step = 1 if cadence == "monthly" else 3
    rag = {_mi(d): r for d, r in series if cadence == "monthly" or d.month % 3 == 0}
    if history_start is None:
        history_start = min((d for d, _ in series), default=period_end)
    i = _latest_period(period_end, cadence)
    n = 0
    while rag.get(i - n * step) == rules.RED:
        n += 1
    if n == 0:
        return RedRun(cadence, 0, None, False)
    first = i - (n - 1) * step
    return RedRun(cadence, n, _month(first), first - step < _mi(history_start))


def _quarter(d: date) -> str:
    return f"the quarter ending {d:%B %Y}"


def run_wording(run: RedRun) -> str:
    """'Red for 13 consecutive months since March 2024' (see the module docstring)."""
    if run.length == 0 or run.since is None:
        return "Not Red"
    quarterly = run.cadence == "quarterly"
    when = _quarter(run.since) if quarterly else f"{run.since:%B %Y}"
    if run.at_least:
        return (f"Red for at least {run.length} consecutive {'quarters' if quarterly else 'months'}, "
                f"since {when} or earlier")
    if run.length == 1:
        return f"Red for 1 {'quarter' if quarterly else 'month'} ({when})"
    return f"Red for {run.length} consecutive {'quarters' if quarterly else 'months'} since {when}"


# --------------------------------------------------------------------------------------------- months to breach
def months_to_breach(run_length: int, cadence: str, period_end: date) -> tuple[int, date]:
    """(months from this month, the month) of the earliest breach if every period until then is Red; 0 and
    this month when already in breach."""
    now = _mi(period_end)
    if cadence == "monthly":
        k = max(0, 3 - run_length)
        return k, _month(now + k)
    k = max(0, 2 - run_length)
    if k == 0:
        return 0, _month(now)
    first_qe = now + (3 - period_end.month % 3 if period_end.month % 3 else 3)
    qe = first_qe + 3 * (k - 1)
    return qe - now, _month(qe)


def watch_wording(rag: str, run: RedRun, period_end: date) -> str:
    """'Amber; if Red next month, a breach in 3 months (June 2025)' or, for a Red KPI not yet in breach,
    'Red for 1 month (March 2025); if still Red, a breach in 2 months (May 2025)'."""
    months, when = months_to_breach(run.length, run.cadence, period_end)
    if months == 0:
        return run_wording(run)
    span = fmt.months_words(months)
    if run.length == 0:
        label = {rules.AMBER: "Amber", rules.GREEN: "Green"}.get(rag, rag.capitalize())
        if run.cadence == "monthly":
            return f"{label}; if Red next month, a breach in {span} ({when:%B %Y})"
        n_qe = 2 - run.length
        return (f"{label}; if Red at the next {n_qe} quarter ends, a breach in {span} "
                f"({_quarter(when)})")
    if run.cadence == "monthly":
        return f"{run_wording(run)}; if still Red, a breach in {span} ({when:%B %Y})"
    return f"{run_wording(run)}; if Red at the next quarter end, a breach in {span} ({_quarter(when)})"


# --------------------------------------------------------------------------------------------- next month
def red_edge(value: float, target: rules.Target, polarity: str) -> tuple[float, str]:
    """(edge, 'at least' | 'at most'): the Red/Amber boundary the headline must reach."""
    if polarity == "high":
        return target.target - target.tolerance, "at least"
    if polarity == "low":
        return target.target + target.tolerance, "at most"
    lo = target.tolerance if target.lower_tolerance is None else target.lower_tolerance
    up = target.tolerance if target.upper_tolerance is None else target.upper_tolerance
    if value < target.target:
        return target.target - lo, "at least"
    return target.target + up, "at most"


@dataclass(frozen=True)
class NextMonth:
    month: date              # next month
    edge: float              # the headline value on the tolerance edge
    side: str                # 'at least' | 'at most'
    needed: float | None     # the in-month value needed next month (None: not computed)
    reachable: bool | None
    rule: str                # 'edge' | 'fytd' | 'fytd restarts' | 'r12' | 'not computed'
    volume: float | None     # the assumed next-month denominator


def next_month_needed(basis: str, period_end: date, edge: float, side: str, numerator: float | None,
                      denominator: float | None, recent: Sequence[tuple[float, float | None]],
                      leaving: tuple[float, float | None] | None = None, scale: float = 100.0,
                      max_value: float | None = 100.0) -> NextMonth:
    """The in-month value next month must reach so the headline reaches `edge` (rule in the module docstring).
    `recent`: month-basis (numerator, denominator) of up to the last three months; `leaving`: the month-basis
    (numerator, denominator) of the month leaving an r12 window next month."""
    nxt = _month(_mi(period_end) + 1)

    def result(needed: float | None, rule: str, volume: float | None = None) -> NextMonth:
        if needed is None:
            return NextMonth(nxt, edge, side, None, None, rule, volume)
        needed = round(needed, 9)
        if side == "at least":
            ok = max_value is None or needed <= max_value + EPS
        else:
            ok = needed >= -EPS
        return NextMonth(nxt, edge, side, needed, ok, rule, volume)

    if basis == "fytd" and nxt.month == 4:
        return result(edge, "fytd restarts")
    if basis not in ("fytd", "r12"):
        return result(None, "not computed") if basis == "r36" else result(edge, "edge")
    if numerator is None:
        return result(None, "not computed")
    n_held, d_held = numerator, denominator
    if basis == "r12":
        if leaving is None:
            return result(None, "not computed")
        n_held -= leaving[0]
        if d_held is not None:
            d_held -= leaving[1] or 0.0
    if denominator is None:  # a count: next month's headline is what is held plus next month's count
        return result(edge - n_held, basis)
    recent = list(recent)[-3:]
    if not recent:
        return result(None, "not computed")
    volume = sum((d or 0.0) for _, d in recent) / len(recent)
    if volume <= 0 or d_held is None:
        return result(None, "not computed", volume)
    x = (edge / scale * (d_held + volume) - n_held) / volume * scale
    return result(x, basis, volume)


def next_month_wording(nm: NextMonth, unit: str, in_breach: bool, month_basis: bool) -> str:
    """'To end the breach in April 2025 the in-month figure must be at least 72.4% (the year to date then
    reaches 70.0%, the tolerance edge).'"""
    goal = "To end the breach" if in_breach else "To be out of Red"
    edge = fmt.value(nm.edge, unit)
    if nm.needed is None:
        return f"{goal} in {nm.month:%B %Y} the headline must reach {edge} (tolerance edge)."
    what = "the in-month figure" if month_basis or nm.rule != "edge" else "the figure"
    if nm.rule == "edge":
        return f"{goal} in {nm.month:%B %Y} {what} must be {nm.side} {edge} (tolerance edge)."
    if not nm.reachable:
        return (f"{goal} in {nm.month:%B %Y} {what} would have to be {nm.side} {fmt.value(nm.needed, unit)}, "
                f"which cannot be reached next month: the headline cannot reach {edge} (tolerance edge) "
                f"until later.")
    head = {"fytd": "the year to date", "fytd restarts": "the new year to date", "r12": "the rolling 12 months"}
    text = (f"{goal} in {nm.month:%B %Y} {what} must be {nm.side} {fmt.value(nm.needed, unit)}, so that "
            f"{head[nm.rule]} reaches {edge} (tolerance edge)")
    if nm.rule == "fytd restarts":
        return text + "; April starts a new financial year."
    if nm.volume is not None:
        text += f", assuming about {fmt.count(round(nm.volume))} in the denominator, the recent monthly average"
    return text + "."


# --------------------------------------------------------------------------------------------- changes
def newly_red(now: str, previous: str | None) -> bool:
    return now == rules.RED and previous != rules.RED


def recovered(now: str, previous: str | None) -> bool:
    return previous == rules.RED and now in (rules.GREEN, rules.AMBER)


@dataclass(frozen=True)
class Move:
    kpi_id: str
    change: float            # current - previous, in the KPI's unit
    size: float              # |change| in tolerances (or in target sizes)
    direction: str           # 'better' | 'worse'


def movers(rows: Sequence[dict], n: int = 3) -> list[Move]:
    """rows: kpi_id, current, previous, direction ('better'/'worse'/'same'/'n/a'), tolerance, target.
    The n largest moves measured in tolerances (module docstring); ties by KPI id."""
    out = []
    for r in rows:
        if r["direction"] not in ("better", "worse") or r["current"] is None or r["previous"] is None:
            continue
        ref = r.get("tolerance") or abs(r.get("target") or 0.0)
        if not ref:
            continue
        ch = r["current"] - r["previous"]
        out.append(Move(r["kpi_id"], ch, abs(ch) / ref, r["direction"]))
    out.sort(key=lambda m: (-round(m.size, 9), m.kpi_id))
    return out[:n]


def rag_changes(now: dict[str, int], previous: dict[str, int]) -> dict[str, str]:
    """Per RAG key the change since last month: '+2', '-1', 'no change'."""
    out = {}
    for k, v in now.items():
        d = v - previous.get(k, 0)
        out[k] = "no change" if d == 0 else f"{d:+d}"
    return out
