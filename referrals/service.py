"""Referrals 抄告/移送: send one, read them in scope, the department's reply (posted by its
partner or entered by staff), closing. Every step is audited on the referral and on the
timeline of the hazard and the complaint it refers. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, false, func, select
from sqlalchemy.orm import Session

from backend.core import audit, calendar_notices
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.localtime import today
from backend.core.settings import ReferralDepartment, Settings
from backend.identity.enums import Role
from backend.identity.permissions import Permission, demand, may
from backend.identity.service import Principal
from complaints import reading as complaints
from complaints.models import Complaint
from grids.scope import scope_of
from grids.units import service as units
from hazards import reading as hazards
from hazards.models import Hazard, HazardPhoto
from referrals.enums import ReferralAction, ReferralKind, ReferralState
from referrals.lifecycle import REFERRAL_LIFECYCLE, ReferralChangedMeanwhile
from referrals.models import Referral
from referrals.schemas import ReferralIn, ReplyIn

PARTNER, PAPER = "partner", "paper"  # how a reply came: posted, signed; or entered by staff


def departments(settings: Settings) -> list[ReferralDepartment]:
    return list(settings.referral_departments)


def department_of(settings: Settings, key: str) -> ReferralDepartment:
    department = settings.referral_department(key)
    if department is None:
        raise InvalidInput(f"no department {key} to refer to", field="department")
    return department


def answered_by(settings: Settings, username: str) -> list[str]:
    """The departments a partner account answers for."""
    return [d.key for d in settings.referral_departments if d.partner == username]


def visible_clause(
    session: Session, principal: Principal, settings: Settings
) -> ColumnElement[bool]:
    """Staff see the referrals of their area; a department's partner the ones sent to its
    department in its own area; nobody else any."""
    if may(principal.role, Permission.READ_REFERRALS):
        return scope_of(session, principal).area_clause_on(Referral.area_path)
    if principal.role is Role.INTEGRATION and may(principal.role, Permission.ANSWER_REFERRALS):
        keys = answered_by(settings, principal.username)
        if not keys:
            return false()
        return and_(
            Referral.department.in_(keys),
            scope_of(session, principal).area_clause_on(Referral.area_path),
        )
    return false()


def get_visible(
    session: Session, principal: Principal, referral_id: uuid.UUID, settings: Settings
) -> Referral:
    referral = session.scalar(
        select(Referral).where(
            Referral.id == referral_id, visible_clause(session, principal, settings)
        )
    )
    if referral is None:
        raise NotFound(f"no referral with id {referral_id}")
    return referral


@dataclass(frozen=True)
class ReferralFilter:
    state: ReferralState | None = None
    department: str | None = None
    unit_id: uuid.UUID | None = None  # referrals naming this unit (one the caller sees)


def query(
    session: Session, principal: Principal, settings: Settings, where: ReferralFilter
) -> Select:
    statement = select(Referral).where(visible_clause(session, principal, settings))
    if where.state is not None:
        statement = statement.where(Referral.state == where.state.value)
    if where.department is not None:
        statement = statement.where(Referral.department == where.department)
    if where.unit_id is not None:
        unit = units.get_visible(session, principal, where.unit_id)
        statement = statement.where(Referral.unit_id == unit.id)
    return statement.order_by(Referral.due_at, Referral.id)


def count(session: Session, statement: Select) -> int:
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def snapshot(referral: Referral) -> dict[str, Any]:
    return {
        "referral_id": str(referral.id),
        "kind": referral.kind,
        "department": referral.department,
        "department_name": referral.department_name,
        "state": referral.state,
    }


def _on_timelines(
    session: Session,
    principal_actor: audit.Actor,
    referral: Referral,
    step: str,
    after: dict[str, Any],
) -> None:
    """The event on the referral, and one on the timeline of the hazard and complaint."""
    audit.record(
        session,
        actor=principal_actor,
        action=f"referral.{step}",
        subject_type="referral",
        subject_id=referral.id,
        after=after,
    )
    for subject_type, subject_id in (
        ("hazard", referral.hazard_id),
        ("complaint", referral.complaint_id),
    ):
        if subject_id is not None:
            audit.record(
                session,
                actor=principal_actor,
                action=f"{subject_type}.referral_{step}",
                subject_type=subject_type,
                subject_id=subject_id,
                after=after,
            )


def send(session: Session, principal: Principal, body: ReferralIn, settings: Settings) -> Referral:
    """Refer what was found to a department: a hazard (with some of its photos), a complaint
    and/or a unit, each in the caller's scope (else 404, as a made-up id)."""
    demand(principal.role, Permission.MAKE_REFERRALS, "refer to other departments")
    department = department_of(settings, body.department)
    hazard = hazards.get_visible(session, principal, body.hazard_id) if body.hazard_id else None
    complaint = (
        complaints.get_visible(session, principal, body.complaint_id) if body.complaint_id else None
    )
    unit = units.get_visible(session, principal, body.unit_id) if body.unit_id else None
    if hazard is None and complaint is None and unit is None:
        raise InvalidInput("name a hazard, a complaint or a unit to refer", field="hazard_id")
    photos = _photos_of(session, hazard, body.photo_ids)
    # Scoped by where it is: the hazard's area, else the complaint's, else the unit's.
    area_path = next((s.area_path for s in (hazard, complaint, unit) if s and s.area_path), "")
    return _create(
        session,
        principal,
        settings,
        kind=body.kind,
        department=department,
        hazard=hazard,
        complaint=complaint,
        unit_id=unit.id if unit else None,
        area_path=area_path,
        finding=body.finding,
        legal_basis=body.legal_basis,
        photos=photos,
        working_days=body.reply_working_days,
    )


