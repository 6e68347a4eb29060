"""Units 单位 and their responsible persons: the rules. No web imports.

Who sees a unit (decision 0047): a caller whose scope covers the area the unit was registered
in, or covers one of its premises (not archived). So a township's station sees the units it
registered and the units that run premises of its township; a grid worker, whose scope is
their grids, sees the units of premises in their grids. Anything else answers 404, exactly as
a made-up id does. Premises named in a request are checked against the caller's scope too.

A unit has at most one current person of each role (`PersonRole`). Setting a person who is
not the current one replaces them: the old row is deleted and the audit log keeps who they
were (name, masked phone, when verified). Every new person, and every new phone, is texted a
code (grids.units.phones); the phone counts as verified only once the code comes back.
Other packages that text a unit's person (served notices) ask `verified_phone_of`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, exists, func, or_, select, true
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.errors import Forbidden, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.privacy import mask_phone
from backend.core.settings import Settings
from backend.identity.permissions import Permission, may
from backend.identity.service import Principal
from grids.models import Area
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from grids.units import phones
from grids.units.enums import PersonRole
from grids.units.models import Unit, UnitPerson
from grids.units.schemas import PersonIn, UnitIn

SUBJECT = "unit"


# --- Who sees which unit --------------------------------------------------------------------


def visible_clause(scope: Scope) -> ColumnElement[bool]:
    """A WHERE clause on `Unit`: registered in the scope, or running premises in it."""
    if scope.everywhere:
        return true()
    runs_premises_in_scope = exists().where(
        Premises.unit_id == Unit.id,
        Premises.archived.is_(False),
        scope.area_clause_on(Premises.area_path),
    )
    return or_(scope.area_clause_on(Unit.area_path), runs_premises_in_scope)


def get_visible(session: Session, principal: Principal, unit_id: uuid.UUID) -> Unit:
    unit = session.scalar(
        select(Unit).where(Unit.id == unit_id, visible_clause(scope_of(session, principal)))
    )
    if unit is None:
        raise NotFound(f"no unit with id {unit_id}")
    return unit


def premises_in_scope_of(session: Session, scope: Scope, unit_id: uuid.UUID) -> list[Premises]:
    """A unit's premises the caller may see, by name."""
    query = select(Premises).where(Premises.unit_id == unit_id, Premises.archived.is_(False))
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(Premises.area_path))
    return list(session.scalars(query.order_by(Premises.name, Premises.id)))


def persons_of(session: Session, unit_id: uuid.UUID) -> list[UnitPerson]:
    found = session.scalars(select(UnitPerson).where(UnitPerson.unit_id == unit_id))
    order = list(PersonRole)
    return sorted(found, key=lambda p: order.index(PersonRole(p.role)))


@dataclass(frozen=True)
class UnitFilter:
    area_code: str | None = None  # units registered in, or running premises in, this area
    text: str | None = None  # part of the name or of the code


def query_in_scope(session: Session, principal: Principal, where: UnitFilter) -> Select:
    scope = scope_of(session, principal)
    query = select(Unit).where(visible_clause(scope))
    if where.area_code:
        path = session.scalar(select(Area.path).where(Area.code == where.area_code))
        if path is None or not scope.covers_path(path):
            raise NotFound(f"no area with code {where.area_code!r}")
        query = query.where(visible_clause(Scope(everywhere=False, paths=(path,))))
    if where.text:
        query = query.where(
            or_(
                Unit.name.contains(where.text, autoescape=True),
                Unit.uscc.contains(where.text.upper(), autoescape=True),
            )
        )
    return query.order_by(Unit.name, Unit.id)


def count_in_scope(session: Session, principal: Principal, where: UnitFilter) -> int:
    found = query_in_scope(session, principal, where).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def premises_counts(
    session: Session, scope: Scope, unit_ids: list[uuid.UUID]
) -> dict[uuid.UUID, int]:
    """How many premises each unit runs in the caller's scope (one query for a page)."""
    if not unit_ids:
        return {}
    query = (
        select(Premises.unit_id, func.count())
        .where(Premises.unit_id.in_(unit_ids), Premises.archived.is_(False))
        .group_by(Premises.unit_id)
    )
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(Premises.area_path))
    return dict(session.execute(query).all())


