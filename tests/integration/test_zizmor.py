"""zizmor (pedantic persona, offline) reports nothing on any YAML file we ship.

Shipped: the root action.yml, every action.yml under actions/, the workflows under .github/workflows/ and
workflows-templates/, dependabot's config and .pre-commit-hooks.yaml. A deliberately unsafe
action checks that the audit would catch a real problem.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

ROOT = Path(__file__).resolve().parents[2]
ZIZMOR = Path(sys.executable).parent / "zizmor"


def shipped_yaml() -> list[Path]:
    files = [ROOT / "action.yml", *sorted((ROOT / "actions").glob("*/action.y*ml"))]
    for folder in (ROOT / ".github" / "workflows", ROOT / "workflows-templates"):
        files += sorted(p for p in folder.glob("*.y*ml") if p.is_file())
    files += [
        p
        for p in (ROOT / ".github" / "dependabot.yml", ROOT / ".pre-commit-hooks.yaml")
        if p.is_file()
    ]
    return files


def zizmor(*paths: Path) -> tuple[int, list[dict[str, object]], str]:
    completed = subprocess.run(
        [
            str(ZIZMOR),
            "--offline",
            "--persona",
            "pedantic",
            "--collect",
            "all",
            "--format",
            "json",
            "--no-progress",
            *map(str, paths),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        cwd=ROOT,
    )
    findings = json.loads(completed.stdout or "[]")
    return completed.returncode, findings, completed.stderr


def test_every_shipped_yaml_file_is_clean_at_the_pedantic_persona() -> None:
    files = shipped_yaml()
    assert ROOT / "actions" / "scan-code" / "action.yml" in files
    assert ROOT / "action.yml" in files
    assert ROOT / ".pre-commit-hooks.yaml" in files

    code, findings, stderr = zizmor(*files)

    described = [
        f"{f['ident']}: {f['desc']} @ {f['locations'][0]['symbolic']['key']}" for f in findings
    ]  # type: ignore[index]
    assert findings == [], "\n".join(described)
    assert code == 0, stderr
    for path in files:
        assert f"completed {path.relative_to(ROOT)}" in stderr or f"completed {path}" in stderr


def test_an_expression_inside_run_is_caught(tmp_path: Path) -> None:
    action = tmp_path / "actions" / "unsafe" / "action.yml"
    action.parent.mkdir(parents=True)
    action.write_text(
        "name: unsafe\ndescription: unsafe\ninputs:\n  x:\n    description: x\n"
        "runs:\n  using: composite\n  steps:\n"
        '    - shell: bash\n      run: echo "${{ inputs.x }}"\n'
    )

    code, findings, _ = zizmor(action)

    assert code != 0
    assert "template-injection" in {f["ident"] for f in findings}
