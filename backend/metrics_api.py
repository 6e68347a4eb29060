"""GET /metrics in Prometheus's text format, and the counting of every request per route.

Requests are counted and timed by `RequestMetrics`, labelled by the template of the route that
answered (`/api/v1/hazards/{hazard_id}`), never the raw path: ids would make a series per
record. The figures read from the database come from backend/metrics.py.

/metrics is for the operators' Prometheus, not the internet: off (404) unless FIREGRID_METRICS,
and refused (403) unless the client is in FIREGRID_METRICS_ALLOW or sends the bearer token
FIREGRID_METRICS_TOKEN (docs/operations.md#metrics, docs/decisions/0038-metrics.md)."""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections.abc import Iterator

from fastapi import APIRouter, FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.core import Metric
from prometheus_client.registry import Collector
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from backend.core.errors import NotFound, Problem
from backend.core.settings import Settings
from backend.metrics import FiregridCollector

PATH = "/metrics"

# Counters' `_created` series: a timestamp per series that no dashboard here reads.
disable_created_metrics()

REQUESTS = Counter(
    "http_requests",
    "Requests answered, per route template, method and status class (2xx, 4xx, 5xx).",
    ["handler", "method", "status"],
)
LATENCY = Histogram(
    "http_request_duration_seconds",
    "Seconds from a request's arrival to its answer's last byte, per route template.",
    ["handler", "method"],
    # p99 per route reads well from these: most answers take milliseconds, exports and
    # bulletins seconds.
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
NO_ROUTE = "none"  # the handler of a path no route matched: one series, whatever the path


class RequestMetrics:
    """Counts and times each request under the route the app matched. The router already
    leaves it in the scope (`scope["route"]`), so nothing is matched twice: an instrumentator
    that finds the route again by walking the routes costs about a millisecond a request
    here (decision 0038)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # unless an answer starts: an exception on its way out

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            handler = getattr(scope.get("route"), "path", None) or NO_ROUTE
            if handler != PATH:
                method = scope["method"] if scope["method"] in METHODS else "other"
                REQUESTS.labels(handler, method, f"{status // 100}xx").inc()
                LATENCY.labels(handler, method).observe(time.perf_counter() - started)


class MetricsRefused(Problem):
    status, slug, title = 403, "metrics-refused", "Metrics are not served to this client"


class _ProcessWide(Collector):
    """This process's own registry (request counts, sync counters, the process's memory and
    CPU), seen through an app's registry beside the app's database figures."""

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()


def instrument(app: FastAPI) -> None:
    """Count and time the app's requests per route."""
    app.add_middleware(RequestMetrics)


def router(settings: Settings) -> APIRouter:
    """GET /metrics with this app's settings: the process's registry and this app's reading
    of the database."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_ProcessWide())
    registry.register(FiregridCollector(settings))
    router = APIRouter(tags=["operations"])

    @router.get(
        PATH,
        response_class=Response,
        responses={
            200: {"content": {"text/plain": {}}, "description": "Prometheus text format"},
            403: {"description": "not from an allowed network, and no valid token"},
            404: {"description": "metrics are off (FIREGRID_METRICS=false)"},
        },
    )
    def metrics(request: Request) -> Response:
        """What Prometheus scrapes: requests per route, the outbox, overdue work, sync, the
        intake queue, the database pool (docs/operations.md#metrics)."""
        if not settings.metrics:
            raise NotFound("metrics are off on this server")
        if not allowed(request, settings):
            raise MetricsRefused(
                "metrics are served to the operators' networks or with their token only"
            )
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    return router


def allowed(request: Request, settings: Settings) -> bool:
    token = settings.metrics_token.get_secret_value() if settings.metrics_token else ""
    given = request.headers.get("authorization", "")
    scheme, _, credentials = given.partition(" ")
    if (
        token
        and scheme.lower() == "bearer"
        and hmac.compare_digest(credentials.strip().encode(), token.encode())
    ):
        return True
    if not settings.forwarded_allow_ips.strip() and (
        "x-forwarded-for" in request.headers or "forwarded" in request.headers
    ):
        # Through a proxy that firegrid was not told of: the connection's address is the
        # proxy's (often loopback, an allowed network) for every client on the internet.
        return False
    host = request.client.host if request.client else ""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:  # no address (a test client's "testclient"), or a Unix socket
        return False
    return any(
        address in ipaddress.ip_network(network, strict=False) for network in settings.metrics_allow
    )
