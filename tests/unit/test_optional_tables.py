"""The contract's optional tables (ssd_disability, ssd_immigration_status): declared optional, read by no KPI, and
their person ids are pseudonymised like every other table's."""

from __future__ import annotations

from pipelines.lib.contract import contract
from pipelines.lib.equality import OPTIONAL_SOURCES
from pipelines.lib.kpi_cards import load_cards
from pipelines.lib.measure_cards import case_cards


def test_the_ssd_optional_tables_are_declared_optional():
    optional = {t.name for t in contract().values() if t.optional}
    assert optional == {"ssd_disability", "ssd_immigration_status"}
    assert {source for source, _, _ in OPTIONAL_SOURCES.values()} == optional
    assert contract()["ssd_disability"].person_columns == ["disa_person_id"]
    assert contract()["ssd_immigration_status"].person_columns == ["immi_person_id"]


def test_no_kpi_reads_an_optional_table():
    # a drop without them must not block or empty any KPI: only the equality breakdowns read them
    optional = {t.name for t in contract().values() if t.optional}
    for c in (*load_cards(), *case_cards()):
        assert not optional & set(c.source_tables), c.id
