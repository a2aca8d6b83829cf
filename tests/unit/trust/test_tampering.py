"""Property: flipping any byte of the artifact, of the signature or of the bundle's certificate
makes `clearance verify` exit 1 (never 0, never a traceback), and each targeted tampering of the
log evidence fails for its own stated reason."""

from __future__ import annotations

import base64
import contextlib
import copy
import io
import json
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from tests.unit.trust.corpus import BY_ID, Case

from clearance.cli import main

# Valid cases of each shape: v0.2 with a certificate chain, v0.3 message signature, DSSE
# attestation on Rekor v1, Rekor v2 with a timestamp, DSSE on Rekor v2.
SHAPES = [
    "py-bundle_v3_github.whl",
    "pa-pypi_attestations-0.0.19-slsa-pep740",
    "py-staging-rekor-v2",
    "py-a.dsse.staging-rekor-v2",
    "py-bundle.txt-staging-v0.1",
]
PROFILE = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def run(args: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(args)
    return code, out.getvalue(), err.getvalue()


def verify(case: Case, artifact: bytes, bundle: dict[str, Any]) -> tuple[int, str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        artifact_path = Path(tmp, "artifact")
        bundle_path = Path(tmp, "artifact.sigstore.json")
        artifact_path.write_bytes(artifact)
        bundle_path.write_text(json.dumps(bundle), encoding="utf-8")
        args = ["verify", str(artifact_path), *case.cli_args()[3:], "--format", "json"]
        return run(args)


def original(case_id: str) -> tuple[Case, bytes, dict[str, Any]]:
    case = BY_ID[case_id]
    assert case.artifact is not None
    return case, case.artifact.read_bytes(), json.loads(case.bundle.read_text(encoding="utf-8"))


def flip(data: bytes, index: int, mask: int) -> bytes:
    out = bytearray(data)
    out[index % len(out)] ^= mask
    return bytes(out)


def signature_field(bundle: dict[str, Any]) -> tuple[dict[str, Any], str]:
    if "dsseEnvelope" in bundle:
        return bundle["dsseEnvelope"]["signatures"][0], "sig"
    return bundle["messageSignature"], "signature"


def certificate_field(bundle: dict[str, Any]) -> tuple[dict[str, Any], str]:
    material = bundle["verificationMaterial"]
    if "certificate" in material:
        return material["certificate"], "rawBytes"
    return material["x509CertificateChain"]["certificates"][0], "rawBytes"


def assert_fails_cleanly(result: tuple[int, str, str]) -> dict[str, Any]:
    code, out, err = result
    assert code == 1, (out, err)
    assert "Traceback" not in err and "internal error" not in err
    [verdict] = json.loads(out)["verdicts"]
    assert verdict["outcome"] == "failed"
    assert verdict["reason"]
    return verdict


@pytest.mark.parametrize("case_id", SHAPES)
def test_the_untouched_cases_verify(case_id: str) -> None:
    case, artifact, bundle = original(case_id)
    code, out, err = verify(case, artifact, bundle)
    assert code == 0, (out, err)


@pytest.mark.parametrize("case_id", SHAPES)
@PROFILE
@given(index=st.integers(min_value=0, max_value=1 << 20), mask=st.integers(1, 255))
def test_flipping_any_artifact_byte_fails(case_id: str, index: int, mask: int) -> None:
    case, artifact, bundle = original(case_id)
    assert_fails_cleanly(verify(case, flip(artifact, index, mask), bundle))


@pytest.mark.parametrize("case_id", SHAPES)
@PROFILE
@given(index=st.integers(min_value=0, max_value=1 << 20), mask=st.integers(1, 255))
def test_flipping_any_signature_byte_fails(case_id: str, index: int, mask: int) -> None:
    case, artifact, bundle = original(case_id)
    tampered = copy.deepcopy(bundle)
    holder, key = signature_field(tampered)
    holder[key] = base64.b64encode(flip(base64.b64decode(holder[key]), index, mask)).decode()
    assert_fails_cleanly(verify(case, artifact, tampered))


@pytest.mark.parametrize("case_id", SHAPES)
@PROFILE
@given(index=st.integers(min_value=0, max_value=1 << 20), mask=st.integers(1, 255))
def test_flipping_any_certificate_byte_fails(case_id: str, index: int, mask: int) -> None:
    case, artifact, bundle = original(case_id)
    tampered = copy.deepcopy(bundle)
    holder, key = certificate_field(tampered)
    holder[key] = base64.b64encode(flip(base64.b64decode(holder[key]), index, mask)).decode()
    assert_fails_cleanly(verify(case, artifact, tampered))


def _entry(bundle: dict[str, Any]) -> dict[str, Any]:
    entry: dict[str, Any] = bundle["verificationMaterial"]["tlogEntries"][0]
    return entry


def _flip_b64(value: str, index: int = 0) -> str:
    return base64.b64encode(flip(base64.b64decode(value), index, 1)).decode()


def _proof_hash(b: dict[str, Any]) -> None:
    hashes = _entry(b)["inclusionProof"]["hashes"]
    hashes[0] = _flip_b64(hashes[0])


def _root_hash(b: dict[str, Any]) -> None:
    proof = _entry(b)["inclusionProof"]
    proof["rootHash"] = _flip_b64(proof["rootHash"])


def _no_checkpoint(b: dict[str, Any]) -> None:
    del _entry(b)["inclusionProof"]["checkpoint"]


def _checkpoint_signature(b: dict[str, Any]) -> None:
    checkpoint = _entry(b)["inclusionProof"]["checkpoint"]
    head, sep, signature = checkpoint["envelope"].rpartition(" ")
    checkpoint["envelope"] = head + sep + _flip_b64(signature.strip(), 10) + "\n"


def _signed_entry_timestamp(b: dict[str, Any]) -> None:
    promise = _entry(b)["inclusionPromise"]
    promise["signedEntryTimestamp"] = _flip_b64(promise["signedEntryTimestamp"], 10)


def _a_day_later(b: dict[str, Any]) -> None:
    _entry(b)["integratedTime"] = str(int(_entry(b)["integratedTime"]) + 86400)


def _message_digest(b: dict[str, Any]) -> None:
    digest = b["messageSignature"]["messageDigest"]
    digest["digest"] = _flip_b64(digest["digest"])


def _not_a_bundle(b: dict[str, Any]) -> None:
    b.clear()
    b["hello"] = "world"


def _unknown_media_type(b: dict[str, Any]) -> None:
    b["mediaType"] = "application/vnd.dev.sigstore.bundle+json;version=9"


def _swapped_log_body(b: dict[str, Any]) -> None:
    other = json.loads(BY_ID["py-bundle_v3.txt-staging"].bundle.read_text(encoding="utf-8"))
    _entry(b)["canonicalizedBody"] = _entry(other)["canonicalizedBody"]


@pytest.mark.parametrize(
    "tamper, reason",
    [
        (_proof_hash, "inclusion-proof-invalid"),
        (_root_hash, "inclusion-proof-invalid"),
        (_no_checkpoint, "checkpoint-missing"),
        (_checkpoint_signature, "checkpoint-invalid"),
        (_signed_entry_timestamp, "inclusion-promise-invalid"),
        (_a_day_later, "certificate-expired"),
        (_message_digest, "digest-mismatch"),
        (_not_a_bundle, "bundle-invalid"),
        (_unknown_media_type, "bundle-invalid"),
        (_swapped_log_body, "inclusion-proof-invalid"),
    ],
    ids=lambda v: getattr(v, "__name__", v),
)
def test_each_tampering_of_the_evidence_states_its_reason(
    tamper: Callable[[dict[str, Any]], None], reason: str
) -> None:
    case, artifact, bundle = original("py-bundle_v3_github.whl")
    tampered = copy.deepcopy(bundle)
    tamper(tampered)
    verdict = assert_fails_cleanly(verify(case, artifact, tampered))
    assert verdict["reason"] == reason, verdict["detail"]
