"""scripts/requirements.lock, the actions' install set, agrees with pyproject.toml.

A dependency added to pyproject without re-running `bash scripts/lock.sh` fails here, so a
stale lock never reaches an action.
"""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[2]
PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[^\s;\\]+)")


def locked() -> dict[str, tuple[str, int]]:
    """name -> (version, number of hashes) from the lock."""
    pins: dict[str, tuple[str, int]] = {}
    current: str | None = None
    for line in (ROOT / "scripts" / "requirements.lock").read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match["name"])
            pins[current] = (match["version"], 0)
        elif current and line.strip().startswith("--hash=sha256:"):
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
    return pins


# Extras the actions need (scripts/lock.sh --extra): the canary gate's scipy.
LOCKED_EXTRAS = ("gates",)


def declared() -> list[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())
    extras = project["project"]["optional-dependencies"]
    return [
        *project["project"]["dependencies"],
        *(r for extra in LOCKED_EXTRAS for r in extras[extra]),
        *project["build-system"]["requires"],
    ]


@pytest.mark.parametrize("requirement", declared())
def test_every_declared_dependency_is_locked_within_its_range(requirement: str) -> None:
    wanted = Requirement(requirement)
    pins = locked()
    name = canonicalize_name(wanted.name)
    assert name in pins, (
        f"{wanted.name} is missing from scripts/requirements.lock: run bash scripts/lock.sh"
    )
    version, _ = pins[name]
    assert wanted.specifier.contains(version, prereleases=True), (
        f"{wanted.name}=={version} in the lock is outside {wanted.specifier}: "
        "run bash scripts/lock.sh"
    )


def test_every_pin_carries_hashes() -> None:
    pins = locked()
    assert pins
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_the_lock_holds_no_test_only_dependency() -> None:
    test_only = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"][
        "optional-dependencies"
    ]["test"]
    runtime = {canonicalize_name(Requirement(r).name) for r in declared()}
    extra = {canonicalize_name(Requirement(r).name) for r in test_only} - runtime
    assert extra & set(locked()) == set()
