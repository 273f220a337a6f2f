"""`scorecard backfill` on a drop holding the statutory returns instead of the SSD tables: the SSDA903 CSV set, the
CIN census XML, the CSWW census XML and the Ofsted Annex A workbook, all four as `scorecard generate
--returns-only` writes them; and a messy Annex A (as real exports are) staged on its own, row by row.

The span is April 2019 - March 2020 with one drop dated 31 March 2020: one completed collection year (903 and CIN
census 2019/20), one workforce census (30 September 2019) and an Annex A as at 31 March 2020. The backfill covers
September 2019 - March 2020 in one run, so the September workforce figures are in kpi_values.
"""

from __future__ import annotations

import datetime as dt
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import duckdb
import polars as pl
import pytest

ROOT = Path(__file__).resolve().parents[2]
SCORECARD = Path(sys.executable).with_name("scorecard")
SEED, START, END, DROP = 7, dt.date(2019, 4, 1), dt.date(2020, 3, 31), dt.date(2020, 3, 31)
CENSUS = dt.date(2019, 9, 30)
KEY = b"test-key-" * 4

# which format each case table of the returns-only drop is staged from (the registry's precedence: 903, CIN census,
# CSWW, Annex A, one format per table; ssd_person combined from every format that names children)
FROM_903 = ("ssd_address", "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status", "ssd_cla_reviews",
            "ssd_care_leavers", "ssd_permanence", "ssd_missing", "cla_oc2_outcomes")
FROM_CIN = ("ssd_cin_episodes", "ssd_cin_assessments", "ssd_cin_plans", "ssd_s47_enquiry",
            "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cp_reviews")
FROM_CSWW = ("workforce_establishment", "ssd_professionals")
FROM_ANNEX_A = ("ssd_contacts",)
# Annex A lists whose every row is one record of one table (Lists 3 and 6 share ssd_cin_episodes: checked apart)
ONE_TABLE_LISTS = {1: "ssd_contacts", 4: "ssd_cin_assessments", 5: "ssd_s47_enquiry", 7: "ssd_cp_plans",
                   8: "ssd_cla_episodes", 9: "ssd_care_leavers", 10: "ssd_permanence"}


def scorecard(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(SCORECARD), *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)


def format_of(source_file: str) -> str:
    """The return a staged row came from, by the generator's file names (staging recognised them by content)."""
    for prefix, fmt in (("903_", "903"), ("cin_census_", "CIN"), ("csww_", "CSWW"), ("annex_a_", "Annex A")):
        if source_file.startswith(prefix):
            return fmt
    return "CSV"


@pytest.fixture(scope="module")
def returns_run(tmp_path_factory):
    state = tmp_path_factory.mktemp("returns-state")
    env = dict(os.environ, SCORECARD_STATE=str(state), SCORECARD_KEY_FILE=str(state / "key"),
               DAGSTER_HOME=str(state / "dagster_home"))
    assert scorecard(env, "key", "create").returncode == 0  # an explicit step, as on a fresh machine
    landing, out = tmp_path_factory.mktemp("returns-landing"), tmp_path_factory.mktemp("returns-out")
    made = scorecard(env, "generate", "--out", str(landing), "--seed", str(SEED), "--size", "small", "--from",
                     "2019-04", "--to", "2020-03", "--drops", DROP.isoformat(), "--returns-only")
    assert made.returncode == 0, made.stdout + made.stderr
    done = scorecard(env, "backfill", "--extracts", str(landing), "--from", "2019-09", "--to", "2020-03",
                     "--out", str(out))
    return landing / DROP.isoformat(), done, out, state / "warehouse.duckdb"


@pytest.fixture(scope="module")
def warehouse(returns_run):
    _, done, _, path = returns_run
    assert done.returncode == 0, done.stdout + done.stderr
    con = duckdb.connect(str(path), read_only=True)
    yield con
    con.close()


