"""The Chinese words a bulletin prints for the codes it counts (the same terms as the
console's labels.js and /shared/DOMAIN.md), short enough for a chart's axis."""

from __future__ import annotations

CATEGORIES = {
    "exit_blocked": "疏散通道堵塞",
    "facility_faulty": "消防设施损坏",
    "electrical": "违规用电",
    "ebike_indoor": "电动车违规充电",
    "open_flame": "违规用火",
    "flammables": "易燃易爆物品",
    "living_in_workplace": "三合一住人",
    "fire_lane_blocked": "消防车通道堵塞",
    "hydrant_extinguisher": "消火栓灭火器",
    "other": "其他",
}

SOURCES = {
    "patrol": "网格巡查",
    "citizen": "群众随手拍",
    "complaint": "投诉举报",
    "inspection": "执法检查",
    "monitoring": "物联网监测",
}

PREMISES_TYPES = {
    "public_gathering": "公众聚集场所",
    "high_rise": "高层建筑",
    "underground": "地下建筑",
    "large_complex": "大型综合体",
    "flammable_explosive": "易燃易爆场所",
    "farm_stay": "农家乐/民宿",
    "small_venue": "九小场所",
    "residential": "住宅",
    "living_workshop": "三合一场所",
    "school": "学校",
    "hospital": "医院",
    "elderly_care": "养老机构",
    "child_venue": "儿童活动场所",
    "labour_intensive": "劳动密集型企业",
    "other": "其他",
    "none": "未关联单位",
}

LEVELS = {
    "grid": "网格员",
    "village": "网格长",
    "township": "消防工作站",
    "county": "消防救援大队",
    "government": "政府督办",
}

CLOSED_STATES = {
    "rejected": "核查不属实",
    "duplicate": "重复上报",
    "rectified_on_spot": "当场整改",
    "verified_closed": "复查合格销号",
    "delisted": "摘牌销号",
}

LISTING_LEVELS = {"county": "县级挂牌", "city": "市级挂牌", "province": "省级挂牌"}

AREA_LEVELS = {"county": "县（区）", "township": "乡镇（街道）"}


def label(table: dict[str, str], code: str) -> str:
    return table.get(code, code)
