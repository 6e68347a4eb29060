"""火灾事故, the register of fire incidents: the rules. No web imports.

Who sees an incident is who sees its place: `area_path` is the grid's (or the township's when
no grid covers the point), and scope is a prefix match (grids.scope); anything outside answers
404, exactly as a made-up id. Station and brigade staff record (`record_fire_incidents`) in
their own area only: a point outside it is refused (422, naming lng/lat), a premises outside
it is not found. Given a premises, the incident's grid is the premises' grid.

States: draft -> confirmed -> published, or withdrawn from any of them (with a reason); edits
while draft or confirmed (fires.incidents.lifecycle). Each step is a conditional update on the
state read, and is audited on the incident and, when it names one, on its premises.

Published incidents are public in masked form (`public_incidents`, decision 0056). The risk
score reads `incidents_by_premises` / `incidents_by_grid`: one grouped query over a period.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from enum import Enum
from typing import Any

from sqlalchemy import Select, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.localtime import LOCAL_TIME, day_start
from backend.core.privacy import mask_free_text
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from fires.alerts.models import FireAlert
from fires.incidents.enums import (
    PLACE_NAMES,
    IncidentAction,
    IncidentSource,
    IncidentState,
    PlaceCategory,
)
from fires.incidents.lifecycle import (
    EDITABLE,
    INCIDENT_LIFECYCLE,
    IncidentNotEditable,
    IncidentTransitionNotAllowed,
)
from fires.incidents.models import FireIncident
from fires.incidents.schemas import IncidentIn, IncidentPatch
from grids.enums import Crs
from grids.models import Area
from grids.premises import service as premises_service
from grids.premises.enums import PremisesType
from grids.premises.models import Premises
from grids.scope import area_in_scope, scope_of
from grids.service import place_point, point_problems, refuse_unusable_point

SUBJECT = "fire_incident"
PREMISES_SUBJECT = "premises"
# A clock a few minutes fast on the recording computer is not a fire in the future.
CLOCK_SLACK = timedelta(minutes=10)


class OutsideYourArea(InvalidInput):
    slug, title = "fire-incident-outside-area", "The place is outside your area"


class StaleIncident(Conflict):
    slug, title = "fire-incident-stale", "The fire incident changed since you read it"


class AlertRecordedAlready(Conflict):
    slug, title = "fire-incident-alert-recorded", "The alert is recorded as an incident already"


# --- Who sees which incident ---------------------------------------------------------------------


def get_visible(session: Session, principal: Principal, incident_id: uuid.UUID) -> FireIncident:
    demand(principal.role, Permission.READ_FIRE_INCIDENTS, "read fire incidents")
    incident = session.get(FireIncident, incident_id)
    if incident is None or not scope_of(session, principal).covers_path(incident.area_path):
        raise NotFound(f"no fire incident with id {incident_id}")
    return incident


@dataclass(frozen=True)
class IncidentFilter:
    township: str | None = None  # an area code (any level works; the console sends townships)
    grid: str | None = None
    premises_id: uuid.UUID | None = None
    occurred_from: date | None = None  # Beijing days, inclusive
    occurred_to: date | None = None
    cause: str | None = None
    state: str | None = None


def query_in_scope(session: Session, principal: Principal, where: IncidentFilter) -> Select:
    """The incidents the caller sees that match, newest fire first. An area or premises
    outside the scope is not found, as a made-up one."""
    demand(principal.role, Permission.READ_FIRE_INCIDENTS, "read fire incidents")
    scope = scope_of(session, principal)
    query = select(FireIncident)
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(FireIncident.area_path))
    for code in (where.township, where.grid):
        if code:
            area = area_in_scope(session, principal, code)
            query = query.where(FireIncident.area_path.startswith(area.path, autoescape=True))
    if where.premises_id is not None:
        premises = premises_service.in_scope(session, principal, where.premises_id)
        query = query.where(FireIncident.premises_id == premises.id)
    if where.occurred_from is not None:
        query = query.where(FireIncident.occurred_at >= day_start(where.occurred_from))
    if where.occurred_to is not None:
        query = query.where(
            FireIncident.occurred_at < day_start(where.occurred_to + timedelta(days=1))
        )
    if where.cause:
        query = query.where(FireIncident.cause == where.cause)
    if where.state:
        query = query.where(FireIncident.state == where.state)
    return query.order_by(FireIncident.occurred_at.desc(), FireIncident.id)


def count_in_scope(session: Session, principal: Principal, where: IncidentFilter) -> int:
    found = query_in_scope(session, principal, where).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


def actions_for(principal: Principal, incident: FireIncident) -> list[str]:
    """What the caller may do with it now: the lifecycle's steps, and `edit` while editable."""
    state = IncidentState(incident.state)
    steps = [str(row.action) for row in INCIDENT_LIFECYCLE.rows_from(state, principal.role)]
    if steps and state in EDITABLE:
        steps.append("edit")
    return steps


