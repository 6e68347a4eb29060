"""Patrol plans: the month a plan is for, and the tasks of a period for every premises of an
area by the frequency rules, each for whoever handles its grid. Campaigns make their tasks
the same way. No web imports."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.errors import InvalidInput
from backend.core.ids import new_id
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.enums import HandlerKind
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import area_in_scope
from grids.workforce import Handler, grid_places, handlers_for
from patrols import rules
from patrols.checklists import default_checklist
from patrols.enums import TaskKind, TaskLevel, TaskState
from patrols.models import Checklist, PatrolTask
from risk import service as risk
from risk.rules import higher

# --- Periods ---------------------------------------------------------------------------------------


def parse_period(period: str) -> tuple[int, int]:
    try:
        year, month = (int(part) for part in period.split("-"))
        date(year, month, 1)
    except ValueError as exc:
        raise InvalidInput("a period is a month written YYYY-MM", field="period") from exc
    return year, month


def month_start(year: int, month: int, plus: int = 0) -> datetime:
    """Midnight, Beijing time, at the start of the month `plus` months after year-month."""
    index = year * 12 + month - 1 + plus
    return datetime(index // 12, index % 12 + 1, 1, tzinfo=LOCAL_TIME)


# --- Plans: the tasks of a period ----------------------------------------------------------------


@dataclass
class PlanOutcome:
    period: str
    created: int = 0
    existing: int = 0
    unassigned: int = 0  # no worker on duty: the task waits for the township station
    unrouted: int = 0  # premises in no grid: placed on the map first
    not_due: int = 0  # patrolled every few months, not in this one
    per_grid: dict[str, int] = field(default_factory=dict)
    grids: dict[str, GridShare] = field(default_factory=dict)  # by grid code


@dataclass
class GridShare:
    """One grid's part of a plan or campaign: who gets its tasks, how many are new and how
    many the period already had. What a station checks in a preview before it creates."""

    grid_code: str
    grid_name: str
    assignee_id: uuid.UUID | None  # None: the township station hands them out
    assignee_name: str | None
    tasks: int = 0
    existing: int = 0


def generate_plan_tasks(
    session: Session,
    principal: Principal,
    settings: Settings,
    *,
    area_code: str,
    period: str,
    preview: bool = False,
) -> PlanOutcome:
    """The tasks of one month for every premises in an area, by the frequency rules, each for
    whoever handles its grid, due at the end of its cycle. Safe to run again: a task already
    made for a premises and period is left alone (a unique source key), so a second run
    creates nothing and two concurrent runs create each task once."""
    demand(principal.role, Permission.PLAN_PATROLS, "do this")
    area = area_in_scope(session, principal, area_code)
    return plan_area(
        session,
        settings,
        area,
        period,
        actor=principal.actor,
        created_by=principal.user_id,
        preview=preview,
    )


def plan_area(
    session: Session,
    settings: Settings,
    area: Area,
    period: str,
    *,
    actor: audit.Actor,
    created_by: uuid.UUID | None,
    preview: bool = False,
) -> PlanOutcome:
    """`generate_plan_tasks` once the caller is known to plan this area (a station, or the
    worker making next month's plan on schedule)."""
    year, month = parse_period(period)
    frequencies = rules.load_frequencies(settings.patrol_frequencies)
    outcome = PlanOutcome(period=period)
    premises = premises_under(session, area)
    # A computed risk level raises the typed one, never lowers it (docs/risk.md).
    computed = risk.computed_levels(session, area.path)

    def kind_of(row: Any) -> tuple[str, str, bool]:
        return (row.premises_type, higher(row.risk_level, computed.get(row.id)), row.key_unit)

    every: dict[tuple[str, str, bool], int] = {}
    due: list[Any] = []
    for row in premises:
        kind = kind_of(row)
        if kind not in every:
            every[kind] = rules.months_between_patrols(frequencies, *kind)
        if row.area_id is None or not row.area_path:
            outcome.unrouted += 1
        elif (year * 12 + month - 1) % every[kind] != 0:
            outcome.not_due += 1
        else:
            due.append(row)
    ends = {months: month_start(year, month, months) for months in set(every.values())}
    rows = new_tasks(
        session,
        created_by,
        outcome,
        due,
        kind=TaskKind.PLAN,
        key_prefix=f"plan:{period}:",
        due_at=lambda row: ends[every[kind_of(row)]],
        period=period,
    )
    if preview or not rows:
        return outcome
    insert_tasks(session, rows)
    audit.record(
        session,
        actor=actor,
        action="patrol.plan_generated",
        subject_type="area",
        subject_id=area.id,
        after={
            "period": period,
            "created": outcome.created,
            "existing": outcome.existing,
            "unassigned": outcome.unassigned,
            "unrouted": outcome.unrouted,
        },
    )
    return outcome


def premises_under(session: Session, area: Area, types: list[str] | None = None) -> list[Any]:
    """The live premises under an area (all types, or those given), as plain rows."""
    query = select(
        Premises.id,
        Premises.premises_type,
        Premises.risk_level,
        Premises.key_unit,
        Premises.lng,
        Premises.lat,
        Premises.area_id,
        Premises.area_path,
    ).where(
        Premises.archived.is_(False),
        Premises.area_path.startswith(area.path, autoescape=True),
    )
    if types:
        query = query.where(Premises.premises_type.in_(types))
    return list(session.execute(query).all())


# The handlers who are people; the township station holds a grid's tasks without an assignee.
_PERSONAL = {HandlerKind.PRIMARY_WORKER, HandlerKind.BACKUP_WORKER, HandlerKind.GRID_LEADER}


def assignee_of(handler: Handler | None) -> uuid.UUID | None:
    """Who a grid's task goes to: the person handling the grid, else nobody (the station)."""
    return handler.user_id if handler and handler.kind in _PERSONAL else None


def new_tasks(
    session: Session,
    created_by: uuid.UUID | None,
    outcome: PlanOutcome,
    premises: list[Any],
    *,
    kind: TaskKind,
    key_prefix: str,
    due_at: Callable[[Any], datetime],
    period: str | None = None,
    campaign_id: uuid.UUID | None = None,
    checklist: Checklist | None = None,
) -> list[dict[str, Any]]:
    """Task rows for premises (routed rows of id, type, point, grid) whose source key
    (`key_prefix` + premises id) is not taken yet, each for whoever handles its grid; counts go
    into `outcome`."""
    keys = {row.id: f"{key_prefix}{row.id}" for row in premises}
    taken = set(
        session.scalars(
            select(PatrolTask.source_key).where(
                PatrolTask.source_key.startswith(key_prefix, autoescape=True)
            )
        )
    )
    fresh = [row for row in premises if keys[row.id] not in taken]
    outcome.existing = len(premises) - len(fresh)
    places = grid_places(session, {row.area_id for row in premises})
    handlers = handlers_for(session, places)
    codes = {p.grid.id: p.grid.code for p in places}
    for place in places:
        handler = handlers.get(place.grid.id)
        assignee = assignee_of(handler)
        outcome.grids[place.grid.code] = GridShare(
            place.grid.code,
            place.grid.name,
            assignee,
            handler.display_name if assignee is not None else None,
        )
    for row in premises:
        if keys[row.id] in taken and row.area_id in codes:
            outcome.grids[codes[row.area_id]].existing += 1
    lists = {
        t: checklist or default_checklist(session, t) for t in {row.premises_type for row in fresh}
    }
    now = utcnow()
    rows = []
    for row in fresh:
        handler = handlers.get(row.area_id)
        assignee = assignee_of(handler)
        outcome.unassigned += assignee is None
        grid_code = codes.get(row.area_id, "")
        outcome.per_grid[grid_code] = outcome.per_grid.get(grid_code, 0) + 1
        if grid_code:
            outcome.grids[grid_code].tasks += 1
        due = due_at(row)
        rows.append(
            {
                "id": new_id(),
                "kind": kind.value,
                "source_key": keys[row.id],
                "period": period,
                "campaign_id": campaign_id,
                "premises_id": row.id,
                "lng": row.lng,
                "lat": row.lat,
                "area_id": row.area_id,
                "area_path": row.area_path,
                "assignee_id": assignee,
                "checklist_id": lists[row.premises_type].id,
                "note": "",
                "due_at": due,
                "state": TaskState.OPEN.value,
                "done_at": None,
                "done_by_visit_id": None,
                "level": int(TaskLevel.WORKER),
                "escalate_at": due,
                "created_by": created_by,
                "created_at": now,
                "version": 1,
            }
        )
    outcome.created = len(rows)
    return rows


def insert_tasks(session: Session, rows: list[dict[str, Any]]) -> None:
    """New task rows, 5,000 to a statement; a task whose source key is taken is skipped."""
    for chunk in _chunks(rows, 5000):
        dialect.insert_many_unless_present(session, PatrolTask.__table__, chunk, "source_key")
    if len(rows) >= _BULK:
        dialect.refresh_statistics(session, PatrolTask.__table__)


_BULK = 10_000  # rows after which the planner's statistics are refreshed


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]