def test_the_drop_holds_all_four_returns_instead_of_ssd_tables(returns_run):
    drop, _, _, _ = returns_run
    names = {p.name for p in drop.iterdir()}
    # one collection year completed in the span (April 2019 - March 2020): one census, one 903 set; one workforce
    # census (30 September 2019) and the Annex A as at the extract date
    assert {"cin_census_2019-20.xml", "903_episodes_2019-20.csv", "903_oc3_2019-20.csv", "csww_2019.xml",
            "annex_a_2020-03-31.xlsx"} <= names
    assert not [n for n in names if "2018-19" in n or n.startswith("csww_2018")]
    assert not [n for n in names if n.startswith("ssd_")]
    # the CSWW census replaces the establishment table (beside it the CSV would win and the census be ignored)
    assert "workforce_establishment.csv" not in names and "cla_oc2_outcomes.csv" not in names
    assert {"complaints.csv", "budget_monitoring.csv", "local_feeds.csv"} <= names


def test_each_table_is_staged_from_one_format(warehouse):
    def formats(table: str) -> set[str]:
        rows = warehouse.execute(f"SELECT DISTINCT source_file FROM staged.{table}").fetchall()  # noqa: S608
        return {format_of(f) for (f,) in rows}

    for tables, fmt in ((FROM_903, "903"), (FROM_CIN, "CIN"), (FROM_CSWW, "CSWW"), (FROM_ANNEX_A, "Annex A")):
        for table in tables:
            assert formats(table) == {fmt}, table
    # Annex A also carries referrals, assessments, CP plans, periods of care ...: the census and the 903 win, so
    # a record is never staged twice; children are combined from every format that names them
    assert formats("ssd_person") == {"903", "CIN", "Annex A"}
    assert formats("complaints") == {"CSV"}
    # one authority-level establishment row, the census date's; no involvements (the census has counts only)
    assert warehouse.execute("SELECT team_id, period_end FROM staged.workforce_establishment").fetchall() == [
        ("CSWW-928", CENSUS)]
    assert warehouse.execute("SELECT count(*) FROM staged.ssd_involvements").fetchone()[0] == 0


def test_run_on_returns_writes_kpi_values(returns_run):
    _, done, out, _ = returns_run
    assert done.returncode == 0, done.stdout + done.stderr
    values = pl.read_csv(out / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String},
                         infer_schema_length=None)
    trust = values.filter((pl.col("area") == "all") & (pl.col("period_end") == "2020-03-31"))
    assert sorted(trust["kpi_id"].unique()) == [f"KPI{n:02d}" for n in range(1, 22)]
    headline = {r["kpi_id"]: r for r in trust.filter(pl.col("basis").is_in(["fytd", "snapshot"])).iter_rows(
        named=True)}
    # from the CIN census and the 903: real denominators and values where the window is inside 2019/20
    for kpi in ("KPI03", "KPI05", "KPI21"):
        assert headline[kpi]["denominator"] > 0 and headline[kpi]["value"] is not None, kpi
    # one collection year (from 1 April 2019) cannot give a figure reading further back: "no data", with why
    for kpi, table, needs in (("KPI02", "ssd_cin_episodes", "records from 2018-04-01"),
                              ("KPI06", "ssd_cp_plans", "the whole history"),
                              ("KPI07", "ssd_cla_episodes", "records from 2017-09-30"),
                              ("KPI08", "ssd_cla_episodes", "records from 2019-03-31")):
        assert headline[kpi]["dq_status"] == "no data" and headline[kpi]["value"] is None, kpi
        assert f"{table} history from 2019-04-01 only" in headline[kpi]["null_reason"], kpi
        assert f"the figure needs {needs}" in headline[kpi]["null_reason"], kpi
    # no involvements in any return: KPI11 has nothing to be computed from, and says so (no number)
    assert headline["KPI11"]["dq_status"] == "no data" and headline["KPI11"]["denominator"] is None
    assert headline["KPI11"]["null_reason"].startswith("no data: ssd_involvements not delivered in drop")
    assert "Staged tables" in done.stdout and "KPI values for the month ending 2020-03-31" in done.stdout


