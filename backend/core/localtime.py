"""The one local time zone. firegrid serves mainland China, where people, deadlines, months,
holidays and phone cameras all keep Beijing time (UTC+8, no daylight saving). Times are stored
in UTC; they become local only to name a day or a month, or to be shown to a partner."""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

LOCAL_TIME = ZoneInfo("Asia/Shanghai")


def local_iso(moment: datetime | None) -> str | None:
    """A moment as partners read it: ISO 8601 in Beijing time, to the second."""
    return moment.astimezone(LOCAL_TIME).isoformat(timespec="seconds") if moment else None


def today() -> date:
    """Today's date in Beijing."""
    return datetime.now(LOCAL_TIME).date()


def day_start(day: date) -> datetime:
    """The first moment of a Beijing calendar day, in UTC: `reported_from=2026-12-05` starts at
    2026-12-04T16:00Z. A range of days [first, last] is [day_start(first), day_start(last + 1))."""
    return datetime.combine(day, time(), LOCAL_TIME).astimezone(UTC)
