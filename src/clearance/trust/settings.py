"""`[tool.clearance.verify]`: one definition of the verification policy for humans and gates.

`verify_settings(settings)` reads the validated section; `VerifySettings.merged(...)` lays
command-line values over it field by field; `.policy()` and `.trust_spec()` give what
`clearance.trust.verify.verify_artifacts` needs. The promotion gate calls the same functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from typing import Any

from clearance.config import Settings
from clearance.errors import ConfigError, UsageError
from clearance.trust.bundles import BundleKind
from clearance.trust.policy import IdentityPolicy, PolicyError
from clearance.trust.roots import Instance, TrustSpec

SECTION = "verify"


@dataclass(frozen=True)
class VerifySettings:
    """The policy and trust options; None / empty means "not set here"."""

    issuer: str | None = None
    cert_identity: str | None = None
    cert_identity_regex: str | None = None
    repository: str | None = None
    workflow: str | None = None
    refs: tuple[str, ...] = ()
    triggers: tuple[str, ...] = ()
    sha: str | None = None
    runner_environment: str | None = None
    predicate_type: str | None = None
    kinds: tuple[BundleKind, ...] = ()
    staging: bool | None = None
    online: bool | None = None
    trust_config: Path | None = None
    where: str = "the command line"

    def merged(self, **overrides: Any) -> VerifySettings:
        """These settings with every override that is set (not None, not empty) laid over."""
        known = {f.name for f in fields(self)}
        unknown = set(overrides) - known
        if unknown:  # pragma: no cover - programming error
            raise TypeError(f"unknown verify settings: {sorted(unknown)}")
        chosen = {k: v for k, v in overrides.items() if v is not None and v != () and v != []}
        for key in ("refs", "triggers", "kinds"):
            if key in chosen:
                chosen[key] = tuple(chosen[key])
        return replace(self, **chosen)

    def policy(self) -> IdentityPolicy:
        """The identity policy; `ConfigError`/`UsageError` (exit 2) naming the bad value."""
        try:
            return IdentityPolicy.build(
                issuer=self.issuer,
                cert_identity=self.cert_identity,
                cert_identity_regex=self.cert_identity_regex,
                repository=self.repository,
                workflow=self.workflow,
                refs=self.refs,
                triggers=self.triggers,
                sha=self.sha,
                runner_environment=self.runner_environment,
            )
        except PolicyError as exc:
            if self.where == "the command line":
                raise UsageError(f"verification policy: {exc}") from exc
            raise ConfigError(f"verification policy ({self.where}): {exc}") from exc

    def trust_spec(self) -> TrustSpec:
        return TrustSpec(
            instance=Instance.STAGING if self.staging else Instance.PRODUCTION,
            online=bool(self.online),
            trust_config=self.trust_config,
        )

    @property
    def bundle_kinds(self) -> tuple[BundleKind, ...]:
        return self.kinds or (BundleKind.SIGNATURE,)


def _strings(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    return tuple(str(v) for v in value)


def verify_settings(settings: Settings) -> VerifySettings:
    """The `[verify]` section of a validated configuration (schema-checked already)."""
    section: Mapping[str, Any] = settings.section(SECTION)
    trust_config = section.get("trust-config")
    return VerifySettings(
        issuer=section.get("issuer"),
        cert_identity=section.get("cert-identity"),
        cert_identity_regex=section.get("cert-identity-regex"),
        repository=section.get("repository"),
        workflow=section.get("workflow"),
        refs=_strings(section.get("ref")),
        triggers=_strings(section.get("trigger")),
        sha=section.get("sha"),
        runner_environment=section.get("runner-environment"),
        predicate_type=section.get("predicate-type"),
        kinds=tuple(BundleKind(k) for k in section.get("kinds", ())),
        staging=section.get("staging"),
        online=section.get("online"),
        trust_config=settings.resolve(trust_config) if isinstance(trust_config, str) else None,
        where=f"{settings.where} [{SECTION}]" if section else "the command line",
    )
