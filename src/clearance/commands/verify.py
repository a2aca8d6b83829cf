"""`clearance verify`: parse → `clearance.trust.verify.verify_artifacts` → verdicts."""

from __future__ import annotations

import argparse
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from clearance import __version__
from clearance.commands import Command, Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.commands.scanning import add_common_options, repository_root, settings_for
from clearance.errors import ExitCode
from clearance.gha import Annotation
from clearance.trust.bundles import BundleKind

if TYPE_CHECKING:
    from clearance.trust.verify import Verdict

# sigstore-python and the verification core are imported when the command runs, so that
# every other clearance command (and `--help`) does not pay for loading them.


class VerdictFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


class RunnerEnvironmentChoice(StrEnum):
    """The values of clearance.trust.policy.RunnerEnvironment (kept light for the parser)."""

    GITHUB_HOSTED = "github-hosted"
    SELF_HOSTED = "self-hosted"


DESCRIPTION = """\
Verify that artifacts are exactly what an expected identity signed: Sigstore bundles (message
signatures and DSSE in-toto attestations, bundle v0.1-v0.3, Rekor v1 and v2 entries) checked
by sigstore-python against an identity policy, offline by default.

ARTIFACT is a file or a digest sha256:<hex> (for container images and artifacts not at hand;
name its bundle with --bundle). Without --bundle, each file is verified with the bundles named
after it: FILE.sigstore.json (signature), FILE.provenance.sigstore.json,
FILE.scan.sigstore.json and FILE.sbom.sigstore.json (attestations; choose with --kind).

The identity policy comes from these options over [tool.clearance.verify]. For attestations the
artifact's sha256 must be a subject of the in-toto statement, and SLSA provenance must name the
builder, source repository and ref the certificate does.

Trust: the trust root shipped with sigstore-python (production, or --staging) without touching
the network or sigstore's cache; --online refreshes it over TUF; --trust-config FILE for a
private Sigstore instance. Certificates are checked at the time the log or a timestamp
authority recorded, so old bundles verify although their certificates expired long ago.

examples:
  clearance verify dist/app.tar.gz --repository acme/app --workflow .github/workflows/release.yml \\
      --ref 'refs/tags/v*' --trigger release --runner-environment github-hosted
  clearance verify dist/*.whl --kind signature --kind provenance \\
      --predicate-type https://slsa.dev/provenance/v1 --repository acme/app
  clearance verify sha256:38dc...05 --bundle image.sigstore.json --cert-identity you@example.com \\
      --issuer https://accounts.google.com --format json
"""

EPILOG = """\
verification exit codes: 0 every artifact verified; 1 any did not (each reason stated: tampered
digest, wrong identity or issuer, bad inclusion proof, missing checkpoint, expired certificate,
JSON that is not a valid bundle...); 2 unusable arguments, a missing file or a bundle that is
not JSON; 3 an online trust-root refresh failed."""


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "artifacts", nargs="*", metavar="ARTIFACT", help="files, or digests sha256:<hex>"
    )
    parser.add_argument(
        "--bundle",
        action="append",
        type=Path,
        metavar="PATH",
        help="bundle to verify with (repeat: several for one artifact, or one per artifact in order)",
    )
    parser.add_argument(
        "--kind",
        action="append",
        type=choice_of(BundleKind),
        metavar=metavar_of(BundleKind),
        help="bundles looked up next to each file (repeatable; default: config kinds, else signature)",
    )
    parser.add_argument(
        "--predicate-type",
        metavar="URI",
        help="require in-toto attestations of this predicate type (e.g. https://slsa.dev/provenance/v1)",
    )
    add_common_options(parser)
    policy = parser.add_argument_group("identity policy (over [tool.clearance.verify])")
    policy.add_argument(
        "--repository", metavar="OWNER/NAME", help="GitHub repository that built it"
    )
    policy.add_argument(
        "--workflow",
        metavar="PATH",
        help="signing workflow: .github/workflows/FILE (in --repository) or OWNER/NAME/.github/workflows/FILE",
    )
    policy.add_argument(
        "--ref",
        action="append",
        metavar="GLOB",
        help="source ref glob, e.g. 'refs/tags/v*' (repeatable: any matches; * stays within a / segment)",
    )
    policy.add_argument(
        "--trigger",
        action="append",
        metavar="EVENT",
        help="workflow trigger, e.g. release (repeatable)",
    )
    policy.add_argument("--sha", metavar="COMMIT", help="source commit it was built from")
    policy.add_argument(
        "--runner-environment",
        type=choice_of(RunnerEnvironmentChoice),
        metavar=metavar_of(RunnerEnvironmentChoice),
        help="github-hosted refuses builds on self-hosted runners",
    )
    policy.add_argument(
        "--issuer",
        metavar="URL",
        help="OIDC issuer (default: GitHub Actions, https://token.actions.githubusercontent.com)",
    )
    policy.add_argument(
        "--cert-identity", metavar="IDENTITY", help="exact certificate identity (SAN)"
    )
    policy.add_argument(
        "--cert-identity-regex", metavar="REGEX", help="regular expression a SAN must match in full"
    )
    trust = parser.add_argument_group("trust root")
    trust.add_argument(
        "--staging",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="use Sigstore's staging instance (default: production)",
    )
    trust.add_argument(
        "--online",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="refresh the trust root over TUF (default: off, the root shipped with sigstore-python)",
    )
    trust.add_argument(
        "--trust-config",
        type=Path,
        metavar="FILE",
        help="Sigstore ClientTrustConfig JSON (private instance)",
    )
    trust.add_argument(
        "--key",
        type=Path,
        metavar="PUBLIC_KEY",
        help="verify bundles signed with a key ('clearance sign --key'): PEM public key; no "
        "identity policy or transparency log applies",
    )
    report = parser.add_argument_group("reporting")
    report.add_argument(
        "--format",
        type=choice_of(VerdictFormat),
        default=VerdictFormat.TEXT,
        metavar=metavar_of(VerdictFormat),
        help="verdicts on stdout or --output (default: text)",
    )
    report.add_argument(
        "--output", "-o", type=Path, metavar="FILE", help="write the verdicts to FILE"
    )
    report.add_argument(
        "--verdict-file", type=Path, metavar="FILE", help="also write the verdicts as JSON to FILE"
    )
    report.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the job summary to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


