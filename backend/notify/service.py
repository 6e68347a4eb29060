"""Enqueue in the caller's transaction, one message per channel that reaches the user's devices;
deliver later, from the worker, one bounded pass per channel (backend.notify.channels)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from backend.core import dialect, outbox
from backend.core.db import utcnow
from backend.core.errors import InvalidInput, NotFound
from backend.core.ids import new_ids
from backend.core.settings import Settings, get_settings
from backend.notify import (  # the push channels register themselves on import
    fcm,  # noqa: F401
    inbox,
    jpush,  # noqa: F401
    policy,
    webpush,
)
from backend.notify.channels import (
    PushChannel,
    PushMessage,
    channel_names,
    providers_of,
    push_channel,
)
from backend.notify.enums import NotificationKind, Provider, PushStatus
from backend.notify.models import Device, Notification, OutboxMessage
from backend.notify.policy import policy_of
from backend.notify.texts import deliver_texts

log = logging.getLogger("firegrid.notify")
FAILURE_STREAK = 3  # failed messages in a row before a pass gives up on the channel for now
CHANNEL_LOOKUP_CHUNK = 500  # users per query when looking up their devices' providers


def register_device(
    session: Session,
    user_id: uuid.UUID,
    token: str | None,
    platform: str,
    *,
    provider: Provider = Provider.FCM,
    subscription: dict[str, Any] | None = None,
) -> Device:
    """Register (or move) a registration: one phone belongs to whoever signed in on it last. A
    Web Push registration is its subscription, known by its endpoint; the others a token."""
    provider = Provider(provider)
    if provider is Provider.WEBPUSH:
        if token is not None:
            raise InvalidInput(
                "a webpush registration has a subscription, not a token", field="token"
            )
        if subscription is None:
            raise InvalidInput(
                "a webpush registration needs its subscription: endpoint and keys (p256dh, auth)",
                field="subscription",
            )
        if not subscription["endpoint"].startswith(("https://", "http://")):
            raise InvalidInput(
                "the subscription's endpoint is not an http(s) URL", field="subscription.endpoint"
            )
        token = subscription["endpoint"]
    elif subscription is not None:
        raise InvalidInput(
            f"a {provider} registration has a token, not a subscription", field="subscription"
        )
    if token is None or not token.strip():
        raise InvalidInput(f"a {provider} registration needs its token", field="token")
    device = session.get(Device, token) or Device(token=token)
    device.user_id, device.platform, device.retired_at, device.registered_at = (
        user_id,
        platform,
        None,
        utcnow(),
    )
    device.provider, device.subscription = provider.value, subscription
    session.add(device)
    session.flush()
    return device


def retire_device(session: Session, user_id: uuid.UUID, token: str) -> None:
    device = session.get(Device, token)
    if device is not None and device.user_id == user_id:
        device.retired_at = utcnow()


def webpush_public_key(settings: Settings) -> str:
    """The VAPID public key subscriptions are made with; NotFound when Web Push is off."""
    key = webpush.public_key(settings)
    if key is None:
        raise NotFound("Web Push is not configured on this server")
    return key


_DEVICE_PROVIDERS = (
    select(Device.user_id, Device.provider)
    .where(Device.user_id.in_(bindparam("ids", expanding=True)), Device.retired_at.is_(None))
    .distinct()
)


def channels_for(session: Session, user_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, list[str]]:
    """The channels a message to each user goes out on: one per provider of the user's active
    devices; the FCM channel for a user with none (the message settles as `no_device`)."""
    names = channel_names(get_settings())
    wanted = list(dict.fromkeys(user_ids))
    found: dict[uuid.UUID, list[str]] = {user_id: [] for user_id in wanted}
    for start in range(0, len(wanted), CHANNEL_LOOKUP_CHUNK):
        for user_id, provider in session.execute(
            _DEVICE_PROVIDERS, {"ids": wanted[start : start + CHANNEL_LOOKUP_CHUNK]}
        ):
            channel = names[Provider(provider)]
            if channel not in found[user_id]:
                found[user_id].append(channel)
    default = names[Provider.FCM]
    return {user_id: sorted(channels) or [default] for user_id, channels in found.items()}


def push(
    session: Session,
    user_ids: Iterable[uuid.UUID],
    title: str,
    body: str,
    data: dict[str, str],
    *,
    kind: NotificationKind | None = None,
) -> int:
    """Queue a push to each user, in the caller's transaction: it leaves only if the cause
    commits. Each user also gets it in their inbox (backend.notify.inbox); `kind`, when not
    given, is read from `data`."""
    return push_many(
        session,
        [(user_id, title, body, data) for user_id in dict.fromkeys(user_ids)],
        kind=kind,
    )


def push_many(
    session: Session,
    messages: list[tuple[uuid.UUID, str, str, dict[str, str]]],
    *,
    kind: NotificationKind | None = None,
) -> int:
    """`push` for many (user, title, body, data) at once: the inbox rows, then their pushes,
    each as one multi-row insert. The notification policy (backend.notify.policy) picks the
    push channels of each kind, holds non-urgent pushes through quiet hours and marks when an
    unread one is to be texted."""
    if not messages:
        return 0
    now = utcnow()
    settings = get_settings()
    notification_ids = new_ids(len(messages))
    kinds = [kind or inbox.kind_of(data) for _, _, _, data in messages]
    the_policy = policy_of(settings)
    rules = policy.rules_for(session, the_policy, [user_id for user_id, *_ in messages], kinds)
    dialect.insert_rows(
        session,
        Notification.__table__,
        [
            inbox.row(notification_id, user_id, title, body, data, message_kind, now, due)
            for (user_id, title, body, data), notification_id, message_kind, due in zip(
                messages,
                notification_ids,
                kinds,
                (rule.sms_due(now) for rule in rules),
                strict=True,
            )
        ],
    )
    channels = channels_for(session, (user_id for user_id, *_ in messages))
    leaves = {k: the_policy.pushes_wait_until(k in inbox.URGENT_KINDS, now) for k in set(kinds)}
    messages_out = [
        (channel, user_id, notification_id, title, body, data, leaves_at)
        for (user_id, title, body, data), notification_id, rule, leaves_at in zip(
            messages,
            notification_ids,
            rules,
            (leaves[k] for k in kinds),
            strict=True,
        )
        for channel in rule.channels_among(channels[user_id], settings)
    ]
    dialect.insert_rows(
        session,
        OutboxMessage.__table__,
        [
            {
                "id": message_id,
                "channel": channel,
                "user_id": user_id,
                "notification_id": notification_id,
                "title": title,
                "body": body,
                "data": data,
                "status": PushStatus.PENDING.value,
                "attempts": 0,
                "next_attempt_at": leaves_at,
                "last_error": None,
                "created_at": now,
                "delivered_at": None,
            }
            for (
                channel,
                user_id,
                notification_id,
                title,
                body,
                data,
                leaves_at,
            ), message_id in zip(messages_out, new_ids(len(messages_out)), strict=True)
        ],
    )
    return len(messages)


def deliver_outbox(session: Session, settings: Settings, batch: int = 200) -> int:
    """Worker job: one pass per push channel over its own messages (the kernel's outbox loop:
    claimed with SKIP LOCKED on PostgreSQL). A failure waits twice as long each time (30 s,
    1 min, … at most 1 h); after `push_max_attempts` the message is dead. A token the channel
    calls gone is retired.

    Each channel's pass is bounded: it stops after `push_pass_seconds` (firebase-admin itself
    retries a failing send for about 7 s) or after `FAILURE_STREAK` failed messages in a row
    (the channel looks unreachable), so a channel that is down delays only its own messages
    and the worker's other jobs keep running; messages it did not try wait, with no attempt
    counted against them. A channel without credentials is off: its messages wait. Texts
    (SMS) have a pass of their own after the push channels' (backend.notify.texts)."""
    delivered = 0
    for name in dict.fromkeys(channel_names(settings).values()):
        channel = push_channel(settings, name)
        if channel is None:
            continue
        with channel:
            queue = PushQueue(session, channel, settings, providers_of(name, settings))
            delivered += outbox.deliver(session, queue, batch=batch)
    return delivered + deliver_texts(session, settings, batch=batch)


