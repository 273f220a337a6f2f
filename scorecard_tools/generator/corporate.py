"""Tables outside the SSD: complaints, budget monitoring, information-governance incidents, area lookup."""

from __future__ import annotations

import random

from .calendar import d_, fy_of, month_end, weekday
from .geo import COUNCIL_NAMES
from .model import Sim

SERVICE_LINES = (
    # (service line, cost-centre stem, 2019/20 budget £m for the trust, drift per month of the forecast)
    ("Children in care placements", "PLC", 62.0, 0.006),
    ("Safeguarding and family support", "SFS", 22.0, 0.001),
    ("Front door and MASH", "MASH", 5.0, 0.0),
    ("Leaving care", "LVC", 8.0, 0.002),
    ("Disabled children", "DCS", 9.0, 0.002),
    ("Adoption and permanence", "ADP", 11.0, 0.0),
    ("Workforce and practice development", "WFD", 4.0, -0.001),
    ("Business support and commissioning", "BSC", 7.0, -0.002),
)
COUNCIL_SHARE = {"940": 0.46, "941": 0.54}


def area_rows() -> list[tuple]:
    return [(code, name) for code, name in sorted(COUNCIL_NAMES.items())]


def complaints(sim: Sim, teams: list[str]) -> list[tuple]:
    """Stage 1 complaints (~250 a year), 10 working days to respond (20 with an agreed extension);
    about 10% escalate to stage 2 (25 working days), a few of those to stage 3."""
    r = random.Random(f"{sim.seed}:complaints")
    cal = sim.cal
    rows = []
    rate = 250 * sim.scale / 365.25
    d = sim.hist_start
    n = 0
    # children known by then, for the complaints that name a child
    firsts = sorted((c.first, c.pid) for c in sim.children)
    while True:
        d += r.expovariate(rate * 7 / 5)
        day = int(d)
        if day > sim.horizon:
            break
        if weekday(day) >= 5 or day in cal.holidays:
            continue
        n += 1
        cid = f"CMP{n:06d}"
        person = None
        if r.random() < 0.7:
            k = _bisect_first(firsts, day)
            if k:
                person = firsts[r.randint(max(0, k - 20000), k - 1)][1]
        ext = r.random() < 0.1
        due_wd = 20 if ext else 10
        due = cal.nth_after(day, due_wd)
        fy = fy_of(day)
        q = min(0.97, max(0.5, 0.80 + sim.fy["k01"].get(fy, 0.0) * 0.5 + r.gauss(0, 0.03)))
        u = r.random()
        if u < 0.015:
            responded = None
        elif r.random() < q:
            responded = cal.nth_after(day, r.randint(3, due_wd))
        else:
            responded = cal.nth_after(due, 1 + int(r.expovariate(1 / 6)))
        outcome = None if responded is None else _outcome(r)
        team = teams[int(r.random() * len(teams))]
        rows.append(
            (
                (
                    cid,
                    person,
                    day,
                    1,
                    None,
                    due if r.random() < 0.7 else None,
                    "Y" if ext else "N",
                    responded,
                    outcome,
                    team,
                ),
                day,
            )
        )
        if responded is not None and outcome != "WITHDRAWN" and r.random() < 0.1:
            n += 1
            s2 = f"CMP{n:06d}"
            d2 = cal.next_working(responded + r.randint(5, 30))
            ext2 = r.random() < 0.25
            due2 = cal.nth_after(d2, 65 if ext2 else 25)
            resp2 = None if r.random() < 0.03 else cal.nth_after(d2, r.randint(15, 70))
            rows.append(
                (
                    (
                        s2,
                        person,
                        d2,
                        2,
                        cid,
                        due2,
                        "Y" if ext2 else "N",
                        resp2,
                        None if resp2 is None else _outcome(r),
                        team,
                    ),
                    d2,
                )
            )
            if resp2 is not None and r.random() < 0.15:
                n += 1
                d3 = cal.next_working(resp2 + r.randint(10, 40))
                due3 = cal.nth_after(d3, 30)
                resp3 = cal.nth_after(d3, r.randint(10, 45))
                rows.append(((f"CMP{n:06d}", person, d3, 3, s2, due3, "N", resp3, _outcome(r), team), d3))
    return rows


