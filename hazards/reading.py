"""What a caller may see of hazards: one hazard, a queue, a timeline, counts per area, and the
first report a repeated one goes back to. No writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids.models import Area
from grids.scope import scope_of
from hazards.enums import EscalationLevel
from hazards.models import Hazard


def visible(session: Session, principal: Principal):
    """Hazards the caller may see: in scope, or reported by them."""
    scope = scope_of(session, principal)
    return or_(scope.area_clause_on(Hazard.area_path), Hazard.reporter_id == principal.user_id)


def get_visible(session: Session, principal: Principal, hazard_id: uuid.UUID) -> Hazard:
    hazard = session.scalar(
        select(Hazard).where(Hazard.id == hazard_id, visible(session, principal))
    )
    if hazard is None:
        raise NotFound(f"no hazard with id {hazard_id}")
    return hazard


def visible_among(
    session: Session, principal: Principal, ids: Iterable[uuid.UUID | None]
) -> set[uuid.UUID]:
    """Which of these hazards the caller may see. A hint that names another hazard (a possible
    duplicate, a merge) is shown only when it names one of these: otherwise it would tell a
    citizen, or a worker of the next grid, that a report exists there, and its id."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return set()
    return set(
        session.scalars(select(Hazard.id).where(Hazard.id.in_(wanted), visible(session, principal)))
    )


def get_visible_or_none(
    session: Session, principal: Principal, hazard_id: uuid.UUID
) -> Hazard | None:
    return session.scalar(select(Hazard).where(Hazard.id == hazard_id, visible(session, principal)))


@dataclass(frozen=True)
class QueueFilter:
    mine: bool = False  # only what waits at my level
    state: str | None = None
    severity: str | None = None
    category: str | None = None
    area_path: str | None = None
    premises_id: uuid.UUID | None = None
    overdue: bool | None = None
    outside_own_grids: bool | None = None
    open_only: bool = True


MY_LEVEL = {
    Role.GRID_WORKER: EscalationLevel.GRID,
    Role.GRID_LEADER: EscalationLevel.VILLAGE,
    Role.STATION_STAFF: EscalationLevel.TOWNSHIP,
    Role.BRIGADE_STAFF: EscalationLevel.COUNTY,
}


def queue(session: Session, principal: Principal, where: QueueFilter) -> Select:
    """Hazards in scope, overdue first, then by when they fall due."""
    now = utcnow()
    query = select(Hazard).where(visible(session, principal))
    if where.open_only:
        query = query.where(Hazard.is_open.is_(True))
    if where.mine:
        level = MY_LEVEL.get(principal.role)
        if level is None:
            raise InvalidInput(f"a {principal.role} has no queue", field="queue")
        levels = [level, EscalationLevel.GOVERNMENT] if level is EscalationLevel.COUNTY else [level]
        query = query.where(Hazard.level.in_([int(v) for v in levels]))
    for column, value in (
        (Hazard.state, where.state),
        (Hazard.severity, where.severity),
        (Hazard.category, where.category),
    ):
        if value:
            query = query.where(column == value)
    if where.area_path:
        query = query.where(Hazard.area_path.startswith(where.area_path, autoescape=True))
    if where.premises_id:
        query = query.where(Hazard.premises_id == where.premises_id)
    if where.outside_own_grids is not None:
        query = query.where(Hazard.outside_own_grids.is_(where.outside_own_grids))
    if where.overdue is not None:
        late = Hazard.level_due_at.is_not(None) & (Hazard.level_due_at <= now)
        query = query.where(late if where.overdue else ~late)
    return query.order_by(
        Hazard.level_due_at.is_(None), Hazard.level_due_at, Hazard.reported_at, Hazard.id
    )


def timeline(
    session: Session, principal: Principal, hazard_id: uuid.UUID
) -> list[audit.AuditEvent]:
    hazard = get_visible(session, principal, hazard_id)
    return audit.events_for(session, "hazard", hazard.id)


@dataclass(frozen=True)
class Labels:
    """What a hazard shows beyond its own row: its area's code and its masked reporter."""

    area_code: str | None
    reporter: str | None


def labels_for(session: Session, hazards: list[Hazard]) -> dict[uuid.UUID, Labels]:
    """Labels for many hazards in two queries, not two per hazard."""
    area_ids = {h.area_id for h in hazards if h.area_id}
    user_ids = {h.reporter_id for h in hazards if h.reporter_id}
    codes = (
        dict(session.execute(select(Area.id, Area.code).where(Area.id.in_(area_ids))).all())
        if area_ids
        else {}
    )
    names = (
        dict(session.execute(select(User.id, User.display_name).where(User.id.in_(user_ids))).all())
        if user_ids
        else {}
    )
    return {h.id: Labels(codes.get(h.area_id), _masked(names.get(h.reporter_id))) for h in hazards}


def _masked(name: str | None) -> str | None:
    """The reporter as others may see them: first character and a star (张*)."""
    return (name[:1] + "*") if name else None


@dataclass(frozen=True)
class Counts:
    code: str
    name: str
    open: int
    overdue: int
    closed_in_grid: int
    escalated: int


def counts_by_child(session: Session, area: Area) -> list[Counts]:
    """For each child of an area: open, overdue, closed in the grid, escalated."""
    now = utcnow()
    children = session.execute(
        select(Area.code, Area.name, Area.path).where(Area.parent_id == area.id).order_by(Area.code)
    ).all()
    rows = []
    for code, name, path in children:
        in_child = Hazard.area_path.startswith(path, autoescape=True)
        totals = session.execute(
            select(
                func.count().filter(Hazard.is_open.is_(True)),
                func.count().filter(Hazard.is_open.is_(True), Hazard.level_due_at <= now),
                func.count().filter(Hazard.is_open.is_(False), Hazard.level == 0),
                func.count().filter(Hazard.is_open.is_(True), Hazard.level > 0),
            ).where(in_child)
        ).one()
        rows.append(Counts(code, name, *totals))
    return rows


@dataclass(frozen=True)
class FirstReport:
    id: uuid.UUID
    reported_at: datetime
    severity: str


def first_report_of(session: Session, hazard_id: uuid.UUID) -> FirstReport:
    """The hazard this one repeats, followed back to the first report of it (a merge, or the
    duplicate flag raised when it was reported), or the hazard itself."""
    seen: set[uuid.UUID] = set()
    current = session.get(Hazard, hazard_id)
    if current is None:
        raise NotFound(f"no hazard with id {hazard_id}")
    while current.id not in seen:
        seen.add(current.id)
        earlier_id = current.duplicate_of_id or current.possible_duplicate_of_id
        earlier = session.get(Hazard, earlier_id) if earlier_id else None
        if earlier is None or earlier.reported_at > current.reported_at:
            break
        current = earlier
    return FirstReport(current.id, current.reported_at, current.severity)
