"""Glob semantics of exclude and ignore.path."""

from __future__ import annotations

import pytest

from clearance.paths import matches


@pytest.mark.parametrize(
    "path, pattern, expected",
    [
        ("tests/unit/test_a.py", "tests/**", True),
        ("tests", "tests", True),
        ("src/tests/x.py", "tests/**", False),  # a pattern with / is anchored
        ("src/tests/x.py", "tests", True),  # a bare name matches at any depth, and below it
        ("a/b/c/d.py", "a/**/d.py", True),
        ("a/d.py", "a/**/d.py", True),
        ("a/b/d.py", "a/*.py", False),
        ("a/x.py", "a/*.py", True),
        ("setup.py", "*.py", True),
        ("deep/setup.py", "*.py", True),
        ("a/b.py", "a/?.py", True),
        ("a/bc.py", "a/?.py", False),
        ("a/b.py", "a/[ab].py", True),
        ("a/c.py", "a/[!ab].py", True),
        ("migrations/0001.py", "migrations/", True),
    ],
)
def test_glob(path: str, pattern: str, expected: bool) -> None:
    assert matches(path, pattern) is expected
