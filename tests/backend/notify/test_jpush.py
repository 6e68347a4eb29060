"""Push to Android phones without Google's services through the real JPush SDK, against a
local fake of JPush's v3 API that checks its Basic auth and payload; a registration id JPush
no longer knows (error 1011) is retired."""

from pydantic import SecretStr
from sqlalchemy import select

from backend.notify import service
from backend.notify.jpush import JPushChannel
from backend.notify.models import Device, OutboxMessage
from tests.backend.notify.conftest import environment
from tests.backend.notify.fakes import FakeProxy


def register_jpush(api, person, registration_id, platform="android"):
    answer = api.post(
        "/api/v1/devices",
        json={"provider": "jpush", "token": registration_id, "platform": platform},
        headers=person.headers(api),
    )
    assert answer.status_code == 204, answer.text


def deliver(db, settings):
    with db() as session:
        return service.deliver_outbox(session, settings)


def test_a_push_reaches_a_jpush_phone(api, db, grid_worker, fake_jpush, channel_settings):
    register_jpush(api, grid_worker, "170976fa8a8620ca")
    with db() as session:
        service.push(session, [grid_worker.id], "隐患待核查", "请前往核查", {"hazard_id": "h-1"})

    assert deliver(db, channel_settings) == 1
    (payload,) = fake_jpush.received
    assert payload["audience"] == {"registration_id": ["170976fa8a8620ca"]}
    assert payload["platform"] == ["android"]
    android = payload["notification"]["android"]
    assert (android["title"], android["alert"], android["extras"]) == (
        "隐患待核查",
        "请前往核查",
        {"hazard_id": "h-1"},
    )
    with db() as session:
        sent = session.scalars(select(OutboxMessage)).one()
        assert (sent.channel, sent.status) == ("jpush", "delivered")


def test_an_iphone_registered_with_jpush_gets_an_apns_alert(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "ios-reg-1", platform="ios")
    with db() as session:
        service.push(session, [grid_worker.id], "标题", "正文", {})
    deliver(db, channel_settings)
    (payload,) = fake_jpush.received
    assert payload["platform"] == ["ios"]
    assert payload["notification"]["ios"]["alert"] == {"title": "标题", "body": "正文"}


def test_a_registration_id_jpush_cannot_find_is_retired(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "uninstalled-app")
    register_jpush(api, grid_worker, "still-installed")
    fake_jpush.gone.add("uninstalled-app")
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    assert deliver(db, channel_settings) == 1
    with db() as session:
        assert session.get(Device, "uninstalled-app").retired_at is not None
        assert session.get(Device, "still-installed").retired_at is None
    assert [p["audience"]["registration_id"] for p in fake_jpush.received] == [["still-installed"]]


def test_a_wrong_master_secret_fails_and_retires_nothing(
    api, db, grid_worker, fake_jpush, channel_settings
):
    register_jpush(api, grid_worker, "reg-1")
    wrong = channel_settings.model_copy(update={"jpush_master_secret": SecretStr("not-the-secret")})
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    assert deliver(db, wrong) == 0
    with db() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == ("pending", 1)
        assert "app key and master secret" in message.last_error
        assert session.get(Device, "reg-1").retired_at is None
    assert fake_jpush.received == []


def test_without_an_app_key_jpush_is_off(channel_settings):
    assert (
        JPushChannel.configured(channel_settings.model_copy(update={"jpush_app_key": None})) is None
    )


def test_an_office_proxy_in_the_environment_carries_jpush_and_no_proxy_skips_it(
    api, db, grid_worker, fake_jpush, channel_settings
):
    """The channel reads the proxy settings once a pass (not once a message): they must still
    be the worker's, as HTTP_PROXY and NO_PROXY say when the pass begins."""
    register_jpush(api, grid_worker, "170976fa8a8620ca")
    proxy = FakeProxy()
    try:
        with db() as session:
            service.push(session, [grid_worker.id], "隐患待核查", "请前往核查", {})
        with environment({"HTTP_PROXY": proxy.origin, "NO_PROXY": ""}):
            assert deliver(db, channel_settings) == 1
        assert proxy.forwarded == [fake_jpush.url + "push"]
        assert len(fake_jpush.received) == 1

        with db() as session:
            service.push(session, [grid_worker.id], "隐患待核查", "第二条", {})
        with environment({"HTTP_PROXY": proxy.origin, "NO_PROXY": "127.0.0.1"}):
            assert deliver(db, channel_settings) == 1
        assert len(proxy.forwarded) == 1  # went straight to JPush
        assert len(fake_jpush.received) == 2
    finally:
        proxy.close()
