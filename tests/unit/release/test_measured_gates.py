"""The measured gates of [tool.clearance.gates] plug into promotion by name: an SLO that burns
its budget refuses, one that holds, holds; `$environment` is the target, `at` the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from tests.release.desk import Desk
from tests.release.support import Clock, digest_of

from clearance.config import load_config
from clearance.release.gates import GateSet, Verdict
from clearance.release.ledger.sqlite import SqliteLedger
from clearance.release.measured import measured_gates

GATES = """\
[gates.checkout]
kind = "slo"
prometheus-url = "http://prometheus.$environment:9090"
objective = 99.9
good = 'sum(increase(ok{env="$environment"}[$window]))'
total = 'sum(increase(all{env="$environment"}[$window]))'
burn-rates = [{ factor = 14.4, long = "1h", short = "5m" }]

[environments.production]
gates = ["checkout"]
"""


class Source:
    """Prometheus answering `total` events and `bad` of them, whatever the window."""

    def __init__(
        self, url: str, total: float | None, bad: float, asked: list[tuple[str, str]]
    ) -> None:
        self.url, self.total, self.bad, self.asked = url, total, bad, asked

    def instant(self, query: str, at: dt.datetime) -> float | None:
        self.asked.append((self.url, query))
        if self.total is None:
            return None
        return self.total - self.bad if query.startswith("sum(increase(ok") else self.total

    def range(self, query, start, end, step):  # type: ignore[no-untyped-def]  # pragma: no cover
        raise AssertionError


@pytest.mark.parametrize(
    "total, bad, verdict",
    [(100_000.0, 0.0, Verdict.PASS), (100_000.0, 5_000.0, Verdict.FAIL), (None, 0.0, Verdict.HOLD)],
)
def test_a_measured_gate_named_by_the_environment_decides_the_promotion(
    tmp_path: Path, clock: Clock, total: float | None, bad: float, verdict: Verdict
) -> None:
    (tmp_path / "clearance.toml").write_text(GATES)
    settings = load_config(None, tmp_path)
    asked: list[tuple[str, str]] = []
    gates = GateSet(
        available=measured_gates(
            settings, None, lambda url, timeout, token: Source(url, total, bad, asked)
        )
    )
    desk = Desk(
        SqliteLedger(tmp_path / "l.db"),
        clock,
        environments=settings.section("environments"),
        gates=gates,
    )
    desk.deploy("staging", digest_of("A"))

    result = desk.promote(digest_of("A"), "staging", "production")

    (checkout,) = [r for r in result.decision.results if r.gate == "checkout"]
    assert checkout.verdict is verdict
    assert result.decision.verdict is verdict
    assert result.recorded is (verdict is Verdict.PASS)
    assert {url for url, _ in asked} == {"http://prometheus.production:9090"}
