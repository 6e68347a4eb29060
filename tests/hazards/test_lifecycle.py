"""A hazard followed to closure, level by level when overdue, and the major path to listing and
delisting with certified officers approving together."""

import uuid
from datetime import timedelta

from sqlalchemy import update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from hazards.models import Hazard
from hazards.scheduled import escalate_overdue_hazards
from tests.world import at_once, hazard_body, jpeg, make_person


def act(api, person, hazard_id, action, **fields):
    return api.post(
        f"/api/v1/hazards/{hazard_id}/actions",
        json={"action": action, **fields},
        headers=person.headers(api),
    )


def let_time_pass(db, hazard_id):
    """The deadline passes: the hazard's clocks are set into the past."""
    past, hazard_id = utcnow() - timedelta(minutes=1), uuid.UUID(str(hazard_id))
    with db() as session:
        session.execute(update(Hazard).where(Hazard.id == hazard_id).values(level_due_at=past))
        session.execute(
            update(Hazard)
            .where(Hazard.id == hazard_id, Hazard.escalate_at.is_not(None))
            .values(escalate_at=past)
        )


def sweep(db) -> int:
    with db() as session:
        return escalate_overdue_hazards(session, get_settings())


def test_a_worker_report_is_rectified_and_verified_after_climbing_the_ladder(
    api, db, grid, grid_worker, grid_leader, station_staff, brigade_staff, officers
):
    reported = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api))
    assert reported.status_code == 201, reported.text
    hazard = reported.json()
    assert (hazard["state"], hazard["area_code"], hazard["level"]) == ("reported", grid.code, 0)
    assert hazard["level_due_at"] is not None and not hazard["overdue"]
    hid = hazard["id"]

    assert act(api, grid_worker, hid, "confirm").json()["state"] == "confirmed"
    first = act(api, station_staff, hid, "order_rectification", deadline_working_days=5)
    assert (
        first.status_code == 202
        and first.json()["approvals"] == 1
        and first.json()["required"] == 2
    )
    ordered = act(api, officers[0], hid, "order_rectification", deadline_working_days=5)
    assert ordered.status_code == 200, ordered.text
    assert ordered.json()["state"] == "rectification_ordered"
    assert ordered.json()["rectification_deadline"] is not None

    # The unit misses its deadline: the hazard climbs one level per overdue period, up to the county.
    levels = []
    for _ in range(4):
        let_time_pass(db, hid)
        sweep(db)
        levels.append(
            api.get(f"/api/v1/hazards/{hid}", headers=brigade_staff.headers(api)).json()["level"]
        )
    assert levels == [1, 2, 3, 3]  # an ordinary hazard stops at the county brigade
    queue = api.get(
        "/api/v1/hazards", params={"queue": True}, headers=brigade_staff.headers(api)
    ).json()
    assert [h["id"] for h in queue] == [hid]
    assert (
        api.get("/api/v1/hazards", params={"queue": True}, headers=grid_worker.headers(api)).json()
        == []
    )

    after = api.post(
        f"/api/v1/hazards/{hid}/photos",
        params={"kind": "after"},
        content=jpeg(800, 600),
        headers={**grid_worker.headers(api), "Content-Type": "image/jpeg"},
    )
    assert after.status_code == 201, after.text
    submitted = act(api, grid_worker, hid, "submit_rectification", note="已拆除飞线")
    assert submitted.json()["state"] == "rectification_submitted"
    closed = act(api, station_staff, hid, "verify").json()
    assert (closed["state"], closed["is_open"]) == ("verified_closed", False)

    timeline = [
        e["action"]
        for e in api.get(
            f"/api/v1/hazards/{hid}/timeline", headers=station_staff.headers(api)
        ).json()
    ]
    assert timeline == [
        "hazard.reported",
        "hazard.confirm",
        "hazard.approval",
        "hazard.approval",
        "hazard.notice_generated",  # the order to rectify, issued as the step applies
        "hazard.order_rectification",
        "hazard.escalated",
        "hazard.escalated",
        "hazard.escalated",
        "hazard.photo_added",
        "hazard.submit_rectification",
        "hazard.notice_generated",  # the recheck's opinion 复查意见书
        "hazard.verify",
    ]


