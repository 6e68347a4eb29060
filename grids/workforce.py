"""The people of the grid system: who is placed where, who is on duty, and who handles what
arrives in a grid right now (one rule, used by routing, hazards and complaints alike)."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, String, bindparam, delete, func, literal, null, select
from sqlalchemy.orm import Session, aliased

from backend.core import audit
from backend.core.audit import Actor
from backend.core.db import core_reads, utcnow
from backend.core.errors import Forbidden, InvalidInput, NotFound
from backend.core.localtime import LOCAL_TIME
from backend.core.privacy import mask_phone
from backend.identity import service as identity
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids.enums import AreaLevel, AssignmentRole, DutyStatus, HandlerKind
from grids.models import Area, GridAssignment, GridAssignmentChange, WorkerDuty
from grids.routing import GridPlace, Place
from grids.scope import Scope, area_in_scope

# The area level each role is placed at. Admins may sit anywhere.
ROLE_LEVELS: dict[Role, frozenset[AreaLevel]] = {
    Role.GRID_WORKER: frozenset({AreaLevel.GRID}),
    Role.GRID_LEADER: frozenset({AreaLevel.VILLAGE}),
    Role.STATION_STAFF: frozenset({AreaLevel.TOWNSHIP}),
    Role.BRIGADE_STAFF: frozenset({AreaLevel.COUNTY}),
    Role.DISPATCHER: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP}),
    Role.INTEGRATION: frozenset({AreaLevel.COUNTY, AreaLevel.TOWNSHIP}),
    Role.ADMIN: frozenset(AreaLevel),
}
# Who may create whom, inside their own scope.
CREATABLE_ROLES: dict[Role, frozenset[Role]] = {
    Role.ADMIN: frozenset(ROLE_LEVELS),
    Role.BRIGADE_STAFF: frozenset(
        {Role.STATION_STAFF, Role.DISPATCHER, Role.GRID_LEADER, Role.GRID_WORKER}
    ),
    Role.STATION_STAFF: frozenset({Role.GRID_LEADER, Role.GRID_WORKER}),
}


# --- People placed in areas -----------------------------------------------------------------------


def place_user(
    session: Session,
    *,
    area: Area | None,
    username: str,
    password: str | None,
    role: Role,
    display_name: str | None,
    certificate_number: str | None,
    certificate_expires_on: date | None,
    actor: Actor,
    phone: str | None = None,
) -> User:
    """Create a user at an area: staff get it as their scope, grid workers as their grid."""
    if area is None:
        if role not in (Role.ADMIN, Role.CITIZEN):
            raise InvalidInput(f"a {role} needs an area (--scope)", field="scope")
    else:
        misplaced = level_problem(role, area)
        if misplaced is not None:
            raise InvalidInput(misplaced, field="scope")
    user = identity.create_user(
        session,
        username=username,
        password=password,
        role=role,
        display_name=display_name,
        scope_area_id=area.id if area and role is not Role.GRID_WORKER else None,
        certificate_number=certificate_number,
        certificate_expires_on=certificate_expires_on,
        phone=phone,
        actor=actor,
    )
    if role is Role.GRID_WORKER and area is not None:
        assign_to_grid(session, user, area, AssignmentRole.PRIMARY, actor)
    return user


def level_problem(role: Role, area: Area) -> str | None:
    """Why a user of this role cannot be placed at this area (a grid worker at a grid, a grid
    leader at a village, ...); None when they can."""
    allowed = ROLE_LEVELS.get(role, frozenset())
    if AreaLevel(area.level) in allowed:
        return None
    levels = ", ".join(sorted(level.value for level in allowed)) or "no area"
    return f"a {role} is placed at {levels}, not at the {area.level} {area.code}"


def creation_refusal(creator: Role, role: Role) -> str | None:
    """Why a caller of role `creator` may not create a user of `role`; None when they may."""
    if role in CREATABLE_ROLES.get(creator, frozenset()):
        return None
    return f"a {creator} cannot create a {role}"


def place_user_as(session: Session, principal: Principal, area_code: str, **fields: Any) -> User:
    """A staff member creating a user in their scope: outside it is 404, a role they may not
    create is 403."""
    area = area_in_scope(session, principal, area_code)
    refusal = creation_refusal(principal.role, fields["role"])
    if refusal is not None:
        raise Forbidden(refusal)
    return place_user(session, area=area, actor=principal.actor, **fields)


def assign_to_grid(
    session: Session, user: User, grid: Area, role: AssignmentRole, actor: Actor
) -> GridAssignment:
    if AreaLevel(grid.level) is not AreaLevel.GRID:
        raise InvalidInput(f"{grid.code} is a {grid.level}, not a grid", field="grid")
    assignment = GridAssignment(user_id=user.id, area_id=grid.id, role=role.value)
    session.add(assignment)
    session.add(GridAssignmentChange(user_id=user.id, area_id=grid.id, joined=True))
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="grid.worker_assigned",
        subject_type="area",
        subject_id=grid.id,
        after={"user_id": str(user.id), "role": role.value},
    )
    return assignment


def users_in_area(session: Session, area: Area, limit: int = 200, offset: int = 0) -> list[User]:
    """Staff whose scope is this area, and workers assigned to it."""
    assigned = select(GridAssignment.user_id).where(GridAssignment.area_id == area.id)
    query = (
        select(User)
        .where((User.scope_area_id == area.id) | User.id.in_(assigned))
        .order_by(User.username)
        .limit(limit)
        .offset(offset)
    )
    return list(session.scalars(query))


def user_in_scope(session: Session, scope: Scope, user_id: uuid.UUID) -> User:
    """A user the caller may manage: placed at or assigned inside the caller's scope."""
    user = users_in_scope(session, scope, [user_id]).get(user_id)
    if user is None:
        raise NotFound(f"no user with id {user_id}")
    return user


