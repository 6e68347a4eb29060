"""The rule table of the alarm feeds: what each kind of event becomes. One versioned table,
here in the repository (decision 0057); its numbers are settings (FIREGRID_ALARM_*). Each
event records the version it was judged by, so a change of rules never rewrites history.

| event      | becomes                                                                       |
|------------|-------------------------------------------------------------------------------|
| fault      | a task for the grid's worker to check the device within N days (`alarm_fault_check_days`) |
| alarm      | an urgent task due today (Beijing), pushed at once to its worker and the station |
| alarm, the K-th within W hours (`alarm_repeat_count`, `alarm_repeat_window_hours`) | also a hazard in the grid, reported for the platform; one per burst: further alarms while the burst lasts (each within W hours of the one before) point at the same hazard |
| recovered, test | recorded only                                                            |

From a retired device, or outside every area its platform serves: recorded only (flagged).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from alarms.enums import DeviceKind, EventKind, Outcome
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings
from hazards.enums import HazardCategory

VERSION = 1


@dataclass(frozen=True)
class Rule:
    outcome: Outcome
    task_title: str | None = None  # the task's note starts with this


RULES: dict[EventKind, Rule] = {
    EventKind.FAULT: Rule(Outcome.CHECK_TASK, "物联网设备故障，请上门检查设备"),
    EventKind.ALARM: Rule(Outcome.URGENT_TASK, "物联网设备报警，请立即到场核实"),
    EventKind.RECOVERED: Rule(Outcome.RECORDED),
    EventKind.TEST: Rule(Outcome.RECORDED),
}

# The hazard a repeated alarm is reported as, by the device's kind.
HAZARD_CATEGORY = {
    DeviceKind.SMOKE: HazardCategory.OTHER,
    DeviceKind.ELECTRICAL: HazardCategory.ELECTRICAL,
    DeviceKind.CONTROL_ROOM: HazardCategory.FACILITY_FAULTY,
    DeviceKind.OTHER: HazardCategory.OTHER,
}


def due_at(outcome: Outcome, occurred_at: datetime, received_at: datetime, settings: Settings):
    """When the task an event makes is due: a check within N days of receipt; an urgent one at
    the end of the Beijing day it arrived."""
    if outcome is Outcome.CHECK_TASK:
        return received_at + timedelta(days=settings.alarm_fault_check_days)
    local = received_at.astimezone(LOCAL_TIME)
    return (local.replace(hour=23, minute=59, second=59, microsecond=0)).astimezone(
        received_at.tzinfo
    )


def window(settings: Settings) -> timedelta:
    return timedelta(hours=settings.alarm_repeat_window_hours)
