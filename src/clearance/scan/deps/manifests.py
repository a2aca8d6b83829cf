"""Python manifests and lockfiles: what each declares, and on which line.

pip-audit decides what is vulnerable; this module only reads the files so that each audited
package can be located on the line that pins it, that pinned inputs can be audited without a
resolver, and that a malformed file is reported as `file:line: problem`. Requirements files
are read with pip-requirements-parser (pip-audit's own parser), TOML files with `tomllib`.

Each manifest becomes a `Manifest`: the packages it declares (`Declared`), each with a
requirement line that says the same thing in requirements.txt syntax. A manifest is *pinned*
when every declaration names one exact version (or is a direct reference, which pip-audit
reports as unauditable): pinned manifests are audited as written, unpinned ones are resolved.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from fnmatch import fnmatch
from pathlib import Path
from typing import Any

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from clearance.errors import UsageError
from clearance.paths import relative_posix


class ManifestError(UsageError):
    """A manifest or lockfile that cannot be read: names the file and, when known, the line."""


class DeclaresNothing(ManifestError):
    """A pyproject.toml with no PEP 621 dependency list to read (tool configuration only, or
    dependencies computed at build time)."""


class ManifestKind(StrEnum):
    REQUIREMENTS = "requirements"
    PYPROJECT = "pyproject"
    UV_LOCK = "uv.lock"
    POETRY_LOCK = "poetry.lock"
    PYLOCK = "pylock"
    ENVIRONMENT = "environment"


REQUIREMENTS_GLOBS = ("requirements*.txt", "requirements*.in")
_PYLOCK_NAME = re.compile(r"^pylock(\.[^./\\]+)?\.toml$")
LOCKFILE_KINDS = frozenset({ManifestKind.UV_LOCK, ManifestKind.POETRY_LOCK, ManifestKind.PYLOCK})


def kind_of(path: Path, *, explicit: bool = False) -> ManifestKind | None:
    """What kind of manifest a file name says.

    `requirements*.txt|in` and any `.txt`/`.in` in a `requirements/` folder are requirements
    files; so is any `.txt`/`.in` named explicitly.
    """
    name = path.name
    if name == "uv.lock":
        return ManifestKind.UV_LOCK
    if name == "poetry.lock":
        return ManifestKind.POETRY_LOCK
    if _PYLOCK_NAME.match(name):
        return ManifestKind.PYLOCK
    if name == "pyproject.toml":
        return ManifestKind.PYPROJECT
    if any(fnmatch(name, pattern) for pattern in REQUIREMENTS_GLOBS):
        return ManifestKind.REQUIREMENTS
    if path.suffix in (".txt", ".in") and (explicit or path.parent.name == "requirements"):
        return ManifestKind.REQUIREMENTS
    return None


@dataclass(frozen=True)
class Place:
    """Where a declaration is: a file and its lines (1-based)."""

    path: Path
    line: int | None = None
    end_line: int | None = None


@dataclass(frozen=True)
class Declared:
    """One package a manifest declares."""

    name: str
    """PEP 503 name; for a direct reference without a name, the reference itself."""
    version: str | None
    """The one exact version it is pinned to; None when not pinned (or a direct reference)."""
    requirement: str
    """The same declaration as a requirements.txt line (markers and hashes kept)."""
    place: Place
    direct: bool = False
    """A URL, VCS or local-path reference: there is no registry version to audit."""
    project_itself: bool = False
    """The project's own source (a workspace member), not a dependency."""


@dataclass(frozen=True)
class Manifest:
    path: Path
    kind: ManifestKind
    declared: tuple[Declared, ...]
    files: tuple[Path, ...] = ()
    """Every file read (a requirements file and its -r/-c includes)."""
    notes: tuple[str, ...] = ()

    @property
    def pinned(self) -> bool:
        return all(d.version is not None or d.direct or d.project_itself for d in self.declared)

    @property
    def dependencies(self) -> tuple[Declared, ...]:
        return tuple(d for d in self.declared if not d.project_itself)

    def frozen_requirements(self) -> str:
        """The pinned declarations as one requirements file (for pip-audit's --no-deps mode)."""
        return "".join(d.requirement + "\n" for d in self.dependencies)

    def locate(self, name: str, version: str | None = None) -> Declared | None:
        """The declaration of a package (by name or, for a nameless reference, its text)."""
        canonical = canonicalize_name(name) if _looks_like_name(name) else _squash(name)
        candidates = [
            d for d in self.declared if d.name == canonical or _squash(d.requirement) == canonical
        ]
        if version is not None:
            wanted = _normal_version(version)
            exact = [
                d
                for d in candidates
                if d.version is not None and _normal_version(d.version) == wanted
            ]
            candidates = exact or candidates
        return candidates[0] if candidates else None


