"""Deadlines count working days as Chinese offices do: weekends off, public holidays off, and
the make-up working days 调休 on."""

import json
from datetime import UTC, date, datetime

from backend.core.calendar import WorkingCalendar, calendar_from


def test_national_day_2026_is_skipped_and_its_make_up_saturday_counts():
    calendar = WorkingCalendar()
    assert calendar.add_working_days(date(2026, 9, 30), 1) == date(2026, 10, 8)  # 1-7 Oct off
    assert calendar.add_working_days(date(2026, 9, 30), 3) == date(2026, 10, 10)  # a Saturday, 调休
    assert calendar.is_working_day(date(2026, 9, 20))  # Sunday make-up day before the holiday


def test_a_deadline_ends_at_local_midnight():
    calendar = WorkingCalendar()
    # Friday 27 Nov 2026, 23:30 in Shanghai; three working days: Mon, Tue, Wed.
    deadline = calendar.deadline(datetime(2026, 11, 27, 15, 30, tzinfo=UTC), 3)
    assert deadline == datetime(2026, 12, 2, 16, 0, tzinfo=UTC)  # Thursday 00:00 in Shanghai


def test_unpublished_years_fall_back_to_weekends_and_say_so(tmp_path):
    plain = WorkingCalendar()
    assert not plain.covered(date(2031, 1, 1))
    assert plain.is_working_day(date(2031, 1, 1))  # a Wednesday; nobody has published 2031 yet

    overrides = tmp_path / "calendar.json"
    overrides.write_text(json.dumps({"holidays": ["2031-01-01"], "workdays": ["2031-01-04"]}))
    local = calendar_from(str(overrides))
    assert local.covered(date(2031, 6, 1))
    assert not local.is_working_day(date(2031, 1, 1))
    assert local.is_working_day(date(2031, 1, 4))  # a Saturday made a working day


def test_a_loaded_notice_replaces_the_package_for_its_year_and_only_for_it():
    """An operator's notice is the newest word on its year: days it does not list follow the
    weekend rule even where the package had a holiday (a corrected notice), and the package
    still answers for the other years."""
    loaded = WorkingCalendar(
        loaded_years=frozenset({2026}),
        loaded_days={date(2026, 10, 1): False, date(2026, 10, 10): True},
    )
    assert loaded.source(2026) == "loaded" and loaded.covered(date(2026, 1, 1))
    assert not loaded.is_working_day(date(2026, 10, 1))  # listed: a holiday
    assert loaded.is_working_day(date(2026, 10, 2))  # a Friday the notice does not list
    assert loaded.is_working_day(date(2026, 10, 10))  # a Saturday listed as a working day
    assert loaded.source(2025) == "package"
    assert not loaded.is_working_day(date(2025, 10, 1))
    assert loaded.source(2031) == "none" and not loaded.covered(date(2031, 1, 1))
