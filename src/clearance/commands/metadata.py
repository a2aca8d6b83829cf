"""`clearance metadata`: the deployment metadata of this run, in the format a next step needs."""

from __future__ import annotations

import argparse
import json
from enum import StrEnum

from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.releasing import (
    add_metadata_options,
    collect_metadata,
    write_data,
    write_outputs,
)
from clearance.errors import ExitCode
from clearance.release import metadata as md


class MetadataFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    ENV = "env"
    LABELS = "labels"
    OTEL = "otel"


DESCRIPTION = """\
Print the deployment metadata of this run: artifact digest(s), commit, ref, repository,
run URL, run id and attempt, actor, version (the tag, else 'git describe'), environment
and UTC time. Inside GitHub Actions the values come from the runner and are also written
as step outputs; elsewhere they come from git alone.

formats:
  text     key: value lines for people
  json     one JSON object
  env      DEPLOY_COMMIT=... lines (for $GITHUB_ENV or a .env file; see --env-prefix)
  labels   OCI annotations: org.opencontainers.image.revision/source/version/created=...
  otel     OTEL_RESOURCE_ATTRIBUTES=... with OpenTelemetry semantic-convention keys

examples:
  clearance metadata --artifact dist/app.tar.gz --format json
  clearance metadata --digest sha256:<64 hex> --environment staging --format otel
  docker build $(clearance metadata --format labels | sed 's/^/--label /') .
"""


def configure(parser: argparse.ArgumentParser) -> None:
    add_metadata_options(parser)
    parser.add_argument(
        "--format",
        type=choice_of(MetadataFormat),
        default=MetadataFormat.TEXT,
        metavar=metavar_of(MetadataFormat),
        help="output format (default: text)",
    )
    parser.add_argument("--output", "-o", metavar="FILE", help="write to FILE instead of stdout")
    parser.add_argument(
        "--env-prefix",
        default=md.DEFAULT_ENV_PREFIX,
        metavar="PREFIX",
        help="variable prefix for --format env and --export (default: DEPLOY_; never CLEARANCE_)",
    )
    parser.add_argument(
        "--export",
        action="store_true",
        help="inside GitHub Actions, also export the DEPLOY_* variables to later steps ($GITHUB_ENV)",
    )


def render(metadata: md.Metadata, fmt: MetadataFormat, prefix: str) -> str:
    if fmt is MetadataFormat.JSON:
        return json.dumps(md.to_json(metadata), indent=2) + "\n"
    if fmt is MetadataFormat.ENV:
        return "".join(f"{k}={_one_line(v)}\n" for k, v in md.env_variables(metadata, prefix))
    if fmt is MetadataFormat.LABELS:
        return "".join(f"{k}={v}\n" for k, v in md.oci_labels(metadata))
    if fmt is MetadataFormat.OTEL:
        return f"OTEL_RESOURCE_ATTRIBUTES={md.otel_resource_attributes(metadata)}\n"
    rows = [(k, v) for k, v in md.to_json(metadata).items() if v not in (None, [], "")]
    width = max(len(k) for k, _ in rows)
    return "".join(f"{k.ljust(width)}  {md.text_value(v)}\n" for k, v in rows)


def _one_line(value: str) -> str:
    return value.replace("\n", " ")


def run(args: argparse.Namespace, context: Context) -> int:
    prefix = md.check_prefix(args.env_prefix)
    metadata = collect_metadata(args, context)
    write_data(render(metadata, args.format, prefix), args, context)
    runner = context.runner
    if runner.active:
        write_outputs(md.outputs(metadata), context)
        if args.export:
            for name, value in md.env_variables(metadata, prefix):
                runner.set_env(name, value)
    elif args.export:
        context.say("clearance: --export: not inside GitHub Actions, nothing exported")
    return int(ExitCode.OK)


COMMAND = Command(
    words=("metadata",),
    summary="deployment metadata of this run (json, env, OCI labels, OpenTelemetry)",
    description=DESCRIPTION,
    configure=configure,
    run=run,
)
