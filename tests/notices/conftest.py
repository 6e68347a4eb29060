"""Texts through the local fake of Aliyun SMS, with the templates of a responsible person's
code and of a notice's link approved, and the public address the link is texted with."""

from __future__ import annotations

import pytest

from tests.backend.notify.conftest import (  # noqa: F401 - fixtures used by the tests here
    CHANNEL_ENV,
    environment,
    fake_services,
    fake_sms,
)
from tests.grids.units.conftest import CODE_TEMPLATE_CODE

LINK_TEMPLATE_CODE = "SMS_470000036"
PUBLIC_BASE_URL = "https://firegrid.example.cn"


@pytest.fixture
def sms_settings(fake_sms):  # noqa: F811 - the imported fixture
    from backend.core.settings import get_settings

    fake_sms.templates = {*type(fake_sms).templates, CODE_TEMPLATE_CODE, LINK_TEMPLATE_CODE}
    codes = f'{{"responsible_code": "{CODE_TEMPLATE_CODE}", "notice_link": "{LINK_TEMPLATE_CODE}"}}'
    with environment(
        {
            **CHANNEL_ENV,
            "FIREGRID_SMS_BASE_URL": fake_sms.origin,
            "FIREGRID_SMS_TEMPLATE_CODES": codes,
            "FIREGRID_PUBLIC_BASE_URL": PUBLIC_BASE_URL,
            # Every test calls from 127.0.0.1, and the counts outlive a test (the fuzz test
            # alone spends the default): the limit per link is the one tried here.
            "FIREGRID_UNIT_LINK_LIMIT_PER_ADDRESS": "10000/minute",
        }
    ):
        yield get_settings()
    del fake_sms.templates


def texted(db, settings, sms, phone: str, template: str) -> list[dict[str, str]]:
    """Deliver the queued texts to the fake SMS service; the params of those of `template`
    texted to `phone`, oldest first."""
    from backend.notify import service as notify

    with db() as session:
        notify.deliver_outbox(session, settings)
    return [
        t["params"]
        for t in sms.sent
        if t["TemplateCode"] == template and t["PhoneNumbers"] == phone
    ]
