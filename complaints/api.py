"""Complaints over HTTP. Thin: rules live in reading, acting, dispatch,
extensions, lifecycle, callbacks and rewards.

Two routers: `/api/v1/hotline` for partner systems (signed requests, docs/integration-auth.md)
and for admins who set up partners' callbacks; `/api/v1/complaints` for staff and workers.
"""

from __future__ import annotations

import uuid
from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import StreamingResponse
from starlette.concurrency import run_in_threadpool

from backend.core import spreadsheet
from backend.core.web import IMAGE_BODY, Offset
from backend.identity.dependencies import (
    CurrentPrincipal,
    ReplicaSessionDep,
    SessionDep,
    SettingsDep,
    SignedCallDep,
    SignedClient,
)
from backend.identity.permissions import Permission, demand
from complaints import (
    acting,
    callbacks,
    dispatch,
    exports,
    extensions,
    intake,
    locating,
    photos,
    reading,
    rewards,
)
from complaints.enums import (
    CallbackDelivery,
    Channel,
    ComplaintAction,
    ComplaintState,
    RewardState,
)
from complaints.models import Complaint, ComplaintExtension, ComplaintReward
from complaints.schemas import (
    AddressCandidateOut,
    CallbackKeyRotationIn,
    CallbackOut,
    CallbackResultIn,
    CallerOut,
    CandidateOut,
    ComplaintActionIn,
    ComplaintIntake,
    ComplaintOut,
    DecisionIn,
    ExclusionIn,
    ExtensionIn,
    ExtensionOut,
    PartnerCallbackIn,
    PartnerCallbackOut,
    PaymentIn,
    PlaceIn,
    RewardOut,
)
from grids.scope import area_in_scope, scope_of
from hazards.schemas import TimelineEntry

hotline_router = APIRouter(prefix="/api/v1/hotline", tags=["hotline"])
router = APIRouter(prefix="/api/v1/complaints", tags=["complaints"])
_NOT_FOUND = {404: {"description": "No such complaint visible to you"}}


def complaints_out(session, principal, complaints: list[Complaint]) -> list[ComplaintOut]:
    return reading.views(session, principal, complaints)


def complaint_out(session, principal, complaint: Complaint) -> ComplaintOut:
    return complaints_out(session, principal, [complaint])[0]


# --- Partner systems --------------------------------------------------------------------------------


@hotline_router.post(
    "/complaints",
    response_model=ComplaintOut,
    status_code=201,
    responses={
        200: {"description": "Already received with this body: nothing new"},
        401: {"description": "Signature, timestamp or nonce refused: nothing was stored"},
        409: {"description": "This channel and external id came with another body"},
    },
)
async def receive_complaint(
    body: ComplaintIntake, call: SignedCallDep, settings: SettingsDep
) -> Response:
    """Take a complaint from 96119 / 12345 and route it: with a location, to whoever handles
    that grid now; with an address only, to the triage queue of the township it names."""
    out, created = await intake.submit(call.key_id, call.nonce, body, settings)
    return Response(
        out.model_dump_json(), status_code=201 if created else 200, media_type="application/json"
    )


@hotline_router.get("/complaints/{channel}/{external_id}", response_model=ComplaintOut)
def partner_complaint(
    channel: Channel, external_id: str, partner: SignedClient, session: SessionDep
) -> ComplaintOut:
    """Where one of your complaints stands (the callbacks say the same, as it happens)."""
    return complaint_out(
        session, partner, reading.by_partner_key(session, partner, channel.value, external_id)
    )


