"""The artifact stand-ins carry files from one job to another, as the real actions do."""

from __future__ import annotations

import json

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, uses

pytestmark = pytest.mark.e2e

TWO_JOBS = f"""\
name: artifacts
on: push
permissions: {{}}
jobs:
  build:
    runs-on: ubuntu-latest
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - run: |
          mkdir -p dist/nested .hidden
          echo "wheel" > dist/pkg-1.0.whl
          echo "notes" > dist/nested/notes.txt
          echo "tmp" > dist/scratch.tmp
          echo "secret" > .hidden/key
      - id: upload
        uses: {uses("actions/upload-artifact")}
        with:
          name: dist
          path: |
            dist/
            !dist/**/*.tmp
          retention-days: 5
      - id: again
        continue-on-error: true
        uses: {uses("actions/upload-artifact")}
        with:
          name: dist
          path: dist/
      - id: nothing
        uses: {uses("actions/upload-artifact")}
        with:
          name: nothing
          path: does-not-exist/
  use:
    needs: build
    runs-on: ubuntu-latest
    steps:
      - id: one
        uses: {uses("actions/download-artifact")}
        with:
          name: dist
          path: got
      - run: |
          test "$(cat got/pkg-1.0.whl)" = wheel
          test "$(cat got/nested/notes.txt)" = notes
          test ! -e got/scratch.tmp
          echo "downloaded: $(cd got && find . -type f | sort | tr '\\n' ' ')"
      - id: all
        uses: {uses("actions/download-artifact")}
        with:
          pattern: "d*"
          path: all
      - run: test -f all/dist/pkg-1.0.whl
      - id: missing
        continue-on-error: true
        uses: {uses("actions/download-artifact")}
        with:
          name: never-uploaded
"""


def test_an_artifact_uploaded_in_one_job_downloads_in_another(consumer_repo, run_act) -> None:
    repo = consumer_repo({".github/workflows/artifacts.yml": TWO_JOBS})

    result = run_act(".github/workflows/artifacts.yml", repo=repo)

    assert result.jobs == {"build": "success", "use": "success"}, result.describe()
    upload = result.output("build", "upload")
    assert upload["artifact-id"] == "1"
    assert upload["artifact-url"].endswith("/clearance-dev/consumer/actions/runs/1/artifacts/1")
    assert len(upload["artifact-digest"]) == 64
    stored = json.loads((result.run_dir / "artifacts" / "dist.json").read_text())
    assert stored["files"] == ["nested/notes.txt", "pkg-1.0.whl"]
    assert stored["retention_days"] == 5
    # A second upload under the same name fails, as GitHub answers 409 without overwrite.
    assert result.steps["build"]["again"] == "failure"
    assert any(
        "an artifact with this name already exists" in a.message
        for a in result.annotations_of(step="again")
    )
    assert result.output("use", "one")["download-path"].endswith("/got")
    assert "downloaded: ./nested/notes.txt ./pkg-1.0.whl" in result.text("use")
    assert result.steps["use"]["missing"] == "failure"
    assert any(
        "Artifact not found for name: never-uploaded" in a.message
        for a in result.annotations_of(job="use")
    )
    assert any(
        "No files were found with the provided path" in a.message
        for a in result.annotations_of(job="build", level="warning")
    )
