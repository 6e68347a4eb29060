"""Photos from phones: `photos` records declare what the tus upload will bring (hazard or
complaint, kind, sha256, size); the bytes and the record meet in offline_sync.delivery,
whichever arrives first."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, field_validator

from backend.core.errors import Conflict, Problem
from complaints import reading as complaint_reading
from hazards import reading as hazards
from offline_sync import delivery, fields
from offline_sync.enums import PhotoState
from offline_sync.fields import BARE, refusal
from offline_sync.models import DevicePhoto
from offline_sync.protocol import Entry, Push, TableAdapter


def _sha256(value: Any) -> str:
    sha256 = str(value or "").lower()
    if not delivery.SHA256_HEX.match(sha256):
        raise refusal("must be 64 hex digits", BARE)
    return sha256


def _kind(value: Any) -> str:
    kind = value or "before"
    if kind not in ("before", "after"):
        raise refusal("must be before or after", BARE)
    return kind


class DevicePhotoIn(fields.DeviceRecord):
    """Every bad field is named. A photo is for a complaint when it names one and no hazard."""

    sha256: Annotated[str, PlainValidator(_sha256)] = None
    kind: Annotated[str, PlainValidator(_kind)] = None
    size: int = 0  # checked against the deployment's limit (settings, in the context)
    complaint_id: fields.OptionalUuid = None
    hazard_id: fields.OptionalUuid = None
    taken_at: fields.Moment = None

    @field_validator("size", mode="plain")
    @classmethod
    def _size(cls, size: Any, info: ValidationInfo) -> int:
        most = info.context["settings"].photo_max_bytes
        if isinstance(size, bool) or not isinstance(size, int | float) or not 0 < size <= most:
            raise refusal(f"must be 1 to {most} bytes", BARE)
        return int(size)

    @field_validator("complaint_id", mode="plain")
    @classmethod
    def _complaint_only_without_hazard(cls, value: Any, info: ValidationInfo) -> Any:
        return fields.to_uuid(value) if value and not info.context["hazard_id"] else None

    @field_validator("hazard_id")
    @classmethod
    def _hazard_unless_complaint(cls, value: uuid.UUID | None, info: ValidationInfo) -> Any:
        if value is None and info.data.get("complaint_id", False) is None:
            raise refusal("is not a uuid")  # neither a hazard nor a complaint
        return value


def apply_photos(push: Push, entries: list[Entry]) -> None:
    """Last: a photo's hazard may be a report or a failed answer of the same push. Bytes that
    came before their record are processed once the push is kept (the pipeline's files must
    not outlive a push that was refused)."""
    declared: list[uuid.UUID] = []
    for where, raw in entries:
        photo_id = push.problems.check(where, _declare, push, raw, where)
        if photo_id is not None:
            declared.append(photo_id)
    if declared:
        push.once_kept.append(lambda: _deliver(push, declared))


def _deliver(push: Push, photo_ids: list[uuid.UUID]) -> None:
    for photo_id in photo_ids:
        delivery.deliver(push.session, photo_id, push.settings)


def _declare(push: Push, raw: dict[str, Any], where: str) -> uuid.UUID | None:
    """A photo's record: what to expect from the upload. Its id when it is new."""
    session, principal = push.session, push.principal
    photo_id = fields.record_id(raw, where)
    existing = session.get(DevicePhoto, photo_id)
    if existing is not None:
        if existing.user_id != principal.user_id:
            raise Conflict(f"{where}: id {photo_id} belongs to another record", field=f"{where}.id")
        push.outcome.unchanged += 1  # a photo's record does not change; the server fills its state
        return None
    body = fields.read(
        DevicePhotoIn,
        raw,
        where,
        context={"settings": push.settings, "hazard_id": raw.get("hazard_id")},
    )
    photo = DevicePhoto(
        id=photo_id,
        user_id=principal.user_id,
        hazard_id=body.hazard_id,
        complaint_id=body.complaint_id,
        kind=body.kind,
        sha256=body.sha256,
        size=body.size,
        taken_at=body.taken_at,
        state=PhotoState.PENDING.value,
    )
    if body.complaint_id is not None:
        try:
            complaint_reading.get_visible(session, principal, body.complaint_id)
        except Problem:
            photo.state, photo.reason = (
                PhotoState.REFUSED.value,
                f"no complaint {body.complaint_id} assigned to you",
            )
    elif hazards.get_visible_or_none(session, principal, body.hazard_id) is None:
        photo.state, photo.reason = (
            PhotoState.REFUSED.value,
            f"no hazard {body.hazard_id} visible to you",
        )
    session.add(photo)
    session.flush()
    push.outcome.created += 1
    return photo_id


ADAPTERS = (TableAdapter("photos", 70, apply_photos),)
