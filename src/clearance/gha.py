"""The GitHub Actions runtime: outputs, env, step summary, masks, annotations, event payload.

This is the only module that knows the workflow-command syntax and the `GITHUB_*` files.
Nothing happens at import: a `Runner` is built from an environment mapping and a stream, so
tests pass their own.

Escaping follows the runner's rules (actions/toolkit `command.ts`): in a command's message
`%`, CR and LF become `%25`, `%0D`, `%0A`; in a property value `:` and `,` are escaped too
(`%3A`, `%2C`).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, TextIO

from clearance.errors import ConfigError, UsageError

AnnotationLevel = Literal["error", "warning", "notice"]

# GitHub shows at most this many annotations of each level per step.
ANNOTATIONS_SHOWN_PER_LEVEL = 10
# A step summary larger than 1 MiB is rejected by the runner.
STEP_SUMMARY_LIMIT_BYTES = 1024 * 1024
RESERVED_ENV_PREFIX = "CLEARANCE_"


def escape_data(value: str) -> str:
    """Escape a workflow command's message."""
    return value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(value: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(value).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, properties: Mapping[str, str | int | None], message: str) -> str:
    """`::command k=v,k=v::message`, escaped; properties with no value are left out."""
    props = ",".join(
        f"{key}={escape_property(str(val))}"
        for key, val in properties.items()
        if val is not None and str(val) != ""
    )
    head = f"::{command} {props}" if props else f"::{command}"
    return f"{head}::{escape_data(message)}"


@dataclass(frozen=True)
class Annotation:
    """One workflow annotation (`::error file=…,line=…::message`)."""

    level: AnnotationLevel
    message: str
    title: str | None = None
    file: str | None = None
    line: int | None = None
    end_line: int | None = None
    col: int | None = None
    end_column: int | None = None

    def command(self) -> str:
        return format_command(
            self.level,
            {
                "title": self.title,
                "file": self.file,
                "line": self.line,
                "endLine": self.end_line,
                "col": self.col,
                "endColumn": self.end_column,
            },
            self.message,
        )


def _delimiter_for(value: str) -> str:
    while True:
        delimiter = f"ghadelimiter_{secrets.token_hex(16)}"
        if delimiter not in value:
            return delimiter


def file_command_entry(name: str, value: str) -> str:
    """An entry for `$GITHUB_OUTPUT` / `$GITHUB_ENV`: a heredoc with a random delimiter."""
    if not name or "\n" in name or "=" in name or "<<" in name:
        raise UsageError(f"invalid output or variable name {name!r}")
    delimiter = _delimiter_for(value)
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


class Runner:
    """The Actions runtime seen from a step: built from an environment and a command stream.

    Workflow commands (masks, annotations) go to `commands`, the step's stderr in practice:
    the runner reads commands from both streams, and stdout stays clean for the data a
    command prints (`--format json > report.json` must not carry an `::add-mask::` line).
    """

    def __init__(self, env: Mapping[str, str], commands: TextIO) -> None:
        self._env = env
        self._stdout = commands

    @property
    def active(self) -> bool:
        """True inside a GitHub Actions job (or a runner that behaves like one, e.g. act)."""
        return self._env.get("GITHUB_ACTIONS") == "true"

    def _file(self, variable: str) -> Path | None:
        value = self._env.get(variable, "")
        return Path(value) if value else None

    def _append(self, variable: str, text: str) -> bool:
        path = self._file(variable)
        if path is None:
            return False
        with path.open("a", encoding="utf-8") as handle:
            handle.write(text)
        return True

    def set_output(self, name: str, value: str) -> bool:
        """Write a step output; False when there is no `$GITHUB_OUTPUT` (outside Actions)."""
        return self._append("GITHUB_OUTPUT", file_command_entry(name, value))

    def set_env(self, name: str, value: str) -> bool:
        """Export a variable to later steps. `CLEARANCE_*` names are option defaults: refused."""
        if name.upper().startswith(RESERVED_ENV_PREFIX):
            raise UsageError(
                f"refusing to write {name} to $GITHUB_ENV: CLEARANCE_* variables are option "
                "defaults of later clearance steps"
            )
        return self._append("GITHUB_ENV", file_command_entry(name, value))

    def append_summary(self, markdown: str) -> bool:
        """Append to the job summary, cut to the runner's 1 MiB limit with a note."""
        path = self._file("GITHUB_STEP_SUMMARY")
        if path is None:
            return False
        existing = path.stat().st_size if path.exists() else 0
        room = STEP_SUMMARY_LIMIT_BYTES - existing
        data = markdown.encode("utf-8")
        if len(data) > room:
            note = b"\n\n_Summary truncated: GitHub limits a step summary to 1 MiB._\n"
            keep = max(0, room - len(note))
            data = data[:keep].decode("utf-8", "ignore").encode("utf-8") + note
        with path.open("ab") as handle:
            handle.write(data)
        return True

    def add_mask(self, value: str) -> None:
        """Ask the runner to mask a value in every later log line (one command per line)."""
        if not self.active:
            return
        for line in value.splitlines():
            if line.strip():
                self._stdout.write(format_command("add-mask", {}, line) + "\n")
        self._stdout.flush()

    def annotate(self, annotation: Annotation) -> None:
        self._stdout.write(annotation.command() + "\n")

    def event_name(self) -> str | None:
        return self._env.get("GITHUB_EVENT_NAME") or None

    def event_payload(self) -> dict[str, Any]:
        """The webhook payload of the triggering event (`$GITHUB_EVENT_PATH`), or `{}`."""
        path = self._file("GITHUB_EVENT_PATH")
        if path is None or not path.is_file():
            return {}
        try:
            payload = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise ConfigError(f"cannot read the event payload {path}: {exc}") from exc
        if not isinstance(payload, dict):
            raise ConfigError(f"the event payload {path} is not a JSON object")
        return payload

    def get(self, name: str) -> str | None:
        """A `GITHUB_*` / `RUNNER_*` variable, or None when unset or empty."""
        return self._env.get(name) or None
