"""The default conveyor: every stage clearance has, in order, from the settings."""

from __future__ import annotations

import datetime as dt
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from clearance.config import Settings
from clearance.pipeline.build import BuildStage
from clearance.pipeline.release import DeployStage, DigestStage, MetadataStage, SignStage
from clearance.pipeline.scans import scan_stages
from clearance.pipeline.settings import RunSettings
from clearance.pipeline.stages import Stage

WORK_DIR = Path(".clearance") / "run"


def default_stages(
    settings: Settings,
    run: RunSettings,
    *,
    env: Mapping[str, str],
    cwd: Path,
    now: Callable[[], dt.datetime],
    on_secret: Callable[[str], None],
    osv_url: str | None = None,
    python: str = sys.executable,
) -> Sequence[Stage]:
    """scan secrets · scan deps · scan code → build → digest → metadata → sign → deploy."""
    return [
        *scan_stages(settings, env, cwd, on_secret=on_secret, osv_url=osv_url),
        BuildStage(run, env, python),
        DigestStage(),
        MetadataStage(env, now, run.environment),
        SignStage(run.key, run.public_key, env),
        DeployStage(run.environment, now),
    ]
