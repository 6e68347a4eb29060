"""What `firegrid worker` runs for notifications beside delivering the outbox: the text that
follows a message nobody read in time (backend.notify.policy)."""

from __future__ import annotations

import logging
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import calendar_notices, dialect
from backend.core.db import utcnow
from backend.core.settings import Settings
from backend.notify.models import Notification
from backend.notify.policy import policy_of, roles_of
from backend.notify.texts import queue_text

log = logging.getLogger("firegrid.notify")
BATCH = 500


def text_unread_notifications(
    session: Session, settings: Settings, batch: int = BATCH, now: datetime | None = None
) -> int:
    """Queue a text for each notification still unread when its policy's delay ran out
    (`sms_due_at`), with the template the policy names; how many were queued.

    Outside the policy's working hours nothing is texted: what is due waits for the next
    working period, and is texted then only if still unread. Each notification is texted at
    most once: its `sms_due_at` is cleared in the same transaction, by a conditional update
    (and rows are claimed with SKIP LOCKED on PostgreSQL), so two workers never both text it.
    One found read is cleared too, so the index holds only what may still be due."""
    now = now or utcnow()
    policy = policy_of(settings)
    session.execute(
        update(Notification)
        .where(Notification.sms_due_at <= now, Notification.read_at.is_not(None))
        .values(sms_due_at=None)
        .execution_options(synchronize_session=False)
    )
    if not policy.may_text(now, calendar_notices.calendar_with_loaded(session, settings)):
        return 0
    due = session.scalars(
        dialect.claim(
            session,
            select(Notification)
            .where(Notification.sms_due_at <= now, Notification.read_at.is_(None))
            .order_by(Notification.sms_due_at)
            .limit(batch),
        )
    ).all()
    roles = roles_of(session, [n.user_id for n in due]) if due else {}
    queued = 0
    for notification in due:
        cleared = session.execute(
            update(Notification)
            .where(Notification.id == notification.id, Notification.sms_due_at.is_not(None))
            .values(sms_due_at=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not cleared:
            continue  # another worker texted it first
        rule = policy.rule_for(notification.kind, roles.get(notification.user_id))
        message = queue_text(
            session,
            notification.user_id,
            rule.sms_template,
            {"title": notification.title[:20]},
            notification.title,
        )
        message.notification_id = notification.id
        queued += 1
    if queued:
        log.info("texted unread notifications", extra={"count": queued})
    return queued