def users_in_scope(
    session: Session, scope: Scope, user_ids: Iterable[uuid.UUID]
) -> dict[uuid.UUID, User]:
    """Of these users, the ones placed at or assigned inside the scope, by id. Every user a
    request names goes through here, so that one of another area is as unknown to the caller
    as an id that was never issued."""
    wanted = list(dict.fromkeys(user_ids))
    if not wanted:
        return {}
    users = {u.id: u for u in session.scalars(select(User).where(User.id.in_(wanted)))}
    if scope.everywhere or not users:
        return users
    placed: dict[uuid.UUID, list[str]] = {}
    for user_id, path in session.execute(
        select(User.id, Area.path)
        .join(Area, Area.id == User.scope_area_id)
        .where(User.id.in_(list(users)))
    ):
        placed.setdefault(user_id, []).append(path)
    for user_id, path in session.execute(
        select(GridAssignment.user_id, Area.path)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(GridAssignment.user_id.in_(list(users)))
    ):
        placed.setdefault(user_id, []).append(path)
    between = [u for u in users if u not in placed]
    if between:  # a worker taken off every grid stays where they last worked
        for user_id, path in session.execute(
            select(GridAssignmentChange.user_id, Area.path)
            .join(Area, Area.id == GridAssignmentChange.area_id)
            .where(GridAssignmentChange.user_id.in_(between))
            .order_by(GridAssignmentChange.change_seq.desc())
        ):
            placed.setdefault(user_id, [path])
    return {
        user_id: user
        for user_id, user in users.items()
        if any(scope.covers_path(path) for path in placed.get(user_id, []))
    }


@dataclass(frozen=True)
class Account:
    """A user as they see themselves (who am I): the account and where they work, their
    scope area and the grids assigned to them. (Where they work is not to be confused with
    `grids.service.Placement`, the grid a point falls in.)"""

    username: str
    display_name: str
    role: Role
    password_change_required: bool
    scope_area_code: str | None
    grid_codes: list[str]


_SCOPE_AREA, _GRID = aliased(Area), aliased(Area)
# Every app start and every page of the console asks it: one statement, a row per grid.
_ACCOUNT = (
    select(
        User.username,
        User.display_name,
        User.role,
        User.password_change_required,
        _SCOPE_AREA.code,
        _GRID.code,
    )
    .outerjoin(_SCOPE_AREA, _SCOPE_AREA.id == User.scope_area_id)
    .outerjoin(GridAssignment, GridAssignment.user_id == User.id)
    .outerjoin(_GRID, _GRID.id == GridAssignment.area_id)
    .where(User.id == bindparam("id"))
    .order_by(_GRID.code)
)


def account_of(session: Session, user_id: uuid.UUID) -> Account | None:
    rows = core_reads(session).execute(_ACCOUNT, {"id": user_id}).all()
    if not rows:
        return None
    username, display_name, role, change_required, scope_code, _ = rows[0]
    grids = [row[5] for row in rows if row[5] is not None]
    return Account(username, display_name, Role(role), bool(change_required), scope_code, grids)


