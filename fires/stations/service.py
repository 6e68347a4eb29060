"""The register of micro fire stations and volunteer brigades: scoped by township, phones
masked for those who need not call them, on duty set by staff or by the station's own
members; and the nearest on-duty ones to a point, for 一键报警. No web imports."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any

from geoalchemy2.shape import from_shape
from shapely.geometry import Point
from sqlalchemy import ColumnElement, Select, delete, exists, func, select
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.privacy import mask_phone
from backend.core.settings import get_settings
from backend.identity.permissions import Permission, demand, may
from backend.identity.service import Principal, normalise_mobile
from fires.stations.models import MicroStation, MicroStationMember
from fires.stations.schemas import StationIn, StationPatch
from grids.crs import to_wgs84
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.routing import ground_distance_m
from grids.scope import area_in_scope, scope_of
from grids.service import place_point, point_problems
from grids.workforce import users_in_scope


class StationChangedMeanwhile(Conflict):
    slug, title = "micro-station-changed-meanwhile", "The station changed since you read it"


def visible_clause(session: Session, principal: Principal) -> ColumnElement[bool]:
    """Staff see the stations of their area; a grid worker those located in their grids."""
    return scope_of(session, principal).area_clause_on(MicroStation.area_path)


def get_visible(session: Session, principal: Principal, station_id: uuid.UUID) -> MicroStation:
    station = session.scalar(
        select(MicroStation).where(
            MicroStation.id == station_id, visible_clause(session, principal)
        )
    )
    if station is None:
        raise NotFound(f"no micro station with id {station_id}")
    return station


@dataclass(frozen=True)
class StationFilter:
    township: str | None = None
    on_duty: bool | None = None


def query(session: Session, principal: Principal, where: StationFilter) -> Select:
    statement = select(MicroStation).where(visible_clause(session, principal))
    if where.township is not None:
        area = township_in_scope(session, principal, where.township)
        statement = statement.where(MicroStation.area_id == area.id)
    if where.on_duty is not None:
        statement = statement.where(MicroStation.on_duty.is_(where.on_duty))
    return statement.order_by(MicroStation.name, MicroStation.id)


def township_in_scope(session: Session, principal: Principal, code: str) -> Area:
    area = area_in_scope(session, principal, code)
    if area.level != AreaLevel.TOWNSHIP.value:
        raise NotFound(f"no township with code {code!r}")
    return area


def count(session: Session, statement: Select) -> int:
    return session.scalar(select(func.count()).select_from(statement.order_by(None).subquery()))


def members_of(session: Session, station_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[uuid.UUID]]:
    found: dict[uuid.UUID, list[uuid.UUID]] = {s: [] for s in station_ids}
    if station_ids:
        for station_id, user_id in session.execute(
            select(MicroStationMember.station_id, MicroStationMember.user_id)
            .where(MicroStationMember.station_id.in_(station_ids))
            .order_by(MicroStationMember.user_id)
        ):
            found[station_id].append(user_id)
    return found


def phones_for(principal: Principal, station: MicroStation) -> tuple[str | None, str | None]:
    """The contact and duty phones as the caller sees them: in clear for those who manage the
    register, masked for the rest."""
    if may(principal.role, Permission.MANAGE_MICRO_STATIONS):
        return station.contact_phone, station.duty_phone
    return mask_phone(station.contact_phone), mask_phone(station.duty_phone)


def snapshot(station: MicroStation, members: list[uuid.UUID]) -> dict[str, Any]:
    """What the audit log keeps of a station: phones masked (the register holds them)."""
    return {
        "name": station.name,
        "kind": station.kind,
        "area_path": station.area_path,
        "lng": station.lng,
        "lat": station.lat,
        "contact_name": station.contact_name,
        "contact_phone": mask_phone(station.contact_phone),
        "duty_phone": mask_phone(station.duty_phone),
        "members_count": station.members_count,
        "member_ids": [str(m) for m in members],
        "on_duty": station.on_duty,
    }


def _located_in(session: Session, township: Area, lng: float, lat: float) -> str:
    """The path the station's point routes to (its grid, else its township): scope follows
    it, so that a grid worker sees the stations in their grids. A point outside the township
    it belongs to is refused."""
    _, placement = place_point(session, lng, lat, Crs.WGS84, get_settings().routing_snap_m)
    if placement is None or not placement.area_path.startswith(township.path):
        reason = f"({lng}, {lat}) is not inside the township {township.code}"
        raise InvalidInput(reason, errors=point_problems(reason))
    return placement.area_path


def _phone(value: str | None, field: str) -> str | None:
    try:
        return normalise_mobile(value)
    except InvalidInput:
        raise InvalidInput("must be a mainland mobile number (11 digits)", field=field) from None


def _members(session: Session, principal: Principal, ids: list[uuid.UUID]) -> list[uuid.UUID]:
    wanted = list(dict.fromkeys(ids))
    found = users_in_scope(session, scope_of(session, principal), wanted)
    missing = [u for u in wanted if u not in found]
    if missing:
        raise NotFound(f"no user with id {missing[0]}")
    return wanted


def _set_members(session: Session, station: MicroStation, members: list[uuid.UUID]) -> None:
    session.execute(delete(MicroStationMember).where(MicroStationMember.station_id == station.id))
    for user_id in members:
        session.add(MicroStationMember(station_id=station.id, user_id=user_id))


def create(session: Session, principal: Principal, body: StationIn) -> MicroStation:
    demand(principal.role, Permission.MANAGE_MICRO_STATIONS, "register micro stations")
    township = area_in_scope(session, principal, body.township)
    if township.level != AreaLevel.TOWNSHIP.value:
        raise InvalidInput("name the township the station belongs to", field="township")
    lng, lat = to_wgs84(body.lng, body.lat, body.crs)
    area_path = _located_in(session, township, lng, lat)
    contact_phone = _phone(body.contact_phone, "contact_phone")
    duty_phone = _phone(body.duty_phone, "duty_phone")
    members = _members(session, principal, body.member_ids)
    station = MicroStation(
        name=body.name,
        kind=body.kind.value,
        area_id=township.id,
        area_path=area_path,
        lng=lng,
        lat=lat,
        location=from_shape(Point(lng, lat), srid=4326),
        contact_name=body.contact_name,
        contact_phone=contact_phone,
        duty_phone=duty_phone,
        members_count=body.members_count,
        on_duty=body.on_duty,
        version=1,
    )
    session.add(station)
    session.flush()
    _set_members(session, station, members)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="micro_station.registered",
        subject_type="micro_station",
        subject_id=station.id,
        after=snapshot(station, members),
    )
    return station


def _hold(
    session: Session, principal: Principal, station_id: uuid.UUID, version: int | None
) -> MicroStation:
    station = get_visible(session, principal, station_id)
    session.refresh(station, with_for_update=True)
    if version is not None and version != station.version:
        raise StationChangedMeanwhile(
            f"the station is at version {station.version}, not {version}",
            version=station.version,
        )
    return station


def _managed(session: Session, principal: Principal, station: MicroStation) -> None:
    """Changing the register needs the permission and the station's township in one's own
    area (a worker sees the stations of their township but manages none)."""
    demand(principal.role, Permission.MANAGE_MICRO_STATIONS, "change the register")
    if not scope_of(session, principal).covers_path(station.area_path):
        raise NotFound(f"no micro station with id {station.id}")


def update(
    session: Session, principal: Principal, station_id: uuid.UUID, body: StationPatch
) -> MicroStation:
    station = _hold(session, principal, station_id, body.version)
    _managed(session, principal, station)
    before = snapshot(station, members_of(session, [station.id])[station.id])
    changes = body.model_dump(exclude_unset=True, exclude={"version", "crs", "lng", "lat"})
    if (body.lng is None) != (body.lat is None):
        raise InvalidInput("give lng and lat together", field="lng" if body.lng is None else "lat")
    if body.lng is not None and body.lat is not None:
        station.lng, station.lat = to_wgs84(body.lng, body.lat, body.crs)
        township = session.get(Area, station.area_id)
        station.area_path = _located_in(session, township, station.lng, station.lat)
        station.location = from_shape(Point(station.lng, station.lat), srid=4326)
    for name in ("name", "contact_name", "members_count"):
        if changes.get(name) is not None:
            setattr(station, name, changes[name])
    if body.kind is not None:
        station.kind = body.kind.value
    if "contact_phone" in changes:
        if body.contact_phone is None:
            raise InvalidInput("a station keeps a contact phone", field="contact_phone")
        station.contact_phone = _phone(body.contact_phone, "contact_phone")
    if "duty_phone" in changes:
        station.duty_phone = _phone(body.duty_phone, "duty_phone")
    if body.member_ids is not None:
        _set_members(session, station, _members(session, principal, body.member_ids))
    station.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="micro_station.changed",
        subject_type="micro_station",
        subject_id=station.id,
        before=before,
        after=snapshot(station, members_of(session, [station.id])[station.id]),
    )
    return station


def remove(session: Session, principal: Principal, station_id: uuid.UUID) -> None:
    station = _hold(session, principal, station_id, None)
    _managed(session, principal, station)
    before = snapshot(station, members_of(session, [station.id])[station.id])
    session.delete(station)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="micro_station.removed",
        subject_type="micro_station",
        subject_id=station_id,
        before=before,
    )


def is_member(session: Session, station_id: uuid.UUID, user_id: uuid.UUID) -> bool:
    return bool(
        session.scalar(
            select(
                exists().where(
                    MicroStationMember.station_id == station_id,
                    MicroStationMember.user_id == user_id,
                )
            )
        )
    )


def set_duty(
    session: Session, principal: Principal, station_id: uuid.UUID, on_duty: bool
) -> MicroStation:
    """On or off duty: staff who manage the register, or one of the station's own members."""
    station = _hold(session, principal, station_id, None)
    member = is_member(session, station.id, principal.user_id)
    if not member:
        if not may(principal.role, Permission.MANAGE_MICRO_STATIONS):
            raise Forbidden("only the register's staff or the station's own members set its duty")
        _managed(session, principal, station)
    if station.on_duty != on_duty:
        station.on_duty = on_duty
        station.version += 1
        session.flush()
        audit.record(
            session,
            actor=principal.actor,
            action="micro_station.duty_changed",
            subject_type="micro_station",
            subject_id=station.id,
            before={"on_duty": not on_duty},
            after={"on_duty": on_duty, "by_member": member},
        )
    return station


