"""Every message addressed to a person is also a row in their inbox: they page through it,
filter it, see how many are unread and mark one or all read, over the real HTTP server; nobody
reads or marks another's; reading a work prompt's notification is its read receipt."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.identity.enums import Role
from backend.notify import service
from backend.notify.enums import NotificationKind
from backend.notify.models import Notification, OutboxMessage
from tests.world import hazard_body, make_person

INBOX = "/api/v1/notifications"


def inbox(api, person, **query):
    answer = api.get(INBOX, params=query, headers=person.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_a_hazard_reported_in_the_workers_grid_lands_in_their_inbox_and_is_read_there(
    api, db, grid, grid_worker, station_staff
):
    reported = api.post("/api/v1/hazards", json=hazard_body(), headers=station_staff.headers(api))
    assert reported.status_code == 201, reported.text
    hazard_id = reported.json()["id"]

    mine = inbox(api, grid_worker)

    assert (mine["total"], mine["unread_count"]) == (1, 1)
    (note,) = mine["items"]
    assert note["kind"] == "hazard_reported"
    assert (note["subject_type"], note["subject_id"]) == ("hazard", hazard_id)
    assert note["title"] == "网格内新报隐患"  # as the caller gave it
    assert note["body"] == "楼道内电动车飞线充电（电动自行车违规停放充电）"  # the category in words
    assert note["read_at"] is None and note["urgent"] is False
    with db() as session:  # the push carries the inbox row
        (pushed,) = session.scalars(
            select(OutboxMessage).where(OutboxMessage.user_id == grid_worker.id)
        ).all()
        assert str(pushed.notification_id) == note["id"]

    read = api.post(f"{INBOX}/{note['id']}/read", headers=grid_worker.headers(api))
    assert read.status_code == 200, read.text
    assert read.json()["read_at"] is not None
    again = api.post(f"{INBOX}/{note['id']}/read", headers=grid_worker.headers(api))
    assert again.json()["read_at"] == read.json()["read_at"]  # the first reading counts
    assert inbox(api, grid_worker)["unread_count"] == 0
    assert inbox(api, station_staff)["total"] == 0  # the reporter is not told of their own


@pytest.fixture
def mixed_inbox(db, grid_worker):
    """Five messages of three kinds, oldest first."""
    hazard, complaint, task = uuid.uuid4(), uuid.uuid4(), uuid.uuid4()
    messages = [
        ({"hazard_id": str(hazard), "kind": "hazard.reported"}, None),
        ({"complaint_id": str(complaint), "kind": "complaint.dispatched"}, None),
        ({"hazard_id": str(hazard), "kind": "hazard.order_rectification"}, None),
        ({"hazard_id": str(hazard), "kind": "hazard.escalated"}, None),
        ({"patrol_task_id": str(task)}, NotificationKind.TASK_OVERDUE),
    ]
    for n, (data, kind) in enumerate(messages):
        with db() as session:
            service.push(session, [grid_worker.id], f"消息 {n}", "正文", data, kind=kind)
    return hazard, complaint, task


def test_the_inbox_pages_newest_first_and_filters_by_unread_kind_and_subject(
    api, grid_worker, mixed_inbox
):
    everything = inbox(api, grid_worker)
    assert [n["title"] for n in everything["items"]] == [f"消息 {n}" for n in (4, 3, 2, 1, 0)]
    assert [n["kind"] for n in everything["items"]] == [
        "task_overdue",
        "hazard_escalated",
        "hazard_step",
        "complaint_dispatched",
        "hazard_reported",
    ]
    assert [n["urgent"] for n in everything["items"]] == [True, True, False, False, False]

    second_page = inbox(api, grid_worker, limit=2, offset=2)
    assert [n["title"] for n in second_page["items"]] == ["消息 2", "消息 1"]
    assert (second_page["total"], second_page["unread_count"]) == (5, 5)

    hazards = inbox(api, grid_worker, subject_type="hazard")
    assert [n["title"] for n in hazards["items"]] == ["消息 3", "消息 2", "消息 0"]
    assert inbox(api, grid_worker, kind="complaint_dispatched")["total"] == 1
    assert inbox(api, grid_worker, subject_type="task")["items"][0]["subject_id"] == str(
        mixed_inbox[2]
    )

    # What was escalated to the person (the console's 紧急与督办 tab), and how much of it is unread.
    urgent = inbox(api, grid_worker, urgent="true")
    assert [n["title"] for n in urgent["items"]] == ["消息 4", "消息 3"]
    assert (urgent["total"], urgent["unread_count"], urgent["urgent_unread_count"]) == (2, 5, 2)
    assert inbox(api, grid_worker, urgent="false")["total"] == 3

    api.post(f"{INBOX}/{hazards['items'][0]['id']}/read", headers=grid_worker.headers(api))
    unread = inbox(api, grid_worker, unread="true")
    assert (unread["total"], unread["unread_count"]) == (4, 4)
    assert unread["urgent_unread_count"] == 1  # 消息 3, escalated, was read
    assert [n["title"] for n in inbox(api, grid_worker, unread="false")["items"]] == ["消息 3"]
    assert (
        api.get(INBOX, params={"kind": "gossip"}, headers=grid_worker.headers(api)).status_code
        == 422
    )


def test_read_all_marks_every_unread_or_those_before_a_time(api, db, grid_worker, mixed_inbox):
    with db() as session:  # the two oldest arrived yesterday
        oldest = session.scalars(
            select(Notification).order_by(Notification.created_at).limit(2)
        ).all()
        for n in oldest:
            n.created_at = datetime.now(UTC) - timedelta(days=1)
    before = (datetime.now(UTC) - timedelta(hours=1)).isoformat()

    some = api.post(f"{INBOX}/read-all", json={"before": before}, headers=grid_worker.headers(api))
    assert some.status_code == 200, some.text
    assert some.json() == {"marked": 2, "unread_count": 3}

    rest = api.post(f"{INBOX}/read-all", headers=grid_worker.headers(api))
    assert rest.json() == {"marked": 3, "unread_count": 0}
    assert inbox(api, grid_worker, unread="true")["items"] == []


def test_another_persons_notification_is_answered_as_one_that_does_not_exist(
    api, db, grid_worker, backup_worker, mixed_inbox
):
    theirs = inbox(api, grid_worker)["items"][0]["id"]

    foreign = api.post(f"{INBOX}/{theirs}/read", headers=backup_worker.headers(api))
    made_up = api.post(f"{INBOX}/{uuid.uuid4()}/read", headers=backup_worker.headers(api))

    assert foreign.status_code == made_up.status_code == 404
    assert foreign.json()["type"] == made_up.json()["type"]
    assert inbox(api, backup_worker)["total"] == 0
    assert inbox(api, grid_worker)["unread_count"] == 5  # untouched
    read_all = api.post(f"{INBOX}/read-all", headers=backup_worker.headers(api))
    assert read_all.json() == {"marked": 0, "unread_count": 0}
    assert inbox(api, grid_worker)["unread_count"] == 5


def test_a_fan_out_writes_one_inbox_row_and_one_push_per_person(db, grid_worker, backup_worker):
    with db() as session:
        told = service.push_many(
            session,
            [
                (grid_worker.id, "新投诉工单", "a", {"complaint_id": str(uuid.uuid4())}),
                (backup_worker.id, "新投诉工单", "b", {"kind": "complaint.triage"}),
            ],
        )
    assert told == 2
    with db() as session:
        rows = {n.user_id: n for n in session.scalars(select(Notification))}
        pushes = session.scalars(select(OutboxMessage)).all()
    assert set(rows) == {grid_worker.id, backup_worker.id}
    assert rows[backup_worker.id].kind == "complaint_triage"
    assert rows[grid_worker.id].subject_type == "complaint"
    assert {p.notification_id for p in pushes} == {n.id for n in rows.values()}


def test_reading_a_work_prompt_in_the_inbox_is_its_read_receipt(
    api, db, county, grid, grid_worker, grid_leader
):
    dispatcher = make_person(db, "dispatch.inbox", Role.DISPATCHER, county)
    sent = api.post(
        "/api/v1/patrols/prompts",
        json={"area_code": "990101001", "title": "春节前消防安全工作提示", "body": "请重点检查。"},
        headers=dispatcher.headers(api),
    )
    assert sent.status_code == 201, sent.text
    prompt_id = sent.json()["id"]
    (note,) = inbox(api, grid_worker, kind="work_prompt")["items"]
    assert (note["subject_type"], note["subject_id"]) == ("prompt", prompt_id)

    read = api.post(f"{INBOX}/{note['id']}/read", headers=grid_worker.headers(api)).json()

    receipts = api.get(
        f"/api/v1/patrols/prompts/{prompt_id}/receipts", headers=dispatcher.headers(api)
    ).json()
    assert [(r["username"], r["read_at"]) for r in receipts["read"]] == [
        (grid_worker.username, read["read_at"])
    ]
    assert [r["username"] for r in receipts["unread"]] == [grid_leader.username]

    # Read the other way round: the prompt's own read marks its notification.
    api.post(f"/api/v1/patrols/prompts/{prompt_id}/read", headers=grid_leader.headers(api))
    assert inbox(api, grid_leader)["unread_count"] == 0
