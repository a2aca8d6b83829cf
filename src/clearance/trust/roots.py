"""Trust roots: which Fulcio CAs, Rekor logs, CT logs and TSAs a verification believes.

Three sources, chosen once per run (one load, however many artifacts):

- **shipped** (default, offline): the `trusted_root.json` that sigstore-python ships for the
  public-good production or staging instance. sigstore's own offline mode reads a trust root
  from the user's TUF cache when one is there (left by any earlier online use), so the same
  command could verify differently on two machines; clearance reads the shipped file directly
  and never consults that cache: offline verification is deterministic for a given
  sigstore-python version.
- **online** (`--online`): a TUF refresh of the instance's repository through sigstore-python
  (`ClientTrustConfig.from_tuf`), stored in sigstore's cache. A failed refresh is a
  `ServiceError` (exit 3), never a silent fall-back to an older root.
- **file** (`--trust-config FILE`): a Sigstore `ClientTrustConfig` (or a bare `TrustedRoot`)
  JSON document, for private instances.

Trust roots keep the keys of retired Fulcio CAs and logs with their validity windows, so old
bundles verify at their signing time; a hand-made trust config must keep them too.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from pathlib import Path
from urllib.parse import quote

from sigstore.errors import Error as SigstoreError
from sigstore.models import ClientTrustConfig, TrustedRoot
from sigstore.verify import Verifier

from clearance.errors import ServiceError, UsageError

PRODUCTION_TUF_URL = "https://tuf-repo-cdn.sigstore.dev"
STAGING_TUF_URL = "https://tuf-repo-cdn.sigstage.dev"
_TRUSTED_ROOT_MEDIA_TYPE = "application/vnd.dev.sigstore.trustedroot+json;version=0.1"


class Instance(StrEnum):
    PRODUCTION = "production"
    STAGING = "staging"

    @property
    def tuf_url(self) -> str:
        return PRODUCTION_TUF_URL if self is Instance.PRODUCTION else STAGING_TUF_URL


class TrustSource(StrEnum):
    SHIPPED = "shipped"
    ONLINE = "online"
    FILE = "file"


@dataclass(frozen=True)
class TrustSpec:
    """Where the trust root comes from. `tuf_url` overrides the instance's (tests, mirrors)."""

    instance: Instance = Instance.PRODUCTION
    online: bool = False
    trust_config: Path | None = None
    tuf_url: str | None = None

    @property
    def source(self) -> TrustSource:
        if self.trust_config is not None:
            return TrustSource.FILE
        return TrustSource.ONLINE if self.online else TrustSource.SHIPPED

    def describe(self) -> str:
        if self.trust_config is not None:
            return f"trust config {self.trust_config}"
        how = "refreshed over TUF" if self.online else "shipped with sigstore-python"
        return f"{self.instance.value} trust root, {how}"


@dataclass(frozen=True)
class Trust:
    """A loaded trust root and the one sigstore `Verifier` built on it."""

    spec: TrustSpec
    trusted_root: TrustedRoot
    verifier: Verifier

    def log_url(self, log_id: bytes) -> str | None:
        """The base URL of the transparency log with this log id, when the root knows it."""
        for tlog in self.trusted_root._inner.tlogs:
            if tlog.log_id is not None and tlog.log_id.key_id == log_id:
                return str(tlog.base_url)
        return None


def shipped_trusted_root(tuf_url: str) -> Path:
    """The trusted_root.json sigstore-python ships for a TUF repository (production, staging)."""
    folder = resources.files("sigstore._store").joinpath(quote(tuf_url, safe=""))
    path = Path(str(folder.joinpath("trusted_root.json")))
    if not path.is_file():
        raise UsageError(
            f"sigstore-python ships no trust root for {tuf_url}: use --online or --trust-config"
        )
    return path


def load_trust(spec: TrustSpec) -> Trust:
    """Load the trust root once.

    `UsageError` for an unusable trust config, `ServiceError` for a failed online refresh."""
    if spec.trust_config is not None and spec.online:
        raise UsageError("--online and --trust-config exclude each other")
    if spec.trust_config is not None:
        root = _root_from_file(spec.trust_config)
    elif spec.online:
        url = spec.tuf_url or spec.instance.tuf_url
        try:
            root = ClientTrustConfig.from_tuf(url, offline=False).trusted_root
        except Exception as exc:  # TUFError, network errors, bad metadata: all external
            raise ServiceError(
                f"could not refresh the trust root from {url} ({type(exc).__name__}); "
                "check the network or drop --online to use the shipped trust root"
            ) from exc
    else:
        path = shipped_trusted_root(spec.tuf_url or spec.instance.tuf_url)
        try:
            root = TrustedRoot.from_file(str(path))
        except (OSError, ValueError, SigstoreError) as exc:  # pragma: no cover - shipped file
            raise UsageError(f"the shipped trust root {path} is unusable: {exc}") from exc
    try:
        verifier = Verifier(trusted_root=root)
    except SigstoreError as exc:
        raise UsageError(f"{spec.describe()}: unusable trust root: {exc}") from exc
    return Trust(spec=spec, trusted_root=root, verifier=verifier)


def _root_from_file(path: Path) -> TrustedRoot:
    where = f"--trust-config {path}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise UsageError(f"{where}: no such file") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{where}: cannot read it: {exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UsageError(f"{where}: not JSON: {exc}") from exc
    media_type = document.get("mediaType") if isinstance(document, dict) else None
    try:
        if media_type == _TRUSTED_ROOT_MEDIA_TYPE:
            return TrustedRoot.from_file(str(path))
        return ClientTrustConfig.from_json(text).trusted_root
    except Exception as exc:  # pydantic ValidationError, sigstore Error: a bad document
        raise UsageError(
            f"{where}: not a Sigstore ClientTrustConfig or TrustedRoot ({type(exc).__name__})"
        ) from exc
