"""Renderings of the DORA keys: JSON (every figure, seconds for durations), markdown (the job
summary) and a terminal table."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from clearance.durations import format_duration
from clearance.measure.dora import DoraReport, EnvironmentKeys, Incident, Keys
from clearance.release.records import format_time

DORA_SCHEMA_ID = "https://clearance.dev/schema/dora/v1.json"
DEFINITIONS_URL = "https://github.com/clearance-dev/clearance#dora-metrics"


def _seconds(value: dt.timedelta | None) -> int | None:
    return None if value is None else round(value.total_seconds())


def _incident(incident: Incident) -> dict[str, Any]:
    return {
        "started_at": format_time(incident.started_at),
        "failed_deployment": incident.failed,
        "restored_at": None if incident.restored_at is None else format_time(incident.restored_at),
        "restored_by": incident.restored_by,
        "seconds": _seconds(incident.duration),
    }


def keys_json(keys: Keys) -> dict[str, Any]:
    rate = keys.change_failure_rate
    return {
        "since": format_time(keys.window.since),
        "until": format_time(keys.window.until),
        "deployment_frequency": {
            "deployments": keys.deployments,
            "per_day": round(keys.per_day, 4),
            "per_week": round(keys.per_day * 7, 4),
        },
        "lead_time": {
            "changes": len(keys.changes),
            "untimed_changes": keys.untimed_changes,
            "median_seconds": _seconds(keys.lead_time_median),
            "p90_seconds": _seconds(keys.lead_time_p90),
        },
        "change_failure_rate": {
            "failed": keys.failed,
            "finished": keys.finished,
            "rate": None if rate is None else round(rate, 4),
        },
        "time_to_restore": {
            "incidents": len(keys.incidents),
            "open": len(keys.open_incidents),
            "median_seconds": _seconds(keys.time_to_restore_median),
        },
    }


def environment_json(env: EnvironmentKeys) -> dict[str, Any]:
    return {
        "environment": env.environment,
        **keys_json(env.keys),
        "incidents": [_incident(i) for i in env.keys.incidents],
        "unknown_changes": env.unknown_changes,
        "gates": [{"gate": g.gate, "verdict": g.verdict, "count": g.count} for g in env.gates],
        "weeks": [keys_json(w) for w in env.weeks],
    }


def report_json(report: DoraReport) -> dict[str, Any]:
    return {
        "$schema": DORA_SCHEMA_ID,
        "version": 1,
        "since": format_time(report.window.since),
        "until": format_time(report.window.until),
        "definitions": DEFINITIONS_URL,
        "environments": [environment_json(e) for e in report.environments],
    }


def render_json(report: DoraReport) -> str:
    return json.dumps(report_json(report), indent=2, ensure_ascii=False) + "\n"


NONE = "n/a"


def duration_text(value: dt.timedelta | None) -> str:
    return NONE if value is None else format_duration(value)


def frequency_text(keys: Keys) -> str:
    return f"{keys.deployments} ({keys.per_day:.2f}/day)"


def lead_text(keys: Keys) -> str:
    if keys.lead_time_median is None:
        return NONE
    median, p90 = duration_text(keys.lead_time_median), duration_text(keys.lead_time_p90)
    return f"{median} (p90 {p90}, {len(keys.lead_times)} changes)"


def failure_text(keys: Keys) -> str:
    rate = keys.change_failure_rate
    return NONE if rate is None else f"{rate:.0%} ({keys.failed}/{keys.finished})"


def restore_text(keys: Keys) -> str:
    text = duration_text(keys.time_to_restore_median)
    restored = len(keys.restore_times)
    if restored:
        text += f" ({restored} restored)"
    if keys.open_incidents:
        text += f", {len(keys.open_incidents)} open"
    return text


HEADER = (
    "environment",
    "deployments",
    "lead time (median)",
    "change failure rate",
    "time to restore (median)",
)


def _row(name: str, keys: Keys) -> tuple[str, ...]:
    return (name, frequency_text(keys), lead_text(keys), failure_text(keys), restore_text(keys))


def _week_row(keys: Keys) -> tuple[str, ...]:
    rate = keys.change_failure_rate
    return (
        keys.window.since.strftime("%Y-%m-%d"),
        str(keys.deployments),
        duration_text(keys.lead_time_median),
        NONE if rate is None else f"{rate:.0%}",
        duration_text(keys.time_to_restore_median),
    )


def _window_line(report: DoraReport) -> str:
    w = report.window
    return f"{format_time(w.since)} to {format_time(w.until)} ({w.days:g} days)"


def render_markdown(report: DoraReport) -> str:
    lines = [
        "### DORA metrics",
        "",
        f"{_window_line(report)}; [definitions]({DEFINITIONS_URL})",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|---|---|---|---|---|",
    ]
    lines += [
        "| " + " | ".join(_row(f"`{e.environment}`", e.keys)) + " |" for e in report.environments
    ]
    if not report.environments:
        lines.append("| no deployments recorded | | | | |")
    for env in report.environments:
        lines += [
            "",
            f"<details><summary>{env.environment}: week by week</summary>",
            "",
            "| week of | deployments | lead time (median) | change failure rate | time to restore (median) |",
            "|---|---|---|---|---|",
        ]
        lines += [
            "| " + " | ".join(_row(w.window.since.strftime("%Y-%m-%d"), w)) + " |"
            for w in env.weeks
        ]
        lines += ["", "</details>"]
        if env.unknown_changes:
            lines += [
                "",
                f"{env.unknown_changes} deployment(s) of `{env.environment}` recorded no changes "
                "(unknown): lead time leaves them out.",
            ]
    return "\n".join(lines) + "\n"


def render_text(report: DoraReport) -> str:
    rows = [HEADER, *(_row(e.environment, e.keys) for e in report.environments)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(HEADER))]
    table = "".join(
        "  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() + "\n" for r in rows
    )
    return f"DORA metrics, {_window_line(report)}\n" + table
