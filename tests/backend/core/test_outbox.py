"""The kernel's outbox loop on the real database, through a channel that records what it was
given: it claims what is due (and, on PostgreSQL, skips what another worker holds), backs off
on failure, dead-letters, and sends a replayed dead letter again."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import select

from backend.core import dialect, outbox
from backend.core.db import utcnow
from backend.core.outbox import DELIVERED, HELD, NOBODY, Channel, Channels, Delivery, Retry
from backend.core.settings import ConfigurationError
from backend.notify.models import OutboxMessage


class Recording(Channel[str]):
    """Takes every message unless told otherwise for its text; remembers what it was given."""

    name = "recording"

    def __init__(self) -> None:
        self.given: list[str] = []
        self.answers: dict[str, Delivery] = {}

    @classmethod
    def configured(cls, settings) -> "Recording":
        return cls()

    def send(self, message: str) -> Delivery:
        self.given.append(message)
        return self.answers.get(message, DELIVERED)


class Titles(outbox.Queue[OutboxMessage]):
    """The `outbox` table, each message sent as its title."""

    nobody_status = "no_device"

    def __init__(self, channel: Recording, retry: Retry, failure_streak: int | None = None):
        self.channel, self.retry, self.failure_streak = channel, retry, failure_streak
        self.pass_seconds = 60.0

    def due(self, now):
        return (
            select(OutboxMessage)
            .where(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.title)
        )

    def send(self, message, now):
        return self.channel.send(message.title)


@pytest.fixture
def channel() -> Recording:
    return Recording()


def queue(db, *titles: str, due_in: timedelta = timedelta(0)) -> None:
    with db() as session:
        for title in titles:
            session.add(
                OutboxMessage(
                    channel="recording",
                    user_id=None,
                    title=title,
                    body="",
                    data={},
                    next_attempt_at=utcnow() + due_in,
                )
            )


def deliver(db, channel, retry=Retry(max_attempts=3), batch=200, now=None, **queue_options):
    with db() as session:
        return outbox.deliver(
            session, Titles(channel, retry, **queue_options), batch=batch, now=now
        )


def rows(db) -> dict[str, OutboxMessage]:
    with db() as session:
        found = session.scalars(select(OutboxMessage)).all()
        session.expunge_all()
    return {m.title: m for m in found}


def test_a_pass_sends_what_is_due_in_order_once_and_leaves_the_rest_for_later(db, channel):
    queue(db, "later", due_in=timedelta(hours=1))
    queue(db, "second")
    queue(db, "first", due_in=-timedelta(minutes=1))

    assert deliver(db, channel, batch=1) == 1  # a batch claims no more than its size
    assert deliver(db, channel) == 1
    assert deliver(db, channel) == 0  # sent once, not again
    assert channel.given == ["first", "second"]
    assert deliver(db, channel, now=utcnow() + timedelta(hours=2)) == 1
    assert channel.given == ["first", "second", "later"]
    stored = rows(db)
    assert {m.status for m in stored.values()} == {"delivered"}
    assert all(m.delivered_at is not None and m.attempts == 1 for m in stored.values())


def test_a_failure_waits_30_s_then_1_min_then_is_dead_lettered_and_a_replay_sends_it(db, channel):
    queue(db, "refused")
    channel.answers["refused"] = Delivery.failed("HTTP 503: busy")
    start = utcnow()

    deliver(db, channel, now=start)
    assert (rows(db)["refused"].attempts, rows(db)["refused"].next_attempt_at) == (
        1,
        start + timedelta(seconds=30),
    )
    deliver(db, channel, now=start + timedelta(seconds=29))  # not due yet: not tried
    deliver(db, channel, now=start + timedelta(seconds=30))
    assert rows(db)["refused"].next_attempt_at == start + timedelta(seconds=90)
    deliver(db, channel, now=start + timedelta(seconds=90))

    dead = rows(db)["refused"]
    assert (dead.status, dead.attempts, dead.last_error) == ("dead", 3, "HTTP 503: busy")
    assert channel.given == ["refused"] * 3
    assert deliver(db, channel, now=start + timedelta(days=1)) == 0  # dead letters wait

    with db() as session:
        outbox.replay(session.scalars(select(OutboxMessage)).one())
    replayed = rows(db)["refused"]
    assert (replayed.status, replayed.attempts) == ("pending", 0)
    del channel.answers["refused"]
    assert deliver(db, channel) == 1
    delivered = rows(db)["refused"]
    assert (delivered.status, delivered.attempts, delivered.last_error) == ("delivered", 1, None)


def test_a_held_message_waits_untried_and_one_with_nobody_to_go_to_settles(db, channel):
    queue(db, "no address yet", "nobody")
    channel.answers.update({"no address yet": HELD, "nobody": NOBODY})

    assert deliver(db, channel) == 0

    stored = rows(db)
    assert (stored["no address yet"].status, stored["no address yet"].attempts) == ("pending", 0)
    assert (stored["nobody"].status, stored["nobody"].attempts) == ("no_device", 0)


def test_failures_in_a_row_end_the_pass_without_counting_the_untried(db, channel):
    titles = [f"m{n}" for n in range(5)]
    queue(db, *titles)
    channel.answers.update({t: Delivery.failed("unreachable") for t in titles})

    deliver(db, channel, failure_streak=3)

    assert sorted(m.attempts for m in rows(db).values()) == [0, 0, 1, 1, 1]


@pytest.mark.postgresql_only  # SQLite lets one writer in at a time: no other worker to skip
def test_a_pass_skips_messages_another_worker_has_claimed(db, channel):
    queue(db, "held by the other worker")
    queue(db, "free", due_in=timedelta(seconds=1))
    with db() as other:
        claimed = other.scalars(
            dialect.claim(
                other, select(OutboxMessage).order_by(OutboxMessage.next_attempt_at)
            ).limit(1)
        ).all()
        assert [m.title for m in claimed] == ["held by the other worker"]

        assert deliver(db, channel, now=utcnow() + timedelta(seconds=2)) == 1
        assert channel.given == ["free"]

    assert deliver(db, channel) == 1
    assert channel.given == ["free", "held by the other worker"]


def test_the_retry_policy_doubles_to_an_hour_and_gives_up_by_count_or_window():
    retry = Retry(max_attempts=50)
    assert [retry.wait(n).total_seconds() for n in (1, 2, 3, 7, 8)] == [30, 60, 120, 1920, 3600]
    assert retry.wait(500) == timedelta(hours=1)  # no overflow however long it has been failing

    start = utcnow()
    windowed = Retry(window=timedelta(hours=24))
    message = SimpleNamespace(attempts=40, window_started_at=start)
    assert not windowed.gives_up(message, start + timedelta(hours=24))
    assert windowed.gives_up(message, start + timedelta(hours=24, seconds=1))
    assert Retry(max_attempts=3).gives_up(SimpleNamespace(attempts=3), start)


def test_a_channel_name_nobody_registered_is_refused_with_the_known_names():
    kinds = Channels("test channel", setting="FIREGRID_TEST_CHANNEL")
    kinds.register(Recording)

    assert kinds.named("recording") is Recording
    with pytest.raises(ConfigurationError) as refused:
        kinds.named("recordnig")
    assert str(refused.value) == (
        "FIREGRID_TEST_CHANNEL='recordnig' names no test channel; known: recording"
    )

    class Impostor(Recording):
        name = "recording"

    with pytest.raises(ValueError, match="two test channels are named 'recording'"):
        kinds.register(Impostor)
