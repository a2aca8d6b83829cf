"""The CycloneDX SBOM predicate (`https://cyclonedx.org/bom`): the BOM document itself.

Any CycloneDX JSON BOM is accepted (`clearance scan deps --sbom` writes one; so do cyclonedx-py,
syft and trivy): an object with `bomFormat: CycloneDX` and a `specVersion`. The BOM is carried
unchanged, as cosign and actions/attest-sbom carry it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clearance.errors import UsageError

CYCLONEDX_PREDICATE_TYPE = "https://cyclonedx.org/bom"
MAX_SBOM_BYTES = 16 * 1024 * 1024  # GitHub refuses larger attestations


def load_cyclonedx(path: Path, shown: str | None = None) -> dict[str, Any]:
    """The BOM of a CycloneDX JSON file; `UsageError` when it is not one."""
    name = shown or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"SBOM {name}: no such file") from None
    except OSError as exc:
        raise UsageError(f"SBOM {name}: cannot read it: {exc.strerror or exc}") from None
    if len(raw) > MAX_SBOM_BYTES:
        raise UsageError(
            f"SBOM {name}: {len(raw)} bytes, more than the 16 MiB an attestation holds"
        )
    try:
        bom = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"SBOM {name}: not JSON ({exc}); give a CycloneDX JSON BOM") from None
    if not isinstance(bom, dict) or bom.get("bomFormat") != "CycloneDX":
        raise UsageError(f'SBOM {name}: not a CycloneDX BOM (no "bomFormat": "CycloneDX")')
    if not isinstance(bom.get("specVersion"), str):
        raise UsageError(f"SBOM {name}: a CycloneDX BOM needs its specVersion")
    return bom
