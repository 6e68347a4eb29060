"""Callbacks a partner never takes, and rewards for reporters."""

from __future__ import annotations

from datetime import timedelta

from backend.core.db import utcnow
from backend.core.settings import get_settings
from tests.complaints.conftest import callbacks_to
from tests.world import complaint_body, send_complaint


def deliver(db, at):
    from complaints.scheduled import deliver_hotline_callbacks

    with db() as session:
        return deliver_hotline_callbacks(session, get_settings(), now=at)


def test_a_callback_refused_for_24_hours_is_dead_lettered_holds_those_behind_it_and_replays(
    api, db, hotline, grid_worker, admin, partner_hotline
):
    partner_hotline.fail_first = 10**6  # down for good, for now
    callbacks_to(db, hotline, partner_hotline.url)
    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    api.post(
        f"/api/v1/complaints/{cid}/actions",
        json={"action": "sign"},
        headers=grid_worker.headers(api),
    )

    start = utcnow()
    moments = [start + timedelta(minutes=m) for m in range(0, 26 * 60, 10)]
    for moment in moments:
        deliver(db, moment)
    tries = partner_hotline.calls
    # Backoff: 30 s doubling up to an hour apart, for 24 hours: about 30 calls, not one per pass.
    assert 20 <= tries <= 35 < len(moments)
    assert partner_hotline.accepted == []

    root = admin.headers(api)
    dead = api.get("/api/v1/hotline/callbacks", headers=root).json()
    assert [(d["event"], d["status"]) for d in dead] == [("dispatched", "dead")]
    assert "503" in dead[0]["last_error"]
    pending = api.get(
        "/api/v1/hotline/callbacks", params={"status": "pending"}, headers=root
    ).json()
    assert [p["event"] for p in pending] == ["signed"]  # held behind the dead one, never tried
    assert api.get("/api/v1/hotline/callbacks", headers=grid_worker.headers(api)).status_code == 403

    partner_hotline.fail_first = 0  # the partner is back
    replayed = api.post(f"/api/v1/hotline/callbacks/{dead[0]['id']}/replay", headers=root)
    assert replayed.status_code == 200 and replayed.json()["status"] == "pending"
    again = api.post(f"/api/v1/hotline/callbacks/{dead[0]['id']}/replay", headers=root)
    assert again.status_code == 409
    later = utcnow()
    deliver(db, later)
    deliver(db, later + timedelta(seconds=1))
    assert partner_hotline.events() == ["dispatched", "signed"]


def verify_hazard(api, worker, cid, **extra):
    api.post(f"/api/v1/complaints/{cid}/actions", json={"action": "sign"}, headers=worker)
    response = api.post(
        f"/api/v1/complaints/{cid}/actions",
        json={"action": "verify", "finding": "hazard_found", "note": "属实", **extra},
        headers=worker,
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_the_first_real_name_reporter_of_a_confirmed_hazard_is_rewarded_once_approved_and_paid(
    api, db, hotline, grid_worker, station_staff
):
    worker = grid_worker.headers(api)
    first = send_complaint(api, hotline, complaint_body("12345-A")).json()
    second = send_complaint(
        api, hotline, complaint_body("12345-B", caller={"name": "李四", "phone": "13900001111"})
    ).json()
    verify_hazard(api, worker, first["id"])
    verify_hazard(api, worker, second["id"])  # the same hazard again, a few metres on

    staff = station_staff.headers(api)
    rewards = api.get("/api/v1/complaints/rewards", headers=staff).json()
    assert len(rewards) == 1
    reward = rewards[0]
    assert reward["complaint_id"] == first["id"] and reward["state"] == "eligible"
    assert reward["amount_yuan"] == 200 and reward["tier"] == "ordinary"
    assert reward["caller_phone"] == "138****1234"

    paid_too_early = api.post(
        f"/api/v1/complaints/rewards/{reward['id']}/payment", json={"reference": "X"}, headers=staff
    )
    assert paid_too_early.status_code == 409
    approved = api.post(
        f"/api/v1/complaints/rewards/{reward['id']}/decision", json={"approve": True}, headers=staff
    )
    assert approved.json()["state"] == "approved"
    paid = api.post(
        f"/api/v1/complaints/rewards/{reward['id']}/payment",
        json={"reference": "财政支付 2026-1124-001"},
        headers=staff,
    )
    assert paid.json()["state"] == "paid" and paid.json()["paid_at"]
    assert api.get("/api/v1/complaints/rewards", headers=worker).status_code == 403


def test_anonymous_reports_are_handled_but_not_rewarded(api, hotline, grid_worker, station_staff):
    anonymous = complaint_body("12345-ANON", anonymous=True, caller=None)
    complaint = send_complaint(api, hotline, anonymous).json()
    assert complaint["caller_phone"] is None
    verified = verify_hazard(api, grid_worker.headers(api), complaint["id"])
    assert verified["hazard_id"]
    assert api.get("/api/v1/complaints/rewards", headers=station_staff.headers(api)).json() == []


def test_fire_staff_and_their_relatives_are_excluded(api, hotline, grid_worker, brigade_staff):
    registered = api.post(
        "/api/v1/complaints/reward-exclusions",
        json={"phone": "+86 138-1234-1234", "relation": "relative", "note": "大队干部配偶"},
        headers=brigade_staff.headers(api),
    )
    assert registered.status_code == 201 and registered.json()["masked_phone"] == "138****1234"
    worker_may_not = api.post(
        "/api/v1/complaints/reward-exclusions",
        json={"phone": "13800000000", "relation": "staff", "note": "x"},
        headers=grid_worker.headers(api),
    )
    assert worker_may_not.status_code == 403
    complaint = send_complaint(api, hotline, complaint_body("12345-REL")).json()
    verify_hazard(api, grid_worker.headers(api), complaint["id"])
    rewards = api.get("/api/v1/complaints/rewards", headers=brigade_staff.headers(api)).json()
    assert [(r["state"], r["amount_yuan"]) for r in rewards] == [("excluded", 0)]
    assert "relative" in rewards[0]["reason"]


def test_a_hazard_already_known_from_a_patrol_rewards_nobody(
    api, hotline, grid_worker, station_staff
):
    from tests.world import hazard_body

    worker = grid_worker.headers(api)
    known = api.post(
        "/api/v1/hazards",
        json=hazard_body(category="exit_blocked", description="后门锁闭", lng=109.41, lat=24.35),
        headers=worker,
    )
    assert known.status_code == 201
    later = utcnow().isoformat()  # the hotline heard of it after the patrol found it
    complaint = send_complaint(api, hotline, complaint_body("12345-LATE", received_at=later)).json()
    verify_hazard(api, worker, complaint["id"])
    assert api.get("/api/v1/complaints/rewards", headers=station_staff.headers(api)).json() == []


def test_staff_may_see_who_called_and_the_look_is_recorded(
    api, hotline, grid_worker, station_staff
):
    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    assert (
        api.get(f"/api/v1/complaints/{cid}/caller", headers=grid_worker.headers(api)).status_code
        == 403
    )
    staff = station_staff.headers(api)
    caller = api.get(f"/api/v1/complaints/{cid}/caller", headers=staff).json()
    assert caller == {"name": "张三", "phone": "13812341234"}
    timeline = api.get(f"/api/v1/complaints/{cid}/timeline", headers=staff).json()
    assert timeline[-1]["action"] == "complaint.caller_viewed"
    assert "13812341234" not in str(timeline)
