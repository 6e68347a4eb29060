"""What an operator watches, read when Prometheus scrapes GET /metrics (backend/metrics_api.py):
outbox backlogs and dead letters per channel, overdue hazards and complaints per level, the
complaint intake's queue and the database pool.

The database figures are read in one short read-only transaction of cheap indexed counts and
kept for `metrics_cache_seconds`, so that many scrapes at once (several Prometheus servers, a
dashboard left open) read the database once. A database that cannot be read is a figure too
(`firegrid_metrics_database_up 0`), never a failed scrape."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from backend.core import password_hashing
from backend.core.db import get_engine, session_scope, short_reads_engine, utcnow
from backend.core.settings import Settings
from backend.notify import status as notify_status
from backend.notify.models import OutboxMessage
from complaints import intake
from complaints import reading as complaint_reading
from complaints.enums import Escalation
from complaints.models import HotlineCallback
from hazards import metrics as hazard_metrics
from hazards.enums import EscalationLevel, Severity

log = logging.getLogger("firegrid.metrics")

HOTLINE_CALLBACKS = "hotline_callbacks"  # complaints' answers to the hotlines: a channel here


@dataclass
class Figures:
    """One reading of the database."""

    outbox: dict[str, tuple[int, int]] = field(default_factory=dict)  # channel: (pending, dead)
    hazards: dict[tuple[EscalationLevel, Severity], int] = field(default_factory=dict)
    complaints: dict[Escalation, int] = field(default_factory=dict)
    read_seconds: float = 0.0
    ok: bool = True


def read_figures(session: Session, settings: Settings) -> Figures:
    now = utcnow()
    outbox = {name: (0, 0) for name in _channels(settings)}
    outbox |= notify_status.waiting(session, OutboxMessage, channel=OutboxMessage.channel)
    outbox |= notify_status.waiting(session, HotlineCallback, channel=HOTLINE_CALLBACKS) or {
        HOTLINE_CALLBACKS: (0, 0)
    }
    return Figures(
        outbox=outbox,
        hazards=hazard_metrics.overdue_open(session, now),
        complaints=complaint_reading.overdue_by_escalation(session, now),
    )


def _channels(settings: Settings) -> list[str]:
    """Every channel this deployment sends on, named even with nothing queued: a channel that
    never moves is what an operator looks for."""
    return notify_status.channels(settings)


class FiregridCollector(Collector):
    """Registered once per process; each scrape asks it for its families."""

    def __init__(self, settings: Settings, engine: Callable[[], Engine] = get_engine) -> None:
        self._settings = settings
        self._engine = engine
        self._lock = threading.Lock()
        self._cached: tuple[float, Figures] | None = None

    def figures(self) -> Figures:
        with self._lock:  # one scrape reads, the others wait for its answer
            now = time.monotonic()
            if self._cached and now - self._cached[0] < self._settings.metrics_cache_seconds:
                return self._cached[1]
            started = time.perf_counter()
            try:
                with session_scope(read_only=True) as session:
                    figures = read_figures(session, self._settings)
            except Exception:  # noqa: BLE001 - a scrape says the database is down, never fails
                log.exception("metrics: could not read the database")
                figures = Figures(ok=False)
            figures.read_seconds = time.perf_counter() - started
            self._cached = (now, figures)
            return figures

    def collect(self) -> Iterator[Metric]:
        figures = self.figures()
        yield _gauge(
            "firegrid_metrics_database_up",
            "1 when this scrape's database figures could be read, else 0 (and they are absent).",
            [((), 1 if figures.ok else 0)],
        )
        yield _gauge(
            "firegrid_metrics_read_seconds",
            "Seconds the last reading of the database figures took.",
            [((), figures.read_seconds)],
        )
        if figures.ok:
            yield from _database_families(figures)
        yield _gauge(
            "firegrid_intake_queue_depth",
            "Hotline complaints queued for this process's intake writer (group commit).",
            [((), intake.queue_depth())],
        )
        yield _gauge(
            "firegrid_password_checks",
            "Sign-ins' password checks running or waiting in this process (decision 0043).",
            [((), password_hashing.checks_admitted())],
        )
        yield from _pool_families(self._engine())


def _database_families(figures: Figures) -> Iterator[Metric]:
    yield _gauge(
        "firegrid_outbox_pending",
        "Messages waiting to go out, per channel (push services, texts, hotline callbacks).",
        [((channel,), pending) for channel, (pending, _) in sorted(figures.outbox.items())],
        ["channel"],
    )
    yield _gauge(
        "firegrid_outbox_dead",
        "Dead letters per channel: given up after their retries, waiting for a replay.",
        [((channel,), dead) for channel, (_, dead) in sorted(figures.outbox.items())],
        ["channel"],
    )
    yield _gauge(
        "firegrid_hazards_overdue",
        "Open hazards past their due time at the level that holds them, per level and severity.",
        [
            ((level.name.lower(), severity.value), figures.hazards.get((level, severity), 0))
            for level in EscalationLevel
            for severity in Severity
        ],
        ["level", "severity"],
    )
    yield _gauge(
        "firegrid_complaints_overdue",
        "Complaints past their running deadline, per how far up they were escalated "
        "(none: the worker was at most reminded; township; county).",
        [((level.name.lower(),), figures.complaints.get(level, 0)) for level in Escalation],
        ["escalation"],
    )


def _pool_families(engine: Engine) -> Iterator[Metric]:
    """The connection pools of this process, read from the pools themselves (no database
    trip): the requests' and, on PostgreSQL, the short reads' (decision 0046), together."""
    pools = [e.pool for e in (engine, short_reads_engine(engine)) if e is not None]
    pools = [pool for pool in pools if callable(getattr(pool, "size", None))]
    if not pools:  # a pool without a size (none of firegrid's engines)
        return
    for name, doc, value in (
        ("firegrid_db_pool_size", "Connections the pools keep.", sum(p.size() for p in pools)),
        (
            "firegrid_db_pool_limit",
            "Connections the pools may open at most.",
            sum(p.size() + max(0, getattr(p, "_max_overflow", 0)) for p in pools),
        ),
        (
            "firegrid_db_pool_checked_out",
            "Connections in use now.",
            sum(p.checkedout() for p in pools),
        ),
        (
            "firegrid_db_pool_overflow",
            "Connections open beyond the pools' sizes.",
            sum(max(0, p.overflow()) for p in pools),
        ),
    ):
        yield _gauge(name, doc, [((), value)])


def _gauge(name: str, documentation: str, samples, labels: list[str] | None = None) -> Metric:
    family = GaugeMetricFamily(name, documentation, labels=labels or [])
    for values, value in samples:
        family.add_metric(list(values), value)
    return family
