"""Through Dagster: a drop with a critical fault stops the KPIs that read the faulty table from being
published for that month, while every other KPI is still published."""

from __future__ import annotations

import shutil

import dagster as dg
import polars as pl
import pytest

from pipelines.definitions import build_definitions
from pipelines.defs.resources import Warehouse


@pytest.fixture(scope="module")
def faulty_run(small_landing, tmp_path_factory):
    work = tmp_path_factory.mktemp("blocking")
    landing = work / "landing"
    shutil.copytree(small_landing, landing)
    path = landing / "2020-03-31" / "ssd_cin_assessments.csv"
    frame = pl.read_csv(path, infer_schema=False)
    # One March 2020 assessment authorised before it started: critical rule
    # "assessment start on or before authorisation" on ssd_cin_assessments (read by KPI03 and KPI04 only).
    march = frame.filter(pl.col("cina_assessment_start_date").str.starts_with("2020-03")).row(0, named=True)
    frame = frame.with_columns(
        pl.when(pl.col("cina_assessment_id") == march["cina_assessment_id"]).then(pl.lit("2020-02-01"))
        .otherwise(pl.col("cina_assessment_auth_date")).alias("cina_assessment_auth_date"))
    frame.write_csv(path)
    warehouse = Warehouse(landing_dir=str(landing), out_dir=str(work / "out"), state_dir=str(work / "state"))
    job = build_definitions(warehouse).resolve_job_def("monthly_contract_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2020-03-01",
                                    raise_on_error=False)
    return result, work / "out", march["cina_assessment_id"]


def test_the_run_completes_and_publishes(faulty_run):
    result, out, _ = faulty_run
    assert result.success
    assert (out / "restricted" / "kpi_values.csv").exists()


def test_affected_kpis_are_blocked_and_others_published(faulty_run):
    _, out, _ = faulty_run
    status = pl.read_csv(out / "kpi_status.csv")
    blocked = set(status.filter(pl.col("status") == "blocked")["kpi_id"])
    assert blocked == {"KPI03", "KPI04"}
    # kpi_status.csv also covers the 12 months the run recomputed before March 2020 (published here)
    reasons = status.filter((pl.col("kpi_id") == "KPI03") & (pl.col("period_end") == "2020-03-31"))["reasons"].item()
    assert "ssd_cin_assessments: assessment start on or before authorisation" in reasons
    # the analysts' table keeps every value, flagged; the published pack leaves the blocked ones out
    values = pl.read_csv(out / "restricted" / "kpi_values.csv")
    flags = dict(values.select("kpi_id", "dq_status").unique().iter_rows())
    assert flags["KPI03"] == flags["KPI04"] == "blocked"
    assert all(flags[k] == "published" for k in ("KPI01", "KPI02", "KPI05", "KPI21"))
    pack = (out / "ocg_pack_2020-03.html").read_text()
    assert "ssd_cin_assessments: assessment start on or before authorisation" in pack


def test_asset_checks_record_error_severity(faulty_run):
    result, _, _ = faulty_run
    checks = {(e.asset_check_key.asset_key.path[-1], e.asset_check_key.name): e
              for e in (ev.event_specific_data for ev in result.all_events
                        if ev.event_type_value == "ASSET_CHECK_EVALUATION")}
    table_check = checks[("input_checks", "ssd_cin_assessments_quality")]
    assert not table_check.passed and table_check.severity == dg.AssetCheckSeverity.ERROR
    assert not checks[("kpi03_assessments_in_time", "inputs_pass_critical_checks")].passed
    assert checks[("kpi01_contact_decisions", "inputs_pass_critical_checks")].passed


