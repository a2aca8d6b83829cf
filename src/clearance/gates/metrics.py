"""Where gates get their numbers: the `MetricsSource` protocol, and PromQL's time vocabulary.

A source answers instant queries (one number, or None when the query matched nothing) and
range queries (one series of points). `prometheus.py` is the backend; tests may pass any
object of this shape.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from string import Template
from typing import Protocol

from clearance.errors import UsageError

Point = tuple[float, float]
"""(unix seconds, value)."""


class MetricsSource(Protocol):
    def instant(self, query: str, at: dt.datetime) -> float | None:
        """The query's single value at `at`; None when it matched no series."""
        ...

    def range(
        self, query: str, start: dt.datetime, end: dt.datetime, step: dt.timedelta
    ) -> Sequence[Point]:
        """The query's single series over [start, end] every `step`; empty when no series."""
        ...


_UNITS = {"y": 365 * 86400, "w": 7 * 86400, "d": 86400, "h": 3600, "m": 60, "s": 1}
_PART = re.compile(r"([0-9]+)(y|w|d|h|m|s)")
_WHOLE = re.compile(r"(?:[0-9]+(?:y|w|d|h|m|s))+")
DURATION_EXAMPLES = "examples: 30s, 5m, 1h, 6h, 1h30m, 30d"


def parse_duration(text: str) -> dt.timedelta:
    """A PromQL duration (`5m`, `1h30m`, `30d`; units y w d h m s) as a timedelta.

    Raises ValueError with a readable message; zero is not a duration.
    """
    compact = text.strip()
    if not _WHOLE.fullmatch(compact):
        raise ValueError(f"{text!r} is not a duration ({DURATION_EXAMPLES})")
    seconds = sum(int(count) * _UNITS[unit] for count, unit in _PART.findall(compact))
    if seconds <= 0:
        raise ValueError(f"{text!r} is not a positive duration ({DURATION_EXAMPLES})")
    return dt.timedelta(seconds=seconds)


def format_duration(delta: dt.timedelta) -> str:
    """The PromQL spelling of a whole number of seconds: 5400 s → `1h30m`, 30 days → `30d`."""
    seconds = int(delta.total_seconds())
    if seconds <= 0 or seconds != delta.total_seconds():
        raise ValueError(f"{delta} is not a positive whole number of seconds")
    parts = []
    for unit, size in _UNITS.items():
        if unit in ("y", "w"):
            continue
        count, seconds = divmod(seconds, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts)


PLACEHOLDERS = ("window", "step", "environment", "scope")
_PLACEHOLDER = re.compile(r"\$(?:\{(\w+)\}|(\w+))")
_OPTIONS = {"environment": "--environment", "scope": "canary-scope and baseline-scope"}


def render_query(template: str, variables: Mapping[str, str], *, final: bool = True) -> str:
    """Fill `$window`, `$step`, `$environment` and `$scope` (or `${name}`) in a query.

    Other `$` text is left alone: PromQL has no `$` of its own, but a regular expression may
    (`=~"api$"`). With `final`, a placeholder of ours left unfilled is a usage error.
    """
    filled = Template(template).safe_substitute(variables)
    if final:
        for match in _PLACEHOLDER.finditer(filled):
            name = match.group(1) or match.group(2)
            if name in PLACEHOLDERS:
                raise UsageError(
                    f"a query uses ${name} but no value was given for it "
                    f"({_OPTIONS.get(name, name)})"
                )
    return filled