def _census_figures(path: Path) -> tuple[Decimal, Decimal, Decimal]:
    """(vacancy FTE, in-post FTE, agency FTE) read straight from the census file."""
    root = ET.parse(path).getroot()
    ns = {"c": root.tag[1:].split("}")[0]} if root.tag.startswith("{") else {}
    p = "c:" if ns else ""
    vacancies = Decimal(root.find(f"{p}LALevelVacancies/{p}NumberOfVacancies", ns).text)
    in_post, agency = Decimal(0), Decimal(0)
    for w in root.findall(f"{p}CSWWWorker", ns):
        if w.find(f"{p}RoleEndDate", ns) is not None:
            continue  # a leaver of the year
        fte = Decimal(w.find(f"{p}FTE", ns).text)
        if w.find(f"{p}AgencyWorker", ns).text == "1":
            agency += fte
        else:
            in_post += fte
    return vacancies, in_post, agency


def test_workforce_kpis_have_their_september_values_from_the_census(returns_run):
    drop, _, out, _ = returns_run
    values = pl.read_csv(out / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String},
                         infer_schema_length=None)
    vacancies, in_post, agency = _census_figures(drop / "csww_2019.xml")
    assert vacancies > 0 and in_post > 0 and agency > 0
    for kpi, numerator in (("KPI16", vacancies), ("KPI17", agency)):
        rows = values.filter((pl.col("kpi_id") == kpi) & (pl.col("area") == "all") & (pl.col("basis") == "snapshot"))
        by_month = {r["period_end"]: r for r in rows.iter_rows(named=True)}
        september = by_month.pop("2019-09-30")
        # KPI16 = vacancy / (vacancy + in post); KPI17 = agency / (agency + in post), summed FTEs of the census
        assert september["numerator"] == pytest.approx(float(numerator))
        assert september["denominator"] == pytest.approx(float(numerator + in_post))
        assert september["value"] == pytest.approx(100 * float(numerator / (numerator + in_post)))
        # the census says nothing about October - March: no value, and the reason why
        assert sorted(by_month) == ["2019-10-31", "2019-11-30", "2019-12-31", "2020-01-31", "2020-02-29",
                                    "2020-03-31"]
        for month, row in by_month.items():
            assert row["denominator"] == 0 and row["value"] is None and row["null_reason"], (kpi, month)


def test_error_report_lists_the_return_findings(returns_run, warehouse):
    _, _, out, _ = returns_run
    report = pl.read_csv(out / "restricted" / "error_report.csv", infer_schema=False)
    findings = report.filter(pl.col("severity").str.starts_with("return "))
    issues = warehouse.execute("SELECT count(*) FROM staged.return_issues i JOIN staged.current_drop USING (drop_id)"
                               ).fetchone()[0]
    assert issues > 0 and findings.height == issues
    assert set(findings["severity"]) <= {"return error", "return warning", "return repair"}
    # what a return does not carry (its adapter's `lacks`) is not a missing column of a delivered file
    assert report.filter(pl.col("rule") == "every contract column is delivered").height == 0
    # findings from the 903 (e.g. a history beginning mid-care) and from the Annex A workbook (e.g. its cover sheet)
    assert {"903", "Annex A"} <= {format_of(f) for f in findings["file"]}


def test_contacts_come_from_annex_a_without_decision_dates(warehouse):
    first, last, n, decided = warehouse.execute(
        "SELECT min(cont_contact_date), max(cont_contact_date), count(*), count(cont_contact_decision_date) "
        "FROM staged.ssd_contacts").fetchone()
    # List 1 holds the contacts of the 6 months to the extract date (after 30 September 2019), none decided
    assert n > 0 and decided == 0
    assert dt.date(2019, 10, 1) <= first and last <= DROP


