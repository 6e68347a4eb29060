"""Rules for complaints: intake, routing, the lifecycle and its deadlines, extensions. No web
imports. Hazards are reached through their public modules, areas and people through `grids`."""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, false, select
from sqlalchemy.orm import Session

from backend.core import audit, security
from backend.core.audit import canonical_json
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from backend.notify import service as notify
from grids import workforce
from grids.enums import AreaLevel, HandlerKind
from grids.models import Area
from grids.scope import Scope, scope_of
from grids.service import Placement, place_point
from hazards import acting, deadlines, reporting
from hazards.complaints import callbacks, lifecycle, rewards, rules
from hazards.complaints.enums import (
    ComplaintAction,
    ComplaintState,
    ExtensionState,
    Finding,
    Stage,
)
from hazards.complaints.models import (
    Complaint,
    ComplaintCaller,
    ComplaintExtension,
    ComplaintRelease,
)
from hazards.complaints.schemas import ComplaintActionIn, ComplaintIntake, ComplaintOut, Location
from hazards.enums import HazardAction, HazardCategory, HazardSource
from hazards.schemas import ActionIn, HazardReport

STAFF = (Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.ADMIN)
ADDRESS_ROUTED = "address"  # route_status of a complaint placed by the area names in its address
NOT_LOCATED = "none"  # route_status of one placed at the partner's own area


class ComplaintKeyReused(Conflict):
    slug, title = "complaint-key-reused", "This channel and external id came with another body"


def working_calendar(settings: Settings):
    return deadlines.working_calendar(settings)


# --- Intake -------------------------------------------------------------------------------------


def intake_digest(body: ComplaintIntake) -> str:
    return hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode()).hexdigest()


def by_key(session: Session, channel: str, external_id: str) -> Complaint | None:
    return session.scalar(
        select(Complaint).where(Complaint.channel == channel, Complaint.external_id == external_id)
    )


def same_or_refused(existing: Complaint, digest: str, partner: Principal) -> Complaint:
    if existing.partner_id != partner.user_id:
        # Another partner's key: say nothing about that complaint.
        raise ComplaintKeyReused(
            f"external id {existing.external_id!r} on channel {existing.channel} is taken",
            field="external_id",
        )
    if existing.intake_digest != digest:
        raise ComplaintKeyReused(
            f"complaint {existing.external_id!r} on channel {existing.channel} was received "
            "with another body; send a new external id for a new complaint",
            field="external_id",
            complaint_id=str(existing.id),
        )
    return existing


def _locate(
    session: Session, complaint: Complaint, where: Location, scope: Scope, settings: Settings
) -> Placement | None:
    """Put the complaint at its point; its placement if that lies in the partner's area. A
    point elsewhere is kept (as sent) but routes nowhere: triage looks at it."""
    located, placement = place_point(
        session, where.lng, where.lat, where.crs, settings.routing_snap_m
    )
    for column in ("lng", "lat", "location", "raw_lng", "raw_lat", "raw_crs"):
        setattr(complaint, column, located[column])
    if placement is None or not scope.covers_path(placement.area_path):
        return None
    complaint.area_id, complaint.area_path = placement.area_id, placement.area_path
    complaint.route_status = placement.status.value
    return placement


def address_candidates(session: Session, scope: Scope) -> list:
    """Townships and villages of an area, by name: what an address is matched against."""
    return session.execute(
        select(Area.id, Area.name, Area.path, Area.level, Area.parent_id).where(
            Area.level.in_([AreaLevel.TOWNSHIP.value, AreaLevel.VILLAGE.value]),
            scope.area_clause(),
        )
    ).all()


