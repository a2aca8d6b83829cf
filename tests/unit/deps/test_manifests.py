"""Reading manifests and lockfiles: what each declares, on which line, and one-line errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from clearance.scan.deps.manifests import (
    ManifestError,
    ManifestKind,
    kind_of,
    parse_manifest,
    parse_poetry_lock,
    parse_pylock,
    parse_pyproject,
    parse_requirements,
    parse_uv_lock,
)

SAMPLE = Path(__file__).parents[2] / "data" / "deps" / "sample-service"
SAMPLE_PINS = {
    "certifi": "2018.8.24",
    "chardet": "3.0.4",
    "idna": "2.7",
    "jinja2": "2.10",
    "markupsafe": "2.1.5",
    "pyyaml": "5.3",
    "requests": "2.20.0",
    "urllib3": "1.24.1",
}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "name, explicit, kind",
    [
        ("requirements.txt", False, ManifestKind.REQUIREMENTS),
        ("requirements-dev.txt", False, ManifestKind.REQUIREMENTS),
        ("requirements.in", False, ManifestKind.REQUIREMENTS),
        ("constraints.txt", False, None),
        ("constraints.txt", True, ManifestKind.REQUIREMENTS),
        ("requirements/base.txt", False, ManifestKind.REQUIREMENTS),
        ("docs/notes.txt", False, None),
        ("pyproject.toml", False, ManifestKind.PYPROJECT),
        ("uv.lock", False, ManifestKind.UV_LOCK),
        ("poetry.lock", False, ManifestKind.POETRY_LOCK),
        ("pylock.toml", False, ManifestKind.PYLOCK),
        ("pylock.dev.toml", False, ManifestKind.PYLOCK),
        ("pylock.a.b.toml", False, None),
        ("setup.cfg", True, None),
    ],
)
def test_kind_is_told_by_the_file_name(
    name: str, explicit: bool, kind: ManifestKind | None
) -> None:
    assert kind_of(Path(name), explicit=explicit) is kind


# --- requirements files ------------------------------------------------------------------


def test_requirements_follow_includes_relative_to_the_including_file(tmp_path: Path) -> None:
    write(tmp_path / "reqs" / "base.txt", "# base\nurllib3==1.24.1\n")
    write(tmp_path / "reqs" / "nested" / "more.txt", "-r ../base.txt\nidna==2.7\n")
    top = write(tmp_path / "requirements.txt", "-r reqs/nested/more.txt\n\nrequests==2.19.0\n")
    manifest = parse_requirements(top, tmp_path)
    found = {d.name: (d.version, d.place.path.name, d.place.line) for d in manifest.declared}
    assert found == {
        "urllib3": ("1.24.1", "base.txt", 2),
        "idna": ("2.7", "more.txt", 2),
        "requests": ("2.19.0", "requirements.txt", 3),
    }
    assert manifest.pinned
    assert len(manifest.files) == 3


def test_a_constraint_pins_an_unpinned_requirement_on_its_own_line(tmp_path: Path) -> None:
    write(tmp_path / "constraints.txt", "flask==2.3.2\nnot-required==1.0\n")
    top = write(tmp_path / "requirements.txt", "-c constraints.txt\nflask>=2\n")
    manifest = parse_requirements(top, tmp_path)
    [flask] = manifest.declared
    assert (flask.name, flask.version, flask.place.path.name, flask.place.line) == (
        "flask",
        "2.3.2",
        "constraints.txt",
        1,
    )
    assert flask.requirement == "flask==2.3.2"
    assert manifest.pinned


def test_hashes_continuations_and_markers_are_kept(tmp_path: Path) -> None:
    top = write(
        tmp_path / "requirements.txt",
        "urllib3==1.24.1 \\\n    --hash=sha256:aaaa \\\n    --hash=sha256:bbbb\n"
        'jinja2==2.10 ; python_version >= "3"\n',
    )
    urllib3, jinja2 = parse_requirements(top, tmp_path).declared
    assert (urllib3.place.line, urllib3.place.end_line) == (1, 3)
    assert (
        "--hash=sha256:aaaa" in urllib3.requirement and "--hash=sha256:bbbb" in urllib3.requirement
    )
    assert jinja2.place.line == 4 and 'python_version >= "3"' in jinja2.requirement


def test_the_frozen_requirements_say_the_same_as_the_file(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "requests==2.19.0\n-e ./local\n")
    assert (
        parse_requirements(top, tmp_path).frozen_requirements()
        == "requests==2.19.0\n--editable ./local\n"
    )


@pytest.mark.parametrize(
    "line",
    [
        "foo @ https://example.com/foo-1.0.tar.gz",
        "./vendored/pkg",
        "-e git+https://example.com/x.git#egg=x",
    ],
)
def test_direct_references_are_declared_as_such(tmp_path: Path, line: str) -> None:
    top = write(tmp_path / "requirements.txt", f"idna==2.7\n{line}\n")
    manifest = parse_requirements(top, tmp_path)
    assert manifest.declared[1].direct and manifest.declared[1].place.line == 2
    assert manifest.pinned  # pip-audit reports them as skipped; no resolver is needed for the rest


@pytest.mark.parametrize(
    "spec", ["requests", "requests>=2", "requests==2.*", "requests~=2.19", "requests===2.19.0"]
)
def test_anything_but_one_exact_pin_is_unpinned(tmp_path: Path, spec: str) -> None:
    top = write(tmp_path / "requirements.txt", f"{spec}\n")
    manifest = parse_requirements(top, tmp_path)
    assert manifest.declared[0].version is None and not manifest.pinned


def test_an_invalid_requirement_names_file_and_line(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "idna==2.7\n\nfoo==1.0 @@@ bad\n")
    with pytest.raises(ManifestError, match=r"^requirements\.txt:3: Invalid requirement"):
        parse_requirements(top, tmp_path)


def test_a_missing_include_names_the_including_line(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "idna==2.7\n-r nowhere.txt\n")
    with pytest.raises(
        ManifestError, match=r"^requirements\.txt:2: includes nowhere\.txt, which does not exist$"
    ):
        parse_requirements(top, tmp_path)


def test_a_remote_include_is_refused(tmp_path: Path) -> None:
    top = write(tmp_path / "requirements.txt", "-r https://example.com/r.txt\n")
    with pytest.raises(
        ManifestError,
        match=r"^requirements\.txt:1: includes https://example.com/r.txt, a remote file",
    ):
        parse_requirements(top, tmp_path)


def test_include_cycles_end(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", "-r requirements.txt\nidna==2.7\n")
    top = write(tmp_path / "requirements.txt", "-r b.txt\nrequests==2.19.0\n")
    assert {d.name for d in parse_requirements(top, tmp_path).declared} == {"idna", "requests"}


# --- pyproject.toml ----------------------------------------------------------------------


def test_pyproject_declares_dependencies_and_every_optional_group_on_their_lines() -> None:
    manifest = parse_pyproject(SAMPLE / "pyproject.toml", SAMPLE)
    text = (SAMPLE / "pyproject.toml").read_text().splitlines()
    assert {d.name: d.version for d in manifest.declared} == SAMPLE_PINS
    for declared in manifest.declared:
        assert declared.place.line is not None
        assert declared.requirement in text[declared.place.line - 1]
    assert manifest.pinned


def test_pyproject_dependency_groups_and_self_references(tmp_path: Path) -> None:
    path = write(
        tmp_path / "pyproject.toml",
        '[project]\nname = "Demo"\nversion = "1"\ndependencies = ["idna>=2"]\n'
        '[project.optional-dependencies]\nall = ["demo[extra]", "requests==2.19.0"]\n'
        '[dependency-groups]\ndev = ["pytest==7.0", {include-group = "x"}]\n',
    )
    manifest = parse_pyproject(path, tmp_path)
    assert [(d.name, d.version, d.place.line) for d in manifest.declared] == [
        ("idna", None, 4),
        ("requests", "2.19.0", 6),
        ("pytest", "7.0", 8),
    ]
    assert not manifest.pinned


@pytest.mark.parametrize(
    "text, message",
    [
        (
            '[project]\nname = "x"\ndependencies = [\n  "ok==1",\n  "not valid ((",\n]\n',
            r"^pyproject\.toml:5: invalid requirement 'not valid \(\('",
        ),
        (
            '[project]\nname = "x"\ndynamic = ["dependencies"]\n',
            r"^pyproject\.toml: project\.dependencies is dynamic",
        ),
        ("[tool.ruff]\nline-length = 1\n", r"^pyproject\.toml: no \[project\] table"),
        (
            '[project]\nname = "x"\ndependencies = [\n"a==1"\n',
            r"^pyproject\.toml:4: not valid TOML: Unclosed array$",
        ),
    ],
)
def test_pyproject_problems_are_one_line(tmp_path: Path, text: str, message: str) -> None:
    path = write(tmp_path / "pyproject.toml", text)
    with pytest.raises(ManifestError, match=message):
        parse_pyproject(path, tmp_path)


# --- lockfiles written by the real tools ---------------------------------------------------


@pytest.mark.parametrize(
    "name, kind, header",
    [
        ("uv.lock", ManifestKind.UV_LOCK, "[[package]]"),
        ("poetry.lock", ManifestKind.POETRY_LOCK, "[[package]]"),
        ("pylock.toml", ManifestKind.PYLOCK, "[[packages]]"),
        ("requirements.txt", ManifestKind.REQUIREMENTS, None),
    ],
)
def test_every_lockfile_of_the_sample_declares_the_same_pins_on_their_entries(
    name: str, kind: ManifestKind, header: str | None
) -> None:
    manifest = parse_manifest(SAMPLE / name, kind, SAMPLE)
    assert {d.name: d.version for d in manifest.dependencies} == SAMPLE_PINS
    lines = (SAMPLE / name).read_text().splitlines()
    for declared in manifest.dependencies:
        assert declared.place.line is not None and declared.place.end_line is not None
        entry = "\n".join(lines[declared.place.line - 1 : declared.place.end_line])
        assert declared.version in entry
        if header is not None:
            assert f'name = "{declared.name}"' in entry
            assert lines[declared.place.line - 2].strip() == header
    assert manifest.pinned


def test_the_project_itself_is_not_a_dependency() -> None:
    for name, parse in (("uv.lock", parse_uv_lock), ("pylock.toml", parse_pylock)):
        manifest = parse(SAMPLE / name, SAMPLE)
        [own] = [d for d in manifest.declared if d.project_itself]
        assert own.name == "sample-service" and own not in manifest.dependencies
        assert "sample-service" not in manifest.frozen_requirements()


def test_uv_lock_non_registry_sources_are_direct_references(tmp_path: Path) -> None:
    path = write(
        tmp_path / "uv.lock",
        'version = 1\n\n[[package]]\nname = "a"\nversion = "1.0"\n'
        'source = { git = "https://example.com/a?rev=x#abc" }\n\n'
        '[[package]]\nname = "b"\nversion = "2.0"\nsource = { path = "vendor/b-2.0.whl" }\n\n'
        '[[package]]\nname = "c"\nversion = "3.0"\n'
        'source = { registry = "https://pypi.org/simple" }\n',
    )
    a, b, c = parse_uv_lock(path, tmp_path).declared
    assert a.direct and a.requirement == "a @ git+https://example.com/a?rev=x#abc"
    assert b.direct and b.requirement == f"b @ {(tmp_path / 'vendor/b-2.0.whl').as_uri()}"
    assert (
        not c.direct and c.requirement == "c==3.0" and (c.place.line, c.place.end_line) == (14, 15)
    )


def test_poetry_lock_git_and_directory_sources_are_direct_references(tmp_path: Path) -> None:
    path = write(
        tmp_path / "poetry.lock",
        '[[package]]\nname = "a"\nversion = "1.0"\n\n[package.source]\ntype = "git"\n'
        'url = "https://example.com/a.git"\nreference = "main"\nresolved_reference = "abc123"\n\n'
        '[[package]]\nname = "b"\nversion = "2.0"\n\n[metadata]\nlock-version = "2.1"\n',
    )
    a, b = parse_poetry_lock(path, tmp_path).declared
    assert a.direct and a.requirement == "a @ git+https://example.com/a.git@abc123"
    assert not b.direct and b.version == "2.0" and b.place.line == 12


@pytest.mark.parametrize(
    "name, text, message",
    [
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "a"\nversion = "1.0\n',
            r"^uv\.lock:4: not valid TOML",
        ),
        ("uv.lock", '[[package]]\nname = "a"\n', r"^uv\.lock:1: not a uv lockfile"),
        (
            "uv.lock",
            'version = 1\n[[package]]\nname = "a"\nsource = { registry = "x" }\n',
            r"^uv\.lock:3: package a from a registry has no version",
        ),
        (
            "poetry.lock",
            '[[package]]\nname = "a"\nversion = "1"\n',
            r"^poetry\.lock:1: not a poetry lockfile",
        ),
        (
            "poetry.lock",
            '[[package]]\nname = "a"\n\n[metadata]\n',
            r"^poetry\.lock:2: package entry #1 has no version",
        ),
        ("pylock.toml", '[[packages]]\nname = "a"\n', r"^pylock\.toml:1: not a PEP 751 lockfile"),
        (
            "pylock.toml",
            'lock-version = "1.0"\n[[packages]]\nname = "a"\nversion = "one"\n',
            r"^pylock\.toml:3: 'one' is not a PEP 440 version",
        ),
    ],
)
def test_malformed_lockfiles_are_one_line_naming_file_and_line(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = write(tmp_path / name, text)
    with pytest.raises(ManifestError, match=message) as caught:
        parse_manifest(path, kind_of(path) or ManifestKind.REQUIREMENTS, tmp_path)
    assert "\n" not in str(caught.value)


def test_locate_finds_a_declaration_by_any_spelling_and_version() -> None:
    manifest = parse_requirements(SAMPLE / "requirements.txt", SAMPLE)
    found = manifest.locate("Jinja2", "2.10.0")
    assert found is not None and found.name == "jinja2"
    assert manifest.locate("not-there") is None


def test_an_editable_install_of_the_repository_itself_is_not_a_dependency(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[project]\nname = "app"\n')
    write(tmp_path / "libs" / "core" / "setup.py", "")
    top = write(
        tmp_path / "requirements.txt",
        "idna==2.7\n-e .\n-e ./libs/core\n-e git+https://example.com/x.git#egg=x\n./libs/core\n",
    )
    manifest = parse_requirements(top, tmp_path)
    itself = [d.place.line for d in manifest.declared if d.project_itself]
    assert itself == [2, 3]
    # A VCS or non-editable local path stays a direct reference that pip-audit cannot audit.
    assert manifest.frozen_requirements() == (
        "idna==2.7\n--editable git+https://example.com/x.git#egg=x\n./libs/core\n"
    )
