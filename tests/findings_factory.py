"""Builders of findings and scan results for tests (no engine involved)."""

from __future__ import annotations

from clearance.findings import (
    Confidence,
    Finding,
    Location,
    Rule,
    ScanResult,
    Severity,
    Tool,
    assign_fingerprints,
    digest_text,
)


def finding(
    rule: str = "B602",
    path: str = "src/app.py",
    line: int = 3,
    severity: Severity = Severity.HIGH,
    content: str = "subprocess.call(cmd, shell=True)",
    scanner: str = "code",
    message: str | None = None,
    column: int | None = 5,
) -> Finding:
    return Finding(
        rule_id=rule,
        scanner=scanner,
        severity=severity,
        confidence=Confidence.HIGH,
        message=message if message is not None else f"{rule} at {path}:{line}",
        location=Location(path=path, start_line=line, end_line=line, start_column=column),
        content_digest=digest_text(content),
        help_uri=f"https://example.invalid/rules/{rule}",
    )


def result(findings: list[Finding], scanner: str = "code") -> ScanResult:
    rules = {
        f.rule_id: Rule(id=f.rule_id, name=f.rule_id.lower(), short_description=f"rule {f.rule_id}")
        for f in findings
    }
    return ScanResult(
        scanner=scanner,
        tool=Tool(name="engine", version="1.0", information_uri="https://example.invalid/engine"),
        rules=rules,
        findings=assign_fingerprints(findings),
    )


def many(count: int, scanner: str = "code") -> list[Finding]:
    """`count` distinct findings of every severity, spread over files."""
    levels = list(Severity)
    return [
        finding(
            rule=f"R{i % 7:03d}",
            path=f"pkg/mod{i % 13}.py",
            line=i + 1,
            severity=levels[i % len(levels)],
            content=f"line {i}",
            scanner=scanner,
        )
        for i in range(count)
    ]