def test_kpi01_is_not_published_from_contacts_without_decision_dates(returns_run, warehouse):
    # Annex A list 1 carries contacts but no decision dates (the card's depends_on): KPI01 is "no data" with
    # why for every month of the run, the 12 months of history included, never 0%; so no breach either
    _, _, out, _ = returns_run
    values = pl.read_csv(out / "restricted" / "kpi_values.csv", schema_overrides={"area": pl.String},
                         infer_schema_length=None)
    kpi01 = values.filter(pl.col("kpi_id") == "KPI01")
    assert kpi01["period_end"].n_unique() == 7  # September 2019 - March 2020, the backfill's range
    assert set(kpi01["dq_status"]) == {"no data"} and kpi01["value"].null_count() == kpi01.height
    assert kpi01["null_reason"].str.contains("cont_contact_decision_date known for 0 of").all()
    status = pl.read_csv(out / "kpi_status.csv").filter(pl.col("kpi_id") == "KPI01")
    assert set(status["status"]) == {"no data"}
    # and the history the packs read for trends and breaches (the 12 months before March 2020, as now known)
    history = warehouse.execute("SELECT count(DISTINCT period_end), list(DISTINCT status) FROM kpi_status "
                                "WHERE kpi_id = 'KPI01'").fetchone()
    assert history[0] >= 12 and history[1] == ["no data"]
    section = (out / "ocg_pack_2020-03.html").read_text().split('id="kpi01"')[1].split('id="kpi02"')[0]
    assert "Persistent breach" not in section and "Data quality: no data" in section


def test_figures_reading_before_the_returns_are_no_data_and_never_a_breach(returns_run, warehouse):
    # KPI02 (12 months of earlier referrals), KPI06 (an earlier plan ever), KPI07 (care for 30 months), KPI08
    # (placements in the 12 months to the period end) read history before 1 April 2019, where the 903 and
    # the census delivered begin: "no data" for every month of the run and its 12 months of history (KPI07 was
    # flagged a persistent breach from the one year it saw); the figures within the year still publish
    _, _, out, _ = returns_run
    coverage = dict(warehouse.execute("SELECT table_name, covered_from FROM staged.table_coverage "
                                      "JOIN staged.current_drop USING (drop_id)").fetchall())
    for tables, start in ((FROM_903, dt.date(2019, 4, 1)), (FROM_CIN, dt.date(2019, 4, 1)),
                          (FROM_CSWW, CENSUS), (FROM_ANNEX_A, dt.date(2019, 9, 30))):
        for table in tables:
            assert coverage[table] == start, table
    status = pl.read_csv(out / "kpi_status.csv")
    pack = (out / "ocg_pack_2020-03.html").read_text()
    for kpi in ("KPI02", "KPI06", "KPI07", "KPI08"):
        assert set(status.filter(pl.col("kpi_id") == kpi)["status"]) == {"no data"}, kpi
        history = warehouse.execute("SELECT list(DISTINCT status) FROM kpi_status WHERE kpi_id = $k",
                                    {"k": kpi}).fetchone()[0]
        assert history == ["no data"], kpi
        following = f'id="kpi{int(kpi[3:]) + 1:02d}"'
        section = pack.split(f'id="{kpi.lower()}"')[1].split(following)[0]
        assert "Persistent breach" not in section and "Data quality: no data" in section, kpi
    # KPI03 reads only its window: published for the months of 2019/20 (its months before April 2019 are no data)
    kpi03 = {r["period_end"]: r["status"] for r in status.filter(pl.col("kpi_id") == "KPI03").iter_rows(named=True)}
    assert {s for m, s in kpi03.items() if m >= "2019-04-30"} == {"published"}
    assert {s for m, s in kpi03.items() if m < "2019-04-30"} <= {"no data"}


