"""`clearance release upload`: files → assets of a GitHub release (created when absent)."""

from __future__ import annotations

import argparse
import json
from enum import StrEnum
from pathlib import Path

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.errors import UsageError


class UploadFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


DESCRIPTION = """\
Upload files as assets of the GitHub release of a tag: a package's wheel and sdist with their
Sigstore bundles, for instance. The release is created (named after the tag, with the notes
of --notes-file) when the tag has none yet, unless --no-create. An asset that the release
already has is refused, never replaced: a release's files are evidence.

The repository, API URL and token come from the runner's environment (GITHUB_REPOSITORY,
GITHUB_API_URL, GITHUB_TOKEN; the job needs `permissions: contents: write`). Prints the
release URL and each asset's download URL (also step outputs and a job summary).

examples:
  clearance release upload --tag v1.2.0 dist/*.whl dist/*.tar.gz dist/*.sigstore.json
  clearance release upload --tag "$GITHUB_REF_NAME" --notes-file CHANGES.md dist/*
"""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "files", nargs="+", metavar="FILE", help="the files to upload (asset name: the file name)"
    )
    parser.add_argument(
        "--tag",
        metavar="TAG",
        help="the release's tag (default: $CLEARANCE_TAG, else a tag push's tag)",
    )
    parser.add_argument(
        "--create",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="create the release when the tag has none (default: on)",
    )
    parser.add_argument(
        "--title", metavar="TEXT", help="the new release's title (default: the tag)"
    )
    parser.add_argument(
        "--notes-file", type=Path, metavar="FILE", help="the new release's notes (Markdown)"
    )
    parser.add_argument(
        "--format",
        type=choice_of(UploadFormat),
        default=UploadFormat.TEXT,
        metavar=metavar_of(UploadFormat),
        help="what to print on stdout (default: text)",
    )
    parser.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the job summary to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


def _tag(args: argparse.Namespace, context: Context) -> str:
    tag = (args.tag or "").strip()
    if not tag and context.env.get("GITHUB_REF_TYPE") == "tag":
        tag = context.env.get("GITHUB_REF_NAME", "").strip()
    if not tag:
        raise UsageError("--tag is required (outside a tag push): the release's tag, e.g. v1.2.0")
    return tag


def _files(names: list[str], context: Context) -> list[Path]:
    files: list[Path] = []
    for name in names:
        path = Path(name) if Path(name).is_absolute() else context.cwd / name
        if not path.is_file():
            raise UsageError(f"{name}: no such file")
        if any(f.name == path.name for f in files):
            raise UsageError(f"{name}: two files named {path.name} (asset names are file names)")
        files.append(path)
    return files


def run(args: argparse.Namespace, context: Context) -> int:
    from clearance.trust.publish import GitHubPublisher, github_target

    tag = _tag(args, context)
    files = _files(args.files, context)
    notes = ""
    if args.notes_file is not None:
        notes_path = (
            args.notes_file if args.notes_file.is_absolute() else context.cwd / args.notes_file
        )
        try:
            notes = notes_path.read_text(encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"--notes-file {args.notes_file}: {exc.strerror}") from None
    target = github_target(context.env, "release upload")
    context.redactor.register(target.token)
    with GitHubPublisher(target) as publisher:
        release = publisher.upload_to_release(
            tag,
            files,
            create=args.create,
            name=args.title,
            notes=notes,
            commitish=context.env.get("GITHUB_SHA") or None,
        )
    verb = "created" if release.created else "updated"
    context.say(f"clearance: release {tag} {verb}: {len(release.assets)} asset(s) uploaded")
    urls = [asset.url for asset in release.assets]
    if args.format is UploadFormat.JSON:
        document = {
            "tag": release.tag,
            "url": release.url,
            "created": release.created,
            "assets": [{"name": a.name, "url": a.url} for a in release.assets],
        }
        context.stdout.write(json.dumps(document, indent=2) + "\n")
    else:
        context.stdout.write("".join(f"{url}\n" for url in [release.url, *urls]))
    runner = context.runner
    if runner.active:
        runner.set_output("release-url", release.url)
        runner.set_output("assets", "\n".join(urls))
        if args.summary:
            rows = "".join(f"| [{a.name}]({a.url}) |\n" for a in release.assets)
            runner.append_summary(
                f"### Release [{tag}]({release.url}) {verb}\n\n| Asset |\n|---|\n{rows}"
            )
    return 0


COMMAND = Command(
    words=("release", "upload"),
    summary="upload files as assets of a GitHub release (created when absent)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
