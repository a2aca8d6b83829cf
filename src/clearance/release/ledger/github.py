"""The GitHub Deployments ledger: PyGithub against `GITHUB_API_URL` (GHES works the same way).

Writes go through REST: a deployment (`ref` = the commit, `auto_merge: false`,
`required_contexts: []`, `production_environment`/`transient_environment`, and the clearance
record in `payload.clearance`), then its statuses (`log_url`, `environment_url`). Reads go
through GraphQL: deployments with their statuses, 100 a page, newest first.

Times and order. GitHub stamps statuses with its own clock and gives no room for another, so
each status clearance writes carries its position and the clearance time at the end of its
description (`"deployed · #2 2025-03-03T09:00:00Z"`); reading parses it back, so a history
read from GitHub is identical to one read from SQLite. Statuses without that trailer
(GitHub's own `inactive` bookkeeping, other tools) keep GitHub's time and are ignored by
`Deployment.state`. Deployments without a clearance payload (those GitHub Actions creates for
`environment:` jobs) are not part of the ledger and are skipped.

Failures. 5xx answers, dropped connections and secondary rate limits (403/429, honouring
`Retry-After`) are retried with exponential backoff within a time budget, then reported as
one line (exit 3). A write whose answer was lost may have happened: before writing again the
ledger looks for it (by the record's id, or the status's position), so nothing is duplicated.
"""

from __future__ import annotations

import datetime as dt
import json
import random
import re
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import github
import requests
from github.GithubException import GithubException

from clearance.errors import UsageError
from clearance.release import git
from clearance.release.changes import MAX_CHANGES, ChangeList
from clearance.release.ledger.interface import (
    LedgerError,
    UnknownDeployment,
    missing_statuses,
)
from clearance.release.records import (
    Change,
    Deployment,
    RecordError,
    State,
    StatusEvent,
    format_time,
    from_json,
    parse_time,
    to_json,
)

DEFAULT_API_URL = "https://api.github.com"
PAGE_SIZE = 100
STATUSES_PER_DEPLOYMENT = 10
DESCRIPTION_LIMIT = 140
PAYLOAD_KEY = "clearance"
_TRAILER = re.compile(r"\s·\s#(\d+)\s(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$")
_SLUG = re.compile(r"[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+")
T = TypeVar("T")

HISTORY_QUERY = """
query ClearanceHistory(
  $owner: String!, $name: String!, $environments: [String!], $after: String, $first: Int!, $statuses: Int!
) {
  repository(owner: $owner, name: $name) {
    deployments(environments: $environments, first: $first, after: $after,
                orderBy: {field: CREATED_AT, direction: DESC}) {
      pageInfo { hasNextPage endCursor }
      nodes {
        databaseId
        createdAt
        payload
        statuses(first: $statuses) {
          pageInfo { hasNextPage }
          nodes { state description logUrl environmentUrl createdAt }
        }
      }
    }
  }
}
"""

FIRST_CHANGES_QUERY = """
query ClearanceChanges($owner: String!, $name: String!, $head: GitObjectID!, $first: Int!) {
  repository(owner: $owner, name: $name) {
    object(oid: $head) {
      ... on Commit {
        history(first: $first) {
          pageInfo { hasNextPage }
          nodes { oid authoredDate committedDate messageHeadline }
        }
      }
    }
  }
}
"""

PULL_REQUESTS_PER_QUERY = 25
COMMITS_PER_PULL_REQUEST = 100


def pull_request_starts_query(count: int) -> str:
    """A query for the first commits of `count` pull requests, numbers in `$n0`, `$n1`, ..."""
    numbers = ", ".join(f"$n{i}: Int!" for i in range(count))
    fields = "\n".join(
        f"    p{i}: pullRequest(number: $n{i}) {{ commits(first: $commits) "
        "{ nodes { commit { authoredDate } } } }"
        for i in range(count)
    )
    return (
        f"query ClearancePullRequestStarts($owner: String!, $name: String!, $commits: Int!, "
        f"{numbers}) {{\n  repository(owner: $owner, name: $name) {{\n{fields}\n  }}\n}}\n"
    )


