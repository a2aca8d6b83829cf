"""A Rekor-v1-like transparency log: hashedrekord and dsse entries, an RFC 6962 Merkle tree,
inclusion proofs, signed checkpoints (signed notes) and signed entry timestamps.

Like Rekor, it checks what it logs: a hashedrekord's signature must verify over the digest
with the certificate's key, a DSSE envelope's signature over its PAE; a DSSE entry is stored
in Rekor's canonical form (envelopeHash, payloadHash, signatures), and a body already in the
log is refused with 409.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import rfc8785
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, utils

TREE_ID = 1193050959916656506


class EntryRejected(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def merkle_root(leaves: list[bytes]) -> bytes:
    """RFC 6962 MTH over leaf hashes."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    return node_hash(merkle_root(leaves[:split]), merkle_root(leaves[split:]))


def inclusion_path(index: int, leaves: list[bytes]) -> list[bytes]:
    """RFC 6962 PATH(m, D[n]), bottom-up."""
    if len(leaves) <= 1:
        return []
    split = 1 << ((len(leaves) - 1).bit_length() - 1)
    if index < split:
        return [*inclusion_path(index, leaves[:split]), merkle_root(leaves[split:])]
    return [*inclusion_path(index - split, leaves[split:]), merkle_root(leaves[:split])]


def _pae(payload_type: str, payload: bytes) -> bytes:
    kind = payload_type.encode()
    return b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)


def _certificate(b64_pem: str) -> x509.Certificate:
    try:
        return x509.load_pem_x509_certificate(base64.b64decode(b64_pem, validate=True))
    except (ValueError, binascii.Error) as error:
        raise EntryRejected(400, f"invalid verifier: {error}") from error


def _verify_ecdsa(
    certificate: x509.Certificate, signature: bytes, data: bytes, *, prehashed: bool
) -> None:
    key = certificate.public_key()
    if not isinstance(key, ec.EllipticCurvePublicKey):
        raise EntryRejected(400, "only ECDSA verifiers are supported by this log")
    algorithm = utils.Prehashed(hashes.SHA256()) if prehashed else hashes.SHA256()
    try:
        key.verify(signature, data, ec.ECDSA(algorithm))
    except InvalidSignature as error:
        raise EntryRejected(
            400, "signature does not verify with the provided public key"
        ) from error


def canonical_entry(proposed: Mapping[str, Any]) -> dict[str, Any]:
    """Check a proposed v1 entry and return the body Rekor would log."""
    kind, version, spec = proposed.get("kind"), proposed.get("apiVersion"), proposed.get("spec")
    if not isinstance(spec, Mapping) or version != "0.0.1":
        raise EntryRejected(400, "unsupported entry: expected apiVersion 0.0.1 with a spec")
    try:
        if kind == "hashedrekord":
            digest = spec["data"]["hash"]
            if digest["algorithm"] != "sha256":
                raise EntryRejected(400, "only sha256 hashedrekord entries are supported")
            certificate = _certificate(spec["signature"]["publicKey"]["content"])
            signature = base64.b64decode(spec["signature"]["content"], validate=True)
            _verify_ecdsa(certificate, signature, bytes.fromhex(digest["value"]), prehashed=True)
            return {
                "apiVersion": "0.0.1",
                "kind": kind,
                "spec": {
                    "data": {"hash": {"algorithm": "sha256", "value": digest["value"]}},
                    "signature": {
                        "content": spec["signature"]["content"],
                        "publicKey": {"content": spec["signature"]["publicKey"]["content"]},
                    },
                },
            }
        if kind == "dsse":
            content = spec["proposedContent"]
            raw_envelope = content["envelope"]
            envelope = json.loads(raw_envelope)
            payload = base64.b64decode(envelope["payload"], validate=True)
            verifiers = [_certificate(v) for v in content["verifiers"]]
            signatures = []
            for entry in envelope["signatures"]:
                signature = base64.b64decode(entry["sig"], validate=True)
                matching = [
                    i for i, c in enumerate(verifiers) if _verifies(c, signature, envelope, payload)
                ]
                if not matching:
                    raise EntryRejected(400, "DSSE signature does not verify with any verifier")
                signatures.append(
                    {"signature": entry["sig"], "verifier": content["verifiers"][matching[0]]}
                )
            return {
                "apiVersion": "0.0.1",
                "kind": kind,
                "spec": {
                    "envelopeHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(raw_envelope.encode()).hexdigest(),
                    },
                    "payloadHash": {
                        "algorithm": "sha256",
                        "value": hashlib.sha256(payload).hexdigest(),
                    },
                    "signatures": signatures,
                },
            }
    except (KeyError, TypeError, ValueError, binascii.Error) as error:
        raise EntryRejected(400, f"malformed {kind} entry: {error!r}") from error
    raise EntryRejected(400, f"unsupported entry kind {kind!r}")


