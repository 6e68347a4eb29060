"""Push through the real firebase-admin client against a local fake FCM: messages leave the
outbox, retry with backoff, dead-letter, and tokens FCM calls UNREGISTERED are retired."""

import json
from datetime import timedelta

import pytest
from firebase_admin import messaging
from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.notify import service
from backend.notify.models import Device, OutboxMessage
from tests.fakes import FakeFcm


@pytest.fixture(scope="session")
def fake_fcm(tmp_path_factory):
    fake = FakeFcm()
    original = messaging._MessagingService.FCM_URL
    messaging._MessagingService.FCM_URL = fake.url + "/v1/projects/{0}/messages:send"
    path = tmp_path_factory.mktemp("fcm") / "service-account.json"
    path.write_text(json.dumps(fake.service_account()))
    fake.settings = get_settings().model_copy(
        update={"fcm_credentials_file": path, "push_max_attempts": 3}
    )
    yield fake
    messaging._MessagingService.FCM_URL = original
    fake.close()


@pytest.fixture(autouse=True)
def fresh_fake(fake_fcm):
    fake_fcm.received.clear()
    fake_fcm.unregistered.clear()
    fake_fcm.flaky.clear()


def deliver(db, settings):
    with db() as session:
        return service.deliver_outbox(session, settings)


def register(api, person, token):
    response = api.post(
        "/api/v1/devices", json={"token": token, "platform": "android"}, headers=person.headers(api)
    )
    assert response.status_code == 204, response.text


def test_a_queued_push_reaches_the_phone(api, db, grid_worker, fake_fcm):
    register(api, grid_worker, "phone-1")
    with db() as session:
        service.push(session, [grid_worker.id], "测试", "你好", {"kind": "test"})

    assert deliver(db, fake_fcm.settings) == 1
    (message,) = fake_fcm.received
    assert message["token"] == "phone-1"
    assert message["notification"] == {"title": "测试", "body": "你好"}
    assert message["data"] == {"kind": "test"}
    assert deliver(db, fake_fcm.settings) == 0  # sent once, not again


def test_an_unregistered_token_is_retired(api, db, grid_worker, fake_fcm):
    register(api, grid_worker, "uninstalled")
    register(api, grid_worker, "still-here")
    fake_fcm.unregistered.add("uninstalled")
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    deliver(db, fake_fcm.settings)

    with db() as session:
        assert session.get(Device, "uninstalled").retired_at is not None
        assert session.get(Device, "still-here").retired_at is None
    assert [m["token"] for m in fake_fcm.received] == ["still-here"]


def test_failures_back_off_then_dead_letter(api, db, grid_worker, fake_fcm):
    register(api, grid_worker, "flaky-phone")
    fake_fcm.flaky.add("flaky-phone")
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    waits = []
    for _ in range(3):
        deliver(db, fake_fcm.settings)
        with db() as session:
            message = session.scalars(select(OutboxMessage)).one()
            waits.append(
                (
                    message.status,
                    message.attempts,
                    round((message.next_attempt_at - utcnow()).total_seconds()),
                )
            )
            session.execute(
                update(OutboxMessage).values(next_attempt_at=utcnow() - timedelta(seconds=1))
            )

    assert [w[:2] for w in waits] == [("pending", 1), ("pending", 2), ("dead", 3)]
    assert 25 <= waits[0][2] <= 30 and 55 <= waits[1][2] <= 60  # 30 s, then 60 s


def test_without_credentials_messages_wait(api, db, grid_worker):
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})
    assert deliver(db, get_settings()) == 0
    with db() as session:
        assert session.scalars(select(OutboxMessage.status)).one() == "pending"


def test_escalation_pushes_to_whoever_holds_the_next_level(
    api, db, grid, grid_worker, grid_leader, station_staff, fake_fcm
):
    from hazards.models import Hazard
    from hazards.scheduled import escalate_overdue_hazards
    from tests.world import hazard_body

    register(api, grid_leader, "leader-phone")
    register(api, station_staff, "station-phone")
    hid = api.post("/api/v1/hazards", json=hazard_body(), headers=grid_worker.headers(api)).json()[
        "id"
    ]

    for expected in ("leader-phone", "station-phone"):
        with db() as session:
            session.execute(update(Hazard).values(escalate_at=utcnow() - timedelta(minutes=1)))
            escalate_overdue_hazards(session, get_settings())
        deliver(db, fake_fcm.settings)
        assert fake_fcm.received[-1]["token"] == expected
        assert fake_fcm.received[-1]["data"]["hazard_id"] == hid
