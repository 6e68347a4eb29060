"""The register of micro fire stations 微型消防站 and volunteer brigades 志愿消防队: the
township's station registers them; workers see those in their grids with phones masked;
their own members set them on or off duty; other townships see nothing of them."""

from __future__ import annotations

from backend.identity.enums import Role
from tests.fires.conftest import metres_east, station_body
from tests.world import make_person


def register(api, staff, name="幸福社区微型消防站", **extra):
    extra.setdefault("duty_phone", "13700000001")
    created = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body(name, metres_east(300), **extra),
        headers=staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return created.json()


def test_staff_register_change_and_remove_a_station(db, api, township, station_staff):
    station = register(api, station_staff)
    assert station["kind_name"] == "微型消防站" and station["township"] == township.code
    assert station["contact_phone"] == "13812345678"  # staff who manage it see it in clear
    headers = station_staff.headers(api)
    changed = api.patch(
        f"/api/v1/fire-stations/micro/{station['id']}",
        json={"version": 1, "members_count": 9, "kind": "volunteer"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["kind_name"] == "志愿消防队" and changed.json()["version"] == 2
    stale = api.patch(
        f"/api/v1/fire-stations/micro/{station['id']}",
        json={"version": 1, "members_count": 1},
        headers=headers,
    )
    assert stale.status_code == 409, stale.text
    bad = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body("坏号码", metres_east(10), contact_phone="12345"),
        headers=headers,
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "contact_phone"
    gone = api.delete(f"/api/v1/fire-stations/micro/{station['id']}", headers=headers)
    assert gone.status_code == 204
    assert (
        api.get(f"/api/v1/fire-stations/micro/{station['id']}", headers=headers).status_code == 404
    )


def test_workers_see_the_stations_in_their_grids_masked_and_filter_by_duty(
    db, api, grid, station_staff, grid_worker
):
    on = register(api, station_staff)
    register(api, station_staff, "河东志愿消防队", on_duty=False, kind="volunteer", duty_phone=None)
    headers = grid_worker.headers(api)
    listed = api.get("/api/v1/fire-stations/micro", headers=headers)
    assert listed.status_code == 200 and listed.headers["X-Total-Count"] == "2"
    assert {s["contact_phone"] for s in listed.json()} == {"138****5678"}
    assert {s["duty_phone"] for s in listed.json()} == {"137****0001", None}
    on_duty = api.get(
        "/api/v1/fire-stations/micro",
        params={"on_duty": "true", "township": "990101001"},
        headers=station_staff.headers(api),
    ).json()
    assert [s["id"] for s in on_duty] == [on["id"]]
    changed = api.patch(
        f"/api/v1/fire-stations/micro/{on['id']}", json={"version": 1}, headers=headers
    )
    assert changed.status_code == 403
    outside = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body("越出乡镇", (109.47, 24.35)),
        headers=station_staff.headers(api),
    )
    assert outside.status_code == 422, outside.text


def test_a_station_s_own_member_sets_it_on_or_off_duty(db, api, grid, station_staff, grid_worker):
    member = make_person(db, "micro.member", Role.GRID_WORKER, grid)
    station = register(api, station_staff, member_ids=[str(member.id)])
    off = api.put(
        f"/api/v1/fire-stations/micro/{station['id']}/duty",
        json={"on_duty": False},
        headers=member.headers(api),
    )
    assert off.status_code == 200, off.text
    assert off.json()["on_duty"] is False
    refused = api.put(
        f"/api/v1/fire-stations/micro/{station['id']}/duty",
        json={"on_duty": True},
        headers=grid_worker.headers(api),
    )
    assert refused.status_code == 403, refused.text


def test_other_townships_see_and_change_nothing(db, api, station_staff, other_station_staff):
    station = register(api, station_staff)
    headers = other_station_staff.headers(api)
    assert api.get("/api/v1/fire-stations/micro", headers=headers).json() == []
    for method, path, body in (
        ("GET", f"/api/v1/fire-stations/micro/{station['id']}", None),
        ("PATCH", f"/api/v1/fire-stations/micro/{station['id']}", {"version": 1}),
        ("DELETE", f"/api/v1/fire-stations/micro/{station['id']}", None),
        ("PUT", f"/api/v1/fire-stations/micro/{station['id']}/duty", {"on_duty": False}),
    ):
        assert api.request(method, path, json=body, headers=headers).status_code == 404, path
    foreign = api.post(
        "/api/v1/fire-stations/micro",
        json=station_body("越界", metres_east(10)),
        headers=headers,
    )
    assert foreign.status_code == 404, foreign.text
    listed = api.get(
        "/api/v1/fire-stations/micro", params={"township": "990101001"}, headers=headers
    )
    assert listed.status_code == 404
