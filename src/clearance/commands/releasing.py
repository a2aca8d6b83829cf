"""The edge shared by the release commands: metadata options, choosing and opening the
ledger, writing data, step outputs and the job summary."""

from __future__ import annotations

import argparse
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from clearance.commands import Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.scanning import repository_root, settings_for
from clearance.config import Settings
from clearance.errors import UsageError
from clearance.release import metadata as md
from clearance.release.changes import (
    ChangeSource,
    FirstAnswer,
    GitChanges,
    WithPullRequestStarts,
)
from clearance.release.digests import Digest, file_digest, parse_digest
from clearance.release.gates import Decision, GateSet, Verdict, default_evidence_gates
from clearance.release.ledger.interface import Ledger
from clearance.release.ledger.sqlite import DEFAULT_PATH, SqliteLedger
from clearance.release.recording import ReleaseContext
from clearance.release.records import Deployment, format_time

TOKEN_VARIABLES = ("GITHUB_TOKEN", "GH_TOKEN")


class OutputFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    ENV = "env"


# ---------------------------------------------------------------- options


def add_root_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--root",
        type=Path,
        metavar="DIR",
        help="repository root (default: the git work tree of the current directory)",
    )
    parser.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (default: clearance.toml, else [tool.clearance] of pyproject.toml)",
    )


def add_metadata_options(parser: argparse.ArgumentParser, *, with_environment: bool = True) -> None:
    group = parser.add_argument_group("metadata")
    group.add_argument(
        "--artifact",
        action="append",
        type=Path,
        default=[],
        metavar="FILE",
        help="an artifact whose sha256 is its digest (repeatable)",
    )
    group.add_argument(
        "--digest",
        action="append",
        default=[],
        metavar="[NAME=]DIGEST",
        help="an artifact digest given as text, e.g. an OCI image digest sha256:... (repeatable)",
    )
    if with_environment:
        group.add_argument("--environment", metavar="NAME", help="the environment deployed to")
    group.add_argument(
        "--commit", metavar="SHA", help="the commit (default: GITHUB_SHA, else git HEAD)"
    )
    group.add_argument("--ref", metavar="REF", help="the ref (default: GITHUB_REF, else git's)")
    group.add_argument(
        "--version",
        dest="artifact_version",
        metavar="VERSION",
        help="the version (default: the tag, else 'git describe --tags --always')",
    )
    group.add_argument(
        "--service", metavar="NAME", help="service name for OpenTelemetry (service.name)"
    )
    add_root_options(parser)


def add_ledger_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("ledger")
    group.add_argument(
        "--ledger",
        metavar="github|sqlite|PATH",
        help="where deployments are recorded: github (GitHub Deployments of the repository), "
        "sqlite (.clearance/ledger.db in the root) or the path of a SQLite ledger "
        "(default: github inside Actions with GITHUB_TOKEN set, else sqlite)",
    )
    group.add_argument(
        "--repository",
        metavar="OWNER/NAME",
        help="repository of the github ledger (default: GITHUB_REPOSITORY, else git's origin)",
    )


def add_output_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("output")
    group.add_argument(
        "--format",
        type=choice_of(OutputFormat),
        default=OutputFormat.TEXT,
        metavar=metavar_of(OutputFormat),
        help="stdout format (default: text; env prints DEPLOY_ID=... lines)",
    )
    group.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write to FILE instead of stdout"
    )
    group.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the job summary to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


# ---------------------------------------------------------------- metadata


def _artifacts(args: argparse.Namespace, context: Context) -> list[md.Artifact]:
    found: list[md.Artifact] = []
    for path in args.artifact:
        full = path if path.is_absolute() else context.cwd / path
        if not full.is_file():
            raise UsageError(f"--artifact {path}: no such file")
        found.append(md.Artifact(path.name, file_digest(full)))
    for text in args.digest:
        name, _, value = text.rpartition("=") if "=" in text else ("", "", text)
        try:
            digest = parse_digest(value)
        except ValueError as exc:
            raise UsageError(f"--digest: {exc}") from None
        found.append(md.Artifact(name or "artifact", digest))
    return found


def collect_metadata(
    args: argparse.Namespace, context: Context, *, environment: str | None = None
) -> md.Metadata:
    root = repository_root(args, context)
    return md.collect(
        context.env,
        root,
        context.now(),
        artifacts=_artifacts(args, context),
        environment=environment if environment is not None else getattr(args, "environment", None),
        commit=args.commit,
        ref=args.ref,
        version=args.artifact_version,
        service=args.service,
    )