class PushQueue(outbox.Queue[OutboxMessage]):
    """The `outbox` table's messages of one channel: each goes to every device its user has
    registered with the providers that channel serves."""

    failure_streak = FAILURE_STREAK
    nobody_status = PushStatus.NO_DEVICE.value

    def __init__(
        self,
        session: Session,
        channel: PushChannel,
        settings: Settings,
        providers: list[str] | None = None,
    ) -> None:
        self.session, self.channel = session, channel
        self.providers = (
            providers if providers is not None else providers_of(channel.name, settings)
        )
        self.retry = outbox.Retry(max_attempts=settings.push_max_attempts)
        self.pass_seconds = settings.push_pass_seconds

    def due(self, now: datetime) -> Select:
        return (
            select(OutboxMessage)
            .where(
                # rows queued for it, or for its providers under an earlier FIREGRID_PUSH_CHANNEL
                OutboxMessage.channel.in_(sorted({self.channel.name, *self.providers})),
                OutboxMessage.status == PushStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at)
        )

    def prepare(self, messages: list[OutboxMessage]) -> None:
        """The devices of the whole batch in one query (not one per message)."""
        self.devices: dict[uuid.UUID, list[Device]] = {}
        users = sorted({m.user_id for m in messages if m.user_id is not None})
        for start in range(0, len(users), CHANNEL_LOOKUP_CHUNK):
            for device in self.session.scalars(
                select(Device).where(
                    Device.user_id.in_(users[start : start + CHANNEL_LOOKUP_CHUNK]),
                    Device.provider.in_(self.providers),
                    Device.retired_at.is_(None),
                )
            ):
                self.devices.setdefault(device.user_id, []).append(device)

    def send(self, message: OutboxMessage, now: datetime) -> outbox.Delivery:
        devices = [d for d in self.devices.get(message.user_id, []) if d.retired_at is None]
        if not devices:
            return outbox.NOBODY
        message.channel = self.channel.name
        failures = []
        for device in devices:
            delivery = self.channel.send(
                PushMessage(
                    device.token,
                    device.platform,
                    message.title,
                    message.body,
                    message.data,
                    device.subscription,
                )
            )
            if delivery.outcome is outbox.Outcome.GONE:
                device.retired_at = now
            elif delivery.outcome is not outbox.Outcome.DELIVERED:
                failures.append(f"{device.token[:12]}…: {delivery.error}")
        return outbox.Delivery.failed("; ".join(failures)) if failures else outbox.DELIVERED

    def dead_lettered(self, message: OutboxMessage, error: str | None) -> None:
        log.warning("push dead-lettered", extra={"message_id": str(message.id)})
