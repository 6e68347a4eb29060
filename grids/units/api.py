"""Units and their responsible persons over HTTP. Thin: rules live in grids.units.service."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from sqlalchemy.orm import Session

from backend.core.settings import Settings
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import SessionDep, SettingsDep, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from grids.scope import scope_of
from grids.units import phones, service
from grids.units.enums import ROLE_NAMES, PersonRole
from grids.units.models import Unit, UnitPerson
from grids.units.schemas import (
    CodeIn,
    PersonIn,
    PersonOut,
    PremisesLinkIn,
    UnitIn,
    UnitListItem,
    UnitOut,
    UnitPremises,
)

router = APIRouter(prefix="/api/v1/units", tags=["units"])

Reader = Annotated[Principal, Depends(require(Permission.READ_UNITS))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_UNITS))]
PersonAdder = Annotated[Principal, Depends(require(Permission.ADD_UNIT_PERSONS))]
_NOT_FOUND = {404: {"description": "No such unit (or premises) in your scope"}}


def person_out(settings: Settings, person: UnitPerson) -> PersonOut:
    role = PersonRole(person.role)
    return PersonOut(
        role=role,
        role_name=ROLE_NAMES[role],
        name=person.name,
        phone=phones.masked(settings, person),
        phone_verified=person.phone_verified_at is not None,
        phone_verified_at=person.phone_verified_at,
        code_expires_at=person.code_expires_at,
        updated_at=person.updated_at,
    )


def unit_out(session: Session, settings: Settings, principal: Principal, unit: Unit) -> UnitOut:
    premises = service.premises_in_scope_of(session, scope_of(session, principal), unit.id)
    codes = service.area_codes(session, {unit.area_id} | {p.area_id for p in premises if p.area_id})
    return UnitOut(
        id=unit.id,
        name=unit.name,
        uscc=unit.uscc,
        area_code=codes[unit.area_id],
        premises_count=len(premises),
        created_at=unit.created_at,
        premises=[
            UnitPremises(id=p.id, name=p.name, address=p.address, area_code=codes.get(p.area_id))
            for p in premises
        ],
        persons=[person_out(settings, p) for p in service.persons_of(session, unit.id)],
    )


@router.post("", response_model=UnitOut, status_code=201)
def create_unit(
    body: UnitIn, principal: Manager, session: SessionDep, settings: SettingsDep
) -> UnitOut:
    """Register a unit 单位 in an area (default: yours) with the premises it runs."""
    unit = service.create(session, principal, body)
    return unit_out(session, settings, principal, unit)


@router.get(
    "",
    response_model=list[UnitListItem],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many units match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_units(
    principal: Reader,
    session: SessionDep,
    response: Response,
    area: Annotated[
        Text | None,
        Query(max_length=32, description="area code: units registered or running premises there"),
    ] = None,
    q: Annotated[
        Text | None,
        Query(max_length=100, description="part of the name or of the unified social credit code"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[UnitListItem]:
    """Units you see, by name: registered in your area or running premises in it."""
    where = service.UnitFilter(area_code=area, text=q)
    response.headers["X-Total-Count"] = str(service.count_in_scope(session, principal, where))
    units = list(
        session.scalars(
            service.query_in_scope(session, principal, where).limit(limit).offset(offset)
        )
    )
    counts = service.premises_counts(session, scope_of(session, principal), [u.id for u in units])
    codes = service.area_codes(session, {u.area_id for u in units})
    return [
        UnitListItem(
            id=u.id,
            name=u.name,
            uscc=u.uscc,
            area_code=codes[u.area_id],
            premises_count=counts.get(u.id, 0),
            created_at=u.created_at,
        )
        for u in units
    ]


@router.get("/{unit_id}", response_model=UnitOut, responses=_NOT_FOUND)
def get_unit(
    unit_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> UnitOut:
    """The unit with its premises in your scope and its 责任人 and 管理人 (phones masked)."""
    return unit_out(session, settings, principal, service.get_visible(session, principal, unit_id))


@router.post("/{unit_id}/premises", response_model=UnitOut, responses=_NOT_FOUND)
def link_premises(
    unit_id: uuid.UUID,
    body: PremisesLinkIn,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
) -> UnitOut:
    """Premises in your scope become the unit's (one linked to another unit moves)."""
    unit = service.link(session, principal, unit_id, body.premises_ids)
    return unit_out(session, settings, principal, unit)


@router.delete("/{unit_id}/premises/{premises_id}", response_model=UnitOut, responses=_NOT_FOUND)
def unlink_premises(
    unit_id: uuid.UUID,
    premises_id: uuid.UUID,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
) -> UnitOut:
    """The premises no longer belongs to the unit."""
    unit = service.unlink(session, principal, unit_id, premises_id)
    return unit_out(session, settings, principal, unit)


@router.put(
    "/{unit_id}/persons/{role}",
    response_model=PersonOut,
    responses={**_NOT_FOUND, 429: {"description": "A code was texted less than a minute ago"}},
)
def set_person(
    unit_id: uuid.UUID,
    role: PersonRole,
    body: PersonIn,
    principal: PersonAdder,
    session: SessionDep,
    settings: SettingsDep,
) -> PersonOut:
    """Set the unit's 消防安全责任人 (`responsible`) or 管理人 (`manager`): a six-digit code is
    texted to the phone (good 10 minutes, five tries); `POST …/verify` with it. The same name
    and phone again: a new code. Grid workers may not replace a verified person."""
    person = service.set_person(session, settings, principal, unit_id, role, body)
    return person_out(settings, person)


@router.post(
    "/{unit_id}/persons/{role}/verify",
    response_model=PersonOut,
    responses={**_NOT_FOUND, 422: {"description": "The code is wrong (a try counts) or expired"}},
)
def verify_person(
    unit_id: uuid.UUID,
    role: PersonRole,
    body: CodeIn,
    principal: PersonAdder,
    session: SessionDep,
    settings: SettingsDep,
) -> PersonOut:
    """The code the person read off their phone: the phone is verified."""
    try:
        person = service.verify_person(session, settings, principal, unit_id, role, body.code)
    except phones.PersonCodeRefused:
        session.commit()  # the wrong try counts: the request's rollback must not undo it
        raise
    return person_out(settings, person)
