"""`clearance deploy finish`: record how a deployment ended."""

from __future__ import annotations

import argparse
from enum import StrEnum

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.releasing import (
    add_ledger_options,
    add_output_options,
    add_root_options,
    deployment_markdown,
    deployment_outputs,
    open_ledger,
    release_context,
    render_deployment,
    run_metadata,
    workspace,
    write_data,
    write_outputs,
    write_summary,
)
from clearance.errors import ExitCode, UsageError
from clearance.release.deploy import finish
from clearance.release.ids import is_ulid
from clearance.release.records import State


class FinalStatus(StrEnum):
    SUCCESS = "success"
    FAILURE = "failure"
    ERROR = "error"


DESCRIPTION = """\
Record the final status of a deployment started with 'clearance deploy start', 'clearance
promote' or 'clearance rollback'. Finishing a deployment twice with the same status does
nothing; a later different status (a smoke test failed after success) is recorded.

examples:
  clearance deploy finish --deployment-id 01J... --status success --environment-url https://staging.example.com
  clearance deploy finish --deployment-id "$ID" --status failure
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--deployment-id",
        required=True,
        metavar="ID",
        help="the id printed by deploy start/promote/rollback",
    )
    parser.add_argument(
        "--status",
        required=True,
        type=choice_of(FinalStatus),
        metavar=metavar_of(FinalStatus),
        help="how the deployment ended",
    )
    parser.add_argument(
        "--environment-url", metavar="URL", help="where the deployed environment is reachable"
    )
    parser.add_argument("--description", default="", metavar="TEXT", help="a short description")
    add_root_options(parser)
    add_ledger_options(parser)
    add_output_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    deployment_id = args.deployment_id.strip().upper()
    if not is_ulid(deployment_id):
        raise UsageError(
            f"--deployment-id {args.deployment_id!r} is not a deployment id (a 26-character ULID)"
        )
    space = workspace(args, context)
    metadata = run_metadata(args, context)
    with open_ledger(args, context, space.root) as (ledger, changes):
        recorded = finish(
            release_context(context, ledger, changes),
            deployment_id,
            State(args.status.value),
            description=args.description,
            log_url=metadata.run_url,
            environment_url=args.environment_url,
        )
    deployment = recorded.deployment
    if recorded.reused:
        context.say(f"clearance: deployment {deployment.id} already has status {args.status.value}")
    else:
        context.say(
            f"clearance: deployment {deployment.id} in {deployment.environment}: {args.status.value}"
        )
    write_data(render_deployment(args.format, deployment, metadata), args, context)
    write_outputs(deployment_outputs(deployment, metadata), context)
    write_summary(
        deployment_markdown(
            f"Deployment to {deployment.environment}: {args.status.value}", deployment
        ),
        args,
        context,
    )
    return int(ExitCode.OK)


COMMAND = Command(
    words=("deploy", "finish"),
    summary="record how a deployment ended (success, failure, error)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
