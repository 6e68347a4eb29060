"""Photos: checked, oriented, shrunk, and kept by content hash in a photo store.

Everything is decided in memory before a byte is stored, so a refused photo leaves nothing
behind. Phone JPEGs are decoded at the smallest scale that still gives the largest thumbnail
(libjpeg-turbo's M/8 scales through simplejpeg, else `Image.draft`; about 3.5x faster than a
full decode); decoding all of the data rejects truncated files, which `verify()` alone does not. The public copy and the thumbnail
carry no EXIF (no GPS, no camera serial); the original is kept for staff.
"""

from __future__ import annotations

import hashlib
import io
import math
import os
import tempfile
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import ClassVar, Self

import simplejpeg
from PIL import Image, UnidentifiedImageError

from backend.core.errors import Problem
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import ConfigurationError, Settings

try:  # HEIC from iPhones
    from pillow_heif import register_heif_opener

    register_heif_opener()
except ImportError:  # pragma: no cover - pillow-heif is a dependency; this keeps imports safe
    pass

FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "HEIF": "image/heic"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png", "image/heic": "heic"}
PUBLIC_PX, THUMB_PX = 1280, 320
EXIF_IFD, GPS_IFD = 0x8769, 0x8825
DATETIME_ORIGINAL, DATETIME = 36867, 306
CAMERA_TIME = LOCAL_TIME  # EXIF times have no zone; phones here keep local time


class PhotoTooLarge(Problem):
    status, slug, title = 413, "photo-too-large", "The photo is too large"


class PhotoNotAccepted(Problem):
    status, slug, title = (
        415,
        "photo-type-not-accepted",
        "Only JPEG, PNG and HEIC photos are accepted",
    )


class PhotoUnreadable(Problem):
    status, slug, title = 422, "photo-unreadable", "The photo cannot be read"


@dataclass(frozen=True)
class Photo:
    sha256: str
    size: int
    mime: str
    width: int
    height: int
    taken_at: datetime | None
    lng: float | None
    lat: float | None
    original: bytes
    public: bytes  # <= 1280 px JPEG, no EXIF
    thumbnail: bytes  # <= 320 px JPEG, no EXIF


def process(data: bytes, *, max_bytes: int, max_pixels: int) -> Photo:
    if len(data) > max_bytes:
        raise PhotoTooLarge(f"the photo is {len(data)} bytes; at most {max_bytes} are accepted")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        previous, Image.MAX_IMAGE_PIXELS = Image.MAX_IMAGE_PIXELS, max_pixels
        try:
            image = Image.open(io.BytesIO(data))  # the header only: format, size, EXIF
            mime = FORMATS.get(image.format or "")
            if mime is None:
                raise PhotoNotAccepted(f"a {image.format or 'unknown'} image is not accepted")
            width, height = image.size
            exif = image.getexif()
            if _already_public(image, exif):
                return _kept_as_sent(image, data)
            image = _decode(image, data)
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise PhotoUnreadable(f"the photo has too many pixels (at most {max_pixels})") from exc
        except UnidentifiedImageError as exc:
            raise PhotoNotAccepted("the data is not an image in an accepted format") from exc
        except (OSError, SyntaxError, ValueError) as exc:
            raise PhotoUnreadable(f"the photo is damaged or truncated: {exc}") from exc
        finally:
            Image.MAX_IMAGE_PIXELS = previous
    if image.mode not in ("RGB", "YCbCr"):
        image = image.convert("RGB")
    orientation = exif.get(ORIENTATION)
    if orientation in TRANSPOSE:
        image = image.transpose(TRANSPOSE[orientation])
    # Shrink once to the public size, then the thumbnail from that, never twice from the
    # original; BOX (an area average) is the fast filter that does not alias when shrinking.
    image.thumbnail((PUBLIC_PX, PUBLIC_PX), Image.Resampling.BOX)
    public = _jpeg(image)
    image.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BOX)
    lng, lat = _gps(exif)
    return Photo(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mime=mime,
        width=width,
        height=height,
        taken_at=_taken_at(exif),
        lng=lng,
        lat=lat,
        original=data,
        public=public,
        thumbnail=_jpeg(image),
    )


def _already_public(image: Image.Image, exif: Image.Exif) -> bool:
    """A JPEG as a browser's canvas makes it (the citizens' page resizes photos before
    sending them): no larger than the public copy, and nothing in it but the pixels (no EXIF,
    no GPS, no comment, no other APPn than JFIF's). Then it is its own public copy."""
    return (
        image.format == "JPEG"
        and max(image.size) <= PUBLIC_PX
        and not exif
        and all(marker == "APP0" for marker, _ in getattr(image, "applist", []))
        and "comment" not in image.info
        and "icc_profile" not in image.info
    )