def test_a_major_hazard_goes_to_the_county_then_to_listing_and_delisting(
    api, db, county, grid, grid_worker, station_staff, brigade_staff, officers
):
    second_brigade = officers[1]
    reported = api.post(
        "/api/v1/hazards",
        json=hazard_body(severity="major", category="exit_blocked"),
        headers=grid_worker.headers(api),
    ).json()
    hid = reported["id"]
    assert (reported["state"], reported["severity"], reported["level"]) == (
        "major_suspected",
        "major",
        3,
    )

    criteria = ["GB 35181-2025 4.2.1"]
    assert act(api, station_staff, hid, "determine_major", criteria=criteria).status_code == 202
    assert act(api, brigade_staff, hid, "determine_major", criteria=criteria).status_code == 202
    determined = act(api, officers[0], hid, "determine_major", criteria=criteria)
    assert determined.json()["state"] == "determined_major"

    reported_up = act(api, brigade_staff, hid, "report_to_government")
    assert (reported_up.json()["state"], reported_up.json()["level"]) == (
        "reported_to_government",
        4,
    )
    assert (
        act(
            api, brigade_staff, hid, "list", listing_level="city", deadline_working_days=60
        ).status_code
        == 202
    )
    listed = act(
        api, second_brigade, hid, "list", listing_level="city", deadline_working_days=60
    ).json()
    assert (listed["state"], listed["listing_level"]) == ("listed", "city")
    assert act(api, station_staff, hid, "start_rectifying").json()["state"] == "rectifying"
    act(api, station_staff, hid, "reinspect")
    assert act(api, brigade_staff, hid, "reinspect").json()["state"] == "reinspected"
    act(api, brigade_staff, hid, "delist")
    delisted = act(api, second_brigade, hid, "delist").json()
    assert (delisted["state"], delisted["is_open"], delisted["level"]) == ("delisted", False, 4)


def test_refusals_are_typed_and_change_nothing(api, db, grid, grid_worker, station_staff, township):
    hid = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api)).json()[
        "id"
    ]
    uncertified = make_person(db, "station.trainee", station_staff.role, township, certified=False)

    wrong_state = act(api, station_staff, hid, "verify")
    assert wrong_state.status_code == 409
    assert wrong_state.json()["type"].endswith("/hazard-transition-not-allowed")
    assert "confirm" in wrong_state.json()["possible"]

    act(api, grid_worker, hid, "confirm")
    assert (
        act(api, grid_worker, hid, "order_rectification", deadline_working_days=3).status_code
        == 403
    )
    no_cert = act(api, uncertified, hid, "order_rectification", deadline_working_days=3)
    assert no_cert.status_code == 403 and no_cert.json()["type"].endswith("/certificate-required")
    incomplete = act(api, station_staff, hid, "order_rectification")
    assert incomplete.status_code == 422 and incomplete.json()["fields"] == [
        "deadline_working_days"
    ]
    assert (
        act(api, station_staff, hid, "order_rectification", deadline_working_days=3).status_code
        == 202
    )
    twice = act(api, station_staff, hid, "order_rectification", deadline_working_days=3)
    assert twice.status_code == 409 and twice.json()["type"].endswith("/already-approved")
    stale = act(api, grid_worker, hid, "rectify_on_spot", version=1)
    assert stale.status_code == 409 and stale.json()["current_version"] == 2

    assert (
        api.get(f"/api/v1/hazards/{hid}", headers=station_staff.headers(api)).json()["state"]
        == "confirmed"
    )


def test_an_offline_device_resending_a_report_does_not_duplicate_it(api, grid, grid_worker):
    body = hazard_body(id=str(uuid.uuid4()), device_time="2026-11-20T09:30:00+08:00")
    first = api.post("/api/v1/hazards", json=body, headers=grid_worker.headers(api))
    again = api.post("/api/v1/hazards", json=body, headers=grid_worker.headers(api))
    altered = api.post(
        "/api/v1/hazards", json={**body, "description": "别的"}, headers=grid_worker.headers(api)
    )

    assert (first.status_code, again.status_code, altered.status_code) == (201, 200, 409)
    assert first.json()["id"] == again.json()["id"] == body["id"]
    assert len(api.get("/api/v1/hazards", headers=grid_worker.headers(api)).json()) == 1


def test_another_township_cannot_see_or_act_but_the_reporter_follows_it(
    api, grid, grid_worker, other_station_staff, citizen
):
    by_citizen = api.post(
        "/api/v1/hazards", json=hazard_body(source="citizen"), headers=citizen.headers(api)
    ).json()
    hid = by_citizen["id"]

    assert (
        api.get(f"/api/v1/hazards/{hid}", headers=other_station_staff.headers(api)).status_code
        == 404
    )
    assert act(api, other_station_staff, hid, "confirm").status_code == 404
    assert (
        api.get(f"/api/v1/hazards/{hid}", headers=citizen.headers(api)).json()["state"]
        == "reported"
    )
    assert act(api, citizen, hid, "confirm").status_code == 404
    seen_by_worker = api.get(f"/api/v1/hazards/{hid}", headers=grid_worker.headers(api)).json()
    assert seen_by_worker["reporter"] == "c*"  # citizen.one, masked


def test_two_workers_sweeping_at_once_escalate_once(api, db, grid, grid_worker):
    hid = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api)).json()[
        "id"
    ]
    let_time_pass(db, hid)
    results = at_once(lambda: sweep(db))
    assert sorted(results) == [0, 1]
    with db() as session:
        assert session.get(Hazard, uuid.UUID(hid)).level == 1
    assert sweep(db) == 0  # not due again until the next period passes
