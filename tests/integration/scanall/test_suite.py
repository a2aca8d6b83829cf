"""`run_suite`: scanners in child processes, concurrently, with their results, failures,
secret values and output brought back to the parent."""

from __future__ import annotations

import os
import time

import pytest

from clearance.errors import ExitCode, UsageError
from clearance.findings import ScanResult, Tool
from clearance.scan.interface import Progress
from clearance.scan.suite import OnSecret, ScanTask, TaskDone, run_suite

pytestmark = pytest.mark.integration


def _result(scanner: str) -> ScanResult:
    return ScanResult(
        scanner=scanner, tool=Tool("t", "1", "https://example.invalid"), rules={}, findings=[]
    )


def sleeper(scanner: str, seconds: float) -> ScanTask:
    def run(on_secret: OnSecret, progress: Progress) -> TaskDone:
        progress(0, 1)
        time.sleep(seconds)
        progress(1, 1)
        return TaskDone(_result(scanner), extra={"pid": os.getpid()})

    return ScanTask(scanner, run)


def test_tasks_run_at_the_same_time_each_in_its_own_process() -> None:
    tasks = [sleeper(name, 1.0) for name in ("secrets", "deps", "code")]
    seen: list[dict[str, tuple[int, int]]] = []

    started = time.monotonic()
    suite = run_suite(tasks, progress=lambda state: seen.append(dict(state)))
    elapsed = time.monotonic() - started

    assert elapsed < 2.5  # one after another would take 3 s
    assert list(suite.done) == ["secrets", "deps", "code"]
    pids = {done.extra["pid"] for done in suite.done.values()}
    assert len(pids) == 3 and os.getpid() not in pids
    assert not suite.failed
    assert any(state["code"] == (0, 1) for state in seen)  # progress crosses processes


def test_a_failure_comes_back_with_its_exit_code_and_the_others_finish() -> None:
    def refuse(on_secret: OnSecret, progress: Progress) -> TaskDone:
        raise UsageError("no such manifest")

    suite = run_suite([ScanTask("deps", refuse), sleeper("code", 0.2)])

    assert [(f.scanner, f.exit_code, f.message) for f in suite.failed] == [
        ("deps", ExitCode.USAGE, "no such manifest")
    ]
    assert list(suite.done) == ["code"]


def test_secret_values_reach_the_parent_and_are_scrubbed_from_the_child_error() -> None:
    def leak(on_secret: OnSecret, progress: Progress) -> TaskDone:
        on_secret("hunter2-but-longer")
        print("printed by the child")
        raise RuntimeError("hunter2-but-longer")

    suite = run_suite([ScanTask("secrets", leak), sleeper("code", 0.1)])

    assert suite.secrets == {"hunter2-but-longer"}
    (failure,) = suite.failed
    assert failure.exit_code is ExitCode.EXTERNAL
    assert "hunter2-but-longer" not in failure.message + failure.detail
    assert "[REDACTED]" in failure.detail
    assert suite.output["secrets"].strip() == "printed by the child"


def test_a_child_that_dies_is_reported_as_crashed() -> None:
    def die(on_secret: OnSecret, progress: Progress) -> TaskDone:
        os._exit(7)

    suite = run_suite([ScanTask("code", die), sleeper("deps", 0.1)])

    assert [(f.scanner, f.message) for f in suite.failed] == [("code", "crashed (exit status 7)")]


def test_fail_fast_stops_the_others_with_their_workers() -> None:
    def fail(on_secret: OnSecret, progress: Progress) -> TaskDone:
        raise UsageError("bad")

    started = time.monotonic()
    suite = run_suite([ScanTask("deps", fail), sleeper("code", 30)], fail_fast=True)

    assert time.monotonic() - started < 10
    assert [f.scanner for f in suite.failed] == ["deps"]
    assert "code" not in suite.done
