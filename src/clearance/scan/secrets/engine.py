"""The adapter over detect-secrets: its settings, plugins, transformers and filters.

detect-secrets keeps its configuration in a process-wide singleton. clearance never lets
that leak: in-process scans run inside `detect_secrets_session()` (detect-secrets' own
`transient_settings`, restored on exit, plugin caches cleared both ways); worker processes
configure it once in their initializer and die with it.

Scanning a file follows detect-secrets' `scan_file` exactly (the non-eager transformers, the
plain lines, then the eager transformers when nothing was found), except that only the
candidate lines of the prefilter reach the plugins, and each with only the plugins that
could match there. A file is skipped as binary when it has a NUL byte in its first 8 KiB
(git's test) or is not UTF-8 (detect-secrets' test).
"""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, cast

from clearance.scan.secrets.filters import CLEARANCE_FILTERS
from clearance.scan.secrets.plugins import (
    ALL_PLUGINS,
    CurlAuthHeaderDetector,
    CurlBasicAuthDetector,
    TokenRuleDetector,
)
from clearance.scan.secrets.prefilter import CandidateFinder

DEFAULT_MAX_FILE_SIZE = 5 * 1024 * 1024
BINARY_SNIFF_BYTES = 8000

# detect-secrets' default filters, less three clearance replaces: `is_potential_uuid` (by a
# UUID filter that knows key contexts), `is_not_alphanumeric_string` (kept for all but the
# token rules, whose formats include all-digit IDs) and `is_line_allowlisted` (applied
# afterwards, so an allowlisted secret is reported as suppressed rather than dropped).
DETECT_SECRETS_FILTERS: tuple[str, ...] = (
    "detect_secrets.filters.heuristic.is_sequential_string",
    "detect_secrets.filters.heuristic.is_likely_id_string",
    "detect_secrets.filters.heuristic.is_templated_secret",
    "detect_secrets.filters.heuristic.is_prefixed_with_dollar_sign",
    "detect_secrets.filters.heuristic.is_indirect_reference",
    "detect_secrets.filters.heuristic.is_lock_file",
    "detect_secrets.filters.heuristic.is_swagger_file",
)
# Content comes from git blobs too, so "is it a file on disk" cannot be a filter.
_IS_INVALID_FILE = "detect_secrets.filters.common.is_invalid_file"

EXTRA_TYPE_IDS = {
    CurlBasicAuthDetector: "curl-auth-user",
    CurlAuthHeaderDetector: "curl-auth-header",
}
GENERIC_PLUGINS = frozenset({"KeywordDetector", "Base64HighEntropyString", "HexHighEntropyString"})

_IGNORE = re.compile(r"clearance:\s*ignore\[([^\]]*)\]([^\n]*)$")
_COMMENT_ONLY = re.compile(r"^\s*(?:#|//|--|;|/\*|<!--|'|\*|%|REM\b)")
_COMMENT_CLOSERS = re.compile(r"\s*(?:-->|\*/)\s*$")


def slug(text: str) -> str:
    """`AWS Access Key` → `aws-access-key`."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def type_id_of(plugin: Any) -> str:
    """The stable type of a plugin's findings: the rule id, or its detect-secrets type as a slug."""
    if isinstance(plugin, TokenRuleDetector):
        return plugin.rule.id
    extra = EXTRA_TYPE_IDS.get(type(plugin))
    return extra if extra else slug(str(plugin.secret_type))


@dataclass(frozen=True)
class EngineOptions:
    """How the detect-secrets engine is set up."""

    base64_limit: float = 4.5
    hex_limit: float = 3.0
    disabled: frozenset[str] = frozenset()
    """Secret types (`github-pat`, `base64-high-entropy-string`) not to report."""
    max_file_size: int = DEFAULT_MAX_FILE_SIZE
    prefilter: bool = True
    """Off: every plugin on every line (detect-secrets' own cost; for equivalence tests)."""


@dataclass(frozen=True)
class RawHit:
    """A potential secret that passed every filter, before it becomes a `Finding`."""

    line: int
    column: int | None
    type_id: str
    type_name: str
    plugin: str
    secret: str
    allowlisted: bool = False
    ignored_reason: str | None = None
    also: tuple[str, ...] = ()
    """Overlapping values other plugins reported for the same secret (for baseline matching)."""


