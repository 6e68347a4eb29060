"""Visits are judged by where the phone was, never dropped; overdue tasks climb the ladder."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.notify.models import OutboxMessage
from offline_sync.client import Device
from patrols.models import PatrolTask
from patrols.scheduled import escalate_overdue_tasks

NOW_MS = 1_763_880_000_000


@pytest.fixture
def phone(live_server, grid, grid_worker):
    device = Device(live_server, grid_worker.username, grid_worker.password)
    yield device
    device.close()


def planned_task(api, station_staff, phone) -> dict:
    period = utcnow().strftime("%Y-%m")
    api.post(
        "/api/v1/patrols/plans",
        json={"area_code": "990101001", "period": period},
        headers=station_staff.headers(api),
    ).raise_for_status()
    phone.sync()
    [task] = phone.all("patrol_tasks")
    return task


def test_a_check_in_far_from_the_premises_is_kept_flagged_and_not_counted_as_presence(
    api, phone, station_staff, premises
):
    task = planned_task(api, station_staff, phone)
    visit = phone.create(
        "visits",
        {
            "task_id": task["id"],
            "checked_in_at": NOW_MS,
            "checked_out_at": NOW_MS + 60_000,
            "lng": 109.42,  # about 1 km east of the shop
            "lat": 24.35,
            "accuracy_m": 30,
        },
    )
    phone.sync()
    phone.sync()

    seen = next(v for v in phone.all("visits") if v["id"] == visit)
    assert (seen["check_in_valid"], seen["check_in_flag"]) == (False, "outside_geofence")
    assert seen["distance_m"] > 900
    listed = api.get("/api/v1/patrols/tasks", headers=station_staff.headers(api)).json()
    assert [(t["state"], t["visited_with_valid_check_in"]) for t in listed] == [("done", False)]


def test_a_visit_with_a_bad_field_refuses_the_push_and_names_the_field(
    api, phone, station_staff, premises
):
    phone.sync()
    refused = phone.http.post(
        "/api/v1/sync",
        params={"last_pulled_at": phone.last_pulled_at},
        json={
            "changes": {
                "visits": {
                    "created": [
                        {
                            "id": "7f1c9b8e-3f0a-4c5e-9a51-0d6c2b1e4a77",
                            "checked_in_at": NOW_MS,
                            "lat": 95,
                        }
                    ]
                }
            }
        },
        headers=phone.headers,
    )
    assert refused.status_code == 422
    assert refused.json()["field"] == "changes.visits.created[0].lat"
    answer_without_visit = phone.http.post(
        "/api/v1/sync",
        params={"last_pulled_at": phone.last_pulled_at},
        json={
            "changes": {
                "visit_answers": {
                    "created": [
                        {
                            "id": "0b9f1d3c-5a7e-4f21-8c66-2e4d1a9b7c55",
                            "visit_id": "5c2e8a1f-9d3b-4e70-b6a4-7f1c0d2e9b88",
                            "item_key": "ebikes",
                            "result": "fail",
                        }
                    ]
                }
            }
        },
        headers=phone.headers,
    )
    assert answer_without_visit.status_code == 422
    assert "visit" in answer_without_visit.json()["detail"]


def test_an_overdue_task_goes_to_the_grid_leader_then_the_township(
    api, db, phone, station_staff, grid_leader, premises
):
    task = planned_task(api, station_staff, phone)
    with db() as session:
        session.execute(
            update(PatrolTask)
            .where(PatrolTask.id == uuid.UUID(task["id"]))
            .values(due_at=utcnow() - timedelta(hours=1), escalate_at=utcnow() - timedelta(hours=1))
        )
    with db() as session:
        assert escalate_overdue_tasks(session, get_settings()) == 1
    with db() as session:
        assert escalate_overdue_tasks(session, get_settings()) == 0  # nothing more is due yet
        told = session.scalars(
            select(OutboxMessage.user_id).where(
                OutboxMessage.data["patrol_task_id"].as_string() == task["id"]
            )
        ).all()
        assert told == [grid_leader.id]
        session.execute(
            update(PatrolTask)
            .where(PatrolTask.id == uuid.UUID(task["id"]))
            .values(escalate_at=utcnow() - timedelta(minutes=1))
        )
    with db() as session:
        assert escalate_overdue_tasks(session, get_settings()) == 1
    listed = api.get("/api/v1/patrols/tasks", headers=station_staff.headers(api)).json()
    assert listed[0]["level"] == 2
    with db() as session:
        told = session.scalars(
            select(OutboxMessage.user_id).where(
                OutboxMessage.data["patrol_task_id"].as_string() == task["id"]
            )
        ).all()
    assert told == [grid_leader.id, station_staff.id]
