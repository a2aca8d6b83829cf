"""The code scanner's settings from `[tool.clearance.code]` and an existing `[tool.bandit]`."""

from __future__ import annotations

from collections.abc import Mapping

from clearance.config import PYPROJECT, Settings
from clearance.findings import Confidence
from clearance.scan.code.bandit import CodeSettings
from clearance.scan.code.cache import default_cache_dir


def code_settings(settings: Settings, env: Mapping[str, str]) -> CodeSettings:
    section = settings.section("code")
    pyproject = settings.root / PYPROJECT
    bandit_config = pyproject if "bandit" in settings.tool_tables and pyproject.is_file() else None
    use_cache = bool(section.get("cache", True))
    return CodeSettings(
        severity=Confidence(section.get("severity", "low")),
        confidence=Confidence(section.get("confidence", "low")),
        tests=tuple(section.get("tests", ())),
        skips=tuple(section.get("skips", ())),
        bandit_config=bandit_config,
        jobs=int(section.get("jobs", 0)),
        cache_dir=default_cache_dir(env) if use_cache else None,
    )