def _kept_as_sent(image: Image.Image, data: bytes) -> Photo:
    """The photo is its own public copy; its pixels are decoded all the same (straight at the
    thumbnail's scale: libjpeg still reads the whole file, so a truncated one is refused), for
    the thumbnail."""
    width, height = image.size
    try:
        small = _turbo_decoded(data, image.size, THUMB_PX)
    except ValueError as exc:
        raise PhotoUnreadable(f"the photo is damaged or truncated: {exc}") from exc
    small.thumbnail((THUMB_PX, THUMB_PX), Image.Resampling.BOX)
    return Photo(
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        mime="image/jpeg",
        width=width,
        height=height,
        taken_at=None,
        lng=None,
        lat=None,
        original=data,
        public=data,
        thumbnail=_jpeg(small),
    )


ORIENTATION = 0x0112
# EXIF orientation -> the transpose that makes the photo upright (as ImageOps.exif_transpose).
TRANSPOSE = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}


def _decode(image: Image.Image, data: bytes) -> Image.Image:
    """All of the pixels, decoded (so a truncated file is refused), at the smallest size that
    still gives the public copy. A JPEG is decoded by libjpeg-turbo at its smallest M/8 scale
    that is large enough (3/8 for a 12 MP phone photo; Pillow's `draft` offers only 1/2, 1/4,
    1/8, and 1/2 decodes and then shrinks a third more pixels); a JPEG it refuses (truncated,
    damaged, a kind it does not take) goes through `Image.draft`, which then decides. Others
    are decoded whole."""
    if image.format == "JPEG":
        try:
            return _turbo_decoded(data, image.size, PUBLIC_PX)
        except ValueError:
            pass  # damaged, or a kind turbo does not take: Pillow decides (and refuses)
        image.draft("YCbCr", (PUBLIC_PX, PUBLIC_PX))
    image.load()
    return image


def _turbo_decoded(data: bytes, size: tuple[int, int], longest: int) -> Image.Image:
    """A JPEG decoded by libjpeg-turbo at its smallest M/8 scale that still has `longest`
    pixels on its longest side (the whole photo when it is smaller); ValueError for what turbo
    refuses. The image shares the decoded array, not a copy of it."""
    width, height = size
    scale = min(1.0, longest / max(width, height))
    pixels = simplejpeg.decode_jpeg(
        data,
        colorspace="RGB",
        min_width=math.ceil(width * scale),
        min_height=math.ceil(height * scale),
    )
    height, width = pixels.shape[:2]
    return Image.frombuffer("RGB", (width, height), pixels, "raw", "RGB", 0, 1)


def _jpeg(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82)  # no exif= argument: none is written
    return out.getvalue()


def _taken_at(exif: Image.Exif) -> datetime | None:
    text = exif.get_ifd(EXIF_IFD).get(DATETIME_ORIGINAL) or exif.get(DATETIME)
    try:
        return (
            datetime.strptime(str(text).strip(), "%Y:%m:%d %H:%M:%S")
            .replace(tzinfo=CAMERA_TIME)
            .astimezone(UTC)
        )
    except (TypeError, ValueError):
        return None


def _gps(exif: Image.Exif) -> tuple[float | None, float | None]:
    gps = exif.get_ifd(GPS_IFD)
    try:
        lat = _degrees(gps[2]) * (-1 if str(gps.get(1, "N")).upper().startswith("S") else 1)
        lng = _degrees(gps[4]) * (-1 if str(gps.get(3, "E")).upper().startswith("W") else 1)
    except (KeyError, TypeError, ValueError, ZeroDivisionError):
        return None, None
    if not (-90 <= lat <= 90 and -180 <= lng <= 180):
        return None, None
    return lng, lat


def _degrees(value) -> float:
    d, m, s = (float(part) for part in value)
    return d + m / 60 + s / 3600


# --- Where photos are kept ---------------------------------------------------------------------


@dataclass(frozen=True)
class Streamed:
    """A stored file being read, sent on chunk by chunk (a store that is not a local folder)."""

    chunks: Iterator[bytes]
    size: int


Located = Path | str | Streamed  # what `PhotoStore.locate` gives: see there


def photo_key(sha256: str, variant: str, ext: str) -> str:
    """A stored file's name in any store: `<variant>/<aa>/<sha256>.<ext>`, by content."""
    return f"{variant}/{sha256[:2]}/{sha256}.{ext}"


class Variant(StrEnum):
    """The three files kept of each photo, as a URL names them."""

    PUBLIC = "public"  # <= 1280 px, no EXIF
    THUMBNAIL = "thumbnail"  # <= 320 px, no EXIF
    ORIGINAL = "original"  # as sent, with EXIF: only for those the owning domain allows


