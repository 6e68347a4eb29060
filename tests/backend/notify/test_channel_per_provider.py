"""A message goes out once per provider the user's phones registered with, each through its own
channel; a channel that is down delays only its own messages, and each channel's pass stays
bounded."""

import json

import http_ece
from sqlalchemy import select

from backend.notify import service
from backend.notify.models import OutboxMessage
from tests.backend.notify.test_webpush import subscribe


def register_jpush(api, person, registration_id):
    answer = api.post(
        "/api/v1/devices",
        json={"provider": "jpush", "token": registration_id, "platform": "android"},
        headers=person.headers(api),
    )
    assert answer.status_code == 204, answer.text


def deliver(db, settings):
    with db() as session:
        return service.deliver_outbox(session, settings)


def rows(db):
    with db() as session:
        return sorted(
            (m.channel, m.status, m.attempts) for m in session.scalars(select(OutboxMessage))
        )


def test_a_user_with_a_phone_on_jpush_and_a_browser_gets_both(
    api, db, grid_worker, station_staff, fake_jpush, fake_webpush, channel_settings
):
    register_jpush(api, grid_worker, "worker-phone")
    _, receiver, auth = subscribe(api, grid_worker, fake_webpush, channel_settings, "web")
    with db() as session:
        assert service.channels_for(session, [grid_worker.id, station_staff.id]) == {
            grid_worker.id: ["jpush", "webpush"],
            station_staff.id: ["fcm"],  # no device: settles as no_device
        }
        service.push_many(
            session,
            [
                (grid_worker.id, "任务", "今日巡查", {"kind": "task"}),
                (station_staff.id, "任务", "今日巡查", {"kind": "task"}),
            ],
        )

    assert deliver(db, channel_settings) == 2
    assert [p["audience"]["registration_id"] for p in fake_jpush.received] == [["worker-phone"]]
    ((_, _, body),) = fake_webpush.received
    plain = http_ece.decrypt(body, private_key=receiver, auth_secret=auth, version="aes128gcm")
    assert json.loads(plain)["body"] == "今日巡查"
    # FCM has no credentials here: the staff member's message waits on its channel
    assert rows(db) == [
        ("fcm", "pending", 0),
        ("jpush", "delivered", 1),
        ("webpush", "delivered", 1),
    ]


def test_a_channel_that_is_down_delays_only_its_own_messages(
    api, db, grid_worker, grid_leader, fake_jpush, fake_webpush, channel_settings
):
    register_jpush(api, grid_worker, "worker-phone")
    subscribe(api, grid_leader, fake_webpush, channel_settings)
    with db() as session:
        for n in range(5):
            service.push(session, [grid_worker.id, grid_leader.id], f"t{n}", "b", {})
    fake_jpush.down = True

    assert deliver(db, channel_settings) == 5  # every Web Push message
    assert len(fake_webpush.received) == 5
    jpush_attempts = sorted(a for channel, _, a in rows(db) if channel == "jpush")
    assert jpush_attempts == [0, 0, 1, 1, 1]  # three failures in a row ended JPush's pass

    fake_jpush.down = False
    with db() as session:
        session.execute(
            OutboxMessage.__table__.update().values(next_attempt_at=OutboxMessage.created_at)
        )
    assert deliver(db, channel_settings) == 5
    assert {status for _, status, _ in rows(db)} == {"delivered"}


def test_a_retired_registration_takes_its_channel_out_of_the_next_messages(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "gone-soon")
    fake_jpush.gone.add("gone-soon")
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})
    deliver(db, channel_settings)

    with db() as session:
        assert service.channels_for(session, [grid_worker.id]) == {grid_worker.id: ["fcm"]}
    assert rows(db) == [("jpush", "delivered", 1)]  # settled, as for a gone FCM token
