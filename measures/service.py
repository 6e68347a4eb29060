"""Measures against a unit: the rules. No web imports.

Who sees a measure is who sees its unit (grids.units.service.visible_clause): a township's
station sees the measures against the units it registered and the units running premises in
its township; anything else answers 404, exactly as a made-up id.

Recording one (docs/measures.md, decision 0049): a station or brigade officer with a
certificate valid today; for all but a reminder a second certified officer named in the body
(双人执法), who must see the unit too. The premises, hazards and earlier measure it names are
checked against the caller's scope (404 otherwise) and must be the unit's (422). What it does
to the credit record is the lifecycle's declared effect (measures.lifecycle), handled in
backend/effects.py. Every step is audited on the measure and on its unit.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select, update
from sqlalchemy.orm import Session

from backend.core import audit, documents, media
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import today
from backend.core.privacy import mask_free_text
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.models import Area
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from grids.units import service as units_service
from grids.units.models import Unit
from hazards import reading as hazards_reading
from hazards.lifecycle import CertificateRequired
from measures.enums import MeasureAction, MeasureKind, MeasureState
from measures.lifecycle import (
    EXPOSURE_ONLY,
    MEASURE_LIFECYCLE,
    RECORDERS,
    MeasureStep,
    MeasureTransitionNotAllowed,
)
from measures.models import Measure
from measures.schemas import MeasureIn, WithdrawIn

SUBJECT = "measure"
UNIT_SUBJECT = "unit"


class SecondOfficerNotCertified(InvalidInput):
    slug, title = (
        "second-officer-not-certified",
        "The second officer has no valid certificate (双人执法)",
    )


class DocumentAlreadyAttached(Conflict):
    slug, title = "measure-document-present", "The measure has its signed record already"


# --- Who sees which measure ----------------------------------------------------------------------


def _visible(scope: Scope) -> ColumnElement[bool]:
    return units_service.visible_clause(scope)


def get_visible(session: Session, principal: Principal, measure_id: uuid.UUID) -> Measure:
    measure = session.scalar(
        select(Measure)
        .join(Unit, Unit.id == Measure.unit_id)
        .where(Measure.id == measure_id, _visible(scope_of(session, principal)))
    )
    if measure is None:
        raise NotFound(f"no measure with id {measure_id}")
    return measure


@dataclass(frozen=True)
class MeasureFilter:
    kind: MeasureKind | None = None
    held_from: date | None = None
    held_to: date | None = None
    unit_id: uuid.UUID | None = None


def query_in_scope(session: Session, principal: Principal, where: MeasureFilter) -> Select:
    """The measures of units the caller sees, newest first."""
    query = (
        select(Measure)
        .join(Unit, Unit.id == Measure.unit_id)
        .where(_visible(scope_of(session, principal)))
    )
    if where.unit_id is not None:
        query = query.where(Measure.unit_id == where.unit_id)
    if where.kind is not None:
        query = query.where(Measure.kind == where.kind.value)
    if where.held_from is not None:
        query = query.where(Measure.held_on >= where.held_from)
    if where.held_to is not None:
        query = query.where(Measure.held_on <= where.held_to)
    return query.order_by(Measure.held_on.desc(), Measure.recorded_at.desc(), Measure.id)


def count_in_scope(session: Session, principal: Principal, where: MeasureFilter) -> int:
    found = query_in_scope(session, principal, where).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def of_unit(session: Session, principal: Principal, unit_id: uuid.UUID) -> list[Measure]:
    """The unit's record: every measure against it, newest first (404 for a unit not seen)."""
    unit = units_service.get_visible(session, principal, unit_id)
    return list(session.scalars(query_in_scope(session, principal, MeasureFilter(unit_id=unit.id))))


# --- Recording -----------------------------------------------------------------------------------


