"""What this caller may do with each complaint now: the console offers exactly these buttons.

The lifecycle table says which steps leave a state and which roles take them. On top of that a
caller acts only on what they may see (`reading.visible_clause`: staff their area, a worker or
grid leader the complaints assigned to them, a partner the ones it sent), and a field role takes
an assignee step only on its own complaint. Besides the table's steps: staff place a complaint
waiting in triage on the map, the assignee or staff ask for more time while a deadline runs and
no request waits, and staff decide what was asked.

The refusals in `acting`, `dispatch.place` and `extensions` stay the authority: this only
predicts them, for a whole page in at most two queries (the caller's scope and the extensions
waiting for a decision). Phones' synced `next_actions` (offline sync, a fixed protocol) keep
listing every step from the state.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.identity.enums import Role
from backend.identity.permissions import Permission, may
from backend.identity.service import Principal
from complaints import lifecycle, rules
from complaints.enums import ComplaintAction, ComplaintState, ExtensionState, Finding
from complaints.models import Complaint, ComplaintExtension
from grids.scope import Scope, scope_of


@dataclass
class Available:
    steps: list[lifecycle.Transition] = field(default_factory=list)  # the rows behind actions
    may_place: bool = False  # triage: put it on the map (`POST …/location`)
    may_ask_extension: bool = False  # `POST …/extensions`
    may_decide_extensions: bool = False  # `POST /complaints/extensions/{id}/decision`

    @property
    def actions(self) -> list[ComplaintAction]:
        return [row.action for row in self.steps]

    @property
    def needs(self) -> dict[ComplaintAction, list[str]]:
        """What each of the steps must carry (a console's form for it)."""
        return {row.action: list(row.needs) for row in self.steps}


def available_to(
    session: Session, principal: Principal, complaints: list[Complaint]
) -> dict[uuid.UUID, Available]:
    """Per complaint, what the caller may do now."""
    staff = may(principal.role, Permission.MANAGE_COMPLAINTS)
    field_role = may(principal.role, Permission.WORK_IN_THE_FIELD)
    scope = (
        scope_of(session, principal)
        if complaints and may(principal.role, Permission.SEE_AREA_COMPLAINTS)
        else None
    )
    asking = staff or field_role
    waiting = _waiting_extensions(session, complaints) if asking else set()
    now = utcnow()

    found: dict[uuid.UUID, Available] = {}
    for complaint in complaints:
        available = found[complaint.id] = Available()
        if not _visible(principal, scope, complaint):
            continue
        state = ComplaintState(complaint.state)
        mine = complaint.assignee_id == principal.user_id
        available.steps = [
            row
            for row in lifecycle.COMPLAINT_LIFECYCLE.rows_from(state, principal.role)
            if (mine or not (field_role and row.has(lifecycle.ASSIGNEE_ONLY)))
            and not row.has(lifecycle.REPORTER_ONLY)  # taken only through complaints.citizens
            and (
                not row.has(lifecycle.NOT_FIRE_RELATED)
                or complaint.finding == Finding.NOT_FIRE_RELATED.value
            )
        ]
        available.may_place = staff and state is ComplaintState.RECEIVED
        due = rules.due_of(complaint)
        available.may_ask_extension = (
            (staff or (field_role and mine))
            and due is not None
            and due > now
            and complaint.id not in waiting
        )
        available.may_decide_extensions = staff
    return found


def partner_steps(state: ComplaintState) -> Available:
    """What the partner that sent a complaint may do with it (its 回访), for the answer to its
    own intake: a partner sees every complaint it sent, so its role alone decides."""
    return Available(
        steps=[
            row
            for row in lifecycle.COMPLAINT_LIFECYCLE.rows_from(state, Role.INTEGRATION)
            if not row.has(lifecycle.REPORTER_ONLY)
        ]
    )


def _visible(principal: Principal, scope: Scope | None, complaint: Complaint) -> bool:
    """`reading.visible_clause` for a complaint in hand (one just changed may have left the
    caller's sight: a worker who returned it no longer holds it)."""
    if scope is not None:
        return scope.covers_path(complaint.area_path)
    if may(principal.role, Permission.WORK_IN_THE_FIELD):
        return complaint.assignee_id == principal.user_id
    if principal.role is Role.INTEGRATION:
        return complaint.partner_id == principal.user_id
    return False


def _waiting_extensions(session: Session, complaints: list[Complaint]) -> set[uuid.UUID]:
    """The complaints whose extension request waits for a decision (one may wait at a time)."""
    if not complaints:
        return set()
    return set(
        session.scalars(
            select(ComplaintExtension.complaint_id).where(
                ComplaintExtension.complaint_id.in_([c.id for c in complaints]),
                ComplaintExtension.state == ExtensionState.REQUESTED.value,
            )
        )
    )
