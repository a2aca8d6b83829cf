"""Test support for the release area: a controllable clock, git repositories built on the fly,
and running `clearance` through `main(argv)` with an injected clock."""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import random
import subprocess
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from clearance.cli import main
from clearance.commands import Context

START = dt.datetime(2025, 3, 3, 9, 0, 0, tzinfo=dt.UTC)  # a Monday


@dataclass
class Clock:
    """A clock that moves only when told to."""

    at: dt.datetime = START

    def __call__(self) -> dt.datetime:
        return self.at

    def advance(self, **delta: float) -> dt.datetime:
        self.at += dt.timedelta(**delta)
        return self.at


def seeded_ids(seed: int = 7) -> Callable[[int], bytes]:
    rng = random.Random(seed)
    return rng.randbytes


def digest_of(text: str) -> str:
    import hashlib

    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()


class Repo:
    """A git repository with commits whose dates follow the clock."""

    def __init__(self, path: Path, clock: Clock) -> None:
        self.path = path
        self.clock = clock
        path.mkdir(parents=True, exist_ok=True)
        self.git("init", "-q", "-b", "main")
        self.git("config", "user.email", "dev@example.com")
        self.git("config", "user.name", "Dev Eloper")
        self.git("config", "commit.gpgsign", "false")

    def git(self, *args: str, **env: str) -> str:
        done = subprocess.run(
            ["git", "-C", str(self.path), *args],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
            env={**os.environ, **env},
        )
        return done.stdout.strip()

    def commit(self, message: str, *, name: str | None = None) -> str:
        file = self.path / (name or "app.txt")
        file.write_text(f"{message}\n{file.read_text() if file.exists() else ''}")
        when = self.clock().strftime("%Y-%m-%dT%H:%M:%S+0000")
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message, GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
        return self.git("rev-parse", "HEAD")


@dataclass
class Result:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict:  # type: ignore[type-arg]
        return json.loads(self.stdout)


@dataclass
class Cli:
    """`clearance ARGS` through `main(argv)`, with this test's clock, cwd and environment."""

    monkeypatch: pytest.MonkeyPatch
    cwd: Path
    clock: Clock
    env: dict[str, str] = field(default_factory=dict)

    def __call__(self, *argv: str, env: Mapping[str, str] | None = None) -> Result:
        stdout, stderr = io.StringIO(), io.StringIO()
        environment = {**os.environ, **self.env, **(env or {})}
        context = Context(
            env=environment, stdout=stdout, stderr=stderr, cwd=self.cwd, now=self.clock
        )
        self.monkeypatch.setattr(Context, "from_process", classmethod(lambda cls: context))
        code = main(list(argv))
        return Result(code, stdout.getvalue(), stderr.getvalue())


def deployment_id(result: Result) -> str:
    assert result.code == 0, result.stderr
    return str(result.json()["deployment_id"])
