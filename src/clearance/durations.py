"""Durations written by people: `"30m"`, `"1h30m"`, `"2d"`, `"45s"`.

Used by configuration keys such as `min-soak`; parsed strictly (a unit on every number), so
`"30"` is an error rather than thirty seconds or thirty minutes.
"""

from __future__ import annotations

import datetime as dt
import re

_UNITS = {"w": 604800, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"(\d+)([wdhms])")
_WHOLE = re.compile(r"(?:\d+[wdhms])+")


def parse_duration(text: str) -> dt.timedelta:
    """`"1h30m"` → 90 minutes. Raises ValueError with a readable message."""
    compact = text.strip().lower().replace(" ", "")
    if not compact or not _WHOLE.fullmatch(compact):
        raise ValueError(f"{text!r} is not a duration (examples: 45s, 30m, 1h30m, 2d)")
    seconds = sum(int(n) * _UNITS[unit] for n, unit in _PART.findall(compact))
    return dt.timedelta(seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    """The shortest exact spelling: 5400 s → `"1h30m"`; zero → `"0s"`."""
    seconds = int(delta.total_seconds())
    if seconds <= 0:
        return "0s"
    parts = []
    for unit, size in _UNITS.items():
        if unit == "w":
            continue
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)