def _normal_version(text: str) -> str:
    from clearance.scan.deps.ranges import parse_version

    parsed = parse_version(text)
    return str(parsed) if parsed is not None else text


def _squash(text: str) -> str:
    """A requirement line with continuations and runs of blanks folded (for comparisons)."""
    return " ".join(text.replace("\\\n", " ").split())


_NAME = re.compile(r"^[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?$")


def _looks_like_name(text: str) -> bool:
    return bool(_NAME.match(text))


def exact_version(requirement: Requirement) -> str | None:
    """The version of a single `==X` (no wildcard) specifier, else None."""
    specs = list(requirement.specifier)
    if requirement.url is None and len(specs) == 1:
        spec = specs[0]
        if spec.operator == "==" and "*" not in spec.version:
            return spec.version
    return None


def _rel(path: Path, root: Path) -> str:
    return relative_posix(path, root)


def _toml_error_line(exc: tomllib.TOMLDecodeError) -> int | None:
    found = re.search(r"at line (\d+)", str(exc))
    return int(found.group(1)) if found else None


def _load_toml(path: Path, root: Path) -> tuple[dict[str, Any], list[str]]:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ManifestError(f"{_rel(path, root)}: cannot read: {exc}") from exc
    try:
        return tomllib.loads(text), text.splitlines()
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(exc)
        if line is None and "end of document" in str(exc):
            line = max(1, len(text.splitlines()))
        where = f"{_rel(path, root)}:{line}" if line else _rel(path, root)
        reason = re.sub(r"\s*\(at (line \d+, column \d+|end of document)\)", "", str(exc))
        raise ManifestError(f"{where}: not valid TOML: {reason}") from exc


# --- requirements files ----------------------------------------------------------------------


@dataclass
class _RequirementsWalk:
    root: Path
    files: list[Path] = field(default_factory=list)
    requirements: list[tuple[Any, Path]] = field(default_factory=list)
    constraints: list[tuple[Any, Path]] = field(default_factory=list)


def _read_requirements_file(
    path: Path, walk: _RequirementsWalk, *, constraint: bool, chain: tuple[Path, ...]
) -> None:
    from pip_requirements_parser import InstallationError, RequirementsFile

    resolved = path.resolve()
    if resolved in chain:
        return  # pip reads a file included twice once; a cycle adds nothing
    if resolved in walk.files:
        return
    walk.files.append(resolved)
    try:
        parsed = RequirementsFile.from_file(str(resolved), include_nested=False)
    except InstallationError as exc:
        raise ManifestError(
            f"{_rel(path, walk.root)}: cannot read: {str(exc).split('|')[0]}"
        ) from exc
    if parsed.invalid_lines:
        bad = parsed.invalid_lines[0]
        message = " ".join(str(bad.error_message).split("\n")[0].split())
        raise ManifestError(f"{_rel(path, walk.root)}:{bad.line_number}: {message}")
    for option in parsed.options:
        for key, is_constraint in (("requirements", False), ("constraints", True)):
            for target in option.options.get(key, ()):
                if re.match(r"^[a-z][a-z0-9+.-]*://", str(target), re.IGNORECASE):
                    raise ManifestError(
                        f"{_rel(path, walk.root)}:{option.line_number}: includes {target}, "
                        "a remote file: download it next to the manifest to audit it"
                    )
                included = (resolved.parent / target).resolve()
                if not included.is_file():
                    raise ManifestError(
                        f"{_rel(path, walk.root)}:{option.line_number}: includes {target}, "
                        "which does not exist"
                    )
                _read_requirements_file(
                    included, walk, constraint=constraint or is_constraint, chain=(*chain, resolved)
                )
    target_list = walk.constraints if constraint else walk.requirements
    target_list.extend((req, resolved) for req in parsed.requirements)


def _line_span(req: Any) -> tuple[int, int]:
    start = int(req.line_number or 1)
    physical = str(req.dumps()).count("\n") + 1
    return start, start + physical - 1


def _requirement_text(req: Any) -> str:
    return str(req.dumps())


def _with_version(req: Any, version: str, hashes: Sequence[str]) -> str:
    extras = f"[{','.join(sorted(req.extras))}]" if req.extras else ""
    text = f"{req.name}{extras}=={version}"
    if req.marker is not None:
        text += f" ; {req.marker}"
    for digest in hashes:
        text += f" --hash={digest}"
    return text


