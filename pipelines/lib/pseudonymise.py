"""Keyed pseudonymisation of person identifiers (HMAC-SHA256).

The key lives outside the repository and every output: by default in ~/.config/childrens-scorecard/
(SCORECARD_KEY_FILE overrides). Creating one is an explicit, announced step (`scorecard key create`): a key
made silently would change every pseudonym with no word. The warehouse stores the key's fingerprint and a
run under another key is refused, since its pseudonyms would not link to earlier drops.
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


KEY_KEEPING = ("keep it, and a copy somewhere safe, outside the repository and every output: the same key is "
               "needed every month to keep pseudonyms linking over time")
FINGERPRINT_LABEL = b"childrens-scorecard key fingerprint v1"


class PseudonymKeyError(ValueError):
    """A pseudonymisation key that is missing, unreadable or not the warehouse's: the message says what to do."""


def create_key(path: Path | None = None) -> Path:
    """Write a new random key (mode 0600); never replaces an existing one."""
    path = path or key_file()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
    except FileExistsError:
        raise PseudonymKeyError(f"a pseudonymisation key already exists at {path}; it was left unchanged (a new key "
                        "would change every pseudonym)") from None
    with os.fdopen(fd, "w") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return path


def load_key(path: Path | None = None) -> bytes:
    """The pseudonymisation key; a missing key file is refused, never created here."""
    path = path or key_file()
    if not path.exists():
        raise PseudonymKeyError(f"no pseudonymisation key at {path}: create one with `scorecard key create` (or point "
                        f"SCORECARD_KEY_FILE at the authority's key); {KEY_KEEPING}")
    text = path.read_text().strip()
    if len(text) < 32:
        raise PseudonymKeyError(f"pseudonymisation key {path} is too short (expected 64 hex characters)")
    return bytes.fromhex(text) if all(c in "0123456789abcdefABCDEF" for c in text) else text.encode()


def fingerprint(key: bytes) -> str:
    """Names a key without revealing it: the HMAC of a fixed label under the key (one-way), 16 hex digits."""
    return hmac.new(key, FINGERPRINT_LABEL, hashlib.sha256).hexdigest()[:16]


def pseudonym(key: bytes, identifier: str) -> str:
    digest = hmac.new(key, identifier.encode("utf-8"), hashlib.sha256).hexdigest()
    return PSEUDONYM_PREFIX + digest[:PSEUDONYM_HEX]


def pseudonymise(expr: pl.Expr, key: bytes) -> pl.Expr:
    """Replace each (already normalised) identifier by its pseudonym; nulls stay null."""
    return expr.map_elements(lambda v: pseudonym(key, v), return_dtype=pl.String(), skip_nulls=True)
