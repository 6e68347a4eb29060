"""一键报警 over HTTP. Thin: rules live in fires.alerts.service (and sms, positions).

The phone posts `POST /api/v1/fire-alerts` with its own id (retries are the same alert: 201
the first time, 200 with the same body after) and keeps its last position with `PUT
/api/v1/me/position`; recipients answer at `/{id}/ack`; staff follow and close alerts; the
SMS gateway relays texts to `POST /api/v1/fire-alerts/sms`, signed like the hotline's
(docs/integration-auth.md): an unsigned or replayed request is refused (401) before anything
is read."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import FileResponse
from sqlalchemy import select
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from backend.core.media_responses import file_response
from backend.core.web import IMAGE_BODY, Offset
from backend.identity.dependencies import (
    CurrentPrincipal,
    SessionDep,
    SettingsDep,
    SignedClient,
    require,
)
from backend.identity.models import User
from backend.identity.permissions import Permission
from backend.identity.service import Principal
from fires.alerts import photos, positions, service, sms
from fires.alerts.enums import KIND_NAMES, AckChannel, AlertChannel, AlertState, RecipientKind
from fires.alerts.models import AlertPhoto, AlertRecipient, FireAlert
from fires.alerts.schemas import (
    AckIn,
    AlertedOut,
    AlertIn,
    AlertOut,
    AlertPhotoOut,
    CloseIn,
    PositionIn,
    PositionOut,
    RaisedOut,
    RecipientOut,
    SmsIn,
    SmsOut,
)
from grids.models import Area
from grids.premises.models import Premises

router = APIRouter(prefix="/api/v1/fire-alerts", tags=["fires"])
me_router = APIRouter(prefix="/api/v1/me", tags=["fires"])

Reporter = Annotated[Principal, Depends(require(Permission.RAISE_FIRE_ALERTS))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_FIRE_ALERTS))]
_NOT_FOUND = {404: {"description": "No such alert (or recipient) in your scope"}}


def raised_out(session: Session, alert: FireAlert) -> RaisedOut:
    area = session.get(Area, alert.area_id) if alert.area_id else None
    premises = session.get(Premises, alert.premises_id) if alert.premises_id else None
    return RaisedOut(
        id=alert.id,
        reported_at=alert.reported_at,
        lng=alert.lng,
        lat=alert.lat,
        grid_code=alert.grid_code,
        area_name=area.name if area else None,
        premises_id=alert.premises_id,
        premises_name=premises.name if premises else None,
        advice=service.ADVICE,
        alerted=[
            AlertedOut(
                kind=RecipientKind(r.kind),
                kind_name=KIND_NAMES[RecipientKind(r.kind)],
                name=r.name,
                distance_m=r.distance_m,
            )
            for r in service.recipients_of(session, alert.id)
        ],
    )


def alert_out(session: Session, alert: FireAlert) -> AlertOut:
    return alerts_out(session, [alert])[0]


def alerts_out(session: Session, alerts: list[FireAlert]) -> list[AlertOut]:
    """A page of alerts with their recipients, deliveries, premises, reporters and photos,
    each read once for the whole page."""
    ids = [a.id for a in alerts]
    recipients = service.recipients_of_many(session, ids)
    delivered = service.delivered_at(session, [r for rows in recipients.values() for r in rows])
    pictures = photos.photos_of(session, ids)
    premises_ids = {a.premises_id for a in alerts if a.premises_id}
    premises = dict(
        session.execute(
            select(Premises.id, Premises.name).where(Premises.id.in_(premises_ids))
        ).all()
        if premises_ids
        else []
    )
    reporter_ids = {a.reporter_id for a in alerts if a.reporter_id}
    reporters = dict(
        session.execute(select(User.id, User.display_name).where(User.id.in_(reporter_ids))).all()
        if reporter_ids
        else []
    )
    return [
        AlertOut(
            id=alert.id,
            state=AlertState(alert.state),
            channel=AlertChannel(alert.channel),
            reporter_id=alert.reporter_id,
            reporter_name=reporters.get(alert.reporter_id),
            reported_at=alert.reported_at,
            lng=alert.lng,
            lat=alert.lat,
            accuracy_m=alert.accuracy_m,
            place_source=alert.place_source,
            area_path=alert.area_path,
            grid_code=alert.grid_code,
            premises_id=alert.premises_id,
            premises_name=premises.get(alert.premises_id),
            premises_distance_m=alert.premises_distance_m,
            note=alert.note,
            closed_at=alert.closed_at,
            close_note=alert.close_note,
            version=alert.version,
            going_count=sum(1 for r in recipients.get(alert.id, []) if r.going),
            recipients=[recipient_out(r, delivered) for r in recipients.get(alert.id, [])],
            photos=[photo_out(p) for p in pictures.get(alert.id, [])],
        )
        for alert in alerts
    ]


def recipient_out(r: AlertRecipient, delivered: dict[uuid.UUID, datetime]) -> RecipientOut:
    return RecipientOut(
        id=r.id,
        rank=r.rank,
        kind=RecipientKind(r.kind),
        kind_name=KIND_NAMES[RecipientKind(r.kind)],
        user_id=r.user_id,
        station_id=r.station_id,
        name=r.name,
        distance_m=r.distance_m,
        distance_from=r.distance_from,
        channels=[c for c in r.channels.split("+") if c and c != "none"],
        sent_at=r.sent_at,
        delivered_at=delivered.get(r.id),
        acked_at=r.acked_at,
        going=r.going,
        eta_minutes=r.eta_minutes,
        ack_channel=AckChannel(r.ack_channel) if r.ack_channel else None,
    )


def photo_out(record: AlertPhoto) -> AlertPhotoOut:
    base = f"/api/v1/fire-alerts/{record.alert_id}/photos/{record.sha256}"
    return AlertPhotoOut(
        sha256=record.sha256,
        mime=record.mime,
        size=record.size,
        width=record.width,
        height=record.height,
        taken_at=record.taken_at,
        uploaded_at=record.uploaded_at,
        thumbnail_url=f"{base}/thumbnail",
        public_url=f"{base}/public",
        original_url=f"{base}/original",
    )


@router.post(
    "",
    response_model=RaisedOut,
    status_code=201,
    responses={
        200: {
            "description": "A retry of an alert already recorded: the same body",
            "model": RaisedOut,
        },
        409: {"description": "The id is another reporter's alert"},
        422: {"description": "The point is outside every grid and township (call 119)"},
    },
)
def raise_alert(
    body: AlertIn,
    principal: Reporter,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> RaisedOut:
    """一键报警: a fire in progress here. Recorded and sent, nearest first, to the nearest
    on-duty grid workers, the grid leader, the township station and the nearest on-duty
    micro fire stations (the worker's next pass sends them, urgent). The answer tells the
    reporter to call 119."""
    alert, created = service.raise_alert(session, principal, body, settings)
    if not created:
        response.status_code = 200
    return raised_out(session, alert)


@router.get(
    "",
    response_model=list[AlertOut],
    responses={
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "how many alerts match, all pages together",
                    "schema": {"type": "integer"},
                }
            }
        }
    },
)
def list_alerts(
    principal: CurrentPrincipal,
    session: SessionDep,
    response: Response,
    state: AlertState | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Offset = 0,
) -> list[AlertOut]:
    """The alerts of your area (staff, leaders) and those you raised or were alerted to,
    newest first, with their recipients and answers."""
    statement = service.query(session, principal, state)
    response.headers["X-Total-Count"] = str(service.count(session, statement))
    return alerts_out(session, list(session.scalars(statement.limit(limit).offset(offset))))


@router.post(
    "/sms",
    response_model=SmsOut,
    responses={
        401: {"description": "Signature, timestamp or nonce refused (a replay): nothing stored"},
        403: {"description": "Not the SMS gateway's account"},
    },
)
def relay_sms(
    body: SmsIn, gateway: SignedClient, session: SessionDep, settings: SettingsDep
) -> SmsOut:
    """A text to the platform's number (上行短信), relayed by the SMS gateway (signed): a fire
    (`火警 109.41,24.35`) or an answer (`1` going, `2` cannot) from a worker without data.
    The answer says what it became and what to text back; the same `message_id` again is
    answered the same and does nothing more."""
    return sms.relay(session, gateway, body, settings)


@router.get("/{alert_id}", response_model=AlertOut, responses=_NOT_FOUND)
def get_alert(alert_id: uuid.UUID, principal: CurrentPrincipal, session: SessionDep) -> AlertOut:
    """The alert with its recipients, nearest first: how far, which channels, delivered,
    answered, going."""
    return alert_out(session, service.get_visible(session, principal, alert_id))


@router.post(
    "/{alert_id}/ack",
    response_model=AlertOut,
    responses={**_NOT_FOUND, 403: {"description": "You were not alerted to this fire"}},
)
def acknowledge(
    alert_id: uuid.UUID, body: AckIn, principal: CurrentPrincipal, session: SessionDep
) -> AlertOut:
    """Answer an alert you received (for yourself, or for your micro station): going or not,
    and in how many minutes. A later answer replaces an earlier one while the alert is open."""
    alert = service.acknowledge(session, principal, alert_id, body.going, body.eta_minutes)
    return alert_out(session, alert)


@router.post(
    "/{alert_id}/recipients/{recipient_id}/ack", response_model=AlertOut, responses=_NOT_FOUND
)
def acknowledge_for(
    alert_id: uuid.UUID,
    recipient_id: uuid.UUID,
    body: AckIn,
    principal: Manager,
    session: SessionDep,
) -> AlertOut:
    """Staff enter the answer a micro station gave on the phone."""
    alert = service.acknowledge_for(
        session, principal, alert_id, recipient_id, body.going, body.eta_minutes
    )
    return alert_out(session, alert)


@router.post("/{alert_id}/close", response_model=AlertOut, responses=_NOT_FOUND)
def close_alert(
    alert_id: uuid.UUID, body: CloseIn, principal: Manager, session: SessionDep
) -> AlertOut:
    """Close the alert: `closed` (已处置) or `false_alarm` (误报)."""
    alert = service.close(session, principal, alert_id, body.outcome, body.note, body.version)
    return alert_out(session, alert)


@me_router.put("/position", response_model=PositionOut)
def put_position(body: PositionIn, principal: Reporter, session: SessionDep) -> PositionOut:
    """Your last position, for the nearest-first choice of 一键报警: kept while you are on
    duty, replacing the one before (never a track); off duty or on leave, it is forgotten."""
    kept = positions.report(
        session, principal, body.lng, body.lat, body.accuracy_m, body.crs, body.at
    )
    return PositionOut(kept=kept)


# --- Photos of the fire ---------------------------------------------------------------------


@router.post(
    "/{alert_id}/photos",
    response_model=AlertPhotoOut,
    status_code=201,
    openapi_extra=IMAGE_BODY,
    responses={
        **_NOT_FOUND,
        409: {"description": "The alert is closed, or holds its most photos"},
        413: {"description": "Too large"},
        415: {"description": "Not JPEG, PNG or HEIC"},
        422: {"description": "Damaged, truncated or too many pixels"},
    },
)
async def add_photo(
    alert_id: uuid.UUID,
    request: Request,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> AlertPhotoOut:
    """A photo of the fire (the raw image as the body), sent after the alert by whoever may
    see it, while it is open; the same photo again is the same one."""
    data = await request.body()
    record = await run_in_threadpool(photos.attach, session, principal, alert_id, data, settings)
    return photo_out(record)


@router.get(
    "/{alert_id}/photos/{sha256}/{variant}",
    response_class=FileResponse,
    responses={**_NOT_FOUND, 403: {"description": "Originals are for staff of the area"}},
)
def get_photo(
    alert_id: uuid.UUID,
    sha256: Annotated[str, Path(pattern=r"^[0-9a-f]{64}$")],
    variant: photos.Variant,
    principal: CurrentPrincipal,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    where, mime = photos.file_of(session, principal, alert_id, sha256, variant, settings)
    return file_response(where, mime)
