"""Redaction: values that must never be written anywhere (secrets, tokens).

A `Redactor` collects sensitive values as they are discovered; the CLI's error handler and
every writer that can echo input pass their text through `scrub` last.
"""

from __future__ import annotations

import hashlib

REDACTED = "[REDACTED]"


def describe_secret(value: str) -> str:
    """A safe description of a secret: its length and a short hash, never its characters."""
    digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    return f"{len(value)} chars, sha256:{digest}"


class Redactor:
    """Remembers sensitive values and removes them from text."""

    def __init__(self) -> None:
        self._values: set[str] = set()

    def register(self, value: str) -> None:
        if len(value) >= 4:
            self._values.add(value)

    def __len__(self) -> int:
        return len(self._values)

    def scrub(self, text: str) -> str:
        # Longest first, so a value containing another is removed whole.
        for value in sorted(self._values, key=len, reverse=True):
            if value in text:
                text = text.replace(value, REDACTED)
        return text
