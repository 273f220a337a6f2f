"""Teams, workers and case allocations.

Each team has a number of case-holding *posts* sized from its simulated demand (average open allocations
/ (cases per FTE x FTE)); each post is filled by a succession of workers (permanent or agency) over time and
carries a workload weight, so some workers hold noticeably more cases than others. Allocations (one per
phase of a child's case) go to a post of the right team; when a worker leaves, their cases pass to the next
worker in the post (the involvement ends and a new one starts the same day).
"""

from __future__ import annotations

import datetime as dt
import heapq
import random

from . import params as P
from .calendar import month_end, o
from .geo import COUNCIL_NAMES
from .model import Sim

INF = 10**7


def build_teams() -> list[tuple[str, str, str, str, str]]:
    """(team id, name, council code, council name, team type)."""
    out = []
    for council in ("940", "941"):
        cname = COUNCIL_NAMES[council]
        for ttype, code, n, label in P.TEAM_TYPES:
            for k in range(1, n + 1):
                tid = f"T{council}{code}{k if n > 1 else ''}"
                name = f"{cname} {label}{f' {k}' if n > 1 else ''}"
                out.append((tid, name, council, cname, ttype))
    return out


class Workforce:
    def __init__(self, sim: Sim) -> None:
        self.sim = sim
        self.r = random.Random(f"{sim.seed}:workforce")
        self.teams = build_teams()
        self.by_type: dict[tuple[str, str], list[str]] = {}
        for tid, _, council, _, ttype in self.teams:
            self.by_type.setdefault((council, ttype), []).append(tid)
        self.posts: dict[str, list[dict]] = {}  # team -> posts
        self.workers: list[tuple] = []  # professional rows + appear
        self.alloc_team: list[str | None] = []
        self.alloc_worker: list[str | None] = []
        self._n_worker = 0

    # ---- sizing ---------------------------------------------------------------------------------------
    def _demand(self) -> dict[str, float]:
        """Average open allocations per team over the reporting span."""
        sim = self.sim
        lo, hi = sim.start, sim.horizon
        b_lo, b_hi = o(dt.date(P.BASELINE_FY, 4, 1)), o(dt.date(P.BASELINE_FY + 1, 3, 31))
        if lo <= b_lo and b_hi <= hi:  # staffing set for the baseline year's demand
            lo, hi = b_lo, b_hi
        span = max(1, hi - lo)
        load: dict[str, float] = {tid: 0.0 for tid, *_ in self.teams}
        for ci, council, ttype, s, e, _role in sim.allocs:
            e = INF if e is None else e
            ov = min(e, hi) - max(s, lo)
            if ov > 0:
                load[self._team_for(ci, council, ttype)] += ov / span
        return load

    def _team_for(self, ci: int, council: str, ttype: str) -> str:
        teams = self.by_type[(council, ttype)]
        if len(teams) == 1:
            return teams[0]
        return teams[int(self.sim.children[ci].team_key * len(teams))]

    def _new_worker(
        self, team: str, ttype: str, qualified: bool, fte: float, agency: bool, hired: int, manager: str | None = None
    ) -> str:
        self._n_worker += 1
        n = self._n_worker
        pid = f"PRF{n:05d}"
        r = self.r
        if manager:
            title = manager
        elif not qualified:
            title = "Personal Adviser" if ttype == "leaving_care" else "Social Work Assistant"
        else:
            u = r.random()
            title = "Social Worker" if u < 0.55 else "Senior Social Worker" if u < 0.85 else "Advanced Practitioner"
        reg = f"SW{r.randint(10000, 999999):06d}" if qualified else None
        self.workers.append(((pid, f"STF{n:05d}", title, reg, team, fte, "Y" if agency else "N"), hired))
        return pid

    def _fill(
        self, team: str, ttype: str, qualified: bool, fte: float, first: int, last: int, manager: str | None = None
    ) -> list[tuple[int, int, str, bool]]:
        """Succession of workers in one post: [(from, to, worker id, agency)]."""
        r = self.r
        occ = []
        t = first
        while t <= last:
            agency = manager is None and r.random() < P.AGENCY_HIRE_SHARE
            if agency:
                tenure = r.randint(180, 1460)
            else:
                tenure = max(180, int(r.expovariate(1 / (P.PERMANENT_TENURE_YEARS * 365))))
            if t + tenure > self.floor:  # workers who left before the held history are not extracted
                wid = self._new_worker(team, ttype, qualified, fte, agency, t, manager)
                occ.append((t, t + tenure, wid, agency))
            t = t + tenure
        return occ

    def build(self) -> None:
        sim = self.sim
        r = self.r
        demand = self._demand()
        first = self.floor = sim.hist_start - 365  # allocations before this are not held
        last = sim.horizon + 400
        for tid, _, _council, _, ttype in self.teams:
            posts = []
            qual_share = 0.25 if ttype == "leaving_care" else 0.94
            ftes = []
            # number of posts so that the average post holds CASES_PER_FTE x its FTE
            mean_fte = 0.9
            n = max(1, round(demand[tid] / (P.CASES_PER_FTE * mean_fte)))
            for _k in range(n):
                u = r.random()
                fte = 1.0 if u < 0.72 else (0.8 if u < 0.82 else (0.6 if u < 0.9 else 0.5))
                ftes.append(fte)
                qualified = r.random() < qual_share
                w = fte * r.lognormvariate(0.0, P.CASELOAD_SIGMA)
                start = first - r.randint(0, 6 * 365)
                posts.append(
                    {"fte": fte, "w": w, "q": qualified, "occ": self._fill(tid, ttype, qualified, fte, start, last)}
                )
            self.posts[tid] = posts
            # managers: one team manager, one or two assistant managers (no allocated cases)
            mgr = [
                {
                    "fte": 1.0,
                    "q": True,
                    "occ": self._fill(tid, ttype, True, 1.0, first - r.randint(0, 3000), last, "Team Manager"),
                }
            ]
            for _ in range(1 + (n > 10)):
                mgr.append(
                    {
                        "fte": 1.0,
                        "q": True,
                        "occ": self._fill(
                            tid, ttype, True, 1.0, first - r.randint(0, 3000), last, "Assistant Team Manager"
                        ),
                    }
                )
            self.managers = getattr(self, "managers", {})
            self.managers[tid] = mgr
        self._assign()

    def _assign(self) -> None:
        """Managed allocation: in date order, each new case goes to the less loaded (relative to its weight)
        of two posts of the team, so caseloads follow the posts' weights with modest noise."""
        sim = self.sim
        r = self.r
        inv = sim.t["ssd_involvements"]
        allocs = sim.allocs
        n = len(allocs)
        self.alloc_team = [None] * n
        self.alloc_worker = [None] * n
        for posts in self.posts.values():
            for p in posts:
                p["open"] = []
        order = sorted(range(n), key=lambda i: (allocs[i][3], i))
        for i in order:
            ci, council, ttype, s, e, role = allocs[i]
            s = max(s, self.floor)
            if e is not None and e < s:
                e = s
            tid = self._team_for(ci, council, ttype)
            posts = self.posts[tid]
            a = posts[int(r.random() * len(posts))]
            b = posts[int(r.random() * len(posts))]
            for p in (a, b):
                h = p["open"]
                while h and h[0] <= s:
                    heapq.heappop(h)
            post = a if len(a["open"]) / a["w"] <= len(b["open"]) / b["w"] else b
            heapq.heappush(post["open"], INF if e is None else max(e, s + 1))
            c = sim.children[ci]
            first_worker = None
            end = INF if e is None else e
            for ofrom, oto, wid, _agency in post["occ"]:
                if oto <= s or ofrom > end:
                    continue
                seg_s = max(s, ofrom)
                seg_e = min(end, oto)
                if first_worker is None:
                    first_worker = wid
                if seg_e < seg_s:
                    continue
                inv.add(
                    (sim.nid("INV", 8), wid, role, tid, seg_s, None if seg_e >= INF else seg_e, c.pid),
                    sim._late(r, seg_s, 0.02),
                )
                if seg_e == end:
                    break
            self.alloc_team[i] = tid
            self.alloc_worker[i] = first_worker

    # ---- outputs --------------------------------------------------------------------------------------
    def department_rows(self) -> list[tuple]:
        return [(tid, name, council, cname, ttype) for tid, name, council, cname, ttype in self.teams]

    def establishment_rows(self, first_month: int) -> list[tuple]:
        sim = self.sim
        r = random.Random(f"{sim.seed}:establishment")
        rows = []
        pe = first_month
        unfilled = {tid: 0.06 for tid, *_ in self.teams}
        while pe <= sim.horizon:
            for tid, *_ in self.teams:
                u = unfilled[tid] = min(0.2, max(0.0, 0.7 * unfilled[tid] + 0.3 * 0.06 + r.gauss(0, 0.01)))
                groups = {"qualified_social_worker": [], "social_work_manager": [], "other": []}
                for p in self.posts[tid]:
                    groups["qualified_social_worker" if p["q"] else "other"].append(p)
                groups["social_work_manager"] = self.managers[tid]
                for post_type in ("qualified_social_worker", "social_work_manager", "other"):
                    in_post = agency = 0.0
                    for p in groups[post_type]:
                        for ofrom, oto, _wid, ag in p["occ"]:
                            if ofrom <= pe < oto:
                                if ag:
                                    agency += p["fte"]
                                else:
                                    in_post += p["fte"]
                                break
                    if post_type == "other":
                        in_post += 2.0  # business support
                    occupied = in_post + agency
                    if occupied == 0:
                        continue
                    est = round(occupied / (1.0 - (u if post_type != "other" else u / 2)), 1)
                    vac = round(max(0.0, est - in_post), 1)
                    rows.append(((pe, tid, post_type, est, round(in_post, 1), round(agency, 1), vac), pe))
            y, m = _ym(pe)
            pe = month_end(y + (m == 12), 1 if m == 12 else m + 1)
        return rows


def _ym(ordinal: int) -> tuple[int, int]:
    from .calendar import d_

    d = d_(ordinal)
    return d.year, d.month
