"""`clearance promote`: move one digest from a source environment to a target, through gates."""

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
from clearance.errors import ExitCode, GateClosed, GateHold, UsageError
from clearance.release.digests import parse_digest
from clearance.release.environments import policy_for
from clearance.release.gates import Verdict
from clearance.release.promote import promote

DESCRIPTION = """\
Promote one artifact digest from a source environment to a target, and record it.

The digest must be the current successful deployment of the source environment with no
failure after it; it must have soaked there for the target's min-soak; its evidence must
pass the target's policy (require: recorded scan summary, and signature/provenance or
attestations once the trust modules are configured); no freeze window of the target may be
open; no other deployment to the target may be in progress. Each gate is reported in one
line (and in the job summary). On success the target deployment is recorded as in progress
and its id, digest and metadata are printed and set as step outputs, for your own deploy
step, which then reports with 'clearance deploy finish'.

Workflows should run promotions of one environment one at a time:
  concurrency: { group: deploy-${{ github.repository }}-<environment>, cancel-in-progress: false }
If two promotions race anyway, exactly one is recorded; the other exits 1.

configuration ([tool.clearance.environments.production]):
  after = "staging"   min-soak = "30m"   require = ["scan"]   freeze = [{ start = "fri 16:00", end = "mon 08:00" }]

examples:
  clearance promote --digest sha256:<64 hex> --from staging --to production
  clearance promote --digest "$DIGEST" --to production --format json
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--digest", required=True, metavar="DIGEST", help="the artifact digest to promote"
    )
    parser.add_argument(
        "--from",
        dest="source",
        metavar="ENV",
        help="the source environment (default: the target's 'after')",
    )
    parser.add_argument(
        "--to", dest="target", required=True, metavar="ENV", help="the target environment"
    )
    parser.add_argument("--description", default="", metavar="TEXT", help="a short description")
    add_root_options(parser)
    add_ledger_options(parser)
    add_output_options(parser)


def run(args: argparse.Namespace, context: Context) -> int:
    try:
        digest = parse_digest(args.digest)
    except ValueError as exc:
        raise UsageError(f"--digest: {exc}") from None
    space = workspace(args, context)
    target = args.target.strip()
    policy = policy_for(space.settings, target)
    source = (args.source or policy.after or "").strip()
    if not source:
        raise UsageError(
            f"--from is required: no 'after' is configured for {target} "
            f"([tool.clearance.environments.{target.split('/', 1)[0]}])"
        )
    if policy.after and source != policy.after:
        raise UsageError(
            f"{target} takes digests from {policy.after} (after = {policy.after!r}), not from {source}"
        )
    if source == target:
        raise UsageError("--from and --to name the same environment")
    metadata = run_metadata(args, context)
    with open_ledger(args, context, space.root) as (ledger, changes):
        result = promote(
            release_context(context, ledger, changes, space),
            digest=str(digest),
            source=source,
            policy=policy,
            metadata=metadata,
            description=args.description,
        )
    title = f"Promotion of {digest.short} from {source} to {target}"
    if result.decision.results:
        context.say(f"clearance: {title}:")
        say_decision(result.decision, context)
    summary = decision_markdown(title, result.decision) if result.decision.results else ""
    if result.deployment is None:
        write_summary(summary, args, context)
        write_outputs({"outcome": result.decision.verdict.value, "deployment-id": ""}, context)
        failed = len(result.decision.blocking)
        message = (
            f"promotion of {digest.short} to {target} refused: {failed} gate(s) said no (see above)"
        )
        if result.decision.verdict is Verdict.HOLD:
            raise GateHold(message.replace("refused", "on hold"))
        raise GateClosed(message)
    deployment = result.deployment
    if result.lost_to is not None:
        write_summary(summary, args, context)
        write_outputs({"outcome": "fail", "deployment-id": ""}, context)
        raise GateClosed(
            f"another deployment to {target} ({result.lost_to.id}) was recorded at the same time "
            f"and won; {deployment.id} is marked error (serialize deployments per environment "
            "with a workflow concurrency group)"
        )
    verb = "resumed" if result.reused else "recorded"
    context.say(f"clearance: {verb} deployment {deployment.id}: {digest.short} to {target}")
    write_data(
        render_deployment(
            args.format, deployment, metadata, promoted_from=deployment.promoted_from
        ),
        args,
        context,
    )
    write_outputs(
        deployment_outputs(
            deployment,
            metadata,
            outcome="pass",
            reused=str(result.reused).lower(),
            **{"promoted-from": deployment.promoted_from or ""},
        ),
        context,
    )
    write_summary(
        summary + deployment_markdown(f"Deployment to {target} recorded", deployment), args, context
    )
    return int(ExitCode.OK)


COMMAND = Command(
    words=("promote",),
    summary="promote one digest from an environment to the next, through gates",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