# ---------------------------------------------------------------- retries


@dataclass
class RetryPolicy:
    """How long to keep trying: exponential backoff with jitter, within a waiting budget."""

    attempts: int = 6
    base_delay: float = 1.0
    max_delay: float = 30.0
    budget: float = 180.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = field(default=random.random)

    def backoff(self, attempt: int) -> float:
        delay = min(self.max_delay, self.base_delay * 2.0 ** (attempt - 1))
        return float(delay * (0.5 + self.jitter() / 2))


def _header(exc: GithubException, name: str) -> str | None:
    for key, value in (exc.headers or {}).items():
        if key.lower() == name:
            return str(value)
    return None


def _message(exc: GithubException) -> str:
    data = exc.data
    if isinstance(data, Mapping):
        text = data.get("message")
        if isinstance(text, str):
            return text
        errors = data.get("errors")
        if isinstance(errors, list) and errors and isinstance(errors[0], Mapping):
            return str(errors[0].get("message", ""))
    return exc.message or ""


def _said(exc: GithubException) -> str:
    """GitHub's message, on one line and short."""
    text = " ".join(_message(exc).split())
    return text if len(text) <= 160 else text[:159] + "…"


@dataclass(frozen=True)
class Wait:
    seconds: float
    why: str
    refused: bool
    """True when GitHub refused the request without acting on it (rate limits)."""


def retry_wait(exc: GithubException, attempt: int, policy: RetryPolicy) -> Wait | None:
    """How long to wait before trying again, or None when retrying cannot help."""
    status = exc.status
    message = _message(exc)
    if status in (403, 429):
        retry_after = _header(exc, "retry-after")
        if retry_after is not None and retry_after.strip().isdigit():
            return Wait(
                float(retry_after),
                f"secondary rate limit ({status}, Retry-After {retry_after}s)",
                True,
            )
        if _header(exc, "x-ratelimit-remaining") == "0":
            reset = _header(exc, "x-ratelimit-reset")
            seconds = (
                max(1.0, float(reset) - time.time() + 1) if reset and reset.isdigit() else 60.0
            )
            return Wait(seconds, f"rate limit exhausted ({status})", True)
        if "secondary rate limit" in message.lower():
            return Wait(60.0, f"secondary rate limit ({status})", True)
        return None
    if status >= 500:
        return Wait(policy.backoff(attempt), f"{status} {_said(exc) or 'server error'}", False)
    return None


# ---------------------------------------------------------------- the API


