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
import os
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import shapely
from sqlalchemy import LargeBinary, String, cast, func, select, type_coerce
from sqlalchemy.orm import Session

from backend.core.db import ENDS_AT_ONCE, core_reads
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
        grids: Sequence[GridPlace],
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
        self._inside_routes: dict[int, Route] = {}
        self._init_buckets()

    @property
    def size(self) -> int:
        return len(self.grids)

    # --- batches ---------------------------------------------------------------------------

    def route_arrays(self, xs: np.ndarray, ys: np.ndarray) -> RoutedArrays:
        count = len(xs)
        status = np.full(count, _UNROUTED, dtype=np.int8)
        grid = np.full(count, NO_MATCH, dtype=np.int64)
        township = np.full(count, NO_MATCH, dtype=np.int64)
        distance = np.full(count, np.nan)

        inside = self._inside_batch(xs, ys)
        found = inside != NO_MATCH
        grid[found], status[found] = inside[found], _INSIDE

        missing = np.flatnonzero(~found)
        if missing.size and self.snap_m > 0:
            nearest, metres = self._nearest(xs[missing], ys[missing])
            snapped = nearest != NO_MATCH
            rows = missing[snapped]
            grid[rows], status[rows], distance[rows] = nearest[snapped], _NEAREST, metres[snapped]
            missing = missing[~snapped]
        if missing.size:
            points = shapely.points(xs[missing], ys[missing])
            hits = _lowest_hit(
                self._township_tree.query(points, predicate="intersects"), missing.size
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

    def _inside_batch(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        """Lowest-code grid intersecting each point, or -1. Points are visited in a coarse
        spatial order (neighbours share tree nodes, about twice as fast) and large batches are
        split across threads (shapely releases the GIL)."""
        count = len(xs)
        if count == 0 or self.size == 0:
            return np.full(count, NO_MATCH, dtype=np.int64)
        order = np.argsort(self._coarse_cell(xs, ys), kind="stable") if count > 1024 else None
        sx, sy = (xs[order], ys[order]) if order is not None else (xs, ys)
        parts = (
            np.array_split(np.arange(count), _WORKERS)
            if count >= _PARALLEL_FROM
            else [np.arange(count)]
        )

        def lowest(part: np.ndarray) -> np.ndarray:
            points = shapely.points(sx[part], sy[part])
            return _lowest_hit(self._grid_tree.query(points, predicate="intersects"), part.size)

        if len(parts) == 1:
            found = lowest(parts[0])
        else:
            found = np.concatenate(list(_pool().map(lowest, parts)))
        if order is None:
            return found
        unsorted = np.empty_like(found)
        unsorted[order] = found
        return unsorted

    def _coarse_cell(self, xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
        size = self._step * 16
        ix = np.clip((xs - self._x0) / size, -1, 2**20).astype(np.int64)
        iy = np.clip((ys - self._y0) / size, -1, 2**20).astype(np.int64)
        return ix * (2**21) + iy

    def _nearest(self, xs: np.ndarray, ys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest grid within `snap_m` metres on the ground, by exact distance to its edge."""
        points = shapely.points(xs, ys)
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
        if status == _INSIDE:
            return self._inside_route(grid)
        if status == _NEAREST:
            place = self.grids[grid]
            return Route(
                RouteStatus.NEAREST, place, place.township, place.county, round(distance, 1)
            )
        if status == _TOWNSHIP:
            town, county = self.townships[township]
            return Route(RouteStatus.TOWNSHIP, None, town, county)
        return Route(RouteStatus.UNROUTED)

    def _inside_route(self, grid: int) -> Route:
        route = self._inside_routes.get(grid)
        if route is None:
            place = self.grids[grid]
            route = self._inside_routes[grid] = Route(
                RouteStatus.INSIDE, place, place.township, place.county
            )
        return route

    # --- single points ---------------------------------------------------------------------

    def route(self, x: float, y: float) -> Route:
        """One point: a bucket lookup, and a geometry test only near grid edges."""
        if self._x0 <= x <= self._x1 and self._y0 <= y <= self._y1:
            key = (int((x - self._x0) / self._step), int((y - self._y0) / self._step))
            entry = self._buckets.get(key)
            if entry is None:
                entry = self._fill_bucket(key)
            if entry.__class__ is int:
                return self._inside_routes.get(entry) or self._inside_route(entry)
            for candidate in entry:
                if _intersects_xy(self._grid_geoms[candidate], x, y):
                    return self._inside_routes.get(candidate) or self._inside_route(candidate)
        return self._route_outside(x, y)

    def _route_outside(self, x: float, y: float) -> Route:
        """One point outside every grid: scalar code, as numpy's per-call overhead dominates
        for a single point."""
        point = shapely.Point(x, y)
        if self.snap_m > 0 and self.size:
            reach = self.snap_m / (
                METRES_PER_DEGREE * max(math.cos(math.radians(min(abs(y), 89.0))), 1e-6)
            )
            candidates = np.sort(self._grid_tree.query(point, predicate="dwithin", distance=reach))
            if candidates.size:
                ends = shapely.get_coordinates(
                    shapely.shortest_line(point, self._grid_geoms[candidates])
                ).reshape(-1, 2, 2)
                metres = ground_distance_m(
                    ends[:, 0, 0], ends[:, 0, 1], ends[:, 1, 0], ends[:, 1, 1]
                )
                nearest = int(np.argmin(metres))  # first of the closest: the lowest code
                if metres[nearest] <= self.snap_m:
                    return self._route_of(
                        _NEAREST, int(candidates[nearest]), NO_MATCH, float(metres[nearest])
                    )
        hits = self._township_tree.query(point, predicate="intersects")
        if len(hits):
            return self._route_of(_TOWNSHIP, NO_MATCH, int(hits.min()), math.nan)
        return Route(RouteStatus.UNROUTED)

    def _init_buckets(self) -> None:
        self._buckets: dict[tuple[int, int], int | tuple[int, ...]] = {}
        self._bucket_lock = threading.Lock()
        if not self.grids:
            self._x0 = self._y0 = 1.0
            self._x1 = self._y1 = 0.0  # an empty box: every point takes the outside path
            self._step = 1.0
            return
        bounds = shapely.bounds(self._grid_geoms)
        self._x0, self._y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        self._x1, self._y1 = float(bounds[:, 2].max()), float(bounds[:, 3].max())
        typical = float(
            np.median(np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1]))
        )
        # An eighth of a typical grid: most buckets then lie wholly inside one grid.
        self._step = max(typical / 8, 1e-6)

    def _fill_bucket(self, key: tuple[int, int]) -> int | tuple[int, ...]:
        left, bottom = self._x0 + key[0] * self._step, self._y0 + key[1] * self._step
        cell = shapely.box(left, bottom, left + self._step, bottom + self._step)
        candidates = sorted(int(c) for c in self._grid_tree.query(cell, predicate="intersects"))
        entry: int | tuple[int, ...] = tuple(candidates)
        # Wholly inside one grid, with any other grid only touching its edge and having a
        # higher code (so a point on that edge still goes to the lowest code, this one).
        owner = next((c for c in candidates if shapely.covers(self._grid_geoms[c], cell)), None)
        if owner is not None and all(
            c > owner
            and not shapely.overlaps(self._grid_geoms[c], cell)
            and not shapely.within(cell, self._grid_geoms[c])
            for c in candidates
            if c != owner
        ):
            entry = owner
        with self._bucket_lock:
            self._buckets[key] = entry
        return entry


# shapely's C ufunc without the Python wrapper: half the cost per call on the hot path.
_intersects_xy = getattr(shapely.lib, "intersects_xy", shapely.intersects_xy)
_WORKERS = max(2, min(4, os.cpu_count() or 2))
_PARALLEL_FROM = 50_000
_executor: ThreadPoolExecutor | None = None


def _pool() -> ThreadPoolExecutor:
    global _executor
    if _executor is None:
        _executor = ThreadPoolExecutor(max_workers=_WORKERS, thread_name_prefix="routing")
    return _executor


def _lowest_hit(pairs: np.ndarray, count: int) -> np.ndarray:
    """From STRtree (input, tree) index pairs, the lowest tree index per input, or -1."""
    lowest = np.full(count, np.iinfo(np.int64).max, dtype=np.int64)
    if pairs.size:
        np.minimum.at(lowest, pairs[0], pairs[1])
    lowest[lowest == np.iinfo(np.int64).max] = NO_MATCH
    return lowest


# --- Building from the database and keeping it current ------------------------------------------


_REVISION_READ = "firegrid.area_revision"
_REVISION = select(AreaRevision.revision).where(AreaRevision.id == REVISION_ROW)


def area_revision(session: Session) -> int:
    """The areas' revision, read once per transaction: a report is placed by the page, then by
    the intake, then its grid's scope is checked, and each asked again. A transaction that
    changes the areas forgets it (`forget_area_revision`, as `bump_area_revision` does).

    A short read (`ENDS_AT_ONCE`, backend.core.db.short_reads: where is this point) may take
    the revision another such read of this process saw less than `_SEEN_REVISION_SECONDS` ago:
    its answer is shown, not kept, and may be that much older. Whatever places a record reads the
    revision in its own transaction."""
    global _seen_revision
    read = session.info.get(_REVISION_READ)
    if read is not None and read[0] is session.get_transaction():
        return read[1]
    reads_only = session.info.get(ENDS_AT_ONCE, False)
    seen = _seen_revision
    if reads_only and seen is not None and time.monotonic() - seen[0] < _SEEN_REVISION_SECONDS:
        return seen[1]
    revision = core_reads(session).scalar(_REVISION) or 0
    session.info[_REVISION_READ] = (session.get_transaction(), revision)
    if reads_only:
        _seen_revision = (time.monotonic(), revision)
    return revision


_SEEN_REVISION_SECONDS = 1.0
_seen_revision: tuple[float, int] | None = None  # (when, revision) a read of this process saw


def forget_area_revision(session: Session) -> None:
    global _seen_revision
    session.info.pop(_REVISION_READ, None)
    _seen_revision = None


class GridPlaces(Sequence[GridPlace]):
    """The grids' places, made on first use: an index of 100k grids builds no 100k objects."""

    def __init__(self, rows: list, ancestors: dict[str, tuple[Place, str | None]]):
        self._rows = rows  # (id text, code, name, village id text), sorted by code
        self._ancestors = ancestors
        self._made: dict[int, GridPlace] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def __getitem__(self, index):  # type: ignore[override]
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(len(self)))]
        place = self._made.get(index)
        if place is None:
            grid_id, code, name, village_id = self._rows[index]
            village, town_id = self._ancestors[village_id]
            town, county_id = self._ancestors[town_id]
            county, _ = self._ancestors[county_id]
            grid = Place(uuid.UUID(grid_id), code, name)
            place = self._made[index] = GridPlace(grid, village, town, county)
        return place


def build_index(session: Session, snap_m: float) -> GridIndex:
    """Load grids and townships from the database: Core rows of text and raw WKB only (no ORM,
    no UUID objects), so that 100k grids load in well under a second."""
    revision = area_revision(session)
    conn = session.connection()
    ancestors: dict[str, tuple[Place, str | None]] = {
        area_id: (Place(uuid.UUID(area_id), code, name), parent_id)
        for area_id, code, name, parent_id in conn.execute(
            select(_text(Area.id), Area.code, Area.name, _text(Area.parent_id)).where(
                Area.level.in_(
                    [AreaLevel.COUNTY.value, AreaLevel.TOWNSHIP.value, AreaLevel.VILLAGE.value]
                )
            )
        )
    }
    complete_villages = {
        area_id
        for area_id, (_place, town_id) in ancestors.items()
        if town_id in ancestors and ancestors[town_id][1] in ancestors
    }
    rows, wkb = [], []
    fetched = conn.execute(
        select(
            _text(Area.id), Area.code, Area.name, _text(Area.parent_id), _raw_wkb(Area.geom)
        ).where(Area.level == AreaLevel.GRID.value)
    ).all()
    # Sorted here, not by the database, which would sort the WKB along (and spill to disk).
    fetched.sort(key=lambda row: row[1])
    for grid_id, code, name, village_id, geometry in fetched:
        if village_id in complete_villages:  # a grid routes only under a complete tree
            rows.append((grid_id, code, name, village_id))
            wkb.append(geometry)
    town_rows, town_wkb = [], []
    for town_id, geometry in conn.execute(
        select(_text(Area.id), _raw_wkb(Area.geom))
        .where(Area.level == AreaLevel.TOWNSHIP.value)
        .order_by(Area.code)
    ):
        town, county_id = ancestors[town_id]
        if county_id in ancestors:
            town_rows.append((town, ancestors[county_id][0]))
            town_wkb.append(geometry)
    return GridIndex(
        revision,
        GridPlaces(rows, ancestors),
        _geometries(wkb),
        town_rows,
        _geometries(town_wkb),
        snap_m,
    )


def _raw_wkb(column):
    return type_coerce(func.ST_AsBinary(column), LargeBinary)


def _text(column):
    """A UUID column as the database's own text for it (dashed on PostgreSQL, hex on SQLite):
    consistent within one query, parsed by uuid.UUID either way, and no per-row conversion."""
    return cast(column, String)


def _geometries(wkb: list) -> np.ndarray:
    """Parse WKB, in parallel for large sets (shapely releases the GIL)."""
    if not wkb:
        return np.empty(0, dtype=object)
    raw = np.asarray([w if isinstance(w, bytes) else bytes(w) for w in wkb], dtype=object)
    if len(raw) < _PARALLEL_FROM:
        return np.asarray(shapely.from_wkb(raw))
    return np.concatenate(list(_pool().map(shapely.from_wkb, np.array_split(raw, _WORKERS))))


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
