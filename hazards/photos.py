"""Photos of hazards: processed by the media pipeline, stored by content, flagged as evidence."""

from __future__ import annotations

import uuid
from datetime import timedelta
from enum import StrEnum

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core import audit, media
from backend.core.errors import Forbidden, NotFound
from backend.core.media import Variant
from backend.core.settings import Settings
from backend.identity.permissions import Permission, roles_with
from backend.identity.service import Principal
from grids.routing import ground_distance_m
from grids.scope import scope_of
from hazards.models import Hazard, HazardPhoto
from hazards.reading import get_visible


class PhotoKind(StrEnum):
    BEFORE = "before"  # as found
    AFTER = "after"  # rectified: required to submit a rectification


# Who may see originals (with the EXIF location and camera data): the people who handle hazards
# in the area (docs/hazards.md names the same roles), not the public, not a hotline or app
# client, and not a reporter following their own report.
ORIGINAL_VIEWERS = roles_with(Permission.SEE_ORIGINAL_PHOTOS)


def evidence_flags(hazard: Hazard, photo: media.Photo, settings: Settings) -> list[str]:
    """Doubts worth a look, never grounds to refuse: a photo far from the report, or taken
    long before it."""
    flags = []
    if photo.lng is not None and photo.lat is not None:
        if (
            float(ground_distance_m(photo.lng, photo.lat, hazard.lng, hazard.lat))
            > settings.photo_far_m
        ):
            flags.append("taken_far_from_report")
    reported = hazard.device_time or hazard.reported_at
    if photo.taken_at is not None and photo.taken_at < reported - timedelta(
        hours=settings.photo_stale_hours
    ):
        flags.append("taken_long_before_report")
    return flags


def attach(
    session: Session,
    principal: Principal,
    hazard_id: uuid.UUID,
    data: bytes,
    kind: PhotoKind,
    settings: Settings,
) -> HazardPhoto:
    """Check and process the photo completely, then store it and record it; a refused photo
    leaves no file and no row."""
    hazard = get_visible(session, principal, hazard_id)
    photo = media.process(
        data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
    )
    existing = session.get(HazardPhoto, (hazard.id, photo.sha256))
    if existing is not None:
        return existing  # the same photo again: nothing new
    record = HazardPhoto(
        hazard_id=hazard.id,
        sha256=photo.sha256,
        kind=kind.value,
        mime=photo.mime,
        size=photo.size,
        width=photo.width,
        height=photo.height,
        taken_at=photo.taken_at,
        photo_lng=photo.lng,
        photo_lat=photo.lat,
        flags=evidence_flags(hazard, photo, settings),
        uploaded_by=principal.user_id,
    )
    session.add(record)
    session.flush()
    audit.record(
        session,
        actor=principal.actor,
        action="hazard.photo_added",
        subject_type="hazard",
        subject_id=hazard.id,
        after={"sha256": photo.sha256, "kind": kind.value, "flags": record.flags},
    )
    # Last: content-addressed, so a retry after a failure is harmless.
    media.store_for(settings).put_photo(photo)
    return record


def photos_of(session: Session, principal: Principal, hazard_id: uuid.UUID) -> list[HazardPhoto]:
    hazard = get_visible(session, principal, hazard_id)
    return list(
        session.scalars(
            select(HazardPhoto)
            .where(HazardPhoto.hazard_id == hazard.id)
            .order_by(HazardPhoto.uploaded_at)
        )
    )


def file_of(
    session: Session,
    principal: Principal,
    hazard_id: uuid.UUID,
    sha256: str,
    variant: Variant,
    settings: Settings,
) -> tuple[media.Located, str]:
    """Where the variant is (`PhotoStore.locate`: the original is never `public`, so it is
    never handed out as a signed URL that outlives this check), and its type."""
    hazard = get_visible(session, principal, hazard_id)
    record = session.get(HazardPhoto, (hazard.id, sha256))
    if record is None:
        raise NotFound(f"no photo {sha256} on hazard {hazard_id}")
    if variant is Variant.ORIGINAL and (
        principal.role not in ORIGINAL_VIEWERS
        or not scope_of(session, principal).covers_path(hazard.area_path or "\0")
    ):
        raise Forbidden(
            "originals (with their EXIF) are for grid workers, grid leaders, station and "
            "brigade staff, dispatchers and admins whose area covers the hazard"
        )
    return media.locate_variant(settings, sha256, record.mime, variant)
