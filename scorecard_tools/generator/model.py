"""The simulation: children and their case histories, as the true ("as now known") record.

Everything is simulated once, as full histories, from two years before ``start`` (front door) — with a stock
of children already in care whose care began earlier — up to the last extract date. The drop writer then
cuts each monthly extract from this record (nothing dated after the extract date; events in progress open;
late entries and corrections).

Rows are plain tuples in contract column order; dates are ordinals. Team and worker columns first hold an
*allocation* index, resolved to the team and worker once the workforce is built (workforce.py).
"""

from __future__ import annotations

import datetime as dt
import heapq
import math
import random
from bisect import bisect
from itertools import accumulate

import numpy as np

from . import params as P
from .calendar import add_months, add_years, calendar, d_, fy_of, month_end, o, weekday
from .geo import load_geo


class Dist:
    """A weighted categorical distribution drawn with one uniform."""

    __slots__ = ("values", "cum", "total")

    def __init__(self, pairs) -> None:
        self.values = [p[0] for p in pairs]
        self.cum = list(accumulate(p[1] for p in pairs))
        self.total = self.cum[-1]

    def draw(self, r: random.Random):
        return self.values[bisect(self.cum, r.random() * self.total)]


class AgeDist:
    __slots__ = ("bands", "dist")

    def __init__(self, bands) -> None:
        self.bands = bands
        self.dist = Dist([(i, b[2]) for i, b in enumerate(bands)])

    def draw(self, r: random.Random) -> float:
        lo, hi, _ = self.bands[self.dist.draw(r)]
        return lo + (hi - lo) * r.random()


class Buf:
    """Rows of one table plus the date each row first reaches the system and any later correction."""

    __slots__ = ("rows", "appear", "rev")

    def __init__(self) -> None:
        self.rows: list[tuple] = []
        self.appear: list[int] = []
        self.rev: dict[int, tuple[str, int, int]] = {}  # row -> (column, value shown before, until)

    def add(self, row: tuple, appear: int) -> int:
        self.rows.append(row)
        self.appear.append(appear)
        return len(self.rows) - 1


class Child:
    __slots__ = (
        "i",
        "pid",
        "sex",
        "eth",
        "dob",
        "exp_dob",
        "death",
        "upn",
        "first",
        "addr",
        "busy",
        "rr_until",
        "n_cp",
        "ext_cp",
        "team_key",
    )

    def council_at(self, d: int) -> str:
        cur = self.addr[0]
        for a in self.addr:
            if a[0] <= d:
                cur = a
            else:
                break
        return cur[3]

    def home_at(self, d: int):
        cur = self.addr[0]
        for a in self.addr:
            if a[0] <= d:
                cur = a
            else:
                break
        return cur


RC_FOR_REC = {
    "E11": "RC1",
    "E12": "RC1",
    "E45": "RC4",
    "E46": "RC4",
    "E47": "RC4",
    "E48": "RC4",
    "E41": "RC3",
    "E2": "RC2",
    "E3": "RC5",
    "E7": "RC6",
}
PERM_EXITS = {"E11", "E12", "E43", "E44", "E45", "E46", "E47", "E48", "E41"}
NOT_LEAVER_EXITS = PERM_EXITS | {"E2", "E3", "E15", "E16"}

TABLES = (
    "ssd_person",
    "ssd_address",
    "ssd_contacts",
    "ssd_cin_episodes",
    "ssd_cin_assessments",
    "ssd_cin_plans",
    "ssd_s47_enquiry",
    "ssd_initial_cp_conference",
    "ssd_cp_reviews",
    "ssd_cp_plans",
    "ssd_cla_episodes",
    "ssd_legal_status",
    "ssd_cla_placement",
    "ssd_care_leavers",
    "ssd_permanence",
    "ssd_cla_health",
    "ssd_cla_immunisations",
    "ssd_sdq_scores",
    "ssd_missing",
    "ssd_cla_reviews",
    "ssd_professionals",
    "ssd_involvements",
    "ssd_department",
    "complaints",
    "budget_monitoring",
    "workforce_establishment",
    "information_governance_incidents",
    "area_lookup",
    "ssd_disability",
    "ssd_immigration_status",
)


def _fy_effects(seed: int, first: int, last: int) -> dict[str, dict[int, float]]:
    """Year-to-year drift of each driver: AR(1) noise, zero in the baseline year 2019/20."""
    r = random.Random(f"{seed}:years")
    sds = {
        "k01": 0.03,
        "k03": 0.03,
        "k05": 0.06,
        "rr": 0.03,
        "cpr": 0.03,
        "vol": 0.03,
        "nfa": 0.03,
        "cla": 0.08,
        "place": 0.15,
        "k19": 0.04,
        "care_leaver": 0.04,
    }
    out: dict[str, dict[int, float]] = {}
    for name in sorted(sds):
        sd = sds[name]
        e = 0.0
        vals = {}
        for fy in range(first, last + 1):
            e = 0.6 * e + r.gauss(0.0, sd)
            vals[fy] = e
        base = vals.get(P.BASELINE_FY, 0.0)
        out[name] = {fy: v - base for fy, v in vals.items()}
    return out


