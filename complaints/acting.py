"""Taking a step of the complaint lifecycle (`lifecycle.TRANSITIONS`): dispatch, sign, return,
verify on site (a hazard found there becomes a confirmed hazard), reply, close, reopen. Each
step is checked against the table, applied, recorded in the audit log, and told to the hotline
and to whoever must act next. No web imports; hazards are reached through their public modules."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import InvalidInput
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, may
from backend.identity.service import Principal
from backend.notify import service as notify
from complaints import callbacks, dispatch, lifecycle, rewards, rules
from complaints.enums import Channel, ComplaintAction, ComplaintState, Finding
from complaints.models import Complaint, ComplaintRelease
from complaints.reading import hold
from complaints.schemas import ComplaintActionIn, Location
from grids import workforce
from grids.scope import scope_of
from hazards import acting as hazard_steps
from hazards import reporting
from hazards.enums import HazardAction, HazardCategory, HazardSource
from hazards.schemas import ActionIn, HazardReport

# What the hotline hears of each step (callbacks.py sends it; docs/complaints.md maps it).
HOTLINE_EVENTS = {
    ComplaintAction.SIGN: "signed",
    ComplaintAction.VERIFY: "verifying",
    ComplaintAction.REPLY: "replied",
    ComplaintAction.REFER: "replied",
    ComplaintAction.CLOSE: "closed",
    ComplaintAction.REOPEN: "reopened",
    ComplaintAction.NOT_FIXED: "reopened",
}
REOPENING = (ComplaintAction.REOPEN, ComplaintAction.NOT_FIXED)


def act(
    session: Session,
    principal: Principal,
    complaint_id: uuid.UUID,
    body: ComplaintActionIn,
    settings: Settings,
) -> Complaint:
    complaint = hold(session, principal, complaint_id, body.version)
    transition = lifecycle.transition_for(ComplaintState(complaint.state), body.action)
    lifecycle.COMPLAINT_LIFECYCLE.check_role(transition, principal.role)
    if (
        transition.has(lifecycle.ASSIGNEE_ONLY)
        and may(principal.role, Permission.WORK_IN_THE_FIELD)
        and complaint.assignee_id != principal.user_id
    ):
        raise lifecycle.NotYourComplaint("only the worker it is assigned to may do this")
    if transition.has(lifecycle.REPORTER_ONLY) and complaint.channel != Channel.WEB.value:
        raise lifecycle.ComplaintRoleMayNotAct(
            f"only the one who reported it from the citizens' page may {body.action.value}"
        )
    lifecycle.COMPLAINT_LIFECYCLE.check_needs(transition, body)
    if transition.has(lifecycle.NOT_FIRE_RELATED):
        _check_referable(complaint, body, settings)
    if body.action is ComplaintAction.DISPATCH:
        assignee = _assignable(session, principal, complaint, body.assignee_id)  # type: ignore[arg-type]
        dispatch.assign(
            session,
            complaint,
            assignee.id,
            principal.actor,
            settings,
            reason="staff",
            note=body.note,
        )
        lifecycle.COMPLAINT_LIFECYCLE.run_effects(
            transition, lifecycle.ComplaintStep(session, complaint, transition, settings)
        )
        return complaint
    before = {"state": complaint.state, "version": complaint.version}
    now = utcnow()
    after: dict[str, Any] = {}
    if body.action is ComplaintAction.SIGN:
        complaint.signed_at = now
    elif body.action is ComplaintAction.RETURN:
        session.add(ComplaintRelease(complaint_id=complaint.id, user_id=complaint.assignee_id))
        after["returned_by"] = (
            str(complaint.assignee_id) if complaint.assignee_id is not None else None
        )
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
    elif body.action is ComplaintAction.REFER:
        department = settings.referral_department(body.department)
        assert department is not None  # _check_referable
        complaint.replied_at = now
        complaint.reply = body.reply or (
            f"经核查，该事项不属于消防安全监管范围，已移送{department.name}部门依法处理。"
        )
        after["department"] = department.key
        after["reply"] = complaint.reply
    elif body.action is ComplaintAction.CLOSE:
        complaint.closed_at = now
    elif body.action in REOPENING:
        calendar = rules.working_calendar(settings)
        complaint.dispatched_at = now
        complaint.sign_due_at = rules.sign_due(now, settings, calendar)
        complaint.verify_due_at = rules.verify_due(now, complaint.urgent, settings, calendar)
        complaint.reply_due_at = rules.reply_due(now, None, settings, calendar)
        complaint.closed_at = None
    complaint.state = transition.target.value
    complaint.version += 1
    rules.set_stage(complaint)
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
    lifecycle.COMPLAINT_LIFECYCLE.run_effects(
        transition,
        lifecycle.ComplaintStep(session, complaint, transition, settings, principal, body),
    )
    event = HOTLINE_EVENTS.get(body.action)
    if event:
        callbacks.enqueue(session, complaint, event, note=body.note)
    if body.action is ComplaintAction.RETURN:
        dispatch.tell_triage(session, complaint)
    if body.action in REOPENING and complaint.assignee_id:
        notify.push(
            session,
            [complaint.assignee_id],
            title="投诉重办",
            body=dispatch.summary(complaint),
            data={"complaint_id": str(complaint.id), "kind": "complaint.reopened"},
        )
    return complaint


def _check_referable(complaint: Complaint, body: ComplaintActionIn, settings: Settings) -> None:
    """Only what the worker found not fire-related is transferred, to a department we know."""
    if complaint.finding != Finding.NOT_FIRE_RELATED.value:
        raise lifecycle.ComplaintTransitionNotAllowed(
            "only a complaint found not fire-related on site is referred to another department",
            state=complaint.state,
            action=body.action.value,
        )
    if settings.referral_department(body.department) is None:
        raise InvalidInput(f"no department {body.department} to refer to", field="department")


def _assignable(
    session: Session, principal: Principal, complaint: Complaint, user_id: uuid.UUID
) -> User:
    """A grid worker or grid leader the dispatching staff may manage."""
    user = workforce.user_in_scope(session, scope_of(session, principal), user_id)
    if not may(Role(user.role), Permission.WORK_IN_THE_FIELD) or not user.is_active:
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
    hazard_steps.act(session, principal, hazard.id, ActionIn(action=HazardAction.CONFIRM), settings)
    complaint.hazard_id = hazard.id
    rewards.consider(session, complaint, hazard.id, settings)
    return hazard.id
