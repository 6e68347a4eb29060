"""The steps a hazard offers are this caller's: the console shows exactly these buttons, and a
waiting enforcement step shows how many approvals it still misses."""

from backend.identity.enums import Role
from tests.world import hazard_body, make_person


def hazard(api, person, hazard_id):
    answer = api.get(f"/api/v1/hazards/{hazard_id}", headers=person.headers(api))
    assert answer.status_code == 200, answer.text
    return answer.json()


def act(api, person, hazard_id, action, expect, **fields):
    answer = api.post(
        f"/api/v1/hazards/{hazard_id}/actions",
        json={"action": action, **fields},
        headers=person.headers(api),
    )
    assert answer.status_code == expect, answer.text
    return answer.json()


def test_the_worker_is_offered_the_field_steps_and_the_citizen_who_reported_none(
    api, grid, grid_worker, citizen
):
    reported = api.post(
        "/api/v1/hazards", json=hazard_body(source="citizen"), headers=citizen.headers(api)
    )
    assert reported.status_code == 201, reported.text
    hid = reported.json()["id"]
    assert reported.json()["next_actions"] == []  # a reporter sees it, does not act on it

    offered = hazard(api, grid_worker, hid)["next_actions"]
    assert set(offered) == {"confirm", "reject", "mark_duplicate", "suspect_major"}


def test_an_order_waits_for_a_second_certified_officer_and_says_so(
    api, db, township, grid, grid_worker, station_staff, officers
):
    uncertified = make_person(db, "station.clerk", Role.STATION_STAFF, township)
    hid = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api)).json()[
        "id"
    ]
    act(api, grid_worker, hid, "confirm", 200)

    assert "order_rectification" not in hazard(api, grid_worker, hid)["next_actions"]
    assert "order_rectification" not in hazard(api, uncertified, hid)["next_actions"]
    assert "order_rectification" in hazard(api, station_staff, hid)["next_actions"]

    act(api, station_staff, hid, "order_rectification", 202, deadline_working_days=5)
    mine = hazard(api, station_staff, hid)
    assert "order_rectification" not in mine["next_actions"]  # another officer must
    assert mine["pending_approvals"] == [
        {"action": "order_rectification", "approvals": 1, "required": 2, "approved_by_me": True}
    ]
    theirs = hazard(api, officers[0], hid)
    assert "order_rectification" in theirs["next_actions"]
    assert theirs["pending_approvals"][0]["approved_by_me"] is False

    act(api, officers[0], hid, "order_rectification", 200, deadline_working_days=5)
    ordered = hazard(api, station_staff, hid)
    assert ordered["state"] == "rectification_ordered" and ordered["pending_approvals"] == []
    assert ordered["next_actions"] == ["submit_rectification"]
