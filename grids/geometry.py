"""Geometry of areas and grids in WGS-84 lng/lat degrees (SRID 4326), without database or web.

Areas are measured geodesically on the WGS-84 ellipsoid. Lengths, cell sizes and borders are
worked out in a local transverse Mercator centred on the area, where a metre stays a metre to
0.012% up to 100 km from the centre, which is more than a county needs.

Splitting an area into grids is `grids.splitting`, built on the helpers here.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry


@contextmanager
def _own_symbols() -> Iterator[None]:
    """Let the extensions imported here bind to their own libraries first (Linux only).

    SQLite loads SpatiaLite with RTLD_GLOBAL, and with it the system's libproj. A pyproj
    imported after that binds to the system's proj_* symbols instead of its bundled PROJ,
    mixes the two and crashes (double free at exit). Importing pyproj before the first
    SpatiaLite connection avoids it too; this covers any import order.
    """
    deepbind = getattr(os, "RTLD_DEEPBIND", 0)
    if not deepbind or not hasattr(sys, "setdlopenflags"):
        yield
        return
    flags = sys.getdlopenflags()
    sys.setdlopenflags(flags | deepbind)
    try:
        yield
    finally:
        sys.setdlopenflags(flags)


with _own_symbols():
    from pyproj import Geod, Transformer

WGS84 = Geod(ellps="WGS84")
SEGMENT_DEG = 0.0005  # about 50 m; see area_m2
_NO_POLYGON = "no polygon area"


# --- Polygons --------------------------------------------------------------------------------


def polygonal(geom: BaseGeometry) -> MultiPolygon:
    """The valid polygonal part of a geometry, as one MultiPolygon (empty if there is none).

    Lines and points left by make_valid or by a clip have no ground to patrol, so they go.
    """
    if not geom.is_valid:
        geom = shapely.make_valid(geom)
    result = MultiPolygon(polygon_parts(geom))
    if not result.is_valid:  # the members of a valid collection may still overlap one another
        result = MultiPolygon(polygon_parts(shapely.union_all(result.geoms)))
    return result


def polygon_parts(geom: BaseGeometry | None) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    return [p for part in getattr(geom, "geoms", ()) for p in polygon_parts(part)]


# --- Metric helpers --------------------------------------------------------------------------


def area_m2(geom: BaseGeometry) -> float:
    """Area in m² on the WGS-84 ellipsoid of the polygonal part, its edges taken as stored:
    straight in lng/lat.

    pyproj measures edges as geodesics, which bow off a straight lng/lat edge by κL²/8; over a
    1 km edge that gives a zero-width sliver between two boundaries a square metre of area. So
    edges are first cut to at most SEGMENT_DEG, where the two agree to 0.001 m² an edge. Rings
    are measured unsigned: their orientation (often wrong in GeoJSON sources) does not matter.
    """
    return sum(
        _ring_m2(p.exterior) - sum(_ring_m2(hole) for hole in p.interiors)
        for p in polygon_parts(shapely.segmentize(geom, SEGMENT_DEG))
    )


def _ring_m2(ring) -> float:
    lngs, lats = ring.xy
    return abs(WGS84.polygon_area_perimeter(lngs, lats)[0])


@dataclass(frozen=True)
class LocalProjection:
    """A transverse Mercator on the WGS-84 ellipsoid, centred on (lng, lat), in metres."""

    lng: float
    lat: float

    @property
    def proj(self) -> str:
        return (
            f"+proj=tmerc +lat_0={self.lat} +lon_0={self.lng} +k=1 +x_0=0 +y_0=0 "
            "+datum=WGS84 +units=m +no_defs"
        )


def local_projection(geom: BaseGeometry) -> LocalProjection:
    """The projection centred on the geometry's centroid (rounded to 1e-6°, about 0.1 m, so
    that the same area always gets the same projection)."""
    if geom.is_empty:
        raise ValueError("an empty geometry has no centre to project around")
    centre = geom.centroid
    return LocalProjection(lng=round(centre.x, 6), lat=round(centre.y, 6))


@lru_cache(maxsize=64)
def transformers(projection: LocalProjection) -> tuple[Transformer, Transformer]:
    # Transformers are thread-safe since pyproj 3.1, so one cached pair serves all requests.
    forward = Transformer.from_crs("EPSG:4326", projection.proj, always_xy=True)
    inverse = Transformer.from_crs(projection.proj, "EPSG:4326", always_xy=True)
    return forward, inverse


def to_metric(geom, projection: LocalProjection):
    """Degrees to the projection's metres; takes a geometry or an array of geometries."""
    return _transform(geom, transformers(projection)[0])


def to_degrees(geom, projection: LocalProjection):
    """The projection's metres back to degrees; takes a geometry or an array of geometries."""
    return _transform(geom, transformers(projection)[1])


def _transform(geom, transformer: Transformer):
    def convert(xy: np.ndarray) -> np.ndarray:
        return np.column_stack(transformer.transform(xy[:, 0], xy[:, 1]))

    return shapely.transform(geom, convert)