# --- Recording and editing -----------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    columns: dict[str, Any]  # lng, lat, location, raw_*, area_id, area_path, route_status
    premises: Premises | None


def _place(
    session: Session,
    settings: Settings,
    principal: Principal,
    *,
    lng: float | None,
    lat: float | None,
    crs,
    premises_id: uuid.UUID | None,
) -> _Place:
    """Where the incident is: a premises (in scope; its grid, and its location unless a point
    is given) or a point routed to its grid, which must lie in the caller's area."""
    if (lng is None) != (lat is None):
        missing = "lat" if lat is None else "lng"
        raise InvalidInput("give both lng and lat, or neither", field=missing)
    premises = None
    if premises_id is not None:
        premises = premises_service.in_scope(session, principal, premises_id)
    if lng is None:
        if premises is None:
            raise InvalidInput(
                "give the place: lng and lat, or the premises that burned",
                errors=[
                    {"field": f, "message": "a point or a premises is needed"}
                    for f in ("lng", "lat", "premises_id")
                ],
            )
        lng, lat, crs = premises.raw_lng, premises.raw_lat, Crs(premises.raw_crs)
    located, placement = place_point(session, lng, lat, crs, settings.routing_snap_m)
    if premises is not None:
        # The premises' grid, even when the point (a gate, a road) routes next door.
        located |= {
            "area_id": premises.area_id,
            "area_path": premises.area_path,
            "route_status": premises.route_status,
        }
        return _Place(located, premises)
    refuse_unusable_point(lng, lat, placement)
    if not scope_of(session, principal).covers_path(located["area_path"]):
        reason = f"({lng}, {lat}) is outside your area: record incidents of your own area"
        raise OutsideYourArea(reason, errors=point_problems(reason))
    return _Place(located, None)


def _check_times(
    occurred_at: datetime, reported_at: datetime | None, arrived_at: datetime | None
) -> None:
    if occurred_at > utcnow() + CLOCK_SLACK:
        raise InvalidInput("a fire cannot break out in the future", field="occurred_at")
    for name, moment in (("reported_at", reported_at), ("arrived_at", arrived_at)):
        if moment is not None and moment < occurred_at:
            raise InvalidInput(f"{name} is before the fire broke out (occurred_at)", field=name)


FIELDS = (
    "occurred_at",
    "reported_at",
    "address",
    "cause",
    "place_category",
    "deaths",
    "injuries",
    "direct_loss_yuan",
    "burned_area_m2",
    "summary",
    "responders",
    "arrived_at",
    "responding_unit",
    "response_note",
)


def _alert_in_scope(session: Session, principal: Principal, alert_id: uuid.UUID) -> None:
    """The 一键报警 alert an incident is recorded from: one of the caller's area, else the same
    404 as a made-up id."""
    area_path = session.scalar(select(FireAlert.area_path).where(FireAlert.id == alert_id))
    if area_path is None or not scope_of(session, principal).covers_path(area_path):
        raise NotFound(f"no fire alert with id {alert_id}", field="alert_id")


