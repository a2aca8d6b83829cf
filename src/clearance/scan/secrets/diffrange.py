"""Which commits a `--diff` scan covers: a `BASE..HEAD` range, or the one an Actions event says.

`pull_request` (and `pull_request_target`): the pull request's base and head, from their
merge base. `push`: `before..after`. `merge_group`: the group's base and head SHAs.

When the base is unknown or unreachable (a new branch has an all-zero `before`, a force push
leaves `before` out of the history, a shallow clone lacks it) the scan falls back, in order,
to the parent of the oldest pushed commit that is present, the merge base with the default
branch, and the whole tree at the head. It never falls back to "nothing to scan".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from clearance.errors import UsageError
from clearance.scan.secrets.gitsource import Git

AUTO = "auto"
PULL_REQUEST_EVENTS = frozenset({"pull_request", "pull_request_target"})


@dataclass(frozen=True)
class DiffPlan:
    """Scan the added lines of `base..head`, or (base None) the whole tree at `head`."""

    head: str
    base: str | None
    reason: str


def _get(payload: Mapping[str, Any], *keys: str) -> str:
    value: Any = payload
    for key in keys:
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if isinstance(value, str) else ""


def parse_range(spec: str) -> tuple[str, str, bool]:
    """`A..B` → (A, B, False); `A...B` → (A, B, True: from their merge base)."""
    if "..." in spec:
        base, _, head = spec.partition("...")
        three = True
    elif ".." in spec:
        base, _, head = spec.partition("..")
        three = False
    else:
        raise UsageError(f"--diff {spec!r}: expected BASE..HEAD, BASE...HEAD or auto")
    return base or "HEAD", head or "HEAD", three


def plan_range(git: Git, spec: str) -> DiffPlan:
    """The plan for an explicit range; an unreachable base falls back (see module doc)."""
    base, head, three = parse_range(spec)
    head_sha = git.resolve(head)
    if not git.commit_exists(base):
        return _fallback(
            git, head_sha, commits=(), default_branch="", why=f"base {base} is not in this clone"
        )
    base_sha = git.resolve(base)
    if three:
        merge_base = git.merge_base(base_sha, head_sha)
        if merge_base is None:
            return DiffPlan(
                head=head_sha, base=None, reason=f"{base} and {head} share no history: whole tree"
            )
        return DiffPlan(head=head_sha, base=merge_base, reason=f"{base}...{head}")
    return DiffPlan(head=head_sha, base=base_sha, reason=f"{base}..{head}")


def plan_from_event(git: Git, event_name: str | None, payload: Mapping[str, Any]) -> DiffPlan:
    """The plan an Actions event implies (outside Actions, or for other events: whole tree)."""
    head_default = git.resolve("HEAD")
    default_branch = _get(payload, "repository", "default_branch")
    if event_name in PULL_REQUEST_EVENTS:
        base = _get(payload, "pull_request", "base", "sha")
        head = _get(payload, "pull_request", "head", "sha")
        head_sha = head if git.commit_exists(head) else head_default
        if git.commit_exists(base):
            merge_base = git.merge_base(base, head_sha)
            if merge_base:
                return DiffPlan(
                    head=head_sha,
                    base=merge_base,
                    reason=f"pull request: merge base of {base[:12]}",
                )
        base_ref = _get(payload, "pull_request", "base", "ref")
        return _fallback(
            git,
            head_sha,
            commits=(),
            default_branch=base_ref or default_branch,
            why="the pull request's base is not in this clone",
        )
    if event_name == "push":
        before, after = _get(payload, "before"), _get(payload, "after")
        head_sha = after if git.commit_exists(after) else head_default
        commits = tuple(
            c.get("id", "") for c in payload.get("commits", []) or [] if isinstance(c, Mapping)
        )
        if git.commit_exists(before):
            return DiffPlan(
                head=head_sha,
                base=git.resolve(before),
                reason=f"push: {before[:12]}..{head_sha[:12]}",
            )
        why = (
            "a new branch"
            if not before or set(before) == {"0"}
            else "the push's base is not in this clone"
        )
        return _fallback(git, head_sha, commits=commits, default_branch=default_branch, why=why)
    if event_name == "merge_group":
        base = _get(payload, "merge_group", "base_sha")
        head = _get(payload, "merge_group", "head_sha")
        head_sha = head if git.commit_exists(head) else head_default
        if git.commit_exists(base):
            return DiffPlan(head=head_sha, base=git.resolve(base), reason="merge group")
        return _fallback(
            git,
            head_sha,
            commits=(),
            default_branch=default_branch,
            why="the merge group's base is not in this clone",
        )
    return DiffPlan(
        head=head_default, base=None, reason=f"event {event_name or 'none'}: whole tree"
    )


def _fallback(
    git: Git, head: str, *, commits: tuple[str, ...], default_branch: str, why: str
) -> DiffPlan:
    present = [c for c in commits if git.commit_exists(c)]
    if present:
        oldest = present[0]
        parents = git.parents(oldest)
        if parents:
            return DiffPlan(
                head=head, base=parents[0], reason=f"{why}: the {len(present)} pushed commit(s)"
            )
        return DiffPlan(
            head=head, base=None, reason=f"{why}: pushed commits reach the root, whole tree"
        )
    for ref in (f"origin/{default_branch}", default_branch) if default_branch else ():
        if git.commit_exists(ref):
            merge_base = git.merge_base(ref, head)
            if merge_base and merge_base != head:
                return DiffPlan(head=head, base=merge_base, reason=f"{why}: merge base with {ref}")
    return DiffPlan(head=head, base=None, reason=f"{why}: whole tree")
