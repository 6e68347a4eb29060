"""GET /metrics (docs/operations.md#metrics): every family an operator watches, made true by the
real services and read back through Prometheus's own text parser; who may read it; and the
worker's own metrics. The sample dashboard and alert rules parse."""

from __future__ import annotations

import json
import socket
import uuid
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr
from sqlalchemy import func, select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.notify import service as notify
from backend.notify.models import OutboxMessage
from complaints.models import Complaint
from hazards.models import Hazard
from tests.conftest import serving
from tests.offline_sync.conftest import device_report
from tests.world import complaint_body, hazard_body, send_complaint

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def metrics_server() -> Iterator[str]:
    """The app as served, its database figures read afresh on each scrape."""
    from backend.app import create_app

    settings = get_settings().model_copy(update={"metrics_cache_seconds": 0})
    with serving(create_app(settings), settings) as url:
        yield url


@pytest.fixture
def served(metrics_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=metrics_server, timeout=30) as client:
        yield client


def scrape(client: httpx.Client, **headers: str) -> dict[str, dict[tuple, float]]:
    """Each family's samples by (sample name, sorted labels)."""
    answer = client.get("/metrics", headers=headers)
    assert answer.status_code == 200, answer.text
    assert answer.headers["content-type"].startswith("text/plain")
    families: dict[str, dict[tuple, float]] = {}
    for family in text_string_to_metric_families(answer.text):
        samples = families.setdefault(family.name, {})
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return families


def value(families, family: str, sample: str | None = None, **labels: str) -> float:
    return families[family][(sample or family, tuple(sorted(labels.items())))]


def test_metrics_show_what_an_operator_watches(served, db, grid_worker, hotline):
    before = scrape(served)
    headers = grid_worker.headers(served)

    # Phones: a push of one report, then a pull.
    report_id = str(uuid.uuid4())
    pushed = served.post(
        "/api/v1/sync",
        json={"changes": {"hazard_reports": {"created": [{**device_report(), "id": report_id}]}}},
        headers=headers,
    )
    assert pushed.status_code == 200, pushed.text
    pulled = served.get("/api/v1/sync", headers=headers)
    assert pulled.status_code == 200, pulled.text
    # A major hazard reported on the web, and its own page read by id.
    major = served.post("/api/v1/hazards", json=hazard_body(severity="major"), headers=headers)
    assert major.status_code == 201, major.text
    assert served.get(f"/api/v1/hazards/{major.json()['id']}", headers=headers).status_code == 200
    # A hotline complaint.
    assert send_complaint(served, hotline, complaint_body()).status_code in (200, 201)
    # Pushes to the worker: two messages waiting; one given up after its tries.
    with db() as session:
        notify.push(session, [grid_worker.id], "隐患待核查", "请前往核查", {})
        notify.push(session, [grid_worker.id], "隐患待核查", "请再次核查", {})
    with db() as session:
        first = session.query(OutboxMessage).order_by(OutboxMessage.created_at).first()
        channel = first.channel
        session.execute(
            update(OutboxMessage).where(OutboxMessage.id == first.id).values(status="dead")
        )
        # The reports and the complaint told people too: every waiting row counts.
        waiting = session.scalar(
            select(func.count()).where(
                OutboxMessage.channel == channel, OutboxMessage.status == "pending"
            )
        )
    assert waiting >= 1
    # Time passes: every hazard and the complaint are past their deadlines.
    past = utcnow() - timedelta(days=1)
    with db() as session:
        session.execute(update(Hazard).values(level_due_at=past))
        session.execute(
            update(Complaint).values(sign_due_at=past, verify_due_at=past, reply_due_at=past)
        )

    after = scrape(served)

    assert value(after, "firegrid_metrics_database_up") == 1
    # The outbox, per channel: every channel named, empty or not.
    assert value(after, "firegrid_outbox_pending", channel=channel) == waiting
    assert value(after, "firegrid_outbox_dead", channel=channel) == 1
    channels = {dict(labels)["channel"] for _, labels in after["firegrid_outbox_pending"]}
    assert {"sms", "hotline_callbacks", channel} <= channels
    # Overdue hazards per level and severity; complaints per escalation.
    assert value(after, "firegrid_hazards_overdue", level="grid", severity="ordinary") == 1
    majors = sum(
        count
        for (_, labels), count in after["firegrid_hazards_overdue"].items()
        if dict(labels)["severity"] == "major"
    )
    assert majors == 1
    assert len(after["firegrid_hazards_overdue"]) == 5 * 2  # every level and severity
    assert value(after, "firegrid_complaints_overdue", escalation="none") == 1
    assert value(after, "firegrid_complaints_overdue", escalation="county") == 0
    # Sync, counted in this process: the push and its record, the pull and what it sent.
    assert (
        delta(
            before, after, "firegrid_sync_pushes", "firegrid_sync_pushes_total", outcome="accepted"
        )
        == 1
    )
    assert (
        delta(
            before,
            after,
            "firegrid_sync_pushed_records",
            "firegrid_sync_pushed_records_total",
            result="created",
        )
        == 1
    )
    assert (
        delta(before, after, "firegrid_sync_pulls", "firegrid_sync_pulls_total", answer="database")
        == 1
    )
    assert (
        delta(before, after, "firegrid_sync_pulled_records", "firegrid_sync_pulled_records_total")
        >= 1
    )
    # The intake's queue and the database pool.
    assert value(after, "firegrid_intake_queue_depth") == 0
    assert value(after, "firegrid_password_checks") == 0  # the sign-in's check is done
    size = value(after, "firegrid_db_pool_size")
    assert size >= 1 and value(after, "firegrid_db_pool_limit") >= size
    assert (
        0 <= value(after, "firegrid_db_pool_checked_out") <= value(after, "firegrid_db_pool_limit")
    )
    assert value(after, "firegrid_db_pool_overflow") >= 0
    # Requests per route template, never per raw path.
    assert (
        value(
            after,
            "http_requests",
            "http_requests_total",
            handler="/api/v1/hazards/{hazard_id}",
            method="GET",
            status="2xx",
        )
        >= 1
    )
    assert (
        value(
            after,
            "http_request_duration_seconds",
            "http_request_duration_seconds_count",
            handler="/api/v1/sync",
            method="POST",
        )
        >= 1
    )
    handlers = {dict(labels).get("handler") for _, labels in after["http_requests"]}
    assert not any(major.json()["id"] in (handler or "") for handler in handlers)
    assert "/metrics" not in handlers