def _absolute(path: Path | None, context: Context) -> Path | None:
    if path is None:
        return None
    return path if path.is_absolute() else context.cwd / path


_IDENTITY_OPTIONS = (
    "repository",
    "workflow",
    "ref",
    "trigger",
    "sha",
    "runner_environment",
    "issuer",
    "cert_identity",
    "cert_identity_regex",
    "trust_config",
)


def _run_with_key(args: argparse.Namespace, context: Context) -> int:
    """`--key`: signatures checked against a public key (no certificate, no log)."""
    from clearance.errors import UsageError
    from clearance.trust.keys import describe_key, load_public_key, verify_with_key
    from clearance.trust.settings import verify_settings
    from clearance.trust.verify import subjects_for

    given = [name for name in _IDENTITY_OPTIONS if getattr(args, name, None)]
    if given or args.staging or args.online:
        options = ", ".join("--" + n.replace("_", "-") for n in given) or "--staging/--online"
        raise UsageError(
            f"--key verifies a key's signature; {options} apply to keyless (certificate) "
            "bundles only"
        )
    key_path: Path = args.key if args.key.is_absolute() else context.cwd / args.key
    key = load_public_key(key_path, shown=str(args.key))
    root = repository_root(args, context)
    configured = verify_settings(settings_for(args, context, root))
    kinds = args.kind or list(configured.bundle_kinds)
    predicate_type = args.predicate_type or configured.predicate_type
    subjects = subjects_for(args.artifacts, bundles=args.bundle or (), kinds=kinds, cwd=context.cwd)
    verdicts = verify_with_key(subjects, key, predicate_type=predicate_type)
    return _emit(
        verdicts,
        args,
        context,
        policy=describe_key(key),
        trust="key-based: the public key given, no transparency log",
    )


def run(args: argparse.Namespace, context: Context) -> int:
    if args.key is not None:
        return _run_with_key(args, context)
    from clearance.trust.roots import load_trust
    from clearance.trust.settings import verify_settings
    from clearance.trust.verify import subjects_for, verify_artifacts

    root = repository_root(args, context)
    configured = verify_settings(settings_for(args, context, root))
    chosen = configured.merged(
        issuer=args.issuer,
        cert_identity=args.cert_identity,
        cert_identity_regex=args.cert_identity_regex,
        repository=args.repository,
        workflow=args.workflow,
        refs=args.ref,
        triggers=args.trigger,
        sha=args.sha,
        runner_environment=args.runner_environment.value if args.runner_environment else None,
        predicate_type=args.predicate_type,
        kinds=args.kind,
        staging=args.staging,
        online=args.online,
        trust_config=_absolute(args.trust_config, context),
    )
    policy = chosen.policy()
    subjects = subjects_for(
        args.artifacts, bundles=args.bundle or (), kinds=chosen.bundle_kinds, cwd=context.cwd
    )
    spec = chosen.trust_spec()
    trust = load_trust(spec)
    verdicts = verify_artifacts(subjects, policy, trust, predicate_type=chosen.predicate_type)
    return _emit(verdicts, args, context, policy=policy.describe(), trust=spec.describe())


def _emit(
    verdicts: list[Verdict], args: argparse.Namespace, context: Context, *, policy: str, trust: str
) -> int:
    from clearance.report.verdicts import (
        outcome_of,
        render_json,
        render_markdown,
        render_text,
        verdict_line,
    )

    scrub = context.redactor.scrub
    as_json = render_json(verdicts, tool_version=__version__, policy=policy, trust=trust)
    text = as_json if args.format is VerdictFormat.JSON else render_text(verdicts)
    output = _absolute(args.output, context)
    if output is not None:
        _write(output, scrub(text))
    else:
        context.stdout.write(scrub(text))
        context.stdout.flush()
    verdict_file = _absolute(args.verdict_file, context)
    if verdict_file is not None:
        _write(verdict_file, scrub(as_json))
    runner = context.runner
    if runner.active:
        runner.set_output("verdict-file", str(verdict_file) if verdict_file else "")
        runner.set_output("verified-count", str(sum(v.verified for v in verdicts)))
        runner.set_output("outcome", outcome_of(verdicts))
        for verdict in verdicts:
            if not verdict.verified:
                runner.annotate(
                    Annotation("error", scrub(verdict_line(verdict)), title="clearance verify")
                )
        if args.summary:
            runner.append_summary(scrub(render_markdown(verdicts, policy=policy)))
    return int(ExitCode.OK if outcome_of(verdicts) == "verified" else ExitCode.FAILED)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


COMMAND = Command(
    words=("verify",),
    summary="verify Sigstore bundles and attestations against an identity policy",
    description=DESCRIPTION,
    configure=configure,
    run=run,
    epilog=EPILOG,
)
