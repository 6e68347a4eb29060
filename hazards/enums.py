from enum import IntEnum, StrEnum


class HazardCategory(StrEnum):
    """The coded taxonomy a worker picks from (and that checklist items map to)."""

    EXIT_BLOCKED = "exit_blocked"  # 疏散通道、安全出口堵塞或锁闭
    FACILITY_FAULTY = "facility_faulty"  # 消防设施缺失、损坏、停用
    ELECTRICAL = "electrical"  # 电气线路敷设、违规用电
    EBIKE_INDOOR = "ebike_indoor"  # 电动自行车室内停放充电、飞线充电
    OPEN_FLAME = "open_flame"  # 违规用火
    FLAMMABLES = "flammables"  # 违规存放易燃易爆物品
    LIVING_IN_WORKPLACE = "living_in_workplace"  # 三合一: people living in a shop or workshop
    FIRE_LANE_BLOCKED = "fire_lane_blocked"  # 消防车通道堵塞
    HYDRANT_EXTINGUISHER = "hydrant_extinguisher"  # 消火栓、灭火器缺失或过期
    OTHER = "other"


class Severity(StrEnum):
    ORDINARY = "ordinary"  # 一般隐患: closed inside the grid when it can be
    MAJOR = "major"  # 重大火灾隐患 (GB 35181): straight to the county brigade


class HazardSource(StrEnum):
    PATROL = "patrol"  # a grid worker's patrol
    CITIZEN = "citizen"  # 随手拍
    COMPLAINT = "complaint"  # 96119 / 12345
    INSPECTION = "inspection"  # an enforcement inspection
    MONITORING = "monitoring"  # 物联网监测: a monitored device's repeated alarms (alarms/)


class HazardState(StrEnum):
    REPORTED = "reported"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"  # not a hazard (closed)
    DUPLICATE = "duplicate"  # the same as another one (closed, linked)
    RECTIFIED_ON_SPOT = "rectified_on_spot"  # 当场整改 (closed)
    RECTIFICATION_ORDERED = "rectification_ordered"  # 责令整改, with a deadline
    RECTIFICATION_SUBMITTED = "rectification_submitted"  # the unit says it is fixed
    RECTIFICATION_FAILED = "rectification_failed"  # 复查不合格: a new deadline, counted
    VERIFIED_CLOSED = "verified_closed"  # 复查合格 (closed)
    MAJOR_SUSPECTED = "major_suspected"
    DETERMINED_MAJOR = "determined_major"  # 集体讨论认定
    REPORTED_TO_GOVERNMENT = "reported_to_government"
    LISTED = "listed"  # 挂牌督办
    RECTIFYING = "rectifying"
    REINSPECTED = "reinspected"
    DELISTED = "delisted"  # 摘牌 (closed)

    @property
    def is_closed(self) -> bool:
        return self in CLOSED_STATES


CLOSED_STATES = frozenset(
    {
        HazardState.REJECTED,
        HazardState.DUPLICATE,
        HazardState.RECTIFIED_ON_SPOT,
        HazardState.VERIFIED_CLOSED,
        HazardState.DELISTED,
    }
)


class HazardAction(StrEnum):
    CONFIRM = "confirm"
    REJECT = "reject"
    MARK_DUPLICATE = "mark_duplicate"
    RECTIFY_ON_SPOT = "rectify_on_spot"
    ORDER_RECTIFICATION = "order_rectification"
    SUBMIT_RECTIFICATION = "submit_rectification"
    VERIFY = "verify"
    FAIL_VERIFICATION = "fail_verification"
    SUSPECT_MAJOR = "suspect_major"
    DETERMINE_MAJOR = "determine_major"
    DETERMINE_NOT_MAJOR = "determine_not_major"
    REPORT_TO_GOVERNMENT = "report_to_government"
    LIST = "list"
    START_RECTIFYING = "start_rectifying"
    REINSPECT = "reinspect"
    DELIST = "delist"


class EscalationLevel(IntEnum):
    """Who holds an open hazard: 一般隐患不出网格, then up one level at a time when overdue."""

    GRID = 0  # the grid worker
    VILLAGE = 1  # the village/community grid leader
    TOWNSHIP = 2  # the township fire station
    COUNTY = 3  # the county fire rescue brigade
    GOVERNMENT = 4  # government listing, major hazards only


class ListingLevel(StrEnum):
    COUNTY = "county"
    CITY = "city"
    PROVINCE = "province"


class ExtensionState(StrEnum):
    """A unit's request for more time to rectify (延期整改申请), decided by staff."""

    PENDING = "pending"
    GRANTED = "granted"  # the deadline moved by the days granted
    REFUSED = "refused"


class ExtensionStep(StrEnum):
    GRANT = "grant"
    REFUSE = "refuse"


# The whole lifecycle of a request: anything else is refused (hazards.extensions).
EXTENSION_TRANSITIONS: dict[tuple[ExtensionState, ExtensionStep], ExtensionState] = {
    (ExtensionState.PENDING, ExtensionStep.GRANT): ExtensionState.GRANTED,
    (ExtensionState.PENDING, ExtensionStep.REFUSE): ExtensionState.REFUSED,
}
