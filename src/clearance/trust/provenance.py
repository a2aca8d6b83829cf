"""SLSA provenance must agree with the certificate that signed it.

A workflow that may sign could still write a provenance predicate naming another builder,
repository or ref. For SLSA provenance (v1 and v0.2) the facts the predicate states in a shape
clearance recognises are compared with the certificate's claims:

- **builder**: `builder.id` naming a workflow (`https://github.com/o/r/.github/workflows/x.yml@ref`,
  as slsa-github-generator and pypi-attestations write it) must equal the certificate's build
  signer URI; `https://github.com/actions/runner/<environment>` (GitHub's own attestations)
  must name the certificate's runner environment.
- **source repository, ref, commit and workflow**: from the GitHub Actions build types'
  `externalParameters.workflow`, from a `git+` resolved dependency (v1) or from
  `invocation.configSource` (v0.2), against the source repository, source ref, source commit
  and build config claims.

Facts in a shape clearance does not know (another build type, another builder) are listed as
not compared in the verdict rather than guessed at. A recognised fact the certificate cannot
corroborate (it lacks the claim) is a mismatch.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from clearance.trust.claims import Claims, repository_of_uri, workflow_of_uri

SLSA_PROVENANCE_V1 = "https://slsa.dev/provenance/v1"
SLSA_PROVENANCE_V02 = "https://slsa.dev/provenance/v0.2"
SLSA_PROVENANCE_TYPES = (SLSA_PROVENANCE_V1, SLSA_PROVENANCE_V02)
GITHUB_BUILD_TYPES = (
    "https://actions.github.io/buildtypes/workflow/v1",
    "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",
)
GITHUB_RUNNER_BUILDER = "https://github.com/actions/runner/"


class ProvenanceMismatch(ValueError):
    """The predicate names a builder, source or ref the certificate does not."""

    def __init__(self, messages: list[str]) -> None:
        self.messages = tuple(messages)
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class ProvenanceFacts:
    """What a SLSA predicate says, in the shapes clearance recognises (None: not stated)."""

    builder_id: str | None = None
    build_type: str | None = None
    repository_uri: str | None = None
    ref: str | None = None
    commit: str | None = None
    workflow_path: str | None = None
    dependency_repository_uri: str | None = None
    dependency_ref: str | None = None


@dataclass(frozen=True)
class ProvenanceCheck:
    """Which facts were compared with the certificate, and which could not be."""

    compared: tuple[str, ...]
    not_compared: tuple[str, ...]


def _get(obj: Any, *keys: str) -> Any:
    for key in keys:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _split_git_uri(uri: str | None) -> tuple[str | None, str | None]:
    """`git+https://github.com/o/r@refs/tags/v1` → (`https://github.com/o/r`, `refs/tags/v1`)."""
    if not uri:
        return None, None
    text = uri.removeprefix("git+")
    repo, sep, ref = text.partition("@")
    repo = repo.removesuffix(".git")
    return repo or None, (ref or None) if sep else None


def provenance_facts(predicate_type: str, predicate: Any) -> ProvenanceFacts:
    """Read the facts of a SLSA v1 or v0.2 predicate."""
    if predicate_type == SLSA_PROVENANCE_V02:
        repo, ref = _split_git_uri(_text(_get(predicate, "invocation", "configSource", "uri")))
        return ProvenanceFacts(
            builder_id=_text(_get(predicate, "builder", "id")),
            build_type=_text(_get(predicate, "buildType")),
            repository_uri=repo,
            ref=ref,
            commit=_text(_get(predicate, "invocation", "configSource", "digest", "sha1")),
            workflow_path=_text(_get(predicate, "invocation", "configSource", "entryPoint")),
        )
    build_type = _text(_get(predicate, "buildDefinition", "buildType"))
    repository_uri = ref = workflow_path = None
    if build_type in GITHUB_BUILD_TYPES:
        workflow = _get(predicate, "buildDefinition", "externalParameters", "workflow")
        repository_uri = _text(_get(workflow, "repository"))
        ref = _text(_get(workflow, "ref"))
        workflow_path = _text(_get(workflow, "path"))
    dep_repo = dep_ref = commit = None
    dependencies = _get(predicate, "buildDefinition", "resolvedDependencies")
    for dependency in dependencies if isinstance(dependencies, list) else []:
        uri = _text(_get(dependency, "uri"))
        if uri and uri.startswith("git+"):
            dep_repo, dep_ref = _split_git_uri(uri)
            commit = _text(_get(dependency, "digest", "gitCommit")) or _text(
                _get(dependency, "digest", "sha1")
            )
            break
    return ProvenanceFacts(
        builder_id=_text(_get(predicate, "runDetails", "builder", "id")),
        build_type=build_type,
        repository_uri=repository_uri,
        ref=ref,
        commit=commit,
        workflow_path=workflow_path,
        dependency_repository_uri=dep_repo,
        dependency_ref=dep_ref,
    )


def check_provenance(facts: ProvenanceFacts, claims: Claims) -> ProvenanceCheck:
    """Compare; raise `ProvenanceMismatch` naming every disagreement."""
    compared: list[str] = []
    skipped: list[str] = []
    problems: list[str] = []

    def compare(
        name: str, stated: str | None, certified: str | None, *, fold: bool = False
    ) -> None:
        if stated is None:
            return
        compared.append(name)
        a, b = (stated.casefold(), (certified or "").casefold()) if fold else (stated, certified)
        if certified is None:
            problems.append(f"the predicate's {name} is {stated!r}, the certificate names none")
        elif a != b:
            problems.append(
                f"the predicate's {name} is {stated!r}, the certificate's {certified!r}"
            )

    builder = facts.builder_id
    if builder is not None:
        if builder.startswith(GITHUB_RUNNER_BUILDER):
            compare(
                "builder", builder.removeprefix(GITHUB_RUNNER_BUILDER), claims.runner_environment
            )
        elif workflow_of_uri(builder) is not None and "@" in builder:
            compare("builder", builder, claims.build_signer_uri or claims.identity)
        else:
            skipped.append(f"builder {builder!r} (not a GitHub workflow or runner)")
    for name, uri in (
        ("source repository", facts.repository_uri),
        ("source repository", facts.dependency_repository_uri),
    ):
        if uri is not None:
            stated = repository_of_uri(uri) or uri
            compare(name, stated, claims.repository, fold=True)
            stated_host = urlsplit(uri).hostname
            certified_host = urlsplit(claims.source_repository_uri or "").hostname
            if stated_host and certified_host and stated_host != certified_host:
                problems.append(
                    f"the predicate's source host is {stated_host!r}, "
                    f"the certificate's {certified_host!r}"
                )
    compare("ref", facts.ref, claims.source_ref)
    compare("ref", facts.dependency_ref, claims.source_ref)
    if facts.commit is not None:
        certified = claims.source_digest.lower() if claims.source_digest else None
        compare("commit", facts.commit.lower(), certified)
    if facts.workflow_path is not None:
        repo = repository_of_uri(facts.repository_uri or "") or claims.repository
        stated = f"{repo}/{facts.workflow_path.lstrip('/')}" if repo else facts.workflow_path
        compare("workflow", stated, claims.config_workflow or claims.signer_workflow, fold=True)
    if facts.build_type is not None and facts.build_type not in GITHUB_BUILD_TYPES:
        if facts.repository_uri is None and facts.dependency_repository_uri is None:
            skipped.append(f"source (build type {facts.build_type!r} is not one clearance reads)")
    if problems:
        raise ProvenanceMismatch(problems)
    return ProvenanceCheck(compared=tuple(dict.fromkeys(compared)), not_compared=tuple(skipped))
