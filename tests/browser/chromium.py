"""Headless Chromium (Debian's `chromium` and `chromium-driver`, tests/setup.d/chromium.sh)
driven through selenium, with every request the browser makes visible to the test.

Two witnesses of network traffic, so that a page that asks for anything cannot pass unseen:
- `RecordingProxy`: a loopback HTTP proxy that Chromium must use for everything, loopback
  included (`--proxy-bypass-list=<-loopback>`); it records each request and answers 502, so
  nothing leaves the machine.
- Chromium's performance log (`Network.requestWillBeSent` events, chromedriver's
  `goog:loggingPrefs`): every request the page started, whatever its scheme.

Background traffic of the browser itself is reduced with the flags this machine needs (no
sandbox as root, no GPU, no QUIC, no component updates, no sync), and each session gets a
fresh profile. Chromium 156 still calls a few of its own services from the browser process
whatever the flags (measured: `start.duckduckgo.com`, Debian's default search engine's
preconnect; `accounts.google.com`; `update.googleapis.com`; `clients2.google.com`): those
never appear in a page's performance log, and `RecordingProxy.foreign` lists what the proxy
saw besides them. Missing binaries skip the test, or fail it under CLEARANCE_REQUIRE_TOOLS=1.
"""

from __future__ import annotations

import http.server
import json
import os
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    # less of the browser's own background traffic (network time, translation, hints)
    "--disable-features=NetworkTimeServiceQuerying,OptimizationHints,MediaRouter,Translate,"
    "AutofillServerCommunication,InterestFeedContentSuggestions",
    "--disable-extensions",
    "--disable-default-apps",
    "--disable-client-side-phishing-detection",
    "--disable-domain-reliability",
    "--no-default-browser-check",
    "--no-pings",
    "--dns-prefetch-disable",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)


class _Recorder(http.server.BaseHTTPRequestHandler):
    seen: list[str]

    def _refuse(self) -> None:
        self.server.seen.append(f"{self.command} {self.path}")  # type: ignore[attr-defined]
        self.send_response(502)
        self.send_header("Content-Length", "0")
        self.end_headers()

    do_GET = do_POST = do_HEAD = do_PUT = do_OPTIONS = do_CONNECT = _refuse

    def log_message(self, format: str, *args: Any) -> None:
        return


BROWSER_SERVICES = frozenset(
    {
        "start.duckduckgo.com",
        "accounts.google.com",
        "update.googleapis.com",
        "clients2.google.com",
    }
)
"""Hosts that Chromium's browser process itself calls (not a page), flags or not."""


def _host(line: str) -> str:
    """The host of a recorded `CONNECT host:443` or `GET http://host/path` line."""
    target = line.split(" ", 1)[1]
    if "://" in target:
        target = target.split("://", 1)[1]
    return target.split("/", 1)[0].rsplit(":", 1)[0]


@dataclass
class RecordingProxy:
    """A loopback proxy that records every request and forwards none."""

    seen: list[str] = field(default_factory=list)

    def foreign(self) -> list[str]:
        """What it saw, less the browser's own service calls."""
        return [line for line in self.seen if _host(line) not in BROWSER_SERVICES]

    @contextmanager
    def running(self) -> Iterator[str]:
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
        server.seen = self.seen  # type: ignore[attr-defined]
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"127.0.0.1:{server.server_address[1]}"
        finally:
            server.shutdown()
            server.server_close()
            thread.join(timeout=10)


def _binaries() -> tuple[str, str]:
    browser = shutil.which("chromium")
    driver = shutil.which("chromedriver")
    if browser is None or driver is None:
        message = "chromium and chromedriver are needed (bash tests/setup.d/chromium.sh)"
        if os.environ.get("CLEARANCE_REQUIRE_TOOLS"):
            pytest.fail(message)
        pytest.skip(message)
    return browser, driver


@dataclass
class Browser:
    driver: Any
    proxy: RecordingProxy

    def requests_started(self) -> list[str]:
        """URLs of every request the page started, from the performance log."""
        urls = []
        for entry in self.driver.get_log("performance"):
            message = json.loads(entry["message"])["message"]
            if message.get("method") == "Network.requestWillBeSent":
                urls.append(message["params"]["request"]["url"])
        return urls

    def console(self) -> list[dict[str, Any]]:
        return list(self.driver.get_log("browser"))


@contextmanager
def headless_chromium(profile: Path, *, width: int = 1280, height: int = 1400) -> Iterator[Browser]:
    """A fresh headless Chromium whose every request goes to a recording proxy."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    browser, driver_path = _binaries()
    proxy = RecordingProxy()
    with proxy.running() as address:
        options = webdriver.ChromeOptions()
        options.binary_location = browser
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={profile}")
        options.add_argument(f"--window-size={width},{height}")
        options.add_argument(f"--proxy-server=http://{address}")
        options.add_argument("--proxy-bypass-list=<-loopback>")
        options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
        service = Service(executable_path=driver_path, log_output=os.devnull)
        driver = webdriver.Chrome(options=options, service=service)
        driver.set_page_load_timeout(60)
        driver.set_script_timeout(30)
        try:
            # start from a blank page and forget what the start-up tab (chrome://new-tab-page,
            # browser-internal resources) logged: the test sees only what its page does
            driver.get("about:blank")
            driver.get_log("performance")
            driver.get_log("browser")
            yield Browser(driver, proxy)
        finally:
            driver.quit()
