"""Resumable photo uploads, tus 1.0 (core, creation, creation-with-upload, termination, checksum,
expiration).

Every check (who, which upload, headers, offset, size) runs before a byte is kept; each
request's bytes are kept as a part in the photo store (upload_parts), so that any API host can
take the next; the finished bytes must match the sha256 the device declared, and then go
through the same photo pipeline as a direct upload. No web imports.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import secrets
import uuid
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import timedelta
from email.utils import format_datetime

import anyio.to_thread
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.db import session_scope, utcnow
from backend.core.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    NotFound,
    Problem,
    TooManyRequests,
)
from backend.core.settings import Settings
from backend.identity.service import Principal
from complaints.enums import CitizenPhotoState
from complaints.models import CitizenPhoto
from offline_sync import delivery, upload_parts
from offline_sync.delivery import SHA256_HEX
from offline_sync.enums import UploadState
from offline_sync.models import Upload
from offline_sync.protocol import DEVICE_ROLES
from offline_sync.upload_parts import Part

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,checksum,expiration"
CHECKSUMS = {"sha1": hashlib.sha1, "sha256": hashlib.sha256}


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


@dataclass(frozen=True)
class CitizenUploader:
    """A report from the citizens' page sending the photos it declared, by its upload token:
    the uploads belong to the page's client (`user_id`) and to that report's complaint."""

    user_id: uuid.UUID
    complaint_id: uuid.UUID


Uploader = Principal | CitizenUploader


def _what_is_sent(
    length: int | None, metadata: dict[str, str], settings: Settings
) -> tuple[int, uuid.UUID, str]:
    """Upload-Length, and the photo id and sha256 of Upload-Metadata, checked."""
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
    return length, photo_id, sha256


def create(
    session: Session,
    principal: Principal,
    length: int | None,
    metadata: dict[str, str],
    settings: Settings,
) -> Upload:
    if principal.role not in DEVICE_ROLES:
        raise Forbidden(f"a {principal.role} does not upload from a device")
    length, photo_id, sha256 = _what_is_sent(length, metadata, settings)
    found = delivery.declared(session, photo_id)  # a photo's record, or a signature's
    if found is not None and found[0] == principal.user_id:
        # The record is known: the bytes must be the ones it declared, or they could never
        # be delivered and would hold disk until they expire.
        _, size, declared_sha256 = found
        if length != size:
            raise InvalidInput(
                f"Upload-Length is {length}, but photo {photo_id} was declared with {size} bytes",
                field="Upload-Length",
            )
        if sha256 != declared_sha256:
            raise InvalidInput(
                f"Upload-Metadata: sha256 differs from the one photo {photo_id} declared",
                field="Upload-Metadata",
            )
    now = utcnow()
    _room_for_another(session, principal, settings, now)
    return _started(session, settings, now, principal.user_id, None, photo_id, sha256, length)


def _started(
    session: Session,
    settings: Settings,
    now,
    user_id: uuid.UUID,
    complaint_id: uuid.UUID | None,
    photo_id: uuid.UUID,
    sha256: str,
    length: int,
) -> Upload:
    """A new upload, with no bytes yet."""
    upload = Upload(
        id=secrets.token_hex(16),
        user_id=user_id,
        complaint_id=complaint_id,
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
    return upload


_UNFINISHED_OF_REPORT = select(func.count()).where(
    Upload.complaint_id == bindparam("complaint_id"),
    Upload.state == UploadState.RECEIVING.value,
    Upload.expires_at > bindparam("now"),
)


def create_for_citizen(
    session: Session,
    uploader: CitizenUploader,
    length: int | None,
    metadata: dict[str, str],
    settings: Settings,
) -> Upload:
    """An upload of a photo the report declared, exactly as declared (the report is sent
    before its photos, so the declaration is always here first). A report holds at most as
    many unfinished uploads as it may have photos."""
    length, photo_id, sha256 = _what_is_sent(length, metadata, settings)
    declared = session.get(CitizenPhoto, photo_id)
    if declared is None or declared.complaint_id != uploader.complaint_id:
        raise NotFound(f"the report declared no photo {photo_id}", field="Upload-Metadata")
    if declared.state != CitizenPhotoState.PENDING.value:
        raise Conflict(f"photo {photo_id} has arrived already", field="Upload-Metadata")
    if (length, sha256) != (declared.size, declared.sha256):
        raise InvalidInput(
            f"photo {photo_id} was declared with {declared.size} bytes and another sha256: "
            "send exactly the declared bytes",
            field="Upload-Metadata",
        )
    now = utcnow()
    unfinished = session.scalar(
        _UNFINISHED_OF_REPORT, {"complaint_id": uploader.complaint_id, "now": now}
    )
    if unfinished >= max(1, settings.citizen_photos_max):
        raise TooManyUnfinishedUploads(
            f"the report holds {unfinished} unfinished uploads, the most allowed: finish or "
            "delete one before starting another",
            retry_after_seconds=60,
            max_unfinished=settings.citizen_photos_max,
        )
    return _started(
        session, settings, now, uploader.user_id, uploader.complaint_id, photo_id, sha256, length
    )


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


def own_upload(session: Session, uploader: Uploader, upload_id: str) -> Upload:
    upload = session.get(Upload, upload_id)
    complaint_id = uploader.complaint_id if isinstance(uploader, CitizenUploader) else None
    if upload is None or (upload.user_id, upload.complaint_id) != (uploader.user_id, complaint_id):
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


def record_progress(
    session: Session,
    upload_id: str,
    old: int,
    new: int,
    *,
    part: Part | None = None,
    completed: bool = False,
) -> Upload | None:
    """Move the offset on, with the part that holds the new bytes, only if nobody else did
    meanwhile (and, when its last bytes are in and sound, mark it complete in the same
    statement); the upload as it then stands."""
    moved: dict = {"offset": new}
    if part is not None:
        moved["parts"] = Upload.parts + part.entry
    if completed:
        moved |= {"state": UploadState.COMPLETE.value, "completed_at": utcnow()}
    return session.scalars(
        update(Upload)
        .where(Upload.id == upload_id, Upload.offset == old)
        .values(**moved)
        .returning(Upload)
        .execution_options(synchronize_session=False)
    ).one_or_none()


class CutOff(Exception):  # noqa: N818 (an event, not an error)
    """The client went away mid-request: what arrived is kept, unless a checksum was sent."""


def headers(upload: Upload | None = None, **extra: str) -> dict[str, str]:
    """The tus headers of an answer; with `upload`, where it stands."""
    found = {"Tus-Resumable": TUS_VERSION, "Cache-Control": "no-store", **extra}
    if upload is not None:
        found["Upload-Offset"] = str(upload.offset)
        found["Upload-Length"] = str(upload.length)
        found["Upload-Expires"] = format_datetime(upload.expires_at, usegmt=True)
    return found


def int_header(request_headers: Mapping[str, str], name: str) -> int | None:
    value = request_headers.get(name)
    if value is None:
        return None
    if not value.isdigit() or len(value) > 18:
        raise InvalidInput(f"{name} must be a non-negative integer", field=name)
    return int(value)


async def append(
    principal: Uploader,
    upload_id: str,
    request_headers: Mapping[str, str],
    chunks: AsyncIterator[bytes],
    settings: Settings,
    created: Upload | None = None,
) -> dict[str, str]:
    """A PATCH: append its bytes at `Upload-Offset`. Every check runs before the first byte is
    written; an interrupted request keeps what arrived (resume from HEAD); with
    `Upload-Checksum` (sha1 or sha256 of this request's bytes) a mismatch or a cut-off request
    keeps nothing (460). The last bytes finish the upload (`finish`). Returns the answer's
    headers. The database is used from worker threads, the bytes are read here.

    `created`: the upload this very request just made (creation-with-upload), checked as it
    was made; nobody else knows its id yet, so it is not read again."""
    require_tus(request_headers.get("tus-resumable"))
    offset = int_header(request_headers, "upload-offset")
    checksum = parse_checksum(request_headers.get("upload-checksum"))

    def check() -> tuple[int, int, str, str]:
        with session_scope(read_only=True) as session:
            upload = own_upload(session, principal, upload_id)
            check_patch(upload, offset, request_headers.get("content-type"))
            return upload.length, upload.offset, upload.sha256, upload.parts

    if created is not None:
        check_patch(created, offset, request_headers.get("content-type"))
        length, start, sha256, listed = created.length, created.offset, created.sha256, ""
    else:
        length, start, sha256, listed = await anyio.to_thread.run_sync(check)
    received = await _receive(chunks, start, length, checksum)
    completes = start + len(received) == length
    part = None
    if received and not completes:  # kept before the offset moves past them
        part = Part.new(start, len(received))
        await anyio.to_thread.run_sync(upload_parts.keep, settings, upload_id, part, received)

    def commit() -> dict[str, str] | None:
        # All bytes in: they must be the photo the device declared (read before the
        # transaction, which then only writes).
        data = None
        if completes:
            data = upload_parts.assembled(settings, upload_id, listed) + received
        sound = data is not None and hashlib.sha256(data).hexdigest() == sha256
        with session_scope() as session:
            upload = record_progress(
                session, upload_id, start, start + len(received), part=part, completed=sound
            )
            if upload is None:
                if part is not None:
                    upload_parts.discard(settings, upload_id, part.entry)
                raise OffsetMismatch("another request moved the upload meanwhile")
            if data is not None and not finish(session, upload, data, settings):
                return None  # removed, and committed so: the client must start again
            answer, kept = headers(upload), upload.parts
        if data is not None:  # the parts it was made of, unless they still wait for delivery
            upload_parts.discard(settings, upload_id, listed, keeping=kept)
        return answer

    answer = await anyio.to_thread.run_sync(commit)
    if answer is None:
        raise ChecksumMismatch(
            "the uploaded file does not match the sha256 in its metadata; upload it again"
        )
    return answer


async def _receive(
    chunks: AsyncIterator[bytes],
    start: int,
    length: int,
    checksum: tuple[str, bytes] | None,
) -> bytes:
    """The request's bytes (at most what the upload still lacks). A request cut off midway
    keeps what arrived, unless it sent a checksum: then, as when the checksum does not match,
    nothing."""
    digest = CHECKSUMS[checksum[0]]() if checksum else None
    received, size, whole = [], 0, True
    try:
        async for chunk in chunks:
            if start + size + len(chunk) > length:
                raise UploadTooLarge(
                    f"the upload holds {length} bytes; this request goes past its end"
                )
            received.append(chunk)
            if digest:
                digest.update(chunk)
            size += len(chunk)
    except CutOff:
        whole = False
    if checksum and (not whole or digest.digest() != checksum[1]):
        if whole:
            raise ChecksumMismatch(
                f"the bytes of this request do not match their {checksum[0]}; nothing kept"
            )
        return b""
    return b"".join(received)


def finish(session: Session, upload: Upload, data: bytes, settings: Settings) -> bool:
    """All bytes (`data`) are in, the upload marked complete if they are the photo the device
    declared (`record_progress`): then it is delivered, or, when the photo's record has not
    come yet, its bytes are kept whole for it. False (and the upload removed, for the caller to
    commit) when they are not the photo declared."""
    if upload.state != UploadState.COMPLETE.value:
        delivery.refuse(
            session,
            upload,
            "the uploaded bytes do not match the photo's sha256 (damaged on the way, or not "
            "this photo): declare the photo again to resend it",
        )
        terminate(session, upload, settings)
        return False
    if upload.complaint_id is not None:
        delivery.deliver_citizen_photo(session, upload, data, settings)
    elif not delivery.deliver(session, upload.photo_id, settings, data):
        whole = Part.new(0, len(data))
        upload_parts.keep(settings, upload.id, whole, data)
        upload.parts = whole.entry
        session.flush()
    return True


def terminate(session: Session, upload: Upload, settings: Settings) -> None:
    upload_parts.discard(settings, upload.id, upload.parts)
    session.delete(upload)
    session.flush()


def expire_abandoned_uploads(session: Session, settings: Settings, batch: int = 500) -> int:
    """Worker job: remove expired uploads (unfinished ones with their bytes). Claimed, so that
    a second worker passes by instead of waiting to delete a row the first has deleted."""
    expired = session.scalars(
        dialect.claim(
            session,
            select(Upload)
            .where(Upload.expires_at <= utcnow())
            .order_by(Upload.expires_at)
            .limit(batch),
        )
    ).all()
    for upload in expired:
        terminate(session, upload, settings)
    return len(expired)
