"""The `secrets` scanner: content from the work tree or git, the detect-secrets engine across
worker processes, and findings that never carry a secret.

A finding's rule id is `secret/<type>`; its `content_digest` is a hash of (type, secret), so
its fingerprint does not move with line numbers; its message shows the type, the length and
a short hash (plus the documented prefix of long tokens such as `ghp_`). The secret values
themselves go only to `on_secret` (the CLI registers them with its `Redactor`) and, as SHA-1,
to the detect-secrets baseline matcher, exactly as detect-secrets stores them.
"""

from __future__ import annotations

import hashlib
import multiprocessing
import os
import sys
from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum

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
)
from clearance.redaction import describe_secret
from clearance.scan.interface import Progress, ScanTarget, no_progress
from clearance.scan.secrets.diffrange import DiffPlan
from clearance.scan.secrets.engine import (
    Engine,
    EngineOptions,
    FileScan,
    RawHit,
    configure_process,
    detect_secrets_session,
)
from clearance.scan.secrets.gitsource import (
    Git,
    Item,
    diff_items,
    history_items,
    staged_items,
    tree_items,
    worktree_items,
)
from clearance.scan.secrets.rules import RULES, TokenRule

SCANNER = "secrets"
DETECT_SECRETS_URI = "https://github.com/Yelp/detect-secrets"
HELP_URI = "https://github.com/clearance-dev/clearance#secret-scanning"
BATCH_FILES = 24
IN_PROCESS_FILES = 48
IN_PROCESS_BYTES = 2 * 1024 * 1024
REDACT_MIN_LENGTH = 8


class Mode(StrEnum):
    WORKTREE = "worktree"
    STAGED = "staged"
    DIFF = "diff"
    HISTORY = "history"


@dataclass(frozen=True)
class SecretsSettings:
    """How the secrets scanner runs (from `[tool.clearance.secrets]` and the command line)."""

    engine: EngineOptions = field(default_factory=EngineOptions)
    jobs: int = 0
    mode: Mode = Mode.WORKTREE
    all_files: bool = False
    diff_plan: DiffPlan | None = None


# --- what each type means -----------------------------------------------------------------------

_BUILTIN_SEVERITY: dict[str, tuple[Severity, Confidence]] = {
    "private-key": (Severity.CRITICAL, Confidence.HIGH),
    "aws-access-key": (Severity.CRITICAL, Confidence.HIGH),
    "azure-storage-account-access-key": (Severity.CRITICAL, Confidence.HIGH),
    "secret-keyword": (Severity.MEDIUM, Confidence.LOW),
    "base64-high-entropy-string": (Severity.MEDIUM, Confidence.LOW),
    "hex-high-entropy-string": (Severity.MEDIUM, Confidence.LOW),
    "public-ip-ipv4": (Severity.LOW, Confidence.LOW),
    "json-web-token": (Severity.MEDIUM, Confidence.MEDIUM),
    "basic-auth-credentials": (Severity.HIGH, Confidence.MEDIUM),
}
_RULES = {rule.id: rule for rule in RULES}


def type_severity(type_id: str) -> tuple[Severity, Confidence]:
    rule = _RULES.get(type_id)
    if rule is not None:
        return rule.severity, rule.confidence
    return _BUILTIN_SEVERITY.get(type_id, (Severity.HIGH, Confidence.HIGH))


def _public_prefix(type_id: str) -> str:
    rule: TokenRule | None = _RULES.get(type_id)
    return rule.public_prefix if rule is not None else ""


def rule_for(type_id: str, type_name: str) -> Rule:
    severity, _ = type_severity(type_id)
    origin = "clearance token rule" if type_id in _RULES else "detect-secrets plugin"
    return Rule(
        id=f"secret/{type_id}",
        name=type_name,
        short_description=f"{type_name} in the repository",
        full_description=(
            f"A value that looks like a {type_name} ({origin}) is committed. Anyone who can read "
            "the repository, or its history, can use it."
        ),
        help_text=(
            f"{type_name} found. Revoke and rotate the credential first (removing it from the file "
            "does not remove it from git history), then load it from the environment or a secret "
            "store. If it is not a secret, mark the line with `# pragma: allowlist secret` or "
            f"`# clearance: ignore[{type_id}] <reason>`, or accept it in the baseline."
        ),
        help_uri=HELP_URI,
        default_severity=severity,
        tags=("secret", "detect-secrets"),
    )


# --- worker processes -----------------------------------------------------------------------------

_worker_engine: Engine | None = None


def _init_worker(options: EngineOptions) -> None:
    global _worker_engine  # one configured engine per worker process
    _worker_engine = configure_process(options)


def _scan_batch(
    batch: Sequence[tuple[str, str | None, bytes | None, frozenset[int] | None]],
) -> list[FileScan]:
    if _worker_engine is None:  # pragma: no cover - the initializer always runs first
        raise EngineError("secrets worker used before it was configured")
    return [_scan_one(_worker_engine, *item) for item in batch]


