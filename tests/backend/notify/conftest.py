"""The local fakes of JPush, a Web Push service and Aliyun SMS, and settings that send through
them (`channel_settings`)."""

from __future__ import annotations

import base64
import os
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from cryptography.hazmat.primitives.asymmetric import ec

from backend.core.settings import get_settings
from tests.backend.notify.fakes import FakeAliyunSms, FakeJPush, FakeWebPushService


def b64url(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def new_vapid_private_key() -> str:
    """What the docs tell an operator to generate: the raw P-256 private key, base64url."""
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


VAPID_PRIVATE_KEY = new_vapid_private_key()


@pytest.fixture(scope="session")
def fake_services() -> Iterator[tuple[FakeJPush, FakeWebPushService, FakeAliyunSms]]:
    services = FakeJPush(), FakeWebPushService(), FakeAliyunSms()
    yield services
    for service in services:
        service.close()


@pytest.fixture
def fake_jpush(fake_services) -> FakeJPush:
    fake = fake_services[0]
    fake.received.clear(), fake.gone.clear()
    fake.down = False
    return fake


@pytest.fixture
def fake_webpush(fake_services) -> FakeWebPushService:
    fake = fake_services[1]
    fake.received.clear(), fake.gone.clear()
    fake.down = False
    return fake


@pytest.fixture
def fake_sms(fake_services) -> FakeAliyunSms:
    fake = fake_services[2]
    fake.sent.clear()
    fake.down = False
    return fake


CHANNEL_ENV = {
    "FIREGRID_JPUSH_APP_KEY": FakeJPush.app_key,
    "FIREGRID_JPUSH_MASTER_SECRET": FakeJPush.master_secret,
    "FIREGRID_VAPID_PRIVATE_KEY": VAPID_PRIVATE_KEY,
    "FIREGRID_VAPID_SUBJECT": "mailto:ops@firegrid.example",
    "FIREGRID_SMS_ACCESS_KEY_ID": FakeAliyunSms.access_key_id,
    "FIREGRID_SMS_ACCESS_KEY_SECRET": FakeAliyunSms.access_key_secret,
    "FIREGRID_SMS_SIGN_NAME": FakeAliyunSms.sign_name,
    "FIREGRID_SMS_TEMPLATE_CODES": '{"escalation": "SMS_470000001"}',
}


@contextmanager
def environment(values: dict[str, str]) -> Iterator[None]:
    """The process's settings (which the test server reads on each request) with `values`."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    get_settings.cache_clear()
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        get_settings.cache_clear()


@pytest.fixture
def channel_settings(fake_jpush, fake_webpush, fake_sms):
    """Settings with JPush, Web Push and SMS configured against the fakes, as the environment
    of the server and the worker (FCM stays off)."""
    with environment(
        {
            **CHANNEL_ENV,
            "FIREGRID_JPUSH_BASE_URL": fake_jpush.url,
            "FIREGRID_SMS_BASE_URL": fake_sms.origin,
        }
    ):
        yield get_settings().model_copy(update={"push_max_attempts": 3})
