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
    ("1A", 0.030, 0.95),
    ("1B", 0.010, 0.85),
    ("1C", 0.015, 0.95),
    ("1D", 0.012, 0.9),
    ("2A", 0.170, 1.10),
    ("2B", 0.010, 1.0),
    ("3A", 0.025, 1.10),
    ("3B", 0.030, 1.10),
    ("3C", 0.010, 1.05),
    ("3D", 0.015, 1.0),
    ("3E", 0.035, 1.0),
    ("3F", 0.025, 1.0),
    ("4", 0.015, 0.9),
    ("5A", 0.070, 1.2),
    ("5B", 0.030, 1.0),
    ("5C", 0.030, 1.2),
    ("6", 0.300, 0.85),
    ("7", 0.030, 1.0),
    ("8", 0.058, 0.9),
    ("9", 0.010, 0.7),
    ("10", 0.020, 0.8),
]

# month factors for contact volume (1 = January); August and late December are quiet, autumn busy
MONTH_FACTOR = {
    1: 1.02,
    2: 1.0,
    3: 1.05,
    4: 0.95,
    5: 1.05,
    6: 1.05,
    7: 1.0,
    8: 0.78,
    9: 1.02,
    10: 1.12,
    11: 1.12,
    12: 0.95,
}
DOW_FACTOR = (1.18, 1.12, 1.08, 1.08, 1.02, 0.28, 0.22)  # Monday .. Sunday
BANK_HOLIDAY_FACTOR = 0.3
CHRISTMAS_FACTOR = 0.5  # 24 December – 1 January

# Year-to-year volume: fixed shape (index 1.0 in 2019/20) plus seeded noise; pandemic dip.
FY_VOLUME = {
    2013: 0.90,
    2014: 0.92,
    2015: 0.94,
    2016: 0.96,
    2017: 0.97,
    2018: 0.99,
    2019: 1.0,
    2020: 0.97,
    2021: 1.03,
    2022: 1.05,
    2023: 1.06,
    2024: 1.07,
    2025: 1.08,
    2026: 1.09,
}
COVID_FACTOR = {(2020, 4): 0.72, (2020, 5): 0.8, (2020, 6): 0.9, (2021, 1): 0.88, (2021, 2): 0.9}

# ---- timeliness targets (2019/20), calibrated ----------------------------------------------------------
KPI01_Q = 0.835  # contacts decided within 2 working days
KPI03_Q = 0.862  # assessments authorised within 45 working days
KPI05_Q = 0.69  # ICPCs within 15 working days of the strategy discussion
RE_REFERRAL_P = 0.335  # chance a referral is about a child referred in the previous 12 months (calibrated)
OLD_REFERRAL_P = 0.12  # … referred earlier than that
CP_REPEAT_P = 0.185  # chance a CP-plan path picks a child with an earlier plan (calibrated)
EXT_PREVIOUS_CPP_P = 0.12  # new children on a CP path with plans before the system / in another LA

# ---- referral paths ------------------------------------------------------------------------------------
P_NFA_REFERRAL = 0.08
P_NO_ASSESSMENT = 0.07  # closed/transferred before assessment
P_S47 = 0.27  # of assessed referrals
P_ICPC = 0.365  # of S47s
P_CP_AT_ICPC = 0.88
P_TRANSFER_IN = 0.003  # of referrals: transfer-in conference (child on a plan elsewhere)
P_CLA_DIRECT = 0.017  # of assessed referrals: care starts straight from the referral
P_UASC = 0.0032  # of referrals: unaccompanied asylum-seeking children
P_ASS_NFA_S47 = 0.28
P_ASS_NFA_OTHER = 0.41
P_ASS_NFA_BLANK = 0.06  # NFA assessments whose flag is left blank (closed RC8/RC9, nothing after)
P_CIN_AFTER_ASSESSMENT = 0.55  # non-NFA, non-S47 assessments that lead to a CIN plan
P_CLA_FROM_CIN = 0.03
CP_END_OUTCOME = (("cin", 0.52), ("close", 0.36), ("cla", 0.12))
CP_END_REVIEW = (0.24, 0.35, 0.22, 0.10, 0.05, 0.04)  # plan ends at review 1, 2, ... (3, 9, 15 … months)