@dataclass(frozen=True)
class FileScan:
    """What scanning one file gave: hits, or why it was skipped, and notes for the user."""

    path: str
    hits: tuple[RawHit, ...] = ()
    skipped: str | None = None
    notes: tuple[str, ...] = ()


def _builtin_plugin_classes() -> list[type[Any]]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    get_mapping_from_secret_type_to_class.cache_clear()
    mapping: dict[str, type[Any]] = get_mapping_from_secret_type_to_class()
    classes = [c for c in mapping.values() if c.__module__.startswith("detect_secrets.")]
    get_mapping_from_secret_type_to_class.cache_clear()
    return sorted(classes, key=lambda c: c.__name__)


def detect_secrets_config(options: EngineOptions) -> dict[str, Any]:
    """The detect-secrets settings document (as in a baseline) for these options."""
    plugins: list[dict[str, Any]] = []
    for cls in _builtin_plugin_classes():
        if slug(cls.secret_type) in options.disabled:
            continue
        entry: dict[str, Any] = {"name": cls.__name__}
        if cls.__name__ == "Base64HighEntropyString":
            entry["limit"] = options.base64_limit
        elif cls.__name__ == "HexHighEntropyString":
            entry["limit"] = options.hex_limit
        plugins.append(entry)
    filters = [{"path": path} for path in (*DETECT_SECRETS_FILTERS, *CLEARANCE_FILTERS)]
    return {"plugins_used": plugins, "filters_used": filters}


def _quiet_detect_secrets() -> None:
    logging.getLogger("detect-secrets").setLevel(logging.CRITICAL)


@contextmanager
def detect_secrets_session(options: EngineOptions) -> Iterator[Engine]:
    """An `Engine` on detect-secrets configured for `options`, restored afterwards."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class
    from detect_secrets.settings import transient_settings

    _quiet_detect_secrets()
    config = detect_secrets_config(options)
    get_mapping_from_secret_type_to_class.cache_clear()
    try:
        with transient_settings(config) as settings:
            settings.disable_filters(_IS_INVALID_FILE)
            yield Engine(options)
    finally:
        get_mapping_from_secret_type_to_class.cache_clear()


def configure_process(options: EngineOptions) -> Engine:
    """Configure detect-secrets for the rest of this (worker) process and return its engine."""
    from detect_secrets.settings import cache_bust, configure_settings_from_baseline, get_settings

    _quiet_detect_secrets()
    cache_bust()
    get_settings().clear()
    configure_settings_from_baseline(detect_secrets_config(options))
    get_settings().disable_filters(_IS_INVALID_FILE)
    return Engine(options)


class _NamedText(io.StringIO):
    """An in-memory file with a name, as detect-secrets' transformers expect."""

    def __init__(self, text: str, name: str) -> None:
        super().__init__(text)
        self.name = name


def _config_may_parse(text: str) -> bool:
    """configparser needs a section header before any option (else it fails at once)."""
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")):
            continue
        return stripped.startswith("[")
    return False


def _eager_may_parse(text: str) -> bool:
    """With a `[global]` header added, every unindented line must be a section or an option."""
    for raw in text.split("\n"):
        stripped = raw.strip()
        if not stripped or stripped.startswith(("#", ";")) or raw[:1].isspace():
            continue
        if stripped.startswith("[") or "=" in stripped or ":" in stripped:
            continue
        return False
    return True


def _overlaps(a: str, b: str) -> bool:
    return a in b or b in a


