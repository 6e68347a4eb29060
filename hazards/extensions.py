"""A unit's request for more time to rectify (延期整改申请), and staff's decision. No web imports.

Before this, a hazard's deadline moved only by a step (an order, a failed recheck) or by the
service of its notice. A unit that needs longer asks through its link (notices.unitlink) with a
reason and the calendar days it asks for; the request waits, one at a time per hazard, for
staff who may decide it (`Permission.DECIDE_HAZARD_EXTENSIONS`, in their scope): granted, the
deadline moves by the days granted (at most those asked) from the deadline as it stands, and
the hazard's clock and credit deadline follow; refused, nothing moves. Only a hazard waiting
on its deadline (ordered, or failed on recheck) may be asked for. Every step is on the hazard's
timeline."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.calendar import calendar_deadline
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.premises.models import Premises
from grids.scope import scope_of
from hazards.acting import SERVED_DEADLINE_STATES
from hazards.deadlines import start_clock
from hazards.enums import EXTENSION_TRANSITIONS, ExtensionState, ExtensionStep, HazardState
from hazards.models import Hazard, HazardExtensionRequest
from hazards.reading import get_visible


class ExtensionNotOpen(Conflict):
    slug, title = "extension-not-open", "This hazard is not waiting on a deadline"


class ExtensionPending(Conflict):
    slug, title = "extension-pending", "A request for more time is already waiting"


class NoExtensionPending(Conflict):
    slug, title = "no-extension-pending", "No request for more time is waiting"


def ask(
    session: Session, principal: Principal, hazard: Hazard, reason: str, days: int
) -> HazardExtensionRequest:
    """Record a request for `days` more calendar days, by `principal` (the unit's link client:
    the caller has checked the hazard is the unit's)."""
    if HazardState(hazard.state) not in SERVED_DEADLINE_STATES:
        raise ExtensionNotOpen(
            f"a hazard that is {hazard.state} is not waiting on a deadline", field="hazard_id"
        )
    if pending_of(session, hazard.id) is not None:
        raise ExtensionPending("a request for more time is already waiting for a decision")
    request = HazardExtensionRequest(
        hazard_id=hazard.id,
        state=ExtensionState.PENDING.value,
        reason=reason,
        days=days,
        deadline_before=hazard.rectification_deadline,
        requested_by=principal.user_id,
    )
    session.add(request)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.extension_requested",
        subject_type="hazard",
        subject_id=hazard.id,
        after={"request_id": str(request.id), "days": days, "reason": reason},
    )
    return request


def pending_of(session: Session, hazard_id: uuid.UUID) -> HazardExtensionRequest | None:
    return session.scalar(
        select(HazardExtensionRequest).where(
            HazardExtensionRequest.hazard_id == hazard_id,
            HazardExtensionRequest.state == ExtensionState.PENDING.value,
        )
    )


def of_hazard(session: Session, hazard_id: uuid.UUID) -> list[HazardExtensionRequest]:
    return list(
        session.scalars(
            select(HazardExtensionRequest)
            .where(HazardExtensionRequest.hazard_id == hazard_id)
            .order_by(HazardExtensionRequest.requested_at, HazardExtensionRequest.id)
        )
    )


def queue(session: Session, principal: Principal, state: ExtensionState | None) -> Select:
    """Requests of the hazards in the caller's area, for those who decide them, each with its
    hazard and premises' name: rows of (request, hazard, premises name or None). The waiting
    ones oldest first (the longest waiting on top); decided ones newest first."""
    demand(principal.role, Permission.DECIDE_HAZARD_EXTENSIONS, "decide requests for more time")
    query = (
        select(HazardExtensionRequest, Hazard, Premises.name)
        .join(Hazard, Hazard.id == HazardExtensionRequest.hazard_id)
        .outerjoin(Premises, Premises.id == Hazard.premises_id)
        .where(scope_of(session, principal).area_clause_on(Hazard.area_path))
    )
    if state is not None:
        query = query.where(HazardExtensionRequest.state == state.value)
    if state is ExtensionState.PENDING:
        return query.order_by(HazardExtensionRequest.requested_at, HazardExtensionRequest.id)
    return query.order_by(HazardExtensionRequest.requested_at.desc(), HazardExtensionRequest.id)


def count(session: Session, query: Select) -> int:
    return session.scalar(select(func.count()).select_from(query.order_by(None).subquery())) or 0


def visible_requests(
    session: Session, principal: Principal, hazard_id: uuid.UUID
) -> list[HazardExtensionRequest]:
    """A hazard's requests for whoever may see the hazard."""
    return of_hazard(session, get_visible(session, principal, hazard_id).id)


def decide(
    session: Session,
    settings: Settings,
    principal: Principal,
    hazard_id: uuid.UUID,
    grant: bool,
    days: int | None,
    note: str | None,
) -> HazardExtensionRequest:
    """Grant (`days`, at most those asked; none: all of them) or refuse the waiting request."""
    demand(principal.role, Permission.DECIDE_HAZARD_EXTENSIONS, "decide requests for more time")
    hazard = get_visible(session, principal, hazard_id)
    if not scope_of(session, principal).covers_path(hazard.area_path or "\0"):
        raise NotFound(f"no hazard with id {hazard_id}")
    request = pending_of(session, hazard.id)
    if request is None:
        raise NoExtensionPending(f"hazard {hazard_id} has no request for more time waiting")
    step = ExtensionStep.GRANT if grant else ExtensionStep.REFUSE
    target = EXTENSION_TRANSITIONS[(ExtensionState(request.state), step)]
    now = utcnow()
    granted = None
    if grant:
        granted = days or request.days
        if granted > request.days:
            raise InvalidInput(f"the unit asked for {request.days} days at most", field="days")
        if HazardState(hazard.state) not in SERVED_DEADLINE_STATES:
            raise ExtensionNotOpen(f"the hazard is {hazard.state} now; nothing to extend")
    changed = session.execute(
        update(HazardExtensionRequest)
        .where(
            HazardExtensionRequest.id == request.id,
            HazardExtensionRequest.state == ExtensionState.PENDING.value,
        )
        .values(
            state=target.value,
            decided_at=now,
            decided_by=principal.user_id,
            granted_days=granted,
            decision_note=note,
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise NoExtensionPending("the request was decided meanwhile")
    session.refresh(request)
    if granted:
        request.deadline_after = _extend(session, settings, hazard, granted, now)
        session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action=f"hazard.extension_{target.value}",
        subject_type="hazard",
        subject_id=hazard.id,
        before={"rectification_deadline": _iso(request.deadline_before)},
        after={
            "request_id": str(request.id),
            "days": granted,
            "note": note,
            "rectification_deadline": _iso(request.deadline_after or hazard.rectification_deadline),
        },
    )
    return request


def _extend(
    session: Session, settings: Settings, hazard: Hazard, days: int, now: datetime
) -> datetime:
    """Move the hazard's deadline by `days` calendar days from where it stands (from now when
    it has passed or none is set); its clock and credit deadline follow."""
    locked = session.scalar(select(Hazard).where(Hazard.id == hazard.id).with_for_update())
    assert locked is not None
    base = locked.rectification_deadline
    # A deadline is the end of its last day (the next day's 00:00): count from that last day,
    # or 7 days granted would move it by 8.
    last_day = base - timedelta(microseconds=1) if base and base > now else now
    deadline = calendar_deadline(last_day, days)
    locked.rectification_deadline = deadline
    locked.credit_overdue_at = deadline
    locked.version += 1
    start_clock(locked, settings, now)
    session.flush()
    return deadline


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
