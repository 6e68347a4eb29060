"""The premises registry: routed by location, kept in scope, edited safely, imported whole."""

from backend.core import audit
from tests.world import USCC_B, premises_body


def register(api, headers, **body):
    return api.post("/api/v1/premises", json=premises_body(**body), headers=headers)


def test_registering_premises_routes_them_and_masks_the_phone(api, station_staff, grid, db):
    response = register(api, station_staff.headers(api))

    assert response.status_code == 201, response.text
    premises = response.json()
    assert premises["area_code"] == grid.code
    assert premises["route_status"] == "inside"
    assert premises["contact_phone"] == "138****1234"
    assert premises["supervision_tier"] == "township"
    with db() as session:
        (event,) = audit.events_for(session, "premises", premises["id"])
    assert event.action == "premises.created"
    assert "13812341234" not in str(event.after)


def test_gcj02_locations_are_converted_and_the_raw_value_kept(api, station_staff, grid):
    from grids.crs import wgs84_to_gcj02

    lng, lat = wgs84_to_gcj02(109.41, 24.35)
    premises = register(api, station_staff.headers(api), lng=lng, lat=lat, crs="gcj02").json()
    assert premises["area_code"] == grid.code
    assert (premises["lng"], premises["lat"], premises["crs"]) == (lng, lat, "gcj02")
    as_wgs = api.get(
        f"/api/v1/premises/{premises['id']}",
        params={"answer_crs": "wgs84"},
        headers=station_staff.headers(api),
    ).json()
    assert abs(as_wgs["lng"] - 109.41) < 1e-7 and abs(as_wgs["lat"] - 24.35) < 1e-7


def test_key_units_default_to_brigade_supervision(api, brigade_staff, grid):
    premises = register(
        api, brigade_staff.headers(api), key_unit=True, premises_type="high_rise"
    ).json()
    assert premises["supervision_tier"] == "brigade"


def test_bad_codes_and_locations_are_refused_with_reasons(api, station_staff, grid, other_township):
    headers = station_staff.headers(api)

    bad_code = register(api, headers, uscc="914403001922038217")
    no_code = register(api, headers, uscc=None)
    outside = register(api, headers, lng=109.48, lat=24.35)
    nowhere = register(api, headers, lng=100.0, lat=30.0)

    assert bad_code.status_code == 422 and "check character" in bad_code.text
    assert no_code.status_code == 422 and "individual businesses" in no_code.json()["detail"]
    assert (
        outside.status_code == 422
        and outside.json()["detail"] == "the location is outside your area"
    )
    assert nowhere.status_code == 422
    assert register(api, headers, uscc=None, individual_business=True).status_code == 201


def test_another_townships_premises_are_invisible(api, station_staff, other_station_staff, grid):
    created = register(api, station_staff.headers(api)).json()
    other = other_station_staff.headers(api)

    assert api.get(f"/api/v1/premises/{created['id']}", headers=other).status_code == 404
    assert api.get("/api/v1/premises", headers=other).json() == []
    assert (
        api.patch(
            f"/api/v1/premises/{created['id']}", json={"version": 1, "name": "x"}, headers=other
        ).status_code
        == 404
    )


def test_list_filters_by_area_type_bbox_and_name(api, station_staff, grid, other_grid):
    headers = station_staff.headers(api)
    register(api, headers, name="东街网吧", premises_type="public_gathering", lng=109.41)
    register(api, headers, name="西街民宿", premises_type="farm_stay", lng=109.44, uscc=USCC_B)

    def names(**params):
        return [
            p["name"] for p in api.get("/api/v1/premises", params=params, headers=headers).json()
        ]

    assert names() == ["东街网吧", "西街民宿"]
    assert names(area=grid.code) == ["东街网吧"]
    assert names(premises_type="farm_stay") == ["西街民宿"]
    assert names(bbox="109.43,24.3,109.45,24.4") == ["西街民宿"]
    assert names(q="网吧") == ["东街网吧"]
    assert api.get("/api/v1/premises", params={"bbox": "1,2,3"}, headers=headers).status_code == 422


def test_edits_are_versioned_and_archiving_hides_them(api, station_staff, grid):
    headers = station_staff.headers(api)
    created = register(api, headers).json()
    url = f"/api/v1/premises/{created['id']}"

    renamed = api.patch(
        url, json={"version": 1, "name": "幸福快餐店", "risk_level": "high"}, headers=headers
    )
    stale = api.patch(url, json={"version": 1, "name": "旧名"}, headers=headers)

    assert renamed.status_code == 200 and renamed.json()["version"] == 2
    assert renamed.json()["risk_level"] == "high"
    assert stale.status_code == 409
    assert api.delete(url, headers=headers).status_code == 204
    assert api.get(url, headers=headers).status_code == 404


def test_the_external_reference_is_edited_cleared_and_kept_unique(api, station_staff, grid):
    headers = station_staff.headers(api)
    first = register(api, headers, external_ref="XF-0001").json()
    second = register(api, headers, uscc=USCC_B, name="第二家店").json()
    url = f"/api/v1/premises/{second['id']}"

    taken = api.patch(url, json={"version": 1, "external_ref": "XF-0001"}, headers=headers)
    given = api.patch(url, json={"version": 1, "external_ref": "XF-0002"}, headers=headers)
    cleared = api.patch(url, json={"version": 2, "external_ref": ""}, headers=headers)

    assert taken.status_code == 409, taken.text
    assert taken.json()["field"] == "external_ref"
    assert given.json()["external_ref"] == "XF-0002"
    assert cleared.status_code == 200 and cleared.json()["external_ref"] is None
    assert api.get(f"/api/v1/premises/{first['id']}", headers=headers).json()["external_ref"] == (
        "XF-0001"
    )