# --- Assignments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class GridTeam:
    primary: uuid.UUID | None
    backups: tuple[uuid.UUID, ...]


def team_of(session: Session, grid: Area) -> GridTeam:
    rows = session.execute(
        select(GridAssignment.user_id, GridAssignment.role)
        .where(GridAssignment.area_id == grid.id)
        .order_by(GridAssignment.created_at, GridAssignment.user_id)
    ).all()
    primary = next((u for u, role in rows if role == AssignmentRole.PRIMARY.value), None)
    return GridTeam(primary, tuple(u for u, role in rows if role == AssignmentRole.BACKUP.value))


def reassign_grid(
    session: Session,
    grid: Area,
    primary: uuid.UUID | None,
    backups: Iterable[uuid.UUID],
    actor: Actor,
    scope: Scope,
) -> GridTeam:
    """Replace a grid's team. Only active grid workers the caller may manage can be placed
    (one of another area gets the same answer as an id that does not exist); the change is
    audited with the team before and after."""
    if AreaLevel(grid.level) is not AreaLevel.GRID:
        raise InvalidInput(f"{grid.code} is a {grid.level}, not a grid", field="code")
    backups = list(dict.fromkeys(b for b in backups if b != primary))
    wanted = [u for u in [primary, *backups] if u is not None]
    found = users_in_scope(session, scope, wanted)
    for user_id in wanted:
        user = found.get(user_id)
        if user is None or not user.is_active or Role(user.role) is not Role.GRID_WORKER:
            raise InvalidInput(f"{user_id} is not an active grid worker", field="workers")
    before = team_of(session, grid)
    members_before = set(
        session.scalars(select(GridAssignment.user_id).where(GridAssignment.area_id == grid.id))
    )
    session.execute(delete(GridAssignment).where(GridAssignment.area_id == grid.id))
    members_after = set(wanted)
    for user_id in members_before ^ members_after:
        session.add(
            GridAssignmentChange(user_id=user_id, area_id=grid.id, joined=user_id in members_after)
        )
    for user_id, role in [(primary, AssignmentRole.PRIMARY)] + [
        (b, AssignmentRole.BACKUP) for b in backups
    ]:
        if user_id is not None:
            session.add(GridAssignment(user_id=user_id, area_id=grid.id, role=role.value))
    session.flush()
    after = team_of(session, grid)
    audit.record(
        session,
        actor=actor,
        action="grid.team_changed",
        subject_type="area",
        subject_id=grid.id,
        before=_team_json(before),
        after=_team_json(after),
    )
    return after


def _team_json(team: GridTeam) -> dict[str, Any]:
    return {
        "primary": str(team.primary) if team.primary else None,
        "backups": [str(b) for b in team.backups],
    }


# --- Duty -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Duty:
    status: DutyStatus
    leave_from: date | None = None
    leave_until: date | None = None

    def available_on(self, day: date) -> bool:
        on_leave = (
            self.leave_from is not None
            and self.leave_until is not None
            and (self.leave_from <= day <= self.leave_until)
        )
        return self.status is DutyStatus.ON_DUTY and not on_leave


def duty_of(session: Session, user_id: uuid.UUID) -> Duty:
    row = session.get(WorkerDuty, user_id)
    if row is None:
        return Duty(DutyStatus.ON_DUTY)
    return Duty(DutyStatus(row.status), row.leave_from, row.leave_until)


def set_duty(session: Session, user: User, duty: Duty, actor: Actor) -> Duty:
    if Role(user.role) not in (Role.GRID_WORKER, Role.GRID_LEADER):
        raise InvalidInput("duty is kept for grid workers and grid leaders", field="user")
    if (duty.leave_from is None) != (duty.leave_until is None):
        raise InvalidInput("leave needs both leave_from and leave_until", field="leave")
    if duty.leave_from and duty.leave_until and duty.leave_until < duty.leave_from:
        raise InvalidInput("leave_until is before leave_from", field="leave_until")
    before = duty_of(session, user.id)
    row = session.get(WorkerDuty, user.id) or WorkerDuty(user_id=user.id)
    row.status, row.leave_from, row.leave_until = (
        duty.status.value,
        duty.leave_from,
        duty.leave_until,
    )
    session.add(row)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="worker.duty_changed",
        subject_type="user",
        subject_id=user.id,
        before=_duty_json(before),
        after=_duty_json(duty),
    )
    return duty


