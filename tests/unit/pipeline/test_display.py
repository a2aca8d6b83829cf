"""The conveyor's progress on stderr: redrawn in place on a terminal, plain lines elsewhere."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clearance.commands import Context
from clearance.commands.progress import StageDisplay


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def context(stderr: io.StringIO, env: dict[str, str] | None = None) -> Context:
    return Context(env=env or {}, stdout=io.StringIO(), stderr=stderr, cwd=Path("."))


def show_two_stages(display: StageDisplay) -> None:
    with display:
        display.start("scan code", 1, 2)
        display.progress_for("scan code")(3, 10)
        display.finished("✓ scan code passed", ())
        display.start("build", 2, 2)
        display.finished("✗ build failed", ("a notice",))


def test_on_a_terminal_the_running_stage_is_redrawn_and_finished_ones_stay() -> None:
    stderr = Terminal()
    show_two_stages(StageDisplay(context(stderr), clock=lambda: 0.0))
    text = stderr.getvalue()
    assert "[1/2] scan code" in text and "[2/2] build" in text
    assert "\r\033[K" in text
    finished = [line.split("\r\033[K")[-1] for line in text.split("\n") if line]
    assert finished == ["✓ scan code passed", "✗ build failed", "  warning: a notice"]


@pytest.mark.parametrize(
    "stream, env",
    [(io.StringIO(), {}), (Terminal(), {"CI": "true"})],
    ids=["pipe", "ci-terminal"],
)
def test_elsewhere_each_finished_stage_is_one_plain_line(
    stream: io.StringIO, env: dict[str, str]
) -> None:
    show_two_stages(StageDisplay(context(stream, env)))
    assert stream.getvalue() == "✓ scan code passed\n✗ build failed\n  warning: a notice\n"
