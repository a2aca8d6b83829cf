"""The candidate pass: which lines could any enabled plugin report, found in one read.

A file is read once. One Aho-Corasick pass over its lower-cased bytes finds every plugin
keyword (`ghp_`, `password`, `akia`...), a few literal-led regular expressions find the
shapes that have no keyword (a quoted high-entropy string, a dotted quad), and each hit
names the plugins that could match on its line. Only those lines reach detect-secrets'
plugin and filter logic, and only with those plugins.

Every keyword and shape is a *necessary* condition of its plugin's own patterns: a line
without them cannot produce a finding from that plugin, so skipping it changes nothing.
A plugin without a declared prefilter (one loaded from a user's detect-secrets
configuration) runs on every line.
"""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ahocorasick_rs

from clearance.scan.secrets.plugins import EXTRA_PLUGINS, TokenRuleDetector


@dataclass(frozen=True)
class Prefilter:
    """Necessary conditions for one plugin: keywords (lower-case) or shapes (byte regexes)."""

    keywords: tuple[str, ...] = ()
    shapes: tuple[bytes, ...] = ()
    next_line: bool = False
    """A keyword also makes the next line a candidate (a value below its key)."""
    entropy: str = ""
    """`base64` or `hex`: candidates are quoted strings above the plugin's entropy limit."""

    @property
    def runs_everywhere(self) -> bool:
        return not (self.keywords or self.shapes or self.entropy)


def _combos(*parts: Sequence[str]) -> tuple[str, ...]:
    result = [""]
    for options in parts:
        result = [r + o for r in result for o in options]
    return tuple(sorted(set(result)))


def _keyword_denylist() -> tuple[str, ...]:
    from detect_secrets.plugins.keyword import DENYLIST

    words: set[str] = set()
    for entry in DENYLIST:
        ascii_part = entry.encode("ascii", "ignore").decode()
        if ascii_part != entry:  # contraseña: keep the ASCII stem
            ascii_part = ascii_part[: entry.index(next(c for c in entry if ord(c) > 127))]
        words.update({ascii_part.replace("_?", "_"), ascii_part.replace("_?", "")})
    return tuple(sorted(w.lower() for w in words if w))


_KEY_WORDS = ("key", "pwd", "pass", "token")
BUILTIN_PREFILTERS: dict[str, Prefilter] = {
    "ArtifactoryDetector": Prefilter(keywords=("akc",), shapes=(rb"AP[\dA-F][a-zA-Z0-9]{8}",)),
    "AWSKeyDetector": Prefilter(keywords=("akia", "asia", "abia", "acca", "a3t", "aws")),
    "AzureStorageKeyDetector": Prefilter(keywords=("accountkey=",)),
    "BasicAuthDetector": Prefilter(keywords=("://",)),
    "CloudantDetector": Prefilter(
        keywords=(
            *_combos(
                ("cloudant", "cl", "clou"),
                ("", "_", "-"),
                ("", "api"),
                ("key", "pw", "pass", "token"),
            ),
            "cloudant.com",
        ),
    ),
    "DiscordBotTokenDetector": Prefilter(shapes=(rb"\.[a-zA-Z\d_-]{6}\.[a-zA-Z\d_-]{27}",)),
    "GitHubTokenDetector": Prefilter(keywords=("ghp_", "gho_", "ghu_", "ghs_", "ghr_")),
    "GitLabTokenDetector": Prefilter(
        keywords=(
            "glpat-",
            "gldt-",
            "glft-",
            "glsoat-",
            "glrt-",
            "gr1348941",
            "glcbt-",
            "glimt-",
            "glptt-",
            "glagent-",
            "gloas-",
        )
    ),
    "IbmCloudIamDetector": Prefilter(keywords=_KEY_WORDS),
    "IbmCosHmacDetector": Prefilter(keywords=("secret",)),
    "IPPublicDetector": Prefilter(shapes=(rb"\.\d{1,3}\.\d{1,3}\.",)),
    "JwtTokenDetector": Prefilter(keywords=("eyj",)),
    "KeywordDetector": Prefilter(keywords=()),  # filled in by `prefilter_for`
    "MailchimpDetector": Prefilter(keywords=("-us",)),
    "NpmDetector": Prefilter(keywords=(":_authtoken=",)),
    "OpenAIDetector": Prefilter(keywords=("t3blbkfj",)),
    "PrivateKeyDetector": Prefilter(keywords=("private key", "putty-user-key-file-2")),
    "PypiTokenDetector": Prefilter(keywords=("pypi-ag",)),
    "SendGridDetector": Prefilter(keywords=("sg.",)),
    "SlackDetector": Prefilter(
        keywords=("xoxa-", "xoxb-", "xoxp-", "xoxo-", "xoxs-", "xoxr-", "hooks.slack.com")
    ),
    "SoftlayerDetector": Prefilter(
        keywords=(
            *_combos(("softlayer", "sl"), ("", "_", "-"), ("", "api"), ("", "_", "-"), _KEY_WORDS),
            "api.softlayer.com",
        ),
    ),
    "SquareOAuthDetector": Prefilter(keywords=("sq0csp-",)),
    "StripeDetector": Prefilter(keywords=("sk_live_", "rk_live_")),
    "TelegramBotTokenDetector": Prefilter(shapes=(rb":[0-9A-Za-z_-]{35}",)),
    "TwilioKeyDetector": Prefilter(shapes=(rb"AC[a-z0-9]{32}", rb"SK[a-z0-9]{32}")),
    "Base64HighEntropyString": Prefilter(entropy="base64"),
    "HexHighEntropyString": Prefilter(entropy="hex"),
}
"""Necessary conditions of detect-secrets 1.5's own plugins, read off their patterns."""

