"""The in-toto Statement v1 (https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md).

Subjects are the artifacts by name and sha256, as actions/attest names them (the file's base
name). The statement is serialized once, compactly; those bytes are what is signed (the DSSE
payload) and what `statement_digest` hashes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

STATEMENT_TYPE = "https://in-toto.io/Statement/v1"
PAYLOAD_TYPE = "application/vnd.in-toto+json"


@dataclass(frozen=True)
class ArtifactSubject:
    """An artifact as a statement names it."""

    name: str
    sha256: str

    @classmethod
    def of(cls, path: Path, sha256: str) -> ArtifactSubject:
        return cls(name=path.name, sha256=sha256)

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "digest": {"sha256": self.sha256}}


def statement(
    subjects: Sequence[ArtifactSubject], predicate_type: str, predicate: Mapping[str, Any]
) -> dict[str, Any]:
    if not subjects:
        raise ValueError("an in-toto statement needs at least one subject")
    unique = {(s.name, s.sha256): s for s in subjects}
    return {
        "_type": STATEMENT_TYPE,
        "subject": [s.to_json() for s in unique.values()],
        "predicateType": predicate_type,
        "predicate": dict(predicate),
    }


def serialize(document: Mapping[str, Any]) -> bytes:
    """The statement's bytes: compact JSON, UTF-8, keys in the order built."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def statement_digest(payload: bytes) -> str:
    return "sha256:" + hashlib.sha256(payload).hexdigest()