def _photos_of(session: Session, hazard: Hazard | None, photo_ids: list[str]) -> list[str]:
    wanted = list(dict.fromkeys(p.strip().lower() for p in photo_ids))
    if not wanted:
        return []
    if hazard is None:
        raise InvalidInput("photos are a hazard's: name the hazard", field="photo_ids")
    found = set(
        session.scalars(
            select(HazardPhoto.sha256).where(
                HazardPhoto.hazard_id == hazard.id, HazardPhoto.sha256.in_(wanted)
            )
        )
    )
    missing = [p for p in wanted if p not in found]
    if missing:
        raise NotFound(f"no photo {missing[0]} of this hazard")
    return wanted


def _create(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    kind: ReferralKind,
    department: ReferralDepartment,
    hazard: Hazard | None,
    complaint: Complaint | None,
    unit_id: uuid.UUID | None,
    area_path: str,
    finding: str,
    legal_basis: str,
    photos: list[str],
    working_days: int | None,
) -> Referral:
    now = utcnow()
    calendar = calendar_notices.working_calendar(settings)
    referral = Referral(
        kind=kind.value,
        state=ReferralState.SENT.value,
        department=department.key,
        department_name=department.name,
        hazard_id=hazard.id if hazard else None,
        complaint_id=complaint.id if complaint else None,
        unit_id=unit_id,
        area_path=area_path,
        finding=finding,
        legal_basis=legal_basis,
        photos=photos,
        sent_by=principal.user_id,
        sent_at=now,
        due_at=calendar.deadline(now, working_days or settings.referral_reply_working_days),
        version=1,
    )
    session.add(referral)
    session.flush()
    _on_timelines(
        session,
        principal.actor,
        referral,
        "sent",
        {
            **snapshot(referral),
            "hazard_id": str(referral.hazard_id) if referral.hazard_id else None,
            "complaint_id": str(referral.complaint_id) if referral.complaint_id else None,
            "unit_id": str(referral.unit_id) if referral.unit_id else None,
            "photos": photos,
            "legal_basis": legal_basis,
            "due_at": referral.due_at.isoformat(),
        },
    )
    return referral


def transfer_complaint(
    session: Session,
    principal: Principal,
    complaint: Complaint,
    department_key: str,
    note: str | None,
    settings: Settings,
) -> Referral:
    """A complaint found not fire-related is transferred (移送) to the department chosen, as
    the complaint's `refer` step (its lifecycle's effect, wired in backend/effects.py)."""
    department = department_of(settings, department_key)
    return _create(
        session,
        principal,
        settings,
        kind=ReferralKind.TRANSFER,
        department=department,
        hazard=None,
        complaint=complaint,
        unit_id=None,
        area_path=complaint.area_path,
        finding=note or complaint.verification_note or complaint.text,
        legal_basis="经现场核查，不属于消防安全监管范围",
        photos=[],
        working_days=None,
    )


def _hold(
    session: Session,
    principal: Principal,
    referral_id: uuid.UUID,
    version: int | None,
    settings: Settings,
) -> Referral:
    referral = get_visible(session, principal, referral_id, settings)
    session.refresh(referral, with_for_update=True)
    if version is not None and version != referral.version:
        raise ReferralChangedMeanwhile(
            f"the referral is at version {referral.version}, not {version}",
            version=referral.version,
        )
    return referral


def reply(
    session: Session,
    principal: Principal,
    referral_id: uuid.UUID,
    body: ReplyIn,
    settings: Settings,
    *,
    entered: bool,
) -> Referral:
    """The department's reply: `entered` by staff from a paper reply, or posted by the
    department's partner account (signed)."""
    referral = _hold(session, principal, referral_id, body.version, settings)
    row = REFERRAL_LIFECYCLE.step(ReferralState(referral.state), ReferralAction.REPLY)
    REFERRAL_LIFECYCLE.check_role(row, principal.role)
    referral.state = row.target.value
    referral.reply_text = body.text
    referral.reply_on = body.replied_on or today()
    referral.reply_by = body.replied_by
    referral.replied_at = utcnow()
    referral.reply_entered_by = principal.user_id
    referral.reply_channel = PAPER if entered else PARTNER
    referral.version += 1
    session.flush()
    _on_timelines(
        session,
        principal.actor,
        referral,
        "replied",
        {
            **snapshot(referral),
            "reply": body.text,
            "replied_on": referral.reply_on.isoformat(),
            "replied_by": body.replied_by,
            "entered": entered,
        },
    )
    return referral


def close(
    session: Session,
    principal: Principal,
    referral_id: uuid.UUID,
    note: str | None,
    version: int | None,
    settings: Settings,
) -> Referral:
    referral = _hold(session, principal, referral_id, version, settings)
    row = REFERRAL_LIFECYCLE.step(ReferralState(referral.state), ReferralAction.CLOSE)
    REFERRAL_LIFECYCLE.check_role(row, principal.role)
    referral.state = row.target.value
    referral.closed_at = utcnow()
    referral.version += 1
    session.flush()
    _on_timelines(
        session, principal.actor, referral, "closed", {**snapshot(referral), "note": note}
    )
    return referral


def mark_overdue(session: Session, referral: Referral, now: datetime) -> None:
    """The worker's step (scheduled.py has claimed the row and moved its state once)."""
    _on_timelines(
        session,
        audit.Actor.system(),
        referral,
        "overdue",
        {**snapshot(referral), "due_at": referral.due_at.isoformat()},
    )
