"""Area geometry and grid splitting on real-world-sized shapes near Liuzhou (109.4E, 24.3N).

Shapes are drawn in metres on a transverse Mercator centred on their own centroid (so the cells'
projection is the drawing's, and hand-computed counts hold), then stored in degrees.
"""

import json
import random
import time
from pathlib import Path

import numpy as np
import pytest
import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Point, Polygon, box

from grids.geometry import (
    LocalProjection,
    Outside,
    Overlap,
    area_m2,
    check_family,
    local_projection,
    polygonal,
    repair,
    to_degrees,
    to_metric,
)
from grids.splitting import Cell, _Quadtree, quadtree_cells, square_cells

LIUZHOU = LocalProjection(lng=109.4, lat=24.3)
DISTRICTS = Path(__file__).parents[2] / "backend" / "demo_data" / "liuzhou_districts.geojson"


def drawn(shape: Polygon) -> Polygon:
    """A shape drawn in metres, centred on its centroid, in degrees near Liuzhou."""
    centre = shape.centroid
    centred = affinity.translate(shape, -centre.x, -centre.y)
    return to_degrees(centred.segmentize(50), LIUZHOU)


def rectangle(width_m: float, height_m: float) -> Polygon:
    return drawn(box(0, 0, width_m, height_m))


def assert_tiles(cells: list[Cell], area) -> None:
    """The cells cover the area (within 1 m²) and do not overlap (beyond 1 m²)."""
    shapes = np.array([cell.geometry for cell in cells], dtype=object)
    assert area_m2(shapely.union_all(shapes).symmetric_difference(area)) < 1.0
    first, second = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = first < second
    overlap = sum(
        area_m2(shapes[i].intersection(shapes[j]))
        for i, j in zip(first[pairs], second[pairs], strict=True)
    )
    assert overlap < 1.0
    assert all(isinstance(cell.geometry, MultiPolygon) for cell in cells)


def in_order(cells: list[Cell]) -> bool:
    keys = [(cell.row, cell.col) for cell in cells]
    return keys == sorted(keys) and len(set(keys)) == len(keys)


def test_pyproj_runs_on_its_own_proj_even_after_spatialite_loaded_the_systems():
    """The test database loaded SpatiaLite (and the system's libproj) before grids.geometry
    imported pyproj: a mix of the two PROJs crashes the process at exit. (Importing pyproj
    here at the top would come first and defeat the guard, hence the late import.)"""
    import pyproj

    assert pyproj.__proj_version__ == pyproj.__proj_compiled_version__


# --- Metric helpers ----------------------------------------------------------------------------


def test_a_3_by_2_km_rectangle_has_6_km2_whatever_its_orientation():
    field = rectangle(3000, 2000)

    assert area_m2(field) == pytest.approx(6_000_000, rel=1e-6)
    assert area_m2(field.reverse()) == pytest.approx(area_m2(field))


def test_a_hole_is_subtracted():
    pond = drawn(box(0, 0, 3000, 2000).difference(box(1000, 500, 2000, 1500)))
    assert area_m2(pond) == pytest.approx(5_000_000, rel=1e-6)


def test_a_geometry_goes_to_metres_and_back():
    field = rectangle(3000, 2000)
    projection = local_projection(field)

    in_metres = to_metric(field, projection)
    back = to_degrees(in_metres, projection)

    assert projection == LIUZHOU  # centred on the centroid, rounded to 1e-6°
    west, south, east, north = in_metres.bounds
    assert (east - west, north - south) == (
        pytest.approx(3000, abs=0.01),
        pytest.approx(2000, abs=0.01),
    )
    assert np.allclose(shapely.get_coordinates(back), shapely.get_coordinates(field), atol=1e-11)


# --- Validation --------------------------------------------------------------------------------


def test_repair_reports_a_bow_tie_and_keeps_both_triangles():
    bow_tie = to_degrees(Polygon([(-500, -500), (500, 500), (500, -500), (-500, 500)]), LIUZHOU)

    repaired, reason = repair(bow_tie)

    assert reason is not None and reason.startswith("Self-intersection")
    assert repaired.is_valid and len(repaired.geoms) == 2
    assert area_m2(repaired) == pytest.approx(500_000, rel=1e-3)


def test_repair_leaves_a_valid_area_alone():
    field = rectangle(3000, 2000)

    repaired, reason = repair(field)

    assert reason is None
    assert repaired.equals(field) and isinstance(repaired, MultiPolygon)


def test_repair_of_a_line_has_no_polygon_area():
    repaired, reason = repair(shapely.LineString([(109.4, 24.3), (109.41, 24.31)]))
    assert repaired.is_empty and reason == "no polygon area"


