"""The world the GitHub stand-in serves: users, repositories, git objects, and the records
clearance writes (deployments, statuses, check runs, releases, attestations, comments).

Plain dataclasses, no HTTP: tests seed it (`repo.commit(...)`, `repo.pull_request(...)`) and
read it (`state.deployments`, `repo.releases`). Ids, node ids and timestamps follow GitHub's
shapes; `state.clock` can be frozen and advanced for time-dependent behaviour.
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import struct
import threading
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar


def github_time(moment: datetime) -> str:
    """GitHub's timestamp format: second precision, UTC, `Z`."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class Clock:
    """UTC now, to the second; frozen and advanced by tests that need time to pass."""

    def __init__(self) -> None:
        self._frozen: datetime | None = None

    def now(self) -> datetime:
        moment = self._frozen or datetime.now(UTC)
        return moment.replace(microsecond=0)

    def freeze(self, moment: datetime | None = None) -> None:
        self._frozen = (moment or datetime.now(UTC)).astimezone(UTC)

    def advance(self, seconds: float) -> None:
        self._frozen = self.now() + timedelta(seconds=seconds)

    def unfreeze(self) -> None:
        self._frozen = None


# node ids in GitHub's current format: a type prefix and base64url(msgpack([0, *numbers]))
def _msgpack_uint(number: int) -> bytes:
    if number < 0x80:
        return bytes([number])
    if number <= 0xFFFF:
        return b"\xcd" + struct.pack(">H", number)
    if number <= 0xFFFFFFFF:
        return b"\xce" + struct.pack(">I", number)
    return b"\xcf" + struct.pack(">Q", number)


def node_id(prefix: str, *numbers: int) -> str:
    packed = bytes([0x90 + len(numbers) + 1]) + b"\x00" + b"".join(map(_msgpack_uint, numbers))
    return f"{prefix}_{base64.urlsafe_b64encode(packed).decode().rstrip('=')}"


class Ids:
    """Per-kind counters starting where GitHub's ids are today, so ids look real (and differ
    between kinds, which catches code that mixes a deployment id with a status id)."""

    START: ClassVar[dict[str, int]] = {
        "user": 41_898_282,
        "repository": 812_345_678,
        "deployment": 1_846_213_001,
        "deployment_status": 2_318_540_001,
        "environment": 4_120_330_001,
        "status": 30_557_410_001,
        "check_run": 24_986_512_001,
        "check_suite": 26_015_770_001,
        "release": 163_400_001,
        "asset": 190_550_001,
        "attestation": 3_100_001,
        "pull_request": 1_950_000_001,
        "issue": 2_480_000_001,
        "comment": 2_310_450_001,
        "reviewer_rule": 104_070_001,
    }

    def __init__(self) -> None:
        self._counters = {kind: itertools.count(start) for kind, start in self.START.items()}
        self._lock = threading.Lock()

    def next(self, kind: str) -> int:
        with self._lock:
            return next(self._counters[kind])


@dataclass
class User:
    login: str
    id: int
    node_id: str
    type: str = "User"  # "User" | "Bot" | "Organization"
    name: str | None = None
    email: str | None = None


@dataclass
class GitPerson:
    name: str
    email: str
    date: datetime


@dataclass
class FileChange:
    filename: str
    status: str  # added | modified | removed | renamed
    additions: int
    deletions: int
    patch: str
    sha: str | None


@dataclass
class Commit:
    sha: str
    tree_sha: str
    message: str
    author: GitPerson
    committer: GitPerson
    parents: list[str]
    files: list[FileChange]
    author_login: str | None = None


@dataclass
class Tag:
    sha: str
    tag: str
    message: str
    object_sha: str
    object_type: str
    tagger: GitPerson


@dataclass
class CommitStatus:
    id: int
    node_id: str
    sha: str
    state: str
    context: str
    description: str | None
    target_url: str | None
    creator: User
    created_at: datetime
    updated_at: datetime


@dataclass
class CheckRun:
    id: int
    node_id: str
    head_sha: str
    name: str
    status: str
    conclusion: str | None
    details_url: str | None
    external_id: str | None
    started_at: datetime | None
    completed_at: datetime | None
    output: dict[str, Any]
    check_suite_id: int


@dataclass
class DeploymentStatus:
    id: int
    node_id: str
    deployment_id: int
    state: str
    description: str
    environment: str
    target_url: str
    log_url: str
    environment_url: str
    creator: User
    created_at: datetime
    updated_at: datetime


