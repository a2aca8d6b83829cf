"""Every output format parses back to the same (rule, path, line, fingerprint) set,
including when GitHub's limits truncate what a format may carry."""

from __future__ import annotations

import gzip
import json
import re
from importlib import resources

import jsonschema
import pytest
from tests.findings_factory import finding, many, result

from clearance.findings import FailOn, Finding, Severity
from clearance.report import Report, ReportFormat, render
from clearance.report.annotations import select_annotations
from clearance.report.sarif import FINGERPRINT_KEY, SarifLimits, render_sarif

Key = tuple[str, str, int, str]

TRICKY = "needs %25 escaping: 50% of a,b:c\nsecond line | pipe <tag>"


def keys(findings: list[Finding]) -> set[Key]:
    return {
        (f.rule_id, f.location.path, f.location.start_line or 0, f.fingerprint)
        for f in findings
        if f.location is not None
    }


def sample_report() -> Report:
    code = result(
        [
            finding("B602", "src/a.py", 3, Severity.HIGH, message=TRICKY),
            finding("B101", "src/a.py", 9, Severity.LOW),
            finding("B101", "src/a.py", 10, Severity.LOW),  # same content: occurrence counter
            finding("B105", "src/dir with space/b.py", 1, Severity.MEDIUM),
        ]
    )
    secrets = result(
        [
            finding(
                "secret/github-token", "config/settings.py", 4, Severity.CRITICAL, scanner="secrets"
            )
        ],
        scanner="secrets",
    )
    return Report(results=[code, secrets], fail_on=FailOn.LOW, tool_version="9.9.9")


def parse_json(text: str) -> set[Key]:
    doc = json.loads(text)
    schema = json.loads(
        resources.files("clearance").joinpath("schema/report.schema.json").read_text()
    )
    jsonschema.validate(doc, schema)
    return {
        (f["rule_id"], f["location"]["path"], f["location"]["start_line"], f["fingerprint"])
        for run in doc["runs"]
        for f in run["findings"]
        if f["suppression"] is None
    }


def parse_sarif(text: str) -> set[Key]:
    doc = json.loads(text)
    out = set()
    for run in doc["runs"]:
        for r in run["results"]:
            loc = r["locations"][0]["physicalLocation"]
            out.add(
                (
                    r["ruleId"],
                    loc["artifactLocation"]["uri"],
                    loc["region"]["startLine"],
                    r["partialFingerprints"][FINGERPRINT_KEY],
                )
            )
    return out


TEXT_LINE = re.compile(
    r"^(?P<path>.+?):(?P<line>\d+)(?::\d+)?: [A-Z]+ \[(?P<rule>[^\]]+)\] .* \((?P<fp>[0-9a-f]{32})\)$"
)


def parse_text(text: str) -> set[Key]:
    out = set()
    for line in text.splitlines():
        m = TEXT_LINE.match(line)
        if m:
            out.add((m["rule"], m["path"], int(m["line"]), m["fp"]))
    return out


def unescape(value: str) -> str:
    return (
        value.replace("%0D", "\r")
        .replace("%0A", "\n")
        .replace("%3A", ":")
        .replace("%2C", ",")
        .replace("%25", "%")
    )


def parse_annotations(text: str) -> set[Key]:
    out = set()
    for line in text.splitlines():
        m = re.match(r"^::(error|warning|notice) (?P<props>[^:]*)::(?P<msg>.*)$", line)
        assert m, line
        props = dict(p.split("=", 1) for p in m["props"].split(","))
        message = unescape(m["msg"])
        fp = re.search(r"fingerprint: ([0-9a-f]{32})$", message)
        if fp is None:
            continue  # the pointer to the summary
        rule = unescape(props["title"]).split(" ", 1)[0]
        out.add((rule, unescape(props["file"]), int(props["line"]), fp[1]))
    return out


def parse_markdown(text: str) -> set[Key]:
    out = set()
    for line in text.splitlines():
        cells = [c.strip() for c in re.split(r"(?<!\\)\|", line)[1:-1]]
        if len(cells) != 5 or not cells[4].startswith("`"):
            continue
        rule = re.sub(r"^\[(.*?)\]\(.*\)$", r"\1", cells[1])
        where = cells[2].strip("`")
        path, _, lineno = where.rpartition(":")
        out.add((rule, path, int(lineno), cells[4].strip("`")))
    return out


