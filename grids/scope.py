"""Scope: may this caller see or change this area?

Staff act in one area and everything below it; grid workers in the grids assigned to them;
an admin without an area everywhere. Anything outside scope is reported as not found, so that
a township's staff cannot even learn that another township's record exists.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, bindparam, event, false, or_, select, true
from sqlalchemy.orm import Session

from backend.core.db import core_reads
from backend.core.errors import NotFound
from backend.core.settings import get_settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from grids.models import Area, GridAssignment, GridAssignmentChange


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
    """Where the caller may act: asked by nearly every request, and read from the database at
    most once per caller in `principal_cache_seconds` (`KnownScopes`)."""
    lifetime = get_settings().principal_cache_seconds
    known = scopes.get(principal, lifetime)
    if known is not None:
        return known
    generation = scopes.generation
    scope = _read_scope(session, principal)
    scopes.keep(principal, scope, lifetime, generation)
    return scope


def _read_scope(session: Session, principal: Principal) -> Scope:
    if principal.role is Role.GRID_WORKER:
        paths = core_reads(session).scalars(_WORKER_GRID_PATHS, {"user_id": principal.user_id})
        return Scope(everywhere=False, paths=tuple(paths.all()))
    if principal.scope_area_id is None:
        return Scope(everywhere=principal.role is Role.ADMIN, paths=())
    path = core_reads(session).scalar(_AREA_PATH, {"id": principal.scope_area_id})
    return Scope(everywhere=False, paths=(path,) if path else ())


class KnownScopes:
    """The scopes this process worked out in the last few seconds, for as long as it keeps the
    callers themselves (`principal_cache_seconds`, backend.identity.service.CheckedTokens): a
    caller's scope then costs no query on most requests. Keyed by the caller's role and area
    as well, so a caller moved to another area or role is worked out afresh. A change to who
    works in which grid written in this process forgets that worker's scope at once, when it
    is flushed and again when it commits (a request in between may have read the old one);
    one written elsewhere is seen when the entry expires. An area's path never changes."""

    MAX_ENTRIES = 20_000

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._known: dict[tuple, tuple[Scope, float]] = {}
        self.generation = 0  # moves on every forgetting: a scope read across one is not kept

    def get(self, principal: Principal, lifetime: float) -> Scope | None:
        found = self._known.get(_key(principal)) if lifetime > 0 else None
        if found is None or found[1] <= time.monotonic():
            return None
        return found[0]

    def keep(self, principal: Principal, scope: Scope, lifetime: float, generation: int) -> None:
        if lifetime <= 0:
            return
        with self._lock:
            if generation != self.generation:
                return
            if len(self._known) >= self.MAX_ENTRIES:
                self._known.clear()
            self._known[_key(principal)] = (scope, time.monotonic() + lifetime)

    def forget_users(self, user_ids: set[uuid.UUID]) -> None:
        with self._lock:
            self.generation += 1
            self._known = {k: v for k, v in self._known.items() if k[0] not in user_ids}

    def forget_all(self) -> None:
        with self._lock:
            self.generation += 1
            self._known.clear()


def _key(principal: Principal) -> tuple:
    return (principal.user_id, principal.role, principal.scope_area_id)


scopes = KnownScopes()
_MOVED = "firegrid.scopes_moved"


@event.listens_for(Session, "after_flush")
def _forget_moved_workers(session: Session, _context) -> None:
    moved = {
        row.user_id
        for row in (*session.new, *session.deleted)
        if isinstance(row, GridAssignment | GridAssignmentChange)
    } | {row.id for row in session.dirty if isinstance(row, User)}
    if moved:
        session.info.setdefault(_MOVED, set()).update(moved)
        scopes.forget_users(moved)


@event.listens_for(Session, "after_commit")
def _forget_moved_workers_again(session: Session) -> None:
    moved = session.info.pop(_MOVED, None)
    if moved:
        scopes.forget_users(moved)


def area_in_scope(session: Session, principal: Principal, code: str) -> Area:
    """The area with this code, if the caller may act on it; otherwise NotFound."""
    area = session.scalar(select(Area).where(Area.code == code))
    if area is None or not scope_of(session, principal).covers(area):
        raise NotFound(f"no area with code {code!r}")
    return area