def record(
    session: Session, settings: Settings, principal: Principal, unit_id: uuid.UUID, body: MeasureIn
) -> Measure:
    unit = units_service.get_visible(session, principal, unit_id)
    day = today()
    row = MEASURE_LIFECYCLE.allowed(MeasureState.NEW, MeasureAction.RECORD, principal.role, body)
    if not principal.certified_on(day):
        raise CertificateRequired("recording a measure needs a valid certificate (持证)")
    if body.held_on > day:
        raise InvalidInput("the day a measure was taken cannot be in the future", field="held_on")
    second = _second_officer(session, principal, unit, body, day)
    premises = _premises(session, principal, unit, body.premises_id)
    if body.kind is MeasureKind.EXPOSURE and premises is None:
        raise InvalidInput(
            "an exposure names the premises whose address it publishes", field="premises_id"
        )
    hazard_ids = _hazards(session, principal, unit, body.hazard_ids)
    if body.follows_id is not None:
        earlier = get_visible(session, principal, body.follows_id)
        if earlier.unit_id != unit.id:
            raise InvalidInput("the measure it follows is against another unit", field="follows_id")
    attendees = [{"name": a.name, "role": a.role} for a in body.attendees]
    measure = Measure(
        id=new_id(),
        unit_id=unit.id,
        kind=body.kind.value,
        state=row.target.value,
        held_on=body.held_on,
        place=body.place,
        premises_id=premises.id if premises else None,
        attendees=attendees,
        findings=body.findings,
        outcome=body.outcome,
        hazard_ids=[str(h) for h in hazard_ids],
        follows_id=body.follows_id,
        officer_id=principal.user_id,
        second_officer_id=second.id if second else None,
        recorded_at=utcnow(),
    )
    if body.kind is MeasureKind.EXPOSURE:
        known = [a.name for a in body.attendees]
        known += [p.name for p in units_service.persons_of(session, unit.id)]
        known += [o.display_name for o in (session.get(User, principal.user_id), second) if o]
        measure.public_findings = published_text(body.findings, known)
    session.add(measure)
    session.flush()
    trail = {
        "measure_id": str(measure.id),
        "kind": measure.kind,
        "held_on": measure.held_on.isoformat(),
        "place": measure.place,
        "premises_id": str(measure.premises_id) if measure.premises_id else None,
        "attendees": len(attendees),  # who they were stays on the measure, not in the log
        "hazard_ids": measure.hazard_ids,
        "follows_id": str(measure.follows_id) if measure.follows_id else None,
        "second_officer_id": str(second.id) if second else None,
    }
    _audit(session, principal, measure, "measure.recorded", trail)
    credited = (
        [premises.id]
        if premises
        else [
            p.id
            for p in units_service.premises_in_scope_of(
                session, scope_of(session, principal), unit.id
            )
        ]
    )
    MEASURE_LIFECYCLE.run_effects(row, MeasureStep(session, settings, measure, credited, principal))
    return measure


def second_officers(session: Session, principal: Principal, unit_id: uuid.UUID) -> list[User]:
    """Who the caller may name as the second officer of a measure against the unit (双人执法):
    active station or brigade officers, certified today, who see the unit, and who work in
    the caller's own area or above it (a station's own colleagues and its county's brigade;
    an officer of another township is not revealed). The same checks as recording one."""
    demand(principal.role, Permission.RECORD_MEASURES, "record measures")
    unit = units_service.get_visible(session, principal, unit_id)
    day = today()
    own = session.scalar(select(Area.path).where(Area.id == principal.scope_area_id))
    candidates = session.execute(
        select(User, Area.path)
        .join(Area, Area.id == User.scope_area_id)
        .where(
            User.is_active.is_(True),
            User.role.in_([r.value for r in RECORDERS]),
            User.certificate_number.is_not(None),
            User.certificate_expires_on >= day,
            User.id != principal.user_id,
        )
        .order_by(Area.path, User.display_name, User.id)
    ).all()
    found = []
    for user, path in candidates:
        if own is not None and not (own.startswith(path) or path.startswith(own)):
            continue
        other = Principal.of(user)
        if not other.certified_on(day):
            continue
        try:
            units_service.get_visible(session, other, unit.id)
        except NotFound:
            continue
        found.append(user)
    return found


