"""Cards are read against a typed schema (pipelines/lib/kpi_cards.KPI_FIELDS, measure_cards.MEASURE_FIELDS): a
misspelt or unknown field, a missing one or a value of the wrong type is an error naming the file and the field;
both families of cards are run by one factory (pipelines/defs/cards.py)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from pipelines.lib.kpi_cards import CardError, load_card
from pipelines.lib.measure_cards import load_measure
from pipelines.lib.paths import SQL_DIR

KPI01 = SQL_DIR / "kpis" / "KPI01_contact_decisions.yaml"


def _kpi_card(tmp_path: Path, edit) -> Path:
    path = tmp_path / KPI01.name
    path.write_text(edit(KPI01.read_text()))
    shutil.copy(KPI01.with_suffix(".sql"), path.with_suffix(".sql"))
    return path


@pytest.mark.parametrize(("edit", "message"), [
    (lambda t: t.replace("polarity:", "polarty:"), r"unknown field 'polarty' \(did you mean 'polarity'\?\)"),
    (lambda t: t + "colour: red\n", "unknown field 'colour'"),
    (lambda t: t.replace("headline_basis:", "headline_bases:"), "unknown field 'headline_bases'"),
    (lambda t: t.replace("bases: [", "bases_: ["), "unknown field 'bases_'"),
    (lambda t: t.replace("definition_version: 1", "definition_version: one"), "field 'definition_version' must be"),
    (lambda t: t + "additive: 1\n", "field 'additive' must be true/false"),
    (lambda t: t.replace("  - column:", "  - colum:"), "field 'depends_on': unknown key"),
    (lambda t: t.replace("    default:", "    defualt:", 1), "parameter .* must be a mapping of default"),
    (lambda t: t.replace("unit: percent", "unit: percentage"), "field 'unit': 'percentage' not in"),
])
def test_a_bad_kpi_card_names_file_and_field(tmp_path: Path, edit, message: str):
    path = _kpi_card(tmp_path, edit)
    assert path.read_text() != KPI01.read_text()  # the edit applies
    with pytest.raises(CardError, match=message) as err:
        load_card(path)
    assert str(path) in str(err.value)


def test_a_card_missing_a_field_names_it(tmp_path: Path):
    path = _kpi_card(tmp_path, lambda t: "\n".join(ln for ln in t.splitlines() if not ln.startswith("cohort")))
    with pytest.raises(CardError, match=f"{path}: missing cohort"):
        load_card(path)


def test_a_measure_card_is_checked_for_its_source(tmp_path: Path):
    published = SQL_DIR / "core" / "CDS_ED02_cla_permanently_excluded.yaml"
    path = tmp_path / published.name
    # a published measure has no bases (only a case measure is a KPI card)
    path.write_text(published.read_text() + "bases: [month]\n")
    with pytest.raises(CardError, match=f"{path}: unknown field 'bases'"):
        load_measure(path)
    path.write_text(published.read_text().replace("commitment:", "comitment:"))
    with pytest.raises(CardError, match="unknown field 'comitment'"):
        load_measure(path)


def test_one_factory_builds_both_families():
    from pipelines.defs.cards import INPUTS_CHECK
    from pipelines.defs.core_data_set import CASE_CARDS, core_case_measures
    from pipelines.defs.kpis import CARDS, kpi_values

    assert set(kpi_values.keys) == set(CARDS) and set(core_case_measures.keys) == set(CASE_CARDS)
    assert {k.name for k in kpi_values.check_keys} == {INPUTS_CHECK, "values_pass_critical_checks"}
    assert not core_case_measures.check_keys
    assert kpi_values.op.name == "kpi_values" and core_case_measures.op.name == "core_case_measures"


def test_disclosure_by_measure_source(tmp_path: Path):
    from pipelines.lib.measure_cards import measure

    # schools are never suppressed; an average of days only on its count of children; a kpi measure takes its KPI's
    assert measure("CDS_ED08").disclosure == "none"
    assert measure("CDS_FP13").kpi_card.disclosure == "children_denominator"
    feed = SQL_DIR / "core" / "CDS_KS10_custody.yaml"
    path = tmp_path / feed.name
    path.write_text("\n".join(ln for ln in feed.read_text().splitlines() if not ln.startswith("disclosure")))
    with pytest.raises(CardError, match=f"{path}: missing disclosure"):
        load_measure(path)
    kpi = SQL_DIR / "core" / "CDS_KS01_assessments_in_timescale.yaml"
    path = tmp_path / kpi.name
    path.write_text(kpi.read_text() + "disclosure: children\n")
    with pytest.raises(CardError, match="a kpi measure takes its KPI card's"):
        load_measure(path)


def test_two_cards_with_one_id_are_an_error(tmp_path: Path):
    from pipelines.lib.kpi_cards import load_cards

    for name in ("KPI01_contact_decisions", "KPI01_copy"):
        shutil.copy(KPI01, tmp_path / f"{name}.yaml")
        shutil.copy(KPI01.with_suffix(".sql"), tmp_path / f"{name}.sql")
    with pytest.raises(CardError, match="duplicate KPI ids KPI01"):
        load_cards(tmp_path)
