"""The Prometheus backend of `MetricsSource`: its HTTP API (`/api/v1/query`, `query_range`).

A thin adapter over `requests`: every call has a timeout; failures become `PrometheusError`
(exit 3) naming the URL reached and what to try, and a query Prometheus rejects becomes
`PrometheusQueryError` (exit 2, the query is configuration). A bearer token, when given, is
sent as a header and never appears in a message. URLs in messages lose any user:password.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests

from clearance.errors import ConfigError, ServiceError
from clearance.gates.metrics import Point

DEFAULT_TIMEOUT_SECONDS = 10.0
# Long PromQL is sent in a form body (the API accepts POST for both endpoints).
_FORM = {"Content-Type": "application/x-www-form-urlencoded"}


class PrometheusError(ServiceError):
    """Prometheus could not be reached, timed out, or answered something that is not its API."""


class PrometheusQueryError(ConfigError):
    """Prometheus rejected a query, or its answer has a shape the gate cannot use."""


def display_url(url: str) -> str:
    """The URL without user:password, query or fragment: safe to show."""
    parts = urlsplit(url)
    host = parts.hostname or ""
    if ":" in host:
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port else host
    return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def _shorten(query: str, limit: int = 80) -> str:
    flat = " ".join(query.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class PrometheusClient:
    """Queries one Prometheus server (or anything speaking its HTTP API: Thanos, Mimir, VM)."""

    def __init__(
        self,
        base_url: str,
        *,
        timeout: float = DEFAULT_TIMEOUT_SECONDS,
        token: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ConfigError(
                f"prometheus-url {display_url(base_url)!r} is not an http(s) URL "
                "(example: http://prometheus:9090)"
            )
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self._token = token
        self._session = session or requests.Session()

    @property
    def where(self) -> str:
        return display_url(self.base_url)

    def instant(self, query: str, at: dt.datetime) -> float | None:
        data = self._call("query", {"query": query, "time": _unix(at)}, query)
        kind, result = data.get("resultType"), data.get("result")
        if kind == "scalar" and isinstance(result, list):
            return _value(result, query)
        if kind != "vector" or not isinstance(result, list):
            raise PrometheusQueryError(
                f"query {_shorten(query)!r} returned a {kind}, not an instant vector "
                "(an instant query needs no [range] at its outside)"
            )
        if not result:
            return None
        _single(result, query)
        return _value(result[0].get("value"), query)

    def range(
        self, query: str, start: dt.datetime, end: dt.datetime, step: dt.timedelta
    ) -> Sequence[Point]:
        params = {
            "query": query,
            "start": _unix(start),
            "end": _unix(end),
            "step": f"{step.total_seconds():g}",
        }
        data = self._call("query_range", params, query)
        result = data.get("result")
        if data.get("resultType") != "matrix" or not isinstance(result, list):
            raise PrometheusError(f"{self.where}: query_range did not answer a matrix")
        if not result:
            return []
        _single(result, query)
        values = result[0].get("values")
        if not isinstance(values, list):
            raise PrometheusError(f"{self.where}: a query_range series has no values")
        return [(float(pair[0]), _value(pair, query)) for pair in values]

    def _call(self, endpoint: str, params: Mapping[str, str], query: str) -> Mapping[str, Any]:
        url = f"{self.base_url}/api/v1/{endpoint}"
        shown = display_url(url)
        headers = dict(_FORM)
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        body = {**params, "timeout": f"{self.timeout:g}s"}
        try:
            response = self._session.post(url, data=body, headers=headers, timeout=self.timeout)
        except requests.Timeout:
            raise PrometheusError(
                f"Prometheus at {shown} did not answer within {self.timeout:g}s "
                "(check the server's load, or raise --timeout)"
            ) from None
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise PrometheusError(
                f"cannot reach Prometheus at {shown} ({reason}): check --prometheus-url "
                "and that the server is up and reachable from here"
            ) from None
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, Mapping) or "status" not in payload:
            raise PrometheusError(
                f"{shown} answered HTTP {response.status_code} without Prometheus API JSON: "
                "is --prometheus-url the server's base URL (e.g. http://prometheus:9090)?"
            )
        if payload["status"] != "success":
            kind = str(payload.get("errorType", "error"))
            message = " ".join(str(payload.get("error", "")).split())[:200]
            if kind == "bad_data":
                raise PrometheusQueryError(
                    f"Prometheus at {shown} rejected the query {_shorten(query)!r}: {message}"
                )
            raise PrometheusError(
                f"Prometheus at {shown} failed the query {_shorten(query)!r} ({kind}: {message}); "
                "retry, or check the server"
            )
        data = payload.get("data")
        if not isinstance(data, Mapping):
            raise PrometheusError(f"{shown} answered success without data")
        return data


def _unix(at: dt.datetime) -> str:
    return f"{at.timestamp():.3f}"


def _single(result: list[Any], query: str) -> None:
    if len(result) > 1:
        raise PrometheusQueryError(
            f"query {_shorten(query)!r} returned {len(result)} series; a gate needs one: "
            "aggregate it, e.g. sum(...) or sum by () (...)"
        )


def _value(pair: Any, query: str) -> float:
    """The value of `[timestamp, "value"]`; NaN and infinities are kept for the caller."""
    try:
        return float(pair[1])
    except (TypeError, ValueError, IndexError):
        raise PrometheusError(
            f"query {_shorten(query)!r}: cannot read the value {pair!r}"
        ) from None
