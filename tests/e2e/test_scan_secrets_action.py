"""`actions/scan-secrets` from a consumer workflow under act, with `pull_request` and `push`
event payloads (`-e event.json`): the diff range comes from the event, outputs and annotations
come from the CLI, and no secret value reaches the log, the outputs or the summary."""

from __future__ import annotations

import random
import string
from pathlib import Path

import pytest

from tests.e2e.harness import CHECKOUT, CHECKOUT_COMMENT, commit_all, git
from tests.events import make_event, push_commit

pytestmark = pytest.mark.e2e

ACTION = "clearance-dev/clearance/actions/scan-secrets@v1"
_RANDOM = random.Random(11)
OLD = "ghp_" + "".join(_RANDOM.choices(string.ascii_letters + string.digits, k=36))
NEW = "sk-ant-api03-" + "".join(_RANDOM.choices(string.ascii_letters + string.digits, k=93)) + "AA"

WORKFLOW = f"""\
name: secrets
on: [push, pull_request]
permissions: {{}}
jobs:
  secrets:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: {CHECKOUT} {CHECKOUT_COMMENT}
        with:
          persist-credentials: false
      - id: scan
        uses: {ACTION}
        with:
          fail-on: none
"""


def _repo(consumer_repo) -> tuple[Path, str, str]:  # type: ignore[no-untyped-def]
    repo: Path = consumer_repo(
        {".github/workflows/secrets.yml": WORKFLOW, "old.py": f'OLD = "{OLD}"\n'}
    )
    base = git(repo, "rev-parse", "HEAD").strip()
    (repo / "new.py").write_text(f'NEW = "{NEW}"\n')
    commit_all(repo, message="add a secret")
    head = git(repo, "rev-parse", "HEAD").strip()
    return repo, base, head


def _assert_only_the_added_secret(result) -> None:  # type: ignore[no-untyped-def]
    assert result.steps["secrets"]["scan"] == "success", result.describe()
    outputs = result.output("secrets", "scan")
    assert outputs["findings-count"] == "1"
    assert outputs["outcome"] == "pass"
    assert [(a.file, a.line) for a in result.annotations_of(step="scan")] == [("new.py", 1)]
    text = result.text()
    for secret in (OLD, NEW):
        assert secret not in text and secret[13:29] not in text
    for summary in result.summaries.values():
        assert NEW not in summary


def test_push_event_scans_the_pushed_range(consumer_repo, run_act) -> None:  # type: ignore[no-untyped-def]
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
    result = run_act(
        ".github/workflows/secrets.yml", repo=repo, event="push", event_payload=payload
    )
    _assert_only_the_added_secret(result)


def test_pull_request_event_scans_from_the_merge_base(consumer_repo, run_act) -> None:  # type: ignore[no-untyped-def]
    repo, base, head = _repo(consumer_repo)
    payload = make_event(
        "pull_request",
        "synchronize",
        number=1,
        pull_request={
            "base": {"sha": base, "ref": "main"},
            "head": {"sha": head, "ref": "feature"},
        },
        repository={"default_branch": "main"},
    )
    result = run_act(
        ".github/workflows/secrets.yml", repo=repo, event="pull_request", event_payload=payload
    )
    _assert_only_the_added_secret(result)
