"""`firegrid worker`: runs periodic jobs until stopped.

Each job runs in its own transaction, is idempotent, and its cost grows with the rows that are
due, not with table sizes. Later domains register their jobs in `JOBS`.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from sqlalchemy.orm import Session

from backend import effects
from backend.core import calendar_notices
from backend.core.db import session_scope
from backend.core.settings import Settings, get_settings
from backend.identity import partners
from backend.identity import service as identity
from backend.notify import scheduled as notify_scheduled
from backend.notify import service as notify
from bulletins import scheduled as bulletins
from complaints import scheduled as complaints
from complaints.open311 import service as open311
from fires.alerts import scheduled as fire_alerts
from grids.premises import service as premises
from hazards import scheduled as hazards
from hazards.credit import scheduled as credit
from offline_sync import uploads
from patrols import scheduled as patrols
from referrals import scheduled as referrals
from risk import scheduled as risk

log = logging.getLogger("firegrid.worker")


@dataclass(frozen=True)
class Job:
    name: str
    run: Callable[[Session, Settings], int]  # returns how many rows it handled


JOBS: list[Job] = [
    Job("forget_old_nonces", partners.forget_old_nonces),
    Job("forget_rotation_answers", identity.forget_rotation_answers),
    Job("reroute_premises_after_area_changes", premises.reroute_if_areas_changed),
    Job("escalate_overdue_hazards", hazards.escalate_overdue_hazards),
    Job("escalate_overdue_tasks", patrols.escalate_overdue_tasks),
    Job("recompute_risk_nightly", risk.recompute_nightly),  # before plans: they read the levels
    Job("plan_next_month", patrols.plan_next_month),
    Job("record_overdue_rectifications", credit.record_overdue_rectifications),
    Job("reassess_due_credit", credit.reassess_due_credit),
    Job(
        "remind_and_escalate_overdue_complaints", complaints.remind_and_escalate_overdue_complaints
    ),
    Job("mark_overdue_referrals", referrals.mark_overdue_referrals),
    Job("forget_stale_positions", fire_alerts.forget_stale_positions),
    Job("text_unread_notifications", notify_scheduled.text_unread_notifications),
    Job("deliver_outbox", notify.deliver_outbox),
    Job("deliver_hotline_callbacks", complaints.deliver_hotline_callbacks),
    Job("expire_abandoned_uploads", uploads.expire_abandoned_uploads),
    Job("forget_open311_idempotency_keys", open311.forget_idempotency_keys),
    Job("make_monthly_bulletins", bulletins.make_monthly_bulletins),  # last: it may take seconds
]


# The worker's own metrics, served on FIREGRID_WORKER_METRICS_PORT (decision 0038): they live in
# this process, which the API's /metrics cannot see. A registry of its own, so that a process
# that merely imports this module (the API's CLI, the tests) shows none of them. The label is
# `worker_job`: Prometheus gives every scraped series a `job` of its own (the scrape job).
REGISTRY = CollectorRegistry(auto_describe=True)
JOB_SECONDS = Histogram(
    "firegrid_worker_job_duration_seconds",
    "Seconds each job's run took in a pass, failed runs included.",
    ["worker_job"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300),
    registry=REGISTRY,
)
JOB_LAST_SUCCESS = Gauge(
    "firegrid_worker_job_last_success_timestamp_seconds",
    "When each job last ran without failing (Unix time; 0: not since the worker started).",
    ["worker_job"],
    registry=REGISTRY,
)
JOB_FAILURES = Counter(
    "firegrid_worker_job_failures",
    "Runs of each job that failed.",
    ["worker_job"],
    registry=REGISTRY,
)
JOB_ROWS = Counter(
    "firegrid_worker_job_rows",
    "Rows each job handled (what was due).",
    ["worker_job"],
    registry=REGISTRY,
)
PASS_SECONDS = Histogram(
    "firegrid_worker_pass_duration_seconds",
    "Seconds one pass over every job took.",
    buckets=(0.1, 0.5, 1, 5, 10, 30, 60, 120, 300, 600),
    registry=REGISTRY,
)
for _job in JOBS:
    JOB_LAST_SUCCESS.labels(_job.name)
    JOB_FAILURES.labels(_job.name)
    JOB_ROWS.labels(_job.name)


def serve_metrics(settings: Settings) -> Any:
    """Serve the worker's metrics when a port is set, on the address set (loopback unless an
    operator opens it to the Prometheus server's network); the server, or None."""
    if not settings.worker_metrics_port:
        return None
    server, _ = start_http_server(
        settings.worker_metrics_port, addr=settings.worker_metrics_address, registry=REGISTRY
    )
    log.info("worker metrics served", extra={"port": settings.worker_metrics_port})
    return server


def warn_if_calendar_runs_out(settings: Settings) -> str | None:
    """Log a warning (each pass, so it is seen in any day's log) while this or next year's
    holidays are unknown: the worker's escalations are where early deadlines would bite."""
    try:
        with session_scope(read_only=True) as session:
            warning = calendar_notices.coverage_warning(
                calendar_notices.coverage(session, settings)
            )
    except Exception:  # noqa: BLE001 - the jobs below report a database that is down
        log.exception("could not check the working-day calendar")
        return None
    if warning:
        log.warning("calendar not covered", extra={"warning": warning})
    return warning


def run_once(settings: Settings | None = None) -> dict[str, int]:
    """One pass over every job. A failing job is logged and does not stop the others."""
    settings = settings or get_settings()
    effects.install()
    warn_if_calendar_runs_out(settings)
    handled: dict[str, int] = {}
    with PASS_SECONDS.time():
        for job in JOBS:
            started = time.perf_counter()
            try:
                with session_scope() as session:
                    handled[job.name] = job.run(session, settings)
            except Exception:  # noqa: BLE001 - keep the loop alive; the log says what failed
                log.exception("job failed", extra={"job": job.name})
                handled[job.name] = -1
                JOB_FAILURES.labels(job.name).inc()
            else:
                JOB_LAST_SUCCESS.labels(job.name).set(time.time())
                JOB_ROWS.labels(job.name).inc(max(0, handled[job.name] or 0))
            finally:
                JOB_SECONDS.labels(job.name).observe(time.perf_counter() - started)
    return handled


def run_forever(settings: Settings | None = None) -> None:
    settings = settings or get_settings()
    effects.install()
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    serve_metrics(settings)
    log.info("worker started", extra={"interval_s": settings.worker_interval_seconds})
    while not stop.is_set():
        started = time.monotonic()
        log.info("worker pass", extra={"handled": run_once(settings)})
        stop.wait(max(0.0, settings.worker_interval_seconds - (time.monotonic() - started)))
    log.info("worker stopped")
