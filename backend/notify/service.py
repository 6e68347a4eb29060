"""Enqueue in the caller's transaction; deliver later, from the worker, through the push
channel the settings choose (backend.notify.channels)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.core import dialect, outbox
from backend.core.db import utcnow
from backend.core.errors import InvalidInput
from backend.core.ids import new_ids
from backend.core.settings import Settings, get_settings
from backend.notify import (
    fcm,  # noqa: F401 - registers the push channel "fcm"
    inbox,
)
from backend.notify.channels import PushChannel, PushMessage, push_channel
from backend.notify.enums import NotificationKind, PushStatus
from backend.notify.models import Device, Notification, OutboxMessage

log = logging.getLogger("firegrid.notify")
FAILURE_STREAK = 3  # failed messages in a row before a pass gives up on the channel for now


def register_device(session: Session, user_id: uuid.UUID, token: str, platform: str) -> Device:
    """Register (or move) a token: one phone belongs to whoever signed in on it last."""
    if not token.strip():
        raise InvalidInput("the token is empty", field="token")
    device = session.get(Device, token) or Device(token=token)
    device.user_id, device.platform, device.retired_at, device.registered_at = (
        user_id,
        platform,
        None,
        utcnow(),
    )
    session.add(device)
    session.flush()
    return device


def retire_device(session: Session, user_id: uuid.UUID, token: str) -> None:
    device = session.get(Device, token)
    if device is not None and device.user_id == user_id:
        device.retired_at = utcnow()


def push(
    session: Session,
    user_ids: Iterable[uuid.UUID],
    title: str,
    body: str,
    data: dict[str, str],
    *,
    kind: NotificationKind | None = None,
) -> int:
    """Queue a push to each user, in the caller's transaction: it leaves only if the cause
    commits. Each user also gets it in their inbox (backend.notify.inbox); `kind`, when not
    given, is read from `data`."""
    return push_many(
        session,
        [(user_id, title, body, data) for user_id in dict.fromkeys(user_ids)],
        kind=kind,
    )


def push_many(
    session: Session,
    messages: list[tuple[uuid.UUID, str, str, dict[str, str]]],
    *,
    kind: NotificationKind | None = None,
) -> int:
    """`push` for many (user, title, body, data) at once: the inbox rows, then their pushes,
    each as one multi-row insert."""
    if not messages:
        return 0
    now, channel = utcnow(), get_settings().push_channel
    notification_ids = new_ids(len(messages))
    dialect.insert_rows(
        session,
        Notification.__table__,
        [
            inbox.row(notification_id, user_id, title, body, data, kind, now)
            for (user_id, title, body, data), notification_id in zip(
                messages, notification_ids, strict=True
            )
        ],
    )
    dialect.insert_rows(
        session,
        OutboxMessage.__table__,
        [
            {
                "id": message_id,
                "channel": channel,
                "user_id": user_id,
                "notification_id": notification_id,
                "title": title,
                "body": body,
                "data": data,
                "status": PushStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None,
                "created_at": now,
                "delivered_at": None,
            }
            for (user_id, title, body, data), notification_id, message_id in zip(
                messages, notification_ids, new_ids(len(messages)), strict=True
            )
        ],
    )
    return len(messages)


def deliver_outbox(session: Session, settings: Settings, batch: int = 200) -> int:
    """Worker job: send due messages through the push channel (the kernel's outbox loop: claimed
    with SKIP LOCKED on PostgreSQL). A failure waits twice as long each time (30 s, 1 min, … at
    most 1 h); after `push_max_attempts` the message is dead. A token the channel calls gone is
    retired.

    A pass is bounded: it stops after `push_pass_seconds` (firebase-admin itself retries a
    failing send for about 7 s) or after `FAILURE_STREAK` failed messages in a row (the channel
    looks unreachable), so other jobs keep running; messages it did not try wait, with no
    attempt counted against them."""
    channel = push_channel(settings)
    if channel is None:
        return 0  # push is not configured: messages wait, nothing is lost
    with channel:
        return outbox.deliver(session, PushQueue(session, channel, settings), batch=batch)


class PushQueue(outbox.Queue[OutboxMessage]):
    """The `outbox` table: each message goes to every device its user has registered."""

    failure_streak = FAILURE_STREAK
    nobody_status = PushStatus.NO_DEVICE.value

    def __init__(self, session: Session, channel: PushChannel, settings: Settings) -> None:
        self.session, self.channel = session, channel
        self.retry = outbox.Retry(max_attempts=settings.push_max_attempts)
        self.pass_seconds = settings.push_pass_seconds

    def due(self, now: datetime) -> Select:
        return (
            select(OutboxMessage)
            .where(
                OutboxMessage.status == PushStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at)
        )

    def send(self, message: OutboxMessage, now: datetime) -> outbox.Delivery:
        devices = self.session.scalars(
            select(Device).where(Device.user_id == message.user_id, Device.retired_at.is_(None))
        ).all()
        if not devices:
            return outbox.NOBODY
        message.channel = self.channel.name
        failures = []
        for device in devices:
            delivery = self.channel.send(
                PushMessage(
                    device.token, device.platform, message.title, message.body, message.data
                )
            )
            if delivery.outcome is outbox.Outcome.GONE:
                device.retired_at = now
            elif delivery.outcome is not outbox.Outcome.DELIVERED:
                failures.append(f"{device.token[:12]}…: {delivery.error}")
        return outbox.Delivery.failed("; ".join(failures)) if failures else outbox.DELIVERED

    def dead_lettered(self, message: OutboxMessage, error: str | None) -> None:
        log.warning("push dead-lettered", extra={"message_id": str(message.id)})
