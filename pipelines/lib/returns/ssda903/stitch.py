"""Stitching the 903 rows of every year into one history (V1, V2, O1, G1) and building the contract tables."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

import polars as pl

from pipelines.lib.calendar import add_working_days, shift_months
from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW, Adapted
from pipelines.lib.returns.ssda903.read import (
    Part,
    Row,
    _Reading,
)
from pipelines.lib.returns.ssda903.schema import (
    FIRST_YEAR,
    NOT_USED,
    collection_year,
    reading_spec,
    year_end,
    year_label,
    year_spec,
)

PLACEMENT_CHANGE = ("S", "P", "B", "T", "U")  # RNE: the episode starts a new placement


PLACEMENT_ITEMS = ("PLACE", "PLACE_PROVIDER", "PL_POST", "URN")


CONTINUATION_ITEMS = ("DEC", "REC", "REASON_PLACE_CHANGE")  # what may change when an open episode continues


GAP_DAYS = 7  # G1: an X1 gap up to this long is closed


ADOPTED = ("E11", "E12")


PERMANENCE_TYPE = {"E11": "ADOPTION", "E12": "ADOPTION", "E41": "CAO", "E43": "SGO", "E44": "SGO", "E45": "SGO",
                   "E46": "SGO", "E47": "SGO", "E48": "SGO"}


PLACED_FOR_ADOPTION = ("A3", "A4", "A5", "A6")


PLACEMENT_ORDER = ("E1", "D1")


SEX = {"1": "M", "2": "F"}


def _as_meant(column: str, row: Row) -> object:
    """A Header item's value for comparison across years (a date as a date, SEX as M/F/U)."""
    value = row.d.get(column) or row.v[column]
    return SEX.get(value or "", value) if column == "SEX" else value


MISSING_TYPE = {"M": "MISSING", "A": "ABSENT"}


def iso(d: date | None) -> str | None:
    return d.isoformat() if d else None


def _stamp(d: date) -> str:
    return d.strftime("%Y%m%d")


@dataclass
class Period:
    cla_id: str
    child: str
    start: date
    episodes: list[Row]

    @property
    def end(self) -> date | None:
        return self.episodes[-1].d.get("DEC")

    def holds(self, d: date) -> bool:
        return self.start <= d and (self.end is None or d <= self.end)


def _src(r: Row, **values: str | None) -> dict:
    return {**values, SOURCE_ROW: r.row, SOURCE_FILE: r.file, SOURCE_LOCATION: r.location or f"SSDA903 {r.table}"}


