"""Through Dagster: every record that feeds a published figure is checked, not only the reporting month's.

A drop of March 2024 whose faults lie years back: an unknown placement type on a placement begun in 2020, a
missing episode that ends before it starts (2020) and a CLA review dated before its period of care began, all
of one child looked after at March 2024. Each is reported in error_report.csv, and the figures that count the
child for March 2024 (KPI07/KPI08, the core data set's missing and IRO measures) are blocked with the reason;
figures not reading those tables, and figures not counting the child, are still published.
"""

from __future__ import annotations

from datetime import date, timedelta

import dagster as dg
import duckdb
import polars as pl
import pytest

from pipelines.definitions import build_definitions
from pipelines.defs.resources import Warehouse

DROP = date(2024, 3, 31)
PLACE_RULE = "clap_cla_placement_type is a valid PLACE (placement type) code"
MISSING_RULE = "missing episode start on or before its end"
REVIEW_RULE = "CLA review on or after its period of care began"


def _pick_child(folder) -> dict:
    """A child under 16 at March 2024 whose placement begun in 2020 is still open then (so in care 2.5 years,
    in KPI07's and KPI08's figures), with the id of that period of care."""
    placements = pl.read_csv(folder / "ssd_cla_placement.csv", infer_schema=False)
    people = pl.read_csv(folder / "ssd_person.csv", infer_schema=False)
    episodes = pl.read_csv(folder / "ssd_cla_episodes.csv", infer_schema=False)
    open_2020 = placements.filter(pl.col("clap_cla_placement_start_date").str.starts_with("2020")
                                  & (pl.col("clap_cla_placement_end_date").is_null()
                                     | (pl.col("clap_cla_placement_end_date") > "2024-03-31")))
    young = people.filter(pl.col("pers_dob") > "2009-01-01")["pers_person_id"]
    chosen = open_2020.filter(pl.col("clap_person_id").is_in(young.implode())).sort("clap_cla_placement_id").row(
        0, named=True)
    care = episodes.filter(pl.col("clae_cla_id") == chosen["clap_cla_id"])
    return {"person": chosen["clap_person_id"], "placement": chosen["clap_cla_placement_id"],
            "cla_id": chosen["clap_cla_id"], "care_start": min(care["clae_cla_episode_start_date"])}


def _append(path, row: dict) -> None:
    frame = pl.read_csv(path, infer_schema=False)
    pl.concat([frame, pl.DataFrame([row], schema=dict.fromkeys(frame.columns, pl.String))]).write_csv(path)


def _run(landing, work, partition: str = "2024-03-01"):
    warehouse = Warehouse(landing_dir=str(landing), out_dir=str(work / "out"), state_dir=str(work / "state"))
    job = build_definitions(warehouse).resolve_job_def("monthly_contract_job")
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), partition_key=partition,
                                    raise_on_error=False)
    return result, work / "out", work / "state" / "warehouse.duckdb"


@pytest.fixture(scope="module")
def history_run(tmp_path_factory):
    from scorecard_tools.generator import generate

    work = tmp_path_factory.mktemp("history")
    landing = work / "landing"
    generate(landing, seed=11, size="small", start=date(2019, 4, 1), end=DROP, drops=[DROP])
    folder = landing / DROP.isoformat()
    child = _pick_child(folder)
    placements = pl.read_csv(folder / "ssd_cla_placement.csv", infer_schema=False)
    placements.with_columns(
        pl.when(pl.col("clap_cla_placement_id") == child["placement"]).then(pl.lit("Z9"))
        .otherwise(pl.col("clap_cla_placement_type")).alias("clap_cla_placement_type"),
    ).write_csv(folder / "ssd_cla_placement.csv")
    # a missing episode of 2020 that ends before it starts, and a review before the child's care began
    _append(folder / "ssd_missing.csv", {
        "miss_person_id": child["person"], "miss_missing_episode_start_date": "2020-06-10",
        "miss_missing_episode_type": "MISSING", "miss_missing_episode_end_date": "2020-06-01",
        "miss_missing_rhi_offered": "Y", "miss_missing_rhi_accepted": "Y", "miss_missing_rhi_date": "2020-06-12"})
    reviewed = (date.fromisoformat(child["care_start"]) - timedelta(days=40)).isoformat()
    _append(folder / "ssd_cla_reviews.csv", {
        "clar_cla_id": child["cla_id"], "clar_cla_review_due_date": reviewed, "clar_cla_review_date": reviewed,
        "clar_cla_review_participation": "PN1"})
    result, out, warehouse = _run(landing, work)
    return result, out, warehouse, child


def test_old_faults_are_reported_with_their_record(history_run):
    result, out, _, _ = history_run
    assert result.success
    report = pl.read_csv(out / "restricted" / "error_report.csv", infer_schema=False)
    report = report.filter(pl.col("severity") == "critical")
    for table, rule in (("ssd_cla_placement", PLACE_RULE), ("ssd_missing", MISSING_RULE),
                        ("ssd_cla_reviews", REVIEW_RULE)):
        hit = report.filter((pl.col("table") == table) & (pl.col("rule") == rule))
        assert hit.height == 1, (table, rule, report)
        assert hit["file"].item() == f"{table}.csv" and hit["row"].item() is not None
    html = (out / "restricted" / "data_quality.html").read_text()
    assert PLACE_RULE in html and MISSING_RULE in html and REVIEW_RULE in html


