"""Standard Web Push (RFC 8030, payloads encrypted per RFC 8291, VAPID per RFC 8292) through
`pywebpush`, the push channel "webpush". One protocol serves two kinds of receiver: UnifiedPush
distributors on phones (ntfy, say, self-hosted for a deployment on a government intranet) and
browsers (the station console). Configured by FIREGRID_VAPID_PRIVATE_KEY and
FIREGRID_VAPID_SUBJECT; without them Web Push is off and its messages wait.

The subscription names the push service (its endpoint), so there is no base URL to set: a
test's subscription points at a local fake."""

from __future__ import annotations

import base64
import json

import requests
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from pywebpush import WebPushException, webpush

from backend.core.outbox import DELIVERED, GONE, Delivery
from backend.core.settings import Settings
from backend.notify.channels import PUSH_CHANNELS, PushChannel, PushMessage

# How long a push service keeps a message for a device that is offline (RFC 8030 §5.2).
TTL_SECONDS = 24 * 3600
# RFC 8030 §7.3: a subscription that expired or was removed answers 404 or 410.
GONE_STATUSES = {404, 410}


def _vapid(settings: Settings) -> Vapid | None:
    if settings.vapid_private_key is None or not settings.vapid_subject:
        return None
    return Vapid.from_string(settings.vapid_private_key.get_secret_value())


def public_key(settings: Settings) -> str | None:
    """The application server key (base64url of the uncompressed P-256 point) subscribers need."""
    vapid = _vapid(settings)
    if vapid is None:
        return None
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@PUSH_CHANNELS.register
class WebPushChannel(PushChannel):
    name = "webpush"

    def __init__(self, vapid: Vapid, subject: str, timeout_seconds: float) -> None:
        self.vapid, self.subject, self.timeout = vapid, subject, timeout_seconds
        self.session = requests.Session()

    @classmethod
    def configured(cls, settings: Settings) -> WebPushChannel | None:
        vapid = _vapid(settings)
        if vapid is None:
            return None
        return cls(vapid, settings.vapid_subject or "", settings.push_timeout_seconds)

    def send(self, message: PushMessage) -> Delivery:
        if not message.subscription:
            return GONE  # a webpush registration without its keys cannot be written to
        payload = json.dumps(
            {"title": message.title, "body": message.body, "data": message.data},
            ensure_ascii=False,
        )
        try:
            webpush(
                message.subscription,
                payload,
                vapid_private_key=self.vapid,
                vapid_claims={"sub": self.subject},  # `aud` from the endpoint, `exp` in 12 h
                content_encoding="aes128gcm",
                ttl=TTL_SECONDS,
                timeout=self.timeout,
                requests_session=self.session,
            )
            return DELIVERED
        except WebPushException as exc:
            status = exc.response.status_code if exc.response is not None else None
            if status in GONE_STATUSES:
                return GONE  # unsubscribed or expired: retire the registration
            return Delivery.failed(f"Web Push {status}: {str(exc)[:300]}")
        except requests.RequestException as exc:
            return Delivery.failed(f"Web Push unreachable: {type(exc).__name__}")

    def close(self) -> None:
        self.session.close()
