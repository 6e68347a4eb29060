"""What a complaint is about, how long each step may take, and which deadline runs in each
state. Functions of the complaint's facts and the settings (defaults and their sources:
docs/complaints.md)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from typing import Any

from backend.core import calendar_notices
from backend.core.calendar import WorkingCalendar
from backend.core.settings import Settings
from complaints.enums import ComplaintState, Stage
from hazards.enums import HazardCategory

# Blocked or locked exits and disabled fire facilities are checked on site within hours, not
# days: the situations in which people die if a fire starts tonight.
URGENT_CATEGORIES = frozenset({HazardCategory.EXIT_BLOCKED, HazardCategory.FACILITY_FAULTY})

# Words hotline operators write for each category, checked in this order (first match wins).
KEYWORDS: tuple[tuple[HazardCategory, re.Pattern[str]], ...] = (
    (
        HazardCategory.EXIT_BLOCKED,
        re.compile(
            r"(安全出口|疏散通道|逃生通道|疏散楼梯|楼梯间|消防通道).{0,12}(堵|锁|封|占|杂物)|(锁闭|堵塞|封堵).{0,6}(出口|通道|楼梯)"
        ),
    ),
    (
        HazardCategory.FACILITY_FAULTY,
        re.compile(
            r"(消防设施|喷淋|烟感|报警系统|消防栓|消火栓|防火门|应急照明|疏散指示).{0,12}(停用|关闭|损坏|坏|不能用|失效|拆除|没水|无水)"
        ),
    ),
    (HazardCategory.FIRE_LANE_BLOCKED, re.compile(r"消防车道|消防车通道")),
    (HazardCategory.EBIKE_INDOOR, re.compile(r"电动(自行)?车|电瓶车|飞线")),
    (HazardCategory.LIVING_IN_WORKPLACE, re.compile(r"三合一|住人|住宿.{0,4}(仓库|车间|店)")),
    (HazardCategory.FLAMMABLES, re.compile(r"易燃|易爆|液化气|煤气罐|汽油|油漆|烟花")),
    (HazardCategory.OPEN_FLAME, re.compile(r"明火|焊接|电焊|烧烤|焚烧|烧纸")),
    (HazardCategory.ELECTRICAL, re.compile(r"电线|私拉|乱接|插排|线路|大功率")),
    (HazardCategory.HYDRANT_EXTINGUISHER, re.compile(r"灭火器")),
)


def classify(text: str) -> HazardCategory | None:
    """The hazard category the complaint's words point to, if any."""
    for category, pattern in KEYWORDS:
        if pattern.search(text):
            return category
    return None


def is_urgent(category: HazardCategory | None) -> bool:
    return category in URGENT_CATEGORIES


def working_calendar(settings: Settings) -> WorkingCalendar:
    """The calendar every complaint deadline is counted with (the operator's notices loaded)."""
    return calendar_notices.working_calendar(settings)


def verify_due(
    received_at: datetime, urgent: bool, settings: Settings, calendar: WorkingCalendar
) -> datetime:
    if urgent:
        return received_at + timedelta(hours=settings.complaint_verify_urgent_hours)
    return calendar.deadline(received_at, settings.complaint_verify_working_days)


def reply_due(
    received_at: datetime,
    hotline_deadline: datetime | None,
    settings: Settings,
    calendar: WorkingCalendar,
) -> datetime:
    """Ours, unless the hotline gave its own: theirs is the one the complainant was promised."""
    if hotline_deadline is not None:
        return hotline_deadline
    return calendar.deadline(received_at, settings.complaint_reply_working_days)


def sign_due(dispatched_at: datetime, settings: Settings, calendar: WorkingCalendar) -> datetime:
    return calendar.deadline(dispatched_at, settings.complaint_sign_working_days)


# Each state waits for one step; its deadline is the one that runs. In triage nobody is assigned
# yet, but the on-site clock (from receipt) runs all the same.
STAGE_OF: dict[ComplaintState, Stage | None] = {
    ComplaintState.RECEIVED: Stage.VERIFY,
    ComplaintState.DISPATCHED: Stage.SIGN,
    ComplaintState.REOPENED: Stage.SIGN,
    ComplaintState.SIGNED: Stage.VERIFY,
    ComplaintState.VERIFYING: Stage.REPLY,
    ComplaintState.REPLIED: None,
    ComplaintState.CLOSED: None,
    ComplaintState.UNSATISFIED: None,
    ComplaintState.CALLBACK_DONE: None,
}

DUE_COLUMN = {Stage.SIGN: "sign_due_at", Stage.VERIFY: "verify_due_at", Stage.REPLY: "reply_due_at"}


def set_stage(complaint: Any) -> None:
    """The deadline that runs in the complaint's state becomes the sweep's next alarm. Takes a
    `Complaint` or intake's draft of one (the same columns)."""
    stage = STAGE_OF[ComplaintState(complaint.state)]
    complaint.stage = stage.value if stage else None
    complaint.reminded = False
    complaint.alarm_at = getattr(complaint, DUE_COLUMN[stage]) if stage else None


def due_of(complaint: Any) -> datetime | None:
    """The deadline that runs now, if any."""
    return getattr(complaint, DUE_COLUMN[Stage(complaint.stage)]) if complaint.stage else None
