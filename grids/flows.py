"""Work that crosses grids' own services: changing the area tree and then re-routing the
premises registry, so that both land in one transaction."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import shapely
from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.audit import Actor
from backend.core.settings import get_settings
from grids import service
from grids.enums import AreaLevel, Crs
from grids.models import Area
from grids.premises import service as premises
from grids.premises.models import Premises


def import_areas(
    session: Session,
    features: list[dict[str, Any]],
    *,
    level: AreaLevel,
    crs: Crs,
    parent_code: str | None,
    code_prop: str,
    name_prop: str,
    strict: bool,
    actor: Actor,
) -> tuple[service.ImportResult, int]:
    """Import areas (all or nothing) and move premises to the grids that now cover them."""
    parent = service.area_by_code(session, parent_code) if parent_code else None
    result = service.import_features(
        session,
        features,
        level=level,
        crs=crs,
        parent=parent,
        code_prop=code_prop,
        name_prop=name_prop,
        actor=actor,
        strict=strict,
    )
    return result, premises.reroute_if_areas_changed(session, get_settings())


@dataclass(frozen=True)
class SplitResult:
    planned: list[service.PlannedGrid]
    saved: bool
    premises_moved: int


def split_township(
    session: Session,
    township_code: str,
    *,
    cell_size_m: float | None,
    max_premises: int | None,
    preview: bool,
    actor: Actor,
) -> SplitResult:
    township = service.area_by_code(session, township_code)
    points = _premises_by_village(session, township) if max_premises is not None else None
    planned = service.plan_grids(
        session,
        township,
        cell_size_m=cell_size_m,
        max_premises=max_premises,
        premises_points=points,
    )
    if preview:
        return SplitResult(planned, saved=False, premises_moved=0)
    service.save_grids(session, planned, actor)
    return SplitResult(
        planned,
        saved=True,
        premises_moved=premises.reroute_if_areas_changed(session, get_settings()),
    )


def _premises_by_village(session: Session, township: Area) -> dict[str, list[tuple[float, float]]]:
    """Premises points per village, placed by location (they may still be routed to the
    township while it has no grids)."""
    villages = session.scalars(
        select(Area).where(Area.parent_id == township.id, Area.level == AreaLevel.VILLAGE.value)
    ).all()
    points: dict[str, list[tuple[float, float]]] = {}
    for village in villages:
        shape = service.area_shape(village)
        min_x, min_y, max_x, max_y = shape.bounds
        rows = session.execute(
            select(Premises.lng, Premises.lat).where(
                Premises.archived.is_(False),
                Premises.lng.between(min_x, max_x),
                Premises.lat.between(min_y, max_y),
            )
        ).all()
        inside = (
            shapely.intersects_xy(shape, [r[0] for r in rows], [r[1] for r in rows]) if rows else []
        )
        points[village.code] = [(r[0], r[1]) for r, keep in zip(rows, inside, strict=True) if keep]
    return points
