"""Alarm feeds over HTTP. Thin: rules live in alarms.service.

A monitoring platform posts its events, signed (docs/integration-auth.md), to
`POST /api/v1/alarm-feeds/events`: an unsigned, stale or replayed request is refused (401)
before anything is read. Staff register devices and read the feeds under
`/api/v1/alarm-feeds/devices`; docs/alarm-feeds.md."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response
from pydantic import AwareDatetime

from alarms import service
from alarms.enums import EVENT_NAMES, KIND_NAMES, DeviceKind, DeviceStatus, EventKind, Outcome
from alarms.models import AlarmDevice, AlarmEvent
from alarms.schemas import (
    BatchReceipt,
    DeviceIn,
    DeviceOut,
    EventBatchIn,
    EventOut,
    PlatformOut,
    RetireIn,
)
from backend.core.types import Text
from backend.core.web import Offset
from backend.identity.dependencies import SessionDep, SettingsDep, SignedClient, require
from backend.identity.permissions import Permission
from backend.identity.service import Principal

router = APIRouter(prefix="/api/v1/alarm-feeds", tags=["alarm feeds"])

Reader = Annotated[Principal, Depends(require(Permission.READ_ALARM_FEEDS))]
Manager = Annotated[Principal, Depends(require(Permission.MANAGE_ALARM_DEVICES))]
_NOT_FOUND = {404: {"description": "No such device (or premises, area) in your scope"}}
_TOTAL = {
    200: {
        "headers": {
            "X-Total-Count": {
                "description": "how many match, all pages together",
                "schema": {"type": "integer"},
            }
        }
    }
}


def device_out(device: AlarmDevice, names: service.DeviceNames) -> DeviceOut:
    kind = DeviceKind(device.kind)
    return DeviceOut(
        id=device.id,
        partner=names.partner,
        partner_name=names.partner_name,
        external_id=device.external_id,
        kind=kind,
        kind_name=KIND_NAMES[kind],
        premises_id=device.premises_id,
        premises_name=names.premises_name,
        lng=device.lng,
        lat=device.lat,
        area_path=device.area_path,
        grid_code=names.grid_code,
        install_place=device.install_place,
        status=DeviceStatus(device.status),
        auto_registered=device.auto_registered,
        last_event_at=device.last_event_at,
        created_at=device.created_at,
        version=device.version,
    )


def event_out(
    event: AlarmEvent, partners: dict[uuid.UUID, str], tasks: dict[uuid.UUID, service.EventTask]
) -> EventOut:
    kind = EventKind(event.kind)
    task = tasks.get(event.task_id) if event.task_id is not None else None
    return EventOut(
        id=event.id,
        event_id=event.external_id,
        partner=partners.get(event.partner_id, ""),
        device_ref=event.device_ref,
        device_id=event.device_id,
        kind=kind,
        kind_name=EVENT_NAMES[kind],
        occurred_at=event.occurred_at,
        received_at=event.received_at,
        reading=event.reading,
        premises_id=event.premises_id,
        area_path=event.area_path,
        outcome=Outcome(event.outcome),
        not_routed=event.outcome == Outcome.NOT_ROUTED,
        task_id=event.task_id,
        task_state=task.state if task else None,
        task_assignee=task.assignee if task else None,
        hazard_id=event.hazard_id,
        rules_version=event.rules_version,
    )


def _one(session, device: AlarmDevice) -> DeviceOut:
    return device_out(device, service.names_of(session, [device])[device.id])


@router.post(
    "/events",
    response_model=BatchReceipt,
    responses={
        401: {"description": "Signature, timestamp or nonce refused (a replay): nothing stored"},
        403: {"description": "The signed client may not send alarm events"},
    },
)
def post_events(
    body: EventBatchIn, partner: SignedClient, session: SessionDep, settings: SettingsDep
) -> BatchReceipt:
    """A monitoring platform's events, up to 500 at once, all taken or none. Each is taken
    once per device: sent again (by its `event_id`, or the same kind at the same
    `occurred_at`), it answers with the original's id and `duplicate: true`, making nothing."""
    return BatchReceipt(events=service.receive(session, partner, body.events, settings))


