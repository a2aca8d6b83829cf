"""The identity claims a Fulcio certificate carries, read from its X.509 extensions.

Fulcio copies the OIDC token's claims into extensions under `1.3.6.1.4.1.57264.1`
(https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md). The current ones
(`.1.8`-`.1.22`) hold a DER-encoded UTF8String; the legacy GitHub ones (`.1.1`-`.1.6`) hold
the raw bytes of the value. Where both name the same fact, the current one is preferred, and
a certificate in which the two disagree has that claim marked as conflicting: a policy that
relies on it fails rather than pick one.

Nothing here verifies anything: these are claims of a certificate that sigstore-python
verifies (chain, SCT, log inclusion) before a policy looks at them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat import asn1
from cryptography.x509.oid import ObjectIdentifier

_FULCIO = "1.3.6.1.4.1.57264.1"

# Legacy extensions: the value is the raw bytes of the claim.
ISSUER_V1 = ObjectIdentifier(f"{_FULCIO}.1")
GITHUB_TRIGGER = ObjectIdentifier(f"{_FULCIO}.2")
GITHUB_SHA = ObjectIdentifier(f"{_FULCIO}.3")
GITHUB_WORKFLOW_NAME = ObjectIdentifier(f"{_FULCIO}.4")
GITHUB_REPOSITORY = ObjectIdentifier(f"{_FULCIO}.5")
GITHUB_REF = ObjectIdentifier(f"{_FULCIO}.6")
OTHERNAME_SAN = ObjectIdentifier(f"{_FULCIO}.7")

# Current extensions: the value is a DER-encoded UTF8String.
ISSUER = ObjectIdentifier(f"{_FULCIO}.8")
BUILD_SIGNER_URI = ObjectIdentifier(f"{_FULCIO}.9")
BUILD_SIGNER_DIGEST = ObjectIdentifier(f"{_FULCIO}.10")
RUNNER_ENVIRONMENT = ObjectIdentifier(f"{_FULCIO}.11")
SOURCE_REPOSITORY_URI = ObjectIdentifier(f"{_FULCIO}.12")
SOURCE_REPOSITORY_DIGEST = ObjectIdentifier(f"{_FULCIO}.13")
SOURCE_REPOSITORY_REF = ObjectIdentifier(f"{_FULCIO}.14")
SOURCE_REPOSITORY_IDENTIFIER = ObjectIdentifier(f"{_FULCIO}.15")
SOURCE_REPOSITORY_OWNER_URI = ObjectIdentifier(f"{_FULCIO}.16")
SOURCE_REPOSITORY_OWNER_IDENTIFIER = ObjectIdentifier(f"{_FULCIO}.17")
BUILD_CONFIG_URI = ObjectIdentifier(f"{_FULCIO}.18")
BUILD_CONFIG_DIGEST = ObjectIdentifier(f"{_FULCIO}.19")
BUILD_TRIGGER = ObjectIdentifier(f"{_FULCIO}.20")
RUN_INVOCATION_URI = ObjectIdentifier(f"{_FULCIO}.21")
SOURCE_REPOSITORY_VISIBILITY = ObjectIdentifier(f"{_FULCIO}.22")

LEGACY_OIDS = (
    ISSUER_V1,
    GITHUB_TRIGGER,
    GITHUB_SHA,
    GITHUB_WORKFLOW_NAME,
    GITHUB_REPOSITORY,
    GITHUB_REF,
)
DER_OIDS = tuple(ObjectIdentifier(f"{_FULCIO}.{n}") for n in range(8, 23))


class ClaimConflict(ValueError):
    """A claim whose current and legacy extensions disagree."""


@dataclass(frozen=True)
class Claims:
    """What a signing certificate says about who signed.

    `repository` is `owner/name`; `signer_workflow` is `owner/name/path/to/workflow.yml` (the
    workflow that held the token: the build signer URI without host and `@ref`). Every field is
    None when the certificate does not carry it; `conflicts` names the claims whose current
    and legacy extensions disagree (their fields are None).
    """

    sans: tuple[str, ...] = ()
    issuer: str | None = None
    build_signer_uri: str | None = None
    build_signer_digest: str | None = None
    runner_environment: str | None = None
    source_repository_uri: str | None = None
    repository: str | None = None
    source_digest: str | None = None
    source_ref: str | None = None
    build_config_uri: str | None = None
    trigger: str | None = None
    run_invocation_uri: str | None = None
    workflow_name: str | None = None
    visibility: str | None = None
    conflicts: tuple[str, ...] = field(default=())

    @property
    def identity(self) -> str | None:
        """The first SAN: the identity a person reads (email, workflow URI)."""
        return self.sans[0] if self.sans else None

    @property
    def signer_workflow(self) -> str | None:
        return workflow_of_uri(self.build_signer_uri or (self.identity or ""))

    @property
    def config_workflow(self) -> str | None:
        """The top-level workflow of the run (differs from the signer for reusable workflows)."""
        return workflow_of_uri(self.build_config_uri or "")


def workflow_of_uri(uri: str) -> str | None:
    """`https://github.com/o/r/.github/workflows/x.yml@refs/...` → `o/r/.github/workflows/x.yml`."""
    parts = urlsplit(uri)
    if parts.scheme != "https" or "/.github/workflows/" not in parts.path:
        return None
    path = parts.path.lstrip("/")
    return path.split("@", 1)[0] or None


def repository_of_uri(uri: str) -> str | None:
    """`https://github.com/owner/name` → `owner/name` (None for anything else)."""
    parts = urlsplit(uri)
    segments = [s for s in parts.path.split("/") if s]
    if parts.scheme != "https" or len(segments) != 2:
        return None
    return "/".join(segments)


def _raw(cert: x509.Certificate, oid: ObjectIdentifier) -> bytes | None:
    try:
        ext = cert.extensions.get_extension_for_oid(oid)
    except x509.ExtensionNotFound:
        return None
    value = ext.value
    if isinstance(value, x509.UnrecognizedExtension):
        return value.value
    return None


def _legacy(cert: x509.Certificate, oid: ObjectIdentifier) -> str | None:
    raw = _raw(cert, oid)
    if raw is None:
        return None
    return raw.decode("utf-8", errors="strict")


def _der(cert: x509.Certificate, oid: ObjectIdentifier) -> str | None:
    raw = _raw(cert, oid)
    if raw is None:
        return None
    value = asn1.decode_der(str, raw)
    if not isinstance(value, str):  # pragma: no cover - decode_der(str) returns str or raises
        raise ValueError(f"extension {oid.dotted_string} is not a UTF8String")
    return value


def _sans(cert: x509.Certificate) -> tuple[str, ...]:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return ()
    values: list[str] = [*san.get_values_for_type(x509.RFC822Name)]
    values += san.get_values_for_type(x509.UniformResourceIdentifier)
    values += [
        other.value.decode("utf-8", errors="replace")
        for other in san.get_values_for_type(x509.OtherName)
        if other.type_id == OTHERNAME_SAN
    ]
    return tuple(values)


def claims_of(cert: x509.Certificate) -> Claims:
    """Read the claims; raises ValueError for an extension that is not what Fulcio writes."""
    conflicts: list[str] = []

    def pick(name: str, current: str | None, legacy: str | None) -> str | None:
        if current is not None and legacy is not None and current != legacy:
            conflicts.append(name)
            return None
        return current if current is not None else legacy

    source_uri = _der(cert, SOURCE_REPOSITORY_URI)
    legacy_repo = _legacy(cert, GITHUB_REPOSITORY)
    repository = pick(
        "repository", repository_of_uri(source_uri) if source_uri else None, legacy_repo
    )
    return Claims(
        sans=_sans(cert),
        issuer=pick("issuer", _der(cert, ISSUER), _legacy(cert, ISSUER_V1)),
        build_signer_uri=_der(cert, BUILD_SIGNER_URI),
        build_signer_digest=_der(cert, BUILD_SIGNER_DIGEST),
        runner_environment=_der(cert, RUNNER_ENVIRONMENT),
        source_repository_uri=source_uri,
        repository=repository,
        source_digest=pick("sha", _der(cert, SOURCE_REPOSITORY_DIGEST), _legacy(cert, GITHUB_SHA)),
        source_ref=pick("ref", _der(cert, SOURCE_REPOSITORY_REF), _legacy(cert, GITHUB_REF)),
        build_config_uri=_der(cert, BUILD_CONFIG_URI),
        trigger=pick("trigger", _der(cert, BUILD_TRIGGER), _legacy(cert, GITHUB_TRIGGER)),
        run_invocation_uri=_der(cert, RUN_INVOCATION_URI),
        workflow_name=_legacy(cert, GITHUB_WORKFLOW_NAME),
        visibility=_der(cert, SOURCE_REPOSITORY_VISIBILITY),
        conflicts=tuple(conflicts),
    )
