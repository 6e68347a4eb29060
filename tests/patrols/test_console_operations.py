"""What the console's 巡查 screens ask of the API: a plan previewed per grid and worker before
it is made, tasks filtered and named, reassigned among their grid's workers, campaigns
previewed, listed, followed and cancelled, and next month's plan made by the worker on the
day the deployment names, once however often it runs."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core.audit import AuditEvent
from backend.core.settings import get_settings
from backend.identity.enums import Role
from patrols import scheduled
from patrols.models import PatrolTask
from tests.patrols.conftest import register_shop
from tests.world import make_person


@pytest.fixture
def dispatcher(db, county):
    return make_person(db, "dispatch.one", Role.DISPATCHER, county)


def test_a_plan_preview_shows_each_grid_its_worker_and_tasks_and_writes_nothing(
    api, grid, other_grid, grid_worker, station_staff
):
    register_shop(api, station_staff, "小吃店")
    register_shop(api, station_staff, "五金店", lng=109.44)  # the other grid: no worker
    body = {"area_code": "990101001", "period": "2026-12", "preview": True}
    preview = api.post("/api/v1/patrols/plans", json=body, headers=station_staff.headers(api))
    assert preview.status_code == 200, preview.text
    grids = {g["grid_code"]: g for g in preview.json()["grids"]}
    assert grids[grid.code]["assignee_id"] == str(grid_worker.id)
    assert grids[grid.code]["assignee_name"] == grid_worker.username  # no name given: username
    assert (grids[grid.code]["tasks"], grids[grid.code]["existing"]) == (1, 0)
    assert grids[other_grid.code]["assignee_id"] is None  # the station hands it out
    assert grids[grid.code]["grid_name"] == f"测试grid{grid.code}"
    listed = api.get("/api/v1/patrols/tasks", headers=station_staff.headers(api))
    assert listed.json() == [] and listed.headers["x-total-count"] == "0"

    made = api.post(
        "/api/v1/patrols/plans", json={**body, "preview": False}, headers=station_staff.headers(api)
    ).json()
    assert made["created"] == 2
    again = api.post("/api/v1/patrols/plans", json=body, headers=station_staff.headers(api)).json()
    assert {g["grid_code"]: (g["tasks"], g["existing"]) for g in again["grids"]} == {
        grid.code: (0, 1),
        other_grid.code: (0, 1),
    }


def test_tasks_are_filtered_named_counted_and_reassigned_among_their_grids_workers(
    api, grid, other_grid, grid_worker, backup_worker, grid_leader, station_staff, dispatcher
):
    shop = register_shop(api, station_staff, "小吃店")
    station = station_staff.headers(api)
    api.post(
        "/api/v1/patrols/plans",
        json={"area_code": "990101001", "period": "2026-12"},
        headers=station,
    )
    now = datetime.now(UTC)
    campaign = api.post(
        "/api/v1/patrols/campaigns",
        json={
            "title": "电动车专项",
            "area_code": "990101001",
            "starts_at": now.isoformat(),
            "due_at": (now + timedelta(days=10)).isoformat(),
        },
        headers=dispatcher.headers(api),
    ).json()

    def listed(**query):
        answer = api.get("/api/v1/patrols/tasks", params=query, headers=station)
        assert answer.status_code == 200, answer.text
        return answer.json(), int(answer.headers["x-total-count"])

    assert listed()[1] == 2
    [planned], total = listed(period="2026-12", kind="plan")
    assert total == 1 and planned["period"] == "2026-12"
    assert (planned["premises_name"], planned["grid_code"], planned["assignee_name"]) == (
        "小吃店",
        grid.code,
        grid_worker.username,
    )
    assert planned["may_reassign"] and planned["may_cancel"]
    [in_campaign], _ = listed(campaign_id=campaign["id"])
    assert in_campaign["kind"] == "campaign" and in_campaign["premises_id"] == shop
    assert listed(assignee_id=str(backup_worker.id)) == ([], 0)
    assert listed(state="done", area_code=grid.code) == ([], 0)
    assert listed(limit=1, offset=1)[0][0]["id"] != listed(limit=1)[0][0]["id"]

    # The grid's workers are the candidates; the worker of another grid is not, until placed.
    candidates = api.get(f"/api/v1/patrols/tasks/{planned['id']}/candidates", headers=station)
    assert [c["user_id"] for c in candidates.json()] == [str(grid_worker.id)]
    team = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(grid_worker.id), "backups": [str(backup_worker.id)]},
        headers=station,
    )
    assert team.status_code == 200, team.text
    candidates = api.get(f"/api/v1/patrols/tasks/{planned['id']}/candidates", headers=station)
    assert {c["username"] for c in candidates.json()} == {"worker.one", "worker.two"}
    moved = api.post(
        f"/api/v1/patrols/tasks/{planned['id']}/reassign",
        json={"assignee_id": str(backup_worker.id)},
        headers=station,
    ).json()
    assert moved["assignee_name"] == "worker.two"
    assert listed(assignee_id=str(backup_worker.id))[1] == 1

    # A grid leader follows patrols but plans none: nothing is offered.
    seen = api.get("/api/v1/patrols/tasks", headers=grid_leader.headers(api)).json()
    assert seen and not any(t["may_reassign"] or t["may_cancel"] for t in seen)


def test_a_campaign_is_previewed_listed_followed_and_cancelled(
    api, db, grid, other_grid, grid_worker, station_staff, dispatcher
):
    register_shop(api, station_staff, "电动车行", premises_type="living_workshop")
    register_shop(api, station_staff, "五金店", premises_type="living_workshop", lng=109.44)
    now = datetime.now(UTC)
    body = {
        "title": "电动自行车专项整治",
        "area_code": "990101001",
        "premises_types": ["living_workshop"],
        "starts_at": now.isoformat(),
        "due_at": (now + timedelta(days=14)).isoformat(),
    }
    centre = dispatcher.headers(api)
    preview = api.post("/api/v1/patrols/campaigns/preview", json=body, headers=centre)
    assert preview.status_code == 200, preview.text
    assert (preview.json()["created"], preview.json()["unassigned"]) == (2, 1)
    assert [g["assignee_name"] for g in preview.json()["grids"]] == [grid_worker.username, None]
    assert api.get("/api/v1/patrols/campaigns", headers=centre).json() == []

    started = api.post("/api/v1/patrols/campaigns", json=body, headers=centre).json()
    listed = api.get("/api/v1/patrols/campaigns", headers=station_staff.headers(api))
    assert listed.headers["x-total-count"] == "1"
    [summary] = listed.json()
    assert (summary["id"], summary["area_name"], summary["tasks"], summary["open"]) == (
        started["id"],
        "测试township990101001",
        2,
        2,
    )
    assert summary["may_cancel"] and summary["cancelled_at"] is None
    progress = api.get(f"/api/v1/patrols/campaigns/{started['id']}/progress", headers=centre).json()
    assert [(p["grid_code"], p["assignee_name"], p["open"]) for p in progress] == [
        (grid.code, grid_worker.username, 1),
        (other_grid.code, None, 1),
    ]

    assert (
        api.post(
            f"/api/v1/patrols/campaigns/{started['id']}/cancel",
            json={"note": "取消"},
            headers=grid_worker.headers(api),
        ).status_code
        == 403
    )
    cancelled = api.post(
        f"/api/v1/patrols/campaigns/{started['id']}/cancel",
        json={"note": "上级通知暂停"},
        headers=centre,
    )
    assert cancelled.status_code == 200, cancelled.text
    assert (cancelled.json()["open"], cancelled.json()["cancelled"]) == (0, 2)
    assert cancelled.json()["cancelled_at"] and not cancelled.json()["may_cancel"]
    again = api.post(
        f"/api/v1/patrols/campaigns/{started['id']}/cancel", json={"note": "再取消"}, headers=centre
    )
    assert again.status_code == 409
    tasks = api.get(
        "/api/v1/patrols/tasks",
        params={"campaign_id": started["id"]},
        headers=station_staff.headers(api),
    ).json()
    assert {t["state"] for t in tasks} == {"cancelled"}
    with db() as session:
        events = session.scalar(
            select(func.count())
            .select_from(AuditEvent)
            .where(
                AuditEvent.action == "patrol.campaign_cancelled",
                AuditEvent.subject_id == started["id"],
            )
        )
    assert events == 1


def test_next_months_plan_is_made_on_its_day_once_however_often_the_worker_runs(
    api, db, grid, grid_worker, station_staff
):
    register_shop(api, station_staff, "小吃店")
    on_the_25th = get_settings().model_copy(update={"patrol_plan_day": 25})
    before = datetime(2026, 11, 24, 12, tzinfo=UTC)  # 24 November, 20:00 in Beijing
    on_day = datetime(2026, 11, 25, 1, tzinfo=UTC)

    with db() as session:
        assert scheduled.plan_next_month(session, on_the_25th, now=before) == 0
    with db() as session:
        assert scheduled.plan_next_month(session, get_settings(), now=on_day) == 0  # off
    with db() as session:
        assert scheduled.plan_next_month(session, on_the_25th, now=on_day) == 1
    with db() as session:
        assert scheduled.plan_next_month(session, on_the_25th, now=on_day) == 0
    with db() as session:
        tasks = session.scalars(select(PatrolTask)).all()
        assert [(t.period, t.assignee_id, t.created_by) for t in tasks] == [
            ("2026-12", grid_worker.id, None)
        ]

    plan = scheduled.plan_schedule(on_the_25th, now=before)
    assert (str(plan.next_run_on), plan.next_period) == ("2026-11-25", "2026-12")
    plan = scheduled.plan_schedule(on_the_25th, now=datetime(2026, 12, 26, tzinfo=UTC))
    assert (str(plan.next_run_on), plan.next_period) == ("2027-01-25", "2027-02")
    shown = api.get("/api/v1/patrols/plans/schedule", headers=station_staff.headers(api))
    assert shown.status_code == 200 and shown.json()["day"] is None  # the test run's: off
