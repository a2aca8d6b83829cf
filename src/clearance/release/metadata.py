"""The deployment metadata of this run: digests, commit, ref, repository, run, actor, version.

Inside GitHub Actions it comes from the runner's `GITHUB_*` variables; outside, from git alone
(commit, ref, `git describe`, the origin remote, `user.name`). Rendered as JSON, as `DEPLOY_*`
variables (never `CLEARANCE_*`: those are option defaults of later clearance steps), as OCI
image annotations, and as `OTEL_RESOURCE_ATTRIBUTES` with OpenTelemetry semantic-convention keys.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clearance.errors import UsageError
from clearance.release import git
from clearance.release.digests import Digest
from clearance.release.records import format_time, run_key, utc_now_seconds

DEFAULT_ENV_PREFIX = "DEPLOY_"
RESERVED_PREFIX = "CLEARANCE_"
_PREFIX_SHAPE = re.compile(r"[A-Z][A-Z0-9_]*")
# Characters OTEL_RESOURCE_ATTRIBUTES values keep as they are: the W3C baggage octets, less
# the ones its parsers split on (`,` `=` `;`) and `%` itself.
_OTEL_SAFE = "!#$&'()*+-./:<>?@[]^_`{|}~"


@dataclass(frozen=True)
class Artifact:
    """A named artifact digest: a file's name, or the digest given as text."""

    name: str
    digest: Digest


@dataclass(frozen=True)
class Metadata:
    """Who, what and when of a deployment."""

    commit: str
    time: dt.datetime
    artifacts: tuple[Artifact, ...] = ()
    ref: str | None = None
    repository: str | None = None
    repository_url: str | None = None
    run_id: str | None = None
    run_attempt: int | None = None
    run_url: str | None = None
    workflow: str | None = None
    actor: str | None = None
    version: str | None = None
    environment: str | None = None
    deployment_id: str | None = None
    service: str | None = None

    @property
    def digest(self) -> Digest | None:
        """The first artifact's digest: the one a single-artifact deployment is keyed by."""
        return self.artifacts[0].digest if self.artifacts else None

    @property
    def run_key(self) -> str | None:
        return run_key(self.run_id, self.run_attempt)

    @property
    def ref_name(self) -> str | None:
        """`main` for `refs/heads/main`, `v1.2.0` for `refs/tags/v1.2.0`."""
        if self.ref is None:
            return None
        for prefix in ("refs/heads/", "refs/tags/"):
            if self.ref.startswith(prefix):
                return self.ref[len(prefix) :]
        return self.ref

    @property
    def ref_type(self) -> str | None:
        if self.ref is None:
            return None
        if self.ref.startswith("refs/tags/"):
            return "tag"
        if self.ref.startswith("refs/heads/"):
            return "branch"
        return None


def _run_url(env: Mapping[str, str], repository: str | None) -> str | None:
    server = env.get("GITHUB_SERVER_URL") or "https://github.com"
    run_id = env.get("GITHUB_RUN_ID")
    if not run_id or not repository:
        return None
    url = f"{server.rstrip('/')}/{repository}/actions/runs/{run_id}"
    attempt = env.get("GITHUB_RUN_ATTEMPT")
    return f"{url}/attempts/{attempt}" if attempt else url


def _attempt(env: Mapping[str, str]) -> int | None:
    raw = env.get("GITHUB_RUN_ATTEMPT")
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise UsageError(f"GITHUB_RUN_ATTEMPT={raw!r} is not a number") from None


def collect(
    env: Mapping[str, str],
    cwd: Path,
    now: dt.datetime,
    *,
    artifacts: Sequence[Artifact] = (),
    environment: str | None = None,
    commit: str | None = None,
    ref: str | None = None,
    version: str | None = None,
    service: str | None = None,
    need_commit: bool = True,
) -> Metadata:
    """This run's metadata: explicit values first, then `GITHUB_*`, then git.

    `need_commit=False` (a step that only reports on an earlier deployment) leaves the
    commit empty when it cannot be told, instead of failing.
    """
    sha = commit or env.get("GITHUB_SHA") or git.head_commit(cwd) or ""
    if not sha and need_commit:
        raise UsageError(
            "cannot tell which commit this is: not in a git work tree and GITHUB_SHA is unset "
            "(pass --commit SHA)"
        )
    head = ref or env.get("GITHUB_REF") or git.head_ref(cwd)
    repository: str | None = env.get("GITHUB_REPOSITORY") or None
    server = env.get("GITHUB_SERVER_URL") or None
    repository_url: str | None
    if repository:
        repository_url = f"{(server or 'https://github.com').rstrip('/')}/{repository}"
    else:
        repository_url = git.origin_url(cwd)
        repository = git.repository_slug(repository_url)
    label = version
    if label is None and head and head.startswith("refs/tags/"):
        label = head.removeprefix("refs/tags/")
    if label is None:
        label = git.describe(cwd) or sha[:12] or None
    actor = env.get("GITHUB_TRIGGERING_ACTOR") or env.get("GITHUB_ACTOR") or git.user_name(cwd)
    return Metadata(
        commit=sha,
        time=utc_now_seconds(now),
        artifacts=tuple(artifacts),
        ref=head or None,
        repository=repository,
        repository_url=repository_url,
        run_id=env.get("GITHUB_RUN_ID") or None,
        run_attempt=_attempt(env),
        run_url=_run_url(env, repository),
        workflow=env.get("GITHUB_WORKFLOW") or None,
        actor=actor or None,
        version=label,
        environment=environment,
        service=service,
    )


