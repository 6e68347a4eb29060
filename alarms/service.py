"""Alarm feeds 物联网: the device register, taking a platform's events in (once per device),
routing them to the grid and turning them into work by the rules (alarms/rules.py), and the
reads: devices in scope, a device's feed, counts per premises. No web imports.

A platform's events are taken one platform at a time (`one_at_a_time` on the partner's id:
an advisory lock on PostgreSQL; SQLite's writers already queue), so a repeat racing its
original waits and then finds it, and the count behind a repeated alarm is never taken by two
requests at once: exactly one hazard per burst."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, or_, select
from sqlalchemy.orm import Session

from alarms import rules
from alarms.enums import (
    DEVICE_STEPS,
    EVENT_NAMES,
    KIND_NAMES,
    DeviceKind,
    DeviceRetired,
    DeviceStatus,
    EventKind,
    Outcome,
)
from alarms.models import AlarmDevice, AlarmEvent
from alarms.schemas import DeviceIn, EventIn, EventReceipt
from backend.core import audit
from backend.core.db import one_at_a_time, utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from backend.notify import service as notify
from grids.crs import Crs, to_wgs84
from grids.models import Area
from grids.premises import service as premises_service
from grids.premises.models import Premises
from grids.scope import Scope, area_in_scope, scope_of
from grids.service import place_point
from grids.workforce import staff_placed_at
from hazards import reporting
from hazards.enums import HazardSource
from hazards.schemas import HazardReport
from patrols import tasks as patrol_tasks
from patrols.enums import TaskState
from patrols.models import PatrolTask


class DeviceChangedMeanwhile(Conflict):
    slug, title = "alarm-device-changed-meanwhile", "The device changed since you read it"


class DeviceTaken(Conflict):
    slug, title = "alarm-device-registered", "The platform's device is registered already"


# --- Where a device is ----------------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    lng: float
    lat: float
    area_id: uuid.UUID | None
    area_path: str


def _point_place(session: Session, lng: float, lat: float, crs: Crs, settings: Settings):
    located, placement = place_point(session, lng, lat, crs, settings.routing_snap_m)
    if placement is None:
        return None
    return Place(located["lng"], located["lat"], placement.area_id, placement.area_path)


def _home_path(session: Session, partner: Principal) -> str:
    """The platform's own area (its county, usually): where its events outside every area it
    serves are kept, for that area's staff to see."""
    if partner.scope_area_id is None:
        return ""
    return session.scalar(select(Area.path).where(Area.id == partner.scope_area_id)) or ""


def _partner_named(session: Session, username: str, place: Place) -> User:
    """An active integration client that serves the place; anything else reads alike."""
    user = session.scalar(select(User).where(User.username == username))
    refused = InvalidInput(f"no monitoring platform {username} serves this place", field="partner")
    if user is None or not user.is_active or Role(user.role) is not Role.INTEGRATION:
        raise refused
    if not scope_of(session, Principal.of(user)).covers_path(place.area_path):
        raise refused
    return user


# --- Staff: the register --------------------------------------------------------------------


def platforms_serving(session: Session, principal: Principal) -> list[PlatformServing]:
    """The monitoring platforms a device of the caller's area may be registered to: active
    integration clients whose area meets the caller's, a county's platform for a station, or
    one of its own townships' for a county. The register's form offers them by name, so staff
    need not know a platform's account by heart. Integration clients are not told apart by
    kind (a hotline's account could send alarms too), so those with devices in the caller's
    area come first, with how many."""
    demand(principal.role, Permission.MANAGE_ALARM_DEVICES, "register monitored devices")
    scope = scope_of(session, principal)
    devices = dict(
        session.execute(
            select(AlarmDevice.partner_id, func.count())
            .where(scope.area_clause_on(AlarmDevice.area_path))
            .group_by(AlarmDevice.partner_id)
        ).all()
    )
    rows = session.execute(
        select(User, Area.path, Area.name)
        .outerjoin(Area, Area.id == User.scope_area_id)
        .where(User.role == Role.INTEGRATION.value, User.is_active.is_(True))
        .order_by(User.created_at, User.username)
    ).all()
    serving = [
        PlatformServing(user, name or "", devices.get(user.id, 0))
        for user, path, name in rows
        if path is None
        or scope.everywhere
        or any(path.startswith(mine) or mine.startswith(path) for mine in scope.paths)
    ]
    return sorted(serving, key=lambda p: p.devices == 0)


