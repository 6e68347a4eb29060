"""A township plans a month of patrols; tasks reach whoever handles each grid, once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.patrols.conftest import register_shop


def plan(api, person, period="2026-12", preview=False, area_code="990101001"):
    return api.post(
        "/api/v1/patrols/plans",
        json={"area_code": area_code, "period": period, "preview": preview},
        headers=person.headers(api),
    )


def test_a_months_plan_assigns_each_due_premises_to_its_grid_worker_once(
    api, grid, other_grid, grid_worker, station_staff
):
    monthly = register_shop(api, station_staff, "小吃店")  # small venue: monthly
    quarterly = register_shop(
        api, station_staff, "住宅楼", premises_type="residential", risk_level="low", lng=109.412
    )
    unstaffed = register_shop(api, station_staff, "五金店", lng=109.44)  # the other grid: no worker

    preview = plan(api, station_staff, preview=True).json()
    assert (preview["created"], preview["not_due"]) == (2, 1)  # December is no quarter start
    assert api.get("/api/v1/patrols/tasks", headers=station_staff.headers(api)).json() == []

    first = plan(api, station_staff).json()
    again = plan(api, station_staff).json()
    assert (first["created"], first["unassigned"], first["per_grid"]) == (
        2,
        1,
        {grid.code: 1, other_grid.code: 1},
    )
    assert (again["created"], again["existing"]) == (0, 2)

    tasks = {
        t["premises_id"]: t
        for t in api.get("/api/v1/patrols/tasks", headers=station_staff.headers(api)).json()
    }
    assert set(tasks) == {monthly, unstaffed}
    assert tasks[monthly]["assignee_id"] == str(grid_worker.id)
    assert tasks[unstaffed]["assignee_id"] is None  # the station hands it out
    assert tasks[monthly]["due_at"].startswith("2026-12-31T16:00:00")  # 1 Jan, Beijing time
    mine = api.get("/api/v1/patrols/tasks", headers=grid_worker.headers(api))
    assert mine.status_code == 200, mine.text
    mine = mine.json()
    assert [t["premises_id"] for t in mine] == [monthly]

    january = plan(api, station_staff, period="2027-01").json()
    assert january["created"] == 3  # the quarterly one's cycle starts in January
    assert quarterly in {
        t["premises_id"]
        for t in api.get(
            "/api/v1/patrols/tasks", params={"limit": 500}, headers=station_staff.headers(api)
        ).json()
    }


def test_planning_is_for_staff_of_the_area_and_says_what_is_wrong(
    api, township, other_township, grid_worker, station_staff, other_station_staff
):
    assert plan(api, grid_worker).status_code == 403
    outside = plan(api, other_station_staff)
    assert outside.status_code == 404
    bad = plan(api, station_staff, period="2026-13")
    assert bad.status_code == 422 and "period" in bad.text
    assert bad.headers["content-type"].startswith("application/problem+json")


def test_an_adhoc_task_for_a_point_goes_to_the_grid_and_can_be_reassigned_and_cancelled(
    api, grid, grid_worker, backup_worker, station_staff
):
    due = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    made = api.post(
        "/api/v1/patrols/tasks",
        json={"lng": 109.41, "lat": 24.36, "due_at": due, "note": "群众反映楼道堆放杂物"},
        headers=station_staff.headers(api),
    )
    assert made.status_code == 201, made.text
    task = made.json()
    assert (task["kind"], task["assignee_id"]) == ("adhoc", str(grid_worker.id))

    elsewhere = api.post(
        f"/api/v1/patrols/tasks/{task['id']}/reassign",
        json={"assignee_id": str(backup_worker.id)},  # works the other grid, not this one
        headers=station_staff.headers(api),
    )
    assert elsewhere.status_code == 422 and "assignee_id" in elsewhere.text

    cancelled = api.post(
        f"/api/v1/patrols/tasks/{task['id']}/cancel",
        json={"note": "已由社区处理"},
        headers=station_staff.headers(api),
    ).json()
    assert cancelled["state"] == "cancelled"
    twice = api.post(
        f"/api/v1/patrols/tasks/{task['id']}/cancel",
        json={"note": "again"},
        headers=station_staff.headers(api),
    )
    assert twice.status_code == 409 and twice.json()["state"] == "cancelled"

    past = api.post(
        "/api/v1/patrols/tasks",
        json={"lng": 109.41, "lat": 24.36, "due_at": "2020-01-01T00:00:00+08:00"},
        headers=station_staff.headers(api),
    )
    assert past.status_code == 422 and past.json()["field"] == "due_at"
