"""The console's map: areas with their open and overdue hazards and grid teams, premises as
points or counts per cell, open hazards as points; only within scope, in the map's CRS."""

from datetime import timedelta

import pytest

from tests.world import SETUP, hazard_body, premises_body


def collection(api, headers, path, **params):
    response = api.get(path, params=params, headers=headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "FeatureCollection"
    return body


def by_code(body):
    return {f["properties"]["code"]: f["properties"] for f in body["features"]}


def report(api, person, **extra) -> str:
    response = api.post("/api/v1/hazards", json=hazard_body(**extra), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return response.json()["id"]


def change_hazard(db, hazard_id, **values):
    import uuid

    from sqlalchemy import update

    from hazards.models import Hazard

    with db() as session:
        session.execute(update(Hazard).where(Hazard.id == uuid.UUID(hazard_id)).values(**values))


@pytest.fixture
def hazards_world(
    api, db, grid_worker, backup_worker, brigade_staff, grid, other_grid, other_township
):
    """Grid 1: three hazards, one overdue and one closed; grid 2: one; the other township
    (outside every grid, so at its station): one. Grid 1's team: its worker (with a phone)
    and the neighbouring grid's worker as backup, on leave."""
    from backend.core.db import utcnow
    from backend.identity.models import User
    from grids import service, workforce
    from grids.enums import AssignmentRole, DutyStatus

    first = report(api, grid_worker)
    second = report(api, grid_worker, category="open_flame")
    closed = report(api, grid_worker, category="flammables")
    change_hazard(db, second, level_due_at=utcnow() - timedelta(hours=1))
    change_hazard(db, closed, is_open=False)
    report(api, brigade_staff, lng=109.435, lat=24.35)
    report(api, brigade_staff, lng=109.48, lat=24.35)
    with db() as session:
        worker = session.get(User, grid_worker.id)
        worker.phone = "13812341234"
        backup = session.get(User, backup_worker.id)
        workforce.assign_to_grid(
            session, backup, service.area_by_code(session, grid.code), AssignmentRole.BACKUP, SETUP
        )
        workforce.set_duty(session, backup, workforce.Duty(DutyStatus.OFF_DUTY), SETUP)
    return {"first": first, "overdue": second}


def test_areas_carry_their_open_and_overdue_hazards(
    api, hazards_world, brigade_staff, county, township, village, grid, other_grid, other_township
):
    areas = by_code(collection(api, brigade_staff.headers(api), "/api/v1/map/areas", limit=100))

    counts = {code: (p["open_hazards"], p["overdue_hazards"]) for code, p in areas.items()}
    assert counts == {
        county.code: (4, 1),
        township.code: (3, 1),
        village.code: (3, 1),
        grid.code: (2, 1),
        other_grid.code: (1, 0),
        other_township.code: (1, 0),
    }


def test_a_grid_carries_its_worker_backups_and_who_is_on_duty(
    api, hazards_world, brigade_staff, grid_worker, backup_worker, grid, other_grid
):
    areas = by_code(collection(api, brigade_staff.headers(api), "/api/v1/map/areas", level="grid"))
    mine = areas[grid.code]

    assert mine["worker"]["id"] == str(grid_worker.id)
    assert mine["worker"]["phone"] == "138****1234" and mine["worker"]["on_duty"] is True
    assert [(b["id"], b["on_duty"]) for b in mine["backups"]] == [(str(backup_worker.id), False)]
    assert mine["on_duty"]["id"] == str(grid_worker.id)
    assert mine["worker"]["name"]
    # The backup's own grid: its worker is off duty, so nobody of the grid is.
    assert areas[other_grid.code]["worker"]["id"] == str(backup_worker.id)
    assert areas[other_grid.code]["on_duty"] is None
    # Without the team, counts only.
    lean = by_code(
        collection(api, brigade_staff.headers(api), "/api/v1/map/areas", level="grid", team="false")
    )
    assert "worker" not in lean[grid.code] and lean[grid.code]["open_hazards"] == 2


def test_the_hazards_layer_shows_open_hazards_with_state_severity_and_overdue(
    api, hazards_world, station_staff, grid
):
    body = collection(api, station_staff.headers(api), "/api/v1/map/hazards")

    shown = {f["id"]: f["properties"] for f in body["features"]}
    assert len(shown) == 3  # the township's open hazards: not the closed one, not next door's
    assert shown[hazards_world["overdue"]]["overdue"] is True
    assert shown[hazards_world["first"]]["overdue"] is False
    assert shown[hazards_world["first"]]["state"] == "reported"
    assert shown[hazards_world["first"]]["severity"] == "ordinary"
    assert shown[hazards_world["first"]]["area_code"] == grid.code
    late = collection(api, station_staff.headers(api), "/api/v1/map/hazards", overdue="true")
    assert [f["id"] for f in late["features"]] == [hazards_world["overdue"]]


def test_a_station_never_sees_the_neighbouring_township(
    api, hazards_world, station_staff, other_station_staff, grid_worker, grid, other_township
):
    api.post(
        "/api/v1/premises",
        json=premises_body(name="邻镇商店", lng=109.48, uscc=None, individual_business=True),
        headers=other_station_staff.headers(api),
    )
    api.post("/api/v1/premises", json=premises_body(), headers=station_staff.headers(api))
    mine = station_staff.headers(api)

    areas = by_code(collection(api, mine, "/api/v1/map/areas", limit=100))
    premises = collection(api, mine, "/api/v1/map/premises")
    cells = collection(api, mine, "/api/v1/map/premises", zoom=8)
    hazards = collection(api, mine, "/api/v1/map/hazards")
    theirs = collection(api, other_station_staff.headers(api), "/api/v1/map/hazards")

    assert other_township.code not in areas
    assert [f["properties"]["name"] for f in premises["features"]] == ["幸福小吃店"]
    assert sum(f["properties"]["count"] for f in cells["features"]) == 1
    assert all(f["properties"]["area_code"].startswith("990101001") for f in hazards["features"])
    assert len(theirs["features"]) == 1
    assert theirs["features"][0]["properties"]["area_code"] == other_township.code
    # A grid worker: their own grid, its hazards.
    worker = grid_worker.headers(api)
    assert list(by_code(collection(api, worker, "/api/v1/map/areas"))) == [grid.code]
    assert len(collection(api, worker, "/api/v1/map/hazards")["features"]) == 2


def test_premises_come_as_counts_per_cell_at_low_zoom(api, db, station_staff, grid, other_grid):
    import uuid

    from sqlalchemy import update

    from grids.premises.models import Premises

    headers = station_staff.headers(api)
    points = [(109.405, 24.31), (109.406, 24.311), (109.44, 24.39), (109.41, 24.35)]
    ids = []
    for n, (lng, lat) in enumerate(points):
        created = api.post(
            "/api/v1/premises",
            json=premises_body(
                name=f"商铺{n}",
                lng=lng,
                lat=lat,
                uscc=None,
                individual_business=True,
                risk_level="high" if n == 0 else "low",
            ),
            headers=headers,
        )
        assert created.status_code == 201, created.text
        ids.append(created.json()["id"])
    with db() as session:
        session.execute(
            update(Premises)
            .where(Premises.id == uuid.UUID(ids[0]))
            .values(credit_status="blacklist")
        )

    county_view = collection(api, headers, "/api/v1/map/premises", zoom=9)
    street_view = collection(api, headers, "/api/v1/map/premises", zoom=16)
    close = collection(api, headers, "/api/v1/map/premises", zoom=14)

    assert county_view["aggregated"] is True and street_view["aggregated"] is False
    # At zoom 9 a cell is about 0.18 degrees: the whole township is one or two cells.
    assert len(county_view["features"]) <= 2
    assert sum(f["properties"]["count"] for f in county_view["features"]) == 4
    assert sum(f["properties"]["blacklist"] for f in county_view["features"]) == 1
    assert sum(f["properties"]["high_risk"] for f in county_view["features"]) == 1
    # At zoom 14 (cells of about 340 m) the two shops 150 m apart share one, the rest do not.
    assert sorted(f["properties"]["count"] for f in close["features"]) == [1, 1, 2]
    for cell in close["features"]:
        west, south, east, north = cell["properties"]["bbox"]
        lng, lat = cell["geometry"]["coordinates"]
        assert west <= lng <= east and south <= lat <= north
    shown = {f["id"]: f["properties"] for f in street_view["features"]}
    assert shown[ids[0]]["credit_status"] == "blacklist"
    assert shown[ids[0]]["credit_colour"] == "#000000"
    assert shown[ids[1]]["credit_colour"] == "#52c41a"
    assert shown[ids[0]]["premises_type"] == "small_venue"
    assert shown[ids[0]]["risk_level"] == "high"


def test_gcj02_answers_are_shifted_as_gcj02_is(api, hazards_world, brigade_staff, grid):
    from grids.crs import wgs84_to_gcj02

    headers = brigade_staff.headers(api)
    hazards = collection(api, headers, "/api/v1/map/hazards", crs="gcj02")
    plain = collection(api, headers, "/api/v1/map/hazards")
    areas = by_code(collection(api, headers, "/api/v1/map/areas", level="grid", crs="gcj02"))

    shifted = {f["id"]: f["geometry"]["coordinates"] for f in hazards["features"]}
    for feature in plain["features"]:
        lng, lat = feature["geometry"]["coordinates"]
        expected = [round(c, 7) for c in wgs84_to_gcj02(lng, lat)]
        assert shifted[feature["id"]] == pytest.approx(expected, abs=2e-7)
        # about 500 m east and 300 m south of the GPS position in Liuzhou
        assert 0.004 < expected[0] - lng < 0.006 and -0.004 < expected[1] - lat < -0.002
    grid_feature = next(
        f
        for f in collection(api, headers, "/api/v1/map/areas", level="grid", crs="gcj02")[
            "features"
        ]
        if f["id"] == grid.code
    )
    import shapely

    corners = {
        tuple(c) for c in shapely.get_coordinates(shapely.geometry.shape(grid_feature["geometry"]))
    }
    assert tuple(round(c, 7) for c in wgs84_to_gcj02(109.40, 24.30)) in corners
    assert areas[grid.code]["open_hazards"] == 2


@pytest.mark.parametrize(
    "path, params",
    [
        ("/api/v1/map/areas", {"bbox": "109,24,108,25"}),
        ("/api/v1/map/areas", {"zoom": "23"}),
        ("/api/v1/map/areas", {"zoom": "-1"}),
        ("/api/v1/map/premises", {"bbox": "a,b,c,d"}),
        ("/api/v1/map/premises", {"zoom": "99"}),
        ("/api/v1/map/hazards", {"bbox": "109,24,110"}),
        ("/api/v1/map/hazards", {"bbox": "109,91,110,92"}),
        ("/api/v1/map/hazards", {"limit": "0"}),
    ],
)
def test_a_bad_bbox_or_zoom_is_a_422_problem(api, admin, path, params):
    response = api.get(path, params=params, headers=admin.headers(api))

    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    fields = [e["field"] for e in response.json().get("errors", [])]
    assert any(name in " ".join(fields) + response.json()["detail"] for name in params)


def test_the_boundary_cache_is_dropped_when_the_areas_change(api, admin, db, village, grid):
    """Boundaries are cached per zoom and CRS; a changed area tree (the area revision moving
    on) drops them, so a moved boundary is drawn where it now is."""
    import shapely
    from sqlalchemy import update

    from grids.models import Area
    from grids.service import bump_area_revision

    def west_edge():
        body = collection(api, admin.headers(api), "/api/v1/map/areas", level="grid", zoom=18)
        shape = shapely.geometry.shape(body["features"][0]["geometry"])
        return round(shape.bounds[0], 6)

    assert west_edge() == 109.40
    with db() as session:
        moved = shapely.MultiPolygon([shapely.box(109.401, 24.30, 109.425, 24.40)])
        session.execute(
            update(Area).where(Area.id == grid.id).values(geom=f"SRID=4326;{shapely.to_wkt(moved)}")
        )
        bump_area_revision(session)

    assert west_edge() == 109.401