@dataclass(frozen=True)
class PlatformServing:
    user: User
    area_name: str  # "" for one that serves everywhere
    devices: int  # its devices registered in the caller's area


def register_device(
    session: Session, principal: Principal, body: DeviceIn, settings: Settings
) -> tuple[AlarmDevice, bool]:
    """Register a platform's device at a premises and/or a point in the caller's area. A device
    its first event registered (or one registered before in the caller's area) is updated:
    staff say what and where it is. The device and whether it is new."""
    demand(principal.role, Permission.MANAGE_ALARM_DEVICES, "register monitored devices")
    premises = (
        premises_service.in_scope(session, principal, body.premises_id)
        if body.premises_id is not None
        else None
    )
    if body.location is not None:
        place = _point_place(
            session, body.location.lng, body.location.lat, body.location.crs, settings
        )
        if place is None or not scope_of(session, principal).covers_path(place.area_path):
            raise InvalidInput("the point is in no grid of your area", field="location")
    elif premises is not None:
        place = Place(premises.lng, premises.lat, premises.area_id, premises.area_path)
    else:
        raise InvalidInput("give a premises_id or a location", field="premises_id")
    partner = _partner_named(session, body.partner, place)
    one_at_a_time(session, partner.id)
    device = session.scalar(
        select(AlarmDevice).where(
            AlarmDevice.partner_id == partner.id, AlarmDevice.external_id == body.external_id
        )
    )
    created = device is None
    if device is None:
        device = AlarmDevice(
            partner_id=partner.id,
            external_id=body.external_id,
            status=DeviceStatus.ACTIVE.value,
            auto_registered=False,
            version=1,
        )
        session.add(device)
    elif not scope_of(session, principal).covers_path(device.area_path):
        raise DeviceTaken(
            f"device {body.external_id} of {body.partner} is registered in another area",
            field="external_id",
        )
    else:
        device.version += 1
    device.kind = body.kind.value
    device.premises_id = premises.id if premises else None
    device.lng, device.lat = place.lng, place.lat
    device.area_id, device.area_path = place.area_id, place.area_path
    device.install_place = body.install_place
    device.registered_by = principal.user_id
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="alarm.device_registered" if created else "alarm.device_updated",
        subject_type="alarm_device",
        subject_id=device.id,
        after=_device_snapshot(device, body.partner),
    )
    return device, created


def _device_snapshot(device: AlarmDevice, partner: str) -> dict[str, Any]:
    return {
        "partner": partner,
        "external_id": device.external_id,
        "kind": device.kind,
        "premises_id": str(device.premises_id) if device.premises_id else None,
        "lng": device.lng,
        "lat": device.lat,
        "area_path": device.area_path,
        "install_place": device.install_place,
        "status": device.status,
        "auto_registered": device.auto_registered,
    }


def retire_device(
    session: Session,
    principal: Principal,
    device_id: uuid.UUID,
    version: int | None,
    note: str | None,
) -> AlarmDevice:
    demand(principal.role, Permission.MANAGE_ALARM_DEVICES, "retire monitored devices")
    device = get_device(session, principal, device_id)
    session.refresh(device, with_for_update=True)
    if version is not None and version != device.version:
        raise DeviceChangedMeanwhile(
            f"the device is at version {device.version}, not {version}", version=device.version
        )
    if DeviceStatus.RETIRED not in DEVICE_STEPS[DeviceStatus(device.status)]:
        raise DeviceRetired(f"device {device.external_id} is retired already")
    device.status = DeviceStatus.RETIRED.value
    device.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="alarm.device_retired",
        subject_type="alarm_device",
        subject_id=device.id,
        before={"status": DeviceStatus.ACTIVE.value},
        after={"status": device.status, "note": note},
    )
    return device


# --- Reads ----------------------------------------------------------------------------------


def _scope(session: Session, principal: Principal) -> Scope:
    demand(principal.role, Permission.READ_ALARM_FEEDS, "read alarm feeds")
    return scope_of(session, principal)


