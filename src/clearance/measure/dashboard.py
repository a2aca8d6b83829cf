"""The DORA dashboard: one self-contained HTML page.

Every script and style is inline (Chart.js, vendored in `vendor/`, the page's own script and
style in `assets/`), the figures travel as a JSON block, and a Content-Security-Policy with
`default-src 'none'` and the hashes of the inline script and style forbids any request at view
time: the page works from a file, an artifact or an e-mail attachment, offline.

Charts: deployments, lead time, change failure rate and time to restore per ISO week (one
line or bar per environment); the deployment timeline (one row per environment, failures,
replaced deployments and rollbacks marked); gate outcomes recorded with the deployments.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
from importlib import resources
from typing import Any

from clearance.measure.dora import Attempt, DoraReport, EnvironmentKeys, Keys
from clearance.measure.render import DEFINITIONS_URL, NONE, duration_text
from clearance.release.records import Task, format_time

CHART_JS_VERSION = "4.4.9"
CHARTS = 6
"""Charts on the page: four weekly trends, the timeline, the gate outcomes."""
_SOURCE_MAP = re.compile(r"\n//# sourceMappingURL=\S+\s*$")
_SCRIPT_END = re.compile(r"</(script)", re.IGNORECASE)


def _asset(*parts: str) -> str:
    return resources.files("clearance.measure").joinpath(*parts).read_text(encoding="utf-8")


def chart_js() -> str:
    """The vendored Chart.js, without its source-map comment."""
    return _SOURCE_MAP.sub("\n", _asset("vendor", "chart.umd.js"))


def _inline(code: str) -> str:
    """Code safe inside a <script> element (no `</script` can end it early)."""
    return _SCRIPT_END.sub(r"<\\/\1", code)


def _hash(code: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else round(seconds / 3600, 2)


def outcome(attempt: Attempt) -> str:
    """How the timeline marks a deployment."""
    if attempt.deployment.task is Task.ROLLBACK:
        return "rollback"
    if attempt.replaced_by is not None:
        return "replaced by rollback"
    if attempt.failed:
        return "failed"
    if attempt.succeeded_at is not None:
        return "deployed"
    return "pending"


def _timeline(index: int, env: EnvironmentKeys) -> list[dict[str, Any]]:
    points = []
    for a in env.attempts:
        d = a.deployment
        points.append(
            {
                "environment": env.environment,
                "row": index,
                "x": int(d.created_at.timestamp() * 1000),
                "id": d.id,
                "digest": d.digest[:19],
                "version": d.version or "",
                "task": d.task.value,
                "outcome": outcome(a),
                "at": format_time(d.created_at),
            }
        )
    return points


def tiles(keys: Keys) -> list[dict[str, str]]:
    """The four keys as the page's tiles: a label, a value, a line of detail."""
    rate = keys.change_failure_rate
    restored, still_open = len(keys.restore_times), len(keys.open_incidents)
    return [
        {
            "label": "Deployments",
            "value": str(keys.deployments),
            "detail": f"{keys.per_day:.2f} a day · {keys.per_day * 7:.1f} a week",
        },
        {
            "label": "Lead time for changes (median)",
            "value": duration_text(keys.lead_time_median),
            "detail": f"p90 {duration_text(keys.lead_time_p90)} · {len(keys.lead_times)} changes"
            + (f" · {keys.untimed_changes} untimed" if keys.untimed_changes else ""),
        },
        {
            "label": "Change failure rate",
            "value": NONE if rate is None else f"{rate:.0%}",
            "detail": f"{keys.failed} failed of {keys.finished} finished",
        },
        {
            "label": "Time to restore (median)",
            "value": duration_text(keys.time_to_restore_median),
            "detail": f"{restored} restored" + (f" · {still_open} open" if still_open else ""),
        },
    ]


def _seconds(value: Any) -> float | None:
    return None if value is None else float(value.total_seconds())


