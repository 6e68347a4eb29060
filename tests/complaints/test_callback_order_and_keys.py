"""A hotline hears a complaint's steps in order, all that are due in one worker pass, numbered
from 1, each with the deadline of its stage; its callback key survives a new address and is
rotated with an overlap in which both keys sign."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

from backend.core.db import utcnow
from backend.core.security import sign
from backend.core.settings import get_settings
from tests.complaints.conftest import callbacks_to
from tests.world import complaint_body, send_complaint


def one_pass(db, at=None):
    from complaints.scheduled import deliver_hotline_callbacks

    with db() as session:
        return deliver_hotline_callbacks(session, get_settings(), now=at or utcnow())


def act(api, headers, cid, **body):
    response = api.post(f"/api/v1/complaints/{cid}/actions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def same_moment(a: str | None, b: str | None) -> bool:
    return a == b or (
        a is not None and b is not None and datetime.fromisoformat(a) == datetime.fromisoformat(b)
    )


def signed_by(secret: str, headers: dict, body: bytes, path: str, which: str = "") -> bool:
    expected = sign(
        secret, "POST", path, headers["x-firegrid-timestamp"], headers["x-firegrid-nonce"], body
    )
    return headers[f"x-firegrid-{which}signature"] == expected


def test_five_steps_reach_the_hotline_in_one_pass_numbered_from_1_with_their_stage_deadlines(
    api, db, hotline, grid_worker, station_staff, partner_hotline
):
    callbacks_to(db, hotline, partner_hotline.url)
    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    worker = grid_worker.headers(api)
    seen = {"dispatched": api.get(f"/api/v1/complaints/{cid}", headers=worker).json()}
    seen["signed"] = act(api, worker, cid, action="sign")
    seen["verifying"] = act(api, worker, cid, action="verify", finding="hazard_found", note="属实")
    seen["replied"] = act(api, worker, cid, action="reply", reply="已责令整改")
    seen["closed"] = act(api, station_staff.headers(api), cid, action="close")

    assert one_pass(db) == 5  # not one step per pass: the hotline's own clock is running
    assert partner_hotline.events() == ["dispatched", "signed", "verifying", "replied", "closed"]
    payloads = [json.loads(body) for _, body, _ in partner_hotline.accepted]
    assert [p["sequence"] for p in payloads] == [1, 2, 3, 4, 5]
    stage_deadline = {"sign": "sign_due_at", "verify": "verify_due_at", "reply": "reply_due_at"}
    assert [p["stage"] for p in payloads] == ["sign", "verify", "reply", "reply", "reply"]
    for payload in payloads:
        complaint = seen[payload["event"]]
        assert same_moment(payload["deadline"], complaint[stage_deadline[payload["stage"]]])
        assert same_moment(payload["reply_deadline"], complaint["reply_due_at"])
    assert payloads[0]["deadline"] != payloads[0]["reply_deadline"]  # signing is due first


def test_a_refused_callback_stops_its_complaint_and_the_rest_follow_in_order(
    api, db, hotline, grid_worker, partner_hotline
):
    partner_hotline.fail_first = 1
    callbacks_to(db, hotline, partner_hotline.url)
    first = send_complaint(api, hotline, complaint_body()).json()["id"]
    act(api, grid_worker.headers(api), first, action="sign")
    now = utcnow()

    assert one_pass(db, now) == 0
    assert partner_hotline.calls == 1  # "signed" did not overtake the refused "dispatched"
    assert one_pass(db, now + timedelta(seconds=10)) == 0  # its retry is not due yet
    assert one_pass(db, now + timedelta(seconds=31)) == 2
    assert partner_hotline.events() == ["dispatched", "signed"]
    assert [json.loads(b)["sequence"] for _, b, _ in partner_hotline.accepted] == [1, 2]


def test_a_new_callback_address_keeps_the_key_the_partner_checks(
    api, db, hotline, admin, grid_worker, partner_hotline
):
    root = admin.headers(api)
    path = f"/api/v1/hotline/partners/{hotline.username}/callback"
    first = api.put(path, json={"callback_url": "https://old.example.gov.cn/cb"}, headers=root)
    assert first.status_code == 200, first.text
    secret, key_id = first.json()["secret"], first.json()["key_id"]
    assert secret and key_id.startswith("fgc_")

    moved = api.put(path, json={"callback_url": partner_hotline.url}, headers=root)
    assert moved.status_code == 200, moved.text
    assert moved.json()["key_id"] == key_id and moved.json()["secret"] is None

    sent = send_complaint(api, hotline, complaint_body())
    assert sent.status_code == 201, sent.text
    one_pass(db)
    [(headers, body, got_path)] = partner_hotline.accepted
    assert headers["x-firegrid-key-id"] == key_id
    assert signed_by(secret, headers, body, got_path)


def test_a_rotated_callback_key_signs_alongside_the_old_one_until_the_overlap_ends(
    api, db, hotline, admin, grid_worker, partner_hotline
):
    root = admin.headers(api)
    old_secret = callbacks_to(db, hotline, partner_hotline.url)
    rotate = f"/api/v1/hotline/partners/{hotline.username}/callback/rotate"
    assert (
        api.post(rotate, json={"overlap_hours": 24}, headers=grid_worker.headers(api)).status_code
        == 403
    )
    assert api.post(rotate, json={"overlap_hours": -1}, headers=root).status_code == 422
    rotated = api.post(rotate, json={"overlap_hours": 24}, headers=root)
    assert rotated.status_code == 200, rotated.text
    new = rotated.json()
    assert new["secret"] and new["previous_key_id"] and new["previous_key_id"] != new["key_id"]

    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    one_pass(db)  # within the overlap: the old key as before, and the new one beside it
    [(headers, body, path)] = partner_hotline.accepted
    assert headers["x-firegrid-key-id"] == new["previous_key_id"]
    assert signed_by(old_secret, headers, body, path)
    assert headers["x-firegrid-next-key-id"] == new["key_id"]
    assert signed_by(new["secret"], headers, body, path, "next-")

    act(api, grid_worker.headers(api), cid, action="sign")
    one_pass(db, utcnow() + timedelta(hours=25))  # after the overlap: the new key alone
    headers, body, path = partner_hotline.accepted[-1]
    assert headers["x-firegrid-key-id"] == new["key_id"]
    assert signed_by(new["secret"], headers, body, path)
    assert "x-firegrid-next-signature" not in headers
    assert (
        api.post(
            "/api/v1/hotline/partners/nobody/callback/rotate", json={}, headers=root
        ).status_code
        == 404
    )
