"""Configuration: schema-validated, every error names the key and the file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from clearance.config import find_config, load_config
from clearance.errors import ConfigError
from clearance.findings import FailOn


def write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_no_configuration_means_embedded_defaults(tmp_path: Path) -> None:
    settings = load_config(None, tmp_path)
    assert settings.source is None
    assert settings.fail_on is FailOn.LOW
    assert settings.ignores == ()


def test_pyproject_table_is_read(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "x"
[tool.clearance]
fail-on = "high"
exclude = ["tests/fixtures/**"]
ignore = [{ id = "B101", path = "tests/**", reason = "asserts are fine in tests", expires = 2030-01-01 }]
[tool.clearance.code]
fail-on = "medium"
ignore = [{ id = "B602", reason = "reviewed" }]
""",
    )
    settings = load_config(None, tmp_path)
    assert settings.fail_on is FailOn.HIGH
    assert settings.fail_on_for("code") is FailOn.MEDIUM
    assert settings.fail_on_for("secrets") is FailOn.HIGH
    assert [i.id for i in settings.ignores_for("code")] == ["B101", "B602"]
    assert settings.ignores[0].expires == dt.date(2030, 1, 1)
    assert settings.exclude_for("code") == ("tests/fixtures/**",)


def test_clearance_toml_wins_over_pyproject(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.clearance]\nfail-on = "high"\n')
    write(tmp_path / "clearance.toml", 'fail-on = "critical"\n')
    assert find_config(tmp_path) == tmp_path / "clearance.toml"
    assert load_config(None, tmp_path).fail_on is FailOn.CRITICAL


def test_pyproject_without_the_table_is_not_a_configuration(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "x"\n')
    assert find_config(tmp_path) is None


@pytest.mark.parametrize(
    "text, message",
    [
        ('fail-on = "severe"', "fail-on is 'severe', expected one of: critical, high"),
        ("colour = 1", "unknown key 'colour' in (top level)"),
        ("[code]\nseverty = 'low'", "unknown key 'severty' in code"),
        ("exclude = 'tests'", "exclude must be of type array"),
        ("ignore = [{ id = 'B101' }]", "ignore[0] is missing the required key 'reason'"),
        (
            "ignore = [{ id = 'B101', reason = 'x', expires = 'soon' }]",
            "ignore[0].expires = 'soon' is not valid",
        ),
        ("[code]\ntests = ['X1']", "code.tests[0] = 'X1' is not valid"),
        ("fail-on = ", "not valid TOML"),
    ],
)
def test_bad_configuration_is_one_line_naming_file_and_key(
    tmp_path: Path, text: str, message: str
) -> None:
    path = write(tmp_path / "clearance.toml", text + "\n")
    with pytest.raises(ConfigError) as caught:
        load_config(None, tmp_path)
    line = str(caught.value)
    assert str(path) in line
    assert message in line
    assert "\n" not in line


def test_errors_in_pyproject_name_the_full_key(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml", "[tool.clearance.code]\nignore = [{ id = 'B1', reason = 1 }]\n"
    )
    with pytest.raises(
        ConfigError, match=r"tool\.clearance\.code\.ignore\[0\]\.reason must be of type string"
    ):
        load_config(None, tmp_path)


def test_explicit_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_config(tmp_path / "nope.toml", tmp_path)


def test_schema_is_shipped_and_is_valid_json_schema() -> None:
    import jsonschema

    from clearance.config import load_schema

    jsonschema.Draft202012Validator.check_schema(load_schema())