def test_a_grid_worker_registers_but_may_not_edit(api, grid_worker, grid):
    headers = grid_worker.headers(api)
    created = register(api, headers)
    assert created.status_code == 201
    response = api.patch(
        f"/api/v1/premises/{created.json()['id']}",
        json={"version": 1, "name": "x"},
        headers=headers,
    )
    assert response.status_code == 403


CSV_HEADER = (
    "name,uscc,individual_business,premises_type,risk_level,address,lng,lat,contact_phone\n"
)


def test_a_good_csv_imports_every_row(api, station_staff, grid):
    rows = (
        "阳光宾馆,914403001922038216,false,public_gathering,high,示例路2号,109.41,24.35,0772-1234567\n"
        "老李修车铺,,true,living_workshop,medium,示例路3号,109.42,24.36,\n"
    )
    response = api.post(
        "/api/v1/premises/import",
        content=(CSV_HEADER + rows).encode(),
        headers={**station_staff.headers(api), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    assert response.json()["imported"] == 2
    listed = api.get("/api/v1/premises", headers=station_staff.headers(api)).json()
    assert sorted(p["name"] for p in listed) == ["老李修车铺", "阳光宾馆"]


def test_a_csv_with_bad_rows_imports_nothing_and_names_every_bad_line(api, station_staff, grid):
    rows = (
        "好的一家,914403001922038216,false,small_venue,low,示例路1号,109.41,24.35,\n"  # line 2
        "坏代码,914403001922038217,false,small_venue,low,示例路2号,109.41,24.35,\n"  # line 3
        "好的两家,,true,small_venue,low,示例路3号,109.41,24.35,\n"  # line 4
        "坏类型,,true,spaceport,low,示例路4号,109.41,24.35,\n"  # line 5
        "在外面,,true,small_venue,low,示例路5号,100.0,30.0,\n"  # line 6
    )
    headers = {**station_staff.headers(api), "Content-Type": "text/csv"}

    response = api.post(
        "/api/v1/premises/import", content=(CSV_HEADER + rows).encode(), headers=headers
    )

    assert response.status_code == 422
    problems = response.json()["problems"]
    assert [(p["line"], p["field"]) for p in problems] == [
        (3, "uscc"),
        (5, "premises_type"),
        (6, "lng"),
    ]
    assert api.get("/api/v1/premises", headers=station_staff.headers(api)).json() == []


def test_a_csv_with_a_wrong_header_says_which_columns(api, station_staff, grid):
    headers = {**station_staff.headers(api), "Content-Type": "text/csv"}
    response = api.post(
        "/api/v1/premises/import", content="名称,位置\n甲,乙\n".encode(), headers=headers
    )
    assert response.status_code == 422
    assert response.json()["problems"][0]["line"] == 1
    assert "unknown columns: 名称, 位置" in response.json()["problems"][0]["message"]
    assert "name/场所名称" in response.json()["problems"][0]["message"]


def test_premises_follow_when_grids_change(api, admin, db, grid, other_township):
    from backend.core.db import session_scope
    from backend.core.settings import get_settings
    from grids.premises import service
    from tests.world import make_area

    headers = admin.headers(api)
    created = register(api, headers, lng=109.48, lat=24.35).json()
    assert (created["route_status"], created["area_code"]) == ("township", other_township.code)

    village = make_area(
        db, "990101002001", "village", (109.45, 24.30, 109.50, 24.40), other_township
    )
    make_area(db, "990101002001-01", "grid", (109.45, 24.30, 109.50, 24.40), village)
    with session_scope() as session:
        assert service.reroute_if_areas_changed(session, get_settings()) == 1
        assert service.reroute_if_areas_changed(session, get_settings()) == 0

    moved = api.get(f"/api/v1/premises/{created['id']}", headers=headers).json()
    assert (moved["route_status"], moved["area_code"]) == ("inside", "990101002001-01")


def test_an_import_keeps_names_that_begin_like_formulas_as_typed(api, station_staff, grid):
    """Neutralising formulas is for exports; what a station imports is stored as it was."""
    rows = (
        '"=HYPERLINK(""http://x"")",,true,small_venue,low,示例路1号,109.41,24.35,\n'
        "+86修车铺,,true,small_venue,low,示例路2号,109.41,24.35,\n"
        "-号仓库,,true,small_venue,low,示例路3号,109.41,24.35,\n"
        "@网吧,,true,small_venue,low,示例路4号,109.41,24.35,\n"
    )
    response = api.post(
        "/api/v1/premises/import",
        content=(CSV_HEADER + rows).encode(),
        headers={**station_staff.headers(api), "Content-Type": "text/csv"},
    )
    assert response.status_code == 200, response.text
    listed = api.get("/api/v1/premises", headers=station_staff.headers(api)).json()
    assert sorted(p["name"] for p in listed) == sorted(
        ['=HYPERLINK("http://x")', "+86修车铺", "-号仓库", "@网吧"]
    )
