"""GitHub Deployments ledger (work in progress)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any


def open_github_ledger(
    *, env: Mapping[str, str], token: str | None, repository: str | None, root: Path
) -> Any:
    raise NotImplementedError
