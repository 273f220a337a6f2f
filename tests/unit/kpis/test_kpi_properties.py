"""Properties every KPI must have, on a small synthetic authority (hypothesis chooses the row orders):
numerator <= denominator for proportions, values independent of input row order, and month counts that sum
to the financial-year-to-date count where the KPI is additive."""

from __future__ import annotations

import shutil
from datetime import date

import duckdb
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipelines.lib import db
from pipelines.lib.contract import contract, ident
from pipelines.lib.kpi_cards import load_cards
from pipelines.lib.kpi_engine import compute_kpis
from pipelines.lib.staging import use_current

FIRST, LAST = date(2019, 4, 30), date(2020, 3, 31)


def _computed(warehouse_path, tmp_path, shuffle_seed: float | None) -> duckdb.DuckDBPyConnection:
    copy = tmp_path / f"w-{shuffle_seed}.duckdb"
    shutil.copyfile(warehouse_path, copy)
    con = duckdb.connect(str(copy))
    use_current(con)
    if shuffle_seed is not None:
        db.run(con, "SELECT setseed($s)", {"s": shuffle_seed})
        for table in contract():
            # A shuffled copy in main shadows the current view (search path main, current).
            db.run(con, f"CREATE TABLE main.{ident(table)} AS SELECT * FROM current.{ident(table)} "
                        "ORDER BY random()")
    compute_kpis(con, FIRST, LAST)
    return con


@pytest.fixture(scope="module")
def baseline(small_warehouse, tmp_path_factory):
    return _computed(small_warehouse, tmp_path_factory.mktemp("base"), None)


def _values(con) -> list[tuple]:
    # rounded: sums of money in another order can differ in the last binary digit
    return db.rows(con, "SELECT kpi_id, period_end, basis, area, team, worker, round(numerator, 6), "
                        "round(denominator, 6), round(value, 6) "
                        "FROM kpi_values ORDER BY ALL")


def test_every_kpi_computed_for_every_month(baseline):
    got = db.rows(baseline, "SELECT kpi_id, count(DISTINCT period_end) FROM kpi_values GROUP BY ALL ORDER BY 1")
    assert got == [(c.id, 12) for c in sorted(load_cards(), key=lambda c: c.id)]


def test_numerator_never_exceeds_denominator(baseline):
    # cards mark ratios that are not proportions of one cohort (stage 2 per stage 1, budget variance)
    proportions = [c.id for c in load_cards() if c.unit == "percent" and c.raw.get("proportion", True)]
    bad = db.rows(baseline, "SELECT kpi_id, period_end, basis, area, numerator, denominator FROM kpi_values "
                            "WHERE list_contains($ids, kpi_id) AND numerator > denominator", {"ids": proportions})
    assert bad == []
    assert db.scalar(baseline, "SELECT count(*) FROM kpi_values WHERE list_contains($ids, kpi_id) "
                               "AND (value < 0 OR value > 100)", {"ids": proportions}) == 0


def test_month_counts_sum_to_fytd_for_additive_kpis(baseline):
    additive = [c.id for c in load_cards() if c.raw.get("additive") and {"month", "fytd"} <= set(c.bases)]
    assert additive, "some KPIs are additive"
    mismatches = db.rows(baseline, """
        WITH m AS (
            SELECT kpi_id, area, sum(numerator) AS n, sum(denominator) AS d
            FROM kpi_values WHERE basis = 'month' AND team IS NULL AND list_contains($ids, kpi_id)
              AND period_end BETWEEN DATE '2019-04-30' AND DATE '2020-03-31'
            GROUP BY ALL)
        SELECT m.kpi_id, m.area, m.n, f.numerator, m.d, f.denominator
        FROM m JOIN kpi_values f ON f.kpi_id = m.kpi_id AND f.area = m.area AND f.team IS NULL
         AND f.basis = 'fytd' AND f.period_end = DATE '2020-03-31'
        WHERE m.n <> f.numerator OR coalesce(m.d, 0) <> coalesce(f.denominator, 0)""", {"ids": additive})
    assert mismatches == []


@settings(max_examples=3, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(seed=st.floats(min_value=-0.99, max_value=0.99))
def test_values_do_not_depend_on_row_order(small_warehouse, baseline, tmp_path_factory, seed):
    shuffled = _computed(small_warehouse, tmp_path_factory.mktemp("shuffled"), seed)
    assert _values(shuffled) == _values(baseline)
