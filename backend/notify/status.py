"""Seeing delivery: how each way out is keeping up (the operator's `firegrid outbox status`),
and what became of one message on each channel it went out on (its owner's, or an admin's,
question "did it reach them, did they read it").

Backlogs are counted for any outbox table (every one has the columns of
`backend.core.outbox.OutboxRow`), so the composition root can put another package's outbox,
hotline callbacks, in the same table without this kernel module knowing of it."""

from __future__ import annotations

import re
import uuid
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from backend.core import audit, outbox
from backend.core.db import utcnow
from backend.core.errors import Conflict, NotFound
from backend.core.outbox import OutboxStatus
from backend.core.settings import Settings
from backend.identity.permissions import Permission, may
from backend.identity.service import Principal
from backend.notify.channels import channel_names
from backend.notify.models import Notification, OutboxMessage
from backend.notify.texts import SMS

RECENT = timedelta(hours=24)  # "delivered lately": what a channel that works has been doing


@dataclass(frozen=True)
class Backlog:
    """One channel's queue as an operator reads it."""

    channel: str
    pending: int  # waiting, due or not
    due_now: int  # pending whose next try is already due: what the next pass takes
    oldest_pending_seconds: float | None  # age of the oldest pending message, None if none
    dead: int  # dead letters: given up, waiting for a replay
    delivered_24h: int

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


def backlog(session: Session, table: Any, now: datetime, *, channel: Any) -> dict[str, Backlog]:
    """Each channel's backlog in an outbox table (a mapped class with the outbox columns);
    `channel` is the column naming a row's channel, or a name for a table of one channel."""
    pending = table.status == OutboxStatus.PENDING.value
    counts = (
        func.sum(case((pending, 1), else_=0)),
        func.sum(case((pending & (table.next_attempt_at <= now), 1), else_=0)),
        func.min(case((pending, table.created_at), else_=None)),
        func.sum(case((table.status == OutboxStatus.DEAD.value, 1), else_=0)),
        func.sum(case((table.delivered_at >= now - RECENT, 1), else_=0)),
    )
    if isinstance(channel, str):  # one row, even for an empty table
        rows = [(channel, *row) for row in session.execute(select(*counts)).all()]
    else:
        rows = session.execute(select(channel, *counts).group_by(channel)).all()
    found = {}
    for name, waiting, due, oldest, dead, delivered in rows:
        if isinstance(oldest, str):  # SQLite: a min() over a CASE loses the column's type
            oldest = datetime.fromisoformat(oldest)
        if oldest is not None and oldest.tzinfo is None:
            oldest = oldest.replace(tzinfo=now.tzinfo)
        found[name] = Backlog(
            channel=name,
            pending=int(waiting or 0),
            due_now=int(due or 0),
            oldest_pending_seconds=(
                round((now - oldest).total_seconds(), 1) if oldest is not None else None
            ),
            dead=int(dead or 0),
            delivered_24h=int(delivered or 0),
        )
    return found


def waiting(session: Session, table: Any, *, channel: Any) -> dict[str, tuple[int, int]]:
    """(pending, dead) per channel of an outbox table, for a scrape of /metrics: only those two
    statuses are read (the index on status and next try), never the delivered rows, which
    `backlog`'s 24 hours count would walk."""
    statuses = (OutboxStatus.PENDING.value, OutboxStatus.DEAD.value)
    if isinstance(channel, str):  # a table of one channel
        query = select(table.status, func.count()).group_by(table.status)
        rows = [(channel, *row) for row in session.execute(query.where(table.status.in_(statuses)))]
    else:
        query = select(channel, table.status, func.count()).group_by(channel, table.status)
        rows = session.execute(query.where(table.status.in_(statuses))).all()
    found: dict[str, tuple[int, int]] = {}
    for row_channel, status, count in rows:
        pending, dead = found.get(row_channel, (0, 0))
        found[row_channel] = (
            (pending + count, dead) if status == statuses[0] else (pending, dead + count)
        )
    return found


