"""A hazard's page as the console reads it: what each of the caller's next steps must carry
(from the lifecycle table, so the console keeps no copy of it), and a timeline that names the
people who took each step for those who may see people, never a citizen."""

from __future__ import annotations

from sqlalchemy import update

from tests.hazards.test_available_actions import act, hazard
from tests.hazards.test_queue_read_model import counting_statements
from tests.world import hazard_body


def report(api, person, **fields) -> str:
    answer = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


def named(db, *people) -> None:
    """Give people (person, display name) the names the console's people pages show."""
    from backend.identity.models import User

    with db() as session:
        for person, name in people:
            session.execute(update(User).where(User.id == person.id).values(display_name=name))


def timeline(api, person, hazard_id) -> list[dict]:
    answer = api.get(f"/api/v1/hazards/{hazard_id}/timeline", headers=person.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def test_each_next_step_says_what_it_needs_for_this_caller_only(
    api, grid, grid_worker, station_staff, officers, citizen
):
    hid = report(api, citizen, source="citizen")
    worker_sees = hazard(api, grid_worker, hid)
    assert worker_sees["step_needs"] == {
        "confirm": {"fields": [], "approvers": 1},
        "reject": {"fields": ["note"], "approvers": 1},
        "mark_duplicate": {"fields": ["duplicate_of"], "approvers": 1},
        "suspect_major": {"fields": [], "approvers": 1},
    }
    assert list(worker_sees["step_needs"]) == worker_sees["next_actions"]
    assert hazard(api, citizen, hid)["step_needs"] == {}  # the reporter takes no step

    act(api, grid_worker, hid, "confirm", 200)
    station_sees = hazard(api, station_staff, hid)
    assert station_sees["step_needs"]["order_rectification"] == {
        "fields": ["deadline_working_days"],
        "approvers": 2,
    }
    assert list(station_sees["step_needs"]) == station_sees["next_actions"]
    # The worker's own steps only: ordering is an officer's.
    assert hazard(api, grid_worker, hid)["step_needs"] == {
        "rectify_on_spot": {"fields": [], "approvers": 1},
        "suspect_major": {"fields": [], "approvers": 1},
    }

    # The queue carries the same, and an officer who approved is offered the step no more.
    act(api, station_staff, hid, "order_rectification", 202, deadline_working_days=5)
    listed = api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    assert [row["step_needs"] for row in listed] == [
        {
            "rectify_on_spot": {"fields": [], "approvers": 1},
            "suspect_major": {"fields": [], "approvers": 1},
        }
    ]
    theirs = hazard(api, officers[0], hid)["step_needs"]
    assert theirs["order_rectification"] == {"fields": ["deadline_working_days"], "approvers": 2}


def test_the_timeline_names_people_for_the_station_and_nobody_for_a_worker_or_citizen(
    api, db, grid, grid_worker, station_staff, brigade_staff, citizen
):
    named(db, (citizen, "张三丰"), (grid_worker, "李网格"), (station_staff, "王站长"))
    hid = report(api, citizen, source="citizen")
    act(api, grid_worker, hid, "confirm", 200)
    act(api, station_staff, hid, "order_rectification", 202, deadline_working_days=5)

    steps = timeline(api, station_staff, hid)
    assert [(s["action"], s["actor_role"], s["actor_name"]) for s in steps] == [
        ("hazard.reported", "citizen", None),  # a citizen stays 群众
        ("hazard.confirm", "grid_worker", "李网格"),
        ("hazard.approval", "station_staff", "王站长"),
    ]
    assert [s["actor_name"] for s in timeline(api, brigade_staff, hid)] == [
        None,
        "李网格",
        "王站长",
    ]
    for who in (grid_worker, citizen):
        steps = timeline(api, who, hid)
        assert [s["actor_role"] for s in steps] == ["citizen", "grid_worker", "station_staff"]
        assert [s["actor_name"] for s in steps] == [None, None, None]


def test_the_names_of_a_timeline_are_read_in_one_query_however_long_it_is(
    api, db, engine, grid, grid_worker, grid_leader, station_staff, officers
):
    short = report(api, grid_worker)
    long = report(api, grid_worker)
    act(api, grid_leader, long, "confirm", 200)
    act(api, station_staff, long, "order_rectification", 202, deadline_working_days=5)
    act(api, officers[0], long, "order_rectification", 200, deadline_working_days=5)
    headers = station_staff.headers(api)
    api.get("/api/v1/me", headers=headers)  # the caller known to both counted requests alike

    with counting_statements(engine) as one_step:
        assert len(api.get(f"/api/v1/hazards/{short}/timeline", headers=headers).json()) == 1
    with counting_statements(engine) as six_steps:
        steps = api.get(f"/api/v1/hazards/{long}/timeline", headers=headers).json()
    assert len(steps) == 6  # reported, confirmed, approved, its notice issued, ordered
    assert len({s["actor_name"] for s in steps}) == 4  # four people, four names
    assert len(one_step) == len(six_steps), six_steps
