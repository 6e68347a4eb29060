"""Photos in S3-compatible object storage (a real SeaweedFS server, tests/s3_server.py): the
same keys as the folder, `firegrid media migrate` copying a deployment's folder there and
finishing after it was cut off, and public copies served as short-lived signed URLs while
originals stay behind the checks that guard them."""

from __future__ import annotations

import hashlib
import json
import secrets
import socket

import httpx
import pytest
from typer.testing import CliRunner

from backend.cli import app as cli
from backend.core import media
from backend.core.media_migration import migrate
from backend.core.s3_store import PhotoStoreUnavailable
from backend.core.settings import ConfigurationError, Settings, get_settings
from tests.world import hazard_body, jpeg


@pytest.fixture
def s3_settings(s3_server, tmp_path, monkeypatch) -> Settings:
    """Settings for a deployment whose folder is tmp_path/media and whose bucket prefix is
    its own, as the environment (the command line reads that)."""
    monkeypatch.setenv("FIREGRID_DATA_DIR", str(tmp_path))
    for name, value in s3_server.environ(prefix=f"m-{secrets.token_hex(4)}/").items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    yield get_settings()
    monkeypatch.undo()
    get_settings.cache_clear()


def photos(count: int) -> list[media.Photo]:
    return [
        media.process(jpeg(64 + n, 48), max_bytes=10**7, max_pixels=10**7) for n in range(count)
    ]


def test_the_s3_store_keeps_each_variant_once_under_the_folders_keys(s3_settings):
    store = media.store_for(s3_settings)
    photo = photos(1)[0]
    store.put_photo(photo)
    store.put_photo(photo)  # the same photo again: nothing new

    original = media.photo_key(photo.sha256, "original", "jpg")
    assert store.read(original) == photo.original
    assert store.size(original) == len(photo.original)
    assert b"".join(store.stream(media.photo_key(photo.sha256, "public", "jpg"))) == photo.public
    listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=s3_settings.s3_prefix)
    assert sorted(o["Key"] for o in listed["Contents"]) == sorted(
        f"{s3_settings.s3_prefix}{media.photo_key(photo.sha256, v, 'jpg')}"
        for v in ("original", "public", "thumbnail")
    )
    store.delete(original)
    store.delete(original)  # already gone: nothing happens
    assert not store.exists(original) and store.size(original) is None


def test_an_s3_store_without_its_bucket_or_keys_is_refused_at_start(tmp_path):
    with pytest.raises(ConfigurationError) as refused:
        media.store_for(Settings(data_dir=tmp_path, photo_store="s3", s3_access_key="k"))
    assert str(refused.value) == (
        "FIREGRID_PHOTO_STORE=s3 needs FIREGRID_S3_BUCKET, FIREGRID_S3_SECRET_KEY"
    )


def test_migrate_copies_the_folder_and_finishes_after_being_cut_off(s3_settings):
    folder = media.LocalFolderStore.configured(s3_settings)
    for photo in photos(3):
        folder.put_photo(photo)
    damaged = media.photo_key("ab" * 32, "original", "jpg")
    folder.put(damaged, b"not what its name says")
    target = media.store_for(s3_settings)

    class CutOff(Exception):
        pass

    class Failing:
        """The target until the connection drops at the fifth file."""

        def __init__(self) -> None:
            self.puts = 0

        def size(self, key):
            return target.size(key)

        def put(self, key, data):
            if self.puts == 4:
                raise CutOff
            self.puts += 1
            target.put(key, data)

    with pytest.raises(CutOff):
        migrate(folder, Failing())

    dry = CliRunner().invoke(cli, ["media", "migrate", "--dry-run", "--quiet"])
    assert dry.exit_code == 1  # the damaged original
    assert json.loads(dry.stdout.splitlines()[-1]) == {
        "dry_run": True,
        "copied": 5,
        "copied_bytes": json.loads(dry.stdout.splitlines()[-1])["copied_bytes"],
        "skipped": 4,
        "damaged": [damaged],
    }
    assert "damaged" in dry.stderr and damaged in dry.stderr

    resumed = CliRunner().invoke(cli, ["media", "migrate"])
    summary = json.loads(resumed.stdout.splitlines()[-1])
    assert (summary["copied"], summary["skipped"], summary["damaged"]) == (5, 4, [damaged])
    assert sum(line.lstrip().startswith("skip ") for line in resumed.stdout.splitlines()) == 4
    for key in folder.keys():
        if key != damaged:
            assert target.read(key) == folder.read(key)
    assert not target.exists(damaged)

    again = CliRunner().invoke(cli, ["media", "migrate", "--quiet"])
    assert json.loads(again.stdout.splitlines()[-1])["skipped"] == 9


def test_migrate_refuses_when_the_store_is_the_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("FIREGRID_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("FIREGRID_PHOTO_STORE", "local")
    get_settings.cache_clear()
    try:
        refused = CliRunner().invoke(cli, ["media", "migrate"])
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()
    assert refused.exit_code == 1
    assert "FIREGRID_PHOTO_STORE is the local folder" in refused.stderr


@pytest.fixture
def redirecting(s3_server, monkeypatch):
    """The served app keeps photos in the S3 server and sends browsers to signed URLs."""
    for name, value in s3_server.environ(prefix=f"r-{secrets.token_hex(4)}/").items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("FIREGRID_MEDIA_SERVE", "redirect")
    monkeypatch.setenv("FIREGRID_S3_URL_SECONDS", "60")
    get_settings.cache_clear()
    yield media.store_for(get_settings())
    monkeypatch.undo()
    get_settings.cache_clear()


def test_public_copies_redirect_to_a_signed_url_and_originals_stream(
    api, grid, grid_worker, station_staff, redirecting
):
    photo_store = redirecting
    hazard = api.post(
        "/api/v1/hazards",
        json=hazard_body(device_time="2026-11-23T10:00:00+08:00"),
        headers=grid_worker.headers(api),
    ).json()
    data = jpeg(1600, 1200)
    sent = api.post(
        f"/api/v1/hazards/{hazard['id']}/photos",
        params={"kind": "before"},
        content=data,
        headers={**grid_worker.headers(api), "Content-Type": "image/jpeg"},
    )
    assert sent.status_code == 201, sent.text
    photo = sent.json()

    public = api.get(photo["public_url"], headers=grid_worker.headers(api))
    assert public.status_code == 307 and public.headers["cache-control"] == "no-store"
    signed = public.headers["location"]
    assert "X-Amz-Signature=" in signed and "X-Amz-Expires=60" in signed
    fetched = httpx.get(signed)  # the browser's request: no credentials of ours
    assert fetched.status_code == 200
    key = media.photo_key(photo["sha256"], "public", "jpg")
    assert fetched.content == photo_store.read(key)
    assert httpx.get(signed.split("?")[0]).status_code == 403  # unsigned: refused

    original = api.get(photo["original_url"], headers=station_staff.headers(api))
    assert original.status_code == 200  # streamed through the service, never redirected
    assert hashlib.sha256(original.content).hexdigest() == photo["sha256"]


def test_a_store_that_does_not_answer_is_a_503_not_a_500(tmp_path):
    with socket.socket() as closed:  # a port nobody listens on
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    settings = Settings(
        data_dir=tmp_path,
        photo_store="s3",
        s3_endpoint=f"http://127.0.0.1:{port}",
        s3_bucket="b",
        s3_access_key="k",
        s3_secret_key="s",
    )
    store = media.store_for(settings)
    with pytest.raises(PhotoStoreUnavailable) as refused:
        store.exists(media.photo_key("ab" * 32, "public", "jpg"))
    assert refused.value.status == 503
