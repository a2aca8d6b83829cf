"""After the build: digest, deployment metadata, signature, and the local deployment.

- digest: the sha256 of each artifact. A deployment is keyed by one digest: with several
  artifacts it is the digest of their checksum list (`.clearance/run/SHA256SUMS`, in
  `sha256sum` format), which names each of them.
- metadata: commit, ref, version, actor, artifacts (`clearance metadata`'s), kept in
  `.clearance/run/metadata.json`.
- sign: with the configured PEM key, a Sigstore bundle next to each artifact
  (`<artifact>.sigstore.json`, verifiable with `clearance verify --key`); without a key the
  stage is skipped and says so.
- deploy: the digest recorded in the SQLite ledger (`.clearance/ledger.db`) as deployed to
  the local environment (`dev`), with the scan summary and bundles as evidence. Nothing is
  written to the ledger before this stage, and its two writes (in progress, then success)
  end in `error` if the second cannot be made.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from clearance import __version__
from clearance.errors import ClearanceError, UsageError
from clearance.paths import relative_posix
from clearance.pipeline.stages import Conveyor, StageOutcome
from clearance.release import metadata as md
from clearance.release.digests import file_digest
from clearance.scan.interface import Progress

CHECKSUMS_NAME = "SHA256SUMS"
METADATA_NAME = "metadata.json"
REPORT_NAME = "scan-report.json"
NO_KEY_NOTICE = (
    "signing skipped: no key configured ([tool.clearance.run] key, or --key FILE|env://NAME); "
    "the artifacts carry no signature (in GitHub Actions, sign keyless with "
    "clearance-dev/clearance/actions/sign@v1)"
)


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(path)


@dataclass(frozen=True)
class DigestStage:
    name: str = "digest"
    group: str | None = None

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        if not conveyor.artifacts:
            raise UsageError("no artifact to digest")
        conveyor.digests = [md.Artifact(p.name, file_digest(p)) for p in conveyor.artifacts]
        if len(conveyor.digests) == 1:
            conveyor.digest = conveyor.digests[0].digest
            return StageOutcome(True, f"{conveyor.digest} {conveyor.artifacts[0].name}")
        listing = "".join(
            f"{d.digest.hex}  {relative_posix(p, conveyor.root)}\n"
            for d, p in zip(conveyor.digests, conveyor.artifacts, strict=True)
        )
        checksums = conveyor.work_dir / CHECKSUMS_NAME
        _write(checksums, listing)
        conveyor.digest = file_digest(checksums)
        return StageOutcome(
            True,
            f"{conveyor.digest} of {relative_posix(checksums, conveyor.root)} "
            f"({len(conveyor.digests)} artifacts)",
        )


@dataclass(frozen=True)
class MetadataStage:
    env: Mapping[str, str]
    now: Callable[[], dt.datetime]
    environment: str
    name: str = "metadata"
    group: str | None = None

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        metadata = md.collect(
            self.env,
            conveyor.root,
            self.now(),
            artifacts=conveyor.digests,
            environment=self.environment,
        )
        conveyor.metadata = metadata
        path = conveyor.work_dir / METADATA_NAME
        _write(path, json.dumps(md.to_json(metadata), indent=2) + "\n")
        on = f" on {metadata.ref_name}" if metadata.ref_name else ""
        version = f", version {metadata.version}" if metadata.version else ""
        return StageOutcome(
            True,
            f"commit {metadata.commit[:12]}{on}{version} ({relative_posix(path, conveyor.root)})",
        )


@dataclass(frozen=True)
class SignStage:
    """Key-based signing (no OIDC, no Sigstore instance needed), or a notice."""

    key: str | None
    public_key: str | None
    env: Mapping[str, str]
    name: str = "sign"
    group: str | None = None

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        if not self.key:
            return StageOutcome(True, "no key configured", (NO_KEY_NOTICE,), skipped=True)
        from clearance.trust.keys import KeySigner, KeySource, load_private_key, write_public_key
        from clearance.trust.signing import Artifact, sign_files

        base = conveyor.settings.root
        source = KeySource(self.key)
        signer = load_private_key(source, self.env, base)
        public = (
            Path(self.public_key)
            if self.public_key
            else (base / default if (default := source.default_public_key()) else None)
        )
        if public is None:
            raise UsageError(
                f"key {self.key}: name where consumers find the public key "
                "([tool.clearance.run] public-key, or --public-key)"
            )
        public = public if public.is_absolute() else base / public
        write_public_key(signer, public)
        artifacts = [
            Artifact(shown=relative_posix(path, conveyor.root), path=path, sha256=digest.digest.hex)
            for path, digest in zip(conveyor.artifacts, conveyor.digests, strict=True)
        ]
        with KeySigner(signer, public) as backend:
            signed = sign_files(artifacts, backend)
        conveyor.bundles = [b.bundle for b in signed.bundles]
        shown = ", ".join(b.shown_bundle for b in signed.bundles)
        return StageOutcome(True, f"{signed.signer.describe()}: {shown}")


@dataclass(frozen=True)
class DeployStage:
    """Record the digest as deployed to the local environment in the SQLite ledger."""

    environment: str
    now: Callable[[], dt.datetime]
    name: str = "deploy"
    group: str | None = None

    def run(self, conveyor: Conveyor, progress: Progress) -> StageOutcome:
        from clearance.release.changes import GitChanges
        from clearance.release.deploy import finish, start
        from clearance.release.environments import policy_for
        from clearance.release.evidence import scan_summary_from_report
        from clearance.release.ledger.sqlite import DEFAULT_PATH, SqliteLedger
        from clearance.release.recording import ReleaseContext
        from clearance.release.records import Evidence, State
        from clearance.report import Report
        from clearance.report.jsonfile import render_json

        metadata, digest = conveyor.metadata, conveyor.digest
        if metadata is None or digest is None:
            raise UsageError("nothing to deploy: no digest and metadata")
        report_path = conveyor.work_dir / REPORT_NAME
        report = Report(
            results=conveyor.results, fail_on=conveyor.settings.fail_on, tool_version=__version__
        )
        _write(report_path, render_json(report))
        evidence = Evidence(
            scan=scan_summary_from_report(report_path) if conveyor.results else None,
            references=tuple(relative_posix(b, conveyor.root) for b in conveyor.bundles),
        )
        policy = policy_for(conveyor.settings, self.environment)
        path = conveyor.root / DEFAULT_PATH
        with SqliteLedger(path) as ledger:
            context = ReleaseContext(ledger=ledger, now=self.now, changes=GitChanges(conveyor.root))
            recorded = start(
                context,
                policy=policy,
                digest=str(digest),
                metadata=metadata,
                evidence=evidence,
                description=f"clearance run: {digest.short} to {self.environment}",
            )
            deployment = recorded.deployment
            try:
                done = finish(context, deployment.id, State.SUCCESS)
            except BaseException:  # interrupted too: never leave it in progress
                with contextlib.suppress(ClearanceError):
                    finish(context, deployment.id, State.ERROR)
                raise
        conveyor.deployment = done.deployment
        return StageOutcome(
            True,
            f"deployment {deployment.id} of {digest.short} to {self.environment} "
            f"({relative_posix(path, conveyor.root)})",
        )