def _editable_project(req: Any, file: Path, root: Path) -> bool:
    """`-e .` and the like: an editable install of a project folder inside the repository is
    the repository's own code (as uv's editable workspace members are), not a dependency."""
    if not req.is_editable or req.link is None:
        return False
    target = str(req.link.url if hasattr(req.link, "url") else req.link)
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE) and not target.startswith("file:"):
        return False  # a VCS or remote URL
    local = target.removeprefix("file://").split("#", 1)[0]
    folder = (file.parent / local).resolve()
    inside = folder == root.resolve() or root.resolve() in folder.parents
    return inside and any(
        (folder / name).is_file() for name in ("pyproject.toml", "setup.py", "setup.cfg")
    )


def parse_requirements(path: Path, root: Path) -> Manifest:
    """A requirements file with its -r includes (declarations) and -c includes (pins)."""
    walk = _RequirementsWalk(root=root)
    _read_requirements_file(path, walk, constraint=False, chain=())
    pins: dict[str, tuple[str, Any, Path]] = {}
    for req, file in walk.constraints:
        if req.name and req.req is not None and req.link is None:
            version = exact_version(req.req)
            if version is not None:
                pins.setdefault(canonicalize_name(req.name), (version, req, file))
    declared: list[Declared] = []
    for req, file in walk.requirements:
        start, end = _line_span(req)
        direct = req.link is not None or req.req is None
        if direct:
            name = (
                canonicalize_name(req.name) if req.name else str(req.requirement_line.line).strip()
            )
            declared.append(
                Declared(
                    name=name,
                    version=None,
                    requirement=_requirement_text(req),
                    place=Place(file, start, end),
                    direct=True,
                    project_itself=_editable_project(req, file, root),
                )
            )
            continue
        name = canonicalize_name(req.name)
        version = exact_version(req.req)
        if version is not None:
            declared.append(
                Declared(
                    name=name,
                    version=version,
                    requirement=_requirement_text(req),
                    place=Place(file, start, end),
                )
            )
            continue
        pin = pins.get(name)
        if pin is not None and pin[0] in req.specifier:
            pinned, constraint, constraint_file = pin
            c_start, c_end = _line_span(constraint)
            hashes = list(req.hash_options) or list(constraint.hash_options)
            declared.append(
                Declared(
                    name=name,
                    version=pinned,
                    requirement=_with_version(req, pinned, hashes),
                    place=Place(constraint_file, c_start, c_end),
                )
            )
            continue
        declared.append(
            Declared(
                name=name,
                version=None,
                requirement=_requirement_text(req),
                place=Place(file, start, end),
            )
        )
    return Manifest(
        path=path.resolve(),
        kind=ManifestKind.REQUIREMENTS,
        declared=tuple(declared),
        files=tuple(walk.files),
    )


# --- pyproject.toml ----------------------------------------------------------------------------


_STRING = re.compile(r'"((?:[^"\\]|\\.)*)"|\'([^\']*)\'')


def _string_lines(lines: Sequence[str]) -> dict[str, list[int]]:
    """For each string literal, the lines it appears on (for locating array items)."""
    found: dict[str, list[int]] = {}
    for number, line in enumerate(lines, start=1):
        for match in _STRING.finditer(line):
            value = match.group(1) if match.group(1) is not None else match.group(2)
            if "\\" in match.group(0):
                try:  # a basic string with escapes: read it as TOML does
                    value = str(tomllib.loads(f"v = {match.group(0)}")["v"])
                except tomllib.TOMLDecodeError:
                    continue
            found.setdefault(value, []).append(number)
    return found


def _dependency_strings(data: Mapping[str, Any], where: str) -> Iterator[tuple[str, str]]:
    """(group, requirement string) for PEP 621 dependencies, optional groups, PEP 735 groups."""
    project = data.get("project")
    if not isinstance(project, Mapping):
        raise DeclaresNothing(f"{where}: no [project] table: only PEP 621 metadata is read")
    dependencies = project.get("dependencies", [])
    if not isinstance(dependencies, list):
        raise ManifestError(f"{where}: project.dependencies must be an array of strings")
    for item in dependencies:
        yield "dependencies", item
    optional = project.get("optional-dependencies", {})
    if not isinstance(optional, Mapping):
        raise ManifestError(f"{where}: project.optional-dependencies must be a table")
    for group, items in optional.items():
        if not isinstance(items, list):
            raise ManifestError(f"{where}: project.optional-dependencies.{group} must be an array")
        for item in items:
            yield f"optional-dependencies.{group}", item
    groups = data.get("dependency-groups", {})
    if isinstance(groups, Mapping):
        for group, items in groups.items():
            for item in items if isinstance(items, list) else []:
                if isinstance(item, str):  # {include-group = ...} tables add nothing new
                    yield f"dependency-groups.{group}", item