@hotline_router.post(
    "/complaints/{channel}/{external_id}/callback-result", response_model=ComplaintOut
)
def partner_callback_result(
    channel: Channel,
    external_id: str,
    body: CallbackResultIn,
    partner: SignedClient,
    session: SessionDep,
    settings: SettingsDep,
) -> ComplaintOut:
    """The hotline's 回访: satisfied closes the case; unsatisfied waits for staff to reopen it."""
    complaint = reading.by_partner_key(session, partner, channel.value, external_id)
    action = (
        ComplaintAction.CALLBACK_SATISFIED
        if body.satisfied
        else ComplaintAction.CALLBACK_UNSATISFIED
    )
    complaint = acting.act(
        session,
        partner,
        complaint.id,
        ComplaintActionIn(action=action, note=body.note or ("满意" if body.satisfied else None)),
        settings,
    )
    return complaint_out(session, partner, complaint)


def _admin(principal) -> None:
    demand(principal.role, Permission.ADMINISTER, "manage partner callbacks")


@hotline_router.put("/partners/{username}/callback", response_model=PartnerCallbackOut)
def set_partner_callback(
    username: str,
    body: PartnerCallbackIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> PartnerCallbackOut:
    """Where a partner hears about its complaints. The first address comes with the signing
    secret (shown once); a new address keeps the key."""
    _admin(principal)
    partner, secret = callbacks.set_partner_callback(
        session, settings, username, body.callback_url, principal.actor
    )
    return _partner_out(username, partner, secret)


@hotline_router.post("/partners/{username}/callback/rotate", response_model=PartnerCallbackOut)
def rotate_partner_callback_key(
    username: str,
    body: CallbackKeyRotationIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> PartnerCallbackOut:
    """A new callback signing secret (shown once); for `overlap_hours` callbacks carry the old
    key's signature too, so the partner switches without a refused callback."""
    _admin(principal)
    partner, secret = callbacks.rotate_partner_key(
        session, settings, username, timedelta(hours=body.overlap_hours), principal.actor
    )
    return _partner_out(username, partner, secret)


def _partner_out(username: str, partner, secret: str | None) -> PartnerCallbackOut:
    return PartnerCallbackOut(
        username=username,
        callback_url=partner.callback_url,
        key_id=partner.key_id,
        secret=secret,
        previous_key_id=partner.previous_key_id,
        previous_until=partner.previous_until,
    )


@hotline_router.get("/callbacks", response_model=list[CallbackOut])
def list_callbacks(
    principal: CurrentPrincipal,
    session: SessionDep,
    status: CallbackDelivery = CallbackDelivery.DEAD,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[CallbackOut]:
    """Callbacks by delivery status: the dead letters by default."""
    _admin(principal)
    return [
        CallbackOut.model_validate(m, from_attributes=True)
        for m in callbacks.dead_letters(
            session, scope_of(session, principal), status, limit, offset
        )
    ]


@hotline_router.post("/callbacks/{callback_id}/replay", response_model=CallbackOut)
def replay_callback(
    callback_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> CallbackOut:
    """Send a dead callback again, with a fresh retry window; those behind it follow."""
    _admin(principal)
    message = callbacks.replay(session, scope_of(session, principal), callback_id, principal.actor)
    return CallbackOut.model_validate(message, from_attributes=True)


# --- Rewards (before /{complaint_id}, which would take the word "rewards" for an id) ------------


def reward_out(session, reward: ComplaintReward, masked: str | None = None) -> RewardOut:
    return RewardOut(
        id=reward.id,
        complaint_id=reward.complaint_id,
        hazard_id=reward.hazard_id,
        state=reward.state,
        tier=reward.tier,
        amount_yuan=reward.amount_yuan,
        reason=reward.reason,
        caller_phone=masked if masked is not None else rewards.masked_phone_of(session, reward),
        decided_at=reward.decided_at,
        payment_reference=reward.payment_reference,
        paid_at=reward.paid_at,
    )


@router.get("/rewards", response_model=list[RewardOut])
def list_rewards(
    principal: CurrentPrincipal,
    session: SessionDep,
    state: RewardState | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[RewardOut]:
    return [
        reward_out(session, reward, masked or "")
        for reward, masked in rewards.listing(session, principal, state, limit, offset)
    ]


@router.post("/rewards/{reward_id}/decision", response_model=RewardOut)
def decide_reward(
    reward_id: uuid.UUID, body: DecisionIn, principal: CurrentPrincipal, session: SessionDep
) -> RewardOut:
    reward = rewards.decide(
        session, principal, reward_id, body.approve, body.amount_yuan, body.note
    )
    return reward_out(session, reward)


@router.post("/rewards/{reward_id}/payment", response_model=RewardOut)
def record_reward_payment(
    reward_id: uuid.UUID, body: PaymentIn, principal: CurrentPrincipal, session: SessionDep
) -> RewardOut:
    return reward_out(
        session, rewards.record_payment(session, principal, reward_id, body.reference)
    )


@router.post("/reward-exclusions", status_code=201)
def add_reward_exclusion(
    body: ExclusionIn, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> dict[str, str]:
    """Fire staff and their close relatives may not be rewarded: register their phones."""
    entry = rewards.exclude(session, principal, body.phone, body.relation, body.note, settings)
    return {"masked_phone": entry.masked_phone, "relation": entry.relation}


@router.post("/extensions/{extension_id}/decision", response_model=ExtensionOut)
def decide_extension(
    extension_id: uuid.UUID,
    body: DecisionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ComplaintExtension:
    return extensions.decide_extension(
        session, principal, extension_id, body.approve, body.note, settings
    )


# --- Staff and workers ------------------------------------------------------------------------------


def complaint_list_query(
    principal: CurrentPrincipal,
    session: SessionDep,
    triage: Annotated[
        bool, Query(description="only those waiting to be placed or dispatched")
    ] = False,
    state: ComplaintState | None = None,
    overdue: bool = False,
    area: Annotated[str | None, Query(max_length=32, description="area code: it and below")] = None,
    received_from: Annotated[
        date | None, Query(description="received on or after this day (Beijing time)")
    ] = None,
    received_to: Annotated[
        date | None, Query(description="received on or before this day (Beijing time)")
    ] = None,
) -> reading.QueueFilter:
    """The filters of a complaint list, read once for the list and for its export."""
    area_path = area_in_scope(session, principal, area).path if area else None
    return reading.QueueFilter(
        state=state,
        triage=triage,
        overdue=overdue,
        area_path=area_path,
        received_from=received_from,
        received_to=received_to,
    )


ListQuery = Annotated[reading.QueueFilter, Depends(complaint_list_query)]


@router.get(
    "",
    response_model=list[ComplaintOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many complaints match the filters, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_complaints(
    principal: CurrentPrincipal,
    session: ReplicaSessionDep,
    response: Response,
    where: ListQuery,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[ComplaintOut]:
    """Complaints you may see, newest first: staff their area's, workers those assigned to
    them, with the assignee's and the area's names; `X-Total-Count` says how many match."""
    query = reading.queue(session, principal, where)
    found = list(session.scalars(query.limit(limit).offset(offset)))
    response.headers["X-Total-Count"] = str(
        reading.page_total(session, query, len(found), limit, offset)
    )
    return complaints_out(session, principal, found)


@router.get(
    "/export.xlsx",
    response_class=StreamingResponse,
    responses={200: {"content": {spreadsheet.XLSX_MEDIA_TYPE: {}}}},
)
def export_complaints(
    principal: CurrentPrincipal, session: ReplicaSessionDep, where: ListQuery
) -> StreamingResponse:
    """投诉举报台账: every complaint the list would show for the same filters, in its order, as
    an Excel workbook (docs/exports.md)."""
    return exports.complaints(session, principal, where)


@router.get("/{complaint_id}", response_model=ComplaintOut, responses=_NOT_FOUND)
def get_complaint(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> ComplaintOut:
    return complaint_out(session, principal, reading.get_visible(session, principal, complaint_id))


@router.get("/{complaint_id}/candidates", response_model=list[CandidateOut], responses=_NOT_FOUND)
def dispatch_candidates(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[CandidateOut]:
    """Whom the complaint may be dispatched to, by name: the workers of its grid and its grid
    leaders (or, in triage, of every grid under its area), with duty today and masked phones;
    `recommended` marks whom routing would choose now."""
    return [
        CandidateOut(**vars(c.member), recommended=c.recommended)
        for c in dispatch.candidates(session, principal, complaint_id)
    ]


@router.post("/{complaint_id}/actions", response_model=ComplaintOut, responses=_NOT_FOUND)
def act_on_complaint(
    complaint_id: uuid.UUID,
    body: ComplaintActionIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ComplaintOut:
    """One step of the lifecycle; refused steps say why (409) and change nothing."""
    return complaint_out(
        session, principal, acting.act(session, principal, complaint_id, body, settings)
    )


@router.post("/{complaint_id}/location", response_model=ComplaintOut, responses=_NOT_FOUND)
def place_complaint(
    complaint_id: uuid.UUID,
    body: PlaceIn,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> ComplaintOut:
    """Triage: put the complaint on the map; it routes to whoever handles that grid."""
    complaint = dispatch.place(
        session, principal, complaint_id, body.location, body.version, settings
    )
    return complaint_out(session, principal, complaint)


@router.get(
    "/{complaint_id}/address-candidates",
    response_model=list[AddressCandidateOut],
    responses=_NOT_FOUND,
)
def complaint_address_candidates(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[locating.AddressCandidate]:
    """Triage: what the complaint's address may mean (areas it names, premises like it), for
    staff to choose one and place it there; no online geocoder is needed."""
    return locating.address_candidates(session, principal, complaint_id)


@router.get("/{complaint_id}/caller", response_model=CallerOut, responses=_NOT_FOUND)
def reveal_caller(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep, settings: SettingsDep
) -> CallerOut:
    """Who called, in clear, for station or brigade staff who must call back (audited)."""
    name, phone = reading.reveal_caller(session, principal, complaint_id, settings)
    return CallerOut(name=name, phone=phone)


@router.get("/{complaint_id}/timeline", response_model=list[TimelineEntry], responses=_NOT_FOUND)
def complaint_timeline(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[TimelineEntry]:
    return [TimelineEntry.of(e) for e in reading.timeline(session, principal, complaint_id)]


@router.post(
    "/{complaint_id}/extensions", response_model=ExtensionOut, status_code=201, responses=_NOT_FOUND
)
def request_extension(
    complaint_id: uuid.UUID, body: ExtensionIn, principal: CurrentPrincipal, session: SessionDep
) -> ComplaintExtension:
    """Ask for more time before the running deadline passes; staff decide."""
    return extensions.request_extension(
        session, principal, complaint_id, body.working_days, body.reason
    )


@router.get("/{complaint_id}/extensions", response_model=list[ExtensionOut], responses=_NOT_FOUND)
def list_extensions(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[ComplaintExtension]:
    return extensions.extensions_of(session, principal, complaint_id)


@router.post(
    "/{complaint_id}/photos", status_code=201, openapi_extra=IMAGE_BODY, responses=_NOT_FOUND
)
async def add_photo(
    complaint_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> dict:
    """A photo from the on-site check (the raw image as the body)."""
    data = await request.body()
    record = await run_in_threadpool(
        photos.attach, session, principal, complaint_id, data, settings
    )
    return {
        "sha256": record.sha256,
        "mime": record.mime,
        "width": record.width,
        "height": record.height,
    }


@router.get("/{complaint_id}/photos", responses=_NOT_FOUND)
def list_photos(
    complaint_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep
) -> list[dict]:
    return [
        {"sha256": p.sha256, "mime": p.mime, "taken_at": p.taken_at, "uploaded_at": p.uploaded_at}
        for p in photos.photos_of(session, principal, complaint_id)
    ]
