"""Each pinned third-party action has a stand-in folder that names the release it stands for."""

from __future__ import annotations

import re

import pytest
from tests.e2e.harness import STANDIN_ACTIONS, STANDIN_PINS, uses


@pytest.mark.parametrize("pin", STANDIN_PINS, ids=lambda p: p.repository)
def test_pin_is_a_full_sha_with_a_release_and_a_stand_in(pin) -> None:
    assert re.fullmatch(r"[0-9a-f]{40}", pin.sha)
    assert re.fullmatch(r"v\d+\.\d+\.\d+", pin.version)
    definitions = sorted((STANDIN_ACTIONS / pin.folder).rglob("action.yml"))
    assert definitions, f"no stand-in action under {pin.folder}/"
    for definition in definitions:
        header = definition.read_text(encoding="utf-8")
        assert pin.sha in header and pin.version in header


def test_uses_writes_the_reference_a_workflow_pins() -> None:
    assert uses("github/codeql-action", "upload-sarif") == (
        "github/codeql-action/upload-sarif@99df26d4f13ea111d4ec1a7dddef6063f76b97e9 # v4.37.0"
    )
