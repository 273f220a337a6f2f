"""Codes, volumes and calibration knobs of the synthetic authority.

Volumes are for the default size (a trust like Northamptonshire's) in the baseline year 2019/20; the
``scale`` factor multiplies every case volume. Rates marked *calibrated* were tuned so that the 2019/20
KPI values land near the contract baselines (docs: kpis.md last column); other years drift around them.
"""

from __future__ import annotations

BASELINE_FY = 2019

SIZES = {"default": 1.0, "small": 0.05}

# ---- front door --------------------------------------------------------------------------------------
CONTACTS_PER_YEAR = 26_500
REFERRAL_SHARE = 0.49  # contacts that become referrals

# CIN census referral source codes: (code, share of contacts, relative chance of becoming a referral)
SOURCES = [
    ("1A", 0.030, 0.95), ("1B", 0.010, 0.85), ("1C", 0.015, 0.95), ("1D", 0.012, 0.9),
    ("2A", 0.170, 1.10), ("2B", 0.010, 1.0),
    ("3A", 0.025, 1.10), ("3B", 0.030, 1.10), ("3C", 0.010, 1.05), ("3D", 0.015, 1.0),
    ("3E", 0.035, 1.0), ("3F", 0.025, 1.0),
    ("4", 0.015, 0.9), ("5A", 0.070, 1.2), ("5B", 0.030, 1.0), ("5C", 0.030, 1.2),
    ("6", 0.300, 0.85), ("7", 0.030, 1.0), ("8", 0.058, 0.9), ("9", 0.010, 0.7), ("10", 0.020, 0.8),
]

# month factors for contact volume (1 = January); August and late December are quiet, autumn busy
MONTH_FACTOR = {1: 1.02, 2: 1.0, 3: 1.05, 4: 0.95, 5: 1.05, 6: 1.05, 7: 1.0, 8: 0.78, 9: 1.02,
                10: 1.12, 11: 1.12, 12: 0.95}
DOW_FACTOR = (1.18, 1.12, 1.08, 1.08, 1.02, 0.28, 0.22)  # Monday .. Sunday
BANK_HOLIDAY_FACTOR = 0.3
CHRISTMAS_FACTOR = 0.5  # 24 December – 1 January

# Year-to-year volume: fixed shape (index 1.0 in 2019/20) plus seeded noise; pandemic dip.
FY_VOLUME = {2013: 0.90, 2014: 0.92, 2015: 0.94, 2016: 0.96, 2017: 0.97, 2018: 0.99, 2019: 1.0,
             2020: 0.97, 2021: 1.03, 2022: 1.05, 2023: 1.06, 2024: 1.07, 2025: 1.08, 2026: 1.09}
COVID_FACTOR = {(2020, 4): 0.72, (2020, 5): 0.8, (2020, 6): 0.9, (2021, 1): 0.88, (2021, 2): 0.9}

# ---- timeliness targets (2019/20), calibrated ----------------------------------------------------------
KPI01_Q = 0.83  # contacts decided within 2 working days
KPI03_Q = 0.87  # assessments authorised within 45 working days
KPI05_Q = 0.68  # ICPCs within 15 working days of the strategy discussion
RE_REFERRAL_P = 0.30  # chance a referral is about a child referred in the previous 12 months (calibrated)
OLD_REFERRAL_P = 0.12  # … referred earlier than that
CP_REPEAT_P = 0.15  # chance a CP-plan path picks a child with an earlier plan (calibrated)
EXT_PREVIOUS_CPP_P = 0.06  # new children with plans before the system / in another LA

# ---- referral paths ------------------------------------------------------------------------------------
P_NFA_REFERRAL = 0.08
P_NO_ASSESSMENT = 0.07  # closed/transferred before assessment
P_S47 = 0.27  # of assessed referrals
P_ICPC = 0.36  # of S47s
P_CP_AT_ICPC = 0.88
P_TRANSFER_IN = 0.003  # of referrals: transfer-in conference (child on a plan elsewhere)
P_CLA_DIRECT = 0.021  # of assessed referrals: care starts straight from the referral
P_UASC = 0.0032  # of referrals: unaccompanied asylum-seeking children
P_ASS_NFA_S47 = 0.28
P_ASS_NFA_OTHER = 0.41
P_ASS_NFA_BLANK = 0.06  # NFA assessments whose flag is left blank (closed RC8/RC9, nothing after)
P_CIN_AFTER_ASSESSMENT = 0.55  # non-NFA, non-S47 assessments that lead to a CIN plan
P_CLA_FROM_CIN = 0.07
CP_END_OUTCOME = (("cin", 0.52), ("close", 0.36), ("cla", 0.12))
CP_END_REVIEW = (0.24, 0.35, 0.22, 0.10, 0.05, 0.04)  # plan ends at review 1, 2, ... (3, 9, 15 … months)

