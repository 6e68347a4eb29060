"""Photos are kept through a store chosen by name: today files under the data directory; a
store name the build does not know stops the service from starting."""

import pytest

from backend.app import create_app
from backend.core import media
from backend.core.settings import ConfigurationError, Settings
from tests.world import jpeg


def test_the_local_store_keeps_each_variant_once_under_its_content_hash(tmp_path):
    store = media.store_for(Settings(data_dir=tmp_path))
    photo = media.process(jpeg(), max_bytes=10_000_000, max_pixels=50_000_000)

    store.put_photo(photo)
    store.put_photo(photo)  # the same photo again: nothing new

    original = media.photo_key(photo.sha256, "original", "jpg")
    assert isinstance(store, media.LocalFolderStore)
    assert store.locate(original) == tmp_path / "media" / "original" / photo.sha256[:2] / (
        f"{photo.sha256}.jpg"
    )
    assert store.read(original) == photo.original
    assert store.read(media.photo_key(photo.sha256, "thumbnail", "jpg")) == photo.thumbnail
    assert len([p for p in (tmp_path / "media").rglob("*") if p.is_file()]) == 3

    store.delete(original)
    store.delete(original)  # already gone: nothing happens
    assert not store.exists(original)
    assert store.exists(media.photo_key(photo.sha256, "public", "jpg"))


def test_an_unknown_photo_store_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        create_app(Settings(data_dir=tmp_path, photo_store="seaweedfs"))
    assert str(refused.value) == (
        "FIREGRID_PHOTO_STORE='seaweedfs' names no photo store; known: local, s3"
    )