def run_metadata(args: argparse.Namespace, context: Context) -> md.Metadata:
    """This run's metadata for a step that reports on an earlier deployment (no artifact)."""
    return md.collect(context.env, repository_root(args, context), context.now(), need_commit=False)


def one_digest(metadata: md.Metadata) -> Digest:
    if not metadata.artifacts:
        raise UsageError("no artifact digest: pass --digest sha256:... or --artifact FILE")
    digests = {a.digest for a in metadata.artifacts}
    if len(digests) > 1:
        raise UsageError(
            "a deployment is keyed by one digest: pass one --digest or --artifact "
            "(for several artifacts, deploy the digest of their manifest)"
        )
    return metadata.artifacts[0].digest


def deployment_metadata(deployment: Deployment, run: md.Metadata) -> md.Metadata:
    """The metadata a deploy step needs, from a deployment record and this run."""
    return md.Metadata(
        commit=deployment.commit,
        time=run.time,
        artifacts=(md.Artifact("artifact", parse_digest(deployment.digest)),),
        ref=deployment.ref,
        repository=deployment.repository or run.repository,
        repository_url=run.repository_url,
        run_id=run.run_id,
        run_attempt=run.run_attempt,
        run_url=run.run_url,
        workflow=run.workflow,
        actor=run.actor,
        version=deployment.version,
        environment=deployment.environment,
        deployment_id=deployment.id,
        service=run.service,
    )


# ---------------------------------------------------------------- ledger


@dataclass(frozen=True)
class Workspace:
    root: Path
    settings: Settings


def workspace(args: argparse.Namespace, context: Context) -> Workspace:
    root = repository_root(args, context)
    return Workspace(root, settings_for(args, context, root))


def _token(context: Context) -> str | None:
    for name in TOKEN_VARIABLES:
        value = context.env.get(name)
        if value:
            context.redactor.register(value)
            return value
    return None


SQLITE_SUFFIXES = (".db", ".sqlite", ".sqlite3")


def ledger_kind(args: argparse.Namespace, context: Context) -> str:
    """`github`, `sqlite`, or `sqlite:PATH`."""
    choice = (args.ledger or "").strip()
    if not choice:
        return "github" if context.runner.active and _token(context) else "sqlite"
    if choice in ("github", "sqlite") or choice.startswith("sqlite:"):
        return choice
    if "/" in choice or choice.endswith(SQLITE_SUFFIXES):
        return f"sqlite:{choice}"
    raise UsageError(
        f"--ledger {choice!r}: expected github, sqlite, or the path of a SQLite ledger "
        "(ending .db, or containing a /)"
    )


BULK_WRITE_SPACING_SECONDS = 1.0


@contextmanager
def open_ledger(
    args: argparse.Namespace, context: Context, root: Path, *, bulk: bool = False
) -> Iterator[tuple[Ledger, ChangeSource]]:
    """The ledger named by --ledger (or the default), with the change sources that go with it.

    `bulk`: many writes follow (an import): space them as GitHub asks of bulk writers."""
    kind = ledger_kind(args, context)
    git_changes = GitChanges(root)
    if kind == "github":
        from clearance.release.ledger.github import open_github_ledger

        github = open_github_ledger(
            env=context.env,
            token=_token(context),
            repository=args.repository,
            root=root,
            seconds_between_writes=BULK_WRITE_SPACING_SECONDS if bulk else None,
        )
        try:
            sources = FirstAnswer((git_changes, github.change_source()))
            yield github, WithPullRequestStarts(sources, github.pull_request_starts())
        finally:
            github.close()
        return
    path = DEFAULT_PATH if kind == "sqlite" else Path(kind.removeprefix("sqlite:"))
    if not path.is_absolute():
        path = (root if kind == "sqlite" else context.cwd) / path
    sqlite = SqliteLedger(path)
    try:
        yield sqlite, git_changes
    finally:
        sqlite.close()


def release_context(
    context: Context, ledger: Ledger, changes: ChangeSource, space: Workspace | None = None
) -> ReleaseContext:
    """The operations' dependencies; with a workspace, the gates its configuration enables
    (verification when [tool.clearance.verify] is set, the measured gates of
    [tool.clearance.gates] by name)."""
    gates = GateSet()
    if space is not None:
        from clearance.commands.gating import token as prometheus_token
        from clearance.release.measured import measured_gates
        from clearance.release.verification import verification_gate

        gates = GateSet(
            evidence=default_evidence_gates(
                verification=verification_gate(space.settings, space.root)
            ),
            available=measured_gates(space.settings, prometheus_token(context)),
        )
    return ReleaseContext(ledger=ledger, now=context.now, changes=changes, gates=gates)