@dataclass
class Deployment:
    id: int
    node_id: str
    sha: str
    ref: str
    task: str
    payload: dict[str, Any] | str
    environment: str
    original_environment: str
    description: str | None
    creator: User
    created_at: datetime
    updated_at: datetime
    transient_environment: bool
    production_environment: bool
    statuses: list[DeploymentStatus] = field(default_factory=list)

    @property
    def latest_status(self) -> DeploymentStatus | None:
        return self.statuses[-1] if self.statuses else None


@dataclass
class Environment:
    id: int
    node_id: str
    name: str
    created_at: datetime
    updated_at: datetime
    wait_timer: int = 0
    prevent_self_review: bool = False
    reviewers: list[dict[str, Any]] = field(default_factory=list)
    deployment_branch_policy: dict[str, bool] | None = None
    rule_ids: dict[str, int] = field(default_factory=dict)


@dataclass
class ReleaseAsset:
    id: int
    node_id: str
    name: str
    label: str | None
    content_type: str
    content: bytes
    uploader: User
    created_at: datetime
    updated_at: datetime
    download_count: int = 0

    @property
    def digest(self) -> str:
        return "sha256:" + hashlib.sha256(self.content).hexdigest()


@dataclass
class Release:
    id: int
    node_id: str
    tag_name: str
    target_commitish: str
    name: str | None
    body: str | None
    draft: bool
    prerelease: bool
    author: User
    created_at: datetime
    published_at: datetime | None
    updated_at: datetime
    assets: list[ReleaseAsset] = field(default_factory=list)


@dataclass
class Attestation:
    id: int
    bundle: dict[str, Any]
    subject_digests: list[str]
    predicate_type: str | None
    created_at: datetime


@dataclass
class PullRequest:
    number: int
    id: int
    node_id: str
    title: str
    body: str | None
    state: str  # open | closed
    head_ref: str
    head_sha: str
    base_ref: str
    base_sha: str
    user: User
    created_at: datetime
    updated_at: datetime
    merge_commit_sha: str | None = None
    merged_at: datetime | None = None
    closed_at: datetime | None = None
    draft: bool = False
    commit_shas: list[str] = field(default_factory=list)


@dataclass
class Issue:
    number: int
    id: int
    node_id: str
    title: str
    user: User
    created_at: datetime


@dataclass
class IssueComment:
    id: int
    node_id: str
    issue_number: int
    body: str
    user: User
    created_at: datetime
    updated_at: datetime


def _git_id(kind: str, content: bytes) -> str:
    # git's object naming (not a security primitive)
    return hashlib.sha1(
        f"{kind} {len(content)}\0".encode() + content, usedforsecurity=False
    ).hexdigest()


