"""The lists of every workbook into contract tables: record ids from the child and key date, links between
records, one person row per child, and the coverage each list gives."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import defaultdict

import polars as pl

from pipelines.lib.calendar import shift_months
from pipelines.lib.contract import contract
from pipelines.lib.returns.annex_a.read import (
    _Row,
    _Sheet,
    _Workbook,
)
from pipelines.lib.returns.annex_a.schema import (
    LIST_TABLES,
    TABLES,
    annex_a_schema,
)
from pipelines.lib.returns.base import SOURCE_FILE, SOURCE_LOCATION, SOURCE_ROW, AdapterIssue


def _stamp(iso: str | None) -> str | None:
    if not iso or not re.fullmatch(r"\d{4}-\d{2}-\d{2}", iso):
        return None
    return iso.replace("-", "")


class _Builder:
    """Rows of every workbook into contract records: people merged, ids derived, records linked."""

    def __init__(self, issues: list[AdapterIssue]) -> None:
        self.issues = issues
        self.records: dict[str, list[dict]] = defaultdict(list)
        self.tables_present: set[str] = set()
        self.people: dict[str, dict] = {}
        self.person_origin: dict[str, _Row] = {}
        self.seen_ids: dict[str, int] = defaultdict(int)
        self.episodes: dict[str, list[dict]] = defaultdict(list)   # child -> episode records
        self.episode_key: dict[tuple[str, str], list[dict]] = defaultdict(list)
        self.plans: dict[tuple[str, str], dict] = {}               # (child, start) -> CP plan record
        self.icpcs: dict[tuple[str, str], dict] = {}
        self.periods: dict[str, dict] = {}                         # cla id -> episode record
        self.periods_by_child: dict[str, list[dict]] = defaultdict(list)
        self.counts: dict[int, int] = defaultdict(int)
        self.dates: dict[int, list[str]] = defaultdict(list)
        self.inspection: dt.date | None = None
        self.inferred = False

    # -- helpers --------------------------------------------------------------------------------------------
    def _id(self, child: str | None, prefix: str, iso: str | None, row: _Row) -> str | None:
        if child is None:
            return None
        stamp = _stamp(iso)
        base = f"{child}|{prefix}{stamp}" if stamp else f"{child}|{prefix}-L{row.spec.number}R{row.source_row}"
        self.seen_ids[base] += 1
        n = self.seen_ids[base]
        return base if n == 1 else f"{base}-{n}"

    def _record(self, table: str, row: _Row, cells: dict[str, str | None]) -> dict:
        rec = dict(cells)
        rec[SOURCE_ROW] = row.source_row
        rec[SOURCE_FILE] = row.file
        rec[SOURCE_LOCATION] = row.sheet
        self.records[table].append(rec)
        return rec

    def _mapped(self, row: _Row, table: str) -> dict[str, str | None]:
        """The row's values of the fields whose column is in ``table``."""
        out = {}
        for name, f in row.spec.fields.items():
            if f.column and f.column.startswith(table + ".") and name in row.columns:
                out[f.column.split(".", 1)[1]] = row.values.get(name)
        return out

    def _referral_for(self, child: str | None, iso: str | None) -> str | None:
        if child is None or not _stamp(iso):
            return None
        best = None
        for ep in self.episodes.get(child, []):
            d = ep.get("cine_referral_date")
            if _stamp(d) and d <= iso and (best is None or d >= best["cine_referral_date"]):
                best = ep
        return best["cine_referral_id"] if best else None

    def _person(self, row: _Row) -> str | None:
        """The row's child id (normalised), after merging its characteristics into the child's person row."""
        child = row.values.get(row.spec.id_field)
        if child is None:
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get(row.spec.id_field) or "Child Unique ID",
                row=row.source_row, location=row.where(row.spec.id_field),
                message="the row has no child id: it is passed on without a person id or record ids, so staging "
                        "quarantines it"))
            return None
        cells = {"pers_person_id": child, "pers_sex": row.values.get("gender"),
                 "pers_ethnicity": row.values.get("ethnicity"), "pers_dob": row.values.get("dob")}
        names = {"pers_sex": "gender", "pers_ethnicity": "ethnicity", "pers_dob": "dob"}
        known = self.people.get(child)
        if known is None:
            self.people[child] = self._record("ssd_person", row, cells)
            self.person_origin[child] = row
        else:
            first = self.person_origin[child]
            for col, fname in names.items():
                new = cells[col]
                if new is None:
                    continue
                if known.get(col) is None:
                    known[col] = new
                elif known[col] != new:
                    self.issues.append(AdapterIssue(
                        file=row.file, table=row.sheet, column=row.headers.get(fname), row=row.source_row,
                        location=row.where(fname), severity="warning",
                        message=f"differs from the child's {fname.replace('dob', 'date of birth')} in "
                                f"{first.spec.label} row {first.source_row}; the first is kept"))
        self._check_age(row)
        return child

    def _check_age(self, row: _Row) -> None:
        age, dob = row.extra.get("age"), row.values.get("dob")
        if age is None or not _stamp(dob) or self.inspection is None:
            return
        born = dt.date.fromisoformat(dob)
        ref = self.inspection
        expected = ref.year - born.year - ((ref.month, ref.day) < (born.month, born.day))
        if born > ref:
            expected = -1  # unborn: Annex A exports write -1 or 0
        if abs(math.floor(age) - expected) > 1 and not (expected == -1 and age <= 0):
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get("age"), row=row.source_row,
                location=row.where("age"), severity="warning",
                message=f"the age does not match the date of birth ({expected} completed years at the inspection "
                        f"date {ref.isoformat()}); the date of birth is used"))

    # -- lists ----------------------------------------------------------------------------------------------
    def add(self, book: _Workbook) -> None:
        by_list: dict[int, list[_Sheet]] = defaultdict(list)
        for sheet in book.sheets:
            by_list[sheet.spec.number].append(sheet)
            self.tables_present.update(LIST_TABLES.get(sheet.spec.number, ()))
            if sheet.spec.number != 11:  # adopters are not children
                self.tables_present.add("ssd_person")
        self.inspection = book.inspection_date or self._latest_date(book)
        for number in sorted(by_list):
            for sheet in by_list[number]:
                for row in sheet.rows:
                    self.counts[number] += 1
                    self._note_dates(row)
                    if number == 11:
                        continue
                    child = self._person(row)
                    handler = getattr(self, f"_list{number}", None)
                    if handler is not None:
                        handler(row, child)
        self._link()

    def _latest_date(self, book: _Workbook) -> dt.date | None:
        dates = [v for s in book.sheets for r in s.rows for n, v in r.values.items()
                 if s.spec.fields[n].type == "date" and n != "dob" and _stamp(v)]
        if not dates:
            return None
        self.inferred = True
        return dt.date.fromisoformat(max(dates))

    def _note_dates(self, row: _Row) -> None:
        key = {1: "contact_date", 3: "referral_date", 4: "assessment_start", 5: "s47_start", 6: "cin_start",
               7: "cp_start", 8: "care_start", 10: "adm_date", 2: "eha_start", 11: "enquiry_date"}.get(row.spec.number)
        v = row.values.get(key) if key else None
        if _stamp(v):
            self.dates[row.spec.number].append(v)

    def _list1(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_contacts")
        cells.update(cont_contact_id=self._id(child, "CT", row.values.get("contact_date"), row), cont_person_id=child)
        self._record("ssd_contacts", row, cells)

    def _list3(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_episodes")
        date = row.values.get("referral_date")
        cells.update(cine_referral_id=self._id(child, "RF", date, row), cine_person_id=child)
        rec = self._record("ssd_cin_episodes", row, cells)
        rec["_list6"] = False
        if child is not None:
            self.episodes[child].append(rec)
            if _stamp(date):
                self.episode_key[(child, date)].append(rec)

    def _list6(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_episodes")
        date = row.values.get("cin_start")
        if child is not None and _stamp(date):
            for rec in self.episode_key.get((child, date), []):
                if not rec["_list6"]:
                    for col, v in cells.items():
                        if v is not None and rec.get(col) is None:
                            rec[col] = v
                    rec["_list6"] = True
                    return
        cells.update(cine_referral_id=self._id(child, "RF", date, row), cine_person_id=child)
        rec = self._record("ssd_cin_episodes", row, cells)
        rec["_list6"] = True
        if child is not None:
            self.episodes[child].append(rec)
            if _stamp(date):
                self.episode_key[(child, date)].append(rec)

    def _list4(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cin_assessments")
        start = row.values.get("assessment_start")
        if cells.get("cina_assessment_outcome_nfa") is None and row.values.get("needs_support") in ("Y", "N"):
            cells["cina_assessment_outcome_nfa"] = "N" if row.values["needs_support"] == "Y" else "Y"
        cells.update(cina_assessment_id=self._id(child, "AS", start, row), cina_person_id=child,
                     _date=start)
        self._record("ssd_cin_assessments", row, cells)

    def _list5(self, row: _Row, child: str | None) -> None:
        s47 = self._mapped(row, "ssd_s47_enquiry")
        start = row.values.get("s47_start")
        sid = self._id(child, "S4", start, row)
        s47.update(s47e_s47_enquiry_id=sid, s47e_person_id=child, _date=start)
        self._record("ssd_s47_enquiry", row, s47)
        icpc_date = row.values.get("icpc_date")
        if icpc_date is None:
            return
        icpc = self._mapped(row, "ssd_initial_cp_conference")
        icpc.update(icpc_icpc_id=self._id(child, "IC", icpc_date, row), icpc_s47_enquiry_id=sid,
                    icpc_person_id=child, _date=start)
        rec = self._record("ssd_initial_cp_conference", row, icpc)
        if child is not None and _stamp(icpc_date):
            self.icpcs.setdefault((child, icpc_date), rec)

    def _list7(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_cp_plans")
        start = row.values.get("cp_start")
        cells.update(cppl_cp_plan_id=self._id(child, "CP", start, row), cppl_person_id=child, _date=start)
        rec = self._record("ssd_cp_plans", row, cells)
        if child is not None and _stamp(start):
            self.plans.setdefault((child, start), rec)

    def _list8(self, row: _Row, child: str | None) -> None:
        start = row.values.get("care_start")
        end = row.values.get("care_end")
        placement_cells = self._mapped(row, "ssd_cla_placement")
        legal_cells = self._mapped(row, "ssd_legal_status")
        cla_stamp = _stamp(start)
        cla_id = None if child is None else (f"{child}|C{cla_stamp}" if cla_stamp
                                             else f"{child}|C-L8R{row.source_row}")
        placement_id = None
        if any(v is not None for v in placement_cells.values()):
            placement_id = self._id(child, "P", placement_cells.get("clap_cla_placement_start_date"), row)
            placement_cells.update(clap_cla_placement_id=placement_id, clap_cla_id=cla_id, clap_person_id=child,
                                   clap_cla_placement_end_date=end)
            self._record("ssd_cla_placement", row, placement_cells)
        if any(v is not None for v in legal_cells.values()):
            legal_cells.update(lega_legal_status_id=self._id(child, "L", legal_cells.get(
                "lega_legal_status_start_date"), row), lega_person_id=child, lega_legal_status_end_date=end)
            self._record("ssd_legal_status", row, legal_cells)
        if cla_id is not None and cla_id in self.periods:
            first = self.periods[cla_id]
            self.issues.append(AdapterIssue(
                file=row.file, table=row.sheet, column=row.headers.get("care_start"), row=row.source_row,
                location=row.where("care_start"), severity="warning",
                message=f"another row for the period of care in row {first[SOURCE_ROW]}: its placement and legal "
                        "status are kept, the episode is taken from the first row"))
            return
        cells = self._mapped(row, "ssd_cla_episodes")
        cells.update(clae_cla_episode_id=self._id(child, "E", start, row), clae_person_id=child, clae_cla_id=cla_id,
                     clae_entered_care_date=start, clae_cla_placement_id=placement_id)
        rec = self._record("ssd_cla_episodes", row, cells)
        if cla_id is not None:
            self.periods[cla_id] = rec
            self.periods_by_child[child].append(rec)

    def _list9(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_care_leavers")
        accom, suitable = cells.get("clea_care_leaver_accommodation"), cells.get("clea_care_leaver_accom_suitable")
        if accom and len(accom) == 1 and accom.isalpha() and suitable in ("1", "2"):
            cells["clea_care_leaver_accommodation"] = accom + suitable
        cells.update(clea_person_id=child)
        self._record("ssd_care_leavers", row, cells)

    def _list10(self, row: _Row, child: str | None) -> None:
        cells = self._mapped(row, "ssd_permanence")
        entered = _stamp(row.values.get("entered_care"))
        cla_id = None
        if child is not None and entered:
            cla_id = f"{child}|C{entered}"
        elif child is not None:
            adm = row.values.get("adm_date")
            periods = [p for p in self.periods_by_child.get(child, [])
                       if _stamp(p.get("clae_cla_episode_start_date")) and (
                           not _stamp(adm) or p["clae_cla_episode_start_date"] <= adm)]
            if periods:
                cla_id = max(periods, key=lambda p: p["clae_cla_episode_start_date"])["clae_cla_id"]
        if cells.get("perm_permanence_order_date") is not None:
            cells["perm_permanence_order_type"] = "ADOPTION"
        cells.update(perm_person_id=child, perm_cla_id=cla_id)
        self._record("ssd_permanence", row, cells)

    def _link(self) -> None:
        """Referrals for assessments, S47s, conferences and plans; conferences and plans to each other."""
        for table, person_col, ref_col in (("ssd_cin_assessments", "cina_person_id", "cina_referral_id"),
                                           ("ssd_s47_enquiry", "s47e_person_id", "s47e_referral_id"),
                                           ("ssd_initial_cp_conference", "icpc_person_id", "icpc_referral_id"),
                                           ("ssd_cp_plans", "cppl_person_id", "cppl_referral_id")):
            for rec in self.records.get(table, []):
                if "_date" in rec:
                    rec[ref_col] = self._referral_for(rec.get(person_col), rec.pop("_date"))
        for rec in self.records.get("ssd_initial_cp_conference", []):
            plan = self.plans.get((rec.get("icpc_person_id"), rec.get("icpc_icpc_date")))
            rec["icpc_cp_plan_id"] = plan["cppl_cp_plan_id"] if plan else None
            if rec.get("icpc_icpc_outcome_cp_flag") is None and plan:
                rec["icpc_icpc_outcome_cp_flag"] = "Y"
        for rec in self.records.get("ssd_cp_plans", []):
            icpc = self.icpcs.get((rec.get("cppl_person_id"), rec.get("cppl_cp_plan_start_date")))
            rec["cppl_icpc_id"] = icpc["icpc_icpc_id"] if icpc else None

    # -- output ---------------------------------------------------------------------------------------------
    def frames(self) -> dict[str, pl.DataFrame]:
        spec = contract()
        out = {}
        for table in TABLES:
            if table not in self.tables_present:
                continue
            cols = list(spec[table].columns)
            recs = self.records.get(table, [])
            data: dict[str, list] = {c: [r.get(c) for r in recs] for c in cols}
            for c in (SOURCE_ROW, SOURCE_FILE, SOURCE_LOCATION):
                data[c] = [r[c] for r in recs]
            schema = {c: pl.String for c in cols} | {SOURCE_ROW: pl.Int64, SOURCE_FILE: pl.String,
                                                     SOURCE_LOCATION: pl.String}
            out[table] = pl.DataFrame(data, schema=schema)
        return out

    def covered_from(self, books: list[_Workbook]) -> dict[str, dt.date]:
        """Each table filled, from the earliest window start of the lists filling it: the inspection date less
        the list's months (contacts 6, adoption 12, care leavers 0: only those current at the date)."""
        if self.inspection is None:
            return {}
        present = {s.spec.number for b in books for s in b.sheets}
        out: dict[str, dt.date] = {}
        for number, spec in annex_a_schema().lists.items():
            if number not in present:
                continue
            start = shift_months(self.inspection, -spec.months)
            for table in LIST_TABLES.get(number, ()):
                if table in self.tables_present:
                    out[table] = min(out.get(table, start), start)
        return out

    def coverage(self, books: list[_Workbook]) -> list[str]:
        """What each list of this drop covers, and which lists are missing."""
        schema = annex_a_schema()
        present = {s.spec.number for b in books for s in b.sheets}
        out = []
        if self.inspection is not None:
            how = ("inferred from the latest event date in the lists: no inspection date in the workbook"
                   if self.inferred else "from the workbook")
            out.append(f"inspection date {self.inspection.isoformat()} ({how})")
        for number, spec in schema.lists.items():
            if number not in present:
                tables = ", ".join(LIST_TABLES.get(number, ())) or "no contract table"
                out.append(f"{spec.label}: not in the workbook ({tables} not filled from it)")
                continue
            dates = self.dates.get(number)
            span = f" (key dates {min(dates)} to {max(dates)})" if dates else ""
            out.append(f"{spec.label}: {self.counts.get(number, 0)} rows, only {spec.covers}{span}")
        return out
