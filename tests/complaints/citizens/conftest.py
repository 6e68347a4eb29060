"""The citizens' page open for the test township, with a challenge easy enough to solve fast."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import pytest

from backend.core import challenge
from tests.world import jpeg

BITS = 6


@pytest.fixture
def page_open(monkeypatch, township, grid, grid_worker) -> Iterator[str]:
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_AREA", township.code)
    monkeypatch.setenv("FIREGRID_CITIZEN_CHALLENGE_BITS", str(BITS))
    get_settings.cache_clear()
    yield township.code
    get_settings.cache_clear()


def answered(api) -> dict:
    """A fresh challenge from the form, solved as the page solves it."""
    offered = api.get("/api/v1/citizen/form").json()["challenge"]
    return {"token": offered["token"], "nonce": challenge.solve(offered["token"], offered["bits"])}


def wrongly_answered(api) -> dict:
    """A fresh challenge with a nonce that does not solve it (at a few bits, a fixed wrong
    guess would solve one token in 2**bits)."""
    offered = api.get("/api/v1/citizen/form").json()["challenge"]
    token = offered["token"]
    nonce = next(
        str(n)
        for n in range(10_000)
        if challenge.leading_zero_bits(hashlib.sha256(f"{token}:{n}".encode()).digest())
        < offered["bits"]
    )
    return {"token": token, "nonce": nonce}


def declared(data: bytes) -> dict:
    return {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def report_body(api, **fields) -> dict:
    return {
        "category": "ebike_indoor",
        "description": "一楼楼道有电动车在充电，电线从窗户拉出来",
        "lng": 109.41,
        "lat": 24.35,
        "challenge": answered(api),
        **fields,
    }


def photo_bytes(width: int = 1200, height: int = 900) -> bytes:
    return jpeg(width, height)


# The fake Aliyun SMS service of the notification tests, and its settings with the template
# of a citizen's stage text.
from tests.backend.notify.conftest import (  # noqa: E402,F401
    CHANNEL_ENV,
    environment,
    fake_jpush,
    fake_services,
    fake_sms,
    fake_webpush,
)

STAGE_TEMPLATE_CODE = "SMS_470000009"
CODE_TEMPLATE_CODE = "SMS_470000010"


@pytest.fixture
def sms_settings(fake_sms, page_open):  # noqa: F811 - the imported fixture
    from backend.core.settings import get_settings

    approved = {STAGE_TEMPLATE_CODE, CODE_TEMPLATE_CODE}
    fake_sms.templates = {*type(fake_sms).templates, *approved}  # approved by Aliyun
    with environment(
        {
            **CHANNEL_ENV,
            "FIREGRID_SMS_BASE_URL": fake_sms.origin,
            "FIREGRID_SMS_TEMPLATE_CODES": (
                f'{{"citizen_stage": "{STAGE_TEMPLATE_CODE}", '
                f'"citizen_code": "{CODE_TEMPLATE_CODE}"}}'
            ),
        }
    ):
        yield get_settings()
    del fake_sms.templates
