"""clearance's token rules as detect-secrets plugins.

Every `TokenRule` in `clearance.scan.secrets.rules` becomes a subclass of detect-secrets'
`RegexBasedDetector`, defined at module level so detect-secrets can load this file as a custom
plugin file too:

    detect-secrets scan --plugin "$(python -c 'import clearance.scan.secrets.plugins as p; print(p.__file__)')"

Two detectors need more than one regular expression: credentials passed to `curl -u` and an
`Authorization` header passed to `curl -H`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Generator
from typing import Any, ClassVar

from detect_secrets.plugins.base import RegexBasedDetector

from clearance.scan.secrets.rules import RULES, TokenRule, shannon_entropy

# Values that stand for a credential in documentation and templates.
PLACEHOLDER_WORDS = frozenset(
    {
        "pass",
        "password",
        "passwd",
        "pwd",
        "secret",
        "token",
        "apikey",
        "api_key",
        "key",
        "user",
        "username",
        "changeme",
        "change_me",
        "example",
        "test",
        "testing",
        "dummy",
        "foo",
        "bar",
        "baz",
        "admin",
        "root",
        "guest",
        "qwerty",
        "letmein",
        "redacted",
        "placeholder",
        "xxx",
    }
)
_NOT_LITERAL = re.compile(r"[$%{}<>\[\]()`*]|\.\.\.")


class TokenRuleDetector(RegexBasedDetector):
    """A detect-secrets plugin driven by one `TokenRule` (subclasses set `rule`)."""

    rule: ClassVar[TokenRule]
    pattern: ClassVar[re.Pattern[str]]

    def analyze_string(  # detect-secrets passes extra keywords through
        self, string: str, previous_line: str = ""
    ) -> Generator[str, None, None]:
        rule = self.rule
        found = False
        for match in self.pattern.finditer(string):
            secret = match.group("secret")
            if secret and self._acceptable(secret):
                found = True
                yield secret
        if not found and rule.context_keyed and previous_line:
            yield from self._below_key(string, previous_line)

    def _acceptable(self, secret: str) -> bool:
        rule = self.rule
        if rule.min_entropy and shannon_entropy(secret) < rule.min_entropy:
            return False
        return rule.validate is None or rule.validate(secret)

    def _below_key(self, string: str, previous_line: str) -> Generator[str, None, None]:
        """The value alone on a line, below `<providerToken>` or `provider_token:`."""
        key, value = _below_key_patterns(self.rule)
        if not key.search(previous_line):
            return
        match = value.fullmatch(string.strip())
        if match and self._acceptable(match.group(0)):
            yield match.group(0)

    def analyze_line(  # type: ignore[override]  # same parameters, no **kwargs: detect-secrets injects by name
        self,
        filename: str,
        line: str,
        line_number: int = 0,
        context: Any = None,
    ) -> Any:
        previous = (
            context.previous_line.rstrip("\n")
            if context is not None and self.rule.context_keyed
            else ""
        )
        return super().analyze_line(
            filename=filename,
            line=line,
            line_number=line_number,
            context=context,
            previous_line=previous,
        )

    def json(self) -> dict[str, Any]:
        return {"name": type(self).__name__}


_BELOW_KEY_CACHE: dict[str, tuple[re.Pattern[str], re.Pattern[str]]] = {}


def _below_key_patterns(rule: TokenRule) -> tuple[re.Pattern[str], re.Pattern[str]]:
    cached = _BELOW_KEY_CACHE.get(rule.id)
    if cached is None:
        names = "|".join(re.escape(k) for k in rule.keywords)
        key = re.compile(
            rf"^\s*(?:<[\w.:-]*(?:{names})[\w.:-]*>|[\w.-]*(?:{names})[\w.-]*\s*[:=])\s*$",
            re.IGNORECASE,
        )
        value = re.compile(rule.value_pattern, re.IGNORECASE)
        cached = (key, value)
        _BELOW_KEY_CACHE[rule.id] = cached
    return cached


def _plugin_class(rule: TokenRule) -> type[TokenRuleDetector]:
    return type(
        rule.class_name,
        (TokenRuleDetector,),
        {
            "__module__": __name__,
            "__doc__": f"Scans for {rule.name} ({rule.id}).",
            "secret_type": rule.name,
            "rule": rule,
            "denylist": (compiled := rule.compiled(),),
            "pattern": compiled,
        },
    )


RULE_PLUGINS: tuple[type[TokenRuleDetector], ...] = tuple(_plugin_class(rule) for rule in RULES)
globals().update({cls.__name__: cls for cls in RULE_PLUGINS})


def _credential_parts(credential: str) -> str | None:
    """The secret part of `user:password` given to curl, or None when it is not one."""
    if ":" not in credential:
        return None
    user, _, password = credential.partition(":")
    secret = password or user
    if not secret or (user and password and user == password):
        return None
    if _NOT_LITERAL.search(credential) or secret.lower() in PLACEHOLDER_WORDS:
        return None
    if len(secret) < 6 or shannon_entropy(secret) < 2.5:
        return None
    return secret


class CurlBasicAuthDetector(RegexBasedDetector):
    """Credentials passed to `curl -u user:password` (or `--user`)."""

    secret_type = "Credentials in curl -u"  # noqa: S105 - a type name, not a password
    denylist: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            r"""\bcurl\b.*?\s(?:-u|--user)(?:\s+|=)(?:"([^"\s]+)"|'([^'\s]+)'|([^\s'"]+))"""
        ),
    )

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in self.denylist[0].finditer(string):
            credential = next(g for g in match.groups() if g is not None)
            secret = _credential_parts(credential)
            if secret:
                yield secret

    def json(self) -> dict[str, Any]:
        return {"name": type(self).__name__}


class CurlAuthHeaderDetector(RegexBasedDetector):
    """An `Authorization` header passed to curl (`-H "Authorization: Bearer ..."`)."""

    secret_type = "Authorization header in curl"  # noqa: S105 - a type name, not a password
    denylist: ClassVar[tuple[re.Pattern[str], ...]] = (
        re.compile(
            r"""(?:-H|--header)(?:\s+|=)(["'])\s*Authorization:\s*"""
            r"""(?:(Basic|Bearer|Token|Digest|Bot)\s+)?([^\s"']+)\s*\1""",
            re.IGNORECASE,
        ),
    )

    def analyze_string(self, string: str) -> Generator[str, None, None]:
        for match in self.denylist[0].finditer(string):
            scheme, value = (match.group(2) or "").lower(), match.group(3)
            if _NOT_LITERAL.search(value) or len(value) < 16 or shannon_entropy(value) < 3.0:
                continue
            if scheme == "basic" and not _is_basic_credential(value):
                continue
            yield value

    def json(self) -> dict[str, Any]:
        return {"name": type(self).__name__}


def _is_basic_credential(value: str) -> bool:
    """HTTP Basic carries base64 of `user:password`."""
    try:
        decoded = base64.b64decode(value + "=" * (-len(value) % 4), validate=True)
    except (binascii.Error, ValueError):
        return False
    return b":" in decoded


EXTRA_PLUGINS: tuple[type[Any], ...] = (CurlBasicAuthDetector, CurlAuthHeaderDetector)
"""Detectors with logic beyond one pattern (keywords: `curl`, `authorization`)."""

ALL_PLUGINS: tuple[type[Any], ...] = (*RULE_PLUGINS, *EXTRA_PLUGINS)
