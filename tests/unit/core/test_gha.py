"""The Actions runtime: workflow-command escaping per the documented rules, file commands with
random delimiters, masks, summaries, and the CLEARANCE_* reservation."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from clearance.errors import UsageError
from clearance.gha import (
    STEP_SUMMARY_LIMIT_BYTES,
    Annotation,
    Runner,
    escape_data,
    escape_property,
    file_command_entry,
    format_command,
)


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("plain", "plain"),
        ("100%", "100%25"),
        ("a\nb", "a%0Ab"),
        ("a\r\nb", "a%0D%0Ab"),
        ("%0A literal", "%250A literal"),  # an escape sequence in the input stays literal
        ("a:b,c", "a:b,c"),  # data keeps : and ,
    ],
)
def test_message_escaping(raw: str, escaped: str) -> None:
    assert escape_data(raw) == escaped


@pytest.mark.parametrize(
    "raw, escaped",
    [
        ("src/a.py", "src/a.py"),
        ("a:b", "a%3Ab"),
        ("a,b", "a%2Cb"),
        ("50%", "50%25"),
        ("x\ny", "x%0Ay"),
    ],
)
def test_property_escaping(raw: str, escaped: str) -> None:
    assert escape_property(raw) == escaped


def test_an_injected_newline_cannot_start_a_new_command() -> None:
    line = format_command("error", {"file": "a.py"}, "boom\n::set-output name=x::pwned")
    assert "\n" not in line
    assert line == "::error file=a.py::boom%0A::set-output name=x::pwned"


def test_annotation_leaves_out_empty_properties() -> None:
    text = Annotation("warning", "msg", title="T, with: punctuation", file="a.py", line=3).command()
    assert text == "::warning title=T%2C with%3A punctuation,file=a.py,line=3::msg"


def test_file_command_entries_use_a_random_delimiter_absent_from_the_value() -> None:
    entry = file_command_entry("counts", "line one\nline two\nghadelimiter_x")
    name, _, rest = entry.partition("<<")
    delimiter, _, body = rest.partition("\n")
    assert name == "counts"
    assert body == f"line one\nline two\nghadelimiter_x\n{delimiter}\n"
    assert (
        delimiter.startswith("ghadelimiter_")
        and delimiter not in "line one\nline two\nghadelimiter_x"
    )
    assert file_command_entry("a", "v") != file_command_entry("a", "v")  # random each time


@pytest.mark.parametrize("name", ["", "a=b", "a\nb", "x<<y"])
def test_file_command_names_are_checked(name: str) -> None:
    with pytest.raises(UsageError):
        file_command_entry(name, "v")


def runner(tmp_path: Path, **extra: str) -> tuple[Runner, io.StringIO]:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_OUTPUT": str(tmp_path / "output"),
        "GITHUB_ENV": str(tmp_path / "env"),
        "GITHUB_STEP_SUMMARY": str(tmp_path / "summary"),
        **extra,
    }
    out = io.StringIO()
    return Runner(env, out), out


def test_outputs_and_env_are_appended_to_the_runner_files(tmp_path: Path) -> None:
    r, _ = runner(tmp_path)
    assert r.set_output("outcome", "pass")
    assert r.set_output("counts", '{"high":1}')
    assert r.set_env("DEPLOY_DIGEST", "sha256:ab")
    output = (tmp_path / "output").read_text()
    assert "outcome<<ghadelimiter_" in output and "\npass\n" in output and '{"high":1}' in output
    assert "DEPLOY_DIGEST<<" in (tmp_path / "env").read_text()


@pytest.mark.parametrize("name", ["CLEARANCE_FAIL_ON", "clearance_x"])
def test_clearance_variables_are_never_exported(tmp_path: Path, name: str) -> None:
    r, _ = runner(tmp_path)
    with pytest.raises(UsageError, match="option defaults"):
        r.set_env(name, "high")


def test_outside_actions_nothing_is_written(tmp_path: Path) -> None:
    r = Runner({}, io.StringIO())
    assert not r.active
    assert not r.set_output("a", "b")
    assert not r.append_summary("x")


def test_masks_are_one_command_per_line_and_only_inside_actions(tmp_path: Path) -> None:
    r, out = runner(tmp_path)
    r.add_mask("first\nsecond")
    assert out.getvalue() == "::add-mask::first\n::add-mask::second\n"
    quiet = io.StringIO()
    Runner({}, quiet).add_mask("secret")
    assert quiet.getvalue() == ""


def test_summary_is_cut_at_the_runner_limit_with_a_note(tmp_path: Path) -> None:
    r, _ = runner(tmp_path)
    r.append_summary("é" * STEP_SUMMARY_LIMIT_BYTES)
    data = (tmp_path / "summary").read_bytes()
    assert len(data) <= STEP_SUMMARY_LIMIT_BYTES
    assert data.decode("utf-8").endswith("GitHub limits a step summary to 1 MiB._\n")


def test_event_payload_is_read_from_the_event_path(tmp_path: Path) -> None:
    event = tmp_path / "event.json"
    event.write_text('{"after": "abc"}')
    r, _ = runner(tmp_path, GITHUB_EVENT_PATH=str(event))
    assert r.event_payload() == {"after": "abc"}
    event.write_text("[1]")
    with pytest.raises(UsageError, match="not a JSON object"):
        r.event_payload()
