"""Splitting an area into grids, after the HOT Tasking Manager: square cells (or a quadtree) on
the area's bounding box, clipped to the area, with slivers merged into a neighbour so that no
grid worker is handed a strip of field edge. Pure geometry, without database or web.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from grids.geometry import (
    LocalProjection,
    area_m2,
    geometry_array,
    local_projection,
    polygon_parts,
    polygonal,
    to_degrees,
    to_metric,
    transformers,
)

MAX_CELLS = 1_000_000  # more is a typo in the cell size, not a grid plan: refused up front
OUTER_MARGIN_M = 1000.0  # how far the outermost squares reach beyond the bounding box
_EDGE_SLACK = 1e-6  # a bounding box a hair wider than n cells (floating noise) is n cells

#
# Squares are laid out in the local projection, where a metre is a metre, but clipped and merged
# in degrees against the area as given: the cells then tile exactly the geometry that is stored
# for their parent, and check_family finds no gaps between them. A square's corners are the
# same floats as its neighbours' (origin ± integer × size), so the squares tile without seams.
#
# An edge that is straight in degrees bows out of the metric bounding box between its vertices
# (by κL²/8, κ ≈ tan(lat)/R: 2 mm for a 500 m edge, 35 cm for 20 km), so the outermost squares
# reach OUTER_MARGIN_M beyond the box: the bows fall in them rather than outside every cell.
# They keep a vertex on the box, so that inside it every edge is the same chord as next door.


@dataclass(frozen=True)
class Cell:
    """One grid cell cut from an area.

    `row` counts from the north, `col` from the west, in units of the smallest cell side of
    the split; merged-away slivers leave holes in the numbering. `area_m2` is as area_m2
    measures it, `size_m` the side of the square the cell was cut from, and `points` the
    quadtree's count (None for square cells).
    """

    row: int
    col: int
    geometry: MultiPolygon
    area_m2: float
    size_m: float
    points: int | None = None


@dataclass(frozen=True)
class _Square:
    """An unclipped cell, in metres, and where it sits in the split."""

    row: int
    col: int
    size_m: float
    points: int | None
    shape: Polygon


@dataclass
class _Piece:
    """A clipped square (degrees) while slivers are merged."""

    shape: MultiPolygon
    m2: float
    full_m2: float  # the unclipped square's area, the measure of a sliver
    points: int
    members: list[int]  # the original pieces merged into this one


def square_cells(
    area_geom: BaseGeometry, cell_size_m: float, *, sliver_ratio: float = 0.25
) -> list[Cell]:
    """Square cells of `cell_size_m`, aligned to the north-west corner of the area's
    bounding box in its local projection, clipped to the area, slivers merged.

    Ordered north to south by row, then west to east.
    """
    if not cell_size_m > 0:
        raise ValueError("the cell size must be positive")
    _check_ratio(sliver_ratio)
    area = polygonal(area_geom)
    if area.is_empty:
        return []
    projection = local_projection(area)
    west, south, east, north = to_metric(area, projection).bounds
    cols, rows = _cells_across(east - west, cell_size_m), _cells_across(north - south, cell_size_m)
    if rows * cols > MAX_CELLS:
        raise ValueError(f"{rows} × {cols} cells of {cell_size_m} m is more than {MAX_CELLS}")
    xs = west + np.arange(cols + 1) * cell_size_m
    ys = north - np.arange(rows + 1) * cell_size_m
    row, col = np.divmod(np.arange(rows * cols), cols)  # row-major: the output order
    shapes = shapely.box(xs[col], ys[row + 1], xs[col + 1], ys[row])
    for k in np.flatnonzero((row == 0) | (row == rows - 1) | (col == 0) | (col == cols - 1)):
        r, c = int(row[k]), int(col[k])
        shapes[k] = _square(
            _rimmed([xs[c], xs[c + 1]], c == 0, c == cols - 1, OUTER_MARGIN_M),
            _rimmed([ys[r], ys[r + 1]], r == 0, r == rows - 1, -OUTER_MARGIN_M),
        )
    squares = [
        _Square(int(r), int(c), cell_size_m, None, shape)
        for r, c, shape in zip(row, col, shapes, strict=True)
    ]
    return _split(area, projection, squares, sliver_ratio, max_points=None)


def quadtree_cells(
    area_geom: BaseGeometry,
    points: Sequence[tuple[float, float]],
    max_points: int,
    *,
    min_cell_m: float = 50,
    sliver_ratio: float = 0.25,
) -> list[Cell]:
    """Split the square on the area's bounding box into four until no cell holds more than
    `max_points` of the points (lng, lat) or a split would make cells smaller than
    `min_cell_m`; clip to the area, drop empty cells, merge slivers.

    Points are counted in the unclipped square. A point on the line between two cells counts
    in the cell east (of a vertical line) or north (of a horizontal one) of it; on the outer
    edge of the root square, in the cell it touches; outside the root square, nowhere. A sliver
    with points is merged only where the merged count stays within `max_points`, so it may
    stay on its own. Cells too small to split may hold more than `max_points`.

    Ordered like square cells: by the row of the cell's north edge, then west to east, with
    rows and columns counted in the side of the smallest cell.
    """
    if max_points < 0:
        raise ValueError("max_points cannot be negative")
    if not min_cell_m > 0:
        raise ValueError("the minimum cell size must be positive")
    _check_ratio(sliver_ratio)
    area = polygonal(area_geom)
    if area.is_empty:
        return []
    projection = local_projection(area)
    metric = to_metric(area, projection)
    west, south, east, north = metric.bounds
    tree = _Quadtree.around(west, north, max(east - west, north - south), min_cell_m)
    leaves = tree.leaves(metric, _metric_points(points, projection), max_points)
    finest = max(level for level, *_ in leaves)  # the root meets the area: never empty
    squares = [
        _Square(
            row << (finest - level),
            col << (finest - level),
            tree.side(level),
            count,
            tree.square(level, row, col, finest),
        )
        for level, row, col, count in leaves
    ]
    squares.sort(key=lambda square: (square.row, square.col))
    return _split(area, projection, squares, sliver_ratio, max_points=max_points)


def _check_ratio(sliver_ratio: float) -> None:
    if not 0 <= sliver_ratio < 1:
        raise ValueError("the sliver ratio is a fraction of a cell, from 0 up to 1")


def _cells_across(length_m: float, cell_size_m: float) -> int:
    return max(1, math.ceil(length_m / cell_size_m - _EDGE_SLACK))


def _square(xs: list[float], ys: list[float]) -> Polygon:
    """A square from its vertical lines' x, west to east, and its horizontal lines' y, north
    to south, with a vertex wherever a line meets its edge."""
    return Polygon(
        [(x, ys[0]) for x in xs[:-1]]
        + [(xs[-1], y) for y in ys[:-1]]
        + [(x, ys[-1]) for x in xs[:0:-1]]
        + [(xs[0], y) for y in ys[:0:-1]]
    )


def _rimmed(lines: list[float], first: bool, last: bool, outward: float) -> list[float]:
    """The lines, with a line `outward` beyond the first / last one when that is the rim."""
    return [lines[0] - outward] * bool(first) + lines + [lines[-1] + outward] * bool(last)


def _metric_points(
    points: Sequence[tuple[float, float]], projection: LocalProjection
) -> np.ndarray:
    if not len(points):
        return np.empty((0, 2))
    lngs, lats = np.asarray(points, dtype=float).reshape(-1, 2).T
    return np.column_stack(transformers(projection)[0].transform(lngs, lats))


@dataclass(frozen=True)
class _Quadtree:
    """Squares addressed by (level, row, col) on a root square anchored at its north-west
    corner. Every coordinate is origin ± integer × unit, the unit being the side at the
    deepest level, so a corner two squares share is the same float whatever their levels."""

    west: float
    north: float
    unit: float
    depth: int

    @classmethod
    def around(cls, west: float, north: float, side: float, min_cell_m: float) -> _Quadtree:
        depth = 0
        while side / 2 ** (depth + 1) >= min_cell_m:
            depth += 1
            if depth > 20:
                raise ValueError(f"cells of {min_cell_m} m are too small for a {side:.0f} m area")
        return cls(west, north, side / 2**depth, depth)

    def side(self, level: int) -> float:
        return self.unit * 2 ** (self.depth - level)

    def square(self, level: int, row: int, col: int, finest: int | None = None) -> Polygon:
        """The square, plain; or for a cell, with a vertex wherever a square of level `finest`
        has a corner on its edge (a big cell beside small ones then shares their vertices, in
        degrees too) and reaching OUTER_MARGIN_M beyond the root on the rim."""
        span = 2 ** (self.depth - level)
        i0, j0 = col * span, row * span
        if finest is None:
            return shapely.box(
                self.west + i0 * self.unit,
                self.north - (j0 + span) * self.unit,
                self.west + (i0 + span) * self.unit,
                self.north - j0 * self.unit,
            )
        n, step = 2**self.depth, 2 ** (self.depth - finest)
        xs = [self.west + i * self.unit for i in range(i0, i0 + span + 1, step)]
        ys = [self.north - j * self.unit for j in range(j0, j0 + span + 1, step)]
        return _square(
            _rimmed(xs, i0 == 0, i0 + span == n, OUTER_MARGIN_M),
            _rimmed(ys, j0 == 0, j0 + span == n, -OUTER_MARGIN_M),
        )

    def leaves(
        self, area: MultiPolygon, xy: np.ndarray, max_points: int
    ) -> list[tuple[int, int, int, int]]:
        """(level, row, col, point count) of the leaves that meet the area (metric)."""
        rows, cols = self._deepest_cells(xy)
        # Within a metre: the clip in degrees drops what turns out empty after all.
        area = area.buffer(1.0)
        shapely.prepare(area)
        found = []
        stack = [(0, 0, 0, np.arange(len(rows)))]
        while stack:
            level, row, col, held = stack.pop()
            if not area.intersects(self.square(level, row, col)):
                continue  # every cell cut from here would be dropped as empty
            if len(held) <= max_points or level == self.depth:
                found.append((level, row, col, len(held)))
                continue
            half = 2 ** (self.depth - level - 1)
            south = rows[held] >= (2 * row + 1) * half
            east = cols[held] >= (2 * col + 1) * half
            for is_south in (False, True):
                for is_east in (False, True):
                    quarter = held[(south == is_south) & (east == is_east)]
                    stack.append((level + 1, 2 * row + is_south, 2 * col + is_east, quarter))
        return found

    def _deepest_cells(self, xy: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Row and column of each point at the deepest level; points outside are left out."""
        n = 2**self.depth
        steps = np.arange(n + 1)
        x_edges = self.west + steps * self.unit  # west to east
        y_edges = self.north - steps[::-1] * self.unit  # south to north
        x, y = xy[:, 0], xy[:, 1]
        inside = (x >= x_edges[0]) & (x <= x_edges[-1]) & (y >= y_edges[0]) & (y <= y_edges[-1])
        x, y = x[inside], y[inside]
        # side="right": a point on an edge goes to the cell east / north of it.
        cols = np.minimum(np.searchsorted(x_edges, x, side="right") - 1, n - 1)
        from_south = np.minimum(np.searchsorted(y_edges, y, side="right") - 1, n - 1)
        return n - 1 - from_south, cols


