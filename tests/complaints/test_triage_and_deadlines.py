"""Complaints that cannot route themselves, and complaints whose deadlines pass."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from backend.core.settings import get_settings
from tests.world import complaint_body, send_complaint


def act(api, headers, complaint_id, expect=200, **body):
    response = api.post(f"/api/v1/complaints/{complaint_id}/actions", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


def sweep(db, at: datetime) -> int:
    from complaints.scheduled import remind_and_escalate_overdue_complaints

    with db() as session:
        return remind_and_escalate_overdue_complaints(session, get_settings(), now=at)


def pushes(db, kind: str) -> list:
    from backend.notify.models import OutboxMessage

    with db() as session:
        return [
            m.user_id
            for m in session.scalars(select(OutboxMessage).order_by(OutboxMessage.created_at))
            if m.data.get("kind") == kind
        ]


def test_an_address_only_complaint_waits_in_its_townships_triage_and_routes_once_placed(
    api, hotline, grid_worker, station_staff, other_station_staff
):
    body = complaint_body(location=None, address="测试township990101001 幸福路12号 小吃店后门")
    complaint = send_complaint(api, hotline, body).json()
    assert complaint["state"] == "received" and complaint["assignee_id"] is None
    assert complaint["area_code"] == "990101001" and complaint["route_status"] == "address"

    staff = station_staff.headers(api)
    triage = api.get("/api/v1/complaints", params={"triage": True}, headers=staff).json()
    assert [c["id"] for c in triage] == [complaint["id"]]
    other = api.get(
        "/api/v1/complaints", params={"triage": True}, headers=other_station_staff.headers(api)
    )
    assert other.json() == []

    placed = api.post(
        f"/api/v1/complaints/{complaint['id']}/location",
        json={"location": {"lng": 109.4105, "lat": 24.3502, "crs": "gcj02"}},
        headers=staff,
    )
    assert placed.status_code == 200, placed.text
    assert placed.json()["state"] == "dispatched"
    assert placed.json()["assignee_id"] == str(grid_worker.id)
    assert placed.json()["crs"] == "gcj02"
    assert api.get("/api/v1/complaints", params={"triage": True}, headers=staff).json() == []


def test_an_address_naming_no_known_place_waits_at_the_partners_area(api, hotline, brigade_staff):
    complaint = send_complaint(
        api, hotline, complaint_body(location=None, address="某某路88号")
    ).json()
    assert complaint["state"] == "received"
    assert complaint["area_code"] == "990101" and complaint["route_status"] == "none"
    queue = api.get(
        "/api/v1/complaints", params={"triage": True}, headers=brigade_staff.headers(api)
    )
    assert [c["id"] for c in queue.json()] == [complaint["id"]]


def test_a_point_outside_the_partners_area_is_kept_but_triaged(
    api, hotline, brigade_staff, grid_worker
):
    far = complaint_body(location={"lng": 108.0, "lat": 22.0, "crs": "wgs84"}, address="")
    complaint = send_complaint(api, hotline, far).json()
    assert complaint["state"] == "received" and complaint["lng"] == 108.0
    assert complaint["area_code"] == "990101"


def test_a_returned_complaint_goes_back_to_triage_and_leaves_the_workers_list(
    api, db, hotline, grid_worker, backup_worker, station_staff
):
    cid = send_complaint(api, hotline, complaint_body()).json()["id"]
    worker = grid_worker.headers(api)
    refused = act(api, worker, cid, expect=422, action="return")
    assert "note" in refused["detail"]
    returned = act(api, worker, cid, action="return", note="不是我的网格，店在隔壁网格")
    assert returned["state"] == "received" and returned["assignee_id"] is None
    assert returned["return_reason"].startswith("不是我的网格")
    assert api.get("/api/v1/complaints", headers=worker).json() == []
    staff = station_staff.headers(api)
    assert pushes(db, "complaint.triage")[-1] == station_staff.id
    dispatched = act(api, staff, cid, action="dispatch", assignee_id=str(backup_worker.id))
    assert dispatched["state"] == "dispatched" and dispatched["assignee_id"] == str(
        backup_worker.id
    )
    assert [
        c["id"] for c in api.get("/api/v1/complaints", headers=backup_worker.headers(api)).json()
    ] == [cid]
    not_a_worker = act(
        api, staff, cid, expect=422, action="dispatch", assignee_id=str(station_staff.id)
    )
    assert "grid workers" in not_a_worker["detail"]


def test_a_missed_signing_deadline_reminds_the_worker_then_tells_the_township_then_the_county(
    api, db, hotline, grid_worker, station_staff, brigade_staff
):
    complaint = send_complaint(api, hotline, complaint_body()).json()
    sign_due = datetime.fromisoformat(complaint["sign_due_at"])
    assert complaint["stage"] == "sign" and complaint["due_at"] == complaint["sign_due_at"]

    assert sweep(db, sign_due - timedelta(minutes=1)) == 0  # not yet
    assert sweep(db, sign_due + timedelta(minutes=1)) == 1
    assert pushes(db, "complaint.reminded") == [grid_worker.id]
    assert sweep(db, sign_due + timedelta(minutes=2)) == 0  # reminded once
    # One working day later (2026-11-24 is a Tuesday; by Thursday morning at the latest).
    assert sweep(db, sign_due + timedelta(days=3)) == 1
    assert pushes(db, "complaint.escalated") == [station_staff.id]
    assert sweep(db, sign_due + timedelta(days=10)) == 1
    assert pushes(db, "complaint.escalated") == [station_staff.id, brigade_staff.id]
    assert sweep(db, sign_due + timedelta(days=30)) == 0  # nobody higher

    staff = station_staff.headers(api)
    seen = api.get(f"/api/v1/complaints/{complaint['id']}", headers=staff).json()
    assert seen["escalation"] == 2
    actions = [
        e["action"]
        for e in api.get(f"/api/v1/complaints/{complaint['id']}/timeline", headers=staff).json()
    ]
    assert actions[-3:] == ["complaint.reminded", "complaint.escalated", "complaint.escalated"]
    # Signing at last starts the next deadline's clock; nothing more is due for the old one.
    signed = act(api, grid_worker.headers(api), complaint["id"], action="sign")
    assert signed["stage"] == "verify" and signed["due_at"] == signed["verify_due_at"]


def test_a_step_taken_in_time_is_not_reminded(api, db, hotline, grid_worker):
    complaint = send_complaint(api, hotline, complaint_body()).json()
    act(api, grid_worker.headers(api), complaint["id"], action="sign")
    sign_due = datetime.fromisoformat(complaint["sign_due_at"])
    verify_due = datetime.fromisoformat(complaint["verify_due_at"])
    assert sweep(db, min(sign_due, verify_due) - timedelta(seconds=1)) == 0
    assert pushes(db, "complaint.reminded") == []


def test_an_urgent_complaint_must_be_checked_within_24_hours_and_others_within_3_working_days(
    api, hotline, grid_worker
):
    tuesday = "2026-11-24T09:15:00+08:00"
    urgent = send_complaint(api, hotline, complaint_body(received_at=tuesday)).json()
    received = datetime.fromisoformat(tuesday)
    assert datetime.fromisoformat(urgent["verify_due_at"]) <= received + timedelta(hours=24)
    ordinary = send_complaint(
        api,
        hotline,
        complaint_body(
            "12345-2026-000002", text="小区里有人在楼道给电动车充电", received_at=tuesday
        ),
    ).json()
    assert ordinary["category"] == "ebike_indoor" and ordinary["urgent"] is False
    # Tuesday 24 Nov + 3 working days: the end of Friday 27 Nov, Beijing time.
    assert datetime.fromisoformat(ordinary["verify_due_at"]) == datetime.fromisoformat(
        "2026-11-28T00:00:00+08:00"
    )
    given = send_complaint(
        api,
        hotline,
        complaint_body(
            "12345-2026-000003", received_at=tuesday, hotline_deadline="2026-11-26T18:00:00+08:00"
        ),
    ).json()
    assert datetime.fromisoformat(given["reply_due_at"]) == datetime.fromisoformat(
        "2026-11-26T18:00:00+08:00"
    )


def test_an_extension_asked_in_time_and_approved_moves_the_deadline(
    api, db, hotline, grid_worker, station_staff, partner_hotline
):
    from tests.complaints.conftest import callbacks_to

    callbacks_to(db, hotline, partner_hotline.url)
    complaint = send_complaint(api, hotline, complaint_body(text="小区楼道里堆放了很多纸箱")).json()
    worker = grid_worker.headers(api)
    act(api, worker, complaint["id"], action="sign")
    asked = api.post(
        f"/api/v1/complaints/{complaint['id']}/extensions",
        json={"working_days": 2, "reason": "业主出差，需约时间入户核查"},
        headers=worker,
    )
    assert asked.status_code == 201, asked.text
    twice = api.post(
        f"/api/v1/complaints/{complaint['id']}/extensions",
        json={"working_days": 2, "reason": "again"},
        headers=worker,
    )
    assert twice.status_code == 409
    worker_cannot_decide = api.post(
        f"/api/v1/complaints/extensions/{asked.json()['id']}/decision",
        json={"approve": True},
        headers=worker,
    )
    assert worker_cannot_decide.status_code == 403
    decided = api.post(
        f"/api/v1/complaints/extensions/{asked.json()['id']}/decision",
        json={"approve": True, "note": "同意"},
        headers=station_staff.headers(api),
    )
    assert decided.status_code == 200 and decided.json()["state"] == "approved"
    after = api.get(f"/api/v1/complaints/{complaint['id']}", headers=worker).json()
    old, new = (
        datetime.fromisoformat(x) for x in (complaint["verify_due_at"], after["verify_due_at"])
    )
    assert new - old >= timedelta(days=2)
    assert after["due_at"] == after["verify_due_at"]
    from complaints.models import HotlineCallback

    with db() as session:
        events = session.scalars(select(HotlineCallback.event).order_by(HotlineCallback.seq)).all()
    assert events == ["dispatched", "signed", "extended"]


def test_an_extension_cannot_be_asked_once_the_deadline_has_passed(api, db, hotline, grid_worker):
    from complaints.models import Complaint

    complaint = send_complaint(api, hotline, complaint_body()).json()
    with db() as session:
        row = session.get(Complaint, __import__("uuid").UUID(complaint["id"]))
        row.sign_due_at = row.alarm_at = datetime.fromisoformat("2026-11-01T00:00:00+08:00")
    late = api.post(
        f"/api/v1/complaints/{complaint['id']}/extensions",
        json={"working_days": 1, "reason": "太忙"},
        headers=grid_worker.headers(api),
    )
    assert late.status_code == 409 and "passed" in late.json()["detail"]
