"""A worker handles a complaint on the app's real sync client (WatermelonDB in Node), offline:
the complaint arrives with the grid's data, is signed, checked on site with a photo (the hazard
found becomes a hazard under an id the phone chose), answered, and the steps reach the server
and the hotline when the network returns."""

from __future__ import annotations

import hashlib
import io
import json
import time
import uuid
from datetime import timedelta

from tusclient import client as tus

from tests.complaints.conftest import callbacks_to
from tests.phones import Phone
from tests.world import complaint_body, jpeg, send_complaint


def test_a_complaint_signed_checked_and_answered_offline_reaches_the_server_and_the_hotline(
    phones, api, db, live_server, grid, grid_worker, station_staff, hotline, partner_hotline
):
    callbacks_to(db, hotline, partner_hotline.url)
    complaint = send_complaint(api, hotline, complaint_body()).json()
    other = send_complaint(api, hotline, complaint_body("12345-2026-000009")).json()

    phone: Phone = phones(grid_worker, "worker's phone")
    phone.sync()
    on_phone = phone.get("complaints", complaint["id"])
    assert (on_phone["state"], on_phone["stage"], on_phone["urgent"]) == (
        "dispatched",
        "sign",
        True,
    )
    assert on_phone["caller_phone"] == "138****1234"
    assert phone.get("complaints", other["id"]) is not None

    # Offline, on site.
    now = int(time.time() * 1000)
    phone.create("complaint_actions", complaint_id=complaint["id"], action="sign", acted_at=now)
    hazard_id = str(uuid.uuid4())  # chosen on the phone, so the hazard's photo can be declared
    phone.create(
        "complaint_actions",
        complaint_id=complaint["id"],
        action="verify",
        finding="hazard_found",
        note="后门安全出口锁闭，已拍照",
        hazard_id=hazard_id,
        lng=109.4101,
        lat=24.3501,
        crs="wgs84",
        acted_at=now + 1_000,
    )
    data = jpeg(640, 480)
    photo = phone.create(
        "photos",
        complaint_id=complaint["id"],
        kind="before",
        sha256=hashlib.sha256(data).hexdigest(),
        size=len(data),
        taken_at=now,
    )
    phone.create(
        "complaint_actions",
        complaint_id=complaint["id"],
        action="reply",
        reply="已责令店主打开安全出口，隐患已登记跟踪整改",
        acted_at=now + 2_000,
    )
    refused = phone.create(
        "complaint_actions", complaint_id=complaint["id"], action="close", acted_at=now + 3_000
    )
    phone.create(
        "complaint_actions",
        complaint_id=other["id"],
        action="return",
        note="地址在隔壁网格",
        acted_at=now,
    )

    # The network returns.
    phone.sync()
    token = grid_worker.sign_in(api)["access_token"]
    tus.TusClient(
        f"{live_server}/api/v1/uploads/", headers={"Authorization": f"Bearer {token}"}
    ).uploader(
        file_stream=io.BytesIO(data),
        chunk_size=len(data),
        metadata={"photo_id": photo, "sha256": hashlib.sha256(data).hexdigest()},
    ).upload()
    phone.sync()

    seen = phone.get("complaints", complaint["id"])
    assert (seen["state"], seen["hazard_id"]) == ("replied", hazard_id)
    steps = {a["action"]: a for a in phone.all("complaint_actions")}
    assert {k: v["status"] for k, v in steps.items()} == {
        "sign": "applied",
        "verify": "applied",
        "reply": "applied",
        "close": "refused",
        "return": "applied",
    }
    assert "station_staff" not in (steps["close"]["reason"] or "") and steps["close"]["reason"]
    assert phone.get("complaint_actions", refused)["status"] == "refused"
    assert phone.get("photos", photo)["state"] == "stored"
    assert phone.get("complaints", other["id"]) is None  # returned: off the phone
    assert phone.get("hazards", hazard_id)["state"] == "confirmed"

    staff = station_staff.headers(api)
    photos = api.get(f"/api/v1/complaints/{complaint['id']}/photos", headers=staff).json()
    assert [p["sha256"] for p in photos] == [hashlib.sha256(data).hexdigest()]
    assert api.get(f"/api/v1/complaints/{other['id']}", headers=staff).json()["state"] == "received"
    closed = api.post(
        f"/api/v1/complaints/{complaint['id']}/actions", json={"action": "close"}, headers=staff
    )
    assert closed.json()["state"] == "closed"

    from backend.core.db import utcnow
    from backend.core.settings import get_settings
    from complaints.scheduled import deliver_hotline_callbacks

    for step in range(8):
        with db() as session:
            deliver_hotline_callbacks(
                session, get_settings(), now=utcnow() + timedelta(minutes=step)
            )
    mine = [
        json.loads(body)["event"]
        for _, body, _ in partner_hotline.accepted
        if complaint["id"] in body.decode()
    ]
    assert mine == ["dispatched", "signed", "verifying", "replied", "closed"]
