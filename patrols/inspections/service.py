"""Random inspections: the item list, the conflict register, plans, reproducible draws,
results, verification and publication. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import orjson
from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from backend.core import audit
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.privacy import mask_free_text
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids import workforce
from grids.commitments import service as commitments
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import area_in_scope, scope_of
from patrols.inspections import draw as lottery
from patrols.inspections.enums import Outcome
from patrols.inspections.lifecycle import RESULT_LIFECYCLE, ResultStep
from patrols.inspections.models import (
    InspectionAssignment,
    InspectionDraw,
    InspectionItem,
    InspectionPlan,
    InspectorConflict,
)
from risk import service as risk


class DrawRefused(Conflict):
    """The plan cannot be drawn now (already drawn, or nothing to draw)."""


# --- 一单: the item list --------------------------------------------------------------------------


def add_item(
    session: Session, principal: Principal, *, code: str, title: str, basis: str
) -> InspectionItem:
    demand(principal.role, Permission.ORGANISE_INSPECTIONS, "do this")
    if session.scalar(select(InspectionItem.id).where(InspectionItem.code == code)):
        raise Conflict(f"an inspection item {code!r} exists", field="code")
    item = InspectionItem(code=code, title=title, basis=basis)
    session.add(item)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="inspection.item_added",
        subject_type="inspection_item",
        subject_id=item.id,
        after={"code": code, "title": title, "basis": basis},
    )
    return item


def items(session: Session) -> list[InspectionItem]:
    return list(session.scalars(select(InspectionItem).order_by(InspectionItem.code)))


# --- 两库: inspectors and their conflicts ------------------------------------------------------------


def record_conflict(
    session: Session,
    principal: Principal,
    *,
    user_id: uuid.UUID,
    premises_id: uuid.UUID | None,
    uscc: str | None,
    relation: str,
    note: str,
) -> InspectorConflict:
    """An inspector declares (or an organiser records) a unit they must not inspect. The
    inspector and the premises named must be in the caller's area: one elsewhere is answered
    as one that does not exist (a unit elsewhere is named by its uscc)."""
    scope = scope_of(session, principal)
    if principal.user_id != user_id:
        demand(principal.role, Permission.ORGANISE_INSPECTIONS, "do this")
        if not workforce.users_in_scope(session, scope, [user_id]):
            raise NotFound(f"no user {user_id}", field="user_id")
    if premises_id is None and not uscc:
        raise InvalidInput("name the unit: premises_id or uscc", field="premises_id")
    if premises_id is not None:
        premises = session.get(Premises, premises_id)
        if premises is None or not scope.covers_path(premises.area_path or "\0"):
            raise NotFound(f"no premises {premises_id}", field="premises_id")
    conflict = InspectorConflict(
        user_id=user_id,
        premises_id=premises_id,
        uscc=uscc,
        relation=relation,
        note=note,
        recorded_by=principal.user_id,
    )
    session.add(conflict)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="inspection.conflict_recorded",
        subject_type="user",
        subject_id=user_id,
        after={"premises_id": premises_id, "uscc": uscc, "relation": relation},
    )
    return conflict


def conflicts_of(
    session: Session, principal: Principal, user_id: uuid.UUID
) -> list[tuple[InspectorConflict, str | None]]:
    """The units one inspector must not inspect, with the registry's name of each premises
    named: one's own, or, for an organiser, those of an inspector of their area (one elsewhere
    is answered as one that does not exist)."""
    demand(principal.role, Permission.READ_INSPECTIONS, "do this")
    if principal.user_id != user_id:
        demand(principal.role, Permission.ORGANISE_INSPECTIONS, "do this")
        if not workforce.users_in_scope(session, scope_of(session, principal), [user_id]):
            raise NotFound(f"no user {user_id}", field="user_id")
    return [
        (conflict, name)
        for conflict, name in session.execute(
            select(InspectorConflict, Premises.name)
            .outerjoin(Premises, Premises.id == InspectorConflict.premises_id)
            .where(InspectorConflict.user_id == user_id)
            .order_by(InspectorConflict.recorded_at, InspectorConflict.id)
        ).all()
    ]


def certified_inspectors(session: Session, area: Area, on: date) -> list[User]:
    """执法人员名录库: active staff of the area's brigade and stations whose certificate is
    valid on the day."""
    return list(
        session.scalars(
            select(User)
            .join(Area, Area.id == User.scope_area_id)
            .where(
                User.is_active.is_(True),
                User.role.in_([Role.BRIGADE_STAFF.value, Role.STATION_STAFF.value]),
                User.certificate_number.is_not(None),
                User.certificate_expires_on >= on,
                Area.path.startswith(area.path, autoescape=True),
            )
            .order_by(User.id)
        )
    )


@dataclass
class InspectorEntry:
    user: User
    unit: str  # the area code of their brigade or station
    conflicts: int


def inspector_directory(session: Session, principal: Principal, on: date) -> list[InspectorEntry]:
    """执法人员名录库 for the caller's area: who may be drawn on the day, their certificate and
    unit, and how many units they must not inspect."""
    demand(principal.role, Permission.READ_INSPECTIONS, "do this")
    if principal.scope_area_id is None:
        raise InvalidInput("the directory is per area: sign in as staff of one", field="scope")
    area = session.get(Area, principal.scope_area_id)
    people = certified_inspectors(session, area, on)
    units = dict(
        session.execute(
            select(Area.id, Area.code).where(Area.id.in_({p.scope_area_id for p in people}))
        ).all()
    )
    counts = dict(
        session.execute(
            select(InspectorConflict.user_id, func.count())
            .where(InspectorConflict.user_id.in_([p.id for p in people]))
            .group_by(InspectorConflict.user_id)
        ).all()
    )
    return [InspectorEntry(p, units.get(p.scope_area_id, ""), counts.get(p.id, 0)) for p in people]


# --- Plans and draws ---------------------------------------------------------------------------------


def create_plan(
    session: Session,
    principal: Principal,
    *,
    title: str,
    area_code: str,
    starts_on: date,
    ends_on: date,
    rates: list[dict[str, Any]],
    item_codes: list[str],
) -> InspectionPlan:
    demand(principal.role, Permission.ORGANISE_INSPECTIONS, "do this")
    area = area_in_scope(session, principal, area_code)
    if ends_on < starts_on or ends_on.year != starts_on.year:
        raise InvalidInput("a plan ends after it starts, within one calendar year", field="ends_on")
    known = set(session.scalars(select(InspectionItem.code)))
    missing = sorted(set(item_codes) - known)
    if missing:
        raise InvalidInput(f"no inspection items {missing}: add them first", field="item_codes")
    plan = InspectionPlan(
        title=title,
        area_id=area.id,
        area_path=area.path,
        starts_on=starts_on,
        ends_on=ends_on,
        rates=rates,
        item_codes=item_codes,
        created_by=principal.user_id,
    )
    session.add(plan)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="inspection.plan_created",
        subject_type="inspection_plan",
        subject_id=plan.id,
        after={"fingerprint": plan_fingerprint(plan), "title": title, "area": area_code},
    )
    return plan


def plan_fingerprint(plan: InspectionPlan) -> str:
    return lottery.fingerprint(
        {
            "id": str(plan.id),
            "area_path": plan.area_path,
            "starts_on": plan.starts_on.isoformat(),
            "ends_on": plan.ends_on.isoformat(),
            "rates": plan.rates,
            "item_codes": plan.item_codes,
        }
    )


def _plan_in_scope(session: Session, principal: Principal, plan_id: uuid.UUID) -> InspectionPlan:
    plan = session.get(InspectionPlan, plan_id)
    if plan is None or not scope_of(session, principal).covers_path(plan.area_path):
        raise NotFound(f"no inspection plan {plan_id} in your area")
    return plan


def run_draw(
    session: Session,
    principal: Principal,
    settings: Settings,
    plan_id: uuid.UUID,
    public_value: str,
    commitment_rate: float | None = None,
) -> InspectionDraw:
    """Draw a plan once. The inputs are read and kept as they are now (the object directory
    with tier, risk and credit, how often each unit was drawn this year and by whom last, the
    certified inspectors and their conflicts, the venues open on a 告知承诺 commitment and the
    rate of their group: this draw's, or `FIREGRID_INSPECTION_COMMITMENT_RATE`), the seed is
    derived from the plan and the public value, and the audit log keeps the fingerprints of
    inputs and result."""
    demand(principal.role, Permission.ORGANISE_INSPECTIONS, "do this")
    plan = _plan_in_scope(session, principal, plan_id)
    if session.scalar(select(InspectionDraw.id).where(InspectionDraw.plan_id == plan.id)):
        raise DrawRefused("this plan has been drawn; make a new plan to draw again")
    rate = settings.inspection_commitment_rate if commitment_rate is None else commitment_rate
    inputs = _inputs(session, plan, rate)
    seed = lottery.seed_for(plan_fingerprint(plan), public_value)
    result = _compute(seed, inputs, settings.inspection_max_per_year)
    kept = lottery.canonical(inputs)
    record = InspectionDraw(
        plan_id=plan.id,
        algorithm=lottery.ALGORITHM,
        public_value=public_value,
        seed=seed,
        max_per_year=settings.inspection_max_per_year,
        inputs=kept,
        inputs_fingerprint=lottery.text_fingerprint(kept),
        result_fingerprint=lottery.result_fingerprint(result),
        drawn_by=principal.user_id,
    )
    session.add(record)
    session.flush()
    groups = _groups(inputs)
    if result:
        session.execute(
            insert(InspectionAssignment),
            [
                {
                    "id": uuid.uuid4(),
                    "draw_id": record.id,
                    "position": position,
                    "premises_id": uuid.UUID(drawn.premises_id),
                    "inspector_ids": list(drawn.inspectors),
                    "draw_group": groups(drawn.premises_id)[0],
                    "commitment_id": groups(drawn.premises_id)[1],
                    "year": plan.starts_on.year,
                    "outcome": Outcome.PENDING.value,
                    "hazards_found": 0,
                    "note": "",
                }
                for position, drawn in enumerate(result)
            ],
        )
    audit.record(
        session,
        actor=principal.actor,
        action="inspection.drawn",
        subject_type="inspection_draw",
        subject_id=record.id,
        after={
            "plan": str(plan.id),
            "public_value": public_value,
            "seed": seed,
            "inputs": record.inputs_fingerprint,
            "result": record.result_fingerprint,
            "drawn": len(result),
            "commitment_rate": rate,
        },
    )
    return record


def _groups(inputs: dict[str, Any]):
    """Which group a drawn unit came from, by what the draw kept: (group, commitment id)."""
    members = (inputs.get("commitments") or {}).get("members", {})

    def group_of(premises_id: str) -> tuple[str, uuid.UUID | None]:
        if premises_id in members:
            return lottery.COMMITMENT_GROUP, uuid.UUID(members[premises_id])
        return lottery.RATES_GROUP, None

    return group_of


def _inputs(session: Session, plan: InspectionPlan, commitment_rate: float) -> dict[str, Any]:
    year = plan.starts_on.year
    drawn_counts = dict(
        session.execute(
            select(InspectionAssignment.premises_id, func.count())
            .where(InspectionAssignment.year == year)
            .group_by(InspectionAssignment.premises_id)
        ).all()
    )
    last_inspectors: dict[uuid.UUID, list[str]] = {}
    for premises_id, inspector_ids in session.execute(
        select(InspectionAssignment.premises_id, InspectionAssignment.inspector_ids)
        .join(InspectionDraw, InspectionDraw.id == InspectionAssignment.draw_id)
        .order_by(InspectionDraw.drawn_at)
    ).all():
        last_inspectors[premises_id] = inspector_ids  # the latest wins
    candidates = [  # kept as JSON arrays, in the order of lottery.Candidate's fields
        lottery.Candidate(
            str(pid),
            uscc,
            tier,
            risk,
            credit,
            drawn_counts.get(pid, 0),
            tuple(last_inspectors.get(pid, ())),
        )
        for pid, uscc, tier, risk, credit in session.execute(
            select(
                Premises.id,
                Premises.uscc,
                Premises.supervision_tier,
                Premises.risk_level,
                Premises.credit_status,
            ).where(
                Premises.archived.is_(False),
                Premises.area_path.startswith(plan.area_path, autoescape=True),
            )
        ).all()
    ]
    area = session.get(Area, plan.area_id)
    people = certified_inspectors(session, area, plan.starts_on)
    conflicts: dict[uuid.UUID, list[str]] = {p.id: [] for p in people}
    for user_id, premises_id, uscc in session.execute(
        select(
            InspectorConflict.user_id, InspectorConflict.premises_id, InspectorConflict.uscc
        ).where(InspectorConflict.user_id.in_(list(conflicts)))
    ):
        conflicts[user_id] += [str(premises_id)] if premises_id else []
        conflicts[user_id] += [uscc] if uscc else []
    return {
        "candidate_fields": list(lottery.Candidate._fields),
        "candidates": candidates,
        "inspectors": [{"id": str(p.id), "conflicts": sorted(conflicts[p.id])} for p in people],
        "rules": plan.rates,
        # 告知承诺: venues open on a commitment, drawn in their own stratum at their own rate
        "commitments": {
            "rate": commitment_rate,
            "members": {
                str(p): str(c) for p, c in commitments.open_in(session, plan.area_path).items()
            },
        },
    } | _risk_input(session, plan.area_path)


def _risk_input(session: Session, area_path: str) -> dict[str, Any]:
    """The risk scores' snapshot the draw weighs by (rule set, when computed, each unit's score
    and weight; decision 0058), or nothing when no unit has a score: such a draw, and every
    draw made before scores existed, weighs by level and credit."""
    weights = risk.draw_weights(session, area_path)
    return {"risk": weights} if weights is not None else {}


def _compute(seed: str, inputs: dict[str, Any], max_per_year: int) -> list[lottery.Drawn]:
    group = inputs.get("commitments")  # absent from the draws made before the group existed
    return lottery.draw(
        seed,
        [
            c if isinstance(c, lottery.Candidate) else lottery.Candidate(*c[:-1], tuple(c[-1]))
            for c in inputs["candidates"]
        ],
        [lottery.Inspector(i["id"], tuple(i["conflicts"])) for i in inputs["inspectors"]],
        [lottery.RateRule(r.get("tier"), r.get("risk"), float(r["rate"])) for r in inputs["rules"]],
        max_per_year,
        lottery.CommitmentGroup(float(group["rate"]), dict(group["members"])) if group else None,
        inputs["risk"]["weights"] if inputs.get("risk") else None,
    )


@dataclass
class Verification:
    draw_id: uuid.UUID
    sound: bool
    problems: list[str]


def verify(session: Session, draw_id: uuid.UUID) -> Verification:
    """Recompute a draw from what it kept and compare: the seed with the plan and the public
    value, the inputs and the result with the fingerprints the audit log took at draw time,
    and the assignments as they stand now with the recomputed result."""
    record = session.get(InspectionDraw, draw_id)
    if record is None:
        raise NotFound(f"no draw {draw_id}")
    problems = []
    plan = session.get(InspectionPlan, record.plan_id)
    if lottery.seed_for(plan_fingerprint(plan), record.public_value) != record.seed:
        problems.append("the seed does not follow from the plan and the public value")
    logged = next(
        (
            e
            for e in audit.events_for(session, "inspection_draw", record.id)
            if e.action == "inspection.drawn"
        ),
        None,
    )
    if logged is None:
        problems.append("the audit log has no record of this draw")
    else:
        for key, kept in (
            ("seed", record.seed),
            ("inputs", lottery.text_fingerprint(record.inputs)),
            ("public_value", record.public_value),
        ):
            if logged.after.get(key) != kept:
                problems.append(f"the {key} differs from what the audit log recorded at draw time")
    kept = orjson.loads(record.inputs)
    recomputed = _compute(record.seed, kept, record.max_per_year)
    if logged is not None and lottery.result_fingerprint(recomputed) != logged.after.get("result"):
        problems.append("recomputing the draw gives another result than the one logged")
    rows = list(
        session.scalars(
            select(InspectionAssignment)
            .where(InspectionAssignment.draw_id == record.id)
            .order_by(InspectionAssignment.position)
        )
    )
    stored = [lottery.Drawn(str(a.premises_id), tuple(a.inspector_ids)) for a in rows]
    group_of = _groups(kept)
    regrouped = sum(
        1 for a in rows if (a.draw_group, a.commitment_id) != group_of(str(a.premises_id))
    )
    if regrouped:
        problems.append(f"{regrouped} assignment(s) name another group than the draw's inputs")
    if stored != recomputed:
        changed = sum(1 for a, b in zip(stored, recomputed, strict=False) if a != b)
        changed += abs(len(stored) - len(recomputed))
        problems.append(f"{changed} assignment(s) differ from the recomputed draw")
    return Verification(record.id, not problems, problems)


# --- Results -------------------------------------------------------------------------------------


def record_result(
    session: Session,
    principal: Principal,
    settings: Settings,
    assignment_id: uuid.UUID,
    *,
    outcome: Outcome,
    hazards_found: int,
    note: str,
) -> InspectionAssignment:
    """One of the two drawn inspectors records what they found (双人执法: both were there). A
    result may be corrected; each passed or failed result recorded is told to the unit
    (检查结果告知书, the table's effect: patrols.inspections.lifecycle)."""
    assignment = session.get(InspectionAssignment, assignment_id)
    # `may_record` below predicts these refusals for the console.
    if assignment is None or str(principal.user_id) not in assignment.inspector_ids:
        raise NotFound(f"no inspection {assignment_id} drawn for you")
    if not principal.certified_today:
        raise Forbidden("recording an inspection needs a valid certificate")
    row = RESULT_LIFECYCLE.step(Outcome(assignment.outcome), outcome)
    if outcome is Outcome.FAILED and hazards_found < 1:
        raise InvalidInput("a failed inspection found at least one hazard", field="hazards_found")
    before = {"outcome": assignment.outcome, "hazards_found": assignment.hazards_found}
    assignment.outcome = outcome.value
    assignment.hazards_found = hazards_found
    assignment.note = note
    assignment.recorded_at = utcnow()
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="inspection.result_recorded",
        subject_type="inspection_assignment",
        subject_id=assignment.id,
        before=before,
        after={"outcome": outcome.value, "hazards_found": hazards_found},
    )
    RESULT_LIFECYCLE.run_effects(row, ResultStep(session, settings, assignment, principal))
    return assignment


