"""The e2e harness reads act's --json log: results, outputs, summaries and annotations.

The events below have the shapes act 0.2.89 prints (recorded from real runs, trimmed).
"""

from __future__ import annotations

import json

from tests.e2e.harness import parse_log


def event(**fields: object) -> str:
    base = {
        "dryrun": False,
        "job": "w.yml/scan",
        "jobID": "scan",
        "level": "info",
        "matrix": {},
        "msg": "",
    }
    return json.dumps({**base, **fields})


COMPOSITE_RUN = [
    "not json: act's own chatter",
    event(msg="  ✅  Success - Main checkout", stage="Main", stepID=["0"], stepResult="success"),
    event(
        command="error",
        arg="subprocess call with shell=True identified, security issue.",
        kvPairs={"file": "pkg/bad.py", "line": "5", "title": "B602 (high, code)"},
        level="error",
        stage="Main",
        stepID=["code", "scan"],
    ),
    event(stage="Main", stepID=["code", "scan"], stepResult="failure"),
    event(command="set-output", name="outcome", arg="fail", stage="Main", stepID=["code", "scan"]),
    event(command="summary", content="## clearance scan\n", stage="Main", stepID=["code", "scan"]),
    # The composite action's own step repeats its inner step's outputs and summary.
    event(command="set-output", name="outcome", arg="fail", stage="Main", stepID=["code"]),
    event(command="summary", content="## clearance scan\n", stage="Main", stepID=["code"]),
    event(stage="Main", stepID=["code"], stepResult="failure"),
    event(msg="raw line\n", raw_output=True, stage="Main", stepID=["code", "scan"]),
    event(stage="Post", stepID=["code"], stepResult="success"),
    event(jobResult="failure", msg="🏁  Job failed"),
]


def test_results_outputs_and_annotations_are_keyed_by_job_and_step_path() -> None:
    events, jobs, steps, outputs, _, annotations = parse_log(COMPOSITE_RUN)

    assert len(events) == len(COMPOSITE_RUN) - 1
    assert jobs == {"scan": "failure"}
    assert steps == {"scan": {"0": "success", "code/scan": "failure", "code": "failure"}}
    assert outputs["scan"]["code"] == {"outcome": "fail"}
    assert outputs["scan"]["code/scan"] == {"outcome": "fail"}
    (annotation,) = annotations
    assert (annotation.job, annotation.step, annotation.level) == ("scan", "code/scan", "error")
    assert (annotation.file, annotation.line, annotation.title) == (
        "pkg/bad.py",
        5,
        "B602 (high, code)",
    )


def test_a_composite_actions_repeated_summary_counts_once() -> None:
    *_, summaries, _ = parse_log(COMPOSITE_RUN)

    assert summaries == {"scan": "## clearance scan\n"}


def test_summaries_of_several_steps_are_joined_in_order() -> None:
    lines = [
        event(command="summary", content="first\n", stepID=["a"]),
        event(command="summary", content="second\n", stepID=["b", "inner"]),
        event(command="summary", content="second\n", stepID=["b"]),
    ]

    *_, summaries, _ = parse_log(lines)

    assert summaries == {"scan": "first\nsecond\n"}


def test_matrix_jobs_are_told_apart_by_their_values() -> None:
    lines = [
        event(jobID="test", matrix={"python": "3.12", "os": "linux"}, jobResult="success"),
        event(jobID="test", matrix={"python": "3.11", "os": "linux"}, jobResult="failure"),
    ]

    _, jobs, *_ = parse_log(lines)

    assert jobs == {
        "test(os=linux,python=3.12)": "success",
        "test(os=linux,python=3.11)": "failure",
    }
