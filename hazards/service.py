"""Rules for hazards: reporting, the lifecycle, deadlines and who holds a hazard. No web
imports."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, or_, select, update
from sqlalchemy.orm import Session

from backend.core import audit, calendar_notices, dialect
from backend.core.calendar import WorkingCalendar
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, NotFound
from backend.core.ids import new_id
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from backend.notify import service as notify
from grids.models import Area
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from grids.service import (
    Placement,
    place_point,
    place_points,
    point_problems,
    refuse_unusable_point,
    unusable_point,
)
from hazards import announcements, lifecycle
from hazards.credit import service as credit
from hazards.duplicates import possible_duplicate, possible_duplicates
from hazards.enums import EscalationLevel, HazardAction, HazardSource, HazardState, Severity
from hazards.models import Hazard, HazardDecision, HazardPhoto
from hazards.schemas import ActionIn, HazardReport

MAJOR_STATES = frozenset(
    {
        HazardState.MAJOR_SUSPECTED,
        HazardState.DETERMINED_MAJOR,
        HazardState.REPORTED_TO_GOVERNMENT,
        HazardState.LISTED,
        HazardState.RECTIFYING,
        HazardState.REINSPECTED,
    }
)
# States in which the unit is working against a rectification deadline (missing it is recorded).
DEADLINE_STATES = frozenset(
    {
        HazardState.RECTIFICATION_ORDERED,
        HazardState.RECTIFICATION_FAILED,
        HazardState.LISTED,
        HazardState.RECTIFYING,
    }
)
GOVERNMENT_STATES = frozenset(
    {
        HazardState.REPORTED_TO_GOVERNMENT,
        HazardState.LISTED,
        HazardState.RECTIFYING,
        HazardState.REINSPECTED,
    }
)


def working_calendar(settings: Settings) -> WorkingCalendar:
    return calendar_notices.working_calendar(settings)


def top_level(severity: Severity) -> EscalationLevel:
    """Ordinary hazards climb to the county brigade at most; major ones to government listing."""
    return EscalationLevel.GOVERNMENT if severity is Severity.MAJOR else EscalationLevel.COUNTY


def start_clock(hazard: Hazard, settings: Settings, since: datetime) -> None:
    """Set when the hazard is overdue where it stands, and when the sweep moves it up."""
    hazard.level_due_at, hazard.escalate_at = clock(
        HazardState(hazard.state),
        Severity(hazard.severity),
        EscalationLevel(hazard.level),
        hazard.rectification_deadline,
        settings,
        since,
    )


def clock(
    state: HazardState,
    severity: Severity,
    level: EscalationLevel,
    rectification_deadline: datetime | None,
    settings: Settings,
    since: datetime,
) -> tuple[datetime | None, datetime | None]:
    """(when it is overdue where it stands, when the sweep moves it up): the second is None at
    the top level, so the sweep never reads hazards that cannot move."""
    due = due_at(state, level, rectification_deadline, settings, since)
    return due, (due if level < top_level(severity) else None)


def due_at(
    state: HazardState,
    level: EscalationLevel,
    rectification_deadline: datetime | None,
    settings: Settings,
    since: datetime,
) -> datetime | None:
    """When a hazard in this state and level becomes overdue (None: no clock runs)."""
    calendar = working_calendar(settings)
    if state.is_closed or state in GOVERNMENT_STATES:
        return None
    if state in (HazardState.RECTIFICATION_ORDERED, HazardState.RECTIFICATION_FAILED):
        return rectification_deadline
    if state is HazardState.RECTIFICATION_SUBMITTED:
        return calendar.deadline(since, settings.recheck_working_days)
    if state is HazardState.MAJOR_SUSPECTED:
        return calendar.deadline(since, settings.major_determination_working_days)
    if state is HazardState.DETERMINED_MAJOR:
        return calendar.deadline(since, settings.major_notice_working_days)
    return calendar.deadline(
        since, settings.escalation_working_days[min(level, EscalationLevel.COUNTY)]
    )


# --- Reporting -----------------------------------------------------------------------------------


def _fields(body: HazardReport) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude={"id"})


# Who looks after grids of their own: a report of theirs elsewhere is flagged for the station.
FIELD_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER})


def _home_scope(session: Session, principal: Principal) -> Scope | None:
    """The grids a field worker looks after (None for anyone else: nothing to flag)."""
    return scope_of(session, principal) if principal.role in FIELD_ROLES else None


def _outside_own_grids(home: Scope | None, placement: Placement | None) -> bool:
    return home is not None and placement is not None and not home.covers_path(placement.area_path)


def report(
    session: Session, principal: Principal, body: HazardReport, settings: Settings
) -> tuple[Hazard, bool]:
    """Record a hazard where it was seen. A device re-sending the same id gets the same hazard
    back (nothing new); the same id with other content is a conflict."""
    if principal.role is Role.INTEGRATION:
        raise Forbidden("partner systems send complaints, not hazards")
    if principal.role is Role.CITIZEN and body.source is not HazardSource.CITIZEN:
        raise InvalidInput("citizens report with source 'citizen'", field="source")
    if body.id is not None:
        existing = session.get(Hazard, body.id)
        if existing is not None:
            if existing.reporter_id == principal.user_id and _same_report(existing, body):
                return existing, False
            raise Conflict(f"hazard {body.id} exists with other content", field="id")
    if body.premises_id is not None:
        _premises_in_scope(session, principal, body.premises_id)
    located, placement = place_point(session, body.lng, body.lat, body.crs, settings.routing_snap_m)
    refuse_unusable_point(body.lng, body.lat, placement)
    outside = _outside_own_grids(_home_scope(session, principal), placement)
    now = utcnow()
    hazard = Hazard(
        **({"id": body.id} if body.id else {}),
        source=body.source.value,
        category=body.category.value,
        severity=Severity.ORDINARY.value,
        state=HazardState.REPORTED.value,
        is_open=True,
        description=body.description,
        **located,
        premises_id=body.premises_id,
        reporter_id=principal.user_id,
        device_time=body.device_time,
        outside_own_grids=outside,
        reported_at=now,
        level=EscalationLevel.GRID,
        level_since=now,
    )
    hazard.possible_duplicate_of_id = possible_duplicate(
        session, settings, category=body.category.value, x=located["lng"], y=located["lat"], now=now
    )
    session.add(hazard)
    session.flush()
    start_clock(hazard, settings, now)
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.reported",
        subject_type="hazard",
        subject_id=hazard.id,
        after=_fields(body)
        | {"area_path": hazard.area_path, "outside_own_grids": hazard.outside_own_grids},
    )
    announcements.announce_report(session, hazard, principal.user_id)
    if body.severity is Severity.MAJOR:  # seen as major on the spot: straight to determination
        hazard = _apply(
            session,
            principal,
            hazard,
            lifecycle.transition_for(HazardState.REPORTED, HazardAction.SUSPECT_MAJOR),
            ActionIn(action=HazardAction.SUSPECT_MAJOR),
            settings,
            [str(principal.user_id)],
        )
    return hazard, True


def report_many(
    session: Session,
    principal: Principal,
    bodies: list[HazardReport],
    settings: Settings,
    *,
    known_new: bool = False,
    labels: list[str] | None = None,
) -> list[uuid.UUID]:
    """`report` for a batch of new reports (a phone's push after a day offline): the same rows,
    audit events and pushes, with one routing pass, one duplicate query, one insert and one
    audit append for the batch. Major reports, and ids that exist already, take `report` one
    by one (`known_new`: the caller has checked that none exists). Returns the ids, in order.

    Every bad field of every report in the batch is named at once (`errors[]`, each field
    prefixed by the report's label, e.g. the sync record's path), before anything is written,
    so a phone learns all that is wrong with its push in one answer."""
    if principal.role is Role.INTEGRATION:
        raise Forbidden("partner systems send complaints, not hazards")
    ids = [body.id for body in bodies if body.id is not None]
    known = (
        set(session.scalars(select(Hazard.id).where(Hazard.id.in_(ids))))
        if ids and not known_new
        else set()
    )
    single = [b for b in bodies if b.severity is Severity.MAJOR or b.id in known]
    batch = [b for b in bodies if not (b.severity is Severity.MAJOR or b.id in known)]
    label_of = {
        id(b): (f"{labels[i]}." if labels else (f"[{i}]." if len(bodies) > 1 else ""))
        for i, b in enumerate(bodies)
    }
    out: dict[int, uuid.UUID] = {}
    problems: list[dict[str, str]] = []
    for body in single:  # one by one; their errors too are named by each report's label
        try:
            out[id(body)] = report(session, principal, body, settings)[0].id
        except InvalidInput as exc:
            found = exc.extensions.get("errors") or [{"field": "", "message": exc.detail}]
            problems += [
                {**e, "field": f"{label_of[id(body)]}{e['field']}".rstrip(".")} for e in found
            ]
    if batch:
        premises = {b.premises_id for b in batch if b.premises_id is not None}
        scope = scope_of(session, principal) if premises or principal.role in FIELD_ROLES else None
        home = scope if principal.role in FIELD_ROLES else None  # one scope query per batch
        for body in batch:
            if principal.role is Role.CITIZEN and body.source is not HazardSource.CITIZEN:
                problems.append(
                    {
                        "field": f"{label_of[id(body)]}source",
                        "message": "citizens report with source 'citizen'",
                    }
                )
        strange = (
            _premises_out_of_scope(session, scope, premises)
            if scope is not None and premises
            else set()
        )
        for body in batch:
            if body.premises_id in strange:
                problems.append(
                    {
                        "field": f"{label_of[id(body)]}premises_id",
                        "message": f"no premises with id {body.premises_id} in your area",
                    }
                )
        placed = place_points(
            session, [(b.lng, b.lat, b.crs) for b in batch], settings.routing_snap_m
        )
        for body, (_, placement) in zip(batch, placed, strict=True):
            reason = unusable_point(body.lng, body.lat, placement)
            if reason is not None:
                problems += point_problems(reason, label_of[id(body)])
        _refuse_any(problems)
        outside = [_outside_own_grids(home, placement) for _, placement in placed]
        now = utcnow()
        new_ids = [b.id or new_id() for b in batch]
        flags = possible_duplicates(
            session,
            settings,
            [
                (i, b.category.value, c["lng"], c["lat"])
                for i, b, (c, _) in zip(new_ids, batch, placed, strict=True)
            ],
            now,
        )
        due, escalate = clock(
            HazardState.REPORTED, Severity.ORDINARY, EscalationLevel.GRID, None, settings, now
        )
        rows = [
            {
                "id": hazard_id,
                "source": body.source.value,
                "category": body.category.value,
                "severity": Severity.ORDINARY.value,
                "state": HazardState.REPORTED.value,
                "is_open": True,
                "description": body.description,
                **located,
                "premises_id": body.premises_id,
                "reporter_id": principal.user_id,
                "duplicate_of_id": None,
                "possible_duplicate_of_id": flag,
                "device_time": body.device_time,
                "outside_own_grids": flagged,
                "report_refusal": None,
                "reported_at": now,
                "level": int(EscalationLevel.GRID),
                "level_since": now,
                "level_due_at": due,
                "escalate_at": escalate,
                "rectification_deadline": None,
                "failed_rechecks": 0,
                "listing_level": None,
                "version": 1,
                "updated_at": now,
                "credit_overdue_at": None,
            }
            for hazard_id, body, (located, _), flag, flagged in zip(
                new_ids, batch, placed, flags, outside, strict=True
            )
        ]
        # Everything is prepared before the first write: the hazards' change stamps and the
        # audit chain take the same head row's lock, held to commit, which other writers wait
        # for (decision 0017).
        events = audit.prepare(
            [
                audit.Entry(
                    principal.actor,
                    "hazard.reported",
                    "hazard",
                    hazard_id,
                    after=_fields(body)
                    | {"area_path": located["area_path"], "outside_own_grids": flagged},
                )
                for hazard_id, body, (located, _), flagged in zip(
                    new_ids, batch, placed, outside, strict=True
                )
            ]
        )
        messages = announcements.report_messages(session, rows, principal.user_id)
        dialect.insert_rows(session, Hazard.__table__, rows)
        audit.append(session, events)
        notify.push_many(session, messages)
        out |= {id(b): hazard_id for b, hazard_id in zip(batch, new_ids, strict=True)}
    _refuse_any(problems)
    return [out[id(b)] for b in bodies]


def _refuse_any(problems: list[dict[str, str]]) -> None:
    if problems:
        raise InvalidInput(
            f"{len(problems)} field(s) of the reports are not valid: "
            + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
            errors=problems,
        )


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


def _premises_out_of_scope(
    session: Session, scope: Scope, premises_ids: set[uuid.UUID]
) -> set[uuid.UUID]:
    """Those of the premises that do not exist, are archived or are outside the caller's
    scope (one query for all)."""
    found = dict(
        session.execute(
            select(Premises.id, Premises.area_path).where(
                Premises.id.in_(premises_ids), Premises.archived.is_(False)
            )
        ).all()
    )
    return {
        premises_id
        for premises_id in premises_ids
        if premises_id not in found or not scope.covers_path(found[premises_id])
    }


def _has_after_photo(session: Session, hazard_id: uuid.UUID) -> bool:
    return (
        session.scalar(
            select(HazardPhoto.sha256).where(
                HazardPhoto.hazard_id == hazard_id, HazardPhoto.kind == "after"
            )
        )
        is not None
    )


def _premises_in_scope(session: Session, principal: Principal, premises_id: uuid.UUID) -> None:
    premises = session.get(Premises, premises_id)
    if (
        premises is None
        or premises.archived
        or not scope_of(session, principal).covers_path(premises.area_path)
    ):
        raise InvalidInput(f"no premises with id {premises_id} in your area", field="premises_id")


def _same_report(hazard: Hazard, body: HazardReport) -> bool:
    return (
        hazard.category == body.category.value
        and hazard.description == body.description
        and hazard.raw_lng == body.lng
        and hazard.raw_lat == body.lat
        and hazard.raw_crs == body.crs.value
    )


# --- Reading -------------------------------------------------------------------------------------


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


# --- Acting ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActOutcome:
    hazard: Hazard
    pending: HazardDecision | None = None  # an enforcement step still waiting for approvers


def act(
    session: Session, principal: Principal, hazard_id: uuid.UUID, body: ActionIn, settings: Settings
) -> ActOutcome:
    hazard = get_visible(session, principal, hazard_id)
    if not scope_of(session, principal).covers_path(hazard.area_path or "\0"):
        raise NotFound(f"no hazard with id {hazard_id}")  # a reporter sees but does not act
    if body.version is not None and body.version != hazard.version:
        raise lifecycle.HazardChangedMeanwhile(
            f"hazard is at version {hazard.version}, you sent {body.version}",
            current_version=hazard.version,
        )
    transition = lifecycle.transition_for(HazardState(hazard.state), body.action)
    if principal.role not in transition.roles:
        raise lifecycle.RoleMayNotAct(f"a {principal.role} may not {body.action.value}")
    missing = [name for name in transition.needs if getattr(body, name) in (None, "", [])]
    if missing:
        raise lifecycle.ActionIncomplete(
            f"{body.action.value} needs {', '.join(missing)}", fields=missing
        )
    if body.action is HazardAction.SUBMIT_RECTIFICATION and not _has_after_photo(
        session, hazard.id
    ):
        raise lifecycle.ActionIncomplete(
            "submitting a rectification needs an 'after' photo", fields=["photos"]
        )
    if body.action is HazardAction.MARK_DUPLICATE:
        original = get_visible(session, principal, body.duplicate_of)  # type: ignore[arg-type]
        if original.id == hazard.id:
            raise InvalidInput("a hazard cannot duplicate itself", field="duplicate_of")
    if not transition.enforcement:
        return ActOutcome(
            _apply(session, principal, hazard, transition, body, settings, [str(principal.user_id)])
        )
    return _approve(session, principal, hazard, transition, body, settings)


def _approve(
    session: Session,
    principal: Principal,
    hazard: Hazard,
    transition: lifecycle.Transition,
    body: ActionIn,
    settings: Settings,
) -> ActOutcome:
    """双人执法: the step applies once `approvers` distinct officers with valid certificates
    have each approved it; until then it waits as a decision."""
    if not principal.certified_on(utcnow().date()):
        raise lifecycle.CertificateRequired(f"{body.action.value} needs a certified officer")
    decision = session.scalar(
        select(HazardDecision).where(
            HazardDecision.hazard_id == hazard.id,
            HazardDecision.action == body.action.value,
            HazardDecision.from_state == hazard.state,
            HazardDecision.done.is_(False),
        )
    )
    me = str(principal.user_id)
    if decision is None:
        decision = HazardDecision(
            hazard_id=hazard.id,
            from_state=hazard.state,
            action=body.action.value,
            payload=body.model_dump(mode="json", exclude_none=True),
            approvers=[me],
            required=transition.approvers,
        )
        session.add(decision)
    elif me in decision.approvers:
        raise lifecycle.AlreadyApproved(
            f"you already approved {body.action.value}; another officer must"
        )
    else:
        decision.approvers = [*decision.approvers, me]
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.approval",
        subject_type="hazard",
        subject_id=hazard.id,
        after={
            "step": body.action.value,
            "approvals": len(decision.approvers),
            "required": decision.required,
        },
    )
    if len(decision.approvers) < decision.required:
        return ActOutcome(hazard, decision)
    decision.done = True
    agreed = ActionIn.model_validate(
        decision.payload | {"action": body.action.value, "version": None}
    )
    return ActOutcome(
        _apply(session, principal, hazard, transition, agreed, settings, decision.approvers)
    )


def _apply(
    session: Session,
    principal: Principal,
    hazard: Hazard,
    transition: lifecycle.Transition,
    body: ActionIn,
    settings: Settings,
    approvers: list[str],
) -> Hazard:
    """The transition as a conditional update on (state, version): a concurrent change makes it
    fail instead of being overwritten."""
    now = utcnow()
    before = {"state": hazard.state, "level": hazard.level, "version": hazard.version}
    values: dict[str, Any] = {
        "state": transition.target.value,
        "version": hazard.version + 1,
        "is_open": not transition.target.is_closed,
    }
    calendar = working_calendar(settings)
    if body.deadline_working_days:
        values["rectification_deadline"] = calendar.deadline(now, body.deadline_working_days)
    if transition.action is HazardAction.FAIL_VERIFICATION:
        values["failed_rechecks"] = hazard.failed_rechecks + 1
    if transition.action is HazardAction.MARK_DUPLICATE:
        values["duplicate_of_id"] = body.duplicate_of
    if transition.action is HazardAction.DETERMINE_NOT_MAJOR:
        values["severity"] = Severity.ORDINARY.value
    if transition.target in MAJOR_STATES:
        values["severity"] = Severity.MAJOR.value
        # A major hazard goes straight to the county brigade; never back down by itself.
        floor = (
            EscalationLevel.GOVERNMENT
            if transition.target in GOVERNMENT_STATES
            else EscalationLevel.COUNTY
        )
        if hazard.level < floor:
            values["level"], values["level_since"] = int(floor), now
    if body.listing_level:
        values["listing_level"] = body.listing_level.value
    deadline = values.get("rectification_deadline", hazard.rectification_deadline)
    values["credit_overdue_at"] = deadline if transition.target in DEADLINE_STATES else None
    changed = session.execute(
        update(Hazard)
        .where(
            Hazard.id == hazard.id, Hazard.state == hazard.state, Hazard.version == hazard.version
        )
        .values(**values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not changed:
        raise lifecycle.HazardChangedMeanwhile(
            f"hazard {hazard.id} changed while you acted; reload it"
        )
    session.refresh(hazard)
    start_clock(hazard, settings, now)
    credit.note_hazard_step(session, hazard, transition.target, settings)
    after = {
        "state": hazard.state,
        "level": hazard.level,
        "version": hazard.version,
        **body.model_dump(mode="json", exclude_none=True, exclude={"action", "version"}),
    }
    if len(approvers) > 1:
        after["approvers"] = approvers
    audit.record(
        session,
        actor=principal.actor,
        action=f"hazard.{transition.action.value}",
        subject_type="hazard",
        subject_id=hazard.id,
        before=before,
        after=after,
    )
    announcements.announce(session, hazard, transition.action, principal.user_id)
    return hazard


# --- Counts ----------------------------------------------------------------------------------------


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


# --- Revising a report (offline devices) -------------------------------------------------------


@dataclass(frozen=True)
class Revision:
    """What became of a change the reporter pushed: the fields applied, or why none was."""

    changed: list[str]
    refused: str | None = None


def revise_report(
    session: Session, principal: Principal, hazard: Hazard, body: HazardReport, settings: Settings
) -> Revision:
    """The reporter corrects their report from a device: the description while the hazard is
    open, the category, place and premises while nobody has acted on it yet; never its
    severity, source or time (a suspected major hazard is an action). A change is taken whole
    or not at all: if any part of it may not be made, none is, and the reason is kept on the
    hazard (`report_refusal`) so that the phone pulls it back with the server's copy, as it
    does a refused action. An unusable place is invalid input, not a refusal."""
    if hazard.reporter_id != principal.user_id:
        raise Conflict(f"hazard {hazard.id} was reported by someone else", field="id")
    wanted: dict[str, Any] = {}
    if body.description != hazard.description:
        wanted["description"] = body.description
    if body.category.value != hazard.category:
        wanted["category"] = body.category.value
    place = (body.lng, body.lat, body.crs.value)
    if place != (hazard.raw_lng, hazard.raw_lat, hazard.raw_crs):
        wanted["place"] = place
    if body.premises_id != hazard.premises_id:
        wanted["premises_id"] = body.premises_id
    if body.severity.value != hazard.severity:
        wanted["severity"] = body.severity.value
    if body.source.value != hazard.source:
        wanted["source"] = body.source.value
    if _ms(body.device_time) != _ms(hazard.device_time):  # the phone keeps milliseconds
        wanted["device_time"] = body.device_time
    refusals = _refusals(hazard, wanted)
    if refusals:
        return _refuse_revision(session, principal, hazard, "; ".join(refusals))
    changed: dict[str, Any] = {k: v for k, v in wanted.items() if k != "place"}
    if "place" in wanted:
        located, placement = place_point(
            session, body.lng, body.lat, body.crs, settings.routing_snap_m
        )
        refuse_unusable_point(body.lng, body.lat, placement)
        changed |= located
        changed["outside_own_grids"] = _outside_own_grids(
            _home_scope(session, principal), placement
        )
    if "premises_id" in changed and body.premises_id is not None:
        _premises_in_scope(session, principal, body.premises_id)
    if not changed:
        return Revision([])
    if hazard.report_refusal is not None:
        changed["report_refusal"] = None  # this change went through: the old reason is moot
    before = {k: _plain(getattr(hazard, k)) for k in changed if k != "location"}
    for name, value in changed.items():
        setattr(hazard, name, value)
    hazard.version += 1
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.report_revised",
        subject_type="hazard",
        subject_id=hazard.id,
        before=before,
        after={k: _plain(v) for k, v in changed.items() if k != "location"},
    )
    return Revision(sorted(k for k in changed if k not in ("location", "report_refusal")))


def _refusals(hazard: Hazard, wanted: dict[str, Any]) -> list[str]:
    """Why each part of a pushed change may not be made now (empty: all may)."""
    reasons = []
    if "description" in wanted and not hazard.is_open:
        reasons.append(f"description: the hazard is closed ({hazard.state})")
    acted = hazard.state != HazardState.REPORTED.value
    for name, label in (
        ("category", "category"),
        ("place", "lng/lat/crs"),
        ("premises_id", "premises_id"),
    ):
        if name in wanted and acted:
            reasons.append(f"{label}: someone has acted on the hazard ({hazard.state})")
    if "severity" in wanted:
        reasons.append("severity: a report's severity changes only by an action (suspect_major)")
    if "source" in wanted:
        reasons.append("source: a report's source does not change")
    if "device_time" in wanted:
        reasons.append("device_time: when it was reported does not change")
    return reasons


def _refuse_revision(
    session: Session, principal: Principal, hazard: Hazard, reason: str
) -> Revision:
    """Keep why the change was not made; the write also sends the hazard's record back to the
    phone (its change stamp moves), with the server's copy of every field."""
    reason = f"not applied: {reason}"[:500]
    session.execute(  # written even when the same reason comes again
        update(Hazard)
        .where(Hazard.id == hazard.id)
        .values(report_refusal=reason, version=Hazard.version)
        .execution_options(synchronize_session=False)
    )
    session.expire(hazard, ["report_refusal", "version", "change_seq", "updated_at"])
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.report_change_refused",
        subject_type="hazard",
        subject_id=hazard.id,
        after={"reason": reason},
    )
    return Revision([], reason)


def _ms(moment: datetime | None) -> int | None:
    return None if moment is None else int(moment.timestamp() * 1000)


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, uuid.UUID) else value