NEED_GENERAL = (
    ("N1", 0.45),
    ("N2", 0.05),
    ("N3", 0.04),
    ("N4", 0.12),
    ("N5", 0.18),
    ("N6", 0.06),
    ("N7", 0.01),
    ("N8", 0.02),
    ("N9", 0.07),
)
NEED_NFA = (("N9", 0.40), ("N1", 0.20), ("N4", 0.15), ("N5", 0.15), ("N6", 0.05), ("N3", 0.05))
NEED_CP = (("N1", 0.82), ("N5", 0.09), ("N4", 0.05), ("N3", 0.02), ("N6", 0.02))
NEED_CLA = (("N1", 0.62), ("N4", 0.08), ("N5", 0.12), ("N8", 0.06), ("N2", 0.03), ("N6", 0.06), ("N3", 0.03))

# age at referral (years, as (low, high, weight)); -1 = unborn
AGE_GENERAL = ((-1, 0, 0.03), (0, 1, 0.09), (1, 5, 0.19), (5, 10, 0.24), (10, 16, 0.34), (16, 18, 0.11))
AGE_CP = ((-1, 0, 0.08), (0, 1, 0.12), (1, 5, 0.25), (5, 10, 0.25), (10, 16, 0.26), (16, 17.5, 0.04))
AGE_CLA = ((-1, 0, 0.15), (0, 1, 0.24), (1, 5, 0.17), (5, 10, 0.10), (10, 16, 0.22), (16, 17.5, 0.12))
AGE_UASC = ((15, 17.7, 1.0),)

CP_CATEGORIES = (("NEG", 0.45), ("EMO", 0.38), ("PHY", 0.08), ("SAB", 0.04), ("MUL", 0.05))

ETHNICITY = (
    ("WBRI", 0.74),
    ("WIRI", 0.005),
    ("WOTH", 0.05),
    ("WIRT", 0.003),
    ("WROM", 0.007),
    ("MWBC", 0.04),
    ("MWBA", 0.01),
    ("MWAS", 0.01),
    ("MOTH", 0.025),
    ("AIND", 0.012),
    ("APKN", 0.008),
    ("ABAN", 0.005),
    ("AOTH", 0.01),
    ("BCRB", 0.01),
    ("BAFR", 0.03),
    ("BOTH", 0.005),
    ("CHNE", 0.002),
    ("OOTH", 0.015),
    ("REFU", 0.004),
    ("NOBT", 0.009),
)
ETHNICITY_UASC = (("AOTH", 0.35), ("BAFR", 0.35), ("OOTH", 0.2), ("MOTH", 0.1))

# ---- care ----------------------------------------------------------------------------------------------
# plan at entry by age band: (max age exclusive, ((plan, weight), ...))
CARE_PLANS = (
    (1, (("short", 0.12), ("return_long", 0.07), ("adopt", 0.56), ("sgo", 0.10), ("cao", 0.02), ("long_term", 0.13))),
    (5, (("short", 0.21), ("return_long", 0.14), ("adopt", 0.37), ("sgo", 0.12), ("cao", 0.03), ("long_term", 0.13))),
    (10, (("short", 0.37), ("return_long", 0.19), ("adopt", 0.02), ("sgo", 0.10), ("cao", 0.03), ("long_term", 0.29))),
    (16, (("short", 0.51), ("return_long", 0.15), ("sgo", 0.02), ("cao", 0.01), ("long_term", 0.28), ("remand", 0.03))),
    (19, (("short", 0.42), ("long_term", 0.53), ("remand", 0.05))),
)

