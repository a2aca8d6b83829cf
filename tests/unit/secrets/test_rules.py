"""Every token rule finds fresh tokens generated from its documented format, through the whole
engine (so no false-alarm filter hides a real format), and ignores near misses."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from clearance.scan.secrets.engine import Engine, EngineOptions, detect_secrets_session
from clearance.scan.secrets.filters import is_placeholder
from clearance.scan.secrets.rules import RULES, TokenRule, shannon_entropy


@pytest.fixture(scope="module")
def engine() -> Iterator[Engine]:
    with detect_secrets_session(EngineOptions()) as configured:
        yield configured


def _secret_pattern(rule: TokenRule) -> str:
    """The rule's value alone (the `secret` group), without the surrounding boundaries."""
    if rule.value_pattern:
        return rule.value_pattern
    start = rule.pattern.index("(?P<secret>") + len("(?P<secret>")
    depth = 1
    for index in range(start, len(rule.pattern)):
        char = rule.pattern[index]
        if char == "\\":
            continue
        if char == "(" and rule.pattern[index - 1] != "\\":
            depth += 1
        elif char == ")" and rule.pattern[index - 1] != "\\":
            depth -= 1
            if depth == 0:
                return rule.pattern[start:index]
    raise AssertionError(rule.id)


def _line(rule: TokenRule, value: str) -> str:
    key = (
        f"{rule.keywords[0].replace('.', '_').strip('_-')}_token" if rule.context_keyed else "value"
    )
    return f'{key} = "{value}"'


GENERABLE = [r for r in RULES if "(?<=" not in _secret_pattern(r)]


def _found(engine: Engine, text: str, rule_id: str, name: str = "config.txt") -> list[str]:
    return [
        h.secret
        for h in engine.scan(name, text.encode()).hits
        if h.type_id == rule_id and not h.allowlisted
    ]


@pytest.mark.parametrize("rule", GENERABLE, ids=lambda r: r.id)
@settings(
    max_examples=4, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data())
def test_rule_finds_fresh_tokens_of_its_format(
    engine: Engine, rule: TokenRule, data: st.DataObject
) -> None:
    flags = re.IGNORECASE if rule.ignore_case else 0
    alphabet = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\"'\\`")
    value = data.draw(
        st.from_regex(re.compile(_secret_pattern(rule), flags), fullmatch=True, alphabet=alphabet)
    )
    assume(value == value.strip() and "\n" not in value and '"' not in value)
    assume(shannon_entropy(value) >= max(rule.min_entropy, 3.0) and not is_placeholder(value, None))
    assume(not re.search(r"(?i)example|x{4}", value))
    found = _found(engine, _line(rule, value), rule.id)
    # Another rule of the same provider may claim a longer overlapping value; the secret is
    # reported either way.
    if not found:
        overall = [h.secret for h in engine.scan("config.txt", _line(rule, value).encode()).hits]
        assert any(value in s or s in value for s in overall), (rule.id, overall)


@pytest.mark.parametrize("rule", [r for r in GENERABLE if not r.context_keyed], ids=lambda r: r.id)
def test_token_glued_inside_a_longer_run_is_a_near_miss(engine: Engine, rule: TokenRule) -> None:
    value = _example(rule)
    assert _found(engine, f'value = "Zq9{value}"', rule.id) == []


@pytest.mark.parametrize("rule", [r for r in GENERABLE if r.context_keyed], ids=lambda r: r.id)
def test_keyed_value_under_an_unrelated_key_is_a_near_miss(engine: Engine, rule: TokenRule) -> None:
    value = _example(rule)
    assert _found(engine, f'colour_setting = "{value}"', rule.id) == []
    assert _found(engine, f'{rule.keywords[0]}_token = "{"0" * len(value)}"', rule.id) == []


def _example(rule: TokenRule) -> str:
    """One deterministic high-entropy value of the rule's format."""
    flags = re.IGNORECASE if rule.ignore_case else 0
    pattern = re.compile(_secret_pattern(rule), flags)
    alphabet = st.characters(min_codepoint=33, max_codepoint=126, exclude_characters="\"'\\`")
    strategy = st.from_regex(pattern, fullmatch=True, alphabet=alphabet)
    found: list[str] = []

    @settings(max_examples=100, database=None, derandomize=True)
    @given(strategy)
    def pick(value: str) -> None:
        if (
            not found
            and shannon_entropy(value) >= max(rule.min_entropy, 3.0)
            and not is_placeholder(value, None)
        ):
            found.append(value)

    pick()
    assert found, f"no example for {rule.id}"
    return found[0]
