"""The photo pipeline's shortcut for photos a browser already made small and bare."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from backend.core import media
from tests.world import jpeg

LIMITS = {"max_bytes": 15 * 1024 * 1024, "max_pixels": 50_000_000}


def canvas_jpeg(width: int, height: int) -> bytes:
    """What a phone browser's canvas.toBlob('image/jpeg') gives: JFIF, no EXIF."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (30, 120, 200)).save(out, "JPEG", quality=80)
    return out.getvalue()


def test_a_small_bare_jpeg_is_its_own_public_copy():
    data = canvas_jpeg(1280, 960)
    photo = media.process(data, **LIMITS)
    assert photo.public == data and photo.original == data
    assert Image.open(io.BytesIO(photo.thumbnail)).size == (320, 240)
    assert (photo.width, photo.height, photo.lng, photo.taken_at) == (1280, 960, None, None)


def test_a_small_jpeg_with_exif_is_copied_without_it():
    data = jpeg(1000, 750)  # EXIF time and GPS
    photo = media.process(data, **LIMITS)
    assert photo.public != data
    assert not Image.open(io.BytesIO(photo.public)).getexif()
    assert photo.lng == pytest.approx(109.41, abs=1e-3)


def test_a_large_bare_jpeg_is_shrunk_to_the_public_size():
    photo = media.process(canvas_jpeg(1600, 1200), **LIMITS)
    assert Image.open(io.BytesIO(photo.public)).size == (1280, 960)


def test_a_truncated_small_jpeg_is_refused():
    data = canvas_jpeg(1280, 960)
    with pytest.raises(media.PhotoUnreadable):
        media.process(data[: len(data) // 2], **LIMITS)