def get_device(session: Session, principal: Principal, device_id: uuid.UUID) -> AlarmDevice:
    device = session.scalar(
        select(AlarmDevice).where(
            AlarmDevice.id == device_id,
            _scope(session, principal).area_clause_on(AlarmDevice.area_path),
        )
    )
    if device is None:
        raise NotFound(f"no monitored device with id {device_id}")
    return device


@dataclass(frozen=True)
class DeviceFilter:
    area_code: str | None = None
    premises_id: uuid.UUID | None = None
    status: DeviceStatus | None = None
    kind: DeviceKind | None = None


def device_query(session: Session, principal: Principal, where: DeviceFilter) -> Select:
    """The devices of the caller's area (a station: its township; a brigade: its county), the
    latest heard from first."""
    statement = select(AlarmDevice).where(
        _scope(session, principal).area_clause_on(AlarmDevice.area_path)
    )
    if where.area_code:
        area = area_in_scope(session, principal, where.area_code)
        statement = statement.where(AlarmDevice.area_path.startswith(area.path, autoescape=True))
    if where.premises_id is not None:
        statement = statement.where(AlarmDevice.premises_id == where.premises_id)
    if where.status is not None:
        statement = statement.where(AlarmDevice.status == where.status.value)
    if where.kind is not None:
        statement = statement.where(AlarmDevice.kind == where.kind.value)
    return statement.order_by(
        AlarmDevice.last_event_at.desc().nulls_last(), AlarmDevice.created_at.desc()
    )


def count(session: Session, statement: Select) -> int:
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


@dataclass(frozen=True)
class DeviceNames:
    partner: str
    partner_name: str | None
    premises_name: str | None
    grid_code: str | None


def names_of(session: Session, devices: list[AlarmDevice]) -> dict[uuid.UUID, DeviceNames]:
    """A page of devices' partners, premises and grids by name, in three queries."""
    users = {
        r.id: r
        for r in session.execute(
            select(User.id, User.username, User.display_name).where(
                User.id.in_({d.partner_id for d in devices})
            )
        )
    }
    places = dict(
        session.execute(
            select(Premises.id, Premises.name).where(
                Premises.id.in_({d.premises_id for d in devices if d.premises_id})
            )
        ).all()
    )
    grids = dict(
        session.execute(
            select(Area.id, Area.code).where(
                Area.id.in_({d.area_id for d in devices if d.area_id}), Area.level == "grid"
            )
        ).all()
    )
    return {
        d.id: DeviceNames(
            users[d.partner_id].username,
            users[d.partner_id].display_name,
            places.get(d.premises_id),
            grids.get(d.area_id),
        )
        for d in devices
    }


def partners_of(session: Session, events: list[AlarmEvent]) -> dict[uuid.UUID, str]:
    """A page of events' platforms by username (what a device is registered under), in one
    query."""
    return dict(
        session.execute(
            select(User.id, User.username).where(User.id.in_({e.partner_id for e in events}))
        ).all()
    )


@dataclass(frozen=True)
class EventTask:
    state: str
    assignee: str | None  # the worker's display name


def tasks_of(session: Session, events: list[AlarmEvent]) -> dict[uuid.UUID, EventTask]:
    """A page of events' tasks, with their state and worker, in one query: the feed says
    whether the urgent task was done and by whom, not only that there was one."""
    task_ids = {e.task_id for e in events if e.task_id is not None}
    if not task_ids:
        return {}
    return {
        task_id: EventTask(state, assignee)
        for task_id, state, assignee in session.execute(
            select(PatrolTask.id, PatrolTask.state, User.display_name)
            .outerjoin(User, User.id == PatrolTask.assignee_id)
            .where(PatrolTask.id.in_(task_ids))
        )
    }


def device_events(
    session: Session, principal: Principal, device_id: uuid.UUID, *, limit: int, offset: int
) -> tuple[list[AlarmEvent], int]:
    """A device's feed, newest first, each with what it became."""
    device = get_device(session, principal, device_id)
    statement = (
        select(AlarmEvent)
        .where(AlarmEvent.device_id == device.id)
        .order_by(AlarmEvent.occurred_at.desc(), AlarmEvent.id)
    )
    return list(session.scalars(statement.limit(limit).offset(offset))), count(session, statement)


