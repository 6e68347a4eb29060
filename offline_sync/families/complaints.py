"""Complaints from phones: `complaint_actions` (sign, return, verify, reply,
request_extension taken on site), applied through the complaint lifecycle."""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from backend.core.db import utcnow
from backend.core.errors import Problem
from complaints import acting as complaint_steps
from complaints import extensions as complaint_extensions
from complaints.schemas import ComplaintActionIn, ExtensionIn
from offline_sync import fields, records
from offline_sync.enums import ActionStatus
from offline_sync.families.steps import keep_step, why_refused
from offline_sync.models import DeviceComplaintAction
from offline_sync.protocol import Entry, Push, TableAdapter, sort_time


class ComplaintStep(fields.DeviceRecord):
    complaint_id: fields.Uuid = None
    acted_at: fields.Moment = None


def apply_steps(push: Push, entries: list[Entry]) -> None:
    """In the order they were taken on the phone."""
    for where, raw in sorted(entries, key=lambda entry: sort_time(entry[1].get("acted_at"))):
        push.problems.check(where, _apply_step, push, raw, where)


def _apply_step(push: Push, raw: dict[str, Any], where: str) -> None:
    """A complaint step taken on the phone, applied once through the complaint lifecycle; a
    refusal is kept with its reason (pulled back) instead of failing the push."""
    session, principal = push.session, push.principal
    action_id = fields.record_id(raw, where)
    if session.get(DeviceComplaintAction, action_id) is not None:
        push.outcome.unchanged += 1  # steps are immutable: a re-push changes nothing
        return
    step = fields.read(ComplaintStep, raw, where)
    complaint_id = step.complaint_id
    payload = {
        k: raw.get(k) for k in records.COMPLAINT_ACTION_FIELDS if raw.get(k) not in (None, "")
    }
    action = str(raw.get("action") or "")[:32]
    record = DeviceComplaintAction(
        id=action_id,
        user_id=principal.user_id,
        complaint_id=complaint_id,
        action=action,
        payload=payload,
        status=ActionStatus.REFUSED.value,
        device_created_at=step.acted_at,
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            if action == "request_extension":
                asked = ExtensionIn.model_validate(
                    {"working_days": payload.get("working_days"), "reason": payload.get("note")}
                )
                complaint_extensions.request_extension(
                    session, principal, complaint_id, asked.working_days, asked.reason
                )
            else:
                found = {
                    k: v
                    for k, v in payload.items()
                    if k not in ("lng", "lat", "crs", "working_days")
                }
                if "lng" in payload and "lat" in payload:
                    found["location"] = {
                        "lng": payload["lng"],
                        "lat": payload["lat"],
                        "crs": payload.get("crs") or "wgs84",
                    }
                body = ComplaintActionIn.model_validate({"action": action, **found})
                complaint_steps.act(session, principal, complaint_id, body, push.settings)
        record.status = ActionStatus.APPLIED.value
    except (ValidationError, Problem) as exc:
        record.reason = why_refused(exc)
    keep_step(push, record)


ADAPTERS = (TableAdapter("complaint_actions", 60, apply_steps),)
