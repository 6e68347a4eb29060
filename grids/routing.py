"""Point → grid routing, in process.

Everything that arrives with a location (a hazard, a complaint, a premises) is routed here, so
this is built for speed and for one answer per point, always the same:

- A point inside or on the edge of grids goes to the one with the lowest code (grids are held
  sorted by code, so "lowest code" is "lowest index"). Point-in-polygon uses `intersects`,
  which counts the boundary, never `contains`, which does not.
- Outside every grid: the nearest grid within the snapping distance (metres, measured on the
  ground), ties to the lowest code; else the township containing it; else unrouted.

Batches go through shapely's vectorised STRtree queries. Single points first look up a bucket
of a regular lattice over the grids: a bucket lying wholly inside one grid answers without any
geometry test, others test only their few candidates. Buckets are filled lazily, so building
the index stays cheap. The index is immutable; `current_index` swaps in a new one when the
area revision in the database moves.
"""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from grids.enums import AreaLevel, RouteStatus
from grids.models import Area, AreaRevision

EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180
NO_MATCH = -1
REVISION_ROW = 1


@dataclass(frozen=True)
class Place:
    id: uuid.UUID
    code: str
    name: str


@dataclass(frozen=True)
class GridPlace:
    grid: Place
    village: Place
    township: Place
    county: Place


@dataclass(frozen=True)
class Route:
    status: RouteStatus
    grid: GridPlace | None = None
    township: Place | None = None
    county: Place | None = None
    distance_m: float | None = None  # for NEAREST: how far outside the grid the point lies


@dataclass(frozen=True)
class RoutedArrays:
    """Batch results as arrays, one entry per point: the status code (index into
    `STATUS_ORDER`), the grid index (or -1), the township index (or -1) and the distance in
    metres for snapped points (else NaN)."""

    status: np.ndarray
    grid: np.ndarray
    township: np.ndarray
    distance_m: np.ndarray


STATUS_ORDER = (RouteStatus.INSIDE, RouteStatus.NEAREST, RouteStatus.TOWNSHIP, RouteStatus.UNROUTED)
_INSIDE, _NEAREST, _TOWNSHIP, _UNROUTED = range(4)


