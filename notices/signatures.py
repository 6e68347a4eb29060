"""Signatures taken on a worker's phone to serve a notice on site, arriving through offline
sync. No web imports.

The phone makes a record (who signed, in what role, when on its clock, the PNG's sha256 and
size) and uploads the PNG by tus, keyed by the record's id, as it does a hazard photo; either
may arrive first. `take` keeps the record; `settle` runs once the PNG is here too and serves
the notice exactly as `POST /api/v1/notices/{id}/service?method=on_site` does (the PNG checked
and kept, `notices.service.mark_served`), with one difference: the service, and so the
hazard's deadline, dates from the signing (`signed_moment`), not from when the phone found a
network.

A signature is never lost: one for a notice served meanwhile by another way (on paper, by SMS
link, by another phone) is kept with its PNG and recorded as a conflict, and the notice keeps
its first service; one the signer may not give (a notice outside their area, a file that is
not a PNG) is kept refused with the reason. Each comes back to the phone with its state."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from backend.core import media
from backend.core.db import utcnow
from backend.core.errors import Problem
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from notices import service
from notices.enums import (
    SIGNER_ROLE_NAMES,
    NoticeStep,
    ServiceMethod,
    SignatureState,
    SignerRole,
)
from notices.models import Notice, NoticeSignature

REASON_MAX = 500


@dataclass(frozen=True)
class SignatureIn:
    """A signature as the phone recorded it (offline_sync checks each field)."""

    id: uuid.UUID
    notice_id: uuid.UUID
    signer_name: str
    signer_role: SignerRole
    signed_at: datetime
    sha256: str
    size: int


def take(session: Session, principal: Principal, body: SignatureIn) -> NoticeSignature:
    """Keep a new signature's record, waiting for its PNG; refused at once (kept, with the
    reason) when the signer may not serve that notice: one outside their area is answered as
    one that does not exist, as everywhere."""
    signature = NoticeSignature(
        id=body.id,
        user_id=principal.user_id,
        notice_id=body.notice_id,
        signer_name=body.signer_name,
        signer_role=body.signer_role.value,
        signed_at=body.signed_at,
        sha256=body.sha256,
        size=body.size,
        state=SignatureState.PENDING.value,
        received_at=utcnow(),
    )
    try:
        _servable(session, principal, body.notice_id)
    except Problem as refusal:
        _refuse(signature, refusal)
    session.add(signature)
    session.flush()
    return signature


def settle(
    session: Session,
    settings: Settings,
    signer: Principal,
    signature: NoticeSignature,
    png: bytes,
) -> SignatureState:
    """The signature's PNG is here: the notice is served on site by it, or the signature is
    kept as a conflict (served otherwise first) or refused. A settled signature stays as it
    is (its PNG sent twice, or its record pushed again)."""
    if signature.state != SignatureState.PENDING.value:
        return SignatureState(signature.state)
    now = utcnow()
    signature.settled_at = now
    try:
        with session.begin_nested():  # the signer may have left the notice's area meanwhile
            notice = _servable(session, signer, signature.notice_id)
            evidence = service.check_evidence(settings, ServiceMethod.ON_SITE, png)
    except Problem as refusal:
        _refuse(signature, refusal)
        session.flush()
        return SignatureState.REFUSED
    signed = {
        "signature_id": str(signature.id),
        "signer_name": signature.signer_name,
        "signer_role": signature.signer_role,
        "signer_role_name": SIGNER_ROLE_NAMES[SignerRole(signature.signer_role)],
        "signed_at": signature.signed_at.isoformat(),
    }
    try:
        with session.begin_nested():
            service.mark_served(
                session,
                settings,
                signer.actor,
                notice,
                NoticeStep.SERVE,
                ServiceMethod.ON_SITE,
                evidence_sha256=evidence.sha256,
                evidence_mime=evidence.mime,
                served_at=signed_moment(signature.signed_at, notice, now),
                details=signed,
            )
        signature.state, signature.reason = SignatureState.SERVED.value, None
    except service.NoticeAlreadyServed:
        session.refresh(notice)
        _conflict(session, signer, signature, notice, evidence, signed)
    session.flush()
    media.store_for(settings).put_photo(evidence)  # kept either way; content-addressed
    return SignatureState(signature.state)


def signed_moment(signed_at: datetime, notice: Notice, now: datetime) -> datetime:
    """When the notice counts as served: when it was signed on the phone, but never before
    the notice was issued (a phone's clock behind) nor after now (a clock ahead)."""
    return min(max(signed_at, notice.issued_at), now)


def _servable(session: Session, principal: Principal, notice_id: uuid.UUID) -> Notice:
    demand(principal.role, Permission.SERVE_NOTICES, "serve notices")
    return service.get_visible(session, principal, notice_id)


def _refuse(signature: NoticeSignature, refusal: Problem) -> None:
    signature.state = SignatureState.REFUSED.value
    signature.reason = f"{refusal.title}: {refusal.detail}"[:REASON_MAX]
    signature.settled_at = signature.settled_at or utcnow()


def _conflict(
    session: Session,
    signer: Principal,
    signature: NoticeSignature,
    notice: Notice,
    evidence: media.Photo,
    signed: dict,
) -> None:
    """Served another way before this signature arrived: the notice keeps its service, the
    signature is kept with the reason, and the conflict is on the notice's record and the
    hazard's timeline with the signature's hash (as a refused report change is audited)."""
    served_at = notice.served_at.isoformat() if notice.served_at else None
    signature.state = SignatureState.CONFLICT.value
    signature.reason = (
        f"not applied: notice {notice.number} had been served ({notice.service_method}) at "
        f"{served_at} before this signature arrived; the signature is kept"
    )[:REASON_MAX]
    service.record_step(
        session,
        signer.actor,
        notice,
        ("notice.signature_conflict", "hazard.notice_signature_conflict"),
        {
            "notice_id": str(notice.id),
            "number": notice.number,
            "evidence_sha256": evidence.sha256,
            "served_by_method": notice.service_method,
            "served_at": served_at,
            "sha256": notice.pdf_sha256,
            **signed,
        },
    )
