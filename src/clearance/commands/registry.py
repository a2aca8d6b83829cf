"""The list of subcommands, in help order."""

from __future__ import annotations

from clearance.commands import Command
from clearance.commands.deploy_finish import COMMAND as DEPLOY_FINISH
from clearance.commands.deploy_start import COMMAND as DEPLOY_START
from clearance.commands.history import COMMAND as HISTORY
from clearance.commands.ledger_transfer import EXPORT as LEDGER_EXPORT
from clearance.commands.ledger_transfer import IMPORT as LEDGER_IMPORT
from clearance.commands.lint_workflows import COMMAND as LINT_WORKFLOWS
from clearance.commands.metadata import COMMAND as METADATA
from clearance.commands.promote import COMMAND as PROMOTE
from clearance.commands.rollback import COMMAND as ROLLBACK
from clearance.commands.run import COMMAND as RUN
from clearance.commands.scan_code import COMMAND as SCAN_CODE

COMMANDS: tuple[Command, ...] = (
    RUN,
    SCAN_CODE,
    LINT_WORKFLOWS,
    METADATA,
    DEPLOY_START,
    DEPLOY_FINISH,
    PROMOTE,
    ROLLBACK,
    HISTORY,
    LEDGER_EXPORT,
    LEDGER_IMPORT,
)

# One-line help of the command groups (`clearance scan --help`).
GROUPS: dict[tuple[str, ...], str] = {
    ("scan",): "scan the repository: code (bandit), secrets (detect-secrets), deps (pip-audit)",
    ("lint",): "lint the repository's GitHub Actions workflows",
    ("deploy",): "record deployments in the ledger: start, finish",
    ("ledger",): "move a deployment history between ledgers: export, import",
}
