"""Configuration: `[tool.clearance]` in pyproject.toml, or clearance.toml with the same keys.

The JSON Schema shipped at `clearance/schema/config.schema.json` is the single definition
of what is allowed (editors can use it too); every document is validated against it and any
problem becomes a `ConfigError` naming the key and the file. Sections are then read into
typed settings by the module that owns them; this module reads the common keys.
"""

from __future__ import annotations

import datetime as dt
import json
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, cast

import jsonschema

from clearance.errors import ConfigError
from clearance.findings import FailOn
from clearance.ignores import IgnoreRule
from clearance.paths import check_glob

CONFIG_FILENAME = "clearance.toml"
PYPROJECT = "pyproject.toml"


def load_schema() -> dict[str, Any]:
    """The configuration's JSON Schema, as shipped in the package."""
    text = resources.files("clearance").joinpath("schema/config.schema.json").read_text("utf-8")
    return cast(dict[str, Any], json.loads(text))


@dataclass(frozen=True)
class ScopeSettings:
    """The keys every scanner section shares with the top level."""

    fail_on: FailOn | None = None
    exclude: tuple[str, ...] = ()
    ignores: tuple[IgnoreRule, ...] = ()


@dataclass(frozen=True)
class Settings:
    """A validated configuration.

    `source` is the file it came from (None: embedded defaults); `root` is the directory that
    repository-relative paths and globs in it refer to. `document` is the validated table, for
    the modules that read their own sections.
    """

    root: Path
    source: Path | None = None
    fail_on: FailOn = FailOn.LOW
    exclude: tuple[str, ...] = ()
    ignores: tuple[IgnoreRule, ...] = ()
    document: Mapping[str, Any] = field(default_factory=dict)
    tool_tables: Mapping[str, Any] = field(default_factory=dict)

    def section(self, name: str) -> Mapping[str, Any]:
        """A validated section of the document (`{}` when absent)."""
        value = self.document.get(name, {})
        return cast(Mapping[str, Any], value)

    def scope(self, scanner: str) -> ScopeSettings:
        """A scanner's own fail-on/exclude/ignore (without the top level's)."""
        return _read_scope(self.section(scanner), f"{scanner}.", self.where)

    def fail_on_for(self, scanner: str) -> FailOn:
        return self.scope(scanner).fail_on or self.fail_on

    def exclude_for(self, scanner: str) -> tuple[str, ...]:
        return (*self.exclude, *self.scope(scanner).exclude)

    def ignores_for(self, scanner: str) -> tuple[IgnoreRule, ...]:
        return (*self.ignores, *self.scope(scanner).ignores)

    @property
    def where(self) -> str:
        if self.source is None:
            return "the embedded defaults"
        return str(self.source)

    def resolve(self, relative: str) -> Path:
        """A path written in the configuration, relative to its file's directory."""
        return (self.root / relative).resolve()


def find_config(start: Path) -> Path | None:
    """clearance.toml, else a pyproject.toml with a [tool.clearance] table, in `start`."""
    candidate = start / CONFIG_FILENAME
    if candidate.is_file():
        return candidate
    pyproject = start / PYPROJECT
    if pyproject.is_file():
        try:
            data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
            return pyproject  # let load_config report it properly
        if isinstance(data.get("tool"), dict) and "clearance" in data["tool"]:
            return pyproject
    return None


def load_config(explicit: Path | None, root: Path) -> Settings:
    """Load the configuration named by `explicit`, else the one found in `root`.

    With neither, the embedded defaults apply (root is `root`).
    """
    path = explicit if explicit is not None else find_config(root)
    if path is None:
        pyproject = root / PYPROJECT
        return Settings(root=root, tool_tables=_tool_tables(pyproject))
    if not path.is_file():
        raise ConfigError(f"configuration file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read configuration file {path}: {exc}") from exc
    document: Mapping[str, Any]
    tool_tables: Mapping[str, Any]
    if path.name == PYPROJECT or ("tool" in data and path.name != CONFIG_FILENAME):
        tool = data.get("tool", {})
        tool_tables = tool if isinstance(tool, dict) else {}
        document = tool_tables.get("clearance", {})
        prefix = "tool.clearance."
    else:
        document = data
        prefix = ""
        pyproject = path.parent / PYPROJECT
        tool_tables = _tool_tables(pyproject)
    return parse_document(document, source=path, prefix=prefix, tool_tables=tool_tables)