def event_query(
    session: Session,
    principal: Principal,
    *,
    not_routed: bool | None,
    kind: EventKind | None,
    since: datetime | None,
) -> Select:
    """The events of the caller's area, newest first; `not_routed`: those outside every area
    their platform serves, kept in the platform's own area."""
    statement = select(AlarmEvent).where(
        _scope(session, principal).area_clause_on(AlarmEvent.area_path)
    )
    if not_routed is not None:
        flagged = AlarmEvent.outcome == Outcome.NOT_ROUTED.value
        statement = statement.where(flagged if not_routed else ~flagged)
    if kind is not None:
        statement = statement.where(AlarmEvent.kind == kind.value)
    if since is not None:
        statement = statement.where(AlarmEvent.occurred_at >= since)
    return statement.order_by(AlarmEvent.occurred_at.desc(), AlarmEvent.id)


def events_by_premises(session: Session, since: datetime) -> dict[uuid.UUID, dict[str, int]]:
    """Each premises' events since `since`, counted by kind (`alarm`, `fault`, `recovered`,
    `test`; kinds with none are 0), in one query: the risk score reads it (through its declared
    source, risk.sources). Events of devices at no premises are not counted."""
    rows = session.execute(
        select(AlarmEvent.premises_id, AlarmEvent.kind, func.count())
        .where(AlarmEvent.premises_id.is_not(None), AlarmEvent.occurred_at >= since)
        .group_by(AlarmEvent.premises_id, AlarmEvent.kind)
    ).all()
    counts: dict[uuid.UUID, dict[str, int]] = {}
    for premises_id, kind, n in rows:
        counts.setdefault(premises_id, dict.fromkeys((k.value for k in EventKind), 0))[kind] = n
    return counts


# --- Intake ---------------------------------------------------------------------------------


def receive(
    session: Session, partner: Principal, events: list[EventIn], settings: Settings
) -> list[EventReceipt]:
    """A platform's batch of events, in the request's transaction (all or nothing): each one
    once (a repeat answers with the original), routed and judged by the rules. Events of one
    device are taken in the order they occurred, whatever order they came in."""
    demand(partner.role, Permission.SEND_ALARM_EVENTS, "send alarm events")
    one_at_a_time(session, partner.user_id)
    intake = _Intake(session, partner, settings)
    order = sorted(range(len(events)), key=lambda i: (events[i].device_id, events[i].occurred_at))
    receipts: dict[int, EventReceipt] = {}
    for i in order:
        receipts[i] = intake.take(events[i])
    intake.announce()
    return [receipts[i] for i in range(len(events))]


