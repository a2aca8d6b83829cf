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


def seed(standin: Any, deployments: list[Any]) -> None:
    """Put deployments straight into the stand-in's state, as the GitHub ledger writes them
    (payload, ref, statuses with their trailers), much faster than 2 requests each."""
    from clearance.release.ledger.github import PAYLOAD_KEY, status_description
    from clearance.release.records import to_json
    from tests.standins.github_api.state import Deployment, DeploymentStatus, node_id

    with standin.state.lock:
        state = standin.state
        repo = state.repo
        actor = state.user("github-actions[bot]", type="Bot")
        for d in deployments:
            now = state.clock.now()
            did = state.ids.next("deployment")
            record = Deployment(
                did,
                node_id("DE", repo.id, did),
                d.commit,
                d.commit,
                d.task.value,
                {PAYLOAD_KEY: to_json(d, statuses=False)},
                d.environment,
                d.environment,
                d.description,
                actor,
                now,
                now,
                d.transient,
                d.production,
            )
            for position, event in enumerate(d.statuses, 1):
                sid = state.ids.next("deployment_status")
                record.statuses.append(
                    DeploymentStatus(
                        sid,
                        node_id("DES", repo.id, sid),
                        did,
                        event.state.value,
                        status_description(event.description, position, event.at),
                        d.environment,
                        event.log_url or "",
                        event.log_url or "",
                        event.environment_url or "",
                        actor,
                        now,
                        now,
                    )
                )
            repo.deployments[did] = record


def ensure_commits(standin: Any, shas: list[str]) -> None:
    """Make commits with these shas exist in the stand-in (a history imported from SQLite
    names commits GitHub must know)."""
    from tests.standins.github_api.state import Commit, GitPerson

    person = GitPerson("Dev", "dev@example.com", dt.datetime(2025, 1, 1, tzinfo=dt.UTC))
    with standin.state.lock:
        for sha in shas:
            standin.state.repo.commits.setdefault(
                sha, Commit(sha, "0" * 40, "c", person, person, [], [], None)
            )
