"""The test tree never shadows a standard-library module.

Under pytest's importlib mode a test folder with an `__init__.py` below a folder without one
is imported under its bare name: `tests/unit/secrets/__init__.py` became the module `secrets`,
replacing the standard library's in `sys.modules` for the rest of the session, so numpy (which
does `from secrets import randbits`) failed to import in every later test.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_test_package_is_named_like_a_standard_library_module() -> None:
    packages = [p.parent for p in (ROOT / "tests").rglob("__init__.py")]
    clashes = [str(p.relative_to(ROOT)) for p in packages if p.name in sys.stdlib_module_names]
    assert clashes == []