class GitHubApi:
    """PyGithub with clearance's retry policy: the one place HTTP failures become LedgerError."""

    def __init__(
        self,
        *,
        api_url: str,
        token: str,
        repository: str,
        retry: RetryPolicy | None = None,
        timeout: int = 30,
        seconds_between_writes: float | None = None,
    ) -> None:
        if not _SLUG.fullmatch(repository):
            raise UsageError(f"repository {repository!r} is not OWNER/NAME")
        self.api_url = api_url.rstrip("/")
        self.repository = repository
        self.owner, self.name = repository.split("/", 1)
        self.policy = retry or RetryPolicy()
        self._github = github.Github(
            base_url=self.api_url,
            auth=github.Auth.Token(token),
            timeout=timeout,
            retry=None,
            seconds_between_requests=None,
            seconds_between_writes=seconds_between_writes,
            user_agent="clearance",
        )

    def close(self) -> None:
        self._github.close()

    def _fail(self, what: str, exc: GithubException) -> LedgerError:
        status, message = exc.status, _said(exc)
        if status == 401:
            return LedgerError(
                f"GitHub at {self.api_url} rejected the token (401): check GITHUB_TOKEN"
            )
        if status == 403:
            return LedgerError(
                f"GitHub refused to {what} in {self.repository} (403 {message}): the token needs "
                "'deployments: write' (and 'contents: read')"
            )
        if status == 404:
            return LedgerError(
                f"GitHub at {self.api_url} does not show {self.repository} (404) to this token"
            )
        return LedgerError(
            f"GitHub could not {what} in {self.repository} ({status} {message})".rstrip()
        )

    def call(
        self, what: str, action: Callable[[], T], recover: Callable[[], T | None] | None = None
    ) -> T:
        """Run `action`, retrying what can be retried. `recover` is asked, before a write is
        tried again after an answer was lost, whether the write happened after all."""
        waited = 0.0
        last = ""
        for attempt in range(1, self.policy.attempts + 1):
            refused = False
            try:
                return action()
            except GithubException as exc:
                wait = retry_wait(exc, attempt, self.policy)
                if wait is None:
                    raise self._fail(what, exc) from exc
                seconds, last, refused = wait.seconds, wait.why, wait.refused
            except (requests.ConnectionError, requests.Timeout) as exc:
                seconds, last = self.policy.backoff(attempt), f"no answer: {type(exc).__name__}"
            if attempt == self.policy.attempts:
                break
            if waited + seconds > self.policy.budget:
                last += f"; waiting {seconds:.0f}s more would exceed {self.policy.budget:.0f}s"
                break
            self.policy.sleep(seconds)
            waited += seconds
            if recover is not None and not refused:
                found = recover()
                if found is not None:
                    return found
        raise LedgerError(
            f"GitHub API {self.api_url}: could not {what} after {attempt} attempt(s) ({last}); "
            "try again later"
        )

    def rest(
        self,
        verb: str,
        path: str,
        body: Mapping[str, Any] | None = None,
        *,
        params: Mapping[str, Any] | None = None,
    ) -> Any:
        _, data = self._github.requester.requestJsonAndCheck(
            verb,
            f"/repos/{self.repository}{path}",
            parameters=dict(params) if params else None,
            input=dict(body) if body is not None else None,
        )
        return data

    def graphql(self, query: str, variables: Mapping[str, Any]) -> dict[str, Any]:
        _, data = self._github.requester.graphql_query(query, dict(variables))
        payload = data.get("data") if isinstance(data, Mapping) else None
        if not isinstance(payload, dict):
            raise GithubException(502, {"message": "GraphQL answer without data"}, {})
        return payload


def _query(
    api: GitHubApi, query: str, variables: Mapping[str, Any]
) -> Callable[[], dict[str, Any]]:
    return lambda: api.graphql(query, variables)


# ---------------------------------------------------------------- statuses in descriptions


def status_description(text: str, position: int, at: dt.datetime) -> str:
    """`text · #position time`, within GitHub's 140 characters."""
    trailer = f" · #{position} {format_time(at)}"
    room = DESCRIPTION_LIMIT - len(trailer)
    if len(text) > room:
        text = text[: room - 1] + "…"
    return text + trailer


@dataclass(frozen=True)
class _ReadStatus:
    position: int | None
    event: StatusEvent
    server_at: str


def _read_status(node: Mapping[str, Any]) -> _ReadStatus | None:
    try:
        state = State(str(node.get("state", "")).lower())
    except ValueError:
        return None  # GitHub-only states (waiting) are not part of the ledger
    description = node.get("description") or ""
    server_at = str(node.get("createdAt") or node.get("created_at") or "")
    match = _TRAILER.search(description)
    if match is None:
        try:
            at = parse_time(server_at)
        except ValueError:
            return None
        position = None
    else:
        description = description[: match.start()]
        position = int(match.group(1))
        at = parse_time(match.group(2))
    log_url = node.get("logUrl", node.get("log_url")) or None
    environment_url = node.get("environmentUrl", node.get("environment_url")) or None
    return _ReadStatus(
        position, StatusEvent(state, at, description, log_url, environment_url), server_at
    )


def ordered_statuses(nodes: Sequence[Mapping[str, Any]]) -> list[StatusEvent]:
    """Statuses in the order clearance wrote them; repeated writes of one status collapse."""
    read = [r for r in (_read_status(n) for n in nodes) if r is not None]
    read.sort(key=lambda r: (r.position is None, r.position or 0, r.server_at))
    events: list[StatusEvent] = []
    positions: set[int] = set()
    for r in read:
        if r.position is not None:
            if r.position in positions:
                continue
            positions.add(r.position)
        elif r.event.state is State.INACTIVE:
            continue  # GitHub's own bookkeeping
        events.append(r.event)
    return events


