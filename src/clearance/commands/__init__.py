"""One module per subcommand: parse arguments → call a core function → report.

Each module exposes `COMMAND`, a `Command`; `clearance.cli` assembles the parser from the
list in `clearance.commands.registry`. Commands hold no logic of their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from clearance.gha import Runner
from clearance.redaction import Redactor


@dataclass
class Context:
    """What a command may touch of the outside world: passed in, never global."""

    env: Mapping[str, str]
    stdout: TextIO
    stderr: TextIO
    cwd: Path
    redactor: Redactor = field(default_factory=Redactor)
    verbose: int = 0
    now: Callable[[], dt.datetime] = field(default=lambda: dt.datetime.now(dt.UTC))

    def today(self) -> dt.date:
        return self.now().date()

    @classmethod
    def from_process(cls) -> Context:
        return cls(env=dict(os.environ), stdout=sys.stdout, stderr=sys.stderr, cwd=Path.cwd())

    @property
    def runner(self) -> Runner:
        return Runner(self.env, self.stderr)

    def say(self, message: str) -> None:
        """Chatter for humans: stderr, scrubbed."""
        self.stderr.write(self.redactor.scrub(message) + "\n")
        self.stderr.flush()

    @property
    def interactive(self) -> bool:
        return self.stderr.isatty() and self.env.get("CI", "") == ""


@dataclass(frozen=True)
class Command:
    """A `clearance` subcommand.

    `words` is its path (`("scan", "code")`), `summary` one line for the parent's help,
    `description` what `--help` teaches (examples welcome), `configure` adds its arguments,
    `run` does the work and returns the exit code.
    """

    words: tuple[str, ...]
    summary: str
    description: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, Context], int]
    epilog: str = ""