def geometry_array(geoms: list[BaseGeometry]) -> np.ndarray:
    """A numpy array of shapes, for shapely's vectorised predicates (a plain np.array would
    unpack multi-part shapes)."""
    array = np.empty(len(geoms), dtype=object)
    array[:] = geoms
    return array


# --- Validation ------------------------------------------------------------------------------


def repair(geom: BaseGeometry) -> tuple[MultiPolygon, str | None]:
    """The geometry fit to store, and why it was not (GEOS's words, e.g.
    'Self-intersection[109.4 24.3]'), or None when it was. An empty result means there was
    no polygon area at all; the caller decides whether that refuses the import."""
    reason = None if geom.is_valid else shapely.is_valid_reason(geom)
    repaired = polygonal(geom)
    if repaired.is_empty:
        reason = reason or _NO_POLYGON
    return repaired, reason


@dataclass(frozen=True)
class Invalid:
    """An area whose geometry needed repair, and GEOS's reason."""

    code: str
    reason: str


@dataclass(frozen=True)
class Overlap:
    """Two siblings claim the same ground; `first` < `second`."""

    first: str
    second: str
    area_m2: float


@dataclass(frozen=True)
class Outside:
    """A child's ground that its parent does not have."""

    code: str
    area_m2: float


@dataclass(frozen=True)
class FamilyReport:
    """What is wrong between a parent area and its children. Each polygon piece smaller than
    the threshold (floating noise along shared edges) is left out of every figure; `gaps`
    holds the rest of the parent's uncovered ground, in degrees, to be shown on a map."""

    parent: str
    invalid: tuple[Invalid, ...]
    overlaps: tuple[Overlap, ...]
    outside: tuple[Outside, ...]
    gap_m2: float
    gap_count: int
    gaps: MultiPolygon = field(repr=False)

    @property
    def ok(self) -> bool:
        return not (self.invalid or self.overlaps or self.outside or self.gap_count)


def check_family(
    parent_code: str,
    parent_geom: BaseGeometry,
    children: Sequence[tuple[str, BaseGeometry]],
    *,
    min_area_m2: float = 1.0,
) -> FamilyReport:
    """Check that the children tile their parent: no overlaps, nothing outside, no gaps.

    Invalid geometries are reported and then checked in their repaired form. Children are
    taken in code order, so the report does not depend on the order they were given in.
    """
    family = sorted(children, key=lambda child: child[0])
    codes = [code for code, _ in family]
    invalid = []
    repaired = []
    for code, geom in [(parent_code, parent_geom), *family]:
        fixed, reason = repair(geom)
        repaired.append(fixed)
        if reason:
            invalid.append(Invalid(code, reason))
    parent, shapes = repaired[0], geometry_array(repaired[1:])
    gaps = _significant(parent.difference(shapely.union_all(shapes)), min_area_m2)
    return FamilyReport(
        parent=parent_code,
        invalid=tuple(invalid),
        overlaps=_overlaps(codes, shapes, min_area_m2),
        outside=_outside(codes, shapes, parent, min_area_m2),
        gap_m2=_rounded_m2(gaps),
        gap_count=len(gaps.geoms),
        gaps=gaps,
    )


def _overlaps(codes: list[str], shapes: np.ndarray, min_area_m2: float) -> tuple[Overlap, ...]:
    # The tree narrows thousands of siblings to the pairs whose boxes meet; the DE-9IM test
    # then drops the many that only share an edge, before any costly intersection.
    first, second = shapely.STRtree(shapes).query(shapes, predicate="intersects")
    pairs = first < second
    first, second = first[pairs], second[pairs]
    interiors_meet = shapely.relate_pattern(shapes[first], shapes[second], "T********")
    found = []
    for i, j in zip(first[interiors_meet], second[interiors_meet], strict=True):
        common = _significant(shapes[i].intersection(shapes[j]), min_area_m2)
        if not common.is_empty:
            found.append(Overlap(codes[i], codes[j], _rounded_m2(common)))
    return tuple(sorted(found, key=lambda o: (o.first, o.second)))


def _outside(
    codes: list[str], shapes: np.ndarray, parent: MultiPolygon, min_area_m2: float
) -> tuple[Outside, ...]:
    shapely.prepare(parent)
    found = []
    for i in np.flatnonzero(~shapely.covers(parent, shapes)):
        beyond = _significant(shapes[i].difference(parent), min_area_m2)
        if not beyond.is_empty:
            found.append(Outside(codes[i], _rounded_m2(beyond)))
    return tuple(found)  # codes are sorted already


def _significant(geom: BaseGeometry, min_area_m2: float) -> MultiPolygon:
    return MultiPolygon([p for p in polygon_parts(geom) if area_m2(p) >= min_area_m2])


def _rounded_m2(geom: BaseGeometry) -> float:
    return round(area_m2(geom), 2)
