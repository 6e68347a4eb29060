"""Scope: may this caller see or change this area?

Staff act in one area and everything below it; grid workers in the grids assigned to them;
an admin without an area everywhere. Anything outside scope is reported as not found, so that
a township's staff cannot even learn that another township's record exists.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, false, or_, select, true
from sqlalchemy.orm import Session

from backend.core.errors import NotFound
from backend.identity.enums import Role
from backend.identity.service import Principal
from grids.models import Area, GridAssignment


@dataclass(frozen=True)
class Scope:
    everywhere: bool
    paths: tuple[str, ...]  # area paths; the area and its descendants are in scope

    def covers(self, area: Area) -> bool:
        return self.covers_path(area.path)

    def covers_path(self, path: str) -> bool:
        return self.everywhere or any(path.startswith(p) for p in self.paths)

    def area_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on `Area` selecting what is in scope."""
        return self.area_clause_on(Area.path)

    def area_clause_on(self, path_column) -> ColumnElement[bool]:
        """A WHERE clause on any column holding an area path (areas, premises, ...)."""
        if self.everywhere:
            return true()
        if not self.paths:
            return false()
        return or_(*(path_column.startswith(p, autoescape=True) for p in self.paths))

    def top_clause(self) -> ColumnElement[bool]:
        """A WHERE clause on `Area` selecting the tops of the scope, where a picker that walks
        down the tree starts: the caller's own areas, or every county for everywhere."""
        if self.everywhere:
            return Area.parent_id.is_(None)
        if not self.paths:
            return false()
        return Area.path.in_(self.paths)


# Asked on every request.
_AREA_PATH = select(Area.path).where(Area.id == bindparam("id"))
_WORKER_GRID_PATHS = (
    select(Area.path)
    .join(GridAssignment, GridAssignment.area_id == Area.id)
    .where(GridAssignment.user_id == bindparam("user_id"))
)


def scope_of(session: Session, principal: Principal) -> Scope:
    if principal.role is Role.GRID_WORKER:
        paths = session.scalars(_WORKER_GRID_PATHS, {"user_id": principal.user_id}).all()
        return Scope(everywhere=False, paths=tuple(paths))
    if principal.scope_area_id is None:
        return Scope(everywhere=principal.role is Role.ADMIN, paths=())
    path = session.scalar(_AREA_PATH, {"id": principal.scope_area_id})
    return Scope(everywhere=False, paths=(path,) if path else ())


def area_in_scope(session: Session, principal: Principal, code: str) -> Area:
    """The area with this code, if the caller may act on it; otherwise NotFound."""
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None or not scope_of(session, principal).covers(area):
        raise NotFound(f"no area with code {code!r}")
    return area