# placement type by age band for an ordinary move (max age exclusive)
PLACE_BY_AGE = (
    (
        1,
        (
            ("U6", 0.52),
            ("U4", 0.06),
            ("U3", 0.15),
            ("R3", 0.10),
            ("P1", 0.05),
            ("U1", 0.02),
            ("U5", 0.06),
            ("U2", 0.02),
            ("Z1", 0.02),
        ),
    ),
    (
        5,
        (
            ("U6", 0.52),
            ("U4", 0.13),
            ("U3", 0.15),
            ("U1", 0.05),
            ("P1", 0.08),
            ("U5", 0.02),
            ("Z1", 0.02),
            ("R2", 0.01),
            ("K2", 0.02),
        ),
    ),
    (
        11,
        (
            ("U6", 0.46),
            ("U4", 0.18),
            ("U3", 0.12),
            ("U1", 0.08),
            ("P1", 0.07),
            ("K2", 0.05),
            ("R2", 0.01),
            ("S1", 0.02),
            ("R1", 0.01),
        ),
    ),
    (
        16,
        (
            ("U6", 0.38),
            ("U4", 0.16),
            ("U3", 0.06),
            ("U1", 0.05),
            ("K2", 0.21),
            ("P1", 0.05),
            ("S1", 0.03),
            ("K1", 0.01),
            ("R2", 0.01),
            ("R5", 0.01),
            ("R1", 0.01),
            ("Z1", 0.02),
        ),
    ),
    (
        19,
        (
            ("U6", 0.28),
            ("U4", 0.08),
            ("U3", 0.04),
            ("K2", 0.14),
            ("H5", 0.33),
            ("P2", 0.04),
            ("P1", 0.03),
            ("R5", 0.02),
            ("P3", 0.01),
            ("Z1", 0.03),
        ),
    ),
)
LONG_TERM_PLACE = (("U4", 0.6), ("U1", 0.2), ("U6", 0.2))
# placement stability (calibrated: KPI07 ~63%, KPI08 ~12%): share of children unstable / ordinary (cum.)
PLACEMENT_CLASSES = (0.16, 0.70)
# per class, (first placement, later placements): (P(short: weeks), P(medium: 3-14 months)); rest long
PLACEMENT_MIX = (((0.55, 0.38), (0.55, 0.38)), ((0.42, 0.30), (0.22, 0.30)), ((0.25, 0.15), (0.10, 0.14)))
LONG_PLACEMENT_YEARS = (2.2, 5.7)  # a long placement lasts 1.5 years plus an exponential with this mean
LEGACY_STARTS_PER_YEAR = 350  # care starts per year before the front door (only those still open kept)

# location category per placement type: (in own council, outside but <= 20 miles, outside and > 20 miles)
LOCATION = {
    "foster_inhouse": (0.85, 0.11, 0.04),
    "foster_ifa": (0.49, 0.15, 0.36),
    "relative": (0.78, 0.10, 0.12),
    "residential": (0.36, 0.10, 0.54),
    "semi": (0.62, 0.10, 0.28),
    "specialist": (0.20, 0.12, 0.68),
    "adoption": (0.35, 0.15, 0.50),
    "home": (1.0, 0.0, 0.0),
}

REC_SHORT = (("E4A", 0.50), ("E4B", 0.10), ("E13", 0.35), ("E8", 0.05))
REC_RETURN = (("E4A", 0.65), ("E13", 0.30), ("E4B", 0.05))
REC_AT_18 = (("E17", 0.22), ("E5", 0.45), ("E6", 0.06), ("E7", 0.03), ("E13", 0.12), ("E8", 0.12))
REC_EARLY_16 = (("E5", 0.35), ("E13", 0.35), ("E4A", 0.20), ("E6", 0.05), ("E8", 0.05))
REC_SGO = (("E45", 0.42), ("E46", 0.43), ("E47", 0.10), ("E48", 0.05))

CHANGE_REASONS = (
    ("CARPL", 0.38),
    ("CREQB", 0.14),
    ("CREQO", 0.10),
    ("LAREQ", 0.08),
    ("CHILD", 0.07),
    ("STAND", 0.04),
    ("ALLEG", 0.03),
    ("CLOSE", 0.03),
    ("APPRR", 0.02),
    ("OTHER", 0.11),
)

