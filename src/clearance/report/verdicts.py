"""Verification verdicts → text, JSON, Markdown. The same facts in every format.

Text: one line per verdict, `verified` or `FAILED`, the subject and its bundle, then who signed
(identity, issuer), from which repository, workflow, ref and commit, when, and which log entry;
a failure adds its reason code and the reason in words. JSON (`schema` 1) carries the same
fields per verdict plus the totals.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import Any

from clearance.trust.verify import Verdict

JSON_SCHEMA_VERSION = 1
# Claims of a certificate that failed verification are attacker-controlled: no control
# character (a newline could start a workflow command, ESC a terminal sequence) is printed raw.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")


def safe(text: str) -> str:
    """`text` with control characters shown as escapes, on one line."""
    return _CONTROL.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def outcome_of(verdicts: Sequence[Verdict]) -> str:
    """`verified` only when there is at least one verdict and every one is verified."""
    return "verified" if verdicts and all(v.verified for v in verdicts) else "failed"


def _who(verdict: Verdict) -> str:
    signer = verdict.signer
    if signer is None:
        return ""
    parts: list[str] = []
    if signer.identity:
        parts.append(f"by {signer.identity}")
    if signer.issuer:
        parts.append(f"issuer {signer.issuer}")
    if signer.repository and signer.workflow is None:
        parts.append(f"repository {signer.repository}")
    if signer.workflow:
        parts.append(f"workflow {signer.workflow}")
    if signer.ref:
        parts.append(f"ref {signer.ref}")
    if signer.sha:
        parts.append(f"commit {signer.sha[:12]}")
    if signer.trigger:
        parts.append(f"trigger {signer.trigger}")
    if signer.runner_environment:
        parts.append(f"runner {signer.runner_environment}")
    return ", ".join(parts)


def _when_where(verdict: Verdict) -> str:
    parts: list[str] = []
    if verdict.signed_at is not None:
        parts.append("signed " + verdict.signed_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    log = verdict.log
    if log is not None:
        where = log.url or (f"log {log.log_id[:16]}" if log.log_id else "an unknown log")
        index = f"#{log.index}" if log.index is not None else ""
        parts.append(f"log entry {index} on {where}".replace("  ", " "))
    return ", ".join(parts)


def verdict_line(verdict: Verdict) -> str:
    return safe(_verdict_line(verdict))


def _verdict_line(verdict: Verdict) -> str:
    what = f"{verdict.subject} [{verdict.kind.value}"
    if verdict.predicate_type:
        what += f" {verdict.predicate_type}"
    what += f"] with {verdict.bundle}"
    if verdict.verified:
        facts = "; ".join(p for p in (_who(verdict), _when_where(verdict)) if p)
        line = f"verified: {what}: {facts}"
        if verdict.notes:
            line += " (" + "; ".join(verdict.notes) + ")"
        return line
    reason = verdict.reason.value if verdict.reason else "failed"
    line = f"FAILED: {what}: {reason}: {verdict.detail}"
    who = _who(verdict)
    if who:
        line += f" (certificate says: {who})"
    return line


def render_text(verdicts: Sequence[Verdict]) -> str:
    lines = [verdict_line(v) for v in verdicts]
    verified = sum(v.verified for v in verdicts)
    lines.append(f"{verified} of {len(verdicts)} verified: {outcome_of(verdicts)}")
    return "\n".join(lines) + "\n"


def render_json(verdicts: Sequence[Verdict], *, tool_version: str, policy: str, trust: str) -> str:
    document: dict[str, Any] = {
        "schema": JSON_SCHEMA_VERSION,
        "tool": {"name": "clearance", "version": tool_version},
        "outcome": outcome_of(verdicts),
        "verified": sum(v.verified for v in verdicts),
        "total": len(verdicts),
        "policy": policy,
        "trust": trust,
        "verdicts": [v.to_json() for v in verdicts],
    }
    return json.dumps(document, indent=2, sort_keys=False) + "\n"


def _cell(text: str) -> str:
    """A table cell: one safe line, in a code span when it has characters Markdown reads."""
    text = safe(text).replace("|", "\\|")
    if re.search(r"[\\`*_\[\]<>!#~&]", text):
        return "`" + text.replace("`", "'") + "`"
    return text


def render_markdown(verdicts: Sequence[Verdict], *, policy: str) -> str:
    verified = sum(v.verified for v in verdicts)
    title = "passed" if outcome_of(verdicts) == "verified" else "FAILED"
    lines = [
        f"### clearance verify: {title} ({verified} of {len(verdicts)} verified)",
        "",
        f"Policy: {_cell(policy)}",
        "",
        "| artifact | bundle | outcome | signer | ref | commit | log entry |",
        "|---|---|---|---|---|---|---|",
    ]
    for v in verdicts:
        outcome = "verified" if v.verified else f"**failed**: {v.reason.value if v.reason else ''}"
        signer = v.signer.identity if v.signer and v.signer.identity else ""
        ref = v.signer.ref if v.signer and v.signer.ref else ""
        sha = v.signer.sha[:12] if v.signer and v.signer.sha else ""
        log = f"#{v.log.index} {v.log.url or ''}" if v.log and v.log.index is not None else ""
        lines.append(
            "| "
            + " | ".join(
                _cell(x) for x in (v.subject, v.bundle, outcome, signer, ref, sha, log.strip())
            )
            + " |"
        )
    failed = [v for v in verdicts if not v.verified]
    if failed:
        lines += ["", "Reasons:", ""]
        lines += [f"- {_cell(v.subject)}: {_cell(v.detail)}" for v in failed]
    return "\n".join(lines) + "\n"
