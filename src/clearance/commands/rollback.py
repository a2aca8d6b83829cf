"""`clearance rollback`: restore the last good digest of an environment."""

from __future__ import annotations

import argparse

from clearance.commands import Command, Context
from clearance.commands.releasing import (
    add_ledger_options,
    add_output_options,
    add_root_options,
    decision_markdown,
    deployment_markdown,
    deployment_outputs,
    open_ledger,
    release_context,
    render_deployment,
    run_metadata,
    say_decision,
    workspace,
    write_data,
    write_outputs,
    write_summary,
)
from clearance.errors import ExitCode, GateClosed, UsageError
from clearance.release.digests import parse_digest
from clearance.release.environments import policy_for
from clearance.release.rollback import rollback

DESCRIPTION = """\
Roll an environment back: choose the newest successful deployment before the current one
(with another digest) whose evidence still passes the environment's policy, or the digest
given with --to, and record it as a rollback (task deploy:rollback). Prints and outputs its
deployment id, digest and metadata for your own deploy step, which then reports with
'clearance deploy finish'. Soak and freeze windows do not apply to rollbacks. A replaced
deployment still in progress is marked failed.

examples:
  clearance rollback --environment production
  clearance rollback --environment production --to sha256:<64 hex> --format json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--environment", "-e", required=True, metavar="NAME", help="the environment to roll back"
    )
    parser.add_argument(
        "--to", metavar="DIGEST", help="restore this digest (default: the last good one)"
    )
    parser.add_argument("--description", default="", metavar="TEXT", help="a short description")
    add_root_options(parser)
    add_ledger_options(parser)
    add_output_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    to = None
    if args.to:
        try:
            to = str(parse_digest(args.to))
        except ValueError as exc:
            raise UsageError(f"--to: {exc}") from None
    environment = args.environment.strip()
    space = workspace(args, context)
    policy = policy_for(space.settings, environment)
    metadata = run_metadata(args, context)
    with open_ledger(args, context, space.root) as (ledger, changes):
        result = rollback(
            release_context(context, ledger, changes, space),
            policy=policy,
            metadata=metadata,
            to=to,
            description=args.description,
        )
    title = f"Rollback of {environment}"
    if result.decision.results:
        context.say(f"clearance: {title}:")
        say_decision(result.decision, context)
    summary = decision_markdown(title, result.decision) if result.decision.results else ""
    if result.deployment is None:
        write_summary(summary, args, context)
        write_outputs({"outcome": "fail", "deployment-id": ""}, context)
        raise GateClosed(f"rollback of {environment} refused (see above)")
    deployment = result.deployment
    if result.lost_to is not None:
        write_summary(summary, args, context)
        raise GateClosed(
            f"another deployment to {environment} ({result.lost_to.id}) was recorded at the same "
            f"time and won; {deployment.id} is marked error"
        )
    extra = {
        "rollback-of": deployment.rollback_of or "",
        "reused": str(result.reused).lower(),
        "outcome": "pass",
    }
    write_data(
        render_deployment(args.format, deployment, metadata, rollback_of=deployment.rollback_of),
        args,
        context,
    )
    write_outputs(deployment_outputs(deployment, metadata, **extra), context)
    write_summary(
        summary + deployment_markdown(f"Rollback of {environment} recorded", deployment),
        args,
        context,
    )
    verb = "resumed" if result.reused else "recorded"
    context.say(
        f"clearance: {verb} rollback {deployment.id}: {environment} back to {deployment.digest[:19]}"
    )
    return int(ExitCode.OK)


COMMAND = Command(
    words=("rollback",),
    summary="roll an environment back to its last good digest",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
