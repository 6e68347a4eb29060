"""A hotline complaint from intake to the callback 回访, with the hotline told every step."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import func, select

from backend.core.db import utcnow
from backend.core.security import sign
from backend.core.settings import get_settings
from tests.complaints.conftest import callbacks_to, hotline_call
from tests.world import complaint_body, jpeg, send_complaint


def count(db, model) -> int:
    with db() as session:
        return session.scalar(select(func.count()).select_from(model))


def act(api, headers, complaint_id, **body):
    response = api.post(f"/api/v1/complaints/{complaint_id}/actions", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


def deliver_until_done(db, passes=40):
    """Run the worker's callback job as time goes by, an hour between passes."""
    from complaints.scheduled import deliver_hotline_callbacks

    moment = utcnow()
    for _ in range(passes):
        with db() as session:
            deliver_hotline_callbacks(session, get_settings(), now=moment)
        moment += timedelta(hours=1)


def test_a_12345_complaint_goes_to_the_on_duty_worker_and_the_hotline_hears_each_step_once(
    api, db, hotline, grid_worker, station_staff, partner_hotline
):
    partner_hotline.fail_first = 3  # the partner is down for the first calls
    secret = callbacks_to(db, hotline, partner_hotline.url)

    received = send_complaint(api, hotline, complaint_body())
    assert received.status_code == 201, received.text
    complaint = received.json()
    assert complaint["state"] == "dispatched"
    assert complaint["assignee_id"] == str(grid_worker.id)
    assert complaint["category"] == "exit_blocked" and complaint["urgent"] is True
    assert complaint["caller_phone"] == "138****1234"
    assert "张三" not in received.text and "13812341234" not in received.text

    worker = grid_worker.headers(api)
    mine = api.get("/api/v1/complaints", headers=worker).json()
    assert [c["id"] for c in mine] == [complaint["id"]]
    cid = complaint["id"]
    assert act(api, worker, cid, action="sign")["state"] == "signed"
    photo = api.post(
        f"/api/v1/complaints/{cid}/photos",
        content=jpeg(800, 600),
        headers={**worker, "Content-Type": "image/jpeg"},
    )
    assert photo.status_code == 201, photo.text
    verified = act(
        api, worker, cid, action="verify", finding="hazard_found", note="后门安全出口锁闭属实"
    )
    assert verified["state"] == "verifying" and verified["hazard_id"]
    hazard = api.get(f"/api/v1/hazards/{verified['hazard_id']}", headers=worker).json()
    assert hazard["source"] == "complaint" and hazard["state"] == "confirmed"
    assert hazard["category"] == "exit_blocked"
    photos = api.get(f"/api/v1/complaints/{cid}/photos", headers=worker).json()
    assert [p["sha256"] for p in photos] == [photo.json()["sha256"]]
    replied = act(api, worker, cid, action="reply", reply="已责令店主当场打开安全出口并清理杂物")
    assert replied["state"] == "replied"
    closed = act(api, station_staff.headers(api), cid, action="close")
    assert closed["state"] == "closed"
    satisfied = hotline_call(
        api,
        hotline,
        "POST",
        "/api/v1/hotline/complaints/12345/12345-2026-000001/callback-result",
        {"satisfied": True},
    )
    assert satisfied.status_code == 200, satisfied.text
    assert satisfied.json()["state"] == "callback_done"

    period = satisfied.json()["received_at"][:7]
    month = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": period},
        headers=station_staff.headers(api),
    ).json()
    [counted] = month["workers"]
    assert (
        counted["complaints"],
        counted["complaints_signed_on_time"],
        counted["complaints_replied_on_time"],
    ) == (1, 1, 1)

    deliver_until_done(db)
    assert partner_hotline.events() == ["dispatched", "signed", "verifying", "replied", "closed"]
    deliveries = set()
    for headers, body, path in partner_hotline.accepted:
        expected = sign(
            secret,
            "POST",
            path,
            headers["x-firegrid-timestamp"],
            headers["x-firegrid-nonce"],
            body,
        )
        assert headers["x-firegrid-signature"] == expected
        payload = json.loads(body)
        assert payload["external_id"] == "12345-2026-000001"
        assert payload["occurred_at"].endswith("+08:00")
        assert "13812341234" not in body.decode()
        deliveries.add(headers["x-firegrid-delivery"])
    assert len(deliveries) == 5
    assert json.loads(partner_hotline.accepted[3][1])["reply"].startswith("已责令")

    timeline = api.get(f"/api/v1/complaints/{cid}/timeline", headers=station_staff.headers(api))
    assert [e["action"] for e in timeline.json()] == [
        "complaint.received",
        "complaint.dispatched",
        "complaint.sign",
        "complaint.photo_added",
        "complaint.reward_eligible",  # the caller gave their name: the first to report it
        "complaint.verify",
        "complaint.reply",
        "complaint.close",
        "complaint.callback_satisfied",
    ]