class Repository:
    def __init__(self, world: GitHubState, owner: User, name: str, *, default_branch: str) -> None:
        self.world = world
        self.owner = owner
        self.name = name
        self.id = world.ids.next("repository")
        self.node_id = node_id("R", self.id)
        self.default_branch = default_branch
        self.private = False
        self.visibility = "public"
        self.description: str | None = "A repository served by the GitHub stand-in"
        self.created_at = world.clock.now() - timedelta(days=400)
        self.pushed_at = world.clock.now()
        self.commits: dict[str, Commit] = {}
        self.refs: dict[str, str] = {}  # "refs/heads/main" -> sha
        self.tags: dict[str, Tag] = {}  # annotated tag objects by sha
        self.statuses: list[CommitStatus] = []
        self.check_runs: dict[int, CheckRun] = {}
        self.deployments: dict[int, Deployment] = {}
        self.environments: dict[str, Environment] = {}
        self.releases: dict[int, Release] = {}
        self.attestations: list[Attestation] = []
        self.pulls: dict[int, PullRequest] = {}
        self.issues: dict[int, Issue] = {}
        self.comments: list[IssueComment] = []
        self._numbers = itertools.count(1)
        self.commit("Initial commit", files={"README.md": f"# {name}\n"})

    @property
    def full_name(self) -> str:
        return f"{self.owner.login}/{self.name}"

    # ------------------------------------------------------------------ seeding helpers
    def commit(
        self,
        message: str,
        *,
        files: dict[str, str] | None = None,
        parents: list[str] | None = None,
        branch: str | None = None,
        author: User | None = None,
    ) -> Commit:
        """Add a commit (parents default to the branch head) and move the branch to it."""
        branch = branch or self.default_branch
        if parents is None:
            # a new branch starts from the default branch, as `git switch -c` would
            head = self.refs.get(f"refs/heads/{branch}") or self.refs.get(
                f"refs/heads/{self.default_branch}"
            )
            parents = [head] if head else []
        who = author or self.world.user("octocat")
        when = self.world.clock.now()
        person = GitPerson(
            who.name or who.login, who.email or f"{who.login}@users.noreply.github.com", when
        )
        changes = [
            FileChange(
                path,
                "added",
                text.count("\n") or 1,
                0,
                "@@ -0,0 +1 @@\n+" + text,
                _git_id("blob", text.encode()),
            )
            for path, text in sorted((files or {}).items())
        ]
        tree = _git_id("tree", "".join(f"{c.filename}{c.sha}" for c in changes).encode())
        stamp = f"{int(when.timestamp())} +0000"
        body = f"tree {tree}\n" + "".join(f"parent {p}\n" for p in parents)
        signature = f"{person.name} <{person.email}> {stamp}"
        body += f"author {signature}\ncommitter {signature}\n\n{message}\n"
        sha = _git_id("commit", body.encode())
        commit = Commit(sha, tree, message, person, person, list(parents), changes, who.login)
        self.commits[sha] = commit
        self.refs[f"refs/heads/{branch}"] = sha
        self.pushed_at = when
        return commit

    def pull_request(
        self,
        title: str,
        *,
        head_ref: str,
        base_ref: str | None = None,
        merged: bool = False,
        squash: bool = False,
        user: User | None = None,
        body: str | None = None,
    ) -> PullRequest:
        """Open a PR from branch `head_ref`; with merged=True, merge it into the base with a
        merge commit (the PR then belongs to the commits it brought in and to the merge); with
        squash=True too, as GitHub's "Squash and merge" does: one new commit on the base,
        `<title> (#<number>)`, whose parent is the base (the PR's commits stay only in the PR)."""
        base_ref = base_ref or self.default_branch
        head_sha = self.resolve(head_ref)
        base_sha = self.resolve(base_ref)
        if head_sha is None or base_sha is None:
            raise KeyError(f"unknown branch {head_ref!r} or {base_ref!r} in {self.full_name}")
        number = next(self._numbers)
        pid = self.world.ids.next("pull_request")
        now = self.world.clock.now()
        pr = PullRequest(
            number,
            pid,
            node_id("PR", self.id, pid),
            title,
            body,
            "open",
            head_ref,
            head_sha,
            base_ref,
            base_sha,
            user or self.world.user("octocat"),
            now,
            now,
        )
        pr.commit_shas = self.ahead(base_sha, head_sha)
        if merged:
            merge = (
                self.commit(f"{title} (#{number})", parents=[base_sha], branch=base_ref)
                if squash
                else self.commit(
                    f"Merge pull request #{number} from {self.owner.login}/{head_ref}\n\n{title}",
                    parents=[base_sha, head_sha],
                    branch=base_ref,
                )
            )
            pr.state, pr.merge_commit_sha, pr.merged_at, pr.closed_at = (
                "closed",
                merge.sha,
                now,
                now,
            )
        self.pulls[number] = pr
        return pr

    def issue(self, title: str, *, user: User | None = None) -> Issue:
        number = next(self._numbers)
        iid = self.world.ids.next("issue")
        issue = Issue(
            number,
            iid,
            node_id("I", self.id, iid),
            title,
            user or self.world.user("octocat"),
            self.world.clock.now(),
        )
        self.issues[number] = issue
        return issue

    # ------------------------------------------------------------------ git queries
    def resolve(self, ref: str) -> str | None:
        """A commit sha for a branch, tag, full ref or (abbreviated) sha; None if unknown."""
        for candidate in (ref, f"refs/heads/{ref}", f"refs/tags/{ref}", f"refs/{ref}"):
            if candidate in self.refs:
                return self.peel(self.refs[candidate])
        if len(ref) >= 7 and all(c in "0123456789abcdef" for c in ref):
            matches = [sha for sha in self.commits if sha.startswith(ref)]
            if len(matches) == 1:
                return matches[0]
        return None

    def peel(self, sha: str) -> str:
        while sha in self.tags:
            sha = self.tags[sha].object_sha
        return sha

    def ancestors(self, sha: str) -> list[str]:
        """`sha` and everything reachable from it, newest first (breadth-first)."""
        seen: dict[str, None] = {}
        queue = [sha]
        while queue:
            current = queue.pop(0)
            if current in seen or current not in self.commits:
                continue
            seen[current] = None
            queue.extend(self.commits[current].parents)
        return list(seen)

    def ahead(self, base: str, head: str) -> list[str]:
        """Commits reachable from head and not from base, oldest first."""
        behind = set(self.ancestors(base))
        return [sha for sha in reversed(self.ancestors(head)) if sha not in behind]

    def merge_base(self, base: str, head: str) -> str | None:
        reachable = set(self.ancestors(head))
        return next((sha for sha in self.ancestors(base) if sha in reachable), None)

    def pulls_for_commit(self, sha: str) -> list[PullRequest]:
        return [
            pr for pr in self.pulls.values() if sha in pr.commit_shas or sha == pr.merge_commit_sha
        ]

    def environment(self, name: str) -> Environment:
        """The environment called `name`, created on first use as GitHub does for deployments."""
        if name not in self.environments:
            eid = self.world.ids.next("environment")
            now = self.world.clock.now()
            self.environments[name] = Environment(eid, node_id("EN", self.id, eid), name, now, now)
        return self.environments[name]