def _split(
    area: MultiPolygon,
    projection: LocalProjection,
    squares: list[_Square],
    sliver_ratio: float,
    *,
    max_points: int | None,
) -> list[Cell]:
    """Clip the squares (given in output order) to the area, merge slivers, make cells."""
    in_degrees = to_degrees(geometry_array([square.shape for square in squares]), projection)
    pieces = _clip(area, in_degrees)
    kept = [(sq, piece) for sq, piece in zip(squares, pieces, strict=True) if piece is not None]
    merged = _merge_slivers(
        [
            _Piece(piece, area_m2(piece), square.size_m**2, square.points or 0, [n])
            for n, (square, piece) in enumerate(kept)
        ],
        sliver_ratio,
        projection,
        max_points=max_points,
    )
    cells = []
    for n, piece in merged:
        square = kept[n][0]
        points = None if square.points is None else piece.points
        cells.append(
            Cell(square.row, square.col, piece.shape, round(piece.m2, 2), square.size_m, points)
        )
    return cells


def _clip(area: MultiPolygon, squares: np.ndarray) -> list[MultiPolygon | None]:
    """Each square's share of the area, None where it has no polygon area."""
    shapely.prepare(area)
    inside = shapely.contains_properly(area, squares)
    crossing = shapely.intersects(area, squares) & ~inside
    clipped = np.full(len(squares), None, dtype=object)
    clipped[inside] = squares[inside]
    clipped[crossing] = shapely.intersection(area, squares[crossing])
    pieces = [MultiPolygon(polygon_parts(geom)) for geom in clipped]
    return [piece if not piece.is_empty else None for piece in pieces]