def test_overlapping_members_of_a_collection_are_dissolved():
    two = shapely.GeometryCollection([rectangle(2000, 1000), rectangle(1000, 2000)])
    result = polygonal(two)
    assert result.is_valid and area_m2(result) == pytest.approx(3_000_000, rel=1e-6)


def strips(*spans: tuple[float, float, float, float]) -> list[tuple[str, Polygon]]:
    """Children drawn in the parent's metres (parent: x -1500..1500, y -1000..1000)."""
    return [
        (f"45020200{i + 1}", to_degrees(box(*span).segmentize(50), LIUZHOU))
        for i, span in enumerate(spans)
    ]


PARENT = rectangle(3000, 2000)


def test_children_that_tile_their_parent_pass():
    children = strips(
        (-1500, -1000, -500, 1000), (-500, -1000, 500, 1000), (500, -1000, 1500, 1000)
    )

    report = check_family("450202", PARENT, children)

    assert report.ok
    assert (report.overlaps, report.outside, report.gap_m2, report.gap_count) == ((), (), 0, 0)


def test_a_planted_overlap_gap_and_child_sticking_out_are_found_and_measured():
    children = strips(
        (-1500, -1000, -400, 1000),  # 100 m into its eastern sibling: 100 × 2000 m
        (-500, -1000, 500, 1000),
        (500, -1000, 1700, 900),  # 200 m out east (200 × 1900 m), 100 m short north (1000 × 100 m)
    )
    random.Random(3).shuffle(children)  # the report does not depend on the order given

    report = check_family("450202", PARENT, children)

    assert not report.ok
    assert report.overlaps == (Overlap("450202001", "450202002", pytest.approx(200_000, rel=0.01)),)
    assert report.outside == (Outside("450202003", pytest.approx(380_000, rel=0.01)),)
    assert report.gap_m2 == pytest.approx(100_000, rel=0.01)
    assert report.gap_count == 1
    assert report.invalid == ()


def test_floating_noise_at_a_shared_edge_is_ignored_but_can_be_seen():
    # A 0.2 mm disagreement along a 2 km border: 0.4 m² of overlap.
    children = strips((-1500, -1000, 0.0002, 1000), (0, -1000, 1500, 1000))

    assert check_family("450202", PARENT, children).ok
    finer = check_family("450202", PARENT, children, min_area_m2=0.01)
    assert [o.area_m2 for o in finer.overlaps] == [pytest.approx(0.4, rel=0.05)]


def test_an_invalid_child_is_reported_and_checked_repaired():
    bow_tie = to_degrees(
        Polygon([(-1500, -1000), (1500, 1000), (1500, -1000), (-1500, 1000)]), LIUZHOU
    )

    report = check_family("450202", PARENT, [("450202001", bow_tie)])

    assert [(i.code, i.reason.split("[")[0]) for i in report.invalid] == [
        ("450202001", "Self-intersection")
    ]
    assert report.gap_count == 2  # the two triangles the bow-tie leaves uncovered
    assert report.gap_m2 == pytest.approx(3_000_000, rel=0.01)


# --- Square cells ------------------------------------------------------------------------------


def test_square_cells_of_a_rectangle_count_as_by_hand():
    field = rectangle(3000, 2000)

    cells = square_cells(field, 800)

    # 3000 / 800 = 3.75 -> 4 columns, 2000 / 800 = 2.5 -> 3 rows; the smallest piece, in the
    # south-east corner, is 600 × 400 m = 0.375 of a cell: no sliver.
    assert [(c.row, c.col) for c in cells] == [(r, c) for r in range(3) for c in range(4)]
    expected = [[640_000] * 3 + [480_000]] * 2 + [[320_000] * 3 + [240_000]]
    for cell in cells:
        assert cell.area_m2 == pytest.approx(expected[cell.row][cell.col], rel=1e-4)
        assert cell.size_m == 800 and cell.points is None
    # North to south: row 0 is the northernmost; west to east within a row.
    assert cells[0].geometry.centroid.y > cells[-1].geometry.centroid.y
    assert cells[0].geometry.centroid.x < cells[3].geometry.centroid.x
    assert_tiles(cells, field)