def place_by_address(complaint: Complaint, candidates: list, partner_area: Row | None) -> None:
    """No usable point: the triage queue of the one township the address names (by the names of
    townships and villages in the partner's area), else of the partner's own area. No online
    geocoder is reachable from where this runs; staff put it on the map. `partner_area`: the
    partner's own area, its id and path."""
    townships: dict[uuid.UUID, str] = {}
    paths = {row.id: row.path for row in candidates}
    for row in candidates:
        if len(row.name) >= 2 and row.name in complaint.address:
            township_id = row.id if row.level == AreaLevel.TOWNSHIP.value else row.parent_id
            if township_id in paths:
                townships[township_id] = paths[township_id]
    if len(townships) == 1:
        ((area_id, path),) = townships.items()
        complaint.area_id, complaint.area_path = area_id, path
        complaint.route_status = ADDRESS_ROUTED
        return
    complaint.area_id = partner_area.id if partner_area else None
    complaint.area_path = partner_area.path if partner_area else ""
    complaint.route_status = NOT_LOCATED


def _dispatch_to_handler(
    session: Session,
    complaint: Complaint,
    placement: Placement,
    actor: audit.Actor,
    settings: Settings,
) -> None:
    """Routed to a grid: to whoever handles it now (on-duty worker, backup, grid leader). When
    only the station is left, the complaint waits in the station's triage queue."""
    if placement.grid is not None:
        handler = workforce.handlers_for(session, [placement.grid], complaint.received_at)[
            placement.area_id
        ]
        if handler.kind is not HandlerKind.TOWNSHIP_STATION and handler.user_id is not None:
            _assign(session, complaint, handler.user_id, actor, settings, reason=handler.kind.value)
            return
    _tell_triage(session, complaint)


def _assign(
    session: Session,
    complaint: Complaint,
    user_id: uuid.UUID,
    actor: audit.Actor,
    settings: Settings,
    *,
    reason: str,
    note: str | None = None,
) -> None:
    """Dispatch (派单) in place, on a complaint this transaction already holds."""
    now = utcnow()
    before = {"state": complaint.state, "assignee_id": _s(complaint.assignee_id)}
    if complaint.assignee_id and complaint.assignee_id != user_id:
        session.add(ComplaintRelease(complaint_id=complaint.id, user_id=complaint.assignee_id))
    complaint.assignee_id = user_id
    complaint.state = ComplaintState.DISPATCHED.value
    complaint.dispatched_at = now
    complaint.sign_due_at = rules.sign_due(now, settings, working_calendar(settings))
    complaint.version += 1
    set_stage(complaint)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="complaint.dispatched",
        subject_type="complaint",
        subject_id=complaint.id,
        before=before,
        after={
            "state": complaint.state,
            "assignee_id": str(user_id),
            "handler": reason,
            "sign_due_at": complaint.sign_due_at.isoformat(),
            **({"note": note} if note else {}),
        },
    )
    callbacks.enqueue(session, complaint, "dispatched")
    notify.push(
        session,
        [user_id],
        title="新投诉工单 New complaint",
        body=summary(complaint),
        data={"complaint_id": str(complaint.id), "kind": "complaint.dispatched"},
    )


def _tell_triage(session: Session, complaint: Complaint) -> None:
    notify.push(
        session,
        station_staff_for(session, complaint.area_path),
        title="投诉待分派 Complaint to triage",
        body=summary(complaint),
        data={"complaint_id": str(complaint.id), "kind": "complaint.triage"},
    )


def summary(complaint: Complaint) -> str:
    return f"{complaint.text[:60]}（{complaint.address[:30]}）"


def _s(value: Any) -> str | None:
    return str(value) if value is not None else None


def set_stage(complaint: Complaint) -> None:
    """The deadline that runs in the complaint's state becomes the sweep's next alarm."""
    stage = rules.STAGE_OF[ComplaintState(complaint.state)]
    complaint.stage = stage.value if stage else None
    complaint.reminded = False
    complaint.alarm_at = getattr(complaint, rules.DUE_COLUMN[stage]) if stage else None


