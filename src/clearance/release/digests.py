"""Artifact digests: the key that ties every step of a release together.

A digest is written `algorithm:hex` (`sha256:9f86…`), as OCI and in-toto write it. Files are
hashed here; image digests and the like are given as text and validated.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

_LENGTHS = {"sha256": 64, "sha384": 96, "sha512": 128}
_SHAPE = re.compile(r"(sha256|sha384|sha512):([0-9a-f]+)")
_CHUNK = 1 << 20


@dataclass(frozen=True, order=True)
class Digest:
    algorithm: str
    hex: str

    def __str__(self) -> str:
        return f"{self.algorithm}:{self.hex}"

    @property
    def short(self) -> str:
        """`sha256:9f86d081884c` for people."""
        return f"{self.algorithm}:{self.hex[:12]}"


def parse_digest(text: str) -> Digest:
    """`sha256:<64 hex>` (also sha384/sha512); raises ValueError with the expected shape."""
    value = text.strip()
    match = _SHAPE.fullmatch(value.lower())
    if match is None or len(match.group(2)) != _LENGTHS[match.group(1)]:
        raise ValueError(
            f"{text!r} is not a digest: expected sha256:<64 hex digits> (or sha384/sha512)"
        )
    return Digest(match.group(1), match.group(2))


def file_digest(path: Path) -> Digest:
    """The sha256 of a file's bytes."""
    sha = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            sha.update(chunk)
    return Digest("sha256", sha.hexdigest())
