"""A phone or browser registers with the push service that reaches it: the old body is an FCM
token; a JPush registration id or a Web Push subscription names its provider; a body that
does not fit its provider is refused with a 422 that says what is missing."""

from urllib.parse import quote

import pytest

from backend.core.settings import get_settings
from backend.notify import webpush
from backend.notify.models import Device


def register(api, person, body):
    return api.post("/api/v1/devices", json=body, headers=person.headers(api))


def stored(db, token):
    with db() as session:
        device = session.get(Device, token)
        return device and (device.provider, device.platform, device.subscription, device.retired_at)


SUBSCRIPTION = {
    "endpoint": "https://push.example.net/push/abc123",
    "keys": {"p256dh": "BOr-receiver-public-key", "auth": "auth-secret"},
}


def test_the_old_body_registers_an_fcm_token(api, db, grid_worker):
    assert register(api, grid_worker, {"token": "fcm-1", "platform": "android"}).status_code == 204
    assert stored(db, "fcm-1") == ("fcm", "android", None, None)


def test_a_jpush_registration_id_names_its_provider(api, db, grid_worker):
    answer = register(
        api, grid_worker, {"provider": "jpush", "token": "1a0018970a8b2c3d", "platform": "android"}
    )
    assert answer.status_code == 204, answer.text
    assert stored(db, "1a0018970a8b2c3d") == ("jpush", "android", None, None)


def test_a_web_push_subscription_is_known_by_its_endpoint(api, db, grid_worker):
    body = {
        "provider": "webpush",
        "subscription": {**SUBSCRIPTION, "expirationTime": None},  # as a browser sends it
        "platform": "web",
    }
    assert register(api, grid_worker, body).status_code == 204
    assert stored(db, SUBSCRIPTION["endpoint"]) == ("webpush", "web", SUBSCRIPTION, None)

    retired = api.delete(
        f"/api/v1/devices/{quote(SUBSCRIPTION['endpoint'], safe='')}",
        headers=grid_worker.headers(api),
    )
    assert retired.status_code == 204
    assert stored(db, SUBSCRIPTION["endpoint"])[3] is not None


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"provider": "webpush", "platform": "web"}, "subscription", "needs its subscription"),
        (
            {"provider": "webpush", "token": "x", "subscription": SUBSCRIPTION, "platform": "web"},
            "token",
            "has a subscription, not a token",
        ),
        ({"provider": "jpush", "platform": "android"}, "token", "needs its token"),
        (
            {"provider": "jpush", "subscription": SUBSCRIPTION, "platform": "android"},
            "subscription",
            "has a token, not a subscription",
        ),
        ({"platform": "android"}, "token", "a fcm registration needs its token"),
        (
            {
                "provider": "webpush",
                "subscription": {**SUBSCRIPTION, "endpoint": "file:///etc/passwd"},
                "platform": "web",
            },
            "subscription.endpoint",
            "not an http(s) URL",
        ),
    ],
)
def test_a_registration_that_does_not_fit_its_provider_is_refused(
    api, db, grid_worker, body, field, says
):
    answer = register(api, grid_worker, body)
    assert answer.status_code == 422, answer.text
    problem = answer.json()
    assert problem["field"] == field
    assert says in problem["detail"]


@pytest.mark.parametrize(
    "body",
    [
        {"provider": "apns", "token": "t", "platform": "ios"},
        {"provider": "webpush", "subscription": {"endpoint": "https://x/y"}, "platform": "web"},
    ],
)
def test_an_unknown_provider_or_a_subscription_without_keys_is_refused(api, grid_worker, body):
    assert register(api, grid_worker, body).status_code == 422


def test_the_web_push_key_is_the_one_the_channel_signs_with(api, grid_worker, channel_settings):
    answer = api.get("/api/v1/devices/webpush-key", headers=grid_worker.headers(api))
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"public_key": webpush.public_key(channel_settings)}
    assert len(answer.json()["public_key"]) == 87  # 65 bytes, base64url: applicationServerKey


def test_without_web_push_there_is_no_key_to_subscribe_with(api, grid_worker):
    assert get_settings().vapid_private_key is None
    answer = api.get("/api/v1/devices/webpush-key", headers=grid_worker.headers(api))
    assert answer.status_code == 404
