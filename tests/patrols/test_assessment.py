"""The month's assessment counts, for each worker, the hazards they found on patrol and the
ordinary hazards of their grids fixed without leaving the grid (一般隐患不出网格)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from tests.world import hazard_body


def report(api, person, **fields) -> str:
    response = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def act(api, person, hazard_id, action, **fields) -> None:
    response = api.post(
        f"/api/v1/hazards/{hazard_id}/actions",
        json={"action": action, **fields},
        headers=person.headers(api),
    )
    assert response.status_code == 200, response.text


def test_only_ordinary_hazards_fixed_in_the_workers_grids_count_as_closed_in_grid(
    api, grid, other_grid, village, grid_worker, station_staff, citizen
):
    fixed = report(api, grid_worker, source="patrol")
    act(api, grid_worker, fixed, "confirm")
    act(api, grid_worker, fixed, "rectify_on_spot")
    not_a_hazard = report(api, grid_worker, source="patrol", category="open_flame")
    act(api, grid_worker, not_a_hazard, "reject", note="不是隐患")  # closed, but not fixed
    report(api, grid_worker, source="patrol", category="flammables")  # still open
    report(api, citizen, source="citizen", category="electrical")  # not the worker's find
    elsewhere = report(api, station_staff, lng=109.44, category="flammables")  # the other grid
    act(api, station_staff, elsewhere, "confirm")
    act(api, station_staff, elsewhere, "rectify_on_spot")

    month = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": datetime.now(UTC).strftime("%Y-%m")},
        headers=station_staff.headers(api),
    )

    assert month.status_code == 200, month.text
    [worker] = month.json()["workers"]
    assert (worker["hazards_found"], worker["ordinary_closed_in_grid"]) == (3, 1)
    areas = {a["area_code"]: a for a in month.json()["areas"]}
    assert (areas[grid.code]["hazards_found"], areas[grid.code]["ordinary_closed_in_grid"]) == (
        3,
        1,
    )
    assert areas[other_grid.code]["workers"] == 0  # nobody patrols it: nothing to count
    assert areas[village.code]["ordinary_closed_in_grid"] == 1


def test_the_assessment_scores_and_ranks_each_worker_and_area(
    api, grid, village, grid_worker, station_staff
):
    fixed = report(api, grid_worker, source="patrol")
    act(api, grid_worker, fixed, "confirm")
    act(api, grid_worker, fixed, "rectify_on_spot")
    month = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": datetime.now(UTC).strftime("%Y-%m")},
        headers=station_staff.headers(api),
    ).json()
    assert month["weights"]["tasks_on_time"] == 40.0
    [worker] = month["workers"]
    # Only found hazards and closure in the grid had anything to measure: both at the best.
    assert (worker["score"], worker["rank"]) == (100.0, 1)
    measured = {c["metric"] for c in worker["contributions"] if c["rate"] is not None}
    assert measured == {"hazards_found", "closed_in_grid"}
    areas = {a["area_code"]: a for a in month["areas"]}
    assert areas[grid.code]["score"] == 100.0 and areas[village.code]["rank"] == 1


def test_the_tasks_behind_an_assessment_figure_are_listed_by_due_month(
    api, db, grid, grid_worker, station_staff, premises
):
    from datetime import timedelta
    from zoneinfo import ZoneInfo

    from sqlalchemy import update

    from patrols.models import PatrolTask

    staff = station_staff.headers(api)
    now = datetime.now(ZoneInfo("Asia/Shanghai"))
    month = now.strftime("%Y-%m")
    # Due later this month (or the first instant of the next, which the month still counts).
    due = now.replace(day=28, hour=23, minute=0) if now.day < 28 else now + timedelta(hours=1)
    made = []
    for _ in range(3):
        answer = api.post(
            "/api/v1/patrols/tasks",
            json={"premises_id": premises, "due_at": due.isoformat(), "note": "月底前检查"},
            headers=staff,
        )
        assert answer.status_code == 201, answer.text
        made.append(answer.json()["id"])
    with db() as session:  # one done in time, one done late
        session.execute(
            update(PatrolTask)
            .where(PatrolTask.id == uuid.UUID(made[0]))
            .values(state="done", done_at=due - timedelta(days=1))
        )
        session.execute(
            update(PatrolTask)
            .where(PatrolTask.id == uuid.UUID(made[1]))
            .values(state="done", done_at=due + timedelta(minutes=30))
        )
    assessed = api.get(
        "/api/v1/patrols/assessment",
        params={"area_code": "990101001", "period": month},
        headers=staff,
    ).json()
    [worker] = assessed["workers"]
    listed = api.get(
        "/api/v1/patrols/tasks",
        params={"due_month": month, "assignee_id": worker["user_id"]},
        headers=staff,
    )
    assert int(listed.headers["X-Total-Count"]) == worker["tasks_due"] == 3
    in_time = api.get(
        "/api/v1/patrols/tasks",
        params={"due_month": month, "assignee_id": worker["user_id"], "on_time": "true"},
        headers=staff,
    )
    assert [t["id"] for t in in_time.json()] == [made[0]]
    assert worker["tasks_done_on_time"] == 1
