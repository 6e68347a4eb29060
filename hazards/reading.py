"""What a caller may see of hazards: one hazard, a queue, a timeline, counts per area, and the
first report a repeated one goes back to. No writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Protocol

from sqlalchemy import ColumnElement, Select, case, func, or_, select
from sqlalchemy.orm import Session, aliased

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.localtime import day_start
from backend.identity.enums import STAFF_ROLES, Role
from backend.identity.models import User
from backend.identity.service import Principal, actor_names
from grids import workforce
from grids.enums import AreaLevel, HandlerKind
from grids.models import Area
from grids.premises.models import Premises
from grids.routing import GridPlace, Place
from grids.scope import scope_of
from hazards.enums import EscalationLevel, Severity
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
    source: str | None = None
    level: int | None = None
    reported_from: date | None = None  # Asia/Shanghai calendar days, both included
    reported_to: date | None = None


class QueueSort(StrEnum):
    """How a queue is ordered; `-` reverses. Ties go by when reported, then by id."""

    OVERDUE_FIRST = "overdue"  # the default: overdue first, then by when they fall due
    REPORTED_AT = "reported_at"  # oldest first
    REPORTED_AT_DESC = "-reported_at"  # newest first
    LEVEL_DUE_AT = "level_due_at"  # soonest due first, none last
    LEVEL_DUE_AT_DESC = "-level_due_at"
    SEVERITY = "severity"  # major first
    SEVERITY_DESC = "-severity"  # ordinary first
    LEVEL = "level"  # grid level first
    LEVEL_DESC = "-level"  # highest level first


MY_LEVEL = {
    Role.GRID_WORKER: EscalationLevel.GRID,
    Role.GRID_LEADER: EscalationLevel.VILLAGE,
    Role.STATION_STAFF: EscalationLevel.TOWNSHIP,
    Role.BRIGADE_STAFF: EscalationLevel.COUNTY,
}


def queue(
    session: Session,
    principal: Principal,
    where: QueueFilter,
    sort: QueueSort = QueueSort.OVERDUE_FIRST,
) -> Select:
    """Hazards in scope, overdue first, then by when they fall due (or as `sort` says)."""
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
    if where.reported_from and where.reported_to and where.reported_to < where.reported_from:
        raise InvalidInput("reported_to is before reported_from", field="reported_to")
    for column, value in (
        (Hazard.state, where.state),
        (Hazard.severity, where.severity),
        (Hazard.category, where.category),
        (Hazard.source, where.source),
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
    if where.level is not None:
        query = query.where(Hazard.level == where.level)
    if where.reported_from:
        query = query.where(Hazard.reported_at >= day_start(where.reported_from))
    if where.reported_to:
        query = query.where(Hazard.reported_at < day_start(where.reported_to + timedelta(days=1)))
    order = _ORDER[sort]()
    if where.overdue and sort in (QueueSort.OVERDUE_FIRST, QueueSort.LEVEL_DUE_AT):
        # Every overdue row has a due time: the index's order (ix_hazards_queue) is the queue's,
        # and a page stops reading at its last row instead of sorting every match.
        order = (Hazard.level_due_at,)
    return query.order_by(*order, Hazard.reported_at, Hazard.id)


def _most_severe_first() -> ColumnElement[int]:
    return case((Hazard.severity == Severity.MAJOR.value, 0), else_=1)


_ORDER = {
    QueueSort.OVERDUE_FIRST: lambda: (Hazard.level_due_at.is_(None), Hazard.level_due_at),
    QueueSort.REPORTED_AT: lambda: (),
    QueueSort.REPORTED_AT_DESC: lambda: (Hazard.reported_at.desc(), Hazard.id.desc()),
    QueueSort.LEVEL_DUE_AT: lambda: (Hazard.level_due_at.is_(None), Hazard.level_due_at),
    QueueSort.LEVEL_DUE_AT_DESC: lambda: (
        Hazard.level_due_at.is_(None),
        Hazard.level_due_at.desc(),
    ),
    QueueSort.SEVERITY: lambda: (_most_severe_first(),),
    QueueSort.SEVERITY_DESC: lambda: (_most_severe_first().desc(),),
    QueueSort.LEVEL: lambda: (Hazard.level,),
    QueueSort.LEVEL_DESC: lambda: (Hazard.level.desc(),),
}


def page_total(session: Session, query: Select, rows: int, limit: int, offset: int) -> int:
    """How many hazards a queue holds, all pages together (`X-Total-Count`): a short page that
    is not past the end already says; otherwise counted."""
    if rows < limit and (rows > 0 or offset == 0):
        return offset + rows
    return session.scalar(query.with_only_columns(func.count(Hazard.id)).order_by(None)) or 0


@dataclass(frozen=True)
class TimelineStep:
    """An event of a hazard's history and, when the caller may see it, who took it."""

    event: audit.AuditEvent
    actor_name: str | None