def parse_pyproject(path: Path, root: Path) -> Manifest:
    """PEP 621 `dependencies` and every optional group (and PEP 735 dependency groups)."""
    data, lines = _load_toml(path, root)
    where = _rel(path, root)
    project = data.get("project")
    if isinstance(project, Mapping) and "dependencies" in project.get("dynamic", []):
        raise DeclaresNothing(
            f"{where}: project.dependencies is dynamic, so it cannot be read without building "
            "the project: audit its lockfile or a requirements file instead"
        )
    own = canonicalize_name(str(project.get("name", ""))) if isinstance(project, Mapping) else ""
    literal_lines = _string_lines(lines)
    used: dict[str, int] = {}
    declared: list[Declared] = []
    seen: set[str] = set()
    for group, text in _dependency_strings(data, where):
        if not isinstance(text, str):
            raise ManifestError(f"{where}: {group} holds {text!r}, not a requirement string")
        occurrences = literal_lines.get(text, [])
        index = used.get(text, 0)
        used[text] = index + 1
        line = occurrences[min(index, len(occurrences) - 1)] if occurrences else None
        try:
            requirement = Requirement(text)
        except InvalidRequirement as exc:
            at = f"{where}:{line}" if line else where
            raise ManifestError(f"{at}: invalid requirement {text!r} in {group}: {exc}") from exc
        name = canonicalize_name(requirement.name)
        if name == own or text in seen:
            continue  # the project's own extras, or the same string in another group
        seen.add(text)
        declared.append(
            Declared(
                name=name,
                version=exact_version(requirement),
                requirement=text,
                place=Place(path.resolve(), line, line),
                direct=requirement.url is not None,
            )
        )
    return Manifest(
        path=path.resolve(),
        kind=ManifestKind.PYPROJECT,
        declared=tuple(declared),
        files=(path.resolve(),),
    )


# --- lockfiles -------------------------------------------------------------------------------


def _entry_places(lines: Sequence[str], header: str, count: int, path: Path) -> list[Place]:
    """The place of each `[[header]]` entry: its `name =` to its `version =` line."""
    pattern = re.compile(r"^\s*\[\[\s*" + re.escape(header) + r"\s*\]\]\s*(#.*)?$")
    starts = [i for i, line in enumerate(lines) if pattern.match(line)]
    places: list[Place] = []
    for k, start in enumerate(starts):
        stop = starts[k + 1] if k + 1 < len(starts) else len(lines)
        name_line = version_line = None
        for i in range(start + 1, stop):
            stripped = lines[i].lstrip()
            if stripped.startswith("["):
                break  # a sub-table: the entry's own keys are above it
            if name_line is None and re.match(r"name\s*=", stripped):
                name_line = i + 1
            elif version_line is None and re.match(r"version\s*=", stripped):
                version_line = i + 1
        first = name_line or start + 1
        places.append(Place(path, first, max(first, version_line or first)))
    if len(places) != count:
        return [Place(path) for _ in range(count)]
    return places


def _packages(data: Mapping[str, Any], key: str, where: str) -> list[Mapping[str, Any]]:
    packages = data.get(key, [])
    if not isinstance(packages, list) or not all(isinstance(p, Mapping) for p in packages):
        raise ManifestError(f"{where}: [[{key}]] must be an array of tables")
    return packages


def _require_str(entry: Mapping[str, Any], key: str, where: str, index: int, place: Place) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value:
        at = f"{where}:{place.line}" if place.line else where
        raise ManifestError(f"{at}: package entry #{index + 1} has no {key}")
    return value


def _file_url(base: Path, relative: str) -> str:
    return (base / relative).resolve().as_uri()


def _check_version(version: str, where: str, place: Place) -> None:
    from clearance.scan.deps.ranges import parse_version

    if parse_version(version) is None:
        at = f"{where}:{place.line}" if place.line else where
        raise ManifestError(f"{at}: {version!r} is not a PEP 440 version")


