"""The dispatch centre runs a special campaign and sends a work prompt; workers get both on
their phones, and the centre sees who has read the prompt."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from backend.identity.enums import Role
from backend.notify.models import OutboxMessage
from offline_sync.client import Device
from tests.patrols.conftest import register_shop
from tests.world import make_person


@pytest.fixture
def dispatcher(db, county):
    return make_person(db, "dispatch.one", Role.DISPATCHER, county)


def test_an_ebike_campaign_gives_every_matching_premises_a_task_and_tells_the_worker(
    api, db, live_server, grid, grid_worker, station_staff, dispatcher
):
    shop = register_shop(api, station_staff, "电动车行", premises_type="living_workshop")
    register_shop(api, station_staff, "小学", premises_type="school")
    now = datetime.now(UTC)
    body = {
        "title": "电动自行车飞线充电专项整治",
        "area_code": "990101",  # the county: any level will do
        "premises_types": ["living_workshop", "residential"],
        "starts_at": now.isoformat(),
        "due_at": (now + timedelta(days=14)).isoformat(),
    }
    started = api.post("/api/v1/patrols/campaigns", json=body, headers=dispatcher.headers(api))
    assert started.status_code == 201, started.text
    campaign = started.json()
    assert (campaign["created"], campaign["workers_told"]) == (1, 1)

    phone = Device(live_server, grid_worker.username, grid_worker.password)
    try:
        phone.sync()
        [task] = phone.all("patrol_tasks")
    finally:
        phone.close()
    assert (task["kind"], task["premises_id"]) == ("campaign", shop)
    with db() as session:
        told = session.scalars(
            select(OutboxMessage.user_id).where(
                OutboxMessage.data["campaign_id"].as_string() == campaign["id"]
            )
        ).all()
    assert told == [grid_worker.id]

    ended = api.post(
        "/api/v1/patrols/campaigns",
        json={**body, "due_at": (now - timedelta(days=1)).isoformat()},
        headers=dispatcher.headers(api),
    )
    assert ended.status_code == 422 and ended.json()["field"] == "due_at"
    assert (
        api.post(
            "/api/v1/patrols/campaigns", json=body, headers=grid_worker.headers(api)
        ).status_code
        == 403
    )


def test_a_work_prompt_reaches_the_workers_phones_and_receipts_show_who_has_not_read_it(
    api, live_server, grid, grid_worker, grid_leader, dispatcher
):
    sent = api.post(
        "/api/v1/patrols/prompts",
        json={
            "area_code": "990101001",
            "title": "春节前消防安全工作提示",
            "body": "请重点检查烟花爆竹销售点和人员密集场所。",
        },
        headers=dispatcher.headers(api),
    )
    assert sent.status_code == 201, sent.text
    prompt = sent.json()
    assert prompt["recipients"] == 2  # the grid worker and the village's grid leader

    phone = Device(live_server, grid_worker.username, grid_worker.password)
    try:
        phone.sync()
        assert [p["title"] for p in phone.all("work_prompts")] == ["春节前消防安全工作提示"]
    finally:
        phone.close()
    read = api.post(
        f"/api/v1/patrols/prompts/{prompt['id']}/read", headers=grid_worker.headers(api)
    )
    assert read.status_code == 200
    again = api.post(
        f"/api/v1/patrols/prompts/{prompt['id']}/read", headers=grid_worker.headers(api)
    )
    assert again.json()["read_at"] == read.json()["read_at"]  # the first reading counts

    receipts = api.get(
        f"/api/v1/patrols/prompts/{prompt['id']}/receipts", headers=dispatcher.headers(api)
    ).json()
    assert [r["username"] for r in receipts["read"]] == [grid_worker.username]
    assert [r["username"] for r in receipts["unread"]] == [grid_leader.username]
    assert (
        api.get(
            f"/api/v1/patrols/prompts/{prompt['id']}/receipts", headers=grid_worker.headers(api)
        ).status_code
        == 403
    )
