"""The `workflows` scanner: zizmor's audits plus clearance's own checks, one findings model.

zizmor audits map onto clearance's check ids where they cover the same problem; every other
zizmor audit is reported as `zizmor/<audit>`. zizmor's `excessive-permissions` is left to
clearance's own permission checks, which also flag `write-all` at the regular persona.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import yaml

from clearance.findings import (
    Confidence,
    Finding,
    Location,
    Notice,
    Rule,
    ScanResult,
    Severity,
    Tool,
    digest_text,
    normalise_line,
)
from clearance.paths import relative_posix
from clearance.scan.files import discover
from clearance.scan.interface import Progress, ScanTarget, no_progress
from clearance.scan.workflows.checks import CHECKS, check_workflow
from clearance.scan.workflows.yamltree import parse
from clearance.scan.workflows.zizmor import Persona, run_zizmor, zizmor_version

SCANNER = "workflows"
HELP_URI = "https://github.com/clearance-dev/clearance#workflow-lint"

# zizmor audit → clearance check, where they mean the same thing.
ZIZMOR_AS_CHECK = {
    "unpinned-uses": Rule(
        "workflow/unpinned-action",
        "unpinned-action",
        "third-party action not pinned to a full commit SHA",
        help_text="Pin every third-party action to a full commit SHA, with a `# vX.Y.Z` comment.",
        default_severity=Severity.HIGH,
    ),
    "template-injection": Rule(
        "workflow/expression-in-run",
        "expression-in-run",
        "${{ }} expression inside run:",
        help_text="Pass values to scripts through env: and refer to them as shell variables.",
        default_severity=Severity.HIGH,
    ),
    "artipacked": Rule(
        "workflow/persist-credentials",
        "persist-credentials",
        "actions/checkout leaves the token in .git/config",
        help_text="Set `persist-credentials: false` on actions/checkout unless a later step pushes.",
        default_severity=Severity.MEDIUM,
    ),
}
LEFT_TO_OWN_CHECKS = frozenset({"excessive-permissions"})
_ZIZMOR_SEVERITY = {
    "high": Severity.HIGH,
    "medium": Severity.MEDIUM,
    "low": Severity.LOW,
    "informational": Severity.INFO,
    "unknown": Severity.MEDIUM,
}
_CONFIDENCE = {"high": Confidence.HIGH, "medium": Confidence.MEDIUM, "low": Confidence.LOW}


def is_workflow_file(path: Path) -> bool:
    """GitHub workflows, workflow templates, and action definitions."""
    if path.suffix not in (".yml", ".yaml"):
        return False
    parts = path.parts
    if path.name in ("action.yml", "action.yaml"):
        return True
    return ("workflows" in parts and ".github" in parts) or "workflows-templates" in parts


def is_action_file(path: Path) -> bool:
    return path.name in ("action.yml", "action.yaml")


@dataclass(frozen=True)
class WorkflowScanner:
    persona: Persona = Persona.REGULAR

    @property
    def name(self) -> str:
        return SCANNER

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        files = discover(target.root, target.paths, target.exclude, is_workflow_file)
        progress(0, len(files))
        lines: dict[str, list[str]] = {}
        findings: list[Finding] = []
        notices: list[Notice] = []
        rules: dict[str, Rule] = {}
        auditable: list[Path] = []  # zizmor stops on a file it cannot parse: give it only good ones
        for file in files:
            rel = relative_posix(file, target.root)
            try:
                text = file.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError) as exc:
                notices.append(Notice("warning", f"could not read the file: {exc}", rel))
                continue
            lines[rel] = text.splitlines()
            try:
                tree = parse(text)
            except yaml.YAMLError as exc:
                mark = getattr(exc, "problem_mark", None)
                where = f" (line {mark.line + 1})" if mark is not None else ""
                notices.append(Notice("error", f"not valid YAML{where}: not linted", rel))
                continue
            if tree is None or not isinstance(tree.value, dict):
                notices.append(
                    Notice("warning", "not a workflow or action definition: not linted", rel)
                )
                continue
            auditable.append(file)
            if is_action_file(file):
                continue
            for problem in check_workflow(tree):
                check = CHECKS[problem.check]
                rules[check.id] = Rule(
                    check.id,
                    check.id.split("/", 1)[1],
                    check.title,
                    help_text=check.help,
                    help_uri=HELP_URI,
                    default_severity=check.severity,
                )
                findings.append(
                    self._finding(
                        check.id, check.severity, problem.message, rel, problem.line, lines
                    )
                )
        for z in run_zizmor(auditable, target.root, self.persona):
            if z.ident in LEFT_TO_OWN_CHECKS:
                continue
            rule = ZIZMOR_AS_CHECK.get(z.ident) or Rule(
                f"zizmor/{z.ident}",
                z.ident,
                z.description,
                help_text=f"{z.description}. See {z.url}",
                help_uri=z.url,
                default_severity=_ZIZMOR_SEVERITY.get(z.severity.lower(), Severity.MEDIUM),
            )
            rules[rule.id] = rule
            message = (
                f"{rule.short_description} ({z.annotation})"
                if z.annotation
                else rule.short_description
            )
            finding = self._finding(rule.id, rule.default_severity, message, z.path, z.line, lines)
            findings.append(
                replace(
                    finding,
                    aliases=(z.ident,),
                    confidence=_CONFIDENCE.get(z.confidence.lower(), Confidence.MEDIUM),
                    help_uri=z.url,
                )
            )
        progress(len(files), len(files))
        return ScanResult(
            scanner=SCANNER,
            tool=Tool(
                name="zizmor", version=zizmor_version(), information_uri="https://docs.zizmor.sh/"
            ),
            rules=rules,
            findings=findings,
            notices=notices,
            stats={"files": len(files)},
        )

    @staticmethod
    def _finding(
        rule_id: str,
        severity: Severity,
        message: str,
        path: str,
        line: int,
        lines: dict[str, list[str]],
    ) -> Finding:
        source = lines.get(path, [])
        content = normalise_line(source[line - 1]) if 0 < line <= len(source) else message
        return Finding(
            rule_id=rule_id,
            scanner=SCANNER,
            severity=severity,
            message=message,
            location=Location(path=path, start_line=line, end_line=line),
            content_digest=digest_text(rule_id, content),
            help_uri=HELP_URI,
        )
