"""Stand-ins for the GitHub-hosted actions our workflows use, for runs under act.

`actions/upload-artifact`, `actions/download-artifact` and `github/codeql-action/upload-sarif`
talk to GitHub's services, which do not exist offline. The composite actions beside this file
keep their inputs and outputs and call this script, which keeps the state in a per-run folder
(`$STANDIN_RUN_DIR`, set by the e2e harness) shared by every job of the run:

    $STANDIN_RUN_DIR/artifacts/<name>.zip + <name>.json   one artifact (zip, metadata)
    $STANDIN_RUN_DIR/code-scanning/<sarif-id>/            one SARIF upload (file, metadata)

The SARIF stand-in validates what it receives with the SARIF multitool and GitHub's ingestion
rules (`$STANDIN_SARIF_MULTITOOL`), and fails the step on any error, as code scanning would
reject the upload.

Run as `python3 standin.py upload-artifact|download-artifact|upload-sarif`; inputs arrive as
`INPUT_<NAME>` variables (the action's `env:`), outputs go to `$GITHUB_OUTPUT`. Standard library
only: it runs on the runner's interpreter.
"""

from __future__ import annotations

import fnmatch
import glob
import hashlib
import json
import os
import re
import subprocess
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Iterable
from pathlib import Path, PurePosixPath

DEFAULT_RETENTION_DAYS = 90
INVALID_NAME_CHARACTERS = '":<>|*?\r\n\\/'
MULTITOOL_TIMEOUT_SECONDS = 120
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


class StepError(Exception):
    """Fails the step with `::error::message`, as the real action does."""


# ---------------------------------------------------------------- runner plumbing


def _input(name: str, default: str = "") -> str:
    value = os.environ.get("INPUT_" + name.upper().replace("-", "_"), "")
    return value.strip() if value.strip() else default


def _bool_input(name: str, default: bool) -> bool:
    raw = _input(name, "true" if default else "false").lower()
    if raw not in ("true", "false"):
        raise StepError(
            f'Input does not meet YAML 1.2 "Core Schema" specification: {name}\n'
            "Support boolean input list: `true | True | TRUE | false | False | FALSE`"
        )
    return raw == "true"


def _set_output(name: str, value: str) -> None:
    path = os.environ.get("GITHUB_OUTPUT")
    if path:
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"{name}={value}\n")


def _escape(message: str) -> str:
    return message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _annotate(level: str, message: str) -> None:
    print(f"::{level}::{_escape(message)}", flush=True)


def _run_dir() -> Path:
    raw = os.environ.get("STANDIN_RUN_DIR", "")
    if not raw:
        raise StepError("STANDIN_RUN_DIR is not set: these stand-ins run under the e2e harness")
    path = Path(raw)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _workspace() -> Path:
    return Path(os.environ.get("GITHUB_WORKSPACE") or os.getcwd())


def _resolve(raw: str) -> Path:
    path = Path(os.path.expanduser(raw))
    return path if path.is_absolute() else _workspace() / path


# ---------------------------------------------------------------- upload-artifact


def _has_glob(part: str) -> bool:
    return any(c in part for c in "*?[")


def _search_root(pattern: str) -> Path:
    """The part of a pattern before its first wildcard segment (@actions/glob's search path)."""
    kept: list[str] = []
    for part in _resolve(pattern).parts:
        if _has_glob(part):
            break
        kept.append(part)
    return Path(*kept)