def record(
    session: Session, settings: Settings, principal: Principal, body: IncidentIn
) -> FireIncident:
    row = INCIDENT_LIFECYCLE.allowed(IncidentState.NEW, IncidentAction.RECORD, principal.role, body)
    _check_times(body.occurred_at, body.reported_at, body.arrived_at)
    if body.alert_id is not None:
        _alert_in_scope(session, principal, body.alert_id)
    place = _place(
        session,
        settings,
        principal,
        lng=body.lng,
        lat=body.lat,
        crs=body.crs,
        premises_id=body.premises_id,
    )
    values = {name: _stored(getattr(body, name)) for name in FIELDS}
    incident = FireIncident(
        id=new_id(),
        state=row.target.value,
        **values,
        **place.columns,
        premises_id=place.premises.id if place.premises else None,
        source=(IncidentSource.ALERT if body.alert_id else IncidentSource.STAFF).value,
        alert_id=body.alert_id,
        recorded_by=principal.user_id,
        recorded_at=utcnow(),
        version=1,
    )
    try:
        with session.begin_nested():  # alert_id is unique: an alert becomes one incident
            session.add(incident)
            session.flush()
    except IntegrityError:
        raise AlertRecordedAlready(
            f"alert {body.alert_id} is recorded as a fire incident already", field="alert_id"
        ) from None
    _audit(session, principal, incident, "fire_incident.recorded", None, _snapshot(incident))
    return incident


