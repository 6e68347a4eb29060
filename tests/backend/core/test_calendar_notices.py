"""Each December an operator loads the State Council's notice for the next year; until then
/readyz, the worker's log and `firegrid calendar status` say the calendar runs out, instead
of deadlines silently counting weekends only."""

import json
import logging
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from backend.core import calendar_notices
from backend.core.calendar import WorkingCalendar
from backend.core.localtime import LOCAL_TIME
from backend.core.settings import get_settings
from tests.test_cli import firegrid

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "calendar-example-2026.json"
TODAY = datetime.now(LOCAL_TIME).date()
NEXT_YEAR = TODAY.year + 1


@pytest.fixture(autouse=True)
def fresh_calendar_cache():
    calendar_notices.forget_cached()
    yield
    calendar_notices.forget_cached()


def made_up_notice(year: int) -> dict:
    """A notice for the tests, with invented days (not an official schedule)."""
    saturday = next(
        date(year, 3, 1) + timedelta(days=n)
        for n in range(7)
        if (date(year, 3, 1) + timedelta(days=n)).weekday() == 5
    )
    return {
        "year": year,
        "title": f"测试用通知 {year} (not an official schedule)",
        "holidays": [{"name": "测试假期", "from": f"{year}-03-10", "to": f"{year}-03-12"}],
        "workdays": [{"name": "测试假期", "date": saturday.isoformat()}],
    }


def expected_source(year: int) -> str:
    """What the installed chinese-calendar release knows (it learns a year with a release)."""
    return WorkingCalendar().source(year).value


def test_the_documented_example_gives_the_same_days_as_the_package(tmp_path, db):
    """docs/calendar-example-2026.json is 2026's real notice in the documented format: loaded,
    it answers exactly as the chinese-calendar package does for every day of 2026."""
    result = firegrid("calendar", "load", str(EXAMPLE))
    assert result.returncode == 0, result.stderr
    assert "loaded 2026: 33 days off, 6 working weekend days" in result.stdout

    with db(read_only=True) as session:
        loaded = calendar_notices.calendar_with_loaded(session, get_settings())
    assert loaded.source(2026) == "loaded"
    package = WorkingCalendar()
    day = date(2026, 1, 1)
    while day.year == 2026:
        assert loaded.is_working_day(day) == package.is_working_day(day), day
        day += timedelta(days=1)


def test_status_says_when_next_year_is_not_covered_until_its_notice_is_loaded(tmp_path):
    before = firegrid("calendar", "status")
    for year in (TODAY.year, NEXT_YEAR):
        assert f"{year}: {expected_source(year)}" in before.stdout
    if expected_source(NEXT_YEAR) == "none":
        assert before.returncode == 1
        assert (
            f"warning: the working-day calendar does not know the holidays of {NEXT_YEAR}"
            in before.stderr
        )

    notice = tmp_path / "next.json"
    notice.write_text(json.dumps(made_up_notice(NEXT_YEAR), ensure_ascii=False), encoding="utf-8")
    loaded = firegrid("calendar", "load", str(notice))
    again = firegrid("calendar", "load", str(notice))
    after = firegrid("calendar", "status")

    assert loaded.returncode == 0 and loaded.stdout.startswith(f"loaded {NEXT_YEAR}: 3 days off")
    assert again.returncode == 0 and again.stdout.startswith(f"replaced {NEXT_YEAR}")
    assert f"{NEXT_YEAR}: loaded" in after.stdout
    assert after.returncode == (0 if expected_source(TODAY.year) != "none" else 1), after.stderr


