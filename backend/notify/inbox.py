"""The inbox: every message addressed to a person is also a row they can read, page through,
filter and mark read, on the web or on their phones (offline_sync pulls their own rows and
pushes read marks back). No web imports.

What a message is about and what kind it is are read from the `data` its caller gives the push
(the same keys the phones' push handlers read), through the two tables below, so that the
domains keep one way of saying it."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.errors import NotFound
from backend.notify.enums import NotificationKind, SubjectType
from backend.notify.models import Notification

# data["kind"] as the domains send it -> the inbox's kind; a "hazard.<step>" not named here is
# a hazard step.
KINDS: dict[str, NotificationKind] = {
    "hazard.reported": NotificationKind.HAZARD_REPORTED,
    "hazard.escalated": NotificationKind.HAZARD_ESCALATED,
    "complaint.dispatched": NotificationKind.COMPLAINT_DISPATCHED,
    "complaint.triage": NotificationKind.COMPLAINT_TRIAGE,
    "complaint.reminded": NotificationKind.COMPLAINT_OVERDUE,
    "complaint.escalated": NotificationKind.COMPLAINT_OVERDUE,
    "complaint.extension_requested": NotificationKind.COMPLAINT_EXTENSION,
    "complaint.reopened": NotificationKind.COMPLAINT_REOPENED,
    "alarm.alarm": NotificationKind.ALARM_FEED,
    "fire.alert": NotificationKind.FIRE_ALERT,
}
# The data key naming what a message is about, in the order they are looked for.
SUBJECT_KEYS: tuple[tuple[str, SubjectType], ...] = (
    ("hazard_id", SubjectType.HAZARD),
    ("complaint_id", SubjectType.COMPLAINT),
    ("patrol_task_id", SubjectType.TASK),
    ("prompt_id", SubjectType.PROMPT),
    ("campaign_id", SubjectType.CAMPAIGN),
    ("fire_alert_id", SubjectType.FIRE_ALERT),
)
# Kinds shown as urgent: something is overdue and the person answers for it, a fire is burning
# near them, or a monitored device is alarming now (never held through quiet hours).
URGENT_KINDS = frozenset(
    {
        NotificationKind.FIRE_ALERT,
        NotificationKind.ALARM_FEED,
        NotificationKind.HAZARD_ESCALATED,
        NotificationKind.COMPLAINT_OVERDUE,
        NotificationKind.TASK_OVERDUE,
    }
)
MAX_PAGE = 200


def kind_of(data: dict[str, str]) -> NotificationKind:
    said = str(data.get("kind") or "")
    if said in KINDS:
        return KINDS[said]
    if said.startswith("hazard."):
        return NotificationKind.HAZARD_STEP
    return NotificationKind.OTHER


def subject_of(data: dict[str, str]) -> tuple[SubjectType | None, uuid.UUID | None]:
    for key, subject_type in SUBJECT_KEYS:
        if data.get(key):
            try:
                return subject_type, uuid.UUID(str(data[key]))
            except ValueError:
                continue
    return None, None


def row(
    notification_id: uuid.UUID,
    user_id: uuid.UUID,
    title: str,
    body: str,
    data: dict[str, str],
    kind: NotificationKind | None,
    now: datetime,
    sms_due_at: datetime | None = None,
) -> dict:
    """An inbox row's values (for a multi-row insert); `sms_due_at`: when it is to be texted
    if still unread (backend.notify.policy)."""
    kind = kind or kind_of(data)
    subject_type, subject_id = subject_of(data)
    return {
        "id": notification_id,
        "user_id": user_id,
        "kind": kind.value,
        "title": title[:200],
        "body": body,
        "subject_type": subject_type.value if subject_type else None,
        "subject_id": subject_id,
        "urgent": kind in URGENT_KINDS,
        "created_at": now,
        "read_at": None,
        "sms_due_at": sms_due_at,
    }


@dataclass
class Page:
    items: list[Notification]
    total: int  # matching the filters
    unread_count: int  # all the person's unread, whatever the filters
    urgent_unread_count: int = 0  # of those, the urgent ones (escalated to the person)


def page(
    session: Session,
    user_id: uuid.UUID,
    *,
    unread: bool | None = None,
    kind: NotificationKind | None = None,
    subject_type: SubjectType | None = None,
    urgent: bool | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page:
    """The person's own notifications, newest first; `urgent`: only the urgent kinds (what was
    escalated to the person: overdue, moved up to them), or only the others."""
    where = [Notification.user_id == user_id]
    if unread is True:
        where.append(Notification.read_at.is_(None))
    elif unread is False:
        where.append(Notification.read_at.is_not(None))
    if kind is not None:
        where.append(Notification.kind == kind.value)
    if subject_type is not None:
        where.append(Notification.subject_type == subject_type.value)
    if urgent is not None:
        where.append(Notification.urgent.is_(urgent))
    items = session.scalars(
        select(Notification)
        .where(*where)
        .order_by(Notification.created_at.desc(), Notification.id.desc())
        .limit(min(limit, MAX_PAGE))
        .offset(offset)
    ).all()
    total = session.scalar(select(func.count()).select_from(Notification).where(*where)) or 0
    unread, urgent_unread = unread_counts(session, user_id)
    return Page(list(items), total, unread, urgent_unread)


def unread_count(session: Session, user_id: uuid.UUID) -> int:
    return unread_counts(session, user_id)[0]


def unread_counts(session: Session, user_id: uuid.UUID) -> tuple[int, int]:
    """The person's unread notifications, and how many of them are urgent (one query)."""
    unread, urgent = session.execute(
        select(func.count(), func.count().filter(Notification.urgent.is_(True)))
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_at.is_(None))
    ).one()
    return unread or 0, urgent or 0


