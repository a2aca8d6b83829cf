"""The list of subcommands, in help order."""

from __future__ import annotations

from clearance.commands import Command
from clearance.commands.run import COMMAND as RUN
from clearance.commands.scan_code import COMMAND as SCAN_CODE
from clearance.commands.scan_secrets import COMMAND as SCAN_SECRETS

COMMANDS: tuple[Command, ...] = (RUN, SCAN_CODE, SCAN_SECRETS)

# One-line help of the command groups (`clearance scan --help`).
GROUPS: dict[tuple[str, ...], str] = {
    ("scan",): "scan the repository: code (bandit), secrets (detect-secrets), deps (pip-audit)",
}
