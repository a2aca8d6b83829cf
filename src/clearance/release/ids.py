"""Deployment ids: ULIDs (26 characters of Crockford base32: 48-bit milliseconds, 80 random bits).

Lexicographic order follows creation time to the millisecond, which makes ids readable in a
history; ledgers still order records by their own sequence, never by a client's clock.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Callable

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_PATTERN = re.compile(r"[0-7][0-9A-HJKMNP-TV-Z]{25}")
_TIME_BITS = 48
_RANDOM_BYTES = 10


def new_ulid(now: dt.datetime, randbytes: Callable[[int], bytes] = secrets.token_bytes) -> str:
    """A ULID for the instant `now` (timezone-aware)."""
    millis = int(now.timestamp() * 1000)
    if not 0 <= millis < 1 << _TIME_BITS:
        raise ValueError(f"{now.isoformat()} is outside the ULID time range")
    value = (millis << 80) | int.from_bytes(randbytes(_RANDOM_BYTES), "big")
    return "".join(ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def is_ulid(text: str) -> bool:
    return bool(_PATTERN.fullmatch(text))


def ulid_time(text: str) -> dt.datetime:
    """The creation instant encoded in a ULID."""
    if not is_ulid(text):
        raise ValueError(f"{text!r} is not a ULID")
    value = 0
    for char in text[:10]:
        value = value * 32 + ALPHABET.index(char)
    return dt.datetime.fromtimestamp(value / 1000, tz=dt.UTC)
