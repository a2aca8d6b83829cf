"""The secrets scanner's settings from `[tool.clearance.secrets]` (validated by the schema)."""

from __future__ import annotations

from clearance.config import Settings
from clearance.scan.secrets.engine import DEFAULT_MAX_FILE_SIZE, EngineOptions


def secrets_engine_options(settings: Settings) -> EngineOptions:
    section = settings.section("secrets")
    return EngineOptions(
        base64_limit=float(section.get("base64-limit", 4.5)),
        hex_limit=float(section.get("hex-limit", 3.0)),
        disabled=frozenset(str(t).removeprefix("secret/") for t in section.get("disable", ())),
        max_file_size=int(section.get("max-file-size", DEFAULT_MAX_FILE_SIZE)),
    )


def secrets_jobs(settings: Settings) -> int:
    return int(settings.section("secrets").get("jobs", 0))