def area_codes(session: Session, area_ids: set[uuid.UUID]) -> dict[uuid.UUID, str]:
    if not area_ids:
        return {}
    return dict(session.execute(select(Area.id, Area.code).where(Area.id.in_(area_ids))).all())


def summaries(session: Session, unit_ids: set[uuid.UUID | None]) -> dict[uuid.UUID, str]:
    """Units' names by id, for premises' reads (a premises in scope names its unit)."""
    unit_ids = {i for i in unit_ids if i is not None}
    if not unit_ids:
        return {}
    return {
        unit_id: name
        for unit_id, name in session.execute(
            select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))
        ).all()
    }


# --- Registering and linking ----------------------------------------------------------------


def snapshot(unit: Unit) -> dict[str, Any]:
    return {"name": unit.name, "uscc": unit.uscc, "area_path": unit.area_path}


def create(session: Session, principal: Principal, fields: UnitIn) -> Unit:
    scope = scope_of(session, principal)
    if fields.area_code is not None:
        area = session.scalar(select(Area).where(Area.code == fields.area_code))
        if area is None or not scope.covers(area):
            raise NotFound(f"no area with code {fields.area_code!r}")
    elif principal.scope_area_id is not None:
        area = session.get(Area, principal.scope_area_id)
    else:
        area = None
    if area is None:
        raise InvalidInput("give the area the unit is registered in", field="area_code")
    premises = _premises_in_scope(session, principal, fields.premises_ids)
    unit = Unit(name=fields.name, uscc=fields.uscc, area_id=area.id, area_path=area.path)
    session.add(unit)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="unit.created",
        subject_type=SUBJECT,
        subject_id=unit.id,
        after=snapshot(unit),
    )
    _link(session, principal, unit, premises)
    return unit


def _premises_in_scope(
    session: Session, principal: Principal, premises_ids: list[uuid.UUID]
) -> list[Premises]:
    """Each named premises, in the caller's scope (404 for any other, as for a made-up id)."""
    return [
        premises_service.in_scope(session, principal, premises_id)
        for premises_id in dict.fromkeys(premises_ids)
    ]


def _link(session: Session, principal: Principal, unit: Unit, premises: list[Premises]) -> None:
    for item in premises:
        if item.unit_id == unit.id:
            continue
        previous = item.unit_id
        if previous is not None:  # it moves: its former unit's trail says so
            audit.record(
                session,
                actor=principal.actor,
                action="unit.premises_unlinked",
                subject_type=SUBJECT,
                subject_id=previous,
                before={"premises_id": str(item.id), "premises_name": item.name},
                after={"moved_to": str(unit.id)},
            )
        item.unit_id = unit.id
        audit.record(
            session,
            actor=principal.actor,
            action="unit.premises_linked",
            subject_type=SUBJECT,
            subject_id=unit.id,
            after={"premises_id": str(item.id), "premises_name": item.name},
        )
    session.flush()


def link(
    session: Session, principal: Principal, unit_id: uuid.UUID, premises_ids: list[uuid.UUID]
) -> Unit:
    unit = get_visible(session, principal, unit_id)
    _link(session, principal, unit, _premises_in_scope(session, principal, premises_ids))
    return unit


def unlink(
    session: Session, principal: Principal, unit_id: uuid.UUID, premises_id: uuid.UUID
) -> Unit:
    unit = get_visible(session, principal, unit_id)
    item = premises_service.in_scope(session, principal, premises_id)
    if item.unit_id != unit.id:
        raise NotFound(f"no premises with id {premises_id}")
    item.unit_id = None
    audit.record(
        session,
        actor=principal.actor,
        action="unit.premises_unlinked",
        subject_type=SUBJECT,
        subject_id=unit.id,
        before={"premises_id": str(item.id), "premises_name": item.name},
    )
    session.flush()
    return unit


# --- Responsible persons --------------------------------------------------------------------


def current_person(session: Session, unit_id: uuid.UUID, role: PersonRole) -> UnitPerson | None:
    return session.scalar(
        select(UnitPerson).where(UnitPerson.unit_id == unit_id, UnitPerson.role == role.value)
    )


