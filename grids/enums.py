from enum import StrEnum


class AreaLevel(StrEnum):
    """Levels of the area tree, top down. A child is always exactly one level below."""

    COUNTY = "county"  # 县/区: a fire rescue brigade 大队 works here
    TOWNSHIP = "township"  # 乡镇/街道: a fire station 消防工作站 assigns grid patrols
    VILLAGE = "village"  # 村/社区: groups grids; its grid leader is the first escalation level
    GRID = "grid"  # 网格: the smallest area, with its own workers

    @property
    def depth(self) -> int:
        return list(AreaLevel).index(self)

    @property
    def child(self) -> "AreaLevel | None":
        levels = list(AreaLevel)
        return levels[self.depth + 1] if self.depth + 1 < len(levels) else None


class AssignmentRole(StrEnum):
    PRIMARY = "primary"  # the grid's own worker
    BACKUP = "backup"  # takes over when the primary is off duty


class Crs(StrEnum):
    """Coordinate systems clients send. Storage is always WGS-84 (SRID 4326)."""

    WGS84 = "wgs84"  # GPS, WeChat by default
    GCJ02 = "gcj02"  # AMap, Tencent and most Chinese map SDKs
    BD09 = "bd09"  # Baidu


class DutyStatus(StrEnum):
    ON_DUTY = "on_duty"  # working; handles their grids unless on leave that day
    OFF_DUTY = "off_duty"  # not working until set back on duty


class HandlerKind(StrEnum):
    """Who handles what arrives in a grid, in the order they are tried."""

    PRIMARY_WORKER = "primary_worker"
    BACKUP_WORKER = "backup_worker"
    GRID_LEADER = "grid_leader"  # the village/community's grid leader
    TOWNSHIP_STATION = "township_station"  # the township's fire station, always there


class RouteStatus(StrEnum):
    """How a point found its grid."""

    INSIDE = "inside"  # within (or on the edge of) a grid
    NEAREST = "nearest"  # outside every grid, but within the snapping distance of one
    TOWNSHIP = "township"  # in a township with no grid there: the station triages it
    UNROUTED = "unrouted"  # nowhere we know: staff route it by hand
