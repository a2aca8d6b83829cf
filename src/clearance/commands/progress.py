"""Progress on long work: a single self-overwriting line on an interactive stderr."""

from __future__ import annotations

import time
from collections.abc import Iterator
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
