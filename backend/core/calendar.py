"""Working days in Asia/Shanghai: weekends, the State Council's public holidays and the
make-up working days 调休.

Where a year's schedule comes from, first match wins:
1. local extra days: `FIREGRID_CALENDAR_OVERRIDES` names a JSON file
   `{"holidays": ["2027-01-01", ...], "workdays": ["2027-02-20", ...]}` (one machine only);
2. a notice loaded with `firegrid calendar load` (kept in the database, so every process sees
   it; backend/core/calendar_notices.py): the State Council publishes next year's schedule each
   November or December, and a package release follows some time later;
3. the `chinese-calendar` package, for the years it knows;
4. nothing: weekends are the only days off, and `source` says NONE so that /readyz, the
   worker and `firegrid calendar status` can warn.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from enum import StrEnum
from functools import lru_cache
from pathlib import Path

import chinese_calendar

from backend.core.localtime import LOCAL_TIME


class CalendarSource(StrEnum):
    """Who told us a year's holidays."""

    LOADED = "loaded"  # a State Council notice loaded with `firegrid calendar load`
    PACKAGE = "package"  # the chinese-calendar package
    OVERRIDES = "overrides"  # only FIREGRID_CALENDAR_OVERRIDES' local days
    NONE = "none"  # nobody: weekends only


@dataclass(frozen=True)
class WorkingCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)
    # Loaded notices: the years they cover, and each listed day (True: a 调休 working day,
    # False: a holiday). For a loaded year, unlisted days follow the weekend rule.
    loaded_years: frozenset[int] = field(default_factory=frozenset)
    loaded_days: Mapping[date, bool] = field(default_factory=dict)

    def source(self, year: int) -> CalendarSource:
        """Where this year's schedule comes from (the local overrides only count when nothing
        official is known: a few local days do not make a year's schedule)."""
        if year in self.loaded_years:
            return CalendarSource.LOADED
        if _published(date(year, 7, 1)):
            return CalendarSource.PACKAGE
        if any(d.year == year for d in self.extra_holidays | self.extra_workdays):
            return CalendarSource.OVERRIDES
        return CalendarSource.NONE

    def covered(self, day: date) -> bool:
        """Whether the official schedule (or a local override) is known for this day's year."""
        return self.source(day.year) is not CalendarSource.NONE

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
        loaded = self.loaded_days.get(day)
        if loaded is not None:
            return loaded
        if day.year in self.loaded_years:
            return day.weekday() < 5
        published = _published_workday(day)
        if published is not None:
            return published
        return day.weekday() < 5

    def add_working_days(self, start: date, days: int) -> date:
        """The date `days` working days after `start` (start itself not counted)."""
        day = start
        remaining = days
        while remaining > 0:
            day += timedelta(days=1)
            if self.is_working_day(day):
                remaining -= 1
        return day

    def deadline(self, moment: datetime, working_days: int) -> datetime:
        """End of the local day `working_days` working days after `moment`, in UTC."""
        local_day = moment.astimezone(LOCAL_TIME).date()
        last = self.add_working_days(local_day, working_days)
        end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_TIME)
        return end.astimezone(UTC)


def calendar_deadline(moment: datetime, days: int) -> datetime:
    """End of the local day `days` calendar days after `moment`, in UTC (自送达之日起N日: the
    day of service not counted)."""
    last = moment.astimezone(LOCAL_TIME).date() + timedelta(days=days)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), LOCAL_TIME)
    return end.astimezone(UTC)


@lru_cache(maxsize=8192)
def _published_workday(day: date) -> bool | None:
    """The State Council's answer for a day (cached: the package checks every call, and
    deadlines ask for many days), None for a year it has not published."""
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        return None


def _published(day: date) -> bool:
    return _published_workday(day) is not None


@lru_cache(maxsize=4)
def calendar_from(path: str | None) -> WorkingCalendar:
    if not path:
        return WorkingCalendar()
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return WorkingCalendar(
        extra_holidays=frozenset(date.fromisoformat(d) for d in data.get("holidays", [])),
        extra_workdays=frozenset(date.fromisoformat(d) for d in data.get("workdays", [])),
    )
