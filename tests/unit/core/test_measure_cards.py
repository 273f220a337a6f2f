"""Every measure of the departmental core data set (../shared/spec/core-data-set.md) has exactly one card.

The checklist below is the spec's rows, in its order, with the card each maps to and the source class the
spec gives it ('Published or Local feed' rows are published cards with a local-feed fallback). Duplicates in
the source list are one card; measures that are a contract KPI point at it.
"""

import pytest

from pipelines.lib.measure_cards import COMMITMENTS, load_measures, measure

SPEC = [
    # Families prosper and achieve their potential
    ("Outdoor and Environmental Education (number)", "CDS_FP01", "local_feed"),
    ("Engaged in positive activities by the Young People's Service (number)", "CDS_FP02", "local_feed"),
    ("School readiness: FSM children achieving a good level of development", "CDS_FP03", "published"),
    ("CLA 12+ months who had their annual health assessment", "CDS_FP04", "case"),
    ("Average SDQ score, CLA 12+ months", "CDS_FP05", "case"),
    ("CLA 12+ months with up-to-date immunisations", "CDS_FP06", "case"),
    ("CLA 12+ months whose teeth were checked by a dentist", "CDS_FP07", "case"),
    ("CLA 12+ months and under 5 whose development assessments are up to date", "CDS_FP08", "case"),
    ("CLA consulted by their IRO before the review", "CDS_FP09", "case"),
    ("CLA placed 20 miles or more from home", "CDS_FP10", "case"),
    ("CLA with 3 or more placements in any one year", "CDS_FP11", "kpi"),
    ("CLA remaining in long-term placements", "CDS_FP12", "kpi"),
    ("A10: average days between entering care and moving in with the adoptive family", "CDS_FP13", "case"),
    ("A2: average days between court authority to place and match", "CDS_FP14", "kpi"),
    ("Care leavers aged 19-21 in education, employment or training", "CDS_FP15", "case"),
    ("Care leavers aged 19-21 in higher education", "CDS_FP16", "case"),
    ("Children aged 0-4 in low income areas registered with / seen at children's centres", "CDS_FP17", "local_feed"),
    # Children are kept safe from harm
    ("Child and family assessments within statutory timescales", "CDS_KS01", "kpi"),
    ("CP cases reviewed within timescale", "CDS_KS02", "case"),
    ("Children subject to a CP plan, rate per 10,000", "CDS_KS03", "case"),
    ("Children subject to a CP plan for 2 years or more", "CDS_KS04", "case"),
    ("Children becoming the subject of a plan on more than one occasion", "CDS_KS05", "kpi"),
    ("The stability of placements of CLA", "CDS_KS06", "kpi"),
    ("CLA 12+ months identified as having a substance misuse problem", "CDS_KS07", "case"),
    ("CLA 12+ months convicted or subject to a final warning or reprimand", "CDS_KS08", "case"),
    ("Care leavers in suitable accommodation", "CDS_KS09", "kpi"),
    ("Young people sentenced to custody", "CDS_KS10", "local_feed"),
    ("Vacancy rate for children's social workers", "CDS_KS11", "kpi"),
    ("CLA missing from placement, by individual child", "CDS_KS12", "case"),
    ("Return interviews completed within timescale", "CDS_KS13", "case"),
    # Education
    ("School-age CLA with an up-to-date Personal Education Plan", "CDS_ED01", "local_feed"),
    ("CLA permanently excluded", "CDS_ED02", "published"),
    ("CLA with at least one suspension", "CDS_ED03", "published"),
    ("CLA persistently absent", "CDS_ED04", "published"),
    ("CLA achieving the expected standard at KS1", "CDS_ED05", "published"),
    ("CLA achieving the expected standard at KS2 (reading, writing, maths)", "CDS_ED06", "published"),
    ("CLA achieving 9-5 in English & maths at KS4", "CDS_ED07", "published"),
    ("Primary schools in an Ofsted category (inadequate)", "CDS_ED08", "local_feed"),
    ("Secondary schools in an Ofsted category (inadequate)", "CDS_ED09", "local_feed"),
    ("Participation in EET aged 16-17", "CDS_ED10", "published"),
    ("NEET aged 16-17", "CDS_ED11", "published"),
    ("Destination not known aged 16-17", "CDS_ED12", "published"),
    ("Early years foundation stage: good level of development", "CDS_ED13", "published"),
    ("FSM attainment gap at 5", "CDS_ED14", "published"),
    ("FSM attainment gap at 11", "CDS_ED15", "published"),
    ("FSM attainment gap at 16", "CDS_ED16", "published"),
    ("Take-up of funded childcare by eligible 2-year-olds", "CDS_ED17", "local_feed"),
    ("PVI childcare Ofsted judgements", "CDS_ED18", "local_feed"),
    ("School-led childcare Ofsted judgements", "CDS_ED19", "local_feed"),
    ("Rate of permanent exclusions", "CDS_ED20", "published"),
    ("Overall absence in primary schools", "CDS_ED21", "published"),
    ("Overall absence in secondary schools", "CDS_ED22", "published"),
    ("Overall absence in special schools", "CDS_ED23", "published"),
    ("Pupils achieving the expected standard in reading, writing and maths at 11", "CDS_ED24", "published"),
    ("9-5 grades in GCSE English & maths", "CDS_ED25", "published"),
    ("A level A*-E entries", "CDS_ED26", "published"),
    ("A level A*-B entries", "CDS_ED27", "published"),
    ("Level 2 English & maths by 19", "CDS_ED28", "published"),
]
KPI_OF = {"CDS_FP11": ("KPI08",), "CDS_FP12": ("KPI07",), "CDS_FP14": ("KPI18",), "CDS_KS01": ("KPI03",),
          "CDS_KS05": ("KPI06",), "CDS_KS06": ("KPI07", "KPI08"), "CDS_KS09": ("KPI10",), "CDS_KS11": ("KPI16",)}


@pytest.mark.parametrize(("row", "measure_id", "source"), SPEC, ids=[m for _, m, _ in SPEC])
def test_every_spec_row_has_its_card(row, measure_id, source):
    card = measure(measure_id)
    assert card.source == source, row
    assert card.commitment == {"FP": "families_prosper", "KS": "kept_safe", "ED": "education"}[measure_id[4:6]]
    assert card.commitment_title in COMMITMENTS.values()


def test_no_card_outside_the_spec_and_no_duplicates():
    ids = [c.id for c in load_measures()]
    assert sorted(ids) == sorted(m for _, m, _ in SPEC)


def test_kpi_measures_point_at_the_kpi_instead_of_computing_it():
    for c in load_measures():
        if c.source == "kpi":
            assert c.kpis == KPI_OF[c.id]
            assert not c.card_path.with_suffix(".sql").exists()
    assert {c.id for c in load_measures() if c.source == "kpi"} == set(KPI_OF)


def test_case_measures_are_runnable_cards_with_sql():
    for c in load_measures():
        if c.source == "case":
            assert c.kpi_card is not None and c.kpi_card.sql_path.exists()
            assert c.kpi_card.id == c.id