def assignments_of(
    session: Session, principal: Principal, draw_id: uuid.UUID
) -> list[InspectionAssignment]:
    demand(principal.role, Permission.READ_INSPECTIONS, "do this")
    record = session.get(InspectionDraw, draw_id)
    if record is None:
        raise NotFound(f"no draw {draw_id}")
    try:
        _plan_in_scope(session, principal, record.plan_id)
    except NotFound:  # answered as a draw that does not exist, naming nothing else
        raise NotFound(f"no draw {draw_id}") from None
    return list(
        session.scalars(
            select(InspectionAssignment)
            .where(InspectionAssignment.draw_id == draw_id)
            .order_by(InspectionAssignment.position)
        )
    )


@dataclass(frozen=True)
class PlanView:
    """A plan as its organisers follow it: its area by name and its draw, if made."""

    plan: InspectionPlan
    area_code: str
    area_name: str
    draw: InspectionDraw | None
    drawn: int
    recorded: int  # drawn units with a result


def plans_in_scope(
    session: Session, principal: Principal, limit: int = 100, offset: int = 0
) -> tuple[list[PlanView], int]:
    """The plans of the caller's area, newest first, with their draws; and how many there are."""
    demand(principal.role, Permission.READ_INSPECTIONS, "do this")
    inside = scope_of(session, principal).area_clause_on(InspectionPlan.area_path)
    total = session.scalar(select(func.count()).select_from(InspectionPlan).where(inside)) or 0
    rows = session.execute(
        select(InspectionPlan, Area.code, Area.name)
        .join(Area, Area.id == InspectionPlan.area_id)
        .where(inside)
        .order_by(InspectionPlan.starts_on.desc(), InspectionPlan.created_at.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    draws = {
        d.plan_id: d
        for d in session.scalars(
            select(InspectionDraw).where(InspectionDraw.plan_id.in_([p.id for p, _, _ in rows]))
        )
    }
    counted = {
        draw_id: (drawn, recorded)
        for draw_id, drawn, recorded in session.execute(
            select(
                InspectionAssignment.draw_id,
                func.count(),
                func.count(InspectionAssignment.recorded_at),
            )
            .where(InspectionAssignment.draw_id.in_([d.id for d in draws.values()]))
            .group_by(InspectionAssignment.draw_id)
        )
    }
    views = []
    for plan, code, name in rows:
        record = draws.get(plan.id)
        drawn, recorded = counted.get(record.id, (0, 0)) if record else (0, 0)
        views.append(PlanView(plan, code, name, record, drawn, recorded))
    return views, total


def may_record(principal: Principal, assignment: InspectionAssignment) -> bool:
    """Whether the caller may record this unit's result now (`record_result` refuses others):
    one of its two inspectors, with a certificate valid today."""
    return str(principal.user_id) in assignment.inspector_ids and principal.certified_today


@dataclass(frozen=True)
class AssignmentView:
    """A drawn unit as the organisers see it: names, not ids."""

    assignment: InspectionAssignment
    premises_name: str
    area_code: str | None
    inspector_names: list[str]
    may_record: bool


def assignment_views(
    session: Session, principal: Principal, assignments: list[InspectionAssignment]
) -> list[AssignmentView]:
    """Names for a draw's rows, in two queries."""
    premises = {
        pid: (name, path)
        for pid, name, path in session.execute(
            select(Premises.id, Premises.name, Premises.area_path).where(
                Premises.id.in_([a.premises_id for a in assignments])
            )
        )
    }
    people = dict(
        session.execute(
            select(User.id, User.display_name).where(
                User.id.in_({uuid.UUID(str(i)) for a in assignments for i in a.inspector_ids})
            )
        ).all()
    )
    views = []
    for a in assignments:
        name, path = premises.get(a.premises_id, ("", ""))
        views.append(
            AssignmentView(
                a,
                name,
                path.rstrip("/").rsplit("/", 1)[-1] or None if path else None,
                [people.get(uuid.UUID(str(i)), "") for i in a.inspector_ids],
                may_record(principal, a),
            )
        )
    return views


# --- 一公开: what is published -------------------------------------------------------------------


def published(session: Session) -> list[dict[str, Any]]:
    """Plans, their draws and results, for anyone: units by name and area, never a person
    (no contact, no inspector names or ids)."""
    plans = list(session.scalars(select(InspectionPlan).order_by(InspectionPlan.starts_on)))
    areas = dict(session.execute(select(Area.id, Area.code)).all()) if plans else {}
    item_titles = dict(session.execute(select(InspectionItem.code, InspectionItem.title)).all())
    out = []
    for plan in plans:
        draws = []
        for record in session.scalars(
            select(InspectionDraw).where(InspectionDraw.plan_id == plan.id)
        ):
            rows = session.execute(
                select(
                    InspectionAssignment.position,
                    Premises.name,
                    Premises.area_path,
                    InspectionAssignment.outcome,
                    InspectionAssignment.hazards_found,
                    InspectionAssignment.draw_group,
                )
                .join(Premises, Premises.id == InspectionAssignment.premises_id)
                .where(InspectionAssignment.draw_id == record.id)
                .order_by(InspectionAssignment.position)
            ).all()
            draws.append(
                {
                    "id": str(record.id),
                    "algorithm": record.algorithm,
                    "public_value": record.public_value,
                    "seed": record.seed,
                    "drawn_at": record.drawn_at.isoformat(),
                    "inputs_fingerprint": record.inputs_fingerprint,
                    "result_fingerprint": record.result_fingerprint,
                    "objects": [
                        {
                            "position": position,
                            "unit": mask_free_text(name),
                            "area_code": path.rstrip("/").rsplit("/", 1)[-1] or None,
                            "outcome": outcome,
                            "hazards_found": found,
                            "group": group,
                        }
                        for position, name, path, outcome, found, group in rows
                    ],
                }
            )
        out.append(
            {
                "id": str(plan.id),
                "title": mask_free_text(plan.title),
                "area_code": areas.get(plan.area_id),
                "starts_on": plan.starts_on.isoformat(),
                "ends_on": plan.ends_on.isoformat(),
                "rates": plan.rates,
                "items": [
                    {"code": c, "title": mask_free_text(item_titles.get(c, ""))}
                    for c in plan.item_codes
                ],
                "draws": draws,
            }
        )
    return out
