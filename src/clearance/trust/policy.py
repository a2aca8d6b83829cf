"""The identity policy: who must have signed, as GitHub shorthands or raw certificate identities.

`IdentityPolicy` implements sigstore-python's `VerificationPolicy` interface (`verify(cert)`
raising `sigstore.errors.VerificationError`), so sigstore calls it at the step where it checks
the certificate, after the chain and before the log entry. sigstore's own policy classes match
one extension exactly; this one adds what a release gate needs: ref globs, a set of triggers,
workflow paths relative to the repository, a full-match identity regex, and a check of every
constraint at once so that a failure names each mismatch.

What is compared (see `clearance.trust.claims` for the extensions):

| constraint           | certificate claim                                              |
|----------------------|----------------------------------------------------------------|
| issuer               | OIDC issuer (`.1.8`, legacy `.1.1`), exact                      |
| cert_identity        | one SAN (URI, email or Sigstore other-name), exact             |
| cert_identity_regex  | one SAN, full match                                            |
| repository           | source repository (`.1.12` path, legacy `.1.5`), case-insensitive |
| workflow             | the signing workflow (`.1.9`, else the SAN URI), path exact    |
| refs (globs)         | source ref (`.1.14`, legacy `.1.6`), any glob matches          |
| triggers             | build trigger (`.1.20`, legacy `.1.2`), any                    |
| sha                  | source commit (`.1.13`, legacy `.1.3`), case-insensitive       |
| runner_environment   | runner environment (`.1.11`), exact                            |

A claim the certificate does not carry fails its constraint: a policy never passes for lack
of evidence.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from cryptography import x509
from sigstore.errors import VerificationError as SigstoreVerificationError

from clearance.trust.claims import Claims, claims_of

GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com"
WORKFLOWS_DIR = ".github/workflows/"
_REPOSITORY = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_SHA = re.compile(r"^(?:[0-9a-fA-F]{40}|[0-9a-fA-F]{64})$")


class RunnerEnvironment(StrEnum):
    GITHUB_HOSTED = "github-hosted"
    SELF_HOSTED = "self-hosted"


class PolicyError(ValueError):
    """A policy that cannot be used (bad glob, regex, repository or workflow)."""


class Constraint(StrEnum):
    """What a mismatch is about, in the order a failure reports them. Values are reason codes."""

    ISSUER = "issuer-mismatch"
    IDENTITY = "identity-mismatch"
    REPOSITORY = "repository-mismatch"
    WORKFLOW = "workflow-mismatch"
    REF = "ref-mismatch"
    TRIGGER = "trigger-mismatch"
    SHA = "sha-mismatch"
    RUNNER = "runner-environment-mismatch"


@dataclass(frozen=True)
class Mismatch:
    constraint: Constraint
    message: str


class PolicyMismatch(SigstoreVerificationError):
    """The certificate is valid but not the identity the policy asks for."""

    def __init__(self, mismatches: Sequence[Mismatch]) -> None:
        self.mismatches = tuple(mismatches)
        super().__init__("; ".join(m.message for m in self.mismatches))

    @property
    def constraint(self) -> Constraint:
        return self.mismatches[0].constraint


@functools.lru_cache(maxsize=256)
def compile_ref_glob(pattern: str) -> re.Pattern[str]:
    """A git ref glob: `*` and `?` stay within one `/` segment, `**` crosses them, anchored.

    `refs/tags/v*` matches `refs/tags/v1.2.3` but not `refs/tags/v1/evil`.
    """
    if not pattern or pattern != pattern.strip():
        raise PolicyError(f"ref glob {pattern!r} is empty or has surrounding spaces")
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[":
            end = pattern.find("]", i + 2)
            if end == -1:
                raise PolicyError(f"ref glob {pattern!r}: unclosed '['")
            body = pattern[i + 1 : end]
            body = body.replace("\\", "\\\\")
            if body.startswith("!"):
                body = "^" + body[1:]
            out.append(f"[{body}]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    try:
        return re.compile("".join(out) + r"\Z")
    except re.error as exc:
        raise PolicyError(f"ref glob {pattern!r}: {exc}") from exc


def ref_matches(ref: str, pattern: str) -> bool:
    return compile_ref_glob(pattern).match(ref) is not None


@dataclass(frozen=True)
class IdentityPolicy:
    """Who must have signed. Build it with `IdentityPolicy.build` (validates every field)."""

    issuer: str = GITHUB_ACTIONS_ISSUER
    cert_identity: str | None = None
    cert_identity_regex: str | None = None
    repository: str | None = None
    workflow: str | None = None
    refs: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    sha: str | None = None
    runner_environment: RunnerEnvironment | None = None

    @classmethod
    def build(
        cls,
        *,
        issuer: str | None = None,
        cert_identity: str | None = None,
        cert_identity_regex: str | None = None,
        repository: str | None = None,
        workflow: str | None = None,
        refs: Sequence[str] = (),
        triggers: Sequence[str] = (),
        sha: str | None = None,
        runner_environment: RunnerEnvironment | str | None = None,
    ) -> IdentityPolicy:
        """A checked policy; raises `PolicyError` with one line naming the bad field."""
        if repository is not None and not _REPOSITORY.match(repository):
            raise PolicyError(f"repository {repository!r} is not owner/name")
        if cert_identity_regex is not None:
            try:
                re.compile(cert_identity_regex)
            except re.error as exc:
                raise PolicyError(f"cert-identity-regex {cert_identity_regex!r}: {exc}") from exc
        if workflow is not None:
            workflow = _absolute_workflow(workflow, repository)
        for pattern in refs:
            compile_ref_glob(pattern)
        if sha is not None and not _SHA.match(sha):
            raise PolicyError(f"sha {sha!r} is not a 40 or 64 hex digit commit id")
        environment = None
        if runner_environment is not None:
            try:
                environment = RunnerEnvironment(runner_environment)
            except ValueError:
                allowed = ", ".join(e.value for e in RunnerEnvironment)
                raise PolicyError(
                    f"runner-environment {runner_environment!r} is not one of: {allowed}"
                ) from None
        if not (cert_identity or cert_identity_regex or repository or workflow):
            raise PolicyError(
                "no identity to verify against: give --repository (GitHub), --cert-identity or "
                "--cert-identity-regex, or set them in [tool.clearance.verify]"
            )
        if issuer is not None and not issuer:
            raise PolicyError("issuer is empty")
        return cls(
            issuer=issuer or GITHUB_ACTIONS_ISSUER,
            cert_identity=cert_identity,
            cert_identity_regex=cert_identity_regex,
            repository=repository,
            workflow=workflow,
            refs=tuple(refs),
            triggers=tuple(triggers),
            sha=sha.lower() if sha else None,
            runner_environment=environment,
        )

    # sigstore-python's VerificationPolicy interface.
    def verify(self, cert: x509.Certificate) -> None:
        """Raise `PolicyMismatch` (a sigstore `VerificationError`) unless `cert` satisfies us."""
        try:
            claims = claims_of(cert)
        except ValueError as exc:
            raise SigstoreVerificationError(f"unreadable certificate claims: {exc}") from exc
        mismatches = self.mismatches(claims)
        if mismatches:
            raise PolicyMismatch(mismatches)

    def mismatches(self, claims: Claims) -> list[Mismatch]:
        """Every constraint `claims` fails, in `Constraint` order (empty: the policy holds)."""
        found: list[Mismatch] = []

        def fail(constraint: Constraint, message: str) -> None:
            found.append(Mismatch(constraint, message))

        conflicts = set(claims.conflicts)
        if "issuer" in conflicts:
            fail(Constraint.ISSUER, "the certificate's issuer extensions disagree")
        elif claims.issuer != self.issuer:
            fail(Constraint.ISSUER, f"issuer is {claims.issuer!r}, expected {self.issuer!r}")
        if self.cert_identity is not None and self.cert_identity not in claims.sans:
            fail(
                Constraint.IDENTITY,
                f"identity is {_show(claims.sans)}, expected {self.cert_identity!r}",
            )
        if self.cert_identity_regex is not None:
            pattern = re.compile(self.cert_identity_regex)
            if not any(pattern.fullmatch(san) for san in claims.sans):
                fail(
                    Constraint.IDENTITY,
                    f"identity is {_show(claims.sans)}, "
                    f"expected a full match of {self.cert_identity_regex!r}",
                )
        if self.repository is not None:
            if "repository" in conflicts:
                fail(Constraint.REPOSITORY, "the certificate's repository extensions disagree")
            elif (claims.repository or "").casefold() != self.repository.casefold():
                fail(
                    Constraint.REPOSITORY,
                    f"repository is {claims.repository!r}, expected {self.repository!r}",
                )
        if self.workflow is not None and not _same_workflow(claims.signer_workflow, self.workflow):
            fail(
                Constraint.WORKFLOW,
                f"workflow is {claims.signer_workflow!r}, expected {self.workflow!r}",
            )
        if self.refs:
            if "ref" in conflicts:
                fail(Constraint.REF, "the certificate's ref extensions disagree")
            elif claims.source_ref is None or not any(
                ref_matches(claims.source_ref, p) for p in self.refs
            ):
                fail(Constraint.REF, f"ref is {claims.source_ref!r}, expected {_either(self.refs)}")
        if self.triggers:
            if "trigger" in conflicts:
                fail(Constraint.TRIGGER, "the certificate's trigger extensions disagree")
            elif claims.trigger not in self.triggers:
                fail(
                    Constraint.TRIGGER,
                    f"trigger is {claims.trigger!r}, expected {_either(self.triggers)}",
                )
        if self.sha is not None:
            if "sha" in conflicts:
                fail(Constraint.SHA, "the certificate's commit extensions disagree")
            elif (claims.source_digest or "").lower() != self.sha:
                fail(Constraint.SHA, f"commit is {claims.source_digest!r}, expected {self.sha!r}")
        if (
            self.runner_environment is not None
            and claims.runner_environment != self.runner_environment.value
        ):
            fail(
                Constraint.RUNNER,
                f"runner environment is {claims.runner_environment!r}, "
                f"expected {self.runner_environment.value!r}",
            )
        order = list(Constraint)
        return sorted(found, key=lambda m: order.index(m.constraint))

    def describe(self) -> str:
        """One line for humans: what this policy requires."""
        parts = [f"issuer {self.issuer}"]
        if self.cert_identity:
            parts.append(f"identity {self.cert_identity}")
        if self.cert_identity_regex:
            parts.append(f"identity ~ {self.cert_identity_regex}")
        if self.repository:
            parts.append(f"repository {self.repository}")
        if self.workflow:
            parts.append(f"workflow {self.workflow}")
        if self.refs:
            parts.append(f"ref {_either(self.refs)}")
        if self.triggers:
            parts.append(f"trigger {_either(self.triggers)}")
        if self.sha:
            parts.append(f"commit {self.sha}")
        if self.runner_environment:
            parts.append(f"runner {self.runner_environment.value}")
        return ", ".join(parts)


def _absolute_workflow(workflow: str, repository: str | None) -> str:
    """`.github/workflows/x.yml` (needs the repository) or `owner/name/.github/workflows/x.yml`."""
    text = workflow.strip().lstrip("/")
    if text.startswith("./"):
        text = text[2:]
    if "@" in text:
        raise PolicyError(f"workflow {workflow!r}: give the path only; match the ref with --ref")
    if text.startswith(WORKFLOWS_DIR):
        if repository is None:
            raise PolicyError(f"workflow {workflow!r} is relative: give --repository too")
        return f"{repository}/{text}"
    segments = text.split("/")
    if len(segments) >= 5 and "/".join(segments[2:4]) + "/" == WORKFLOWS_DIR:
        return text
    raise PolicyError(
        f"workflow {workflow!r} is not .github/workflows/FILE or OWNER/NAME/.github/workflows/FILE"
    )


def _same_workflow(actual: str | None, expected: str) -> bool:
    """Owner and name compare case-insensitively (as GitHub does); the path exactly."""
    if actual is None:
        return False
    a_owner_name, _, a_path = actual.partition("/.github/")
    e_owner_name, _, e_path = expected.partition("/.github/")
    return a_owner_name.casefold() == e_owner_name.casefold() and a_path == e_path


def _show(values: Sequence[str]) -> str:
    if not values:
        return "(none)"
    return ", ".join(repr(v) for v in values)


def _either(values: Sequence[str]) -> str:
    return " or ".join(repr(v) for v in values)
