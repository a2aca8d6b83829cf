"""Python code scanning with bandit as the engine (its Python API; no re-implemented checks).

Files are sharded across worker processes; each worker runs bandit's own manager on its
shard. Per-file results are cached by (path, content, bandit version, configuration,
Python version), so an unchanged file is never analysed twice. bandit always runs with its
lowest thresholds; severity and confidence thresholds are applied afterwards, so one cache
serves every threshold.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from clearance import __version__
from clearance.errors import EngineError
from clearance.findings import (
    Confidence,
    Finding,
    Location,
    Notice,
    Rule,
    ScanResult,
    Severity,
    Tool,
    digest_text,
    normalise_line,
)
from clearance.paths import relative_posix
from clearance.scan.code.cache import ResultCache
from clearance.scan.files import discover
from clearance.scan.interface import Progress, ScanTarget, no_progress

SCANNER = "code"
BANDIT_URI = "https://bandit.readthedocs.io/"
PYTHON_SUFFIXES = (".py", ".pyw")
# bandit's messages for these tests quote the literal it found, which may be a password.
REDACTED_MESSAGE_TESTS = {
    "B105": "Possible hardcoded password in a string literal (value not shown)",
    "B106": "Possible hardcoded password passed as a function argument (value not shown)",
    "B107": "Possible hardcoded password as a function argument default (value not shown)",
}
BATCH_FILES = 16

_LEVEL = {"LOW": "low", "MEDIUM": "medium", "HIGH": "high", "UNDEFINED": "low"}


@dataclass(frozen=True)
class CodeSettings:
    """How the code scanner runs; read from `[tool.clearance.code]` and `[tool.bandit]`."""

    severity: Confidence = Confidence.LOW
    """Lowest bandit severity reported (bandit's -l)."""
    confidence: Confidence = Confidence.LOW
    """Lowest bandit confidence reported (bandit's -i)."""
    tests: tuple[str, ...] = ()
    skips: tuple[str, ...] = ()
    bandit_config: Path | None = None
    """A pyproject.toml whose [tool.bandit] table bandit should read."""
    jobs: int = 0
    cache_dir: Path | None = None


@dataclass(frozen=True)
class _Profile:
    config_file: str | None
    include: tuple[str, ...]
    exclude: tuple[str, ...]


def _bandit_version() -> str:
    import bandit

    return str(bandit.__version__)


def _make_manager(profile: _Profile) -> Any:
    from bandit.core import config as b_config
    from bandit.core import manager as b_manager

    conf = b_config.BanditConfig(config_file=profile.config_file)
    return b_manager.BanditManager(
        conf,
        "file",
        quiet=True,
        profile={"include": set(profile.include), "exclude": set(profile.exclude)},
    )


def _profile_for(settings: CodeSettings) -> _Profile:
    """bandit's profile: our tests/skips, else those of [tool.bandit]. Unknown ids fail."""
    from bandit.core import config as b_config
    from bandit.core import extension_loader
    from bandit.core import utils as b_utils

    config_file = str(settings.bandit_config) if settings.bandit_config else None
    try:
        conf = b_config.BanditConfig(config_file=config_file)
    except b_utils.ConfigError as exc:
        raise EngineError(f"bandit rejected its configuration {config_file}: {exc}") from exc
    include = settings.tests or tuple(conf.get_option("tests") or ())
    exclude = settings.skips or tuple(conf.get_option("skips") or ())
    unknown = sorted(t for t in (*include, *exclude) if not extension_loader.MANAGER.check_id(t))
    if unknown:
        where = f" (from {config_file})" if config_file and not settings.tests else ""
        raise EngineError(
            f"bandit {_bandit_version()} has no test {', '.join(unknown)}{where}: "
            "check the tests/skips of the code scanner's profile"
        )
    both = set(include) & set(exclude)
    if both:
        raise EngineError(f"bandit profile both includes and skips {', '.join(sorted(both))}")
    return _Profile(
        config_file=config_file, include=tuple(sorted(include)), exclude=tuple(sorted(exclude))
    )


def _issue_to_dict(issue: Any, lines: list[str]) -> dict[str, Any]:
    linerange = list(issue.linerange) or [issue.lineno]
    text = "\n".join(normalise_line(lines[n - 1]) for n in linerange if 0 < n <= len(lines))
    return {
        "test_id": issue.test_id,
        "test_name": issue.test,
        "severity": _LEVEL.get(str(issue.severity), "low"),
        "confidence": _LEVEL.get(str(issue.confidence), "low"),
        "text": REDACTED_MESSAGE_TESTS.get(issue.test_id, issue.text),
        "line": issue.lineno,
        "end_line": max(linerange),
        "col": (issue.col_offset + 1)
        if issue.col_offset is not None and issue.col_offset >= 0
        else None,
        "end_col": (issue.end_col_offset + 1) if issue.end_col_offset else None,
        "cwe": issue.cwe.id if issue.cwe else 0,
        "content": digest_text(issue.test_id, text),
    }


def analyse(manager: Any, files: Sequence[str]) -> dict[str, dict[str, Any]]:
    """Run bandit's manager on files; per file: its issues, or why it was skipped."""
    manager.files_list = list(files)
    manager.results = []
    manager.skipped = []
    manager.scores = []
    manager.run_tests()
    outcome: dict[str, dict[str, Any]] = {f: {"issues": [], "skipped": None} for f in files}
    lines_of: dict[str, list[str]] = {}
    for issue in manager.results:
        name = issue.fname
        if name not in lines_of:
            try:
                lines_of[name] = (
                    Path(name).read_text(encoding="utf-8", errors="replace").splitlines()
                )
            except OSError:
                lines_of[name] = []
        outcome[name]["issues"].append(_issue_to_dict(issue, lines_of[name]))
    for name, reason in manager.skipped:
        outcome[name]["skipped"] = str(reason)
    return outcome


_worker_manager: Any = None


def _init_worker(profile: _Profile) -> None:
    global _worker_manager
    logging.getLogger("bandit").setLevel(logging.CRITICAL)
    _worker_manager = _make_manager(profile)


def _analyse_in_worker(files: Sequence[str]) -> dict[str, dict[str, Any]]:
    return analyse(_worker_manager, files)


def _batches(files: Sequence[str], sizes: Mapping[str, int], count: int) -> Iterator[list[str]]:
    """Largest files first, in small batches, so workers finish together."""
    ordered = sorted(files, key=lambda f: sizes.get(f, 0), reverse=True)
    for start in range(0, len(ordered), count):
        yield ordered[start : start + count]


class BanditScanner:
    """The `code` scanner."""

    name = SCANNER

    def __init__(self, settings: CodeSettings) -> None:
        self._settings = settings

    def _config_digest(self, profile: _Profile) -> str:
        bandit_table: Any = None
        if profile.config_file:
            try:
                import tomllib

                data = tomllib.loads(Path(profile.config_file).read_text(encoding="utf-8"))
                bandit_table = data.get("tool", {}).get("bandit")
            except (OSError, ValueError):
                bandit_table = None
        material = json.dumps(
            {
                "clearance": __version__,
                "bandit": _bandit_version(),
                "python": list(sys.version_info[:2]),
                "include": profile.include,
                "exclude": profile.exclude,
                "bandit_config": bandit_table,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha256(material.encode()).hexdigest()

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        settings = self._settings
        profile = _profile_for(settings)
        logging.getLogger("bandit").setLevel(logging.CRITICAL)
        files = discover(
            target.root,
            target.paths,
            target.exclude,
            lambda p: p.suffix in PYTHON_SUFFIXES,
        )
        names = [str(f) for f in files]
        rel = {str(f): relative_posix(f, target.root) for f in files}
        config_digest = self._config_digest(profile)
        keys: dict[str, str] = {}
        sizes: dict[str, int] = {}
        unreadable: dict[str, str] = {}
        for name in names:
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                unreadable[name] = exc.strerror or str(exc)
                continue
            sizes[name] = len(data)
            keys[name] = hashlib.sha256(
                config_digest.encode() + b"\0" + rel[name].encode() + b"\0" + data
            ).hexdigest()
        cache = ResultCache(settings.cache_dir / "code.sqlite") if settings.cache_dir else None
        cached = cache.get_many(keys.values()) if cache else {}
        outcomes: dict[str, dict[str, Any]] = {}
        todo = []
        for name in names:
            key = keys.get(name)
            if key is not None and key in cached:
                outcomes[name] = cached[key]
            elif key is not None:
                todo.append(name)
        total = len(names)
        done = len(outcomes)
        progress(done, total)
        fresh = self._run_bandit(profile, todo, sizes, lambda n: progress(done + n, total))
        outcomes.update(fresh)
        if cache:
            cache.put_many({keys[n]: fresh[n] for n in fresh if n in keys})
            cache.close()
        progress(total, total)
        return self._result(target, names, rel, outcomes, unreadable, cached_count=done)

    def _run_bandit(
        self,
        profile: _Profile,
        files: list[str],
        sizes: Mapping[str, int],
        advance: Any,
    ) -> dict[str, dict[str, Any]]:
        if not files:
            return {}
        jobs = self._settings.jobs or os.cpu_count() or 1
        jobs = min(jobs, max(1, len(files) // BATCH_FILES))
        outcomes: dict[str, dict[str, Any]] = {}
        try:
            if jobs <= 1:
                manager = _make_manager(profile)
                for batch in _batches(files, sizes, BATCH_FILES):
                    outcomes.update(analyse(manager, batch))
                    advance(len(outcomes))
                return outcomes
            context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(profile,)
            ) as pool:
                for result in pool.map(_analyse_in_worker, _batches(files, sizes, BATCH_FILES)):
                    outcomes.update(result)
                    advance(len(outcomes))
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(
                f"bandit {_bandit_version()} failed: {type(exc).__name__}: {exc}"
            ) from exc
        return outcomes

    def _result(
        self,
        target: ScanTarget,
        names: Sequence[str],
        rel: Mapping[str, str],
        outcomes: Mapping[str, Mapping[str, Any]],
        unreadable: Mapping[str, str],
        *,
        cached_count: int,
    ) -> ScanResult:
        settings = self._settings
        findings: list[Finding] = []
        notices: list[Notice] = []
        rules: dict[str, Rule] = {}
        skipped = 0
        for name in names:
            if name in unreadable:
                skipped += 1
                notices.append(
                    Notice("warning", f"could not read the file: {unreadable[name]}", rel[name])
                )
                continue
            outcome = outcomes.get(name)
            if outcome is None:
                continue
            if outcome.get("skipped"):
                skipped += 1
                notices.append(
                    Notice(
                        "warning",
                        f"bandit could not analyse this file: {outcome['skipped']}",
                        rel[name],
                    )
                )
                continue
            for issue in outcome["issues"]:
                severity = Confidence(issue["severity"])
                confidence = Confidence(issue["confidence"])
                if (
                    severity.rank < settings.severity.rank
                    or confidence.rank < settings.confidence.rank
                ):
                    continue
                rule = rules.get(issue["test_id"]) or _rule(
                    issue["test_id"], issue["test_name"], severity
                )
                rules[rule.id] = rule
                findings.append(
                    Finding(
                        rule_id=issue["test_id"],
                        scanner=SCANNER,
                        severity=Severity(severity.value),
                        confidence=confidence,
                        message=issue["text"],
                        location=Location(
                            path=rel[name],
                            start_line=issue["line"],
                            end_line=issue["end_line"],
                            start_column=issue["col"],
                            end_column=issue["end_col"]
                            if issue["end_line"] == issue["line"]
                            else None,
                        ),
                        content_digest=issue["content"],
                        help_uri=rule.help_uri,
                        aliases=(issue["test_name"],) if issue["test_name"] else (),
                        properties={"cwe": f"CWE-{issue['cwe']}"} if issue["cwe"] else {},
                    )
                )
        return ScanResult(
            scanner=SCANNER,
            tool=Tool(name="bandit", version=_bandit_version(), information_uri=BANDIT_URI),
            rules=rules,
            findings=findings,
            notices=notices,
            stats={
                "files": len(names),
                "analysed": len(names) - cached_count - len(unreadable),
                "cached": cached_count,
                "skipped": skipped,
            },
        )


def _rule(test_id: str, test_name: str, severity: Confidence) -> Rule:
    from bandit.core import docs_utils, extension_loader

    manager = extension_loader.MANAGER
    description = ""
    plugin = manager.plugins_by_id.get(test_id)
    if plugin is not None:
        doc = (plugin.plugin.__doc__ or "").strip()
        paragraphs = [
            p.strip() for p in doc.split("\n\n") if p.strip() and not set(p.strip()) <= set("=-")
        ]
        description = " ".join(paragraphs[1].split()) if len(paragraphs) > 1 else ""
    else:
        blacklisted = manager.blacklist_by_id.get(test_id)
        if blacklisted is not None:
            description = " ".join(
                str(blacklisted.get("message", "")).replace("{name}", "this").split()
            )
    title = test_name.replace("_", " ")
    try:
        help_uri = docs_utils.get_url(test_id)
    except Exception:  # bandit's own docs helper; a wrong URL must not fail a scan
        help_uri = BANDIT_URI
    return Rule(
        id=test_id,
        name=test_name or test_id,
        short_description=f"{test_id}: {title}",
        full_description=description or f"bandit test {test_id} ({title}).",
        help_text=(description or title) + f"\n\nSee {help_uri}",
        help_uri=help_uri,
        default_severity=Severity(severity.value),
        tags=("python", "bandit"),
    )
