"""Who sees which complaints, and reading them: one complaint, the queues, the caller behind one,
its timeline, and the counts the patrol assessment takes. Also the locked read every change
starts from (`hold`). No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import ColumnElement, Select, and_, false, func, or_, select
from sqlalchemy.orm import Session

from backend.core import audit, security
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.localtime import day_start
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand, may, roles_with
from backend.identity.service import Principal
from complaints import lifecycle
from complaints.available import Available, available_to, partner_steps
from complaints.enums import ComplaintState, Escalation
from complaints.models import Complaint, ComplaintCaller
from complaints.rules import DUE_COLUMN, STAGE_OF, due_of
from complaints.schemas import ComplaintOut, StepNeeds
from grids.models import Area
from grids.scope import scope_of

STAFF = roles_with(Permission.MANAGE_COMPLAINTS)


def visible_clause(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Staff see complaints in their area; a worker or grid leader the ones assigned to them;
    a partner system the ones it sent; nobody else any."""
    if may(principal.role, Permission.SEE_AREA_COMPLAINTS):
        return scope_of(session, principal).area_clause_on(Complaint.area_path)
    if may(principal.role, Permission.WORK_IN_THE_FIELD):
        return Complaint.assignee_id == principal.user_id
    if principal.role is Role.INTEGRATION:
        return Complaint.partner_id == principal.user_id
    return false()


def get_visible(session: Session, principal: Principal, complaint_id: uuid.UUID) -> Complaint:
    complaint = session.scalar(
        select(Complaint).where(Complaint.id == complaint_id, visible_clause(session, principal))
    )
    if complaint is None:
        raise NotFound(f"no complaint with id {complaint_id}")
    return complaint


def hold(
    session: Session, principal: Principal, complaint_id: uuid.UUID, version: int | None
) -> Complaint:
    """The complaint, locked for this transaction (FOR UPDATE on PostgreSQL; SQLite has one
    writer), after the caller's version if they sent one."""
    complaint = session.scalar(
        select(Complaint)
        .where(Complaint.id == complaint_id, visible_clause(session, principal))
        .with_for_update()
    )
    if complaint is None:
        raise NotFound(f"no complaint with id {complaint_id}")
    if version is not None and version != complaint.version:
        raise lifecycle.ComplaintChangedMeanwhile(
            f"complaint is at version {complaint.version}, you sent {version}",
            current_version=complaint.version,
        )
    return complaint


def by_key(session: Session, channel: str, external_id: str) -> Complaint | None:
    return session.scalar(
        select(Complaint).where(Complaint.channel == channel, Complaint.external_id == external_id)
    )


def by_partner_key(
    session: Session, partner: Principal, channel: str, external_id: str
) -> Complaint:
    complaint = by_key(session, channel, external_id)
    if complaint is None or complaint.partner_id != partner.user_id:
        raise NotFound(f"no complaint {external_id!r} on channel {channel}")
    return complaint


# --- What callers see ------------------------------------------------------------------------------


def views(
    session: Session, principal: Principal, complaints: list[Complaint]
) -> list[ComplaintOut]:
    """Complaints as this caller sees them, with the assignee's and the area's names, the
    caller's masked phone and what this caller may do with each (`available`): one query for
    the names of a whole page (none for a complaint just written in this transaction, whose
    rows are read through the session) and two for what the caller may do."""
    if len(complaints) == 1:
        (only,) = complaints
        assignee = session.get(User, only.assignee_id) if only.assignee_id else None
        area = session.get(Area, only.area_id) if only.area_id else None
        caller = session.get(ComplaintCaller, only.id)
        names = {
            only.id: (assignee.display_name if assignee else None, area.name if area else None)
        }
        phones = {only.id: caller.masked_phone} if caller else {}
    elif complaints:
        rows = session.execute(
            select(Complaint.id, User.display_name, Area.name, ComplaintCaller.masked_phone)
            .outerjoin(User, User.id == Complaint.assignee_id)
            .outerjoin(Area, Area.id == Complaint.area_id)
            .outerjoin(ComplaintCaller, ComplaintCaller.complaint_id == Complaint.id)
            .where(Complaint.id.in_([c.id for c in complaints]))
        ).all()
        names = {row[0]: (row[1], row[2]) for row in rows}
        phones = {row[0]: row[3] for row in rows if row[3] is not None}
    else:
        return []
    available = available_to(session, principal, complaints)
    views = []
    for c in complaints:
        assignee_name, area_name = names.get(c.id, (None, None))
        views.append(complaint_view(c, assignee_name, phones.get(c.id), area_name, available[c.id]))
    return views


def complaint_view(
    complaint: Complaint,
    assignee_name: str | None,
    masked_phone: str | None,
    area_name: str | None = None,
    available: Available | None = None,
) -> ComplaintOut:
    """One complaint's answer. Without `available` (the intake's answer to the partner that
    sent it) the steps are the partner's own."""
    due = due_of(complaint)
    state = ComplaintState(complaint.state)
    if available is None:
        available = partner_steps(state)
    return ComplaintOut(
        id=complaint.id,
        channel=complaint.channel,
        external_id=complaint.external_id,
        type=complaint.kind,
        text=complaint.text,
        address=complaint.address,
        category=complaint.category,
        urgent=complaint.urgent,
        anonymous=complaint.anonymous,
        caller_phone=masked_phone,
        received_at=complaint.received_at,
        lng=complaint.raw_lng,
        lat=complaint.raw_lat,
        crs=complaint.raw_crs,
        area_code=complaint.area_path.rstrip("/").rsplit("/", 1)[-1] or None,
        area_name=area_name,
        route_status=complaint.route_status,
        state=complaint.state,
        assignee_id=complaint.assignee_id,
        assignee=assignee_name,
        stage=complaint.stage,
        due_at=due,
        overdue=bool(due and due <= utcnow()),
        escalation=complaint.escalation,
        sign_due_at=complaint.sign_due_at,
        verify_due_at=complaint.verify_due_at,
        reply_due_at=complaint.reply_due_at,
        hotline_deadline=complaint.hotline_deadline,
        finding=complaint.finding,
        reply=complaint.reply,
        return_reason=complaint.return_reason,
        hazard_id=complaint.hazard_id,
        version=complaint.version,
        next_actions=available.actions,
        step_needs={action: StepNeeds(fields=fields) for action, fields in available.needs.items()},
        may_place=available.may_place,
        may_ask_extension=available.may_ask_extension,
        may_decide_extensions=available.may_decide_extensions,
    )


