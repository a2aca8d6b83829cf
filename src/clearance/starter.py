"""`clearance init`: a starting configuration and a starter workflow for a repository.

The configuration goes where clearance looks for it: a `[tool.clearance]` section appended to
pyproject.toml (the rest of the file stays byte for byte as it was), else a new clearance.toml.
An existing configuration is never replaced unless asked (`force`); replacing removes the
`[tool.clearance]` and `[tool.clearance.*]` tables and appends the new ones. Every edit is
checked before it is written: the new file must parse, hold exactly the starter section, and
hold everything else exactly as before.

The starter workflows are the files of `workflows-templates/` (GitHub's starter-workflow
layout), shipped inside the package as `clearance/templates/workflows/`.
"""

from __future__ import annotations

import os
import re
import tempfile
import tomllib
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import Any

from clearance.config import CONFIG_FILENAME, PYPROJECT, parse_document
from clearance.errors import UsageError

WORKFLOWS_DIR = Path(".github") / "workflows"
TEMPLATES = "templates/workflows"


class Template(StrEnum):
    PYTHON_SERVICE = "python-service"
    PYTHON_PACKAGE = "python-package"
    PULL_REQUEST_CHECKS = "pull-request-checks"


_COMMON = """\
# Written by `clearance init`: a starting point. Every key is in the README (Configuration)
# and in the JSON Schema clearance ships (clearance/schema/config.schema.json).
fail-on = "medium"            # a scan exits 1 on findings at or above this severity
exclude = []                  # repository-relative globs no scanner reads, e.g. "tests/fixtures/**"
ignore = []                   # accepted findings: { id = "B101", path = "tests/**", reason = "..." }

# `clearance run`: the conveyor on this machine
[{prefix}run]
environment = "dev"           # the local environment deployments are recorded in
# build = "python -m build --wheel"   # default for a Python project: pip wheel, offline, into dist/
# artifacts = ["dist/*.whl"]          # what the build makes (default: dist/*)
# key = "env://SIGNING_KEY"           # sign with a PEM key (kept out of git), and then
# public-key = "signing.pub"          # where consumers find its public key
"""

_ENVIRONMENTS = """\

# Where `clearance promote` may take a digest, and what it must carry there
[{prefix}environments.production]
after = "staging"             # production takes digests from staging only, the same digest
require = ["scan"]            # passing scans recorded with it (the deploy job verifies signatures)
# min-soak = "30m"            # change: how long a digest must have run in staging first
"""

_VERIFY = """\

# Who may have built and signed what is deployed or consumed (clearance verify, promote)
[{prefix}verify]
repository = "{repository}"{repository_comment}
workflow = "clearance-dev/clearance/.github/workflows/build.yml"   # the reusable build workflow
"""

_TAGS = """\
ref = "refs/tags/v*"          # releases are built from version tags
"""

PLACEHOLDER_REPOSITORY = "OWNER/REPO"


def starter_section(
    template: Template | None, *, in_pyproject: bool, repository: str | None = None
) -> str:
    """The starting configuration: `[tool.clearance]` tables, or clearance.toml's top level.

    `repository` (OWNER/NAME, from git's origin) fills the verification policy of the
    templates that sign; without it a placeholder marked "change" stands there."""
    prefix = "tool.clearance." if in_pyproject else ""
    text = _COMMON.replace("{prefix}", prefix)
    if template is Template.PYTHON_SERVICE:
        text += _ENVIRONMENTS.replace("{prefix}", prefix)
    if template in (Template.PYTHON_SERVICE, Template.PYTHON_PACKAGE):
        text += (
            _VERIFY.replace("{prefix}", prefix)
            .replace("{repository}", repository or PLACEHOLDER_REPOSITORY)
            .replace(
                "{repository_comment}",
                "   # this repository" if repository else "   # change: this repository",
            )
        )
        if template is Template.PYTHON_PACKAGE:
            text += _TAGS
    return ("[tool.clearance]\n" + text) if in_pyproject else text


def template_text(template: Template) -> str:
    """The starter workflow as shipped."""
    source = resources.files("clearance").joinpath(f"{TEMPLATES}/{template.value}.yml")
    try:
        return source.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(
            f"the starter workflow {template.value}.yml is missing from this installation "
            "(reinstall clearance)"
        ) from None


# ------------------------------------------------------------------ editing pyproject.toml

_HEADER = re.compile(r"^[ \t]*\[\[?(?P<key>[^\[\]]+)\]\]?[ \t]*(#.*)?$")


def _key_parts(key: str) -> list[str]:
    return [part.strip().strip("\"'") for part in key.split(".")]


