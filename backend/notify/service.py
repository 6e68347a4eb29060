"""Enqueue in the caller's transaction; deliver later, from the worker."""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Iterable
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.db import utcnow
from backend.core.errors import InvalidInput
from backend.core.ids import new_ids
from backend.core.settings import Settings
from backend.notify import fcm
from backend.notify.models import Device, OutboxMessage

log = logging.getLogger("firegrid.notify")
MAX_BACKOFF = timedelta(hours=1)
FAILURE_STREAK = 3  # failed messages in a row before a pass gives up on FCM for now


class Delivery(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    NO_DEVICE = "no_device"  # nobody to push to: kept as a record, not retried
    DEAD = "dead"  # gave up after retries: visible to admins


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
    session: Session, user_ids: Iterable[uuid.UUID], title: str, body: str, data: dict[str, str]
) -> int:
    """Queue a push to each user, in the caller's transaction: it leaves only if the cause commits."""
    count = 0
    for user_id in dict.fromkeys(user_ids):
        session.add(
            OutboxMessage(channel="fcm", user_id=user_id, title=title, body=body, data=data)
        )
        count += 1
    return count


def push_many(session: Session, messages: list[tuple[uuid.UUID, str, str, dict[str, str]]]) -> int:
    """`push` for many (user, title, body, data) at once, as one multi-row insert."""
    if not messages:
        return 0
    now = utcnow()
    dialect.insert_rows(
        session,
        OutboxMessage.__table__,
        [
            {
                "id": message_id,
                "channel": "fcm",
                "user_id": user_id,
                "title": title,
                "body": body,
                "data": data,
                "status": Delivery.PENDING.value,
                "attempts": 0,
                "next_attempt_at": now,
                "last_error": None,
                "created_at": now,
                "delivered_at": None,
            }
            for (user_id, title, body, data), message_id in zip(
                messages, new_ids(len(messages)), strict=True
            )
        ],
    )
    return len(messages)


def deliver_outbox(session: Session, settings: Settings, batch: int = 200) -> int:
    """Worker job: send due messages (claimed with SKIP LOCKED on PostgreSQL). A failure waits
    twice as long each time (30 s, 1 min, … at most 1 h); after `push_max_attempts` the message
    is dead. A token FCM calls UNREGISTERED is retired.

    A pass is bounded: it stops after `push_pass_seconds` (firebase-admin itself retries a
    failing send for about 7 s) or after `FAILURE_STREAK` failed messages in a row (FCM looks
    unreachable), so other jobs keep running; messages it did not try wait, with no attempt
    counted against them."""
    sender = fcm.sender(settings)
    if sender is None:
        return 0  # push is not configured: messages wait, nothing is lost
    started = time.monotonic()
    streak = 0
    now = utcnow()
    due = session.scalars(
        dialect.claim(
            session,
            select(OutboxMessage)
            .where(
                OutboxMessage.status == Delivery.PENDING.value, OutboxMessage.next_attempt_at <= now
            )
            .order_by(OutboxMessage.next_attempt_at)
            .limit(batch),
        )
    ).all()
    delivered = 0
    for tried, message in enumerate(due):
        if tried and (
            streak >= FAILURE_STREAK or time.monotonic() - started >= settings.push_pass_seconds
        ):
            break
        tokens = session.scalars(
            select(Device.token).where(
                Device.user_id == message.user_id, Device.retired_at.is_(None)
            )
        ).all()
        if not tokens:
            message.status = Delivery.NO_DEVICE.value
            continue
        failures = []
        for token in tokens:
            outcome = sender.send(token, message.title, message.body, message.data)
            if outcome is fcm.Outcome.UNREGISTERED:
                session.get(Device, token).retired_at = now  # type: ignore[union-attr]
            elif outcome is not fcm.Outcome.SENT:
                failures.append(f"{token[:12]}…: {outcome.value}")
        message.attempts += 1
        streak = streak + 1 if failures else 0
        if failures and message.attempts < settings.push_max_attempts:
            message.last_error = "; ".join(failures)
            wait = min(timedelta(seconds=30 * 2 ** (message.attempts - 1)), MAX_BACKOFF)
            message.next_attempt_at = utcnow() + wait  # from now: sending may have taken a while
        elif failures:
            message.status, message.last_error = Delivery.DEAD.value, "; ".join(failures)
            log.warning("push dead-lettered", extra={"message_id": str(message.id)})
        else:
            message.status, message.delivered_at = Delivery.DELIVERED.value, now
            delivered += 1
    return delivered