# Shapes for rules whose keyword would be too common to be useful (`pat`, `|`).
RULE_SHAPES: dict[str, tuple[bytes, ...]] = {
    "airtable-personal-access-token": (rb"pat[a-zA-Z0-9]{14}\.",),
    "facebook-access-token": (rb"\|[0-9a-zA-Z_-]{27}", rb"%7[cC][0-9a-zA-Z_-]{27}"),
    "yandex-aws-access-token": (rb"YC[a-zA-Z0-9_\-]{38}",),
    "octopus-deploy-api-key": (rb"API-[A-Z0-9]{26}",),
    "dropbox-short-lived-api-token": (rb"(?i)sl\.[a-z0-9\-=_]{135}",),
}

EXTRA_PREFILTERS: dict[str, Prefilter] = {
    "CurlBasicAuthDetector": Prefilter(keywords=("curl",)),
    "CurlAuthHeaderDetector": Prefilter(keywords=("authorization",)),
}


def prefilter_for(plugin: Any) -> Prefilter:
    """The prefilter of a plugin instance (builtin, rule, or extra); empty when unknown."""
    name = type(plugin).__name__
    if isinstance(plugin, TokenRuleDetector):
        rule = plugin.rule
        shapes = RULE_SHAPES.get(rule.id, ())
        return Prefilter(
            keywords=() if shapes else rule.keywords, shapes=shapes, next_line=rule.context_keyed
        )
    if name == "KeywordDetector":
        return Prefilter(keywords=_keyword_denylist())
    if name in EXTRA_PREFILTERS and type(plugin) in EXTRA_PLUGINS:
        return EXTRA_PREFILTERS[name]
    return BUILTIN_PREFILTERS.get(name, Prefilter())


_HEX = frozenset(string.hexdigits)


def min_distinct(limit: float) -> int:
    """Fewest distinct characters a string needs for a Shannon entropy above `limit`."""
    return int(2**limit) + 1


def _quoted_patterns(shortest: int) -> tuple[re.Pattern[bytes], ...]:
    """detect-secrets' quoted-string pattern (any quote, its charset), literal-led per quote."""
    body = rb"([A-Za-z0-9+/=_\\-]{%d,})" % shortest
    return (re.compile(rb'"' + body + rb'"'), re.compile(rb"'" + body + rb"'"))


