"""Routing points to grids over HTTP: inside, on shared edges, just outside, in a township
without grids, and nowhere; in WGS-84 and GCJ-02; one at a time and in batches."""

import json
import uuid
from datetime import timedelta

from backend.core.audit import Actor
from backend.core.db import utcnow
from grids.crs import wgs84_to_gcj02
from tests.world import another_county, make_area

EDGE_X = 109.425  # the shared edge of `grid` (west) and `other_grid` (east)


def locate(api, headers, lng, lat, **params):
    response = api.get(
        "/api/v1/grids/locate", params={"lng": lng, "lat": lat, **params}, headers=headers
    )
    assert response.status_code == 200, response.text
    return response.json()


def test_a_point_inside_a_grid_names_every_level_and_its_worker(
    api, brigade_staff, grid, other_grid, grid_worker
):
    found = locate(api, brigade_staff.headers(api), 109.41, 24.35)

    assert found["status"] == "inside"
    assert found["grid"]["code"] == grid.code
    assert found["village"]["code"] == "990101001001"
    assert found["township"]["code"] == "990101001"
    assert found["county"]["code"] == "990101"
    assert found["handler"]["kind"] == "primary_worker"
    assert found["handler"]["user_id"] == str(grid_worker.id)


def test_a_point_on_a_shared_edge_always_goes_to_the_lowest_code(api, admin, grid, other_grid):
    headers = admin.headers(api)
    on_edge = [(EDGE_X, 24.35), (EDGE_X, 24.30), (EDGE_X, 24.40)]  # the edge and both corners

    singles = [locate(api, headers, x, y)["grid"]["code"] for x, y in on_edge]
    batch = api.post(
        "/api/v1/grids/locate", json={"points": [list(p) for p in on_edge] * 3}, headers=headers
    ).json()["results"]

    assert singles == [grid.code] * 3
    assert [r["grid"]["code"] for r in batch] == [grid.code] * 9
    assert grid.code < other_grid.code


def test_a_point_just_outside_snaps_to_the_nearest_grid_within_200_m(api, admin, grid, other_grid):
    # 0.001 deg of longitude at 24.35 N is about 101 m.
    found = locate(api, admin.headers(api), 109.40 - 0.001, 24.35)

    assert found["status"] == "nearest"
    assert found["grid"]["code"] == grid.code
    assert 95 < found["distance_m"] < 107


def test_a_point_far_outside_is_unrouted(api, admin, grid):
    found = locate(api, admin.headers(api), 109.40 - 0.01, 24.35)  # about 1 km west

    assert found["status"] == "unrouted"
    assert found["grid"] is None and found["township"] is None and found["handler"] is None


def test_a_township_without_grids_goes_to_its_station(api, brigade_staff, grid, other_township):
    found = locate(api, brigade_staff.headers(api), 109.48, 24.35)

    assert found["status"] == "township"
    assert found["township"]["code"] == other_township.code
    assert found["grid"] is None
    assert found["handler"]["kind"] == "township_station"
    assert found["handler"]["area_code"] == other_township.code


def test_gcj02_input_routes_like_its_wgs84_truth(api, admin, grid, other_grid):
    truth = (EDGE_X - 0.0003, 24.35)  # 30 m west of the edge: inside `grid`
    gcj = wgs84_to_gcj02(*truth)

    as_gcj = locate(api, admin.headers(api), *gcj, crs="gcj02")
    as_wgs_shifted = locate(
        api, admin.headers(api), *gcj
    )  # the classic bug: GCJ-02 taken as WGS-84

    assert as_gcj["grid"]["code"] == grid.code
    assert as_wgs_shifted["grid"]["code"] == other_grid.code  # ~500 m east: the wrong grid
    echoed = locate(api, admin.headers(api), *truth, answer_crs="gcj02")
    assert abs(echoed["lng"] - gcj[0]) < 1e-9 and echoed["crs"] == "gcj02"


def test_a_batch_keeps_order_and_refs(api, admin, grid, other_grid, other_township):
    points = [
        {"lng": 109.41, "lat": 24.35, "ref": "a"},
        [109.44, 24.35],
        {"lng": 109.48, "lat": 24.35, "ref": "c"},
        {"lng": 100.0, "lat": 30.0, "ref": "d"},
    ]
    results = api.post(
        "/api/v1/grids/locate", json={"points": points}, headers=admin.headers(api)
    ).json()["results"]

    assert [r["status"] for r in results] == ["inside", "inside", "township", "unrouted"]
    assert [r["ref"] for r in results] == ["a", None, "c", "d"]
    assert results[1]["grid"]["code"] == other_grid.code


