"""Importing areas (real Liuzhou boundaries, GCJ-02), checking how children fit, and splitting
townships into grids."""

import json
import math
import os
import subprocess
import sys
from pathlib import Path

import shapely
from shapely.geometry import shape

from backend.demo import DISTRICTS_FILE
from grids.crs import gcj02_to_wgs84
from tests.world import make_area, premises_body

FIREGRID = str(Path(sys.executable).parent / "firegrid")
LIUZHOU = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))


def metres(a, b):
    (x1, y1), (x2, y2) = a, b
    return math.hypot((x2 - x1) * 111_320 * math.cos(math.radians(y1)), (y2 - y1) * 110_574)


def import_areas(api, headers, collection, **params):
    return api.post("/api/v1/areas/import", params=params, json=collection, headers=headers)


def test_liuzhou_districts_import_from_gcj02_within_a_metre_of_the_truth(api, admin):
    response = import_areas(api, admin.headers(api), LIUZHOU, level="county", crs="gcj02")

    assert response.status_code == 200, response.text
    assert sorted(response.json()["imported"]) == sorted(
        str(f["properties"]["adcode"]) for f in LIUZHOU["features"]
    )
    assert response.json()["check"]["overlaps"] == []

    chengzhong = next(f for f in LIUZHOU["features"] if f["properties"]["adcode"] == 450202)
    stored = shape(api.get("/api/v1/areas/450202", headers=admin.headers(api)).json()["geometry"])
    vertices = shapely.get_coordinates(shape(chengzhong["geometry"]))[::40]
    for gcj in vertices:
        truth = gcj02_to_wgs84(*gcj)  # the reference conversion of this vertex
        nearest = shapely.get_coordinates(
            shapely.shortest_line(stored.boundary, shapely.Point(truth))
        )[0]
        assert metres(truth, nearest) < 1.0
    as_gcj = shape(
        api.get("/api/v1/areas/450202?crs=gcj02", headers=admin.headers(api)).json()["geometry"]
    )
    first = shapely.get_coordinates(as_gcj)[0]
    assert (
        min(metres(first, v) for v in shapely.get_coordinates(shape(chengzhong["geometry"]))) < 1.0
    )


def test_a_bad_feature_imports_nothing_and_is_named(api, admin):
    features = [dict(f) for f in LIUZHOU["features"][:3]]
    features[2] = {
        "type": "Feature",
        "properties": {"adcode": 1, "name": "一个点"},
        "geometry": {"type": "Point", "coordinates": [109.4, 24.3]},
    }

    response = import_areas(
        api,
        admin.headers(api),
        {"type": "FeatureCollection", "features": features},
        level="county",
        crs="gcj02",
    )

    assert response.status_code == 422
    assert response.json()["detail"].startswith("feature 2 (一个点)")
    assert api.get("/api/v1/areas", headers=admin.headers(api)).json() == []


def bow_tie(code):
    return {
        "type": "Feature",
        "properties": {"adcode": code, "name": "蝴蝶"},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[109.0, 24.0], [109.1, 24.1], [109.1, 24.0], [109.0, 24.1], [109.0, 24.0]]
            ],
        },
    }


def test_invalid_polygons_are_repaired_and_reported_or_refused_with_strict(api, admin):
    collection = {"type": "FeatureCollection", "features": [bow_tie("880001")]}
    strict = import_areas(api, admin.headers(api), collection, level="county", strict=True)
    lenient = import_areas(api, admin.headers(api), collection, level="county")

    assert strict.status_code == 422 and "Self-intersection" in strict.json()["detail"]
    assert lenient.status_code == 200
    assert lenient.json()["repaired"][0]["code"] == "880001"
    assert "Self-intersection" in lenient.json()["repaired"][0]["reason"]


def test_the_check_reports_overlaps_outside_pieces_and_gaps_in_square_metres(api, admin, township):
    def village(code, bounds):
        return {
            "type": "Feature",
            "properties": {"code": code, "name": code},
            "geometry": shapely.geometry.mapping(shapely.box(*bounds)),
        }

    collection = {
        "type": "FeatureCollection",
        "features": [
            village(
                "990101001801", (109.40, 24.30, 109.43, 24.40)
            ),  # overlaps the next by 0.005 deg of longitude
            village(
                "990101001802", (109.425, 24.30, 109.452, 24.35)
            ),  # sticks out east of the township
        ],
    }
    imported = import_areas(
        api, admin.headers(api), collection, level="village", parent=township.code, code_prop="code"
    )
    check = api.get(f"/api/v1/areas/{township.code}/check", headers=admin.headers(api)).json()

    assert imported.status_code == 200, imported.text
    assert imported.json()["check"] == check
    assert not check["ok"]
    (overlap,) = check["overlaps"]
    assert (overlap["first"], overlap["second"]) == ("990101001801", "990101001802")
    # 0.005 deg x 0.05 deg near 24.35 N: 507 m x 5,535 m
    assert 2_780_000 < overlap["area_m2"] < 2_840_000
    # 0.002 deg x 0.05 deg east of the township: 203 m x 5,535 m
    assert (
        check["outside"][0]["code"] == "990101001802"
        and 1_100_000 < check["outside"][0]["area_m2"] < 1_150_000
    )
    assert check["gap_count"] >= 1 and check["gap_m2"] > 1_000_000


