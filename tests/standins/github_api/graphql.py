"""GraphQL over the same state as REST, executed by graphql-core against GitHub's real schema.

Objects are dicts keyed by GraphQL field name; a value is either the field's value or a
callable taking the field's arguments. A field the stand-in does not serve raises
`NotServed` (the test that asked for it fails: no silent nulls). Connections follow GitHub's
rules: `first` or `last` is required (at most 100), cursors are opaque, `pageInfo` and
`totalCount` are exact.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from datetime import timedelta
from typing import Any

from graphql import DocumentNode, ExecutionResult, GraphQLError, GraphQLSchema, execute

from .rest import combined_state, latest_statuses
from .rest_objects import Rest, payload_text
from .state import (
    Commit,
    Deployment,
    DeploymentStatus,
    Environment,
    GitHubState,
    PullRequest,
    Release,
    Repository,
    Tag,
    User,
    node_id,
)
from .state import github_time as _t

Node = dict[str, Any]


class ClientError(GraphQLError):
    """An error GitHub reports to the client with a `type` (NOT_FOUND, ...)."""

    def __init__(self, message: str, kind: str) -> None:
        super().__init__(message)
        self.kind = kind


class NotServed(GraphQLError):
    """The query asks for something the stand-in does not implement."""


_MISUSE = ("MISSING_PAGINATION_BOUNDARIES", "EXCESSIVE_PAGINATION", "INVALID_CURSOR_ARGUMENTS")


def is_misuse(error: GraphQLError) -> bool:
    """Errors that mean the client sent a query GitHub would refuse."""
    original = error.original_error
    return isinstance(original, ClientError) and original.kind in _MISUSE


def strict_resolver(source: Any, info: Any, **args: Any) -> Any:
    if not isinstance(source, Mapping) or info.field_name not in source:
        raise NotServed(
            f"the GitHub stand-in does not serve {info.parent_type.name}.{info.field_name}"
        )
    value = source[info.field_name]
    return value(**args) if callable(value) else value


def _cursor(index: int) -> str:
    return base64.b64encode(f"cursor:v2:{index}".encode()).decode()


def _index(cursor: str) -> int:
    try:
        return int(base64.b64decode(cursor).decode().rsplit(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError) as error:
        raise ClientError(
            f"`{cursor}` does not appear to be a valid cursor.", "INVALID_CURSOR_ARGUMENTS"
        ) from error


def connection(
    name: str, items: Sequence[Any], to_node: Callable[[Any], Node]
) -> Callable[..., Node]:
    """A Relay connection over `items` (already in the connection's order)."""

    def resolve(
        first: int | None = None,
        last: int | None = None,
        after: str | None = None,
        before: str | None = None,
        **_: Any,
    ) -> Node:
        if first is None and last is None:
            raise ClientError(
                f"You must provide a `first` or `last` value to properly paginate the `{name}` "
                "connection.",
                "MISSING_PAGINATION_BOUNDARIES",
            )
        for label, value in (("first", first), ("last", last)):
            if value is not None and not 0 <= value <= 100:
                raise ClientError(
                    f"Requesting {value} records on the `{name}` connection exceeds the `{label}` "
                    "limit of 100 records.",
                    "EXCESSIVE_PAGINATION",
                )
        start, stop = 0, len(items)
        if after is not None:
            start = _index(after) + 1
        if before is not None:
            stop = min(stop, _index(before))
        window = list(range(start, max(start, stop)))
        if first is not None:
            window = window[:first]
        if last is not None:
            window = window[max(0, len(window) - last) :]
        nodes = [to_node(items[i]) for i in window]
        return {
            "nodes": nodes,
            "edges": [
                {"node": n, "cursor": _cursor(i)} for n, i in zip(nodes, window, strict=True)
            ],
            "totalCount": len(items),
            "pageInfo": {
                "hasNextPage": bool(window) and window[-1] < len(items) - 1,
                "hasPreviousPage": bool(window) and window[0] > 0,
                "startCursor": _cursor(window[0]) if window else None,
                "endCursor": _cursor(window[-1]) if window else None,
            },
        }

    return resolve


def _ordered(
    items: Sequence[Any], order_by: Mapping[str, str] | None, default: str = "ASC"
) -> list[Any]:
    direction = (order_by or {}).get("direction", default)
    return sorted(
        items,
        key=lambda item: (item.created_at, getattr(item, "id", 0)),
        reverse=direction == "DESC",
    )


class GraphQLApi:
    def __init__(self, state: GitHubState, render: Rest, schema: GraphQLSchema) -> None:
        self.state = state
        self.render = render
        self.schema = schema

    def execute(
        self,
        document: DocumentNode,
        variables: Mapping[str, Any] | None,
        operation_name: str | None,
        viewer: User,
        usage: Mapping[str, int],
    ) -> ExecutionResult:
        result = execute(
            self.schema,
            document,
            root_value=self.root(viewer, usage),
            variable_values=dict(variables or {}),
            operation_name=operation_name,
            field_resolver=strict_resolver,
        )
        assert isinstance(result, ExecutionResult)
        return result

    # ------------------------------------------------------------------ root
    def root(self, viewer: User, usage: Mapping[str, int]) -> Node:
        now = self.state.clock.now()
        return {
            "repository": self._repository,
            "node": lambda id: self._node(id),
            "nodes": lambda ids: [self._node(i, strict=False) for i in ids],
            "viewer": self.user(viewer),
            "rateLimit": lambda dryRun=False: {
                "cost": 1,
                "limit": 5000,
                "used": usage["graphql"],
                "remaining": 5000 - usage["graphql"],
                "nodeCount": 1,
                "resetAt": _t(now + timedelta(hours=1)),
            },
        }

    def _repository(self, owner: str, name: str, followRenames: bool = True) -> Node:
        repo = self.state.repository(owner, name)
        if repo is None:
            raise ClientError(
                f"Could not resolve to a Repository with the name '{owner}/{name}'.", "NOT_FOUND"
            )
        return self.repository(repo)

    def _node(self, node_id: str, *, strict: bool = True) -> Node | None:
        for repo in self.state.repositories.values():
            found = self._find(repo, node_id)
            if found is not None:
                return found
        for user in self.state.users.values():
            if user.node_id == node_id:
                return self.user(user)
        if strict:
            raise ClientError(
                f"Could not resolve to a node with the global id of '{node_id}'", "NOT_FOUND"
            )
        return None

    def _find(self, repo: Repository, node_id: str) -> Node | None:
        if repo.node_id == node_id:
            return self.repository(repo)
        for d in repo.deployments.values():
            if d.node_id == node_id:
                return self.deployment(repo, d)
            for s in d.statuses:
                if s.node_id == node_id:
                    return self.deployment_status(repo, d, s)
        for pr in repo.pulls.values():
            if pr.node_id == node_id:
                return self.pull_request(repo, pr)
        for r in repo.releases.values():
            if r.node_id == node_id:
                return self.release(repo, r)
        for e in repo.environments.values():
            if e.node_id == node_id:
                return _environment(e)
        return None

    # ------------------------------------------------------------------ objects
    def user(self, user: User) -> Node:
        typename = {"User": "User", "Bot": "Bot", "Organization": "Organization"}[user.type]
        login = user.login.removesuffix("[bot]")
        url = f"{self.render.urls.server}/{'apps/' + login if typename == 'Bot' else login}"
        return {
            "__typename": typename,
            "id": user.node_id,
            "databaseId": user.id,
            "login": login,
            "url": url,
            "resourcePath": url.removeprefix(self.render.urls.server),
            "avatarUrl": lambda size=None: f"{self.render.urls.server}/avatars/u/{user.id}?v=4",
            "name": user.name,
            "email": user.email or "",
        }

    def repository(self, repo: Repository) -> Node:
        html = self.render.urls.repo_html(repo)
        all_deployments = list(repo.deployments.values())

        def deployments(
            environments: list[str] | None = None,
            orderBy: Mapping[str, str] | None = None,
            **page: Any,
        ) -> Node:
            chosen = [
                d for d in all_deployments if environments is None or d.environment in environments
            ]
            return connection(
                "deployments", _ordered(chosen, orderBy), lambda d: self.deployment(repo, d)
            )(**page)

        def pull_requests(
            states: list[str] | None = None,
            headRefName: str | None = None,
            baseRefName: str | None = None,
            orderBy: Mapping[str, str] | None = None,
            labels: Any = None,
            **page: Any,
        ) -> Node:
            chosen = [
                pr
                for pr in repo.pulls.values()
                if (states is None or _pr_state(pr) in states)
                and headRefName in (None, pr.head_ref)
                and baseRefName in (None, pr.base_ref)
            ]
            return connection(
                "pullRequests", _ordered(chosen, orderBy), lambda p: self.pull_request(repo, p)
            )(**page)

        def releases(orderBy: Mapping[str, str] | None = None, **page: Any) -> Node:
            published = list(repo.releases.values())
            return connection(
                "releases",
                _ordered(published, orderBy or {"direction": "DESC"}),
                lambda r: self.release(repo, r),
            )(**page)

        def refs(
            refPrefix: str,
            query: str | None = None,
            direction: str | None = None,
            orderBy: Any = None,
            **page: Any,
        ) -> Node:
            names = sorted(
                n for n in repo.refs if n.startswith(refPrefix) and (query is None or query in n)
            )
            if direction == "DESC":
                names.reverse()
            return connection("refs", names, lambda n: self.ref(repo, n))(**page)

        def environments(
            names: list[str] | None = None,
            orderBy: Any = None,
            pinnedEnvironmentFilter: Any = None,
            **page: Any,
        ) -> Node:
            chosen = [e for e in repo.environments.values() if names is None or e.name in names]
            return connection(
                "environments", sorted(chosen, key=lambda e: e.name.lower()), _environment
            )(**page)

        return {
            "__typename": "Repository",
            "id": repo.node_id,
            "databaseId": repo.id,
            "name": repo.name,
            "nameWithOwner": repo.full_name,
            "url": html,
            "resourcePath": f"/{repo.full_name}",
            "isPrivate": repo.private,
            "visibility": repo.visibility.upper(),
            "description": repo.description,
            "createdAt": _t(repo.created_at),
            "updatedAt": _t(repo.pushed_at),
            "pushedAt": _t(repo.pushed_at),
            "owner": self.user(repo.owner),
            "defaultBranchRef": lambda: self.ref(repo, f"refs/heads/{repo.default_branch}"),
            "deployments": deployments,
            "environment": lambda name: _maybe(repo.environments.get(name), _environment),
            "environments": environments,
            "object": lambda oid=None, expression=None: self.git_object(
                repo, oid or expression or ""
            ),
            "ref": lambda qualifiedName: self.ref(
                repo,
                qualifiedName
                if qualifiedName.startswith("refs/")
                else _qualify(repo, qualifiedName),
            ),
            "refs": refs,
            "pullRequest": lambda number: _maybe(
                repo.pulls.get(number), lambda p: self.pull_request(repo, p)
            ),
            "pullRequests": pull_requests,
            "release": lambda tagName: next(
                (self.release(repo, r) for r in repo.releases.values() if r.tag_name == tagName),
                None,
            ),
            "releases": releases,
            "latestRelease": lambda: _maybe(_latest_release(repo), lambda r: self.release(repo, r)),
        }

    def deployment(self, repo: Repository, d: Deployment) -> Node:
        latest = d.latest_status
        qualified = _qualify(repo, d.ref)
        return {
            "__typename": "Deployment",
            "id": d.node_id,
            "databaseId": d.id,
            "commitOid": d.sha,
            "commit": lambda: self.commit(repo, repo.commits[d.sha]),
            "createdAt": _t(d.created_at),
            "updatedAt": _t(d.updated_at),
            "creator": self.user(d.creator),
            "description": d.description,
            "environment": d.environment,
            "originalEnvironment": d.original_environment,
            "latestEnvironment": latest.environment if latest else d.environment,
            "latestStatus": lambda: _maybe(latest, lambda s: self.deployment_status(repo, d, s)),
            "payload": payload_text(d.payload),
            "task": d.task,
            "ref": lambda: self.ref(repo, qualified) if qualified in repo.refs else None,
            "repository": lambda: self.repository(repo),
            "state": _deployment_state(latest),
            "statuses": lambda **page: connection(
                "statuses", list(reversed(d.statuses)), lambda s: self.deployment_status(repo, d, s)
            )(**page),
        }

    def deployment_status(self, repo: Repository, d: Deployment, s: DeploymentStatus) -> Node:
        return {
            "__typename": "DeploymentStatus",
            "id": s.node_id,
            "state": s.state.upper(),
            "description": s.description or None,
            "environment": s.environment,
            "environmentUrl": s.environment_url or None,
            "logUrl": s.log_url or None,
            "createdAt": _t(s.created_at),
            "updatedAt": _t(s.updated_at),
            "creator": self.user(s.creator),
            "deployment": lambda: self.deployment(repo, d),
        }

    def commit(self, repo: Repository, c: Commit) -> Node:
        html = f"{self.render.urls.repo_html(repo)}/commit/{c.sha}"
        author = repo.world.users.get(c.author_login or "")

        def actor(person: Any) -> Node:
            return {
                "name": person.name,
                "email": person.email,
                "date": _t(person.date),
                "avatarUrl": lambda size=None: f"{self.render.urls.server}/avatars/u/0?v=4",
                "user": self.user(author) if author and author.type == "User" else None,
            }

        def history(
            since: str | None = None,
            until: str | None = None,
            path: str | None = None,
            author: Any = None,
            **page: Any,
        ) -> Node:
            shas = [
                s
                for s in repo.ancestors(c.sha)
                if (since is None or _t(repo.commits[s].committer.date) >= since)
                and (until is None or _t(repo.commits[s].committer.date) <= until)
                and (path is None or any(f.filename == path for f in repo.commits[s].files))
            ]
            return connection("history", shas, lambda s: self.commit(repo, repo.commits[s]))(**page)

        def deployments(
            environments: list[str] | None = None, orderBy: Any = None, **page: Any
        ) -> Node:
            chosen = [
                d
                for d in repo.deployments.values()
                if d.sha == c.sha and (environments is None or d.environment in environments)
            ]
            return connection(
                "deployments", _ordered(chosen, orderBy), lambda d: self.deployment(repo, d)
            )(**page)

        headline, _, rest = c.message.partition("\n")
        statuses = [s for s in repo.statuses if s.sha == c.sha]
        return {
            "__typename": "Commit",
            "id": self.render.commit(repo, c, with_files=False)["node_id"],
            "oid": c.sha,
            "abbreviatedOid": c.sha[:7],
            "message": c.message,
            "messageHeadline": headline,
            "messageBody": rest.strip(),
            "committedDate": _t(c.committer.date),
            "authoredDate": _t(c.author.date),
            "url": html,
            "commitUrl": html,
            "resourcePath": html.removeprefix(self.render.urls.server),
            "author": actor(c.author),
            "committer": actor(c.committer),
            "additions": sum(f.additions for f in c.files),
            "deletions": sum(f.deletions for f in c.files),
            "changedFilesIfAvailable": len(c.files),
            "parents": lambda **page: connection(
                "parents", c.parents, lambda s: self.commit(repo, repo.commits[s])
            )(**page),
            "history": history,
            "associatedPullRequests": lambda orderBy=None, **page: connection(
                "associatedPullRequests",
                _ordered(repo.pulls_for_commit(c.sha), orderBy),
                lambda p: self.pull_request(repo, p),
            )(**page),
            "deployments": deployments,
            "status": lambda: self._status(repo, c.sha) if statuses else None,
            "repository": lambda: self.repository(repo),
            "tree": {"__typename": "Tree", "id": f"T_{c.tree_sha[:16]}", "oid": c.tree_sha},
        }

    def _status(self, repo: Repository, sha: str) -> Node:
        latest = latest_statuses(repo, sha)
        contexts = [
            {
                "__typename": "StatusContext",
                "id": s.node_id,
                "context": s.context,
                "state": s.state.upper(),
                "description": s.description,
                "targetUrl": s.target_url,
                "createdAt": _t(s.created_at),
                "creator": self.user(s.creator),
            }
            for s in latest
        ]
        return {
            "__typename": "Status",
            "id": f"SC_{sha[:20]}",
            "state": combined_state(latest).upper(),
            "contexts": contexts,
            "context": lambda name: next((x for x in contexts if x["context"] == name), None),
        }

    def pull_request(self, repo: Repository, pr: PullRequest) -> Node:
        url = f"{self.render.urls.repo_html(repo)}/pull/{pr.number}"
        return {
            "__typename": "PullRequest",
            "id": pr.node_id,
            "databaseId": pr.id,
            "fullDatabaseId": str(pr.id),
            "number": pr.number,
            "title": pr.title,
            "body": pr.body or "",
            "url": url,
            "permalink": url,
            "resourcePath": url.removeprefix(self.render.urls.server),
            "state": _pr_state(pr),
            "merged": pr.merged_at is not None,
            "mergedAt": pr.merged_at and _t(pr.merged_at),
            "closed": pr.state == "closed",
            "closedAt": pr.closed_at and _t(pr.closed_at),
            "createdAt": _t(pr.created_at),
            "updatedAt": _t(pr.updated_at),
            "isDraft": pr.draft,
            "headRefName": pr.head_ref,
            "headRefOid": pr.head_sha,
            "baseRefName": pr.base_ref,
            "baseRefOid": pr.base_sha,
            "author": self.user(pr.user),
            "mergeCommit": lambda: _maybe(
                pr.merge_commit_sha, lambda s: self.commit(repo, repo.commits[s])
            ),
            "commits": lambda **page: connection(
                "commits",
                pr.commit_shas,
                lambda s: {
                    "__typename": "PullRequestCommit",
                    "id": f"PURC_{s[:20]}",
                    "url": f"{url}/commits/{s}",
                    "commit": self.commit(repo, repo.commits[s]),
                },
            )(**page),
            "repository": lambda: self.repository(repo),
        }

    def ref(self, repo: Repository, qualified: str) -> Node | None:
        if qualified not in repo.refs:
            return None
        prefix, _, name = (
            qualified.rpartition("/")
            if qualified.count("/") == 2
            else ("/".join(qualified.split("/")[:2]), "/", "/".join(qualified.split("/")[2:]))
        )
        target = repo.refs[qualified]
        return {
            "__typename": "Ref",
            "id": node_id(
                "REF",
                repo.id,
                int(hashlib.sha1(qualified.encode(), usedforsecurity=False).hexdigest()[:12], 16),
            ),
            "name": name,
            "prefix": prefix + "/",
            "repository": lambda: self.repository(repo),
            "target": lambda: self.git_object(repo, target),
        }

    def git_object(self, repo: Repository, expression: str) -> Node | None:
        if expression in repo.tags:
            return self.tag(repo, repo.tags[expression])
        qualified = _qualify(repo, expression)
        if qualified in repo.refs and repo.refs[qualified] in repo.tags:
            return self.tag(repo, repo.tags[repo.refs[qualified]])
        sha = (
            repo.resolve(expression) if expression != "HEAD" else repo.resolve(repo.default_branch)
        )
        return self.commit(repo, repo.commits[sha]) if sha else None

    def tag(self, repo: Repository, tag: Tag) -> Node:
        return {
            "__typename": "Tag",
            "id": f"TAG_{tag.sha[:20]}",
            "oid": tag.sha,
            "abbreviatedOid": tag.sha[:7],
            "name": tag.tag,
            "message": tag.message,
            "tagger": {
                "name": tag.tagger.name,
                "email": tag.tagger.email,
                "date": _t(tag.tagger.date),
                "user": None,
            },
            "target": lambda: self.git_object(repo, tag.object_sha),
            "repository": lambda: self.repository(repo),
        }

    def release(self, repo: Repository, r: Release) -> Node:
        body = self.render.release(repo, r)
        latest = _latest_release(repo)
        return {
            "__typename": "Release",
            "id": r.node_id,
            "databaseId": r.id,
            "name": r.name,
            "tagName": r.tag_name,
            "description": r.body,
            "isDraft": r.draft,
            "isPrerelease": r.prerelease,
            "isLatest": latest is r,
            "createdAt": _t(r.created_at),
            "updatedAt": _t(r.updated_at),
            "publishedAt": r.published_at and _t(r.published_at),
            "url": body["html_url"],
            "author": self.user(r.author) if r.author.type == "User" else None,
            "tag": lambda: self.ref(repo, f"refs/tags/{r.tag_name}"),
            "tagCommit": lambda: _maybe(
                repo.resolve(f"refs/tags/{r.tag_name}"),
                lambda s: self.commit(repo, repo.commits[s]),
            ),
            "repository": lambda: self.repository(repo),
            "releaseAssets": lambda name=None, **page: connection(
                "releaseAssets",
                [a for a in r.assets if name in (None, a.name)],
                lambda a: {
                    "__typename": "ReleaseAsset",
                    "id": a.node_id,
                    "name": a.name,
                    "contentType": a.content_type,
                    "size": len(a.content),
                    "downloadCount": a.download_count,
                    "downloadUrl": self.render.release_asset(repo, r, a)["browser_download_url"],
                    "url": self.render.release_asset(repo, r, a)["browser_download_url"],
                    "createdAt": _t(a.created_at),
                    "updatedAt": _t(a.updated_at),
                    "uploadedBy": self.user(a.uploader),
                },
            )(**page),
        }


def _environment(environment: Environment) -> Node:
    return {
        "__typename": "Environment",
        "id": environment.node_id,
        "databaseId": environment.id,
        "name": environment.name,
        "isPinned": False,
        "pinnedPosition": None,
    }


def _maybe(value: Any, build: Callable[[Any], Node]) -> Node | None:
    return None if value is None else build(value)


def _qualify(repo: Repository, name: str) -> str:
    for candidate in (f"refs/heads/{name}", f"refs/tags/{name}", name):
        if candidate in repo.refs:
            return candidate
    return f"refs/heads/{name}"


def _pr_state(pr: PullRequest) -> str:
    if pr.merged_at is not None:
        return "MERGED"
    return "OPEN" if pr.state == "open" else "CLOSED"


def _deployment_state(latest: DeploymentStatus | None) -> str:
    if latest is None:
        return "PENDING"
    return {"success": "ACTIVE"}.get(latest.state, latest.state.upper())


def _latest_release(repo: Repository) -> Release | None:
    published = [r for r in repo.releases.values() if not r.draft and not r.prerelease]
    return max(published, key=lambda r: (r.created_at, r.id), default=None)


def formatted_errors(result: ExecutionResult) -> list[dict[str, Any]]:
    """graphql-core errors in GitHub's shape (a top-level `type` for typed errors)."""
    errors = []
    for error in result.errors or []:
        shaped: dict[str, Any] = dict(error.formatted)
        original = error.original_error
        if isinstance(original, ClientError):
            shaped["type"] = original.kind
        errors.append(shaped)
    return errors


def dumps(document: Any) -> bytes:
    return json.dumps(document).encode()