def _tool_tables(pyproject: Path) -> Mapping[str, Any]:
    """The other [tool.*] tables of pyproject.toml (e.g. [tool.bandit]), when readable."""
    if not pyproject.is_file():
        return {}
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{pyproject}: not valid TOML: {exc}") from exc
    tool = data.get("tool", {})
    return tool if isinstance(tool, dict) else {}


def parse_document(
    document: Mapping[str, Any],
    *,
    source: Path | None,
    prefix: str = "",
    tool_tables: Mapping[str, Any] | None = None,
) -> Settings:
    """Validate a configuration table against the schema and read the common keys."""
    where = str(source) if source is not None else "the configuration"
    if not isinstance(document, Mapping):
        raise ConfigError(f"{where}: [{prefix.rstrip('.') or 'clearance'}] must be a table")
    plain = _jsonable(document)
    validator = jsonschema.Draft202012Validator(
        load_schema(), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )
    errors = sorted(validator.iter_errors(plain), key=lambda e: list(map(str, e.absolute_path)))
    if errors:
        raise ConfigError(_describe(errors[0], where, prefix))
    scope = _read_scope(plain, prefix, where)
    root = source.parent if source is not None else Path.cwd()
    return Settings(
        root=root,
        source=source,
        fail_on=scope.fail_on or FailOn.LOW,
        exclude=scope.exclude,
        ignores=scope.ignores,
        document=plain,
        tool_tables=tool_tables or {},
    )


def _read_scope(table: Mapping[str, Any], prefix: str, where: str) -> ScopeSettings:
    fail_on = FailOn(table["fail-on"]) if "fail-on" in table else None
    exclude = tuple(table.get("exclude", ()))
    for pattern in exclude:
        try:
            check_glob(pattern)
        except ValueError as exc:
            raise ConfigError(f"{where}: {prefix}exclude: {exc}") from exc
    ignores = tuple(
        IgnoreRule(
            id=item["id"],
            reason=item["reason"],
            path=item.get("path"),
            expires=dt.date.fromisoformat(item["expires"]) if "expires" in item else None,
        )
        for item in table.get("ignore", ())
    )
    return ScopeSettings(fail_on=fail_on, exclude=exclude, ignores=ignores)


def _jsonable(value: Any) -> Any:
    """TOML values as JSON values: dates and times become ISO strings."""
    if isinstance(value, Mapping):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    return value


def _key_path(prefix: str, path: Sequence[Any]) -> str:
    text = prefix.rstrip(".")
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text = f"{text}.{part}" if text else str(part)
    return text or "(top level)"


def _describe(error: jsonschema.ValidationError, where: str, prefix: str) -> str:
    """One line: file, key, what is wrong."""
    key = _key_path(prefix, list(error.absolute_path))
    validator = error.validator
    schema = cast(Mapping[str, Any], error.schema)
    expected = cast(Any, error.validator_value)
    if validator == "additionalProperties":
        extra = sorted(
            set(cast(Mapping[str, Any], error.instance))
            - set(cast(Mapping[str, Any], schema.get("properties", {})))
        )
        names = ", ".join(repr(e) for e in extra)
        allowed = ", ".join(sorted(schema.get("properties", {})))
        return f"{where}: unknown key {names} in {key} (allowed: {allowed})"
    if validator == "required":
        instance = cast(Mapping[str, Any], error.instance)
        missing = [r for r in expected if r not in instance]
        return f"{where}: {key} is missing the required key {missing[0]!r}"
    if validator == "enum":
        choices = ", ".join(str(c) for c in expected)
        return f"{where}: {key} is {error.instance!r}, expected one of: {choices}"
    if validator == "type":
        return f"{where}: {key} must be of type {expected}, not {error.instance!r}"
    if validator in ("pattern", "format"):
        what = schema.get("description", validator)
        return f"{where}: {key} = {error.instance!r} is not valid ({what})"
    return f"{where}: {key}: {error.message}"
