"""Notices from phones: `notice_signatures`, a signature taken on the phone to serve a notice
on site (who signed, in what role, when, the PNG's sha256 and size). Its PNG comes by the tus
upload keyed by the record's id, as a photo's bytes do, and the two meet in
offline_sync.delivery, whichever arrives first; then notices.signatures serves the notice.

A signature is an action in the protocol's sense: kept whatever became of it, pulled back with
its state, and named in `refused_actions` when it was not applied (refused, or a conflict with
a service made another way first). Records are immutable: one pushed again is unchanged."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from pydantic import PlainValidator, ValidationInfo, field_validator

from backend.core.errors import Conflict
from notices import signatures
from notices.enums import SignatureState, SignerRole
from notices.models import NoticeSignature
from offline_sync import delivery, fields
from offline_sync.fields import BARE, refusal
from offline_sync.models import DevicePhoto
from offline_sync.protocol import Entry, Push, TableAdapter

NAME_MAX = 100
NOT_APPLIED = (SignatureState.REFUSED.value, SignatureState.CONFLICT.value)


def _name(value: Any) -> str:
    if not isinstance(value, str) or not value.strip() or len(value.strip()) > NAME_MAX:
        raise refusal(f"must be the signer's name, 1 to {NAME_MAX} characters")
    return value.strip()


def _role(value: Any) -> SignerRole:
    try:
        return SignerRole(value)
    except ValueError:
        raise refusal(f"must be one of {', '.join(r.value for r in SignerRole)}") from None


def _sha256(value: Any) -> str:
    sha256 = str(value or "").lower()
    if not delivery.SHA256_HEX.match(sha256):
        raise refusal("must be 64 hex digits", BARE)
    return sha256


class DeviceSignature(fields.DeviceRecord):
    """Every bad field is named."""

    notice_id: fields.Uuid = None
    signer_name: Annotated[str, PlainValidator(_name)] = None
    signer_role: Annotated[SignerRole, PlainValidator(_role)] = None
    signed_at: fields.RequiredMoment = None
    sha256: Annotated[str, PlainValidator(_sha256)] = None
    size: int = 0  # checked against the deployment's limit (settings, in the context)

    @field_validator("size", mode="plain")
    @classmethod
    def _size(cls, size: Any, info: ValidationInfo) -> int:
        most = info.context["settings"].photo_max_bytes
        if isinstance(size, bool) or not isinstance(size, int | float) or not 0 < size <= most:
            raise refusal(f"must be 1 to {most} bytes", BARE)
        return int(size)


def apply_signatures(push: Push, entries: list[Entry]) -> None:
    """Each new signature is kept; its PNG, when it came first, serves the notice once the
    push is known to be kept (nothing of a refused push may stay in the media store)."""
    taken: list[uuid.UUID] = []
    for where, raw in entries:
        signature_id = push.problems.check(where, _take, push, raw, where)
        if signature_id is not None:
            taken.append(signature_id)
    if taken:
        push.once_kept.append(lambda: _deliver(push, taken))


def _take(push: Push, raw: dict[str, Any], where: str) -> uuid.UUID | None:
    """A signature's record; its id when it is new and waits for its PNG."""
    session, principal = push.session, push.principal
    signature_id = fields.record_id(raw, where)
    existing = session.get(NoticeSignature, signature_id)
    if existing is not None or session.get(DevicePhoto, signature_id) is not None:
        if existing is None or existing.user_id != principal.user_id:
            raise Conflict(
                f"{where}: id {signature_id} belongs to another record", field=f"{where}.id"
            )
        push.outcome.unchanged += 1  # a signature does not change; the server fills its state
        return None
    body = fields.read(DeviceSignature, raw, where, context={"settings": push.settings})
    signature = signatures.take(
        session,
        principal,
        signatures.SignatureIn(
            id=signature_id,
            notice_id=body.notice_id,
            signer_name=body.signer_name,
            signer_role=body.signer_role,
            signed_at=body.signed_at,
            sha256=body.sha256,
            size=body.size,
        ),
    )
    push.outcome.created += 1
    if signature.state in NOT_APPLIED:
        push.outcome.refused_actions.append(str(signature_id))
        return None
    return signature_id


def _deliver(push: Push, signature_ids: list[uuid.UUID]) -> None:
    for signature_id in signature_ids:
        if delivery.deliver(push.session, signature_id, push.settings):
            settled = push.session.get(NoticeSignature, signature_id)
            if settled.state in NOT_APPLIED:
                push.outcome.refused_actions.append(str(signature_id))


# After the read marks, before photos (always last); a signature refers to no device record.
ADAPTERS = (TableAdapter("notice_signatures", 68, apply_signatures),)
