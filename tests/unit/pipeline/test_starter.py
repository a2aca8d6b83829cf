"""`clearance init`'s edits: the starter section is valid, and the rest of pyproject.toml stays
byte for byte as it was."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from clearance.config import parse_document
from clearance.errors import UsageError
from clearance.starter import Template, clearance_tables, edit_pyproject, starter_section

WHERE = Path("pyproject.toml")
PROJECT = '[project]\nname = "app"\nversion = "1"\n\n[tool.ruff]\nline-length = 100\n'


@pytest.mark.parametrize("template", [None, *Template])
@pytest.mark.parametrize("in_pyproject", [True, False])
@pytest.mark.parametrize("repository", [None, "acme/shop"])
def test_the_starter_section_is_a_valid_configuration(
    template: Template | None, in_pyproject: bool, repository: str | None
) -> None:
    text = starter_section(template, in_pyproject=in_pyproject, repository=repository)
    data = tomllib.loads(text)
    document = data["tool"]["clearance"] if in_pyproject else data
    settings = parse_document(document, source=WHERE)
    assert settings.fail_on.value == "medium"
    assert settings.section("run") == {"environment": "dev"}
    service = template is Template.PYTHON_SERVICE
    assert settings.section("environments").get("production", {}).get("after") == (
        "staging" if service else None
    )
    signs = template in (Template.PYTHON_SERVICE, Template.PYTHON_PACKAGE)
    verify = settings.section("verify")
    assert verify.get("repository") == ((repository or "OWNER/REPO") if signs else None)
    assert ("change: this repository" in text) is (signs and repository is None)
    assert (verify.get("ref") == "refs/tags/v*") is (template is Template.PYTHON_PACKAGE)


@pytest.mark.parametrize(
    "original",
    [PROJECT, PROJECT.rstrip("\n"), PROJECT.replace("\n", "\r\n"), "", "# only a comment\n"],
    ids=["newline", "no-final-newline", "crlf", "empty", "comment"],
)
def test_the_section_is_appended_and_the_rest_is_unchanged(original: str) -> None:
    edited = edit_pyproject(
        original, starter_section(None, in_pyproject=True), force=False, where=WHERE
    )
    assert edited.startswith(original)
    assert "tool" in tomllib.loads(edited) and "clearance" in tomllib.loads(edited)["tool"]
    if "\r\n" in original:
        assert "\n" not in edited.replace("\r\n", "")


def test_an_existing_section_is_kept_unless_forced() -> None:
    existing = PROJECT + '\n[tool.clearance]\nfail-on = "high"\n'
    with pytest.raises(UsageError, match=r"already has a \[tool.clearance\] section.*--force"):
        edit_pyproject(existing, starter_section(None, in_pyproject=True), force=False, where=WHERE)


def test_force_replaces_every_clearance_table_and_keeps_the_others_byte_for_byte() -> None:
    before = '[project]\nname = "app"\nversion = "1"\n'
    between = "[tool.ruff]\nline-length = 100\n"
    existing = (
        before
        + '[tool.clearance]\nfail-on = "high"\n\n'
        + '[tool.clearance.code]\nskips = ["B404"]\n\n'
        + between
        + "[[tool.clearance.ignore]]\nid = 'B1'\nreason = 'r'\n"
    )
    section = starter_section(None, in_pyproject=True)
    edited = edit_pyproject(existing, section, force=True, where=WHERE)
    assert edited.startswith(before + between)
    assert tomllib.loads(edited)["tool"]["clearance"] == tomllib.loads(section)["tool"]["clearance"]
    assert tomllib.loads(edited)["tool"]["ruff"] == {"line-length": 100}


def test_a_section_written_with_dotted_keys_is_left_to_the_user() -> None:
    dotted = '[tool]\nclearance.fail-on = "high"\n'
    with pytest.raises(UsageError, match="dotted keys or an inline table"):
        edit_pyproject(dotted, starter_section(None, in_pyproject=True), force=True, where=WHERE)


def test_an_edit_that_would_change_another_table_is_refused() -> None:
    # A multi-line string holding a line that looks like a clearance header: cutting there
    # would change [tool.other]; the check after the edit refuses it.
    tricky = (
        '[tool.other]\ntext = """\n[tool.clearance]\n"""\n\n[tool.clearance]\nfail-on = "low"\n'
    )
    with pytest.raises(UsageError, match="without changing the rest"):
        edit_pyproject(tricky, starter_section(None, in_pyproject=True), force=True, where=WHERE)


def test_invalid_toml_is_reported_not_edited() -> None:
    with pytest.raises(UsageError, match="not valid TOML"):
        edit_pyproject(
            "[project\n", starter_section(None, in_pyproject=True), force=False, where=WHERE
        )


def test_clearance_tables_are_found_with_quoted_and_spaced_keys() -> None:
    text = '[ tool . "clearance" ]\na = 1\n[tool.other]\n[tool.clearance.code] # c\nb = 2\n'
    assert clearance_tables(text) == [(0, 2), (3, 5)]
