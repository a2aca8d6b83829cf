"""The DORA dashboard in headless Chromium: it draws its six charts with their data points,
takes its screenshot, and makes no request at all (the performance log and a loopback proxy
both witness; tests/browser/chromium.py), on the release-train ledger of
tests/release/dora_scenarios.py."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import time
from pathlib import Path
from typing import Any

import pytest
from tests.browser.chromium import headless_chromium
from tests.release import dora_scenarios as s

from clearance.measure import dora
from clearance.measure.dashboard import CHARTS, render_html
from clearance.measure.dora import Window

pytestmark = pytest.mark.integration

# What the page must have drawn, chart by chart (canvas id -> points per dataset).
# Two environments over two ISO weeks; the timeline has one point per deployment created in
# the window: 14 staging + 7 promotions + 2 fixes + 1 rollback = 24, of which 2 failed,
# 1 replaced by the rollback, 1 rollback, 20 deployed; the gate chart has one bar per
# (environment, gate) recorded, for each verdict recorded (pass, not configured):
# production's checkout-slo, scan, soak, source, verification.
EXPECTED_POINTS = {
    "chart-deployments": [2, 2],
    "chart-lead-time": [2, 2],
    "chart-failure-rate": [2, 2],
    "chart-restore": [2, 0],
    "chart-timeline": [20, 2, 1, 1],
    "chart-gates": [5, 5],
}

CHARTS_DRAWN = """
return Object.values(Chart.instances).map((chart) => {
  const canvas = chart.canvas;
  const pixels = canvas.getContext("2d").getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < pixels.length; i += 4) if (pixels[i] !== 0) painted++;
  return {
    id: canvas.id,
    painted: painted,
    points: chart.data.datasets.map((_, i) => chart.getDatasetMeta(i).data.filter(
      (e) => Number.isFinite(e.x) && Number.isFinite(e.y) && !e.skip).length),
  };
});
"""


def render(path: Path) -> Path:
    window = Window(s.MONDAY, s.MONDAY + dt.timedelta(days=14))
    report = dora.dora(s.newest_first(s.release_train()), window)
    path.write_text(render_html(report, generated_at="2025-03-17T08:00:00Z"), encoding="utf-8")
    return path


def charts_when_drawn(driver: Any) -> list[dict[str, Any]]:
    deadline = time.monotonic() + 30
    while True:
        ready = driver.execute_script(
            "return document.readyState === 'complete' && typeof Chart !== 'undefined'"
            " && Object.keys(Chart.instances).length;"
        )
        if (ready and ready >= CHARTS) or time.monotonic() > deadline:
            break
        time.sleep(0.2)
    drawn: list[dict[str, Any]] = driver.execute_script(CHARTS_DRAWN)
    return drawn


def test_the_dashboard_draws_its_charts_and_asks_for_nothing(tmp_path: Path) -> None:
    page = render(tmp_path / "dora.html")
    url = page.as_uri()

    with headless_chromium(tmp_path / "profile", height=1650) as browser:
        browser.driver.get(url)
        drawn = charts_when_drawn(browser.driver)
        shot = tmp_path / "dora-dashboard.png"
        assert browser.driver.save_screenshot(str(shot))
        tiles = browser.driver.execute_script(
            "return [...document.querySelectorAll('.tile .value')].map((e) => e.textContent);"
        )
        started = browser.requests_started()
        console = browser.console()
        proxied = browser.proxy.foreign()

    assert len(drawn) == CHARTS
    assert {c["id"]: c["points"] for c in drawn} == EXPECTED_POINTS
    for chart in drawn:
        assert chart["painted"] > 2000, f"{chart['id']} painted almost nothing"
    assert tiles == ["8", "22h15m", "30%", "1h5m", "14", "18h10m", "0%", "n/a"]
    assert shot.stat().st_size > 20_000 and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert started == [url], "the page itself, and no other request"
    assert proxied == [], f"nothing reached the network: {proxied}"
    assert [e for e in console if e.get("level") == "SEVERE"] == [], console
    target = os.environ.get("DORA_SCREENSHOT_TO")
    if target:  # refresh docs/dora-dashboard.png: DORA_SCREENSHOT_TO=docs/...
        shutil.copyfile(shot, target)


def test_a_page_that_asks_for_something_is_caught_by_both_witnesses(tmp_path: Path) -> None:
    page = tmp_path / "leaky.html"
    page.write_text(
        '<!DOCTYPE html><html><body><img src="http://dashboard.invalid/pixel.png"></body></html>',
        encoding="utf-8",
    )
    with headless_chromium(tmp_path / "profile") as browser:
        browser.driver.get(page.as_uri())
        time.sleep(0.5)
        started = browser.requests_started()
        proxied = browser.proxy.foreign()
    assert "http://dashboard.invalid/pixel.png" in started
    assert any("dashboard.invalid" in line for line in proxied)