def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as @actions/glob reads it: `**` spans folders, `*` and `?` stay inside one."""
    out: list[str] = []
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        elif pattern[i] == "[" and "]" in pattern[i + 1 :]:
            end = pattern.index("]", i + 1)
            body = pattern[i + 1 : end]
            out.append("[" + ("^" + body[1:] if body.startswith("!") else body) + "]")
            i = end + 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


def _expand(pattern: str) -> list[Path]:
    """Files matched by one pattern: a file, every file under a directory, or a glob."""
    path = _resolve(pattern)
    if not _has_glob(str(path)):
        if path.is_file():
            return [path]
        if path.is_dir():
            return sorted(p for p in path.rglob("*") if p.is_file())
        return []
    found: list[Path] = []
    for match in sorted(glob.glob(str(path), recursive=True, include_hidden=True)):
        candidate = Path(match)
        if candidate.is_file():
            found.append(candidate)
        elif candidate.is_dir():
            found.extend(sorted(p for p in candidate.rglob("*") if p.is_file()))
    return found


def _is_hidden(path: Path, root: Path) -> bool:
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = path
    return any(part.startswith(".") for part in relative.parts)


def _common_root(search_roots: list[Path]) -> Path:
    """The least common ancestor of the search paths; a single file's folder."""
    if len(search_roots) == 1:
        only = search_roots[0]
        return only.parent if only.is_file() else only
    return Path(os.path.commonpath([str(p) for p in search_roots]))


def collect_files(path_input: str, include_hidden: bool) -> tuple[Path, list[Path]]:
    """(root, files) for the `path` input: lines of files, folders, globs and `!` exclusions."""
    includes: list[str] = []
    excludes: list[str] = []
    for line in path_input.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("!"):
            excludes.append(str(_resolve(line[1:].strip())))
        else:
            includes.append(line)
    if not includes:
        raise StepError("Input required and not supplied: path")
    files: dict[Path, None] = {}
    search_roots: list[Path] = []
    for pattern in includes:
        search_roots.append(_search_root(pattern))
        for found in _expand(pattern):
            files.setdefault(found.resolve() if found.is_symlink() else found, None)
    excluded = [_glob_regex(pattern) for pattern in excludes]
    kept = [
        f
        for f in files
        if not any(rx.fullmatch(str(f)) for rx in excluded)
        and not any(str(f).startswith(pattern.rstrip("/") + "/") for pattern in excludes)
    ]
    root = _common_root(search_roots)
    if not include_hidden:
        kept = [f for f in kept if not _is_hidden(f, root)]
    return root, kept


def _check_name(name: str) -> None:
    bad = [c for c in INVALID_NAME_CHARACTERS if c in name]
    if bad:
        shown = ", ".join(repr(c) for c in bad)
        raise StepError(
            f"The artifact name is not valid: {name}. Contains the following character(s): {shown}"
        )


def _int_input(name: str, default: int, low: int, high: int) -> int:
    raw = _input(name, str(default))
    try:
        value = int(raw)
    except ValueError as exc:
        raise StepError(f"Invalid {name}: {raw!r} is not a number") from exc
    if not low <= value <= high:
        raise StepError(f"Invalid {name}: {value}. Valid values are {low}-{high}")
    return value


def _next_id(state: Path) -> int:
    """Artifact ids are unique in the run, also across jobs running at once."""
    ids = state / "ids"
    ids.mkdir(exist_ok=True)
    candidate = len(list(ids.iterdir())) + 1
    while True:
        try:
            fd = os.open(ids / str(candidate), os.O_CREAT | os.O_EXCL | os.O_WRONLY)
        except FileExistsError:
            candidate += 1
            continue
        os.close(fd)
        return candidate


