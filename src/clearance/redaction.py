"""Redaction: values that must never be written anywhere (secrets, tokens).

A `Redactor` collects sensitive values as they are discovered; the CLI's error handler and
every writer that can echo input pass their text through `scrub` last.
"""

from __future__ import annotations

import hashlib

REDACTED = "[REDACTED]"


# A public prefix is shown only for tokens at least this long, so that what follows it (at
# least 16 characters) stays unguessable from the report.
PREFIX_MIN_TOKEN_LENGTH = 24
PREFIX_MIN_HIDDEN = 16


def describe_secret(value: str, public_prefix: str = "") -> str:
    """A safe description of a secret: its length and a short hash, never its characters.

    With a documented `public_prefix` (`ghp_`, `sk-ant-`) that the value starts with, a long
    token also shows that prefix, which says what it is and nothing about the secret part.
    Passwords and other prefix-less secrets never show any character.
    """
    digest = hashlib.sha256(value.encode("utf-8", "surrogateescape")).hexdigest()[:8]
    shown = ""
    if (
        public_prefix
        and value.startswith(public_prefix)
        and len(value) >= PREFIX_MIN_TOKEN_LENGTH
        and len(value) - len(public_prefix) >= PREFIX_MIN_HIDDEN
    ):
        shown = f"{public_prefix}…, "
    return f"{shown}{len(value)} chars, sha256:{digest}"


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
