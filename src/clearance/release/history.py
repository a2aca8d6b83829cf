"""Renderings of a ledger history (newest first): JSON, a terminal table, markdown."""

from __future__ import annotations

import json
from collections.abc import Sequence

from clearance.release.records import Deployment, format_time, to_json

HISTORY_SCHEMA_ID = "https://clearance.dev/schema/history/v1.json"


def _short(digest: str) -> str:
    return digest[:19]


def _state(deployment: Deployment) -> str:
    state = deployment.state
    return state.value if state is not None else "recorded"


def _finished(deployment: Deployment) -> str:
    finished = deployment.finished_at
    return format_time(finished) if finished else ""


def render_json(deployments: Sequence[Deployment]) -> str:
    document = {
        "$schema": HISTORY_SCHEMA_ID,
        "version": 1,
        "deployments": [to_json(d) for d in deployments],
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"


def _rows(deployments: Sequence[Deployment]) -> list[list[str]]:
    return [
        [
            d.id,
            d.environment,
            d.task.value,
            _short(d.digest),
            _state(d),
            format_time(d.created_at),
            _finished(d),
            d.version or "",
            "?" if d.changes is None else str(len(d.changes)) + ("" if d.changes_complete else "+"),
        ]
        for d in deployments
    ]


HEADER = [
    "ID",
    "ENVIRONMENT",
    "TASK",
    "DIGEST",
    "STATE",
    "CREATED",
    "FINISHED",
    "VERSION",
    "CHANGES",
]


def render_text(deployments: Sequence[Deployment]) -> str:
    if not deployments:
        return "no deployments recorded\n"
    rows = [HEADER, *_rows(deployments)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(HEADER))]
    return "".join(
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() + "\n"
        for row in rows
    )


def render_markdown(deployments: Sequence[Deployment]) -> str:
    lines = ["| " + " | ".join(h.lower() for h in HEADER) + " |", "|" + "---|" * len(HEADER)]
    for row in _rows(deployments):
        row[0], row[3] = f"`{row[0]}`", f"`{row[3]}`"
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines) + "\n"
