"""A figure whose inputs are absent is "no data" with the reason, never a number that looks real
(pipelines/lib/no_data.py): tables not delivered, a column the card depends on mostly unknown, records whose
figure is mostly unknown; the analysts' kpi_values.csv and the packs then carry no value for the month."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pytest

from pipelines.lib import db
from pipelines.lib.archive import archive_drop
from pipelines.lib.kpi_cards import LOOKBACK_ALL, CardError, card, load_card, load_cards
from pipelines.lib.measure_cards import load_measure
from pipelines.lib.no_data import (
    absent_tables,
    history_reasons,
    month_status,
    needed_from,
    no_data_reasons,
    table_coverage,
)
from pipelines.lib.paths import PROJECT_ROOT, SQL_DIR
from pipelines.lib.returns import REGISTRY
from pipelines.lib.staging import stage_drop

KEY = bytes(range(32))
MONTHS = [date(2024, 1, 31), date(2024, 2, 29), date(2024, 3, 31)]
CONTACTS = "cont_contact_id,cont_person_id,cont_contact_date,cont_contact_source_code,cont_contact_outcome_json,"
ONE_CONTACT = CONTACTS + "cont_contact_decision_date\nC1,P1,2024-03-01,A,,2024-03-01\n"
INCIDENTS_ABSENT = "information_governance_incidents not delivered in drop 2024-03-31"


def _stage(tmp: Path, files: dict[str, str], folder: str = "2024-03-31") -> duckdb.DuckDBPyConnection:
    drop = tmp / "landing" / folder
    drop.mkdir(parents=True)
    for name, text in files.items():
        (drop / name).write_text(text)
    con = duckdb.connect()
    stage_drop(con, archive_drop(drop, tmp / "archive").drop, KEY, "941", registry=REGISTRY)
    return con


def test_a_table_not_delivered_makes_every_month_no_data(tmp_path: Path):
    # complaints: a header only, delivered and empty
    con = _stage(tmp_path, {"ssd_contacts.csv": ONE_CONTACT, "complaints.csv": "complaint_id,received_date\n"})
    absent = absent_tables(con, "2024-03-31")
    assert absent["information_governance_incidents"] == INCIDENTS_ABSENT
    assert "complaints" not in absent and "ssd_contacts" not in absent
    reasons = no_data_reasons(con, card("KPI20"), "2024-03-31", MONTHS, absent)
    assert reasons == {m: [INCIDENTS_ABSENT] for m in MONTHS}
    # complaints delivered with no rows: 0 complaints is a real figure; ssd_department is read for breakdowns only
    assert no_data_reasons(con, card("KPI13"), "2024-03-31", MONTHS, absent) == {}


def test_a_refused_file_is_no_data_with_why(tmp_path: Path):
    con = _stage(tmp_path, {"information_governance_incidents.csv": ""})  # empty file: refused whole
    absent = absent_tables(con, "2024-03-31")
    assert absent["information_governance_incidents"].startswith(
        "information_governance_incidents: its file information_governance_incidents.csv was refused")


def test_contacts_without_decision_dates_are_no_data_for_kpi01(tmp_path: Path):
    # as an Annex A list 1 delivers them: the column is not carried at all
    annex_a_like = CONTACTS.rstrip(",") + "\nC1,P1,2024-02-01,A,\nC2,P2,2024-03-04,A,\n"
    con = _stage(tmp_path, {"ssd_contacts.csv": annex_a_like})
    reasons = no_data_reasons(con, card("KPI01"), "2024-03-31", MONTHS, absent_tables(con, "2024-03-31"))
    whole = "ssd_contacts.cont_contact_decision_date known for 0 of 2 records (the figure needs 50%)"
    assert reasons[date(2024, 1, 31)] == [whole]  # no contact that month: the extract as a whole decides
    assert reasons[date(2024, 3, 31)] == [whole, "ssd_contacts.cont_contact_decision_date known for 0 of 1 "
                                                 "records dated March 2024 (the figure needs 50%)"]


def test_one_month_without_decision_dates_is_no_data_the_others_publish(tmp_path: Path):
    rows = ["C1,P1,2024-02-01,A,,2024-02-01", "C2,P1,2024-02-02,A,,2024-02-02", "C3,P1,2024-02-05,A,,2024-02-05",
            "C4,P2,2024-03-04,A,,", "C5,P2,2024-03-05,A,,2024-03-05", "C6,P2,2024-03-06,A,,"]
    con = _stage(tmp_path, {"ssd_contacts.csv": CONTACTS + "cont_contact_decision_date\n" + "\n".join(rows) + "\n"})
    reasons = no_data_reasons(con, card("KPI01"), "2024-03-31", MONTHS, absent_tables(con, "2024-03-31"))
    assert list(reasons) == [date(2024, 3, 31)]  # 1 of 3 known in March; February and the extract are fine
    assert "known for 1 of 3 records dated March 2024" in reasons[date(2024, 3, 31)][0]


def test_kpi12_with_most_distances_unknown_is_no_data(tmp_path: Path):
    con = _stage(tmp_path, {"ssd_cla_placement.csv": "clap_cla_placement_id\nPL1\n",
                            "ssd_cla_episodes.csv": "clae_cla_episode_id\nE1\n", "ssd_address.csv": "addr_person_id\n",
                            "ssd_legal_status.csv": "lega_legal_status_id\nL1\n"})
    db.run(con, (PROJECT_ROOT / "sql" / "engine" / "kpi_tables.sql").read_text())
    records = [  # March: 3 children, 2 distances unknown; February: 3 children, 1 unknown
        *[("2024-03-31", f"X{i}", 1.0, None) for i in range(3)],
        *[("2024-03-31", f"X{i} (distance unknown)", 0.0, "distance unknown (kept in the denominator)")
          for i in range(2)],
        *[("2024-02-29", f"X{i}", 1.0, None) for i in range(3)],
        ("2024-02-29", "X0 (distance unknown)", 0.0, "distance unknown (kept in the denominator)"),
    ]
    for period_end, record_id, denominator, reason in records:
        db.run(con, "INSERT INTO kpi_records (kpi_id, period_end, basis, record_id, person_id, area, numerator, "
                    "denominator, excluded_reason) VALUES ('KPI12', CAST($p AS DATE), 'snapshot', $r, 'X', 'all', 0, "
                    "$d, $e)", {"p": period_end, "r": record_id, "d": denominator, "e": reason})
    reasons = no_data_reasons(con, card("KPI12"), "2024-03-31", MONTHS, absent_tables(con, "2024-03-31"))
    assert reasons == {date(2024, 3, 31): ["2 of 3 records 'distance unknown (kept in the denominator)' (the "
                                           "figure needs 50% known)"]}


def test_no_data_comes_before_blocked_and_keeps_both_reasons():
    assert month_status([], []) == ("published", None)
    assert month_status([], ["t: rule"]) == ("blocked", "t: rule")
    assert month_status(["t not delivered"], ["t: rule"]) == ("no data", "t not delivered; t: rule")


@pytest.mark.parametrize("field", [
    "depends_on: [{column: ssd_contacts.no_such_column, min_share_known: 0.5}]",
    "depends_on: [{column: ssd_contacts.cont_contact_decision_date, min_share_known: 50}]",
    "depends_on: [{column: ssd_cin_episodes.cine_referral_date, min_share_known: 0.5}]",  # not a source table
    "depends_on: [{column: ssd_contacts.cont_contact_decision_date, min_share_known: 0.5, "
    "month_column: cont_person_id}]",
    "known_records: {min_share_known: 0.5}",
    "breakdown_tables: [ssd_department]",  # derived from the SQL, never listed (pipelines/lib/lineage.py)
    "lookback_months: -1", "lookback_months: ever", "lookback_months: 1.5", "lookback_months: true",
])
def test_card_fields_are_checked(tmp_path: Path, field: str):
    text = (PROJECT_ROOT / "sql" / "kpis" / "KPI01_contact_decisions.yaml").read_text()
    text = "\n".join(ln for ln in text.splitlines() if not ln.startswith(("depends_on", "  - column", "    min_share",
                                                                          "    month_column")))
    path = tmp_path / "KPI01_contact_decisions.yaml"
    path.write_text(text + "\n" + field + "\n")
    (tmp_path / "KPI01_contact_decisions.sql").write_text("SELECT 1")
    with pytest.raises(CardError):
        load_card(path)


def test_outputs_and_packs_carry_no_value_for_a_no_data_month(tmp_path: Path):
    from pipelines.lib.card_run import record_status
    from pipelines.lib.outputs import write_outputs
    from pipelines.lib.packs.data import PackData

    con = _stage(tmp_path, {"ssd_contacts.csv": ONE_CONTACT})
    db.run(con, (PROJECT_ROOT / "sql" / "engine" / "kpi_tables.sql").read_text())
    for month in MONTHS:
        db.run(con, "INSERT INTO kpi_values (kpi_id, period_end, basis, area, numerator, denominator, value) "
                    "VALUES ('KPI20', $p, 'month', 'all', 0, 0, 0)", {"p": month})
    record_status(con, MONTHS[0], MONTHS[-1], [
        {"kpi_id": "KPI20", "period_end": m, "status": "no data", "reasons": INCIDENTS_ABSENT} for m in MONTHS])
    write_outputs(con, tmp_path / "out", MONTHS[0], MONTHS[-1])
    values = pl.read_csv(tmp_path / "out" / "restricted" / "kpi_values.csv")
    assert values["dq_status"].to_list() == ["no data"] * 3
    assert values["value"].null_count() == values["numerator"].null_count() == 3
    assert values["null_reason"][0] == "no data: " + INCIDENTS_ABSENT
    pack = PackData(con, MONTHS[-1])
    assert pack.values.filter(pl.col("kpi_id") == "KPI20").height == 0  # no trend point, no breach from it
    assert pack.status_of("KPI20")["status"] == "no data"


# ---- history coverage: a return holds only the years (or the window) it was delivered for ----------------------

EPISODES_903 = ("CHILD,DECOM,RNE,LS,CIN,PLACE,PLACE_PROVIDER,DEC,REC,REASON_PLACE_CHANGE,HOME_POST,PL_POST,URN\n"
                "C1,01/06/2018,S,C2,N1,U4,PR1,,,,NN1 1AA,NN2 2BB,\n")


def test_staging_records_where_each_table_history_starts(tmp_path: Path):
    # a 903 episodes file of 2018/19 (history from 1 April 2018) beside an SSD complaints file (complete)
    con = _stage(tmp_path, {"903_episodes_2018-19.csv": EPISODES_903,
                            "complaints.csv": "complaint_id,received_date\nK1,2024-01-05\n"})
    rows = {r[0]: r[1:] for r in db.rows(con, "SELECT table_name, covered_from, source FROM staged.table_coverage")}
    assert rows["ssd_cla_episodes"] == (date(2018, 4, 1), "SSDA903 CSV")
    assert rows["ssd_cla_placement"] == (date(2018, 4, 1), "SSDA903 CSV")
    assert rows["complaints"] == (None, "SSD file complaints.csv")
    assert table_coverage(con, "2024-03-31")["ssd_legal_status"] == (date(2018, 4, 1), "SSDA903 CSV")
    # KPI07 reads 30 months before the period end: at 31 March 2020 care must have begun by 30 September 2017
    months = [date(2020, 9, 30), date(2020, 10, 31)]
    reasons = no_data_reasons(con, card("KPI07"), "2024-03-31", months, absent_tables(con, "2024-03-31"))
    history = [r for r in reasons.get(date(2020, 9, 30), []) if "history" in r]
    assert history == [f"{t} history from 2018-04-01 only (SSDA903 CSV); the figure needs records from 2018-03-31"
                       for t in ("ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status")]
    assert not [r for r in reasons.get(date(2020, 10, 31), []) if "history" in r]
    # complaints are an SSD file: no month of KPI13 is short of history, whatever its look-back
    assert not [r for rs in no_data_reasons(con, card("KPI13"), "2024-03-31", months, {}).values() for r in rs
                if "history" in r]


RETURNS = {t: (date(2017, 4, 1), "SSDA903 CSV") for t in ("ssd_cla_episodes", "ssd_cla_placement",
                                                           "ssd_legal_status", "ssd_permanence")}
CENSUS = {t: (date(2017, 4, 1), "CIN census XML") for t in ("ssd_cin_episodes", "ssd_cp_plans")}


@pytest.mark.parametrize(("kpi", "basis", "short", "whole"), [
    # the months test_returns_consistency.py found different from the SSD figures are the months judged short
    ("KPI07", "snapshot", date(2019, 9, 30), date(2019, 10, 31)),  # 30 months: cut-off 31 March vs 30 April 2017
    ("KPI02", "r12", date(2019, 2, 28), date(2019, 3, 31)),        # 12-month window + 12 months of earlier referrals
    ("KPI02", "fytd", date(2018, 3, 31), date(2018, 4, 30)),       # 1 April 2018 less 12 months
    ("KPI18", "r36", date(2020, 2, 29), date(2020, 3, 31)),        # a 36-month window, nothing before it
    ("KPI08", "snapshot", date(2018, 3, 31), date(2018, 4, 30)),   # the 12 months to the period end
])
def test_a_month_is_short_of_history_until_the_returns_reach_back_far_enough(kpi, basis, short, whole):
    coverage = RETURNS | CENSUS
    reasons = history_reasons(card(kpi), short, basis, coverage)
    assert reasons and all("history from 2017-04-01 only" in r for r in reasons)
    assert reasons[0].endswith(f"the figure needs records from {needed_from(card(kpi), short, basis)}")
    assert history_reasons(card(kpi), whole, basis, coverage) == []
    assert history_reasons(card(kpi), short, basis, {}) == []  # SSD tables: complete


def test_an_ever_definition_needs_the_whole_history():
    assert card("KPI06").lookback_months == LOOKBACK_ALL
    assert history_reasons(card("KPI06"), date(2030, 3, 31), "fytd", CENSUS) == [
        "ssd_cp_plans history from 2017-04-01 only (CIN census XML); the figure needs the whole history"]


def test_every_kpi_and_case_measure_card_says_how_far_back_it_reads():
    for c in load_cards():
        assert "lookback_months" in c.raw, c.id
    for path in sorted((SQL_DIR / "core").glob("*.yaml")):
        if path.with_suffix(".sql").exists() or "sql_from:" in path.read_text():
            raw = load_measure(path).kpi_card.raw  # a case measure: a KPI card with the measure's fields
            assert "lookback_months" in raw, path.name
            assert any("lookback_months" in str(d) for d in raw["decisions"]), path.name


def test_a_row_of_another_basis_short_of_history_is_written_as_no_data(tmp_path: Path):
    """Status is judged on the headline basis (KPI18: r12); a row of another basis reading before the history
    (its r36 at March 2020 needs records from April 2017, the 903 starts April 2018) is "no data" on its own."""
    from pipelines.lib.card_run import record_status
    from pipelines.lib.outputs import write_outputs
    from pipelines.lib.packs.core_data_set import core_values_frame
    from pipelines.lib.packs.data import PackData

    con = _stage(tmp_path, {"903_episodes_2018-19.csv": EPISODES_903})
    db.run(con, (PROJECT_ROOT / "sql" / "engine" / "kpi_tables.sql").read_text())
    march = date(2020, 3, 31)
    for basis, team in (("r12", None), ("r36", None), ("r36", "T1")):
        db.run(con, "INSERT INTO kpi_values (kpi_id, period_end, basis, area, team, numerator, denominator, value) "
                    "VALUES ('KPI18', $p, $b, 'all', $t, 3, 4, 0.75)", {"p": march, "b": basis, "t": team})
    record_status(con, march, march, [{"kpi_id": "KPI18", "period_end": march, "status": "published",
                                       "reasons": None}])
    write_outputs(con, tmp_path / "out", march, march)
    values = {r["basis"]: r for r in pl.read_csv(tmp_path / "out" / "restricted" / "kpi_values.csv",
                                                 try_parse_dates=True).to_dicts()}
    assert values["r12"]["dq_status"] == "published" and values["r12"]["value"] == 0.75
    r36 = values["r36"]
    assert r36["dq_status"] == "no data"
    assert r36["value"] is None and r36["numerator"] is None and r36["denominator"] is None
    assert r36["null_reason"] == ("no data: ssd_cla_episodes history from 2018-04-01 only (SSDA903 CSV); the "
                                  "figure needs records from 2017-04-01; ssd_legal_status history from 2018-04-01 "
                                  "only (SSDA903 CSV); the figure needs records from 2017-04-01")
    team = pl.read_csv(tmp_path / "out" / "restricted" / "kpi_values_by_team.csv").row(0, named=True)
    assert team["dq_status"] == "no data" and team["value"] is None
    assert pl.read_csv(tmp_path / "out" / "kpi_status.csv")["status"].to_list() == ["published"]  # month unchanged
    # the packs leave the r36 row out and keep the headline one
    pack = PackData(con, march)
    assert pack.values.filter(pl.col("kpi_id") == "KPI18")["basis"].sort().to_list() == ["r12"]
    # the core data set's values (its KPI rows are on the headline basis, which the month's status judges)
    core = core_values_frame(con, march, None, None).filter(pl.col("kpi_id") == "KPI18")
    assert core["basis"].to_list() == ["r12"] and core["status"].to_list() == ["published"]


def test_marking_judges_each_row_on_its_own_basis_in_any_frame(tmp_path: Path):
    from pipelines.lib.no_data import mark_short_of_history

    con = _stage(tmp_path, {"903_episodes_2018-19.csv": EPISODES_903})
    frame = pl.DataFrame({"kpi_id": ["KPI18", "KPI18", "KPI13"], "period_end": [date(2020, 3, 31)] * 3,
                          "basis": ["r12", "r36", "r36"], "numerator": [3.0] * 3, "denominator": [4.0] * 3,
                          "value": [0.75] * 3, "status": ["published"] * 3, "reason": [None] * 3},
                         schema_overrides={"reason": pl.String()})
    marked = mark_short_of_history(con, "2024-03-31", frame, status="status", reason="reason")
    assert marked["status"].to_list() == ["published", "no data", "published"]
    assert marked["value"].to_list() == [0.75, None, 0.75]
    assert marked["reason"][1].startswith("no data: ssd_cla_episodes history from 2018-04-01 only")
    assert mark_short_of_history(con, None, frame).equals(frame)  # no current drop: nothing known to be short


def test_window_starts_agree_with_the_engines_windows():
    """no_data.window_start reads the history a figure needs without a warehouse; it must give the same window
    as sql/engine/kpi_windows.sql for every basis and month (leap years and financial-year edges included)."""
    from pipelines.lib.no_data import window_start

    con = duckdb.connect()
    db.run(con, (PROJECT_ROOT / "sql" / "engine" / "kpi_windows.sql").read_text(),
           {"first_period_end": date(2015, 1, 31), "last_period_end": date(2026, 12, 31)})
    rows = con.execute("SELECT period_end, basis, window_start FROM kpi_windows").fetchall()
    assert len(rows) == 144 * 6
    assert [(p, b, w) for p, b, w in rows if window_start(p, b) != w] == []