# ---------------------------------------------------------------- the ledger


class GitHubLedger:
    """Deployments of one repository in GitHub Deployments."""

    def __init__(self, api: GitHubApi) -> None:
        self.api = api
        self._github_ids: dict[str, int] = {}

    @property
    def description(self) -> str:
        return f"GitHub Deployments of {self.api.repository} ({self.api.api_url})"

    def close(self) -> None:
        self.api.close()

    def __enter__(self) -> GitHubLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # reading

    def _all_statuses(self, github_id: int) -> list[Mapping[str, Any]]:
        def fetch() -> list[Mapping[str, Any]]:
            found: list[Mapping[str, Any]] = []
            page = 1
            while True:
                chunk = self.api.rest(
                    "GET",
                    f"/deployments/{github_id}/statuses",
                    params={"per_page": 100, "page": page},
                )
                found.extend(chunk)
                if len(chunk) < 100:
                    return found
                page += 1

        return self.api.call("read deployment statuses", fetch)

    def _deployment(self, node: Mapping[str, Any]) -> Deployment | None:
        raw = node.get("payload")
        try:
            payload = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            return None
        if not isinstance(payload, Mapping) or not isinstance(payload.get(PAYLOAD_KEY), Mapping):
            return None
        github_id = int(node["databaseId"])
        connection = node.get("statuses") or {}
        nodes = connection.get("nodes") or []
        if (connection.get("pageInfo") or {}).get("hasNextPage"):
            nodes = self._all_statuses(github_id)
        try:
            deployment = from_json(payload[PAYLOAD_KEY], statuses=ordered_statuses(nodes))
        except RecordError as exc:
            raise LedgerError(
                f"{self.description}: deployment {github_id} has a damaged clearance record: {exc}"
            ) from exc
        self._github_ids[deployment.id] = github_id
        return deployment

    def history(self, environments: Sequence[str] | None = None) -> Iterator[Deployment]:
        names = list(dict.fromkeys(environments)) if environments is not None else None
        if names is not None and not names:
            return
        after: str | None = None
        while True:
            variables = {
                "owner": self.api.owner,
                "name": self.api.name,
                "environments": names,
                "after": after,
                "first": PAGE_SIZE,
                "statuses": STATUSES_PER_DEPLOYMENT,
            }
            data = self.api.call(
                "read the deployment history", _query(self.api, HISTORY_QUERY, variables)
            )
            repository = data.get("repository")
            if repository is None:
                raise LedgerError(
                    f"GitHub at {self.api.api_url} does not show {self.api.repository} to this token"
                )
            connection = repository["deployments"]
            for node in connection["nodes"]:
                deployment = self._deployment(node)
                if deployment is not None:
                    yield deployment
            info = connection["pageInfo"]
            if not info["hasNextPage"]:
                return
            after = info["endCursor"]

    def get(self, deployment_id: str) -> Deployment | None:
        return next((d for d in self.history() if d.id == deployment_id), None)

    def _find_in(self, environment: str, deployment_id: str) -> Deployment | None:
        return next((d for d in self.history([environment]) if d.id == deployment_id), None)

    def _github_id(self, deployment: Deployment) -> int:
        known = self._github_ids.get(deployment.id)
        if known is None and self._find_in(deployment.environment, deployment.id) is not None:
            known = self._github_ids.get(deployment.id)
        if known is None:
            raise UnknownDeployment(f"no deployment {deployment.id} in {self.description}")
        return known

    # writing

    def _create(self, deployment: Deployment) -> int:
        body: dict[str, Any] = {
            "ref": deployment.commit,
            "task": deployment.task.value,
            "auto_merge": False,
            "required_contexts": [],
            "payload": {PAYLOAD_KEY: to_json(deployment, statuses=False)},
            "environment": deployment.environment,
            "description": (
                deployment.description or f"{deployment.task.value} {deployment.digest}"
            )[:DESCRIPTION_LIMIT],
            "transient_environment": deployment.transient,
            "production_environment": deployment.production,
        }

        def create() -> int:
            try:
                answer = self.api.rest("POST", "/deployments", body)
            except GithubException as exc:
                if exc.status == 422 and "ref" in _message(exc).lower():
                    raise LedgerError(
                        f"GitHub does not know commit {deployment.commit} in {self.api.repository}: "
                        "push it before recording a deployment of it"
                    ) from exc
                raise
            if not isinstance(answer, Mapping) or "id" not in answer:
                raise LedgerError(f"GitHub did not create the deployment ({answer!r:.100})")
            return int(answer["id"])

        def landed() -> int | None:
            found = self._find_in(deployment.environment, deployment.id)
            return self._github_ids.get(deployment.id) if found is not None else None

        github_id = self.api.call(
            f"create a deployment in {deployment.environment}", create, landed
        )
        self._github_ids[deployment.id] = github_id
        return github_id

    def _post_status(self, github_id: int, position: int, event: StatusEvent) -> None:
        description = status_description(event.description, position, event.at)
        body: dict[str, Any] = {
            "state": event.state.value,
            "description": description,
            "auto_inactive": True,
        }
        if event.log_url:
            body["log_url"] = event.log_url
        if event.environment_url:
            body["environment_url"] = event.environment_url

        def post() -> bool:
            self.api.rest("POST", f"/deployments/{github_id}/statuses", body)
            return True

        def landed() -> bool | None:
            return (
                True
                if any(s.get("description") == description for s in self._all_statuses(github_id))
                else None
            )

        self.api.call("write a deployment status", post, landed)

    def record(self, deployment: Deployment, *, new: bool = False) -> Deployment:
        stored = None if new else self._find_in(deployment.environment, deployment.id)
        if stored is None:
            github_id = self._create(deployment)
            have = 0
            pending = list(deployment.statuses)
        else:
            github_id = self._github_id(stored)
            have = len(stored.statuses)
            pending = missing_statuses(stored, deployment)
        for offset, event in enumerate(pending, start=have + 1):
            self._post_status(github_id, offset, event)
        return from_json(to_json(deployment))

    def add_status(self, deployment: Deployment, status: StatusEvent) -> Deployment:
        github_id = self._github_id(deployment)
        self._post_status(github_id, len(deployment.statuses) + 1, status)
        return from_json(to_json(deployment.with_status(status)))

    def change_source(self) -> GitHubChanges:
        return GitHubChanges(self.api)

    def pull_request_starts(self) -> GitHubPullRequests:
        return GitHubPullRequests(self.api)