def empty(channel: str) -> Backlog:
    return Backlog(channel, 0, 0, None, 0, 0)


def channels(settings: Settings) -> list[str]:
    """The outbox's channels in this deployment: the push channels, then texts."""
    return [*dict.fromkeys([*channel_names(settings).values(), SMS])]


def outbox_backlog(
    session: Session, settings: Settings, now: datetime | None = None
) -> list[Backlog]:
    """The push channels and texts, each named even when it has nothing queued (a channel that
    never moves is what an operator looks for), then any other channel rows still name."""
    now = now or utcnow()
    found = backlog(session, OutboxMessage, now, channel=OutboxMessage.channel)
    names = channels(settings)
    names += sorted(set(found) - set(names))
    return [found.get(name) or empty(name) for name in names]


# --- One message ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ChannelDelivery:
    channel: str
    status: str  # pending, delivered, no_device, dead
    attempts: int
    last_error: str | None  # with the devices' tokens left out
    created_at: datetime
    next_attempt_at: datetime | None  # when pending: its next try
    delivered_at: datetime | None


@dataclass(frozen=True)
class Deliveries:
    notification: Notification
    channels: list[ChannelDelivery]


# A push's error names each failing device by the start of its token ("dGhpc2lzYW5…: 503");
# tokens are credentials of a sort (anyone holding one can push to that phone): never shown.
_DEVICE_PREFIX = re.compile(r"(^|; )[^;]{1,12}…: ")


def without_tokens(error: str | None) -> str | None:
    if error is None:
        return None
    return _DEVICE_PREFIX.sub(r"\1a device: ", error)


def deliveries(session: Session, principal: Principal, notification_id: uuid.UUID) -> Deliveries:
    """What became of a notification on each channel it went out on, and whether it was read.
    Its owner's; anyone's for an admin of the whole deployment (an admin placed in an area is
    not one: whose notification is in which area is not this package's to know). NotFound
    otherwise, as for no such id."""
    notification = session.get(Notification, notification_id)
    everyone = may(principal.role, Permission.ADMINISTER) and principal.scope_area_id is None
    if notification is None or not (everyone or notification.user_id == principal.user_id):
        raise NotFound(f"no notification {notification_id}")
    rows = session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.notification_id == notification_id)
        .order_by(OutboxMessage.channel, OutboxMessage.created_at)
    ).all()
    return Deliveries(
        notification,
        [
            ChannelDelivery(
                channel=m.channel,
                status=m.status,
                attempts=m.attempts,
                last_error=without_tokens(m.last_error),
                created_at=m.created_at,
                next_attempt_at=(
                    m.next_attempt_at if m.status == OutboxStatus.PENDING.value else None
                ),
                delivered_at=m.delivered_at,
            )
            for m in rows
        ],
    )


# --- Dead letters ----------------------------------------------------------------------------------


def dead_letters(session: Session, channel: str | None, limit: int) -> list[OutboxMessage]:
    """Given-up messages of one channel (or all), oldest first."""
    query = select(OutboxMessage).where(OutboxMessage.status == OutboxStatus.DEAD.value)
    if channel is not None:
        query = query.where(OutboxMessage.channel == channel)
    return list(session.scalars(query.order_by(OutboxMessage.created_at).limit(limit)))


def replay(session: Session, message_id: uuid.UUID, actor: audit.Actor) -> OutboxMessage:
    """Send a dead message again from scratch at the next worker pass (audited)."""
    message = session.get(OutboxMessage, message_id)
    if message is None:
        raise NotFound(f"no outbox message {message_id}")
    if message.status != OutboxStatus.DEAD.value:
        raise Conflict(f"only dead messages are replayed; this one is {message.status}")
    outbox.replay(message)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="notify.push_replayed",
        subject_type="outbox",
        subject_id=message.id,
        after={"channel": message.channel, "notification_id": str(message.notification_id)},
    )
    return message