@dataclass(frozen=True)
class QueueFilter:
    state: ComplaintState | None = None
    triage: bool = False  # received and not yet assigned
    overdue: bool = False
    area_path: str | None = None
    received_from: date | None = None  # Asia/Shanghai calendar days, both included
    received_to: date | None = None


def queue(session: Session, principal: Principal, where: QueueFilter) -> Select:
    if where.received_from and where.received_to and where.received_to < where.received_from:
        raise InvalidInput("received_to is before received_from", field="received_to")
    query = select(Complaint).where(visible_clause(session, principal))
    if where.received_from:
        query = query.where(Complaint.received_at >= day_start(where.received_from))
    if where.received_to:
        query = query.where(
            Complaint.received_at < day_start(where.received_to + timedelta(days=1))
        )
    if where.state is not None:
        query = query.where(Complaint.state == where.state.value)
    if where.triage:
        query = query.where(Complaint.state == ComplaintState.RECEIVED.value)
    if where.overdue:
        query = query.where(Complaint.alarm_at.is_not(None), Complaint.alarm_at <= utcnow())
    if where.area_path:
        query = query.where(Complaint.area_path.startswith(where.area_path, autoescape=True))
    return query.order_by(Complaint.received_at.desc(), Complaint.id)


def overdue_by_escalation(session: Session, now: datetime) -> dict[Escalation, int]:
    """Complaints whose running deadline (the one their state waits on) has passed, per how
    far up they have been escalated (an operator's /metrics). Only waiting states are read
    (the index on state); the closed years are never touched."""
    late = or_(
        *(
            and_(
                Complaint.state.in_([state.value for state in states]),
                getattr(Complaint, DUE_COLUMN[stage]) <= now,
            )
            for stage, states in _WAITING.items()
        )
    )
    rows = session.execute(
        select(Complaint.escalation, func.count()).where(late).group_by(Complaint.escalation)
    ).all()
    return {Escalation(level): count for level, count in rows}


_WAITING = {
    stage: [state for state, waits in STAGE_OF.items() if waits is stage]
    for stage in dict.fromkeys(waits for waits in STAGE_OF.values() if waits is not None)
}


def page_total(session: Session, query: Select, rows: int, limit: int, offset: int) -> int:
    """How many complaints a queue holds, all pages together (`X-Total-Count`): a short page
    that is not past the end already says; otherwise counted."""
    if rows < limit and (rows > 0 or offset == 0):
        return offset + rows
    return session.scalar(query.with_only_columns(func.count(Complaint.id)).order_by(None)) or 0


def caller_of(session: Session, complaint: Complaint) -> ComplaintCaller | None:
    return session.get(ComplaintCaller, complaint.id)


def reveal_caller(
    session: Session, principal: Principal, complaint_id: uuid.UUID, settings: Settings
) -> tuple[str | None, str | None]:
    """The caller's name and phone in clear, for staff of the area who must call back; every
    look is in the audit log."""
    demand(principal.role, Permission.SEE_CALLERS, "see who called")
    complaint = get_visible(session, principal, complaint_id)
    caller = caller_of(session, complaint)
    if caller is None:
        return None, None
    secret = settings.resolved_secret_key
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.caller_viewed",
        subject_type="complaint",
        subject_id=complaint.id,
    )
    return (
        security.unseal(secret, caller.sealed_name) if caller.sealed_name else None,
        security.unseal(secret, caller.sealed_phone) if caller.sealed_phone else None,
    )


def timeline(session: Session, principal: Principal, complaint_id: uuid.UUID):
    complaint = get_visible(session, principal, complaint_id)
    return audit.events_for(session, "complaint", complaint.id)


# --- Assessment ---------------------------------------------------------------------------------------


@dataclass
class OnTime:
    held: int = 0
    signed_on_time: int = 0
    replied_on_time: int = 0


def on_time_counts(
    session: Session, user_ids: list[uuid.UUID], start: datetime, end: datetime
) -> dict[uuid.UUID, OnTime]:
    """For the patrol assessment 考核: complaints received in [start, end) that each worker
    holds, and of those the ones signed by the signing deadline and answered by the reply
    deadline (as extended, when an extension was granted)."""
    rows = session.execute(
        select(
            Complaint.assignee_id,
            Complaint.signed_at,
            Complaint.sign_due_at,
            Complaint.replied_at,
            Complaint.reply_due_at,
        ).where(
            Complaint.assignee_id.in_(user_ids),
            Complaint.received_at >= start,
            Complaint.received_at < end,
        )
    ).all()
    counts: dict[uuid.UUID, OnTime] = {}
    for user_id, signed_at, sign_due, replied_at, reply_due in rows:
        counted = counts.setdefault(user_id, OnTime())
        counted.held += 1
        counted.signed_on_time += bool(signed_at and sign_due and signed_at <= sign_due)
        counted.replied_on_time += bool(replied_at and replied_at <= reply_due)
    return counts