# --- The nearest on-duty stations (一键报警) ------------------------------------------------------


@dataclass(frozen=True)
class Nearby:
    station_id: uuid.UUID
    name: str
    distance_m: float
    duty_phone: str | None
    members: tuple[uuid.UUID, ...]


def nearest_on_duty(
    session: Session, lng: float, lat: float, k: int, radius_m: float
) -> list[Nearby]:
    """The `k` on-duty stations nearest the point within `radius_m`, nearest first. Stations
    are few (tens per county): their bounding box search, then the ground distance."""
    if k <= 0:
        return []
    box = _box(lng, lat, radius_m)
    rows = session.execute(
        select(
            MicroStation.id,
            MicroStation.name,
            MicroStation.lng,
            MicroStation.lat,
            MicroStation.duty_phone,
        ).where(
            MicroStation.on_duty.is_(True),
            dialect.bbox_intersects(session.get_bind().dialect.name, MicroStation.location, box),
        )
    ).all()
    measured = sorted(
        (float(ground_distance_m(lng, lat, r.lng, r.lat)), str(r.id), r) for r in rows
    )
    chosen = [(d, r) for d, _, r in measured if d <= radius_m][:k]
    members = members_of(session, [r.id for _, r in chosen])
    return [
        Nearby(r.id, r.name, round(d, 1), r.duty_phone, tuple(members[r.id])) for d, r in chosen
    ]


def _box(lng: float, lat: float, radius_m: float) -> tuple[float, float, float, float]:
    dlat = radius_m / 111_320.0
    dlng = radius_m / (111_320.0 * max(math.cos(math.radians(lat)), 0.01))
    return (lng - dlng, lat - dlat, lng + dlng, lat + dlat)
