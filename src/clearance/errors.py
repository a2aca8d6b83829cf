"""The error hierarchy and the frozen exit-code contract.

Every failure clearance anticipates is a `ClearanceError` carrying a one-line, actionable
message; the single handler in `clearance.cli.main` prints that line and returns the error's
exit code. Messages never contain secret values: callers pass descriptions, not payloads.
"""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    """What `clearance` returns. Frozen: documented in the README and tested."""

    OK = 0
    """Clean: nothing at or above the threshold, verified, gate open."""
    FAILED = 1
    """Findings at or above the threshold, verification failed, or a gate closed."""
    USAGE = 2
    """Usage or configuration error: bad arguments, bad config, missing input."""
    EXTERNAL = 3
    """External failure: a tool crashed, a service is unreachable."""
    INCONCLUSIVE = 4
    """Inconclusive: a gate says "hold"."""
    INTERRUPTED = 130
    """Interrupted (Ctrl-C / SIGINT)."""


class ClearanceError(Exception):
    """Base of every anticipated failure. `str(error)` is the one line shown to the user."""

    exit_code: ExitCode = ExitCode.EXTERNAL

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UsageError(ClearanceError):
    """Arguments that cannot be used: unknown option values, missing files, bad globs."""

    exit_code = ExitCode.USAGE


class ConfigError(UsageError):
    """A configuration file or `CLEARANCE_*` variable that is wrong; names the key and file."""


class ExternalError(ClearanceError):
    """An engine crashed or a service could not be reached or answered wrongly."""

    exit_code = ExitCode.EXTERNAL


class EngineError(ExternalError):
    """A scanning engine (bandit, detect-secrets, pip-audit) failed to run."""


class ServiceError(ExternalError):
    """A remote service (GitHub API, Sigstore, OSV, Prometheus) failed or was unreachable."""


class VerificationError(ClearanceError):
    """An artifact or bundle did not verify. Verification fails closed with this error."""

    exit_code = ExitCode.FAILED


class GateClosed(ClearanceError):
    """A gate refused: promotion, SLO, canary."""

    exit_code = ExitCode.FAILED


class GateHold(ClearanceError):
    """A gate could not decide (no data, too few events): hold, do not abort."""

    exit_code = ExitCode.INCONCLUSIVE