# ---- care leavers ----------------------------------------------------------------------------------------
EET = ("F1", "P1", "F2", "P2", "F3", "P3", "F4", "P4", "F5", "P5")
EET_W = (0.08, 0.01, 0.30, 0.05, 0.22, 0.10, 0.10, 0.02, 0.08, 0.04)
NEET = ("G4", "G5", "G6")
NEET_W = (0.25, 0.55, 0.20)
CARE_LEAVER_EET_BETA = (1.6, 1.2)  # individual propensity to be in EET (calibrated: KPI09 ~55%)
CARE_LEAVER_NOT_IN_TOUCH = 0.055
CARE_LEAVER_SUITABLE = 0.945  # in-touch records in suitable accommodation (calibrated: KPI10 ~89%)
ACCOM_SUITABLE = ("B1", "C1", "D1", "E1", "K1", "T1", "U1", "V1", "W1", "Y1", "Z1")
ACCOM_SUITABLE_W = (0.16, 0.04, 0.20, 0.06, 0.03, 0.05, 0.28, 0.02, 0.02, 0.04, 0.10)
ACCOM_UNSUITABLE = ("S2", "X2", "R2", "G2", "H2", "U2", "V2", "W2", "B2")
ACCOM_UNSUITABLE_W = (0.18, 0.22, 0.06, 0.03, 0.01, 0.20, 0.10, 0.10, 0.10)

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
MATCH_GAMMA = (5.0, 31.0)  # placement order -> match, gamma (shape, scale) in days (calibrated: KPI18 ~147)
ADOPTION_BY_CONSENT = 0.08  # adoptions with parental consent, no placement order
ADM_TO_ORDER_GAMMA_SCALE = 15.5  # ADM decision -> placement order (KPI19 ~89% placed within 12 months)
ADM_COURT_DELAY_P = 0.12  # share of adoptions whose placement order is delayed (contested proceedings)
ADM_COURT_DELAY_DAYS = (110, 320)
CASES_PER_FTE = 15.2  # average open cases per FTE of case-holding staff (calibrated: KPI11 ~17%)
CASELOAD_SIGMA = 0.2  # spread of individual caseloads around the team average
AGENCY_HIRE_SHARE = 0.45  # share of hires that are agency staff (shorter stays, so ~20% of posts)
PERMANENT_TENURE_YEARS = 8.0  # mean; agency stays are 6 months to 4 years

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
    "measure_id": ("CDS_ED1", "CDS_XX99"),
}
DEFAULT_BAD_CODES = ("XX", "UNKNOWN", "??")

# ---- local feeds (core data set figures a service supplies; generator/local_feeds.py) -----------------
# Per local-feed measure card: counts give `level` (per month or term, default size, 2019/20) and scale with
# the size; percentages give a `denominator` (scaled) and a `rate` (0-1). `trend` is the change per year
# (relative for counts, points/100 for rates), `noise` the period-to-period spread (relative, or of the
# rate), `season` month factors (1 = January), `covid` whether lockdowns cut the activity. `supply` is what
# the service sends: "value" (counts, or a percentage alone), "counts" (numerator and denominator, value
# left blank), "both" (all three, the value rounded to 1 decimal place).
_OUTDOOR_SEASON = {1: 0.5, 2: 0.75, 3: 0.95, 4: 0.8, 5: 1.35, 6: 1.6, 7: 1.3, 8: 0.3, 9: 1.05, 10: 1.05,
                   11: 0.75, 12: 0.4}
_YOUTH_SEASON = {1: 0.95, 2: 0.95, 3: 1.0, 4: 0.9, 5: 1.0, 6: 1.0, 7: 1.1, 8: 1.25, 9: 0.95, 10: 1.0,
                 11: 1.0, 12: 0.8}
