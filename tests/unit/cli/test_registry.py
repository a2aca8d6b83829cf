"""The lazy command registry agrees with the command modules, and start-up stays light."""

from __future__ import annotations

import subprocess
import sys

import pytest

from clearance.commands.registry import COMMANDS, selected_entry


@pytest.mark.parametrize("entry", COMMANDS, ids=lambda e: " ".join(e.words))
def test_each_entry_matches_its_module(entry) -> None:  # type: ignore[no-untyped-def]
    command = entry.load()
    assert command.words == entry.words
    assert command.summary == entry.summary


def test_every_command_word_path_is_unique() -> None:
    paths = [e.words for e in COMMANDS]
    assert len(paths) == len(set(paths))


@pytest.mark.parametrize(
    "argv, words",
    [
        (["scan", "code", "src"], ("scan", "code")),
        (["-v", "scan", "secrets", "--diff", "auto"], ("scan", "secrets")),
        (["run"], ("run",)),
        (["scan"], None),
        (["nonsense", "code"], None),
        (["--version"], None),
    ],
)
def test_the_command_is_chosen_from_the_leading_words(
    argv: list[str], words: tuple[str, ...] | None
) -> None:
    entry = selected_entry(argv)
    assert (entry.words if entry else None) == words


def test_help_and_version_import_no_engine() -> None:
    code = (
        "import sys; from clearance.cli import main; main(['--version']); "
        "heavy = [m for m in ('bandit', 'detect_secrets', 'pip_audit', 'sigstore', 'github', 'jsonschema') "
        "if m in sys.modules]; print(heavy)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.stdout.strip().splitlines()[-1] == "[]"
