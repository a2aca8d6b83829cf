"""`--online` refreshes the trust root over TUF from a real (loopback) TUF repository served by
a real HTTP server; a refresh that fails is exit 3 (that offline runs ignore sigstore's cache
is in tests/unit/trust/test_verify_cli.py)."""

from __future__ import annotations

import datetime as dt
import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from importlib import resources
from pathlib import Path
from urllib.parse import quote

import pytest
from securesystemslib.signer import CryptoSigner
from tests.unit.trust.corpus import BY_ID
from tuf.api.metadata import Metadata, Root, Snapshot, TargetFile, Targets, Timestamp
from tuf.api.serialization.json import JSONSerializer

from clearance.trust import roots

pytestmark = pytest.mark.integration

RELEASE = BY_ID["py-bundle_v3_github.whl"]
POLICY = ["--repository", "trailofbits/rfc8785.py", "--ref", "refs/tags/v*"]
STORE = resources.files("sigstore._store")
PRODUCTION = "https%3A%2F%2Ftuf-repo-cdn.sigstore.dev"
STAGING = "https%3A%2F%2Ftuf-repo-cdn.sigstage.dev"


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    """A static HTTP server on loopback over a directory: (base URL, directory)."""
    directory = tmp_path / "www"
    directory.mkdir()
    handler = functools.partial(_Quiet, directory=str(directory))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", directory
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


@pytest.fixture
def sigstore_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """sigstore-python's TUF data and cache under tmp_path (never the user's)."""
    for variable in ("XDG_DATA_HOME", "XDG_CACHE_HOME"):
        monkeypatch.setenv(variable, str(tmp_path / variable))
    return tmp_path


def _tuf_repository(directory: Path, targets: dict[str, bytes]) -> bytes:
    """Write a one-key TUF repository serving `targets`; returns its root.json (version 1)."""
    signer = CryptoSigner.generate_ed25519()
    expires = dt.datetime.now(dt.UTC).replace(microsecond=0) + dt.timedelta(days=1)
    root = Metadata(Root(expires=expires, consistent_snapshot=False))
    for role in ("root", "targets", "snapshot", "timestamp"):
        root.signed.add_key(signer.public_key, role)
    target_files = {name: TargetFile.from_data(name, data) for name, data in targets.items()}
    targets_md = Metadata(Targets(expires=expires, targets=target_files))
    snapshot = Metadata(Snapshot(expires=expires))
    timestamp = Metadata(Timestamp(expires=expires))
    (directory / "targets").mkdir()
    for name, data in targets.items():
        (directory / "targets" / name).write_bytes(data)
    for md, name in ((root, "1.root.json"), (targets_md, "targets.json")):
        md.sign(signer)
        md.to_file(str(directory / name), JSONSerializer())
    snapshot.signed.meta["targets.json"].version = targets_md.signed.version
    snapshot.sign(signer)
    snapshot.to_file(str(directory / "snapshot.json"), JSONSerializer())
    timestamp.signed.snapshot_meta.version = snapshot.signed.version
    timestamp.sign(signer)
    timestamp.to_file(str(directory / "timestamp.json"), JSONSerializer())
    return (directory / "1.root.json").read_bytes()


def _trust_repository_locally(sigstore_dirs: Path, url: str, root_json: bytes) -> None:
    """What `sigstore trust-instance` leaves: the repository's root in sigstore's data dir."""
    metadata = sigstore_dirs / "XDG_DATA_HOME" / "sigstore-python" / "tuf" / quote(url, safe="")
    metadata.mkdir(parents=True)
    (metadata / "root.json").write_bytes(root_json)


def test_online_refreshes_the_trust_root_over_tuf(
    served: tuple[str, Path], sigstore_dirs: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:  # type: ignore[no-untyped-def]
    url, directory = served
    root_json = _tuf_repository(
        directory,
        {
            "trusted_root.json": STORE.joinpath(PRODUCTION, "trusted_root.json").read_bytes(),
            "signing_config.v0.2.json": STORE.joinpath(
                PRODUCTION, "signing_config.v0.2.json"
            ).read_bytes(),
        },
    )
    _trust_repository_locally(sigstore_dirs, url, root_json)
    monkeypatch.setattr(roots, "PRODUCTION_TUF_URL", url)

    result = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *POLICY, "--online"
    )

    assert result.code == 0, (result.stdout, result.stderr)
    cached = sigstore_dirs / "XDG_CACHE_HOME" / "sigstore-python" / "tuf" / quote(url, safe="")
    assert (cached / "trusted_root.json").is_file()


def test_online_with_a_refreshed_root_that_does_not_trust_the_signer_fails(
    served: tuple[str, Path], sigstore_dirs: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:  # type: ignore[no-untyped-def]
    """The repository now serves the staging root: the refresh is what is believed."""
    url, directory = served
    root_json = _tuf_repository(
        directory,
        {
            "trusted_root.json": STORE.joinpath(STAGING, "trusted_root.json").read_bytes(),
            "signing_config.v0.2.json": STORE.joinpath(
                STAGING, "signing_config.v0.2.json"
            ).read_bytes(),
        },
    )
    _trust_repository_locally(sigstore_dirs, url, root_json)
    monkeypatch.setattr(roots, "PRODUCTION_TUF_URL", url)

    online = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *POLICY, "--online"
    )
    assert online.code == 1


def test_a_failed_refresh_exits_3(
    served: tuple[str, Path], sigstore_dirs: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:  # type: ignore[no-untyped-def]
    url, _ = served  # serves nothing: every metadata request is a 404
    _trust_repository_locally(
        sigstore_dirs, url, STORE.joinpath(PRODUCTION, "root.json").read_bytes()
    )
    monkeypatch.setattr(roots, "PRODUCTION_TUF_URL", url)

    result = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *POLICY, "--online"
    )

    assert result.code == 3
    assert f"could not refresh the trust root from {url}" in result.stderr
    assert result.stdout == ""


def test_an_unreachable_repository_exits_3(
    sigstore_dirs: Path, monkeypatch: pytest.MonkeyPatch, run_cli
) -> None:  # type: ignore[no-untyped-def]
    url = "http://127.0.0.1:9"  # discard port: nothing listens
    _trust_repository_locally(
        sigstore_dirs, url, STORE.joinpath(PRODUCTION, "root.json").read_bytes()
    )
    monkeypatch.setattr(roots, "PRODUCTION_TUF_URL", url)
    result = run_cli(
        "verify", str(RELEASE.artifact), "--bundle", str(RELEASE.bundle), *POLICY, "--online"
    )
    assert result.code == 3
    shutil.rmtree(sigstore_dirs / "XDG_DATA_HOME")