NEED_GENERAL = (("N1", .45), ("N2", .05), ("N3", .04), ("N4", .12), ("N5", .18), ("N6", .06),
                ("N7", .01), ("N8", .02), ("N9", .07))
NEED_NFA = (("N9", .40), ("N1", .20), ("N4", .15), ("N5", .15), ("N6", .05), ("N3", .05))
NEED_CP = (("N1", .82), ("N5", .09), ("N4", .05), ("N3", .02), ("N6", .02))
NEED_CLA = (("N1", .62), ("N4", .08), ("N5", .12), ("N8", .06), ("N2", .03), ("N6", .06), ("N3", .03))

# age at referral (years, as (low, high, weight)); -1 = unborn
AGE_GENERAL = ((-1, 0, .03), (0, 1, .09), (1, 5, .19), (5, 10, .24), (10, 16, .34), (16, 18, .11))
AGE_CP = ((-1, 0, .08), (0, 1, .12), (1, 5, .25), (5, 10, .25), (10, 16, .26), (16, 17.5, .04))
AGE_CLA = ((-1, 0, .07), (0, 1, .15), (1, 5, .13), (5, 10, .12), (10, 16, .36), (16, 17.5, .17))
AGE_UASC = ((15, 17.7, 1.0),)

CP_CATEGORIES = (("NEG", .45), ("EMO", .38), ("PHY", .08), ("SAB", .04), ("MUL", .05))

ETHNICITY = (("WBRI", .74), ("WIRI", .005), ("WOTH", .05), ("WIRT", .003), ("WROM", .007),
             ("MWBC", .04), ("MWBA", .01), ("MWAS", .01), ("MOTH", .025), ("AIND", .012),
             ("APKN", .008), ("ABAN", .005), ("AOTH", .01), ("BCRB", .01), ("BAFR", .03),
             ("BOTH", .005), ("CHNE", .002), ("OOTH", .015), ("REFU", .004), ("NOBT", .009))
ETHNICITY_UASC = (("AOTH", .35), ("BAFR", .35), ("OOTH", .2), ("MOTH", .1))

# ---- care ----------------------------------------------------------------------------------------------
# plan at entry by age band: (max age exclusive, ((plan, weight), ...))
CARE_PLANS = (
    (1, (("short", .14), ("return_long", .10), ("adopt", .40), ("sgo", .15), ("cao", .03),
         ("long_term", .18))),
    (5, (("short", .22), ("return_long", .14), ("adopt", .22), ("sgo", .15), ("cao", .03),
         ("long_term", .24))),
    (10, (("short", .30), ("return_long", .18), ("adopt", .02), ("sgo", .12), ("cao", .03),
          ("long_term", .35))),
    (16, (("short", .40), ("return_long", .14), ("sgo", .03), ("cao", .01), ("long_term", .39),
          ("remand", .03))),
    (19, (("short", .33), ("long_term", .62), ("remand", .05))),
)

# placement type by age band for an ordinary move (max age exclusive)
PLACE_BY_AGE = (
    (1, (("U6", .52), ("U4", .06), ("U3", .15), ("R3", .10), ("P1", .05), ("U1", .02), ("U5", .06),
         ("U2", .02), ("Z1", .02))),
    (5, (("U6", .52), ("U4", .13), ("U3", .15), ("U1", .05), ("P1", .08), ("U5", .02), ("Z1", .02),
         ("R2", .01), ("K2", .02))),
    (11, (("U6", .46), ("U4", .18), ("U3", .12), ("U1", .08), ("P1", .07), ("K2", .05), ("R2", .01),
          ("S1", .02), ("R1", .01))),
    (16, (("U6", .38), ("U4", .16), ("U3", .06), ("U1", .05), ("K2", .21), ("P1", .05), ("S1", .03),
          ("K1", .01), ("R2", .01), ("R5", .01), ("R1", .01), ("Z1", .02))),
    (19, (("U6", .28), ("U4", .08), ("U3", .04), ("K2", .14), ("H5", .33), ("P2", .04), ("P1", .03),
          ("R5", .02), ("P3", .01), ("Z1", .03))),
)
LONG_TERM_PLACE = (("U4", .6), ("U1", .2), ("U6", .2))

