"""clearance's scan-result predicate: "this digest was scanned, by what, and it passed".

Predicate type `https://clearance.dev/attestation/scan/v1`; its JSON Schema ships as
`clearance/schema/scan-predicate.schema.json` (and is in the README). It is built from a
clearance JSON report (`clearance scan ... --format json --output report.json`, schema
`https://clearance.dev/schema/report/v1.json`), which is validated first, and records:

- `scanner`: clearance and its version, and per scan the engine and the engine's version;
- `configuration`: the sha256 of the configuration in force (RFC 8785 canonical JSON of the
  validated `[tool.clearance]` table, `{}` for the embedded defaults) and where it came from;
- `policy.failOn`, `counts` (active findings by severity) and `outcome` (pass, fail, hold);
- `report`: the report's file name and sha256, so the full findings can be matched to it.

A promotion gate can then require, for a digest, a verified scan attestation whose outcome is
`pass`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, cast

from clearance.errors import UsageError

SCAN_PREDICATE_TYPE = "https://clearance.dev/attestation/scan/v1"
SCAN_PREDICATE_SCHEMA = "schema/scan-predicate.schema.json"
REPORT_SCHEMA = "schema/report.schema.json"
CLEARANCE_URI = "https://github.com/clearance-dev/clearance"


def _schema(name: str) -> dict[str, Any]:
    text = resources.files("clearance").joinpath(name).read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


def load_report(path: Path, shown: str | None = None) -> tuple[dict[str, Any], bytes]:
    """A clearance JSON report and its bytes; `UsageError` when it is not one."""
    import jsonschema

    name = shown or str(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise UsageError(f"report {name}: no such file") from None
    except OSError as exc:
        raise UsageError(f"report {name}: cannot read it: {exc.strerror or exc}") from None
    try:
        report = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise UsageError(f"report {name}: not JSON ({exc})") from None
    error = jsonschema.exceptions.best_match(
        jsonschema.Draft202012Validator(_schema(REPORT_SCHEMA)).iter_errors(report)
    )
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or "the top level"
        raise UsageError(
            f"report {name} is not a clearance JSON report "
            f"(write one with 'clearance scan ... --format json --output FILE'): "
            f"{where}: {error.message[:200]}"
        )
    return report, raw


def configuration_digest(document: Mapping[str, Any]) -> str:
    """sha256 (hex) of the configuration as RFC 8785 canonical JSON."""
    import rfc8785

    jsonable = json.loads(json.dumps(document, default=str))
    return hashlib.sha256(rfc8785.dumps(jsonable)).hexdigest()


def scan_predicate(
    report: Mapping[str, Any],
    report_bytes: bytes,
    *,
    report_name: str,
    config_document: Mapping[str, Any],
    config_source: str | None,
) -> dict[str, Any]:
    return {
        "scanner": {
            "name": "clearance",
            "version": report["tool"]["version"],
            "uri": CLEARANCE_URI,
        },
        "scans": [
            {
                "scanner": run["scanner"],
                "tool": {
                    "name": run["tool"]["name"],
                    "version": run["tool"]["version"],
                    "uri": run["tool"]["information_uri"],
                },
                "counts": dict(run["counts"]),
                "suppressed": run["suppressed"],
            }
            for run in report["runs"]
        ],
        "configuration": {
            "source": config_source,
            "digest": {"sha256": configuration_digest(config_document)},
        },
        "policy": {"failOn": report["fail_on"]},
        "counts": dict(report["counts"]),
        "outcome": report["outcome"],
        "report": {
            "name": report_name,
            "mediaType": "application/json",
            "schema": report["$schema"],
            "digest": {"sha256": hashlib.sha256(report_bytes).hexdigest()},
        },
    }


def predicate_schema() -> dict[str, Any]:
    return _schema(SCAN_PREDICATE_SCHEMA)
