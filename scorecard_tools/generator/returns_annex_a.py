"""The synthetic authority as an Ofsted Annex A workbook, at an inspection date, derived from its SSD tables.

    from scorecard_tools.generator.returns_annex_a import write_annex_a
    write_annex_a(Path("landing/2020-03-31"), Path("out/annex_a.xlsx"), date(2020, 3, 31))

reads the drop's CSV tables (or a mapping of table name -> polars frame of string cells) and writes the
lists Ofsted asks for, with the headers of the current template (``schemas/annex_a/lists.yaml``, the first
header of each column) and its lettered answers ("a) Male", "q) 6: Police", "a) Neglect"):

- the window is the ``months`` of each list before the inspection date (after the same day that many months
  earlier, up to and including the inspection date); nothing dated after the inspection date is written;
- List 1 contacts, List 3 referrals and List 5 S47 enquiries dated in the window (with the conference that
  followed, if held by the inspection date); List 4 assessments started or authorised in the window;
- Lists 6, 7 and 8: referrals (episodes of need), CP plans and periods of care open at some point in the
  window; List 8 gives the period's start, its latest legal status and most recent placement, and its end;
- List 9 every care leaver row; List 10 children with an adoption step (decision, placement order, match,
  placement, order, reversal) in the window; Lists 2 and 11 with their headers only (the SSD tables hold no
  early help or adopters);
- a cover sheet with the inspection date.

``messy=True`` adds what real exports do (for tests of the adapter): a title row and a blank row above each
header, renamed headers (``Child ID``, ``DOB``, ``Age``) with non-breaking spaces, numeric gender codes on some
rows, fractional ages, some dates as text or as bare Excel serial numbers, ``#N/A`` formula errors in the
ethnicity column, an age written as a formula with its cached value, and blank rows between the data.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import polars as pl
import xlsxwriter

from pipelines.lib.atomic import renamed_into_place
from pipelines.lib.returns.annex_a import annex_a_schema
from scorecard_tools.generator.returns_common import Tables, load_tables
from scorecard_tools.generator.returns_common import cell_date as _date

TABLES = ("ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry",
          "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status",
          "ssd_care_leavers", "ssd_permanence")
HEADERS: dict[int, list[tuple[str, str]]] = {  # list -> (field, header) in the template's order
    1: [("contact_date", "Date of Contact"), ("contact_source", "Contact Source")],
    2: [("eha_start", "Assessment start date"), ("eha_end", "Assessment completion date"),
        ("eha_organisation", "Organisation completing assessment")],
    3: [("referral_date", "Date of referral"), ("referral_source", "Referral Source"),
        ("referral_nfa", "Referral NFA?"), ("referrals_12_months", "Number of Referrals in Last 12 Months"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    4: [("disability", "Does the Child have a Disability"),
        ("assessment_start", "Continuous Assessment Start Date"),
        ("child_seen", "Child Seen During Continuous Assessment"),
        ("assessment_auth", "Continuous Assessment Date of Authorisation"),
        ("needs_support", "Was the child assessed as requiring LA children's social care support?"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    5: [("disability", "Does the Child have a Disability"),
        ("s47_start", "Strategy discussion initiating Section 47 Enquiry Start Date"),
        ("icpc_unnecessary", "Was an Initial Child Protection Conference deemed unnecessary?"),
        ("icpc_date", "Date of Initial Child Protection Conference"),
        ("icpc_cp_plan", "Did the Initial Child Protection Conference Result in a Child Protection Plan"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    6: [("disability", "Does the Child have a Disability"), ("primary_need", "Primary Need Code"),
        ("cin_start", "CIN Start Date"), ("cin_close", "CIN Closure Date"), ("close_reason", "Reason for Closure"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    7: [("disability", "Does the Child have a Disability"), ("cp_start", "Child Protection Plan Start Date"),
        ("initial_category", "Initial Category of Abuse"), ("latest_category", "Latest Category of Abuse"),
        ("cp_end", "Child Protection Plan End Date"), ("previous_plans", "Number of Previous Child Protection Plans"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    8: [("disability", "Does the Child have a Disability"), ("care_start", "Date Started to be Looked After"),
        ("need", "Child's Category of Need"), ("legal_status", "Child's Legal Status"),
        ("legal_start", "Start date of current legal status"),
        ("placements_12_months", "Number of Placements in the Last 12 Months"),
        ("placement_start", "Start Date of Most Recent Placement"), ("placement_type", "Placement Type"),
        ("placement_provider", "Placement Provider"), ("placement_postcode", "Placement postcode"),
        ("care_end", "Date Ceased to be Looked After"), ("reason_ceased", "Reason Ceased to be Looked After")],
    9: [("disability", "Does the Child have a Disability"), ("eligibility", "Eligibility Category"),
        ("in_touch", "LA in Touch"), ("latest_contact", "Date of Latest Contact"),
        ("pathway_review", "Latest Pathway Plan Review Date"), ("accommodation", "Type of Accommodation"),
        ("suitability", "Suitability of Accommodation"), ("activity", "Activity Status"),
        ("team", "Allocated Team"), ("worker", "Allocated Worker")],
    10: [("disability", "Does the Child have a Disability"), ("entered_care", "Date the Child Entered Care"),
         ("adm_date", "Date of Decision that Child Should be Placed for Adoption"),
         ("placement_order", "Date of Placement Order"),
         ("matched", "Date of Matching Child and Prospective Adopters"), ("placed", "Date Placed for Adoption"),
         ("adoption_order", "Date of Adoption Order"),
         ("reversed", "Date of Decision that Child Should No Longer be Placed for Adoption"),
         ("ffa_date", "Date the child was placed for fostering in FFA or concurrent planning placement")],
    11: [("adopter_id", "Individual adopter identifier"), ("enquiry_date", "Date enquiry received"),
         ("application_approved", "Date application approved"),
         ("matched", "Date adopter matched with child(ren)")],
}
CHILD = [("child_id", "Child Unique ID"), ("gender", "Gender"), ("ethnicity", "Ethnicity"),
         ("dob", "Date of Birth"), ("age", "Age of Child (Years)")]
MESSY_CHILD = {"child_id": "Child ID", "dob": "DOB", "age": "Age", "gender": "GENDER"}
GENDER = {"M": "a) Male", "F": "b) Female"}
SOURCES = {"1A": "1A: Individual - Family member", "1B": "1B: Individual - Acquaintance", "1C": "1C: Individual - Self",
           "1D": "1D: Individual - Other", "2A": "2A: Schools", "2B": "2B: Education services", "3A": "3A: Health - GP",
           "3B": "3B: Health - Health visitor", "3C": "3C: Health - School nurse",
           "3D": "3D: Health - Other primary health services", "3E": "3E: Health - A&E",
           "3F": "3F: Health - Other", "4": "4: Housing", "5A": "5A: LA services - Social care",
           "5B": "5B: LA services - Other internal", "5C": "5C: LA services - External",
           "5D": "5D: LA services - Early help", "6": "6: Police", "7": "7: Other legal agency", "8": "8: Other",
           "9": "9: Anonymous", "10": "10: Unknown"}
CATEGORY = {"NEG": "a) Neglect", "PHY": "b) Physical abuse", "SAB": "c) Sexual abuse", "EMO": "d) Emotional abuse",
            "MUL": "e) Multiple/not recommended"}
IN_TOUCH = {"YES": "a) Yes", "NO": "b) No", "DIED": "c) Died", "REFU": "d) Refused", "NREQ":
            "e) No longer requiring services", "RHOM": "f) Returned home"}
ELIGIBILITY = {"RELEVANT": "a) Relevant", "FORMER_RELEVANT": "b) Former relevant", "QUALIFYING": "c) Qualifying",
               "ELIGIBLE": "d) Eligible"}


def write_annex_a(tables_or_drop_folder: Path | str | Mapping[str, pl.DataFrame], out_path: Path | str,
                  inspection_date: dt.date, *, messy: bool = False, la_name: str | None = None) -> Path:
    """The Annex A workbook at ``inspection_date`` (the file is written whole, then renamed into place)."""
    t = _load(tables_or_drop_folder)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    lists = _Lists(t, inspection_date)
    with renamed_into_place(out_path) as tmp:
        _write_workbook(tmp, lists, inspection_date, messy, la_name)
    return out_path


def _write_workbook(tmp: Path, lists: _Lists, inspection_date: dt.date, messy: bool, la_name: str | None) -> None:
    wb = xlsxwriter.Workbook(str(tmp), {"in_memory": True})
    # dated by the inspection date, not the clock, so the same arguments give a byte-identical workbook
    wb.set_properties({"created": dt.datetime.combine(inspection_date, dt.time())})
    try:
        fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
        bold = wb.add_format({"bold": True})
        cover = wb.add_worksheet("Cover")
        cover.write(0, 0, "Ofsted Annex A: inspection of local authority children's services", bold)
        cover.write(1, 0, "Local authority")
        cover.write(1, 1, la_name or "Synthetic trust")
        cover.write(2, 0, "Date of inspection")
        cover.write_datetime(2, 1, dt.datetime.combine(inspection_date, dt.time()), fmt)
        schema = annex_a_schema()
        for number, spec in schema.lists.items():
            ws = wb.add_worksheet(f"List {number}")
            fields = (CHILD if number != 11 else []) + HEADERS[number]
            top = 0
            if messy:
                ws.write(0, 0, f"Annex A - List {number}: {spec.title} (as at {inspection_date:%d/%m/%Y})", bold)
                top = 2
            for c, (name, header) in enumerate(fields):
                if messy:
                    header = MESSY_CHILD.get(name, header).replace(" of ", "\u00a0of ")
                ws.write_string(top, c, header, bold)
            r = top + 1
            for k, rec in enumerate(lists.rows(number)):
                if messy and k % 50 == 49:
                    r += 1  # a blank row
                for c, (name, _header) in enumerate(fields):
                    _write(ws, r, c, name, rec.get(name), k, messy, fmt)
                r += 1
    finally:
        wb.close()


def _write(ws, r: int, c: int, name: str, value, k: int, messy: bool, fmt) -> None:
    if value is None:
        return
    if isinstance(value, dt.date):
        if messy and k % 7 == 3:
            ws.write_string(r, c, f"{value:%d/%m/%Y}")
        elif messy and k % 11 == 5:
            ws.write_number(r, c, (value - dt.date(1899, 12, 30)).days)
        else:
            ws.write_datetime(r, c, dt.datetime.combine(value, dt.time()), fmt)
        return
    if messy and name == "ethnicity" and k % 13 == 6:
        ws.write_formula(r, c, "=VLOOKUP(A1,Ethnicity!A:B,2,FALSE)", None, "#N/A")
        return
    if messy and name == "gender" and k % 5 == 2 and value in GENDER.values():
        value = "1" if value == GENDER["M"] else "2"
    if name == "age" and isinstance(value, float):
        if messy and k % 9 == 4:
            ws.write_formula(r, c, f"=ROUNDDOWN({value},0)", None, int(value))
        elif messy:
            ws.write_number(r, c, round(value, 1))
        else:
            ws.write_number(r, c, int(value))
        return
    if isinstance(value, int):
        ws.write_number(r, c, value)
        return
    if messy and isinstance(value, str) and k % 4 == 1:
        value = value + "\u00a0"  # a trailing non-breaking space
    ws.write_string(r, c, str(value))


def _load(src: Path | str | Mapping[str, pl.DataFrame]) -> Tables:
    return load_tables(src, TABLES)


@lru_cache(maxsize=1024)  # called for every row of every list with the same few arguments
def months_before(d: dt.date, months: int) -> dt.date:
    """The same day ``months`` earlier (the month's last day when it has no such day)."""
    y, m = divmod(d.year * 12 + d.month - 1 - months, 12)
    m += 1
    last = (dt.date(y + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)).day
    return dt.date(y, m, min(d.day, last))


def in_window(d: dt.date | None, inspection: dt.date, months: int) -> bool:
    """Dated after the same day ``months`` earlier, up to and including the inspection date."""
    return d is not None and months_before(inspection, months) < d <= inspection


def open_in_window(start: dt.date | None, end: dt.date | None, inspection: dt.date, months: int) -> bool:
    """Started by the inspection date and not ended by the start of the window."""
    return start is not None and start <= inspection and (end is None or end > months_before(inspection, months))


class _Lists:
    """The SSD tables as Annex A rows (field -> value: date, str, int or float age)."""

    def __init__(self, t: dict[str, list[dict]], inspection: dt.date) -> None:
        self.t = t
        self.d = inspection
        self.months = {n: s.months for n, s in annex_a_schema().lists.items()}
        self.people = {r["pers_person_id"]: r for r in t["ssd_person"] if r.get("pers_person_id")}

    def _by(self, d: dt.date | None) -> dt.date | None:
        return d if d is not None and d <= self.d else None

    def child(self, pid: str) -> dict:
        p = self.people.get(pid, {})
        dob = _date(p.get("pers_dob"))
        age = None
        if dob is not None:
            age = (self.d - dob).days / 365.25 if dob <= self.d else -1.0
        return {"child_id": pid, "gender": GENDER.get(p.get("pers_sex") or "", "c) Not stated/recorded"),
                "ethnicity": p.get("pers_ethnicity"), "dob": dob, "age": age}

    def rows(self, number: int) -> list[dict]:
        method = getattr(self, f"list{number}", None)
        return method() if method else []

    def list1(self) -> list[dict]:
        out = []
        for r in self.t["ssd_contacts"]:
            d = _date(r.get("cont_contact_date"))
            if r.get("cont_person_id") and in_window(d, self.d, self.months[1]):
                src = r.get("cont_contact_source_code")
                out.append({**self.child(r["cont_person_id"]), "contact_date": d,
                            "contact_source": SOURCES.get(src or "", src)})
        return sorted(out, key=lambda x: (x["contact_date"], x["child_id"]))

    def list3(self) -> list[dict]:
        window_12 = defaultdict(int)
        for r in self.t["ssd_cin_episodes"]:
            if r.get("cine_person_id") and in_window(_date(r.get("cine_referral_date")), self.d, 12):
                window_12[r["cine_person_id"]] += 1
        out = []
        for r in self.t["ssd_cin_episodes"]:
            d = _date(r.get("cine_referral_date"))
            if r.get("cine_person_id") and in_window(d, self.d, self.months[3]):
                src = r.get("cine_referral_source_code")
                nfa = r.get("cine_referral_nfa")
                out.append({**self.child(r["cine_person_id"]), "referral_date": d,
                            "referral_source": SOURCES.get(src or "", src),
                            "referral_nfa": {"Y": "a) Yes", "N": "b) No"}.get(nfa or "", nfa),
                            "referrals_12_months": window_12[r["cine_person_id"]],
                            "team": r.get("cine_referral_team"), "worker": r.get("cine_referral_worker_id")})
        return sorted(out, key=lambda x: (x["referral_date"], x["child_id"]))

    def list4(self) -> list[dict]:
        out = []
        for r in self.t["ssd_cin_assessments"]:
            start = _date(r.get("cina_assessment_start_date"))
            auth = self._by(_date(r.get("cina_assessment_auth_date")))
            if not r.get("cina_person_id") or not (in_window(start, self.d, self.months[4])
                                                   or in_window(auth, self.d, self.months[4])):
                continue
            nfa = r.get("cina_assessment_outcome_nfa") if auth else None
            out.append({**self.child(r["cina_person_id"]), "assessment_start": start,
                        "child_seen": {"Y": "Yes", "N": "No"}.get(r.get("cina_assessment_child_seen") or ""),
                        "assessment_auth": auth,
                        "needs_support": {"Y": "b) No", "N": "a) Yes"}.get(nfa or ""),
                        "team": r.get("cina_assessment_team"), "worker": r.get("cina_assessment_worker_id")})
        return sorted(out, key=lambda x: (x["assessment_start"], x["child_id"]))

    def list5(self) -> list[dict]:
        icpc = {r["icpc_s47_enquiry_id"]: r for r in self.t["ssd_initial_cp_conference"]
                if r.get("icpc_s47_enquiry_id") and self._by(_date(r.get("icpc_icpc_date")))}
        out = []
        for r in self.t["ssd_s47_enquiry"]:
            start = _date(r.get("s47e_s47_start_date"))
            if not r.get("s47e_person_id") or not in_window(start, self.d, self.months[5]):
                continue
            conf = icpc.get(r.get("s47e_s47_enquiry_id"))
            ended = self._by(_date(r.get("s47e_s47_end_date")))
            out.append({**self.child(r["s47e_person_id"]), "s47_start": start,
                        "icpc_unnecessary": "No" if conf else ("Yes" if ended else None),
                        "icpc_date": _date(conf["icpc_icpc_date"]) if conf else None,
                        "icpc_cp_plan": {"Y": "Yes", "N": "No"}.get(conf.get("icpc_icpc_outcome_cp_flag") or "")
                        if conf else None,
                        "team": r.get("s47e_s47_completed_by_team"),
                        "worker": r.get("s47e_s47_completed_by_worker_id")})
        return sorted(out, key=lambda x: (x["s47_start"], x["child_id"]))

    def list6(self) -> list[dict]:
        out = []
        for r in self.t["ssd_cin_episodes"]:
            start, close = _date(r.get("cine_referral_date")), self._by(_date(r.get("cine_close_date")))
            if r.get("cine_person_id") and open_in_window(start, close, self.d, self.months[6]):
                out.append({**self.child(r["cine_person_id"]), "primary_need": r.get("cine_cin_primary_need_code"),
                            "cin_start": start, "cin_close": close,
                            "close_reason": r.get("cine_close_reason") if close else None,
                            "team": r.get("cine_referral_team"), "worker": r.get("cine_referral_worker_id")})
        return sorted(out, key=lambda x: (x["cin_start"], x["child_id"]))

    def list7(self) -> list[dict]:
        out = []
        for r in self.t["ssd_cp_plans"]:
            start, end = _date(r.get("cppl_cp_plan_start_date")), self._by(_date(r.get("cppl_cp_plan_end_date")))
            if not r.get("cppl_person_id") or not open_in_window(start, end, self.d, self.months[7]):
                continue
            prev = r.get("cppl_number_of_previous_cpp")
            out.append({**self.child(r["cppl_person_id"]), "cp_start": start,
                        "initial_category": CATEGORY.get(r.get("cppl_cp_plan_initial_category") or "",
                                                         r.get("cppl_cp_plan_initial_category")),
                        "latest_category": CATEGORY.get(r.get("cppl_cp_plan_latest_category") or "",
                                                        r.get("cppl_cp_plan_latest_category")),
                        "cp_end": end, "previous_plans": int(prev) if prev and prev.isdigit() else None})
        return sorted(out, key=lambda x: (x["cp_start"], x["child_id"]))

    def list8(self) -> list[dict]:
        periods: dict[str, list[dict]] = defaultdict(list)
        for e in self.t["ssd_cla_episodes"]:
            started = self._by(_date(e.get("clae_cla_episode_start_date")))
            if e.get("clae_cla_id") and e.get("clae_person_id") and started:
                periods[e["clae_cla_id"]].append(e)
        placements: dict[str, list[dict]] = defaultdict(list)
        for p in self.t["ssd_cla_placement"]:
            if p.get("clap_cla_id") and self._by(_date(p.get("clap_cla_placement_start_date"))):
                placements[p["clap_cla_id"]].append(p)
        legal: dict[str, list[dict]] = defaultdict(list)
        for s in self.t["ssd_legal_status"]:
            if s.get("lega_person_id") and self._by(_date(s.get("lega_legal_status_start_date"))):
                legal[s["lega_person_id"]].append(s)
        out = []
        for cla_id, eps in periods.items():
            eps.sort(key=lambda e: _date(e["clae_cla_episode_start_date"]))
            start = _date(eps[0].get("clae_entered_care_date")) or _date(eps[0]["clae_cla_episode_start_date"])
            last = eps[-1]
            end = self._by(_date(last.get("clae_cla_episode_ceased_date")))
            if not open_in_window(start, end, self.d, self.months[8]):
                continue
            pid = eps[0]["clae_person_id"]
            pls = sorted(placements.get(cla_id, []), key=lambda p: _date(p["clap_cla_placement_start_date"]))
            recent = pls[-1] if pls else None
            since = months_before(self.d, 12)
            n12 = sum(1 for p in pls if (self._by(_date(p.get("clap_cla_placement_end_date"))) or self.d) > since)
            statuses = [s for s in legal.get(pid, []) if _date(s["lega_legal_status_start_date"]) >= start
                        and (end is None or _date(s["lega_legal_status_start_date"]) <= end)]
            status = max(statuses, key=lambda s: _date(s["lega_legal_status_start_date"])) if statuses else None
            out.append({**self.child(pid), "care_start": start, "need": eps[0].get("clae_cla_primary_need_code"),
                        "legal_status": status["lega_legal_status"] if status else None,
                        "legal_start": _date(status["lega_legal_status_start_date"]) if status else None,
                        "placements_12_months": n12,
                        "placement_start": _date(recent["clap_cla_placement_start_date"]) if recent else None,
                        "placement_type": recent.get("clap_cla_placement_type") if recent else None,
                        "placement_provider": recent.get("clap_cla_placement_provider") if recent else None,
                        "placement_postcode": recent.get("clap_cla_placement_postcode") if recent else None,
                        "care_end": end, "reason_ceased": last.get("clae_cla_episode_ceased_reason") if end else None})
        return sorted(out, key=lambda x: (x["care_start"], x["child_id"]))

    def list9(self) -> list[dict]:
        out = []
        for r in self.t["ssd_care_leavers"]:
            if not r.get("clea_person_id"):
                continue
            suitable = r.get("clea_care_leaver_accom_suitable")
            out.append({**self.child(r["clea_person_id"]),
                        "eligibility": ELIGIBILITY.get(r.get("clea_care_leaver_eligibility") or "",
                                                       r.get("clea_care_leaver_eligibility")),
                        "in_touch": IN_TOUCH.get(r.get("clea_care_leaver_in_touch") or "",
                                                 r.get("clea_care_leaver_in_touch")),
                        "latest_contact": self._by(_date(r.get("clea_care_leaver_latest_contact"))),
                        "pathway_review": self._by(_date(r.get("clea_pathway_plan_review_date"))),
                        "accommodation": r.get("clea_care_leaver_accommodation"),
                        "suitability": {"1": "a) Yes", "2": "b) No"}.get(suitable or "", suitable),
                        "activity": r.get("clea_care_leaver_activity"),
                        "team": r.get("clea_care_leaver_allocated_team"),
                        "worker": r.get("clea_care_leaver_worker_id")})
        return out

    def list10(self) -> list[dict]:
        entered = {}
        for e in self.t["ssd_cla_episodes"]:
            d = _date(e.get("clae_entered_care_date")) or _date(e.get("clae_cla_episode_start_date"))
            if e.get("clae_cla_id") and d and (e["clae_cla_id"] not in entered or d < entered[e["clae_cla_id"]]):
                entered[e["clae_cla_id"]] = d
        steps = ("perm_adm_decision_date", "perm_placement_order_date", "perm_matched_date",
                 "perm_placed_for_adoption_date", "perm_decision_reversed_date", "perm_placed_ffa_cp_date")
        out = []
        for r in self.t["ssd_permanence"]:
            if not r.get("perm_person_id"):
                continue
            adoption = (r.get("perm_permanence_order_type") or "").upper() == "ADOPTION"
            dates = {c: self._by(_date(r.get(c))) for c in steps}
            order = self._by(_date(r.get("perm_permanence_order_date"))) if adoption else None
            if not dates["perm_adm_decision_date"] or not any(
                    in_window(d, self.d, self.months[10]) for d in [*dates.values(), order]):
                continue
            out.append({**self.child(r["perm_person_id"]), "entered_care": entered.get(r.get("perm_cla_id")),
                        "adm_date": dates["perm_adm_decision_date"],
                        "placement_order": dates["perm_placement_order_date"],
                        "matched": dates["perm_matched_date"], "placed": dates["perm_placed_for_adoption_date"],
                        "adoption_order": order, "reversed": dates["perm_decision_reversed_date"],
                        "ffa_date": dates["perm_placed_ffa_cp_date"]})
        return sorted(out, key=lambda x: (x["adm_date"], x["child_id"]))
