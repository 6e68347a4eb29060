"""Possible duplicates: an open hazard of the same category reported nearby within the window.

The check runs for every report, so it must cost the same whether a county holds a hundred
open hazards or a hundred thousand: each report looks only at the spatial index's entries in a
box one radius around it (one query for a whole batch), never at a box around the batch, which
for a phone's day of reports spans its whole grid.
"""

from __future__ import annotations

import math
import uuid
from datetime import datetime, timedelta
from functools import cache

import numpy as np
from sqlalchemy import Float, Integer, String, bindparam, column, func
from sqlalchemy.orm import Session

from backend.core import dialect
from backend.core.settings import Settings
from grids.routing import EARTH_RADIUS_M, METRES_PER_DEGREE, ground_distance_m
from hazards.models import Hazard

Report = tuple[uuid.UUID, str, float, float]  # (id, category, lng, lat), WGS-84
_CHUNK = 1000  # reports per query: well inside both databases' limits on bound parameters


def possible_duplicates(
    session: Session, settings: Settings, reports: list[Report], now: datetime
) -> list[uuid.UUID | None]:
    """For each report in order, the nearest open hazard of its category within the radius
    (ties: the lowest id), or None. A report may also duplicate an earlier one of its batch."""
    radius = settings.duplicate_radius_m
    if radius <= 0 or not reports:
        return [None] * len(reports)
    dlat = radius / METRES_PER_DEGREE
    dlng = [dlat / max(math.cos(math.radians(y)), 1e-6) for _, _, _, y in reports]
    since = now - timedelta(days=settings.duplicate_window_days)
    pairs: list[tuple[int, uuid.UUID, float, float]] = []
    for start in range(0, len(reports), _CHUNK):
        pairs += _open_hazards_near(session, reports, dlng, dlat, since, start, radius)
    pairs += _earlier_in_batch(reports, dlng, dlat)
    if not pairs:
        return [None] * len(reports)
    mine, _, their_x, their_y = zip(*pairs, strict=True)
    mine = np.array(mine)
    metres = ground_distance_m(
        np.array([r[2] for r in reports])[mine],
        np.array([r[3] for r in reports])[mine],
        np.array(their_x),
        np.array(their_y),
    )
    best: dict[int, tuple[float, uuid.UUID]] = {}
    within = np.flatnonzero(metres <= radius)
    for k, m in zip(within.tolist(), metres[within].tolist(), strict=True):
        i, other = pairs[k][0], pairs[k][1]
        held = best.get(i)
        if held is None or m < held[0] or (m == held[0] and str(other) < str(held[1])):
            best[i] = (m, other)
    return [best[i][1] if i in best else None for i in range(len(reports))]


def _open_hazards_near(
    session: Session,
    reports: list[Report],
    dlng: list[float],
    dlat: float,
    since: datetime,
    start: int,
    radius: float,
) -> list[tuple[int, uuid.UUID, float, float]]:
    """(report index, hazard id, lng, lat) of the open hazards in each report's box (on
    PostgreSQL, only the nearest within the radius)."""
    chunk = range(start, min(start + _CHUNK, len(reports)))
    boxes = [
        {"i": i, "category": reports[i][1], "x": reports[i][2], "y": reports[i][3], "dx": dlng[i]}
        for i in chunk
    ]
    return _near_query(session.get_bind().dialect.name).rows(
        session, reports=dialect.rows_json(boxes), dlat=dlat, since=since, radius=radius
    )


@cache
def _near_query(dialect_name: str) -> dialect.NearEach:
    boxes = dialect.rows_table(
        dialect_name,
        "reports",
        [
            column("i", Integer),
            column("category", String),
            column("x", Float),
            column("y", Float),
            column("dx", Float),
        ],
        bindparam("reports", type_=String),
    )
    r, hazards = boxes.c, Hazard.__table__
    dlat = bindparam("dlat", type_=Float)
    return dialect.NearEach(
        dialect_name,
        boxes,
        [r.i],
        hazards.c.location,
        (r.x - r.dx, r.y - dlat, r.x + r.dx, r.y + dlat),
        [
            hazards.c.is_open.is_(True),
            hazards.c.reported_at >= bindparam("since", type_=hazards.c.reported_at.type),
        ],
        [hazards.c.id, hazards.c.lng, hazards.c.lat],
        same=[(r.category, hazards.c.category)],
        nearest=(
            _haversine_m(r.x, r.y, hazards.c.lng, hazards.c.lat),
            bindparam("radius", type_=Float),
        ),
    )


def _haversine_m(x1, y1, x2, y2):
    """`ground_distance_m` in SQL, so the database can keep only each report's nearest
    candidate; the candidates are measured again here, so both backends decide alike."""
    phi1, phi2 = func.radians(y1), func.radians(y2)
    a = func.power(func.sin((phi2 - phi1) / 2), 2) + func.cos(phi1) * func.cos(phi2) * func.power(
        func.sin(func.radians(x2 - x1) / 2), 2
    )
    return 2 * EARTH_RADIUS_M * func.asin(func.sqrt(a))


def _earlier_in_batch(
    reports: list[Report], dlng: list[float], dlat: float
) -> list[tuple[int, uuid.UUID, float, float]]:
    """Pairs of a report with the earlier reports of its batch in its 3 x 3 cells (cells one
    radius wide), so that a phone's two reports of one fire exit are flagged as well."""
    cells: dict[tuple[str, int, int], list[tuple[uuid.UUID, float, float]]] = {}
    width = max(dlng)
    pairs = []
    for index, (hazard_id, category, x, y) in enumerate(reports):
        cx, cy = math.floor(x / width), math.floor(y / dlat)
        for dx in (-1, 0, 1):
            for dy in (-1, 0, 1):
                for other in cells.get((category, cx + dx, cy + dy), ()):
                    pairs.append((index, *other))
        cells.setdefault((category, cx, cy), []).append((hazard_id, x, y))
    return pairs
