from enum import StrEnum


class Role(StrEnum):
    """What a user is. The scope a role acts in is set by `grids.scope`."""

    CITIZEN = "citizen"  # 群众: reports hazards, follows their own reports
    GRID_WORKER = "grid_worker"  # 网格员: patrols the grids assigned to them
    GRID_LEADER = "grid_leader"  # 村(居)委会 grid leader: oversees the grids of a village/community
    STATION_STAFF = "station_staff"  # 乡镇消防工作站: assigns patrols in a township
    BRIGADE_STAFF = "brigade_staff"  # 县级消防救援大队: supervises a county
    DISPATCHER = "dispatcher"  # 调度中心: work prompts and special campaigns for an area
    ADMIN = "admin"  # system administration within an area, or everywhere without one
    INTEGRATION = "integration"  # a partner system (96119, 12345) calling with HMAC

    @property
    def is_staff(self) -> bool:
        return self in STAFF_ROLES


STAFF_ROLES = frozenset(
    {Role.GRID_LEADER, Role.STATION_STAFF, Role.BRIGADE_STAFF, Role.DISPATCHER, Role.ADMIN}
)
# Roles that sign in with a password (integration clients sign requests instead).
INTERACTIVE_ROLES = frozenset(Role) - {Role.INTEGRATION}
