"""The two ledger backends behind one test interface, for the suites that run against both.

`sqlite` is a file; `github` is the GitHub API stand-in (tests/standins) with its repository
`octo-org/octo-repo`. Commits a GitHub deployment names must exist there: `commit()` makes
one, `mirror()` copies a local git commit (same sha) so that local git and GitHub agree.
"""

from __future__ import annotations

import datetime as dt
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from clearance.release.ledger.github import GitHubApi, GitHubLedger, RetryPolicy
from clearance.release.ledger.interface import Ledger
from clearance.release.ledger.sqlite import SqliteLedger

REPOSITORY = "octo-org/octo-repo"


@dataclass
class Waits:
    """A RetryPolicy sleep that records instead of sleeping."""

    seconds: list[float] = field(default_factory=list)

    def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


@dataclass
class Backend:
    name: str
    open: Callable[[], Ledger]
    commit: Callable[[str], str]
    cli_args: list[str]
    cli_env: dict[str, str]
    standin: Any = None
    waits: Waits = field(default_factory=Waits)

    def requests(self) -> int:
        return sum(self.standin.counts.values()) if self.standin is not None else 0


def sqlite_backend(tmp_path: Path) -> Backend:
    path = tmp_path / "ledger.db"
    counter = iter(range(1, 1_000_000))

    def commit(message: str) -> str:
        return f"{next(counter):040x}"

    return Backend("sqlite", lambda: SqliteLedger(path), commit, ["--ledger", str(path)], {})


def github_backend(standin: Any) -> Backend:
    waits = Waits()

    def open_ledger() -> Ledger:
        api = GitHubApi(
            api_url=standin.api_url,
            token=standin.token,
            repository=REPOSITORY,
            retry=RetryPolicy(sleep=waits, jitter=lambda: 1.0),
            timeout=10,
        )
        return GitHubLedger(api)

    def commit(message: str) -> str:
        with standin.state.lock:
            return str(standin.state.repo.commit(message).sha)

    return Backend(
        "github",
        open_ledger,
        commit,
        ["--ledger", "github", "--repository", REPOSITORY],
        {"GITHUB_TOKEN": standin.token, "GITHUB_API_URL": standin.api_url},
        standin=standin,
        waits=waits,
    )


def mirror(standin: Any, repo: Path) -> None:
    """Copy every commit of the local repository into the stand-in's, with the same shas."""
    from tests.standins.github_api.state import Commit, GitPerson

    log = subprocess.run(
        [
            "git",
            "-C",
            str(repo),
            "log",
            "--reverse",
            "--format=%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%cI%x1f%B%x1e",
        ],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    with standin.state.lock:
        target = standin.state.repo
        for entry in log.split("\x1e"):
            fields = entry.strip("\n").split("\x1f")
            if len(fields) != 7:
                continue
            sha, parents, name, email, authored, committed, message = fields
            author = GitPerson(name, email, dt.datetime.fromisoformat(authored))
            committer = GitPerson(name, email, dt.datetime.fromisoformat(committed))
            target.commits[sha] = Commit(
                sha, "0" * 40, message.strip(), author, committer, parents.split(), [], None
            )
            target.refs["refs/heads/main"] = sha
