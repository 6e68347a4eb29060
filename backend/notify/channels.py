"""Push channels: each is a module with a `PushChannel` subclass registered in `PUSH_CHANNELS`
under its name (fcm.py: "fcm"); FIREGRID_PUSH_CHANNEL chooses the one in use. The modules are
imported, and so registered, by backend.notify.service."""

from __future__ import annotations

from dataclasses import dataclass

from backend.core.outbox import Channel, Channels
from backend.core.settings import Settings


@dataclass(frozen=True)
class PushMessage:
    """A notification for one device."""

    token: str
    platform: str  # android, ios or web, as the phone registered it
    title: str
    body: str
    data: dict[str, str]


class PushChannel(Channel[PushMessage]):
    """Sends to one device: DELIVERED, GONE (the token is no longer valid: it is retired) or
    FAILED (tried again later)."""


PUSH_CHANNELS: Channels[PushChannel] = Channels("push channel", setting="FIREGRID_PUSH_CHANNEL")


def push_channel(settings: Settings) -> PushChannel | None:
    """The channel settings choose, configured; None when its credentials are not set (push is
    off and messages wait). ConfigurationError for a name no module registered."""
    return PUSH_CHANNELS.configured(settings.push_channel, settings)


def check_settings(settings: Settings) -> None:
    """Refuse to start with a push channel nobody registered."""
    PUSH_CHANNELS.named(settings.push_channel)
