"""Standard Web Push (a UnifiedPush distributor on a phone, or a browser) through the real
pywebpush, against a local push service that checks the VAPID signature and the encoding;
the test decrypts what arrived with the subscription's own keys, as the receiver does. A
subscription the service calls gone (404, 410) is retired."""

import json

import http_ece
from pydantic import SecretStr
from sqlalchemy import select

from backend.notify import service, webpush
from backend.notify.models import Device, OutboxMessage


def subscribe(api, person, fake_webpush, settings, platform="android"):
    """What the app or the console does: fetch the server's key, subscribe, register."""
    key = api.get("/api/v1/devices/webpush-key", headers=person.headers(api)).json()["public_key"]
    subscription, receiver, auth = fake_webpush.subscribe(key)
    answer = api.post(
        "/api/v1/devices",
        json={"provider": "webpush", "subscription": subscription, "platform": platform},
        headers=person.headers(api),
    )
    assert answer.status_code == 204, answer.text
    return subscription, receiver, auth


def deliver(db, settings):
    with db() as session:
        return service.deliver_outbox(session, settings)


def test_a_push_arrives_encrypted_for_the_subscriber_alone(
    api, db, grid_worker, fake_webpush, channel_settings
):
    subscription, receiver, auth = subscribe(api, grid_worker, fake_webpush, channel_settings)
    with db() as session:
        service.push(session, [grid_worker.id], "隐患已整改", "请复查", {"hazard_id": "h-9"})

    assert deliver(db, channel_settings) == 1
    ((path, headers, body),) = fake_webpush.received
    assert subscription["endpoint"].endswith(path)
    assert headers["content-encoding"] == "aes128gcm"
    assert int(headers["ttl"]) == webpush.TTL_SECONDS
    assert "请复查".encode() not in body  # the push service cannot read it
    plain = http_ece.decrypt(body, private_key=receiver, auth_secret=auth, version="aes128gcm")
    assert json.loads(plain) == {
        "title": "隐患已整改",
        "body": "请复查",
        "data": {"hazard_id": "h-9"},
    }
    with db() as session:
        sent = session.scalars(select(OutboxMessage)).one()
        assert (sent.channel, sent.status) == ("webpush", "delivered")


def test_an_unsubscribed_endpoint_is_retired(api, db, grid_worker, fake_webpush, channel_settings):
    gone, _, _ = subscribe(api, grid_worker, fake_webpush, channel_settings)
    kept, _, _ = subscribe(api, grid_worker, fake_webpush, channel_settings, platform="web")
    fake_webpush.gone.add(gone["endpoint"])
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    assert deliver(db, channel_settings) == 1
    with db() as session:
        assert session.get(Device, gone["endpoint"]).retired_at is not None
        assert session.get(Device, kept["endpoint"]).retired_at is None
    assert [kept["endpoint"].endswith(path) for path, _, _ in fake_webpush.received] == [True]


def test_a_server_with_another_vapid_key_is_refused_and_retires_nothing(
    api, db, grid_worker, fake_webpush, channel_settings
):
    from tests.backend.notify.conftest import new_vapid_private_key

    subscription, _, _ = subscribe(api, grid_worker, fake_webpush, channel_settings)
    other = channel_settings.model_copy(
        update={"vapid_private_key": SecretStr(new_vapid_private_key())}
    )
    with db() as session:
        service.push(session, [grid_worker.id], "t", "b", {})

    assert deliver(db, other) == 0
    with db() as session:
        message = session.scalars(select(OutboxMessage)).one()
        assert (message.status, message.attempts) == ("pending", 1)
        assert message.last_error.startswith(f"{subscription['endpoint'][:12]}…: Web Push 403")
        assert session.get(Device, subscription["endpoint"]).retired_at is None