@dataclass(frozen=True)
class GitHubPullRequests:
    """The first commit of pull requests (squash merges keep it only there), through GraphQL,
    up to 25 pull requests a query. A number that is no pull request (a `(#12)` naming an
    issue) is left out; so is everything when GitHub cannot be read: the deployment is still
    recorded, its changes timed by their own commits."""

    api: GitHubApi

    def first_commits(self, numbers: Sequence[int]) -> Mapping[int, dt.datetime]:
        found: dict[int, dt.datetime] = {}
        wanted = list(dict.fromkeys(numbers))
        for start in range(0, len(wanted), PULL_REQUESTS_PER_QUERY):
            batch = wanted[start : start + PULL_REQUESTS_PER_QUERY]
            found.update(self._batch(batch))
        return found

    def _batch(self, numbers: Sequence[int]) -> dict[int, dt.datetime]:
        variables: dict[str, Any] = {
            "owner": self.api.owner,
            "name": self.api.name,
            "commits": COMMITS_PER_PULL_REQUEST,
            **{f"n{i}": number for i, number in enumerate(numbers)},
        }
        query = pull_request_starts_query(len(numbers))

        def read() -> dict[str, Any] | None:
            try:
                return self.api.graphql(query, variables)
            except GithubException as exc:
                if exc.status in (400, 404):
                    return None  # a number that is not a pull request
                raise

        try:
            data = self.api.call("read pull request commits", read)
        except LedgerError:
            return {}
        if data is None:
            if len(numbers) == 1:
                return {}
            found: dict[int, dt.datetime] = {}
            for number in numbers:
                found.update(self._batch([number]))
            return found
        repository = data.get("repository") or {}
        starts: dict[int, dt.datetime] = {}
        for i, number in enumerate(numbers):
            pull = repository.get(f"p{i}") or {}
            times = [
                parse_time(node["commit"]["authoredDate"])
                for node in (pull.get("commits") or {}).get("nodes") or []
                if (node.get("commit") or {}).get("authoredDate")
            ]
            if times:
                starts[number] = min(times)
        return starts


