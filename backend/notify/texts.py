"""Texts (SMS) through the outbox: a row on the channel "sms" is a text to its user's phone,
from the template `data["template"]` names (a key of FIREGRID_SMS_TEMPLATE_CODES) with the
rest of `data` as the template's parameters. The notification policy queues them, through
`queue_text`, for messages nobody read in time (backend.notify.scheduled)."""

from __future__ import annotations

import logging
import uuid
from datetime import datetime

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from backend.core import outbox
from backend.core.security import unseal
from backend.core.settings import Settings
from backend.identity.models import User
from backend.notify.enums import PushStatus
from backend.notify.models import OutboxMessage
from backend.notify.sms import SmsChannel, SmsMessage, sms_channel

log = logging.getLogger("firegrid.notify")
SMS = "sms"  # the outbox channel of texts
SEALED_PHONE = "sealed_phone"  # in `data`: the number itself, sealed, instead of the user's
FAILURE_STREAK = 3


def queue_text(
    session: Session, user_id: uuid.UUID, template: str, params: dict[str, str], summary: str
) -> OutboxMessage:
    """Queue a text to a user in the caller's transaction; `summary` is what the row shows."""
    message = OutboxMessage(
        channel=SMS,
        user_id=user_id,
        title=summary[:200],
        body=summary,
        data={**params, "template": template},
    )
    session.add(message)
    return message


def queue_text_to_sealed_phone(
    session: Session,
    sender_id: uuid.UUID,
    sealed_phone: str,
    template: str,
    params: dict[str, str],
    summary: str,
) -> OutboxMessage:
    """Queue a text to a phone that is nobody's account (a citizen who reported from the
    page): the number travels sealed (backend.core.security.seal, the service secret) in the
    row, which belongs to `sender_id`, the client it is sent for."""
    message = queue_text(session, sender_id, template, params, summary)
    message.data = {**message.data, SEALED_PHONE: sealed_phone}
    return message


def deliver_texts(session: Session, settings: Settings, batch: int = 200) -> int:
    """One bounded pass over the queued texts; none when SMS is not configured (they wait)."""
    channel = sms_channel(settings)
    if channel is None:
        return 0
    with channel:
        return outbox.deliver(session, TextQueue(session, channel, settings), batch=batch)


class TextQueue(outbox.Queue[OutboxMessage]):
    """The `outbox` table's texts: each to its user's phone. A user without a phone, or with a
    number the provider calls invalid, settles as `no_device`."""

    failure_streak = FAILURE_STREAK
    nobody_status = PushStatus.NO_DEVICE.value

    def __init__(self, session: Session, channel: SmsChannel, settings: Settings) -> None:
        self.session, self.channel = session, channel
        self.secret = settings.resolved_secret_key
        self.retry = outbox.Retry(max_attempts=settings.push_max_attempts)
        self.pass_seconds = settings.push_pass_seconds

    def due(self, now: datetime) -> Select:
        return (
            select(OutboxMessage)
            .where(
                OutboxMessage.channel == SMS,
                OutboxMessage.status == PushStatus.PENDING.value,
                OutboxMessage.next_attempt_at <= now,
            )
            .order_by(OutboxMessage.next_attempt_at)
        )

    def send(self, message: OutboxMessage, now: datetime) -> outbox.Delivery:
        sealed = message.data.get(SEALED_PHONE)
        if sealed:
            phone = unseal(self.secret, sealed)
        else:
            phone = self.session.scalar(select(User.phone).where(User.id == message.user_id))
        if not phone:
            return outbox.NOBODY
        params = {k: str(v) for k, v in message.data.items() if k not in ("template", SEALED_PHONE)}
        delivery = self.channel.send(SmsMessage(phone, message.data.get("template", ""), params))
        if delivery.outcome is outbox.Outcome.GONE:
            log.warning("SMS number refused", extra={"user_id": str(message.user_id)})
        return delivery

    def dead_lettered(self, message: OutboxMessage, error: str | None) -> None:
        log.warning("text dead-lettered", extra={"message_id": str(message.id)})