def clearance_tables(text: str) -> list[tuple[int, int]]:
    """Line spans [start, end) of the `[tool.clearance]` and `[tool.clearance.*]` tables."""
    lines = text.splitlines(keepends=True)
    headers = [
        (index, _key_parts(match["key"]))
        for index, line in enumerate(lines)
        if (match := _HEADER.match(line.rstrip("\r\n")))
    ]
    spans = []
    for position, (index, parts) in enumerate(headers):
        if parts[:2] == ["tool", "clearance"]:
            end = headers[position + 1][0] if position + 1 < len(headers) else len(lines)
            spans.append((index, end))
    return spans


def _without_clearance(data: dict[str, Any]) -> dict[str, Any]:
    copy = dict(data)
    tool = dict(copy.get("tool", {}))
    tool.pop("clearance", None)
    if tool:
        copy["tool"] = tool
    else:
        copy.pop("tool", None)
    return copy


def _parse(text: str, where: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"{where}: not valid TOML ({exc}): fix it first") from None


def edit_pyproject(text: str, section: str, *, force: bool, where: Path) -> str:
    """pyproject.toml's text with the starter section; the rest unchanged."""
    before = _parse(text, where)
    has_section = "clearance" in before.get("tool", {})
    spans = clearance_tables(text)
    if has_section and not force:
        raise UsageError(
            f"{where} already has a [tool.clearance] section: keep it, or pass --force to "
            "replace it"
        )
    if has_section and not spans:
        raise UsageError(
            f"{where} defines tool.clearance with dotted keys or an inline table: "
            "replace it by hand"
        )
    lines = text.splitlines(keepends=True)
    removed = {index for start, end in spans for index in range(start, end)}
    kept = "".join(line for index, line in enumerate(lines) if index not in removed)
    newline = "\r\n" if "\r\n" in text else "\n"
    if kept and not kept.endswith(("\n", "\r")):
        kept += newline
    addition = section.replace("\n", newline)
    result = kept + (newline if kept.strip() else "") + addition if kept else addition
    try:
        after: dict[str, Any] | None = tomllib.loads(result)
    except tomllib.TOMLDecodeError:
        after = None
    wanted = tomllib.loads(section)["tool"]["clearance"]
    if (
        after is None
        or _without_clearance(after) != _without_clearance(before)
        or after.get("tool", {}).get("clearance") != wanted
    ):
        raise UsageError(
            f"cannot add the section to {where} without changing the rest of it: "
            "add [tool.clearance] by hand (see the README's Configuration)"
        )
    return result


# ------------------------------------------------------------------ the plan, then the writes


@dataclass(frozen=True)
class Written:
    path: Path
    what: str


@dataclass(frozen=True)
class InitPlan:
    writes: tuple[tuple[Path, str, str], ...]
    """(path, new content, what it is) in the order written."""


def plan_init(root: Path, template: Template | None, *, force: bool) -> InitPlan:
    """Everything `init` will write, checked before anything is: refuses (UsageError, exit 2)
    to replace a configuration or a workflow unless `force`."""
    from clearance.release import git

    writes: list[tuple[Path, str, str]] = []
    repository = git.repository_slug(git.origin_url(root))
    config = root / CONFIG_FILENAME
    pyproject = root / PYPROJECT
    if config.is_file() or not pyproject.is_file():
        if config.exists() and not force:
            raise UsageError(
                f"{config} exists: keep it, or pass --force to replace it with a starting one"
            )
        text = starter_section(template, in_pyproject=False, repository=repository)
        writes.append((config, text, "a starting configuration"))
    else:
        original = pyproject.read_bytes().decode("utf-8")
        text = edit_pyproject(
            original,
            starter_section(template, in_pyproject=True, repository=repository),
            force=force,
            where=pyproject,
        )
        writes.append((pyproject, text, "a starting [tool.clearance] section"))
    # Validate what is written as clearance will read it.
    parse_document(
        _document(writes[0][1], in_pyproject=writes[0][0].name == PYPROJECT),
        source=writes[0][0],
    )
    if template is not None:
        workflow = root / WORKFLOWS_DIR / f"{template.value}.yml"
        if workflow.exists() and not force:
            raise UsageError(f"{workflow} exists: keep it, or pass --force to replace it")
        writes.append((workflow, template_text(template), f"the {template.value} workflow"))
    return InitPlan(tuple(writes))


def _document(text: str, *, in_pyproject: bool) -> dict[str, Any]:
    data = tomllib.loads(text)
    return data["tool"]["clearance"] if in_pyproject else data


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o644
    fd, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def apply_init(plan: InitPlan) -> list[Written]:
    done = []
    for path, text, what in plan.writes:
        _write_atomic(path, text)
        done.append(Written(path, what))
    return done