def with_deployment(metadata: Metadata, deployment_id: str, environment: str) -> Metadata:
    return replace(metadata, deployment_id=deployment_id, environment=environment)


def to_json(metadata: Metadata) -> dict[str, Any]:
    m = metadata
    return {
        "digest": str(m.digest) if m.digest else None,
        "artifacts": [{"name": a.name, "digest": str(a.digest)} for a in m.artifacts],
        "commit": m.commit,
        "ref": m.ref,
        "repository": m.repository,
        "repository_url": m.repository_url,
        "run_id": m.run_id,
        "run_attempt": m.run_attempt,
        "run_url": m.run_url,
        "workflow": m.workflow,
        "actor": m.actor,
        "version": m.version,
        "environment": m.environment,
        "deployment_id": m.deployment_id,
        "service": m.service,
        "time": format_time(m.time),
    }


def text_value(value: Any) -> str:
    """A JSON field as one line of text (artifacts as `name=digest` pairs)."""
    if value is None:
        return ""
    if isinstance(value, list):
        return " ".join(f"{item['name']}={item['digest']}" for item in value)
    return str(value)


def check_prefix(prefix: str) -> str:
    """A variable prefix for `--format env`: upper case, and never `CLEARANCE_`."""
    if not _PREFIX_SHAPE.fullmatch(prefix):
        raise UsageError(
            f"--env-prefix {prefix!r}: use upper-case letters, digits and _ (e.g. DEPLOY_)"
        )
    if prefix.startswith(RESERVED_PREFIX) or RESERVED_PREFIX.startswith(prefix):
        raise UsageError(
            f"--env-prefix {prefix!r}: CLEARANCE_* variables are option defaults of clearance "
            "itself and must not be written; use DEPLOY_ or another prefix"
        )
    return prefix


def env_variables(metadata: Metadata, prefix: str = DEFAULT_ENV_PREFIX) -> list[tuple[str, str]]:
    """`DEPLOY_COMMIT=…` and friends, in a stable order; empty values are left out."""
    check_prefix(prefix)
    pairs = []
    for key, value in to_json(metadata).items():
        text = text_value(value)
        if text:
            pairs.append((prefix + key.upper(), text))
    return pairs


def oci_labels(metadata: Metadata) -> list[tuple[str, str]]:
    """OCI image annotations (`org.opencontainers.image.*`) describing the build."""
    m = metadata
    pairs = [
        ("org.opencontainers.image.revision", m.commit),
        ("org.opencontainers.image.source", m.repository_url),
        ("org.opencontainers.image.version", m.version),
        ("org.opencontainers.image.created", format_time(m.time)),
    ]
    return [(k, v) for k, v in pairs if v]


def otel_attributes(metadata: Metadata) -> list[tuple[str, str]]:
    """OpenTelemetry resource attributes (semantic-convention keys)."""
    m = metadata
    pairs: list[tuple[str, str | None]] = [
        ("service.name", m.service),
        ("service.version", m.version),
        ("deployment.environment.name", m.environment),
        ("deployment.id", m.deployment_id),
        ("vcs.ref.head.revision", m.commit),
        ("vcs.ref.head.name", m.ref_name),
        ("vcs.ref.type", m.ref_type),
        ("vcs.repository.url.full", m.repository_url),
        ("vcs.repository.name", m.repository.split("/")[-1] if m.repository else None),
        ("cicd.pipeline.name", m.workflow),
        ("cicd.pipeline.run.id", m.run_id),
        ("cicd.pipeline.run.url.full", m.run_url),
    ]
    return [(k, v) for k, v in pairs if v]


def otel_resource_attributes(metadata: Metadata) -> str:
    """The value of `OTEL_RESOURCE_ATTRIBUTES`: `k=v,k=v`, values percent-encoded."""
    return ",".join(
        f"{key}={urllib.parse.quote(value, safe=_OTEL_SAFE)}"
        for key, value in otel_attributes(metadata)
    )


def outputs(metadata: Metadata) -> dict[str, str]:
    """Step outputs: each field under a dashed name, plus the whole document as `json`."""
    document = to_json(metadata)
    result = {key.replace("_", "-"): text_value(value) for key, value in document.items()}
    result["artifacts"] = json.dumps(document["artifacts"], separators=(",", ":"))
    result["labels"] = "\n".join(f"{k}={v}" for k, v in oci_labels(metadata))
    result["otel-resource-attributes"] = otel_resource_attributes(metadata)
    result["json"] = json.dumps(document, separators=(",", ":"))
    return result