def delta(before, after, family: str, sample: str, **labels: str) -> float:
    key = (sample, tuple(sorted(labels.items())))
    return after[family][key] - before.get(family, {}).get(key, 0)


def test_through_a_proxy_firegrid_was_not_told_of_the_network_does_not_count(served):
    # nginx on the same machine, FIREGRID_FORWARDED_ALLOW_IPS unset: every client of the
    # internet would come from 127.0.0.1.
    for header in ("X-Forwarded-For", "Forwarded"):
        assert served.get("/metrics", headers={header: "203.0.113.9"}).status_code == 403


def test_a_path_no_route_matches_is_counted_as_none(served):
    served.get(f"/no/such/{uuid.uuid4()}")
    handlers = {dict(labels).get("handler") for _, labels in scrape(served)["http_requests"]}
    assert "none" in handlers
    assert not any(handler and handler.startswith("/no/such/") for handler in handlers)


def test_database_figures_are_kept_for_a_few_seconds(db, grid_worker):
    from backend.metrics import FiregridCollector

    collector = FiregridCollector(get_settings().model_copy(update={"metrics_cache_seconds": 60}))
    first = collector.figures()
    with db() as session:
        notify.push(session, [grid_worker.id], "标题", "正文", {})
    assert collector.figures() is first  # a scrape storm reads the database once
    assert FiregridCollector(get_settings()).figures().outbox != first.outbox


# --- Who may read it ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def guarded_server() -> Iterator[str]:
    """Served only to a network the tests are not in, or with the token."""
    from backend.app import create_app

    settings = get_settings().model_copy(
        update={"metrics_allow": ["192.0.2.0/24"], "metrics_token": SecretStr("s3cret-scrape")}
    )
    with serving(create_app(settings), settings) as url:
        yield url


def test_metrics_are_refused_off_the_allowed_networks_without_the_token(guarded_server):
    with httpx.Client(base_url=guarded_server) as client:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-scrape"}):
            refused = client.get("/metrics", headers=headers)
            assert refused.status_code == 403
            assert refused.headers["content-type"] == "application/problem+json"
            assert "firegrid_" not in refused.text
        zh = client.get("/metrics", headers={"Accept-Language": "zh-CN"})
        assert "监控指标" in zh.json()["detail"]
        allowed = client.get("/metrics", headers={"Authorization": "Bearer s3cret-scrape"})
        assert allowed.status_code == 200
        assert "firegrid_outbox_pending" in allowed.text


def test_metrics_switched_off_are_not_found():
    from backend.app import create_app

    settings = get_settings().model_copy(update={"metrics": False})
    with serving(create_app(settings), settings) as url:
        off = httpx.get(f"{url}/metrics")
    assert off.status_code == 404
    assert off.headers["content-type"] == "application/problem+json"


# --- The worker's own metrics ------------------------------------------------------------------


def test_the_worker_serves_each_jobs_duration_and_last_success():
    from backend import worker

    handled = worker.run_once(get_settings())
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = worker.serve_metrics(get_settings().model_copy(update={"worker_metrics_port": port}))
    try:
        text = httpx.get(f"http://127.0.0.1:{port}/metrics").text
    finally:
        server.shutdown()
        server.server_close()
    families = {family.name: family for family in text_string_to_metric_families(text)}
    last = {
        sample.labels["worker_job"]: sample.value
        for sample in families["firegrid_worker_job_last_success_timestamp_seconds"].samples
    }
    assert set(last) == {job.name for job in worker.JOBS}
    for job, rows in handled.items():
        assert (last[job] > 0) == (rows >= 0), job
    counts = {
        sample.labels["worker_job"]: sample.value
        for sample in families["firegrid_worker_job_duration_seconds"].samples
        if sample.name.endswith("_count")
    }
    assert all(counts[job.name] >= 1 for job in worker.JOBS)
    assert "firegrid_worker_pass_duration_seconds" in families
    assert "firegrid_worker_job_failures" in families


# --- The sample dashboard and alert rules --------------------------------------------------------


def test_the_sample_dashboard_and_alert_rules_parse_and_name_real_metrics():
    dashboard = json.loads((ROOT / "docs/grafana/firegrid.json").read_text())
    assert dashboard["panels"]
    rules = yaml.safe_load((ROOT / "docs/prometheus/alerts.yml").read_text())
    alerts = [rule for group in rules["groups"] for rule in group["rules"]]
    assert {rule["alert"] for rule in alerts} >= {
        "FiregridDeadLetters",
        "FiregridOutboxBacklogGrowing",
        "FiregridJobWithoutSuccess",
        "FiregridOverdueMajorHazards",
        "FiregridSlowRoute",
        "FiregridPoolExhausted",
    }
    for rule in alerts:
        assert rule["expr"] and rule["annotations"]["summary"]