def mark_read(
    session: Session, user_id: uuid.UUID, notification_id: uuid.UUID, at: datetime | None = None
) -> Notification:
    """Mark one of the person's notifications read; the first reading counts (marking it again
    changes nothing). Another person's answers as a made-up id does."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id:
        raise NotFound(f"no notification {notification_id}")
    if notification.read_at is None:
        notification.read_at = min(at or utcnow(), utcnow())
        session.flush()
    return notification


def mark_read_if_mine(
    session: Session, user_id: uuid.UUID, notification_id: uuid.UUID, at: datetime | None
) -> bool:
    """A read mark from one of the person's phones: whether it was the first reading. One of
    someone else's, or of none, changes nothing (it is no refusal: the phone could not know)."""
    notification = session.get(Notification, notification_id)
    if notification is None or notification.user_id != user_id or notification.read_at:
        return False
    mark_read(session, user_id, notification_id, at)
    return True


def mark_all_read(session: Session, user_id: uuid.UUID, before: datetime | None = None) -> int:
    """Mark every unread notification of the person read (those created before `before`, when
    given); how many were."""
    where = [Notification.user_id == user_id, Notification.read_at.is_(None)]
    if before is not None:
        where.append(Notification.created_at < before)
    result = session.execute(
        update(Notification).where(*where).values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def mark_read_about(
    session: Session, user_id: uuid.UUID, subject_type: SubjectType, subject_id: uuid.UUID
) -> int:
    """Mark read the person's notifications about one thing (reading a work prompt elsewhere
    reads its notification)."""
    result = session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.subject_type == subject_type.value,
            Notification.subject_id == subject_id,
            Notification.read_at.is_(None),
        )
        .values(read_at=utcnow()),
        execution_options={"synchronize_session": False},
    )
    return result.rowcount or 0


def first_readings(
    session: Session,
    subject_type: SubjectType,
    subject_id: uuid.UUID,
    user_id: uuid.UUID | None = None,
) -> dict[uuid.UUID, datetime]:
    """Who has read a notification about one thing (of one person, when given), and when
    first: the read receipts of what was sent to many (a work prompt)."""
    where = [
        Notification.subject_type == subject_type.value,
        Notification.subject_id == subject_id,
        Notification.read_at.is_not(None),
    ]
    if user_id is not None:
        where.append(Notification.user_id == user_id)
    return dict(
        session.execute(
            select(Notification.user_id, func.min(Notification.read_at))
            .where(*where)
            .group_by(Notification.user_id)
        ).all()
    )