def page_data(report: DoraReport, *, generated_at: str) -> dict[str, Any]:
    envs = report.environments
    weeks = [w.window.since.strftime("%Y-%m-%d") for w in envs[0].weeks] if envs else []
    gate_rows = sorted({(e.environment, g.gate) for e in envs for g in e.gates})
    present = {g.verdict for e in envs for g in e.gates}
    order = ["pass", "hold", "fail", "not configured"]
    verdicts = [v for v in order if v in present] + sorted(present - set(order))
    counts = {(e.environment, g.gate, g.verdict): g.count for e in envs for g in e.gates}
    return {
        "generated_at": generated_at,
        "since": format_time(report.window.since),
        "until": format_time(report.window.until),
        "days": report.window.days,
        "definitions": DEFINITIONS_URL,
        "chart_js": CHART_JS_VERSION,
        "environments": [e.environment for e in envs],
        "keys": [{"environment": e.environment, "tiles": tiles(e.keys)} for e in envs],
        "weeks": weeks,
        "series": {
            "deployments": {e.environment: [w.deployments for w in e.weeks] for e in envs},
            "lead_time_hours": {
                e.environment: [_hours(_seconds(w.lead_time_median)) for w in e.weeks] for e in envs
            },
            "change_failure_percent": {
                e.environment: [
                    None if w.change_failure_rate is None else round(100 * w.change_failure_rate, 1)
                    for w in e.weeks
                ]
                for e in envs
            },
            "restore_hours": {
                e.environment: [_hours(_seconds(w.time_to_restore_median)) for w in e.weeks]
                for e in envs
            },
        },
        "timeline": [p for i, e in enumerate(envs) for p in _timeline(i, e)],
        "gates": {
            "rows": [f"{env} · {gate}" for env, gate in gate_rows],
            "verdicts": {
                v: [counts.get((env, gate, v), 0) for env, gate in gate_rows] for v in verdicts
            },
        },
    }


def render_html(report: DoraReport, *, generated_at: str) -> str:
    """The page (UTF-8 text)."""
    data = json.dumps(page_data(report, generated_at=generated_at), ensure_ascii=False)
    # `<` as \u003c: nothing in the data can close the block or open a comment in it
    data = data.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    library = _inline(chart_js())
    script = _inline(_asset("assets", "dashboard.js"))
    style = _asset("assets", "dashboard.css")
    policy = (
        "default-src 'none'; "
        f"script-src {_hash(library)} {_hash(script)}; "
        f"style-src {_hash(style)}; "
        "img-src data:; base-uri 'none'; form-action 'none'"
    )
    title = "DORA metrics · " + ", ".join(e.environment for e in report.environments)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{policy}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{html.escape(title)}</title>\n"
        f"<style>{style}</style>\n</head>\n<body>\n"
        '<header><h1>DORA metrics</h1><p id="window"></p></header>\n'
        '<section id="keys" aria-label="the four keys"></section>\n'
        '<section class="grid" aria-label="weekly trends">\n'
        "<figure><figcaption>Deployments per week</figcaption>"
        '<div class="chart"><canvas id="chart-deployments"></canvas></div></figure>\n'
        "<figure><figcaption>Lead time for changes, weekly median (hours)</figcaption>"
        '<div class="chart"><canvas id="chart-lead-time"></canvas></div></figure>\n'
        "<figure><figcaption>Change failure rate per week (%)</figcaption>"
        '<div class="chart"><canvas id="chart-failure-rate"></canvas></div></figure>\n'
        "<figure><figcaption>Time to restore, weekly median (hours)</figcaption>"
        '<div class="chart"><canvas id="chart-restore"></canvas></div></figure>\n'
        "</section>\n"
        '<section aria-label="deployment timeline"><figure class="wide">'
        "<figcaption>Deployment timeline</figcaption>"
        '<div class="chart timeline"><canvas id="chart-timeline"></canvas></div></figure></section>\n'
        '<section aria-label="gate outcomes"><figure class="wide">'
        "<figcaption>Gate outcomes of the recorded promotions and rollbacks</figcaption>"
        '<div class="chart gates"><canvas id="chart-gates"></canvas></div></figure></section>\n'
        '<footer><p id="footer"></p></footer>\n'
        f'<script type="application/json" id="dora-data">{data}</script>\n'
        f"<script>{library}</script>\n"
        f"<script>{script}</script>\n"
        "</body>\n</html>\n"
    )
