from __future__ import annotations

from enum import StrEnum


class PushStatus(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    NO_DEVICE = "no_device"  # nobody to push to: kept as a record, not retried
    DEAD = "dead"  # gave up after retries: visible to admins


class Provider(StrEnum):
    """The push service a device registered with; each is served by the channel of that name
    (FCM's by the one FIREGRID_PUSH_CHANNEL names)."""

    FCM = "fcm"
    JPUSH = "jpush"
    WEBPUSH = "webpush"