def _verifies(
    certificate: x509.Certificate, signature: bytes, envelope: Mapping[str, Any], payload: bytes
) -> bool:
    try:
        _verify_ecdsa(
            certificate, signature, _pae(envelope["payloadType"], payload), prehashed=False
        )
    except EntryRejected:
        return False
    return True


@dataclass(frozen=True)
class LogEntry:
    uuid: str
    body: bytes  # canonical JSON of the entry
    integrated_time: int
    log_index: int


class TransparencyLog:
    def __init__(self, *, origin: str = "rekor.standin") -> None:
        self.key = ec.generate_private_key(ec.SECP256R1())
        spki = self.key.public_key().public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
        self.log_id = hashlib.sha256(spki).digest()
        self.origin = f"{origin} - {TREE_ID}"
        self.name = origin
        self.entries: list[LogEntry] = []
        self._leaves: list[bytes] = []
        self._lock = threading.Lock()

    def add(self, proposed: Mapping[str, Any]) -> dict[str, Any]:
        """Log a proposed entry; returns Rekor v1's `{uuid: LogEntryAnon}` response."""
        body = rfc8785.dumps(canonical_entry(proposed))
        with self._lock:
            leaf = leaf_hash(body)
            if leaf in self._leaves:
                existing = self.entries[self._leaves.index(leaf)]
                raise EntryRejected(
                    409,
                    f"an equivalent entry already exists in the transparency log with UUID "
                    f"{existing.uuid}",
                )
            entry = LogEntry(
                f"{TREE_ID:016x}{leaf.hex()}", body, int(time.time()), len(self.entries)
            )
            self.entries.append(entry)
            self._leaves.append(leaf)
            return {entry.uuid: self._response(entry, list(self._leaves))}

    def _response(self, entry: LogEntry, leaves: list[bytes]) -> dict[str, Any]:
        root = merkle_root(leaves)
        body_b64 = base64.b64encode(entry.body).decode()
        log_id = self.log_id.hex()
        promise = rfc8785.dumps(
            {
                "body": body_b64,
                "integratedTime": entry.integrated_time,
                "logID": log_id,
                "logIndex": entry.log_index,
            }
        )
        return {
            "body": body_b64,
            "integratedTime": entry.integrated_time,
            "logID": log_id,
            "logIndex": entry.log_index,
            "verification": {
                "inclusionProof": {
                    "logIndex": entry.log_index,
                    "treeSize": len(leaves),
                    "rootHash": root.hex(),
                    "hashes": [h.hex() for h in inclusion_path(entry.log_index, leaves)],
                    "checkpoint": self.checkpoint(len(leaves), root),
                },
                "signedEntryTimestamp": base64.b64encode(self._sign(promise)).decode(),
            },
        }

    def entry(self, index: int) -> dict[str, Any]:
        with self._lock:
            return {
                self.entries[index].uuid: self._response(self.entries[index], list(self._leaves))
            }

    def checkpoint(self, size: int, root: bytes) -> str:
        """A signed note: `origin\\nsize\\nb64(root)\\n` + blank line + `— name b64(keyhint‖sig)`."""
        note = f"{self.origin}\n{size}\n{base64.b64encode(root).decode()}\n"
        signature = self.log_id[:4] + self._sign(note.encode())
        return f"{note}\n\u2014 {self.name} {base64.b64encode(signature).decode()}\n"

    def info(self) -> dict[str, Any]:
        with self._lock:
            root = merkle_root(list(self._leaves))
            size = len(self._leaves)
        return {
            "rootHash": root.hex(),
            "treeSize": size,
            "signedTreeHead": self.checkpoint(size, root),
            "treeID": str(TREE_ID),
        }

    def _sign(self, data: bytes) -> bytes:
        return self.key.sign(data, ec.ECDSA(hashes.SHA256()))
