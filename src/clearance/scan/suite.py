"""Several scanners at once, one child process each, so they share the machine's cores.

`run_suite` forks one child per `ScanTask`; each child runs its scanner (which may shard its
own work across worker processes) and sends back a `TaskDone` over a pipe. The cores are
shared by the operating system's scheduler: while one scanner is in a serial phase (starting,
importing its engine, listing files, waiting on pip-audit) the others' workers use the idle
core, which running the scanners one after another cannot do.

Isolation and redaction:
- Each child is the leader of its own process group, so a failed or interrupted suite stops
  a scanner together with the workers it started, and nothing else.
- Whatever a child or its workers print (a library's warning, a traceback) is captured
  through a pipe, never passed through: the caller shows it only after scrubbing it with
  every secret value the suite found (`SuiteRun.secrets`). Secret values travel from the
  child to the parent over that pipe only, in memory; they are never written anywhere.
- A child that fails sends a `TaskFailed` whose message and traceback are already scrubbed
  with what that child knew; a child that dies without a word (a signal, `os._exit`) is
  reported as crashed, naming its scanner.

Where `fork` is not available (Windows), the tasks run one after another in this process.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
import traceback
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from typing import Any

from clearance.errors import ClearanceError, ExitCode
from clearance.findings import ScanResult
from clearance.redaction import Redactor
from clearance.scan.interface import Progress

OnSecret = Callable[[str], None]


@dataclass(frozen=True)
class TaskDone:
    """A scanner's settled result, and what its command adds (the deps scanner's SBOM...)."""

    result: ScanResult
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskFailed:
    """A scanner that could not finish: its one-line message and exit code, scrubbed."""

    scanner: str
    exit_code: ExitCode
    message: str
    detail: str = ""
    """The traceback, scrubbed (shown with -v)."""


@dataclass(frozen=True)
class ScanTask:
    """One scanner of the suite.

    `run(on_secret, progress)` runs in the child: it builds the scanner, scans and settles the
    result, and calls `on_secret` with every secret value it must never see written.
    """

    scanner: str
    run: Callable[[OnSecret, Progress], TaskDone]


@dataclass
class SuiteRun:
    """What the suite did, in the order of its tasks."""

    done: dict[str, TaskDone] = field(default_factory=dict)
    failed: list[TaskFailed] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    secrets: set[str] = field(default_factory=set)
    """Values to scrub from anything shown (found by the secrets scanner)."""
    output: dict[str, str] = field(default_factory=dict)
    """What each child printed, not yet scrubbed."""


SuiteProgress = Callable[[Mapping[str, tuple[int, int]]], None]
"""Called while waiting with (done, total) per scanner."""

POLL_SECONDS = 0.1
STOP_GRACE_SECONDS = 2.0


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_suite(
    tasks: Sequence[ScanTask],
    *,
    progress: SuiteProgress | None = None,
    fail_fast: bool = False,
) -> SuiteRun:
    """Run the tasks concurrently (one child process each) and collect what they did.

    With `fail_fast`, the first failure stops the other scanners. Without it (the default)
    every scanner finishes, so every failure is known and every secret value found is there
    to scrub a failing scanner's message with (an engine's error may quote a file).
    """
    if not can_fork() or len(tasks) <= 1:
        return _run_here(tasks, progress, fail_fast)
    return _Suite(tasks, progress, fail_fast).run()


def _run_task(task: ScanTask, progress: Progress) -> tuple[TaskDone | TaskFailed, list[str]]:
    """Run one task, turning every exception into a scrubbed `TaskFailed`."""
    found: list[str] = []
    redactor = Redactor()

    def on_secret(value: str) -> None:
        redactor.register(value)
        found.append(value)

    try:
        return task.run(on_secret, progress), found
    except ClearanceError as error:
        return (
            TaskFailed(
                task.scanner,
                error.exit_code,
                redactor.scrub(str(error)),
                redactor.scrub("".join(traceback.format_exception(error))),
            ),
            found,
        )
    except Exception as error:  # a scanner's bug: named, scrubbed, exit 3
        where = traceback.extract_tb(error.__traceback__)[-1:] or None
        place = f" at {where[0].filename.rsplit('/', 1)[-1]}:{where[0].lineno}" if where else ""
        return (
            TaskFailed(
                task.scanner,
                ExitCode.EXTERNAL,
                redactor.scrub(f"internal error: {type(error).__name__}{place}"),
                redactor.scrub("".join(traceback.format_exception(error))),
            ),
            found,
        )


def _run_here(
    tasks: Sequence[ScanTask], progress: SuiteProgress | None, fail_fast: bool
) -> SuiteRun:
    run = SuiteRun()
    state = {task.scanner: (0, 0) for task in tasks}
    for task in tasks:

        def advance(done: int, total: int, scanner: str = task.scanner) -> None:
            state[scanner] = (done, total)
            if progress is not None:
                progress(state)

        started = time.monotonic()
        outcome, found = _run_task(task, advance)
        run.seconds[task.scanner] = time.monotonic() - started
        run.secrets.update(found)
        if isinstance(outcome, TaskFailed):
            run.failed.append(outcome)
            if fail_fast:
                break
            continue
        run.done[task.scanner] = outcome
    return run


@dataclass
class _Child:
    task: ScanTask
    process: Any
    results: Connection
    output_fd: int
    started: float
    output: bytearray = field(default_factory=bytearray)
    finished: bool = False


class _Suite:
    def __init__(
        self, tasks: Sequence[ScanTask], progress: SuiteProgress | None, fail_fast: bool
    ) -> None:
        self.tasks = tasks
        self.progress = progress
        self.fail_fast = fail_fast
        self.context = multiprocessing.get_context("fork")
        # (done, total) of each scanner, written by the children.
        self.counters = self.context.Array("q", 2 * len(tasks), lock=False)
        self.run_state = SuiteRun()

    def run(self) -> SuiteRun:
        children: list[_Child] = []
        try:
            # Fork every child before this process reads anything: no thread exists yet.
            for index, task in enumerate(self.tasks):
                children.append(self._start(index, task, children))
            self._collect(children)
        finally:
            self._stop(children)
        ordered = {
            t.scanner: self.run_state.done[t.scanner]
            for t in self.tasks
            if t.scanner in self.run_state.done
        }
        self.run_state.done = ordered
        return self.run_state

    def _start(self, index: int, task: ScanTask, siblings: Sequence[_Child]) -> _Child:
        receive, send = self.context.Pipe(duplex=False)
        read_fd, write_fd = os.pipe()
        inherited = [fd for s in siblings for fd in (s.output_fd, s.results.fileno())]
        process = self.context.Process(
            target=_child_main,
            args=(task, index, send, read_fd, write_fd, inherited, self.counters),
            name=f"clearance-scan-{task.scanner}",
        )
        process.start()
        if process.pid is not None:
            try:
                os.setpgid(process.pid, process.pid)  # the child does it too: whoever is first
            except OSError:
                pass
        send.close()
        os.close(write_fd)
        return _Child(task, process, receive, read_fd, time.monotonic())

    def _collect(self, children: list[_Child]) -> None:
        state = self.run_state
        pending = {c.results: c for c in children}
        outputs = {c.output_fd: c for c in children}
        while pending:
            ready = wait([*pending, *outputs], timeout=POLL_SECONDS)
            for item in ready:
                if isinstance(item, int):
                    child = outputs[item]
                    chunk = os.read(item, 65536)
                    if chunk:
                        child.output += chunk
                    else:
                        del outputs[item]
                    continue
                child = pending.pop(item)  # type: ignore[call-overload]
                self._receive(child)
                if state.failed and self.fail_fast:
                    return
            for child in list(pending.values()):
                if not child.process.is_alive() and not child.results.poll():
                    # Died without a word: crashed (a signal, os._exit, out of memory).
                    child.process.join()
                    del pending[child.results]
                    state.seconds[child.task.scanner] = time.monotonic() - child.started
                    state.failed.append(_crashed(child.task.scanner, child.process.exitcode))
                    if self.fail_fast:
                        return
            if self.progress is not None:
                self.progress(self._progress())

    def _receive(self, child: _Child) -> None:
        state = self.run_state
        scanner = child.task.scanner
        try:
            outcome, found = child.results.recv()
        except (EOFError, OSError):
            child.process.join()
            state.failed.append(_crashed(scanner, child.process.exitcode))
            return
        finally:
            state.seconds[scanner] = time.monotonic() - child.started
        child.finished = True
        state.secrets.update(found)
        if isinstance(outcome, TaskFailed):
            state.failed.append(outcome)
        else:
            state.done[scanner] = outcome

    def _progress(self) -> dict[str, tuple[int, int]]:
        counters = self.counters
        return {
            task.scanner: (int(counters[2 * i]), int(counters[2 * i + 1]))
            for i, task in enumerate(self.tasks)
        }

    def _stop(self, children: Sequence[_Child]) -> None:
        """Stop every child still running, with the workers it started; close the pipes."""
        for child in children:
            if not child.finished and child.process.is_alive():
                _signal_group(child.process.pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_GRACE_SECONDS
        for child in children:
            child.process.join(max(0.0, deadline - time.monotonic()))
            if child.process.is_alive():
                _signal_group(child.process.pid, signal.SIGKILL)
                child.process.join()
            if not child.finished:
                # Workers of a stopped or crashed child: the group outlives its leader.
                _signal_group(child.process.pid, signal.SIGKILL)
            child.results.close()
            self.run_state.output[child.task.scanner] = _drain(child).decode("utf-8", "replace")


def _drain(child: _Child) -> bytes:
    """The rest of what a child printed, without waiting for a writer that is still alive."""
    os.set_blocking(child.output_fd, False)
    try:
        while chunk := os.read(child.output_fd, 65536):
            child.output += chunk
    except (BlockingIOError, OSError):
        pass
    finally:
        os.close(child.output_fd)
    return bytes(child.output)


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def _crashed(scanner: str, exitcode: int | None) -> TaskFailed:
    if exitcode is not None and exitcode < 0:
        try:
            how = f"killed by {signal.Signals(-exitcode).name}"
        except ValueError:
            how = f"killed by signal {-exitcode}"
    else:
        how = f"exit status {exitcode}"
    return TaskFailed(scanner, ExitCode.EXTERNAL, f"crashed ({how})")


def _child_main(
    task: ScanTask,
    index: int,
    send: Connection,
    read_fd: int,
    write_fd: int,
    inherited: Sequence[int],
    counters: Any,
) -> None:
    """The child: own process group, output to the capture pipe, run, send, exit."""
    try:
        os.setpgid(0, 0)
    except OSError:
        pass
    # Ctrl-C reaches the parent only (it stops the groups); a child just does its work.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    for fd in (read_fd, *inherited):
        try:
            os.close(fd)
        except OSError:
            pass
    with _captured(write_fd):

        def progress(done: int, total: int) -> None:
            counters[2 * index] = done
            counters[2 * index + 1] = total

        outcome, found = _run_task(task, progress)
        send.send((outcome, found))
        send.close()


@contextmanager
def _captured(write_fd: int) -> Iterator[None]:
    """Point this process's stdout and stderr (the file descriptors) at the capture pipe."""
    import sys

    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os.dup2(write_fd, 1)
    os.dup2(write_fd, 2)
    os.close(write_fd)
    # Python-level writes too, whatever sys.stdout/sys.stderr were (a test's capture, a pipe).
    sys.stdout = open(1, "w", encoding="utf-8", errors="replace", closefd=False)
    sys.stderr = open(2, "w", encoding="utf-8", errors="replace", closefd=False)
    try:
        yield
    finally:
        for stream in (sys.stdout, sys.stderr):
            try:
                stream.flush()
            except (OSError, ValueError):
                pass


__all__ = [
    "OnSecret",
    "ScanTask",
    "SuiteProgress",
    "SuiteRun",
    "TaskDone",
    "TaskFailed",
    "can_fork",
    "run_suite",
]
