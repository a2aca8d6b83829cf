"""`clearance scan deps` end to end: real pip-audit against the loopback OSV API, no network.

Every test audits against tests/data/advisories (PyPA advisory database, CC-BY-4.0) served on
127.0.0.1 by clearance itself.
"""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from tests.sarif_validator import validate

pytestmark = pytest.mark.integration

DATA = Path(__file__).parents[2] / "data"
ADVISORIES = str(DATA / "advisories")
SAMPLE = DATA / "deps" / "sample-service"
KNOWN = DATA / "deps" / "known-pins"
FORMS = ("requirements.txt", "pyproject.toml", "uv.lock", "poetry.lock", "pylock.toml")
SAMPLE_FINDINGS = {
    ("certifi", "2018.8.24", "PYSEC-2022-42986"),
    ("certifi", "2018.8.24", "PYSEC-2023-135"),
    ("idna", "2.7", "PYSEC-2024-60"),
    ("jinja2", "2.10", "PYSEC-2019-217"),
    ("jinja2", "2.10", "PYSEC-2021-66"),
    ("pyyaml", "5.3", "PYSEC-2020-96"),
    ("pyyaml", "5.3", "PYSEC-2021-142"),
    ("requests", "2.20.0", "PYSEC-2023-74"),
    *(
        ("urllib3", "1.24.1", i)
        for i in (
            "PYSEC-2019-132",
            "PYSEC-2019-133",
            "PYSEC-2020-148",
            "PYSEC-2021-108",
            "PYSEC-2023-192",
            "PYSEC-2023-207",
            "PYSEC-2023-212",
        )
    ),
}


IGNORE = '[[deps.ignore]]\nid = "{id}"\nreason = "{reason}"\nexpires = "{expires}"\n'


def copy_of(source: Path, tmp_path: Path) -> Path:
    target = tmp_path / source.name
    shutil.copytree(source, target)
    return target


def findings(report: dict[str, Any]) -> list[dict[str, Any]]:
    [run] = report["runs"]
    return list(run["findings"])


def audit_json(run_cli, where: Path, *args: str) -> tuple[int, dict[str, Any], str]:  # type: ignore[no-untyped-def]
    result = run_cli(
        "scan",
        "deps",
        *args,
        "--advisory-db",
        ADVISORIES,
        "--format",
        "json",
        "--root",
        str(where),
        cwd=where,
    )
    return result.code, json.loads(result.stdout), result.stderr