def test_bad_points_and_oversized_batches_are_refused(api, admin, grid):
    headers = admin.headers(api)
    assert (
        api.get("/api/v1/grids/locate", params={"lng": 200, "lat": 24}, headers=headers).status_code
        == 422
    )
    assert (
        api.get(
            "/api/v1/grids/locate", params={"lng": "nan", "lat": 24}, headers=headers
        ).status_code
        == 422
    )
    assert (
        api.get(
            "/api/v1/grids/locate", params={"lng": 109, "lat": 24, "crs": "mars"}, headers=headers
        ).status_code
        == 422
    )
    too_many = {"points": [[109.41, 24.35]] * 10_001}
    response = api.post("/api/v1/grids/locate", json=too_many, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "body.points"


def test_who_handles_is_told_only_within_scope(api, other_station_staff, grid, grid_worker):
    found = locate(api, other_station_staff.headers(api), 109.41, 24.35)

    assert found["grid"]["code"] == grid.code  # geography is public
    assert found["handler"] is None  # people are not


def test_routing_follows_area_changes_made_elsewhere(api, admin, db, grid, other_township):
    """Another process (here: a direct service call) changes areas; the API's index follows."""
    from grids import service

    headers = admin.headers(api)
    assert locate(api, headers, 109.48, 24.35)["status"] == "township"

    with db() as session:
        service.rename_area(
            session, service.area_by_code(session, grid.code), "河畔网格", None, Actor.system()
        )
    village = make_area(
        db, "990101002001", "village", (109.45, 24.30, 109.50, 24.40), other_township
    )
    make_area(db, "990101002001-01", "grid", (109.45, 24.30, 109.50, 24.40), village)

    assert locate(api, headers, 109.41, 24.35)["grid"]["name"] == "河畔网格"
    assert locate(api, headers, 109.48, 24.35)["grid"]["code"] == "990101002001-01"


def test_locating_needs_a_signed_in_caller(api, grid):
    assert api.get("/api/v1/grids/locate", params={"lng": 109.41, "lat": 24.35}).status_code == 401


# --- Teams, duty and who handles ------------------------------------------------------------------


def team(api, headers, code):
    return api.get(f"/api/v1/grids/{code}/team", headers=headers).json()


def test_the_handler_falls_back_from_primary_to_backup_to_leader_to_station(
    api, station_staff, grid, grid_worker, backup_worker, grid_leader, township
):
    headers = station_staff.headers(api)
    put = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(grid_worker.id), "backups": [str(backup_worker.id)]},
        headers=headers,
    )
    assert put.status_code == 200, put.text
    assert put.json()["handler"]["user_id"] == str(grid_worker.id)

    today = utcnow().date()
    leave = {
        "status": "on_duty",
        "leave_from": str(today - timedelta(days=1)),
        "leave_until": str(today + timedelta(days=2)),
    }
    assert (
        api.put(f"/api/v1/users/{grid_worker.id}/duty", json=leave, headers=headers).json()[
            "available_today"
        ]
        is False
    )
    assert team(api, headers, grid.code)["handler"] == {
        "kind": "backup_worker",
        "area_code": grid.code,
        "user_id": str(backup_worker.id),
        "display_name": "worker.two",
    }

    api.put(f"/api/v1/users/{backup_worker.id}/duty", json={"status": "off_duty"}, headers=headers)
    assert team(api, headers, grid.code)["handler"]["kind"] == "grid_leader"
    assert team(api, headers, grid.code)["handler"]["user_id"] == str(grid_leader.id)

    api.put(f"/api/v1/users/{grid_leader.id}/duty", json={"status": "off_duty"}, headers=headers)
    station = team(api, headers, grid.code)["handler"]
    assert station["kind"] == "township_station" and station["area_code"] == township.code


def test_reassigning_a_grid_changes_who_handles_and_is_audited(
    api, station_staff, grid, grid_worker, backup_worker, db
):
    from backend.core import audit

    headers = station_staff.headers(api)
    before = locate(api, headers, 109.41, 24.35)["handler"]["user_id"]

    api.put(
        f"/api/v1/grids/{grid.code}/team", json={"primary": str(backup_worker.id)}, headers=headers
    )

    assert before == str(grid_worker.id)
    assert locate(api, headers, 109.41, 24.35)["handler"]["user_id"] == str(backup_worker.id)
    with db() as session:
        event = audit.events_for(session, "area", grid.id)[-1]
    assert event.action == "grid.team_changed"
    assert event.before == {"primary": str(grid_worker.id), "backups": []}
    assert event.after == {"primary": str(backup_worker.id), "backups": []}


