"""The list of subcommands, in help order.

Entries name the module that defines each command, so `clearance` imports only the command
it runs (the engines behind the others cost nothing at start-up). A test checks that every
entry's words and summary are those of its module's `COMMAND`.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from clearance.commands import Command


@dataclass(frozen=True)
class Entry:
    words: tuple[str, ...]
    summary: str
    module: str

    def load(self) -> Command:
        command: Command = importlib.import_module(self.module).COMMAND
        return command


COMMANDS: tuple[Entry, ...] = (
    Entry(("run",), "run the whole conveyor locally on a repository", "clearance.commands.run"),
    Entry(
        ("init",),
        "write a starting configuration and a starter workflow into a repository",
        "clearance.commands.init",
    ),
    Entry(("scan", "code"), "scan Python code with bandit", "clearance.commands.scan_code"),
    Entry(
        ("scan", "secrets"),
        "find committed credentials (detect-secrets engine)",
        "clearance.commands.scan_secrets",
    ),
    Entry(
        ("scan", "deps"), "audit Python dependencies with pip-audit", "clearance.commands.scan_deps"
    ),
    Entry(
        ("scan", "all"),
        "run the secrets, dependency and code scanners at once: one report",
        "clearance.commands.scan_all",
    ),
    Entry(
        ("lint", "workflows"),
        "lint GitHub Actions workflows (zizmor and clearance's own checks)",
        "clearance.commands.lint_workflows",
    ),
    Entry(
        ("verify",),
        "verify Sigstore bundles and attestations against an identity policy",
        "clearance.commands.verify",
    ),
    Entry(
        ("metadata",),
        "deployment metadata of this run (json, env, OCI labels, OpenTelemetry)",
        "clearance.commands.metadata",
    ),
    Entry(
        ("deploy", "start"),
        "record that a digest is being deployed to an environment",
        "clearance.commands.deploy_start",
    ),
    Entry(
        ("deploy", "finish"),
        "record how a deployment ended (success, failure, error)",
        "clearance.commands.deploy_finish",
    ),
    Entry(
        ("promote",),
        "promote one digest from an environment to the next, through gates",
        "clearance.commands.promote",
    ),
    Entry(
        ("rollback",),
        "roll an environment back to its last good digest",
        "clearance.commands.rollback",
    ),
    Entry(
        ("history",),
        "list the deployments recorded in the ledger",
        "clearance.commands.history",
    ),
    Entry(
        ("dora",),
        "DORA metrics of each environment from the ledger (json, markdown, an HTML dashboard)",
        "clearance.commands.dora",
    ),
    Entry(
        ("ledger", "export"),
        "write the deployment history as JSON",
        "clearance.commands.ledger_export",
    ),
    Entry(
        ("ledger", "import"),
        "record an exported history in this ledger",
        "clearance.commands.ledger_import",
    ),
    Entry(
        ("sign",),
        "sign files with Sigstore (keyless) or a local key: FILE.sigstore.json",
        "clearance.commands.sign",
    ),
    Entry(
        ("attest", "provenance"),
        "attest SLSA v1 build provenance of files (FILE.provenance.sigstore.json)",
        "clearance.commands.attest_provenance",
    ),
    Entry(
        ("attest", "scan"),
        "attest scan results of files (FILE.scan.sigstore.json)",
        "clearance.commands.attest_scan",
    ),
    Entry(
        ("attest", "sbom"),
        "attest the CycloneDX SBOM of files (FILE.sbom.sigstore.json)",
        "clearance.commands.attest_sbom",
    ),
    Entry(
        ("gate", "slo"),
        "judge an SLO on Prometheus: burn-rate rules and an error-budget floor",
        "clearance.commands.gate_slo",
    ),
    Entry(
        ("gate", "canary"),
        "judge a canary against its baseline on Prometheus (Mann-Whitney U, Kayenta-style score)",
        "clearance.commands.gate_canary",
    ),
    # -- release: publishing a package's files (workflows issue) --
    Entry(
        ("release", "upload"),
        "upload files as assets of a GitHub release (created when absent)",
        "clearance.commands.release_upload",
    ),
    Entry(
        ("pr", "comment"),
        "comment on a pull request with a Markdown file (for workflow_run jobs)",
        "clearance.commands.pr_comment",
    ),
)

# One-line help of the command groups (`clearance scan --help`).
GROUPS: dict[tuple[str, ...], str] = {
    ("scan",): "scan the repository: code (bandit), secrets (detect-secrets), deps (pip-audit)",
    ("lint",): "lint the repository's GitHub Actions workflows",
    ("deploy",): "record deployments in the ledger: start, finish",
    ("ledger",): "move a deployment history between ledgers: export, import",
    ("attest",): "sign in-toto attestations of files: SLSA provenance, scan results, SBOM",
    ("gate",): "judge live measurements on Prometheus: an SLO's burn rates, a canary",
    ("release",): "publish a package's files: upload to a GitHub release",
    ("pr",): "report on a pull request: comment",
}


def selected_entry(argv: list[str]) -> Entry | None:
    """The command the arguments name (its words come first, after global options)."""
    words: list[str] = []
    for token in argv:
        if token.startswith("-"):
            if words:
                break
            continue
        words.append(token)
        chosen = tuple(words)
        for entry in COMMANDS:
            if entry.words == chosen:
                return entry
        if not any(entry.words[: len(chosen)] == chosen for entry in COMMANDS):
            return None
    return None
