"""`actions/scan-code` from a consumer workflow, referenced as users reference it, under act.

One run covers: a scan that finds a planted problem (outputs, summary, annotations, the config's
exclude honoured), the SARIF it writes accepted by the upload-sarif stand-in (validated with
GitHub's ingestion rules), a second step of the same job failing on `fail-on: high` while reusing
the environment of the first, and a clean path passing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, uses

pytestmark = pytest.mark.e2e

ACTION = "clearance-dev/clearance/actions/scan-code@v1"

WORKFLOW = f"""\
name: scan
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
      - id: code
        uses: {ACTION}
        with:
          fail-on: none
      - id: sarif
        uses: {uses("github/codeql-action", "upload-sarif")}
        with:
          sarif_file: ${{{{ steps.code.outputs.sarif-file }}}}
          category: clearance-code
      - id: strict
        continue-on-error: true
        uses: {ACTION}
        with:
          paths: pkg
          fail-on: high
          summary: "false"
      - id: clean
        uses: {ACTION}
        with:
          paths: |
            clean
          sarif-file: clean.sarif
"""

FILES = {
    ".github/workflows/scan.yml": WORKFLOW,
    "pyproject.toml": '[project]\nname = "consumer"\nversion = "1"\n\n'
    '[tool.clearance]\nexclude = ["vendored/**"]\n',
    "pkg/__init__.py": "",
    "pkg/bad.py": "import subprocess\n\n\ndef run(cmd):\n"
    "    return subprocess.call(cmd, shell=True)\n",
    "vendored/old.py": "import pickle\n\n\ndef load(data):\n    return pickle.loads(data)\n",
    "clean/ok.py": "def add(a, b):\n    return a + b\n",
}


def test_scan_code_action_reports_through_outputs_summary_and_annotations(
    consumer_repo, run_act
) -> None:
    repo: Path = consumer_repo(FILES)

    result = run_act(".github/workflows/scan.yml", repo=repo)

    steps = result.steps["scan"]
    assert steps["code"] == "success", result.describe()
    # Outputs come from the CLI through the composite action.
    code = result.output("scan", "code")
    assert code["outcome"] == "pass"
    assert code["findings-count"] == "2"
    assert json.loads(code["counts"]) == {
        "critical": 0,
        "high": 1,
        "medium": 0,
        "low": 1,
        "info": 0,
    }
    assert code["sarif-file"].endswith(".sarif")
    # Annotations point at the finding, most severe as an error; the excluded file is absent.
    errors = result.annotations_of(step="code", level="error")
    assert [(a.file, a.line) for a in errors] == [("pkg/bad.py", 5)]
    assert errors[0].title is not None and "B602" in errors[0].title
    assert [a.file for a in result.annotations_of(step="code", level="notice")] == ["pkg/bad.py"]
    assert not [a for a in result.annotations if a.file and a.file.startswith("vendored/")]
    # The SARIF file is accepted as GitHub code scanning would accept it.
    assert steps["sarif"] == "success", result.describe()
    (upload,) = (result.run_dir / "code-scanning").iterdir()
    uploaded = json.loads((upload / "results.sarif").read_text())
    assert {r["ruleId"] for run in uploaded["runs"] for r in run["results"]} == {"B602", "B404"}
    assert result.output("scan", "sarif")["sarif-id"] == upload.name
    # A stricter step of the same job fails, reusing the environment built by the first.
    assert steps["strict"] == "failure"
    assert result.output("scan", "strict")["outcome"] == "fail"
    assert "reusing the environment set up earlier in this job" in result.text()
    # A clean path passes, with no annotation and the SARIF file where it was asked for.
    clean = result.output("scan", "clean")
    assert (clean["outcome"], clean["findings-count"]) == ("pass", "0")
    assert clean["sarif-file"].endswith("/clean.sarif")
    assert not result.annotations_of(step="clean")
    # The job summary: the first scan's findings and the clean one (summary: false is silent).
    summary = result.summaries["scan"]
    assert summary.count("clearance") >= 2
    assert "B602" in summary
    assert "vendored/old.py" not in summary
    assert result.jobs["scan"] == "success"
