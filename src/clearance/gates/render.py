"""A gate decision as text (for people), JSON (for machines) and markdown (job summary)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Any

from clearance.gates.decision import GateDecision, GateKind, format_instant
from clearance.gates.slo import count


class DecisionFormat(StrEnum):
    TEXT = "text"
    JSON = "json"
    MARKDOWN = "markdown"


def render(decision: GateDecision, fmt: DecisionFormat) -> str:
    if fmt is DecisionFormat.JSON:
        return render_json(decision)
    if fmt is DecisionFormat.MARKDOWN:
        return render_markdown(decision)
    return render_text(decision)


def render_json(decision: GateDecision) -> str:
    return json.dumps(decision.to_json(), indent=2, sort_keys=False, allow_nan=False) + "\n"


def _num(value: Any, kind: str = "g") -> str:
    if value is None:
        return "-"
    if kind == "%":
        return f"{float(value) * 100:.3g}%"
    if kind == "x":
        return f"{float(value):.3g}x"
    if kind == "n":
        return count(float(value))
    return f"{float(value):.3g}"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(str(c)) for c in column) for column in zip(header, *rows, strict=True)]
    return [
        "  " + "  ".join(str(c).ljust(w) for c, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *rows)
    ]


def _slo_rows(figures: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["window", "events", "bad", "error ratio", "burn rate"]
    rows = [
        [
            w["window"],
            _num(w["total"], "n"),
            _num(w["bad"], "n"),
            _num(w["error_ratio"], "%"),
            _num(w["burn_rate"], "x"),
        ]
        for w in figures.get("windows", ())
    ]
    return header, rows


def _slo_checks(figures: Mapping[str, Any]) -> list[str]:
    lines = [
        f"rule {_num(r['factor'], 'x')} over {r['long']} and {r['short']}: {r['status']} "
        f"(burn {_num(r['long_burn_rate'], 'x')} and {_num(r['short_burn_rate'], 'x')})"
        for r in figures.get("rules", ())
    ]
    b = figures.get("budget_check", {})
    if b:
        lines.append(
            f"error budget over {b['window']}: {b['status']} ({_num(b['remaining'], '%')} "
            f"remains, floor {_num(b['floor'], '%')})"
        )
    return lines


def _canary_rows(figures: Mapping[str, Any]) -> tuple[list[str], list[list[str]]]:
    header = ["metric", "verdict", "points c/b", "p", "effect", "median c/b", "direction"]
    rows = [
        [
            m["metric"] + (" (critical)" if m["critical"] else ""),
            m["verdict"],
            f"{m['canary_points']}/{m['baseline_points']}",
            _num(m["p_value"]),
            "-" if m["effect_size"] is None else f"{m['effect_size']:+.2f}",
            f"{_num(m['canary_median'])}/{_num(m['baseline_median'])}",
            m["direction"],
        ]
        for m in figures.get("metrics", ())
    ]
    return header, rows


def _context(decision: GateDecision) -> str:
    f = decision.figures
    at = format_instant(decision.at)
    if decision.kind is GateKind.SLO:
        return (
            f"at {at}; objective {_num(f['objective'], '%')}, error budget "
            f"{_num(f['budget'], '%')} over {f['slo_window']}; min-events {f['min_events']}"
        )
    score = "-" if f.get("score") is None else f"{f['score']:.0f}"
    return (
        f"at {at}; window {f['window']} every {f['step']}; score {score} "
        f"(pass >= {f['pass_score']:g}, marginal >= {f['marginal_score']:g}); "
        f"alpha {f['alpha']:g}"
    )


def render_text(decision: GateDecision) -> str:
    lines = [f"gate {decision.kind.value} {decision.line()}", "  " + _context(decision)]
    if decision.kind is GateKind.SLO:
        header, rows = _slo_rows(decision.figures)
        lines += _table(header, rows)
        lines += ["  " + line for line in _slo_checks(decision.figures)]
    else:
        header, rows = _canary_rows(decision.figures)
        lines += _table(header, rows)
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(decision: GateDecision) -> str:
    icon = {"pass": "✅", "fail": "❌", "hold": "⏸️"}[decision.status.value]
    lines = [
        f"### {icon} clearance gate {decision.kind.value} `{decision.gate}`: "
        f"{decision.status.value}",
        "",
        _md_cell(decision.reason),
        "",
        _md_cell(_context(decision)),
        "",
    ]
    if decision.kind is GateKind.SLO:
        header, rows = _slo_rows(decision.figures)
    else:
        header, rows = _canary_rows(decision.figures)
    lines.append("| " + " | ".join(header) + " |")
    lines.append("|" + "---|" * len(header))
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    if decision.kind is GateKind.SLO:
        lines.append("")
        lines += [f"- {_md_cell(line)}" for line in _slo_checks(decision.figures)]
    return "\n".join(lines) + "\n"