def test_kpis_counting_the_child_are_blocked_for_march_2024(history_run):
    _, out, _, _ = history_run
    status = pl.read_csv(out / "kpi_status.csv")
    march = status.filter(pl.col("period_end") == "2024-03-31")
    for kpi in ("KPI07", "KPI08"):
        row = march.filter(pl.col("kpi_id") == kpi).row(0, named=True)
        assert row["status"] == "blocked", row
        assert f"ssd_cla_placement: {PLACE_RULE} (a record of a child in this figure)" in row["reasons"]
    values = pl.read_csv(out / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String})
    kpi07 = values.filter((pl.col("kpi_id") == "KPI07") & (pl.col("period_end") == "2024-03-31"))
    assert set(kpi07["dq_status"]) == {"blocked"}
    # KPIs that read none of the faulty tables are published
    published = set(march.filter(pl.col("status") == "published")["kpi_id"])
    assert {"KPI01", "KPI02", "KPI03", "KPI05", "KPI13"} <= published
    # the recomputed 12 months are reported too: the child is in care throughout, so they are blocked as well
    kpi07_months = status.filter(pl.col("kpi_id") == "KPI07")
    assert kpi07_months.height == 13 and set(kpi07_months["status"]) == {"blocked"}


def test_core_measures_counting_the_child_are_blocked_for_march_2024(history_run):
    _, _, warehouse, _ = history_run
    with duckdb.connect(str(warehouse), read_only=True) as con:
        status = {k: (s, r) for k, s, r in con.sql(
            "SELECT kpi_id, status, reasons FROM core_status WHERE period_end = DATE '2024-03-31'").fetchall()}
    assert status["CDS_KS12"][0] == "blocked"
    assert f"ssd_missing: {MISSING_RULE} (a record of a child in this figure)" in status["CDS_KS12"][1]
    assert status["CDS_FP09"][0] == "blocked"
    assert f"ssd_cla_reviews: {REVIEW_RULE} (a record of a child in this figure)" in status["CDS_FP09"][1]
    # a measure reading none of the three tables (CP plans) is published
    assert status["CDS_KS03"][0] == "published"


def test_an_old_fault_blocks_only_figures_counting_its_child(history_run):
    # The same failing records, moved to a child counted in no figure: nothing is blocked by them; a record
    # naming no child blocks only the months whose window reaches back to it.
    from pipelines.lib.kpi_cards import load_cards
    from pipelines.lib.quality.blocking import history_blocking

    _, _, warehouse, _ = history_run
    cards = {c.id: c for c in load_cards()}
    first, last = date(2023, 3, 31), DROP
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.sql("CREATE TEMP TABLE kpi_windows AS SELECT * FROM (VALUES "
                "(DATE '2024-03-31', 'snapshot', DATE '2024-03-31', DATE '2024-03-31'), "
                "(DATE '2024-03-31', 'fytd', DATE '2023-04-01', DATE '2024-03-31'), "
                "(DATE '2023-03-31', 'fytd', DATE '2022-04-01', DATE '2023-03-31'), "
                "(DATE '2023-09-30', 'month', DATE '2023-09-01', DATE '2023-09-30')) "
                "t(period_end, basis, window_start, window_end)")
        nobody = pl.DataFrame({"table_name": ["ssd_cla_placement"], "rule": [PLACE_RULE],
                               "event_date": [date(2020, 5, 1)], "person_id": ["Xnot-a-child-in-any-figure"]})
        assert history_blocking(con, cards["KPI07"], nobody, first, last, DROP) == {}
        no_person = nobody.with_columns(pl.lit(None, pl.String).alias("person_id"))
        assert history_blocking(con, cards["KPI07"], no_person, first, last, DROP) == {}  # snapshot: not 2020
        # KPI15 (month basis) keeps no person ids: a faulty budget line of September 2023 blocks that month
        budget = pl.DataFrame({"table_name": ["budget_monitoring"], "rule": ["annual_budget is typed as a float"],
                               "event_date": [date(2023, 9, 30)], "person_id": [None]},
                              schema={"table_name": pl.String, "rule": pl.String, "event_date": pl.Date,
                                      "person_id": pl.String})
        assert set(history_blocking(con, cards["KPI15"], budget, first, last, DROP)) == {date(2023, 9, 30)}


def test_a_clean_old_record_blocks_nothing(tmp_path):
    # A drop whose old records are all valid (one 2020 placement's type changed to another valid code):
    # checking every row finds no critical fault and every KPI is published for March 2024 and the 12
    # months before.
    from scorecard_tools.generator import generate

    landing = tmp_path / "landing"
    generate(landing, seed=11, size="small", start=date(2019, 4, 1), end=DROP, drops=[DROP])
    folder = landing / DROP.isoformat()
    child = _pick_child(folder)
    placements = pl.read_csv(folder / "ssd_cla_placement.csv", infer_schema=False)
    placements.with_columns(
        pl.when(pl.col("clap_cla_placement_id") == child["placement"]).then(pl.lit("U1"))
        .otherwise(pl.col("clap_cla_placement_type")).alias("clap_cla_placement_type"),
    ).write_csv(folder / "ssd_cla_placement.csv")
    result, out, warehouse = _run(landing, tmp_path)
    assert result.success
    status = pl.read_csv(out / "kpi_status.csv")
    assert status["period_end"].n_unique() == 13
    assert set(status["status"]) == {"published"}, status.filter(pl.col("status") != "published")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.sql("SELECT DISTINCT status FROM core_status").fetchall() == [("published",)]
    report = pl.read_csv(out / "restricted" / "error_report.csv", infer_schema=False)
    assert report.filter(pl.col("severity") == "critical").height == 0
