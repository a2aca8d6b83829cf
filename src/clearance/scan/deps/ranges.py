"""OSV affected-range evaluation for PyPI: which versions an advisory covers.

Pure functions over the OSV `affected[].ranges` of one package, following the OSV schema's
evaluation rules: events of an `ECOSYSTEM` range are put in PEP 440 order and walked; an
`introduced` at or below the version opens the range, a `fixed` (or `limit`) at or below it
closes it, a `last_affected` strictly below it closes it. A version is affected when any range
includes it, or when the advisory lists it explicitly in `versions`.

Ties: when a `fixed` and an `introduced` name the same version (a fix that a later range
re-opens, as in pyspark's PYSEC-2022-236), the closing event is applied first, so the version
counts as affected: the later range starts there.

Unparseable bounds fail towards reporting: an `introduced` that is not PEP 440 opens the range
from the start, an unparseable `fixed` or `last_affected` is ignored (the range stays open).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from packaging.version import InvalidVersion, Version

EventKind = Literal["introduced", "fixed", "last_affected", "limit"]
_EVENT_KINDS: tuple[EventKind, ...] = ("introduced", "fixed", "last_affected", "limit")
# At one version: close the previous range before a later range opens.
_TIE_ORDER = {"fixed": 0, "limit": 0, "last_affected": 1, "introduced": 2}
_ZERO = Version("0")


@functools.lru_cache(maxsize=65536)
def parse_version(text: str) -> Version | None:
    """A PEP 440 version, or None when `text` is not one."""
    try:
        return Version(text)
    except InvalidVersion:
        return None


@dataclass(frozen=True)
class Event:
    kind: EventKind
    version: Version | None
    """None: `introduced: "0"`-style start, or an unparseable bound (see the module doc)."""
    text: str


@dataclass(frozen=True)
class Range:
    """One `ECOSYSTEM` range, its events in evaluation order."""

    events: tuple[Event, ...]

    def includes(self, version: Version) -> bool:
        affected = False
        for event in self.events:
            bound = event.version
            if event.kind == "introduced":
                if bound is None or version >= bound:
                    affected = True
            elif bound is None:
                continue
            elif event.kind in ("fixed", "limit"):
                if version >= bound:
                    affected = False
            elif version > bound:  # last_affected
                affected = False
        return affected

    @property
    def fixed_versions(self) -> tuple[str, ...]:
        return tuple(e.text for e in self.events if e.kind == "fixed")


def _sort_key(event: Event) -> tuple[int, Version, int]:
    if event.version is None:
        # An open start sorts first; an unparseable closing bound is inert wherever it sits.
        return (0, _ZERO, _TIE_ORDER[event.kind])
    return (1, event.version, _TIE_ORDER[event.kind])


def parse_range(raw: Mapping[str, Any]) -> Range | None:
    """An `ECOSYSTEM` range ready to evaluate; None for other range types (GIT, SEMVER)."""
    if raw.get("type") != "ECOSYSTEM":
        return None
    events: list[Event] = []
    for item in raw.get("events", ()):
        if not isinstance(item, Mapping):
            continue
        for kind in _EVENT_KINDS:
            if kind in item:
                text = str(item[kind])
                version = None if (kind == "introduced" and text == "0") else parse_version(text)
                events.append(Event(kind=kind, version=version, text=text))
    events.sort(key=_sort_key)
    return Range(events=tuple(events))


@dataclass(frozen=True)
class AffectedPackage:
    """One `affected[]` entry of an advisory, for one PyPI package."""

    name: str
    ranges: tuple[Range, ...]
    versions: frozenset[str]
    """The explicit `versions` list, each normalised when it is PEP 440."""

    def in_ranges(self, version: Version) -> bool:
        return any(r.includes(version) for r in self.ranges)

    def affects(self, version: str) -> bool:
        """Listed explicitly, or inside one of the ranges (unparseable: listed only)."""
        parsed = parse_version(version)
        if _normalise(version, parsed) in self.versions:
            return True
        return parsed is not None and self.in_ranges(parsed)

    def fixed_versions(self) -> list[str]:
        """Every `fixed` bound, in PEP 440 order (unparseable ones last)."""
        texts = {t for r in self.ranges for t in r.fixed_versions}
        return sorted(texts, key=lambda t: (parse_version(t) is None, parse_version(t) or _ZERO, t))


def _normalise(text: str, parsed: Version | None) -> str:
    return str(parsed) if parsed is not None else text


def parse_affected(raw: Mapping[str, Any], name: str) -> AffectedPackage:
    ranges = tuple(r for r in (parse_range(x) for x in raw.get("ranges", ())) if r is not None)
    versions = frozenset(_normalise(str(v), parse_version(str(v))) for v in raw.get("versions", ()))
    return AffectedPackage(name=name, ranges=ranges, versions=versions)


def affected_in(ranges: Sequence[Range], version: str) -> bool:
    """Whether `version` falls in any of `ranges` (no explicit list): the evaluation alone."""
    parsed = parse_version(version)
    return parsed is not None and any(r.includes(parsed) for r in ranges)


def parse_ranges(raw: Iterable[Mapping[str, Any]]) -> tuple[Range, ...]:
    return tuple(r for r in (parse_range(x) for x in raw) if r is not None)
