"""The Annex A lists, their headers and code sets as data (schemas/annex_a/lists.yaml and codes.yaml), the
contract tables they fill and what the workbook cannot carry (``LACKS``)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import yaml

SCHEMA_DIR = Path(__file__).resolve().parents[1] / "schemas" / "annex_a"


FORMAT = "Ofsted Annex A workbook"


# list number -> contract tables it fills
LIST_TABLES: dict[int, tuple[str, ...]] = {
    1: ("ssd_contacts",),
    3: ("ssd_cin_episodes",),
    4: ("ssd_cin_assessments",),
    5: ("ssd_s47_enquiry", "ssd_initial_cp_conference"),
    6: ("ssd_cin_episodes",),
    7: ("ssd_cp_plans",),
    8: ("ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status"),
    9: ("ssd_care_leavers",),
    10: ("ssd_permanence",),
}


TABLES = ("ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry",
          "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status",
          "ssd_care_leavers", "ssd_permanence")


DERIVED_IDS = {
    "ssd_contacts": ["cont_contact_id"],
    "ssd_cin_episodes": ["cine_referral_id"],
    "ssd_cin_assessments": ["cina_assessment_id", "cina_referral_id"],
    "ssd_s47_enquiry": ["s47e_s47_enquiry_id", "s47e_referral_id"],
    "ssd_initial_cp_conference": ["icpc_icpc_id", "icpc_s47_enquiry_id", "icpc_cp_plan_id", "icpc_referral_id"],
    "ssd_cp_plans": ["cppl_cp_plan_id", "cppl_referral_id", "cppl_icpc_id"],
    "ssd_cla_episodes": ["clae_cla_episode_id", "clae_cla_id", "clae_cla_placement_id"],
    "ssd_cla_placement": ["clap_cla_placement_id", "clap_cla_id"],
    "ssd_legal_status": ["lega_legal_status_id"],
    "ssd_permanence": ["perm_cla_id"],
}


# What Annex A does not carry, for the tables it fills and the KPIs that would want them.
LACKS = (
    "history: each list reaches back only 6 months before the inspection date (12 for adoption), so every "
    "KPI sees at most that window; KPI02 (re-referrals within 12 months) cannot see the earlier referral, "
    "KPI06 relies on 'Number of Previous Child Protection Plans', KPI07/KPI08 (placement stability) see only "
    "the most recent placement",
    "ssd_contacts.cont_contact_outcome_json, cont_contact_decision_date: not in Annex A (KPI01, contact "
    "decisions in time, cannot be computed)",
    "ssd_cin_episodes.cine_close_reason, cine_close_date, cine_cin_primary_need_code: only for children in "
    "List 6 (children in need)",
    "ssd_cin_assessments.cina_referral_id: derived (the child's latest referral on or before the assessment); "
    "blank when that referral predates the lists",
    "ssd_s47_enquiry.s47e_s47_end_date, s47e_s47_nfa: not in Annex A ('ICPC deemed unnecessary' is not an NFA "
    "outcome)",
    "ssd_initial_cp_conference.icpc_icpc_target_date, icpc_icpc_transfer_in, icpc_icpc_team, icpc_icpc_worker_id: "
    "not in Annex A (KPI05 cannot exclude transfer-in conferences)",
    "ssd_cp_reviews: Annex A gives only the date of the latest review conference (read, not staged)",
    "ssd_cin_plans: List 6 holds episodes of need, not CIN plan dates",
    "ssd_cla_episodes: one episode per period of care (Date Started / Ceased to be Looked After); episodes "
    "within it, clae_cla_episode_start_reason and clae_referral_id are not in Annex A (KPI21 and KPI18/19 see "
    "only the periods List 8 holds)",
    "ssd_cla_placement: only the most recent placement (no earlier placements, no end date while open, no "
    "change reason, no distance) - KPI08 cannot be computed, 'Number of Placements in the Last 12 Months' is "
    "read but not staged",
    "ssd_legal_status: only the current legal status (earlier statuses absent)",
    "ssd_address: no home addresses in Annex A (every child's area is unknown; KPI12 impossible)",
    "ssd_cla_health, ssd_cla_reviews, ssd_missing: List 8's dates of the last health assessment, dental check "
    "and statutory review and its missing-episode counts are read, not staged",
    "ssd_care_leavers.clea_care_leaver_latest_contact, clea_pathway_plan_review_date: only when the export "
    "has those columns",
    "ssd_permanence: adoption only (List 10); special guardianship and child arrangements orders are not in "
    "Annex A",
    "ssd_person.pers_expected_dob, pers_death_date, pers_upn_unknown: not in Annex A",
    "ssd_professionals, ssd_involvements, ssd_department: 'Allocated Team' / 'Allocated Worker' are names, "
    "not linked to a workforce (KPI11 cannot be computed)",
    "List 2 (early help) and List 11 (adopters): no contract table; counted, not staged",
)


# ---- the schema as data -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Field:
    name: str
    type: str
    headers: frozenset[str]
    patterns: tuple[re.Pattern, ...] = ()
    code_set: str | None = None
    column: str | None = None  # '<table>.<column>'
    alternative: str | None = None  # another field that gives the same value (no warning when it is there)

    def matches(self, norm: str) -> bool:
        return norm in self.headers or any(p.search(norm) for p in self.patterns)


@dataclass(frozen=True)
class ListSpec:
    number: int
    title: str
    sheet_names: tuple[str, ...]
    months: int
    fields: dict[str, Field]
    id_field: str = "child_id"
    covers: str = ""

    @property
    def label(self) -> str:
        return f"List {self.number} ({self.title})"


@dataclass(frozen=True)
class CodeSet:
    name: str
    codes: frozenset[str]
    aliases: dict[str, str]
    keywords: tuple[tuple[str, str], ...]
    part_time: tuple[str, str, str] | None = None  # (pattern, from prefix, to prefix)


@dataclass(frozen=True)
class AnnexASchema:
    lists: dict[int, ListSpec]
    code_sets: dict[str, CodeSet]
    common: frozenset[str]  # field names every child list shares (not evidence of which list a sheet is)


def normalise_header(text: object) -> str:
    """Case-folded words: NFKC, NBSP as space, apostrophes dropped, other punctuation runs as one space."""
    s = unicodedata.normalize("NFKC", str(text)).replace("\u00a0", " ")
    s = re.sub(r"['’‘`]", "", s).casefold()
    return re.sub(r"[^0-9a-z]+", " ", s).strip()


@cache
def annex_a_schema() -> AnnexASchema:
    raw = yaml.safe_load((SCHEMA_DIR / "lists.yaml").read_text(encoding="utf-8"))
    lists = {}
    for number, spec in raw["lists"].items():
        fields = {}
        for name, f in spec["columns"].items():
            fields[name] = Field(
                name=name, type=f["type"], code_set=f.get("code_set"), column=f.get("column"),
                alternative=f.get("alternative"),
                headers=frozenset(normalise_header(h) for h in f.get("headers") or []),
                patterns=tuple(re.compile(p) for p in f.get("patterns") or []))
        lists[int(number)] = ListSpec(number=int(number), title=spec["title"],
                                      sheet_names=tuple(normalise_header(s) for s in spec.get("sheet_names", [])),
                                      months=int(spec.get("months", 6)), fields=fields,
                                      id_field=spec.get("id_field", "child_id"), covers=spec.get("covers", ""))
    codes_raw = yaml.safe_load((SCHEMA_DIR / "codes.yaml").read_text(encoding="utf-8"))
    code_sets = {}
    for name, spec in codes_raw.items():
        pt = spec.get("part_time")
        code_sets[name] = CodeSet(
            name=name, codes=frozenset(str(c).upper() for c in spec["codes"]),
            aliases={normalise_header(k): str(v) for k, v in (spec.get("aliases") or {}).items()},
            keywords=tuple((normalise_header(k), str(v)) for k, v in spec.get("keywords") or []),
            part_time=(pt["pattern"], pt["from"], pt["to"]) if pt else None)
    return AnnexASchema(lists=lists, code_sets=code_sets, common=frozenset(raw["common"]))
