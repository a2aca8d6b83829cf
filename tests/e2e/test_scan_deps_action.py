"""`actions/scan-deps` from a consumer workflow, referenced as users reference it, under act.

Offline: the consumer repository carries a local OSV database (a few PyPA advisories from
tests/data/advisories, CC-BY-4.0), which clearance serves to pip-audit on loopback. One run
covers: findings as outputs, annotations on the pinning lines, the summary, the SARIF accepted
by the upload-sarif stand-in, the SBOM, a stricter step failing, and a manifest with a
dependency pip-audit cannot audit failing closed.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, uses

pytestmark = pytest.mark.e2e

ACTION = "clearance-dev/clearance/actions/scan-deps@v1"
ADVISORIES = Path(__file__).parents[1] / "data" / "advisories"

WORKFLOW = f"""\
name: deps
on: push
permissions: {{}}
jobs:
  audit:
    runs-on: ubuntu-latest
    permissions:
      contents: read
      security-events: write
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: deps
        uses: {ACTION}
        with:
          manifests: requirements.txt
          advisory-db: advisories
          fail-on: none
      - id: sarif
        uses: {uses("github/codeql-action", "upload-sarif")}
        with:
          sarif_file: ${{{{ steps.deps.outputs.sarif-file }}}}
          category: clearance-deps
      - id: sbom
        shell: bash
        env:
          SBOM: ${{{{ steps.deps.outputs.sbom-file }}}}
        run: python3 -c 'import json, os; print("components", len(json.load(open(os.environ["SBOM"]))["components"]))'
      - id: strict
        continue-on-error: true
        uses: {ACTION}
        with:
          advisory-db: advisories
          fail-on: high
          only-fixable: "true"
          summary: "false"
      - id: bundled
        uses: {ACTION}
        with:
          manifests: requirements.txt
          advisory-db: bundled
          fail-on: none
      - id: unaudited
        continue-on-error: true
        uses: {ACTION}
        with:
          manifests: |
            tools/requirements.txt
          advisory-db: advisories
          summary: "false"
"""

REQUIREMENTS = "# service dependencies\nrequests==2.19.0\nflask==2.3.2\njinja2==2.10\n"


def files() -> dict[str, str]:
    found = {
        ".github/workflows/deps.yml": WORKFLOW,
        "requirements.txt": REQUIREMENTS,
        "tools/requirements.txt": "idna==3.7\n./vendored/helper\n",
        "pyproject.toml": '[tool.clearance.deps]\nexclude = ["tools/**"]\n',
    }
    for package in ("requests", "flask", "jinja2", "idna"):
        for path in sorted((ADVISORIES / package).glob("*.json")):
            found[f"advisories/{package}/{path.name}"] = path.read_text(encoding="utf-8")
    return found


def test_scan_deps_action_audits_offline_and_fails_closed(consumer_repo, run_act) -> None:
    repo: Path = consumer_repo(files())

    result = run_act(".github/workflows/deps.yml", repo=repo)

    steps = result.steps["audit"]
    assert steps["deps"] == "success", result.describe()
    deps = result.output("audit", "deps")
    assert (deps["outcome"], deps["findings-count"]) == ("pass", "4")
    assert json.loads(deps["counts"])["high"] == 4  # no CVSS vectors: unknown counts as high
    assert deps["sarif-file"].endswith("results.sarif") and deps["sbom-file"].endswith(".cdx.json")
    # Annotations sit on the lines that pin the packages.
    errors = result.annotations_of(step="deps", level="error")
    assert sorted((a.file, a.line) for a in errors) == [
        ("requirements.txt", 2),
        ("requirements.txt", 2),
        ("requirements.txt", 4),
        ("requirements.txt", 4),
    ]
    assert any("PYSEC-2018-28" in (a.title or "") + a.message for a in errors)
    # The SARIF is accepted as code scanning would accept it, and the SBOM lists the pins.
    assert steps["sarif"] == "success", result.describe()
    (upload,) = (result.run_dir / "code-scanning").iterdir()
    uploaded = json.loads((upload / "results.sarif").read_text())
    assert {r["ruleId"] for run in uploaded["runs"] for r in run["results"]} == {
        "PYSEC-2018-28",
        "PYSEC-2023-74",
        "PYSEC-2019-217",
        "PYSEC-2021-66",
    }
    assert steps["sbom"] == "success" and "components 3" in result.text()
    # Every manifest of the repository (tools/ excluded by the config) under fail-on: high.
    assert steps["strict"] == "failure"
    assert result.output("audit", "strict")["outcome"] == "fail"
    # The snapshot shipped inside the installed package answers too, and says how old it is.
    assert steps["bundled"] == "success", result.describe()
    assert int(result.output("audit", "bundled")["findings-count"]) >= 4
    assert "dated 2024-10-10" in result.summaries["audit"]
    assert "PyPA advisory database" in result.summaries["audit"]
    # A dependency pip-audit cannot audit fails the step, with the reason in the log.
    assert steps["unaudited"] == "failure"
    assert "./vendored/helper (tools/requirements.txt) could not be audited" in result.text()
    summary = result.summaries["audit"]
    assert "PYSEC-2018-28" in summary and "local database advisories" in summary