def parse_uv_lock(path: Path, root: Path) -> Manifest:
    """uv's universal lockfile: every `[[package]]`, whatever its markers."""
    data, lines = _load_toml(path, root)
    where = _rel(path, root)
    if "version" not in data:
        raise ManifestError(f"{where}:1: not a uv lockfile (no top-level version)")
    packages = _packages(data, "package", where)
    places = _entry_places(lines, "package", len(packages), path.resolve())
    declared: list[Declared] = []
    for index, (entry, place) in enumerate(zip(packages, places, strict=True)):
        raw_name = _require_str(entry, "name", where, index, place)
        name = canonicalize_name(raw_name)
        source = entry.get("source", {})
        source = source if isinstance(source, Mapping) else {}
        version = entry.get("version")
        if "editable" in source or "virtual" in source:
            declared.append(Declared(name, None, name, place, project_itself=True))
            continue
        reference = None
        if "git" in source:
            reference = "git+" + str(source["git"])
        elif "url" in source:
            reference = str(source["url"])
        elif "path" in source or "directory" in source:
            reference = _file_url(path.parent, str(source.get("path") or source.get("directory")))
        if reference is not None:
            declared.append(Declared(name, None, f"{raw_name} @ {reference}", place, direct=True))
            continue
        if not isinstance(version, str) or not version:
            raise ManifestError(
                f"{where}:{place.line}: package {raw_name} from a registry has no version"
            )
        _check_version(version, where, place)
        declared.append(Declared(name, version, f"{raw_name}=={version}", place))
    return Manifest(
        path=path.resolve(),
        kind=ManifestKind.UV_LOCK,
        declared=tuple(declared),
        files=(path.resolve(),),
    )


def parse_poetry_lock(path: Path, root: Path) -> Manifest:
    """Poetry's lockfile: every `[[package]]` of every group."""
    data, lines = _load_toml(path, root)
    where = _rel(path, root)
    if not isinstance(data.get("metadata"), Mapping):
        raise ManifestError(f"{where}:1: not a poetry lockfile (no [metadata] table)")
    packages = _packages(data, "package", where)
    places = _entry_places(lines, "package", len(packages), path.resolve())
    declared: list[Declared] = []
    for index, (entry, place) in enumerate(zip(packages, places, strict=True)):
        raw_name = _require_str(entry, "name", where, index, place)
        version = _require_str(entry, "version", where, index, place)
        name = canonicalize_name(raw_name)
        source = entry.get("source", {})
        kind = source.get("type") if isinstance(source, Mapping) else None
        if kind in (None, "legacy", ""):
            _check_version(version, where, place)
            declared.append(Declared(name, version, f"{raw_name}=={version}", place))
            continue
        url = str(source.get("url", ""))
        if kind == "git":
            ref = source.get("resolved_reference") or source.get("reference")
            reference = f"git+{url}@{ref}" if ref else f"git+{url}"
        elif kind in ("directory", "file"):
            reference = _file_url(path.parent, url)
        else:
            reference = url
        declared.append(Declared(name, None, f"{raw_name} @ {reference}", place, direct=True))
    return Manifest(
        path=path.resolve(),
        kind=ManifestKind.POETRY_LOCK,
        declared=tuple(declared),
        files=(path.resolve(),),
    )


def parse_pylock(path: Path, root: Path) -> Manifest:
    """PEP 751 `pylock.toml`: every `[[packages]]` (pip-audit reads the file itself)."""
    data, lines = _load_toml(path, root)
    where = _rel(path, root)
    if not isinstance(data.get("lock-version"), str):
        raise ManifestError(f"{where}:1: not a PEP 751 lockfile (no lock-version)")
    packages = _packages(data, "packages", where)
    places = _entry_places(lines, "packages", len(packages), path.resolve())
    declared: list[Declared] = []
    for index, (entry, place) in enumerate(zip(packages, places, strict=True)):
        raw_name = _require_str(entry, "name", where, index, place)
        name = canonicalize_name(raw_name)
        version = entry.get("version")
        directory = entry.get("directory")
        if isinstance(directory, Mapping) and (
            path.parent / str(directory.get("path", ""))
        ).resolve() == (path.parent.resolve()):
            declared.append(Declared(name, None, name, place, project_itself=True))
            continue
        if isinstance(version, str) and version:
            _check_version(version, where, place)
            declared.append(Declared(name, version, f"{raw_name}=={version}", place))
        else:
            declared.append(Declared(name, None, raw_name, place, direct=True))
    return Manifest(
        path=path.resolve(),
        kind=ManifestKind.PYLOCK,
        declared=tuple(declared),
        files=(path.resolve(),),
    )


PARSERS = {
    ManifestKind.REQUIREMENTS: parse_requirements,
    ManifestKind.PYPROJECT: parse_pyproject,
    ManifestKind.UV_LOCK: parse_uv_lock,
    ManifestKind.POETRY_LOCK: parse_poetry_lock,
    ManifestKind.PYLOCK: parse_pylock,
}


def parse_manifest(path: Path, kind: ManifestKind, root: Path) -> Manifest:
    return PARSERS[kind](path, root)
