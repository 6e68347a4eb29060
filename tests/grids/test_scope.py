"""A township's staff act in their township only; what lies outside is not found, so that
even its existence does not leak."""

from sqlalchemy import select

from backend.core.audit import AuditEvent
from backend.identity.enums import Role
from tests.world import make_person


def test_station_staff_see_their_township_and_everything_below(
    api, station_staff, township, village, grid, other_township
):
    headers = station_staff.headers(api)

    listed = api.get("/api/v1/areas", headers=headers).json()

    assert [a["code"] for a in listed] == [township.code, village.code, grid.code]
    assert api.get(f"/api/v1/areas/{grid.code}", headers=headers).status_code == 200


def codes(api, headers, **params) -> list[str]:
    answer = api.get("/api/v1/areas", params=params, headers=headers)
    assert answer.status_code == 200, answer.text
    return [a["code"] for a in answer.json()]


def test_the_tree_is_walked_down_from_the_top_of_ones_scope_one_level_at_a_time(
    api, station_staff, county, township, village, grid, other_grid, other_township
):
    """The console's area picker starts at `top=true` and opens one area at a time
    (`parent=`), so a county of 10,000 grids is never sent whole."""
    headers = station_staff.headers(api)

    assert codes(api, headers, top="true") == [township.code]
    assert codes(api, headers, parent=township.code) == [village.code]
    assert codes(api, headers, parent=village.code) == [grid.code, other_grid.code]
    assert codes(api, headers, parent=grid.code) == []
    # Above or beside one's township there is nothing to open.
    assert codes(api, headers, parent=county.code) == [township.code]
    assert codes(api, headers, parent=other_township.code) == []


def test_the_top_of_the_scope_for_each_kind_of_caller(
    api, admin, brigade_staff, grid_worker, citizen, county, township, grid
):
    assert codes(api, brigade_staff.headers(api), top="true") == [county.code]
    assert codes(api, grid_worker.headers(api), top="true") == [grid.code]
    assert codes(api, admin.headers(api), top="true") == [county.code]  # every county
    assert codes(api, citizen.headers(api), top="true") == []


def test_another_townships_area_is_not_found_for_reading_or_changing(
    api, station_staff, other_township
):
    headers = station_staff.headers(api)

    read = api.get(f"/api/v1/areas/{other_township.code}", headers=headers)
    change = api.patch(
        f"/api/v1/areas/{other_township.code}", json={"name": "改名"}, headers=headers
    )
    users = api.get(f"/api/v1/areas/{other_township.code}/users", headers=headers)

    for response in (read, change, users):
        assert response.status_code == 404
        assert response.json()["detail"] == f"no area with code {other_township.code!r}"
    # Same answer as for a code that does not exist at all.
    assert api.get("/api/v1/areas/000000", headers=headers).json()["title"] == read.json()["title"]


def test_the_county_brigade_sees_both_townships(api, brigade_staff, township, other_township):
    codes = [a["code"] for a in api.get("/api/v1/areas", headers=brigade_staff.headers(api)).json()]
    assert township.code in codes and other_township.code in codes


def test_a_grid_worker_sees_only_their_own_grid(api, grid_worker, grid, other_grid, village):
    headers = grid_worker.headers(api)

    assert [a["code"] for a in api.get("/api/v1/areas", headers=headers).json()] == [grid.code]
    assert api.get(f"/api/v1/areas/{other_grid.code}", headers=headers).status_code == 404
    assert api.get(f"/api/v1/areas/{village.code}", headers=headers).status_code == 404


def test_a_citizen_has_no_area_scope(api, citizen, township):
    assert api.get("/api/v1/areas", headers=citizen.headers(api)).json() == []


def test_an_admin_without_an_area_sees_everything(api, admin, township, other_township):
    codes = [a["code"] for a in api.get("/api/v1/areas", headers=admin.headers(api)).json()]
    assert {township.code, other_township.code} <= set(codes)


def test_renaming_an_area_is_versioned_and_audited(api, station_staff, village, db):
    headers = station_staff.headers(api)

    renamed = api.patch(
        f"/api/v1/areas/{village.code}", json={"name": "河东社区", "version": 1}, headers=headers
    )
    stale = api.patch(
        f"/api/v1/areas/{village.code}", json={"name": "河西社区", "version": 1}, headers=headers
    )

    assert renamed.status_code == 200
    assert renamed.json() == {
        "code": village.code,
        "name": "河东社区",
        "level": "village",
        "parent_code": "990101001",
        "version": 2,
    }
    assert stale.status_code == 409
    assert stale.json()["current_version"] == 2
    with db() as session:
        event = session.scalars(
            select(AuditEvent)
            .where(AuditEvent.action == "area.renamed")
            .order_by(AuditEvent.seq.desc())
        ).first()
    assert event.subject_id == str(village.id)
    assert event.actor_id == station_staff.id
    assert event.before == {"name": "测试village990101001001"} and event.after == {
        "name": "河东社区"
    }


