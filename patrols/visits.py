"""Visits from phones: check-ins judged against the geofence, checklist answers (a failed item
reports a hazard), track points. A visit with a check-out closes its task. No web imports."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, dialect
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from grids.crs import Crs, to_wgs84
from grids.premises.models import Premises
from grids.routing import ground_distance_m
from grids.scope import scope_of
from hazards import reporting
from hazards.enums import HazardCategory, HazardSource, Severity
from hazards.schemas import HazardReport
from patrols.checklists import default_checklist
from patrols.enums import AnswerResult, CheckInFlag, TaskState, TaskStep
from patrols.models import Checklist, PatrolTask, TrackPoint, Visit, VisitAnswer
from patrols.tasks import move


@dataclass(frozen=True)
class CheckIn:
    lng: float | None
    lat: float | None
    crs: Crs
    accuracy_m: float | None


def judge_check_in(
    settings: Settings, check_in: CheckIn, target: tuple[float, float] | None
) -> tuple[bool, str | None, float | None, float | None, tuple[float, float] | None]:
    """(valid, flag, distance, allowed radius, WGS-84 point). The geofence is the configured
    radius around the premises, widened by the phone's reported accuracy, never beyond the cap:
    a phone that says it is unsure by 2 km proves nothing."""
    if check_in.lng is None or check_in.lat is None:
        return False, CheckInFlag.NO_LOCATION.value, None, None, None
    point = to_wgs84(check_in.lng, check_in.lat, check_in.crs)
    accuracy = max(check_in.accuracy_m or 0.0, 0.0)
    allowed = min(settings.geofence_radius_m + accuracy, settings.geofence_cap_m)
    distance = float(ground_distance_m(point[0], point[1], *target)) if target else None
    if accuracy > settings.geofence_cap_m:
        return False, CheckInFlag.POOR_ACCURACY.value, distance, allowed, point
    if distance is None or distance > allowed:
        return False, CheckInFlag.OUTSIDE_GEOFENCE.value, distance, allowed, point
    return True, None, distance, allowed, point


@dataclass(frozen=True)
class VisitRecord:
    id: uuid.UUID
    task_id: uuid.UUID | None
    premises_id: uuid.UUID | None
    checked_in_at: datetime
    check_in: CheckIn
    checked_out_at: datetime | None


def record_visit(
    session: Session, principal: Principal, settings: Settings, body: VisitRecord
) -> tuple[Visit, bool]:
    """A visit as the phone recorded it; (visit, created). Pushed again with a check-out, it
    is completed; a visit with a check-out closes its task, whether or not the check-in was
    valid (the flag is what assessment and staff see)."""
    demand(principal.role, Permission.WORK_IN_THE_FIELD, "do this")
    visit = session.get(Visit, body.id)
    if visit is not None and visit.user_id != principal.user_id:
        raise Conflict(f"visit {body.id} belongs to someone else", field="id")
    task = session.get(PatrolTask, body.task_id) if body.task_id else None
    if body.task_id and (
        task is None
        or task.assignee_id != principal.user_id
        and not scope_of(session, principal).covers_path(task.area_path)
    ):
        raise InvalidInput(f"no patrol task {body.task_id} for you", field="task_id")
    premises_id = body.premises_id or (task.premises_id if task else None)
    premises = session.get(Premises, premises_id) if premises_id else None
    if premises_id and (
        premises is None
        # a premises the phone names itself is one of the worker's area (or the task's own):
        # one elsewhere is answered as one that does not exist
        or premises_id != (task.premises_id if task else None)
        and not scope_of(session, principal).covers_path(premises.area_path or "\0")
    ):
        raise InvalidInput(f"no premises {premises_id}", field="premises_id")
    target = (premises.lng, premises.lat) if premises else ((task.lng, task.lat) if task else None)
    valid, flag, distance, allowed, point = judge_check_in(settings, body.check_in, target)
    now = utcnow()
    checked_out = min(body.checked_out_at, now) if body.checked_out_at else None
    created = visit is None
    if created:
        visit = Visit(id=body.id, user_id=principal.user_id)
        session.add(visit)
    visit.task_id = task.id if task else None
    visit.premises_id = premises_id
    visit.checklist_id = task.checklist_id if task else visit.checklist_id
    visit.area_path = premises.area_path if premises else (task.area_path if task else "")
    visit.checked_in_at = min(body.checked_in_at, now)
    visit.check_in_lng, visit.check_in_lat = point if point else (None, None)
    visit.raw_lng, visit.raw_lat = body.check_in.lng, body.check_in.lat
    visit.raw_crs = body.check_in.crs.value
    visit.accuracy_m = body.check_in.accuracy_m
    visit.distance_m, visit.allowed_m = distance, allowed
    visit.check_in_valid, visit.check_in_flag = valid, flag
    visit.checked_out_at = checked_out
    session.flush()
    if task is not None and checked_out is not None and task.state == TaskState.OPEN:
        task.state = move(task, TaskStep.VISIT).value
        task.done_at = checked_out
        task.done_by_visit_id = visit.id
        task.escalate_at = None
        task.version += 1
    audit.record(
        session,
        actor=principal.actor,
        action="patrol.visit_recorded" if created else "patrol.visit_updated",
        subject_type="patrol_visit",
        subject_id=visit.id,
        after={
            "task_id": visit.task_id,
            "premises_id": visit.premises_id,
            "check_in_valid": valid,
            "check_in_flag": flag,
            "distance_m": round(distance, 1) if distance is not None else None,
            "checked_out": checked_out.isoformat() if checked_out else None,
        },
        client_location=point,
    )
    return visit, created


@dataclass(frozen=True)
class AnswerRecord:
    id: uuid.UUID
    visit_id: uuid.UUID
    item_key: str
    result: AnswerResult
    note: str
    answered_at: datetime | None


def record_answer(
    session: Session, principal: Principal, settings: Settings, body: AnswerRecord
) -> tuple[VisitAnswer, bool]:
    """One checklist answer. A failed item reports a hazard (as any patrol report: routed,
    checked for duplicates, audited) whose id is the answer's id, at the visit's check-in point
    (else the premises), linked to the visit through the answer."""
    visit = session.get(Visit, body.visit_id)
    if visit is None or visit.user_id != principal.user_id:
        raise InvalidInput(f"no visit {body.visit_id} of yours", field="visit_id")
    answer = session.get(VisitAnswer, body.id)
    if answer is not None:
        if answer.user_id != principal.user_id or answer.visit_id != visit.id:
            raise Conflict(f"answer {body.id} belongs to another visit", field="id")
        if answer.hazard_id is not None and body.result is not AnswerResult.FAIL:
            raise InvalidInput(
                "a failed item has reported its hazard; follow the hazard instead", field="result"
            )
    item = _item(session, visit, body.item_key)
    created = answer is None
    if created:
        answer = VisitAnswer(id=body.id, visit_id=visit.id, user_id=principal.user_id)
        session.add(answer)
    answer.item_key, answer.result, answer.note = body.item_key, body.result.value, body.note
    answer.answered_at = body.answered_at
    session.flush()
    if body.result is AnswerResult.FAIL and answer.hazard_id is None:
        answer.hazard_id = _report_failed_item(session, principal, settings, visit, item, body)
    return answer, created


def _item(session: Session, visit: Visit, key: str) -> dict[str, Any]:
    checklist = session.get(Checklist, visit.checklist_id) if visit.checklist_id else None
    if checklist is None:
        premises = session.get(Premises, visit.premises_id) if visit.premises_id else None
        checklist = default_checklist(session, premises.premises_type if premises else None)
        visit.checklist_id = checklist.id
    for item in checklist.items:
        if item["key"] == key:
            return item
    raise InvalidInput(
        f"checklist {checklist.code} v{checklist.version} has no item {key!r}", field="item_key"
    )


def _report_failed_item(
    session: Session,
    principal: Principal,
    settings: Settings,
    visit: Visit,
    item: dict[str, Any],
    body: AnswerRecord,
) -> uuid.UUID:
    premises = session.get(Premises, visit.premises_id) if visit.premises_id else None
    if visit.check_in_valid and visit.check_in_lng is not None:
        lng, lat = visit.check_in_lng, visit.check_in_lat
    elif premises is not None:
        lng, lat = premises.lng, premises.lat
    elif visit.check_in_lng is not None:
        lng, lat = visit.check_in_lng, visit.check_in_lat
    else:
        raise InvalidInput(
            "a failed item needs a place: the visit has neither premises nor location"
        )
    report = HazardReport(
        id=body.id,
        category=HazardCategory(item["hazard_category"]),
        severity=Severity.ORDINARY,
        source=HazardSource.PATROL,
        description=f"{item['text']}：不符合" + (f"。{body.note}" if body.note else ""),
        lng=lng,
        lat=lat,
        crs=Crs.WGS84,
        premises_id=visit.premises_id,
        device_time=body.answered_at,
    )
    hazard, _ = reporting.report(session, principal, report, settings)
    return hazard.id


@dataclass(frozen=True)
class TrackRecord:
    id: uuid.UUID
    visit_id: uuid.UUID | None
    recorded_at: datetime
    lng: float
    lat: float
    crs: Crs
    accuracy_m: float | None


def record_track(session: Session, principal: Principal, points: list[TrackRecord]) -> int:
    """Track points, in one insert; a point already received is skipped (a re-sent batch)."""
    demand(principal.role, Permission.WORK_IN_THE_FIELD, "do this")
    if not points:
        return 0
    rows = []
    for p in points:
        x, y = to_wgs84(p.lng, p.lat, p.crs)
        rows.append(
            {
                "id": p.id,
                "user_id": principal.user_id,
                "visit_id": p.visit_id,
                "recorded_at": p.recorded_at,
                "lng": x,
                "lat": y,
                "accuracy_m": p.accuracy_m,
            }
        )
    return dialect.insert_many_unless_present(session, TrackPoint.__table__, rows, "id")


def visited_with_valid_check_in(
    session: Session, task_ids: list[uuid.UUID]
) -> dict[uuid.UUID, bool]:
    """Whether each task (already shown to the caller) was visited with a valid check-in."""
    rows = session.execute(
        select(Visit.task_id).where(Visit.task_id.in_(task_ids), Visit.check_in_valid.is_(True))
    ).scalars()
    visited = set(rows)
    return {task_id: task_id in visited for task_id in task_ids}
