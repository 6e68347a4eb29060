"""Rows as a device sees them, one function per sync table: the columns `tables.py` publishes
(a test holds every pulled record to them). Times travel as milliseconds since the epoch."""

from __future__ import annotations

import json
import uuid
from datetime import datetime
from typing import Any

from geoalchemy2.shape import to_shape
from shapely import to_geojson
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.privacy import mask_phone
from backend.notify.models import Notification
from complaints import lifecycle as complaint_lifecycle
from complaints.enums import ComplaintState
from complaints.models import Complaint
from grids.models import Area
from grids.premises.models import Premises
from hazards import lifecycle
from hazards.enums import HazardState
from hazards.models import Hazard
from notices import service as notices
from notices.enums import NoticeKind, NoticeState
from notices.models import Notice, NoticeSignature
from offline_sync.enums import PhotoState
from offline_sync.models import DeviceAction, DeviceComplaintAction, DevicePhoto
from patrols.models import Checklist, PatrolTask, Visit, VisitAnswer, WorkPrompt


def ms(moment: datetime | None) -> int | None:
    return int(moment.timestamp() * 1000) if moment else None


def grid_record(area: Area) -> dict[str, Any]:
    codes = [c for c in area.path.split("/") if c]
    return {
        "id": str(area.id),
        "code": area.code,
        "name": area.name,
        "village_code": codes[-2] if len(codes) >= 2 else "",
        "geometry": to_geojson(to_shape(area.geom)),
    }


def premises_or_deleted(p: Premises) -> dict[str, Any] | None:
    """An archived premises travels as deleted."""
    return None if p.archived else premises_record(p)


def premises_record(p: Premises) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "name": p.name,
        "premises_type": p.premises_type,
        "risk_level": p.risk_level,
        "key_unit": p.key_unit,
        "address": p.address,
        "lng": p.lng,
        "lat": p.lat,
        "grid_id": str(p.area_id) if p.area_id else None,
        "credit_status": p.credit_status,
        "contact_name": p.contact_name,
        "contact_phone": mask_phone(p.contact_phone),
    }


def missing_photos(session: Session, hazard_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """Declared photos whose bytes have not arrived, per hazard (one query for a page)."""
    missing: dict[uuid.UUID, list[str]] = {}
    if not hazard_ids:
        return missing
    for hazard_id, photo_id in session.execute(
        select(DevicePhoto.hazard_id, DevicePhoto.id)
        .where(DevicePhoto.hazard_id.in_(hazard_ids), DevicePhoto.state == PhotoState.PENDING.value)
        .order_by(DevicePhoto.id)
    ):
        missing.setdefault(hazard_id, []).append(str(photo_id))
    return missing


def hazard_record(h: Hazard, missing: list[str], shown: set[uuid.UUID]) -> dict[str, Any]:
    """`shown`: the hazards the device's user may see; a possible duplicate elsewhere is not
    named (it would tell them a report exists there)."""
    return {
        "id": str(h.id),
        "source": h.source,
        "category": h.category,
        "severity": h.severity,
        "state": h.state,
        "is_open": h.is_open,
        "description": h.description,
        "lng": h.lng,
        "lat": h.lat,
        "premises_id": str(h.premises_id) if h.premises_id else None,
        "grid_id": str(h.area_id) if h.area_id else None,
        "level": h.level,
        "level_due_at": ms(h.level_due_at),
        "rectification_deadline": ms(h.rectification_deadline),
        "reported_at": ms(h.reported_at),
        "version": h.version,
        "next_actions": json.dumps([a.value for a in lifecycle.actions_from(HazardState(h.state))]),
        "possible_duplicate_of": (
            str(h.possible_duplicate_of_id) if h.possible_duplicate_of_id in shown else None
        ),
        "missing_photos": json.dumps(missing),
        "outside_own_grids": h.outside_own_grids,
    }


def report_record(h: Hazard) -> dict[str, Any]:
    return {
        "id": str(h.id),
        "category": h.category,
        "severity": h.severity,
        "source": h.source,
        "description": h.description,
        "lng": h.raw_lng,
        "lat": h.raw_lat,
        "crs": h.raw_crs,
        "premises_id": str(h.premises_id) if h.premises_id else None,
        "device_time": ms(h.device_time),
        "reason": h.report_refusal,
    }


def photo_record(p: DevicePhoto) -> dict[str, Any]:
    return {
        "id": str(p.id),
        "hazard_id": str(p.hazard_id) if p.hazard_id else None,
        "complaint_id": str(p.complaint_id) if p.complaint_id else None,
        "kind": p.kind,
        "sha256": p.sha256,
        "size": p.size,
        "taken_at": ms(p.taken_at),
        "state": p.state,
        "reason": p.reason,
    }


def action_record(a: DeviceAction) -> dict[str, Any]:
    p = a.payload
    return {
        "id": str(a.id),
        "hazard_id": str(a.hazard_id),
        "action": a.action,
        "note": p.get("note"),
        "deadline_working_days": p.get("deadline_working_days"),
        "duplicate_of": p.get("duplicate_of"),
        "version": p.get("version"),
        "acted_at": ms(a.device_created_at),
        "status": a.status,
        "reason": a.reason,
    }


def checklist_record(c: Checklist) -> dict[str, Any]:
    return {
        "id": str(c.id),
        "code": c.code,
        "version": c.version,
        "title": c.title,
        "premises_type": c.premises_type,
        "items": json.dumps(c.items, ensure_ascii=False),
        "active": c.active,
    }


def task_record(t: PatrolTask) -> dict[str, Any]:
    return {
        "id": str(t.id),
        "kind": t.kind,
        "premises_id": str(t.premises_id) if t.premises_id else None,
        "lng": t.lng,
        "lat": t.lat,
        "grid_id": str(t.area_id) if t.area_id else None,
        "checklist_id": str(t.checklist_id),
        "note": t.note,
        "due_at": ms(t.due_at),
        "state": t.state,
        "done_at": ms(t.done_at),
        "level": t.level,
        "version": t.version,
    }


def visit_record(v: Visit) -> dict[str, Any]:
    return {
        "id": str(v.id),
        "task_id": str(v.task_id) if v.task_id else None,
        "premises_id": str(v.premises_id) if v.premises_id else None,
        "checked_in_at": ms(v.checked_in_at),
        "lng": v.raw_lng,
        "lat": v.raw_lat,
        "crs": v.raw_crs,
        "accuracy_m": v.accuracy_m,
        "checked_out_at": ms(v.checked_out_at),
        "check_in_valid": v.check_in_valid,
        "check_in_flag": v.check_in_flag,
        "distance_m": round(v.distance_m, 1) if v.distance_m is not None else None,
    }


def answer_record(a: VisitAnswer) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "visit_id": str(a.visit_id),
        "item_key": a.item_key,
        "result": a.result,
        "note": a.note or None,
        "answered_at": ms(a.answered_at),
        "hazard_id": str(a.hazard_id) if a.hazard_id else None,
    }


