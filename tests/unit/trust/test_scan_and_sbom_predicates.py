"""The scan-result predicate (https://clearance.dev/attestation/scan/v1) and the CycloneDX
predicate: built from their inputs, valid against the shipped schema, refused when the input
is not what it claims to be; the README documents the schema as shipped."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from clearance.errors import UsageError
from clearance.findings import Confidence, FailOn, Finding, ScanResult, Severity, Tool
from clearance.report import Report
from clearance.report.jsonfile import render_json
from clearance.trust.attest.sbom import load_cyclonedx
from clearance.trust.attest.scan import (
    SCAN_PREDICATE_TYPE,
    configuration_digest,
    load_report,
    predicate_schema,
    scan_predicate,
)

ROOT = Path(__file__).resolve().parents[3]


def report_file(tmp_path: Path, severities: list[Severity], fail_on: FailOn) -> Path:
    findings = [
        Finding(
            rule_id=f"B{100 + i}",
            scanner="code",
            severity=severity,
            message="something",
            location=None,
            content_digest=f"digest-{i}",
            confidence=Confidence.HIGH,
        )
        for i, severity in enumerate(severities)
    ]
    result = ScanResult(
        scanner="code",
        tool=Tool(name="bandit", version="1.8.6", information_uri="https://bandit.readthedocs.io/"),
        rules={},
        findings=findings,
    )
    path = tmp_path / "scan.json"
    path.write_text(render_json(Report(results=[result], fail_on=fail_on, tool_version="0.1.0")))
    return path


def predicate(path: Path, document: dict[str, Any] | None = None) -> dict[str, Any]:
    report, raw = load_report(path)
    return scan_predicate(
        report,
        raw,
        report_name=path.name,
        config_document=document or {},
        config_source="clearance.toml" if document else None,
    )


@pytest.mark.parametrize(
    ("severities", "fail_on", "outcome"),
    [([], FailOn.LOW, "pass"), ([Severity.HIGH, Severity.LOW], FailOn.HIGH, "fail"),
     ([Severity.MEDIUM], FailOn.HIGH, "pass")],
)  # fmt: skip
def test_the_predicate_records_counts_outcome_versions_and_the_reports_digest(
    tmp_path: Path, severities: list[Severity], fail_on: FailOn, outcome: str
) -> None:
    path = report_file(tmp_path, severities, fail_on)

    built = predicate(path, {"fail-on": fail_on.value})

    jsonschema.Draft202012Validator(predicate_schema()).validate(built)
    assert built["outcome"] == outcome
    assert built["policy"] == {"failOn": fail_on.value}
    assert sum(built["counts"].values()) == len(severities)
    assert built["scans"][0]["tool"] == {
        "name": "bandit",
        "version": "1.8.6",
        "uri": "https://bandit.readthedocs.io/",
    }
    assert built["scanner"]["version"] == "0.1.0"
    assert built["report"]["digest"]["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert built["configuration"]["source"] == "clearance.toml"


def test_the_configuration_digest_is_canonical() -> None:
    a = configuration_digest({"fail-on": "high", "code": {"exclude": ["tests/**"]}})
    b = configuration_digest({"code": {"exclude": ["tests/**"]}, "fail-on": "high"})
    c = configuration_digest({"fail-on": "medium", "code": {"exclude": ["tests/**"]}})

    assert a == b != c
    assert configuration_digest({}) == hashlib.sha256(b"{}").hexdigest()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("not json", "not JSON"),
        (json.dumps({"runs": []}), "not a clearance JSON report"),
        (json.dumps({"version": 1}), "clearance scan ... --format json"),
    ],
)
def test_a_report_that_is_not_a_clearance_report_is_refused(
    tmp_path: Path, content: str, message: str
) -> None:
    path = tmp_path / "report.json"
    path.write_text(content)

    with pytest.raises(UsageError, match=re.escape(message)):
        load_report(path)


def test_attest_scan_without_a_report_is_exit_2(tmp_path: Path, run_cli) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "app").write_text("x")

    result = run_cli("attest", "scan", "app", cwd=tmp_path)

    assert result.code == 2 and "--report FILE is required" in result.stderr


@pytest.mark.parametrize(
    ("bom", "message"),
    [
        ({"bomFormat": "CycloneDX", "specVersion": "1.6", "components": []}, None),
        ({"spdxVersion": "SPDX-2.3"}, "not a CycloneDX BOM"),
        ({"bomFormat": "CycloneDX"}, "specVersion"),
        ([1, 2], "not a CycloneDX BOM"),
    ],
)
def test_an_sbom_must_be_cyclonedx_json(tmp_path: Path, bom: Any, message: str | None) -> None:
    path = tmp_path / "bom.json"
    path.write_text(json.dumps(bom))

    if message is None:
        assert load_cyclonedx(path) == bom
    else:
        with pytest.raises(UsageError, match=message):
            load_cyclonedx(path)


def test_the_readme_documents_the_scan_predicate_type_and_its_schema_as_shipped() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert SCAN_PREDICATE_TYPE in readme
    block = re.search(r"<!-- scan-predicate-schema -->\s*```json\n(.*?)```", readme, re.S)
    assert block is not None, "README: no ```json block after <!-- scan-predicate-schema -->"
    assert json.loads(block.group(1)) == predicate_schema()
