"""OpenTelemetry traces (FIREGRID_TRACING, decision 0044): `firegrid serve` as in production
sends its request spans over OTLP/HTTP to the collector the standard OTEL_* variables name. A
collector of our own on loopback stands in for an intranet's (Jaeger, Tempo, an OpenTelemetry
Collector) and reads the protobuf export as one would; nothing else is faked."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)

from backend.app import check_tracing, telemetry_config
from backend.core.settings import ConfigurationError, get_settings
from tests.served import serving


class Collector(ThreadingHTTPServer):
    """An OTLP/HTTP trace receiver: POST /v1/traces with an ExportTraceServiceRequest."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Receive)
        self.spans: list[dict] = []
        self.bad: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Receive(BaseHTTPRequestHandler):
    server: Collector

    def do_POST(self) -> None:  # noqa: N802 - the standard library's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path != "/v1/traces" or self.headers["Content-Type"] != "application/x-protobuf":
            self.server.bad.append(f"{self.path} {self.headers['Content-Type']}")
            self.send_response(400)
            self.end_headers()
            return
        export = ExportTraceServiceRequest.FromString(body)
        for resource_spans in export.resource_spans:
            resource = {a.key: a.value.string_value for a in resource_spans.resource.attributes}
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    attributes = {a.key: _value(a.value) for a in span.attributes}
                    self.server.spans.append(
                        {"name": span.name, "attributes": attributes, "resource": resource,
                         "trace_id": span.trace_id.hex(), "parent": span.parent_span_id.hex()}
                    )  # fmt: skip
        answer = ExportTraceServiceResponse().SerializeToString()
        self.send_response(200)
        self.send_header("Content-Type", "application/x-protobuf")
        self.send_header("Content-Length", str(len(answer)))
        self.end_headers()
        self.wfile.write(answer)

    def log_message(self, *args) -> None:
        pass


def _value(value) -> object:
    kind = value.WhichOneof("value")
    return getattr(value, kind) if kind else None


@pytest.fixture
def collector() -> Iterator[Collector]:
    server = Collector()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def test_a_traced_server_sends_each_requests_spans_to_the_collector(
    collector: Collector, grid_worker, tmp_path
) -> None:
    env = {
        **os.environ,
        "FIREGRID_DATA_DIR": str(tmp_path),
        "FIREGRID_LOG_LEVEL": "ERROR",
        "FIREGRID_TRACING": "true",
        "OTEL_EXPORTER_OTLP_ENDPOINT": collector.url,
        "OTEL_SERVICE_NAME": "firegrid-api",
        "OTEL_BSP_SCHEDULE_DELAY": "100",  # ms between batches: the test need not wait 5 s
    }
    with serving(env, ready="/readyz") as url, httpx.Client(base_url=url, timeout=30) as client:
        token = grid_worker.sign_in(client)["access_token"]
        me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
        assert me.status_code == 200, me.text
        assert client.get("/healthz").status_code == 200
    # The server has stopped: what it still held in its batch was sent on the way out.

    assert collector.bad == []
    requests = [s for s in collector.spans if s["attributes"].get("http.route") == "/api/v1/me"]
    assert len(requests) == 1, [s["name"] for s in collector.spans]
    span = requests[0]
    assert span["name"] == "GET /api/v1/me"
    assert span["attributes"]["http.response.status_code"] == 200
    assert span["resource"]["service.name"] == "firegrid-api"
    # The request's own steps (dependencies, the endpoint) are its children in one trace.
    children = [s for s in collector.spans if s["trace_id"] == span["trace_id"] and s is not span]
    assert children, "no operation spans under the request"
    # Probes and scrapes are not traced; no span carries the caller's token.
    assert not any(s["attributes"].get("url.path") == "/healthz" for s in collector.spans)
    assert not any(token in str(s) for s in collector.spans)


def test_untraced_by_default_and_then_fastapi_does_no_telemetry_work() -> None:
    settings = get_settings()
    assert settings.tracing is False
    assert telemetry_config(settings) == {
        "tracing": False, "metrics": False, "logs": False, "operation_spans": False,
    }  # fmt: skip


def test_tracing_without_a_collector_refuses_to_start() -> None:
    settings = get_settings().model_copy(update={"tracing": True})
    with pytest.raises(ConfigurationError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        check_tracing(settings, environ={})
    with pytest.raises(ConfigurationError, match="OTEL_EXPORTER_OTLP_ENDPOINT"):
        check_tracing(settings, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318",
                                         "OTEL_TRACES_EXPORTER": "none"})  # fmt: skip
    check_tracing(settings, environ={"OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318"})