def change(
    session: Session,
    settings: Settings,
    principal: Principal,
    incident_id: uuid.UUID,
    patch: IncidentPatch,
) -> FireIncident:
    """Edit a draft or confirmed incident, on the version read."""
    incident = get_visible(session, principal, incident_id)
    demand(principal.role, Permission.RECORD_FIRE_INCIDENTS, "record fire incidents")
    if IncidentState(incident.state) not in EDITABLE:
        raise IncidentNotEditable(
            f"a {incident.state} fire incident is not edited", state=incident.state
        )
    given = patch.model_dump(exclude_unset=True)
    given.pop("version")
    for name, value in given.items():
        if value is None and name in {
            "occurred_at",
            "address",
            "cause",
            "place_category",
            "deaths",
            "injuries",
            "direct_loss_yuan",
            "burned_area_m2",
            "summary",
            "responders",
            "responding_unit",
            "response_note",
            "crs",
        }:
            raise InvalidInput(f"{name} cannot be emptied", field=name)
    wanted = {name: _stored(given[name]) for name in FIELDS if name in given}
    _check_times(
        wanted.get("occurred_at", incident.occurred_at),
        wanted.get("reported_at", incident.reported_at),
        wanted.get("arrived_at", incident.arrived_at),
    )
    if given.keys() & {"lng", "lat", "crs", "premises_id"}:
        premises_id = given.get("premises_id", incident.premises_id)
        crs = given.get("crs") or Crs(incident.raw_crs)
        if given.keys() & {"lng", "lat"}:
            lng, lat = given.get("lng"), given.get("lat")  # both, or _place says which is missing
        elif given.get("premises_id") is not None:
            lng = lat = None  # another premises, no point: its location
        else:
            lng, lat = incident.raw_lng, incident.raw_lat
        place = _place(
            session, settings, principal, lng=lng, lat=lat, crs=crs, premises_id=premises_id
        )
        wanted |= place.columns
        wanted["premises_id"] = place.premises.id if place.premises else None
    before = _snapshot(incident)
    changed = session.execute(
        update(FireIncident)
        .where(
            FireIncident.id == incident.id,
            FireIncident.version == patch.version,
            FireIncident.state.in_([s.value for s in EDITABLE]),
        )
        .values(**wanted, version=FireIncident.version + 1, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(incident)
    if not changed:
        if IncidentState(incident.state) not in EDITABLE:
            raise IncidentNotEditable(
                f"a {incident.state} fire incident is not edited", state=incident.state
            )
        raise StaleIncident(
            f"the incident is at version {incident.version}, you read {patch.version}",
            field="version",
            version=incident.version,
        )
    after = _snapshot(incident)
    _audit(
        session,
        principal,
        incident,
        "fire_incident.changed",
        {k: v for k, v in before.items() if after.get(k) != v},
        {k: v for k, v in after.items() if before.get(k) != v},
        premises_ids={before.get("premises_id"), after.get("premises_id")},
    )
    return incident


# --- Steps ---------------------------------------------------------------------------------------


def take_step(
    session: Session,
    principal: Principal,
    incident_id: uuid.UUID,
    action: IncidentAction,
    reason: str | None = None,
) -> FireIncident:
    """Confirm, publish or withdraw (with a reason), as a conditional update from the state
    read: a second click at the same moment is refused, never applied twice."""
    incident = get_visible(session, principal, incident_id)

    @dataclass
    class _Carried:
        reason: str | None

    row = INCIDENT_LIFECYCLE.allowed(
        IncidentState(incident.state), action, principal.role, _Carried(reason)
    )
    now = utcnow()
    stamp: dict[str, Any] = {
        IncidentAction.CONFIRM: {"confirmed_at": now},
        IncidentAction.PUBLISH: {"published_at": now},
        IncidentAction.WITHDRAW: {"withdrawn_at": now, "withdrawal_reason": reason},
    }[action]
    changed = session.execute(
        update(FireIncident)
        .where(FireIncident.id == incident.id, FireIncident.state == row.source.value)
        .values(state=row.target.value, version=FireIncident.version + 1, updated_at=now, **stamp)
        .execution_options(synchronize_session=False)
    ).rowcount
    session.refresh(incident)
    if not changed:
        state = IncidentState(incident.state)
        raise IncidentTransitionNotAllowed(
            f"{action.value} is not possible for a {state.value} fire incident",
            state=state.value,
            possible=[str(a) for a in INCIDENT_LIFECYCLE.actions_from(state)],
        )
    after: dict[str, Any] = {"state": row.target.value}
    if reason:
        after["reason"] = reason
    _audit(
        session,
        principal,
        incident,
        f"fire_incident.{row.target.value}",
        {"state": row.source.value},
        after,
    )
    return incident


def _stored(value: Any) -> Any:
    return value.value if isinstance(value, Enum) else value


def _snapshot(incident: FireIncident) -> dict[str, Any]:
    """What the audit keeps: every field but the geometry; times as ISO text."""
    out: dict[str, Any] = {}
    for name in (*FIELDS, "lng", "lat", "area_path", "premises_id", "source", "alert_id", "state"):
        value = getattr(incident, name)
        if isinstance(value, datetime):
            value = value.isoformat()
        elif isinstance(value, uuid.UUID):
            value = str(value)
        out[name] = value
    return out


def _audit(
    session: Session,
    principal: Principal,
    incident: FireIncident,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any],
    premises_ids: set | None = None,
) -> None:
    """One event on the incident, and one on each premises it names, so that the premises'
    timeline shows its fires."""
    subjects: list[tuple[str, Any]] = [(SUBJECT, incident.id)]
    for premises_id in premises_ids or {incident.premises_id}:
        if premises_id:
            subjects.append((PREMISES_SUBJECT, premises_id))
    for subject_type, subject_id in subjects:
        audit.record(
            session,
            actor=principal.actor,
            action=action,
            subject_type=subject_type,
            subject_id=subject_id,
            before=before,
            after={"fire_incident_id": str(incident.id), **after},
        )


# --- Names beside the ids ------------------------------------------------------------------------


@dataclass(frozen=True)
class Labels:
    areas: dict[str, tuple[str, str]]  # code -> (code, name)
    premises: dict[uuid.UUID, tuple[str, str]]  # id -> (name, premises type)


def path_codes(path: str) -> list[str]:
    """`/county/township/village/grid/` -> its codes, county first."""
    return [code for code in path.split("/") if code]


def labels_for(session: Session, incidents: Iterable[Any]) -> Labels:
    """The names of the areas and premises a batch of incidents names, in two queries."""
    incidents = list(incidents)
    codes = {code for i in incidents for code in path_codes(i.area_path)}
    ids = {i.premises_id for i in incidents if i.premises_id}
    areas = (
        {
            code: (code, name)
            for code, name in session.execute(
                select(Area.code, Area.name).where(Area.code.in_(codes))
            )
        }
        if codes
        else {}
    )
    premises = (
        {
            pid: (name, kind)
            for pid, name, kind in session.execute(
                select(Premises.id, Premises.name, Premises.premises_type).where(
                    Premises.id.in_(ids)
                )
            )
        }
        if ids
        else {}
    )
    return Labels(areas, premises)


# --- Public, masked (decision 0056) --------------------------------------------------------------

# An address is cut after the last of these that comes before the first digit: what is left
# names the street, road or village, never the house, building, unit or room.
_PLACE_MARKERS = "省市区县旗镇乡村屯组路街道巷弄里社区"
_NUMBER = re.compile(
    r"[0-9０-９一二三四五六七八九十百]+\s*(号|栋|幢|单元|室|楼|层|弄|组|排|巷)|[0-9０-９]"
)
PUBLIC_NAMED = frozenset({PremisesType.PUBLIC_GATHERING.value})


def public_address(address: str, township: str) -> str:
    """The address to the street or village: everything from the first house number on is
    dropped, then anything after the last place word (路, 街, 村, ...). An address with no place
    word before its number says only the township."""
    text = mask_free_text(address) or ""
    number = _NUMBER.search(text)
    head = text[: number.start()] if number else text
    last = max((head.rfind(c) for c in _PLACE_MARKERS), default=-1)
    if last < 0:
        return township
    head = head[: last + 1]
    if head.endswith("社"):  # 社区 split by the cut above: keep the whole word
        head += "区"
    return head


def public_loss(yuan: int) -> int:
    """Rounded: to 1,000 yuan below 100,000, to 10,000 above; a loss is never shown as none."""
    if yuan <= 0:
        return 0
    step = 1_000 if yuan < 100_000 else 10_000
    return max(step, int((yuan + step // 2) // step * step))


def public_area(m2: float) -> int:
    """Rounded to 10 m²; a fire that burned anything shows at least 10."""
    if m2 <= 0:
        return 0
    return max(10, int((m2 + 5) // 10 * 10))


def public_premises(labels: Labels, incident: Any) -> str:
    """A public gathering place by its name (it is open to the public, licensed as such, and
    the public has a stake in knowing it burned); any other premises, and an incident with no
    premises, as 某<place category> (a shop's name often names its owner; a home always does)."""
    found = labels.premises.get(incident.premises_id) if incident.premises_id else None
    if found and found[1] in PUBLIC_NAMED:
        return mask_free_text(found[0]) or ""
    return "某" + PLACE_NAMES[PlaceCategory(incident.place_category)]


def public_query(session: Session, area_code: str | None) -> Select:
    query = select(FireIncident).where(FireIncident.state == IncidentState.PUBLISHED.value)
    if area_code:
        path = session.scalar(select(Area.path).where(Area.code == area_code))
        if path is None or len(path_codes(path)) > 2:
            raise NotFound(f"no county or township with code {area_code!r}")
        query = query.where(FireIncident.area_path.startswith(path, autoescape=True))
    return query


def public_incidents(
    session: Session, area_code: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Published incidents of a county or township (or all), newest fire first, masked; and
    how many there are."""
    query = public_query(session, area_code)
    total = session.scalar(select(func.count()).select_from(query.subquery())) or 0
    incidents = list(
        session.scalars(
            query.order_by(FireIncident.occurred_at.desc(), FireIncident.id)
            .limit(limit)
            .offset(offset)
        )
    )
    labels = labels_for(session, incidents)
    out = []
    for i in incidents:
        codes = path_codes(i.area_path)
        county = labels.areas.get(codes[0], ("", ""))[1] if codes else ""
        township = labels.areas.get(codes[1], ("", ""))[1] if len(codes) > 1 else ""
        out.append(
            {
                "id": i.id,
                "occurred_on": i.occurred_at.astimezone(LOCAL_TIME).date(),
                "county": county,
                "township": township,
                "address": public_address(i.address, township),
                "premises": public_premises(labels, i),
                "place_category": i.place_category,
                "cause": i.cause,
                "deaths": i.deaths,
                "injuries": i.injuries,
                "direct_loss_yuan": public_loss(i.direct_loss_yuan),
                "burned_area_m2": public_area(i.burned_area_m2),
                "published_at": i.published_at,
            }
        )
    return out, total


# --- For other domains: the risk score ------------------------------------------------------------


@dataclass(frozen=True)
class IncidentTally:
    """The fires of one premises (or grid) in a period: how many, their toll, the latest."""

    count: int
    deaths: int
    injuries: int
    direct_loss_yuan: int
    latest: datetime


COUNTED = (
    IncidentState.DRAFT.value,
    IncidentState.CONFIRMED.value,
    IncidentState.PUBLISHED.value,
)  # a withdrawn record was an error, or is disputed: it counts for nothing


def _tallies(
    session: Session, key, since: datetime, until: datetime | None, ids: set | None
) -> dict[uuid.UUID, IncidentTally]:
    query = (
        select(
            key,
            func.count(),
            func.sum(FireIncident.deaths),
            func.sum(FireIncident.injuries),
            func.sum(FireIncident.direct_loss_yuan),
            func.max(FireIncident.occurred_at),
        )
        .where(
            key.is_not(None),
            FireIncident.state.in_(COUNTED),
            FireIncident.occurred_at >= since,
        )
        .group_by(key)
    )
    if until is not None:
        query = query.where(FireIncident.occurred_at < until)
    if ids is not None and len(ids) <= 1000:
        query = query.where(key.in_(ids))  # a few: let the index find them
    out = {}
    for found_id, count, deaths, injuries, loss, latest in session.execute(query):
        if ids is not None and found_id not in ids:
            continue  # many asked for: the period's incidents are read once and kept if asked
        if isinstance(latest, str):  # SQLite's max() of a date-time column is its text
            latest = datetime.fromisoformat(latest)
        if latest is not None and latest.tzinfo is None:
            latest = latest.replace(tzinfo=UTC)
        out[found_id] = IncidentTally(
            int(count), int(deaths or 0), int(injuries or 0), int(loss or 0), latest
        )
    return out


def incidents_by_premises(
    session: Session,
    since: datetime,
    until: datetime | None = None,
    premises_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, IncidentTally]:
    """For each premises with fires in [since, until), its tally: one grouped query (the
    period's incidents are few beside 100,000 premises; `ix_fire_incidents_occurred_at`
    finds them). Premises without a fire are absent. Withdrawn records do not count."""
    ids = set(premises_ids) if premises_ids is not None else None
    return _tallies(session, FireIncident.premises_id, since, until, ids)


def incidents_by_grid(
    session: Session,
    since: datetime,
    until: datetime | None = None,
    area_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, IncidentTally]:
    """`incidents_by_premises` by the area each incident is in (its grid, or its township
    when no grid covers the point): with or without a premises."""
    ids = set(area_ids) if area_ids is not None else None
    return _tallies(session, FireIncident.area_id, since, until, ids)