PARSERS = {
    ReportFormat.JSON: parse_json,
    ReportFormat.SARIF: parse_sarif,
    ReportFormat.TEXT: parse_text,
    ReportFormat.GITHUB: parse_annotations,
    ReportFormat.MARKDOWN: parse_markdown,
}


@pytest.mark.parametrize("fmt", list(ReportFormat))
def test_every_format_parses_back_to_the_same_findings(fmt: ReportFormat) -> None:
    report = sample_report()
    assert PARSERS[fmt](render(report, fmt)) == keys(report.active)


def test_identical_lines_keep_distinct_fingerprints_through_reports() -> None:
    report = sample_report()
    b101 = [k for k in parse_sarif(render(report, ReportFormat.SARIF)) if k[0] == "B101"]
    assert len({k[3] for k in b101}) == 2


def test_sarif_over_the_result_limit_keeps_the_most_severe_and_says_so() -> None:
    findings = many(60)
    report = Report(results=[result(findings)], fail_on=FailOn.LOW, tool_version="1")
    document = render_sarif(report, SarifLimits(results_per_run=25))
    kept = parse_sarif(document.text)
    ordered = sorted(report.active, key=lambda f: f.sort_key)
    assert kept == keys(ordered[:25])
    assert document.dropped == {"code": 35}
    notes = json.loads(document.text)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert any("35 less severe result(s) were left out" in n["message"]["text"] for n in notes)
    kept_severities = {f.severity for f in ordered[:25]}
    dropped_severities = {f.severity for f in ordered[25:]}
    assert min(kept_severities) >= max(dropped_severities)


def test_sarif_over_the_size_limit_shrinks_until_it_fits() -> None:
    findings = many(400)
    report = Report(results=[result(findings)], fail_on=FailOn.LOW, tool_version="1")
    full = render_sarif(report)
    budget = len(gzip.compress(full.text.encode())) // 3
    document = render_sarif(report, SarifLimits(gzipped_bytes=budget))
    assert len(gzip.compress(document.text.encode())) <= budget
    kept = parse_sarif(document.text)
    assert 0 < len(kept) < 400
    assert document.dropped["code"] == 400 - len(kept)
    ordered = sorted(report.active, key=lambda f: f.sort_key)
    assert kept == keys(ordered[: len(kept)])


def test_sarif_keeps_at_most_the_run_limit() -> None:
    results = [result(many(2, scanner=f"s{i}"), scanner=f"s{i}") for i in range(4)]
    report = Report(results=results, fail_on=FailOn.LOW, tool_version="1")
    document = render_sarif(report, SarifLimits(runs_per_file=3))
    assert len(json.loads(document.text)["runs"]) == 3
    assert document.dropped == {"s3": 2}


def test_annotations_show_ten_per_level_most_severe_first_and_point_to_the_summary() -> None:
    findings = many(100)
    report = Report(results=[result(findings)], fail_on=FailOn.LOW, tool_version="1")
    shown, left_out = select_annotations(report.active)
    per_level: dict[str, int] = {}
    for a in shown:
        per_level[a.level] = per_level.get(a.level, 0) + 1
    assert per_level == {"error": 10, "warning": 10, "notice": 9}
    assert left_out == 100 - 29
    text = render(report, ReportFormat.GITHUB)
    assert text.splitlines()[-1].startswith("::notice title=clearance::71 more finding(s)")
    # What the annotations carry is exactly the most severe slice of each level.
    parsed = parse_annotations(text)
    errors = sorted(
        [f for f in report.active if f.severity >= Severity.HIGH], key=lambda f: f.sort_key
    )
    assert keys(errors[:10]) <= parsed


def test_markdown_summary_folds_all_but_the_top_findings() -> None:
    report = Report(results=[result(many(30))], fail_on=FailOn.HIGH, tool_version="1")
    text = render(report, ReportFormat.MARKDOWN)
    top, _, details = text.partition("<details>")
    assert len(parse_markdown(top)) == 10
    assert len(parse_markdown(details)) == 20
    assert "❌" in text.splitlines()[2]
