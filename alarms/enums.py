"""Kinds and states of the alarm feeds 物联网."""

from __future__ import annotations

from enum import StrEnum

from backend.core.errors import Conflict


class DeviceKind(StrEnum):
    SMOKE = "smoke"  # 独立式感烟探测报警器 on a smoke-detector cloud
    ELECTRICAL = "electrical"  # 智慧用电 / 电气火灾监控: leakage current, temperature, overload
    CONTROL_ROOM = "control_room"  # 消防设施联网 / 城市消防远程监控系统: a 消防控制室's panel
    OTHER = "other"


class DeviceStatus(StrEnum):
    ACTIVE = "active"
    RETIRED = "retired"  # taken out of service: its events are still kept, nothing is made


# A device's status moves one way only; a retired device is registered anew if it returns.
DEVICE_STEPS: dict[DeviceStatus, frozenset[DeviceStatus]] = {
    DeviceStatus.ACTIVE: frozenset({DeviceStatus.RETIRED}),
    DeviceStatus.RETIRED: frozenset(),
}


class DeviceRetired(Conflict):
    slug, title = "alarm-device-retired", "The device is retired"


class EventKind(StrEnum):
    ALARM = "alarm"  # 报警: smoke seen, a threshold passed, a fire signal on the panel
    FAULT = "fault"  # 故障: the device or its line is faulty, offline, its battery low
    RECOVERED = "recovered"  # 恢复: back to normal
    TEST = "test"  # 测试: a test signal


class Outcome(StrEnum):
    """What an event became (alarms/rules.py)."""

    CHECK_TASK = "check_task"  # a fault: a task to check the device within N days
    URGENT_TASK = "urgent_task"  # an alarm: a task due today, pushed at once
    HAZARD = "hazard"  # the alarm that made a repeated alarm (a burst): a hazard reported
    IN_BURST = "in_burst"  # a further alarm of a burst already reported: its hazard, no other
    RECORDED = "recorded"  # recovered, test: kept only
    NOT_ROUTED = "not_routed"  # outside every area the partner serves: kept and flagged
    DEVICE_RETIRED = "device_retired"  # from a retired device: kept only


KIND_NAMES = {
    DeviceKind.SMOKE: "独立式感烟探测报警器",
    DeviceKind.ELECTRICAL: "电气火灾监控",
    DeviceKind.CONTROL_ROOM: "消防设施联网",
    DeviceKind.OTHER: "其他设备",
}
EVENT_NAMES = {
    EventKind.ALARM: "报警",
    EventKind.FAULT: "故障",
    EventKind.RECOVERED: "恢复",
    EventKind.TEST: "测试",
}
