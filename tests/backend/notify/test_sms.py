"""Texts through the real Aliyun SMS SDK, against a local fake of its SendSms API that checks
the SDK's request signature (ACS3-HMAC-SHA256, with the access key secret), the signature name,
the template code and its parameters; a number Aliyun calls illegal is gone."""

from pydantic import SecretStr

from backend.core.outbox import Outcome
from backend.notify.sms import AliyunSms, SmsMessage, sms_channel


def send(settings, message):
    channel = sms_channel(settings)
    assert channel is not None
    with channel:
        return channel.send(message)


def test_a_text_leaves_with_the_template_the_settings_name(fake_sms, channel_settings):
    delivery = send(
        channel_settings,
        SmsMessage("13800138000", "escalation", {"hazard": "消防通道堵塞", "days": "2"}),
    )

    assert delivery.outcome is Outcome.DELIVERED, delivery.error
    (sent,) = fake_sms.sent
    assert (sent["PhoneNumbers"], sent["SignName"], sent["TemplateCode"]) == (
        "13800138000",
        "消防网格",
        "SMS_470000001",
    )
    assert sent["params"] == {"hazard": "消防通道堵塞", "days": "2"}


def test_an_illegal_number_is_gone(fake_sms, channel_settings):
    delivery = send(channel_settings, SmsMessage("12345", "escalation", {}))
    assert delivery.outcome is Outcome.GONE
    assert fake_sms.sent == []


def test_a_request_signed_with_another_secret_is_refused(fake_sms, channel_settings):
    wrong = channel_settings.model_copy(update={"sms_access_key_secret": SecretStr("guess")})
    delivery = send(wrong, SmsMessage("13800138000", "escalation", {}))
    assert delivery.outcome is Outcome.FAILED
    assert "SignatureDoesNotMatch" in delivery.error
    assert fake_sms.sent == []


def test_a_purpose_without_a_template_is_not_sent(fake_sms, channel_settings):
    delivery = send(channel_settings, SmsMessage("13800138000", "weekly-digest", {}))
    assert delivery.outcome is Outcome.FAILED
    assert delivery.error == "no SMS template for 'weekly-digest'"


def test_an_unreachable_sms_service_fails_at_once(fake_sms, channel_settings):
    fake_sms.down = True
    delivery = send(channel_settings, SmsMessage("13800138000", "escalation", {}))
    assert delivery.outcome is Outcome.FAILED


def test_without_templates_sms_is_off(channel_settings):
    assert (
        AliyunSms.configured(channel_settings.model_copy(update={"sms_template_codes": {}})) is None
    )
