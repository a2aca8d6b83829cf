"""clearance's own workflow checks: each has a failing and a passing fixture."""

from __future__ import annotations

import pytest

from clearance.scan.workflows.checks import check_workflow
from clearance.scan.workflows.yamltree import parse

HEADER = "name: w\non: push\n"

CASES = [
    # (check, failing workflow, passing workflow)
    (
        "workflow/missing-permissions",
        HEADER + "jobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n",
        HEADER
        + "permissions: {}\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps: [{run: echo}]\n",
    ),
    (
        "workflow/broad-permissions",
        HEADER + "permissions: write-all\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n",
        HEADER
        + "permissions: {}\njobs:\n  a:\n    runs-on: x\n    permissions:\n      contents: write\n"
        + "    steps: [{run: echo}]\n",
    ),
    (
        "workflow/broad-permissions",
        HEADER
        + "permissions:\n  contents: write\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n",
        HEADER
        + "permissions:\n  contents: read\njobs:\n  a:\n    runs-on: x\n    steps: [{run: echo}]\n",
    ),
    (
        "workflow/pr-target-checkout-head",
        "name: w\non: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        + "      - uses: actions/checkout@0123456789012345678901234567890123456789\n"
        + "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n",
        "name: w\non: pull_request_target\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        + "      - uses: actions/checkout@0123456789012345678901234567890123456789\n",
    ),
    (
        "workflow/pr-target-checkout-head",
        "name: w\non:\n  workflow_run:\n    workflows: [ci]\npermissions: {}\njobs:\n  a:\n    runs-on: x\n"
        + "    steps:\n      - uses: actions/checkout@0123456789012345678901234567890123456789\n"
        + "        with:\n          ref: ${{ github.event.workflow_run.head_sha }}\n",
        "name: w\non: pull_request\npermissions: {}\njobs:\n  a:\n    runs-on: x\n    steps:\n"
        + "      - uses: actions/checkout@0123456789012345678901234567890123456789\n"
        + "        with:\n          ref: ${{ github.event.pull_request.head.sha }}\n",
    ),
    (
        "workflow/id-token-outside-signing",
        HEADER
        + "permissions: {}\njobs:\n  test:\n    runs-on: x\n    permissions:\n      id-token: write\n"
        + "    steps: [{run: pytest}]\n",
        HEADER
        + "permissions: {}\njobs:\n  sign:\n    runs-on: x\n    permissions:\n      id-token: write\n"
        + "    steps:\n      - uses: clearance-dev/clearance/actions/sign@v1\n",
    ),
    (
        "workflow/id-token-outside-signing",
        HEADER
        + "permissions:\n  id-token: write\njobs:\n  test:\n    runs-on: x\n    steps: [{run: make}]\n",
        HEADER
        + "permissions: {}\njobs:\n  publish:\n    runs-on: x\n    permissions:\n      id-token: write\n"
        + "    steps:\n      - run: clearance sign dist/*.whl\n",
    ),
    (  # clearance's own release signs with its local actions (uses: ./actions/sign)
        "workflow/id-token-outside-signing",
        HEADER
        + "permissions: {}\njobs:\n  r:\n    runs-on: x\n    permissions:\n      id-token: write\n"
        + "    steps:\n      - uses: ./actions/verify\n",
        HEADER
        + "permissions: {}\njobs:\n  r:\n    runs-on: x\n    permissions:\n      id-token: write\n"
        + "    steps:\n      - uses: ./actions/attest\n",
    ),
]


@pytest.mark.parametrize("check, failing, passing", CASES)
def test_each_check_fails_and_passes(check: str, failing: str, passing: str) -> None:
    bad = parse(failing)
    good = parse(passing)
    assert bad is not None and good is not None
    assert check in {p.check for p in check_workflow(bad)}
    assert check not in {p.check for p in check_workflow(good)}


def test_problems_point_at_the_offending_line() -> None:
    text = CASES[3][1]
    problems = check_workflow(parse(text))  # type: ignore[arg-type]
    (problem,) = [p for p in problems if p.check == "workflow/pr-target-checkout-head"]
    assert text.splitlines()[problem.line - 1].strip().startswith("ref:")


def test_on_is_read_as_a_key_not_as_yaml_true() -> None:
    tree = parse("on: [pull_request_target]\njobs: {}\n")
    assert tree is not None and tree.get("on") is not None