def prompt_record(p: WorkPrompt) -> dict[str, Any]:
    return {"id": str(p.id), "title": p.title, "body": p.body, "sent_at": ms(p.created_at)}


def notification_record(n: Notification) -> dict[str, Any]:
    return {
        "id": str(n.id),
        "kind": n.kind,
        "title": n.title,
        "body": n.body,
        "subject_type": n.subject_type,
        "subject_id": str(n.subject_id) if n.subject_id else None,
        "urgent": n.urgent,
        "created_at": ms(n.created_at),
        "read_at": ms(n.read_at),
    }


def complaint_record(c: Complaint, masked_phone: str | None) -> dict[str, Any]:
    due = {"sign": c.sign_due_at, "verify": c.verify_due_at, "reply": c.reply_due_at}
    return {
        "id": str(c.id),
        "channel": c.channel,
        "type": c.kind,
        "text": c.text,
        "address": c.address,
        "category": c.category,
        "urgent": c.urgent,
        "lng": c.lng,
        "lat": c.lat,
        "caller_phone": masked_phone,
        "received_at": ms(c.received_at),
        "state": c.state,
        "stage": c.stage,
        "due_at": ms(due[c.stage]) if c.stage else None,
        "sign_due_at": ms(c.sign_due_at),
        "verify_due_at": ms(c.verify_due_at),
        "reply_due_at": ms(c.reply_due_at),
        "finding": c.finding,
        "reply": c.reply,
        "hazard_id": str(c.hazard_id) if c.hazard_id else None,
        "version": c.version,
        "next_actions": json.dumps(
            [a.value for a in complaint_lifecycle.actions_from(ComplaintState(c.state))]
        ),
    }


COMPLAINT_ACTION_FIELDS = (
    "note",
    "finding",
    "reply",
    "hazard_id",
    "hazard_category",
    "premises_id",
    "lng",
    "lat",
    "crs",
    "working_days",
    "version",
)


def complaint_action_record(a: DeviceComplaintAction) -> dict[str, Any]:
    return {
        "id": str(a.id),
        "complaint_id": str(a.complaint_id),
        "action": a.action,
        **{name: a.payload.get(name) for name in COMPLAINT_ACTION_FIELDS},
        "acted_at": ms(a.device_created_at),
        "status": a.status,
        "reason": a.reason,
    }


def notice_to_serve(n: Notice) -> dict[str, Any] | None:
    """A notice not served yet; a served one travels as deleted."""
    if n.state == NoticeState.SERVED.value:
        return None
    kind = NoticeKind(n.kind)
    return {
        "id": str(n.id),
        "kind": n.kind,
        "title": kind.label,
        "number": n.number,
        "state": n.state,
        "unit_name": n.unit_name,
        "unit_address": n.unit_address,
        "premises_id": str(n.premises_id) if n.premises_id else None,
        "hazard_id": str(n.hazard_id) if n.hazard_id else None,
        "period_days": n.period_days,
        "period_working": n.period_working,
        "issued_at": ms(n.issued_at),
        "pdf_sha256": n.pdf_sha256,
        "pdf_size": n.pdf_size,
        "pdf_url": f"/api/v1/notices/{n.id}/pdf",
        "file_name": notices.file_name(n),
    }


def signature_record(s: NoticeSignature) -> dict[str, Any]:
    return {
        "id": str(s.id),
        "notice_id": str(s.notice_id),
        "signer_name": s.signer_name,
        "signer_role": s.signer_role,
        "signed_at": ms(s.signed_at),
        "sha256": s.sha256,
        "size": s.size,
        "state": s.state,
        "reason": s.reason,
    }