def test_an_annex_a_alone_gives_no_figure_that_reads_before_its_window(annex_a_pair):
    # Annex A lists reach 6 months before the inspection (12 for adoption): KPI02, KPI06, KPI07 and KPI08 read
    # further back on every basis, so no month of a run to the inspection date is a figure
    from pipelines.lib.kpi_cards import card
    from pipelines.lib.no_data import absent_tables, history_reasons, no_data_reasons, table_coverage

    _, con = annex_a_pair["clean"]
    drop_id = con.execute("SELECT drop_id FROM staged.drops").fetchone()[0]
    coverage = table_coverage(con, drop_id)
    assert coverage["ssd_contacts"] == (dt.date(2019, 9, 30), "Ofsted Annex A workbook")
    assert coverage["ssd_permanence"][0] == dt.date(2019, 3, 31)  # List 10: 12 months
    # the month ends April 2019 - March 2020 (the day before each next month's first)
    firsts = [dt.date(2019 + (m > 12), (m - 1) % 12 + 1, 1) for m in range(5, 17)]
    months = [d - dt.timedelta(days=1) for d in firsts]
    absent = absent_tables(con, drop_id)
    for kpi in ("KPI02", "KPI06", "KPI07", "KPI08"):
        c = card(kpi)
        reasons = no_data_reasons(con, c, drop_id, months, absent)
        assert sorted(reasons) == months, kpi
        assert all(any("Ofsted Annex A workbook" in r for r in rs) for rs in reasons.values()), kpi
        for basis in c.bases:
            assert all(history_reasons(c, m, basis, coverage) for m in months), (kpi, basis)


# ---- a messy Annex A on its own ---------------------------------------------------------------------------------


def _stage_alone(folder: Path, state: Path) -> duckdb.DuckDBPyConnection:
    from pipelines.lib.archive import archive_drop, archived_drops
    from pipelines.lib.returns import REGISTRY
    from pipelines.lib.staging import stage_drop

    archive_drop(folder, state / "archive")
    con = duckdb.connect()
    stage_drop(con, archived_drops(state / "archive")[0], KEY, "928", registry=REGISTRY)
    return con


@pytest.fixture(scope="module")
def annex_a_pair(tmp_path_factory):
    """The same Annex A written clean and messy from the same SSD drop, each staged alone (every table it fills)."""
    from scorecard_tools.generator import generate
    from scorecard_tools.generator.returns_annex_a import write_annex_a

    ssd = generate(tmp_path_factory.mktemp("annex-ssd"), seed=SEED, size="small", start=START, end=END,
                   drops=[DROP])[0]
    staged = {}
    for kind in ("clean", "messy"):
        folder = tmp_path_factory.mktemp(f"annex-{kind}") / DROP.isoformat()
        book = write_annex_a(ssd, folder / f"annex_a_{kind}.xlsx", DROP, messy=kind == "messy")
        staged[kind] = (book, _stage_alone(folder, tmp_path_factory.mktemp(f"annex-{kind}-state")))
    return staged


def _text(v):
    """A cell as the adapter reads it: non-breaking spaces are spaces, blank text is no value."""
    return (v.replace("\u00a0", " ").strip() or None) if isinstance(v, str) else v


def _list_rows(book: Path) -> dict[int, dict[int, dict[str, object]]]:
    """List number -> {row below the header (blank rows counted, as the adapter numbers them): header -> value}
    for every non-blank row, read with openpyxl independently of the adapter."""
    import openpyxl

    wb = openpyxl.load_workbook(book, read_only=True, data_only=True)
    out = {}
    try:
        for ws in wb.worksheets:
            if not ws.title.startswith("List "):
                continue
            rows = list(ws.iter_rows(values_only=True))
            header_at = next(i for i, r in enumerate(rows) if sum(c is not None for c in r) >= 3)
            header = [_text(c) for c in rows[header_at]]
            out[int(ws.title.split()[1])] = {
                k: dict(zip(header, (_text(c) for c in r), strict=False))
                for k, r in enumerate(rows[header_at + 1:], start=1) if any(c is not None for c in r)}
    finally:
        wb.close()
    return out


def _as_date(v) -> dt.date | None:
    if isinstance(v, dt.datetime):
        return v.date()
    if isinstance(v, int | float):
        return dt.date(1899, 12, 30) + dt.timedelta(days=int(v))
    if isinstance(v, str):
        d, m, y = v.split("/")
        return dt.date(int(y), int(m), int(d))
    return None