LOCAL_FEED_COVID = {(2020, 4): 0.05, (2020, 5): 0.05, (2020, 6): 0.1, (2020, 7): 0.3, (2020, 8): 0.3,
                    (2020, 9): 0.4, (2020, 10): 0.4, (2020, 11): 0.2, (2020, 12): 0.35, (2021, 1): 0.1,
                    (2021, 2): 0.1, (2021, 3): 0.3, (2021, 4): 0.6, (2021, 5): 0.75, (2021, 6): 0.85}
LOCAL_FEEDS: dict[str, dict] = {
    "CDS_FP01": {"level": 2300, "trend": 0.02, "noise": 0.08, "season": _OUTDOOR_SEASON, "covid": True,
                 "supply": "value", "note": "Outdoor Education Service bookings system (participants in the month)"},
    "CDS_FP02": {"level": 1850, "trend": -0.01, "noise": 0.05, "season": _YOUTH_SEASON, "covid": True,
                 "supply": "value", "note": "Young People's Service attendance register (individuals in the month)"},
    "CDS_KS10": {"level": 1.3, "trend": -0.06, "noise": 0.0, "supply": "value",
                 "note": "Youth Justice Service case management system (custodial sentences by month)"},
    "CDS_FP17": {"denominator": 8100, "rate": 0.76, "trend": 0.004, "noise": 0.012, "supply": "counts",
                 "note": "Family hub registration system (0-4s in IDACI 30% most deprived LSOAs)"},
    "CDS_ED01": {"denominator": 640, "rate": 0.91, "trend": 0.01, "noise": 0.025, "supply": "counts",
                 "note": "Virtual School ePEP system (PEPs reviewed in the term)"},
    "CDS_ED08": {"level": 5, "trend": -0.05, "noise": 0.0, "walk": True, "supply": "value",
                 "note": "Ofsted management information, state-funded primary schools"},
    "CDS_ED09": {"level": 2, "trend": -0.05, "noise": 0.0, "walk": True, "supply": "value",
                 "note": "Ofsted management information, state-funded secondary and all-through schools"},
    "CDS_ED17": {"denominator": 1300, "rate": 0.72, "trend": 0.008, "noise": 0.02, "supply": "counts",
                 "note": "Early years funding team (termly headcount against the DWP eligibility list)"},
    "CDS_ED18": {"denominator": 310, "rate": 0.93, "trend": 0.005, "noise": 0.01, "supply": "value",
                 "note": "Ofsted childcare providers and inspections data (PVI settings)"},
    "CDS_ED19": {"denominator": 60, "rate": 0.9, "trend": 0.004, "noise": 0.015, "supply": "both",
                 "note": "Ofsted school inspection data (school-led early years provision)"},
}
# a local-feed card with no entry above (added later) still gets plausible rows
LOCAL_FEED_DEFAULT_COUNT = {"level": 100, "trend": 0.0, "noise": 0.1, "supply": "value",
                            "note": "Service management information"}
LOCAL_FEED_DEFAULT_PERCENT = {"denominator": 500, "rate": 0.7, "trend": 0.0, "noise": 0.02, "supply": "counts",
                              "note": "Service management information"}
TERM_END_MONTHS = (12, 3, 7)  # autumn, spring, summer terms, dated by the month end of the month they end in
ANNUAL_END_MONTH = 8          # annual figures cover the academic year (to 31 August)

# ssd_disability: every child referred with need N2 (disability) and this share of other children have a
# disability recorded (CIN census codes, weights roughly as the census's children in need with a disability);
# a second code for DISABILITY_SECOND of them. Decided by a keyed hash, not the simulation's random streams,
# so every other table is unchanged.
DISABLED_OTHER = 0.03
DISABILITY_SECOND = 0.25
DISABILITY_CODES = [("LD", 30), ("AUT", 25), ("COMM", 12), ("MOB", 9), ("BEH", 8), ("PC", 5), ("HAND", 3),
                    ("HEAR", 3), ("VIS", 2), ("INC", 2), ("CON", 1)]
