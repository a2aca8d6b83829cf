"""Baselines for the secrets scanner: clearance's own format, or an existing detect-secrets
`.secrets.baseline`, read as is so its users switch with no work.

A detect-secrets baseline lists, per file, the SHA-1 of each accepted secret (its
`hashed_secret`); a finding is accepted when its file and the SHA-1 of its secret are listed,
whatever the line number or detected type. Writing (`--update-baseline`) always produces
clearance's format: sorted, no timestamps, fingerprints with counted multiplicity.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from clearance.baseline import BASELINE_FORMAT, Baseline, parse_baseline
from clearance.errors import ConfigError
from clearance.findings import Finding, Suppression

SCANNER = "secrets"


@dataclass(frozen=True)
class DetectSecretsBaseline:
    """The accepted (file, SHA-1 of secret) pairs of a detect-secrets baseline."""

    accepted: frozenset[tuple[str, str]]
    where: str

    def apply(
        self, findings: Iterable[Finding], sha1_of: Mapping[str, frozenset[str]]
    ) -> list[Finding]:
        """Suppress findings whose (path, SHA-1 of secret) the baseline lists.
        `sha1_of` maps a finding's content digest to the SHA-1s detect-secrets may have stored."""
        result = []
        for finding in findings:
            path = finding.location.path if finding.location else ""
            hashes = sha1_of.get(finding.content_digest, frozenset())
            if finding.is_active and any((path, sha1) in self.accepted for sha1 in hashes):
                finding = replace(
                    finding,
                    suppression=Suppression(
                        kind="baseline", reason="in the detect-secrets baseline"
                    ),
                )
            result.append(finding)
        return result


SecretsBaseline = Baseline | DetectSecretsBaseline


def parse_secrets_baseline(text: str, *, where: str) -> SecretsBaseline:
    """A clearance or detect-secrets baseline; anything else is one `ConfigError` line."""
    try:
        document: Any = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{where}: baseline is not valid JSON ({exc.args[0]})") from exc
    if isinstance(document, dict) and document.get("format") == BASELINE_FORMAT:
        return parse_baseline(text, scanner=SCANNER, where=where)
    if (
        isinstance(document, dict)
        and "results" in document
        and ("plugins_used" in document or "version" in document)
    ):
        return _detect_secrets(document, where)
    raise ConfigError(
        f"{where}: not a clearance baseline nor a detect-secrets .secrets.baseline "
        f'(no "format": "{BASELINE_FORMAT}", no "results")'
    )


def _detect_secrets(document: Mapping[str, Any], where: str) -> DetectSecretsBaseline:
    results = document.get("results")
    if not isinstance(results, dict):
        raise ConfigError(
            f'{where}: detect-secrets baseline "results" must map file names to lists'
        )
    accepted: set[tuple[str, str]] = set()
    for filename, entries in results.items():
        if not isinstance(entries, list):
            raise ConfigError(
                f"{where}: detect-secrets baseline entry for {filename!r} must be a list"
            )
        for entry in entries:
            hashed = entry.get("hashed_secret") if isinstance(entry, dict) else None
            if not isinstance(hashed, str) or len(hashed) != 40:
                raise ConfigError(
                    f"{where}: detect-secrets baseline entry in {filename!r} has no 40-hex hashed_secret"
                )
            accepted.add((str(filename).replace("\\", "/").removeprefix("./"), hashed.lower()))
    return DetectSecretsBaseline(frozenset(accepted), where)


def load_secrets_baseline(path: Path) -> SecretsBaseline:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"baseline file {path} does not exist (create it with --update-baseline)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read baseline file {path}: {type(exc).__name__}") from exc
    return parse_secrets_baseline(text, where=str(path))
