"""clearance's own workflow checks: pure functions over a parsed workflow.

They cover what zizmor (the engine for the rest) does not: default or broad token
permissions, checkout of an untrusted head under `pull_request_target`/`workflow_run`, and
`id-token: write` in a job that uses no OIDC token.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from clearance.findings import Severity
from clearance.scan.workflows.yamltree import Node

PRIVILEGED_TRIGGERS = frozenset({"pull_request_target", "workflow_run"})
UNTRUSTED_REF = re.compile(
    r"github\.(event\.pull_request\.head\.|head_ref|event\.workflow_run\.head_|event\.workflow_run\.head\.)"
)
# Actions and commands that use the job's OIDC token: signing, attestation, cloud logins,
# trusted publishing. A job with id-token: write and none of these does not need it.
OIDC_ACTIONS = (
    "sigstore/gh-action-sigstore-python",
    "actions/attest",
    "actions/attest-build-provenance",
    "actions/attest-sbom",
    "clearance-dev/clearance",
    "slsa-framework/slsa-github-generator",
    "sigstore/cosign-installer",
    "pypa/gh-action-pypi-publish",
    "aws-actions/configure-aws-credentials",
    "google-github-actions/auth",
    "azure/login",
    "hashicorp/vault-action",
    "docker/login-action",
)
# clearance's own repository uses its actions from the checkout (its release workflow).
OIDC_LOCAL_ACTIONS = ("./actions/sign", "./actions/attest")
OIDC_COMMANDS = re.compile(
    r"ACTIONS_ID_TOKEN_REQUEST|\bclearance\s+(sign|attest)\b|\bsigstore\s+sign\b|\bcosign\s+(sign|attest)\b"
)


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    help: str


CHECKS: dict[str, Check] = {
    c.id: c
    for c in (
        Check(
            "workflow/missing-permissions",
            "job runs with the default token permissions",
            Severity.MEDIUM,
            "Set `permissions: {}` at the top of the workflow and grant each job only what it needs.",
        ),
        Check(
            "workflow/broad-permissions",
            "broad token permissions",
            Severity.HIGH,
            "Avoid write-all and workflow-wide write scopes: grant write scopes per job, only where needed.",
        ),
        Check(
            "workflow/pr-target-checkout-head",
            "privileged trigger checks out untrusted code",
            Severity.CRITICAL,
            "pull_request_target and workflow_run run with secrets and a write token: never check out "
            "the pull request's head there; build untrusted code in a pull_request workflow instead.",
        ),
        Check(
            "workflow/id-token-outside-signing",
            "id-token: write in a job that does not sign or log in",
            Severity.HIGH,
            "Grant id-token: write only to the job that signs, attests, publishes or logs in with OIDC.",
        ),
    )
}


@dataclass(frozen=True)
class Problem:
    check: str
    line: int
    message: str


def _triggers(workflow: Node) -> set[str]:
    on = workflow.get("on")
    if on is None:
        return set()
    if isinstance(on.value, str):
        return {on.value}
    if isinstance(on.value, list):
        return {n.text() for n in on.elements()}
    return {k for k, _ in on.items()}


def _jobs(workflow: Node) -> list[tuple[str, Node]]:
    jobs = workflow.get("jobs")
    return jobs.items() if jobs is not None else []


def _grants_id_token(permissions: Node | None) -> bool:
    if permissions is None:
        return False
    if isinstance(permissions.value, str):
        return permissions.value == "write-all"
    id_token = permissions.get("id-token")
    return id_token is not None and id_token.text() == "write"


def _uses_oidc(job: Node) -> bool:
    if (
        job.get("uses") is not None
    ):  # a reusable workflow call: its jobs are checked where they live
        return True
    for step in (job.get("steps") or Node([], 0)).elements():
        uses = step.get("uses")
        if uses is not None and uses.text().split("@", 1)[0].startswith(OIDC_ACTIONS):
            return True
        if uses is not None and uses.text().strip().rstrip("/") in OIDC_LOCAL_ACTIONS:
            return True
        run = step.get("run")
        if run is not None and OIDC_COMMANDS.search(run.text()):
            return True
    return False


def check_permissions(workflow: Node) -> Iterator[Problem]:
    top = workflow.get("permissions")
    if top is not None and top.text() == "write-all":
        yield Problem(
            "workflow/broad-permissions", top.line, "the workflow grants write-all to every job"
        )
    elif top is not None:
        writes = sorted(k for k, v in top.items() if v.text() == "write")
        if writes:
            yield Problem(
                "workflow/broad-permissions",
                top.line,
                f"workflow-wide write permissions ({', '.join(writes)}): grant them to the jobs that need them",
            )
    for name, job in _jobs(workflow):
        own = job.get("permissions")
        if own is not None and own.text() == "write-all":
            yield Problem("workflow/broad-permissions", own.line, f"job {name!r} grants write-all")
        if own is None and top is None:
            yield Problem(
                "workflow/missing-permissions",
                job.line,
                f"job {name!r} runs with the repository's default token permissions: add a permissions: block",
            )


def check_untrusted_checkout(workflow: Node) -> Iterator[Problem]:
    triggers = _triggers(workflow) & PRIVILEGED_TRIGGERS
    if not triggers:
        return
    for name, job in _jobs(workflow):
        for step in (job.get("steps") or Node([], 0)).elements():
            uses = step.get("uses")
            if uses is None or not uses.text().startswith("actions/checkout@"):
                continue
            ref = (step.get("with") or Node({}, 0)).get("ref")
            if ref is not None and UNTRUSTED_REF.search(ref.text()):
                trigger = " and ".join(sorted(triggers))
                yield Problem(
                    "workflow/pr-target-checkout-head",
                    ref.line,
                    f"job {name!r} checks out the untrusted head ({ref.text().strip()}) under {trigger}",
                )


def check_id_token(workflow: Node) -> Iterator[Problem]:
    top = workflow.get("permissions")
    for name, job in _jobs(workflow):
        own = job.get("permissions")
        effective = own if own is not None else top
        if not _grants_id_token(effective) or _uses_oidc(job):
            continue
        where = effective.line if effective is not None else job.line
        scope = "" if own is not None else " (inherited from the workflow's permissions)"
        yield Problem(
            "workflow/id-token-outside-signing",
            where,
            f"job {name!r} can mint OIDC tokens{scope} but no step signs, attests, publishes or logs in",
        )


def check_workflow(workflow: Node) -> list[Problem]:
    """Every problem clearance's own checks find in one workflow."""
    return [
        *check_permissions(workflow),
        *check_untrusted_checkout(workflow),
        *check_id_token(workflow),
    ]
