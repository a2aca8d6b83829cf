"""The edge shared by `clearance sign` and `clearance attest ...`: options, the signing backend,
uploads, and what is printed and output.

Text on stdout names each bundle and the exact `clearance verify` command a consumer runs;
`--format json` gives the same as one JSON document. Inside GitHub Actions the step outputs
are `bundle-files` (one path a line), `verify-command`, `statement-digest` (attestations),
`attestation-id`/`attestation-url` (`--github-attestation`) and `release-assets`.
"""

from __future__ import annotations

import argparse
import json
import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

from clearance.commands import Context
from clearance.commands.arguments import choice_of, metavar_of
from clearance.errors import UsageError
from clearance.trust.signing import Artifact, Signed, SigningBackend


class SignedFormat(StrEnum):
    TEXT = "text"
    JSON = "json"


def add_artifacts(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="*", metavar="FILE", help="artifacts to sign")


def add_signing_options(parser: argparse.ArgumentParser, *, attestation: bool) -> None:
    sigstore = parser.add_argument_group("keyless signing (Sigstore)")
    sigstore.add_argument(
        "--staging",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="sign with Sigstore's staging instance (default: the public-good production one)",
    )
    sigstore.add_argument(
        "--trust-config",
        type=Path,
        metavar="FILE",
        help="Sigstore ClientTrustConfig JSON of a private instance (its Fulcio, Rekor, roots)",
    )
    keyed = parser.add_argument_group("key-based signing (no OIDC, no Sigstore)")
    keyed.add_argument(
        "--key",
        metavar="FILE|env://NAME",
        help="sign with this PEM private key (password in CLEARANCE_KEY_PASSWORD) instead of "
        "keyless: no certificate, no transparency log",
    )
    keyed.add_argument(
        "--public-key",
        type=Path,
        metavar="FILE",
        help="where consumers find the public key (written if absent, checked if present; "
        "default: the key file with .pub)",
    )
    upload = parser.add_argument_group("uploads (GitHub API: GITHUB_TOKEN, GITHUB_REPOSITORY)")
    upload.add_argument(
        "--attach-to-release",
        metavar="TAG",
        help="upload the bundles as assets of the release with this tag",
    )
    if attestation:
        upload.add_argument(
            "--github-attestation",
            action=argparse.BooleanOptionalAction,
            default=False,
            help="also store the attestation with GitHub's attestations API "
            "(a notice, not a failure, where the repository has none)",
        )
    report = parser.add_argument_group("reporting")
    report.add_argument(
        "--format",
        type=choice_of(SignedFormat),
        default=SignedFormat.TEXT,
        metavar=metavar_of(SignedFormat),
        help="what to print on stdout (default: text)",
    )
    report.add_argument(
        "--summary",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="write the job summary to $GITHUB_STEP_SUMMARY when it is set (default: on)",
    )


def absolute(path: Path, context: Context) -> Path:
    return path if path.is_absolute() else context.cwd / path


def artifacts_of(names: Sequence[str], context: Context) -> list[Artifact]:
    """The files named, hashed now; `UsageError` for none, a missing file or a directory."""
    from clearance.trust.verify import sha256_file

    if not names:
        raise UsageError("name at least one FILE to sign")
    seen: dict[Path, Artifact] = {}
    for name in names:
        # normalised, not resolved: the bundle goes next to the name given, as verify looks
        path = Path(os.path.normpath(absolute(Path(name), context)))
        if path in seen:
            continue
        if path.name.endswith(".sigstore.json"):
            raise UsageError(f"{name} is a bundle: name the artifact it belongs to")
        seen[path] = Artifact(shown=name, path=path, sha256=sha256_file(path, shown=name))
    return list(seen.values())


def check_options(args: argparse.Namespace) -> None:
    if args.key and (args.trust_config is not None or args.staging):
        raise UsageError("--key signs without Sigstore: drop --staging and --trust-config")
    if args.public_key is not None and not args.key:
        raise UsageError("--public-key goes with --key")
    if getattr(args, "github_attestation", False) and args.key:
        raise UsageError(
            "--github-attestation stores Sigstore (keyless) attestations; GitHub does not "
            "accept key-signed bundles"
        )


def trust_arguments(args: argparse.Namespace) -> list[str]:
    """The trust options of the verify command: the instance that was signed with."""
    if args.key:
        return []
    if args.trust_config is not None:
        return ["--trust-config", str(args.trust_config)]
    return ["--staging"] if args.staging else []


@contextmanager
def signing_backend(args: argparse.Namespace, context: Context) -> Iterator[SigningBackend]:
    """The backend the options choose, entered; a token is masked before anything else."""
    if args.key:
        from clearance.trust.keys import KeySigner, KeySource, load_private_key, write_public_key

        source = KeySource(args.key)
        signer = load_private_key(source, context.env, context.cwd)
        public = args.public_key or source.default_public_key()
        if public is None:
            raise UsageError(
                f"--key {args.key}: name where consumers find the public key with --public-key"
            )
        public_shown = public
        write_public_key(signer, absolute(public, context))
        with KeySigner(signer, public_shown) as backend:
            yield backend
        return
    from clearance.trust.identity import identity_token
    from clearance.trust.keyless import KeylessSigner, load_signing_config
    from clearance.trust.roots import Instance

    token = identity_token(context.env)
    context.redactor.register(token.value)
    context.runner.add_mask(token.value)
    trust_config = absolute(args.trust_config, context) if args.trust_config else None
    config = load_signing_config(
        Instance.STAGING if args.staging else Instance.PRODUCTION, trust_config
    )
    with KeylessSigner(config, token) as keyless:
        yield keyless


