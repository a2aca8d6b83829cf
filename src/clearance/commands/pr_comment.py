"""`clearance pr comment`: a Markdown file → a comment on a pull request."""

from __future__ import annotations

import argparse
from pathlib import Path

from clearance.commands import Command, Context
from clearance.errors import UsageError

DESCRIPTION = """\
Comment on a pull request with a Markdown file: the scan report of a pull request from a fork,
posted by a separate `workflow_run` job that has the token the pull request's own run does not.

The pull request's number usually comes from an artifact of that run, which the fork
controls: give --head-sha (the trusted github.event.workflow_run.head_sha) and the comment is
refused (exit 1) unless that commit belongs to that pull request. --pr-file reads the number
from a file and accepts digits only. The body is truncated to GitHub's 65,536 characters.

The repository, API URL and token come from the runner's environment (GITHUB_REPOSITORY,
GITHUB_API_URL, GITHUB_TOKEN; the job needs `permissions: pull-requests: write`).

examples:
  clearance pr comment --pr 42 --body-file report.md
  clearance pr comment --pr-file pr/number --head-sha "$HEAD_SHA" --body-file pr/comment.md
"""

LIMIT = 65536
TRUNCATED = "\n\n*(truncated: the full report is in the run's job summary)*\n"


def configure(parser: argparse.ArgumentParser) -> None:
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--pr", type=int, metavar="N", help="the pull request's number")
    which.add_argument(
        "--pr-file", type=Path, metavar="FILE", help="a file holding the pull request's number"
    )
    parser.add_argument(
        "--head-sha",
        metavar="SHA",
        help="comment only if this commit belongs to the pull request",
    )
    parser.add_argument(
        "--body-file", type=Path, required=True, metavar="FILE", help="the comment (Markdown)"
    )


def _number(args: argparse.Namespace, context: Context) -> int:
    if args.pr is not None:
        number: int = args.pr
    elif args.pr_file is not None:
        path = args.pr_file if args.pr_file.is_absolute() else context.cwd / args.pr_file
        try:
            text = path.read_text(encoding="utf-8").strip()
        except OSError as exc:
            raise UsageError(f"--pr-file {args.pr_file}: {exc.strerror}") from None
        if not text.isascii() or not text.isdigit():
            raise UsageError(f"--pr-file {args.pr_file}: not a pull request number")
        number = int(text)
    else:
        raise UsageError("name the pull request: --pr N or --pr-file FILE")
    if number <= 0:
        raise UsageError(f"{number} is not a pull request number")
    return number


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.trust.publish import GitHubPublisher, github_target

    number = _number(args, context)
    path = args.body_file if args.body_file.is_absolute() else context.cwd / args.body_file
    try:
        body = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"--body-file {args.body_file}: {exc.strerror}") from None
    if not body.strip():
        raise UsageError(f"--body-file {args.body_file} is empty")
    if len(body) > LIMIT:
        body = body[: LIMIT - len(TRUNCATED)] + TRUNCATED
    target = github_target(context.env, "pr comment")
    context.redactor.register(target.token)
    with GitHubPublisher(target) as publisher:
        comment = publisher.comment_on_pull_request(
            number, context.redactor.scrub(body), head_sha=args.head_sha or None
        )
    context.say(f"clearance: commented on pull request #{number}")
    context.stdout.write(comment.url + "\n")
    runner = context.runner
    if runner.active:
        runner.set_output("comment-url", comment.url)
        runner.set_output("pr-number", str(number))
    return 0


COMMAND = Command(
    words=("pr", "comment"),
    summary="comment on a pull request with a Markdown file (for workflow_run jobs)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