def test_only_grid_workers_can_join_a_team(api, station_staff, grid, grid_leader):
    response = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(grid_leader.id)},
        headers=station_staff.headers(api),
    )
    assert response.status_code == 422
    assert "not an active grid worker" in response.json()["detail"]


def test_another_townships_grid_team_is_not_found(api, other_station_staff, grid):
    headers = other_station_staff.headers(api)
    assert api.get(f"/api/v1/grids/{grid.code}/team", headers=headers).status_code == 404
    assert (
        api.put(
            f"/api/v1/grids/{grid.code}/team", json={"primary": None}, headers=headers
        ).status_code
        == 404
    )


def test_a_worker_of_another_county_is_answered_as_an_id_that_does_not_exist(
    api, db, station_staff, grid, grid_worker
):
    """The station cannot make another county's worker its grid's primary (who would then
    read the grid's hazards and be dispatched its complaints), and the refusal is the one a
    made-up id gets, so it does not tell the station that the worker exists."""
    stranger = another_county(db).worker
    headers = station_staff.headers(api)
    made_up = str(uuid.uuid4())

    def as_primary(user_id: str) -> dict:
        response = api.put(
            f"/api/v1/grids/{grid.code}/team", json={"primary": user_id}, headers=headers
        )
        assert response.status_code == 422, response.text
        return json.loads(response.text.replace(user_id, "…"))  # the id sent, blanked

    assert as_primary(str(stranger.id)) == as_primary(made_up)
    assert as_primary(made_up)["field"] == "workers"
    team = api.get(f"/api/v1/grids/{grid.code}/team", headers=headers).json()
    assert team["primary"] == str(grid_worker.id)
    # Nor can the station set that worker's duty: not found, as for an id never issued.
    for user_id in (stranger.id, made_up):
        duty = api.put(
            f"/api/v1/users/{user_id}/duty", json={"status": "off_duty"}, headers=headers
        )
        assert duty.status_code == 404
        assert duty.json()["detail"] == f"no user with id {user_id}"


def test_a_worker_taken_off_every_grid_can_be_given_one_again(
    api, station_staff, grid, grid_worker, backup_worker
):
    """Between grids a worker stays in the scope of the grid they left, so the station can
    put them back."""
    headers = station_staff.headers(api)
    url = f"/api/v1/grids/{grid.code}/team"

    assert api.put(url, json={"primary": str(backup_worker.id)}, headers=headers).status_code == 200
    back = api.put(url, json={"primary": str(grid_worker.id)}, headers=headers)

    assert back.status_code == 200, back.text
    assert back.json()["primary"] == str(grid_worker.id)


def test_leave_needs_a_sane_range(api, station_staff, grid_worker):
    response = api.put(
        f"/api/v1/users/{grid_worker.id}/duty",
        json={"status": "on_duty", "leave_from": "2026-12-10", "leave_until": "2026-12-01"},
        headers=station_staff.headers(api),
    )
    assert response.status_code == 422


def test_who_handles_at_a_given_time_follows_leave_dates(
    api, station_staff, grid, grid_worker, grid_leader
):
    headers = station_staff.headers(api)
    leave = {"status": "on_duty", "leave_from": "2027-02-01", "leave_until": "2027-02-07"}
    api.put(f"/api/v1/users/{grid_worker.id}/duty", json=leave, headers=headers)

    def handler_at(moment):
        return api.get(
            f"/api/v1/grids/{grid.code}/team", params={"at": moment}, headers=headers
        ).json()["handler"]

    assert handler_at("2027-01-31T15:59:00+00:00")["user_id"] == str(
        grid_worker.id
    )  # 23:59 in Shanghai
    assert handler_at("2027-01-31T16:00:00+00:00")["user_id"] == str(
        grid_leader.id
    )  # 00:00 on 1 Feb
    assert handler_at("2027-02-08T01:00:00+08:00")["user_id"] == str(grid_worker.id)
    naive = api.get(
        f"/api/v1/grids/{grid.code}/team", params={"at": "2027-02-02T10:00:00"}, headers=headers
    )
    assert naive.status_code == 422