def test_a_township_splits_into_deterministic_grids_and_preview_saves_nothing(
    api, station_staff, township, village
):
    headers = station_staff.headers(api)

    preview = api.post(
        f"/api/v1/areas/{township.code}/split", params={"cell_size_m": 1000}, headers=headers
    )
    again = api.post(
        f"/api/v1/areas/{township.code}/split", params={"cell_size_m": 1000}, headers=headers
    )
    assert preview.status_code == 200, preview.text
    assert preview.json()["saved"] is False
    assert preview.json()["grids"] == again.json()["grids"]
    assert api.get("/api/v1/areas", params={"level": "grid"}, headers=headers).json() == []

    saved = api.post(
        f"/api/v1/areas/{township.code}/split",
        params={"cell_size_m": 1000, "preview": False},
        headers=headers,
    )
    grids = api.get("/api/v1/areas", params={"level": "grid"}, headers=headers).json()
    codes = [f["properties"]["code"] for f in saved.json()["grids"]["features"]]

    assert saved.json()["saved"] is True
    assert (
        [g["code"] for g in grids]
        == codes
        == [f"{village.code}-{n:03d}" for n in range(1, len(codes) + 1)]
    )
    # about 5 km x 11 km in 1 km cells, slivers merged
    assert 40 <= len(codes) <= 66
    assert api.get(f"/api/v1/areas/{village.code}/check", headers=headers).json()["ok"] is True
    refused = api.post(
        f"/api/v1/areas/{township.code}/split", params={"cell_size_m": 1000}, headers=headers
    )
    assert refused.status_code == 409


def test_a_quadtree_split_keeps_premises_per_grid_under_the_limit(
    api, station_staff, township, village, db
):
    headers = station_staff.headers(api)
    for i in range(12):
        body = premises_body(
            name=f"店{i}",
            lng=109.401 + 0.002 * (i % 4),
            lat=24.301 + 0.002 * (i // 4),
            uscc=None,
            individual_business=True,
        )
        assert api.post("/api/v1/premises", json=body, headers=headers).status_code == 201

    split = api.post(
        f"/api/v1/areas/{township.code}/split",
        params={"max_premises": 3, "preview": False},
        headers=headers,
    )

    assert split.status_code == 200, split.text
    counts = [f["properties"]["premises"] for f in split.json()["grids"]["features"]]
    assert max(counts) <= 3 and sum(counts) == 12
    assert split.json()["premises_rerouted"] == 12
    listed = api.get("/api/v1/premises", headers=headers).json()
    assert {p["route_status"] for p in listed} == {"inside"}


def test_splitting_needs_one_method(api, station_staff, township, village):
    response = api.post(f"/api/v1/areas/{township.code}/split", headers=station_staff.headers(api))
    assert response.status_code == 422


def test_the_cli_imports_checks_and_splits(tmp_path, db):
    path = tmp_path / "liuzhou.geojson"
    path.write_text(json.dumps(LIUZHOU, ensure_ascii=False), encoding="utf-8")

    def firegrid(*args):
        return subprocess.run(
            [FIREGRID, *args], capture_output=True, text=True, env=os.environ, timeout=120
        )

    imported = firegrid("areas", "import", str(path), "--level", "county", "--crs", "gcj02")
    assert imported.returncode == 0, imported.stderr
    assert "imported 10 county areas" in imported.stdout

    town = make_area(
        db,
        "450202801",
        "township",
        (109.41, 24.30, 109.43, 24.32),
        type("A", (), {"code": "450202"})(),
    )
    make_area(db, "450202801001", "village", (109.41, 24.30, 109.43, 24.32), town)
    preview = firegrid("grids", "split", town.code, "--cell-size", "500m", "--preview")
    saved = firegrid("grids", "split", town.code, "--cell-size", "500m")
    check = firegrid("areas", "check", "450202801001")

    assert preview.returncode == 0 and "would create" in preview.stdout
    assert saved.returncode == 0 and "created" in saved.stdout
    assert check.returncode == 0 and "ok" in check.stdout
    assert firegrid("grids", "split", town.code).returncode == 2


def test_area_codes_that_are_not_digits_are_refused_naming_the_feature(api, admin, township):
    def village(code):
        return {
            "type": "Feature",
            "properties": {"code": code, "name": "演示村"},
            "geometry": shapely.geometry.mapping(shapely.box(109.40, 24.30, 109.41, 24.31)),
        }

    for bad in ("990101001/01", "99%", "990101001_1", "9901 01", "V1", "990101001-", "-1", "1-2-3"):
        collection = {
            "type": "FeatureCollection",
            "features": [village("990101001801"), village(bad)],
        }
        refused = import_areas(
            api,
            admin.headers(api),
            collection,
            level="village",
            parent=township.code,
            code_prop="code",
        )
        assert refused.status_code == 422, (bad, refused.text)
        assert refused.json()["field"] == "features[1].properties.code"
        assert repr(bad) in refused.json()["detail"] and "digits" in refused.json()["detail"]
    children = api.get(
        "/api/v1/areas", params={"parent": township.code}, headers=admin.headers(api)
    )
    assert children.json() == []  # all or nothing: the good first feature is not kept either
    fine = import_areas(
        api,
        admin.headers(api),
        {"type": "FeatureCollection", "features": [village("990101001801-001")]},
        level="village",
        parent=township.code,
        code_prop="code",
    )
    assert fine.status_code == 200, fine.text
