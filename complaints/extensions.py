"""Extensions 延期: more working days for the deadline that runs, asked for by the assignee or
staff before it passes, decided by staff; the hotline hears of every extension granted. No web
imports."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand, may
from backend.identity.service import Principal
from backend.notify import service as notify
from complaints import callbacks, dispatch, lifecycle, rules
from complaints.enums import ExtensionState, Stage
from complaints.models import ComplaintExtension
from complaints.reading import STAFF, get_visible, hold


class ExtensionNotPossible(Conflict):
    slug, title = "extension-not-possible", "No extension can be asked for now"


def request_extension(
    session: Session,
    principal: Principal,
    complaint_id: uuid.UUID,
    working_days: int,
    reason: str,
) -> ComplaintExtension:
    """Asked before the running deadline passes, by the assignee or staff; staff decide."""
    complaint = hold(session, principal, complaint_id, None)
    if may(principal.role, Permission.WORK_IN_THE_FIELD):
        if complaint.assignee_id != principal.user_id:
            raise lifecycle.NotYourComplaint("only the worker it is assigned to may ask")
    elif principal.role not in STAFF:
        raise Forbidden(f"a {principal.role} may not ask for more time")
    due = rules.due_of(complaint)
    if due is None:
        raise ExtensionNotPossible(f"no deadline runs while a complaint is {complaint.state}")
    if due <= utcnow():
        raise ExtensionNotPossible(
            "the deadline has passed: an extension is asked for before it", due_at=due.isoformat()
        )
    pending = session.scalar(
        select(ComplaintExtension.id).where(
            ComplaintExtension.complaint_id == complaint.id,
            ComplaintExtension.state == ExtensionState.REQUESTED.value,
        )
    )
    if pending is not None:
        raise ExtensionNotPossible("an extension is already waiting for a decision")
    extension = ComplaintExtension(
        complaint_id=complaint.id,
        stage=complaint.stage,
        working_days=working_days,
        reason=reason,
        state=ExtensionState.REQUESTED.value,
        requested_by=principal.user_id,
        requested_at=utcnow(),
    )
    session.add(extension)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.extension_requested",
        subject_type="complaint",
        subject_id=complaint.id,
        after={
            "extension_id": str(extension.id),
            "stage": complaint.stage,
            "working_days": working_days,
            "reason": reason,
        },
    )
    notify.push(
        session,
        dispatch.station_staff_for(session, complaint.area_path),
        title="投诉延期申请",
        body=dispatch.summary(complaint),
        data={"complaint_id": str(complaint.id), "kind": "complaint.extension_requested"},
    )
    return extension


def decide_extension(
    session: Session,
    principal: Principal,
    extension_id: uuid.UUID,
    approve: bool,
    note: str | None,
    settings: Settings,
) -> ComplaintExtension:
    demand(principal.role, Permission.MANAGE_COMPLAINTS, "do this")
    extension = session.get(ComplaintExtension, extension_id)
    if extension is None:
        raise NotFound(f"no extension with id {extension_id}")
    try:
        complaint = hold(session, principal, extension.complaint_id, None)
    except NotFound:  # answered as an extension that does not exist, naming nothing else
        raise NotFound(f"no extension with id {extension_id}") from None
    if extension.state != ExtensionState.REQUESTED.value:
        raise ExtensionNotPossible(f"this extension was {extension.state} already")
    now = utcnow()
    extension.state = (ExtensionState.APPROVED if approve else ExtensionState.REFUSED).value
    extension.decided_by, extension.decided_at, extension.decision_note = (
        principal.user_id,
        now,
        note,
    )
    after: dict[str, Any] = {"extension_id": str(extension.id), "state": extension.state}
    if approve:
        column = rules.DUE_COLUMN[Stage(extension.stage)]
        old_due = getattr(complaint, column)
        # The last day moves on by the working days granted (deadlines end at local midnight).
        new_due = rules.working_calendar(settings).deadline(
            old_due - timedelta(seconds=1), extension.working_days
        )
        setattr(complaint, column, new_due)
        if Stage(extension.stage) is Stage.VERIFY and complaint.reply_due_at < new_due:
            complaint.reply_due_at = new_due  # a reply cannot be due before the check it answers
        complaint.version += 1
        if complaint.stage == extension.stage:
            rules.set_stage(complaint)
        after |= {"stage": extension.stage, column: new_due.isoformat()}
        callbacks.enqueue(
            session, complaint, "extended", note=extension.reason, stage=Stage(extension.stage)
        )
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.extension_decided",
        subject_type="complaint",
        subject_id=complaint.id,
        after=after | ({"note": note} if note else {}),
    )
    return extension


def extensions_of(
    session: Session, principal: Principal, complaint_id: uuid.UUID
) -> list[ComplaintExtension]:
    complaint = get_visible(session, principal, complaint_id)
    return list(
        session.scalars(
            select(ComplaintExtension)
            .where(ComplaintExtension.complaint_id == complaint.id)
            .order_by(ComplaintExtension.requested_at)
        )
    )
