"""Photos: checked, oriented, shrunk and stored by content hash.

Everything is decided in memory before a byte is stored, so a refused photo leaves nothing
behind. Phone JPEGs are decoded with `Image.draft` at the smallest scale that still gives the
largest thumbnail (about 3x faster than a full decode); decoding all of the data (`load()`)
rejects truncated files, which `verify()` alone does not. The public copy and the thumbnail
carry no EXIF (no GPS, no camera serial); the original is kept for staff.
"""

from __future__ import annotations

import hashlib
import io
import os
import tempfile
import warnings
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from PIL import Image, ImageOps, UnidentifiedImageError

from backend.core.errors import Problem

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
CAMERA_TIME = ZoneInfo("Asia/Shanghai")  # EXIF times have no zone; phones here use local time


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
            image = Image.open(io.BytesIO(data))
            mime = FORMATS.get(image.format or "")
            if mime is None:
                raise PhotoNotAccepted(f"a {image.format or 'unknown'} image is not accepted")
            width, height = image.size
            exif = image.getexif()
            if image.format == "JPEG":
                # Decode at the smallest DCT scale still >= the public size, and stay in the
                # JPEG's own YCbCr: no colour conversion of pixels about to be thrown away.
                image.draft("YCbCr", (PUBLIC_PX, PUBLIC_PX))
            image.load()
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
    ImageOps.exif_transpose(image, in_place=True)
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


class PhotoStore:
    """Content-addressed files under one folder: `<kind>/<aa>/<sha256>.<ext>`."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, sha256: str, kind: str, ext: str) -> Path:
        return self.root / kind / sha256[:2] / f"{sha256}.{ext}"

    def put(self, photo: Photo) -> None:
        for kind, data, ext in (
            ("original", photo.original, EXTENSIONS[photo.mime]),
            ("public", photo.public, "jpg"),
            ("thumbnail", photo.thumbnail, "jpg"),
        ):
            target = self.path(photo.sha256, kind, ext)
            if target.exists():
                continue  # same content, already stored
            target.parent.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=target.parent, delete=False) as handle:
                handle.write(data)
            os.replace(handle.name, target)  # atomic: readers never see half a file