def timeline(session: Session, principal: Principal, hazard_id: uuid.UUID) -> list[TimelineStep]:
    """The hazard's history from the audit log, with the names of the people who took each
    step for callers who may see people (`Permission.SEE_PEOPLE`), read in one query for the
    whole timeline. A citizen's name is never given: on a timeline they stay 群众."""
    hazard = get_visible(session, principal, hazard_id)
    events = audit.events_for(session, "hazard", hazard.id)
    names = actor_names(session, principal, events)
    return [TimelineStep(e, names.get(e.actor_id) if e.actor_id else None) for e in events]


@dataclass(frozen=True)
class Holder:
    """Who holds a hazard at its level now: at the grid level whoever handles the grid (the
    on-duty worker, a backup, the grid leader, else the station); above it the village's grid
    leader, the township station or the county brigade."""

    kind: str  # grids.enums.HandlerKind, or "county_brigade"
    area_code: str
    user_id: uuid.UUID | None
    display_name: str | None


COUNTY_BRIGADE = "county_brigade"


@dataclass(frozen=True)
class Labels:
    """What a hazard shows beyond its own row: its area's code and name, its premises' name,
    its masked reporter and who holds it now."""

    area_code: str | None
    reporter: str | None
    area_name: str | None = None
    premises_name: str | None = None
    holder: Holder | None = None


class Labelled(Protocol):
    """What labels are worked out from: a `Hazard`, or a row of its columns (an export reads
    rows, not objects)."""

    id: uuid.UUID
    is_open: bool
    area_path: str
    level: int


def labels_for(
    session: Session, hazards: Sequence[Labelled], principal: Principal | None = None
) -> dict[uuid.UUID, Labels]:
    """Labels for a page of hazards in a fixed number of queries (five at most), whatever its
    length: names beside the ids in one query, the areas along their paths in one, and who
    holds them in up to three. Citizens see a holder's name masked and no user id."""
    if not hazards:
        return {}
    reporter = aliased(User)
    rows = {
        row.id: row
        for row in session.execute(
            select(
                Hazard.id,
                Area.code.label("area_code"),
                Area.name.label("area_name"),
                Premises.name.label("premises_name"),
                reporter.display_name.label("reporter_name"),
            )
            .outerjoin(Area, Area.id == Hazard.area_id)
            .outerjoin(Premises, Premises.id == Hazard.premises_id)
            .outerjoin(reporter, reporter.id == Hazard.reporter_id)
            .where(Hazard.id.in_([h.id for h in hazards]))
        )
    }
    holders = _holders(session, hazards)
    masked = principal is not None and principal.role not in STAFF_ROLES | {Role.GRID_WORKER}
    labels = {}
    for h in hazards:
        row = rows.get(h.id)
        holder = holders.get(h.id)
        if holder is not None and masked:
            holder = Holder(holder.kind, holder.area_code, None, _masked(holder.display_name))
        labels[h.id] = Labels(
            area_code=row.area_code if row else None,
            reporter=_masked(row.reporter_name) if row else None,
            area_name=row.area_name if row else None,
            premises_name=row.premises_name if row else None,
            holder=holder,
        )
    return labels