def test_messy_annex_a_loses_no_row(annex_a_pair):
    book, con = annex_a_pair["messy"]
    lists = _list_rows(book)
    assert all(lists[n] for n in ONE_TABLE_LISTS), {n: len(lists[n]) for n in ONE_TABLE_LISTS}
    for number, table in ONE_TABLE_LISTS.items():
        staged = [r for (r,) in con.execute(f"SELECT source_row FROM staged.{table}").fetchall()]  # noqa: S608
        quarantined = [r for (r,) in con.execute("SELECT source_row FROM staged.quarantine WHERE table_name = $t",
                                                 {"t": table}).fetchall()]
        # rows in = rows staged + rows quarantined, each list row exactly once
        assert sorted(staged + quarantined) == sorted(lists[number]), table
    # Lists 3 and 6: a List 6 episode of need adds to the List 3 referral of the same child and date, else it is
    # an episode of its own ("CIN Start Date" is the referral date)
    referrals = {(r["Child ID"], _as_date(r["Date of referral"])) for r in lists[3].values()}
    own = [r for r in lists[6].values() if (r["Child ID"], _as_date(r["CIN Start Date"])) not in referrals]
    episodes = con.execute("SELECT (SELECT count(*) FROM staged.ssd_cin_episodes) + (SELECT count(*) FROM "
                           "staged.quarantine WHERE table_name = 'ssd_cin_episodes')").fetchone()[0]
    assert episodes == len(lists[3]) + len(own)
    # one person row per child named in any list
    children = {r["Child ID"] for number in range(1, 11) for r in lists[number].values()}
    assert con.execute("SELECT count(*) FROM staged.ssd_person").fetchone()[0] == len(children)


def test_messy_annex_a_reports_every_fault(annex_a_pair):
    from pipelines.lib.outputs import error_report

    book, con = annex_a_pair["messy"]
    lists = _list_rows(book)
    # the formula errors written into the ethnicity column (#N/A): each is an error at its list and row
    na = sorted((f"List {n}", k) for n, rows in lists.items() for k, r in rows.items() if r.get("Ethnicity") == "#N/A")
    assert na
    issues = sorted(con.execute("SELECT table_name, source_row FROM staged.return_issues WHERE severity = 'error' "
                                "AND column_name = 'Ethnicity'").fetchall())
    assert issues == na
    rejected = sorted(con.execute("SELECT table_name, source_row FROM staged.rejections WHERE table_name LIKE 'List %'"
                                  ).fetchall())
    assert rejected == na
    report = error_report(con, dt.date(2020, 3, 1), DROP)
    errors = report.filter(pl.col("severity") == "return error")
    assert sorted(zip(errors["table"], errors["row"], strict=True)) == na
    # every other messy cell (dates as text or serial numbers, numeric genders, renamed headers, non-breaking
    # spaces, fractional ages, formulas with cached values, blank rows) is read: staging rejects no cell
    assert con.execute("SELECT count(*) FROM staged.rejections WHERE table_name LIKE 'ssd_%'").fetchone()[0] == 0


def test_messy_annex_a_stages_what_the_clean_one_does(annex_a_pair):
    (_, clean), (_, messy) = annex_a_pair["clean"], annex_a_pair["messy"]
    for table in (*ONE_TABLE_LISTS.values(), "ssd_cin_episodes", "ssd_cla_placement", "ssd_legal_status",
                  "ssd_initial_cp_conference"):
        cols = [c for (c,) in clean.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = 'staged' AND table_name = $t "
            "AND column_name NOT IN ('source_row', 'source_file')", {"t": table}).fetchall()]
        select = f"SELECT {', '.join(cols)} FROM staged.{table}"  # noqa: S608 - names from the catalogue

        def content(con, select=select):
            return sorted(con.execute(select).fetchall(), key=repr)

        assert content(messy) == content(clean), table
    # the children too, but for the ethnicity a #N/A cell hides (each reported above)
    person = "SELECT pers_person_id, pers_sex, pers_dob FROM staged.ssd_person ORDER BY 1"
    assert messy.execute(person).fetchall() == clean.execute(person).fetchall()
