"""Texts through the local fake of Aliyun SMS, with the template of a responsible person's
code approved."""

from __future__ import annotations

import pytest

from tests.backend.notify.conftest import (  # noqa: F401 - fixtures used by the tests here
    CHANNEL_ENV,
    environment,
    fake_services,
    fake_sms,
)

CODE_TEMPLATE_CODE = "SMS_470000020"


@pytest.fixture
def sms_settings(fake_sms):  # noqa: F811 - the imported fixture
    from backend.core.settings import get_settings

    fake_sms.templates = {*type(fake_sms).templates, CODE_TEMPLATE_CODE}  # approved by Aliyun
    with environment(
        {
            **CHANNEL_ENV,
            "FIREGRID_SMS_BASE_URL": fake_sms.origin,
            "FIREGRID_SMS_TEMPLATE_CODES": f'{{"responsible_code": "{CODE_TEMPLATE_CODE}"}}',
        }
    ):
        yield get_settings()
    del fake_sms.templates


def texted_code(db, settings, sms, phone: str) -> str:
    """Deliver the queued texts to the fake SMS service; the last code texted to `phone`."""
    from backend.notify import service as notify

    with db() as session:
        notify.deliver_outbox(session, settings)
    codes = [
        t["params"]["code"]
        for t in sms.sent
        if t["TemplateCode"] == CODE_TEMPLATE_CODE and t["PhoneNumbers"] == phone
    ]
    assert codes, f"no code texted to {phone}: {sms.sent}"
    return codes[-1]