class GitHubState:
    """Everything the stand-in knows. Mutated under `lock` by the server; tests may read it
    freely and seed it before or between requests. The properties `deployments`, `releases`,
    ... read the default (first) repository."""

    def __init__(self, *, repositories: tuple[str, ...] = ("octo-org/octo-repo",)) -> None:
        self.lock = threading.RLock()
        self.clock = Clock()
        self.ids = Ids()
        self.users: dict[str, User] = {}
        self.repositories: dict[str, Repository] = {}
        self.user("octocat", name="The Octocat", email="octocat@github.com")
        self.user("github-actions[bot]", type="Bot")
        for full_name in repositories:
            self.add_repository(full_name)

    def user(
        self, login: str, *, type: str = "User", name: str | None = None, email: str | None = None
    ) -> User:
        if login not in self.users:
            uid = self.ids.next("user")
            prefix = {"User": "U", "Bot": "BOT", "Organization": "O"}[type]
            self.users[login] = User(login, uid, node_id(prefix, uid), type, name, email)
        return self.users[login]

    def add_repository(self, full_name: str, *, default_branch: str = "main") -> Repository:
        owner_login, name = full_name.split("/", 1)
        owner = self.user(owner_login, type="Organization" if "-org" in owner_login else "User")
        repository = Repository(self, owner, name, default_branch=default_branch)
        self.repositories[full_name.lower()] = repository
        return repository

    def repository(self, owner: str, name: str) -> Repository | None:
        return self.repositories.get(f"{owner}/{name}".lower())

    @property
    def repo(self) -> Repository:
        return next(iter(self.repositories.values()))

    @property
    def deployments(self) -> list[Deployment]:
        return list(self.repo.deployments.values())

    @property
    def releases(self) -> list[Release]:
        return list(self.repo.releases.values())

    @property
    def statuses(self) -> list[CommitStatus]:
        return self.repo.statuses

    @property
    def check_runs(self) -> list[CheckRun]:
        return list(self.repo.check_runs.values())

    @property
    def attestations(self) -> list[Attestation]:
        return self.repo.attestations

    @property
    def comments(self) -> list[IssueComment]:
        return self.repo.comments

    @property
    def environments(self) -> dict[str, Environment]:
        return self.repo.environments

    def snapshot(self) -> dict[str, Any]:
        """A JSON-able picture of the records clients write (for the CLI's state file)."""

        def plain(value: Any) -> Any:
            if isinstance(value, datetime):
                return github_time(value)
            if isinstance(value, bytes):
                return {"sha256": hashlib.sha256(value).hexdigest(), "size": len(value)}
            if isinstance(value, dict):
                return {k: plain(v) for k, v in value.items()}
            if isinstance(value, list | tuple):
                return [plain(v) for v in value]
            return value

        def records(items: Iterator[Any] | list[Any]) -> list[Any]:
            return [plain(asdict(item)) for item in items]

        with self.lock:
            return {
                name: {
                    "refs": dict(repo.refs),
                    "deployments": records(iter(repo.deployments.values())),
                    "environments": records(iter(repo.environments.values())),
                    "statuses": records(repo.statuses),
                    "check_runs": records(iter(repo.check_runs.values())),
                    "releases": records(iter(repo.releases.values())),
                    "attestations": records(repo.attestations),
                    "comments": records(repo.comments),
                }
                for name, repo in self.repositories.items()
            }
