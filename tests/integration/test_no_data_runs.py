"""Through Dagster: a later-dated stray folder holding one CSV (with a contract column missing) becomes the
current drop. It must not publish a figure from it: the tables the previous drop delivered and this one does
not are critical and every KPI reading only them is "no data" with why; the missing column is a critical
finding naming file, table and column that blocks the KPI reading it for every month of the run."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.definitions import build_definitions
from pipelines.defs.resources import Warehouse

STRAY = "2020-04-15"


@pytest.fixture(scope="module")
def stray_run(small_landing, tmp_path_factory):
    work = tmp_path_factory.mktemp("stray")
    landing = work / "landing"
    shutil.copytree(small_landing, landing)
    (landing / STRAY).mkdir()
    contacts = pl.read_csv(landing / "2020-03-31" / "ssd_contacts.csv", infer_schema=False)
    contacts.drop("cont_contact_date").write_csv(landing / STRAY / "ssd_contacts.csv")
    warehouse = Warehouse(landing_dir=str(landing), out_dir=str(work / "out"), state_dir=str(work / "state"))
    job = build_definitions(warehouse).resolve_job_def("monthly_contract_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key="2020-03-01",
                                    raise_on_error=False)
    return result, work / "out"


def _status(out) -> pl.DataFrame:
    """kpi_status for every month the run computed: the reporting month and the 12 before it, as now known
    (kpi_status.csv holds the reporting month and the 12 months recomputed before it)."""
    con = duckdb.connect(str(out.parent / "state" / "warehouse.duckdb"), read_only=True)
    try:
        return con.sql("SELECT kpi_id, period_end, status, reasons FROM kpi_status ORDER BY kpi_id, period_end").pl()
    finally:
        con.close()


def test_the_run_completes(stray_run):
    result, out = stray_run
    assert result.success
    assert (out / "kpi_status.csv").exists()


def test_kpis_reading_tables_the_stray_drop_lacks_are_no_data_for_every_month(stray_run):
    _, out = stray_run
    status = _status(out)
    assert status["period_end"].n_unique() == 13  # the month and the 12 before it, as now known
    assert pl.read_csv(out / "kpi_status.csv").height == 21 * 13  # the run's month and the 12 recomputed
    by_kpi = {k: g for (k,), g in status.group_by(["kpi_id"])}
    for kpi, table in (("KPI03", "ssd_cin_assessments"), ("KPI20", "information_governance_incidents")):
        rows = by_kpi[kpi]
        assert rows["status"].to_list() == ["no data"] * 13, kpi
        assert all(f"{table} not delivered in drop {STRAY}" in r for r in rows["reasons"]), kpi
    # ssd_cin_assessments was in the previous drop: critical as well (information_governance_incidents too)
    assert all("ssd_cin_assessments: table delivered in the previous drop is delivered again" in r
               for r in by_kpi["KPI03"]["reasons"])
    assert not status.filter(pl.col("status") == "published").height  # nothing is published from the stray drop


def test_the_missing_column_blocks_kpi01_for_every_month(stray_run):
    _, out = stray_run
    status = _status(out).filter(pl.col("kpi_id") == "KPI01")
    assert status["status"].to_list() == ["blocked"] * 13
    assert all("ssd_contacts: every contract column is delivered" in r for r in status["reasons"])
    report = pl.read_csv(out / "restricted" / "error_report.csv")
    hit = report.filter(pl.col("rule") == "every contract column is delivered").row(0, named=True)
    assert (hit["file"], hit["table"], hit["column"], hit["severity"]) == (
        "ssd_contacts.csv", "ssd_contacts", "cont_contact_date", "critical")
    assert "KPI01" in hit["kpis_affected"]


def test_no_value_is_written_or_shown_for_a_no_data_month(stray_run):
    _, out = stray_run
    values = pl.read_csv(out / "restricted" / "kpi_values.csv").filter(pl.col("dq_status") == "no data")
    assert values.height and values["value"].null_count() == values.height
    assert values["numerator"].null_count() == values.height
    assert values["null_reason"].str.starts_with("no data: ").all()
    html = (out / "restricted" / "data_quality.html").read_text()
    assert " 0 critical" not in html
    pack = (out / "ocg_pack_2020-03.html").read_text()
    assert f"information_governance_incidents not delivered in drop {STRAY}" in pack