def test_error_report_locates_the_faulty_record(faulty_run):
    _, out, assessment_id = faulty_run
    report = pl.read_csv(out / "restricted" / "error_report.csv")
    hit = report.filter((pl.col("rule") == "assessment start on or before authorisation")
                        & (pl.col("severity") == "critical"))
    assert hit.height == 1
    row = hit.row(0, named=True)
    assert row["file"] == "ssd_cin_assessments.csv" and row["table"] == "ssd_cin_assessments"
    assert "KPI03" in row["kpis_affected"] and "KPI04" in row["kpis_affected"]
    # the row number points at the record in the delivered file (1 = first data row)
    raw = pl.read_csv(out.parent / "landing" / "2020-03-31" / "ssd_cin_assessments.csv", infer_schema=False)
    assert raw.row(row["row"] - 1, named=True)["cina_assessment_id"] == assessment_id


def test_in_a_backfill_only_the_faulty_month_is_blocked(faulty_run, tmp_path):
    # Same faulty drop, February-March 2020 in one run: the faulty assessment started in March, so KPI03
    # and KPI04 are blocked for March only; February is published.
    _, out, _ = faulty_run
    warehouse = Warehouse(landing_dir=str(out.parent / "landing"), out_dir=str(tmp_path),
                          state_dir=str(out.parent / "state"))
    job = build_definitions(warehouse).resolve_job_def("monthly_contract_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), raise_on_error=False, tags={
        "dagster/asset_partition_range_start": "2020-02-01", "dagster/asset_partition_range_end": "2020-03-01"})
    assert result.success
    status = pl.read_csv(tmp_path / "kpi_status.csv")
    blocked = status.filter(pl.col("status") == "blocked").select("kpi_id", "period_end").rows()
    assert sorted(blocked) == [("KPI03", "2020-03-31"), ("KPI04", "2020-03-31")]
    values = pl.read_csv(tmp_path / "restricted" / "kpi_values.csv")
    kpi03 = dict(values.filter(pl.col("kpi_id") == "KPI03").select("period_end", "dq_status").unique().iter_rows())
    assert kpi03 == {"2020-02-29": "published", "2020-03-31": "blocked"}


def test_a_fault_in_a_table_read_through_a_shared_model_blocks_the_figure(small_warehouse, tmp_path):
    """Lineage is derived from the SQL (pipelines/lib/lineage.py): KPI01 reads ssd_address only through
    person_area, CDS_KS07 ssd_legal_status only through oc2_collection_rows -> cla_legal; a critical failure on
    those tables blocks them (no hand-kept list left them out), and not KPI20, which reads neither."""
    from datetime import date

    import duckdb

    from pipelines.lib import db
    from pipelines.lib.card_run import run_cards
    from pipelines.lib.kpi_cards import card
    from pipelines.lib.measure_cards import measure
    from pipelines.lib.quality.gx_runner import Finding
    from pipelines.lib.quality.store import store_findings
    from pipelines.lib.staging import current_drop_id, use_current

    march = date(2020, 3, 31)
    path = tmp_path / "warehouse.duckdb"
    shutil.copy(small_warehouse, path)
    con = duckdb.connect(str(path))
    use_current(con)
    # not about one record (no file and row): it blocks every month of the run
    store_findings(con, current_drop_id(con), date(2020, 3, 1), march, [
        Finding("ssd_address", "home address dates in order", "critical", ("addr_address_end_date",), 1),
        Finding("ssd_legal_status", "legal status code valid", "critical", ("lega_legal_status",), 1)])
    run_cards(con, [card("KPI01"), card("KPI20")], "kpi", march, march)
    run_cards(con, [measure("CDS_KS07").kpi_card], "core", march, march)
    status = {r[0]: (r[1], r[2] or "") for r in db.rows(
        con, "SELECT kpi_id, status, reasons FROM kpi_status WHERE period_end = $p UNION ALL "
             "SELECT kpi_id, status, reasons FROM core_status WHERE period_end = $p", {"p": march})}
    con.close()
    assert status["KPI01"][0] == "blocked" and "ssd_address: home address dates in order" in status["KPI01"][1]
    assert "ssd_address" not in status["KPI20"][1] and "ssd_legal_status" not in status["KPI20"][1]
    assert "ssd_legal_status: legal status code valid" in status["CDS_KS07"][1]