def test_a_bad_notice_is_refused_naming_each_problem_and_nothing_is_loaded(tmp_path, db):
    notice = made_up_notice(2031)
    notice["holidays"].append({"name": "国庆节", "from": "2031-10-07", "to": "2031-10-01"})
    notice["holidays"].append({"name": "元旦", "from": "2033-01-01", "to": "2033-01-01"})
    notice["workdays"].append({"name": "国庆节", "date": "2031-10-08"})  # a Wednesday
    notice["holiday"] = []
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(notice, ensure_ascii=False), encoding="utf-8")

    result = firegrid("calendar", "load", str(path))
    not_json = tmp_path / "broken.json"
    not_json.write_text("{year: 2031", encoding="utf-8")
    broken = firegrid("calendar", "load", str(not_json))

    assert result.returncode == 2
    assert "5 problem(s)" in result.stderr  # from and to of the 2033 day
    assert "holidays.1.to: must be on or after from" in result.stderr
    assert "holidays.2.from: 2033-01-01 is not in 2031" in result.stderr
    assert "workdays.1.date: 2031-10-08 is a weekday already" in result.stderr
    assert "holiday: unknown field" in result.stderr
    assert broken.returncode == 2 and "is not JSON" in broken.stderr
    with db(read_only=True) as session:
        assert calendar_notices.loaded(session) == (frozenset(), {})


def test_deadlines_count_a_loaded_notice_in_every_process(db):
    """What the API and the worker compute: a notice loaded for a year nobody knew moves a
    deadline past its holidays."""
    notice = calendar_notices.parse_notice(made_up_notice(2031))
    from backend.core.audit import Actor

    with db() as session:
        calendar_notices.load_notice(session, notice, Actor.system())
    calendar = calendar_notices.working_calendar(get_settings())

    # Friday 7 March 2031 in Shanghai; one working day later, skipping 10-12 March (Mon-Wed).
    deadline = calendar.deadline(datetime(2031, 3, 7, 2, 0, tzinfo=UTC), 1)
    assert deadline == datetime(2031, 3, 13, 16, 0, tzinfo=UTC)  # end of Thursday 13 March
    assert WorkingCalendar().deadline(datetime(2031, 3, 7, 2, 0, tzinfo=UTC), 1) == datetime(
        2031, 3, 10, 16, 0, tzinfo=UTC
    )


def test_readyz_warns_but_stays_ready_while_next_year_is_not_covered(api, tmp_path):
    before = api.get("/readyz")
    assert before.status_code == 200, before.text
    assert before.json()["calendar"] == {
        str(TODAY.year): expected_source(TODAY.year),
        str(NEXT_YEAR): expected_source(NEXT_YEAR),
    }
    if expected_source(NEXT_YEAR) == "none":
        assert str(NEXT_YEAR) in before.json()["warnings"][0]

    notice = tmp_path / "next.json"
    notice.write_text(json.dumps(made_up_notice(NEXT_YEAR), ensure_ascii=False), encoding="utf-8")
    assert firegrid("calendar", "load", str(notice)).returncode == 0
    after = api.get("/readyz")

    assert after.status_code == 200
    assert after.json()["calendar"][str(NEXT_YEAR)] == "loaded"
    if expected_source(TODAY.year) != "none":
        assert "warnings" not in after.json()


def test_the_worker_logs_a_warning_each_pass_while_the_calendar_runs_out(caplog, tmp_path):
    from backend import worker

    if expected_source(NEXT_YEAR) != "none":
        pytest.skip(f"this chinese-calendar release already knows {NEXT_YEAR}")
    with caplog.at_level(logging.WARNING, logger="firegrid.worker"):
        worker.run_once()
        worker.run_once()
    warnings = [r for r in caplog.records if r.getMessage() == "calendar not covered"]
    assert len(warnings) == 2 and str(NEXT_YEAR) in warnings[0].warning

    notice = tmp_path / "next.json"
    notice.write_text(json.dumps(made_up_notice(NEXT_YEAR), ensure_ascii=False), encoding="utf-8")
    assert firegrid("calendar", "load", str(notice)).returncode == 0
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="firegrid.worker"):
        worker.run_once()
    assert not [r for r in caplog.records if r.getMessage() == "calendar not covered"]
