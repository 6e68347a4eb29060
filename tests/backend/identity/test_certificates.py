"""执法证 validity is reckoned in Beijing days: a certificate whose last day was yesterday in
Beijing has run out, even in the hours when it is still that day in UTC (16:00-24:00 UTC)."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from backend.core import localtime
from backend.identity.enums import Role
from backend.identity.service import Principal


def officer(expires_on: date | None, number: str | None = "执法证001") -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        username="officer",
        role=Role.STATION_STAFF,
        scope_area_id=None,
        certificate_number=number,
        certificate_expires_on=expires_on,
    )


def test_a_certificate_is_good_to_the_end_of_its_last_beijing_day():
    beijing_today = localtime.today()
    assert officer(beijing_today).certified_today
    assert officer(beijing_today + timedelta(days=30)).certified_today
    assert not officer(beijing_today - timedelta(days=1)).certified_today


def test_at_one_in_the_morning_in_beijing_yesterdays_certificate_has_run_out(monkeypatch):
    # 2026-12-06T17:00Z is 01:00 on 7 December in Beijing, still the 6th in UTC.
    monkeypatch.setattr(localtime, "datetime", _FrozenAt("2026-12-06T17:00:00+00:00"))
    assert localtime.today() == date(2026, 12, 7)
    assert not officer(date(2026, 12, 6)).certified_today
    assert officer(date(2026, 12, 7)).certified_today


def test_no_number_or_no_expiry_is_no_certificate():
    assert not officer(localtime.today(), number=None).certified_today
    assert not officer(None).certified_today


class _FrozenAt:
    """`datetime` as `localtime` uses it (`now(tz)`), stopped at one moment."""

    def __init__(self, iso: str):
        from datetime import datetime

        self._moment = datetime.fromisoformat(iso)

    def now(self, tz=None):
        return self._moment.astimezone(tz) if tz else self._moment

    def __getattr__(self, name):
        from datetime import datetime

        return getattr(datetime, name)