class _Adaptation(_Reading):
    """The core both forms feed: rows of the 903 tables of every file -> years, checks, stitching, contract
    tables."""


    # ---- reading ------------------------------------------------------------------------------------------
    def run(self, reader: Callable[[_Adaptation], list[Part]]) -> Adapted:
        parts = reader(self)
        for (fname, table), (count, first, columns) in sorted(self.lowered.items()):
            self.issue(None, f"{count} coded value(s) in lower case ({', '.join(sorted(columns))}; first at row "
                             f"{first}) read as upper case, the form the code sets and the stitching use",
                       "repair", file=fname, table=table)
        for part in parts:
            if part.table in NOT_USED:
                self.issue(None, f"received, not used: {len(part.rows)} row(s) of {part.table} "
                                 f"({NOT_USED[part.table]})", "warning", file=part.file, table=part.table)
        self._assign_years(parts)
        parts = self._one_form_per_year(parts)
        for part in parts:
            year = self.years.get(part.file)
            if year is None:
                continue
            if year < FIRST_YEAR:
                self.issue(None, f"collection year {year_label(year)} is before {year_label(FIRST_YEAR)}, the first "
                                 "this adapter reads; file not used", file=part.file, table=part.table)
                continue
            spec = year_spec(part.table, year)
            if year < spec.since:
                self.issue(None, f"{part.table} is collected from {year_label(spec.since)}, but this file's dates are "
                                 f"in {year_label(year)}", "warning", file=part.file, table=part.table)
            self._header_for_year(part, spec, year)
            for r in part.rows:
                r.year = year
                self._check_codes(r, spec, year)
            self.rows[part.table].extend(self._dedupe(part.table, part.rows))
        self._build()
        return self.out

    # ---- stitching ----------------------------------------------------------------------------------------
    def _latest(self, table: str, key: tuple[str, ...], compare: tuple[str, ...]) -> list[Row]:
        """V1 for a table: per key, the latest return's row. An earlier version that differs only by items
        filled in later (an end date, a reason) is the normal continuation, counted in one summary issue; one
        whose recorded items differ is reported row by row."""
        by_key: dict[tuple, list[Row]] = defaultdict(list)
        for r in self.rows.get(table, []):
            by_key[tuple(r.d.get(c) or r.v[c] for c in key)].append(r)
        out = []
        filled = 0
        for versions in by_key.values():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                differ = [c for c in compare if old.v[c] != win.v[c]]
                if differ and all(old.v[c] is None for c in differ):
                    filled += 1
                elif differ:
                    self.issue(old, f"replaced by the {year_label(win.year)} return's row ({', '.join(differ)} "
                                    "differ); the later return wins (V1)", "repair")
            out.append(win)
        if filled:
            files = sorted({r.file for r in self.rows.get(table, [])})
            self.issue(None, f"{filled} row(s) completed in a later year's return (an end date or reason filled "
                             "in); the later return's row is used (V1)", "repair", file=", ".join(files), table=table)
        return out

    def _period_of(self, child: str, d: date, periods: dict[str, list[Period]]) -> Period | None:
        """The period of care holding a date; a date before a history that begins mid-care (the first episode
        in the returns is not RNE S) belongs to that first period."""
        plist = periods.get(child, [])
        p = next((p for p in plist if p.holds(d)), None)
        if p is None and plist and d < plist[0].start and (plist[0].episodes[0].v["RNE"] or "").upper() != "S":
            p = plist[0]
        return p

    def _episodes(self) -> dict[str, list[Row]]:
        rows = self.rows.get("Episodes", [])
        years = sorted({r.year for r in rows})
        by_key: dict[tuple, list[Row]] = defaultdict(list)
        for r in rows:
            by_key[(r.child, r.d["DECOM"])].append(r)
        kids_in: dict[int, set[str]] = defaultdict(set)
        for r in rows:
            kids_in[r.year].add(r.child)
        chosen: dict[str, list[Row]] = defaultdict(list)
        others = [c for c in reading_spec("Episodes").items if c not in CONTINUATION_ITEMS and c != "CHILD"]
        for versions in by_key.values():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                differ = [c for c in others if old.v[c] != win.v[c]]
                if not differ and old.d["DEC"] is None:
                    self.continued += 1
                else:
                    self.issue(old, f"episode replaced by the {year_label(win.year)} return's version"
                                    f"{' (' + ', '.join(differ or ['DEC', 'REC']) + ' differ)'}; the later return "
                                    "wins (V1)", "repair")
            later = [y for y in years if y > win.year]
            if win.d["DEC"] is None and later:
                nxt = later[0]
                if win.child in kids_in[nxt]:
                    self.issue(win, f"open at 31 March {win.year} but not in the {year_label(nxt)} return, which "
                                    "holds the child's episodes: replaced there; dropped (V2)", "repair")
                    continue
                self.issue(win, f"open at 31 March {win.year} but the child is not in the {year_label(nxt)} return; "
                                "kept open as recorded", "warning")
            chosen[win.child].append(win)
        if self.continued:
            self.issue(None, f"{self.continued} episode(s) open at a year end continue in the next year's return; "
                             "the later return's version is used (V1)", "repair",
                       file=", ".join(sorted({r.file for r in rows})), table="Episodes")
        midway = 0
        for eps in chosen.values():
            eps.sort(key=lambda r: r.d["DECOM"])
            midway += (eps[0].v["RNE"] or "").upper() != "S"
            for a, b in zip(eps, eps[1:], strict=False):
                dec, nxt = a.d["DEC"], b.d["DECOM"]
                if dec is None or dec > nxt:
                    what = "still open" if dec is None else f"ends {(dec - nxt).days} day(s) after it"
                    blank = a.v["REC"] is None
                    a.d["DEC"], a.v["DEC"] = nxt, iso(nxt)
                    if blank:
                        a.v["REC"] = "X1"
                    self.issue(a, f"overlaps the next episode ({what}): DEC trimmed to the next DECOM"
                                  f"{', REC set to X1' if blank else ''} (O1)", "repair", column="DEC")
                elif a.v["REC"] == "X1" and dec < nxt:
                    gap = (nxt - dec).days
                    if gap <= GAP_DAYS:
                        a.d["DEC"], a.v["DEC"] = nxt, iso(nxt)
                        self.issue(a, f"ends X1 but the next episode starts {gap} day(s) later: DEC extended to the "
                                      "next DECOM (G1)", "repair", column="DEC")
                    else:
                        self.issue(a, f"ends X1 but the next episode starts {gap} days later; left as recorded "
                                      "(care taken to have ended)", "warning", column="REC")
            last = eps[-1]
            if last.v["REC"] == "X1":
                self.issue(last, "ends X1 but no later episode is in the returns", "warning", column="REC")
        if midway:
            self.issue(None, f"{midway} child(ren)'s history in the returns begins mid-care (first episode not RNE "
                             "S): care before the first return is not in them, so the period of care is taken to "
                             "start at that episode", "warning", file=", ".join(sorted({r.file for r in rows})),
                       table="Episodes")
        return chosen

    # ---- building the contract tables ---------------------------------------------------------------------
    def _build(self) -> None:
        tables: dict[str, list[dict]] = defaultdict(list)
        chosen = self._episodes()
        periods: dict[str, list[Period]] = {}
        deaths: dict[str, date] = {}
        for child, eps in chosen.items():
            periods[child] = self._periods(child, eps)
            for p in periods[child]:
                self._care_rows(p, tables)
            e2 = [e for e in eps if e.v["REC"] == "E2" and e.d["DEC"]]
            if e2:
                deaths[child] = e2[-1].d["DEC"]
            self._addresses(child, eps, tables)
        self._people(deaths, tables)
        self._reviews(periods, tables)
        for r in self._latest("Missing", ("CHILD", "MIS_START"), ("MISSING",)):
            tables["ssd_missing"].append(_src(r, miss_person_id=r.child, miss_missing_episode_start_date=iso(
                r.d["MIS_START"]), miss_missing_episode_type=MISSING_TYPE.get((r.v["MISSING"] or "").upper(),
                                                                              r.v["MISSING"]),
                miss_missing_episode_end_date=iso(r.d["MIS_END"])))
        for r in self._latest("OC3", ("CHILD",), ("DOB",)):
            tables["ssd_care_leavers"].append(_src(r, clea_person_id=r.child, clea_care_leaver_in_touch=r.v["IN_TOUCH"],
                                                   clea_care_leaver_activity=r.v["ACTIV"],
                                                   clea_care_leaver_accommodation=r.v["ACCOM"]))
        for r in self._latest("UASC", ("CHILD",), ("DUC",)):
            # The 903 gives the date UASC status ceased (DUC, blank = still UASC), not when it began: a UASC child
            # enters the 903 on coming into care, so the start is the child's first period of care in the returns;
            # unknown (blank) for a child with no episode in them.
            first = periods.get(r.child)
            tables["ssd_immigration_status"].append(_src(
                r, immi_person_id=r.child, immi_immigration_status="UASC",
                immi_immigration_status_start_date=iso(first[0].start) if first else None,
                immi_immigration_status_end_date=iso(r.d.get("DUC"))))
        for r in self.rows.get("OC2", []):
            tables["cla_oc2_outcomes"].append(_src(
                r, oc2_person_id=r.child, oc2_year_ending=iso(year_end(r.year)), oc2_sdq_score=r.v["SDQ_SCORE"],
                oc2_sdq_reason=r.v["SDQ_REASON"], oc2_convicted=r.v["CONVICTED"], oc2_health_check=r.v["HEALTH_CHECK"],
                oc2_immunisations=r.v["IMMUNISATIONS"], oc2_teeth_check=r.v["TEETH_CHECK"],
                oc2_health_assessment=r.v["HEALTH_ASSESSMENT"], oc2_substance_misuse=r.v["SUBSTANCE_MISUSE"],
                oc2_intervention_received=r.v["INTERVENTION_RECEIVED"],
                oc2_intervention_offered=r.v["INTERVENTION_OFFERED"]))
        self._permanence(periods, tables)
        from pipelines.lib.contract import contract

        spec = contract()
        for name, recs in tables.items():
            cols = list(spec[name].columns)
            frame = pl.DataFrame(recs, schema={**{c: pl.String for c in cols}, SOURCE_ROW: pl.Int64,
                                               SOURCE_FILE: pl.String, SOURCE_LOCATION: pl.String})
            self.out.tables[name] = frame.select(*cols, SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION)
        # A 903 year holds the episodes open during it: history before 1 April of the earliest year delivered
        # is in none of the files (a period of care begun earlier starts, here, in that year).
        years = [r.year for rows in self.rows.values() for r in rows if r.year]
        if years:
            first = date(min(years) - 1, 4, 1)
            self.out.covered_from = {name: first for name in self.out.tables if name != "ssd_person"}
        self.out.derived_ids = {
            "ssd_cla_episodes": ["clae_cla_episode_id", "clae_cla_id", "clae_cla_placement_id"],
            "ssd_cla_placement": ["clap_cla_placement_id", "clap_cla_id"],
            "ssd_legal_status": ["lega_legal_status_id"],
            "ssd_cla_reviews": ["clar_cla_id"],
            "ssd_permanence": ["perm_cla_id"],
        }

    def _periods(self, child: str, eps: list[Row]) -> list[Period]:
        out: list[Period] = []
        prev: Row | None = None
        for e in eps:
            new = (prev is None or prev.d["DEC"] is None or e.d["DECOM"] > prev.d["DEC"]
                   or (prev.v["REC"] is not None and prev.v["REC"] != "X1"))
            if new:
                out.append(Period(f"{child}|C{_stamp(e.d['DECOM'])}", child, e.d["DECOM"], []))
            out[-1].episodes.append(e)
            prev = e
        return out

    def _care_rows(self, p: Period, tables: dict[str, list[dict]]) -> None:
        child = p.child
        placement: list[Row] = []
        legal: list[Row] = []
        runs_p: list[list[Row]] = []
        runs_l: list[list[Row]] = []
        for e in p.episodes:
            changed = [c for c in PLACEMENT_ITEMS if placement and placement[-1].v[c] != e.v[c]]
            rne = (e.v["RNE"] or "").upper()
            if not placement or rne in PLACEMENT_CHANGE or changed:
                if placement and rne not in PLACEMENT_CHANGE:
                    self.issue(e, f"RNE {rne or '(blank)'} but {', '.join(changed)} changed: a new placement is "
                                  "started", "warning", column="RNE")
                placement = [e]
                runs_p.append(placement)
            else:
                placement.append(e)
            if not legal or (legal[-1].v["LS"] or "") != (e.v["LS"] or ""):
                legal = [e]
                runs_l.append(legal)
            else:
                legal.append(e)
        placement_of: dict[int, str] = {}
        for run in runs_p:
            first, last = run[0], run[-1]
            pid = f"{child}|P{_stamp(first.d['DECOM'])}"
            for e in run:
                placement_of[id(e)] = pid
            tables["ssd_cla_placement"].append(_src(
                first, clap_cla_placement_id=pid, clap_cla_id=p.cla_id, clap_person_id=child,
                clap_cla_placement_start_date=iso(first.d["DECOM"]), clap_cla_placement_end_date=iso(last.d["DEC"]),
                clap_cla_placement_type=first.v["PLACE"], clap_cla_placement_provider=first.v["PLACE_PROVIDER"],
                clap_cla_placement_postcode=first.v["PL_POST"], clap_cla_placement_urn=first.v["URN"],
                clap_cla_placement_change_reason=last.v["REASON_PLACE_CHANGE"]))
        for run in runs_l:
            first, last = run[0], run[-1]
            tables["ssd_legal_status"].append(_src(
                first, lega_legal_status_id=f"{child}|L{_stamp(first.d['DECOM'])}", lega_person_id=child,
                lega_legal_status=first.v["LS"], lega_legal_status_start_date=iso(first.d["DECOM"]),
                lega_legal_status_end_date=iso(last.d["DEC"])))
        for e in p.episodes:
            tables["ssd_cla_episodes"].append(_src(
                e, clae_cla_episode_id=f"{child}|E{_stamp(e.d['DECOM'])}", clae_person_id=child,
                clae_cla_id=p.cla_id, clae_cla_episode_start_date=iso(e.d["DECOM"]),
                clae_cla_episode_start_reason=e.v["RNE"], clae_cla_primary_need_code=e.v["CIN"],
                clae_cla_episode_ceased_date=iso(e.d["DEC"]), clae_cla_episode_ceased_reason=e.v["REC"],
                clae_entered_care_date=iso(p.start), clae_cla_placement_id=placement_of[id(e)]))

    def _addresses(self, child: str, eps: list[Row], tables: dict[str, list[dict]]) -> None:
        runs: list[Row] = []
        for e in eps:
            if e.v["HOME_POST"] and (not runs or runs[-1].v["HOME_POST"] != e.v["HOME_POST"]):
                runs.append(e)
        for a, b in zip(runs, [*runs[1:], None], strict=False):
            tables["ssd_address"].append(_src(
                a, addr_person_id=child, addr_address_type="HOME", addr_address_start_date=iso(a.d["DECOM"]),
                addr_address_end_date=iso(b.d["DECOM"]) if b else None, addr_address_postcode=a.v["HOME_POST"]))

    def _people(self, deaths: dict[str, date], tables: dict[str, list[dict]]) -> None:
        by_child: dict[str, list[Row]] = defaultdict(list)
        for r in self.rows.get("Header", []):
            by_child[r.child].append(r)
        for child, versions in by_child.items():
            versions.sort(key=lambda r: r.year)
            win = versions[-1]
            for old in versions[:-1]:
                # compared as meant, not as coded: SEX 1/2 before 2024/25 and M/F from then are the same values
                differ = [c for c in ("DOB", "SEX") if _as_meant(c, old) != _as_meant(c, win)]
                if differ:
                    self.issue(old, f"{' and '.join(differ)} differ from the {year_label(win.year)} return; the "
                                    "latest return's value is used", "repair", column=differ[0])
            upn = win.v["UPN"] if (win.v["UPN"] or "").upper().startswith("UN") else None
            tables["ssd_person"].append(_src(
                win, pers_person_id=child, pers_sex=SEX.get(win.v["SEX"] or "", win.v["SEX"]),
                pers_ethnicity=win.v["ETHNIC"], pers_dob=iso(win.d["DOB"]), pers_death_date=iso(deaths.get(child)),
                pers_upn_unknown=upn))

    def _reviews(self, periods: dict[str, list[Period]], tables: dict[str, list[dict]]) -> None:
        held: dict[str, list[tuple[Row, Period]]] = defaultdict(list)
        for r in self._latest("Reviews", ("CHILD", "REVIEW"), ("REVIEW_CODE",)):
            p = self._period_of(r.child, r.d["REVIEW"], periods)
            if p is None:
                self.issue(r, "review date is in no period of care in the Episodes returns; row not used",
                           column="REVIEW")
                continue
            held[p.cla_id].append((r, p))
        for rows in held.values():
            rows.sort(key=lambda x: x[0].d["REVIEW"])
            prev: date | None = None
            for n, (r, p) in enumerate(rows):
                due = (add_working_days(p.start, 20) if n == 0
                       else shift_months(prev, 3 if n == 1 else 6))  # type: ignore[arg-type]
                prev = r.d["REVIEW"]
                tables["ssd_cla_reviews"].append(_src(
                    r, clar_cla_id=p.cla_id, clar_cla_review_due_date=iso(due), clar_cla_review_date=iso(prev),
                    clar_cla_review_participation=r.v["REVIEW_CODE"]))

    def _permanence(self, periods: dict[str, list[Period]], tables: dict[str, list[dict]]) -> None:
        items: dict[str, dict[str, str | None]] = {}
        source: dict[str, Row] = {}
        owner: dict[str, Period] = {}

        def slot(p: Period, r: Row) -> dict[str, str | None]:
            if p.cla_id not in items:
                items[p.cla_id] = {}
                source[p.cla_id] = r
                owner[p.cla_id] = p
            return items[p.cla_id]

        for plist in periods.values():
            for p in plist:
                order = next((e for e in p.episodes if (e.v["LS"] or "").upper() in PLACEMENT_ORDER), None)
                placed = next((e for e in p.episodes if (e.v["PLACE"] or "").upper() in PLACED_FOR_ADOPTION), None)
                last = p.episodes[-1]
                kind = PERMANENCE_TYPE.get((last.v["REC"] or "").upper()) if last.d["DEC"] else None
                if order:
                    slot(p, order)["perm_placement_order_date"] = iso(order.d["DECOM"])
                if placed:
                    slot(p, placed)["perm_placed_for_adoption_date"] = iso(placed.d["DECOM"])
                if kind:
                    s = slot(p, last)
                    s["perm_permanence_order_date"] = iso(last.d["DEC"])
                    s["perm_permanence_order_type"] = kind
        for r in self._latest("AD1", ("CHILD", ), ("DATE_INT", "DATE_MATCH")):
            plist = periods.get(r.child, [])
            p = next((p for p in plist if p.end and collection_year(p.end) == r.year
                      and (p.episodes[-1].v["REC"] or "").upper() in ADOPTED), None)
            if p is None:
                self.issue(r, f"no adoption (REC E11/E12) in {year_label(r.year)} in the Episodes returns; row not "
                              "used", column="CHILD")
                continue
            s = slot(p, r)
            s["perm_adm_decision_date"] = iso(r.d["DATE_INT"])
            s["perm_matched_date"] = iso(r.d["DATE_MATCH"])
        for r in self._latest("PlacedAdoption", ("CHILD", "DATE_PLACED"), ("DATE_PLACED_CEASED",
                                                                          "REASON_PLACED_CEASED")):
            p = self._period_of(r.child, r.d["DATE_PLACED"], periods)
            if p is None:
                self.issue(r, "decision date is in no period of care in the Episodes returns; row not used",
                           column="DATE_PLACED")
                continue
            s = slot(p, r)
            adm = iso(r.d["DATE_PLACED"])
            if s.get("perm_adm_decision_date") not in (None, adm):
                self.issue(r, "DATE_PLACED differs from the AD1 DATE_INT; the AD1 date is used", "warning",
                           column="DATE_PLACED")
            s.setdefault("perm_adm_decision_date", adm)
            if (r.v["REASON_PLACED_CEASED"] or "").upper().startswith("RD"):
                s["perm_decision_reversed_date"] = iso(r.d["DATE_PLACED_CEASED"])
        for cla_id, s in items.items():
            p = owner[cla_id]
            tables["ssd_permanence"].append(_src(source[cla_id], perm_person_id=p.child, perm_cla_id=cla_id, **s))