def _person_trail(person: UnitPerson, masked_phone: str | None) -> dict[str, Any]:
    """What the audit log keeps of a person: never the number, only its masked form."""
    return {
        "role": person.role,
        "name": person.name,
        "phone": masked_phone,
        "phone_verified_at": (
            person.phone_verified_at.isoformat() if person.phone_verified_at else None
        ),
    }


def set_person(
    session: Session,
    settings: Settings,
    principal: Principal,
    unit_id: uuid.UUID,
    role: PersonRole,
    fields: PersonIn,
) -> UnitPerson:
    """Make `fields` the unit's current person of `role`, and text their phone a code.

    The same name and phone as the current person's: a new code only (no sooner than a minute
    after the last), or nothing when that phone is already verified. Another name or phone: a new person, who replaces the current one. Staff
    who manage units may replace anyone; a grid worker adds a person on site, or replaces one
    whose phone is not yet verified, but never a verified one (403)."""
    unit = get_visible(session, principal, unit_id)
    number = phones.mobile(fields.phone)
    sealed, digest = phones.sealed_number(settings, number)
    current = current_person(session, unit.id, role)
    if current is not None and current.phone_digest == digest and current.name == fields.name:
        if current.phone_verified_at is not None:
            return current  # already proven: nothing to do, nothing texted
        phones.send_code(session, settings, current, principal.user_id, fresh=False)
        audit.record(
            session,
            actor=principal.actor,
            action="unit.person_code_sent",
            subject_type=SUBJECT,
            subject_id=unit.id,
            after={"role": role.value, "phone": mask_phone(number)},
        )
        session.flush()
        return current
    before = None
    if current is not None:
        if current.phone_verified_at is not None and not may(
            principal.role, Permission.MANAGE_UNITS
        ):
            raise Forbidden(f"a {principal.role} may not replace a person whose phone is verified")
        before = _person_trail(current, phones.masked(settings, current))
        session.delete(current)
        session.flush()
    person = UnitPerson(
        id=new_id(),
        unit_id=unit.id,
        role=role.value,
        name=fields.name,
        phone_sealed=sealed,
        phone_digest=digest,
        code_attempts=0,
    )
    session.add(person)
    phones.send_code(session, settings, person, principal.user_id, fresh=True)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="unit.person_replaced" if before else "unit.person_added",
        subject_type=SUBJECT,
        subject_id=unit.id,
        before=before,
        after=_person_trail(person, mask_phone(number)),
    )
    return person


def verify_person(
    session: Session,
    settings: Settings,
    principal: Principal,
    unit_id: uuid.UUID,
    role: PersonRole,
    code: str,
) -> UnitPerson:
    """The code texted to the person, read back: their phone is verified. A wrong code counts
    one of five tries, also when this raises (the router commits the count)."""
    unit = get_visible(session, principal, unit_id)
    person = current_person(session, unit.id, role)
    if person is None:
        raise NotFound(f"the unit has no current person of role {role.value}")
    try:
        phones.check_code(settings, person, code)
    except phones.PersonCodeRefused:
        audit.record(
            session,
            actor=principal.actor,
            action="unit.person_code_refused",
            subject_type=SUBJECT,
            subject_id=unit.id,
            after={"role": role.value, "attempts": person.code_attempts},
        )
        session.flush()
        raise
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="unit.person_verified",
        subject_type=SUBJECT,
        subject_id=unit.id,
        after=_person_trail(person, phones.masked(settings, person)),
    )
    return person


def verified_phone_of(session: Session, unit_id: uuid.UUID, role: PersonRole) -> str | None:
    """The sealed phone of the unit's current person of `role`, if it is verified; else None.

    For texting a unit (served notices): pass it to backend.notify.texts.
    queue_text_to_sealed_phone as is; it is never unsealed outside the SMS channel. An
    unverified phone (a code not yet read back) is None: nothing is texted to a number nobody
    proved."""
    return session.scalar(
        select(UnitPerson.phone_sealed).where(
            UnitPerson.unit_id == unit_id,
            UnitPerson.role == role.value,
            UnitPerson.phone_verified_at.is_not(None),
        )
    )
