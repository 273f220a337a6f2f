"""Seeded, deterministic synthetic children's-services authority, written as monthly extract drops.

    from scorecard_tools.generator import generate
    generate(Path("landing"), seed=1, size="small")

writes ``landing/YYYY-MM-DD/<table>.csv`` for every table of the extract contract
(data/contract/tables.yaml), one folder per month-end drop, each a full-history extract as at its date.
The same arguments always give byte-identical files.

Modules: ``model`` simulates the children and their histories (the true record), ``workforce`` the teams,
workers and allocations, ``corporate`` the non-SSD tables, ``local_feeds`` the figures services supply for
the core data set (one row per local-feed measure card and month or term), ``drops`` cuts and writes each extract
(late entries, corrections, optional faults). Codes and calibration knobs are in ``params``. The statutory
returns written from the same record are ``returns_903`` (SSDA903 CSV), ``returns_cin`` (CIN census XML),
``returns_csww`` (CSWW census XML) and ``returns_annex_a`` (Ofsted Annex A workbook); see ``generate``.
"""

from __future__ import annotations

import datetime as dt
import zlib
from pathlib import Path

import polars as pl

from pipelines.lib.commentary import write_example

from . import corporate, local_feeds
from . import drops as writer
from . import params as P
from .calendar import add_months, add_years, month_end
from .model import Sim
from .workforce import Workforce

__all__ = ["generate", "default_drops", "parse_size"]

# What the Annex A and CSWW writers read (returns_annex_a.TABLES, returns_csww.TABLES; not imported here, as
# they bring in the return adapters, which a generate without returns does not need).
SOURCE_TABLES = frozenset((
    "ssd_person", "ssd_contacts", "ssd_cin_episodes", "ssd_cin_assessments", "ssd_s47_enquiry",
    "ssd_initial_cp_conference", "ssd_cp_plans", "ssd_cla_episodes", "ssd_cla_placement", "ssd_legal_status",
    "ssd_care_leavers", "ssd_permanence", "ssd_professionals", "ssd_involvements", "workforce_establishment",
))

# What a returns-only drop leaves out: every SSD table, the table only the 903 fills, and the workforce
# establishment, which the CSWW census replaces (staged beside it, the CSV would win and the census be ignored).
REPLACED_BY_RETURNS = frozenset(
    name for name in writer.load_contract()
    if name.startswith("ssd_") or name in ("cla_oc2_outcomes", "workforce_establishment")
)


def parse_size(size: str | float) -> float:
    """'default' = 1.0, 'small' = 1/20, or a scale factor such as '0.1'."""
    if isinstance(size, int | float):
        scale = float(size)
    elif size in P.SIZES:
        scale = P.SIZES[size]
    else:
        try:
            scale = float(size)
        except ValueError:
            raise ValueError(f"size must be 'default', 'small' or a number, not {size!r}") from None
    if not 0 < scale <= 20:
        raise ValueError(f"scale factor out of range: {scale}")
    return scale


def default_drops(end: dt.date, n: int = 3) -> list[dt.date]:
    """The last ``n`` month ends on or before ``end``."""
    last = month_end(end.year, end.month)
    if last > end.toordinal():
        last = add_months(month_end(end.year, end.month), -1)
        d = dt.date.fromordinal(last)
        last = month_end(d.year, d.month)
    out = []
    for k in range(n):
        d = dt.date.fromordinal(add_months(last, -k))
        out.append(dt.date.fromordinal(month_end(d.year, d.month)))
    return sorted(out)