def _duty_json(duty: Duty) -> dict[str, Any]:
    return {
        "status": duty.status.value,
        "leave_from": duty.leave_from.isoformat() if duty.leave_from else None,
        "leave_until": duty.leave_until.isoformat() if duty.leave_until else None,
    }


# --- Who handles a grid now --------------------------------------------------------------------------


@dataclass(frozen=True)
class Handler:
    """Who handles what arrives in a grid. For the township station there is no one person:
    the station's staff triage it."""

    kind: HandlerKind
    area_code: str
    user_id: uuid.UUID | None = None
    display_name: str | None = None


def who_handles(session: Session, grid_id: uuid.UUID, at: datetime | None = None) -> Handler:
    places = grid_places(session, [grid_id])
    if not places:
        raise NotFound(f"no grid {grid_id} under a complete area tree")
    return handlers_for(session, places, at)[grid_id]


def grid_places(session: Session, grid_ids: Iterable[uuid.UUID]) -> list[GridPlace]:
    """Grids with their village, township and county, in one query."""
    grid, village, town, county = (aliased(Area) for _ in range(4))
    rows = session.execute(
        select(
            grid.id,
            grid.code,
            grid.name,
            village.id,
            village.code,
            village.name,
            town.id,
            town.code,
            town.name,
            county.id,
            county.code,
            county.name,
        )
        .join(village, grid.parent_id == village.id)
        .join(town, village.parent_id == town.id)
        .join(county, town.parent_id == county.id)
        .where(grid.id.in_(list(grid_ids)))
    ).all()
    return [
        GridPlace(Place(*r[0:3]), Place(*r[3:6]), Place(*r[6:9]), Place(*r[9:12])) for r in rows
    ]


# Asked for every complaint taken and every point located: built once, one round trip. The
# grids' workers (their assignment's role) and the villages' grid leaders (role "leader"),
# each row with what orders it: an assignment's age, a leader's username.
_LEADER = "leader"


def _handlers(grids: ColumnElement[bool], villages: ColumnElement[bool]):
    return (
        select(
            GridAssignment.area_id.label("place_id"),
            GridAssignment.role.label("role"),
            User.id.label("user_id"),
            User.display_name.label("name"),
            WorkerDuty.status,
            WorkerDuty.leave_from,
            WorkerDuty.leave_until,
            GridAssignment.created_at.label("since"),
            User.username,
        )
        .join(User, User.id == GridAssignment.user_id)
        .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
        .where(grids, User.is_active.is_(True))
        .union_all(
            select(
                User.scope_area_id,
                literal(_LEADER, String),
                User.id,
                User.display_name,
                WorkerDuty.status,
                WorkerDuty.leave_from,
                WorkerDuty.leave_until,
                null().label("since"),
                User.username,
            )
            .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
            .where(User.role == Role.GRID_LEADER.value, User.is_active.is_(True), villages)
        )
    )


_HANDLERS = _handlers(
    GridAssignment.area_id.in_(bindparam("grids", expanding=True)),
    User.scope_area_id.in_(bindparam("villages", expanding=True)),
)
# The commonest case, one point located or one complaint taken: no list for SQLAlchemy to
# render into the statement anew on every call (a tenth of a small request's time).
_HANDLERS_OF_ONE = _handlers(
    GridAssignment.area_id == bindparam("grid"), User.scope_area_id == bindparam("village")
)