# location category per placement type: (in own council, outside but <= 20 miles, outside and > 20 miles)
LOCATION = {
    "foster_inhouse": (.80, .15, .05),
    "foster_ifa": (.40, .16, .44),
    "relative": (.76, .12, .12),
    "residential": (.30, .12, .58),
    "semi": (.60, .12, .28),
    "specialist": (.20, .15, .65),
    "adoption": (.30, .20, .50),
    "home": (1.0, 0.0, 0.0),
}

REC_SHORT = (("E4A", .50), ("E4B", .10), ("E13", .35), ("E8", .05))
REC_RETURN = (("E4A", .65), ("E13", .30), ("E4B", .05))
REC_AT_18 = (("E17", .22), ("E5", .45), ("E6", .06), ("E7", .03), ("E13", .12), ("E8", .12))
REC_EARLY_16 = (("E5", .35), ("E13", .35), ("E4A", .20), ("E6", .05), ("E8", .05))
REC_SGO = (("E45", .42), ("E46", .43), ("E47", .10), ("E48", .05))

CHANGE_REASONS = (("CARPL", .38), ("CREQB", .14), ("CREQO", .10), ("LAREQ", .08), ("CHILD", .07),
                  ("STAND", .04), ("ALLEG", .03), ("CLOSE", .03), ("APPRR", .02), ("OTHER", .11))

# ---- care leavers ----------------------------------------------------------------------------------------
EET = ("F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5")
EET_W = (.08, .01, .30, .05, .22, .10, .10, .02, .08, .04)
NEET = ("G4", "G5", "G6")
NEET_W = (.25, .55, .20)
ACCOM_SUITABLE = ("B1", "C1", "D1", "E1", "K1", "T1", "U1", "V1", "W1", "Y1", "Z1")
ACCOM_SUITABLE_W = (.16, .04, .20, .06, .03, .05, .28, .02, .02, .04, .10)
ACCOM_UNSUITABLE = ("S2", "X2", "R2", "G2", "H2", "U2", "V2", "W2", "B2")
ACCOM_UNSUITABLE_W = (.18, .22, .06, .03, .01, .20, .10, .10, .10)

# ---- workforce -------------------------------------------------------------------------------------------
TEAM_TYPES = (
    ("front_door", "FD", 1, "Front Door (MASH)"),
    ("assessment", "AS", 2, "Assessment Team"),
    ("safeguarding", "SG", 3, "Safeguarding and Family Support"),
    ("children_in_care", "CIC", 2, "Children in Care"),
    ("leaving_care", "LC", 1, "Leaving Care"),
    ("disabled_children", "DC", 1, "Disabled Children"),
    ("adoption", "AD", 1, "Adoption and Permanence"),
)
CASES_PER_FTE = 15.0  # average open cases per FTE of case-holding staff (calibrated: KPI11 ~17%)
CASELOAD_SIGMA = 0.24  # spread of individual caseloads around the team average
AGENCY_SHARE = 0.2

BAD_CODES = {
    "clap_cla_placement_type": ("P4", "U7", "Q1", "F1"),
    "lega_legal_status": ("Z9", "C3", "V1"),
    "clae_cla_episode_start_reason": ("Q", "Z", "X"),
    "clae_cla_episode_ceased_reason": ("E42", "E10", "E99"),
    "cine_cin_primary_need_code": ("N0", "N10", "NX"),
    "cine_referral_source_code": ("11", "5D", "0"),
    "cont_contact_source_code": ("11", "5D", "0"),
    "cine_close_reason": ("RC0", "RC10"),
    "cppl_cp_plan_initial_category": ("NEGL", "OTH", "EMOT"),
    "cppl_cp_plan_latest_category": ("NEGL", "OTH"),
    "clap_cla_placement_provider": ("PR6", "PR9"),
    "clar_cla_review_participation": ("PN8", "PN9"),
    "clea_care_leaver_activity": ("G7", "F6"),
    "clea_care_leaver_accommodation": ("Q1", "A9"),
    "clea_care_leaver_in_touch": ("MAYBE", "Y"),
    "pers_ethnicity": ("WHIT", "ZZZZ", "BLK"),
    "pers_sex": ("X", "0"),
    "miss_missing_episode_type": ("AWOL",),
    "clah_health_check_type": ("HEALTHY", "EYE"),
}
DEFAULT_BAD_CODES = ("XX", "UNKNOWN", "??")
