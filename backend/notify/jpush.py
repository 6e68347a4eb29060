"""JPush (极光推送) through its official `jpush` SDK, the push channel "jpush": the common choice
of Chinese apps, which relays to the phone makers' own channels (Huawei, Xiaomi, OPPO, vivo)
on phones without Google's services. Configured by FIREGRID_JPUSH_APP_KEY and
FIREGRID_JPUSH_MASTER_SECRET; without them JPush is off and its messages wait."""

from __future__ import annotations

import jpush
from jpush import common

from backend.core.outbox import DELIVERED, GONE, Delivery
from backend.core.settings import Settings
from backend.notify.channels import PUSH_CHANNELS, PushChannel, PushMessage, settle_environment

# JPush's answer to a push whose only audience is a registration id it does not know (the
# app was uninstalled, or the id belongs to another app): "cannot find user by this audience".
UNKNOWN_AUDIENCE = 1011


def _zone(base_url: str) -> str:
    """The SDK takes its URLs from a table of zones; FIREGRID_JPUSH_BASE_URL adds one."""
    zone = f"firegrid:{base_url}"
    common.ZONES.setdefault(zone.upper(), {"PUSH": base_url.rstrip("/") + "/"})
    return zone


@PUSH_CHANNELS.register
class JPushChannel(PushChannel):
    name = "jpush"

    def __init__(self, client: jpush.JPush) -> None:
        self.client = client

    @classmethod
    def configured(cls, settings: Settings) -> JPushChannel | None:
        if not settings.jpush_app_key or settings.jpush_master_secret is None:
            return None
        client = jpush.JPush(
            settings.jpush_app_key,
            settings.jpush_master_secret.get_secret_value(),
            timeout=settings.push_timeout_seconds,
            zone=_zone(settings.jpush_base_url),
        )
        settle_environment(client.session, settings.jpush_base_url)
        return cls(client)

    def send(self, message: PushMessage) -> Delivery:
        push = self.client.create_push()
        push.audience = jpush.audience(jpush.registration_id(message.token))
        push.platform = jpush.platform("ios" if message.platform == "ios" else "android")
        extras = {k: str(v) for k, v in message.data.items()}
        push.notification = jpush.notification(
            alert=message.body,
            android=jpush.android(alert=message.body, title=message.title, extras=extras),
            ios=jpush.ios(alert={"title": message.title, "body": message.body}, extras=extras),
        )
        try:
            push.send()
            return DELIVERED
        except common.JPushFailure as failure:
            if failure.error_code == UNKNOWN_AUDIENCE:
                return GONE  # retire the registration
            status = failure.response.status_code if failure.response is not None else "?"
            return Delivery.failed(f"JPush {status} {failure.error_code}: {failure.details}")
        except common.Unauthorized:
            return Delivery.failed("JPush refused the app key and master secret")
        except (common.APIConnectionException, common.APIRequestException) as exc:
            return Delivery.failed(f"JPush unreachable: {exc}")
        except (AttributeError, TypeError, ValueError) as exc:
            # The SDK trips over an error answer that is not JPush's own shape (a proxy's 502
            # or 503 in front of it): not now, try again later.
            return Delivery.failed(f"JPush answered unreadably: {type(exc).__name__}")

    def close(self) -> None:
        self.client.session.close()
