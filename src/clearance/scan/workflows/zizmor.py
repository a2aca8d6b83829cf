"""The zizmor adapter: run zizmor offline on workflow and action files, read its JSON.

zizmor's own configuration (`zizmor.yml`, `.github/zizmor.yml`) and inline
`# zizmor: ignore[...]` comments are honoured, as zizmor honours them.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from clearance.errors import EngineError

ZIZMOR_TIMEOUT_SECONDS = 300
ZIZMOR_URI = "https://docs.zizmor.sh/"


class Persona(StrEnum):
    """zizmor's personas: how much it reports (see its documentation)."""

    REGULAR = "regular"
    PEDANTIC = "pedantic"
    AUDITOR = "auditor"


@dataclass(frozen=True)
class ZizmorFinding:
    ident: str
    description: str
    url: str
    severity: str
    confidence: str
    path: str
    line: int
    end_line: int
    annotation: str


def zizmor_executable() -> str:
    """zizmor next to this interpreter (installed with clearance), else on PATH."""
    beside = Path(sys.executable).parent / "zizmor"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("zizmor")
    if found is None:
        raise EngineError("zizmor is not installed: pip install zizmor (clearance depends on it)")
    return found


def zizmor_version() -> str:
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv
            [zizmor_executable(), "--version"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise EngineError(f"zizmor did not start: {exc}") from exc
    return done.stdout.strip().rsplit(" ", 1)[-1] or "unknown"


def run_zizmor(files: Sequence[Path], root: Path, persona: Persona) -> list[ZizmorFinding]:
    """zizmor's findings on these files (paths relative to `root`)."""
    if not files:
        return []
    argv = [
        zizmor_executable(),
        "--offline",
        "--no-progress",
        "--format",
        "json",
        "--persona",
        persona.value,
        *(str(f) for f in files),
    ]
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GH_", "GITHUB_TOKEN", "ZIZMOR_GITHUB"))
    }
    try:
        done = subprocess.run(  # noqa: S603 - fixed argv, no shell
            argv,
            cwd=root,
            capture_output=True,
            text=True,
            timeout=ZIZMOR_TIMEOUT_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise EngineError(f"zizmor did not finish within {ZIZMOR_TIMEOUT_SECONDS} s") from exc
    except OSError as exc:
        raise EngineError(f"zizmor did not start: {exc}") from exc
    try:
        document: Any = json.loads(done.stdout)
    except ValueError:
        raise EngineError(
            f"zizmor failed (exit {done.returncode}): {_error_line(done.stderr)}"
        ) from None
    if not isinstance(document, list):
        raise EngineError("zizmor's JSON output is not a list of findings")
    return [_finding(item, root) for item in document if not item.get("ignored")]


def _finding(item: dict[str, Any], root: Path) -> ZizmorFinding:
    primary = next(
        (loc for loc in item["locations"] if loc["symbolic"].get("kind") == "Primary"),
        item["locations"][0],
    )
    key = primary["symbolic"]["key"]
    raw_path = key.get("Local", {}).get("verbatim_path", "") if isinstance(key, dict) else str(key)
    path = Path(raw_path)
    if path.is_absolute():
        try:
            raw_path = path.relative_to(root).as_posix()
        except ValueError:
            raw_path = path.as_posix()
    where = primary["concrete"]["location"]
    determinations = item["determinations"]
    return ZizmorFinding(
        ident=item["ident"],
        description=item.get("desc", item["ident"]),
        url=item.get("url", ZIZMOR_URI),
        severity=str(determinations.get("severity", "Medium")),
        confidence=str(determinations.get("confidence", "Medium")),
        path=raw_path,
        line=int(where["start_point"]["row"]) + 1,
        end_line=int(where["end_point"]["row"]) + 1,
        annotation=primary["symbolic"].get("annotation", ""),
    )


def _error_line(stderr: str) -> str:
    """zizmor's own one-line reason (its `error:`/`fatal:` line), not its backtrace."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    for prefix in ("error:", "fatal:"):
        for line in lines:
            if line.startswith(prefix):
                return line
    return lines[0] if lines else "no output"