class Sim:
    def __init__(self, seed: int, scale: float, start: int, horizon: int, warmup_years: int = 2) -> None:
        self.seed = seed
        self.scale = scale
        self.start = start
        self.horizon = horizon
        self.hist_start = add_years(start, -warmup_years)
        self.cal = calendar()
        self.geo = load_geo()
        self.r = random.Random(f"{seed}:front")
        self.rc = random.Random(f"{seed}:care")
        self.rm = random.Random(f"{seed}:misc")
        self.t = {name: Buf() for name in TABLES}
        self.children: list[Child] = []
        self.allocs: list[tuple] = []  # (child index, council, team type, start, end, role)
        self._counters: dict[str, int] = {}
        first_fy = fy_of(self.hist_start) - 20
        self.fy = _fy_effects(seed, first_fy, fy_of(horizon) + 3)
        # pools for choosing the child a referral is about
        self.closing: list[tuple[int, int]] = []
        self.pool_recent: list[int] = []
        self.pool_old: list[int] = []
        self.pool_cp: list[int] = []
        self.pool_contact: list[int] = []
        self.pool_active: list[int] = []
        # distributions
        self.d_source = Dist([(s[0], s[1]) for s in P.SOURCES])
        srcw = {s[0]: s[2] for s in P.SOURCES}
        mean_w = sum(s[1] * s[2] for s in P.SOURCES) / sum(s[1] for s in P.SOURCES)
        self.src_ref = {k: v / mean_w for k, v in srcw.items()}
        self.d_need = Dist(P.NEED_GENERAL)
        self.d_need_nfa = Dist(P.NEED_NFA)
        self.d_need_cp = Dist(P.NEED_CP)
        self.d_need_cla = Dist(P.NEED_CLA)
        self.age_general = AgeDist(P.AGE_GENERAL)
        self.age_cp = AgeDist(P.AGE_CP)
        self.age_cla = AgeDist(P.AGE_CLA)
        self.age_uasc = AgeDist(P.AGE_UASC)
        self.d_eth = Dist(P.ETHNICITY)
        self.d_eth_uasc = Dist(P.ETHNICITY_UASC)
        self.d_cat = Dist(P.CP_CATEGORIES)
        self.d_cp_outcome = Dist(P.CP_END_OUTCOME)
        self.d_cp_review = Dist(list(enumerate(P.CP_END_REVIEW, start=1)))
        self.care_plans = [(mx, Dist(pl)) for mx, pl in P.CARE_PLANS]
        self.place_by_age = [(mx, Dist(pl)) for mx, pl in P.PLACE_BY_AGE]
        self.d_long_place = Dist(P.LONG_TERM_PLACE)
        self.location = {k: Dist(list(zip(("in", "near", "far"), v, strict=True))) for k, v in P.LOCATION.items()}
        self.d_rec_short = Dist(P.REC_SHORT)
        self.d_rec_return = Dist(P.REC_RETURN)
        self.d_rec_18 = Dist(P.REC_AT_18)
        self.d_rec_16 = Dist(P.REC_EARLY_16)
        self.d_rec_sgo = Dist(P.REC_SGO)
        self.d_change = Dist(P.CHANGE_REASONS)
        self.d_eet = Dist(list(zip(P.EET, P.EET_W, strict=True)))
        self.d_neet = Dist(list(zip(P.NEET, P.NEET_W, strict=True)))
        self.d_acc_ok = Dist(list(zip(P.ACCOM_SUITABLE, P.ACCOM_SUITABLE_W, strict=True)))
        self.d_acc_bad = Dist(list(zip(P.ACCOM_UNSUITABLE, P.ACCOM_UNSUITABLE_W, strict=True)))
        self.care_leavers: dict[int, int] = {}  # child index -> first status row (one leaver per child)
        self.disability_need: dict[int, int] = {}  # child index -> first referral with need N2 (disability)

    # ---- helpers --------------------------------------------------------------------------------------
    def nid(self, prefix: str, width: int = 7) -> str:
        n = self._counters.get(prefix, 0) + 1
        self._counters[prefix] = n
        return f"{prefix}{n:0{width}d}"

    def eff(self, name: str, d: int) -> float:
        return self.fy[name].get(fy_of(d), 0.0)

    def alloc(self, c: Child, council: str, ttype: str, start: int, end: int | None, role: str = "ALLOCATED_SW") -> int:
        if end is not None and end < start:
            end = start
        self.allocs.append((c.i, council, ttype, start, end, role))
        return len(self.allocs) - 1

    def age_at(self, c: Child, d: int) -> float:
        return (d - c.dob) / 365.25

    def _late(self, r: random.Random, d: int, p: float = 0.03) -> int:
        """Date the record reaches the system: mostly the event date, a few percent weeks later."""
        if r.random() < p:
            return d + r.randint(8, 50)
        return d

    # ---- people ---------------------------------------------------------------------------------------
    def new_child(self, d: int, ages: AgeDist, eth: Dist | None = None, uasc: bool = False) -> Child:
        r = self.rm
        c = Child()
        c.i = len(self.children)
        c.pid = f"P{c.i + 1:07d}"
        age = ages.draw(r)
        c.exp_dob = None
        if age < 0:  # unborn
            c.exp_dob = d + r.randint(20, 170)
            c.dob = c.exp_dob + r.randint(-14, 10)
            if c.dob <= d:
                c.dob = d + 1
        else:
            c.dob = d - int(min(age, 17.85) * 365.25)
            if uasc and r.random() < 0.5 and d - _jan1(c.dob) < 17.85 * 365.25:
                c.dob = _jan1(c.dob)  # age-assessed: a 1 January date of birth
        c.sex = "M" if r.random() < (0.72 if uasc else 0.51) else "F"
        c.eth = (eth or self.d_eth).draw(r)
        c.death = None
        a = self.age_at(c, d)
        c.upn = "UN4" if uasc else ("UN2" if a < 5 else ("UN7" if r.random() < 0.03 else None))
        c.first = d
        c.busy = -1
        c.rr_until = -1
        c.n_cp = 0
        c.ext_cp = 0
        c.team_key = r.random()
        council = "941" if r.random() < 0.53 else "940"
        pcds = self.geo.home_pcd[council]
        k = int(r.random() * len(pcds))
        if c.exp_dob is not None:
            a_start = d - r.randint(0, 400)
        else:
            a_start = max(c.dob, d - int(r.expovariate(1 / 1100)))
        addr = [
            [a_start, None, pcds[k], council, float(self.geo.home_e[council][k]), float(self.geo.home_n[council][k])]
        ]
        if r.random() < 0.22:
            m = d + r.randint(30, 2400)
            if m < self.horizon + 400:
                nc = council if r.random() < 0.92 else ("940" if council == "941" else "941")
                pl = self.geo.home_pcd[nc]
                k2 = int(r.random() * len(pl))
                addr[0][1] = m
                addr.append([m, None, pl[k2], nc, float(self.geo.home_e[nc][k2]), float(self.geo.home_n[nc][k2])])
        c.addr = addr
        self.children.append(c)
        return c

    # ---- front door -----------------------------------------------------------------------------------
    def contact_dates(self) -> list[int]:
        """Contact dates over the span: Poisson counts per day from the seasonal, weekly and yearly shape,
        scaled so the baseline year (2019/20) has CONTACTS_PER_YEAR x scale contacts."""
        rng = np.random.default_rng([self.seed, 11])
        days = list(range(self.hist_start, self.horizon + 1))
        b0 = o(dt.date(P.BASELINE_FY, 4, 1))
        base_total = sum(self._day_factor(d) for d in range(b0, o(dt.date(P.BASELINE_FY + 1, 3, 31)) + 1))
        k = P.CONTACTS_PER_YEAR * self.scale / base_total
        lam = np.array(
            [
                self._day_factor(d) * k * P.FY_VOLUME.get(fy_of(d), 1.0) * math.exp(self.fy["vol"].get(fy_of(d), 0.0))
                for d in days
            ]
        )
        counts = rng.poisson(lam)
        out: list[int] = []
        for d, n in zip(days, counts.tolist(), strict=True):
            out.extend([d] * n)
        return out

    def _day_factor(self, d: int) -> float:
        dd = d_(d)
        f = P.MONTH_FACTOR[dd.month] * P.DOW_FACTOR[weekday(d)]
        if d in self.cal.holidays:
            f *= P.BANK_HOLIDAY_FACTOR
        if (dd.month == 12 and dd.day >= 24) or (dd.month == 1 and dd.day == 1):
            f *= P.CHRISTMAS_FACTOR
        f *= P.COVID_FACTOR.get((dd.year, dd.month), 1.0)
        return f

    def run_front_door(self) -> None:
        r = self.r
        cal = self.cal
        contacts = self.t["ssd_contacts"]
        month_q: dict[tuple[int, int], float] = {}
        closing = self.closing
        day = -1
        q = 0.0
        mon = 0
        for d in self.contact_dates():
            if d != day:
                day = d
                while closing and closing[0][0] < d:
                    _, ci = heapq.heappop(closing)
                    self._release(ci, d)
                dd = d_(d)
                mon = dd.month
                key = (dd.year, mon)
                q = month_q.get(key)
                if q is None:
                    q = min(0.97, max(0.55, P.KPI01_Q + self.eff("k01", d) + r.gauss(0, 0.02)))
                    month_q[key] = q
            src = self.d_source.draw(r)
            if src == "2A" and mon == 8:
                src = self.d_source.draw(r)
            cid = self.nid("CT")
            p_ref = P.REFERRAL_SHARE * self.src_ref[src]
            if r.random() < p_ref:
                path = self._draw_path(d)
                c = self._pick_for_referral(d, path)
                lag = self._contact_lag(q, decided=True)
                dec = d if lag == 0 else cal.nth_after(d, lag)
                rid = self.referral(d, c, path, src)
                outcome = f'{{"outcome":"REFERRAL","referral_id":"{rid}"}}'
            else:
                c, open_case = self._pick_for_contact(d)
                lag = self._contact_lag(q, decided=False)
                dec = None if lag is None else (d if lag == 0 else cal.nth_after(d, lag))
                if open_case:
                    oc = "OPEN_CASE"
                else:
                    u = r.random()
                    oc = "NFA" if u < 0.45 else ("EARLY_HELP" if u < 0.78 else "INFORMATION_ADVICE")
                outcome = f'{{"outcome":"{oc}"}}'
            row = contacts.add((cid, c.pid, d, src, outcome, dec), self._late(r, d, 0.025))
            if dec is not None and r.random() < 0.01:
                contacts.rev[row] = ("cont_contact_decision_date", dec + r.randint(1, 4), dec + r.randint(10, 60))

    def _contact_lag(self, q: float, decided: bool) -> int | None:
        r = self.r
        if not decided and r.random() < 0.004:
            return None
        if r.random() < q:
            u = r.random()
            return 0 if u < 0.5 else (1 if u < 0.8 else 2)
        return min(60, 3 + int(r.expovariate(1 / 2.5)))

    def _release(self, ci: int, d: int) -> None:
        c = self.children[ci]
        if c.death is not None or c.busy >= d:
            return
        self.pool_recent.append(ci)
        if c.n_cp or c.ext_cp:
            self.pool_cp.append(ci)

    def _pick(self, pool: list[int], d: int, max_age: float, recent: bool = False) -> Child | None:
        r = self.r
        for _ in range(10):
            if not pool:
                return None
            k = int(r.random() * len(pool))
            ci = pool[k]
            c = self.children[ci]
            pool[k] = pool[-1]
            pool.pop()
            if c.busy >= d or c.death is not None:
                continue
            if (d - c.dob) > max_age * 365.25 or c.dob > d and c.exp_dob is None:
                continue
            if recent and c.rr_until < d:
                self.pool_old.append(ci)
                continue
            return c
        return None

    def _draw_path(self, d: int) -> dict:
        r = self.r
        p: dict = {
            "nfa_ref": False,
            "no_ass": False,
            "s47": False,
            "icpc": False,
            "cp": False,
            "ass_nfa": False,
            "cin": False,
            "cla": False,
            "uasc": False,
            "transfer": False,
        }
        u = r.random()
        if u < P.P_UASC * (1 + self.eff("cla", d)):
            p["uasc"] = True
            p["cla"] = True
            return p
        if r.random() < P.P_TRANSFER_IN:
            p["transfer"] = True
            p["cp"] = True
            return p
        if r.random() < P.P_NFA_REFERRAL:
            p["nfa_ref"] = True
            return p
        if r.random() < P.P_NO_ASSESSMENT:
            p["no_ass"] = True
            return p
        if r.random() < P.P_CLA_DIRECT * (1 + self.eff("cla", d)):
            p["cla"] = True
            return p
        if r.random() < P.P_S47:
            p["s47"] = True
            if r.random() < P.P_ICPC:
                p["icpc"] = True
                p["cp"] = r.random() < P.P_CP_AT_ICPC
                if not p["cp"]:
                    p["cin"] = r.random() < 0.6
            else:
                p["ass_nfa"] = r.random() < P.P_ASS_NFA_S47 + self.eff("nfa", d)
                if not p["ass_nfa"]:
                    p["cin"] = r.random() < 0.5
            return p
        p["ass_nfa"] = r.random() < P.P_ASS_NFA_OTHER + self.eff("nfa", d)
        if not p["ass_nfa"]:
            p["cin"] = r.random() < P.P_CIN_AFTER_ASSESSMENT
        return p

    def _pick_for_referral(self, d: int, path: dict) -> Child:
        r = self.r
        if path["uasc"]:
            return self.new_child(d, self.age_uasc, self.d_eth_uasc, uasc=True)
        c = None
        if path["cp"] and r.random() < P.CP_REPEAT_P + self.eff("cpr", d):
            c = self._pick(self.pool_cp, d, 16.8)
        if c is None and not (path["cla"] and r.random() < 0.6):
            u = r.random()
            prr = P.RE_REFERRAL_P + self.eff("rr", d)
            max_age = 16.8 if (path["cp"] or path["cla"]) else 17.7
            if u < prr:
                c = self._pick(self.pool_recent, d, max_age, recent=True)
            elif u < prr + P.OLD_REFERRAL_P:
                c = self._pick(self.pool_old, d, max_age)
        if c is None:
            ages = self.age_cla if path["cla"] else (self.age_cp if path["cp"] else self.age_general)
            if r.random() < 0.3 and not path["cla"]:
                c = self._pick(self.pool_contact, d, 17.5)
            if c is None:
                c = self.new_child(d, ages)
                if path["cp"] and r.random() < P.EXT_PREVIOUS_CPP_P:
                    c.ext_cp = 1 if r.random() < 0.8 else 2
        return c

    def _pick_for_contact(self, d: int) -> tuple[Child, bool]:
        r = self.r
        u = r.random()
        if u < 0.06:
            c = self._pick_active(d)
            if c is not None:
                return c, True
        if u < 0.40:
            pool = self.pool_contact if u < 0.25 else (self.pool_recent if u < 0.33 else self.pool_old)
            c = self._pick(pool, d, 17.9)
            if c is not None:
                if pool is not self.pool_contact:
                    pool.append(c.i)
                self.pool_contact.append(c.i)
                return c, False
        c = self.new_child(d, self.age_general)
        if c.dob <= d:
            self.pool_contact.append(c.i)
        return c, False

    def _pick_active(self, d: int) -> Child | None:
        r = self.r
        pool = self.pool_active
        for _ in range(5):
            if not pool:
                return None
            k = int(r.random() * len(pool))
            c = self.children[pool[k]]
            if c.busy >= d and c.death is None and c.dob <= d:
                return c
            pool[k] = pool[-1]
            pool.pop()
        return None

    # ---- referrals and what follows -------------------------------------------------------------------
    def referral(self, d: int, c: Child, path: dict, src: str) -> str:
        r = self.r
        cal = self.cal
        t = self.t
        rid = self.nid("RF")
        council = c.council_at(d)
        b18 = add_years(c.dob, 18)
        late = not path["cla"] and r.random() < 0.03
        ra = d + r.randint(8, 45) if late else d
        if path["uasc"] or path["cla"]:
            need = "N8" if path["uasc"] else self.d_need_cla.draw(r)
        elif path["nfa_ref"]:
            need = self.d_need_nfa.draw(r)
        elif path["cp"]:
            need = self.d_need_cp.draw(r)
        else:
            need = self.d_need.draw(r)
        disabled = need == "N2"
        if disabled:
            self.disability_need.setdefault(c.i, d)
        ass_type = "disabled_children" if disabled else "assessment"
        sg_type = "disabled_children" if disabled else "safeguarding"
        c.rr_until = add_months(d, 12)
        c.busy = 10**7  # busy while we build the case; set to the close date below

        if path["nfa_ref"] or path["no_ass"]:
            close = cal.nth_after(d, r.choice((0, 0, 1, 1, 2, 3, 5)))
            fd = self.alloc(c, council, "front_door", d, close)
            reason = "RC8" if path["nfa_ref"] else ("RC5" if r.random() < 0.3 else "RC7")
            t["ssd_cin_episodes"].add(
                (rid, c.pid, d, need, src, "Y" if path["nfa_ref"] else "N", reason, close, fd, fd), ra
            )
            self._close(c, close)
            return rid

        if path["transfer"]:
            return self._transfer_in(d, c, rid, council, need, src, ra)

        # assessment
        u = r.random()
        a_lag = 0 if u < 0.5 else (1 if u < 0.75 else (r.randint(2, 3) if u < 0.9 else r.randint(4, 10)))
        a_start = cal.nth_after(d, a_lag)
        q3 = min(0.98, max(0.6, P.KPI03_Q + self.eff("k03", d) + r.gauss(0, 0.015)))
        if r.random() < q3:
            n = 1 + int(44 * r.betavariate(2.4, 1.25))
        else:
            n = 46 + int(r.expovariate(1 / 13))
        a_auth = cal.nth_after(a_start, n)
        fd = self.alloc(c, council, "front_door", d, a_start)
        t_events = [a_auth]
        care_start = None
        s47_end = None
        sg_start = None
        icpc_date = None
        s47_id = None
        plan_outcome = None
        cin_spans: list[tuple[int, int]] = []

        if path["s47"]:
            u = r.random()
            s_start = d if u < 0.35 else cal.nth_after(d, r.randint(1, 3) if u < 0.75 else r.randint(4, 15))
            s47_id = self.nid("S47", 6)
            if path["icpc"]:
                q5 = min(0.97, max(0.3, P.KPI05_Q + self.eff("k05", d) + r.gauss(0, 0.04)))
                if r.random() < q5:
                    n5 = max(2, round(15 * r.betavariate(4.0, 1.3)))
                else:
                    n5 = 16 + int(r.expovariate(1 / 7))
                icpc_date = cal.nth_after(s_start, n5)
                s47_end = cal.nth_after(s_start, max(1, n5 - r.randint(0, 6)))
                s_nfa = "N"
            else:
                s47_end = cal.nth_after(s_start, r.randint(3, 25))
                s_nfa = "Y" if (path["ass_nfa"] or r.random() < 0.35) else "N"
            t_events.append(s47_end)
            s47_row = (s47_id, rid, c.pid, s_start, s47_end, s_nfa, "ALLOC", "ALLOC")
        else:
            s47_row = None

        if path["cp"] or path["icpc"]:
            icpc_id = self.nid("IC")
            sg_start = icpc_date
            cp_id = self.nid("CP") if path["cp"] else None
            target = cal.nth_after(s_start, 15)
            icpc_row = [
                icpc_id,
                s47_id,
                c.pid,
                cp_id,
                rid,
                "N",
                target,
                icpc_date,
                "Y" if path["cp"] else "N",
                None,
                None,
            ]
            if path["cp"]:
                plan_end, plan_outcome = self._cp_plan(c, rid, icpc_id, cp_id, icpc_date, max(ra, icpc_date))
                t_events.append(plan_end)
                if plan_outcome == "cla":
                    care_start = plan_end
                elif plan_outcome == "cin":
                    cin_spans.append((plan_end, plan_end + r.randint(60, 300)))
            elif path["cin"]:
                cs = icpc_date + r.randint(0, 10)
                cin_spans.append((cs, cs + self._cin_duration(disabled)))
        elif path["cin"]:
            base = max(a_auth, s47_end or a_auth)
            cs = base + (0 if r.random() < 0.6 else r.randint(1, 12))
            ce = cs + self._cin_duration(disabled)
            if r.random() < P.P_CLA_FROM_CIN * (1 + self.eff("cla", d)) and c.dob < cs:
                care_start = cs + r.randint(20, max(21, ce - cs))
                ce = care_start
            cin_spans.append((cs, ce))
        if path["cla"]:
            care_start = max(d, c.dob) + (0 if r.random() < 0.5 else r.randint(1, 21))

        # CIN plans (capped at the 18th birthday)
        sg_alloc_start = sg_start
        for cs, ce in cin_spans:
            ce = min(ce, b18 - 1)
            if ce <= cs:
                ce = cs + 1
            if sg_alloc_start is None:
                sg_alloc_start = cs
            t_events.append(ce)
        care_end = None
        rec = None
        if care_start is not None:
            care_start = max(care_start, c.dob)
            if care_start >= b18:
                care_start = None
        if care_start is not None:
            route = "uasc" if path["uasc"] else ("cp" if plan_outcome == "cla" else "direct")
            care_end, rec = self.care(c, care_start, route, rid, need, council, ra)
            t_events.append(care_end if care_end is not None else care_start)

        last = max(t_events)
        if path["ass_nfa"]:
            close = cal.nth_after(last, 0 if r.random() < 0.6 else r.randint(1, 5))
            reason = "RC8" if r.random() < 0.6 else "RC9"
        elif care_start is not None:
            close = care_end
            reason = RC_FOR_REC.get(rec, "RC7") if rec else None
        else:
            close = last + (0 if r.random() < 0.5 else r.randint(1, 20))
            reason = "RC7"
        if close is not None and close >= b18 and care_start is None:
            close = max(last, b18 - 1)
        died = False
        if care_start is None and r.random() < 0.0008:
            died = True
            reason = "RC2"
            c.death = close

        # allocations: assessment worker until the next phase, then safeguarding
        a_end = sg_alloc_start if sg_alloc_start is not None else (care_start or close)
        if a_end is None or a_end < a_start:
            a_end = a_start
        aa = self.alloc(c, council, ass_type, a_start, a_end)
        if sg_alloc_start is not None:
            sg_end = care_start if care_start is not None else close
            sa = self.alloc(c, council, sg_type, sg_alloc_start, sg_end)
        else:
            sa = aa

        # rows
        cine = t["ssd_cin_episodes"]
        row = cine.add((rid, c.pid, d, need, src, "N", reason, close, fd, fd), ra)
        if close is not None and not died and care_start is None and r.random() < 0.01:
            cine.rev[row] = ("cine_close_date", close + r.randint(1, 5), close + r.randint(10, 70))
        if path["ass_nfa"]:
            flag = None if r.random() < P.P_ASS_NFA_BLANK else "Y"
        else:
            flag = None if r.random() < 0.015 else "N"
        seen = "Y" if (r.random() < 0.96 or c.dob > a_start) else "N"
        if c.dob > a_start:
            seen = "N"
        ass = t["ssd_cin_assessments"]
        row = ass.add(
            (self.nid("AS"), c.pid, rid, a_start, seen, a_auth, flag, aa, aa), max(self._late(r, a_start, 0.02), ra)
        )
        if r.random() < 0.015:
            wrong = max(a_start, a_auth + r.choice((-5, -4, -3, -2, -1, 1, 2, 3, 4, 5)))
            if wrong != a_auth:
                ass.rev[row] = ("cina_assessment_auth_date", wrong, a_auth + r.randint(10, 80))
        if s47_row is not None:
            t["ssd_s47_enquiry"].add(s47_row[:6] + (aa, aa), max(s47_row[3], ra))
        if path["cp"] or path["icpc"]:
            icpc_row[9] = sa
            icpc_row[10] = sa
            t["ssd_initial_cp_conference"].add(tuple(icpc_row), max(icpc_date, ra))
        for cs, ce in cin_spans:
            ce = min(ce, b18 - 1)
            if ce <= cs:
                ce = cs + 1
            t["ssd_cin_plans"].add((self.nid("CIN"), rid, c.pid, cs, ce, sa, sa), max(cs, ra))
        self._close(c, close)
        return rid

    def _cin_duration(self, disabled: bool) -> int:
        r = self.r
        if disabled:
            return r.randint(180, 1100)
        return max(30, int(r.lognormvariate(math.log(150), 0.55)))

    def _close(self, c: Child, close: int | None) -> None:
        if close is None:
            c.busy = 10**7
            return
        c.busy = close
        heapq.heappush(self.closing, (close, c.i))
        self.pool_active.append(c.i)

    def _transfer_in(self, d, c, rid, council, need, src, ra) -> str:
        r = self.r
        cal = self.cal
        icpc_id = self.nid("IC")
        cp_id = self.nid("CP")
        n = r.randint(5, 20)
        icpc_date = cal.nth_after(d, n)
        target = cal.nth_after(d, 15)
        if not c.ext_cp and r.random() < 0.4:
            c.ext_cp = 1
        plan_end, outcome = self._cp_plan(c, rid, icpc_id, cp_id, icpc_date, max(ra, icpc_date))
        close = plan_end + (r.randint(60, 250) if outcome == "cin" else r.randint(0, 10))
        care_end = None
        rec = None
        if outcome == "cla" and plan_end < add_years(c.dob, 18):
            care_end, rec = self.care(c, max(plan_end, c.dob), "cp", rid, need, council, ra)
            close = care_end
        fd = self.alloc(c, council, "front_door", d, d)
        sa = self.alloc(c, council, "safeguarding", d, close)
        reason = (RC_FOR_REC.get(rec, "RC7") if rec else None) if outcome == "cla" else "RC7"
        self.t["ssd_cin_episodes"].add((rid, c.pid, d, need, src, "N", reason, close, fd, fd), ra)
        self.t["ssd_initial_cp_conference"].add(
            (icpc_id, None, c.pid, cp_id, rid, "Y", target, icpc_date, "Y", sa, sa), max(icpc_date, ra)
        )
        if outcome == "cin":
            self.t["ssd_cin_plans"].add((self.nid("CIN"), rid, c.pid, plan_end, close, sa, sa), max(plan_end, ra))
        self._close(c, close)
        return rid

    def _cp_plan(self, c: Child, rid: str, icpc_id: str, cp_id: str, start: int, appear: int):
        r = self.r
        outcome = self.d_cp_outcome.draw(r)
        k_end = self.d_cp_review.draw(r)
        if k_end == len(P.CP_END_REVIEW):
            k_end += r.randint(0, 3)
        b18 = add_years(c.dob, 18)
        reviews = []
        due = add_months(start, 3)
        for _ in range(k_end):
            held = due - r.randint(0, 14) if r.random() < 0.93 else due + r.randint(1, 35)
            held = max(held, start + 1)
            reviews.append((due, held))
            due = add_months(held, 6)
        end = reviews[-1][1]
        if outcome == "cla":
            end = start + r.randint(20, max(21, end - start))
            if c.dob > end:
                end = c.dob + r.randint(0, 20)
        if end >= b18:
            end = b18 - 1
            if outcome == "cla":
                outcome = "close"
        if end <= start:
            end = start + 1
        cat = self.d_cat.draw(r)
        latest = cat if r.random() < 0.9 else self.d_cat.draw(r)
        prev = c.ext_cp + (c.n_cp if r.random() < 0.6 else 0)
        self.t["ssd_cp_plans"].add((cp_id, rid, icpc_id, c.pid, start, end, cat, latest, prev), appear)
        c.n_cp += 1
        cpr = self.t["ssd_cp_reviews"]
        for due, held in reviews:
            if held > end:
                break
            cpr.add((self.nid("CPR"), cp_id, c.pid, due, held), max(min(due, held), appear))
        return end, outcome

    # ---- care -----------------------------------------------------------------------------------------
    def care(self, c: Child, s: int, *args, **kwargs) -> tuple[int, str]:
        """One period of care, drawn from its own random stream: how one child's care unfolds (and any
        tuning of it) does not shift the draws of every later child."""
        shared = self.rc
        self.rc = random.Random(f"{self.seed}:care:{c.pid}:{s}")
        try:
            return self._care(c, s, *args, **kwargs)
        finally:
            self.rc = shared

    def _care(
        self,
        c: Child,
        s: int,
        route: str,
        rid: str,
        need: str,
        council: str,
        appear: int,
        forced_plan: str | None = None,
        forced_ex: int | None = None,
    ) -> tuple[int, str]:
        """Simulate one period of care from ``s``; returns (end date, reason episode ceased)."""
        rc = self.rc
        age = (s - c.dob) / 365.25
        b16 = add_years(c.dob, 16)
        b18 = add_years(c.dob, 18)
        if forced_plan:
            plan = forced_plan
        elif route == "uasc":
            plan = "uasc"
        else:
            plan = next(d for mx, d in self.care_plans if age < mx).draw(rc)
        cla_id = self.nid("CLA", 6)
        perm = None  # [adm, po, match, placed, ffa, reversed, order, type]
        forced: list[tuple[int, str, bool]] = []
        po = None
        rec = None
        ex = None
        if plan == "adopt":
            # Adoption timings come from the child's own stream, so tuning them (KPI18/KPI19) leaves every
            # other draw of the simulation where it was.
            ra = random.Random(f"{self.seed}:adopt:{c.pid}:{s}")
            adm = s + ra.randint(100, 330)
            po = adm + 20 + int(ra.gammavariate(3.0, P.ADM_TO_ORDER_GAMMA_SCALE))
            if ra.random() < P.ADM_COURT_DELAY_P:  # contested or delayed proceedings: the long tail of KPI19
                po += ra.randint(*P.ADM_COURT_DELAY_DAYS)
            if ra.random() < 0.09:
                match = max(adm + 10, po - ra.randint(3, 60))
            else:
                match = po + 15 + int(ra.gammavariate(P.MATCH_GAMMA[0], P.MATCH_GAMMA[1] * (1 + self.eff("k19", s))))
            ffa = ra.random() < 0.12
            same = ffa or ra.random() < 0.15
            if ffa:
                ffa_date = s + ra.randint(3, 100)
                placed = max(po, match) + ra.randint(0, 10)
            else:
                ffa_date = None
                placed = match + ra.randint(7, 28)
            if ra.random() < 0.08:  # decision reversed before placement
                rev = adm + ra.randint(45, max(46, placed - adm - 5))
                perm = [
                    adm,
                    po if po < rev else None,
                    match if match < rev else None,
                    None,
                    ffa_date if ffa_date and ffa_date < rev else None,
                    rev,
                    None,
                    None,
                ]
                if po >= rev:
                    po = None
                if ra.random() < 0.5:
                    ex = rev + ra.randint(120, 500)
                    rec = self.d_rec_sgo.draw(rc)
                    perm[6] = ex
                    perm[7] = "SGO"
                else:
                    plan = "long_term"
                if ffa_date and ffa_date < rev:
                    forced.append((ffa_date, "U5", False))
            else:
                order = placed + ra.randint(110, 330)
                ex = order
                # a few are placed with parental consent and no placement order (A3/A4 rather than A5/A6)
                consent = not ffa and ra.random() < P.ADOPTION_BY_CONSENT
                rec = "E11" if consent or ra.random() < 0.8 else "E12"
                if consent:
                    po = None
                perm = [adm, po, match, placed, ffa_date, None, order, "ADOPTION"]
                if ffa_date:
                    forced.append((ffa_date, "U5", False))
                    forced.append((placed, "A5", True))
                elif consent:
                    forced.append((placed, "A3" if same else "A4", same))
                else:
                    forced.append((placed, "A5" if same else "A6", same))
        if plan == "short":
            ex = forced_ex or s + 1 + int(rc.expovariate(1 / 70))
            rec = self.d_rec_short.draw(rc)
        elif plan == "return_long":
            ex = forced_ex or s + rc.randint(270, 1300)
            rec = self.d_rec_return.draw(rc)
        elif plan == "sgo":
            ex = forced_ex or s + rc.randint(270, 900)
            rec = self.d_rec_sgo.draw(rc)
            perm = [None, None, None, None, None, None, ex, "SGO"]
        elif plan == "cao":
            ex = forced_ex or s + rc.randint(240, 730)
            rec = "E41"
            perm = [None, None, None, None, None, None, ex, "CAO"]
        elif plan == "remand":
            ex = forced_ex or s + rc.randint(10, 120)
            rec = "E14" if rc.random() < 0.7 else "E9"
        elif plan in ("long_term", "uasc") and ex is None:
            u = rc.random()
            if plan == "uasc" and u < 0.08:
                ex = s + rc.randint(30, 200)
                rec = "E15"
            elif age < 16 and u < 0.22:
                ex = b16 + rc.randint(0, 700)
                rec = self.d_rec_16.draw(rc)
            elif u < 0.30 and plan == "long_term":
                ex = s + rc.randint(365, 2500)
                rec = "E4B" if rc.random() < 0.4 else "E13"
            else:
                ex = b18
                rec = self.d_rec_18.draw(rc)
            if perm is not None and perm[5] is not None and ex <= perm[5]:
                ex = perm[5] + rc.randint(30, 400)
                rec = "E13" if rc.random() < 0.5 else "E4A"
        if rec in ("E45", "E46", "E47", "E48", "E41") and rec != "E45" and ex - s > 150:
            forced.append((ex - rc.randint(60, min(240, ex - s - 30)), "U3", False))
        if ex >= b18:
            ex = b18
            if rec in PERM_EXITS or rec in ("E4A", "E4B", "E13", "E14", "E9", "E15") or rec is None:
                rec = self.d_rec_18.draw(rc)
                if perm is not None:
                    perm[6] = None
                    perm[7] = None
        if rc.random() < 0.002:
            ex = s + rc.randint(1, max(1, ex - s))
            rec = "E2"
            c.death = ex
        elif rc.random() < 0.01 and rec not in PERM_EXITS:
            ex = s + rc.randint(1, max(1, ex - s))
            rec = "E3"
        ex = max(ex, s + 1)
        forced = sorted(f for f in forced if s < f[0] < ex)
        if perm is not None and (rec not in PERM_EXITS):
            perm[6] = None
            perm[7] = None

        # Special guardianship was coded E43/E44 until 2019/20 and E45-E48 from 2020/21 (SSDA903).
        if rec in LEGACY_SGO and ex < SGO_CODES_FROM:
            rec = LEGACY_SGO[rec]
        # legal statuses
        legal = self._legal_timeline(c, s, ex, age, plan, route, po)
        # placements
        home = c.home_at(s)
        places = self._placements(c, s, ex, plan, forced, home)
        legal = self._snap_legal(legal, places, po)
        self._episodes(c, cla_id, s, ex, rec, need, rid, legal, places, appear)

        # permanence
        if perm is not None:
            for k in range(6):
                if perm[k] is not None and perm[k] > ex:
                    perm[k] = None
            dates = [x for x in perm[:7] if x is not None]
            if dates:
                if perm[6] is not None and perm[6] > ex:
                    perm[6] = None
                    perm[7] = None
                self.t["ssd_permanence"].add((c.pid, cla_id, *perm), max(min(dates), appear))
        # allocations
        team = "disabled_children" if need == "N2" else "children_in_care"
        self.alloc(c, council, team, s, ex)
        if po is not None and po < ex:
            self.alloc(c, council, "adoption", po, ex)
        self._cla_extras(c, cla_id, s, ex, plan, appear)
        # care leavers: looked after at 16+ for 13 weeks after 14 (approximated by care since 14)
        if rec not in NOT_LEAVER_EXITS and ex >= b16 and plan != "remand":
            since14 = ex - max(s, add_years(c.dob, 14))
            kind = "RELEVANT" if since14 >= 91 else "QUALIFYING"
            if kind == "RELEVANT" or rc.random() < 0.25:
                self._care_leaver(c, ex, rec, council, kind)
        return ex, rec

    def _legal_timeline(self, c, s, ex, age, plan, route, po) -> list[tuple[int, str]]:
        rc = self.rc
        if route == "uasc" or plan == "uasc":
            ls = "V2"
        elif plan == "remand":
            u = rc.random()
            ls = "J2" if u < 0.7 else ("J1" if u < 0.9 else "J3")
        elif plan == "short":
            u = rc.random()
            ls = "V2" if u < 0.7 else ("L1" if u < 0.8 else ("L2" if u < 0.85 else "C2"))
        else:
            u = rc.random()
            if age < 1:
                ls = "C2" if u < 0.5 else ("L2" if u < 0.65 else ("V2" if u < 0.95 else "L1"))
            else:
                ls = "C2" if u < 0.45 else ("V2" if u < 0.85 else ("L1" if u < 0.93 else "L2"))
        out = [(s, ls)]
        t = s
        if ls in ("L1", "L2"):
            t = s + rc.randint(2, 8)
            ls = "C2" if (plan != "short" or rc.random() < 0.4) else "V2"
            out.append((t, ls))
        if ls == "V2" and plan in ("adopt", "sgo", "cao", "long_term", "return_long") and route != "uasc":
            if rc.random() < 0.55 or (plan == "adopt" and po is not None):
                hi = 200 if po is None else max(21, min(200, po - t - 5))
                t = t + rc.randint(20, hi)
                ls = "C2"
                out.append((t, ls))
        if ls == "C2":
            if plan == "adopt" and po is not None:
                out.append((max(po, t + 1), "E1"))
            elif plan in ("sgo", "cao", "long_term", "return_long", "adopt"):
                out.append((t + rc.randint(150, 380), "C1"))
        elif plan == "adopt" and po is not None:
            out.append((max(po, t + 1), "E1"))
        res = []
        last = None
        for d, st in sorted(out):
            if d >= ex or d < s:
                continue
            if st == last:
                continue
            if res and res[-1][0] == d:
                res[-1] = (d, st)
            else:
                res.append((d, st))
            last = st
        return res

    def _snap_legal(self, legal, places, po):
        """Court orders often coincide with a move: put some legal changes on a nearby change of placement."""
        rc = self.rc
        if len(legal) < 2 or len(places) < 2:
            return legal
        moves = [p[0] for p in places[1:]]
        out = [legal[0]]
        for j in range(1, len(legal)):
            d, st = legal[j]
            if st != "E1" and rc.random() < 0.35:
                near = min(moves, key=lambda m: (abs(m - d), m))
                nxt = legal[j + 1][0] if j + 1 < len(legal) else None
                if abs(near - d) <= 30 and near > out[-1][0] and (nxt is None or near < nxt):
                    d = near
            out.append((d, st))
        return out

    def _placement_type(self, age: float, long: bool) -> str:
        if long and age < 16:
            return self.d_long_place.draw(self.rc)
        return next(d for mx, d in self.place_by_age if age < mx).draw(self.rc)

    def _placements(self, c, s, ex, plan, forced, home) -> list[list]:
        """List of placements [start, end, type, provider, postcode, urn, miles, same_carer_start]."""
        rc = self.rc
        u = rc.random()
        adj = self.eff("place", s)
        if u < P.PLACEMENT_CLASSES[0] * (1 + adj):
            cls = 0  # unstable
        elif u < P.PLACEMENT_CLASSES[1]:
            cls = 1
        else:
            cls = 2  # settled
        cut = forced[0][0] if forced else ex
        out: list[list] = []
        t = s
        k = 0
        while t < cut:
            v = rc.random()
            probs = P.PLACEMENT_MIX[cls][min(k, 1)]
            long = False
            if v < probs[0]:
                dur = 1 + int(rc.expovariate(1 / 45))
            elif v < probs[0] + probs[1]:
                dur = rc.randint(90, 420)
            else:
                dur = int(365 * (P.LONG_PLACEMENT_YEARS[0] + rc.expovariate(1 / P.LONG_PLACEMENT_YEARS[1])))
                long = True
            end = min(t + dur, cut)
            age = (t - c.dob) / 365.25
            typ = self._placement_type(age, long and plan not in ("short", "remand"))
            if plan == "remand" and k == 0:
                typ = "K2" if rc.random() < 0.6 else "U6"
            out.append(self._new_place(c, t, end, typ, home, out[-1] if out else None, False))
            t = end
            k += 1
        for j, (fd, ftyp, same) in enumerate(forced):
            fend = forced[j + 1][0] if j + 1 < len(forced) else ex
            if out:
                out[-1][1] = fd
            out.append(self._new_place(c, fd, fend, ftyp, home, out[-1] if out else None, same))
        # temporary moves (holiday, hospital, respite) with a return to the same placement
        res: list[list] = []
        for p in out:
            dur = p[1] - p[0]
            if dur > 90 and rc.random() < min(0.5, dur / 365 * 0.03) and p[2][0] not in "AT":
                t1 = p[0] + rc.randint(30, dur - 40)
                t2 = t1 + rc.randint(2, 21)
                if t2 < p[1] - 5:
                    first = p.copy()
                    first[1] = t1
                    tp, te, tn = self._place_postcode(home, "in")
                    tmiles = round(math.hypot(te - home[4], tn - home[5]) / 1609.3, 1)
                    temp = [t1, t2, rc.choice(("T0", "T1", "T2", "T3", "T4")), p[3], tp, None, tmiles, False, te, tn]
                    back = p.copy()
                    back[0] = t2
                    back[7] = False
                    res.extend((first, temp, back))
                    continue
            res.append(p)
        return res

    def _new_place(self, c, t, end, typ, home, prev, same) -> list:
        rc = self.rc
        if same and prev is not None:
            return [t, end, typ, prev[3], prev[4], None, prev[6], True, prev[8], prev[9]]
        if typ in ("P1", "P2", "P3"):
            prov = "PR0"
        elif typ in ("U1", "U2", "U3"):
            prov = "PR1"
        elif typ in ("U4", "U5", "U6"):
            u = rc.random()
            prov = "PR1" if u < 0.58 else ("PR4" if u < 0.9 else "PR5")
        elif typ in ("K2", "H5"):
            u = rc.random()
            prov = "PR4" if u < 0.72 else ("PR1" if u < 0.88 else "PR5")
        elif typ in ("R1", "R2", "R3", "R5"):
            prov = "PR3" if rc.random() < 0.5 else "PR4"
        elif typ in ("K1", "S1"):
            u = rc.random()
            prov = "PR2" if u < 0.4 else ("PR4" if u < 0.8 else "PR5")
        elif typ[0] == "A":
            u = rc.random()
            prov = "PR1" if u < 0.55 else ("PR2" if u < 0.7 else "PR5")
        else:
            prov = "PR4"
        if typ == "P1":
            group = "home"
        elif typ in ("U1", "U2", "U3"):
            group = "relative"
        elif typ in ("U4", "U5", "U6", "Z1"):
            group = "foster_inhouse" if prov == "PR1" else "foster_ifa"
        elif typ == "K2":
            group = "residential"
        elif typ in ("H5", "P2"):
            group = "semi"
        elif typ[0] == "A":
            group = "adoption"
        else:
            group = "specialist"
        loc = self.location[group].draw(rc)
        pcd, e, n = self._place_postcode(home, loc)
        miles = round(math.hypot(e - home[4], n - home[5]) / 1609.3, 1)
        urn = f"SC{rc.randint(100000, 999999)}" if typ in ("K1", "K2", "R1", "S1") else None
        if rc.random() < 0.01 and typ != "P1":
            pcd = None  # postcode not recorded: the distance column is the fallback
        if rc.random() < 0.02:
            miles = None
        return [t, end, typ, prov, pcd, urn, miles, False, e, n]

    def _place_postcode(self, home, loc):
        rc = self.rc
        geo = self.geo
        council = home[3]
        if loc == "home":
            return home[2], home[4], home[5]
        if loc == "in":
            pl = geo.home_pcd[council]
            k = int(rc.random() * len(pl))
            return pl[k], float(geo.home_e[council][k]), float(geo.home_n[council][k])
        ee = geo.ext_e[council]
        nn = geo.ext_n[council]
        dist = np.hypot(ee - home[4], nn - home[5]) / 1609.3
        if loc == "near":
            cand = np.flatnonzero(dist <= 20.0)
        else:
            u = rc.random()
            lo, hi = (20.0, 40.0) if u < 0.55 else ((40.0, 80.0) if u < 0.85 else (80.0, 1e9))
            cand = np.flatnonzero((dist > lo) & (dist <= hi))
            if len(cand) == 0:
                cand = np.flatnonzero(dist > 20.0)
        if len(cand) == 0:
            cand = np.arange(len(ee))
        k = int(cand[int(rc.random() * len(cand))])
        return geo.ext_pcd[council][k], float(ee[k]), float(nn[k])

    def _episodes(self, c, cla_id, s, ex, rec, need, rid, legal, places, appear) -> None:
        t = self.t
        rc = self.rc
        pl_ids = []
        for j, p in enumerate(places):
            pid_ = self.nid("PL")
            pl_ids.append(pid_)
            end = p[1] if j + 1 < len(places) else ex
            reason = None
            if j + 1 < len(places):
                nxt = places[j + 1]
                if nxt[2][0] == "T" or p[2][0] == "T":
                    reason = "OTHER" if p[2][0] == "T" else "CARPL"
                elif nxt[7]:
                    reason = "PLACE"
                else:
                    reason = self.d_change.draw(rc)
            t["ssd_cla_placement"].add(
                (pid_, cla_id, c.pid, p[0], end, p[2], p[3], p[4], p[5], p[6], reason), max(p[0], appear)
            )
        # legal status rows
        for j, (d, st) in enumerate(legal):
            end = legal[j + 1][0] if j + 1 < len(legal) else ex
            t["ssd_legal_status"].add((self.nid("LS"), c.pid, st, d, end), max(d, appear))
        # episodes: a new episode at every placement or legal status change
        changes: dict[int, list[bool]] = {}  # date -> [placement change, same carer, legal change]
        for p in places[1:]:
            changes.setdefault(p[0], [False, False, False])
            if p[7]:
                changes[p[0]][1] = True
            else:
                changes[p[0]][0] = True
        for d, _ in legal[1:]:
            changes.setdefault(d, [False, False, False])[2] = True
        dates = [s] + sorted(x for x in changes if s < x < ex)
        pi = 0
        for j, d in enumerate(dates):
            if j == 0:
                rne = "S"
            else:
                pc, same, lc = changes[d]
                if pc:
                    rne = "B" if lc else "P"
                elif same:
                    rne = "U" if lc else "T"
                else:
                    rne = "L"
            while pi + 1 < len(places) and places[pi + 1][0] <= d:
                pi += 1
            end = dates[j + 1] if j + 1 < len(dates) else ex
            reason = "X1" if j + 1 < len(dates) else rec
            t["ssd_cla_episodes"].add(
                (self.nid("EP"), c.pid, cla_id, d, rne, need, end, reason, s, rid, pl_ids[pi]), max(d, appear)
            )

    def _cla_extras(self, c, cla_id, s, ex, plan, appear) -> None:
        """Reviews, health checks, immunisations, SDQ scores and missing episodes of one period of care."""
        rc = self.rc
        t = self.t
        cal = self.cal
        floor = self.hist_start - 400  # the system holds no such detail before then
        # reviews: 20 working days, then 3 months, then every 6 months
        due = cal.nth_after(s, 20)
        n = 0
        while due < ex:
            on_time = rc.random() < 0.9
            held = due - rc.randint(0, 10) if on_time else due + rc.randint(1, 40)
            held = max(held, s + 1)
            if held >= ex:
                break
            if held >= floor:
                age = (held - c.dob) / 365.25
                if age < 4:
                    part = "PN0"
                else:
                    u = rc.random()
                    part = (
                        "PN1"
                        if u < 0.45
                        else "PN2"
                        if u < 0.5
                        else "PN3"
                        if u < 0.55
                        else "PN4"
                        if u < 0.6
                        else "PN5"
                        if u < 0.7
                        else "PN6"
                        if u < 0.85
                        else "PN7"
                    )
                row = t["ssd_cla_reviews"].add(
                    (cla_id, due, held, part), max(appear, self._late(rc, min(due, held), 0.02))
                )
                if rc.random() < 0.01:
                    t["ssd_cla_reviews"].rev[row] = (
                        "clar_cla_review_date",
                        held + rc.randint(1, 6),
                        held + rc.randint(10, 60),
                    )
            n += 1
            due = add_months(held, 3 if n == 1 else 6)
        if ex - s < 25:
            return
        # health: initial assessment then annual; dental annual; development checks for under-5s
        h = s + rc.randint(10, 40)
        while h < ex:
            if h >= floor:
                st = "COMPLETED" if rc.random() < 0.93 else ("REFUSED" if rc.random() < 0.6 else "NOT_ATTENDED")
                t["ssd_cla_health"].add((c.pid, "HEALTH", h, st), self._late(rc, h, 0.02))
            h += rc.randint(300, 385) if rc.random() < 0.9 else rc.randint(386, 480)
        h = s + rc.randint(60, 330)
        while h < ex:
            if h >= floor and (h - c.dob) > 365:
                st = "COMPLETED" if rc.random() < 0.9 else "REFUSED"
                t["ssd_cla_health"].add((c.pid, "DENTAL", h, st), self._late(rc, h, 0.02))
            h += rc.randint(320, 420)
        h = s + rc.randint(30, 120)
        while h < ex and (h - c.dob) < 5 * 365.25:
            if h >= floor:
                t["ssd_cla_health"].add(
                    (c.pid, "DEVELOPMENT", h, "COMPLETED" if rc.random() < 0.93 else "NOT_ATTENDED"),
                    self._late(rc, h, 0.02),
                )
            h += rc.randint(150, 250)
        # immunisations and SDQ at each 31 March after 12 months in care
        y = d_(s).year
        base_sdq = min(40, max(0, rc.gauss(14, 6)))
        for yr in range(y, d_(ex).year + 1):
            m31 = month_end(yr, 3)
            if not (s + 365 <= m31 < ex) or m31 < floor:
                continue
            t["ssd_cla_immunisations"].add((c.pid, "UP_TO_DATE" if rc.random() < 0.88 else "NOT_UP_TO_DATE", m31), m31)
            age = (m31 - c.dob) / 365.25
            if 4 <= age < 17 and rc.random() < 0.82:
                dsdq = m31 - rc.randint(0, 120)
                score = int(round(min(40, max(0, base_sdq + rc.gauss(0, 3)))))
                t["ssd_sdq_scores"].add((c.pid, dsdq, score), dsdq)
        # missing and absent episodes (mostly teenagers)
        a_mid = ((s + ex) / 2 - c.dob) / 365.25
        if a_mid < 10 or plan == "short" and rc.random() < 0.5:
            return
        rate = rc.lognormvariate(math.log(3.0), 1.0) if rc.random() < (0.35 if a_mid >= 13 else 0.1) else 0.05
        d = max(s, add_years(c.dob, 10))
        seen: set[int] = set()
        while True:
            d += 1 + int(rc.expovariate(rate / 365.0))
            if d >= ex:
                break
            if d in seen or d < floor:
                continue
            seen.add(d)
            u = rc.random()
            end = d if u < 0.55 else (d + 1 if u < 0.85 else d + rc.randint(2, 7))
            if end > ex:
                end = ex
            typ = "MISSING" if rc.random() < 0.72 else "ABSENT"
            offered = "Y" if rc.random() < 0.92 else "N"
            accepted = "Y" if offered == "Y" and rc.random() < 0.65 else "N"
            rhi = None
            if accepted == "Y":
                rhi = end + (rc.randint(0, 3) if rc.random() < 0.75 else rc.randint(4, 12))
            t["ssd_missing"].add((c.pid, d, typ, end, offered, accepted, rhi), self._late(rc, d, 0.03))

    def _care_leaver(self, c, ex, rec, council, kind) -> None:
        """Status records from leaving care to 21 (25 for some in education); one row per drop is chosen
        from these by the writer (the latest record at the extract date)."""
        if c.i in self.care_leavers:
            return
        # The young person's own stream: tuning care-leaver outcomes (KPI09/KPI10) moves nothing else.
        rc = random.Random(f"{self.seed}:leaver:{c.pid}")
        b18 = add_years(c.dob, 18)
        b21 = add_years(c.dob, 21)
        until = add_years(c.dob, 25) if rc.random() < 0.1 else b21
        adj = self.eff("care_leaver", ex)
        p_eet = min(0.98, max(0.02, rc.betavariate(*P.CARE_LEAVER_EET_BETA) + adj))
        home = rec in ("E4A", "E4B", "E13")
        alloc = self.alloc(c, council, "leaving_care", ex, until, "PERSONAL_ADVISER")
        rows = self.t["ssd_care_leavers"]
        first = None
        d = ex
        latest = None
        state = "YES"
        review = ex
        while d <= until:
            if state not in ("DIED", "RHOM", "NREQ"):
                u = rc.random()
                if state in ("NO", "REFU") and u < 0.5:
                    pass
                elif u < 0.0015:
                    state = "DIED"
                elif home and d > ex + 180 and u < 0.06:
                    state = "RHOM"
                elif d >= b18 and u < 0.012:
                    state = "NREQ"
                elif u < P.CARE_LEAVER_NOT_IN_TOUCH:
                    state = "NO" if rc.random() < 0.75 else "REFU"
                else:
                    state = "YES"
            if state == "YES":
                latest = d
            while review + 182 <= d:
                review += 182
            if state in ("YES", "NREQ"):
                act = self.d_eet.draw(rc) if rc.random() < p_eet else self.d_neet.draw(rc)
                if rc.random() < P.CARE_LEAVER_SUITABLE:
                    acc = self.d_acc_ok.draw(rc)
                else:
                    acc = self.d_acc_bad.draw(rc)
                suit = None if rc.random() < 0.12 else acc[1]
            else:
                act = acc = suit = None
            row = rows.add((c.pid, kind, state, latest, acc, suit, act, review, alloc, alloc, b18), d)
            if first is None:
                first = row
                if state == "DIED":
                    pass
            if state == "DIED":
                if c.death is None:
                    c.death = d
                break
            d += rc.randint(50, 100)
        if first is not None:
            self.care_leavers[c.i] = first

    # ---- children already in care, short breaks -------------------------------------------------------
    def run_legacy_care(self) -> None:
        """Periods of care that began before the simulated front door and were still open at its start.

        Care starts are drawn over the 18 preceding years at the steady rate; only periods still open at the
        start are kept (so the stock has the right length-of-stay mix)."""
        rc = self.rc
        per_year = P.LEGACY_STARTS_PER_YEAR * self.scale
        first = self.hist_start - int(18 * 365.25)
        n = int(per_year * 18)
        starts = sorted(first + int(rc.random() * (self.hist_start - first)) for _ in range(n))
        for s in starts:
            c = self._legacy_child(s)
            plan, ex = self._dry_run_exit(c, s)
            if ex <= self.hist_start:
                self.children.pop()  # closed before the system began: not kept
                continue
            rid = self.nid("RF")
            council = c.council_at(s)
            need = self.d_need_cla.draw(rc)
            ref_date = max(c.dob, s - rc.randint(0, 30))
            c.first = ref_date
            fx = ex if plan in ("short", "return_long", "sgo", "cao", "remand") else None
            care_end, rec = self.care(c, s, "direct", rid, need, council, ref_date, forced_plan=plan, forced_ex=fx)
            reason = RC_FOR_REC.get(rec, "RC7")
            if need == "N2":
                self.disability_need.setdefault(c.i, ref_date)
            self.t["ssd_cin_episodes"].add(
                (rid, c.pid, ref_date, need, "5A", "N", reason, care_end, None, None), ref_date
            )
            c.rr_until = add_months(ref_date, 12)
            self._close(c, care_end)

    def _legacy_child(self, s: int) -> Child:
        c = self.new_child(s, self.age_cla)
        if c.dob > s:
            c.dob = s - self.rc.randint(0, 60)
            c.exp_dob = None
        return c

    def _dry_run_exit(self, c: Child, s: int) -> tuple[str, int]:
        """Plan and (approximate) exit date, used to keep only periods still open at the start."""
        rc = self.rc
        age = (s - c.dob) / 365.25
        plan = next(d for mx, d in self.care_plans if age < mx).draw(rc)
        b18 = add_years(c.dob, 18)
        if plan == "short":
            ex = s + 1 + int(rc.expovariate(1 / 70))
        elif plan == "return_long":
            ex = s + rc.randint(270, 1300)
        elif plan == "sgo":
            ex = s + rc.randint(270, 900)
        elif plan == "cao":
            ex = s + rc.randint(240, 730)
        elif plan == "remand":
            ex = s + rc.randint(10, 120)
        elif plan == "adopt":
            ex = s + 1000
        else:
            ex = b18
        return plan, min(ex, b18)

    def run_short_breaks(self) -> None:
        """Disabled children on an agreed series of short breaks (V4; a few single V3 breaks)."""
        r = self.rm
        n_series = max(1, round(22 * self.scale * (self.horizon - self.hist_start) / 365.25))
        first = self.hist_start - 3 * 365
        for _ in range(n_series):
            s0 = first + int(r.random() * (self.horizon - first))
            c = self.new_child(s0, AgeDist(((4, 15, 1.0),)))
            council = c.council_at(s0)
            c.first = s0 - r.randint(30, 200)
            rid = self.nid("RF")
            series_end = min(s0 + r.randint(365, 4 * 365), add_years(c.dob, 18) - 1)
            ref_close = series_end + r.randint(0, 60)
            da = self.alloc(c, council, "disabled_children", c.first, ref_close)
            self.disability_need.setdefault(c.i, c.first)
            self.t["ssd_cin_episodes"].add((rid, c.pid, c.first, "N2", "3F", "N", "RC7", ref_close, da, da), c.first)
            self.t["ssd_cin_plans"].add(
                (self.nid("CIN"), rid, c.pid, s0 - r.randint(5, 25), ref_close, da, da), s0 - 25
            )
            status = "V4" if r.random() < 0.9 else "V3"
            typ = "K2" if r.random() < 0.6 else "U6"
            home = c.home_at(s0)
            place = self._new_place(c, s0, s0, typ, home, None, False)
            gap = r.randint(14, 35)
            d = s0
            while d < series_end:
                nights = r.randint(1, 4)
                ex = d + nights
                cla_id = self.nid("CLA", 6)
                plid = self.nid("PL")
                self.t["ssd_cla_placement"].add(
                    (plid, cla_id, c.pid, d, ex, typ, place[3], place[4], place[5], place[6], None), d
                )
                self.t["ssd_legal_status"].add((self.nid("LS"), c.pid, status, d, ex), d)
                self.t["ssd_cla_episodes"].add(
                    (self.nid("EP"), c.pid, cla_id, d, "S", "N2", ex, "E13", d, rid, plid), d
                )
                d = ex + max(3, gap + r.randint(-5, 5))
            self._close(c, ref_close)

    # ---- all ------------------------------------------------------------------------------------------
    def run(self) -> None:
        self.run_legacy_care()
        self.run_short_breaks()
        self.run_front_door()


LEGACY_SGO = {"E45": "E43", "E46": "E43", "E47": "E44", "E48": "E44"}
SGO_CODES_FROM = dt.date(2020, 4, 1).toordinal()


def _jan1(ordinal: int) -> int:
    return type(d_(ordinal))(d_(ordinal).year, 1, 1).toordinal()
