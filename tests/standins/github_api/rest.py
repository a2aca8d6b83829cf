"""The REST operations, one handler per operation id, registered in `OPERATIONS`.

A handler receives a validated `Call` (path, query and body already unmarshalled by
openapi-core against GitHub's description) and returns a `Reply` or raises `ApiError` with
GitHub's own status and message for the case. Behaviour follows GitHub's documentation
(auto-inactive deployment statuses, required contexts, release tags, asset renaming, ...)."""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from ..loopback import HttpRequest
from .rest_objects import Rest
from .state import (
    Attestation,
    CheckRun,
    CommitStatus,
    Deployment,
    DeploymentStatus,
    GitHubState,
    GitPerson,
    IssueComment,
    Release,
    ReleaseAsset,
    Repository,
    Tag,
    User,
    _git_id,
    node_id,
)


class ApiError(Exception):
    """GitHub's answer to a request it understood but refuses."""

    def __init__(
        self, status: int, message: str, errors: Sequence[Mapping[str, Any]] | None = None
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.errors = list(errors or [])


@dataclass
class Call:
    operation_id: str
    state: GitHubState
    render: Rest
    actor: User
    path: Mapping[str, Any]
    query: Mapping[str, Any]
    body: Any
    request: HttpRequest
    usage: Mapping[str, int]  # rate-limit points used so far: {"core": n, "graphql": m}

    @property
    def repo(self) -> Repository:
        repo = self.state.repository(self.path["owner"], self.path["repo"])
        if repo is None:
            raise ApiError(404, "Not Found")
        return repo

    def page(self, items: Sequence[Any]) -> tuple[list[Any], dict[str, str]]:
        """GitHub's page/per_page pagination with a Link header PyGithub follows."""
        per_page = max(1, min(int(self.query.get("per_page", 30)), 100))
        page = max(1, int(self.query.get("page", 1)))
        last = max(1, -(-len(items) // per_page))
        chunk = list(items[(page - 1) * per_page : page * per_page])
        base = self.request.base_url + self.request.path
        query = [(k, v) for k, v in self.request.query if k not in ("page", "per_page")]

        def link(number: int, rel: str) -> str:
            return f'<{base}?{urlencode([*query, ("per_page", per_page), ("page", number)])}>; rel="{rel}"'

        links = []
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        if page > 1:
            links += [link(1, "first"), link(page - 1, "prev")]
        return chunk, ({"Link": ", ".join(links)} if links else {})


@dataclass
class Reply:
    status: int
    body: Any = None
    headers: dict[str, str] = field(default_factory=dict)


Handler = Callable[[Call], Reply]


@dataclass(frozen=True)
class Operation:
    handler: Handler
    permissions: tuple[tuple[str, str], ...]  # any one of (scope, level) suffices; () = none needed


OPERATIONS: dict[str, Operation] = {}


def operation(operation_id: str, *permissions: tuple[str, str]) -> Callable[[Handler], Handler]:
    def register(handler: Handler) -> Handler:
        OPERATIONS[operation_id] = Operation(handler, permissions)
        return handler

    return register


def _validation_failed(resource: str, field_name: str, code: str) -> ApiError:
    return ApiError(
        422, "Validation Failed", [{"resource": resource, "field": field_name, "code": code}]
    )


def _commit_sha(repo: Repository, ref: str) -> str:
    sha = repo.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No commit found for SHA: {ref}")
    return sha


def _unset(value: Any) -> bool:
    """The description's default for list-deployments filters is the literal "none"."""
    return value is None or value == "none"


# ----------------------------------------------------------------------------- meta


@operation("rate-limit/get")
def get_rate_limit(call: Call) -> Reply:
    reset = int(call.state.clock.now().timestamp()) + 3600

    def bucket(limit: int, used: int) -> dict[str, int]:
        return {"limit": limit, "used": used, "remaining": max(limit - used, 0), "reset": reset}

    core = bucket(5000, call.usage["core"])
    resources = {
        "core": core,
        "search": bucket(30, 0),
        "graphql": bucket(5000, call.usage["graphql"]),
        "integration_manifest": bucket(5000, 0),
        "code_scanning_autofix": bucket(10, 0),
    }
    return Reply(200, {"resources": resources, "rate": core})


@operation("repos/get", ("metadata", "read"))
def get_repository(call: Call) -> Reply:
    return Reply(200, call.render.repository(call.repo))


# ----------------------------------------------------------------------------- attestations


def _subject_digests(bundle: Mapping[str, Any]) -> tuple[list[str], str | None]:
    try:
        envelope = bundle["dsseEnvelope"]
        statement = json.loads(base64.b64decode(envelope["payload"], validate=True))
        digests = [
            f"{alg}:{value}" for s in statement["subject"] for alg, value in s["digest"].items()
        ]
        return digests, statement.get("predicateType")
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise ApiError(
            422, f"Invalid bundle: not a DSSE-enveloped in-toto statement ({error})"
        ) from error


@operation("repos/create-attestation", ("attestations", "write"))
def create_attestation(call: Call) -> Reply:
    digests, predicate_type = _subject_digests(call.body["bundle"])
    attestation = Attestation(
        call.state.ids.next("attestation"),
        call.body["bundle"],
        digests,
        predicate_type,
        call.state.clock.now(),
    )
    call.repo.attestations.append(attestation)
    return Reply(201, {"id": attestation.id})


@operation("repos/list-attestations", ("attestations", "read"))
def list_attestations(call: Call) -> Reply:
    repo = call.repo
    digest = call.path["subject_digest"]
    predicate = call.query.get("predicate_type")
    matches = [
        a
        for a in reversed(repo.attestations)
        if digest in a.subject_digests and (predicate is None or a.predicate_type == predicate)
    ]
    after = call.query.get("after")
    if after is not None:
        matches = [a for a in matches if a.id < int(after)]
    per_page = max(1, min(int(call.query.get("per_page", 30)), 100))
    chunk = matches[:per_page]
    headers = {}
    if len(matches) > per_page:
        headers["Link"] = (
            f'<{call.request.base_url}{call.request.path}?per_page={per_page}&after={chunk[-1].id}>; rel="next"'
        )
    body = {
        "attestations": [
            {
                "bundle": a.bundle,
                "repository_id": repo.id,
                "bundle_url": f"{call.render.urls.repo_api(repo)}/attestations/{a.id}/bundle",
            }
            for a in chunk
        ]
    }
    return Reply(200, body, headers)


# ----------------------------------------------------------------------------- checks


def _apply_check_fields(run: CheckRun, body: Mapping[str, Any], call: Call) -> None:
    for name in ("name", "details_url", "external_id"):
        if name in body:
            setattr(run, name, body[name])
    if "started_at" in body:
        run.started_at = _parse_time(body["started_at"])
    if "status" in body:
        run.status = body["status"]
    if "output" in body:
        run.output = {**run.output, **body["output"]}
    if body.get("conclusion") is not None:
        run.conclusion, run.status = body["conclusion"], "completed"
    if "completed_at" in body:
        run.completed_at = _parse_time(body["completed_at"])
    if run.status == "completed" and run.completed_at is None:
        run.completed_at = call.state.clock.now()
    if run.status == "completed" and run.conclusion is None:
        raise ApiError(
            422, "Invalid request.\n\n`conclusion` is required when `status` is `completed`."
        )


def _parse_time(value: Any) -> Any:
    from datetime import datetime

    return (
        value
        if not isinstance(value, str)
        else datetime.fromisoformat(value.replace("Z", "+00:00"))
    )


@operation("checks/create", ("checks", "write"))
def create_check_run(call: Call) -> Reply:
    repo = call.repo
    sha = call.body["head_sha"]
    if sha not in repo.commits:
        raise ApiError(422, f"No commit found for SHA: {sha}")
    rid = call.state.ids.next("check_run")
    run = CheckRun(
        rid,
        node_id("CR", repo.id, rid),
        sha,
        call.body["name"],
        "queued",
        None,
        None,
        None,
        call.state.clock.now(),
        None,
        {},
        call.state.ids.next("check_suite"),
    )
    _apply_check_fields(run, call.body, call)
    repo.check_runs[rid] = run
    return Reply(201, call.render.check_run(repo, run))


@operation("checks/update", ("checks", "write"))
def update_check_run(call: Call) -> Reply:
    repo = call.repo
    run = repo.check_runs.get(call.path["check_run_id"])
    if run is None:
        raise ApiError(404, "Not Found")
    _apply_check_fields(run, call.body or {}, call)
    return Reply(200, call.render.check_run(repo, run))


# ----------------------------------------------------------------------------- commits


@operation("repos/get-commit", ("contents", "read"))
def get_commit(call: Call) -> Reply:
    repo = call.repo
    return Reply(200, call.render.commit(repo, repo.commits[_commit_sha(repo, call.path["ref"])]))


@operation("repos/list-pull-requests-associated-with-commit", ("pull_requests", "read"))
def list_pulls_for_commit(call: Call) -> Reply:
    repo = call.repo
    sha = _commit_sha(repo, call.path["commit_sha"])
    chunk, headers = call.page(repo.pulls_for_commit(sha))
    return Reply(200, [call.render.pull_request_simple(repo, pr) for pr in chunk], headers)


@operation("repos/compare-commits", ("contents", "read"))
def compare_commits(call: Call) -> Reply:
    repo = call.repo
    base_ref, head_ref = call.path["base"], call.path["head"]
    base, head = repo.resolve(base_ref), repo.resolve(head_ref)
    if base is None or head is None:
        raise ApiError(404, "Not Found")
    ahead, behind = repo.ahead(base, head), repo.ahead(head, base)
    status = {(False, False): "identical", (True, False): "ahead", (False, True): "behind"}.get(
        (bool(ahead), bool(behind)), "diverged"
    )
    merge_base = repo.merge_base(base, head) or base
    chunk, headers = call.page(ahead)
    files = {change.filename: (sha, change) for sha in ahead for change in repo.commits[sha].files}
    api, html = call.render.urls.repo_api(repo), call.render.urls.repo_html(repo)
    span = f"{base_ref}...{head_ref}"
    body = {
        "url": f"{api}/compare/{span}",
        "html_url": f"{html}/compare/{span}",
        "permalink_url": f"{html}/compare/{repo.owner.login}:{base[:7]}...{repo.owner.login}:{head[:7]}",
        "diff_url": f"{html}/compare/{span}.diff",
        "patch_url": f"{html}/compare/{span}.patch",
        "base_commit": call.render.commit(repo, repo.commits[base], with_files=False),
        "merge_base_commit": call.render.commit(repo, repo.commits[merge_base], with_files=False),
        "status": status,
        "ahead_by": len(ahead),
        "behind_by": len(behind),
        "total_commits": len(ahead),
        "commits": [call.render.commit(repo, repo.commits[sha], with_files=False) for sha in chunk],
        "files": [call.render.diff_entry(repo, sha, change) for sha, change in files.values()],
    }
    return Reply(200, body, headers)


# ----------------------------------------------------------------------------- commit statuses


def latest_statuses(repo: Repository, sha: str) -> list[CommitStatus]:
    latest: dict[str, CommitStatus] = {}
    for status in repo.statuses:
        if status.sha == sha:
            latest[status.context] = status
    return sorted(latest.values(), key=lambda s: s.id, reverse=True)


def combined_state(statuses: Sequence[CommitStatus]) -> str:
    states = {s.state for s in statuses}
    if states & {"error", "failure"}:
        return "failure"
    if not statuses or "pending" in states:
        return "pending"
    return "success"


@operation("repos/create-commit-status", ("statuses", "write"))
def create_commit_status(call: Call) -> Reply:
    repo = call.repo
    sha = call.path["sha"]
    if sha not in repo.commits:
        raise ApiError(422, f"No commit found for SHA: {sha}")
    now = call.state.clock.now()
    sid = call.state.ids.next("status")
    status = CommitStatus(
        sid,
        node_id("SC", repo.id, sid),
        sha,
        call.body["state"],
        call.body.get("context") or "default",
        call.body.get("description"),
        call.body.get("target_url"),
        call.actor,
        now,
        now,
    )
    repo.statuses.append(status)
    return Reply(201, call.render.status(repo, status))


@operation("repos/get-combined-status-for-ref", ("statuses", "read"))
def get_combined_status(call: Call) -> Reply:
    repo = call.repo
    sha = repo.resolve(call.path["ref"])
    if sha is None:
        raise ApiError(404, "Not Found")
    latest = latest_statuses(repo, sha)
    chunk, headers = call.page(latest)
    return Reply(
        200, call.render.combined_status(repo, sha, chunk, combined_state(latest)), headers
    )


# ----------------------------------------------------------------------------- deployments


def _deployment(call: Call) -> Deployment:
    deployment = call.repo.deployments.get(call.path["deployment_id"])
    if deployment is None:
        raise ApiError(404, "Not Found")
    return deployment


@operation("repos/list-deployments", ("deployments", "read"))
def list_deployments(call: Call) -> Reply:
    repo = call.repo
    filters = {name: call.query.get(name) for name in ("sha", "ref", "task", "environment")}
    matches = [
        d
        for d in reversed(repo.deployments.values())
        if all(_unset(value) or getattr(d, name) == value for name, value in filters.items())
    ]
    chunk, headers = call.page(matches)
    return Reply(200, [call.render.deployment(repo, d) for d in chunk], headers)


@operation("repos/create-deployment", ("deployments", "write"))
def create_deployment(call: Call) -> Reply:
    repo, body = call.repo, call.body
    ref = body["ref"]
    sha = repo.resolve(ref)
    if sha is None:
        raise ApiError(422, f"No ref found for: {ref}")
    branch = f"refs/heads/{ref}" in repo.refs
    default_head = repo.refs[f"refs/heads/{repo.default_branch}"]
    if (
        body.get("auto_merge", True)
        and branch
        and ref != repo.default_branch
        and default_head not in repo.ancestors(sha)
    ):
        # GitHub merges the default branch into the topic branch instead of deploying
        repo.commit(
            f"Merge {repo.default_branch} into {ref}", parents=[sha, default_head], branch=ref
        )
        return Reply(
            202, {"message": f"Auto-merged {repo.default_branch} into {ref} on deployment."}
        )
    required = body.get("required_contexts")
    latest = {s.context: s.state for s in latest_statuses(repo, sha)}
    contexts = list(latest) if required is None else required
    failing = [c for c in contexts if latest.get(c) != "success"]
    if failing:
        raise ApiError(
            409,
            f"Conflict: Commit status checks failed for {ref}.",
            [
                {
                    "contexts": [
                        {"context": c, "state": latest.get(c, "missing")} for c in failing
                    ],
                    "resource": "Deployment",
                    "field": "required_contexts",
                    "code": "invalid",
                }
            ],
        )
    environment = body.get("environment", "production")
    repo.environment(environment)
    now = call.state.clock.now()
    did = call.state.ids.next("deployment")
    payload = body.get("payload", {})
    deployment = Deployment(
        did,
        node_id("DE", repo.id, did),
        sha,
        ref,
        body.get("task", "deploy"),
        payload,
        environment,
        environment,
        body.get("description", ""),
        call.actor,
        now,
        now,
        body.get("transient_environment", False),
        body.get("production_environment", environment == "production"),
    )
    repo.deployments[did] = deployment
    return Reply(201, call.render.deployment(repo, deployment))


@operation("repos/get-deployment", ("deployments", "read"))
def get_deployment(call: Call) -> Reply:
    return Reply(200, call.render.deployment(call.repo, _deployment(call)))


@operation("repos/delete-deployment", ("deployments", "write"))
def delete_deployment(call: Call) -> Reply:
    repo, deployment = call.repo, _deployment(call)
    latest = deployment.latest_status
    active = latest is not None and latest.state not in ("inactive", "error", "failure")
    alone = [d for d in repo.deployments.values() if d.environment == deployment.environment] == [
        deployment
    ]
    if active and not alone:
        raise ApiError(
            422,
            "We cannot delete an active deployment unless it is the only deployment in a given "
            "environment.",
        )
    del repo.deployments[deployment.id]
    return Reply(204)


@operation("repos/list-deployment-statuses", ("deployments", "read"))
def list_deployment_statuses(call: Call) -> Reply:
    deployment = _deployment(call)
    chunk, headers = call.page(list(reversed(deployment.statuses)))
    return Reply(200, [call.render.deployment_status(call.repo, s) for s in chunk], headers)


@operation("repos/create-deployment-status", ("deployments", "write"))
def create_deployment_status(call: Call) -> Reply:
    repo, body = call.repo, call.body
    deployment = _deployment(call)
    now = call.state.clock.now()
    if body.get("environment"):
        deployment.environment = body["environment"]
        repo.environment(deployment.environment)
    status = _add_status(
        call,
        deployment,
        body["state"],
        body.get("description", ""),
        log_url=body.get("log_url") or body.get("target_url", ""),
        environment_url=body.get("environment_url", ""),
    )
    if body["state"] == "success" and body.get("auto_inactive", True):
        for other in repo.deployments.values():
            previous = other.latest_status
            if (
                other is not deployment
                and other.environment == deployment.environment
                and not other.transient_environment
                and not other.production_environment
                and previous is not None
                and previous.state == "success"
            ):
                _add_status(
                    call,
                    other,
                    "inactive",
                    "",
                    log_url=previous.log_url,
                    environment_url=previous.environment_url,
                )
    deployment.updated_at = now
    return Reply(201, call.render.deployment_status(repo, status))


def _add_status(
    call: Call,
    deployment: Deployment,
    state: str,
    description: str,
    *,
    log_url: str,
    environment_url: str,
) -> DeploymentStatus:
    now = call.state.clock.now()
    sid = call.state.ids.next("deployment_status")
    status = DeploymentStatus(
        sid,
        node_id("DES", call.repo.id, sid),
        deployment.id,
        state,
        description,
        deployment.environment,
        log_url,
        log_url,
        environment_url,
        call.actor,
        now,
        now,
    )
    deployment.statuses.append(status)
    deployment.updated_at = now
    return status


@operation("repos/get-deployment-status", ("deployments", "read"))
def get_deployment_status(call: Call) -> Reply:
    deployment = _deployment(call)
    for status in deployment.statuses:
        if status.id == call.path["status_id"]:
            return Reply(200, call.render.deployment_status(call.repo, status))
    raise ApiError(404, "Not Found")


# ----------------------------------------------------------------------------- environments


@operation("repos/get-all-environments", ("actions", "read"))
def list_environments(call: Call) -> Reply:
    repo = call.repo
    environments = sorted(repo.environments.values(), key=lambda e: e.name.lower())
    chunk, headers = call.page(environments)
    body = {
        "total_count": len(environments),
        "environments": [call.render.environment(repo, e) for e in chunk],
    }
    return Reply(200, body, headers)


@operation("repos/get-environment", ("actions", "read"))
def get_environment(call: Call) -> Reply:
    repo = call.repo
    environment = repo.environments.get(call.path["environment_name"])
    if environment is None:
        raise ApiError(404, "Not Found")
    return Reply(200, call.render.environment(repo, environment))


@operation("repos/create-or-update-environment", ("administration", "write"))
def put_environment(call: Call) -> Reply:
    repo, body = call.repo, call.body or {}
    environment = repo.environment(call.path["environment_name"])
    if "wait_timer" in body:
        environment.wait_timer = body["wait_timer"]
    if "prevent_self_review" in body:
        environment.prevent_self_review = body["prevent_self_review"]
    if "reviewers" in body:
        by_id = {u.id: u for u in call.state.users.values()}
        reviewers = []
        for reviewer in body["reviewers"] or []:
            user = by_id.get(reviewer.get("id"))
            if user is None:
                raise _validation_failed("Environment", "reviewers", "invalid")
            reviewers.append({"type": reviewer.get("type", "User"), "login": user.login})
        environment.reviewers = reviewers
    if "deployment_branch_policy" in body:
        policy = body["deployment_branch_policy"]
        if policy and policy["protected_branches"] == policy["custom_branch_policies"]:
            raise ApiError(
                422, "Only one of `protected_branches` and `custom_branch_policies` can be true."
            )
        environment.deployment_branch_policy = policy
    for rule in ("wait_timer", "required_reviewers", "branch_policy"):
        environment.rule_ids.setdefault(rule, call.state.ids.next("reviewer_rule"))
    environment.updated_at = call.state.clock.now()
    return Reply(200, call.render.environment(repo, environment))


# ----------------------------------------------------------------------------- git data

_REF_NAME = re.compile(r"^refs/[^/\s]+/[^\s]+$")


@operation("git/get-ref", ("contents", "read"))
def get_ref(call: Call) -> Reply:
    repo = call.repo
    ref = "refs/" + call.path["ref"]
    if ref not in repo.refs:
        raise ApiError(404, "Not Found")
    return Reply(200, call.render.git_ref(repo, ref, repo.refs[ref]))


@operation("git/create-ref", ("contents", "write"))
def create_ref(call: Call) -> Reply:
    repo = call.repo
    ref, sha = call.body["ref"], call.body["sha"]
    if not _REF_NAME.match(ref):
        raise ApiError(422, f"{ref} is not a valid ref name.")
    if ref in repo.refs:
        raise ApiError(422, "Reference already exists")
    if sha not in repo.commits and sha not in repo.tags:
        raise ApiError(422, "Object does not exist")
    repo.refs[ref] = sha
    headers = {"Location": f"{call.render.urls.repo_api(repo)}/git/{ref}"}
    return Reply(201, call.render.git_ref(repo, ref, sha), headers)


@operation("git/create-tag", ("contents", "write"))
def create_tag(call: Call) -> Reply:
    repo, body = call.repo, call.body
    target = body["object"]
    if target not in repo.commits and target not in repo.tags:
        raise ApiError(422, "Object does not exist")
    tagger_in = body.get("tagger") or {
        "name": call.actor.login,
        "email": f"{call.actor.login}@users.noreply",
    }
    when = _parse_time(tagger_in.get("date")) or call.state.clock.now()
    tagger = GitPerson(tagger_in["name"], tagger_in["email"], when)
    text = (
        f"object {target}\ntype {body['type']}\ntag {body['tag']}\n"
        f"tagger {tagger.name} <{tagger.email}> {int(when.timestamp())} +0000\n\n{body['message']}"
    )
    sha = _git_id("tag", text.encode())
    tag = Tag(sha, body["tag"], body["message"], target, body["type"], tagger)
    repo.tags[sha] = tag
    return Reply(
        201,
        call.render.git_tag(repo, tag),
        {"Location": f"{call.render.urls.repo_api(repo)}/git/tags/{sha}"},
    )


@operation("git/get-tag", ("contents", "read"))
def get_tag(call: Call) -> Reply:
    repo = call.repo
    tag = repo.tags.get(call.path["tag_sha"])
    if tag is None:
        raise ApiError(404, "Not Found")
    return Reply(200, call.render.git_tag(repo, tag))


# ----------------------------------------------------------------------------- issues


@operation("issues/create-comment", ("issues", "write"), ("pull_requests", "write"))
def create_issue_comment(call: Call) -> Reply:
    repo = call.repo
    number = call.path["issue_number"]
    if number not in repo.issues and number not in repo.pulls:
        raise ApiError(404, "Not Found")
    now = call.state.clock.now()
    cid = call.state.ids.next("comment")
    comment = IssueComment(
        cid, node_id("IC", repo.id, cid), number, call.body["body"], call.actor, now, now
    )
    repo.comments.append(comment)
    return Reply(
        201,
        call.render.issue_comment(repo, comment),
        {"Location": f"{call.render.urls.repo_api(repo)}/issues/comments/{cid}"},
    )


# ----------------------------------------------------------------------------- releases


def _release(call: Call) -> Release:
    release = call.repo.releases.get(call.path["release_id"])
    if release is None:
        raise ApiError(404, "Not Found")
    return release


@operation("repos/create-release", ("contents", "write"))
def create_release(call: Call) -> Reply:
    repo, body = call.repo, call.body
    tag = body["tag_name"]
    if any(r.tag_name == tag for r in repo.releases.values()):
        raise _validation_failed("Release", "tag_name", "already_exists")
    target = body.get("target_commitish") or repo.default_branch
    target_sha = repo.resolve(target)
    if target_sha is None:
        raise _validation_failed("Release", "target_commitish", "invalid")
    draft = body.get("draft", False)
    if not draft and f"refs/tags/{tag}" not in repo.refs:
        repo.refs[f"refs/tags/{tag}"] = (
            target_sha  # GitHub creates the (lightweight) tag on publish
        )
    now = call.state.clock.now()
    rid = call.state.ids.next("release")
    release = Release(
        rid,
        node_id("RE", rid),
        tag,
        target,
        body.get("name"),
        body.get("body"),
        draft,
        body.get("prerelease", False),
        call.actor,
        now,
        None if draft else now,
        now,
    )
    repo.releases[rid] = release
    return Reply(
        201,
        call.render.release(repo, release),
        {"Location": f"{call.render.urls.repo_api(repo)}/releases/{rid}"},
    )


@operation("repos/get-release-by-tag", ("contents", "read"))
def get_release_by_tag(call: Call) -> Reply:
    repo = call.repo
    for release in repo.releases.values():
        if release.tag_name == call.path["tag"] and not release.draft:
            return Reply(200, call.render.release(repo, release))
    raise ApiError(404, "Not Found")


@operation("repos/list-release-assets", ("contents", "read"))
def list_release_assets(call: Call) -> Reply:
    release = _release(call)
    chunk, headers = call.page(release.assets)
    return Reply(200, [call.render.release_asset(call.repo, release, a) for a in chunk], headers)


def asset_file_name(name: str) -> str:
    """GitHub renames asset files with special characters and leading/trailing periods."""
    return re.sub(r"[^A-Za-z0-9._+-]", ".", name).strip(".") or "default"


@operation("repos/upload-release-asset", ("contents", "write"))
def upload_release_asset(call: Call) -> Reply:
    repo, release = call.repo, _release(call)
    name = asset_file_name(call.query["name"])
    if any(a.name == name for a in release.assets):
        raise _validation_failed("ReleaseAsset", "name", "already_exists")
    content = call.request.body
    now = call.state.clock.now()
    aid = call.state.ids.next("asset")
    asset = ReleaseAsset(
        aid,
        node_id("RA", aid),
        name,
        call.query.get("label"),
        call.request.header("content-type") or "application/octet-stream",
        content,
        call.actor,
        now,
        now,
    )
    release.assets.append(asset)
    return Reply(201, call.render.release_asset(repo, release, asset))


def asset_download(
    state: GitHubState, owner: str, name: str, tag: str, file_name: str
) -> bytes | None:
    """The bytes behind a `browser_download_url`, for the web route."""
    repo = state.repository(owner, name)
    if repo is None:
        return None
    for release in repo.releases.values():
        if release.tag_name == tag:
            for asset in release.assets:
                if asset.name == file_name:
                    asset.download_count += 1
                    return asset.content
    return None
