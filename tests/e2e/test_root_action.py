"""The root action (`uses: clearance-dev/clearance@v1`, `clearance scan all`) from a consumer
workflow under act: one step finds a committed secret, a vulnerable pinned dependency and an
insecure Python call, and reports them as outputs, one job summary, annotations and one SARIF
file with one run per scanner (checked with GitHub's ingestion rules).

Offline: the dependency audit runs against a local OSV database committed in the consumer
repository (a few PyPA advisories from tests/data/advisories, CC-BY-4.0), served by clearance
on loopback. The secret is in the pushed commit, found through the event's diff (the default
secrets-mode, auto).
"""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, commit_all, git, uses
from tests.events import make_event, push_commit
from tests.sarif_validator import validate

pytestmark = pytest.mark.e2e

ACTION = "clearance-dev/clearance@v1"
ADVISORIES = Path(__file__).parents[1] / "data" / "advisories"
_RANDOM = random.Random(29)
TOKEN = "ghp_" + "".join(_RANDOM.choices(string.ascii_letters + string.digits, k=36))

WORKFLOW = f"""\
name: checks
on: push
permissions: {{}}
jobs:
  scan:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: all
        continue-on-error: true
        uses: {ACTION}
        with:
          advisory-db: advisories
      - id: sarif
        if: always()
        uses: {uses("github/codeql-action", "upload-sarif")}
        with:
          sarif_file: ${{{{ steps.all.outputs.sarif-file }}}}
      - id: some
        uses: {ACTION}
        with:
          scanners: |
            code
            secrets
          fail-on: none
          code-fail-on: critical
          summary: "false"
          sarif-file: some.sarif
"""


def _repo(consumer_repo) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    files = {
        ".github/workflows/checks.yml": WORKFLOW,
        "pyproject.toml": '[project]\nname = "consumer"\nversion = "1"\n'
        'dependencies = ["requests==2.19.0"]\n',
        "app/__init__.py": "",
    }
    for package in ("requests",):
        for path in sorted((ADVISORIES / package).glob("*.json")):
            files[f"advisories/{package}/{path.name}"] = path.read_text(encoding="utf-8")
    repo: Path = consumer_repo(files)
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "app" / "settings.py").write_text(f'GITHUB_TOKEN = "{TOKEN}"\n')
    (repo / "app" / "run.py").write_text(
        "import subprocess\n\n\ndef run(cmd):\n    return subprocess.call(cmd, shell=True)\n"
    )
    commit_all(repo, message="settings and a runner")
    head = git(repo, "rev-parse", "HEAD").strip()
    return repo, base, head


def test_root_action_finds_secrets_deps_and_code_in_one_step(consumer_repo, run_act) -> None:  # type: ignore[no-untyped-def]
    repo, base, head = _repo(consumer_repo)
    payload = make_event(
        "push",
        ref="refs/heads/main",
        before=base,
        after=head,
        forced=False,
        commits=[push_commit(head)],
        repository={"default_branch": "main"},
    )

    result = run_act(".github/workflows/checks.yml", repo=repo, event="push", event_payload=payload)

    steps = result.steps["scan"]
    # Findings at or above the default threshold (low) fail the step, with every output set.
    assert steps["all"] == "failure", result.describe()
    outputs = result.output("scan", "all")
    assert outputs["outcome"] == "fail"
    counts = json.loads(outputs["counts"])
    assert counts["high"] >= 4  # the token, two requests advisories (no CVSS), B602
    assert int(outputs["findings-count"]) == sum(counts.values())
    assert outputs["sarif-file"].endswith("results.sarif")
    assert outputs["sbom-file"].endswith(".cdx.json")
    # Annotations of all three scanners in the one step, most severe as errors.
    errors = result.annotations_of(step="all", level="error")
    titles = {(a.file, (a.title or "").split(" ")[0]) for a in errors}
    assert ("app/settings.py", "secret/github-pat") in titles
    assert ("app/run.py", "B602") in titles
    assert ("pyproject.toml", "PYSEC-2018-28") in titles
    assert len(result.annotations_of(step="all")) <= 3 * 10 + 3  # per-level budget + notices
    # One SARIF file, one run per scanner, accepted by GitHub's rules (stand-in and validator).
    assert steps["sarif"] == "success", result.describe()
    (upload,) = (result.run_dir / "code-scanning").iterdir()
    sarif_path = upload / "results.sarif"
    sarif = json.loads(sarif_path.read_text())
    assert [run["automationDetails"]["id"] for run in sarif["runs"]] == [
        "clearance/secrets/",
        "clearance/deps/",
        "clearance/code/",
    ]
    rules = {
        run["automationDetails"]["id"]: {r["ruleId"] for r in run["results"]}
        for run in sarif["runs"]
    }
    assert rules["clearance/secrets/"] == {"secret/github-pat"}
    assert {"PYSEC-2018-28", "PYSEC-2023-74"} <= rules["clearance/deps/"]
    assert {"B602", "B404"} <= rules["clearance/code/"]
    assert validate(sarif_path) == []
    # One job summary with a row per scanner.
    summary = result.summaries["scan"]
    assert summary.count("## clearance scan") == 1  # the second step has summary: false
    for row in ("| secrets | detect-secrets", "| deps | pip-audit", "| code | bandit"):
        assert row in summary
    # The secret value is nowhere: log, outputs, summary, SARIF.
    for text in (result.text(), summary, json.dumps(result.outputs), sarif_path.read_text()):
        assert TOKEN not in text and TOKEN[4:20] not in text
    # Toggles and thresholds: code and secrets only, code judged at critical: a pass.
    some = result.output("scan", "some")
    assert steps["some"] == "success", result.describe()
    assert some["outcome"] == "pass"
    assert some["sarif-file"].endswith("/some.sarif")
    assert some.get("sbom-file", "") == ""  # no deps scanner, no SBOM