def upload_artifact() -> None:
    name = _input("name", "artifact")
    _check_name(name)
    path_input = os.environ.get("INPUT_PATH", "")
    if not path_input.strip():
        raise StepError("Input required and not supplied: path")
    if_no_files = _input("if-no-files-found", "warn")
    if if_no_files not in ("warn", "error", "ignore"):
        raise StepError(
            f"Unrecognized if-no-files-found input. Provided: {if_no_files}. "
            "Available options: warn, error, ignore"
        )
    retention = _int_input("retention-days", 0, 0, 10_000)
    if retention == 0:
        retention = DEFAULT_RETENTION_DAYS
    elif retention > DEFAULT_RETENTION_DAYS:
        _annotate(
            "warning",
            f"Retention days cannot be greater than the maximum allowed retention set within the "
            f"repository. Using {DEFAULT_RETENTION_DAYS} instead.",
        )
        retention = DEFAULT_RETENTION_DAYS
    level = _int_input("compression-level", 6, 0, 9)
    overwrite = _bool_input("overwrite", False)
    include_hidden = _bool_input("include-hidden-files", False)
    archive = _bool_input("archive", True)

    root, files = collect_files(path_input, include_hidden)
    if not files:
        message = (
            f"No files were found with the provided path: {path_input.strip()}. "
            "No artifacts will be uploaded."
        )
        if if_no_files == "error":
            raise StepError(message)
        if if_no_files == "warn":
            _annotate("warning", message)
        else:
            print(message)
        return
    if not archive and len(files) != 1:
        raise StepError(
            f"archive: false uploads exactly one file, but the path matched {len(files)} files"
        )
    print(f"With the provided path, there will be {len(files)} file(s) uploaded")

    artifacts = _run_dir() / "artifacts"
    artifacts.mkdir(exist_ok=True)
    metadata_file = artifacts / f"{name}.json"
    if metadata_file.exists():
        if not overwrite:
            raise StepError(
                "Failed to CreateArtifact: Received non-retryable error: Failed request: (409) "
                "Conflict: an artifact with this name already exists on the workflow run"
            )
        print(f"Artifact '{name}' (ID: {json.loads(metadata_file.read_text())['id']}) deleted")
        metadata_file.unlink()

    fd, tmp_name = tempfile.mkstemp(dir=artifacts, suffix=".zip.tmp")
    os.close(fd)
    with zipfile.ZipFile(
        tmp_name, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=level
    ) as bundle:
        for file in files:
            relative = PurePosixPath(*file.relative_to(root).parts).as_posix()
            bundle.write(file, relative if archive else file.name)
    data = Path(tmp_name).read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    os.replace(tmp_name, artifacts / f"{name}.zip")
    state = _run_dir()
    artifact_id = _next_id(state)
    server = os.environ.get("GITHUB_SERVER_URL", "https://github.com")
    repository = os.environ.get("GITHUB_REPOSITORY", "owner/repo")
    run_id = os.environ.get("GITHUB_RUN_ID", "1")
    url = f"{server}/{repository}/actions/runs/{run_id}/artifacts/{artifact_id}"
    metadata = {
        "id": artifact_id,
        "name": name,
        "size": len(data),
        "digest": f"sha256:{digest}",
        "retention_days": retention,
        "archive": archive,
        "files": sorted(
            (file.name if not archive else file.relative_to(root).as_posix()) for file in files
        ),
        "created_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "job": os.environ.get("GITHUB_JOB", ""),
    }
    tmp_meta = metadata_file.with_suffix(".json.tmp")
    tmp_meta.write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    os.replace(tmp_meta, metadata_file)
    print(
        f"Artifact {name} has been successfully uploaded! Final size is {len(data)} bytes. "
        f"Artifact ID is {artifact_id}"
    )
    print(f"Artifact download URL: {url}")
    _set_output("artifact-id", str(artifact_id))
    _set_output("artifact-url", url)
    _set_output("artifact-digest", digest)


# ---------------------------------------------------------------- download-artifact


