"""Photos from the field through tus: uploads survive a dropped connection and resume where the
server stands, bytes are checked against their checksums, nothing is written for a caller who
is not who they say, and the finished photo lands on its hazard through the usual pipeline."""

import base64
import hashlib
import io
import json
import os
import socket
import time
import uuid
from datetime import timedelta
from urllib.parse import urlparse

import pytest
from PIL import Image
from sqlalchemy import update
from tusclient import client as tus

from backend.core import media
from backend.core.db import utcnow
from backend.core.settings import get_settings
from offline_sync.client import Device
from offline_sync.models import Upload
from offline_sync.uploads import expire_abandoned_uploads
from tests.offline_sync.conftest import device_report
from tests.world import hazard_body, jpeg

TUS = {"Tus-Resumable": "1.0.0"}


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


def noisy_jpeg(width=800, height=600) -> bytes:
    """A photo that does not compress away (a few hundred kB), so uploads take several chunks."""
    out = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(out, "JPEG")
    return out.getvalue()


def reported_with_photo(phone, data: bytes) -> tuple[str, str]:
    """A report and its photo's record, made offline and synced; the bytes still to come."""
    rid = phone.create("hazard_reports", device_report())
    pid = phone.create(
        "photos",
        {
            "hazard_id": rid,
            "kind": "before",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "taken_at": None,
        },
    )
    phone.sync()
    phone.sync()  # the next sync brings the server's view of what was pushed
    return rid, pid


def start_upload(api, headers, photo_id, data) -> str:
    created = api.post(
        "/api/v1/uploads/",
        headers={
            **headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"photo_id {b64(photo_id)},sha256 {b64(hashlib.sha256(data).hexdigest())}",
        },
    )
    assert created.status_code == 201, created.text
    return urlparse(created.headers["Location"]).path


def parts_kept(upload_id: str) -> list[str]:
    """The parts of an upload still in the (local) photo store."""
    folder = media.store_for(get_settings()).path(f"uploads/{upload_id}")
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def offset_of(api, headers, path) -> int:
    head = api.head(path, headers={**headers, **TUS})
    assert head.status_code == 200
    return int(head.headers["Upload-Offset"])


def test_a_tuspy_upload_interrupted_midway_resumes_and_the_photo_lands_on_its_hazard(
    live_server, phone, photo_store
):
    data = noisy_jpeg()
    rid, pid = reported_with_photo(phone, data)
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == [pid]

    client = tus.TusClient(f"{live_server}/api/v1/uploads/", headers=phone.headers)
    metadata = {"photo_id": pid, "sha256": hashlib.sha256(data).hexdigest()}
    first = client.uploader(
        file_stream=io.BytesIO(data), chunk_size=100_000, metadata=metadata, upload_checksum=True
    )
    first.upload_chunk()
    first.upload_chunk()  # the lift door closes: the phone loses its connection here
    assert 0 < first.offset < len(data)

    resumed = client.uploader(
        file_stream=io.BytesIO(data), chunk_size=100_000, url=first.url, upload_checksum=True
    )
    assert resumed.get_offset() == first.offset  # the server's own count, asked with HEAD
    resumed.upload()

    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == []
    listed = phone.http.get(f"/api/v1/hazards/{rid}/photos", headers=phone.headers).json()
    assert [p["sha256"] for p in listed] == [hashlib.sha256(data).hexdigest()]
    original = phone.http.get(listed[0]["original_url"], headers=phone.headers)
    assert original.status_code == 200 and original.content == data
    assert photo_store.read(media.photo_key(listed[0]["sha256"], "original", "jpg")) == data


