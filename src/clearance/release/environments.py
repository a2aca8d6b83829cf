"""Per-environment policy: `[tool.clearance.environments.<name>]`.

```toml
[tool.clearance.environments.production]
after = "staging"            # digests reach production from staging only
min-soak = "30m"             # ... after succeeding there at least this long
require = ["scan"]           # evidence: scan, scan:<scanner>, signature, provenance, sbom
gates = []                   # further gates by name (slo, canary: when installed)
production = true            # GitHub's production_environment (default: name is production/prod)
url = "https://example.com"  # environment_url written with each status
freeze = [
  { start = "fri 16:00", end = "mon 08:00", timezone = "Europe/Paris", reason = "weekend" },
  { start = 2024-12-20T00:00:00Z, end = 2025-01-02T00:00:00Z, reason = "year end" },
]
```

A per-target environment (`production/eu-west-1`) uses its own table when there is one, else
the table of the name before the first `/` (`production`).
"""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.config import Settings
from clearance.durations import parse_duration
from clearance.errors import ConfigError
from clearance.release.records import format_time, parse_time

SECTION = "environments"
_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEKLY = re.compile(r"(mon|tue|wed|thu|fri|sat|sun)\s+([01]\d|2[0-3]):([0-5]\d)")
_WEEK_MINUTES = 7 * 24 * 60
PRODUCTION_NAMES = frozenset({"production", "prod"})


@dataclass(frozen=True)
class OnceWindow:
    """A freeze between two instants."""

    reason: str
    start: dt.datetime
    end: dt.datetime

    def open_until(self, now: dt.datetime) -> dt.datetime | None:
        """When the window closes if it is open at `now`, else None."""
        return self.end if self.start <= now < self.end else None

    def describe(self) -> str:
        return f"{format_time(self.start)} to {format_time(self.end)}"


@dataclass(frozen=True)
class WeeklyWindow:
    """A freeze every week, from `start` to `end` minutes after Monday 00:00 in `timezone`
    (an end before the start wraps into the next week: fri 16:00 to mon 08:00)."""

    reason: str
    start: int
    end: int
    timezone: str = "UTC"

    def open_until(self, now: dt.datetime) -> dt.datetime | None:
        local = now.astimezone(zoneinfo.ZoneInfo(self.timezone))
        minute = local.weekday() * 1440 + local.hour * 60 + local.minute
        start, end = self.start, self.end
        inside = start <= minute < end if start <= end else (minute >= start or minute < end)
        if not inside:
            return None
        remaining = (end - minute) % _WEEK_MINUTES
        closes = local.replace(second=0, microsecond=0) + dt.timedelta(minutes=remaining)
        return closes.astimezone(dt.UTC)

    def describe(self) -> str:
        def spell(minutes: int) -> str:
            day, rest = divmod(minutes, 1440)
            return f"{_DAYS[day]} {rest // 60:02d}:{rest % 60:02d}"

        return f"every {spell(self.start)} to {spell(self.end)} {self.timezone}"


FreezeWindow = OnceWindow | WeeklyWindow


@dataclass(frozen=True)
class EnvironmentPolicy:
    """What an environment demands of a digest before it is deployed there."""

    name: str
    after: str | None = None
    min_soak: dt.timedelta | None = None
    require: tuple[str, ...] = ()
    gates: tuple[str, ...] = ()
    freeze: tuple[FreezeWindow, ...] = ()
    production: bool = False
    url: str | None = None
    configured: bool = False


def _weekly(text: str, key: str, where: str) -> int:
    match = _WEEKLY.fullmatch(text.strip().lower())
    if match is None:
        raise ConfigError(f"{where}: {key} = {text!r}: expected a day and time such as 'fri 16:00'")
    day, hour, minute = match.groups()
    return _DAYS.index(day) * 1440 + int(hour) * 60 + int(minute)


def _window(item: Mapping[str, Any], where: str) -> FreezeWindow:
    reason = str(item.get("reason") or "freeze")
    start, end = str(item["start"]), str(item["end"])
    if _WEEKLY.fullmatch(start.strip().lower()) or _WEEKLY.fullmatch(end.strip().lower()):
        timezone = str(item.get("timezone", "UTC"))
        try:
            zoneinfo.ZoneInfo(timezone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ConfigError(f"{where}: unknown timezone {timezone!r}") from None
        return WeeklyWindow(
            reason=reason,
            start=_weekly(start, "start", where),
            end=_weekly(end, "end", where),
            timezone=timezone,
        )
    try:
        begins, ends = parse_time(start), parse_time(end)
    except ValueError as exc:
        raise ConfigError(
            f"{where}: start/end must both be 'day HH:MM' or both RFC 3339 times with a zone: {exc}"
        ) from exc
    if ends <= begins:
        raise ConfigError(f"{where}: end {end} is not after start {start}")
    return OnceWindow(reason=reason, start=begins, end=ends)


def policy_for(settings: Settings, environment: str) -> EnvironmentPolicy:
    """The policy of `environment` (its own table, else its base name's, else defaults)."""
    tables = settings.section(SECTION)
    base = environment.split("/", 1)[0]
    key = environment if environment in tables else base if base in tables else None
    production_default = base.lower() in PRODUCTION_NAMES
    if key is None:
        return EnvironmentPolicy(name=environment, production=production_default)
    table: Mapping[str, Any] = tables[key]
    where = f"{settings.where}: environments.{key}"
    min_soak = None
    if "min-soak" in table:
        try:
            min_soak = parse_duration(str(table["min-soak"]))
        except ValueError as exc:
            raise ConfigError(f"{where}.min-soak: {exc}") from exc
    windows = tuple(
        _window(item, f"{where}.freeze[{index}]")
        for index, item in enumerate(table.get("freeze", ()))
    )
    return EnvironmentPolicy(
        name=environment,
        after=table.get("after"),
        min_soak=min_soak,
        require=tuple(dict.fromkeys(table.get("require", ()))),
        gates=tuple(dict.fromkeys(table.get("gates", ()))),
        freeze=windows,
        production=bool(table.get("production", production_default)),
        url=table.get("url"),
        configured=True,
    )
