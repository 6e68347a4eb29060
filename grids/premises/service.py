"""Rules of the premises registry. No web imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.privacy import mask_phone
from backend.core.settings import Settings, get_settings
from backend.identity.service import Principal, actor_names
from grids.enums import RouteStatus
from grids.models import Area, AreaRevision
from grids.premises.enums import SupervisionTier
from grids.premises.models import Premises
from grids.premises.schemas import PremisesFields, PremisesPatch
from grids.routing import area_revision, current_index
from grids.scope import Scope, scope_of
from grids.service import place_point, placement_of


def snapshot(premises: Premises) -> dict[str, Any]:
    """What the audit log keeps: the entry without the contact's phone number."""
    return {
        "name": premises.name,
        "uscc": premises.uscc,
        "external_ref": premises.external_ref,
        "premises_type": premises.premises_type,
        "risk_level": premises.risk_level,
        "supervision_tier": premises.supervision_tier,
        "key_unit": premises.key_unit,
        "address": premises.address,
        "lng": premises.lng,
        "lat": premises.lat,
        "area_path": premises.area_path,
    }


def create(
    session: Session, principal: Principal, fields: PremisesFields, scope: Scope | None = None
) -> Premises:
    scope = scope or scope_of(session, principal)
    located, placement = place_point(
        session, fields.lng, fields.lat, fields.crs, get_settings().routing_snap_m
    )
    problem = registration_problem(
        fields.uscc,
        fields.individual_business,
        placement.area_path if placement is not None else None,
        scope,
    )
    if problem is not None:
        field, message = problem
        raise InvalidInput(message, field=field)
    if fields.external_ref is not None and session.scalar(
        select(Premises.id).where(Premises.external_ref == fields.external_ref)
    ):
        raise Conflict("the external reference is already in use", field="external_ref")
    premises = new_premises(fields, located)
    session.add(premises)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="premises.created",
        subject_type="premises",
        subject_id=premises.id,
        after=snapshot(premises),
    )
    return premises


def registration_problem(
    uscc: str | None, individual_business: bool, area_path: str | None, scope: Scope
) -> tuple[str, str] | None:
    """Why premises with this code, routed to `area_path` (None: routed nowhere), may not be
    in this caller's registry, as (field, message); None when they may. The same rules for
    one premises and for each line of a sheet."""
    if area_path is None:
        return "lng", "the location is not inside any township we know"
    if not scope.covers_path(area_path):
        return "lng", "the location is outside your area"
    if uscc is None and not individual_business:
        return (
            "uscc",
            "a unified social credit code is required (optional for individual businesses)",
        )
    return None


def new_premises(fields: PremisesFields, located: dict[str, Any]) -> Premises:
    """The entry for `fields` at the place routing found (`grids.service.place_point(s)`)."""
    tier = fields.supervision_tier or (
        SupervisionTier.BRIGADE if fields.key_unit else SupervisionTier.TOWNSHIP
    )
    return Premises(
        id=new_id(),
        name=fields.name,
        uscc=fields.uscc,
        external_ref=fields.external_ref,
        individual_business=fields.individual_business,
        premises_type=fields.premises_type.value,
        risk_level=fields.risk_level.value,
        supervision_tier=tier.value,
        key_unit=fields.key_unit,
        address=fields.address,
        **located,
        contact_name=fields.contact_name,
        contact_phone=fields.contact_phone,
    )


def in_scope(session: Session, principal: Principal, premises_id: uuid.UUID) -> Premises:
    premises = session.get(Premises, premises_id)
    if (
        premises is None
        or premises.archived
        or not scope_of(session, principal).covers_path(premises.area_path)
    ):
        raise NotFound(f"no premises with id {premises_id}")
    return premises


