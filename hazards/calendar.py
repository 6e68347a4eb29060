"""Working days in Asia/Shanghai: weekends, the State Council's public holidays and the
make-up working days 调休.

The published schedule comes from `chinese-calendar` for the years it knows. The State Council
publishes next year's schedule each November or December, and a package release follows some
time later; until then (and for local extra days) `FIREGRID_CALENDAR_OVERRIDES` names a JSON
file `{"holidays": ["2027-01-01", ...], "workdays": ["2027-02-20", ...]}`. For a year nobody has
published, weekends are the only days off, and `covered` says so.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from zoneinfo import ZoneInfo

import chinese_calendar

LOCAL_TIME = ZoneInfo("Asia/Shanghai")


@dataclass(frozen=True)
class WorkingCalendar:
    extra_holidays: frozenset[date] = field(default_factory=frozenset)
    extra_workdays: frozenset[date] = field(default_factory=frozenset)

    def covered(self, day: date) -> bool:
        """Whether the official schedule (or a local override) is known for this day's year."""
        return _published(day) or any(
            d.year == day.year for d in self.extra_holidays | self.extra_workdays
        )

    def is_working_day(self, day: date) -> bool:
        if day in self.extra_workdays:
            return True
        if day in self.extra_holidays:
            return False
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
        return end.astimezone(ZoneInfo("UTC"))


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
