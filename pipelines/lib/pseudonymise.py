"""Keyed pseudonymisation of person identifiers (HMAC-SHA256).

The key lives outside the repository and every output: by default in ~/.config/childrens-scorecard/
(SCORECARD_KEY_FILE overrides). The demo creates a random key on first use; an authority running this for
real should create and guard its own, since the same key is needed to keep pseudonyms stable over time.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

import polars as pl

PSEUDONYM_PREFIX = "X"
PSEUDONYM_HEX = 20  # 80 bits: no collisions expected among any authority's people


def key_file() -> Path:
    default = Path.home() / ".config" / "childrens-scorecard" / "pseudonymisation.key"
    return Path(os.environ.get("SCORECARD_KEY_FILE", default)).expanduser()


def load_or_create_key(path: Path | None = None) -> bytes:
    path = path or key_file()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32) + "\n")
    text = path.read_text().strip()
    if len(text) < 32:
        raise ValueError(f"pseudonymisation key {path} is too short (expected 64 hex characters)")
    return bytes.fromhex(text) if all(c in "0123456789abcdefABCDEF" for c in text) else text.encode()


def pseudonym(key: bytes, identifier: str) -> str:
    digest = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX]


def pseudonymise(expr: pl.Expr, key: bytes) -> pl.Expr:
    """Replace each (already normalised) identifier by its pseudonym; nulls stay null."""
    return expr.map_elements(lambda v: pseudonym(key, v), return_dtype=pl.String(), skip_nulls=True)