def change(
    session: Session, principal: Principal, premises_id: uuid.UUID, patch: PremisesPatch
) -> Premises:
    """Conditional update on the version the caller read: a stale edit is refused, not merged."""
    premises = in_scope(session, principal, premises_id)
    values = patch.model_dump(exclude_unset=True, exclude={"version"})
    values = {k: (v.value if hasattr(v, "value") else v) for k, v in values.items()}
    if values.get("external_ref") is not None and session.scalar(
        select(Premises.id).where(
            Premises.external_ref == values["external_ref"], Premises.id != premises.id
        )
    ):
        raise Conflict("the external reference is already in use", field="external_ref")
    before = snapshot(premises)
    changed = session.execute(
        update(Premises)
        .where(Premises.id == premises.id, Premises.version == patch.version)
        .values(**values, version=patch.version + 1)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise Conflict(
            f"premises {premises.id} was changed meanwhile (version {premises.version}, you sent {patch.version})",
            current_version=premises.version,
        )
    session.refresh(premises)
    audit.record(
        session,
        actor=principal.actor,
        action="premises.changed",
        subject_type="premises",
        subject_id=premises.id,
        before=before,
        after=snapshot(premises),
    )
    return premises


def archive(session: Session, principal: Principal, premises_id: uuid.UUID) -> None:
    """Premises leave the registry but their history stays (hazards and visits refer to them)."""
    premises = in_scope(session, principal, premises_id)
    premises.archived = True
    premises.version += 1
    audit.record(
        session,
        actor=principal.actor,
        action="premises.archived",
        subject_type="premises",
        subject_id=premises.id,
        before=snapshot(premises),
    )


@dataclass(frozen=True)
class PremisesFilter:
    area_code: str | None = None
    premises_type: str | None = None
    risk_level: str | None = None
    bbox: tuple[float, float, float, float] | None = (
        None  # WGS-84 min_lng, min_lat, max_lng, max_lat
    )
    text: str | None = None  # part of the name, or of the unified social credit code
    credit_status: str | None = None  # e.g. the blacklist


def query_in_scope(session: Session, principal: Principal, where: PremisesFilter) -> Select:
    scope = scope_of(session, principal)
    query = (
        select(Premises, Area.code)
        .outerjoin(Area, Area.id == Premises.area_id)
        .where(Premises.archived.is_(False))
    )
    if not scope.everywhere:
        query = query.where(scope.area_clause_on(Premises.area_path))
    if where.area_code:
        path = session.scalar(select(Area.path).where(Area.code == where.area_code))
        if path is None or not scope.covers_path(path):
            raise NotFound(f"no area with code {where.area_code!r}")
        query = query.where(Premises.area_path.startswith(path, autoescape=True))
    if where.premises_type:
        query = query.where(Premises.premises_type == where.premises_type)
    if where.risk_level:
        query = query.where(Premises.risk_level == where.risk_level)
    if where.bbox:
        min_x, min_y, max_x, max_y = where.bbox
        query = query.where(Premises.lng.between(min_x, max_x), Premises.lat.between(min_y, max_y))
    if where.text:
        query = query.where(
            or_(
                Premises.name.contains(where.text, autoescape=True),
                Premises.uscc.contains(where.text.upper(), autoescape=True),
            )
        )
    if where.credit_status:
        query = query.where(Premises.credit_status == where.credit_status)
    return query.order_by(Premises.name, Premises.id)


def count_in_scope(session: Session, principal: Principal, where: PremisesFilter) -> int:
    """How many premises `query_in_scope` finds, all pages together (`X-Total-Count`)."""
    found = query_in_scope(session, principal, where).order_by(None).subquery()
    return session.scalar(select(func.count()).select_from(found)) or 0


@dataclass(frozen=True)
class HistoryStep:
    event: audit.AuditEvent
    actor_name: str | None
    before: dict[str, Any] | None
    after: dict[str, Any] | None


# Personal data in a premises' events, masked in its history. `snapshot` leaves the contact out
# today; this keeps a phone from reaching a reader should an event ever carry one.
_MASKED_IN_HISTORY = {"contact_phone": mask_phone}


def _masked(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {
        k: _MASKED_IN_HISTORY[k](v) if k in _MASKED_IN_HISTORY and v else v
        for k, v in values.items()
    }


def history(session: Session, principal: Principal, premises_id: uuid.UUID) -> list[HistoryStep]:
    """A premises' changes from the audit log, oldest first: registration, edits, imports,
    rerouting, and its credit (entries, appeals, decisions, status), with who made each by
    name for callers who may see people."""
    premises = in_scope(session, principal, premises_id)
    events = audit.events_for(session, "premises", premises.id)
    names = actor_names(session, principal, events)
    return [
        HistoryStep(
            e,
            names.get(e.actor_id) if e.actor_id else None,
            _masked(e.before),
            _masked(e.after),
        )
        for e in events
    ]


def area_code_of(session: Session, premises: Premises) -> str | None:
    return (
        session.scalar(select(Area.code).where(Area.id == premises.area_id))
        if premises.area_id
        else None
    )


# --- Keeping placements current ---------------------------------------------------------------------


def reroute(session: Session, premises: Iterable[Premises] | None = None) -> int:
    """Route premises again after the grids changed; returns how many moved."""
    index = current_index(session, get_settings().routing_snap_m)
    rows = (
        list(premises)
        if premises is not None
        else list(session.scalars(select(Premises).where(Premises.archived.is_(False))))
    )
    routes = index.route_many([p.lng for p in rows], [p.lat for p in rows]) if rows else []
    moved = 0
    for item, route in zip(rows, routes, strict=True):
        placement = placement_of(route)
        area_id = placement.area_id if placement else None
        if area_id != item.area_id:
            before = {"area_path": item.area_path}
            item.area_id = area_id
            item.area_path = placement.area_path if placement else ""
            item.route_status = (placement.status if placement else RouteStatus.UNROUTED).value
            moved += 1
            audit.record(
                session,
                actor=audit.Actor.system(),
                action="premises.rerouted",
                subject_type="premises",
                subject_id=item.id,
                before=before,
                after={"area_path": item.area_path},
            )
    return moved


ROUTED_MARK = 2  # the area_revision row recording the revision premises were last routed at


def reroute_if_areas_changed(session: Session, settings: Settings) -> int:
    """Worker job: when the area revision moved since the last run, route all premises again.
    Costs one small query when nothing changed. Several workers: the mark row is claimed
    (SKIP LOCKED), so one reroutes and the others pass by; unclaimed, both would move the
    same premises and record each move twice."""
    current = area_revision(session)
    mark = session.get(AreaRevision, ROUTED_MARK)
    if mark is not None and mark.revision == current:
        return 0
    if mark is None:  # never routed: a mark no revision equals, made once whoever comes first
        dialect.insert_unless_present(
            session, AreaRevision.__table__, {"id": ROUTED_MARK, "revision": -1}, "id"
        )
    mark = session.scalar(
        dialect.claim(
            session, select(AreaRevision).where(AreaRevision.id == ROUTED_MARK)
        ).execution_options(populate_existing=True)  # as committed now, not as read above
    )
    if mark is None or mark.revision == current:
        return 0  # another worker is at it, or has just done it
    moved = reroute(session)
    mark.revision = current
    return moved