def _second_officer(
    session: Session, principal: Principal, unit: Unit, body: MeasureIn, day: date
) -> User | None:
    """双人执法: the other officer named in the body, active, an officer, seeing the unit (else
    404, as a made-up id), with a certificate valid today (else 422 naming why)."""
    if body.second_officer_id is None:
        if body.kind.needs_two_officers:
            raise InvalidInput(
                f"a {body.kind.value} needs a second certified officer (双人执法)",
                field="second_officer_id",
            )
        return None
    if body.second_officer_id == principal.user_id:
        raise InvalidInput(
            "the second officer must be someone other than you", field="second_officer_id"
        )
    user = session.get(User, body.second_officer_id)
    if user is None or not user.is_active or Role(user.role) not in RECORDERS:
        raise NotFound(f"no officer with id {body.second_officer_id}")
    other = Principal.of(user)
    try:
        units_service.get_visible(session, other, unit.id)
    except NotFound:
        raise NotFound(f"no officer with id {body.second_officer_id}") from None
    if not other.certified_on(day):
        raise SecondOfficerNotCertified(
            "the second officer has no certificate valid today: 双人执法 needs two certified "
            "officers",
            field="second_officer_id",
        )
    return user


def _premises(
    session: Session, principal: Principal, unit: Unit, premises_id: uuid.UUID | None
) -> Premises | None:
    if premises_id is None:
        return None
    item = premises_service.in_scope(session, principal, premises_id)
    if item.unit_id != unit.id:
        raise InvalidInput("the premises is not run by this unit", field="premises_id")
    return item


def _hazards(
    session: Session, principal: Principal, unit: Unit, hazard_ids: list[uuid.UUID]
) -> list[uuid.UUID]:
    """Each hazard in the caller's view (404 otherwise) and at one of the unit's premises."""
    if not hazard_ids:
        return []
    runs = set(session.scalars(select(Premises.id).where(Premises.unit_id == unit.id)))
    found = []
    for hazard_id in dict.fromkeys(hazard_ids):
        hazard = hazards_reading.get_visible(session, principal, hazard_id)
        if hazard.premises_id not in runs:
            raise InvalidInput(
                f"hazard {hazard_id} is not at one of the unit's premises", field="hazard_ids"
            )
        found.append(hazard.id)
    return found


MASK = "＊"


def published_text(text: str, names: list[str]) -> str:
    """What an exposure publishes of its findings: personal numbers masked
    (backend.core.privacy), and every name the record knows (attendees, the unit's 责任人 and
    管理人, the officers) hidden. Names typed that the record does not know cannot be found: the
    officer writes findings for publication (docs/measures.md)."""
    masked = mask_free_text(text) or ""
    for name in sorted({n.strip() for n in names if n and len(n.strip()) >= 2}, key=len)[::-1]:
        masked = masked.replace(name, MASK * len(name))
    return masked


def _audit(
    session: Session, principal: Principal, measure: Measure, action: str, after: dict[str, Any]
) -> None:
    """One event on the measure and one on its unit, so that both timelines show the step."""
    for subject_type, subject_id in ((SUBJECT, measure.id), (UNIT_SUBJECT, measure.unit_id)):
        audit.record(
            session,
            actor=principal.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            after=after,
        )


# --- The signed record ---------------------------------------------------------------------------


def attach_document(
    session: Session,
    settings: Settings,
    principal: Principal,
    measure_id: uuid.UUID,
    data: bytes,
    content_type: str,
) -> Measure:
    """The signed record: a PDF kept as sent, or a photo through the photo pipeline
    (backend.core.documents). Once: a signed record is evidence, never replaced. Its SHA-256
    goes into the audit log on the measure and on the unit."""
    measure = get_visible(session, principal, measure_id)
    if measure.document_sha256 is not None:
        raise DocumentAlreadyAttached(
            "the measure has its signed record already; it is never replaced",
            sha256=measure.document_sha256,
        )
    checked = documents.check(settings, data, content_type)
    sha256, mime, size = checked.sha256, checked.mime, checked.size
    attached = session.execute(  # once, also when two officers upload at the same moment
        update(Measure)
        .where(Measure.id == measure.id, Measure.document_sha256.is_(None))
        .values(
            document_sha256=sha256, document_mime=mime, document_size=size, document_at=utcnow()
        )
        .execution_options(synchronize_session=False)
    ).rowcount
    if not attached:
        raise DocumentAlreadyAttached(
            "the measure has its signed record already; it is never replaced"
        )
    session.refresh(measure)
    _audit(
        session,
        principal,
        measure,
        "measure.document_attached",
        {"measure_id": str(measure.id), "sha256": sha256, "mime": mime, "size": size},
    )
    checked.keep()  # last: content-addressed, so a retry after a failure is harmless
    return measure


