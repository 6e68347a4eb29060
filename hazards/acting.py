"""Steps on a hazard: who may take one (hazards/lifecycle.py), the approvals an enforcement step
waits for (双人执法), and applying it. What follows from a step (pushes, the unit's credit
record) is declared on its row and runs as the row's effects, in the step's transaction."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.audit import Actor
from backend.core.calendar import calendar_deadline
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.service import Principal
from grids.scope import scope_of
from hazards import lifecycle
from hazards.deadlines import (
    DEADLINE_STATES,
    GOVERNMENT_STATES,
    MAJOR_STATES,
    start_clock,
    working_calendar,
)
from hazards.enums import EscalationLevel, HazardAction, HazardState, Severity
from hazards.lifecycle import HAZARD_LIFECYCLE, HazardStep
from hazards.models import Hazard, HazardDecision, HazardPhoto
from hazards.reading import get_visible
from hazards.schemas import ActionIn


@dataclass(frozen=True)
class ActOutcome:
    hazard: Hazard
    pending: HazardDecision | None = None  # an enforcement step still waiting for approvers


def act(
    session: Session,
    principal: Principal,
    hazard_id: uuid.UUID,
    body: ActionIn,
    settings: Settings,
    *,
    for_unit: bool = False,
) -> ActOutcome:
    """Take a step. An integration client acts only `for_unit`: the unit's link client
    (notices.unitlink) submitting the unit's rectification; a hotline's client never."""
    if principal.role is Role.INTEGRATION and not for_unit:
        raise lifecycle.RoleMayNotAct(f"a {principal.role} may not {body.action.value}")
    hazard = get_visible(session, principal, hazard_id)
    if not scope_of(session, principal).covers_path(hazard.area_path or "\0"):
        raise NotFound(f"no hazard with id {hazard_id}")  # a reporter sees but does not act
    if body.version is not None and body.version != hazard.version:
        raise lifecycle.HazardChangedMeanwhile(
            f"hazard is at version {hazard.version}, you sent {body.version}",
            current_version=hazard.version,
        )
    transition = HAZARD_LIFECYCLE.allowed(
        HazardState(hazard.state), body.action, principal.role, body
    )
    if body.action is HazardAction.SUBMIT_RECTIFICATION and not _has_after_photo(
        session, hazard.id
    ):
        raise lifecycle.ActionIncomplete(
            "submitting a rectification needs an 'after' photo", fields=["photos"]
        )
    if body.action is HazardAction.MARK_DUPLICATE:
        original = get_visible(session, principal, body.duplicate_of)  # type: ignore[arg-type]
        if original.id == hazard.id:
            raise InvalidInput("a hazard cannot duplicate itself", field="duplicate_of")
    if not transition.enforcement:
        return ActOutcome(
            apply(session, principal, hazard, transition, body, settings, [str(principal.user_id)])
        )
    return _approve(session, principal, hazard, transition, body, settings)


def _approve(
    session: Session,
    principal: Principal,
    hazard: Hazard,
    transition: lifecycle.Transition,
    body: ActionIn,
    settings: Settings,
) -> ActOutcome:
    """双人执法: the step applies once `approvers` distinct officers with valid certificates
    have each approved it; until then it waits as a decision."""
    if not principal.certified_today:
        raise lifecycle.CertificateRequired(f"{body.action.value} needs a certified officer")
    decision = session.scalar(
        select(HazardDecision).where(
            HazardDecision.hazard_id == hazard.id,
            HazardDecision.action == body.action.value,
            HazardDecision.from_state == hazard.state,
            HazardDecision.done.is_(False),
        )
    )
    me = str(principal.user_id)
    if decision is None:
        decision = HazardDecision(
            hazard_id=hazard.id,
            from_state=hazard.state,
            action=body.action.value,
            payload=body.model_dump(mode="json", exclude_none=True),
            approvers=[me],
            required=transition.approvers,
        )
        session.add(decision)
    elif me in decision.approvers:
        raise lifecycle.AlreadyApproved(
            f"you already approved {body.action.value}; another officer must"
        )
    else:
        decision.approvers = [*decision.approvers, me]
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.approval",
        subject_type="hazard",
        subject_id=hazard.id,
        after={
            "step": body.action.value,
            "approvals": len(decision.approvers),
            "required": decision.required,
        },
    )
    if len(decision.approvers) < decision.required:
        return ActOutcome(hazard, decision)
    decision.done = True
    agreed = ActionIn.model_validate(
        decision.payload | {"action": body.action.value, "version": None}
    )
    return ActOutcome(
        apply(session, principal, hazard, transition, agreed, settings, decision.approvers)
    )


def apply(
    session: Session,
    principal: Principal,
    hazard: Hazard,
    transition: lifecycle.Transition,
    body: ActionIn,
    settings: Settings,
    approvers: list[str],
) -> Hazard:
    """The transition as a conditional update on (state, version): a concurrent change makes it
    fail instead of being overwritten. The row's effects run once the hazard has moved, before
    the step's own audit event."""
    now = utcnow()
    before = {"state": hazard.state, "level": hazard.level, "version": hazard.version}
    values: dict[str, Any] = {
        "state": transition.target.value,
        "version": hazard.version + 1,
        "is_open": not transition.target.is_closed,
        "closed_at": now if transition.target.is_closed else None,
    }
    calendar = working_calendar(settings)
    if body.period_days:  # calendar days; until the notice is served, from the order
        values["rectification_deadline"] = calendar_deadline(now, body.period_days)
    elif body.deadline_working_days:
        values["rectification_deadline"] = calendar.deadline(now, body.deadline_working_days)
    if transition.action is HazardAction.FAIL_VERIFICATION:
        values["failed_rechecks"] = hazard.failed_rechecks + 1
    if transition.action is HazardAction.MARK_DUPLICATE:
        values["duplicate_of_id"] = body.duplicate_of
    if transition.action is HazardAction.DETERMINE_NOT_MAJOR:
        values["severity"] = Severity.ORDINARY.value
    if transition.target in MAJOR_STATES:
        values["severity"] = Severity.MAJOR.value
        # A major hazard goes straight to the county brigade; never back down by itself.
        floor = (
            EscalationLevel.GOVERNMENT
            if transition.target in GOVERNMENT_STATES
            else EscalationLevel.COUNTY
        )
        if hazard.level < floor:
            values["level"], values["level_since"] = int(floor), now
    if body.listing_level:
        values["listing_level"] = body.listing_level.value
    deadline = values.get("rectification_deadline", hazard.rectification_deadline)
    values["credit_overdue_at"] = deadline if transition.target in DEADLINE_STATES else None
    changed = session.execute(
        update(Hazard)
        .where(
            Hazard.id == hazard.id, Hazard.state == hazard.state, Hazard.version == hazard.version
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise lifecycle.HazardChangedMeanwhile(
            f"hazard {hazard.id} changed while you acted; reload it"
        )
    session.refresh(hazard)
    start_clock(hazard, settings, now)
    HAZARD_LIFECYCLE.run_effects(
        transition,
        HazardStep(session, hazard, transition, principal.user_id, settings, body, principal.actor),
    )
    after = {
        "state": hazard.state,
        "level": hazard.level,
        "version": hazard.version,
        **body.model_dump(mode="json", exclude_none=True, exclude={"action", "version"}),
    }
    if len(approvers) > 1:
        after["approvers"] = approvers
    audit.record(
        session,
        actor=principal.actor,
        action=f"hazard.{transition.action.value}",
        subject_type="hazard",
        subject_id=hazard.id,
        before=before,
        after=after,
    )
    return hazard


def _has_after_photo(session: Session, hazard_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(HazardPhoto.sha256).where(
                HazardPhoto.hazard_id == hazard_id, HazardPhoto.kind == "after"
            )
        )
        is not None
    )


# States whose deadline a served notice sets (the order's period runs from service).
SERVED_DEADLINE_STATES = frozenset(
    {HazardState.RECTIFICATION_ORDERED, HazardState.RECTIFICATION_FAILED}
)


def run_deadline_from_service(
    session: Session,
    actor: Actor,
    hazard_id: uuid.UUID,
    served_at: datetime,
    days: int,
    working_days: bool,
    settings: Settings,
    notice_number: str,
) -> Hazard | None:
    """The rectification deadline, counted from when the unit was served its notice (as the
    law reads: 自送达之日起), in working days (backend/core/calendar) or calendar days; the
    hazard's clock starts again from it. Nothing changes (None) when the hazard has moved on
    (submitted, closed) since the notice was issued. Audited on the hazard's timeline."""
    hazard = session.scalar(select(Hazard).where(Hazard.id == hazard_id).with_for_update())
    if hazard is None or HazardState(hazard.state) not in SERVED_DEADLINE_STATES:
        return None
    before = {"rectification_deadline": _iso(hazard.rectification_deadline)}
    deadline = (
        working_calendar(settings).deadline(served_at, days)
        if working_days
        else calendar_deadline(served_at, days)
    )
    hazard.rectification_deadline = deadline
    hazard.credit_overdue_at = deadline
    hazard.version += 1
    start_clock(hazard, settings, utcnow())
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="hazard.deadline_from_service",
        subject_type="hazard",
        subject_id=hazard.id,
        before=before,
        after={
            "rectification_deadline": _iso(deadline),
            "served_at": _iso(served_at),
            "days": days,
            "working_days": working_days,
            "notice": notice_number,
            "version": hazard.version,
        },
    )
    return hazard


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
