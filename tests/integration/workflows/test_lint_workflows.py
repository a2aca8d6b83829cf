"""`clearance lint workflows` with the real zizmor: each zizmor-backed check fails and passes,
and every YAML file clearance ships is clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from clearance.errors import ExitCode

ROOT = Path(__file__).resolve().parents[3]
SHA = "de0fac2e4500dabe0009e67214ff5f5447ce83dd"  # actions/checkout v6.0.2

SAFE_JOB = f"""\
name: ci
on: push
permissions: {{}}
jobs:
  test:
    name: test
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@{SHA} # v6.0.2
        with:
          persist-credentials: false
      - name: greet
        env:
          TITLE: ${{{{ github.event.head_commit.message }}}}
        run: echo "$TITLE"
"""

ZIZMOR_CASES = [
    ("workflow/unpinned-action", SAFE_JOB.replace(f"@{SHA} # v6.0.2", "@v6")),
    (
        "workflow/persist-credentials",
        SAFE_JOB.replace("        with:\n          persist-credentials: false\n", ""),
    ),
    (
        "workflow/expression-in-run",
        SAFE_JOB.replace(
            'run: echo "$TITLE"', 'run: echo "${{ github.event.head_commit.message }}"'
        ),
    ),
]


def lint(run_cli, root: Path, *args: str) -> tuple[int, list[dict]]:
    r = run_cli("lint", "workflows", "--format", "json", *args, cwd=root)
    assert r.code in (0, 1), r.stderr
    doc = json.loads(r.stdout)
    return r.code, [f for run in doc["runs"] for f in run["findings"] if f["suppression"] is None]


def workflow_repo(tmp_path: Path, text: str) -> Path:
    (tmp_path / ".github/workflows").mkdir(parents=True)
    (tmp_path / ".github/workflows/ci.yml").write_text(text)
    return tmp_path


def test_the_safe_workflow_is_clean(tmp_path: Path, run_cli) -> None:
    code, findings = lint(run_cli, workflow_repo(tmp_path, SAFE_JOB))
    assert (code, findings) == (ExitCode.OK, [])


@pytest.mark.parametrize("rule, text", ZIZMOR_CASES)
def test_zizmor_backed_checks_fail(tmp_path: Path, run_cli, rule: str, text: str) -> None:
    code, findings = lint(run_cli, workflow_repo(tmp_path, text))
    assert code == ExitCode.FAILED
    assert rule in {f["rule_id"] for f in findings}
    (hit,) = [f for f in findings if f["rule_id"] == rule]
    assert hit["location"]["path"] == ".github/workflows/ci.yml"
    assert hit["location"]["start_line"] > 1


def test_zizmor_ignore_comments_and_clearance_ignores_apply(tmp_path: Path, run_cli) -> None:
    text = SAFE_JOB.replace(f"@{SHA} # v6.0.2", "@v6 # zizmor: ignore[unpinned-uses]")
    code, findings = lint(run_cli, workflow_repo(tmp_path, text))
    assert (code, findings) == (ExitCode.OK, [])
    root = tmp_path / "second"
    workflow_repo(root, SAFE_JOB.replace(f"@{SHA} # v6.0.2", "@v6"))
    (root / "clearance.toml").write_text(
        '[workflows]\nignore = [{ id = "unpinned-uses", reason = "internal mirror pins by tag" }]\n'
    )
    code, findings = lint(run_cli, root)
    assert (code, findings) == (ExitCode.OK, [])


def test_invalid_yaml_is_a_notice_not_a_crash(tmp_path: Path, run_cli) -> None:
    root = workflow_repo(tmp_path, "jobs: [unclosed\n")
    r = run_cli("lint", "workflows", cwd=root)
    assert "not valid YAML (line" in r.stdout
    assert "Traceback" not in r.stderr


def test_every_yaml_file_we_ship_is_clean(run_cli) -> None:
    r = run_cli("lint", "workflows", "--root", str(ROOT), "--format", "text", cwd=ROOT)
    assert r.code == ExitCode.OK, r.stdout + r.stderr


def test_our_workflows_and_templates_are_clean_at_the_pedantic_persona(run_cli) -> None:
    shipped = sorted((ROOT / ".github" / "workflows").glob("*.yml")) + sorted(
        (ROOT / "workflows-templates").glob("*.yml")
    )
    names = {p.name for p in shipped}
    assert {"build.yml", "deploy.yml", "ci.yml", "release.yml", "python-service.yml"} <= names
    assert {"python-package.yml", "pull-request-checks.yml"} <= names

    r = run_cli(
        "lint", "workflows", "--persona", "pedantic", "--format", "text",
        *(str(p.relative_to(ROOT)) for p in shipped), cwd=ROOT,
    )  # fmt: skip

    assert r.code == ExitCode.OK, r.stdout + r.stderr
    assert "no findings" in r.stderr + r.stdout
