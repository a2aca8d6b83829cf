"""digest and sign as stages: one digest keys the deployment; no key, no signature (a notice)."""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from clearance.config import Settings
from clearance.errors import UsageError
from clearance.pipeline.release import NO_KEY_NOTICE, DigestStage, SignStage
from clearance.pipeline.stages import Conveyor
from clearance.scan.interface import no_progress


def conveyor(tmp_path: Path, *names: str) -> Conveyor:
    state = Conveyor(
        root=tmp_path,
        settings=Settings(root=tmp_path),
        today=dt.date(2026, 1, 1),
        work_dir=tmp_path / ".clearance" / "run",
    )
    for name in names:
        path = tmp_path / "dist" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(name)
        state.artifacts.append(path)
    return state


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def test_one_artifact_is_deployed_by_its_own_digest(tmp_path: Path) -> None:
    state = conveyor(tmp_path, "app-1.0.whl")
    outcome = DigestStage().run(state, no_progress)
    assert str(state.digest) == f"sha256:{sha256('app-1.0.whl')}"
    assert outcome.detail == f"{state.digest} app-1.0.whl"


def test_several_artifacts_are_deployed_by_the_digest_of_their_checksum_list(
    tmp_path: Path,
) -> None:
    state = conveyor(tmp_path, "a.whl", "a.tar.gz")
    outcome = DigestStage().run(state, no_progress)
    checksums = tmp_path / ".clearance" / "run" / "SHA256SUMS"
    listing = f"{sha256('a.whl')}  dist/a.whl\n{sha256('a.tar.gz')}  dist/a.tar.gz\n"
    assert checksums.read_text() == listing
    assert str(state.digest) == f"sha256:{sha256(listing)}"
    assert [str(d.digest) for d in state.digests] == [
        f"sha256:{sha256('a.whl')}",
        f"sha256:{sha256('a.tar.gz')}",
    ]
    assert "(2 artifacts)" in outcome.detail


def test_nothing_to_digest_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(UsageError):
        DigestStage().run(conveyor(tmp_path), no_progress)


def test_without_a_key_signing_is_skipped_with_a_notice(tmp_path: Path) -> None:
    state = conveyor(tmp_path, "app.whl")
    outcome = SignStage(key=None, public_key=None, env={}).run(state, no_progress)
    assert outcome.passed and outcome.skipped
    assert outcome.notices == (NO_KEY_NOTICE,)
    assert state.bundles == []
    assert not (tmp_path / "dist" / "app.whl.sigstore.json").exists()


def test_a_key_in_a_variable_needs_a_public_key_path(tmp_path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    pem = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    state = conveyor(tmp_path, "app.whl")
    DigestStage().run(state, no_progress)
    env = {"SIGNING_KEY": pem.decode()}
    with pytest.raises(UsageError, match="public-key"):
        SignStage(key="env://SIGNING_KEY", public_key=None, env=env).run(state, no_progress)
    outcome = SignStage(key="env://SIGNING_KEY", public_key="keys/signing.pub", env=env).run(
        state, no_progress
    )
    assert outcome.passed and not outcome.skipped
    assert (tmp_path / "keys" / "signing.pub").is_file()
    assert state.bundles == [tmp_path / "dist" / "app.whl.sigstore.json"]


def test_the_deployment_ends_in_error_when_its_success_cannot_be_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from clearance.errors import ExternalError
    from clearance.pipeline.release import DeployStage
    from clearance.release import deploy
    from clearance.release.ledger.sqlite import DEFAULT_PATH, SqliteLedger
    from clearance.release.metadata import Metadata
    from clearance.release.records import State

    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    state = conveyor(tmp_path, "app.whl")
    DigestStage().run(state, no_progress)
    state.metadata = Metadata(commit="a" * 40, time=now, artifacts=tuple(state.digests))
    real_finish = deploy.finish

    def failing_finish(context, deployment_id, status, **kwargs):  # type: ignore[no-untyped-def]
        if status is State.SUCCESS:
            raise ExternalError("disk full")
        return real_finish(context, deployment_id, status, **kwargs)

    monkeypatch.setattr(deploy, "finish", failing_finish)
    with pytest.raises(ExternalError):
        DeployStage("dev", lambda: now).run(state, no_progress)
    with SqliteLedger(tmp_path / DEFAULT_PATH) as ledger:
        assert [d.state for d in ledger.history()] == [State.ERROR]