def test_slivers_merge_into_the_neighbour_with_the_longest_border():
    field = rectangle(3000, 2000)

    cells = square_cells(field, 900)

    # 4 × 3 squares; the south row is 200 m tall (0.22 of a cell): each of its pieces merges
    # north, the corner piece (300 × 200 m) too, as its northern border (300 m) is longer than
    # its western one (200 m).
    assert [(c.row, c.col) for c in cells] == [(r, c) for r in range(2) for c in range(4)]
    south = {c.col: c.area_m2 for c in cells if c.row == 1}
    assert south == {
        0: pytest.approx(990_000, rel=1e-4),
        1: pytest.approx(990_000, rel=1e-4),
        2: pytest.approx(990_000, rel=1e-4),
        3: pytest.approx(330_000, rel=1e-4),
    }
    assert all(len(c.geometry.geoms) == 1 for c in cells)
    assert_tiles(cells, field)


def test_without_a_sliver_ratio_nothing_merges():
    cells = square_cells(rectangle(3000, 2000), 900, sliver_ratio=0)
    assert len(cells) == 12 and min(c.area_m2 for c in cells) == pytest.approx(60_000, rel=1e-3)


def test_a_sliver_that_touches_nothing_stays_on_its_own():
    # A 1 km field and, 1.5 km east of it, a 100 m plot, alone in the third column.
    farm = drawn(MultiPolygon([box(0, 0, 1000, 1000), box(2500, 900, 2600, 1000)]))

    cells = square_cells(farm, 1000)

    assert [(c.row, c.col) for c in cells] == [(0, 0), (0, 2)]
    assert cells[1].area_m2 == pytest.approx(10_000, rel=1e-3)
    assert_tiles(cells, farm)


def test_a_cell_the_area_enters_twice_stays_one_multipolygon():
    # A comb: a 2 km × 950 m bar and two 300 m wide teeth, which alone reach the north row.
    comb = drawn(
        shapely.union_all(
            [box(0, 0, 2000, 950), box(100, 950, 400, 2000), box(600, 950, 900, 2000)]
        )
    )

    cells = square_cells(comb, 1000)

    assert [(c.row, c.col) for c in cells] == [(0, 0), (1, 0), (1, 1)]  # (0, 1) is empty
    assert len(cells[0].geometry.geoms) == 2
    assert [c.area_m2 for c in cells] == [
        pytest.approx(600_000, rel=1e-4),
        pytest.approx(980_000, rel=1e-4),
        pytest.approx(950_000, rel=1e-4),
    ]
    assert_tiles(cells, comb)


L_SHAPE = Polygon([(0, 0), (3000, 0), (3000, 1000), (1200, 1000), (1200, 2500), (0, 2500)])
# A village outline with a river bend cut out: concave, slanted edges, an odd angle or two.
IRREGULAR = Polygon(
    [(0, 0), (1800, -300), (3400, 400), (3100, 1900), (2300, 1500), (1900, 2600), (600, 2900),
     (-400, 1700), (500, 900)],
    holes=[[(1500, 700), (2100, 700), (1900, 1200)]],
)  # fmt: skip


@pytest.mark.parametrize("outline", [L_SHAPE, IRREGULAR], ids=["L", "irregular"])
@pytest.mark.parametrize("size", [300, 500, 700])
def test_square_cells_tile_the_area(outline, size):
    area = drawn(outline)

    cells = square_cells(area, size)

    assert_tiles(cells, area)
    assert in_order(cells)
    assert min(c.area_m2 for c in cells) >= 0.25 * size**2 * 0.999  # every sliver had a neighbour


def test_square_cells_are_deterministic():
    area = drawn(IRREGULAR)
    assert square_cells(area, 400) == square_cells(area, 400)


def test_cells_pass_the_family_check_against_their_area():
    area = drawn(IRREGULAR)
    cells = square_cells(area, 250)

    report = check_family("v", area, [(f"g{c.row:03}{c.col:03}", c.geometry) for c in cells])

    assert report.ok, report


def test_an_absurd_cell_size_is_refused():
    with pytest.raises(ValueError, match="more than"):
        square_cells(rectangle(3000, 2000), 1)


# --- Quadtree cells ----------------------------------------------------------------------------


def points_in(outline: Polygon, n: int, seed: int) -> list[tuple[float, float]]:
    """n random points (lng, lat) inside an outline drawn in metres."""
    rng = random.Random(seed)
    west, south, east, north = outline.bounds
    found = []
    while len(found) < n:
        spot = Point(rng.uniform(west, east), rng.uniform(south, north))
        if outline.contains(spot):
            found.append(spot)
    centre = outline.centroid
    return [to_degrees(Point(p.x - centre.x, p.y - centre.y), LIUZHOU).coords[0] for p in found]


def test_without_points_the_quadtree_is_one_cell():
    field = rectangle(3000, 2000)

    cells = quadtree_cells(field, [], 10)

    assert [(c.row, c.col, c.points, c.size_m) for c in cells] == [(0, 0, 0, pytest.approx(3000))]
    assert cells[0].area_m2 == pytest.approx(6_000_000, rel=1e-6)


