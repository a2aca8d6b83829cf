"""`clearance deploy start`: record that a digest is being deployed to an environment."""

from __future__ import annotations

import argparse

from clearance.commands import Command, Context
from clearance.commands.releasing import (
    add_ledger_options,
    add_metadata_options,
    add_output_options,
    collect_metadata,
    deployment_markdown,
    deployment_outputs,
    one_digest,
    open_ledger,
    release_context,
    render_deployment,
    workspace,
    write_data,
    write_outputs,
    write_summary,
)
from clearance.errors import ExitCode, UsageError
from clearance.release.deploy import start
from clearance.release.environments import policy_for
from clearance.release.evidence import scan_summary_from_report
from clearance.release.records import Evidence

DESCRIPTION = """\
Record in the ledger that DIGEST is being deployed to ENVIRONMENT (status in_progress), with
this run's metadata, the changes it ships (the commits since the environment's previous
successful deployment) and its evidence. Prints the deployment id (a ULID) for
'clearance deploy finish'. Re-running the same step (same run id and attempt) returns the
same deployment instead of recording another.

examples:
  clearance deploy start --environment staging --digest sha256:<64 hex>
  clearance deploy start --environment staging --artifact dist/app.whl --scan-report scan.json
  ID=$(clearance deploy start --environment staging --digest "$DIGEST" --format json | jq -r .deployment_id)
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_metadata_options(parser, with_environment=False)
    parser.add_argument(
        "--environment", "-e", required=True, metavar="NAME", help="the environment deployed to"
    )
    evidence = parser.add_argument_group("evidence")
    evidence.add_argument(
        "--scan-report",
        metavar="FILE",
        help="clearance's JSON scan report of this commit: its summary is recorded as evidence",
    )
    evidence.add_argument(
        "--evidence",
        action="append",
        default=[],
        metavar="REF",
        help="a reference to a bundle or attestation (path or URL) recorded with the deployment",
    )
    parser.add_argument("--description", default="", metavar="TEXT", help="a short description")
    add_ledger_options(parser)
    add_output_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    environment = args.environment.strip()
    if not environment:
        raise UsageError("--environment must not be empty")
    space = workspace(args, context)
    policy = policy_for(space.settings, environment)
    metadata = collect_metadata(args, context, environment=environment)
    digest = one_digest(metadata)
    scan = None
    if args.scan_report:
        path = context.cwd / args.scan_report
        scan = scan_summary_from_report(path)
    evidence = Evidence(scan=scan, references=tuple(args.evidence))
    with open_ledger(args, context, space.root) as (ledger, changes):
        recorded = start(
            release_context(context, ledger, changes),
            policy=policy,
            digest=str(digest),
            metadata=metadata,
            evidence=evidence,
            description=args.description,
        )
    deployment = recorded.deployment
    verb = "resumed" if recorded.reused else "recorded"
    context.say(f"clearance: {verb} deployment {deployment.id} of {digest.short} to {environment}")
    write_data(render_deployment(args.format, deployment, metadata), args, context)
    write_outputs(
        deployment_outputs(deployment, metadata, reused=str(recorded.reused).lower()), context
    )
    write_summary(
        deployment_markdown(f"Deployment to {environment} started", deployment), args, context
    )
    return int(ExitCode.OK)


COMMAND = Command(
    words=("deploy", "start"),
    summary="record that a digest is being deployed to an environment",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