def test_a_grid_worker_may_not_rename_their_grid(api, grid_worker, grid):
    response = api.patch(
        f"/api/v1/areas/{grid.code}", json={"name": "x"}, headers=grid_worker.headers(api)
    )
    assert response.status_code == 403


def test_station_staff_place_a_new_grid_worker_in_their_grid(api, station_staff, grid):
    created = api.post(
        f"/api/v1/areas/{grid.code}/users",
        json={
            "username": "worker.new",
            "password": "a-long-enough-password",
            "role": "grid_worker",
        },
        headers=station_staff.headers(api),
    )
    assert created.status_code == 201, created.text

    tokens = api.post(
        "/api/v1/auth/token", data={"username": "worker.new", "password": "a-long-enough-password"}
    ).json()
    me = api.get("/api/v1/me", headers={"Authorization": f"Bearer {tokens['access_token']}"}).json()
    assert me["grid_codes"] == [grid.code]


def test_placing_users_outside_scope_or_above_ones_rank_is_refused(
    api, station_staff, township, county, other_township, db
):
    headers = station_staff.headers(api)
    worker = {"username": "worker.x", "password": "a-long-enough-password", "role": "grid_worker"}
    boss = {"username": "boss.x", "password": "a-long-enough-password", "role": "brigade_staff"}

    outside = api.post(f"/api/v1/areas/{other_township.code}/users", json=worker, headers=headers)
    above = api.post(f"/api/v1/areas/{township.code}/users", json=boss, headers=headers)
    wrong_level = api.post(f"/api/v1/areas/{township.code}/users", json=worker, headers=headers)

    assert outside.status_code == 404
    assert above.status_code == 403
    assert wrong_level.status_code == 422
    assert "grid_worker is placed at grid" in wrong_level.json()["detail"]


def test_signing_out_staff_of_another_township_is_not_found(api, station_staff, db, other_township):
    other = make_person(db, "station.far", Role.STATION_STAFF, other_township)
    response = api.post(
        f"/api/v1/users/{other.id}/revoke-sessions", headers=station_staff.headers(api)
    )
    assert response.status_code == 404


def test_the_brigade_signs_out_a_lost_phone(api, brigade_staff, grid_worker):
    phone = grid_worker.sign_in(api)

    response = api.post(
        f"/api/v1/users/{grid_worker.id}/revoke-sessions", headers=brigade_staff.headers(api)
    )

    assert response.status_code == 204
    assert (
        api.get(
            "/api/v1/me", headers={"Authorization": f"Bearer {phone['access_token']}"}
        ).status_code
        == 401
    )


def test_area_geometry_can_be_answered_in_gcj02(api, station_staff, township):
    headers = station_staff.headers(api)
    wgs = api.get(f"/api/v1/areas/{township.code}", headers=headers).json()
    gcj = api.get(f"/api/v1/areas/{township.code}?crs=gcj02", headers=headers).json()

    assert wgs["bbox"] == [109.40, 24.30, 109.45, 24.40]
    # GCJ-02 shifts Liuzhou by roughly +0.005 deg east and -0.003 deg north (a few hundred m).
    assert 0.003 < gcj["bbox"][0] - wgs["bbox"][0] < 0.008
    assert -0.006 < gcj["bbox"][1] - wgs["bbox"][1] < 0.0
    assert gcj["geometry"]["type"] == "MultiPolygon"


def test_a_worker_moved_to_another_grid_acts_there_at_once_with_the_same_token(
    api, station_staff, grid_worker, grid, other_grid
):
    """The scope of a caller is kept for a few seconds (decision 0046); moving a worker
    forgets theirs, so the old grid is closed to them and the new one open on the next
    request."""
    worker, station = grid_worker.headers(api), station_staff.headers(api)
    assert codes(api, worker, top="true") == [grid.code]  # worked out, and kept
    assert api.get(f"/api/v1/areas/{other_grid.code}", headers=worker).status_code == 404

    moved = api.put(
        f"/api/v1/grids/{other_grid.code}/team",
        json={"primary": str(grid_worker.id)},
        headers=station,
    )
    left = api.put(f"/api/v1/grids/{grid.code}/team", json={"primary": None}, headers=station)

    assert moved.status_code == left.status_code == 200, (moved.text, left.text)
    assert codes(api, worker, top="true") == [other_grid.code]
    assert api.get(f"/api/v1/areas/{other_grid.code}", headers=worker).status_code == 200
    assert api.get(f"/api/v1/areas/{grid.code}", headers=worker).status_code == 404
