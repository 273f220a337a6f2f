"""Where the project's own files live (SQL, shipped data, configuration)."""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = PROJECT_ROOT / "sql"
DATA_DIR = PROJECT_ROOT / "data"
CONTRACT_FILE = DATA_DIR / "contract" / "tables.yaml"
REFERENCE_DIR = DATA_DIR / "reference"
CONFIG_DIR = DATA_DIR / "config"
KPI_CARD_DIR = SQL_DIR / "kpis"


def state_dir() -> Path:
    """The git-ignored folder holding the warehouse, archive and Dagster home (SCORECARD_STATE overrides)."""
    return Path(os.environ.get("SCORECARD_STATE", PROJECT_ROOT / "state")).resolve()