@dataclass(frozen=True)
class GitHubChanges:
    """The commits a deployment ships, from GitHub when the checkout is too shallow to tell.

    With a previous deployment: the compare API (`base...head`, exact, up to 250 commits).
    For an environment's first deployment: the newest commits of the head's history.
    Pull requests are read from commit subjects, as with local git, so both sources agree.
    """

    api: GitHubApi
    limit: int = MAX_CHANGES

    def between(self, base: str | None, head: str) -> ChangeList | None:
        if base == head:
            return ChangeList(())
        if base is None:
            return self._first(head)
        return self._compare(base, head)

    def _compare(self, base: str, head: str) -> ChangeList | None:
        def compare() -> Any:
            try:
                return self.api.rest(
                    "GET", f"/compare/{base}...{head}", params={"per_page": self.limit}
                )
            except GithubException as exc:
                if exc.status in (404, 422):
                    return None  # a commit GitHub does not know: cannot tell
                raise

        answer = self.api.call("compare commits", compare)
        if not isinstance(answer, Mapping):
            return None
        commits = list(reversed(answer.get("commits") or []))
        changes = [
            Change(
                sha=c["sha"],
                authored_at=parse_time(c["commit"]["author"]["date"]),
                committed_at=parse_time(c["commit"]["committer"]["date"]),
                pull_request=git.pull_request_of(str(c["commit"]["message"]).split("\n", 1)[0]),
            )
            for c in commits[: self.limit]
        ]
        total = int(answer.get("total_commits", len(commits)) or 0)
        return ChangeList(tuple(changes), total <= len(changes))

    def _first(self, head: str) -> ChangeList | None:
        variables = {
            "owner": self.api.owner,
            "name": self.api.name,
            "head": head,
            "first": min(self.limit, PAGE_SIZE),
        }

        def query() -> dict[str, Any]:
            return self.api.graphql(FIRST_CHANGES_QUERY, variables)

        data = self.api.call("read the commit history", query)
        commit = (data.get("repository") or {}).get("object")
        if not commit or "history" not in commit:
            return None
        history = commit["history"]
        changes = tuple(
            Change(
                sha=node["oid"],
                authored_at=parse_time(node["authoredDate"]),
                committed_at=parse_time(node["committedDate"]),
                pull_request=git.pull_request_of(node.get("messageHeadline") or ""),
            )
            for node in history["nodes"]
        )
        return ChangeList(changes, not history["pageInfo"]["hasNextPage"])


def open_github_ledger(
    *,
    env: Mapping[str, str],
    token: str | None,
    repository: str | None,
    root: Path,
    retry: RetryPolicy | None = None,
    seconds_between_writes: float | None = None,
) -> GitHubLedger:
    """The ledger of `repository` (default: GITHUB_REPOSITORY, else git's origin).

    `seconds_between_writes`: GitHub asks bulk writers to space writes by a second (secondary
    rate limits); a promotion's two writes need no spacing, an import does.
    """
    if not token:
        raise UsageError(
            "the github ledger needs a token in GITHUB_TOKEN (in a workflow: "
            "env: GITHUB_TOKEN: ${{ github.token }}, with permissions: deployments: write)"
        )
    slug = repository or env.get("GITHUB_REPOSITORY") or git.repository_slug(git.origin_url(root))
    if not slug:
        raise UsageError(
            "which repository? pass --repository OWNER/NAME (or set GITHUB_REPOSITORY)"
        )
    api = GitHubApi(
        api_url=env.get("GITHUB_API_URL") or DEFAULT_API_URL,
        token=token,
        repository=slug,
        retry=retry,
        seconds_between_writes=seconds_between_writes,
    )
    return GitHubLedger(api)
