"""One delivery loop for every outbox, and the channels messages leave through.

A message is written in the transaction that causes it, so it leaves only if its cause commits;
the worker delivers it later. A pass claims a batch of due messages (FOR UPDATE SKIP LOCKED on
PostgreSQL: two workers never send the same one), sends each through its queue's channel and
records what happened: delivered; failed, tried again after a wait that doubles from 30 s to at
most 1 h; dead (a dead letter that waits for someone to replay it) once the queue's retry
policy gives up. A pass is bounded in time, and by failures in a row for a channel that looks
unreachable, so the worker's other jobs keep running; what it did not try waits with no
attempt counted against it.

Each outbox keeps its own table and its own idea of what is due (push messages one by one,
hotline callbacks in order per complaint); the loop reaches it through a `Queue`. A way out
(FCM, an HTTP POST; next JPush, Web Push, SMS) is a `Channel` subclass, registered by name in
its kind's `Channels` so that settings can choose it by that name: a new channel is a module
and a registration, and this loop does not change.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any, ClassVar, Generic, Protocol, Self, TypeVar

import httpx
from sqlalchemy import Select
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.db import utcnow
from backend.core.settings import ConfigurationError, Settings

M = TypeVar("M")  # what a channel sends
Row = TypeVar("Row", bound="OutboxRow")


class OutboxStatus(StrEnum):
    """Where a message stands; a queue may add settled states of its own (push's no_device)."""

    PENDING = "pending"
    DELIVERED = "delivered"
    DEAD = "dead"  # the retry policy gave up: waits for a replay


class Outcome(StrEnum):
    DELIVERED = "delivered"  # the other side took it
    FAILED = "failed"  # not now: tried again after a wait, or dead-lettered
    GONE = "gone"  # the address no longer exists (an app uninstalled): stop sending there
    NOBODY = "nobody"  # nobody to send it to: settled as it is, never retried
    HELD = "held"  # not tried in this pass (no address yet): waits, no attempt counted


@dataclass(frozen=True)
class Delivery:
    """What became of one send."""

    outcome: Outcome
    error: str | None = None  # why it failed, for `last_error`

    @classmethod
    def failed(cls, error: str) -> Delivery:
        return cls(Outcome.FAILED, error)


DELIVERED = Delivery(Outcome.DELIVERED)
GONE = Delivery(Outcome.GONE)
NOBODY = Delivery(Outcome.NOBODY)
HELD = Delivery(Outcome.HELD)


# --- Channels ------------------------------------------------------------------------------------


class Channel(ABC, Generic[M]):
    """A way out, known by `name`. Used for one pass of the worker, then closed."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def configured(cls, settings: Settings) -> Self | None:
        """The channel as the settings configure it; None when they leave it off (its messages
        then wait in the outbox, nothing is lost)."""

    @abstractmethod
    def send(self, message: M) -> Delivery: ...

    def close(self) -> None:
        """Let go of connections at the end of a pass."""

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


C = TypeVar("C", bound=Channel)


class Channels(Generic[C]):
    """The channels of one kind (push channels, say), by name; `setting` is the environment
    variable that chooses one, named in the refusal of a name nobody registered."""

    def __init__(self, kind: str, setting: str) -> None:
        self.kind, self.setting = kind, setting
        self._by_name: dict[str, type[C]] = {}

    def register(self, channel: type[C]) -> type[C]:
        """Class decorator: make `channel` choosable by its name."""
        known = self._by_name.get(channel.name)
        if known is not None and _qualified(known) != _qualified(channel):
            raise ValueError(
                f"two {self.kind}s are named {channel.name!r}: "
                f"{_qualified(known)} and {_qualified(channel)}"
            )
        self._by_name[channel.name] = channel
        return channel

    def names(self) -> list[str]:
        return sorted(self._by_name)

    def named(self, name: str) -> type[C]:
        """The channel registered as `name`; ConfigurationError (the service must not start)
        for a name nobody registered: a typo would otherwise leave every message waiting."""
        try:
            return self._by_name[name]
        except KeyError:
            raise ConfigurationError(
                f"{self.setting}={name!r} names no {self.kind}; "
                f"known: {', '.join(self.names()) or 'none'}"
            ) from None

    def configured(self, name: str, settings: Settings) -> C | None:
        return self.named(name).configured(settings)


def _qualified(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


@dataclass(frozen=True)
class HttpPost:
    url: str
    body: bytes
    headers: dict[str, str]


class HttpPostChannel(Channel[HttpPost]):
    """POST a body to a URL; any 2xx answer is a delivery. One connection pool per pass."""

    name = "http_post"

    def __init__(self, timeout_seconds: float) -> None:
        self.client = httpx.Client(timeout=timeout_seconds)

    @classmethod
    def configured(cls, settings: Settings) -> HttpPostChannel:
        return cls(settings.callback_timeout_seconds)

    def send(self, message: HttpPost) -> Delivery:
        try:
            response = self.client.post(message.url, content=message.body, headers=message.headers)
        except httpx.HTTPError as exc:
            return Delivery.failed(f"{type(exc).__name__}: {exc}")
        if 200 <= response.status_code < 300:
            return DELIVERED
        return Delivery.failed(f"HTTP {response.status_code}: {response.text[:300]}")

    def close(self) -> None:
        self.client.close()


# --- Queues ----------------------------------------------------------------------------------------


class OutboxRow(Protocol):
    """The columns every outbox table has."""

    id: Any
    status: str
    attempts: int
    next_attempt_at: datetime
    last_error: str | None
    delivered_at: datetime | None


@dataclass(frozen=True)
class Retry:
    """When a failed message is tried again, and when it is given up (dead-lettered): after
    `max_attempts` tries, or when its next try would fall more than `window` after the row's
    `window_started_at` (whichever the queue sets)."""

    max_attempts: int | None = None
    window: timedelta | None = None
    first_wait: timedelta = timedelta(seconds=30)
    longest_wait: timedelta = timedelta(hours=1)

    def wait(self, attempts: int) -> timedelta:
        """After the `attempts`-th failed try: 30 s, 1 min, 2 min, ... at most `longest_wait`."""
        doublings = min(attempts - 1, 32)  # long past the longest wait; a timedelta would overflow
        return min(self.first_wait * 2**doublings, self.longest_wait)

    def gives_up(self, message: Any, next_try: datetime) -> bool:
        if self.max_attempts is not None and message.attempts >= self.max_attempts:
            return True
        return self.window is not None and next_try - message.window_started_at > self.window


class Queue(ABC, Generic[Row]):
    """One outbox table as the loop sees it: what is due, how one message is sent, and the
    queue's limits. Built for one pass (with its session and channel)."""

    retry: Retry
    pass_seconds: float  # a pass starts no new message after this long (it tries at least one)
    failure_streak: int | None = None  # failed messages in a row that end a pass
    # Where a message with nobody to send to settles (a queue whose messages may have nobody).
    nobody_status: str

    @abstractmethod
    def due(self, now: datetime) -> Select:
        """The messages a pass may start with, in the order to send them (no limit)."""

    @abstractmethod
    def send(self, message: Row, now: datetime) -> Delivery: ...

    def prepare(self, messages: list[Row]) -> None:
        """Told the batch a pass claimed, before any is sent (to load what they share at once)."""

    def next_in_line(self, message: Row, now: datetime) -> Row | None:
        """A message to send right after `message` was delivered, in the same pass (the next
        of an ordered sequence), or None."""
        return None

    def dead_lettered(self, message: Row, error: str | None) -> None:
        """Told when a message is given up (to log it)."""


def deliver(session: Session, queue: Queue, *, batch: int, now: datetime | None = None) -> int:
    """One pass over `queue`; how many messages were delivered. `now` pins the clock (a test
    standing later in time); otherwise a wait counts from the end of the try that failed."""
    started_at = now or utcnow()
    clock: Callable[[], datetime] = (lambda: now) if now is not None else utcnow
    due = list(session.scalars(dialect.claim(session, queue.due(started_at).limit(batch))).all())
    queue.prepare(due)
    started = time.monotonic()
    streak = delivered = 0
    for tried, head in enumerate(due):
        if tried and (
            time.monotonic() - started >= queue.pass_seconds
            or (queue.failure_streak is not None and streak >= queue.failure_streak)
        ):
            break
        message = head
        while message is not None:
            delivery = queue.send(message, started_at)
            if delivery.outcome is Outcome.HELD:
                break
            if delivery.outcome in (Outcome.NOBODY, Outcome.GONE):
                message.status = queue.nobody_status
                break
            message.attempts += 1
            if delivery.outcome is Outcome.FAILED:
                streak += 1
                _failed(queue, message, delivery.error, clock())
                break
            streak = 0
            message.status, message.delivered_at, message.last_error = (
                OutboxStatus.DELIVERED.value,
                started_at,
                None,
            )
            delivered += 1
            message = queue.next_in_line(message, started_at)
    return delivered


def _failed(queue: Queue, message: Any, error: str | None, moment: datetime) -> None:
    message.last_error = error
    next_try = moment + queue.retry.wait(message.attempts)
    if queue.retry.gives_up(message, next_try):
        message.status = OutboxStatus.DEAD.value
        queue.dead_lettered(message, error)
    else:
        message.next_attempt_at = next_try


def replay(message: Any, now: datetime | None = None) -> None:
    """A dead letter starts afresh: pending, no attempts counted, due now, and (in a queue with
    a retry window, whose rows have `window_started_at`) a new window."""
    now = now or utcnow()
    message.status, message.attempts, message.next_attempt_at = (
        OutboxStatus.PENDING.value,
        0,
        now,
    )
    if hasattr(type(message), "window_started_at"):
        message.window_started_at = now
