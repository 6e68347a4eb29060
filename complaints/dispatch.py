"""Routing, triage and dispatch (派单): where a complaint goes, and the one way it gets there.

A complaint placed in a grid goes to whoever handles that grid (on-duty worker, backup, grid
leader); when only the township station is left, or it could not be placed, it waits in the
station's triage queue and the station's staff hear of it. Staff dispatching by hand, staff
placing a complaint from the triage queue, and the intake writer taking a group of new
complaints all write a dispatch through the functions here: the complaint's state, assignee
and signing deadline with the audit event (`mark_dispatched`), the assignee's push
(`dispatched_message`) and the hotline's callback (`callbacks.callback_row`, event
`HOTLINE_EVENT`). `assign` writes them at once on a complaint the transaction holds; the intake
writer collects them for one multi-row insert per table (decision 0016). No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Row, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.calendar import WorkingCalendar
from backend.core.db import utcnow
from backend.core.errors import InvalidInput
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from backend.notify import service as notify
from complaints import callbacks, lifecycle, rules
from complaints.enums import ComplaintState
from complaints.models import Complaint, ComplaintRelease
from complaints.reading import get_visible, hold
from complaints.schemas import Location
from grids import workforce
from grids.enums import AreaLevel, HandlerKind
from grids.models import Area
from grids.scope import Scope, scope_of
from grids.service import Placement, place_point

ADDRESS_ROUTED = "address"  # route_status of a complaint placed by the area names in its address
NOT_LOCATED = "none"  # route_status of one placed at the partner's own area
HOTLINE_EVENT = "dispatched"  # what the hotline hears of a dispatch (callbacks.py)

Message = tuple[str, str, dict[str, str]]  # a push's title, body and data


# --- Where a complaint is ----------------------------------------------------------------------


def apply_placement(
    complaint: Any, located: dict[str, Any], placement: Placement | None, scope: Scope
) -> Placement | None:
    """Put the complaint at its point (`located`: its columns as `place_point` gives them); its
    placement if that lies in the partner's or staff member's area. A point elsewhere is kept
    (as sent) but routes nowhere: triage looks at it. Takes a `Complaint` or intake's draft."""
    for column in ("lng", "lat", "location", "raw_lng", "raw_lat", "raw_crs"):
        setattr(complaint, column, located[column])
    if placement is None or not scope.covers_path(placement.area_path):
        return None
    complaint.area_id, complaint.area_path = placement.area_id, placement.area_path
    complaint.route_status = placement.status.value
    return placement


def locate(
    session: Session, complaint: Complaint, where: Location, scope: Scope, settings: Settings
) -> Placement | None:
    located, placement = place_point(
        session, where.lng, where.lat, where.crs, settings.routing_snap_m
    )
    return apply_placement(complaint, located, placement, scope)


def address_candidates(session: Session, scope: Scope) -> list:
    """Townships and villages of an area, by name: what an address is matched against."""
    return session.execute(
        select(Area.id, Area.name, Area.path, Area.level, Area.parent_id).where(
            Area.level.in_([AreaLevel.TOWNSHIP.value, AreaLevel.VILLAGE.value]),
            scope.area_clause(),
        )
    ).all()


def place_by_address(complaint: Any, candidates: list, partner_area: Row | None) -> None:
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


# --- Who it goes to, and who hears of it -----------------------------------------------------------


def assignee_for(handler: workforce.Handler | None) -> uuid.UUID | None:
    """The person a complaint routed to this handler is dispatched to; None when only the
    township station is left (its staff triage it)."""
    if handler is None or handler.kind is HandlerKind.TOWNSHIP_STATION:
        return None
    return handler.user_id


def station_staff_for(session: Session, area_path: str) -> list[uuid.UUID]:
    """The township station's staff; for a complaint held at county level, the brigade's."""
    return workforce.staff_placed_at(
        session, area_path, Role.STATION_STAFF, 1
    ) or brigade_staff_for(session, area_path)


def brigade_staff_for(session: Session, area_path: str) -> list[uuid.UUID]:
    return workforce.staff_placed_at(session, area_path, Role.BRIGADE_STAFF, 0)


def summary(complaint: Any) -> str:
    return f"{complaint.text[:60]}（{complaint.address[:30]}）"


def dispatched_message(complaint: Any) -> Message:
    """What the assignee's phone shows."""
    return (
        "新投诉工单",
        summary(complaint),
        {"complaint_id": str(complaint.id), "kind": "complaint.dispatched"},
    )


def triage_message(complaint: Any) -> Message:
    """What the station's staff see of a complaint waiting for them."""
    return (
        "投诉待分派",
        summary(complaint),
        {"complaint_id": str(complaint.id), "kind": "complaint.triage"},
    )


# --- Dispatch --------------------------------------------------------------------------------------