# ---------------------------------------------------------------- writing


def write_data(text: str, args: argparse.Namespace, context: Context) -> None:
    scrubbed = context.redactor.scrub(text)
    output = getattr(args, "output", None)
    if output is not None:
        path = Path(output)
        path = path if path.is_absolute() else context.cwd / path
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.tmp")
        tmp.write_text(scrubbed, encoding="utf-8")
        tmp.replace(path)
        return
    context.stdout.write(scrubbed)
    context.stdout.flush()


def write_outputs(values: Mapping[str, str], context: Context) -> None:
    runner = context.runner
    if not runner.active:
        return
    for name, value in values.items():
        runner.set_output(name, context.redactor.scrub(value))


def write_summary(markdown: str, args: argparse.Namespace, context: Context) -> None:
    if getattr(args, "summary", True) and context.runner.active:
        context.runner.append_summary(context.redactor.scrub(markdown))


def deployment_document(
    deployment: Deployment, run: md.Metadata, **extra: object
) -> dict[str, object]:
    meta = md.to_json(deployment_metadata(deployment, run))
    return {
        "deployment_id": deployment.id,
        "environment": deployment.environment,
        "digest": deployment.digest,
        "commit": deployment.commit,
        "task": deployment.task.value,
        "state": deployment.state.value if deployment.state else None,
        **extra,
        "metadata": meta,
    }


def render_deployment(
    fmt: OutputFormat, deployment: Deployment, run: md.Metadata, **extra: object
) -> str:
    document = deployment_document(deployment, run, **extra)
    if fmt is OutputFormat.JSON:
        return json.dumps(document, indent=2) + "\n"
    meta = deployment_metadata(deployment, run)
    if fmt is OutputFormat.ENV:
        pairs = [("DEPLOY_ID", deployment.id), *md.env_variables(meta)]
        return "".join(f"{k}={v}\n" for k, v in pairs)
    rows = [(k, v) for k, v in document.items() if k != "metadata" and v not in (None, "")]
    rows += [("version", meta.version), ("run", meta.run_url)]
    width = max(len(k) for k, _ in rows)
    return "".join(
        f"{k.replace('_', '-').ljust(width)}  {v}\n" for k, v in rows if v not in (None, "")
    )


def deployment_outputs(deployment: Deployment, run: md.Metadata, **extra: str) -> dict[str, str]:
    meta = deployment_metadata(deployment, run)
    values = md.outputs(meta)
    values.update(
        {
            "deployment-id": deployment.id,
            "environment": deployment.environment,
            "digest": deployment.digest,
            "commit": deployment.commit,
            "state": deployment.state.value if deployment.state else "",
            **extra,
        }
    )
    return values


_MARK = {
    Verdict.PASS: "pass",
    Verdict.FAIL: "FAIL",
    Verdict.HOLD: "HOLD",
    Verdict.NOT_CONFIGURED: "-",
}


def say_decision(decision: Decision, context: Context) -> None:
    """Every gate on stderr, one line each."""
    for result in decision.results:
        context.say(f"  {_MARK[result.verdict]:>4}  {result.gate}: {result.reason}")


def decision_markdown(title: str, decision: Decision) -> str:
    icon = {Verdict.PASS: "✅", Verdict.FAIL: "❌", Verdict.HOLD: "⏸️", Verdict.NOT_CONFIGURED: "·"}
    lines = [f"### {title}", "", "| | gate | verdict | reason |", "|---|---|---|---|"]
    for r in decision.results:
        reason = r.reason.replace("|", "\\|")
        lines.append(f"| {icon[r.verdict]} | {r.gate} | {r.verdict.value} | {reason} |")
    return "\n".join(lines) + "\n\n"


def deployment_markdown(title: str, deployment: Deployment) -> str:
    rows = [
        ("deployment", f"`{deployment.id}`"),
        ("environment", deployment.environment),
        ("digest", f"`{deployment.digest}`"),
        ("commit", f"`{deployment.commit}`"),
        ("version", deployment.version or ""),
        ("task", deployment.task.value),
        ("state", deployment.state.value if deployment.state else "recorded"),
        ("changes", "unknown" if deployment.changes is None else str(len(deployment.changes))),
        ("created", format_time(deployment.created_at)),
    ]
    body = "\n".join(f"| {k} | {v} |" for k, v in rows if v)
    return f"### {title}\n\n| | |\n|---|---|\n{body}\n\n"


def environments_of(values: Sequence[str] | None) -> list[str] | None:
    return list(dict.fromkeys(values)) if values else None
