"""The batch helpers that send many rows as one parameter store and find exactly what the
one-row-at-a-time statements would, on both backends."""

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import StatementError

from backend.core import dialect
from backend.identity.models import IntegrationNonce, User
from backend.notify.models import OutboxMessage

BEIJING = timezone(timedelta(hours=8))


def test_insert_rows_stores_ids_times_json_and_nulls_as_given(db, grid_worker):
    from backend.core.ids import new_id

    sent_at = datetime(2026, 11, 24, 9, 15, 0, 123456, tzinfo=BEIJING)
    rows = [
        {
            "id": new_id(),
            "channel": "fcm",
            "user_id": grid_worker.id,
            "title": f"新投诉工单 {n}",
            "body": "幸福小吃店后门安全出口被锁闭",
            "data": {"complaint_id": str(n), "nested": {"ok": True, "n": 1.5}},
            "status": "pending",
            "attempts": n,
            "next_attempt_at": sent_at,
            "last_error": None,
            "created_at": sent_at,
            "delivered_at": None,
        }
        for n in range(3)
    ]

    with db() as session:
        dialect.insert_rows(session, OutboxMessage.__table__, rows)

    with db() as session:
        stored = {m.id: m for m in session.scalars(select(OutboxMessage))}
    assert set(stored) == {row["id"] for row in rows}
    for row in rows:
        message = stored[row["id"]]
        assert (message.title, message.data, message.attempts) == (
            row["title"],
            row["data"],
            row["attempts"],
        )
        assert message.created_at == sent_at and message.created_at.tzinfo is not None
        assert message.delivered_at is None and message.last_error is None


def test_insert_rows_refuses_a_naive_time_and_stores_nothing(db):
    rows = [
        {"key_id": "fgk_a", "nonce": "n" * 16, "seen_at": datetime.now(UTC)},
        {"key_id": "fgk_a", "nonce": "m" * 16, "seen_at": datetime(2026, 11, 24, 9, 0)},
    ]

    with pytest.raises((ValueError, StatementError), match="naive"), db() as session:
        dialect.insert_rows(session, IntegrationNonce.__table__, rows)

    with db() as session:
        assert session.scalar(select(func.count()).select_from(IntegrationNonce)) == 0


def test_insert_rows_along_another_write_does_both_or_neither(db, grid_worker):
    from sqlalchemy import bindparam, update

    now = datetime.now(UTC)
    rename = (
        update(User.__table__)
        .where(User.id == bindparam("who"))
        .values(display_name=bindparam("name"), updated_at=now)
    )
    nonces = [{"key_id": "fgk_a", "nonce": f"{n:016d}", "seen_at": now} for n in range(3)]

    def insert_renaming(session, name):
        along = (rename, {"who": grid_worker.id, "name": name})
        dialect.insert_rows(session, IntegrationNonce.__table__, nonces, along=along)

    def stored():
        with db() as session:
            count = session.scalar(select(func.count()).select_from(IntegrationNonce))
            return count, session.get(User, grid_worker.id).display_name

    with db() as session:
        insert_renaming(session, "网格员（改名）")
    assert stored() == (3, "网格员（改名）")

    with pytest.raises(Exception, match="(?i)unique|duplicate"), db() as session:
        insert_renaming(
            session, "不该留下"
        )  # the same nonces again: the insert fails, so does the rename
    assert stored() == (3, "网格员（改名）")


def test_inserted_unless_present_names_the_rows_it_inserted(db):
    now = datetime.now(UTC)
    with db() as session:
        dialect.insert_rows(
            session,
            IntegrationNonce.__table__,
            [{"key_id": "fgk_a", "nonce": "first-nonce-0001", "seen_at": now}],
        )

    with db() as session:
        inserted = dialect.inserted_unless_present(
            session,
            IntegrationNonce.__table__,
            [
                {"key_id": "fgk_a", "nonce": "first-nonce-0001", "seen_at": now},
                {"key_id": "fgk_a", "nonce": "second-nonce-002", "seen_at": now},
            ],
            ["key_id", "nonce"],
        )

    assert inserted == [("fgk_a", "second-nonce-002")]


def test_ids_by_key_finds_exactly_the_wanted_keys(db, grid_worker, station_staff, citizen):
    with db() as session:
        found = dialect.ids_by_key(
            session,
            User.__table__,
            ["username"],
            {(grid_worker.username,), (citizen.username,), ("nobody.here",)},
        )

    assert found == {(grid_worker.username,): grid_worker.id, (citizen.username,): citizen.id}
