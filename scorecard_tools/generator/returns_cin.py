"""The synthetic authority as CIN census XML: one file per collection year, derived from its SSD tables.

    from scorecard_tools.generator.returns_cin import write_cin_census
    write_cin_census(Path("landing/2020-03-31"), Path("out"), [2018, 2019])

writes ``out/cin_census_2018-19.xml`` and ``out/cin_census_2019-20.xml`` (named as exports usually are; the
adapter reads the year from the header, not the name) from the drop's CSV tables (or from a mapping of table
name -> polars frame of string cells, as the drops hold them). ``generate(..., returns=True)`` calls
``write_census_years``, which cuts each year's census as known at the drop date, events to that 31 March.

What a year's census carries (the DfE scope: every child in need at any point in the year, with what
happened in the year):

- a ``CINdetails`` for each referral (episode of need) open at any point in the year: referral date on or
  before 31 March and no closure before 1 April; a closure after 31 March is left out (open at year end).
  A referral whose record has a date after its closure (an assessment authorised after the referral was
  closed) stays in scope up to that date, so the census of that later year still reports it;
- inside it, the assessments, CIN plans, S47 enquiries and CP plans that overlap the year (started on or
  before 31 March, not finished before 1 April), and each plan's reviews held in the year; any date after
  31 March is left out, as it had not happened when the census was taken;
- ``Section47/DateOfInitialCPC`` and ``InitialCPCtarget`` from the conference that followed the enquiry (an
  enquiry that ended before 1 April is still reported in the year its conference was held);
  ``CINdetails/DateOfInitialCPC`` the latest conference of the referral held by 31 March (a transfer-in
  conference has no S47); ``ICPCnotRequired`` true when the enquiry ended by 31 March with no conference;
- the child's identifiers with ``GenderCurrent`` (M → 1, F → 2, otherwise 0) before 2024/25 and ``Sex``
  (M / F / U) from 2024/25, as the year's schema says; an unborn child's expected date of birth;
- no factors at assessment (the SSD tables hold none) and no disabilities: both groups are optional.

Records whose referral is not in ``ssd_cin_episodes`` cannot be placed in a ``CINdetails`` and are left out.
Elements are written in the specification's order; empty ones are omitted, as real exports do.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path

import polars as pl

from pipelines.lib.returns.cin_census import TABLES as CENSUS_TABLES
from pipelines.lib.returns.cin_census import parse_year, schema_for
from scorecard_tools.generator.returns_common import Tables, load_tables, text_renamed_into_place, xml_element
from scorecard_tools.generator.returns_common import cell_date as _date

TABLES = CENSUS_TABLES  # the writer reads exactly the tables the census fills
GENDER_CURRENT = {"M": "1", "F": "2"}  # anything else: 0 (not known)
# the dates of a referral's records that the census reports (a referral stays in scope until the last of them)
ACTIVITY_DATES = {
    "ssd_cin_assessments": ("cina_assessment_start_date", "cina_assessment_auth_date"),
    "ssd_cin_plans": ("cinp_cin_plan_start_date", "cinp_cin_plan_end_date"),
    "ssd_s47_enquiry": ("s47e_s47_start_date",),
    "ssd_initial_cp_conference": ("icpc_icpc_date",),
    "ssd_cp_plans": ("cppl_cp_plan_start_date", "cppl_cp_plan_end_date"),
}


def write_cin_census(
    tables_or_drop_folder: Path | str | Mapping[str, pl.DataFrame],
    out_dir: Path | str,
    years: list[int | str],
    *,
    lea: str | None = None,
) -> list[Path]:
    """One CIN census XML per collection year (2019 or '2019/20' = 1 April 2019 - 31 March 2020).

    Returns the files written, in year order. ``lea`` (the DfE LA number) goes into the header when given.
    """
    tables = _load(tables_or_drop_folder)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    data = _Index(tables)
    written = []
    for year in sorted({parse_year(y) for y in years}):
        path = out_dir / file_name(year)
        with text_renamed_into_place(path) as f:
            _write_year(f, data, year, lea)
        written.append(path)
    return written


def file_name(year: int) -> str:
    """The census file of the collection year starting in ``year``: cin_census_2019-20.xml for 2019."""
    return f"cin_census_{year}-{(year + 1) % 100:02d}.xml"


def write_census_years(folder: Path, frames: Mapping[str, pl.DataFrame], contract: dict, start: dt.date,
                       drop: dt.date) -> list[Path]:
    """The generator's census files in a drop: one per collection year completed by the drop date (the
    same years as the 903 set), each as the authority's system would produce it on the extract date: what
    was known by then (late entries, corrections), nothing after that year's 31 March (see returns_903)."""
    from . import drops as writer
    from .returns_903 import collection_years

    # One extract at the drop date serves every year: each year's file shows only what had happened by its
    # 31 March (see _by), which is what cutting the record at that 31 March would blank.
    tables = {name: writer.render(writer.cut(frames[name], name, contract[name], drop.toordinal()), name,
                                  contract[name], 0, 0.0)
              for name in TABLES}
    return write_cin_census(tables, folder, [year_ending - 1 for year_ending in collection_years(start, drop)])


