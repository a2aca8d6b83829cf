"""Bundle files: their names next to an artifact, and reading them.

The names are shared with signing: for `dist/app.tar.gz`,

| kind        | file                                   | content                              |
|-------------|----------------------------------------|--------------------------------------|
| signature   | `dist/app.tar.gz.sigstore.json`        | a message signature (or any bundle)  |
| provenance  | `dist/app.tar.gz.provenance.sigstore.json` | DSSE in-toto, SLSA provenance    |
| scan        | `dist/app.tar.gz.scan.sigstore.json`   | DSSE in-toto, clearance scan results |
| sbom        | `dist/app.tar.gz.sbom.sigstore.json`   | DSSE in-toto, an SBOM                |

Reading distinguishes three outcomes, because they have different exit codes: a file that is
missing or not JSON is unusable input (`UsageError`, exit 2); JSON that is not a valid
Sigstore bundle is a verification failure (`InvalidBundleDocument`, exit 1); otherwise a
sigstore `Bundle`. A PEP 740 attestation object (what PyPI serves for a distribution) is
converted to a bundle with pypi-attestations, its reference implementation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from clearance.errors import UsageError

if TYPE_CHECKING:
    from sigstore.models import Bundle

BUNDLE_SUFFIX = ".sigstore.json"


class BundleKind(StrEnum):
    SIGNATURE = "signature"
    PROVENANCE = "provenance"
    SCAN = "scan"
    SBOM = "sbom"

    @property
    def suffix(self) -> str:
        if self is BundleKind.SIGNATURE:
            return BUNDLE_SUFFIX
        return f".{self.value}{BUNDLE_SUFFIX}"

    @property
    def is_attestation(self) -> bool:
        return self is not BundleKind.SIGNATURE


def bundle_path(artifact: Path, kind: BundleKind = BundleKind.SIGNATURE) -> Path:
    """Where the bundle of `kind` for `artifact` lives: next to it, named after it."""
    return artifact.with_name(artifact.name + kind.suffix)


def kind_of_bundle(path: Path) -> BundleKind:
    """The kind a bundle's file name says (a name outside the convention is a signature)."""
    for kind in (BundleKind.PROVENANCE, BundleKind.SCAN, BundleKind.SBOM):
        if path.name.endswith(kind.suffix):
            return kind
    return BundleKind.SIGNATURE


class InvalidBundleDocument(ValueError):
    """JSON that is not a valid Sigstore bundle (or PEP 740 attestation)."""


@dataclass(frozen=True)
class BundleDocument:
    """A bundle file's JSON, read and parsed as JSON (not yet as a bundle)."""

    path: Path
    document: Any
    raw: bytes

    @property
    def is_pep740(self) -> bool:
        doc = self.document
        return isinstance(doc, dict) and "envelope" in doc and "verification_material" in doc


def read_bundle_document(path: Path) -> BundleDocument:
    """Read a bundle file as JSON; `UsageError` (exit 2) when missing, unreadable or not JSON."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"bundle {path}: no such file") from None
    except IsADirectoryError:
        raise UsageError(f"bundle {path}: is a directory") from None
    except OSError as exc:
        raise UsageError(f"bundle {path}: cannot read it: {exc.strerror or exc}") from exc
    try:
        document = json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise UsageError(f"bundle {path}: not JSON ({exc})") from exc
    return BundleDocument(path=path, document=document, raw=raw)


def parse_bundle(doc: BundleDocument) -> Bundle:
    """The sigstore `Bundle` of a JSON document; raises `InvalidBundleDocument` or sigstore's
    `InvalidBundle` for JSON that is not a usable bundle."""
    if not isinstance(doc.document, dict):
        raise InvalidBundleDocument("the bundle is JSON but not an object")
    if doc.is_pep740:
        return _from_pep740(doc.raw)
    if "mediaType" not in doc.document:
        raise InvalidBundleDocument("the JSON has no mediaType: not a Sigstore bundle")
    from sigstore.models import Bundle  # imported on use: `clearance --help` stays fast

    return Bundle.from_json(doc.raw)


def _from_pep740(raw: bytes) -> Bundle:
    from pydantic import ValidationError
    from pypi_attestations import Attestation, ConversionError

    try:
        attestation = Attestation.model_validate_json(raw)
        return attestation.to_bundle()
    except (ValidationError, ConversionError) as exc:
        raise InvalidBundleDocument(f"not a valid PEP 740 attestation: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
