"""What a card reads is derived from its SQL and the shared models (pipelines/lib/lineage.py), so blocking,
"no data" and the asset graph follow the SQL, not a hand-kept list."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.lib.kpi_cards import CardError, card, load_card
from pipelines.lib.lineage import LineageError, load_model_file, models, sql_lineage
from pipelines.lib.measure_cards import measure
from pipelines.lib.paths import SQL_DIR

MARCH = date(2024, 3, 31)


def core(measure_id: str):
    return measure(measure_id).kpi_card


def test_models_read_through_other_models_are_read():
    # CDS_FP04 reads cla_12_months, which reads cla_snapshot (-> cla_placement, cla_episode, cla_legal) and ssd_person
    fp04 = core("CDS_FP04")
    assert {"ssd_cla_placement", "ssd_person", "ssd_cla_episodes", "ssd_legal_status", "ssd_cla_health"} <= set(
        fp04.source_tables)
    assert {"ssd_cla_placement", "ssd_person"} <= set(fp04.required_tables)
    assert {"cla_12_months", "cla_snapshot", "cla_placement", "person_area"} <= set(fp04.lineage.models)
    # the OC2 measures read cla_legal through oc2_collection_rows
    assert "ssd_legal_status" in core("CDS_KS07").required_tables
    assert "ssd_legal_status" in core("CDS_KS08").required_tables


def test_person_area_brings_the_address_as_a_breakdown_table():
    kpi01 = card("KPI01")
    assert kpi01.source_tables == ("area_lookup", "postcode_ref", "ssd_address", "ssd_contacts")
    assert "ssd_address" in kpi01.breakdown_tables and kpi01.required_tables == ["ssd_contacts"]
    # KPI12 reads the home address itself (distances): required there
    assert "ssd_address" in card("KPI12").required_tables
    # team_area: ssd_department gives the team's council only
    assert card("KPI11").breakdown_tables == ("area_lookup", "ssd_department")
    # a table with a configured stand-in is never required, even read directly (CDS_KS03's council list)
    assert "area_lookup" in core("CDS_KS03").source_tables and "area_lookup" not in core("CDS_KS03").required_tables


def test_a_critical_failure_on_the_address_blocks_a_person_area_kpi():
    from pipelines.lib.card_run import blocking_rules
    from pipelines.lib.quality import affected_kpis

    critical = {"ssd_address": {MARCH: ["home postcode known"]}}
    assert blocking_rules(card("KPI01"), critical, MARCH) == ["ssd_address: home postcode known"]
    assert blocking_rules(card("KPI20"), critical, MARCH) == []  # ICO incidents join no person
    assert blocking_rules(core("CDS_FP04"), {"ssd_cla_placement": {None: ["r"]}}, MARCH) == ["ssd_cla_placement: r"]
    assert {"KPI01", "KPI12"} <= set(affected_kpis("ssd_address")) and "KPI20" not in affected_kpis("ssd_address")


def test_names_a_with_clause_defines_are_not_tables(tmp_path: Path):
    sql = tmp_path / "x.sql"
    sql.write_text("WITH ssd_person AS (SELECT 1 AS person_id FROM ssd_contacts) "
                   "SELECT * FROM ssd_person JOIN cla_snapshot USING (person_id) "
                   "WHERE person_id IN (SELECT cine_person_id FROM ssd_cin_episodes WHERE $x)")
    found = sql_lineage(sql)
    assert found.direct_tables == ("ssd_cin_episodes", "ssd_contacts")
    assert found.direct_models == ("cla_snapshot",)
    assert "ssd_person" not in found.source_tables and "ssd_legal_status" in found.source_tables


def test_an_unknown_table_is_a_located_error(tmp_path: Path):
    sql = tmp_path / "x.sql"
    sql.write_text("SELECT * FROM ssd_contact")  # misspelt
    with pytest.raises(LineageError, match=r"x\.sql: reads ssd_contact"):
        sql_lineage(sql)


@pytest.mark.parametrize(("text", "error"), [
    ("-- role: breakdwon\nCREATE TEMP TABLE m AS SELECT 1", "role 'breakdwon'"),
    ("CREATE INDEX i ON ssd_person (pers_person_id)", "a model statement is"),
])
def test_a_model_file_is_checked(tmp_path: Path, text: str, error: str):
    path = tmp_path / "50_m.sql"
    path.write_text(text)
    with pytest.raises(LineageError, match=error):
        load_model_file(path)


def test_every_model_file_is_parsed():
    names = {m.path.name for m in models().values()}
    assert names == {p.name for p in (SQL_DIR / "models").glob("*.sql")}
    assert models()["cla_12_months"].kind == "macro" and models()["person_area"].breakdown


def test_a_hand_list_is_refused(tmp_path: Path):
    text = (SQL_DIR / "kpis" / "KPI01_contact_decisions.yaml").read_text()
    path = tmp_path / "KPI01_contact_decisions.yaml"
    path.write_text(text + "source_tables: [ssd_contacts]\n")
    (tmp_path / "KPI01_contact_decisions.sql").write_text((SQL_DIR / "kpis" / "KPI01_contact_decisions.sql")
                                                          .read_text())
    with pytest.raises(CardError, match="source_tables"):
        load_card(path)


def test_the_asset_graph_has_the_model_edges():
    import dagster as dg

    from pipelines.definitions import defs

    graph = defs.resolve_asset_graph()

    def parents(*path: str) -> set[str]:
        return {"/".join(k.path) for k in graph.get(dg.AssetKey(list(path))).parent_keys}

    assert {"model/person_area", "staged/ssd_contacts", "quality/input_checks"} == parents(
        "kpi", "kpi01_contact_decisions")
    assert {"staged/ssd_address", "staged/area_lookup"} == parents("model", "person_area")
    assert {"model/cla_snapshot", "model/cla_legal", "staged/ssd_person"} == parents("model", "cla_12_months")
    assert "model/cla_placement" in parents("model", "cla_snapshot")
    assert "model/cla_12_months" in parents("core", "cds_fp04_health_assessments")