def test_the_same_complaint_twice_is_one_complaint_and_a_changed_body_is_refused(
    api, db, hotline, grid_worker
):
    from complaints.models import Complaint

    body = complaint_body()
    first = send_complaint(api, hotline, body)
    again = send_complaint(api, hotline, body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["id"] == first.json()["id"]
    changed = send_complaint(api, hotline, {**body, "text": "另一件事"})
    assert changed.status_code == 409
    assert changed.headers["content-type"].startswith("application/problem+json")
    assert "external_id" in changed.json()["detail"] or changed.json().get("field") == "external_id"
    assert count(db, Complaint) == 1


def test_a_complaint_with_a_bad_signature_writes_nothing(api, db, hotline, grid_worker):
    from backend.core.audit import AuditEvent
    from backend.identity.models import IntegrationNonce
    from complaints.models import Complaint

    events = count(db, AuditEvent)
    raw = json.dumps(complaint_body()).encode()
    path = "/api/v1/hotline/complaints"
    from tests.world import signed_headers

    headers = signed_headers(hotline, "POST", path, raw)
    headers["X-Firegrid-Signature"] = "0" * 64
    refused = api.post(path, content=raw, headers=headers)
    assert refused.status_code == 401
    assert "signature" in refused.json()["detail"]
    tampered = signed_headers(hotline, "POST", path, raw)
    refused = api.post(path, content=raw.replace(b"12345-2026", b"12345-2027"), headers=tampered)
    assert refused.status_code == 401
    assert count(db, Complaint) == 0
    assert count(db, IntegrationNonce) == 0
    assert count(db, AuditEvent) == events


def test_bad_intake_is_refused_saying_where(api, hotline, grid_worker):
    no_place = complaint_body(location=None, address="")
    refused = send_complaint(api, hotline, no_place)
    assert refused.status_code == 422
    assert "location or an address" in refused.text
    bad_channel = send_complaint(api, hotline, complaint_body(channel="110"))
    assert bad_channel.status_code == 422 and "channel" in bad_channel.text
    anonymous_named = send_complaint(api, hotline, complaint_body(anonymous=True))
    assert anonymous_named.status_code == 422 and "anonymous" in anonymous_named.text


def test_people_see_only_their_complaints(
    api, hotline, grid_worker, backup_worker, station_staff, other_station_staff, citizen
):
    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    assert (
        api.get(f"/api/v1/complaints/{cid}", headers=station_staff.headers(api)).status_code == 200
    )
    for outsider in (backup_worker, other_station_staff, citizen):
        response = api.get(f"/api/v1/complaints/{cid}", headers=outsider.headers(api))
        assert response.status_code == 404, outsider.username
    sign_for_them = api.post(
        f"/api/v1/complaints/{cid}/actions",
        json={"action": "sign"},
        headers=backup_worker.headers(api),
    )
    assert sign_for_them.status_code == 404
    staff_cannot_reply_before_verify = api.post(
        f"/api/v1/complaints/{cid}/actions",
        json={"action": "reply", "reply": "x"},
        headers=station_staff.headers(api),
    )
    assert staff_cannot_reply_before_verify.status_code == 409
    assert staff_cannot_reply_before_verify.json()["possible"] == ["dispatch", "return", "sign"]


def test_the_same_complaint_sent_twice_at_once_is_stored_once(
    api, db, hotline, grid_worker, live_server
):
    import httpx

    from complaints.models import Complaint
    from tests.world import at_once

    body = complaint_body()

    def send():
        with httpx.Client(base_url=live_server, timeout=30) as client:
            return send_complaint(client, hotline, body)

    answers = at_once(send, times=4)
    assert sorted(a.status_code for a in answers) == [200, 200, 200, 201]
    assert len({a.json()["id"] for a in answers}) == 1
    assert count(db, Complaint) == 1


def test_a_replayed_intake_request_is_refused(api, db, hotline, grid_worker):
    from complaints.models import Complaint
    from tests.world import signed_headers

    path = "/api/v1/hotline/complaints"
    raw = json.dumps(complaint_body(), ensure_ascii=False).encode()
    headers = signed_headers(hotline, "POST", path, raw)
    first = api.post(path, content=raw, headers=headers)
    replayed = api.post(path, content=raw, headers=headers)
    assert first.status_code == 201
    assert replayed.status_code == 401 and "replayed" in replayed.json()["detail"]
    assert count(db, Complaint) == 1


def test_a_revoked_key_is_refused_at_once_even_after_it_was_used(api, db, hotline, grid_worker):
    """The API process keeps a key's secret once read; revocation must still hold from the
    next request on, and store nothing."""
    from backend.core.audit import Actor
    from backend.identity import partners
    from backend.identity.models import IntegrationNonce
    from complaints.models import Complaint

    assert send_complaint(api, hotline, complaint_body(external_id="12345-A1")).status_code == 201
    with db() as session:
        partners.revoke_integration_key(session, hotline.key_id, Actor(id=None, role="ops"))
    nonces = count(db, IntegrationNonce)

    refused = send_complaint(api, hotline, complaint_body(external_id="12345-A2"))

    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]
    assert count(db, Complaint) == 1
    assert count(db, IntegrationNonce) == nonces