def _load(src: Path | str | Mapping[str, pl.DataFrame]) -> Tables:
    return load_tables(src, TABLES)


class _Index:
    """The SSD rows grouped by child and referral, dates parsed once."""

    def __init__(self, t: dict[str, list[dict]]) -> None:
        self.people = {r["pers_person_id"]: r for r in t["ssd_person"] if r.get("pers_person_id")}
        self.episodes: dict[str, list[dict]] = defaultdict(list)
        for r in t["ssd_cin_episodes"]:
            if r.get("cine_person_id") and _date(r.get("cine_referral_date")):
                self.episodes[r["cine_person_id"]].append(r)
        for eps in self.episodes.values():
            eps.sort(key=lambda r: (_date(r["cine_referral_date"]), r["cine_referral_id"] or ""))
        self.by_ref: dict[str, dict[str, list[dict]]] = defaultdict(lambda: defaultdict(list))
        for table, col in (("ssd_cin_assessments", "cina_referral_id"), ("ssd_cin_plans", "cinp_referral_id"),
                           ("ssd_s47_enquiry", "s47e_referral_id"), ("ssd_initial_cp_conference", "icpc_referral_id"),
                           ("ssd_cp_plans", "cppl_referral_id")):
            for r in t[table]:
                if r.get(col):
                    self.by_ref[r[col]][table].append(r)
        self.reviews: dict[str, list[dict]] = defaultdict(list)
        for r in t["ssd_cp_reviews"]:
            if r.get("cppr_cp_plan_id"):
                self.reviews[r["cppr_cp_plan_id"]].append(r)
        self.disabilities: dict[str, list[str]] = defaultdict(list)
        for r in t["ssd_disability"]:
            if r.get("disa_person_id") and r.get("disa_disability_code"):
                self.disabilities[r["disa_person_id"]].append(r["disa_disability_code"].strip().upper())
        self.icpc_by_s47 = {r["icpc_s47_enquiry_id"]: r for r in t["ssd_initial_cp_conference"]
                            if r.get("icpc_s47_enquiry_id")}

    def last_activity(self, ep: dict) -> dt.date | None:
        """The referral's closure, or a later date of one of its records (an assessment authorised after the
        referral closed): the referral is in the census of every year up to that date. None while open."""
        close = _date(ep.get("cine_close_date"))
        if close is None:
            return None
        recs = self.by_ref.get(ep["cine_referral_id"], {})
        dates = [close]
        for table, cols in ACTIVITY_DATES.items():
            for r in recs.get(table, []):
                dates += [d for c in cols if (d := _date(r.get(c)))]
        return max(dates)


def _overlaps(start: dt.date | None, end: dt.date | None, ys: dt.date, ye: dt.date) -> bool:
    return start is not None and start <= ye and (end is None or end >= ys)


def _by(d: dt.date | None, ye: dt.date) -> str | None:
    """The date as the census saw it at 31 March: ISO when it had happened by then, else nothing."""
    return d.isoformat() if d is not None and d <= ye else None


_el = xml_element


