"""The inbox over HTTP: a person's own notifications, and their read marks."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict

from backend.identity.dependencies import CurrentPrincipal, SessionDep
from backend.notify import inbox, status
from backend.notify.enums import NotificationKind, SubjectType
from backend.notify.models import Notification

router = APIRouter(prefix="/api/v1/notifications", tags=["notifications"])


class NotificationOut(BaseModel):
    id: uuid.UUID
    kind: NotificationKind
    title: str
    body: str
    subject_type: SubjectType | None
    subject_id: uuid.UUID | None
    urgent: bool
    created_at: datetime
    read_at: datetime | None

    @classmethod
    def of(cls, n: Notification) -> NotificationOut:
        return cls(
            id=n.id,
            kind=NotificationKind(n.kind),
            title=n.title,
            body=n.body,
            subject_type=SubjectType(n.subject_type) if n.subject_type else None,
            subject_id=n.subject_id,
            urgent=n.urgent,
            created_at=n.created_at,
            read_at=n.read_at,
        )


class InboxOut(BaseModel):
    items: list[NotificationOut]
    total: int
    unread_count: int
    urgent_unread_count: int  # of the unread, those escalated to the caller (urgent kinds)
    limit: int
    offset: int


class ReadAllIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    before: AwareDatetime | None = None  # only those created before this time


class ChannelDeliveryOut(BaseModel):
    channel: str
    status: str  # pending, delivered, no_device (nobody to push to), dead
    attempts: int
    last_error: str | None  # devices' tokens left out
    created_at: datetime
    next_attempt_at: datetime | None  # a pending message's next try
    delivered_at: datetime | None


class DeliveriesOut(BaseModel):
    notification_id: uuid.UUID
    user_id: uuid.UUID
    created_at: datetime
    read_at: datetime | None
    deliveries: list[ChannelDeliveryOut]


class ReadAllOut(BaseModel):
    marked: int
    unread_count: int


@router.get("", response_model=InboxOut)
def list_notifications(
    principal: CurrentPrincipal,
    session: SessionDep,
    unread: bool | None = None,
    kind: NotificationKind | None = None,
    subject_type: SubjectType | None = None,
    urgent: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=inbox.MAX_PAGE)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> InboxOut:
    """The caller's own notifications, newest first; `unread_count` counts all their unread,
    `urgent_unread_count` the urgent ones among them; `urgent=true`: only what was escalated
    to the caller (hazard_escalated, complaint_overdue, task_overdue)."""
    found = inbox.page(
        session,
        principal.user_id,
        unread=unread,
        kind=kind,
        subject_type=subject_type,
        urgent=urgent,
        limit=limit,
        offset=offset,
    )
    return InboxOut(
        items=[NotificationOut.of(n) for n in found.items],
        total=found.total,
        unread_count=found.unread_count,
        urgent_unread_count=found.urgent_unread_count,
        limit=limit,
        offset=offset,
    )


@router.post("/read-all", response_model=ReadAllOut)
def read_all(
    principal: CurrentPrincipal, session: SessionDep, body: ReadAllIn | None = None
) -> ReadAllOut:
    """Mark every unread notification of the caller read (those created before `before`)."""
    marked = inbox.mark_all_read(session, principal.user_id, body.before if body else None)
    return ReadAllOut(marked=marked, unread_count=inbox.unread_count(session, principal.user_id))


@router.post("/{notification_id}/read", response_model=NotificationOut)
def read_one(
    notification_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> NotificationOut:
    """Mark one of the caller's notifications read (the first reading counts)."""
    return NotificationOut.of(inbox.mark_read(session, principal.user_id, notification_id))


@router.get("/{notification_id}/deliveries", response_model=DeliveriesOut)
def deliveries(
    notification_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> DeliveriesOut:
    """What became of one notification on each channel it went out on (attempts, delivered or
    dead, the last error) and when it was read: the caller's own, or anyone's for an admin of
    the whole deployment."""
    found = status.deliveries(session, principal, notification_id)
    return DeliveriesOut(
        notification_id=found.notification.id,
        user_id=found.notification.user_id,
        created_at=found.notification.created_at,
        read_at=found.notification.read_at,
        deliveries=[ChannelDeliveryOut(**vars(d)) for d in found.channels],
    )
