"""Reporting hazards, from one person's report to a phone's push after a day offline: one set of
rules (who may report, what each report must be, where it is, whether it repeats an open one,
whether it is outside the reporter's own grids, its audit event and who hears of it) for any
number of reports, and the reporter's later corrections of a report."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput
from backend.core.ids import new_id
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.permissions import Permission, roles_with
from backend.identity.service import Principal
from backend.notify import service as notify
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from grids.service import Placement, place_point, place_points, refuse_unusable_point
from hazards import announcements
from hazards.acting import apply
from hazards.deadlines import clock
from hazards.duplicates import possible_duplicates
from hazards.enums import EscalationLevel, HazardAction, HazardSource, HazardState, Severity
from hazards.lifecycle import HAZARD_LIFECYCLE
from hazards.models import Hazard
from hazards.schemas import ActionIn, HazardReport

# Who looks after grids of their own: a report of theirs elsewhere is flagged for the station.
FIELD_ROLES = roles_with(Permission.WORK_IN_THE_FIELD)


def _fields(body: HazardReport) -> dict[str, Any]:
    return body.model_dump(mode="json", exclude={"id"})


def _home_scope(session: Session, principal: Principal) -> Scope | None:
    """The grids a field worker looks after (None for anyone else: nothing to flag)."""
    return scope_of(session, principal) if principal.role in FIELD_ROLES else None


def _outside_own_grids(home: Scope | None, placement: Placement | None) -> bool:
    return home is not None and placement is not None and not home.covers_path(placement.area_path)


def report(
    session: Session, principal: Principal, body: HazardReport, settings: Settings
) -> tuple[Hazard, bool]:
    """Record a hazard where it was seen. A device re-sending the same id gets the same hazard
    back (nothing new); the same id with other content is a conflict. The first thing wrong
    with the report is refused with its own problem type."""
    [(hazard_id, created)] = _report(session, principal, [body], settings, labels=None, whole=False)
    hazard = session.get(Hazard, hazard_id)
    assert hazard is not None  # noqa: S101 - just written or found
    return hazard, created


def report_for_monitoring(
    session: Session, platform: Principal, body: HazardReport, settings: Settings
) -> tuple[Hazard, bool]:
    """`report` for a monitoring platform's repeated alarms (alarms/), the one way a partner
    system reports a hazard: never through the hazards' endpoint, whose refusal of partners
    stands whatever source they name."""
    [(hazard_id, created)] = _report(
        session, platform, [body], settings, labels=None, whole=False, monitoring=True
    )
    hazard = session.get(Hazard, hazard_id)
    assert hazard is not None  # noqa: S101 - just written or found
    return hazard, created


def report_many(
    session: Session,
    principal: Principal,
    bodies: list[HazardReport],
    settings: Settings,
    *,
    known_new: bool = False,
    labels: list[str] | None = None,
) -> list[uuid.UUID]:
    """`report` for many reports at once (a phone's push after a day offline), with one routing
    pass, one duplicate query, one insert and one audit append for the new ones (`known_new`:
    the caller has checked that none exists). Returns the ids, in order.

    Every bad field of every report is named at once (`errors[]`, each field prefixed by the
    report's label, e.g. the sync record's path), before anything is written, so a phone
    learns all that is wrong with its push in one answer."""
    done = _report(
        session, principal, bodies, settings, labels=labels, whole=True, known_new=known_new
    )
    return [hazard_id for hazard_id, _ in done]


def _report(
    session: Session,
    principal: Principal,
    bodies: list[HazardReport],
    settings: Settings,
    *,
    labels: list[str] | None,
    whole: bool,
    known_new: bool = False,
    monitoring: bool = False,
) -> list[tuple[uuid.UUID, bool]]:
    """The rules of reporting, for N reports: (id, whether it is new) for each, in order.

    `whole`: refuse with every bad field of every report, labelled (a batch); otherwise with
    the first refusal as it is (one report)."""
    flagged = [body.source is HazardSource.MONITORING for body in bodies]
    if principal.role is Role.INTEGRATION and not (monitoring and all(flagged)):
        # A monitoring platform's repeated alarms are reported for it (alarms/, through
        # `report_for_monitoring`); otherwise partners send complaints.
        raise Forbidden("partner systems send complaints, not hazards")
    refusals: list[tuple[int, InvalidInput]] = []  # (which report, why), rule by rule
    if not monitoring:
        refusals += [
            (
                i,
                InvalidInput(
                    "only monitoring platforms report with source 'monitoring'", field="source"
                ),
            )
            for i, by_platform in enumerate(flagged)
            if by_platform
        ]
    if principal.role is Role.CITIZEN:
        refusals += [
            (i, InvalidInput("citizens report with source 'citizen'", field="source"))
            for i, body in enumerate(bodies)
            if body.source is not HazardSource.CITIZEN
        ]
    done: dict[int, tuple[uuid.UUID, bool]] = {}
    ids = [body.id for body in bodies if body.id is not None]
    if ids and not known_new:  # a device re-sending what it sent before
        existing = {h.id: h for h in session.scalars(select(Hazard).where(Hazard.id.in_(ids)))}
        refused = {i for i, _ in refusals}
        for i, body in enumerate(bodies):
            held = existing.get(body.id) if body.id is not None else None
            if held is None or i in refused:
                continue
            if held.reporter_id != principal.user_id or not _same_report(held, body):
                raise Conflict(f"hazard {body.id} exists with other content", field="id")
            done[i] = (held.id, False)
    new = [i for i in range(len(bodies)) if i not in done]
    fresh = [bodies[i] for i in new]
    premises = {b.premises_id for b in fresh if b.premises_id is not None}
    wanted = premises or (fresh and principal.role in FIELD_ROLES)
    scope = scope_of(session, principal) if wanted else None
    home = scope if principal.role in FIELD_ROLES else None  # one scope query for all
    strange = (
        _premises_out_of_scope(session, scope, premises)
        if scope is not None and premises
        else set()
    )
    refusals += [
        (i, InvalidInput(f"no premises with id {b.premises_id} in your area", field="premises_id"))
        for i, b in zip(new, fresh, strict=True)
        if b.premises_id in strange
    ]
    placed = (
        place_points(session, [(b.lng, b.lat, b.crs) for b in fresh], settings.routing_snap_m)
        if fresh
        else []
    )
    for i, body, (_, placement) in zip(new, fresh, placed, strict=True):
        try:
            refuse_unusable_point(body.lng, body.lat, placement)
        except InvalidInput as exc:
            refusals.append((i, exc))
    if refusals:
        if not whole:
            raise refusals[0][1]
        _refuse_all(refusals, bodies, labels)
    if fresh:
        made = _insert(session, principal, fresh, placed, home, settings)
        done |= {i: (hazard_id, True) for i, hazard_id in zip(new, made, strict=True)}
    for i, body in zip(new, fresh, strict=True):
        if body.severity is Severity.MAJOR:  # seen as major on the spot: to determination
            hazard = session.get(Hazard, done[i][0])
            assert hazard is not None  # noqa: S101 - just inserted
            apply(
                session,
                principal,
                hazard,
                HAZARD_LIFECYCLE.step(HazardState.REPORTED, HazardAction.SUSPECT_MAJOR),
                ActionIn(action=HazardAction.SUSPECT_MAJOR),
                settings,
                [str(principal.user_id)],
            )
    return [done[i] for i in range(len(bodies))]


def _refuse_all(
    refusals: list[tuple[int, InvalidInput]],
    bodies: list[HazardReport],
    labels: list[str] | None,
) -> None:
    def label(i: int) -> str:
        return f"{labels[i]}." if labels else (f"[{i}]." if len(bodies) > 1 else "")

    problems = [
        {**e, "field": f"{label(i)}{e['field']}".rstrip(".")}
        for i, exc in refusals
        for e in exc.extensions.get("errors") or [{"field": "", "message": exc.detail}]
    ]
    raise InvalidInput(
        f"{len(problems)} field(s) of the reports are not valid: "
        + "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5]),
        errors=problems,
    )


def _insert(
    session: Session,
    principal: Principal,
    bodies: list[HazardReport],
    placed: list[tuple[dict[str, Any], Placement | None]],
    home: Scope | None,
    settings: Settings,
) -> list[uuid.UUID]:
    """Write new reports: their rows, audit events and pushes, each in one statement."""
    outside = [_outside_own_grids(home, placement) for _, placement in placed]
    now = utcnow()
    new_ids = [b.id or new_id() for b in bodies]
    flags = possible_duplicates(
        session,
        settings,
        [
            (i, b.category.value, c["lng"], c["lat"])
            for i, b, (c, _) in zip(new_ids, bodies, placed, strict=True)
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
            new_ids, bodies, placed, flags, outside, strict=True
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
                new_ids, bodies, placed, outside, strict=True
            )
        ]
    )
    messages = announcements.report_messages(session, rows, principal.user_id)
    dialect.insert_rows(session, Hazard.__table__, rows)
    audit.append(session, events)
    notify.push_many(session, messages)
    return new_ids


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
