"""Resumable photo uploads, tus 1.0 (core, creation, termination, checksum, expiration).

Every check (who, which upload, headers, offset, size) runs before a byte is written; bytes go
to a file named by the upload id; the finished file must match the sha256 the device declared,
and then goes through the same photo pipeline as a direct upload. No web imports.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import secrets
import uuid
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.db import utcnow
from backend.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    TooManyRequests,
)
from backend.core.settings import Settings
from backend.identity.models import User
from backend.identity.service import Principal
from complaints import photos as complaint_photos
from hazards import photos as hazard_photos
from hazards.models import Hazard
from hazards.photos import PhotoKind
from offline_sync.enums import PhotoState, UploadState
from offline_sync.models import DevicePhoto, Upload
from offline_sync.service import DEVICE_ROLES

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,checksum,expiration"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}
SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


class TusVersionUnsupported(Problem):
    status, slug, title = 412, "tus-version-unsupported", "Send Tus-Resumable: 1.0.0"


class OffsetMismatch(Conflict):
    slug, title = "upload-offset-mismatch", "Upload-Offset is not where the upload stands"


class ChecksumMismatch(Problem):
    status, slug, title = 460, "checksum-mismatch", "The bytes do not match their checksum"


class UploadTooLarge(Problem):
    status, slug, title = 413, "upload-too-large", "More bytes than the upload may hold"


class UploadExpired(Problem):
    status, slug, title = 410, "upload-expired", "The upload expired; start a new one"


class TooManyUnfinishedUploads(TooManyRequests):
    slug, title = "too-many-unfinished-uploads", "Finish or delete an upload first"


class ChecksumAlgorithmUnsupported(InvalidInput):
    slug, title = "checksum-algorithm-unsupported", "Use sha1 or sha256"


def require_tus(version: str | None) -> None:
    if version != TUS_VERSION:
        raise TusVersionUnsupported(f"this server speaks tus {TUS_VERSION}, you sent {version!r}")


def parse_metadata(header: str | None) -> dict[str, str]:
    """`key base64value,key2 base64value2` (tus creation extension)."""
    metadata: dict[str, str] = {}
    for pair in (header or "").split(","):
        pair = pair.strip()
        if not pair:
            continue
        key, _, value = pair.partition(" ")
        try:
            metadata[key] = base64.b64decode(value, validate=True).decode() if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise InvalidInput(
                f"Upload-Metadata: the value of {key!r} is not base64 text", field="Upload-Metadata"
            ) from exc
    return metadata


def parse_checksum(header: str | None) -> tuple[str, bytes] | None:
    if not header:
        return None
    algorithm, _, value = header.strip().partition(" ")
    if algorithm not in CHECKSUMS:
        raise ChecksumAlgorithmUnsupported(f"Upload-Checksum: {algorithm!r} is not supported")
    try:
        return algorithm, base64.b64decode(value, validate=True)
    except binascii.Error as exc:
        raise InvalidInput(
            "Upload-Checksum: the digest is not base64", field="Upload-Checksum"
        ) from exc


def folder(settings: Settings) -> Path:
    path = settings.data_dir / "uploads"
    path.mkdir(parents=True, exist_ok=True)
    return path


def file_of(settings: Settings, upload_id: str) -> Path:
    return folder(settings) / f"{upload_id}.part"


def create(
    session: Session,
    principal: Principal,
    length: int | None,
    metadata: dict[str, str],
    settings: Settings,
) -> Upload:
    if principal.role not in DEVICE_ROLES:
        raise Forbidden(f"a {principal.role} does not upload from a device")
    if length is None:
        raise InvalidInput(
            "Upload-Length is required (deferred length is not supported)", field="Upload-Length"
        )
    if length < 1 or length > settings.photo_max_bytes:
        raise UploadTooLarge(
            f"a photo may have 1 to {settings.photo_max_bytes} bytes; Upload-Length is {length}",
            max_size=settings.photo_max_bytes,
        )
    try:
        photo_id = uuid.UUID(metadata.get("photo_id", ""))
    except ValueError as exc:
        raise InvalidInput(
            "Upload-Metadata must name the photo_id (a uuid)", field="Upload-Metadata"
        ) from exc
    sha256 = metadata.get("sha256", "").lower()
    if not SHA256_HEX.match(sha256):
        raise InvalidInput(
            "Upload-Metadata must give the photo's sha256 (64 hex digits)", field="Upload-Metadata"
        )
    declared = session.get(DevicePhoto, photo_id)
    if declared is not None and declared.user_id == principal.user_id:
        # The record is known: the bytes must be the ones it declared, or they could never
        # be delivered and would hold disk until they expire.
        if length != declared.size:
            raise InvalidInput(
                f"Upload-Length is {length}, but photo {photo_id} was declared with "
                f"{declared.size} bytes",
                field="Upload-Length",
            )
        if sha256 != declared.sha256:
            raise InvalidInput(
                f"Upload-Metadata: sha256 differs from the one photo {photo_id} declared",
                field="Upload-Metadata",
            )
    now = utcnow()
    _room_for_another(session, principal, settings, now)
    upload = Upload(
        id=secrets.token_hex(16),
        user_id=principal.user_id,
        photo_id=photo_id,
        sha256=sha256,
        length=length,
        offset=0,
        state=UploadState.RECEIVING.value,
        created_at=now,
        expires_at=now + timedelta(hours=settings.upload_expiry_hours),
    )
    session.add(upload)
    session.flush()
    file_of(settings, upload.id).touch()
    return upload


def _room_for_another(session: Session, principal: Principal, settings: Settings, now) -> None:
    """A user holds at most `upload_max_unfinished` unfinished uploads: each reserves disk
    until it expires, and a phone that opens uploads without finishing them would fill it.
    Room comes back when one finishes, is deleted, or expires (Retry-After: the first expiry)."""
    unfinished = session.scalars(
        select(Upload.expires_at)
        .where(
            Upload.user_id == principal.user_id,
            Upload.state == UploadState.RECEIVING.value,
            Upload.expires_at > now,
        )
        .order_by(Upload.expires_at)
        .limit(settings.upload_max_unfinished)
    ).all()
    if len(unfinished) >= settings.upload_max_unfinished:
        wait = max(1, int((unfinished[0] - now).total_seconds()) + 1)
        raise TooManyUnfinishedUploads(
            f"you hold {len(unfinished)} unfinished uploads, the most allowed: finish or "
            "delete one (DELETE its URL) before starting another",
            retry_after_seconds=wait,
            max_unfinished=settings.upload_max_unfinished,
        )


def own_upload(session: Session, principal: Principal, upload_id: str) -> Upload:
    upload = session.get(Upload, upload_id)
    if upload is None or upload.user_id != principal.user_id:
        raise NotFound(f"no upload {upload_id}")
    if upload.state == UploadState.RECEIVING.value and upload.expires_at <= utcnow():
        raise UploadExpired(f"upload {upload_id} expired at {upload.expires_at.isoformat()}")
    return upload


def check_patch(upload: Upload, offset: int | None, content_type: str | None) -> None:
    """Everything a PATCH must satisfy before its first byte is written."""
    if content_type != "application/offset+octet-stream":
        raise InvalidInput(
            "Content-Type must be application/offset+octet-stream", field="Content-Type"
        )
    if offset is None:
        raise InvalidInput("Upload-Offset is required", field="Upload-Offset")
    if upload.state == UploadState.COMPLETE.value:
        raise OffsetMismatch("the upload is already complete", offset=upload.offset)
    if offset != upload.offset:
        raise OffsetMismatch(
            f"the upload stands at {upload.offset}, you sent {offset}", offset=upload.offset
        )


def record_progress(session: Session, upload_id: str, old: int, new: int) -> bool:
    """Move the offset on, only if nobody else did meanwhile."""
    return bool(
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id, Upload.offset == old)
            .values(offset=new)
            .execution_options(synchronize_session=False)
        ).rowcount
    )


def finish(session: Session, upload: Upload, settings: Settings) -> bool:
    """All bytes are in: they must be the photo the device declared; then it is delivered.
    False (and the upload removed, for the caller to commit) when they are not."""
    data = file_of(settings, upload.id).read_bytes()
    if hashlib.sha256(data).hexdigest() != upload.sha256:
        _refuse_photo(
            session,
            upload,
            "the uploaded bytes do not match the photo's sha256 (damaged on the way, or not "
            "this photo): declare the photo again to resend it",
        )
        terminate(session, upload, settings)
        return False
    upload.state, upload.completed_at = UploadState.COMPLETE.value, utcnow()
    session.flush()
    deliver(session, upload.photo_id, settings)
    return True


def _refuse_photo(session: Session, upload: Upload, reason: str) -> None:
    """The photo these bytes were for is refused with the reason, as a photo the pipeline
    cannot read is; the phone pulls both back (the hazard's missing photos shrink)."""
    photo = session.get(DevicePhoto, upload.photo_id)
    if photo is None or photo.user_id != upload.user_id or photo.state != PhotoState.PENDING.value:
        return  # no record yet, or already settled: nothing to mark
    photo.state, photo.reason = PhotoState.REFUSED.value, reason
    if photo.hazard_id is not None:
        session.execute(
            update(Hazard)
            .where(Hazard.id == photo.hazard_id)
            .values(version=Hazard.version)  # touched: its missing photos changed
            .execution_options(synchronize_session=False)
        )
    session.flush()


def terminate(session: Session, upload: Upload, settings: Settings) -> None:
    file_of(settings, upload.id).unlink(missing_ok=True)
    session.delete(upload)
    session.flush()


def deliver(session: Session, photo_id: uuid.UUID, settings: Settings) -> bool:
    """Once both the photo's record (pushed by sync) and its bytes (uploaded) are here, run
    the photo pipeline and attach it to its hazard; the hazard and the record are bumped so
    devices see the result. Either may arrive first."""
    photo = session.get(DevicePhoto, photo_id)
    upload = session.scalar(
        select(Upload).where(
            Upload.photo_id == photo_id, Upload.state == UploadState.COMPLETE.value
        )
    )
    if photo is None or upload is None:
        return False
    if photo.state != PhotoState.PENDING.value:
        file_of(settings, upload.id).unlink(missing_ok=True)  # sent twice: already handled
        return False
    if upload.user_id != photo.user_id or upload.sha256 != photo.sha256:
        return False  # not the bytes this record declared
    uploader = Principal.of(session.get(User, photo.user_id))
    if photo.complaint_id is not None:
        return _deliver_complaint_photo(session, uploader, photo, upload, settings)
    try:
        with session.begin_nested():
            hazard_photos.attach(
                session,
                uploader,
                photo.hazard_id,
                file_of(settings, upload.id).read_bytes(),
                PhotoKind(photo.kind),
                settings,
            )
        photo.state, photo.reason = PhotoState.STORED.value, None
    except Problem as refusal:
        photo.state, photo.reason = PhotoState.REFUSED.value, f"{refusal.title}: {refusal.detail}"
    session.execute(
        update(Hazard)
        .where(Hazard.id == photo.hazard_id)
        .values(version=Hazard.version)  # touched: its missing photos changed
        .execution_options(synchronize_session=False)
    )
    # The bytes live on in the photo store; the finished upload stays (HEAD still answers
    # its full offset to a client that lost the last response) until it expires.
    file_of(settings, upload.id).unlink(missing_ok=True)
    session.flush()
    return True


def _deliver_complaint_photo(
    session: Session, uploader: Principal, photo: DevicePhoto, upload: Upload, settings: Settings
) -> bool:
    """A photo from checking a complaint on site: kept with the complaint."""
    try:
        with session.begin_nested():
            complaint_photos.attach(
                session,
                uploader,
                photo.complaint_id,
                file_of(settings, upload.id).read_bytes(),
                settings,
            )
        photo.state, photo.reason = PhotoState.STORED.value, None
    except Problem as refusal:
        photo.state, photo.reason = PhotoState.REFUSED.value, f"{refusal.title}: {refusal.detail}"
    file_of(settings, upload.id).unlink(missing_ok=True)
    session.flush()
    return True


def expire_abandoned_uploads(session: Session, settings: Settings, batch: int = 500) -> int:
    """Worker job: remove expired uploads (unfinished ones with their bytes)."""
    expired = session.scalars(
        select(Upload).where(Upload.expires_at <= utcnow()).order_by(Upload.expires_at).limit(batch)
    ).all()
    for upload in expired:
        terminate(session, upload, settings)
    return len(expired)
