"""Map layers: what the console draws, only within scope, simplified and paged."""

from tests.world import premises_body


def collection(api, headers, path, **params):
    response = api.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body


def codes(body):
    return [f["properties"]["code"] for f in body["features"]]


def test_area_layers_are_filtered_by_scope_and_bbox(
    api, station_staff, brigade_staff, grid, other_grid, other_township
):
    mine = collection(api, station_staff.headers(api), "/api/v1/map/areas", level="grid")
    west = collection(
        api, brigade_staff.headers(api), "/api/v1/map/areas", bbox="109.40,24.30,109.42,24.40"
    )

    assert codes(mine) == [grid.code, other_grid.code]
    assert other_township.code not in codes(
        collection(api, station_staff.headers(api), "/api/v1/map/areas")
    )
    assert grid.code in codes(west) and other_grid.code not in codes(west)
    assert other_township.code not in codes(west)


def test_area_geometry_is_simplified_for_the_zoom(api, admin, db, village):
    import math

    import shapely

    from backend.core.audit import Actor
    from grids import service

    # A square whose north edge wiggles by ~1 m over 2,000 vertices.
    north = [(109.40 + 0.025 * i / 2000, 24.40 + 0.00001 * math.sin(i)) for i in range(2001)]
    wiggly = shapely.Polygon([(109.40, 24.30), (109.425, 24.30), *reversed(north)])

    with db() as session:
        service.create_area(
            session,
            code="990101001001-09",
            name="曲折网格",
            level=service.AreaLevel.GRID,
            geometry=shapely.MultiPolygon([wiggly]),
            parent=service.area_by_code(session, village.code),
            actor=Actor.system(),
        )

    def vertices(zoom):
        body = collection(api, admin.headers(api), "/api/v1/map/areas", level="grid", zoom=zoom)
        return shapely.get_num_coordinates(shapely.geometry.shape(body["features"][0]["geometry"]))

    assert vertices(8) <= 10 < 1000 < vertices(22)


def test_area_layers_page(api, admin, village, grid, other_grid):
    first = collection(api, admin.headers(api), "/api/v1/map/areas", level="grid", limit=1)
    second = collection(
        api,
        admin.headers(api),
        "/api/v1/map/areas",
        level="grid",
        limit=1,
        offset=first["next_offset"],
    )

    assert codes(first) == [grid.code] and first["next_offset"] == 1
    assert codes(second) == [other_grid.code] and second["next_offset"] is None


def test_premises_layer_in_scope_and_gcj02(api, station_staff, other_station_staff, grid):
    from grids.crs import wgs84_to_gcj02

    api.post("/api/v1/premises", json=premises_body(), headers=station_staff.headers(api))

    mine = collection(api, station_staff.headers(api), "/api/v1/map/premises", crs="gcj02")
    theirs = collection(api, other_station_staff.headers(api), "/api/v1/map/premises")

    (feature,) = mine["features"]
    # sent to 7 decimals (about 1 cm)
    assert feature["geometry"]["coordinates"] == [
        round(c, 7) for c in wgs84_to_gcj02(109.41, 24.35)
    ]
    assert feature["properties"]["area_code"] == grid.code
    assert theirs["features"] == []


def test_a_malformed_bbox_is_refused(api, admin):
    response = api.get(
        "/api/v1/map/areas", params={"bbox": "109,24,108,25"}, headers=admin.headers(api)
    )
    assert response.status_code == 422 and "bbox" in response.json()["detail"]


def test_a_gcj02_box_selects_what_it_shows(api, brigade_staff, grid, other_grid):
    from grids.crs import wgs84_to_gcj02

    (min_x, min_y), (max_x, max_y) = wgs84_to_gcj02(109.40, 24.30), wgs84_to_gcj02(109.42, 24.40)
    body = collection(
        api,
        brigade_staff.headers(api),
        "/api/v1/map/areas",
        level="grid",
        crs="gcj02",
        bbox=f"{min_x},{min_y},{max_x},{max_y}",
    )
    assert codes(body) == [grid.code]
