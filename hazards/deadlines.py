"""When a hazard falls due where it stands, and when the sweep moves it up a level: the clock
each state runs (a rectification deadline, the re-check, the major-hazard determination and
notice, the escalation ladder), in working days."""

from __future__ import annotations

from datetime import datetime

from backend.core import calendar_notices
from backend.core.calendar import WorkingCalendar
from backend.core.settings import Settings
from hazards.enums import EscalationLevel, HazardState, Severity
from hazards.models import Hazard

MAJOR_STATES = frozenset(
    {
        HazardState.MAJOR_SUSPECTED,
        HazardState.DETERMINED_MAJOR,
        HazardState.REPORTED_TO_GOVERNMENT,
        HazardState.LISTED,
        HazardState.RECTIFYING,
        HazardState.REINSPECTED,
    }
)
# States in which the unit is working against a rectification deadline (missing it is recorded).
DEADLINE_STATES = frozenset(
    {
        HazardState.RECTIFICATION_ORDERED,
        HazardState.RECTIFICATION_FAILED,
        HazardState.LISTED,
        HazardState.RECTIFYING,
    }
)
GOVERNMENT_STATES = frozenset(
    {
        HazardState.REPORTED_TO_GOVERNMENT,
        HazardState.LISTED,
        HazardState.RECTIFYING,
        HazardState.REINSPECTED,
    }
)


def working_calendar(settings: Settings) -> WorkingCalendar:
    return calendar_notices.working_calendar(settings)


def top_level(severity: Severity) -> EscalationLevel:
    """Ordinary hazards climb to the county brigade at most; major ones to government listing."""
    return EscalationLevel.GOVERNMENT if severity is Severity.MAJOR else EscalationLevel.COUNTY


def start_clock(hazard: Hazard, settings: Settings, since: datetime) -> None:
    """Set when the hazard is overdue where it stands, and when the sweep moves it up."""
    hazard.level_due_at, hazard.escalate_at = clock(
        HazardState(hazard.state),
        Severity(hazard.severity),
        EscalationLevel(hazard.level),
        hazard.rectification_deadline,
        settings,
        since,
    )


def clock(
    state: HazardState,
    severity: Severity,
    level: EscalationLevel,
    rectification_deadline: datetime | None,
    settings: Settings,
    since: datetime,
) -> tuple[datetime | None, datetime | None]:
    """(when it is overdue where it stands, when the sweep moves it up): the second is None at
    the top level, so the sweep never reads hazards that cannot move."""
    due = due_at(state, level, rectification_deadline, settings, since)
    return due, (due if level < top_level(severity) else None)


def due_at(
    state: HazardState,
    level: EscalationLevel,
    rectification_deadline: datetime | None,
    settings: Settings,
    since: datetime,
) -> datetime | None:
    """When a hazard in this state and level becomes overdue (None: no clock runs)."""
    calendar = working_calendar(settings)
    if state.is_closed or state in GOVERNMENT_STATES:
        return None
    if state in (HazardState.RECTIFICATION_ORDERED, HazardState.RECTIFICATION_FAILED):
        return rectification_deadline
    if state is HazardState.RECTIFICATION_SUBMITTED:
        return calendar.deadline(since, settings.recheck_working_days)
    if state is HazardState.MAJOR_SUSPECTED:
        return calendar.deadline(since, settings.major_determination_working_days)
    if state is HazardState.DETERMINED_MAJOR:
        return calendar.deadline(since, settings.major_notice_working_days)
    return calendar.deadline(
        since, settings.escalation_working_days[min(level, EscalationLevel.COUNTY)]
    )
