"""The edge shared by the gate commands: options, the Prometheus client, and the output.

The decision goes to stdout (or `--output`) in the chosen format, and as JSON to
`--decision-file`; inside GitHub Actions the step outputs `outcome` (pass, fail or hold),
`reason` and `decision-file` and the job summary are written through `clearance.gha`.
The exit code is the decision's: 0 pass, 1 fail, 4 hold.
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
from pathlib import Path
from typing import Any

from clearance.commands import Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.scanning import add_common_options, repository_root, settings_for
from clearance.errors import ConfigError
from clearance.gates.decision import GateDecision, GateKind, parse_instant
from clearance.gates.metrics import parse_duration
from clearance.gates.render import DecisionFormat, render, render_json, render_markdown
from clearance.gates.settings import gate_table, merged

TOKEN_VARIABLE = "CLEARANCE_PROMETHEUS_TOKEN"  # noqa: S105 - the variable's name, not a token


def instant(text: str) -> dt.datetime:
    try:
        return parse_instant(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def duration(text: str) -> str:
    """A PromQL duration, checked here and passed on as the configuration spells it."""
    try:
        parse_duration(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    return text.strip()


def add_gate_options(parser: argparse.ArgumentParser, kind: GateKind) -> None:
    parser.add_argument(
        "name",
        nargs="?",
        metavar="NAME",
        help=f"a {kind.value} gate of the configuration: [tool.clearance.gates.NAME] "
        "(options override its keys; without NAME, options alone define the gate)",
    )
    add_common_options(parser)
    where = parser.add_argument_group("prometheus and time")
    where.add_argument(
        "--prometheus-url",
        metavar="URL",
        help="base URL of the Prometheus HTTP API, e.g. http://prometheus:9090 "
        f"(a bearer token, if needed, is read from ${TOKEN_VARIABLE})",
    )
    where.add_argument(
        "--timeout", type=float, metavar="SECONDS", help="seconds per query (default 10)"
    )
    where.add_argument(
        "--at",
        type=instant,
        metavar="TIME",
        help="judge at this instant: RFC 3339 (2024-03-01T12:00:00Z) or unix seconds "
        "(default: now); replays a past decision",
    )
    where.add_argument(
        "--environment",
        metavar="NAME",
        help="fills $environment in the queries and the URL (e.g. production)",
    )
    out = parser.add_argument_group("reporting")
    out.add_argument(
        "--format",
        type=choice_of(DecisionFormat),
        default=DecisionFormat.TEXT,
        metavar=metavar_of(DecisionFormat),
        help="the decision on stdout or --output (default: text)",
    )
    out.add_argument("--output", "-o", type=Path, metavar="FILE", help="write the decision to FILE")
    out.add_argument(
        "--decision-file",
        type=Path,
        metavar="FILE",
        help="also write the decision as JSON to FILE (in Actions: default a file under "
        "$RUNNER_TEMP, named by the decision-file output)",
    )
    out.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the decision to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


def gate_document(
    args: argparse.Namespace, context: Context, kind: GateKind, overrides: dict[str, Any]
) -> tuple[str, dict[str, Any], str]:
    """(name, merged table, where) from the configuration's gate NAME and the options."""
    common = {"prometheus-url": args.prometheus_url, "timeout": args.timeout}
    name: str | None = args.name
    if name is None:
        where = "the command-line options"
        return f"{kind.value}-gate", merged({}, {**common, **overrides}, kind, where), where
    settings = settings_for(args, context, repository_root(args, context))
    if settings.source is None:
        raise ConfigError(
            f"gate {name!r}: no configuration file found (clearance.toml, or [tool.clearance] "
            "of pyproject.toml): pass --config FILE, or define the gate with options alone"
        )
    table = gate_table(settings, name, kind)
    where = f"{settings.where} (gates.{name}, with the command-line options)"
    return name, merged(table, {**common, **overrides}, kind, where), where


def variables(args: argparse.Namespace) -> dict[str, str]:
    return {"environment": args.environment} if args.environment else {}


def token(context: Context) -> str | None:
    """The Prometheus bearer token from the environment, registered for redaction."""
    value = context.env.get(TOKEN_VARIABLE) or None
    if value:
        # Never printed by clearance; registered so that no echo of it could leak either.
        context.redactor.register(value)
    return value


def at_of(args: argparse.Namespace, context: Context) -> dt.datetime:
    at: dt.datetime | None = args.at
    return at if at is not None else context.now()


def emit_decision(decision: GateDecision, args: argparse.Namespace, context: Context) -> int:
    """Write the decision everywhere it was asked for; return its exit code."""
    scrub = context.redactor.scrub
    text = scrub(render(decision, args.format))
    if args.output is not None:
        _write(_absolute(args.output, context), text)
    else:
        context.stdout.write(text)
        context.stdout.flush()
    runner = context.runner
    decision_file: Path | None = args.decision_file
    if decision_file is None and runner.active and context.env.get("RUNNER_TEMP"):
        folder = Path(tempfile.mkdtemp(prefix="clearance-gate-", dir=context.env["RUNNER_TEMP"]))
        decision_file = folder / "decision.json"
    if decision_file is not None:
        decision_file = _absolute(decision_file, context)
        _write(decision_file, scrub(render_json(decision)))
    if runner.active:
        runner.set_output("outcome", decision.status.value)
        runner.set_output("reason", scrub(decision.reason))
        runner.set_output("decision-file", str(decision_file) if decision_file else "")
        if args.summary:
            runner.append_summary(scrub(render_markdown(decision)))
    if args.output is not None or args.format is not DecisionFormat.TEXT:
        context.say(scrub(f"clearance: gate {decision.line()}"))
    return int(decision.exit_code)


def _absolute(path: Path, context: Context) -> Path:
    return path if path.is_absolute() else context.cwd / path


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)
