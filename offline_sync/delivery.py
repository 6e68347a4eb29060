"""A device's photo meets its bytes: the record comes by sync (families/photos.py), the bytes
by tus (uploads.py), either first; once both are here the photo goes through the same pipeline
as a direct upload and is attached to its hazard or complaint. A signature taken to serve a
notice on site (families/notices.py) meets its PNG the same way, keyed by its record's id, and
serves the notice (notices.signatures). What both sides share lives here, so neither imports
the other. No web imports."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from backend.core.db import one_at_a_time
from backend.core.errors import Problem
from backend.core.settings import Settings
from backend.identity.models import User
from backend.identity.service import Principal
from complaints import photos as complaint_photos
from complaints.citizens import service as citizens
from hazards import photos as hazard_photos
from hazards.models import Hazard
from hazards.photos import PhotoKind
from notices import signatures
from notices.enums import SignatureState
from notices.models import NoticeSignature
from offline_sync import upload_parts
from offline_sync.enums import PhotoState, UploadState
from offline_sync.models import DevicePhoto, Upload

SHA256_HEX = re.compile(r"^[0-9a-f]{64}$")


def declared(session: Session, upload_key: uuid.UUID) -> tuple[uuid.UUID, int, str] | None:
    """(owner, size, sha256) of the record an upload's key names, a photo's or a signature's;
    None while no record has come."""
    record = session.get(DevicePhoto, upload_key) or session.get(NoticeSignature, upload_key)
    return None if record is None else (record.user_id, record.size, record.sha256)


def refuse(session: Session, upload: Upload, reason: str) -> None:
    """The photo these bytes were for is refused with the reason, as a photo the pipeline
    cannot read is; the phone pulls both back (the hazard's missing photos shrink). A
    signature stays pending: the phone sends its PNG again (a signature is not taken twice)."""
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


def deliver(
    session: Session, photo_id: uuid.UUID, settings: Settings, data: bytes | None = None
) -> bool:
    """Once both the photo's record (pushed by sync) and its bytes (uploaded) are here, run
    the photo pipeline and attach it to its hazard; the hazard and the record are bumped so
    devices see the result. Either may arrive first: `data` are the bytes when the upload
    just finished, else they are read from where they wait (upload_parts). The record's side
    and the bytes' side look for each other one at a time, or two that commit together would
    each miss the other and the photo would wait for ever."""
    one_at_a_time(session, photo_id)
    photo = session.get(DevicePhoto, photo_id)
    upload = session.scalar(
        select(Upload).where(
            Upload.photo_id == photo_id, Upload.state == UploadState.COMPLETE.value
        )
    )
    if upload is None:
        return False
    if photo is None:
        signature = session.get(NoticeSignature, photo_id)
        if signature is None:
            return False
        return _deliver_signature(session, signature, upload, settings, data)
    if photo.state != PhotoState.PENDING.value:
        _done_with(settings, upload)  # sent twice: already handled
        return False
    if upload.user_id != photo.user_id or upload.sha256 != photo.sha256:
        return False  # not the bytes this record declared
    uploader = Principal.of(session.get(User, photo.user_id))
    if data is None:
        data = upload_parts.assembled(settings, upload.id, upload.parts)
    if photo.complaint_id is not None:
        return _deliver_complaint_photo(session, uploader, photo, upload, data, settings)
    try:
        with session.begin_nested():
            hazard_photos.attach(
                session,
                uploader,
                photo.hazard_id,
                data,
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
    _done_with(settings, upload)
    session.flush()
    return True


def _deliver_complaint_photo(
    session: Session,
    uploader: Principal,
    photo: DevicePhoto,
    upload: Upload,
    data: bytes,
    settings: Settings,
) -> bool:
    """A photo from checking a complaint on site: kept with the complaint."""
    try:
        with session.begin_nested():
            complaint_photos.attach(
                session,
                uploader,
                photo.complaint_id,
                data,
                settings,
            )
        photo.state, photo.reason = PhotoState.STORED.value, None
    except Problem as refusal:
        photo.state, photo.reason = PhotoState.REFUSED.value, f"{refusal.title}: {refusal.detail}"
    _done_with(settings, upload)
    session.flush()
    return True


def _deliver_signature(
    session: Session,
    signature: NoticeSignature,
    upload: Upload,
    settings: Settings,
    data: bytes | None,
) -> bool:
    """A signature's PNG: the notice is served on site by it (or the signature kept as a
    conflict, or refused), by whoever took the signature, once."""
    if signature.state != SignatureState.PENDING.value:
        _done_with(settings, upload)  # sent twice: already settled
        return True
    if upload.user_id != signature.user_id or upload.sha256 != signature.sha256:
        return False  # not the bytes this record declared
    if data is None:
        data = upload_parts.assembled(settings, upload.id, upload.parts)
    signer = Principal.of(session.get(User, signature.user_id))
    signatures.settle(session, settings, signer, signature, data)
    _done_with(settings, upload)
    session.flush()
    return True


def deliver_citizen_photo(
    session: Session, upload: Upload, data: bytes, settings: Settings
) -> None:
    """A photo from the citizens' page, all its bytes (`data`) here: kept with its report's
    complaint (complaints.citizens), or refused there with the reason."""
    citizens.keep_photo(session, upload.photo_id, data, settings)
    _done_with(settings, upload)
    session.flush()


def _done_with(settings: Settings, upload: Upload) -> None:
    """The bytes are delivered (or were before): the parts they waited in go."""
    if upload.parts:
        upload_parts.discard(settings, upload.id, upload.parts)
        upload.parts = ""
