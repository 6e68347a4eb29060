"""A fire incident's states, steps, and the categories it is filed under (with their zh-CN
names: the national fire statistics' 火灾原因分类, and the kind of place that burned)."""

from __future__ import annotations

from enum import StrEnum


class IncidentState(StrEnum):
    NEW = "new"  # not stored yet: the row of the lifecycle that records an incident starts here
    DRAFT = "draft"  # recorded, still being completed (草稿); may be edited
    CONFIRMED = "confirmed"  # checked by staff (已核实); may still be edited, not public yet
    PUBLISHED = "published"  # on the public list, masked (已公开); no longer edited
    WITHDRAWN = "withdrawn"  # recorded in error, or taken off the public list (已撤回)


class IncidentAction(StrEnum):
    RECORD = "record"
    CONFIRM = "confirm"  # 核实
    PUBLISH = "publish"  # 公开
    WITHDRAW = "withdraw"  # 撤回


class FireCause(StrEnum):
    """火灾原因分类, as the national fire statistics file them."""

    ELECTRICAL = "electrical"  # 电气火灾
    PRODUCTION = "production"  # 生产作业
    CARELESS_FIRE_USE = "careless_fire_use"  # 用火不慎
    SMOKING = "smoking"  # 吸烟
    PLAYING_WITH_FIRE = "playing_with_fire"  # 玩火
    ARSON = "arson"  # 放火
    SPONTANEOUS = "spontaneous"  # 自燃
    LIGHTNING = "lightning"  # 雷击
    STATIC = "static"  # 静电
    UNDETERMINED = "undetermined"  # 不明原因
    OTHER = "other"  # 其他


class PlaceCategory(StrEnum):
    """What kind of place burned (起火场所)."""

    RESIDENTIAL = "residential"  # 住宅
    SMALL_VENUE = "small_venue"  # 九小场所
    CROWDED_PLACE = "crowded_place"  # 人员密集场所
    FACTORY_WAREHOUSE = "factory_warehouse"  # 厂房仓库
    OUTDOOR = "outdoor"  # 室外 (垃圾、草垛、荒山)
    VEHICLE = "vehicle"  # 交通工具
    OTHER = "other"  # 其他


class IncidentSource(StrEnum):
    STAFF = "staff"  # entered by station or brigade staff
    ALERT = "alert"  # from a 一键报警 alert (fires.alerts; `alert_id`)


STATE_NAMES = {
    IncidentState.DRAFT: "草稿",
    IncidentState.CONFIRMED: "已核实",
    IncidentState.PUBLISHED: "已公开",
    IncidentState.WITHDRAWN: "已撤回",
}
ACTION_NAMES = {
    IncidentAction.RECORD: "登记",
    IncidentAction.CONFIRM: "核实",
    IncidentAction.PUBLISH: "公开",
    IncidentAction.WITHDRAW: "撤回",
}
CAUSE_NAMES = {
    FireCause.ELECTRICAL: "电气火灾",
    FireCause.PRODUCTION: "生产作业",
    FireCause.CARELESS_FIRE_USE: "用火不慎",
    FireCause.SMOKING: "吸烟",
    FireCause.PLAYING_WITH_FIRE: "玩火",
    FireCause.ARSON: "放火",
    FireCause.SPONTANEOUS: "自燃",
    FireCause.LIGHTNING: "雷击",
    FireCause.STATIC: "静电",
    FireCause.UNDETERMINED: "不明原因",
    FireCause.OTHER: "其他",
}
PLACE_NAMES = {
    PlaceCategory.RESIDENTIAL: "住宅",
    PlaceCategory.SMALL_VENUE: "九小场所",
    PlaceCategory.CROWDED_PLACE: "人员密集场所",
    PlaceCategory.FACTORY_WAREHOUSE: "厂房仓库",
    PlaceCategory.OUTDOOR: "室外",
    PlaceCategory.VEHICLE: "交通工具",
    PlaceCategory.OTHER: "其他",
}
SOURCE_NAMES = {IncidentSource.STAFF: "人工登记", IncidentSource.ALERT: "一键报警"}