def generate(
    out_dir: Path,
    *,
    seed: int = 1,
    size: str = "default",
    start: dt.date = dt.date(2017, 4, 1),
    end: dt.date = dt.date(2025, 3, 31),
    drops: list[dt.date] | None = None,
    dirty: float = 0.0,
    returns: bool = False,
    returns_only: bool = False,
    returns_903: bool | None = None,
) -> list[Path]:
    """Write one folder of CSV files per extract date; returns the folders written (in date order).

    With ``returns`` the drops also hold the statutory returns, each as the authority's system would produce
    it on the drop's extract date, from the same record as the SSD tables (clean: ``dirty`` faults are the
    SSD extract's):

    - a drop dated 31 March: the returns of every collection year completed by then (from 2017/18, and
      within the simulated span): the SSDA903 CSV set (returns_903.py) and one CIN census XML per year
      (returns_cin.py, ``cin_census_2019-20.xml``);
    - every drop: the CSWW census XML of every 30 September from the start of the span up to its date
      (returns_csww.py, ``csww_2019.xml``);
    - every drop dated at a month end: the Ofsted Annex A workbook as at its extract date (returns_annex_a.py,
      ``annex_a_2025-03-31.xlsx``), as an authority keeps it ready for an inspection; at default size one
      workbook takes about 10 s to write (staging does not read it back when the SSD tables cover its tables).

    The SSD files are byte-identical either way; staged beside them, every return gives way (the SSD table
    wins). ``returns_903`` is the flag's former name, kept as an alias.

    With ``returns_only`` every drop holds those returns *instead of* the tables they replace: no ``ssd_*``
    table (an authority sending its returns has no SSD extract; involvements are then simply absent), no
    ``cla_oc2_outcomes``, which only the 903 fills, and no ``workforce_establishment``, which the CSWW census
    replaces (so KPI16/KPI17 have values for 30 September only, one authority-level row a year). Where
    several returns fill one table the first in precedence is staged (pipelines/lib/returns: 903, CIN census,
    CSWW, Annex A), so the Annex A workbook contributes only what no other return carries: ``ssd_contacts``
    (its List 1, the 6 months to the extract date, with no decision dates) and its children in
    ``ssd_person``. The tables no return carries and no case-management extract holds stay: complaints,
    budget monitoring, information-governance incidents, area_lookup and local_feeds. A drop dated before the
    first completed collection year is refused (it would hold no case data at all).
    """
    if returns_903 is not None:
        returns = returns or returns_903
    if not 0.0 <= dirty <= 1.0:
        raise ValueError("dirty must be between 0 and 1")
    scale = parse_size(size)
    drop_dates = sorted(set(drops)) if drops else default_drops(end)
    if not drop_dates:
        raise ValueError("no extract dates")
    if drop_dates[0] < start:
        raise ValueError("extract dates must not precede start")
    if returns_only:
        from .returns_903 import collection_years

        if not collection_years(start, drop_dates[0]):
            raise ValueError(f"returns only: no collection year from {start} is complete by the extract date "
                             f"{drop_dates[0]}, so that drop would hold no case data")
    horizon = max(end.toordinal(), drop_dates[-1].toordinal())
    out_dir = Path(out_dir)

    sim = Sim(int(seed), scale, start.toordinal(), horizon)
    sim.run()
    wf = Workforce(sim)
    wf.build()

    contract = writer.load_contract()
    first_month = corporate.first_month_end(start.toordinal())
    extra: dict[str, list[tuple]] = {
        "ssd_professionals": wf.workers,
        "ssd_department": [(row, 0) for row in wf.department_rows()],
        "workforce_establishment": wf.establishment_rows(first_month),
        "complaints": corporate.complaints(sim, [t[0] for t in wf.teams]),
        "budget_monitoring": corporate.budget(sim, first_month),
        "information_governance_incidents": corporate.ig_incidents(sim),
        "area_lookup": [(row, 0) for row in corporate.area_rows()],
        "local_feeds": local_feeds.rows(sim, first_month),
    }
    _people(sim)

    frames = {}
    for name, spec in contract.items():
        if name in extra:
            rows = [r for r, _ in extra[name]]
            appear = [a for _, a in extra[name]]
            rev: dict = {}
        elif name in sim.t:
            buf = sim.t[name]
            rows, appear, rev = buf.rows, buf.appear, buf.rev
        else:
            rows, appear, rev = [], [], {}
        df = writer.truth_frame(name, spec, rows, appear, rev, wf.alloc_team, wf.alloc_worker)
        if name in sim.t:  # the frame holds the rows now
            sim.t[name] = None
        if dirty > 0 and name != "ssd_care_leavers":
            df = writer.add_faults(df, name, spec, int(seed), dirty)
        frames[name] = df

    written = []
    for dd in drop_dates:
        folder = out_dir / dd.isoformat()
        folder.mkdir(parents=True, exist_ok=True)
        rendered: dict[str, pl.DataFrame] = {}
        for name, spec in contract.items():
            if returns_only and name in REPLACED_BY_RETURNS:
                continue
            df = writer.cut(frames[name], name, spec, dd.toordinal())
            df = writer.render(df, name, spec, int(seed), dirty)
            writer.write(df, folder / f"{name}.csv")
            if dirty == 0 and name in SOURCE_TABLES:
                rendered[name] = df  # clean, so the returns below can read it as it is
        if returns_only or returns:
            _write_returns(folder, frames, contract, rendered, int(seed), start, dd,
                           annex_a=(dd + dt.timedelta(days=1)).day == 1,  # a month end
                           year_end=returns_only or (dd.month, dd.day) == (3, 31))
        written.append(folder)
    write_example(written[-1], drop_dates[-1])  # the commentary template's example rows, for the demo's pack
    return written


