"""The `Scanner` protocol every engine adapter implements, and what it is given."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from clearance.findings import ScanResult

Progress = Callable[[int, int], None]
"""`progress(done, total)`: called as work advances (files scanned, packages audited)."""


def no_progress(done: int, total: int) -> None:
    """A `Progress` that shows nothing."""


@dataclass(frozen=True)
class ScanTarget:
    """What to scan.

    `root` is the repository root that finding paths are relative to. `paths` are the files
    and directories asked for (empty: the whole root). `explicit_files` says the paths are a
    list of files chosen by a caller such as pre-commit: they are scanned as given but still
    filtered by `exclude`.
    """

    root: Path
    paths: Sequence[Path] = ()
    exclude: Sequence[str] = ()
    explicit_files: bool = False


class Scanner(Protocol):
    """An engine adapter.

    Raises `EngineError` when its engine fails; never returns half a result.
    """

    @property
    def name(self) -> str:
        """The scanner's name: `code`, `secrets` or `deps`."""
        ...

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        """Scan the target; findings carry content digests, not yet fingerprints."""
        ...
