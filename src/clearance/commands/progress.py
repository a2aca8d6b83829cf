"""Progress on long work: a single self-overwriting line on an interactive stderr, and the
conveyor's stage display."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from clearance.commands import Context
from clearance.scan.interface import Progress, no_progress

REFRESH_SECONDS = 0.1


@contextmanager
def progress_for(context: Context, label: str) -> Iterator[Progress]:
    """A `Progress` that draws `label: done/total` on a terminal; silent elsewhere (CI, pipes)."""
    if not context.interactive:
        yield no_progress
        return
    last = 0.0
    drawn = False

    def show(done: int, total: int) -> None:
        nonlocal last, drawn
        now = time.monotonic()
        if now - last < REFRESH_SECONDS and done < total:
            return
        last = now
        drawn = True
        percent = f" {100 * done // total:3d}%" if total else ""
        context.stderr.write(f"\r{label}: {done}/{total}{percent}")
        context.stderr.flush()

    try:
        yield show
    finally:
        if drawn:
            context.stderr.write("\r\033[K")
            context.stderr.flush()


SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"


class StageDisplay:
    """The conveyor's progress on stderr.

    On a terminal: a line per finished stage, and the running one redrawn in place (spinner,
    elapsed seconds, done/total when the stage counts). Elsewhere (CI, pipes): one plain line
    per finished stage, nothing redrawn.
    """

    def __init__(self, context: Context, clock: Callable[[], float] = time.monotonic) -> None:
        self._context = context
        self._clock = clock
        self._interactive = context.interactive
        self._lock = threading.Lock()
        self._current: str | None = None
        self._started = 0.0
        self._counts = ""
        self._frame = 0
        self._stop = threading.Event()
        self._ticker: threading.Thread | None = None

    def __enter__(self) -> StageDisplay:
        if self._interactive:
            self._ticker = threading.Thread(
                target=self._tick, name="clearance-progress", daemon=True
            )
            self._ticker.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._stop.set()
        if self._ticker is not None:
            self._ticker.join(timeout=1)
        with self._lock:
            self._clear()

    def _tick(self) -> None:
        while not self._stop.wait(REFRESH_SECONDS):
            with self._lock:
                self._draw()

    def _clear(self) -> None:
        if self._interactive and self._current is not None:
            self._context.stderr.write("\r\033[K")
            self._context.stderr.flush()

    def _draw(self) -> None:
        if not self._interactive or self._current is None:
            return
        self._frame = (self._frame + 1) % len(SPINNER)
        elapsed = self._clock() - self._started
        line = f"{SPINNER[self._frame]} {self._current}{self._counts} {elapsed:.0f}s"
        self._context.stderr.write(f"\r\033[K{line}")
        self._context.stderr.flush()

    def start(self, name: str, index: int, total: int) -> None:
        with self._lock:
            self._current = f"[{index}/{total}] {name}"
            self._started = self._clock()
            self._counts = ""
            self._draw()

    def progress_for(self, _name: str) -> Progress:
        def show(done: int, total: int) -> None:
            with self._lock:
                self._counts = f": {done}/{total}" if total else ""

        return show if self._interactive else no_progress

    def finished(self, line: str, notices: Sequence[str] = ()) -> None:
        """A stage is done: its line (and notices) stay on screen."""
        with self._lock:
            self._clear()
            self._current = None
            self._context.say(line)
            for notice in notices:
                self._context.say(f"  warning: {notice}")