@dataclass
class CandidateFinder:
    """Compiled prefilters of a plugin list: `lines(data)` → {line index: plugin indices}."""

    plugins: Sequence[Any]
    enabled: bool = True
    _automaton: Any = field(init=False, default=None)
    _keyword_plugins: list[tuple[int, ...]] = field(init=False, default_factory=list)
    _next_line: frozenset[int] = field(init=False, default=frozenset())
    _shapes: list[tuple[re.Pattern[bytes], tuple[int, ...]]] = field(
        init=False, default_factory=list
    )
    _entropy: dict[str, tuple[int, Any]] = field(init=False, default_factory=dict)
    _everywhere: tuple[int, ...] = field(init=False, default=())
    _quoted: tuple[re.Pattern[bytes], ...] = field(init=False, default=())

    def __post_init__(self) -> None:
        by_keyword: dict[str, set[int]] = {}
        by_shape: dict[bytes, set[int]] = {}
        next_line: set[int] = set()
        everywhere: list[int] = []
        for index, plugin in enumerate(self.plugins):
            spec = prefilter_for(plugin)
            if spec.runs_everywhere or not self.enabled:
                everywhere.append(index)
                continue
            for keyword in spec.keywords:
                by_keyword.setdefault(keyword, set()).add(index)
            for shape in spec.shapes:
                by_shape.setdefault(shape, set()).add(index)
            if spec.entropy:
                self._entropy[spec.entropy] = (index, plugin)
            if spec.next_line:
                next_line.add(index)
        keywords = sorted(by_keyword)
        self._automaton = (
            ahocorasick_rs.BytesAhoCorasick([k.encode() for k in keywords]) if keywords else None
        )
        self._keyword_plugins = [tuple(sorted(by_keyword[k])) for k in keywords]
        self._shapes = [(re.compile(s), tuple(sorted(p))) for s, p in by_shape.items()]
        self._next_line = frozenset(next_line)
        self._everywhere = tuple(everywhere)
        if self._entropy:
            self._quoted = _quoted_patterns(
                min(min_distinct(p.entropy_limit) for _, p in self._entropy.values())
            )

    @property
    def everywhere(self) -> tuple[int, ...]:
        """Plugins that run on every line (no prefilter known, or prefiltering disabled)."""
        return self._everywhere

    def lines(self, data: bytes, separator: bytes = b"\n") -> dict[int, set[int]]:
        """Candidate lines of `data` (0-based, split on `separator`) and their plugins."""
        hits: list[tuple[int, tuple[int, ...]]] = []
        if self._automaton is not None:
            keyword_plugins = self._keyword_plugins
            hits.extend(
                (start, keyword_plugins[index])
                for index, start, _ in self._automaton.find_matches_as_indexes(
                    data.lower(), overlapping=True
                )
            )
        for pattern, plugins in self._shapes:
            hits.extend((m.start(), plugins) for m in pattern.finditer(data))
        hits.extend(self._entropy_hits(data))
        result: dict[int, set[int]] = {}
        if not hits:
            return result
        hits.sort(key=lambda h: h[0])
        line = 0
        position = 0
        next_line = self._next_line
        for start, plugins in hits:
            line += data.count(separator, position, start)
            position = start
            result.setdefault(line, set()).update(plugins)
            if next_line:
                below = next_line.intersection(plugins)
                if below:
                    result.setdefault(line + 1, set()).update(below)
        return result

    def _entropy_hits(self, data: bytes) -> Iterable[tuple[int, tuple[int, ...]]]:
        if not self._entropy:
            return
        hex_plugin = self._entropy.get("hex")
        b64_plugin = self._entropy.get("base64")
        hex_distinct = min_distinct(hex_plugin[1].entropy_limit) if hex_plugin else 0
        b64_distinct = min_distinct(b64_plugin[1].entropy_limit) if b64_plugin else 0
        for pattern in self._quoted:
            for match in pattern.finditer(data):
                value = match.group(1).decode("ascii")
                distinct = set(value)
                if hex_plugin and distinct <= _HEX:
                    if len(distinct) >= hex_distinct and (
                        hex_plugin[1].calculate_shannon_entropy(value) > hex_plugin[1].entropy_limit
                    ):
                        yield match.start(), (hex_plugin[0],)
                if (
                    b64_plugin
                    and len(distinct) >= b64_distinct
                    and (
                        b64_plugin[1].calculate_shannon_entropy(value) > b64_plugin[1].entropy_limit
                    )
                ):
                    yield match.start(), (b64_plugin[0],)
