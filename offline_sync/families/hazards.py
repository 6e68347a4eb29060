"""Hazards from phones: `hazard_reports` (a report made offline; its id becomes the hazard's)
and `actions` (lifecycle steps asked for offline), applied through hazards.reporting and
hazards.acting."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError
from sqlalchemy import select

from backend.core.db import utcnow
from backend.core.errors import Conflict, Problem
from hazards import acting, reporting
from hazards.models import Hazard
from hazards.schemas import ActionIn, HazardReport
from offline_sync import fields, records
from offline_sync.enums import ActionStatus
from offline_sync.families.steps import keep_step, why_refused
from offline_sync.models import DeviceAction
from offline_sync.problems import invalid
from offline_sync.protocol import Entry, Push, TableAdapter, sort_time

DEVICE_TIME = TypeAdapter(fields.Moment)


def report_body(raw: dict[str, Any], where: str) -> HazardReport:
    """A pushed report as hazards.reporting takes it; every bad field is named."""
    time, errors = fields.check_field(DEVICE_TIME, raw.get("device_time"), where, "device_time")
    body, more = fields.check(
        HazardReport,
        {
            "id": raw.get("id"),
            "category": raw.get("category"),
            "severity": raw.get("severity") or "ordinary",
            "source": raw.get("source") or "patrol",
            "description": raw.get("description"),
            "lng": raw.get("lng"),
            "lat": raw.get("lat"),
            "crs": raw.get("crs") or "wgs84",
            "premises_id": raw.get("premises_id") or None,
            **({} if errors else {"device_time": time}),
        },
        where,
    )
    if errors or more:
        raise invalid(errors + more)
    return body


def apply_reports(push: Push, entries: list[Entry]) -> None:
    """New reports go as one batch (hazards.reporting.report_many: one routing pass, one
    insert, one audit append); a report already here, or an id pushed twice, one by one."""
    pushed = []
    for where, raw in entries:
        body = push.problems.parse(where, report_body, raw, where)
        if body is not None:
            pushed.append((where, body, raw))
    ids = [body.id for _, body, _ in pushed]
    session = push.session
    known = set(session.scalars(select(Hazard.id).where(Hazard.id.in_(ids)))) if ids else set()
    fresh, labels, first_seen, later = [], [], set(), []
    for where, body, raw in pushed:
        if body.id in known or body.id in first_seen:
            later.append((where, raw))  # an existing record, or the same id again
        else:
            fresh.append(body)
            labels.append(where)
            first_seen.add(body.id)
    push.problems.check(  # one batch; its errors are labelled with each report's path already
        "changes.hazard_reports",
        reporting.report_many,
        session,
        push.principal,
        fresh,
        push.settings,
        known_new=True,
        labels=labels,
    )
    push.outcome.created += len(fresh)
    for where, raw in later:
        push.problems.check(where, _apply_report, push, raw, where)


def _apply_report(push: Push, raw: dict[str, Any], where: str) -> None:
    """A report already here: unchanged, a conflict (changed on the server since the phone's
    pull), or a revision the hazard lifecycle accepts or refuses with its reason."""
    session, principal, outcome = push.session, push.principal, push.outcome
    body = report_body(raw, where)
    existing = session.get(Hazard, body.id)
    if existing is None:
        reporting.report(session, principal, body, push.settings)
        outcome.created += 1
        return
    if existing.reporter_id != principal.user_id:
        raise Conflict(f"{where}: id {body.id} belongs to another record", field=f"{where}.id")
    if records.report_record(existing) == {**records.report_record(existing), **_comparable(body)}:
        outcome.unchanged += 1  # the same content again (a replayed push): nothing to do
        return
    if existing.change_seq > push.since:
        push.conflicts.append(str(existing.id))
        return
    revision = reporting.revise_report(session, principal, existing, body, push.settings)
    if revision.refused:  # kept with its reason; the server's copy goes back to the phone
        outcome.refused_changes.append(str(existing.id))
    elif revision.changed:
        outcome.updated += 1
    else:
        outcome.unchanged += 1


def _comparable(body: HazardReport) -> dict[str, Any]:
    return {
        "category": body.category.value,
        "severity": body.severity.value,
        "source": body.source.value,
        "description": body.description,
        "lng": body.lng,
        "lat": body.lat,
        "crs": body.crs.value,
        "premises_id": str(body.premises_id) if body.premises_id else None,
        "device_time": records.ms(body.device_time),
    }


class ActionStep(fields.DeviceRecord):
    hazard_id: fields.Uuid = None
    acted_at: fields.Moment = None


def apply_actions(push: Push, entries: list[Entry]) -> None:
    """In the order they were taken on the phone."""
    for where, raw in sorted(entries, key=lambda entry: sort_time(entry[1].get("acted_at"))):
        push.problems.check(where, _apply_action, push, raw, where)


def _apply_action(push: Push, raw: dict[str, Any], where: str) -> None:
    """An action is applied once, through the hazard lifecycle; a refusal is kept with its
    reason (the device pulls it back) instead of failing the push."""
    session = push.session
    action_id = fields.record_id(raw, where)
    if session.get(DeviceAction, action_id) is not None:
        push.outcome.unchanged += 1  # actions are immutable: a re-push changes nothing
        return
    step = fields.read(ActionStep, raw, where)
    payload = {
        k: raw.get(k)
        for k in ("note", "deadline_working_days", "duplicate_of", "version")
        if raw.get(k) not in (None, "")
    }
    record = DeviceAction(
        id=action_id,
        user_id=push.principal.user_id,
        hazard_id=step.hazard_id,
        action=str(raw.get("action") or "")[:32],
        payload=payload,
        status=ActionStatus.REFUSED.value,
        device_created_at=step.acted_at,
        received_at=utcnow(),
    )
    try:
        body = ActionIn.model_validate({"action": raw.get("action"), **payload})
        with session.begin_nested():
            result = acting.act(session, push.principal, step.hazard_id, body, push.settings)
        record.status = (
            ActionStatus.AWAITING_APPROVAL if result.pending else ActionStatus.APPLIED
        ).value
    except (ValidationError, Problem) as exc:
        record.reason = why_refused(exc)
    keep_step(push, record)


ADAPTERS = (
    TableAdapter("hazard_reports", 10, apply_reports),  # first: actions and photos follow them
    TableAdapter("actions", 50, apply_actions),
)