def handlers_for(
    session: Session, places: Iterable[GridPlace], at: datetime | None = None
) -> dict[uuid.UUID, Handler]:
    """`who_handles` for many grids in one query: the on-duty primary worker, else an
    on-duty backup, else the village's grid leader, else the township station."""
    day = (at or utcnow()).astimezone(LOCAL_TIME).date()
    places = {place.grid.id: place for place in places}
    if not places:
        return {}
    if len(places) == 1:
        (place,) = places.values()
        statement, params = _HANDLERS_OF_ONE, {"grid": place.grid.id, "village": place.village.id}
    else:
        villages = list({p.village.id for p in places.values()})
        statement, params = _HANDLERS, {"grids": list(places), "villages": villages}
    rows = core_reads(session).execute(statement, params).all()
    # Workers in the order they were assigned (then by id); leaders by username.
    workers = sorted(
        (r for r in rows if r.role != _LEADER), key=lambda r: (r.since, str(r.user_id))
    )
    leaders = sorted((r for r in rows if r.role == _LEADER), key=lambda r: r.username)

    def available(row) -> bool:
        status = DutyStatus(row.status or DutyStatus.ON_DUTY)
        return Duty(status, row.leave_from, row.leave_until).available_on(day)

    chosen: dict[uuid.UUID, Handler] = {}
    for kind, role in (
        (HandlerKind.PRIMARY_WORKER, AssignmentRole.PRIMARY),
        (HandlerKind.BACKUP_WORKER, AssignmentRole.BACKUP),
    ):
        for row in workers:
            if row.place_id in chosen or row.role != role.value:
                continue
            if available(row):
                chosen[row.place_id] = Handler(
                    kind, places[row.place_id].grid.code, row.user_id, row.name
                )
    leader_of: dict[uuid.UUID, tuple[uuid.UUID, str]] = {}
    for row in leaders:
        if row.place_id not in leader_of and available(row):
            leader_of[row.place_id] = (row.user_id, row.name)
    for grid_id, place in places.items():
        if grid_id in chosen:
            continue
        if place.village.id in leader_of:
            user_id, name = leader_of[place.village.id]
            chosen[grid_id] = Handler(HandlerKind.GRID_LEADER, place.village.code, user_id, name)
        else:
            chosen[grid_id] = station(place.township)
    return chosen


def station(township: Place) -> Handler:
    """The township's fire station: the last resort, always there."""
    return Handler(HandlerKind.TOWNSHIP_STATION, township.code, None, f"{township.name}消防工作站")


def staff_placed_at(session: Session, area_path: str, role: Role, depth: int) -> list[uuid.UUID]:
    """Active users of `role` placed at the area `depth` levels down `area_path` (0: county,
    1: township, 2: village): whose queue a record at that path lands in at that level."""
    codes = [c for c in area_path.split("/") if c]
    if len(codes) <= depth:
        return []
    return list(
        session.scalars(
            select(User.id)
            .join(Area, Area.id == User.scope_area_id)
            .where(Area.code == codes[depth], User.role == role.value, User.is_active.is_(True))
        )
    )


# --- People as the console lists them ---------------------------------------------------------------


@dataclass(frozen=True)
class PersonView:
    """A person as staff see them in a list: the phone masked, and the area they work in (staff:
    their scope; grid workers: a grid of theirs inside what was asked, the primary one first)."""

    id: uuid.UUID
    username: str
    display_name: str
    role: str
    area_code: str | None
    area_name: str | None
    is_active: bool
    phone: str | None  # masked: 138****1234


def people_under(
    session: Session,
    scope: Scope,
    area: Area | None,
    *,
    role: Role | None = None,
    q: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[PersonView], int]:
    """The people placed at `area` or below it (staff by their scope area, grid workers by
    their grids), inside the caller's scope; without `area`, everyone in the scope. Citizens
    and partner systems are not people of an area. A page of them by username, and how many
    there are in all."""

    def inside(path_column) -> ColumnElement[bool]:
        clause = scope.area_clause_on(path_column)
        if area is not None:
            clause = clause & path_column.startswith(area.path, autoescape=True)
        return clause

    placed = select(User.id).join(Area, Area.id == User.scope_area_id).where(inside(Area.path))
    assigned = (
        select(GridAssignment.user_id)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(inside(Area.path))
    )
    query = select(User).where(
        User.id.in_(placed) | User.id.in_(assigned),
        User.role.not_in([Role.CITIZEN.value, Role.INTEGRATION.value]),
    )
    if role is not None:
        query = query.where(User.role == role.value)
    if q:
        query = query.where(
            func.lower(User.username).contains(q.lower(), autoescape=True)
            | User.display_name.contains(q, autoescape=True)
        )
    total = session.scalar(query.with_only_columns(func.count(User.id))) or 0
    users = list(session.scalars(query.order_by(User.username).limit(limit).offset(offset)))
    return _views(session, users, inside), total


def _views(session: Session, users: list[User], inside) -> list[PersonView]:
    """Where each of a page of users works, in two queries."""
    if not users:
        return []
    scope_areas = {
        a.id: (a.code, a.name)
        for a in session.execute(
            select(Area.id, Area.code, Area.name).where(
                Area.id.in_({u.scope_area_id for u in users if u.scope_area_id})
            )
        )
    }
    grids: dict[uuid.UUID, tuple[str, str]] = {}
    for user_id, code, name, _role in session.execute(
        select(GridAssignment.user_id, Area.code, Area.name, GridAssignment.role)
        .join(Area, Area.id == GridAssignment.area_id)
        .where(GridAssignment.user_id.in_([u.id for u in users]), inside(Area.path))
        .order_by(GridAssignment.role != AssignmentRole.PRIMARY.value, Area.code)
    ):
        grids.setdefault(user_id, (code, name))
    views = []
    for u in users:
        code, name = grids.get(u.id) or scope_areas.get(u.scope_area_id) or (None, None)
        views.append(
            PersonView(
                u.id,
                u.username,
                u.display_name,
                u.role,
                code,
                name,
                u.is_active,
                mask_phone(u.phone),
            )
        )
    return views