def due_of(complaint: Complaint) -> datetime | None:
    return getattr(complaint, rules.DUE_COLUMN[Stage(complaint.stage)]) if complaint.stage else None


# --- What callers see ------------------------------------------------------------------------------


def complaint_view(
    complaint: Complaint, assignee_name: str | None, masked_phone: str | None
) -> ComplaintOut:
    due = due_of(complaint)
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
        next_actions=lifecycle.actions_from(ComplaintState(complaint.state)),
    )


# --- Who hears of a complaint ---------------------------------------------------------------------


def station_staff_for(session: Session, area_path: str) -> list[uuid.UUID]:
    """The township station's staff; for a complaint held at county level, the brigade's."""
    return workforce.staff_placed_at(
        session, area_path, Role.STATION_STAFF, 1
    ) or brigade_staff_for(session, area_path)


def brigade_staff_for(session: Session, area_path: str) -> list[uuid.UUID]:
    return workforce.staff_placed_at(session, area_path, Role.BRIGADE_STAFF, 0)


# --- Reading ------------------------------------------------------------------------------------


def visible_clause(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Staff see complaints in their area; a worker or grid leader the ones assigned to them;
    a partner system the ones it sent; nobody else any."""
    if principal.role in STAFF or principal.role is Role.DISPATCHER:
        return scope_of(session, principal).area_clause_on(Complaint.area_path)
    if principal.role in (Role.GRID_WORKER, Role.GRID_LEADER):
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


def by_partner_key(
    session: Session, partner: Principal, channel: str, external_id: str
) -> Complaint:
    complaint = by_key(session, channel, external_id)
    if complaint is None or complaint.partner_id != partner.user_id:
        raise NotFound(f"no complaint {external_id!r} on channel {channel}")
    return complaint


@dataclass(frozen=True)
class QueueFilter:
    state: ComplaintState | None = None
    triage: bool = False  # received and not yet assigned
    overdue: bool = False
    area_path: str | None = None


def queue(session: Session, principal: Principal, where: QueueFilter) -> Select:
    query = select(Complaint).where(visible_clause(session, principal))
    if where.state is not None:
        query = query.where(Complaint.state == where.state.value)
    if where.triage:
        query = query.where(Complaint.state == ComplaintState.RECEIVED.value)
    if where.overdue:
        query = query.where(Complaint.alarm_at.is_not(None), Complaint.alarm_at <= utcnow())
    if where.area_path:
        query = query.where(Complaint.area_path.startswith(where.area_path, autoescape=True))
    return query.order_by(Complaint.received_at.desc(), Complaint.id)


def caller_of(session: Session, complaint: Complaint) -> ComplaintCaller | None:
    return session.get(ComplaintCaller, complaint.id)


def reveal_caller(
    session: Session, principal: Principal, complaint_id: uuid.UUID, settings: Settings
) -> tuple[str | None, str | None]:
    """The caller's name and phone in clear, for staff of the area who must call back; every
    look is in the audit log."""
    if principal.role not in (Role.STATION_STAFF, Role.BRIGADE_STAFF):
        raise Forbidden("only station and brigade staff may see who called")
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


# --- Triage: placing on the map -------------------------------------------------------------------


def place(
    session: Session,
    principal: Principal,
    complaint_id: uuid.UUID,
    where: Location,
    version: int | None,
    settings: Settings,
) -> Complaint:
    """Staff put a complaint from the triage queue on the map; it routes from there to whoever
    handles that grid (or stays with the station when nobody does)."""
    _require(principal, STAFF)
    complaint = _hold(session, principal, complaint_id, version)
    if complaint.state != ComplaintState.RECEIVED.value:
        raise lifecycle.ComplaintTransitionNotAllowed(
            f"only complaints in triage are placed; this one is {complaint.state}",
            state=complaint.state,
        )
    before = {"area_path": complaint.area_path, "route_status": complaint.route_status}
    placement = _locate(session, complaint, where, scope_of(session, principal), settings)
    if placement is None:
        raise InvalidInput("that point is outside your area", field="location")
    complaint.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.placed",
        subject_type="complaint",
        subject_id=complaint.id,
        before=before,
        after={
            "area_path": complaint.area_path,
            "route_status": complaint.route_status,
            "lng": complaint.raw_lng,
            "lat": complaint.raw_lat,
            "crs": complaint.raw_crs,
        },
    )
    _dispatch_to_handler(session, complaint, placement, principal.actor, settings)
    return complaint


def _require(principal: Principal, roles: tuple[Role, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"a {principal.role} may not do this")


def _hold(
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


# --- The lifecycle --------------------------------------------------------------------------------

# What the hotline hears of each step (callbacks.py sends it; docs/complaints.md maps it).
HOTLINE_EVENTS = {
    ComplaintAction.SIGN: "signed",
    ComplaintAction.VERIFY: "verifying",
    ComplaintAction.REPLY: "replied",
    ComplaintAction.CLOSE: "closed",
    ComplaintAction.REOPEN: "reopened",
}


def act(
    session: Session,
    principal: Principal,
    complaint_id: uuid.UUID,
    body: ComplaintActionIn,
    settings: Settings,
) -> Complaint:
    complaint = _hold(session, principal, complaint_id, body.version)
    transition = lifecycle.transition_for(ComplaintState(complaint.state), body.action)
    lifecycle.COMPLAINT_LIFECYCLE.check_role(transition, principal.role)
    if (
        transition.has(lifecycle.ASSIGNEE_ONLY)
        and principal.role in (Role.GRID_WORKER, Role.GRID_LEADER)
        and complaint.assignee_id != principal.user_id
    ):
        raise lifecycle.NotYourComplaint("only the worker it is assigned to may do this")
    lifecycle.COMPLAINT_LIFECYCLE.check_needs(transition, body)
    if body.action is ComplaintAction.DISPATCH:
        assignee = _assignable(session, principal, complaint, body.assignee_id)  # type: ignore[arg-type]
        _assign(
            session,
            complaint,
            assignee.id,
            principal.actor,
            settings,
            reason="staff",
            note=body.note,
        )
        return complaint
    before = {"state": complaint.state, "version": complaint.version}
    now = utcnow()
    after: dict[str, Any] = {}
    if body.action is ComplaintAction.SIGN:
        complaint.signed_at = now
    elif body.action is ComplaintAction.RETURN:
        session.add(ComplaintRelease(complaint_id=complaint.id, user_id=complaint.assignee_id))
        after["returned_by"] = _s(complaint.assignee_id)
        complaint.assignee_id = None
        complaint.return_reason = body.note
    elif body.action is ComplaintAction.VERIFY:
        complaint.verified_at = now
        complaint.finding = body.finding.value  # type: ignore[union-attr]
        complaint.verification_note = body.note
        if body.finding is Finding.HAZARD_FOUND:
            after["hazard_id"] = str(_hazard_from(session, principal, complaint, body, settings))
    elif body.action is ComplaintAction.REPLY:
        complaint.replied_at = now
        complaint.reply = body.reply
    elif body.action is ComplaintAction.CLOSE:
        complaint.closed_at = now
    elif body.action is ComplaintAction.REOPEN:
        calendar = working_calendar(settings)
        complaint.dispatched_at = now
        complaint.sign_due_at = rules.sign_due(now, settings, calendar)
        complaint.verify_due_at = rules.verify_due(now, complaint.urgent, settings, calendar)
        complaint.reply_due_at = rules.reply_due(now, None, settings, calendar)
        complaint.closed_at = None
    complaint.state = transition.target.value
    complaint.version += 1
    set_stage(complaint)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=f"complaint.{body.action.value}",
        subject_type="complaint",
        subject_id=complaint.id,
        before=before,
        after={
            "state": complaint.state,
            **({"note": body.note} if body.note else {}),
            **({"finding": body.finding.value} if body.finding else {}),
            **({"reply": body.reply} if body.reply else {}),
            **after,
        },
    )
    event = HOTLINE_EVENTS.get(body.action)
    if event:
        callbacks.enqueue(session, complaint, event, note=body.note)
    if body.action is ComplaintAction.RETURN:
        _tell_triage(session, complaint)
    if body.action is ComplaintAction.REOPEN and complaint.assignee_id:
        notify.push(
            session,
            [complaint.assignee_id],
            title="投诉重办 Complaint reopened",
            body=summary(complaint),
            data={"complaint_id": str(complaint.id), "kind": "complaint.reopened"},
        )
    return complaint


def _assignable(
    session: Session, principal: Principal, complaint: Complaint, user_id: uuid.UUID
) -> User:
    """A grid worker or grid leader the dispatching staff may manage."""
    user = workforce.user_in_scope(session, scope_of(session, principal), user_id)
    if Role(user.role) not in (Role.GRID_WORKER, Role.GRID_LEADER) or not user.is_active:
        raise InvalidInput("complaints go to grid workers or grid leaders", field="assignee_id")
    return user


def _hazard_from(
    session: Session,
    principal: Principal,
    complaint: Complaint,
    body: ComplaintActionIn,
    settings: Settings,
) -> uuid.UUID:
    """The worker saw it on site: it becomes a confirmed hazard, linked both ways, and its first
    real-name reporter may be rewarded."""
    where = body.location
    if where is None and complaint.raw_lng is not None:
        where = Location(lng=complaint.raw_lng, lat=complaint.raw_lat, crs=complaint.raw_crs)
    if where is None:
        raise lifecycle.ComplaintActionIncomplete(
            "a hazard found on site needs its location (the complaint has none)",
            fields=["location"],
        )
    category = body.hazard_category or (
        HazardCategory(complaint.category) if complaint.category else HazardCategory.OTHER
    )
    hazard, _created = reporting.report(
        session,
        principal,
        HazardReport(
            id=body.hazard_id,
            category=category,
            source=HazardSource.COMPLAINT,
            description=(body.note or complaint.text)[:2000],
            lng=where.lng,
            lat=where.lat,
            crs=where.crs,
            premises_id=body.premises_id,
        ),
        settings,
    )
    acting.act(session, principal, hazard.id, ActionIn(action=HazardAction.CONFIRM), settings)
    complaint.hazard_id = hazard.id
    rewards.consider(session, complaint, hazard.id, settings)
    return hazard.id


# --- Extensions 延期 -------------------------------------------------------------------------------


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
    complaint = _hold(session, principal, complaint_id, None)
    if principal.role in (Role.GRID_WORKER, Role.GRID_LEADER):
        if complaint.assignee_id != principal.user_id:
            raise lifecycle.NotYourComplaint("only the worker it is assigned to may ask")
    elif principal.role not in STAFF:
        raise Forbidden(f"a {principal.role} may not ask for more time")
    due = due_of(complaint)
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
        station_staff_for(session, complaint.area_path),
        title="投诉延期申请 Extension asked",
        body=summary(complaint),
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
    _require(principal, STAFF)
    extension = session.get(ComplaintExtension, extension_id)
    if extension is None:
        raise NotFound(f"no extension with id {extension_id}")
    try:
        complaint = _hold(session, principal, extension.complaint_id, None)
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
        new_due = working_calendar(settings).deadline(
            old_due - timedelta(seconds=1), extension.working_days
        )
        setattr(complaint, column, new_due)
        if Stage(extension.stage) is Stage.VERIFY and complaint.reply_due_at < new_due:
            complaint.reply_due_at = new_due  # a reply cannot be due before the check it answers
        complaint.version += 1
        if complaint.stage == extension.stage:
            set_stage(complaint)
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
