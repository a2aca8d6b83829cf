"""The list of subcommands, in help order."""

from __future__ import annotations

from clearance.commands import Command
from clearance.commands.gate_canary import COMMAND as GATE_CANARY
from clearance.commands.gate_slo import COMMAND as GATE_SLO
from clearance.commands.run import COMMAND as RUN
from clearance.commands.scan_code import COMMAND as SCAN_CODE

COMMANDS: tuple[Command, ...] = (RUN, SCAN_CODE, GATE_SLO, GATE_CANARY)

# One-line help of the command groups (`clearance scan --help`).
GROUPS: dict[tuple[str, ...], str] = {
    ("scan",): "scan the repository: code (bandit), secrets (detect-secrets), deps (pip-audit)",
    ("gate",): "judge live measurements on Prometheus: an SLO's burn rates, a canary",
}