@router.get("/platforms", response_model=list[PlatformOut])
def list_platforms(principal: Manager, session: SessionDep) -> list[PlatformOut]:
    """The monitoring platforms that serve your area, those with devices here first: whom a
    device may be registered to."""
    return [
        PlatformOut(
            username=p.user.username,
            display_name=p.user.display_name,
            area_name=p.area_name,
            devices=p.devices,
        )
        for p in service.platforms_serving(session, principal)
    ]


@router.get("/devices", response_model=list[DeviceOut], responses={**_TOTAL, **_NOT_FOUND})
def list_devices(
    principal: Reader,
    session: SessionDep,
    response: Response,
    area: Annotated[Text | None, Query(max_length=32, description="an area code in scope")] = None,
    premises_id: uuid.UUID | None = None,
    status: DeviceStatus | None = None,
    kind: DeviceKind | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[DeviceOut]:
    """The monitored devices of your area, the latest heard from first."""
    statement = service.device_query(
        session,
        principal,
        service.DeviceFilter(area_code=area, premises_id=premises_id, status=status, kind=kind),
    )
    response.headers["X-Total-Count"] = str(service.count(session, statement))
    devices = list(session.scalars(statement.limit(limit).offset(offset)))
    names = service.names_of(session, devices)
    return [device_out(d, names[d.id]) for d in devices]


@router.post(
    "/devices",
    response_model=DeviceOut,
    status_code=201,
    responses={**_NOT_FOUND, 200: {"description": "The device was registered: updated"}},
)
def register_device(
    body: DeviceIn,
    principal: Manager,
    session: SessionDep,
    settings: SettingsDep,
    response: Response,
) -> DeviceOut:
    """Register a platform's device at a premises and/or a point of your area. One registered
    before (by its first event, or by you) is updated, answering 200."""
    device, created = service.register_device(session, principal, body, settings)
    if not created:
        response.status_code = 200
    return _one(session, device)


@router.get("/devices/{device_id}", response_model=DeviceOut, responses=_NOT_FOUND)
def get_device(device_id: uuid.UUID, principal: Reader, session: SessionDep) -> DeviceOut:
    return _one(session, service.get_device(session, principal, device_id))


@router.post("/devices/{device_id}/retire", response_model=DeviceOut, responses=_NOT_FOUND)
def retire_device(
    device_id: uuid.UUID, body: RetireIn, principal: Manager, session: SessionDep
) -> DeviceOut:
    """Take a device out of service: its events are still kept, nothing more is made of them."""
    device = service.retire_device(session, principal, device_id, body.version, body.note)
    return _one(session, device)


@router.get(
    "/devices/{device_id}/events",
    response_model=list[EventOut],
    responses={**_TOTAL, **_NOT_FOUND},
)
def device_events(
    device_id: uuid.UUID,
    principal: Reader,
    session: SessionDep,
    response: Response,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[EventOut]:
    """A device's alarm feed, newest first, each event with what it became (task, hazard)."""
    events, total = service.device_events(session, principal, device_id, limit=limit, offset=offset)
    response.headers["X-Total-Count"] = str(total)
    partners, tasks = service.partners_of(session, events), service.tasks_of(session, events)
    return [event_out(e, partners, tasks) for e in events]


@router.get("/events", response_model=list[EventOut], responses=_TOTAL)
def list_events(
    principal: Reader,
    session: SessionDep,
    response: Response,
    not_routed: Annotated[
        bool | None,
        Query(description="true: events outside every area their platform serves (flagged)"),
    ] = None,
    kind: EventKind | None = None,
    since: AwareDatetime | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    offset: Offset = 0,
) -> list[EventOut]:
    """The events of your area, newest first."""
    statement = service.event_query(
        session, principal, not_routed=not_routed, kind=kind, since=since
    )
    response.headers["X-Total-Count"] = str(service.count(session, statement))
    events = list(session.scalars(statement.limit(limit).offset(offset)))
    partners, tasks = service.partners_of(session, events), service.tasks_of(session, events)
    return [event_out(e, partners, tasks) for e in events]
