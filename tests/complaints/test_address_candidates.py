"""Triage of an address-only complaint: staff choose among the places its address may mean
(areas it names, premises like it) instead of hunting for the point themselves."""

from __future__ import annotations

from tests.world import USCC_B, complaint_body, premises_body, send_complaint


def register(api, staff, **body) -> dict:
    created = api.post("/api/v1/premises", json=premises_body(**body), headers=staff)
    assert created.status_code == 201, created.text
    return created.json()


def candidates(api, headers, complaint_id, expect=200):
    answer = api.get(f"/api/v1/complaints/{complaint_id}/address-candidates", headers=headers)
    assert answer.status_code == expect, answer.text
    return answer.json()


def test_staff_choose_the_premises_the_address_means_and_the_complaint_routes_there(
    api, hotline, grid, other_grid, grid_worker, station_staff
):
    staff = station_staff.headers(api)
    snack_bar = register(
        api, staff, name="幸福小吃店", address="柳州市城中区幸福路12号", lng=109.41, lat=24.35
    )
    register(
        api,
        staff,
        name="文笔五金店",
        uscc=USCC_B,
        address="柳州市城中区文笔路3号",
        lng=109.44,
        lat=24.35,
    )
    body = complaint_body(location=None, address="测试township990101001 幸福路12号 小吃店后门")
    complaint = send_complaint(api, hotline, body).json()

    found = candidates(api, staff, complaint["id"])
    assert [(c["kind"], c["name"]) for c in found] == [
        ("area", "测试township990101001"),
        ("premises", "幸福小吃店"),
    ]
    chosen = found[1]
    assert chosen["id"] == snack_bar["id"] and chosen["area_code"] == "990101001001-01"
    assert 0.25 <= chosen["likeness"] <= 1

    placed = api.post(
        f"/api/v1/complaints/{complaint['id']}/location",
        json={"location": {"lng": chosen["lng"], "lat": chosen["lat"], "crs": "wgs84"}},
        headers=staff,
    )
    assert placed.status_code == 200, placed.text
    assert placed.json()["assignee_id"] == str(grid_worker.id)


def test_an_address_like_nothing_known_has_no_candidates(api, hotline, station_staff, grid):
    register(api, station_staff.headers(api), name="幸福小吃店", address="柳州市城中区幸福路12号")
    body = complaint_body(location=None, address="测试township990101001 解放北路88号")
    complaint = send_complaint(api, hotline, body).json()

    found = candidates(api, station_staff.headers(api), complaint["id"])
    assert [c["kind"] for c in found] == ["area"]  # only the township it names


def test_only_staff_who_may_see_the_complaint_get_its_candidates(
    api, hotline, grid, station_staff, other_station_staff, grid_worker
):
    body = complaint_body(location=None, address="测试township990101001 幸福路12号")
    complaint = send_complaint(api, hotline, body).json()
    candidates(api, other_station_staff.headers(api), complaint["id"], expect=404)
    candidates(api, grid_worker.headers(api), complaint["id"], expect=403)
