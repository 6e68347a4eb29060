"""Photos taken while checking a complaint on site: the same pipeline and store as hazard
photos (backend.core.media), kept with the complaint."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, media
from backend.core.settings import Settings
from backend.identity.permissions import Permission, demand
from backend.identity.service import Principal
from complaints.enums import PhotoKind
from complaints.models import ComplaintPhoto
from complaints.reading import get_visible


def attach(
    session: Session, principal: Principal, complaint_id: uuid.UUID, data: bytes, settings: Settings
) -> ComplaintPhoto:
    """Check and process the photo completely, then store and record it; the same photo twice
    is one photo."""
    demand(principal.role, Permission.TAKE_SITE_PHOTOS, "add photos to complaints")
    complaint = get_visible(session, principal, complaint_id)
    photo = media.process(
        data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
    )
    existing = session.get(ComplaintPhoto, (complaint.id, photo.sha256))
    if existing is not None:
        return existing
    record = ComplaintPhoto.of(
        complaint.id, photo, kind=PhotoKind.SITE.value, uploaded_by=principal.user_id
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="complaint.photo_added",
        subject_type="complaint",
        subject_id=complaint.id,
        after={"sha256": photo.sha256},
    )
    media.store_for(settings).put_photo(photo)  # last: content-addressed, so a retry is harmless
    return record


def photos_of(
    session: Session, principal: Principal, complaint_id: uuid.UUID
) -> list[ComplaintPhoto]:
    complaint = get_visible(session, principal, complaint_id)
    return list(
        session.scalars(
            select(ComplaintPhoto)
            .where(ComplaintPhoto.complaint_id == complaint.id)
            .order_by(ComplaintPhoto.uploaded_at)
        )
    )