def locate_variant(
    settings: Settings, sha256: str, mime: str, variant: Variant
) -> tuple[Located, str]:
    """Where a photo's variant is, and its type, once its domain has decided the caller may
    have it. The small copies carry no EXIF, so they may be handed out as short-lived signed
    URLs (`public`); the original never is, so no URL outlives the caller's check."""
    store = store_for(settings)
    if variant is Variant.ORIGINAL:
        return store.locate(photo_key(sha256, "original", EXTENSIONS[mime])), mime
    return store.locate(photo_key(sha256, variant.value, "jpg"), public=True), "image/jpeg"


class PhotoStore(ABC):
    """Keeps photo files by key (`photo_key`). A key's content never changes (it is named by
    its hash), so writing one that exists is skipped and readers never need to revalidate.
    Each store is registered under its name (`register_store`); FIREGRID_PHOTO_STORE picks one."""

    name: ClassVar[str]

    @classmethod
    @abstractmethod
    def configured(cls, settings: Settings) -> Self: ...

    @abstractmethod
    def put(self, key: str, data: bytes) -> None:
        """Store `data` under `key`, all or nothing: a reader never sees half a file."""

    @abstractmethod
    def read(self, key: str) -> bytes: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def delete(self, key: str) -> None:
        """Remove `key`; nothing happens when it is not there."""

    @abstractmethod
    def locate(self, key: str, *, public: bool = False) -> Path | str | Streamed:
        """Where a client gets the file: a local path to send, a URL to redirect to (only
        for a `public` file: a public copy or a thumbnail, never an original), or the file
        read as it is sent. `file_response` (backend/core/media_responses.py) answers with it."""

    def stream(self, key: str) -> Iterator[bytes]:
        """The file in chunks, never all of it in memory at once (the migration, big files)."""
        yield self.read(key)

    def size(self, key: str) -> int | None:
        """The file's size in bytes; None when it is not there."""
        return len(self.read(key)) if self.exists(key) else None

    def put_photo(self, photo: Photo) -> None:
        """The original, the public copy and the thumbnail; a variant already stored (the same
        photo again) is left as it is."""
        for variant, data, ext in (
            ("original", photo.original, EXTENSIONS[photo.mime]),
            ("public", photo.public, "jpg"),
            ("thumbnail", photo.thumbnail, "jpg"),
        ):
            key = photo_key(photo.sha256, variant, ext)
            if not self.exists(key):
                self.put(key, data)


_stores: dict[str, type[PhotoStore]] = {}


def register_store(store: type[PhotoStore]) -> type[PhotoStore]:
    """Class decorator: make a store choosable by its name in FIREGRID_PHOTO_STORE."""
    _stores[store.name] = store
    return store


def store_class(name: str) -> type[PhotoStore]:
    """The store registered as `name`; ConfigurationError (the service must not start) for a
    name nobody registered."""
    try:
        return _stores[name]
    except KeyError:
        raise ConfigurationError(
            f"FIREGRID_PHOTO_STORE={name!r} names no photo store; "
            f"known: {', '.join(sorted(_stores))}"
        ) from None


def store_for(settings: Settings) -> PhotoStore:
    return store_class(settings.photo_store).configured(settings)


@register_store
class LocalFolderStore(PhotoStore):
    """Files under one folder (`data_dir/media`), at their keys."""

    name = "local"

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def configured(cls, settings: Settings) -> LocalFolderStore:
        return cls(settings.data_dir / "media")

    def path(self, key: str) -> Path:
        return self.root / key

    def put(self, key: str, data: bytes) -> None:
        target = self.path(key)
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
            handle.write(data)
        os.replace(handle.name, target)  # atomic: readers never see half a file

    def read(self, key: str) -> bytes:
        return self.path(key).read_bytes()

    def exists(self, key: str) -> bool:
        return self.path(key).exists()

    def delete(self, key: str) -> None:
        self.path(key).unlink(missing_ok=True)

    def stream(self, key: str) -> Iterator[bytes]:
        with self.path(key).open("rb") as handle:
            while chunk := handle.read(1024 * 1024):
                yield chunk

    def size(self, key: str) -> int | None:
        try:
            return self.path(key).stat().st_size
        except FileNotFoundError:
            return None

    def keys(self) -> Iterator[str]:
        """Every stored file's key, in a stable order (the migration walks them)."""
        for path in sorted(self.root.rglob("*")):
            if path.is_file() and not path.name.startswith("tmp"):
                yield path.relative_to(self.root).as_posix()

    def locate(self, key: str, *, public: bool = False) -> Path:
        return self.path(key)


from backend.core import s3_store  # noqa: E402,F401 - registers "s3" (it needs the classes above)
