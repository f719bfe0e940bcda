"""The desk's own metrics for Prometheus: requests by route and status, and their duration,
served with the process's other metrics at ``/metrics``."""

from __future__ import annotations

import time

from prometheus_client import Counter, Histogram

from newsmon.api.guards import ASGIApp, Message, Receive, Scope, Send

REQUESTS = Counter("newsmon_api_requests", "API requests answered", ["method", "route", "status"])
REQUEST_SECONDS = Histogram(
    "newsmon_api_request_seconds",
    "Time to the first byte of an answer",
    ["route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5),
)


def _route(scope: Scope) -> str:
    """The matched route's template (``/api/articles/{article_id}``), never the raw path."""
    route = scope.get("route")
    path = getattr(route, "path", None)
    if isinstance(path, str):
        return path
    return "static" if not str(scope.get("path", "")).startswith("/api/") else "unmatched"


class RequestMetrics:
    def __init__(self, app: ASGIApp) -> None:
        self._app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self._app(scope, receive, send)
            return
        started = time.perf_counter()

        async def observed(message: Message) -> None:
            if message["type"] == "http.response.start":
                route = _route(scope)
                REQUESTS.labels(scope.get("method", ""), route, str(message["status"])).inc()
                REQUEST_SECONDS.labels(route).observe(time.perf_counter() - started)
            await send(message)

        await self._app(scope, receive, observed)