@dataclass
class Uploads:
    release_assets: list[str] = field(default_factory=list)
    attestation_id: int | None = None
    attestation_url: str | None = None
    notices: list[str] = field(default_factory=list)


def upload(signed: Signed, args: argparse.Namespace, context: Context) -> Uploads:
    """`--attach-to-release` and `--github-attestation`, after the bundles are written."""
    done = Uploads()
    want_attestation = bool(getattr(args, "github_attestation", False))
    if not args.attach_to_release and not want_attestation:
        return done
    from clearance.trust.publish import GitHubPublisher, github_target

    what = "--attach-to-release" if args.attach_to_release else "--github-attestation"
    target = github_target(context.env, what)
    context.redactor.register(target.token)
    with GitHubPublisher(target) as publisher:
        if want_attestation:
            stored = publisher.store_attestation(signed.bundles[0].content)
            done.attestation_id, done.attestation_url = stored.id, stored.url
            if stored.notice:
                done.notices.append(stored.notice)
        if args.attach_to_release:
            files = [b.bundle for b in signed.bundles]
            assets = publisher.attach_to_release(args.attach_to_release, files)
            done.release_assets = [a.url for a in assets]
    return done


def _as_json(signed: Signed, verify_command: str, uploads: Uploads) -> dict[str, Any]:
    claims = signed.signer.claims
    return {
        "kind": signed.kind.value,
        "bundles": [
            {
                "artifact": b.artifact.shown,
                "sha256": b.artifact.sha256,
                "bundle": b.shown_bundle,
            }
            for b in signed.bundles
        ],
        "signer": {
            "identity": claims.identity if claims else None,
            "issuer": claims.issuer if claims else None,
            "key_id": signed.signer.key_id,
            "public_key": str(signed.signer.public_key) if signed.signer.public_key else None,
        },
        "predicate_type": signed.predicate_type,
        "statement_digest": signed.statement_digest,
        "verify_command": verify_command,
        "release_assets": uploads.release_assets,
        "attestation": None
        if uploads.attestation_id is None
        else {"id": uploads.attestation_id, "url": uploads.attestation_url},
        "notices": uploads.notices,
    }


def _as_text(signed: Signed, verify_command: str, uploads: Uploads) -> str:
    what = "signed" if signed.predicate_type is None else f"attested ({signed.kind.value})"
    lines = [f"{what} {len(signed.bundles)} file(s) as {signed.signer.describe()}"]
    lines += [f"  {b.artifact.shown} -> {b.shown_bundle}" for b in signed.bundles]
    if signed.statement_digest:
        lines.append(f"statement: {signed.statement_digest} ({signed.predicate_type})")
    lines += [f"release asset: {url}" for url in uploads.release_assets]
    if uploads.attestation_url:
        lines.append(f"GitHub attestation: {uploads.attestation_url}")
    lines += ["verify with:", f"  {verify_command}"]
    return "\n".join(lines) + "\n"


def _summary(signed: Signed, verify_command: str, uploads: Uploads) -> str:
    title = "clearance sign" if signed.predicate_type is None else "clearance attest"
    rows = [f"| `{b.artifact.shown}` | `{b.shown_bundle}` |" for b in signed.bundles]
    parts = [
        f"### {title}: {len(signed.bundles)} bundle(s)\n",
        f"Signed as {signed.signer.describe()}.\n",
        "| artifact | bundle |\n|---|---|\n" + "\n".join(rows) + "\n",
    ]
    if signed.statement_digest:
        parts.append(f"Statement `{signed.statement_digest}` of `{signed.predicate_type}`.\n")
    if uploads.attestation_url:
        parts.append(f"Stored as GitHub attestation {uploads.attestation_url}.\n")
    parts += [f"> {notice}\n" for notice in uploads.notices]
    parts.append(f"Verify with:\n\n```sh\n{verify_command}\n```\n")
    return "\n".join(parts)


def emit(signed: Signed, uploads: Uploads, args: argparse.Namespace, context: Context) -> int:
    scrub = context.redactor.scrub
    verify_command = signed.verify_command(trust_arguments(args))
    if args.format is SignedFormat.JSON:
        text = json.dumps(_as_json(signed, verify_command, uploads), indent=2) + "\n"
    else:
        text = _as_text(signed, verify_command, uploads)
    context.stdout.write(scrub(text))
    context.stdout.flush()
    runner = context.runner
    for notice in uploads.notices:
        context.say(f"clearance: {notice}")
    if runner.active:
        from clearance.gha import Annotation

        for notice in uploads.notices:
            runner.annotate(Annotation("notice", scrub(notice), title="clearance"))
        runner.set_output("bundle-files", "\n".join(str(b.bundle) for b in signed.bundles))
        runner.set_output("verify-command", scrub(verify_command))
        runner.set_output("statement-digest", signed.statement_digest or "")
        runner.set_output(
            "attestation-id", "" if uploads.attestation_id is None else str(uploads.attestation_id)
        )
        runner.set_output("attestation-url", uploads.attestation_url or "")
        runner.set_output("release-assets", "\n".join(uploads.release_assets))
        if args.summary:
            runner.append_summary(scrub(_summary(signed, verify_command, uploads)))
    return 0
