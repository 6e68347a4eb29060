"""Photos of a fire in progress: sent after the 一键报警 (the alert never waits for one),
processed by the media pipeline and stored by content like hazards' photos. Whoever may see
the alert may add a photo while it is open and see its small copies; originals (with their
EXIF location) are for the staff whose area covers it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, media
from backend.core.errors import Conflict, Forbidden, NotFound
from backend.core.media import Variant
from backend.core.settings import Settings
from backend.identity.permissions import Permission, may
from backend.identity.service import Principal
from fires.alerts.enums import AlertState
from fires.alerts.models import AlertPhoto
from fires.alerts.service import get_visible
from grids.scope import scope_of

MAX_PER_ALERT = 9  # a phone's picker's usual limit


class AlertClosed(Conflict):
    slug, title = "fire-alert-closed", "The alert is closed"


def attach(
    session: Session, principal: Principal, alert_id: uuid.UUID, data: bytes, settings: Settings
) -> AlertPhoto:
    """Check and process the photo completely, then record and store it: a refused photo
    leaves no row and no file; the same photo again is the same record."""
    alert = get_visible(session, principal, alert_id)
    photo = media.process(
        data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
    )
    existing = session.get(AlertPhoto, (alert.id, photo.sha256))
    if existing is not None:
        return existing
    if alert.state != AlertState.OPEN.value:
        raise AlertClosed(f"alert {alert_id} is closed: photos are taken while it is open")
    kept = session.scalars(select(AlertPhoto.sha256).where(AlertPhoto.alert_id == alert.id)).all()
    if len(kept) >= MAX_PER_ALERT:
        raise Conflict(f"an alert keeps at most {MAX_PER_ALERT} photos")
    record = AlertPhoto(
        alert_id=alert.id,
        sha256=photo.sha256,
        mime=photo.mime,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
        uploaded_by=principal.user_id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="fire_alert.photo_added",
        subject_type="fire_alert",
        subject_id=alert.id,
        after={"sha256": photo.sha256},
    )
    media.store_for(settings).put_photo(photo)  # last: content-addressed, a retry is harmless
    return record


def photos_of(session: Session, alert_ids: list[uuid.UUID]) -> dict[uuid.UUID, list[AlertPhoto]]:
    """Each alert's photos, oldest first, in one query (the caller has checked that the
    alerts are visible)."""
    found: dict[uuid.UUID, list[AlertPhoto]] = {}
    if not alert_ids:
        return found
    for photo in session.scalars(
        select(AlertPhoto)
        .where(AlertPhoto.alert_id.in_(alert_ids))
        .order_by(AlertPhoto.uploaded_at, AlertPhoto.sha256)
    ):
        found.setdefault(photo.alert_id, []).append(photo)
    return found


def file_of(
    session: Session,
    principal: Principal,
    alert_id: uuid.UUID,
    sha256: str,
    variant: Variant,
    settings: Settings,
) -> tuple[media.Located, str]:
    alert = get_visible(session, principal, alert_id)
    record = session.get(AlertPhoto, (alert.id, sha256))
    if record is None:
        raise NotFound(f"no photo {sha256} on fire alert {alert_id}")
    if variant is Variant.ORIGINAL and (
        not may(principal.role, Permission.SEE_ORIGINAL_PHOTOS)
        or not scope_of(session, principal).covers_path(alert.area_path or "\0")
    ):
        raise Forbidden("originals (with their EXIF) are for the staff whose area covers it")
    return media.locate_variant(settings, sha256, record.mime, variant)