def test_intake_goes_on_when_its_database_connection_was_dropped(api, db, hotline, grid_worker):
    """The writer keeps one connection between groups; a restart of the database (here: the
    connection closed under it) must cost no complaint."""
    from complaints import intake
    from complaints.models import Complaint

    assert send_complaint(api, hotline, complaint_body(external_id="12345-D1")).status_code == 201
    intake._writer._connection.connection.dbapi_connection.close()

    again = send_complaint(api, hotline, complaint_body(external_id="12345-D2"))

    assert again.status_code == 201, again.text
    assert count(db, Complaint) == 2


def test_a_complaint_kept_waiting_is_answered_503_and_taken_once_when_sent_again(
    api, db, hotline, grid_worker, monkeypatch
):
    """While the database holds the writer up (here: another transaction holds the audit
    chain), the hotline hears 503 with Retry-After; sending the same complaint again is safe."""
    from sqlalchemy import update

    from backend.core.audit import AuditChainHead
    from complaints import intake
    from complaints.models import Complaint

    monkeypatch.setattr(intake, "WAIT_SECONDS", 0.5)
    body = complaint_body(external_id="12345-BUSY")
    with db() as session:
        session.execute(update(AuditChainHead).values(last_seq=AuditChainHead.last_seq))
        busy = send_complaint(api, hotline, body)
        session.rollback()

    again = send_complaint(api, hotline, body)

    assert busy.status_code == 503, busy.text
    assert busy.headers["Retry-After"] and "same external id" in busy.json()["detail"]
    assert again.status_code in (200, 201), again.text
    assert count(db, Complaint) == 1