def _write_year(f, data: _Index, year: int, lea: str | None) -> None:
    schema = schema_for(year)
    sex_item = "Sex" if "Sex" in schema.groups["ChildIdentifiers"].elements else "GenderCurrent"
    ys, ye = dt.date(year, 4, 1), dt.date(year + 1, 3, 31)
    f.write('<?xml version="1.0" encoding="UTF-8"?>\n<Message>\n  <Header>\n    <CollectionDetails>\n')
    f.write(f"      <Collection>CIN</Collection>\n      <Year>{year + 1}</Year>\n")
    f.write(f"      <ReferenceDate>{ye.isoformat()}</ReferenceDate>\n    </CollectionDetails>\n")
    f.write("    <Source>\n      <SourceLevel>L</SourceLevel>\n")
    f.write(_el("LEA", lea, "      "))
    f.write("      <SoftwareCode>scorecard-synthetic</SoftwareCode>\n    </Source>\n  </Header>\n  <Children>\n")
    for pid in sorted(data.episodes):
        episodes = [e for e in data.episodes[pid]
                    if _overlaps(_date(e["cine_referral_date"]), data.last_activity(e), ys, ye)]
        if not episodes:
            continue
        f.write("    <Child>\n")
        _write_identifiers(f, data.people.get(pid, {"pers_person_id": pid}), sex_item, ye,
                           sorted(set(data.disabilities.get(pid, []))))
        for ep in episodes:
            _write_episode(f, data, ep, ys, ye)
        f.write("    </Child>\n")
    f.write("  </Children>\n</Message>\n")


def _write_identifiers(f, p: dict, sex_item: str, ye: dt.date, disabilities: list[str] = ()) -> None:
    i = "        "
    f.write("      <ChildIdentifiers>\n")
    f.write(_el("LAchildID", p.get("pers_person_id"), i))
    f.write(_el("UPNunknown", p.get("pers_upn_unknown"), i))
    f.write(_el("PersonBirthDate", _by(_date(p.get("pers_dob")), ye), i))
    expected = _date(p.get("pers_expected_dob"))
    f.write(_el("ExpectedPersonBirthDate", expected.isoformat() if expected else None, i))
    born = _date(p.get("pers_dob"))
    # not yet born at 31 March (or no birth date): sex not known, as the extract of that day would say
    sex = (p.get("pers_sex") or "").strip().upper() if born is not None and born <= ye else ""
    if sex_item == "Sex":
        f.write(_el("Sex", sex if sex in ("M", "F") else "U", i))
    else:
        f.write(_el("GenderCurrent", GENDER_CURRENT.get(sex, "0"), i))
    f.write(_el("PersonDeathDate", _by(_date(p.get("pers_death_date")), ye), i))
    f.write("      </ChildIdentifiers>\n")
    if p.get("pers_ethnicity") or disabilities:
        # the extract's disability codes as recorded (the census lists a child's codes as they stand)
        listed = ("".join(_el("Disability", code, i + "  ") for code in disabilities) if disabilities else "")
        f.write(f"      <ChildCharacteristics>\n{_el('Ethnicity', p.get('pers_ethnicity'), i)}"
                + (f"{i}<Disabilities>\n{listed}{i}</Disabilities>\n" if listed else "")
                + "      </ChildCharacteristics>\n")


