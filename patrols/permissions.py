"""Who may do what in patrols, named once: each use case checks the caller's role against one
of these, then the area through grids.scope."""

from __future__ import annotations

from backend.core.errors import Forbidden
from backend.identity.enums import Role
from backend.identity.service import Principal

# Plan the month's tasks, make tasks by hand, reassign and cancel them.
PLANNERS = (Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.DISPATCHER, Role.ADMIN)
# Follow the tasks of an area: lists, progress, the assessment.
FOLLOWERS = (Role.GRID_LEADER, *PLANNERS)
# Patrol: visits, answers and track points come from their phones.
FIELD = (Role.GRID_WORKER, Role.GRID_LEADER)
# Start special campaigns and send work prompts: the dispatch centre and fire staff.
COORDINATORS = (Role.DISPATCHER, Role.BRIGADE_STAFF, Role.STATION_STAFF, Role.ADMIN)
# Publish a new version of a checklist.
CHECKLIST_EDITORS = (Role.BRIGADE_STAFF, Role.ADMIN, Role.DISPATCHER)


def require(principal: Principal, roles: tuple[Role, ...]) -> None:
    if principal.role not in roles:
        raise Forbidden(f"a {principal.role} may not do this")