def _bisect_first(firsts: list[tuple[int, str]], day: int) -> int:
    lo, hi = 0, len(firsts)
    while lo < hi:
        mid = (lo + hi) // 2
        if firsts[mid][0] <= day:
            lo = mid + 1
        else:
            hi = mid
    return lo


def _outcome(r: random.Random) -> str:
    u = r.random()
    return "UPHELD" if u < 0.2 else ("PARTIALLY_UPHELD" if u < 0.5 else ("NOT_UPHELD" if u < 0.95 else "WITHDRAWN"))


def budget(sim: Sim, first_month: int) -> list[tuple]:
    r = random.Random(f"{sim.seed}:budget")
    rows = []
    pe = first_month
    state: dict[tuple[str, str], float] = {}
    while pe <= sim.horizon:
        dd = d_(pe)
        fy = fy_of(pe)
        k = (dd.month - 4) % 12 + 1  # month of the financial year, 1..12
        growth = 1.045 ** (fy - 2019)
        for line, stem, base, drift in SERVICE_LINES:
            for council in ("940", "941"):
                key = (stem, council)
                if k == 1:
                    state[key] = r.gauss(0.0, 0.01)
                v = state[key] = state[key] + drift + r.gauss(0.0, 0.004)
                rb = random.Random(f"{sim.seed}:budget:{fy}:{stem}:{council}")
                annual = round(base * 1e6 * COUNCIL_SHARE[council] * growth * (1 + rb.gauss(0, 0.02)), -3)
                forecast = round(annual * (1 + v), 2)
                actual = round(forecast * k / 12 * (1 + r.gauss(0, 0.015)) * (0.96 if k < 12 else 1.0), 2)
                rows.append(((pe, line, f"CC{council}{stem}", float(annual), forecast, actual), pe))
        pe = month_end(dd.year + (dd.month == 12), 1 if dd.month == 12 else dd.month + 1)
    return rows


IG_CATEGORIES = (
    ("Disclosed in error", 0.45),
    ("Lost or stolen paperwork", 0.12),
    ("Lost or stolen device", 0.06),
    ("Unauthorised access", 0.12),
    ("Failure to redact", 0.15),
    ("Cyber incident", 0.03),
    ("Other", 0.07),
)


def ig_incidents(sim: Sim) -> list[tuple]:
    """A few incidents a month; about one a month (three a quarter) serious enough to report to the ICO
    within 72 hours. The ICO's outcome arrives weeks later (hidden date, used to blank it in earlier drops)."""
    r = random.Random(f"{sim.seed}:ig")
    rows = []
    scale = max(sim.scale, 0.2)
    rate = 5.0 * scale * 12 / 365.25
    d = float(sim.hist_start)
    n = 0
    cats = [c for c, _ in IG_CATEGORIES]
    cum = []
    acc = 0.0
    for _, w in IG_CATEGORIES:
        acc += w
        cum.append(acc)
    while True:
        d += r.expovariate(rate)
        day = int(d)
        if day > sim.horizon:
            break
        n += 1
        u = r.random() * acc
        cat = cats[next(i for i, c in enumerate(cum) if u < c)]
        report = r.random() < 0.25
        sev = "High" if report and r.random() < 0.6 else ("Medium" if r.random() < 0.4 else "Low")
        rep_date = day + r.randint(0, 3) if report else None
        outcome = None
        outcome_date = None
        if report:
            v = r.random()
            outcome = "No further action" if v < 0.7 else ("Advice issued" if v < 0.95 else "Reprimand")
            outcome_date = rep_date + r.randint(20, 120)
        rows.append(((f"IG{n:05d}", day, cat, sev, "Y" if report else "N", rep_date, outcome, outcome_date), day))
    return rows


def first_month_end(ordinal: int) -> int:
    d = d_(ordinal)
    return month_end(d.year, d.month)