def _merge_slivers(
    pieces: list[_Piece],
    sliver_ratio: float,
    projection: LocalProjection,
    *,
    max_points: int | None,
) -> list[tuple[int, _Piece]]:
    """Merge each piece smaller than sliver_ratio × its full square into the neighbour it
    shares the longest border with, smallest sliver first, ties to the earlier piece.
    Returns the pieces left with their indices, in their original order."""
    originals = geometry_array([piece.shape for piece in pieces])
    tree = shapely.STRtree(originals)
    owner = list(range(len(pieces)))  # original piece -> the piece it is now part of
    alive = dict(enumerate(pieces))

    def is_sliver(piece: _Piece) -> bool:
        return piece.m2 < sliver_ratio * piece.full_m2

    queue = [(piece.m2, i) for i, piece in alive.items() if is_sliver(piece)]
    heapq.heapify(queue)
    while queue:
        m2, i = heapq.heappop(queue)
        sliver = alive.get(i)
        if sliver is None or sliver.m2 != m2:
            continue  # merged away, or grown since and queued again
        near = {owner[j] for j in tree.query(originals[sliver.members], predicate="intersects")[1]}
        target = _longest_border(
            sliver, [(n, alive[n]) for n in sorted(near - {i})], projection, max_points
        )
        if target is None:
            continue  # no neighbour can take it: it stays
        into = alive[target]
        into.shape = MultiPolygon(polygon_parts(shapely.union(into.shape, sliver.shape)))
        into.m2 += sliver.m2
        into.points += sliver.points
        into.members += sliver.members
        for member in sliver.members:
            owner[member] = target
        del alive[i]
        if is_sliver(into):
            heapq.heappush(queue, (into.m2, target))
    return sorted(alive.items())


def _longest_border(
    sliver: _Piece,
    neighbours: list[tuple[int, _Piece]],
    projection: LocalProjection,
    max_points: int | None,
) -> int | None:
    best, best_m = None, 0.0
    for n, other in neighbours:
        if max_points is not None and sliver.points and other.points + sliver.points > max_points:
            continue
        border = shapely.intersection(sliver.shape.boundary, other.shape.boundary)
        border_m = to_metric(border, projection).length
        if border_m > best_m:
            best, best_m = n, border_m
    return best
