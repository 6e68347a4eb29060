"""Referrals over HTTP. Thin: rules live in referrals.service.

Staff (`/api/v1/referrals`) refer, read, enter a paper reply and close; a department's partner
account posts its reply, signed (docs/integration-auth.md), to `POST /api/v1/referrals/{id}/reply`:
an unsigned or replayed request is refused (401) before anything is read."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import SessionDep, SettingsDep, SignedClient, require
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from referrals import service
from referrals.enums import KIND_NAMES, ReferralKind, ReferralState
from referrals.models import Referral
from referrals.schemas import CloseIn, DepartmentOut, ReferralIn, ReferralOut, ReplyIn, ReplyOut

router = APIRouter(prefix="/api/v1/referrals", tags=["referrals"])

Reader = Annotated[Principal, Depends(require(Permission.READ_REFERRALS))]
Referrer = Annotated[Principal, Depends(require(Permission.MAKE_REFERRALS))]
_NOT_FOUND = {
    404: {"description": "No such referral (or hazard, complaint, unit, photo) in your scope"}
}


def referral_out(referral: Referral) -> ReferralOut:
    kind = ReferralKind(referral.kind)
    reply = None
    if referral.replied_at is not None and referral.reply_text is not None:
        reply = ReplyOut(
            text=referral.reply_text,
            replied_on=referral.reply_on,
            replied_by=referral.reply_by,
            replied_at=referral.replied_at,
            entered=referral.reply_channel == service.PAPER,
        )
    return ReferralOut(
        id=referral.id,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        state=ReferralState(referral.state),
        department=referral.department,
        department_name=referral.department_name,
        hazard_id=referral.hazard_id,
        complaint_id=referral.complaint_id,
        unit_id=referral.unit_id,
        finding=referral.finding,
        legal_basis=referral.legal_basis,
        photo_ids=list(referral.photos or []),
        sent_at=referral.sent_at,
        due_at=referral.due_at,
        overdue_at=referral.overdue_at,
        reply=reply,
        closed_at=referral.closed_at,
        version=referral.version,
    )


@router.get("/departments", response_model=list[DepartmentOut])
def list_departments(principal: Reader, settings: SettingsDep) -> list[DepartmentOut]:
    """The departments one may refer to (FIREGRID_REFERRAL_DEPARTMENTS)."""
    return [
        DepartmentOut(key=d.key, name=d.name, answers_online=d.partner is not None)
        for d in service.departments(settings)
    ]


@router.post("", response_model=ReferralOut, status_code=201, responses=_NOT_FOUND)
def refer(
    body: ReferralIn, principal: Referrer, session: SessionDep, settings: SettingsDep
) -> ReferralOut:
    """Refer a hazard (with some of its photos), a complaint and/or a unit to a department:
    抄告 (`copy`) or 移送 (`transfer`), with the legal basis and the reply's deadline."""
    return referral_out(service.send(session, principal, body, settings))


@router.get(
    "",
    response_model=list[ReferralOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many referrals match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_referrals(
    principal: Reader,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
    state: ReferralState | None = None,
    department: Annotated[Text | None, Query(max_length=32)] = None,
    unit_id: Annotated[
        uuid.UUID | None, Query(description="the referrals naming this unit (in your scope)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[ReferralOut]:
    """The referrals of your area, the earliest due first; `unit_id`: those naming the unit."""
    statement = service.query(
        session,
        principal,
        settings,
        service.ReferralFilter(state=state, department=department, unit_id=unit_id),
    )
    response.headers["X-Total-Count"] = str(service.count(session, statement))
    return [referral_out(r) for r in session.scalars(statement.limit(limit).offset(offset))]


@router.get("/{referral_id}", response_model=ReferralOut, responses=_NOT_FOUND)
def get_referral(
    referral_id: uuid.UUID, principal: Reader, session: SessionDep, settings: SettingsDep
) -> ReferralOut:
    return referral_out(service.get_visible(session, principal, referral_id, settings))


@router.post("/{referral_id}/reply-entered", response_model=ReferralOut, responses=_NOT_FOUND)
def enter_reply(
    referral_id: uuid.UUID,
    body: ReplyIn,
    principal: Referrer,
    session: SessionDep,
    settings: SettingsDep,
) -> ReferralOut:
    """Staff enter the department's reply that came on paper."""
    return referral_out(
        service.reply(session, principal, referral_id, body, settings, entered=True)
    )


@router.post("/{referral_id}/close", response_model=ReferralOut, responses=_NOT_FOUND)
def close_referral(
    referral_id: uuid.UUID,
    body: CloseIn,
    principal: Referrer,
    session: SessionDep,
    settings: SettingsDep,
) -> ReferralOut:
    """Staff accept the department's reply: the referral is done (办结)."""
    return referral_out(
        service.close(session, principal, referral_id, body.note, body.version, settings)
    )


@router.post(
    "/{referral_id}/reply",
    response_model=ReferralOut,
    responses={
        **_NOT_FOUND,
        401: {"description": "Signature, timestamp or nonce refused (a replay): nothing stored"},
    },
)
def partner_reply(
    referral_id: uuid.UUID,
    body: ReplyIn,
    partner: SignedClient,
    session: SessionDep,
    settings: SettingsDep,
) -> ReferralOut:
    """The department's partner account posts its reply, signed; only to referrals sent to
    the department it answers for, in its area (anything else: 404, as a made-up id)."""
    demand(partner.role, Permission.ANSWER_REFERRALS, "answer referrals")
    return referral_out(service.reply(session, partner, referral_id, body, settings, entered=False))
