"""What `generate` writes beside (or instead of) the SSD tables: which statutory returns each drop holds, that the
SSD files do not change, that the returns are reproducible, and the 30 September census dates."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from scorecard_tools.generator import REPLACED_BY_RETURNS, SOURCE_TABLES, generate
from scorecard_tools.generator.returns_csww import census_dates, write_csww, write_csww_years

START, END = dt.date(2019, 4, 1), dt.date(2020, 3, 31)
OCTOBER, MARCH = dt.date(2019, 10, 31), dt.date(2020, 3, 31)


def _gen(root: Path, **kw) -> list[Path]:
    return generate(root, seed=3, size="small", start=START, end=END, drops=[OCTOBER, MARCH], **kw)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def plain(tmp_path_factory) -> list[Path]:
    return _gen(tmp_path_factory.mktemp("plain"))


@pytest.fixture(scope="module")
def with_returns(tmp_path_factory) -> list[Path]:
    return _gen(tmp_path_factory.mktemp("returns"), returns=True)


def test_each_drop_holds_its_returns(with_returns):
    october, march = ({n for n in _files(f) if not n.endswith(".csv") or n.startswith("903_")} for f in with_returns)
    # 31 October 2019: the census of 30 September 2019 and the month end's Annex A (no collection year complete)
    assert october == {"csww_2019.xml", "annex_a_2019-10-31.xlsx"}
    # 31 March 2020: the 2019/20 903 set and CIN census, the same workforce census, the month end's Annex A
    assert {"csww_2019.xml", "cin_census_2019-20.xml", "annex_a_2020-03-31.xlsx", "903_episodes_2019-20.csv",
            "903_header_2019-20.csv"} <= march
    assert not [n for n in march if n.startswith("annex_a_") and n != "annex_a_2020-03-31.xlsx"]


def test_ssd_files_are_the_same_with_returns(plain, with_returns):
    for a, b in zip(plain, with_returns, strict=True):
        ssd = _files(a)
        beside = {n: v for n, v in _files(b).items() if n in ssd}
        assert beside == ssd
        assert all(n.endswith(".csv") and not n.startswith("903_") for n in ssd)


def test_returns_are_reproducible(with_returns, tmp_path):
    again = _gen(tmp_path, returns=True)
    for a, b in zip(with_returns, again, strict=True):
        assert _files(a) == _files(b)  # the Annex A workbook too: dated by the inspection, not the clock


def test_returns_only_drops_leave_out_what_the_returns_replace(tmp_path):
    drop = generate(tmp_path, seed=3, size="small", start=START, end=END, drops=[MARCH], returns_only=True)[0]
    names = set(_files(drop))
    assert not names & {f"{t}.csv" for t in REPLACED_BY_RETURNS}
    assert "workforce_establishment" in REPLACED_BY_RETURNS and "cla_oc2_outcomes" in REPLACED_BY_RETURNS
    assert {"complaints.csv", "budget_monitoring.csv", "csww_2019.xml", "annex_a_2020-03-31.xlsx"} <= names


def test_source_tables_are_what_the_writers_read():
    from scorecard_tools.generator.returns_annex_a import TABLES as ANNEX_A
    from scorecard_tools.generator.returns_csww import TABLES as CSWW

    assert SOURCE_TABLES == set(ANNEX_A) | set(CSWW)


@pytest.mark.parametrize(("start", "drop", "expected"), [
    # the drop's own 30 September counts; the day before it does not
    (dt.date(2017, 4, 1), dt.date(2017, 9, 30), [dt.date(2017, 9, 30)]),
    (dt.date(2017, 4, 1), dt.date(2017, 9, 29), []),
    # a span starting on 30 September holds that day; one starting the day after waits for the next year
    (dt.date(2017, 9, 30), dt.date(2018, 3, 31), [dt.date(2017, 9, 30)]),
    (dt.date(2017, 10, 1), dt.date(2019, 3, 31), [dt.date(2018, 9, 30)]),
    # April 2017 - March 2025 (the demo): 2017 ... 2024, eight censuses
    (dt.date(2017, 4, 1), dt.date(2025, 3, 31), [dt.date(y, 9, 30) for y in range(2017, 2025)]),
])
def test_census_dates(start, drop, expected):
    assert census_dates(start, drop) == expected


def test_census_years_equal_single_censuses(with_returns, tmp_path):
    march = with_returns[1]
    # two reference dates the span covers (the writer takes any date; the drops use 30 September)
    refs = [dt.date(2019, 9, 30), dt.date(2020, 3, 31)]
    together = write_csww_years(march, tmp_path / "together", refs)
    alone = [write_csww(march, tmp_path / "alone", ref) for ref in refs]
    assert [p.name for p in together] == [p.name for p in alone] == ["csww_2019.xml", "csww_2020.xml"]
    assert [p.read_bytes() for p in together] == [p.read_bytes() for p in alone]
    # the generator's census (from its frames) is the one written from the drop's CSV files
    assert together[0].read_bytes() == (march / "csww_2019.xml").read_bytes()
