"""The inbox on phones: a worker offline for a day sees the day's messages after one sync, and
a read mark made offline reaches the server (WatermelonDB's own `synchronize()`, the real
client in Node); a first sync brings the unread and the last 30 days' read, not older ones."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from backend.notify import service
from backend.notify.enums import NotificationKind
from backend.notify.models import Notification
from offline_sync.client import Device
from tests.world import hazard_body


def test_a_worker_offline_for_a_day_sees_the_days_messages_after_one_sync(
    phones, api, db, grid, grid_worker, station_staff
):
    phone = phones(grid_worker, "worker's phone")
    phone.sync()
    assert phone.all("notifications") == []

    # The day goes by with the phone offline: a hazard reported in the grid, a complaint
    # dispatched, a prompt from the dispatch centre.
    reported = api.post("/api/v1/hazards", json=hazard_body(), headers=station_staff.headers(api))
    assert reported.status_code == 201, reported.text
    complaint, prompt = uuid.uuid4(), uuid.uuid4()
    with db() as session:
        service.push(
            session,
            [grid_worker.id],
            "新投诉工单",
            "楼道堆放杂物",
            {"complaint_id": str(complaint), "kind": "complaint.dispatched"},
        )
        service.push(
            session,
            [grid_worker.id],
            "春节前消防安全工作提示",
            "请重点检查。",
            {"prompt_id": str(prompt)},
            kind=NotificationKind.WORK_PROMPT,
        )

    phone.sync()  # back online: one sync

    arrived = sorted(phone.all("notifications"), key=lambda n: n["kind"])
    assert [(n["kind"], n["subject_type"], n["subject_id"]) for n in arrived] == [
        ("complaint_dispatched", "complaint", str(complaint)),
        ("hazard_reported", "hazard", reported.json()["id"]),
        ("work_prompt", "prompt", str(prompt)),
    ]
    assert all(n["read_at"] is None for n in arrived)

    # Read offline, then synced: the server has the mark, and the phone gets it back.
    complaint_note = next(n for n in arrived if n["kind"] == "complaint_dispatched")
    read_on_phone = int(datetime.now(UTC).timestamp() * 1000) - 60_000
    phone.create("notification_reads", notification_id=complaint_note["id"], read_at=read_on_phone)
    phone.sync()
    phone.sync()

    with db() as session:
        read = session.get(Notification, uuid.UUID(complaint_note["id"])).read_at
    assert abs(read.timestamp() * 1000 - read_on_phone) < 1000
    unread = api.get(
        "/api/v1/notifications", params={"unread": "true"}, headers=grid_worker.headers(api)
    ).json()
    assert unread["unread_count"] == 2
    assert complaint_note["id"] not in [n["id"] for n in unread["items"]]
    assert phone.get("notifications", complaint_note["id"])["read_at"] == int(
        read.timestamp() * 1000
    )


def test_a_read_mark_pushed_twice_or_for_someone_elses_notification_changes_nothing(
    live_server, db, grid, grid_worker, backup_worker
):
    with db() as session:
        service.push(session, [grid_worker.id, backup_worker.id], "t", "b", {})
    with db() as session:
        mine, theirs = (
            session.scalar(select(Notification.id).where(Notification.user_id == who.id))
            for who in (grid_worker, backup_worker)
        )
    phone = Device(live_server, grid_worker.username, grid_worker.password)
    try:
        phone.sync()
        phone.create("notification_reads", {"notification_id": str(mine)})
        phone.create("notification_reads", {"notification_id": str(theirs)})
        first = phone.sync()
        phone.create("notification_reads", {"notification_id": str(mine)})
        second = phone.sync()
    finally:
        phone.close()

    assert (first.push_answer["updated"], first.push_answer["unchanged"]) == (1, 1)
    assert (second.push_answer["updated"], second.push_answer["unchanged"]) == (0, 1)
    with db() as session:
        assert session.get(Notification, mine).read_at is not None
        assert session.get(Notification, theirs).read_at is None


def test_a_first_sync_brings_the_unread_and_the_last_30_days_read(
    live_server, db, grid, grid_worker
):
    with db() as session:
        service.push_many(
            session,
            [
                (grid_worker.id, title, "b", {})
                for title in ("old read", "old unread", "recent read")
            ],
        )
    with db() as session:
        rows = {n.title: n for n in session.scalars(select(Notification))}
        long_ago = datetime.now(UTC) - timedelta(days=40)
        rows["old read"].created_at = rows["old read"].read_at = long_ago
        rows["old unread"].created_at = long_ago
        rows["recent read"].read_at = datetime.now(UTC)

    phone = Device(live_server, grid_worker.username, grid_worker.password)
    try:
        phone.sync()
        titles = sorted(n["title"] for n in phone.all("notifications"))
    finally:
        phone.close()

    assert titles == ["old unread", "recent read"]