def test_known_pins_report_their_advisory_ids(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    code, report, _ = audit_json(run_cli, project)
    assert code == 1
    found: dict[str, set[str]] = {}
    for finding in findings(report):
        found.setdefault(finding["properties"]["package"], set()).add(finding["rule_id"])
    assert found == {
        "requests": {"PYSEC-2018-28", "PYSEC-2023-74"},
        "urllib3": {
            "PYSEC-2019-132",
            "PYSEC-2019-133",
            "PYSEC-2020-148",
            "PYSEC-2021-108",
            "PYSEC-2023-192",
            "PYSEC-2023-207",
            "PYSEC-2023-212",
        },
        "jinja2": {"PYSEC-2019-217", "PYSEC-2021-66"},
        "pyyaml": {"PYSEC-2020-96", "PYSEC-2021-142"},
    }  # flask 2.3.2 is PYSEC-2023-62's fixed release: nothing for flask
    lines = {f["properties"]["package"]: f["location"]["start_line"] for f in findings(report)}
    assert lines == {"requests": 3, "urllib3": 4, "jinja2": 5, "pyyaml": 6}


@pytest.mark.parametrize("form", FORMS)
def test_every_form_of_the_same_project_gives_the_same_findings(
    run_cli, tmp_path: Path, form: str
) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(SAMPLE, tmp_path)
    code, report, stderr = audit_json(run_cli, project, form)
    assert code == 1, stderr
    got = {
        (f["properties"]["package"], f["properties"]["version"], f["rule_id"])
        for f in findings(report)
    }
    assert got == SAMPLE_FINDINGS
    assert {f["location"]["path"] for f in findings(report)} == {form}
    assert report["runs"][0]["stats"]["unaudited"] == 0


def test_findings_carry_aliases_severity_and_fix(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(SAMPLE, tmp_path)
    _, report, _ = audit_json(run_cli, project, "uv.lock")
    by_id = {f["rule_id"]: f for f in findings(report)}
    cookie = by_id["PYSEC-2023-192"]
    assert "CVE-2023-43804" in cookie["aliases"] and "GHSA-v845-jxx5-vc9f" in cookie["aliases"]
    assert cookie["properties"]["severity-source"] == "cvss" and cookie["severity"] == "high"
    assert cookie["fix"] == "urllib3>=1.26.17" and cookie["properties"]["fix-available"] is True
    unscored = by_id["PYSEC-2019-217"]
    assert unscored["properties"]["severity-source"] == "unknown" and unscored["severity"] == "high"


def test_unknown_severity_does_not_slip_under_fail_on_high(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    (project / "requirements.txt").write_text("jinja2==2.10\n")
    assert (
        run_cli("scan", "deps", "--advisory-db", ADVISORIES, "--fail-on", "high", cwd=project).code
        == 1
    )
    assert (
        run_cli(
            "scan", "deps", "--advisory-db", ADVISORIES, "--fail-on", "critical", cwd=project
        ).code
        == 0
    )


def test_sarif_passes_the_validator_with_githubs_rules_and_points_at_pinning_lines(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(SAMPLE, tmp_path)
    for form in FORMS:
        sarif = tmp_path / f"{form}.sarif"
        result = run_cli(
            "scan",
            "deps",
            form,
            "--advisory-db",
            ADVISORIES,
            "--root",
            str(project),
            "--format",
            "sarif",
            "-o",
            str(sarif),
            cwd=project,
        )
        assert result.code == 1, result.stderr
        problems = [p for p in validate(sarif) if p["level"] in ("error", "warning")]
        assert problems == [], form
        lines = (project / form).read_text().splitlines()
        results = json.loads(sarif.read_text())["runs"][0]["results"]
        assert len(results) == len(SAMPLE_FINDINGS)
        for item in results:
            location = item["locations"][0]["physicalLocation"]
            assert location["artifactLocation"]["uri"] == form
            region = location["region"]
            pinned = "\n".join(lines[region["startLine"] - 1 : region["endLine"]])
            package, version = item["properties"]["package"], item["properties"]["version"]
            assert package in pinned.lower() and version in pinned, (form, pinned)


def test_an_expired_ignore_counts_again_with_a_notice(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    (project / "requirements.txt").write_text("pyyaml==5.3\n")
    config = project / "clearance.toml"
    config.write_text(
        IGNORE.format(id="CVE-2020-1747", reason="loader not used", expires="2999-01-01")
        + IGNORE.format(id="GHSA-8q59-q68h-6hv4", reason="will upgrade", expires="2001-01-01")
    )
    code, report, _ = audit_json(run_cli, project)
    assert code == 1
    state = {f["rule_id"]: f["suppression"] for f in findings(report)}
    assert state["PYSEC-2020-96"] == {
        "kind": "ignore",
        "reason": "loader not used",
    }  # matched by its CVE
    assert state["PYSEC-2021-142"] is None  # matched by its GHSA, but lapsed: counts again
    assert any("expired on 2001-01-01" in n["message"] for n in report["runs"][0]["notices"])
    config.write_text(
        IGNORE.format(id="GHSA-8q59-q68h-6hv4", reason="will upgrade", expires="2999-01-01")
        + IGNORE.format(id="PYSEC-2020-96", reason="loader not used", expires="2999-01-01")
    )
    assert audit_json(run_cli, project)[0] == 0


def test_a_malformed_lockfile_is_one_line_and_exit_2(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(SAMPLE, tmp_path)
    lock = project / "uv.lock"
    lines = lock.read_text().splitlines()
    lines[6] = 'version = "2018.8.24'  # an unterminated string on line 7
    lock.write_text("\n".join(lines) + "\n")
    result = run_cli("scan", "deps", "uv.lock", "--advisory-db", ADVISORIES, cwd=project)
    assert result.code == 2
    assert result.stderr.splitlines() == [result.stderr.strip()]
    assert result.stderr.startswith("clearance: error: uv.lock:7: not valid TOML")
    assert result.stdout == ""


@pytest.mark.parametrize(
    "line, name",
    [
        ("./vendored/toolkit", "./vendored/toolkit"),
        ("toolkit @ https://example.com/toolkit-1.0.tar.gz", "toolkit"),
    ],
)
def test_a_dependency_pip_audit_skipped_fails_the_scan(
    run_cli, tmp_path: Path, line: str, name: str
) -> None:  # type: ignore[no-untyped-def]
    project = tmp_path / "project"
    project.mkdir()
    (project / "requirements.txt").write_text(f"flask==2.3.2\n{line}\n")
    code, report, stderr = audit_json(run_cli, project)
    assert code == 3
    assert f"clearance: error: {name} (requirements.txt) could not be audited" in stderr
    assert "--allow-unaudited" in stderr and len(stderr.strip().splitlines()) == 1
    [notice] = [n for n in report["runs"][0]["notices"] if n["level"] == "error"]
    assert "pip-audit skipped it" in notice["message"] and notice["path"] == "requirements.txt"
    assert audit_json(run_cli, project, "--allow-unaudited")[0] == 0


def test_an_unreachable_service_is_exit_3_naming_it_and_suggesting_a_local_database(
    run_cli, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    url = f"http://127.0.0.1:{port}/v1/query"  # nothing listens there any more
    result = run_cli("scan", "deps", "--osv-url", url, "--service-timeout", "5", cwd=project)
    assert result.code == 3
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"clearance: error: cannot reach OSV ({url}):")
    assert line.endswith("use --advisory-db DIR|ZIP|bundled")


def test_sbom_is_cyclonedx_json_of_the_audited_set(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(SAMPLE, tmp_path)
    sbom = tmp_path / "out" / "sbom.cdx.json"
    result = run_cli(
        "scan", "deps", "poetry.lock", "--advisory-db", ADVISORIES, "--sbom", str(sbom), cwd=project
    )
    assert result.code == 1
    document = json.loads(sbom.read_text())
    assert document["bomFormat"] == "CycloneDX"
    components = {(c["name"], c["version"]) for c in document["components"]}
    assert components == {(n, v) for n, v, _ in SAMPLE_FINDINGS} | {
        ("chardet", "3.0.4"),
        ("markupsafe", "2.1.5"),
    }
    assert {v["id"] for v in document["vulnerabilities"]} == {i for _, _, i in SAMPLE_FINDINGS}


def test_only_fixable_and_the_actions_outputs(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    outputs = tmp_path / "github_output"
    outputs.touch()
    env = {"GITHUB_ACTIONS": "true", "GITHUB_OUTPUT": str(outputs)}
    result = run_cli(
        "scan",
        "deps",
        "--advisory-db",
        ADVISORIES,
        "--only-fixable",
        "--sbom",
        "sbom.json",
        "--sarif-file",
        "deps.sarif",
        "--no-summary",
        cwd=project,
        env=env,
    )
    assert result.code == 1
    text = outputs.read_text()
    for name in ("sarif-file", "findings-count", "counts", "outcome", "sbom-file"):
        assert f"{name}" in text
    assert str(project / "sbom.json") in text


def test_the_bundled_snapshot_is_credited_and_dated_in_the_report(run_cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    project = copy_of(KNOWN, tmp_path)
    result = run_cli(
        "scan", "deps", "--advisory-db", "bundled", "--format", "markdown", cwd=project
    )
    assert result.code == 1
    assert "PyPA advisory database" in result.stdout and "CC-BY-4.0" in result.stdout
    assert (
        "2024-10-10" in result.stdout
        and "misses every advisory published since then" in result.stdout
    )
