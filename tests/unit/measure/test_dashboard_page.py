"""The dashboard page is self-contained: Chart.js is the vendored, checksummed release, every
script and style is inline and allowed by hash in a Content-Security-Policy that forbids
everything else, and ledger text cannot close a script or inject markup."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import re
from dataclasses import replace
from importlib import resources

from tests.release import dora_scenarios as s

from clearance.measure import dora
from clearance.measure.dashboard import CHART_JS_VERSION, chart_js, page_data, render_html
from clearance.measure.dora import Window

CHART_JS_SHA256 = "de315773454b6076b63990bfa05ce5155a37f71992c87d7bb5f9a2ea698697ef"
WINDOW = Window(s.MONDAY, s.MONDAY + dt.timedelta(days=14))


def page(records: list | None = None) -> str:  # type: ignore[type-arg]
    report = dora.dora(s.newest_first(records or s.release_train()), WINDOW)
    return render_html(report, generated_at="2025-03-17T08:00:00Z")


def test_the_vendored_chart_js_is_the_release_its_readme_names() -> None:
    vendor = resources.files("clearance.measure").joinpath("vendor")
    raw = vendor.joinpath("chart.umd.js").read_bytes()
    assert hashlib.sha256(raw).hexdigest() == CHART_JS_SHA256
    assert f"Chart.js v{CHART_JS_VERSION}" in raw[:200].decode()
    notes = vendor.joinpath("README.md").read_text(encoding="utf-8")
    assert CHART_JS_VERSION in notes and CHART_JS_SHA256 in notes
    assert "MIT License" in vendor.joinpath("LICENSE.chart.js.md").read_text(encoding="utf-8")
    assert "sourceMappingURL" not in chart_js()


def test_every_inline_script_and_style_is_allowed_by_hash_and_nothing_else_is() -> None:
    text = page()
    policy = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', text)
    assert policy is not None
    directives = dict(d.strip().split(" ", 1) for d in policy.group(1).split(";") if d.strip())
    assert directives["default-src"] == "'none'"
    scripts = re.findall(r"<script>(.*?)</script>", text, re.DOTALL)
    styles = re.findall(r"<style>(.*?)</style>", text, re.DOTALL)
    assert len(scripts) == 2 and len(styles) == 1

    def allowed(code: str) -> str:
        return "'sha256-" + base64.b64encode(hashlib.sha256(code.encode()).digest()).decode() + "'"

    assert directives["script-src"].split() == [allowed(c) for c in scripts]
    assert directives["style-src"].split() == [allowed(c) for c in styles]
    assert not re.search(r"<(script|link|img|iframe)[^>]*\s(src|href)=", text), "nothing loaded"


def test_ledger_text_cannot_close_the_data_block_or_inject_markup() -> None:
    nasty = "</script><script>alert(1)</script>"
    records = [replace(d, environment=f"prod{nasty}") for d in s.RESTORE]
    text = page(records)
    block = re.search(
        r'<script type="application/json" id="dora-data">(.*?)</script>', text, re.DOTALL
    )
    assert block is not None
    data = json.loads(block.group(1))
    assert data["environments"] == [f"prod{nasty}"]
    assert text.count("<script>alert(1)") == 0
    assert "<title>DORA metrics · prod&lt;/script&gt;" in text


def test_the_page_data_has_a_series_per_environment_and_a_point_per_deployment() -> None:
    report = dora.dora(s.newest_first(s.release_train()), WINDOW)
    data = page_data(report, generated_at="x")
    assert data["weeks"] == ["2025-03-03", "2025-03-10"]
    assert data["series"]["deployments"] == {"production": [4, 4], "staging": [7, 7]}
    assert data["series"]["change_failure_percent"] == {
        "production": [20.0, 40.0],
        "staging": [0.0, 0.0],
    }
    outcomes = [p["outcome"] for p in data["timeline"] if p["environment"] == "production"]
    assert outcomes.count("failed") == 2
    assert outcomes.count("replaced by rollback") == 1
    assert outcomes.count("rollback") == 1
    assert data["gates"]["rows"] == [
        "production · checkout-slo",
        "production · scan",
        "production · soak",
        "production · source",
        "production · verification",
    ]
    assert data["gates"]["verdicts"] == {
        "pass": [9, 1, 9, 9, 0],
        "not configured": [0, 0, 0, 0, 9],
    }, "the verdicts recorded (a recorded deployment passed its gates), in this order"