def _write_returns(folder: Path, frames: dict[str, pl.DataFrame], contract: dict, rendered: dict[str, pl.DataFrame],
                   seed: int, start: dt.date, drop: dt.date, *, annex_a: bool, year_end: bool) -> None:
    """The statutory returns of one drop (see generate)."""
    from .returns_903 import write_returns
    from .returns_annex_a import write_annex_a
    from .returns_cin import write_census_years
    from .returns_csww import census_dates, write_csww_years

    if year_end:
        write_returns(folder, frames, contract, seed, start, drop)
        write_census_years(folder, frames, contract, start, drop)
    # the clean extract at the drop date: what the authority's system would export the returns from
    tables = {name: rendered[name] if name in rendered else writer.render(
        writer.cut(frames[name], name, contract[name], drop.toordinal()), name, contract[name], 0, 0.0)
        for name in SOURCE_TABLES}
    write_csww_years(tables, folder, census_dates(start, drop))
    if annex_a:
        write_annex_a(tables, folder / f"annex_a_{drop.isoformat()}.xlsx", drop)


def _people(sim: Sim) -> None:
    """ssd_person and ssd_address from the simulated children; the optional ssd_disability and
    ssd_immigration_status (equality breakdowns) too."""
    person = sim.t["ssd_person"]
    address = sim.t["ssd_address"]
    for c in sim.children:
        person.add((c.pid, c.sex, c.eth, c.dob, c.exp_dob, c.death, c.upn), c.first)
        for a in c.addr:
            address.add((c.pid, "HOME", a[0], a[1], a[2]), max(a[0], c.first))
        _disability(sim, c)
        if c.upn == "UN4":  # the UASC route: UASC from arrival until 18 (the end the 903's DUC gives)
            sim.t["ssd_immigration_status"].add((c.pid, "UASC", c.first, add_years(c.dob, 18)), c.first)


def _hash01(text: str) -> float:
    return zlib.crc32(text.encode()) / 4294967296.0


def _disability(sim: Sim, c) -> None:
    """A child's disability codes: recorded at the first N2 referral, or (DISABLED_OTHER of other children, by a
    keyed hash) when the child first appears."""
    base = f"{sim.seed}:disability:{c.pid}"
    when = sim.disability_need.get(c.i)
    if when is None and _hash01(base) >= P.DISABLED_OTHER:
        return
    when = c.first if when is None else when
    codes, weights = zip(*P.DISABILITY_CODES, strict=True)
    picks = [_weighted(codes, weights, _hash01(base + "#1"))]
    if _hash01(base + "#2?") < P.DISABILITY_SECOND:
        picks.append(_weighted(codes, weights, _hash01(base + "#2")))
    for code in dict.fromkeys(picks):
        sim.t["ssd_disability"].add((c.pid, code), when)


def _weighted(items: tuple[str, ...], weights: tuple[int, ...], u: float) -> str:
    acc, total = 0.0, sum(weights)
    for item, w in zip(items, weights, strict=True):
        acc += w / total
        if u < acc:
            return item
    return items[-1]