def ground_distance_m(x1, y1, x2, y2):
    """Haversine distance in metres; works on floats and numpy arrays alike."""
    lam1, phi1, lam2, phi2 = map(np.radians, (x1, y1, x2, y2))
    a = (
        np.sin((phi2 - phi1) / 2) ** 2
        + np.cos(phi1) * np.cos(phi2) * np.sin((lam2 - lam1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(a))


class GridIndex:
    def __init__(
        self,
        revision: int,
        grids: list[GridPlace],
        grid_geometries: np.ndarray,
        townships: list[tuple[Place, Place]],
        township_geometries: np.ndarray,
        snap_m: float,
    ) -> None:
        self.revision = revision
        self.snap_m = snap_m
        self.grids = grids
        self.townships = townships
        self._grid_geoms = grid_geometries
        self._township_geoms = township_geometries
        shapely.prepare(self._grid_geoms)
        shapely.prepare(self._township_geoms)
        self._grid_tree = shapely.STRtree(self._grid_geoms)
        self._township_tree = shapely.STRtree(self._township_geoms)
        self._init_buckets()

    @property
    def size(self) -> int:
        return len(self.grids)

    # --- batches ---------------------------------------------------------------------------

    def route_arrays(self, xs: np.ndarray, ys: np.ndarray) -> RoutedArrays:
        count = len(xs)
        points = shapely.points(xs, ys)
        status = np.full(count, _UNROUTED, dtype=np.int8)
        grid = np.full(count, NO_MATCH, dtype=np.int64)
        township = np.full(count, NO_MATCH, dtype=np.int64)
        distance = np.full(count, np.nan)

        inside = _lowest_hit(self._grid_tree.query(points, predicate="intersects"), count)
        found = inside != NO_MATCH
        grid[found], status[found] = inside[found], _INSIDE

        missing = np.flatnonzero(~found)
        if missing.size and self.snap_m > 0:
            nearest, metres = self._nearest(points[missing], xs[missing], ys[missing])
            snapped = nearest != NO_MATCH
            rows = missing[snapped]
            grid[rows], status[rows], distance[rows] = nearest[snapped], _NEAREST, metres[snapped]
            missing = missing[~snapped]
        if missing.size:
            hits = _lowest_hit(
                self._township_tree.query(points[missing], predicate="intersects"), missing.size
            )
            placed = hits != NO_MATCH
            rows = missing[placed]
            township[rows], status[rows] = hits[placed], _TOWNSHIP
        return RoutedArrays(status, grid, township, distance)

    def route_many(self, xs, ys) -> list[Route]:
        arrays = self.route_arrays(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))
        return [
            self._route_of(int(s), int(g), int(t), float(d))
            for s, g, t, d in zip(
                arrays.status, arrays.grid, arrays.township, arrays.distance_m, strict=True
            )
        ]

    def _nearest(
        self, points: np.ndarray, xs: np.ndarray, ys: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nearest grid within `snap_m` metres on the ground, by exact distance to its edge."""
        widest = max(abs(float(ys.min())), abs(float(ys.max())))
        reach_deg = self.snap_m / (
            METRES_PER_DEGREE * max(math.cos(math.radians(min(widest, 89.0))), 1e-6)
        )
        pairs = self._grid_tree.query(points, predicate="dwithin", distance=reach_deg)
        best = np.full(len(points), NO_MATCH, dtype=np.int64)
        best_m = np.full(len(points), np.nan)
        if pairs.size == 0:
            return best, best_m
        lines = shapely.shortest_line(points[pairs[0]], self._grid_geoms[pairs[1]])
        ends = shapely.get_coordinates(lines).reshape(-1, 2, 2)
        metres = ground_distance_m(ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1])
        close = metres <= self.snap_m
        point_idx, grid_idx, metres = pairs[0][close], pairs[1][close], metres[close]
        # Per point the smallest distance, ties to the lowest grid index (lowest code).
        order = np.lexsort((grid_idx, metres, point_idx))
        first = np.ones(order.size, dtype=bool)
        first[1:] = point_idx[order][1:] != point_idx[order][:-1]
        chosen = order[first]
        best[point_idx[chosen]] = grid_idx[chosen]
        best_m[point_idx[chosen]] = metres[chosen]
        return best, best_m

    def _route_of(self, status: int, grid: int, township: int, distance: float) -> Route:
        if status in (_INSIDE, _NEAREST):
            place = self.grids[grid]
            return Route(
                STATUS_ORDER[status],
                place,
                place.township,
                place.county,
                None if status == _INSIDE else round(distance, 1),
            )
        if status == _TOWNSHIP:
            town, county = self.townships[township]
            return Route(RouteStatus.TOWNSHIP, None, town, county)
        return Route(RouteStatus.UNROUTED)

    # --- single points ---------------------------------------------------------------------

    def route(self, x: float, y: float) -> Route:
        hit = self._bucket_hit(x, y)
        if hit != NO_MATCH:
            place = self.grids[hit]
            return Route(RouteStatus.INSIDE, place, place.township, place.county)
        return self.route_many([x], [y])[0]

    def _init_buckets(self) -> None:
        self._buckets: dict[tuple[int, int], int | tuple[int, ...]] = {}
        if not self.grids:
            self._x0 = self._y0 = self._x1 = self._y1 = 0.0
            self._step = 1.0
            return
        bounds = shapely.bounds(self._grid_geoms)
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self._x1, self._y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        typical = float(
            np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]))
        )
        # A quarter of a typical grid: most buckets then lie wholly inside one grid.
        self._step = max(typical / 4, 1e-6)
        self._bucket_lock = threading.Lock()

    def _bucket_hit(self, x: float, y: float) -> int:
        if not (self._x0 <= x <= self._x1 and self._y0 <= y <= self._y1):
            return NO_MATCH
        key = (int((x - self._x0) / self._step), int((y - self._y0) / self._step))
        entry = self._buckets.get(key)
        if entry is None:
            entry = self._fill_bucket(key)
        if isinstance(entry, int):
            return entry
        for candidate in entry:
            if shapely.intersects_xy(self._grid_geoms[candidate], x, y):
                return candidate
        return NO_MATCH

    def _fill_bucket(self, key: tuple[int, int]) -> int | tuple[int, ...]:
        left, bottom = self._x0 + key[0] * self._step, self._y0 + key[1] * self._step
        cell = shapely.box(left, bottom, left + self._step, bottom + self._step)
        candidates = sorted(int(c) for c in self._grid_tree.query(cell, predicate="intersects"))
        if len(candidates) == 1 and shapely.covers(self._grid_geoms[candidates[0]], cell):
            entry: int | tuple[int, ...] = candidates[0]
        else:
            entry = tuple(candidates)
        with self._bucket_lock:
            self._buckets[key] = entry
        return entry


def _lowest_hit(pairs: np.ndarray, count: int) -> np.ndarray:
    """From STRtree (input, tree) index pairs, the lowest tree index per input, or -1."""
    lowest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    if pairs.size:
        np.minimum.at(lowest, pairs[0], pairs[1])
    lowest[lowest == np.iinfo(np.int64).max] = NO_MATCH
    return lowest


# --- Building from the database and keeping it current ------------------------------------------


def area_revision(session: Session) -> int:
    return session.scalar(select(AreaRevision.revision).where(AreaRevision.id == REVISION_ROW)) or 0


def build_index(session: Session, snap_m: float) -> GridIndex:
    revision = area_revision(session)
    grid, village, town, county = (aliased(Area) for _ in range(4))
    rows = session.execute(
        select(
            grid.id,
            grid.code,
            grid.name,
            grid.geom,
            village.id,
            village.code,
            village.name,
            town.id,
            town.code,
            town.name,
            county.id,
            county.code,
            county.name,
        )
        .join(village, grid.parent_id == village.id)
        .join(town, village.parent_id == town.id)
        .join(county, town.parent_id == county.id)
        .where(grid.level == AreaLevel.GRID.value)
        .order_by(grid.code)
    ).all()
    places: dict[uuid.UUID, Place] = {}

    def place(area_id: uuid.UUID, code: str, name: str) -> Place:
        found = places.get(area_id)
        if found is None:
            found = places[area_id] = Place(area_id, code, name)
        return found

    grids = [
        GridPlace(
            Place(r[0], r[1], r[2]),
            place(r[4], r[5], r[6]),
            place(r[7], r[8], r[9]),
            place(r[10], r[11], r[12]),
        )
        for r in rows
    ]
    grid_geoms = _geometries([r[3] for r in rows])

    town_rows = session.execute(
        select(town.id, town.code, town.name, town.geom, county.id, county.code, county.name)
        .join(county, town.parent_id == county.id)
        .where(town.level == AreaLevel.TOWNSHIP.value)
        .order_by(town.code)
    ).all()
    townships = [(place(r[0], r[1], r[2]), place(r[4], r[5], r[6])) for r in town_rows]
    town_geoms = _geometries([r[3] for r in town_rows])
    return GridIndex(revision, grids, grid_geoms, townships, town_geoms, snap_m)


def _geometries(elements: list) -> np.ndarray:
    """WKB elements as GeoAlchemy2 returns them (bytes, memoryview, or hex text on SQLite)."""
    if not elements:
        return np.empty(0, dtype=object)
    raw = [e.data if isinstance(e.data, bytes | str) else bytes(e.data) for e in elements]
    return np.asarray(shapely.from_wkb(raw))


_current: GridIndex | None = None
_build_lock = threading.Lock()


def current_index(session: Session, snap_m: float) -> GridIndex:
    """The routing index for the database's current area revision: one small query when it is
    up to date, a rebuild (by one thread at a time) when another process changed the areas."""
    global _current
    revision = area_revision(session)
    index = _current
    if index is not None and index.revision == revision and index.snap_m == snap_m:
        return index
    with _build_lock:
        index = _current
        if index is None or index.revision != revision or index.snap_m != snap_m:
            index = _current = build_index(session, snap_m)
    return index
