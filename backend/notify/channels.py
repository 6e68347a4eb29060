"""Push channels: each is a module with a `PushChannel` subclass registered in `PUSH_CHANNELS`
under its name (fcm.py: "fcm", jpush.py: "jpush", webpush.py: "webpush"). Each device names
its provider; the provider's channel carries its messages: JPush's and Web Push's channels by
their own names, FCM's the one FIREGRID_PUSH_CHANNEL names ("fcm" unless a deployment routes
FCM tokens elsewhere). The modules are imported, and so registered, by backend.notify.service."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import requests

from backend.core.outbox import Channel, Channels
from backend.core.settings import Settings
from backend.notify.enums import Provider


@dataclass(frozen=True)
class PushMessage:
    """A notification for one device."""

    token: str
    platform: str  # android, ios or web, as the phone registered it
    title: str
    body: str
    data: dict[str, str]
    subscription: dict[str, Any] | None = None  # Web Push: endpoint and keys


class PushChannel(Channel[PushMessage]):
    """Sends to one device: DELIVERED, GONE (the token is no longer valid: it is retired) or
    FAILED (tried again later)."""


def settle_environment(session: requests.Session, url: str) -> requests.Session:
    """Read the environment's proxy and CA settings for `url` once, for the whole pass.

    requests otherwise reads them again on every call, scanning all of os.environ twice a
    request (proxy_bypass_environment): about a third of a push's cost on loopback. A proxy
    (HTTPS_PROXY, NO_PROXY) and a CA bundle (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE) set for the
    worker still apply, as they stood when the pass began."""
    settings = session.merge_environment_settings(url, {}, None, None, None)
    session.proxies.update(settings["proxies"])
    session.verify = settings["verify"]
    session.trust_env = False
    return session


PUSH_CHANNELS: Channels[PushChannel] = Channels("push channel", setting="FIREGRID_PUSH_CHANNEL")


def channel_names(settings: Settings) -> dict[Provider, str]:
    """The channel that carries each provider's registrations, by name."""
    return {
        Provider.FCM: settings.push_channel,
        Provider.JPUSH: Provider.JPUSH.value,
        Provider.WEBPUSH: Provider.WEBPUSH.value,
    }


def providers_of(channel_name: str, settings: Settings) -> list[str]:
    """The providers whose devices a channel sends to."""
    return [p.value for p, name in channel_names(settings).items() if name == channel_name]


def push_channel(settings: Settings, name: str | None = None) -> PushChannel | None:
    """The channel `name` (by default the one FIREGRID_PUSH_CHANNEL names), configured; None
    when its credentials are not set (it is off and its messages wait). ConfigurationError for
    a name no module registered."""
    return PUSH_CHANNELS.configured(name or settings.push_channel, settings)


def check_settings(settings: Settings) -> None:
    """Refuse to start with a push or SMS channel nobody registered, or a notification
    policy that does not parse."""
    from backend.notify.policy import policy_of
    from backend.notify.sms import SMS_CHANNELS

    policy_of(settings)

    PUSH_CHANNELS.named(settings.push_channel)
    SMS_CHANNELS.named(settings.sms_channel)
