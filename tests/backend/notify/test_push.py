"""Push through the real firebase-admin client against a local fake FCM: messages leave the
outbox, retry with backoff, dead-letter, and tokens FCM calls UNREGISTERED are retired."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from backend.core.db import utcnow
from backend.core.settings import get_settings
from backend.notify import service
from backend.notify.models import Device, OutboxMessage


@pytest.fixture(autouse=True)
def fresh_fake(fake_fcm):
    fake_fcm.received.clear()
    fake_fcm.unregistered.clear()
    fake_fcm.flaky.clear()
    fake_fcm.down = False


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


def queue_for(db, people, count):
    with db() as session:
        for n in range(count):
            service.push(session, [p.id for p in people], f"t{n}", "b", {})


def test_a_pass_gives_up_on_an_unreachable_fcm_without_counting_untried_messages(
    api, db, grid_worker, fake_fcm
):
    register(api, grid_worker, "phone-1")
    queue_for(db, [grid_worker], 5)
    fake_fcm.down = True
    try:
        assert deliver(db, fake_fcm.settings) == 0
    finally:
        fake_fcm.down = False

    with db() as session:
        attempts = sorted(session.scalars(select(OutboxMessage.attempts)).all())
    assert attempts == [0, 0, 1, 1, 1]  # three failures in a row, then the pass stopped


def test_a_pass_stops_at_its_time_budget_and_the_next_one_goes_on(api, db, grid_worker, fake_fcm):
    register(api, grid_worker, "phone-1")
    queue_for(db, [grid_worker], 3)
    hurried = fake_fcm.settings.model_copy(update={"push_pass_seconds": 0})

    assert [deliver(db, hurried) for _ in range(4)] == [1, 1, 1, 0]  # at least one per pass
    assert sorted(m["notification"]["title"] for m in fake_fcm.received) == ["t0", "t1", "t2"]


def test_each_step_tells_the_people_it_concerns_and_nobody_hears_of_their_own_step(
    api, db, grid, grid_worker, citizen, station_staff, officers, fake_fcm
):
    from tests.world import hazard_body

    for person, token in ((grid_worker, "worker-phone"), (citizen, "citizen-phone")):
        register(api, person, token)
    register(api, station_staff, "station-phone")

    def heard() -> list[tuple[str, str]]:
        deliver(db, fake_fcm.settings)
        got = [(m["token"], m["data"]["kind"]) for m in fake_fcm.received]
        fake_fcm.received.clear()
        return got

    hid = api.post(
        "/api/v1/hazards", json=hazard_body(source="citizen"), headers=citizen.headers(api)
    ).json()["id"]
    assert heard() == [("worker-phone", "hazard.reported")]

    def act(person, action, **fields):
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": action, **fields},
            headers=person.headers(api),
        )
        assert answer.status_code in (200, 202), answer.text

    act(grid_worker, "confirm")
    assert heard() == [("citizen-phone", "hazard.confirm")]
    act(station_staff, "order_rectification", deadline_working_days=5)
    act(officers[0], "order_rectification", deadline_working_days=5)
    (ordered,) = fake_fcm.received if deliver(db, fake_fcm.settings) else [None]
    assert ordered["token"] == "worker-phone"
    assert ordered["data"]["kind"] == "hazard.order_rectification"
    assert ordered["data"]["deadline"]  # the worker sees by when the unit must fix it
