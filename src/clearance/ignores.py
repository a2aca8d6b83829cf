"""Ignores: one schema for every scanner, `{ id, path?, reason, expires? }`.

An ignore names a rule id or any alias of a finding (a bandit id such as `B602`,
`secret/<type>`, an advisory id or one of its aliases). It applies while today is before its
`expires` date; from that day on the finding counts again and a notice says the ignore lapsed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

from clearance.findings import Finding, Notice, Suppression
from clearance.paths import matches


@dataclass(frozen=True)
class IgnoreRule:
    id: str
    reason: str
    path: str | None = None
    expires: dt.date | None = None

    def covers(self, finding: Finding) -> bool:
        """Whether this ignore names the finding (by id or alias, and path when given)."""
        wanted = self.id.casefold()
        if not any(i.casefold() == wanted for i in finding.ids):
            return False
        if self.path is None:
            return True
        return finding.location is not None and matches(finding.location.path, self.path)

    def lapsed(self, today: dt.date) -> bool:
        return self.expires is not None and today >= self.expires


def apply_ignores(
    findings: Iterable[Finding], ignores: Sequence[IgnoreRule], today: dt.date
) -> tuple[list[Finding], list[Notice]]:
    """Mark findings covered by a live ignore as suppressed; note each lapsed ignore once."""
    kept: list[Finding] = []
    lapsed_hits: dict[IgnoreRule, int] = {}
    for finding in findings:
        if finding.suppression is not None:
            kept.append(finding)
            continue
        covering = [rule for rule in ignores if rule.covers(finding)]
        live = next((rule for rule in covering if not rule.lapsed(today)), None)
        if live is not None:
            suppression = Suppression(kind="ignore", reason=live.reason)
            kept.append(replace(finding, suppression=suppression))
            continue
        for rule in covering:
            lapsed_hits[rule] = lapsed_hits.get(rule, 0) + 1
        kept.append(finding)
    notices = [
        Notice(
            level="warning",
            message=(
                f"the ignore for {rule.id}"
                + (f" on {rule.path}" if rule.path else "")
                + f" expired on {rule.expires}: {hits} finding(s) count again"
                + f" (reason was: {rule.reason})"
            ),
        )
        for rule, hits in lapsed_hits.items()
    ]
    return kept, notices