def _codes(path: str) -> list[str]:
    return [c for c in path.split("/") if c]


def _holders(session: Session, hazards: Sequence[Labelled]) -> dict[uuid.UUID, Holder]:
    """Who holds each open hazard at its level (closed ones: nobody)."""
    open_ = [h for h in hazards if h.is_open and h.area_path]
    wanted = {code for h in open_ for code in _codes(h.area_path)}
    if not wanted:
        return {}
    areas = {
        a.code: a
        for a in session.execute(
            select(Area.id, Area.code, Area.name, Area.level).where(Area.code.in_(wanted))
        )
    }

    places = {code: Place(a.id, a.code, a.name) for code, a in areas.items()}

    def at(codes: list[str], depth: int) -> Place | None:
        return places.get(codes[depth]) if len(codes) > depth else None

    # Hazards of one area at one level share their holder: each pair is worked out once, so a
    # long export costs a few hundred of these, not one per hazard.
    paths = {path: _codes(path) for path in {h.area_path for h in open_}}
    grid_places: dict[uuid.UUID, GridPlace] = {}
    villages: set[uuid.UUID] = set()
    for path, level in {(h.area_path, h.level) for h in open_}:
        codes = paths[path]
        if level == EscalationLevel.GRID and len(codes) == 4:
            parts = [places.get(c) for c in codes]
            if all(parts) and areas[codes[3]].level == AreaLevel.GRID.value:
                county, town, village, grid = parts
                grid_places[grid.id] = GridPlace(grid, village, town, county)  # type: ignore[arg-type]
        elif level in (EscalationLevel.GRID, EscalationLevel.VILLAGE) and len(codes) >= 3:
            village = places.get(codes[2])
            if village:
                villages.add(village.id)
    handlers = workforce.handlers_for(session, grid_places.values())
    leaders = _village_leaders(session, villages)

    def holder_at(codes: list[str], level: int) -> Holder | None:
        town, county, village = at(codes, 1), at(codes, 0), at(codes, 2)
        grid = places.get(codes[3]) if len(codes) == 4 else None
        if grid is not None and grid.id in handlers and level == EscalationLevel.GRID:
            found = handlers[grid.id]
            return Holder(found.kind.value, found.area_code, found.user_id, found.display_name)
        if level <= EscalationLevel.VILLAGE and village is not None and village.id in leaders:
            user_id, name = leaders[village.id]
            return Holder(HandlerKind.GRID_LEADER.value, village.code, user_id, name)
        if level <= EscalationLevel.TOWNSHIP and town is not None:
            station = workforce.station(town)
            return Holder(station.kind.value, town.code, None, station.display_name)
        if county is not None:
            return Holder(COUNTY_BRIGADE, county.code, None, f"{county.name}消防救援大队")
        return None

    known: dict[tuple[str, int], Holder | None] = {}
    holders: dict[uuid.UUID, Holder] = {}
    for h in open_:
        key = (h.area_path, h.level)
        if key not in known:
            known[key] = holder_at(paths[h.area_path], h.level)
        if known[key] is not None:
            holders[h.id] = known[key]  # type: ignore[assignment]
    return holders


def _village_leaders(
    session: Session, village_ids: set[uuid.UUID]
) -> dict[uuid.UUID, tuple[uuid.UUID, str]]:
    """The first active grid leader of each village, by username."""
    if not village_ids:
        return {}
    leaders: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for village_id, user_id, name in session.execute(
        select(User.scope_area_id, User.id, User.display_name)
        .where(
            User.role == Role.GRID_LEADER.value,
            User.is_active.is_(True),
            User.scope_area_id.in_(village_ids),
        )
        .order_by(User.username)
    ):
        leaders.setdefault(village_id, (user_id, name))
    return leaders


def _masked(name: str | None) -> str | None:
    """A person as others may see them: first character and a star (张*)."""
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