class Engine:
    """detect-secrets' plugins and filters, run on the candidate lines of each file."""

    def __init__(self, options: EngineOptions) -> None:
        from detect_secrets.settings import get_plugins

        self.options = options
        builtin = [p for p in get_plugins() if type_id_of(p) not in options.disabled]
        ours = [cls() for cls in ALL_PLUGINS]
        ours = [p for p in ours if type_id_of(p) not in options.disabled]
        self.plugins: list[Any] = [*builtin, *ours]
        self.type_ids = [type_id_of(p) for p in self.plugins]
        self.priority = [self._priority(i, p) for i, p in enumerate(self.plugins)]
        self.finder = CandidateFinder(self.plugins, enabled=options.prefilter)
        self._confirmers = [self._confirmer(p) for p in self.plugins]

    @staticmethod
    def _priority(index: int, plugin: Any) -> tuple[int, int]:
        name = type(plugin).__name__
        if name == "KeywordDetector":
            return (3, index)
        if name in GENERIC_PLUGINS:
            return (4, index)
        if isinstance(plugin, TokenRuleDetector):
            return (1, index)
        if type(plugin) in EXTRA_TYPE_IDS:
            return (2, index)
        return (0, index)

    def _confirmer(self, plugin: Any) -> Any:
        """A cheap exact pre-check on a candidate line (the plugin's own patterns), or None."""
        if not self.options.prefilter:
            return None
        if isinstance(plugin, TokenRuleDetector) and plugin.rule.context_keyed:
            return None
        name = type(plugin).__name__
        if name in GENERIC_PLUGINS:
            return None
        denylist = getattr(plugin, "denylist", None)
        if denylist is None:
            return None
        patterns = tuple(denylist)
        return lambda line: any(p.search(line) for p in patterns)

    # --- one file ------------------------------------------------------------------------------

    def scan(self, path: str, data: bytes, only_lines: frozenset[int] | None = None) -> FileScan:
        """Scan one file's content. `path` is repository-relative; `only_lines` (1-based)
        restricts the findings to those lines (the added lines of a diff)."""
        from detect_secrets.core.scan import _is_filtered_out
        from detect_secrets.util.filetype import FileType, determine_file_type

        if _is_filtered_out(required_filter_parameters=["filename"], filename=path):
            return FileScan(path, skipped="excluded by name (lock file, image, archive...)")
        if b"\0" in data[:BINARY_SNIFF_BYTES]:
            return FileScan(path, skipped="binary")
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            return FileScan(path, skipped="binary (not UTF-8)")
        if "\r" in text:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            data = text.encode("utf-8")
        raw_lines = text.split("\n")
        if raw_lines and raw_lines[-1] == "":
            raw_lines.pop()
        first = self._transform(path, text, eager=False)
        hits, notes = self._scan_lines(
            path, first if first else raw_lines, None if first else data, only_lines
        )
        if not any(not h.allowlisted for h in hits) and determine_file_type(path) is FileType.OTHER:
            eager = self._transform(path, text, eager=True)
            if eager:
                hits, notes = self._scan_lines(path, eager, None, only_lines)
        return FileScan(path, hits=tuple(hits), notes=tuple(notes))

    def _transform(self, path: str, text: str, *, eager: bool) -> list[str] | None:
        from detect_secrets.transformers import get_transformed_file
        from detect_secrets.util.filetype import FileType, determine_file_type

        file_type = determine_file_type(path)
        if eager:
            if file_type is not FileType.OTHER or not _eager_may_parse(text):
                return None
        elif file_type is not FileType.YAML and not _config_may_parse(text):
            return None
        try:
            lines = get_transformed_file(
                cast(Any, _NamedText(text, path)), use_eager_transformers=eager
            )
        except Exception:  # a transformer that chokes leaves the plain lines, as in detect-secrets
            return None
        return list(lines) if lines else None

    def _scan_lines(
        self, path: str, lines: Sequence[str], data: bytes | None, only_lines: frozenset[int] | None
    ) -> tuple[list[RawHit], list[str]]:
        from detect_secrets.core.scan import _is_filtered_out, _scan_line
        from detect_secrets.filters.allowlist import is_line_allowlisted
        from detect_secrets.util.code_snippet import get_code_snippet

        candidates = self._candidates(lines, data)
        hits: list[RawHit] = []
        notes: list[str] = []
        for index in sorted(candidates):
            number = index + 1
            if index >= len(lines) or (only_lines is not None and number not in only_lines):
                continue
            original = lines[index].rstrip()
            # clearance's own directive is not code: detect-secrets' filters must not read it
            # (`clearance: ignore[x]` looks like an indirect reference to them).
            line = _IGNORE.sub("", original).rstrip() if "clearance:" in original else original
            context = get_code_snippet(lines=list(lines), line_number=number)
            found: list[tuple[int, str]] = []
            for plugin_index in sorted(candidates[index], key=lambda i: self.priority[i]):
                plugin = self.plugins[plugin_index]
                confirm = self._confirmers[plugin_index]
                if confirm is not None and not confirm(line):
                    continue
                for secret in _scan_line(
                    plugin=plugin, filename=path, line=line, line_number=number, context=context
                ):
                    value = secret.secret_value
                    if value is None or _is_filtered_out(
                        required_filter_parameters=["context"],
                        filename=path,
                        secret=value,
                        plugin=plugin,
                        line=line,
                        context=context,
                    ):
                        continue
                    found.append((plugin_index, value))
            if not found:
                continue
            if _is_filtered_out(
                required_filter_parameters=["line"], filename=path, line=line, context=context
            ):
                continue
            kept, absorbed = self._dedupe(found)
            allowlisted = bool(is_line_allowlisted(filename=path, line=line, context=context))
            ignore = _inline_ignore(original, lines[index - 1] if index > 0 else "")
            for plugin_index, value in kept:
                type_id = self.type_ids[plugin_index]
                reason: str | None = None
                if ignore is not None and (type_id in ignore[0] or "*" in ignore[0]):
                    if ignore[1]:
                        reason = ignore[1]
                    else:
                        notes.append(
                            f"line {number}: 'clearance: ignore[...]' needs a reason; not honoured"
                        )
                column = line.find(value)
                hits.append(
                    RawHit(
                        line=number,
                        column=column + 1 if column >= 0 else None,
                        type_id=type_id,
                        type_name=str(self.plugins[plugin_index].secret_type),
                        plugin=type(self.plugins[plugin_index]).__name__,
                        secret=value,
                        allowlisted=allowlisted,
                        ignored_reason=reason,
                        also=tuple(sorted(absorbed.get(value, ()))),
                    )
                )
        return hits, notes

    def _dedupe(
        self, found: list[tuple[int, str]]
    ) -> tuple[list[tuple[int, str]], dict[str, set[str]]]:
        """One finding per secret on a line: a documented format beats a generic detector,
        then the longest value wins (detect-secrets' GitHub plugin reports only `ghp`), then
        the earlier plugin."""

        def rank(entry: tuple[int, str]) -> tuple[int, int, tuple[int, int]]:
            index, value = entry
            generic = type(self.plugins[index]).__name__ in GENERIC_PLUGINS
            return (1 if generic else 0, -len(value), self.priority[index])

        kept: list[tuple[int, str]] = []
        absorbed: dict[str, set[str]] = {}
        for plugin_index, value in sorted(found, key=rank):
            winner = next((other for _, other in kept if _overlaps(value, other)), None)
            if winner is None:
                kept.append((plugin_index, value))
            elif value != winner:
                absorbed.setdefault(winner, set()).add(value)
        kept.sort(key=lambda e: self.priority[e[0]])
        return kept, absorbed

    def _candidates(self, lines: Sequence[str], data: bytes | None) -> dict[int, set[int]]:
        everywhere = self.finder.everywhere
        if data is not None:
            candidates = self.finder.lines(data)
        elif any("\0" in line for line in lines):
            candidates = {}
            everywhere = tuple(range(len(self.plugins)))
        else:
            candidates = self.finder.lines(
                "\0".join(lines).encode("utf-8", "surrogateescape"), b"\0"
            )
        if everywhere:
            for index in range(len(lines)):
                candidates.setdefault(index, set()).update(everywhere)
        return candidates


def _inline_ignore(line: str, previous: str) -> tuple[frozenset[str], str] | None:
    """`clearance: ignore[type,...] reason` on the line, or alone in a comment just above."""
    for text, own in ((line, True), (previous, False)):
        match = _IGNORE.search(text)
        if match is None:
            continue
        if not own and not _COMMENT_ONLY.match(text):
            continue
        types = frozenset(
            t.strip().removeprefix("secret/") for t in match.group(1).split(",") if t.strip()
        )
        reason = _COMMENT_CLOSERS.sub("", match.group(2)).strip()
        return types, reason
    return None


@dataclass
class EngineStats:
    files: int = 0
    scanned: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