def _write_episode(f, data: _Index, ep: dict, ys: dt.date, ye: dt.date) -> None:
    i = "        "
    recs = data.by_ref.get(ep["cine_referral_id"], {})
    close = _date(ep.get("cine_close_date"))
    closed = close is not None and close <= ye
    icpcs = sorted(d for r in recs.get("ssd_initial_cp_conference", []) if (d := _date(r.get("icpc_icpc_date")))
                    and d <= ye)
    f.write("      <CINdetails>\n")
    f.write(_el("CINreferralDate", _date(ep["cine_referral_date"]).isoformat(), i))
    f.write(_el("ReferralSource", ep.get("cine_referral_source_code"), i))
    f.write(_el("PrimaryNeedCode", ep.get("cine_cin_primary_need_code"), i))
    f.write(_el("CINclosureDate", close.isoformat() if closed else None, i))
    f.write(_el("ReasonForClosure", ep.get("cine_close_reason") if closed else None, i))
    f.write(_el("DateOfInitialCPC", icpcs[-1].isoformat() if icpcs else None, i))
    nfa = (ep.get("cine_referral_nfa") or "").strip().upper()
    f.write(_el("ReferralNFA", {"Y": "true", "N": "false"}.get(nfa), i))
    j = "          "
    for a in sorted(recs.get("ssd_cin_assessments", []), key=lambda r: r.get("cina_assessment_start_date") or ""):
        start, auth = _date(a.get("cina_assessment_start_date")), _date(a.get("cina_assessment_auth_date"))
        if _overlaps(start, auth, ys, ye):
            f.write(f"        <Assessments>\n{_el('AssessmentActualStartDate', start.isoformat(), j)}"
                    f"{_el('AssessmentAuthorisationDate', _by(auth, ye), j)}        </Assessments>\n")
    for c in sorted(recs.get("ssd_cin_plans", []), key=lambda r: r.get("cinp_cin_plan_start_date") or ""):
        start, end = _date(c.get("cinp_cin_plan_start_date")), _date(c.get("cinp_cin_plan_end_date"))
        if _overlaps(start, end, ys, ye):
            f.write(f"        <CINPlanDates>\n{_el('CINPlanStartDate', start.isoformat(), j)}"
                    f"{_el('CINPlanEndDate', _by(end, ye), j)}        </CINPlanDates>\n")
    for s in sorted(recs.get("ssd_s47_enquiry", []), key=lambda r: r.get("s47e_s47_start_date") or ""):
        start, end = _date(s.get("s47e_s47_start_date")), _date(s.get("s47e_s47_end_date"))
        conf = data.icpc_by_s47.get(s.get("s47e_s47_enquiry_id"))
        held_on = _date(conf.get("icpc_icpc_date")) if conf else None
        if end is not None and held_on is not None and held_on > end:
            end = held_on  # the enquiry is reported until its conference, which carries it into that year
        if not _overlaps(start, end, ys, ye):
            continue
        held = _by(_date(conf.get("icpc_icpc_date")), ye) if conf else None
        target = _date(conf.get("icpc_icpc_target_date")) if conf else None
        not_required = "true" if conf is None and end is not None and end <= ye else "false"
        f.write(f"        <Section47>\n{_el('S47ActualStartDate', start.isoformat(), j)}"
                f"{_el('InitialCPCtarget', target.isoformat() if target else None, j)}"
                f"{_el('DateOfInitialCPC', held, j)}{_el('ICPCnotRequired', not_required, j)}        </Section47>\n")
    for p in sorted(recs.get("ssd_cp_plans", []), key=lambda r: r.get("cppl_cp_plan_start_date") or ""):
        start, end = _date(p.get("cppl_cp_plan_start_date")), _date(p.get("cppl_cp_plan_end_date"))
        if not _overlaps(start, end, ys, ye):
            continue
        f.write(f"        <ChildProtectionPlans>\n{_el('CPPstartDate', start.isoformat(), j)}"
                f"{_el('CPPendDate', _by(end, ye), j)}"
                f"{_el('InitialCategoryOfAbuse', p.get('cppl_cp_plan_initial_category'), j)}"
                f"{_el('LatestCategoryOfAbuse', p.get('cppl_cp_plan_latest_category'), j)}"
                f"{_el('NumberOfPreviousCPP', p.get('cppl_number_of_previous_cpp'), j)}")
        # one <Reviews> per plan holding every review date of the year, as the DfE schema has it
        held_dates = [h for h in (_date(r.get("cppr_cp_review_date")) for r in sorted(
            data.reviews.get(p["cppl_cp_plan_id"], []), key=lambda r: r.get("cppr_cp_review_date") or ""))
            if h is not None and ys <= h <= ye]
        if held_dates:
            f.write("          <Reviews>\n" + "".join(_el("CPPreviewDate", h.isoformat(), j + "  ") for h in held_dates)
                    + "          </Reviews>\n")
        f.write("        </ChildProtectionPlans>\n")
    f.write("      </CINdetails>\n")
