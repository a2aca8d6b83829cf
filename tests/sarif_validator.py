"""The official SARIF validator with GitHub's ingestion rules, for tests.

`tests/run.sh` installs npm `@microsoft/sarif-multitool-linux` and exports its path as
`CLEARANCE_SARIF_MULTITOOL` (and `CLEARANCE_REQUIRE_TOOLS=1`, so a missing tool fails rather
than skips there). The tool exits 0 even when it finds errors: its output log is read instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from pathlib import Path

import pytest


def multitool() -> str:
    path = os.environ.get("CLEARANCE_SARIF_MULTITOOL", "")
    if not path or not Path(path).is_file():
        if os.environ.get("CLEARANCE_REQUIRE_TOOLS") == "1":
            pytest.fail("the SARIF validator is missing (tests/run.sh installs it)")
        pytest.skip("the SARIF validator is not installed: run tests/run.sh")
    return path


def validate(sarif: Path) -> list[dict[str, str]]:
    """Problems the validator reports (rule id, level, message) under rule kinds Gh and Sarif."""
    tool = multitool()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "validation.sarif"
        done = subprocess.run(
            [
                tool,
                "validate",
                str(sarif),
                "--rule-kind",
                "Gh;Sarif",
                "-o",
                str(out),
                "--log",
                "ForceOverwrite",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            env={**os.environ, "DOTNET_SYSTEM_GLOBALIZATION_INVARIANT": "1"},
            check=False,
        )
        if not out.is_file():
            raise AssertionError(f"the SARIF validator did not run: {done.stdout}\n{done.stderr}")
        log = json.loads(out.read_text())
    problems = []
    for run in log.get("runs", []):
        rules = {r["id"]: r for r in run.get("tool", {}).get("driver", {}).get("rules", [])}
        for result in run.get("results", []):
            message = result.get("message", {})
            template = (
                rules.get(result.get("ruleId", ""), {})
                .get("messageStrings", {})
                .get(message.get("id", ""), {})
            )
            text = message.get("text") or template.get("text", "{0}").format(
                *message.get("arguments", [])
            )
            problems.append(
                {
                    "rule": result.get("ruleId", ""),
                    "level": result.get("level", "warning"),
                    "message": text,
                }
            )
    return problems
