"""The State Council's holiday notices, loaded by an operator each December.

`chinese-calendar` learns a new year only with a package release, weeks or months after the
notice (published each November or December). Until then every process would count only
weekends for the new year, and deadlines in January would come days early. An operator loads
the notice with `firegrid calendar load FILE` (the format: docs/calendar.md); it is kept in
the database so that every API and worker process uses it, and for its year it replaces the
package's schedule.

Each process keeps what it read for `CACHE_SECONDS`: deadlines are computed for every hazard,
task and complaint, and a load takes effect everywhere within that time.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Boolean, Date, Engine, ForeignKey, Integer, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core import audit
from backend.core.audit import Actor
from backend.core.calendar import CalendarSource, WorkingCalendar, calendar_from
from backend.core.db import Base, UTCDateTime, get_engine, session_factory, utcnow
from backend.core.errors import InvalidInput
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import Settings

CACHE_SECONDS = 60.0
# A notice lists its own year's days, and sometimes a few of the neighbouring years' (元旦
# from 30 December; a 调休 Sunday in early January for the previous year's holiday).
NEIGHBOUR_DAYS = 31
LONGEST_HOLIDAY_DAYS = 15  # the Spring Festival's nine days, with room; more is a typo
_KEYS = {"year", "title", "holidays", "workdays"}


class CalendarNotice(Base):
    """A year's holiday schedule as the State Council published it, loaded with `firegrid
    calendar load` (`load_notice`); for its year it replaces the package's."""

    __tablename__ = "calendar_notices"

    year: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    title: Mapped[str] = mapped_column(String(300))  # the notice, e.g. 国办发明电〔2025〕7号
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class CalendarDay(Base):
    """A day a notice lists: a holiday, or a weekend day made a working day (调休). A notice
    may list days of the neighbouring year (元旦 starting on 30 December)."""

    __tablename__ = "calendar_days"

    year: Mapped[int] = mapped_column(
        ForeignKey("calendar_notices.year", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    working: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(64))


@dataclass(frozen=True)
class Notice:
    year: int
    title: str
    holidays: dict[date, str]  # each day off, with its holiday's name
    workdays: dict[date, str]  # each weekend day made a working day, with the holiday's name


@dataclass(frozen=True)
class YearCoverage:
    year: int
    source: CalendarSource

    @property
    def covered(self) -> bool:
        return self.source in {CalendarSource.LOADED, CalendarSource.PACKAGE}


def parse_notice(data: Any) -> Notice:
    """Check a notice in the documented format; InvalidInput listing every problem (with the
    field it is in) when anything is wrong, so that nothing half-right is loaded."""
    problems: list[dict[str, str]] = []

    def bad(field: str, message: str) -> None:
        problems.append({"field": field, "message": message})

    if not isinstance(data, dict):
        raise InvalidInput(
            "a notice is a JSON object with year, title, holidays and workdays",
            errors=[{"field": "", "message": "not a JSON object"}],
        )
    for key in sorted(set(data) - _KEYS):
        bad(key, "unknown field; a notice has year, title, holidays and workdays")
    year = data.get("year")
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        bad("year", "give the year the notice is for, e.g. 2027")
        year = None
    title = data.get("title")
    if not isinstance(title, str) or not title.strip() or len(title) > 300:
        bad("title", "give the notice's title or number (1 to 300 characters)")
        title = ""

    def day_in(field: str, value: Any) -> date | None:
        try:
            day = date.fromisoformat(value) if isinstance(value, str) else None
        except ValueError:
            day = None
        if day is None:
            bad(field, "not a date as YYYY-MM-DD")
            return None
        if year is not None and not (
            date(year, 1, 1) - timedelta(days=NEIGHBOUR_DAYS)
            <= day
            <= date(year, 12, 31) + timedelta(days=NEIGHBOUR_DAYS)
        ):
            bad(field, f"{day} is not in {year} (nor in the days around it)")
            return None
        return day

    def name_in(field: str, item: dict[str, Any]) -> str:
        name = item.get("name")
        if not isinstance(name, str) or not name.strip() or len(name) > 64:
            bad(f"{field}.name", "give the holiday's name, e.g. 春节 (1 to 64 characters)")
            return ""
        return name.strip()

    holidays: dict[date, str] = {}
    listed = data.get("holidays")
    if not isinstance(listed, list) or not listed:
        bad("holidays", 'give a list of {"name", "from", "to"}, one per holiday')
        listed = []
    for index, item in enumerate(listed):
        field = f"holidays.{index}"
        if not isinstance(item, dict) or set(item) - {"name", "from", "to"}:
            bad(field, 'give {"name": ..., "from": "YYYY-MM-DD", "to": "YYYY-MM-DD"}')
            continue
        name = name_in(field, item)
        first, last = (
            day_in(f"{field}.from", item.get("from")),
            day_in(f"{field}.to", item.get("to")),
        )
        if first is None or last is None:
            continue
        if last < first or (last - first).days >= LONGEST_HOLIDAY_DAYS:
            bad(f"{field}.to", f"must be on or after from, within {LONGEST_HOLIDAY_DAYS} days")
            continue
        for offset in range((last - first).days + 1):
            day = first + timedelta(days=offset)
            if day in holidays:
                bad(field, f"{day} is already in another holiday")
            holidays[day] = name

    workdays: dict[date, str] = {}
    listed = data.get("workdays", [])
    if not isinstance(listed, list):
        bad("workdays", 'give a list of {"name", "date"} (may be empty)')
        listed = []
    for index, item in enumerate(listed):
        field = f"workdays.{index}"
        if not isinstance(item, dict) or set(item) - {"name", "date"}:
            bad(field, 'give {"name": ..., "date": "YYYY-MM-DD"}')
            continue
        name = name_in(field, item)
        day = day_in(f"{field}.date", item.get("date"))
        if day is None:
            continue
        if day.weekday() < 5:
            bad(f"{field}.date", f"{day} is a weekday already; 调休 days are weekend days")
        elif day in holidays:
            bad(f"{field}.date", f"{day} is also listed as a holiday")
        elif day in workdays:
            bad(f"{field}.date", f"{day} is listed twice")
        workdays[day] = name

    if problems:
        summary = "; ".join(f"{p['field']}: {p['message']}" for p in problems[:5])
        raise InvalidInput(summary, errors=problems)
    assert year is not None
    return Notice(year=year, title=title.strip(), holidays=holidays, workdays=workdays)


def load_notice(session: Session, notice: Notice, actor: Actor) -> bool:
    """Store a year's notice, replacing one loaded before for that year (a corrected notice);
    True when it replaced one. All in the caller's transaction, with its audit event."""
    before = session.get(CalendarNotice, notice.year)
    previous = None
    if before is not None:
        previous = {"title": before.title}
        session.execute(delete(CalendarDay).where(CalendarDay.year == notice.year))
        session.delete(before)
        session.flush()
    session.add(CalendarNotice(year=notice.year, title=notice.title))
    session.flush()
    session.add_all(
        [
            CalendarDay(year=notice.year, day=d, working=False, name=n)
            for d, n in notice.holidays.items()
        ]
        + [
            CalendarDay(year=notice.year, day=d, working=True, name=n)
            for d, n in notice.workdays.items()
        ]
    )
    audit.record(
        session,
        actor=actor,
        action="calendar.loaded",
        subject_type="calendar_notice",
        subject_id=str(notice.year),
        before=previous,
        after={
            "title": notice.title,
            "holidays": sorted(d.isoformat() for d in notice.holidays),
            "workdays": sorted(d.isoformat() for d in notice.workdays),
        },
    )
    forget_cached()
    return before is not None


def loaded(session: Session) -> tuple[frozenset[int], dict[date, bool]]:
    """The years with a loaded notice, and every day they list (True: working)."""
    years = frozenset(session.scalars(select(CalendarNotice.year)))
    days: dict[date, bool] = {}
    # A day listed by two notices (30 December in both years' notices): its own year's wins.
    rows = session.execute(select(CalendarDay.year, CalendarDay.day, CalendarDay.working))
    for _year, day, working in sorted(rows, key=lambda row: row[0] == row[1].year):
        days[day] = working
    return years, days


def calendar_with_loaded(session: Session, settings: Settings) -> WorkingCalendar:
    """The working calendar as of now, read from the database (not cached)."""
    years, days = loaded(session)
    return replace(_overrides(settings), loaded_years=years, loaded_days=days)


def coverage(session: Session, settings: Settings, today: date | None = None) -> list[YearCoverage]:
    """This year and next (in Asia/Shanghai), and where each one's holidays come from."""
    today = today or _today()
    calendar = calendar_with_loaded(session, settings)
    return [YearCoverage(year, calendar.source(year)) for year in (today.year, today.year + 1)]


def coverage_warning(report: list[YearCoverage]) -> str | None:
    """One sentence for an operator when this or next year has no official schedule."""
    missing = [entry.year for entry in report if not entry.covered]
    if not missing:
        return None
    years = " and ".join(str(year) for year in missing)
    return (
        f"the working-day calendar does not know the holidays of {years}: deadlines there count "
        "weekends only; load the State Council's notice with `firegrid calendar load FILE`"
    )


def _today() -> date:
    return datetime.now(LOCAL_TIME).date()


def _overrides(settings: Settings) -> WorkingCalendar:
    return calendar_from(str(settings.calendar_overrides) if settings.calendar_overrides else None)


_cache_lock = threading.Lock()
_cache: dict[str, tuple[float, frozenset[int], dict[date, bool]]] = {}


def working_calendar(settings: Settings, engine: Engine | None = None) -> WorkingCalendar:
    """The calendar deadlines are counted with: local overrides, loaded notices (read at most
    every CACHE_SECONDS, in a short read-only transaction of its own), then the package."""
    engine = engine or get_engine()
    key = engine.url.render_as_string(hide_password=True)
    now = time.monotonic()
    with _cache_lock:
        cached = _cache.get(key)
    if cached is None or cached[0] < now:
        with session_factory(engine, read_only=True)() as session:
            years, days = loaded(session)
            session.rollback()
        cached = (now + CACHE_SECONDS, years, days)
        with _cache_lock:
            _cache[key] = cached
    return replace(_overrides(settings), loaded_years=cached[1], loaded_days=cached[2])


def forget_cached() -> None:
    """Read the loaded notices again on next use (this process only)."""
    with _cache_lock:
        _cache.clear()
