"""`ledger export` / `ledger import`: a history as one JSON document, between any backends.

The document lists deployments oldest first, each in the record's JSON form with its
statuses. Importing records them in that order (so the target ledger's own order matches),
and is idempotent: a deployment already present is completed, never duplicated; one that
contradicts what is stored is refused.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from clearance.errors import UsageError
from clearance.release.ledger.interface import Ledger, missing_statuses
from clearance.release.records import Deployment, RecordError, from_json, to_json

EXPORT_SCHEMA_ID = "https://clearance.dev/schema/ledger-export/v1.json"
EXPORT_VERSION = 1


def export_document(deployments: Iterable[Deployment]) -> dict[str, Any]:
    """Deployments given newest first (as `history` yields them) → the export document."""
    ordered = list(deployments)
    ordered.reverse()
    return {
        "$schema": EXPORT_SCHEMA_ID,
        "version": EXPORT_VERSION,
        "deployments": [to_json(d) for d in ordered],
    }


def render_export(deployments: Iterable[Deployment]) -> str:
    return json.dumps(export_document(deployments), indent=2, ensure_ascii=False) + "\n"


def parse_export(text: str, where: str) -> list[Deployment]:
    """The deployments of an export document, oldest first; one readable line on error."""
    try:
        document = json.loads(text)
    except ValueError as exc:
        raise UsageError(f"{where}: not JSON: {exc}") from exc
    if not isinstance(document, dict) or document.get("$schema") != EXPORT_SCHEMA_ID:
        raise UsageError(
            f"{where}: not a clearance ledger export (expected $schema {EXPORT_SCHEMA_ID})"
        )
    if document.get("version") != EXPORT_VERSION:
        raise UsageError(f"{where}: export version {document.get('version')!r} is not supported")
    items = document.get("deployments")
    if not isinstance(items, list):
        raise UsageError(f"{where}: 'deployments' must be a list")
    deployments = []
    seen: set[str] = set()
    for index, item in enumerate(items):
        try:
            deployment = from_json(item)
        except RecordError as exc:
            raise UsageError(f"{where}: deployments[{index}]: {exc}") from exc
        if deployment.id in seen:
            raise UsageError(f"{where}: deployments[{index}]: id {deployment.id} appears twice")
        seen.add(deployment.id)
        deployments.append(deployment)
    return deployments


def import_into(
    ledger: Ledger,
    deployments: Sequence[Deployment],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[int, int]:
    """Record each deployment in order; returns (new, already present).

    One read of the whole target history tells what is there already; deployments present
    get only the statuses they lack (refused if they contradict the import).
    """
    stored = {d.id: d for d in ledger.history()}
    for deployment in deployments:
        if deployment.id in stored:
            missing_statuses(stored[deployment.id], deployment)  # refuse contradictions first
    added = present = 0
    for index, deployment in enumerate(deployments, start=1):
        have = stored.get(deployment.id)
        if have is None:
            ledger.record(deployment, new=True)
            added += 1
        else:
            for event in missing_statuses(have, deployment):
                have = ledger.add_status(have, event)
            present += 1
        if progress is not None:
            progress(index, len(deployments))
    return added, present
