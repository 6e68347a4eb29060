"""After a month ends, the worker makes its bulletin for every township and county, once,
however often (and however many workers) it runs."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from backend.core.localtime import LOCAL_TIME
from backend.core.settings import get_settings
from bulletins import service
from bulletins.models import Bulletin


def test_each_township_and_county_gets_last_months_bulletin_once(
    db, county, township, other_township, village, grid
):
    first_of_month = datetime(2026, 11, 1, 0, 30, tzinfo=LOCAL_TIME).astimezone(UTC)
    settings = get_settings()

    with db() as session:
        made = service.make_due(session, settings, now=first_of_month)
    with db() as session:
        again = service.make_due(session, settings, now=first_of_month)

    assert (made, again) == (3, 0)
    with db() as session:
        rows = session.execute(
            select(Bulletin.area_code, Bulletin.month, func.count())
            .group_by(Bulletin.area_code, Bulletin.month)
            .order_by(Bulletin.area_code)
        ).all()
        assert rows == [
            (county.code, "2026-10", 1),
            (township.code, "2026-10", 1),
            (other_township.code, "2026-10", 1),
        ]
        assert all(b.generated_by is None for b in session.scalars(select(Bulletin)))


def test_two_workers_at_once_make_each_bulletin_once(db, county, township):
    from tests.world import at_once

    first_of_month = datetime(2026, 11, 1, 0, 30, tzinfo=LOCAL_TIME).astimezone(UTC)
    settings = get_settings()

    def one_pass() -> int:
        with db() as session:
            return service.make_due(session, settings, now=first_of_month)

    assert sorted(at_once(one_pass)) in ([0, 2], [1, 1])
    with db() as session:
        assert session.scalar(select(func.count()).select_from(Bulletin)) == 2
