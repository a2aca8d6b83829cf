"""The pip-audit adapter's pure parts: reading its JSON, telling its failures apart, the SBOM."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import requests

from clearance.errors import EngineError
from clearance.scan.deps.engine import (
    AuditedDependency,
    PipAudit,
    Service,
    ServiceKind,
    ServiceUnreachable,
    Vulnerability,
    _cli_failure,
    _describe_cause,
    _from_json,
)
from clearance.scan.deps.manifests import ManifestError

RECORDED = Path(__file__).parents[2] / "data" / "deps" / "recorded" / "pip-audit.json"
OSV = Service(ServiceKind.OSV, "OSV (https://api.osv.dev/v1/query)")


def test_recorded_pip_audit_json_is_read_with_its_skip() -> None:
    document = json.loads(RECORDED.read_text())
    requests, flask, toolkit = (_from_json(item) for item in document["dependencies"])
    assert (requests.name, requests.version) == ("requests", "2.19.0")
    assert [v.id for v in requests.vulnerabilities] == ["PYSEC-2018-28", "PYSEC-2023-74"]
    assert set(requests.vulnerabilities[0].aliases) == {"CVE-2018-18074", "GHSA-x84v-xcm2-53pg"}
    assert requests.vulnerabilities[0].fix_versions == ("2.20.0",)
    assert not flask.vulnerabilities and not flask.skipped
    assert toolkit.skipped and toolkit.version is None
    assert toolkit.skip_reason == "URL requirements cannot be pinned to a specific package version"


@pytest.mark.parametrize(
    "stderr, kind, text",
    [
        (
            "ERROR:pip_audit._cli:Connection refused\n"
            "ERROR:pip_audit._cli:Tip: your network may be blocking this service. "
            "Try another service with `-s SERVICE`\n",
            ServiceUnreachable,
            "cannot reach OSV (https://api.osv.dev/v1/query): Connection refused; to audit without it, "
            "use --advisory-db DIR|ZIP|bundled",
        ),
        (
            "ERROR:pip_audit._virtual_env:internal pip failure: ERROR: No matching distribution\n"
            "ERROR:pip_audit._cli:Failed to install packages: ['python', '-m', 'pip', 'install']\n",
            EngineError,
            "pip-audit could not resolve requirements.txt with pip (exit 1)",
        ),
        (
            "ERROR:pip_audit._cli:requirement file requirements.txt contains invalid specifier at line 2\n",
            ManifestError,
            "requirements.txt: requirement file requirements.txt contains invalid specifier at line 2",
        ),
        (
            "Traceback ...\nKeyError: 'vulns'\n",
            EngineError,
            "pip-audit failed on requirements.txt (exit 1): KeyError",
        ),
    ],
)
def test_pip_audit_cli_failures_are_told_apart(
    stderr: str, kind: type[Exception], text: str
) -> None:
    error = _cli_failure(1, stderr, OSV, "requirements.txt")
    assert type(error) is kind
    assert str(error).startswith(text)
    assert "\n" not in str(error)


def test_the_sbom_is_pip_audits_cyclonedx_of_the_audited_set() -> None:
    vulnerability = Vulnerability("PYSEC-2018-28", ("CVE-2018-18074",), "leak", ("2.20.0",))
    dependencies = [
        AuditedDependency("requests", "2.19.0", (vulnerability,)),
        AuditedDependency("requests", "2.19.0", (vulnerability,)),  # reached through two manifests
        AuditedDependency("idna", "3.7"),
        AuditedDependency("./vendored", None, skip_reason="could not deduce package version"),
    ]
    document = json.loads(PipAudit().sbom(dependencies))
    assert document["bomFormat"] == "CycloneDX"
    assert sorted((c["name"], c["version"]) for c in document["components"]) == [
        ("idna", "3.7"),
        ("requests", "2.19.0"),
    ]
    assert [v["id"] for v in document["vulnerabilities"]] == ["PYSEC-2018-28"]


def test_an_unreachable_service_is_described_by_the_operating_systems_words() -> None:
    # A real refused connection on loopback: requests nests urllib3's errors, which repeat the
    # host, port and URL at every level; the reason keeps only the socket's own words.
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(requests.ConnectionError) as caught:
        requests.get(f"http://127.0.0.1:{port}/v1/query", timeout=5)
    reason = _describe_cause(caught.value)
    assert reason.startswith("[Errno ") and "refused" in reason.lower()
    assert "Max retries" not in reason and len(reason) < 60


def test_a_cause_without_an_os_error_keeps_its_chain() -> None:
    try:
        try:
            raise ValueError("bad answer")
        except ValueError as inner:
            raise RuntimeError("OSV failed") from inner
    except RuntimeError as outer:
        assert _describe_cause(outer) == "OSV failed: bad answer"