def _scan_one(
    engine: Engine,
    path: str,
    disk_path: str | None,
    data: bytes | None,
    only_lines: frozenset[int] | None,
) -> FileScan:
    if data is None and disk_path is not None:
        try:
            with open(disk_path, "rb") as handle:
                data = handle.read(engine.options.max_file_size + 1)
        except OSError as exc:
            return FileScan(path, skipped=f"unreadable ({exc.strerror or type(exc).__name__})")
        if len(data) > engine.options.max_file_size:
            return FileScan(path, skipped="over the size limit")
    return engine.scan(path, data or b"", only_lines)


class SecretsScanner:
    """The `secrets` scanner (Scanner protocol)."""

    name = SCANNER

    def __init__(
        self, settings: SecretsSettings, on_secret: Callable[[str], None] = lambda _: None
    ) -> None:
        self._settings = settings
        self._on_secret = on_secret
        self.sha1_of: dict[str, frozenset[str]] = {}
        """Content digest → SHA-1s of the secret and of what other plugins reported for it
        (for detect-secrets baselines only, which store exactly that)."""

    # --- what to read ---------------------------------------------------------------------------

    def _items(self, target: ScanTarget) -> tuple[list[Item], Git | None, list[Notice]]:
        settings = self._settings
        git = Git(target.root)
        in_git = git.is_repository()
        notices: list[Notice] = []
        if settings.mode is Mode.WORKTREE:
            use_git = in_git and not settings.all_files
            return (
                worktree_items(
                    target.root,
                    target.paths,
                    target.exclude,
                    all_files=not use_git,
                    git=git if use_git else None,
                ),
                git if in_git else None,
                notices,
            )
        if not in_git:
            raise EngineError(
                f"--{settings.mode.value} needs a git repository; {target.root} is not one"
            )
        if settings.mode is Mode.STAGED:
            return staged_items(git, target.root, target.paths, target.exclude), git, notices
        if settings.mode is Mode.HISTORY:
            return history_items(git, target.exclude), git, notices
        plan = settings.diff_plan
        if plan is None:
            raise EngineError("--diff scan without a diff plan")
        notices.append(Notice("note", f"diff: {plan.reason}"))
        if plan.base is None:
            return (
                tree_items(git, plan.head, target.paths, target.root, target.exclude),
                git,
                notices,
            )
        return (
            diff_items(git, plan.base, plan.head, target.paths, target.root, target.exclude),
            git,
            notices,
        )

    # --- scanning -----------------------------------------------------------------------------------

    def scan(self, target: ScanTarget, progress: Progress = no_progress) -> ScanResult:
        settings = self._settings
        items, git, notices = self._items(target)
        limit = settings.engine.max_file_size
        skipped: Counter[str] = Counter()
        todo = []
        for item in items:
            if item.size > limit:
                skipped["over the size limit"] += 1
                notices.append(
                    Notice(
                        "note",
                        f"skipped: {item.size} bytes, over the {limit}-byte limit",
                        item.path,
                    )
                )
            else:
                todo.append(item)
        total = len(items)
        progress(total - len(todo), total)
        scans = list(self._run(todo, git, lambda n: progress(total - len(todo) + n, total)))
        progress(total, total)
        findings: list[Finding] = []
        rules: dict[str, Rule] = {}
        seen_history: set[tuple[str, str]] = set()
        by_path = {item.path: item for item in todo}
        blob_of_path: dict[str, str] = {}
        for scan in scans:
            if scan.skipped:
                skipped[scan.skipped] += 1
                continue
            for note in scan.notes:
                notices.append(Notice("warning", note, scan.path))
            source: Item | None = by_path.get(scan.path)
            for hit in scan.hits:
                if settings.mode is Mode.HISTORY:
                    key = (scan.path, digest_text("secret", hit.type_id, hit.secret))
                    if key in seen_history:
                        continue
                    seen_history.add(key)
                    if source is not None and source.object_name:
                        blob_of_path[scan.path] = source.object_name
                finding = self._finding(scan.path, hit)
                rules.setdefault(finding.rule_id, rule_for(hit.type_id, hit.type_name))
                findings.append(finding)
        if settings.mode is Mode.HISTORY and git is not None:
            findings = self._with_commits(findings, blob_of_path, git)
        for reason, count in sorted(skipped.items()):
            if reason != "over the size limit":
                notices.append(Notice("note", f"{count} file(s) skipped: {reason}"))
        return ScanResult(
            scanner=SCANNER,
            tool=Tool(
                name="detect-secrets",
                version=_detect_secrets_version(),
                information_uri=DETECT_SECRETS_URI,
            ),
            rules=rules,
            findings=findings,
            notices=notices,
            stats={
                "files": total,
                "scanned": total - sum(skipped.values()),
                "skipped": sum(skipped.values()),
            },
        )

    def _finding(self, path: str, hit: RawHit) -> Finding:
        from clearance.findings import Suppression

        if len(hit.secret) >= REDACT_MIN_LENGTH:
            self._on_secret(hit.secret)
        severity, confidence = type_severity(hit.type_id)
        digest = digest_text("secret", hit.type_id, hit.secret)
        self.sha1_of[digest] = frozenset(
            hashlib.sha1(value.encode("utf-8", "surrogateescape")).hexdigest()  # noqa: S324 - detect-secrets' own hash
            for value in (hit.secret, *hit.also)
        )
        suppression = None
        if hit.allowlisted:
            suppression = Suppression(kind="inline", reason="pragma: allowlist secret")
        elif hit.ignored_reason:
            suppression = Suppression(kind="inline", reason=hit.ignored_reason)
        return Finding(
            rule_id=f"secret/{hit.type_id}",
            scanner=SCANNER,
            severity=severity,
            confidence=confidence,
            message=f"{hit.type_name}: {describe_secret(hit.secret, _public_prefix(hit.type_id))}",
            location=Location(path=path, start_line=hit.line, end_line=hit.line),
            content_digest=digest,
            help_uri=HELP_URI,
            aliases=(hit.type_name,),
            properties={
                "secret_type": hit.type_name,
                "length": len(hit.secret),
                "plugin": hit.plugin,
            },
            suppression=suppression,
        )

    @staticmethod
    def _with_commits(
        findings: list[Finding], blob_of_path: Mapping[str, str], git: Git
    ) -> list[Finding]:
        from dataclasses import replace

        commits: dict[str, str | None] = {}
        result = []
        for finding in findings:
            path = finding.location.path if finding.location else ""
            blob = blob_of_path.get(path)
            if blob is not None and blob not in commits:
                commits[blob] = git.introducing_commit(blob)
            commit = commits.get(blob) if blob else None
            if commit:
                finding = replace(finding, properties={**finding.properties, "commit": commit})
            result.append(finding)
        return result

    def _run(
        self, items: Sequence[Item], git: Git | None, advance: Callable[[int], None]
    ) -> Iterator[FileScan]:
        options = self._settings.engine
        small = len(items) <= IN_PROCESS_FILES or sum(i.size for i in items) <= IN_PROCESS_BYTES
        jobs = self._settings.jobs or os.cpu_count() or 1
        try:
            if small or jobs <= 1:
                with detect_secrets_session(options) as engine:
                    done = 0
                    for path, disk, data, lines in self._payloads(items, git):
                        yield _scan_one(engine, path, disk, data, lines)
                        done += 1
                        advance(done)
                return
            context = multiprocessing.get_context("fork" if sys.platform != "win32" else "spawn")
            with ProcessPoolExecutor(
                max_workers=jobs, mp_context=context, initializer=_init_worker, initargs=(options,)
            ) as pool:
                done = 0
                for result in pool.map(_scan_batch, self._batches(items, git)):
                    done += len(result)
                    advance(done)
                    yield from result
        except EngineError:
            raise
        except Exception as exc:
            raise EngineError(
                f"detect-secrets {_detect_secrets_version()} failed: {type(exc).__name__}"
            ) from exc

    def _payloads(
        self, items: Sequence[Item], git: Git | None
    ) -> Iterator[tuple[str, str | None, bytes | None, frozenset[int] | None]]:
        on_disk = [i for i in items if i.disk_path is not None]
        for item in on_disk:
            yield item.path, item.disk_path, None, item.only_lines
        in_git = [i for i in items if i.object_name is not None]
        if in_git and git is not None:
            by_name: dict[str, list[Item]] = {}
            for item in in_git:
                by_name.setdefault(str(item.object_name), []).append(item)
            for name, data in git.contents(list(by_name)):
                for item in by_name[name]:
                    yield item.path, None, data, item.only_lines

    def _batches(
        self, items: Sequence[Item], git: Git | None
    ) -> Iterator[list[tuple[str, str | None, bytes | None, frozenset[int] | None]]]:
        ordered = sorted(items, key=lambda i: i.size, reverse=True)
        batch: list[tuple[str, str | None, bytes | None, frozenset[int] | None]] = []
        budget = 0
        for payload in self._payloads(ordered, git):
            batch.append(payload)
            budget += 1
            if budget >= BATCH_FILES:
                yield batch
                batch, budget = [], 0
        if batch:
            yield batch


def _detect_secrets_version() -> str:
    try:
        from detect_secrets.__version__ import VERSION

        return str(VERSION)
    except ImportError:  # pragma: no cover
        return "unknown"


__all__ = ["Mode", "SecretsScanner", "SecretsSettings", "rule_for", "type_severity"]
