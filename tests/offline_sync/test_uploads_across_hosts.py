"""A phone's tus upload when each request may reach another host (decision 0045): behind a
balancer, the PATCH that resumes an upload, and the sync push that brings the photo's record,
land wherever the balancer sends them. Two `firegrid serve` processes, each with a data folder
of its own (two hosts), and the test's own server (a third) share one PostgreSQL and one
S3-compatible store (SeaweedFS); with the local folder store, a host that does not hold the
bytes says so (410) instead of failing.

PostgreSQL only, as several processes on one database are (tests/backend/test_several_hosts.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from urllib.parse import urlparse

import httpx
import pytest

from backend.core import media
from backend.core.settings import get_settings
from offline_sync.client import Device
from tests.cluster import running_cluster
from tests.offline_sync.conftest import device_report
from tests.offline_sync.test_uploads import TUS, b64, noisy_jpeg, reported_with_photo

pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


def two_hosts(tmp_path) -> dict:
    """This run's database and secret key; a data folder of their own for each API process."""
    return {
        "env": {
            **os.environ,
            "FIREGRID_SECRET_KEY": get_settings().resolved_secret_key,
            "FIREGRID_LOG_LEVEL": "WARNING",
        },
        "api_env": [{"FIREGRID_DATA_DIR": str(tmp_path / f"host-{i}")} for i in (0, 1)],
    }


def patch(url: str, path: str, headers: dict, offset: int, data: bytes) -> httpx.Response:
    return httpx.patch(
        f"{url}{path}",
        content=data,
        headers={
            **headers,
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        },
        timeout=30,
    )


def test_an_upload_resumed_on_another_host_and_its_record_pushed_on_a_third_lands(
    tmp_path, s3_photo_store, phone
):
    data = noisy_jpeg()
    sha256 = hashlib.sha256(data).hexdigest()
    with running_cluster(**two_hosts(tmp_path), tmp_dir=tmp_path) as cluster:
        first, second = cluster.api_urls
        # The bytes first: the record stays on the phone until the upload is done.
        pid = "3f0c5a9e-8d1b-4c2e-9a47-5b6d7e8f9a01"
        created = httpx.post(
            f"{first}/api/v1/uploads/",
            headers={
                **phone.headers,
                **TUS,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": f"photo_id {b64(pid)},sha256 {b64(sha256)}",
            },
            timeout=30,
        )
        assert created.status_code == 201, cluster.logs()
        path = urlparse(created.headers["Location"]).path
        third = len(data) // 3
        assert patch(first, path, phone.headers, 0, data[:third]).status_code == 204
        # The phone's network changes; the balancer sends the rest elsewhere.
        head = httpx.head(f"{second}{path}", headers={**phone.headers, **TUS}, timeout=30)
        assert head.headers["Upload-Offset"] == str(third)
        done = patch(second, path, phone.headers, third, data[third:])
        assert done.status_code == 204, done.text
        assert done.headers["Upload-Offset"] == str(len(data))

    # The record, pushed through this test's own server: the bytes waited in the store.
    rid = phone.create("hazard_reports", device_report())
    phone.create(
        "photos",
        {"id": pid, "hazard_id": rid, "kind": "before", "sha256": sha256, "size": len(data)},
    )
    phone.sync()
    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == []
    assert s3_photo_store.read(media.photo_key(sha256, "original", "jpg")) == data
    # Nothing of the upload is left waiting in the store.
    assert not any(key.startswith("uploads/") for key in _keys(s3_photo_store))


def test_with_the_local_folder_a_host_without_the_bytes_says_so(tmp_path, phone):
    data = noisy_jpeg()
    _rid, pid = reported_with_photo(phone, data)
    with running_cluster(**two_hosts(tmp_path), tmp_dir=tmp_path) as cluster:
        first, second = cluster.api_urls
        created = httpx.post(
            f"{first}/api/v1/uploads/",
            headers={
                **phone.headers,
                **TUS,
                "Upload-Length": str(len(data)),
                "Upload-Metadata": f"photo_id {b64(pid)},sha256 "
                f"{b64(hashlib.sha256(data).hexdigest())}",
            },
            timeout=30,
        )
        assert created.status_code == 201, cluster.logs()
        path = urlparse(created.headers["Location"]).path
        half = len(data) // 2
        assert patch(first, path, phone.headers, 0, data[:half]).status_code == 204
        lost = patch(second, path, phone.headers, half, data[half:])
        assert lost.status_code == 410, lost.text
        assert lost.headers["content-type"] == "application/problem+json"
        assert lost.json()["type"].endswith("/upload-lost")


def _keys(store) -> list[str]:
    listed = store.client.list_objects_v2(Bucket=store.bucket, Prefix=store.prefix)
    return [item["Key"].removeprefix(store.prefix) for item in listed.get("Contents", [])]