def _artifacts() -> list[dict[str, object]]:
    folder = _run_dir() / "artifacts"
    if not folder.is_dir():
        return []
    return [json.loads(p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.json"))]


def _extract(metadata: dict[str, object], destination: Path) -> None:
    name = str(metadata["name"])
    archive = _run_dir() / "artifacts" / f"{name}.zip"
    data = archive.read_bytes()
    if f"sha256:{hashlib.sha256(data).hexdigest()}" != metadata["digest"]:
        raise StepError(f"Artifact '{name}' digest validation failed: the download is corrupted")
    destination.mkdir(parents=True, exist_ok=True)
    base = destination.resolve()
    with zipfile.ZipFile(archive) as bundle:
        for member in bundle.infolist():
            target = (base / member.filename).resolve()
            if target != base and base not in target.parents:
                raise StepError(f"Artifact '{name}' holds a path outside it: {member.filename}")
            bundle.extract(member, base)
    print(f"Artifact download completed successfully: {name} -> {destination}")


def _matching(pattern: str, artifacts: Iterable[dict[str, object]]) -> list[dict[str, object]]:
    if not pattern:
        return list(artifacts)
    return [a for a in artifacts if fnmatch.fnmatchcase(str(a["name"]), pattern)]


def download_artifact() -> None:
    name = _input("name")
    ids_input = _input("artifact-ids")
    pattern = _input("pattern")
    merge = _bool_input("merge-multiple", False)
    run_id = _input("run-id")
    if run_id and run_id != os.environ.get("GITHUB_RUN_ID", ""):
        # Another run's artifacts (a workflow_run job reading the run that triggered it):
        # $STANDIN_RUNS/<run-id> is that run's STANDIN_RUN_DIR, made by the test.
        other = Path(os.environ.get("STANDIN_RUNS", "")) / run_id
        if not os.environ.get("STANDIN_RUNS") or not other.is_dir():
            raise StepError(
                f"the download-artifact stand-in knows no run {run_id} "
                "(give $STANDIN_RUNS/<run-id>, that run's STANDIN_RUN_DIR)"
            )
        os.environ["STANDIN_RUN_DIR"] = str(other)
    if name and ids_input:
        raise StepError(
            "Inputs 'name' and 'artifact-ids' cannot be used together. Please specify only one."
        )
    destination = _resolve(_input("path", str(_workspace())))
    known = _artifacts()
    if name:
        found = [a for a in known if a["name"] == name]
        if not found:
            raise StepError(
                f"Unable to download artifact(s): Artifact not found for name: {name}\n"
                "        Please ensure that your artifact is not expired and the artifact was "
                "uploaded using a compatible version of toolkit/upload-artifact.\n"
                "        For more information, visit the GitHub Artifacts FAQ: "
                "https://github.com/actions/toolkit/blob/main/packages/artifact/docs/faq.md"
            )
        _extract(found[0], destination)
    else:
        if ids_input:
            wanted = {int(part) for part in ids_input.replace(",", " ").split() if part}
            selected = [a for a in known if a["id"] in wanted]
            missing = wanted - {int(str(a["id"])) for a in selected}
            if missing:
                shown = ", ".join(map(str, sorted(missing)))
                raise StepError(f"Could not find the following artifact IDs: {shown}")
        else:
            selected = _matching(pattern, known)
        for artifact in selected:
            _extract(artifact, destination if merge else destination / str(artifact["name"]))
        print(f"Total of {len(selected)} artifact(s) downloaded")
    _set_output("download-path", str(destination))


# ---------------------------------------------------------------- upload-sarif


def _sarif_files(raw: str) -> list[Path]:
    path = _resolve(raw)
    if path.is_dir():
        found = sorted(p for p in path.rglob("*.sarif") if p.is_file())
        if not found:
            raise StepError(f'No SARIF files found to upload in "{path}".')
        return found
    if not path.exists():
        raise StepError(f"Path does not exist: {raw}")
    return [path]


def _validator_messages(log: dict[str, object]) -> list[str]:
    """The validator's error results as `ruleId: text (where)` lines."""
    lines: list[str] = []
    for run in log.get("runs", []) or []:
        rules = {
            rule.get("id"): rule
            for rule in run.get("tool", {}).get("driver", {}).get("rules", []) or []
        }
        for result in run.get("results", []) or []:
            if result.get("level", "warning") != "error":
                continue
            rule_id = result.get("ruleId", "?")
            message = result.get("message", {})
            text = message.get("text")
            if text is None:
                template = (
                    rules.get(rule_id, {}).get("messageStrings", {}).get(message.get("id", ""), {})
                ).get("text", message.get("id", ""))
                text = template
                for index, argument in enumerate(message.get("arguments", [])):
                    text = text.replace("{" + str(index) + "}", str(argument))
            lines.append(f"{rule_id}: {text}")
    return lines


def validate_sarif(path: Path) -> list[str]:
    """Errors found by the SARIF multitool with GitHub's ingestion rules (empty when valid)."""
    tool = os.environ.get("STANDIN_SARIF_MULTITOOL", "")
    if not tool or not Path(tool).is_file():
        raise StepError("STANDIN_SARIF_MULTITOOL does not name the SARIF multitool")
    with tempfile.TemporaryDirectory() as scratch:
        out = Path(scratch) / "validation.sarif"
        env = dict(os.environ, DOTNET_SYSTEM_GLOBALIZATION_INVARIANT="1")
        command = [tool, "validate", str(path), "--rule-kind", "Gh;Sarif", "-o", str(out)]
        completed = subprocess.run(
            [*command, "--log", "ForceOverwrite"],
            capture_output=True,
            text=True,
            env=env,
            timeout=MULTITOOL_TIMEOUT_SECONDS,
            check=False,
        )
        if not out.is_file():
            detail = completed.stderr.strip()[:300]
            raise StepError(f"the SARIF validator wrote no log ({completed.returncode}): {detail}")
        # The validator exits 0 even when it finds errors: its log is what counts.
        return _validator_messages(json.loads(out.read_text(encoding="utf-8-sig")))


def upload_sarif() -> None:
    raw = _input("sarif_file", "../results")
    category = _input("category")
    files = _sarif_files(raw)
    runs: list[dict[str, object]] = []
    problems: list[str] = []
    for file in files:
        problems.extend(f"{file.name}: {message}" for message in validate_sarif(file))
        document = json.loads(file.read_text(encoding="utf-8-sig"))
        if document.get("version") != "2.1.0":
            problems.append(f"{file.name}: SARIF version {document.get('version')!r} is not 2.1.0")
        runs.extend(document.get("runs", []))
    if problems:
        for problem in problems:
            _annotate("error", problem)
        raise StepError(
            f'Unable to upload "{raw}" as it is not valid SARIF: {len(problems)} error(s)'
        )
    seen: set[tuple[str, str]] = set()
    for run in runs:
        details = run.setdefault("automationDetails", {})
        if category and not details.get("id"):
            details["id"] = category if category.endswith("/") else category + "/"
        key = (str(run.get("tool", {}).get("driver", {}).get("name")), str(details.get("id", "")))
        if key in seen:
            raise StepError(
                "Refusing to upload: multiple SARIF runs with the same tool and category "
                f"({key[0]!r}, category {key[1]!r})"
            )
        seen.add(key)
    sarif_id = str(uuid.uuid4())
    folder = _run_dir() / "code-scanning" / sarif_id
    folder.mkdir(parents=True)
    combined = {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": runs}
    (folder / "results.sarif").write_text(json.dumps(combined, indent=2), encoding="utf-8")
    metadata = {
        "sarif_id": sarif_id,
        "category": category,
        "ref": _input("ref", os.environ.get("GITHUB_REF", "")),
        "sha": _input("sha", os.environ.get("GITHUB_SHA", "")),
        "files": [str(f) for f in files],
        "results": sum(len(run.get("results", []) or []) for run in runs),
        "job": os.environ.get("GITHUB_JOB", ""),
    }
    (folder / "upload.json").write_text(json.dumps(metadata, indent=2), encoding="utf-8")
    print(f"Uploaded {len(files)} SARIF file(s), {metadata['results']} result(s): {sarif_id}")
    _set_output("sarif-id", sarif_id)


COMMANDS = {
    "upload-artifact": upload_artifact,
    "download-artifact": download_artifact,
    "upload-sarif": upload_sarif,
}


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in COMMANDS:
        print(f"usage: standin.py {{{','.join(COMMANDS)}}}", file=sys.stderr)
        return 2
    try:
        COMMANDS[argv[0]]()
    except StepError as error:
        _annotate("error", str(error))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
