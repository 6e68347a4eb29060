"""Where an unfinished tus upload's bytes wait: in the photo store, one object per request that
brought some (a *part*), so that whichever API host takes the next request, or the sync push
that brings the photo's record, finds them (decision 0045). With the local folder store that
is this host's data folder, as before; with object storage every host sees every part.

The upload's row lists its parts in order (`Upload.parts`, "start-end-tag," each), moved on
in the same statement as its offset: a part the row does not list is not part of the upload.
A part's key ends in a random tag, so two requests racing at one offset never write the same
object, and the one that loses the race removes its own."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from backend.core import media
from backend.core.errors import Problem
from backend.core.settings import Settings

PREFIX = "uploads"


@dataclass(frozen=True)
class Part:
    start: int
    end: int
    tag: str

    @classmethod
    def new(cls, start: int, size: int) -> Part:
        return cls(start, start + size, secrets.token_hex(4))

    @classmethod
    def parse(cls, entry: str) -> Part:
        start, end, tag = entry.split("-")
        return cls(int(start), int(end), tag)

    @property
    def entry(self) -> str:
        """As listed in `Upload.parts` (with its comma)."""
        return f"{self.start}-{self.end}-{self.tag},"

    def key(self, upload_id: str) -> str:
        return f"{PREFIX}/{upload_id}/{self.start}-{self.end}-{self.tag}"


def parts_of(listed: str) -> list[Part]:
    return [Part.parse(entry) for entry in listed.split(",") if entry]


def keep(settings: Settings, upload_id: str, part: Part, data: bytes) -> None:
    """Store a request's bytes, before the offset moves past them."""
    media.store_for(settings).put(part.key(upload_id), data)


def assembled(settings: Settings, upload_id: str, listed: str) -> bytes:
    """The upload's bytes so far, its parts read in order; UploadLost when the store no longer
    holds them as listed."""
    store = media.store_for(settings)
    chunks, offset = [], 0
    for part in parts_of(listed):
        try:
            chunk = store.read(part.key(upload_id))
        except FileNotFoundError:
            raise UploadLost(LOST) from None
        if part.start != offset or len(chunk) != part.end - part.start:
            raise UploadLost(LOST)
        chunks.append(chunk)
        offset = part.end
    return b"".join(chunks)


def discard(settings: Settings, upload_id: str, listed: str, *, keeping: str = "") -> None:
    """Remove the listed parts, except those also listed in `keeping`."""
    store = media.store_for(settings)
    kept = set(parts_of(keeping))
    for part in parts_of(listed):
        if part not in kept:
            store.delete(part.key(upload_id))


class UploadLost(Problem):
    """The store no longer holds what the upload's row lists (removed by hand, a store restored
    from an older backup): nothing to resume, the client starts a new upload."""

    status, slug, title = 410, "upload-lost", "The upload's bytes are gone; start a new one"


LOST = "the bytes received so far are no longer stored; start the upload again"