class _Intake:
    def __init__(self, session: Session, partner: Principal, settings: Settings) -> None:
        self.session, self.partner, self.settings = session, partner, settings
        self.scope = scope_of(session, partner)
        self.home: str | None = None
        self.devices: dict[str, AlarmDevice | None] = {}
        self.messages: list[tuple[uuid.UUID, str, str, dict[str, str]]] = []

    def take(self, body: EventIn) -> EventReceipt:
        session = self.session
        existing = session.scalar(
            select(AlarmEvent).where(
                AlarmEvent.partner_id == self.partner.user_id,
                AlarmEvent.device_ref == body.device_id,
                or_(
                    AlarmEvent.external_id == body.event_id,
                    and_(
                        AlarmEvent.kind == body.kind.value,
                        AlarmEvent.occurred_at == body.occurred_at,
                    ),
                ),
            )
        )
        if existing is not None:
            return _receipt(body.event_id, existing, duplicate=True)
        device = self._device(body)
        now = utcnow()
        event = AlarmEvent(
            id=uuid.uuid4(),
            partner_id=self.partner.user_id,
            device_ref=body.device_id,
            device_id=device.id if device else None,
            external_id=body.event_id,
            kind=body.kind.value,
            occurred_at=body.occurred_at,
            received_at=now,
            reading=body.reading,
            rules_version=rules.VERSION,
        )
        if body.location is not None:
            event.lng, event.lat = to_wgs84(body.location.lng, body.location.lat, body.location.crs)
        if device is None:
            self.home = self.home if self.home is not None else _home_path(session, self.partner)
            event.area_path, event.outcome = self.home, Outcome.NOT_ROUTED.value
        else:
            premises = session.get(Premises, device.premises_id) if device.premises_id else None
            if premises is not None and not premises.archived and premises.area_path:
                event.premises_id, event.area_id = premises.id, premises.area_id
                event.area_path = premises.area_path
            else:
                event.area_id, event.area_path = device.area_id, device.area_path
            if device.last_event_at is None or device.last_event_at < body.occurred_at:
                device.last_event_at = body.occurred_at
            event.outcome = Outcome.RECORDED.value
        session.add(event)
        session.flush()
        if device is not None:
            if device.status == DeviceStatus.RETIRED.value:
                event.outcome = Outcome.DEVICE_RETIRED.value
            else:
                self._judge(event, device)
        session.flush()
        audit.record(
            session,
            actor=self.partner.actor,
            action="alarm.event_received",
            subject_type="alarm_event",
            subject_id=event.id,
            after={
                "device_ref": event.device_ref,
                "device_id": str(event.device_id) if event.device_id else None,
                "event_id": event.external_id,
                "kind": event.kind,
                "occurred_at": event.occurred_at.isoformat(),
                "area_path": event.area_path,
                "outcome": event.outcome,
                "task_id": str(event.task_id) if event.task_id else None,
                "hazard_id": str(event.hazard_id) if event.hazard_id else None,
                "rules_version": event.rules_version,
            },
        )
        return _receipt(body.event_id, event, duplicate=False)

    def _device(self, body: EventIn) -> AlarmDevice | None:
        """The platform's device; an unknown one is registered when the event places it in
        an area the platform serves (a grid), else None (the event is kept, not routed)."""
        if body.device_id in self.devices:
            return self.devices[body.device_id]
        session = self.session
        device = session.scalar(
            select(AlarmDevice).where(
                AlarmDevice.partner_id == self.partner.user_id,
                AlarmDevice.external_id == body.device_id,
            )
        )
        if device is None and body.location is not None:
            place = _point_place(
                session, body.location.lng, body.location.lat, body.location.crs, self.settings
            )
            if place is not None and place.area_path.count("/") == 5:  # a grid's /c/t/v/g/
                if self.scope.covers_path(place.area_path):
                    device = self._register(body, place)
        self.devices[body.device_id] = device
        return device

    def _register(self, body: EventIn, place: Place) -> AlarmDevice:
        device = AlarmDevice(
            partner_id=self.partner.user_id,
            external_id=body.device_id,
            kind=(body.device_kind or DeviceKind.OTHER).value,
            premises_id=None,
            lng=place.lng,
            lat=place.lat,
            area_id=place.area_id,
            area_path=place.area_path,
            install_place="",
            status=DeviceStatus.ACTIVE.value,
            auto_registered=True,
            registered_by=None,
            version=1,
        )
        self.session.add(device)
        self.session.flush()
        audit.record(
            self.session,
            actor=self.partner.actor,
            action="alarm.device_registered",
            subject_type="alarm_device",
            subject_id=device.id,
            after=_device_snapshot(device, self.partner.username),
        )
        return device

    def _judge(self, event: AlarmEvent, device: AlarmDevice) -> None:
        """What the rules make of an event of an active, routed device."""
        rule = rules.RULES[EventKind(event.kind)]
        if rule.outcome is Outcome.RECORDED:
            return
        if rule.outcome is Outcome.CHECK_TASK:
            event.task_id = self._task(event, device, rule, Outcome.CHECK_TASK)
            event.outcome = Outcome.CHECK_TASK.value
            return
        # An alarm: an urgent task (or the device's alarm task still open), and a hazard for
        # the burst once alarms repeat.
        open_task = self._open_alarm_task(device)
        event.task_id = open_task or self._task(event, device, rule, Outcome.URGENT_TASK)
        event.outcome = Outcome.URGENT_TASK.value
        window = rules.window(self.settings)
        if (
            device.burst_hazard_id is not None
            and device.burst_last_alarm_at is not None
            and abs(event.occurred_at - device.burst_last_alarm_at) <= window
        ):
            event.hazard_id, event.outcome = device.burst_hazard_id, Outcome.IN_BURST.value
            device.burst_last_alarm_at = max(device.burst_last_alarm_at, event.occurred_at)
            return
        alarms = self.session.scalar(
            select(func.count()).where(
                AlarmEvent.device_id == device.id,
                AlarmEvent.kind == EventKind.ALARM.value,
                AlarmEvent.occurred_at > event.occurred_at - window,
                AlarmEvent.occurred_at <= event.occurred_at,
            )
        )
        if alarms >= self.settings.alarm_repeat_count:
            event.hazard_id = self._hazard(event, device, alarms)
            event.outcome = Outcome.HAZARD.value
            device.burst_hazard_id, device.burst_last_alarm_at = event.hazard_id, event.occurred_at

    def _open_alarm_task(self, device: AlarmDevice) -> uuid.UUID | None:
        return self.session.scalar(
            select(PatrolTask.id)
            .join(AlarmEvent, AlarmEvent.task_id == PatrolTask.id)
            .where(
                AlarmEvent.device_id == device.id,
                AlarmEvent.kind == EventKind.ALARM.value,
                PatrolTask.state == TaskState.OPEN.value,
            )
            .limit(1)
        )

    def _task(
        self, event: AlarmEvent, device: AlarmDevice, rule: rules.Rule, outcome: Outcome
    ) -> uuid.UUID | None:
        if event.area_id is None:
            return None
        where = f"（{device.install_place}）" if device.install_place else ""
        note = (
            f"{rule.task_title}：{KIND_NAMES[DeviceKind(device.kind)]} {device.external_id}"
            f"{where}，{EVENT_NAMES[EventKind(event.kind)]}"
            + (f"：{event.reading}" if event.reading else "")
        )[:2000]
        task = patrol_tasks.create_task_for_event(
            self.session,
            self.partner.actor,
            source_key=f"alarm:{event.id}",
            premises_id=event.premises_id,
            lng=device.lng,
            lat=device.lat,
            area_id=event.area_id,
            area_path=event.area_path,
            due_at=rules.due_at(outcome, event.occurred_at, event.received_at, self.settings),
            note=note,
        )
        urgent = outcome is Outcome.URGENT_TASK
        data = {
            "kind": "alarm.alarm" if urgent else "alarm.fault",
            "patrol_task_id": str(task.id),
            "alarm_event_id": str(event.id),
        }
        title = "物联网报警，请立即核实" if urgent else "物联网设备故障，请检查"
        audience = [task.assignee_id] if task.assignee_id else []
        if urgent:  # and the township's station
            audience += staff_placed_at(self.session, event.area_path, Role.STATION_STAFF, 1)
        self.messages += [(person, title, note, data) for person in dict.fromkeys(audience)]
        return task.id

    def _hazard(self, event: AlarmEvent, device: AlarmDevice, alarms: int) -> uuid.UUID:
        hours = self.settings.alarm_repeat_window_hours
        premises_id = event.premises_id
        if premises_id is not None and not self.scope.covers_path(event.area_path):
            premises_id = None  # a premises moved out of the platform's area since
        where = f"，安装位置：{device.install_place}" if device.install_place else ""
        hazard, _ = reporting.report_for_monitoring(
            self.session,
            self.partner,
            HazardReport(
                category=rules.HAZARD_CATEGORY[DeviceKind(device.kind)],
                source=HazardSource.MONITORING,
                description=(
                    f"物联网监测：{KIND_NAMES[DeviceKind(device.kind)]} {device.external_id}"
                    f"在{hours}小时内报警{alarms}次（最近一次"
                    f"{event.occurred_at.astimezone(LOCAL_TIME):%Y-%m-%d %H:%M}）{where}"
                )[:2000],
                lng=device.lng,
                lat=device.lat,
                premises_id=premises_id,
                device_time=event.occurred_at,
            ),
            self.settings,
        )
        return hazard.id

    def announce(self) -> None:
        alarm = [m for m in self.messages if m[3]["kind"] == "alarm.alarm"]
        fault = [m for m in self.messages if m[3]["kind"] != "alarm.alarm"]
        notify.push_many(self.session, alarm)
        notify.push_many(self.session, fault)


def _receipt(event_id: str, event: AlarmEvent, *, duplicate: bool) -> EventReceipt:
    return EventReceipt(
        event_id=event_id,
        id=event.id,
        duplicate=duplicate,
        outcome=Outcome(event.outcome),
        device_id=event.device_id,
        task_id=event.task_id,
        hazard_id=event.hazard_id,
    )