@dataclass(frozen=True)
class Member:
    """Someone who works a grid, as staff choose among them (a team, dispatch candidates)."""

    user_id: uuid.UUID
    display_name: str
    role: str  # their user role: grid_worker or grid_leader
    relation: str  # primary, backup (of the grid), grid_leader (of its village)
    area_code: str  # the grid, or for a grid leader the village
    area_name: str
    phone: str | None  # masked
    duty: DutyStatus
    available_today: bool
    leave_from: date | None = None
    leave_until: date | None = None


def grid_members(session: Session, grid_ids: Iterable[uuid.UUID]) -> list[Member]:
    """The active workers of these grids, primary first, with their duty today."""
    grid_ids = list(grid_ids)
    if not grid_ids:
        return []
    today = utcnow().astimezone(LOCAL_TIME).date()
    rows = session.execute(
        select(
            User.id,
            User.display_name,
            User.role,
            GridAssignment.role,
            Area.code,
            Area.name,
            User.phone,
            WorkerDuty.status,
            WorkerDuty.leave_from,
            WorkerDuty.leave_until,
        )
        .join(GridAssignment, GridAssignment.user_id == User.id)
        .join(Area, Area.id == GridAssignment.area_id)
        .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
        .where(GridAssignment.area_id.in_(grid_ids), User.is_active.is_(True))
        .order_by(
            Area.code,
            GridAssignment.role != AssignmentRole.PRIMARY.value,
            GridAssignment.created_at,
            User.id,
        )
    ).all()
    return [_member(row, row[3], today) for row in rows]


def leaders_of(session: Session, village_ids: Iterable[uuid.UUID]) -> list[Member]:
    """The active grid leaders of these villages, with their duty today."""
    village_ids = list(village_ids)
    if not village_ids:
        return []
    today = utcnow().astimezone(LOCAL_TIME).date()
    rows = session.execute(
        select(
            User.id,
            User.display_name,
            User.role,
            Area.code,
            Area.name,
            User.phone,
            WorkerDuty.status,
            WorkerDuty.leave_from,
            WorkerDuty.leave_until,
        )
        .join(Area, Area.id == User.scope_area_id)
        .outerjoin(WorkerDuty, WorkerDuty.user_id == User.id)
        .where(
            User.scope_area_id.in_(village_ids),
            User.role == Role.GRID_LEADER.value,
            User.is_active.is_(True),
        )
        .order_by(Area.code, User.username)
    ).all()
    return [_member((*row[:3], None, *row[3:]), "grid_leader", today) for row in rows]


def _member(row, relation: str, today: date) -> Member:
    user_id, name, role, _assignment, code, area_name, phone, status, leave_from, leave_until = row
    duty = Duty(DutyStatus(status or DutyStatus.ON_DUTY), leave_from, leave_until)
    return Member(
        user_id,
        name,
        role,
        relation,
        code,
        area_name,
        mask_phone(phone),
        duty.status,
        duty.available_on(today),
        duty.leave_from,
        duty.leave_until,
    )


def field_people_under(session: Session, area: Area, limit: int = 500) -> list[Member]:
    """Who may be sent to a place: for a grid, its team and its village's grid leaders; for a
    larger area (a complaint not placed in a grid), the workers of every grid under it and the
    grid leaders of its villages, by grid."""
    if AreaLevel(area.level) is AreaLevel.GRID:
        return grid_members(session, [area.id]) + leaders_of(
            session, [area.parent_id] if area.parent_id else []
        )
    under = Area.path.startswith(area.path, autoescape=True)
    grid_ids = session.scalars(
        select(Area.id).where(under, Area.level == AreaLevel.GRID.value).limit(limit)
    ).all()
    village_ids = session.scalars(
        select(Area.id).where(under, Area.level == AreaLevel.VILLAGE.value).limit(limit)
    ).all()
    return (grid_members(session, grid_ids) + leaders_of(session, village_ids))[:limit]
