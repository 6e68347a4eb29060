"""Signed documents kept as evidence (a measure's signed record, a commitment's signed form):
a PDF kept as sent, or a photo of the signed paper through the photo pipeline, both in the
media store by content hash. One place for what is accepted and how it is kept, so that each
domain that keeps such papers refuses and stores them alike."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from backend.core import media
from backend.core.errors import Problem
from backend.core.settings import Settings

PDF_VARIANT = "document"  # where a document sent as a PDF is kept in the media store


class DocumentType(StrEnum):
    """What a signed document may be: a PDF, or a photo of the signed paper."""

    PDF = "application/pdf"
    JPEG = "image/jpeg"
    PNG = "image/png"
    HEIC = "image/heic"


# How an endpoint that takes a document describes itself (OpenAPI): the raw file as the body,
# and what it refuses.
OPENAPI_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            m.value: {"schema": {"type": "string", "format": "binary"}} for m in DocumentType
        },
    }
}
REFUSALS = {
    413: {"description": "Too large"},
    415: {"description": "Not a PDF, JPEG, PNG or HEIC"},
    422: {"description": "Damaged or not what its type says"},
}


class DocumentTooLarge(Problem):
    status, slug, title = 413, "document-too-large", "The document is too large"


class DocumentTypeNotAccepted(Problem):
    status, slug, title = (
        415,
        "document-type-not-accepted",
        "Only a PDF or a JPEG, PNG or HEIC photo is accepted",
    )


class DocumentUnreadable(Problem):
    status, slug, title = 422, "document-unreadable", "The document cannot be read"


@dataclass(frozen=True)
class Checked:
    """A document checked and ready to keep: its hash, type and size, and `keep`, which puts
    it in the store (call it last: content-addressed, so a retry after a failure is harmless)."""

    sha256: str
    mime: str
    size: int
    keep: Callable[[], None]


def check(settings: Settings, data: bytes, content_type: str) -> Checked:
    """A PDF as sent, or a photo through the photo pipeline (kept as hazard photos are);
    anything else refused (415), too large (413) or unreadable (422)."""
    kind = content_type.split(";")[0].strip().lower()
    store = media.store_for(settings)
    if kind == DocumentType.PDF.value:
        if len(data) > settings.photo_max_bytes:
            raise DocumentTooLarge(
                f"the document is {len(data)} bytes; at most {settings.photo_max_bytes} are "
                "accepted"
            )
        if not data.startswith(b"%PDF-"):
            raise DocumentUnreadable("the body is not a PDF")
        sha256 = hashlib.sha256(data).hexdigest()

        def keep_pdf() -> None:
            key = media.photo_key(sha256, PDF_VARIANT, "pdf")
            if not store.exists(key):
                store.put(key, data)

        return Checked(sha256, DocumentType.PDF.value, len(data), keep_pdf)
    if kind.startswith("image/"):
        photo = media.process(
            data, max_bytes=settings.photo_max_bytes, max_pixels=settings.photo_max_pixels
        )
        return Checked(photo.sha256, photo.mime, photo.size, lambda: store.put_photo(photo))
    raise DocumentTypeNotAccepted(
        "send a PDF (application/pdf) or a photo (image/jpeg, image/png, image/heic)"
    )


def locate(settings: Settings, sha256: str, mime: str) -> Path | str | media.Streamed:
    """Where a kept document is (never a public URL: signed papers name people)."""
    if mime == DocumentType.PDF.value:
        key = media.photo_key(sha256, PDF_VARIANT, "pdf")
    else:
        key = media.photo_key(sha256, "original", media.EXTENSIONS[mime])
    return media.store_for(settings).locate(key)
