"""The loopback OSV API over HTTP, as pip-audit and other OSV clients use it."""

from __future__ import annotations

import json
import socket
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from clearance.scan.deps.advisories import load_database
from clearance.scan.deps.osv_server import serve
from clearance.scan.deps.sources import OsvRecords, osv_base

pytestmark = pytest.mark.integration

DATA = Path(__file__).parents[2] / "data"
ADVISORIES = DATA / "advisories"


@pytest.fixture(scope="module")
def database():  # type: ignore[no-untyped-def]
    return load_database(str(ADVISORIES), ADVISORIES)


def call(url: str, body: object | None = None) -> tuple[int, Any]:
    data = (
        None if body is None else (body if isinstance(body, bytes) else json.dumps(body).encode())
    )
    method = "POST" if data is not None else "GET"
    request = urllib.request.Request(url, data=data, method=method)  # noqa: S310 - loopback
    try:
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 - loopback
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_query_querybatch_and_vulns_over_http(database) -> None:  # type: ignore[no-untyped-def]
    with serve(database) as endpoint:
        assert endpoint.base_url.startswith("http://127.0.0.1:")
        status, found = call(
            endpoint.query_url,
            {"package": {"name": "requests", "ecosystem": "PyPI"}, "version": "2.19.0"},
        )
        assert status == 200 and {v["id"] for v in found["vulns"]} == {
            "PYSEC-2018-28",
            "PYSEC-2023-74",
        }
        status, batch = call(
            f"{endpoint.base_url}/v1/querybatch",
            {
                "queries": [
                    {"package": {"purl": "pkg:pypi/flask@2.3.1"}},
                    {"package": {"purl": "pkg:pypi/flask@2.3.2"}},
                ]
            },
        )
        assert status == 200 and batch["results"] == [
            {
                "vulns": [
                    {"id": "PYSEC-2023-62", "modified": batch["results"][0]["vulns"][0]["modified"]}
                ]
            },
            {},
        ]
        status, record = call(f"{endpoint.base_url}/v1/vulns/PYSEC-2023-62")
        assert status == 200 and record["id"] == "PYSEC-2023-62"


@pytest.mark.parametrize(
    "path, body, status",
    [
        ("/v1/query", b"{not json", 400),
        ("/v1/query", {"commit": "abc"}, 400),
        ("/v1/querybatch", {"queries": "no"}, 400),
        ("/v1/nothing", {}, 404),
        ("/v1/vulns/PYSEC-0000-0", None, 404),
        ("/v1/vulns/CVE-2018-18074", None, 404),  # an alias is not a record id
    ],
)
def test_bad_requests_get_json_errors(database, path: str, body: object, status: int) -> None:  # type: ignore[no-untyped-def]
    with serve(database) as endpoint:
        got, answer = call(endpoint.base_url + path, body)
    assert got == status and "message" in answer


def test_withdrawn_records_are_not_served(database) -> None:  # type: ignore[no-untyped-def]
    with serve(database) as endpoint:
        _, found = call(
            endpoint.query_url,
            {"package": {"name": "redis", "ecosystem": "PyPI"}, "version": "4.6.0"},
        )
    assert "PYSEC-2023-73" not in {v["id"] for v in found.get("vulns", [])}


def test_the_endpoint_is_gone_when_its_block_ends(database) -> None:  # type: ignore[no-untyped-def]
    with serve(database) as endpoint:
        port = int(endpoint.base_url.rsplit(":", 1)[1])
    with socket.socket() as probe, pytest.raises(OSError):
        probe.settimeout(2)
        probe.connect(("127.0.0.1", port))


def test_pip_audits_osv_client_reads_the_answers(database) -> None:  # type: ignore[no-untyped-def]
    from packaging.version import Version
    from pip_audit._service import OsvService, ResolvedDependency

    with serve(database) as endpoint:
        service = OsvService(timeout=10, osv_url=endpoint.query_url)
        service.session.trust_env = False
        _, results = service.query(ResolvedDependency(name="PyYAML", version=Version("5.3")))
    assert {r.id for r in results} == {"PYSEC-2020-96", "PYSEC-2021-142"}
    assert all(r.fix_versions for r in results)


def test_advisory_records_are_read_from_an_osv_api(database) -> None:  # type: ignore[no-untyped-def]
    with serve(database) as endpoint:
        records = OsvRecords(base_url=osv_base(endpoint.query_url), timeout=5)
        record = records.get("PYSEC-2023-192")
        assert record is not None and record["severity"][0]["type"] == "CVSS_V3"
        assert records.get("PYSEC-0000-0") is None and records.failures == 1
    assert osv_base("https://api.osv.dev/v1/query") == "https://api.osv.dev"


def test_an_online_osv_service_gives_cvss_severity_too(run_cli, database, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    # The loopback endpoint plays an online OSV: --osv-url, no --advisory-db.
    (tmp_path / "requirements.txt").write_text("urllib3==1.24.1\n")
    with serve(database) as endpoint:
        result = run_cli(
            "scan", "deps", "--osv-url", endpoint.query_url, "--format", "json", cwd=tmp_path
        )
    assert result.code == 1, result.stderr
    findings = {f["rule_id"]: f for f in json.loads(result.stdout)["runs"][0]["findings"]}
    assert findings["PYSEC-2023-192"]["properties"]["severity-source"] == "cvss"
    assert findings["PYSEC-2019-132"]["properties"]["severity-source"] == "unknown"


def test_records_of_one_vulnerability_from_two_databases_become_one_finding(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    # OSV's own PyPI export holds both the PYSEC record and the GHSA record of a vulnerability.
    pysec = json.loads((ADVISORIES / "requests" / "PYSEC-2023-74.json").read_text())
    ghsa = {
        "id": "GHSA-j8r2-6x86-q33q",
        "aliases": ["CVE-2023-32681"],
        "summary": "Unintended leak of Proxy-Authorization header in requests",
        "modified": "2024-01-01T00:00:00Z",
        "severity": [{"type": "CVSS_V3", "score": "CVSS:3.1/AV:N/AC:H/PR:N/UI:R/S:U/C:H/I:N/A:N"}],
        "affected": [
            {
                "package": {"ecosystem": "PyPI", "name": "requests"},
                "ranges": [
                    {"type": "ECOSYSTEM", "events": [{"introduced": "2.3.0"}, {"fixed": "2.31.0"}]}
                ],
            }
        ],
    }
    database = tmp_path / "db"
    database.mkdir()
    (database / "PYSEC-2023-74.json").write_text(json.dumps(pysec))
    (database / "GHSA-j8r2-6x86-q33q.json").write_text(json.dumps(ghsa))
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text("requests==2.30.0\n")
    result = run_cli(
        "scan", "deps", "--advisory-db", str(database), "--format", "json", cwd=project
    )
    assert result.code == 1, result.stderr
    [finding] = json.loads(result.stdout)["runs"][0]["findings"]
    assert finding["rule_id"] == "PYSEC-2023-74"
    assert {"CVE-2023-32681", "GHSA-j8r2-6x86-q33q"} <= set(finding["aliases"])
    # The PYSEC record has no CVSS vector; its GHSA twin's vector rates the finding.
    assert (finding["severity"], finding["properties"]["cvss-score"]) == ("medium", 5.3)
    assert finding["help_uri"] == "https://osv.dev/vulnerability/PYSEC-2023-74"
