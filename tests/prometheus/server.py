"""Start and stop a real Prometheus (Debian's `prometheus` 2.42) on backfilled data.

`backfill` turns OpenMetrics text into TSDB blocks with `promtool tsdb create-blocks-from
openmetrics`, cached under `.cache/prometheus-blocks/<sha256 of the text>` so later sessions
skip it (promtool writes one block per 2 hours of data, ~0.13 s each). `PrometheusServer`
copies the blocks into a fresh data directory and serves them on 127.0.0.1 on a free port:

- `--storage.tsdb.retention.time=36500d`: retention is counted back from the newest block, but
  a long one keeps the 2024 data whatever a later version counts from.
- `--storage.tsdb.min-block-duration=2h --storage.tsdb.max-block-duration=2h`: the backfilled
  2-hour blocks are left as they are (no background compaction).
- No scrape configuration: the head stays empty, so nothing overlaps the backfilled range.

Start-up waits for `/-/ready` (bounded); stop sends SIGTERM, then SIGKILL after 10 s.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BLOCK_CACHE = ROOT / ".cache" / "prometheus-blocks"
START_TIMEOUT_SECONDS = 30.0
CONFIG = "global:\n  evaluation_interval: 1m\n"


class PrometheusUnavailable(RuntimeError):
    """prometheus or promtool is not installed."""


def binaries() -> tuple[str, str]:
    found = shutil.which("prometheus"), shutil.which("promtool")
    if not all(found):
        raise PrometheusUnavailable(
            "prometheus and promtool are not installed: run `bash tests/setup.d/prometheus.sh` "
            "(Debian package prometheus; tests/run.sh does it)"
        )
    return found[0] or "", found[1] or ""


def backfill(openmetrics: str, cache: Path = BLOCK_CACHE) -> Path:
    """A directory of TSDB blocks holding `openmetrics`, built once per distinct text."""
    digest = hashlib.sha256(openmetrics.encode()).hexdigest()[:16]
    blocks = cache / digest
    if (blocks / ".complete").is_file():
        return blocks
    _, promtool = binaries()
    building = cache / f".{digest}.{os.getpid()}"
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    source = building / "input.om"
    source.write_text(openmetrics, encoding="utf-8")
    output = building / "blocks"
    subprocess.run(
        [promtool, "tsdb", "create-blocks-from", "openmetrics", "-q", str(source), str(output)],
        check=True,
        capture_output=True,
        timeout=120,
    )
    (output / ".complete").write_text(digest)
    shutil.rmtree(blocks, ignore_errors=True)
    output.rename(blocks)
    shutil.rmtree(building, ignore_errors=True)
    return blocks


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PrometheusServer:
    blocks: Path
    workdir: Path
    port: int = 0
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.workdir / "prometheus.log"

    def start(self) -> PrometheusServer:
        prometheus, _ = binaries()
        data = self.workdir / "data"
        shutil.rmtree(data, ignore_errors=True)
        shutil.copytree(self.blocks, data, ignore=shutil.ignore_patterns(".complete"))
        config = self.workdir / "prometheus.yml"
        config.write_text(CONFIG, encoding="utf-8")
        for _attempt in range(3):  # another process may take the free port first
            self.port = free_port()
            with self.log.open("wb") as log:
                self.process = subprocess.Popen(
                    [
                        prometheus,
                        f"--config.file={config}",
                        f"--storage.tsdb.path={data}",
                        f"--web.listen-address=127.0.0.1:{self.port}",
                        "--storage.tsdb.retention.time=36500d",
                        "--storage.tsdb.min-block-duration=2h",
                        "--storage.tsdb.max-block-duration=2h",
                        "--log.level=warn",
                    ],
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            if self._wait_ready():
                return self
            self.stop()
        raise RuntimeError(f"Prometheus did not become ready: {self.log_tail()}")

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process is None or self.process.poll() is not None:
                return False
            try:
                with urllib.request.urlopen(f"{self.url}/-/ready", timeout=1) as answer:  # noqa: S310
                    if answer.status == 200:
                        return True
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(0.05)
        return False

    def stop(self) -> None:
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"
