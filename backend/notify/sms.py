"""SMS through Aliyun (阿里云短信服务) and its official SDK (`alibabacloud-dysmsapi20170525`),
the SMS channel "aliyun", for on-call staff and for messages nobody read in time. A message is
a phone number, a template code approved by Aliyun and the template's parameters: Chinese
carriers only deliver approved templates under an approved signature (签名). Configured by
FIREGRID_SMS_ACCESS_KEY_ID, _ACCESS_KEY_SECRET, _SIGN_NAME and _TEMPLATE_CODES; without them
SMS is off. SMS channels have their own registry: their message is not a device's."""

from __future__ import annotations

import json
from dataclasses import dataclass
from urllib.parse import urlsplit

from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_dysmsapi20170525.models import SendSmsRequest
from alibabacloud_tea_openapi.models import Config
from darabonba.runtime import RuntimeOptions

from backend.core.outbox import DELIVERED, GONE, Channel, Channels, Delivery
from backend.core.settings import Settings

# Aliyun's answers that say the number itself is wrong: it is no use trying it again.
INVALID_NUMBER_CODES = {"isv.MOBILE_NUMBER_ILLEGAL"}


@dataclass(frozen=True)
class SmsMessage:
    phone: str
    purpose: str  # a key of FIREGRID_SMS_TEMPLATE_CODES ("escalation", ...)
    params: dict[str, str]


class SmsChannel(Channel[SmsMessage]):
    """Sends one text: DELIVERED, GONE (the number is invalid) or FAILED (tried again later)."""


SMS_CHANNELS: Channels[SmsChannel] = Channels("SMS channel", setting="FIREGRID_SMS_CHANNEL")


@SMS_CHANNELS.register
class AliyunSms(SmsChannel):
    name = "aliyun"

    def __init__(
        self, client: Client, sign_name: str, templates: dict[str, str], timeout_seconds: float
    ) -> None:
        self.client, self.sign_name, self.templates = client, sign_name, templates
        timeout_ms = int(timeout_seconds * 1000)
        # The outbox loop retries with its own waits; the SDK must not retry behind its back.
        self.runtime = RuntimeOptions(
            autoretry=False, connect_timeout=timeout_ms, read_timeout=timeout_ms
        )

    @classmethod
    def configured(cls, settings: Settings) -> AliyunSms | None:
        if (
            not settings.sms_access_key_id
            or settings.sms_access_key_secret is None
            or not settings.sms_sign_name
            or not settings.sms_template_codes
        ):
            return None
        url = urlsplit(settings.sms_base_url)
        config = Config(
            access_key_id=settings.sms_access_key_id,
            access_key_secret=settings.sms_access_key_secret.get_secret_value(),
            endpoint=url.netloc,
            protocol=url.scheme or "https",
        )
        return cls(
            Client(config),
            settings.sms_sign_name,
            settings.sms_template_codes,
            settings.push_timeout_seconds,
        )

    def send(self, message: SmsMessage) -> Delivery:
        template = self.templates.get(message.purpose)
        if template is None:
            return Delivery.failed(f"no SMS template for {message.purpose!r}")
        request = SendSmsRequest(
            phone_numbers=message.phone,
            sign_name=self.sign_name,
            template_code=template,
            template_param=json.dumps(message.params, ensure_ascii=False),
        )
        try:
            answer = self.client.send_sms_with_options(request, self.runtime).body
        except Exception as exc:  # the SDK's own exceptions and its transport's
            return Delivery.failed(f"Aliyun SMS: {type(exc).__name__}: {str(exc)[:300]}")
        if answer.code == "OK":
            return DELIVERED
        if answer.code in INVALID_NUMBER_CODES:
            return GONE
        return Delivery.failed(f"Aliyun SMS {answer.code}: {answer.message}")


def sms_channel(settings: Settings) -> SmsChannel | None:
    """The SMS channel the settings name, configured; None when its settings are not set."""
    return SMS_CHANNELS.configured(settings.sms_channel, settings)