def test_bytes_that_arrive_before_their_record_wait_for_it(api, phone):
    data = jpeg(800, 600)
    pid = str(uuid.uuid4())
    path = start_upload(api, phone.headers, pid, data)
    done = api.patch(
        path,
        content=data,
        headers={
            **phone.headers,
            **TUS,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert done.status_code == 204 and done.headers["Upload-Offset"] == str(len(data))

    body = hazard_body()
    rid = phone.create(
        "hazard_reports",
        {
            "category": body["category"],
            "description": body["description"],
            "lng": body["lng"],
            "lat": body["lat"],
            "crs": "wgs84",
        },
    )
    phone.create(
        "photos",
        {
            "id": pid,
            "hazard_id": rid,
            "kind": "before",
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
        },
    )
    phone.sync()
    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"


def test_a_connection_cut_mid_request_keeps_what_arrived(live_server, api, phone):
    data = jpeg(1200, 900)
    _rid, pid = reported_with_photo(phone, data)
    path = start_upload(api, phone.headers, pid, data)

    half = len(data) // 2
    url = urlparse(live_server)
    with socket.create_connection((url.hostname, url.port)) as raw:
        head = (
            f"PATCH {path} HTTP/1.1\r\nHost: {url.netloc}\r\n"
            f"Authorization: {phone.headers['Authorization']}\r\nTus-Resumable: 1.0.0\r\n"
            "Content-Type: application/offset+octet-stream\r\nUpload-Offset: 0\r\n"
            f"Content-Length: {len(data)}\r\n\r\n"
        )
        raw.sendall(head.encode() + data[:half])
        time.sleep(1)  # the server reads the half; then the lift door closes
    # the server notices the cut and keeps the half it read
    for _ in range(50):
        if offset_of(api, phone.headers, path) == half:
            break
        time.sleep(0.1)
    assert offset_of(api, phone.headers, path) == half

    rest = api.patch(
        path,
        content=data[half:],
        headers={
            **phone.headers,
            **TUS,
            "Upload-Offset": str(half),
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert rest.status_code == 204, rest.text
    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"


def test_bad_checksums_wrong_offsets_and_whole_file_mismatches_are_refused(api, phone):
    data = jpeg(800, 600)
    _rid, pid = reported_with_photo(phone, data)
    path = start_upload(api, phone.headers, pid, data)
    patch = {**phone.headers, **TUS, "Content-Type": "application/offset+octet-stream"}

    lying = api.patch(
        path,
        content=data[:1000],
        headers={
            **patch,
            "Upload-Offset": "0",
            "Upload-Checksum": "sha256 " + base64.b64encode(b"\0" * 32).decode(),
        },
    )
    assert lying.status_code == 460 and offset_of(api, phone.headers, path) == 0
    skipping = api.patch(path, content=data[:10], headers={**patch, "Upload-Offset": "5"})
    assert skipping.status_code == 409 and skipping.json()["offset"] == 0

    impostor = api.post(  # bytes that are not the photo the record declared
        "/api/v1/uploads/",
        headers={
            **phone.headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"photo_id {b64(pid)},sha256 {b64(hashlib.sha256(b'x').hexdigest())}",
        },
    )
    assert impostor.status_code == 422 and impostor.json()["field"] == "Upload-Metadata"


def test_an_upload_must_have_the_size_its_photo_declared(api, phone):
    data = jpeg(800, 600)
    _rid, pid = reported_with_photo(phone, data)
    for length in (len(data) - 1, len(data) + 1):
        refused = api.post(
            "/api/v1/uploads/",
            headers={
                **phone.headers,
                **TUS,
                "Upload-Length": str(length),
                "Upload-Metadata": f"photo_id {b64(pid)},sha256 {b64(hashlib.sha256(data).hexdigest())}",
            },
        )
        assert refused.status_code == 422, refused.text
        assert [e["field"] for e in refused.json()["errors"]] == ["Upload-Length"]
    start_upload(api, phone.headers, pid, data)  # the declared size is taken


def test_a_file_that_does_not_match_its_sha256_refuses_the_photo_with_a_reason(api, phone):
    data = jpeg(800, 600)
    rid, pid = reported_with_photo(phone, data)
    assert phone.get("hazards", rid)["missing_photos"] == json.dumps([pid])
    path = start_upload(api, phone.headers, pid, data)
    damaged = data[:-1] + bytes([data[-1] ^ 0xFF])  # one byte changed on the way

    finished = api.patch(
        path,
        content=damaged,
        headers={
            **phone.headers,
            **TUS,
            "Content-Type": "application/offset+octet-stream",
            "Upload-Offset": "0",
        },
    )
    assert finished.status_code == 460
    assert api.head(path, headers={**phone.headers, **TUS}).status_code == 404  # bytes gone
    phone.sync()
    photo = phone.get("photos", pid)
    assert photo["state"] == "refused"
    assert "do not match the photo's sha256" in photo["reason"]
    assert phone.get("hazards", rid)["missing_photos"] == "[]"


def test_a_worker_holds_only_a_bounded_number_of_unfinished_uploads(api, phone):
    limit = get_settings().upload_max_unfinished
    paths = [start_upload(api, phone.headers, str(uuid.uuid4()), b"x" * 100) for _ in range(limit)]

    one_more = api.post(
        "/api/v1/uploads/",
        headers={
            **phone.headers,
            **TUS,
            "Upload-Length": "100",
            "Upload-Metadata": f"photo_id {b64(str(uuid.uuid4()))},sha256 {b64('0' * 64)}",
        },
    )
    assert one_more.status_code == 429, one_more.text
    assert one_more.json()["max_unfinished"] == limit
    assert int(one_more.headers["Retry-After"]) > 0

    deleted = api.delete(paths[0], headers={**phone.headers, **TUS})
    assert deleted.status_code == 204
    start_upload(api, phone.headers, str(uuid.uuid4()), b"x" * 100)  # room again


def test_nothing_is_written_for_a_bad_token_another_user_or_a_missing_version(
    api, phone, backup_worker
):
    data = jpeg(800, 600)
    _rid, pid = reported_with_photo(phone, data)
    path = start_upload(api, phone.headers, pid, data)
    body = {
        "content": data,
        "headers": {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
    }

    forged = api.patch(
        path, content=data, headers={**body["headers"], "Authorization": "Bearer forged"}
    )
    someone_else = api.patch(
        path, content=data, headers={**body["headers"], **backup_worker.headers(api)}
    )
    unversioned = api.patch(
        path,
        content=data,
        headers={
            **phone.headers,
            "Upload-Offset": "0",
            "Content-Type": "application/offset+octet-stream",
        },
    )

    assert (forged.status_code, someone_else.status_code, unversioned.status_code) == (
        401,
        404,
        412,
    )
    assert offset_of(api, phone.headers, path) == 0
    assert parts_kept(path.rsplit("/", 1)[1]) == []


def test_abandoned_uploads_expire_and_their_bytes_are_removed(api, db, phone):
    data = jpeg(800, 600)
    _rid, pid = reported_with_photo(phone, data)
    path = start_upload(api, phone.headers, pid, data)
    upload_id = path.rsplit("/", 1)[1]
    options = api.options("/api/v1/uploads/")
    assert "expiration" in options.headers["Tus-Extension"]

    with db() as session:
        session.execute(
            update(Upload)
            .where(Upload.id == upload_id)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    assert api.head(path, headers={**phone.headers, **TUS}).status_code == 410
    with db() as session:
        assert expire_abandoned_uploads(session, get_settings()) == 1
    assert parts_kept(upload_id) == []


def test_a_photo_sent_with_the_request_that_creates_its_upload_lands_on_its_hazard(
    api, phone, photo_store
):
    """tus creation-with-upload: the bytes in the creating POST, as tus-js-client sends them
    with `uploadDataDuringCreation`."""
    data = jpeg(800, 600)
    rid, pid = reported_with_photo(phone, data)
    created = api.post(
        "/api/v1/uploads/",
        content=data,
        headers={
            **phone.headers,
            **TUS,
            "Upload-Length": str(len(data)),
            "Upload-Metadata": f"photo_id {b64(pid)},sha256 {b64(hashlib.sha256(data).hexdigest())}",
            "Content-Type": "application/offset+octet-stream",
        },
    )
    assert created.status_code == 201, created.text
    assert created.headers["Upload-Offset"] == str(len(data))
    phone.sync()
    assert phone.get("photos", pid)["state"] == "stored"
    assert json.loads(phone.get("hazards", rid)["missing_photos"]) == []


def test_a_record_and_its_bytes_committed_at_the_same_moment_still_meet(
    api, db, phone, grid_worker
):
    """The push that brings a photo's record and the upload that brings its last bytes commit
    together: each looked for the other before the other had committed. One of them must wait
    for the other, or the photo waits for ever and the hazard misses it."""
    import threading

    from backend.core.db import session_scope
    from offline_sync import delivery, uploads
    from offline_sync.enums import UploadState
    from offline_sync.models import DevicePhoto

    data = jpeg(800, 600)
    sha = hashlib.sha256(data).hexdigest()
    rid = phone.create("hazard_reports", device_report())
    phone.sync()
    pid = uuid.uuid4()
    upload_id = start_upload(api, phone.headers, str(pid), data).rstrip("/").rsplit("/", 1)[-1]

    # The push: the record is in, and no finished upload is to be seen yet.
    push = session_scope()
    pushing = push.__enter__()
    pushing.add(
        DevicePhoto(
            id=pid,
            user_id=grid_worker.id,
            hazard_id=uuid.UUID(rid),
            kind="before",
            sha256=sha,
            size=len(data),
            state="pending",
        )
    )
    pushing.flush()
    assert delivery.deliver(pushing, pid, get_settings()) is False

    # Meanwhile the last bytes: the upload completes and looks for its record.
    def last_bytes() -> None:
        with session_scope() as session:
            upload = session.get(Upload, upload_id)
            upload.state = UploadState.COMPLETE.value
            session.flush()
            uploads.finish(session, upload, data, get_settings())

    uploading = threading.Thread(target=last_bytes)
    uploading.start()
    uploading.join(timeout=1.0)  # it waits for the push to end (or, unfixed, ends blind)
    push.__exit__(None, None, None)  # the push commits
    uploading.join(timeout=30)
    assert not uploading.is_alive()

    with db() as session:
        assert session.get(DevicePhoto, pid).state == "stored"
    listed = api.get(f"/api/v1/hazards/{rid}/photos", headers=phone.headers).json()
    assert [p["sha256"] for p in listed] == [sha]