def document_file(
    session: Session, settings: Settings, principal: Principal, measure_id: uuid.UUID
) -> tuple[Path | str | media.Streamed, str]:
    """Where the signed record is (never a public URL: it names people), and its type."""
    measure = get_visible(session, principal, measure_id)
    if measure.document_sha256 is None:
        raise NotFound(f"measure {measure_id} has no signed record yet")
    where = documents.locate(settings, measure.document_sha256, measure.document_mime)
    return where, measure.document_mime


# --- Withdrawing an exposure ---------------------------------------------------------------------


def withdraw(
    session: Session,
    settings: Settings,
    principal: Principal,
    measure_id: uuid.UUID,
    body: WithdrawIn,
) -> Measure:
    """Take an exposure off the public pages; it stays on the unit's record, withdrawn, and its
    credit entry stays (an objection to the entry is the credit record's appeal)."""
    measure = get_visible(session, principal, measure_id)
    state = MeasureState(measure.state)
    row = MEASURE_LIFECYCLE.allowed(state, MeasureAction.WITHDRAW, principal.role, body)
    if row.has(EXPOSURE_ONLY) and measure.kind != MeasureKind.EXPOSURE.value:
        raise MeasureTransitionNotAllowed(
            "only an exposure is withdrawn; other measures stay on the unit's record",
            state=state.value,
            possible=[],
        )
    now = utcnow()
    changed = session.execute(
        update(Measure)
        .where(Measure.id == measure.id, Measure.state == state.value)
        .values(state=row.target.value, withdrawn_at=now, withdrawal_reason=body.reason)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:  # withdrawn meanwhile by another officer
        raise MeasureTransitionNotAllowed(
            f"{MeasureAction.WITHDRAW.value} is not possible for a "
            f"{MeasureState.WITHDRAWN.value} measure",
            state=MeasureState.WITHDRAWN.value,
            possible=[],
        )
    session.refresh(measure)
    _audit(
        session,
        principal,
        measure,
        "measure.withdrawn",
        {"measure_id": str(measure.id), "kind": measure.kind, "reason": body.reason},
    )
    MEASURE_LIFECYCLE.run_effects(row, MeasureStep(session, settings, measure, [], principal))
    return measure


# --- The public pages ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Exposure:
    measure: Measure
    unit_name: str
    address: str


def public_exposures(session: Session, limit: int, offset: int) -> list[Exposure]:
    """Exposures in force (not withdrawn), newest first: the unit's name, the premises'
    address and the published text only."""
    rows = session.execute(
        select(Measure, Unit.name, Premises.address)
        .join(Unit, Unit.id == Measure.unit_id)
        .outerjoin(Premises, Premises.id == Measure.premises_id)
        .where(
            Measure.kind == MeasureKind.EXPOSURE.value,
            Measure.state == MeasureState.RECORDED.value,
        )
        .order_by(Measure.held_on.desc(), Measure.recorded_at.desc(), Measure.id)
        .limit(limit)
        .offset(offset)
    ).all()
    return [Exposure(m, name, address or "") for m, name, address in rows]


# --- Reading -------------------------------------------------------------------------------------


def officers_of(session: Session, measures: list[Measure]) -> dict[uuid.UUID, str]:
    ids = {i for m in measures for i in (m.officer_id, m.second_officer_id) if i is not None}
    if not ids:
        return {}
    return dict(session.execute(select(User.id, User.display_name).where(User.id.in_(ids))).all())


def premises_of(session: Session, measures: list[Measure]) -> dict[uuid.UUID, Premises]:
    ids = {m.premises_id for m in measures if m.premises_id is not None}
    if not ids:
        return {}
    return {p.id: p for p in session.scalars(select(Premises).where(Premises.id.in_(ids)))}
