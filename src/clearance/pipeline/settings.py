"""The local conveyor's settings: `[tool.clearance.run]`, then the command line."""

from __future__ import annotations

from dataclasses import dataclass

from clearance.config import Settings

SECTION = "run"
DEFAULT_ENVIRONMENT = "dev"
DEFAULT_ARTIFACTS = ("dist/*",)
DEFAULT_BUILD_TIMEOUT_SECONDS = 900


@dataclass(frozen=True)
class RunSettings:
    build: str | None = None
    """The build command (None: the default build of a Python project)."""
    artifacts: tuple[str, ...] = DEFAULT_ARTIFACTS
    build_timeout: float = DEFAULT_BUILD_TIMEOUT_SECONDS
    environment: str = DEFAULT_ENVIRONMENT
    key: str | None = None
    """A PEM private key (path, or env://NAME); None: signing is skipped."""
    public_key: str | None = None


def run_settings(settings: Settings) -> RunSettings:
    """`[tool.clearance.run]` (validated by the schema); paths stay relative to the root."""
    section = settings.section(SECTION)
    build = section.get("build")
    return RunSettings(
        build=str(build) if build is not None else None,
        artifacts=tuple(section.get("artifacts", DEFAULT_ARTIFACTS)),
        build_timeout=float(section.get("build-timeout", DEFAULT_BUILD_TIMEOUT_SECONDS)),
        environment=str(section.get("environment", DEFAULT_ENVIRONMENT)),
        key=section.get("key"),
        public_key=section.get("public-key"),
    )