def mark_dispatched(
    complaint: Any,
    user_id: uuid.UUID,
    actor: audit.Actor,
    *,
    now: datetime,
    settings: Settings,
    calendar: WorkingCalendar,
    reason: str,
    note: str | None = None,
) -> audit.Entry:
    """Dispatch the complaint to `user_id` in place: its state, assignee, signing deadline and
    running stage. The audit event that records it, for the caller to append. `reason`: the
    handler kind that routing chose, or "staff". Takes a `Complaint` or intake's draft."""
    before = {"state": complaint.state, "assignee_id": _s(complaint.assignee_id)}
    complaint.assignee_id = user_id
    complaint.state = ComplaintState.DISPATCHED.value
    complaint.dispatched_at = now
    complaint.sign_due_at = rules.sign_due(now, settings, calendar)
    complaint.version += 1
    rules.set_stage(complaint)
    return audit.Entry(
        actor,
        "complaint.dispatched",
        "complaint",
        complaint.id,
        before=before,
        after={
            "state": complaint.state,
            "assignee_id": str(user_id),
            "handler": reason,
            "sign_due_at": complaint.sign_due_at.isoformat(),
            **({"note": note} if note else {}),
        },
    )


def assign(
    session: Session,
    complaint: Complaint,
    user_id: uuid.UUID,
    actor: audit.Actor,
    settings: Settings,
    *,
    reason: str,
    note: str | None = None,
) -> None:
    """Dispatch a complaint this transaction holds, and write what goes with it: the audit
    event, the hotline's callback, the assignee's push. Whoever held it before is released."""
    if complaint.assignee_id and complaint.assignee_id != user_id:
        session.add(ComplaintRelease(complaint_id=complaint.id, user_id=complaint.assignee_id))
    event = mark_dispatched(
        complaint,
        user_id,
        actor,
        now=utcnow(),
        settings=settings,
        calendar=rules.working_calendar(settings),
        reason=reason,
        note=note,
    )
    session.flush()
    audit.record_many(session, [event])
    callbacks.enqueue(session, complaint, HOTLINE_EVENT)
    title, body, data = dispatched_message(complaint)
    notify.push(session, [user_id], title=title, body=body, data=data)


def tell_triage(session: Session, complaint: Complaint) -> None:
    title, body, data = triage_message(complaint)
    notify.push(
        session, station_staff_for(session, complaint.area_path), title=title, body=body, data=data
    )


def route(
    session: Session,
    complaint: Complaint,
    placement: Placement,
    actor: audit.Actor,
    settings: Settings,
) -> None:
    """Routed to a grid: to whoever handles it now. When only the station is left, the
    complaint waits in the station's triage queue."""
    if placement.grid is not None:
        handler = workforce.handlers_for(session, [placement.grid], complaint.received_at)[
            placement.area_id
        ]
        user_id = assignee_for(handler)
        if user_id is not None:
            assign(session, complaint, user_id, actor, settings, reason=handler.kind.value)
            return
    tell_triage(session, complaint)


@dataclass(frozen=True)
class Candidate:
    """Someone a complaint may be dispatched to; `recommended`: whom routing picks now."""

    member: workforce.Member
    recommended: bool


def candidates(session: Session, principal: Principal, complaint_id: uuid.UUID) -> list[Candidate]:
    """Whom staff may dispatch a complaint to, by name: for one placed in a grid, the grid's
    workers (primary first) and its village's grid leaders, the one routing would choose now
    marked; for one waiting at a township or village, the workers of every grid under it and
    its grid leaders. Each person once, with their duty today and a masked phone."""
    demand(principal.role, Permission.MANAGE_COMPLAINTS, "dispatch complaints")
    complaint = get_visible(session, principal, complaint_id)
    area = session.get(Area, complaint.area_id) if complaint.area_id else None
    if area is None:
        return []
    chosen = None
    if AreaLevel(area.level) is AreaLevel.GRID:
        places = workforce.grid_places(session, [area.id])
        if places:
            chosen = workforce.handlers_for(session, places)[area.id].user_id
    seen: set[uuid.UUID] = set()
    found = []
    for member in workforce.field_people_under(session, area):
        if member.user_id not in seen:
            seen.add(member.user_id)
            found.append(Candidate(member, member.user_id == chosen))
    return found


def _s(value: Any) -> str | None:
    return str(value) if value is not None else None


# --- Triage: staff place a complaint on the map -----------------------------------------------------


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
    demand(principal.role, Permission.MANAGE_COMPLAINTS, "do this")
    complaint = hold(session, principal, complaint_id, version)
    if complaint.state != ComplaintState.RECEIVED.value:
        raise lifecycle.ComplaintTransitionNotAllowed(
            f"only complaints in triage are placed; this one is {complaint.state}",
            state=complaint.state,
        )
    before = {"area_path": complaint.area_path, "route_status": complaint.route_status}
    placement = locate(session, complaint, where, scope_of(session, principal), settings)
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
    route(session, complaint, placement, principal.actor, settings)
    return complaint