@pytest.mark.parametrize("outline", [L_SHAPE, IRREGULAR], ids=["L", "irregular"])
def test_the_quadtree_respects_max_points(outline):
    area = drawn(outline)
    points = points_in(outline, 600, seed=11)
    # A hamlet: 150 houses within about 100 m, denser than a 50 m cell can split.
    centre = outline.centroid
    points += [
        to_degrees(Point(400 - centre.x + dx, 1800 - centre.y + dy), LIUZHOU).coords[0]
        for dx, dy in np.random.default_rng(5).normal(0, 30, size=(150, 2))
    ]

    cells = quadtree_cells(area, points, 30)

    smallest = min(c.size_m for c in cells)
    assert all(c.points <= 30 or c.size_m == smallest for c in cells)
    assert any(c.points > 30 for c in cells)  # the hamlet could not be split below 50 m
    assert smallest >= 50 and len({c.size_m for c in cells}) >= 3
    assert sum(c.points for c in cells) == len(points)
    assert_tiles(cells, area)
    assert in_order(cells)
    assert quadtree_cells(area, points, 30) == cells  # deterministic


def test_a_quadtree_sliver_is_not_merged_beyond_max_points():
    # Root: the 3000 m square on a 3000 × 1600 m field, split once at x = 0, y = -700 (metres
    # from the centre). The two southern quarters keep 100 m strips: slivers. The west strip
    # holds a point and its northern neighbour is full, so it goes east, then both go north-east.
    field = rectangle(3000, 1600)
    points = [
        to_degrees(Point(x, y), LIUZHOU).coords[0]
        for x, y in [(-1000, 500), (-500, 0), (-1000, -750)]
    ]

    cells = quadtree_cells(field, points, 2)

    assert [(c.row, c.col, c.points) for c in cells] == [(0, 0, 2), (0, 1, 1)]
    assert cells[0].area_m2 == pytest.approx(1500 * 1500, rel=1e-4)
    assert cells[1].area_m2 == pytest.approx(1500 * 1500 + 2 * 1500 * 100, rel=1e-4)
    assert_tiles(cells, field)


def test_a_point_on_a_split_line_counts_east_and_north_of_it():
    # A 100 m root at (0, 0)-(100, 100) with 25 m cells at the deepest level.
    tree = _Quadtree(west=0.0, north=100.0, unit=25.0, depth=2)
    xy = np.array([(50, 60), (10, 50), (50, 50), (100, 100), (0, 0), (101, 50)], dtype=float)

    rows, cols = tree._deepest_cells(xy)

    # (50, 60): on x = 50, east; (10, 50): on y = 50, north; (50, 50): both; the outer corners
    # count in the cell they touch; (101, 50) lies outside the root and counts nowhere.
    assert list(zip(rows.tolist(), cols.tolist(), strict=True)) == [
        (1, 2), (1, 0), (1, 2), (0, 3), (3, 0)
    ]  # fmt: skip


# --- The Liuzhou districts ---------------------------------------------------------------------


def districts() -> list[tuple[str, MultiPolygon]]:
    features = json.loads(DISTRICTS.read_text(encoding="utf-8"))["features"]
    # GCJ-02 coordinates, taken as plain lng/lat: only their fit to one another matters here.
    return [
        (str(f["properties"]["adcode"]), polygonal(shapely.geometry.shape(f["geometry"])))
        for f in features
    ]


def test_the_liuzhou_districts_do_not_overlap():
    children = districts()
    city = shapely.union_all([geom for _, geom in children])

    report = check_family("450200", city, children, min_area_m2=1000)

    assert len(children) == 10
    assert report.overlaps == () and report.outside == () and report.gap_count == 0
    # Not even floating noise: the extract's neighbours share their boundary vertices.
    assert check_family("450200", city, children, min_area_m2=0.01).ok


def test_the_largest_district_splits_into_500_m_cells_that_tile_it():
    code, district = max(districts(), key=lambda child: area_m2(child[1]))

    started = time.perf_counter()
    cells = square_cells(district, 500)
    seconds = time.perf_counter() - started

    print(f"square_cells({code}, 500 m): {len(cells)} cells in {seconds:.2f} s")
    assert code == "450225"  # 融水, about 4,660 km²
    assert len(cells) > 18_000
    assert sum(c.area_m2 for c in cells) == pytest.approx(area_m2(district), rel=1e-6)
    children = [(f"{c.row:04}{c.col:04}", c.geometry) for c in cells]
    assert check_family(code, district, children).ok
