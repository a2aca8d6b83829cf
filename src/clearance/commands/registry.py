"""The list of subcommands, in help order."""

from __future__ import annotations

from clearance.commands import Command
from clearance.commands.gate_canary import COMMAND as GATE_CANARY
from clearance.commands.gate_slo import COMMAND as GATE_SLO
from clearance.commands.lint_workflows import COMMAND as LINT_WORKFLOWS
from clearance.commands.run import COMMAND as RUN
from clearance.commands.scan_code import COMMAND as SCAN_CODE
from clearance.commands.scan_secrets import COMMAND as SCAN_SECRETS
from clearance.commands.verify import COMMAND as VERIFY

COMMANDS: tuple[Command, ...] = (
    RUN,
    SCAN_CODE,
    SCAN_SECRETS,
    LINT_WORKFLOWS,
    VERIFY,
    GATE_SLO,
    GATE_CANARY,
)

# One-line help of the command groups (`clearance scan --help`).
GROUPS: dict[tuple[str, ...], str] = {
    ("scan",): "scan the repository: code (bandit), secrets (detect-secrets), deps (pip-audit)",
    ("lint",): "lint the repository's GitHub Actions workflows",
    ("gate",): "judge live measurements on Prometheus: an SLO's burn rates, a canary",
}
