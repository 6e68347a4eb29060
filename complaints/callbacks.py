"""Answering the hotline: each status change it cares about is written, in the transaction that
made it, as a callback to the partner's URL; the worker delivers them in order per complaint,
signed like the requests partners send us (docs/integration-auth.md), retried with doubling
waits for `callback_retry_hours`, then dead-lettered until an admin replays them.

A callback that was delivered but whose answer got lost is sent again: partners tell repeats
by `X-Firegrid-Delivery` (the same id on every try).
"""

from __future__ import annotations

import logging
import secrets
import time
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit

import orjson
from sqlalchemy import Select, bindparam, exists, func, select
from sqlalchemy.orm import Session, aliased

from backend.core import audit, outbox, security
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.localtime import local_iso
from backend.core.outbox import HttpPostChannel
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from complaints.enums import CallbackDelivery, Stage
from complaints.models import Complaint, HotlineCallback, HotlinePartner
from complaints.rules import DUE_COLUMN
from grids.scope import Scope

log = logging.getLogger("firegrid.complaints.callbacks")
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
PASS_SECONDS = 20.0  # a worker pass stops starting new calls after this long
DEFAULT_OVERLAP = timedelta(days=7)  # both keys sign for this long after a rotation
MAX_OVERLAP = timedelta(days=90)


# --- Partners' callback addresses ----------------------------------------------------------------


def _partner_user(session: Session, username: str) -> User:
    user = session.scalar(select(User).where(User.username == username))
    if user is None or Role(user.role) is not Role.INTEGRATION:
        raise NotFound(f"no partner system {username!r}")
    return user


def set_partner_callback(
    session: Session, settings: Settings, username: str, callback_url: str, actor: audit.Actor
) -> tuple[HotlinePartner, str | None]:
    """Point a partner's callbacks at a URL. A partner's first address comes with a signing
    secret (returned once); a new address keeps the key the partner already checks with
    (None is returned): moving a URL is no reason to break the partner's checks. Keys change
    only by `rotate_partner_key`."""
    user = _partner_user(session, username)
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("the callback URL must be http(s)://host/...", field="callback_url")
    partner = session.get(HotlinePartner, user.id)
    secret = None
    if partner is None:
        secret = security.random_key_secret()
        partner = HotlinePartner(
            user_id=user.id,
            key_id=_new_key_id(),
            sealed_secret=security.seal(settings.resolved_secret_key, secret),
        )
    before = {"callback_url": partner.callback_url} if partner.callback_url else None
    partner.callback_url = callback_url
    partner.updated_at = utcnow()
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="integration.callback_set",
        subject_type="user",
        subject_id=user.id,
        before=before,
        after={"callback_url": callback_url, "key_id": partner.key_id},
    )
    return partner, secret


def rotate_partner_key(
    session: Session,
    settings: Settings,
    username: str,
    overlap: timedelta,
    actor: audit.Actor,
    now: datetime | None = None,
) -> tuple[HotlinePartner, str]:
    """A new callback signing key (its secret returned once). For `overlap` every callback is
    signed with both keys: the old one in the usual headers, which the partner checks today,
    and the new one in `X-Firegrid-Next-*`; then with the new one alone. A rotation during an
    overlap drops the oldest key, as only two are ever sent."""
    if overlap < timedelta(0) or overlap > MAX_OVERLAP:
        raise InvalidInput(
            f"the overlap is between 0 and {MAX_OVERLAP.days} days", field="overlap_hours"
        )
    user = _partner_user(session, username)
    partner = session.get(HotlinePartner, user.id)
    if partner is None:
        raise NotFound(f"partner {username!r} has no callback address yet: set one first")
    now = now or utcnow()
    secret = security.random_key_secret()
    old_key_id = partner.key_id
    partner.previous_key_id, partner.previous_sealed_secret = partner.key_id, partner.sealed_secret
    partner.previous_until = now + overlap
    partner.key_id = _new_key_id()
    partner.sealed_secret = security.seal(settings.resolved_secret_key, secret)
    partner.updated_at = now
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="integration.callback_key_rotated",
        subject_type="user",
        subject_id=user.id,
        before={"key_id": old_key_id},
        after={"key_id": partner.key_id, "previous_until": partner.previous_until.isoformat()},
    )
    return partner, secret


def _new_key_id() -> str:
    return "fgc_" + secrets.token_hex(8)


# --- Writing ---------------------------------------------------------------------------------------


def enqueue(
    session: Session,
    complaint: Complaint,
    event: str,
    note: str | None = None,
    stage: Stage | None = None,
) -> None:
    """Queue what the hotline hears of this step, numbered 1, 2, 3... within the complaint in
    the order of the steps (every step holds the complaint's row lock, so the numbers cannot
    cross). Complaints that came from no partner (or one with no callback address) have nobody
    to tell."""
    if complaint.partner_id is None or session.get(HotlinePartner, complaint.partner_id) is None:
        return
    session.flush()  # callbacks queued earlier in this transaction count
    last = session.scalar(
        select(func.max(HotlineCallback.seq)).where(HotlineCallback.complaint_id == complaint.id)
    )
    session.add(
        HotlineCallback(**callback_row(complaint, event, note, seq=(last or 0) + 1, stage=stage))
    )


def callback_row(
    complaint: Complaint,
    event: str,
    note: str | None = None,
    *,
    seq: int = 1,
    stage: Stage | None = None,
) -> dict:
    """The callback as a row of `hotline_callbacks` (also for bulk inserts: a new complaint's
    first callback is number 1). `deadline` is that of the stage the event reports: the one
    that runs now (signing after `dispatched`, the on-site check after `signed`, the reply
    after `verifying`), the extended one for `extended`, and the reply deadline once the reply
    is given. `reply_deadline` is always the reply's, the hotline's own clock."""
    callback_id = uuid.uuid4()
    now = utcnow()
    stage = stage or (Stage(complaint.stage) if complaint.stage else Stage.REPLY)
    payload = {
        "delivery_id": str(callback_id),
        "complaint_id": str(complaint.id),
        "channel": complaint.channel,
        "external_id": complaint.external_id,
        "event": event,
        "state": complaint.state,
        "sequence": seq,
        "occurred_at": local_iso(now),
        "stage": stage.value,
        "deadline": local_iso(getattr(complaint, DUE_COLUMN[stage])),
        "reply_deadline": local_iso(complaint.reply_due_at),
    }
    if event in ("verifying",):
        payload["finding"] = complaint.finding
    if event in ("replied", "closed"):
        payload["reply"] = complaint.reply
    if note and event in ("extended", "reopened"):
        payload["note"] = note
    return {
        "id": callback_id,
        "partner_id": complaint.partner_id,
        "complaint_id": complaint.id,
        "seq": seq,
        "event": event,
        "payload": payload,
        "status": CallbackDelivery.PENDING.value,
        "attempts": 0,
        "window_started_at": now,
        "next_attempt_at": now,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
    }


_WITH_CALLBACKS = select(HotlinePartner.user_id).where(
    HotlinePartner.user_id.in_(bindparam("ids", expanding=True))
)


def partners_with_callbacks(session: Session, partner_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not partner_ids:
        return set()
    return set(session.scalars(_WITH_CALLBACKS, {"ids": list(partner_ids)}))


# --- Delivering ------------------------------------------------------------------------------------


def deliver_hotline_callbacks(
    session: Session, settings: Settings, batch: int = 200, now: datetime | None = None
) -> int:
    """Worker job: for each complaint with a due callback, send every due one in sequence order
    in this pass (a hotline's own deadline clock runs while it waits: five steps must not take
    five passes), stopping at that complaint's first failure, so that nothing overtakes it. A
    dead or waiting callback holds those after it until it goes out. `now` lets a test stand
    later in time.

    Only a complaint's first undelivered callback is claimed (SKIP LOCKED on PostgreSQL); the
    ones behind it are reached through it, so two workers never send the same complaint's."""
    with HttpPostChannel.configured(settings) as channel:
        queue = HotlineCallbacks(session, channel, settings)
        return outbox.deliver(session, queue, batch=batch, now=now)


class HotlineCallbacks(outbox.Queue[HotlineCallback]):
    """The `hotline_callbacks` table: in order per complaint, signed for the partner, retried
    for `callback_retry_hours` from the first try (or the last replay)."""

    pass_seconds = PASS_SECONDS

    def __init__(self, session: Session, channel: HttpPostChannel, settings: Settings) -> None:
        self.session, self.channel, self.settings = session, channel, settings
        self.retry = outbox.Retry(
            window=timedelta(hours=settings.callback_retry_hours),
            first_wait=FIRST_WAIT,
            longest_wait=LONGEST_WAIT,
        )
        self.partners: dict[uuid.UUID, HotlinePartner | None] = {}

    def due(self, now: datetime) -> Select:
        earlier = aliased(HotlineCallback)
        blocked = exists().where(
            earlier.complaint_id == HotlineCallback.complaint_id,
            earlier.seq < HotlineCallback.seq,
            earlier.status != CallbackDelivery.DELIVERED.value,
        )
        return (
            select(HotlineCallback)
            .where(
                HotlineCallback.status == CallbackDelivery.PENDING.value,
                HotlineCallback.next_attempt_at <= now,
                ~blocked,
            )
            .order_by(HotlineCallback.next_attempt_at, HotlineCallback.seq)
        )

    def send(self, message: HotlineCallback, now: datetime) -> outbox.Delivery:
        """POST one callback, signed; held while the partner has no address."""
        if message.partner_id not in self.partners:
            self.partners[message.partner_id] = self.session.get(HotlinePartner, message.partner_id)
        partner = self.partners[message.partner_id]
        if partner is None:
            return outbox.HELD  # the address was removed: waits until one is set
        body = orjson.dumps(message.payload)
        parts = urlsplit(partner.callback_url)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        headers = {
            "Content-Type": "application/json",
            **signature_headers(partner, self.settings, path, body, now),
            "X-Firegrid-Delivery": str(message.id),
            "X-Firegrid-Event": message.event,
        }
        delivery = self.channel.send(outbox.HttpPost(partner.callback_url, body, headers))
        if delivery.error is not None:
            return outbox.Delivery.failed(delivery.error[:2000])
        return delivery

    def next_in_line(self, message: HotlineCallback, now: datetime) -> HotlineCallback | None:
        """The complaint's next callback if it is pending and due; None when there is none, or
        when it must wait (dead, or waiting for its retry)."""
        following = self.session.scalar(
            select(HotlineCallback)
            .where(
                HotlineCallback.complaint_id == message.complaint_id,
                HotlineCallback.seq > message.seq,
                HotlineCallback.status != CallbackDelivery.DELIVERED.value,
            )
            .order_by(HotlineCallback.seq)
            .limit(1)
        )
        if (
            following is None
            or following.status != CallbackDelivery.PENDING.value
            or following.next_attempt_at > now
        ):
            return None
        return following

    def dead_lettered(self, message: HotlineCallback, error: str | None) -> None:
        log.warning(
            "hotline callback dead-lettered",
            extra={"callback_id": str(message.id), "error": (error or "")[:200]},
        )


def signing_keys(
    partner: HotlinePartner, settings: Settings, now: datetime
) -> list[tuple[str, str]]:
    """(key id, secret) to sign with, the one partners check today first: during the overlap
    after a rotation that is the previous key, with the new one after it."""
    current = (partner.key_id, security.unseal(settings.resolved_secret_key, partner.sealed_secret))
    if (
        partner.previous_key_id
        and partner.previous_sealed_secret
        and partner.previous_until is not None
        and now < partner.previous_until
    ):
        previous = security.unseal(settings.resolved_secret_key, partner.previous_sealed_secret)
        return [(partner.previous_key_id, previous), current]
    return [current]


def signature_headers(
    partner: HotlinePartner,
    settings: Settings,
    path: str,
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """The usual four headers, signed with the key the partner checks today; during a rotation's
    overlap also `X-Firegrid-Next-Key-Id` and `X-Firegrid-Next-Signature` with the new key
    (same timestamp and nonce), so a partner that has switched already checks those."""
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    keys = signing_keys(partner, settings, now)
    (key_id, secret), *rest = keys
    headers = {
        "X-Firegrid-Key-Id": key_id,
        "X-Firegrid-Timestamp": timestamp,
        "X-Firegrid-Nonce": nonce,
        "X-Firegrid-Signature": security.sign(secret, "POST", path, timestamp, nonce, body),
    }
    for next_key_id, next_secret in rest:
        headers["X-Firegrid-Next-Key-Id"] = next_key_id
        headers["X-Firegrid-Next-Signature"] = security.sign(
            next_secret, "POST", path, timestamp, nonce, body
        )
    return headers


# --- Dead letters ------------------------------------------------------------------------------------


def dead_letters(session: Session, scope: Scope, status: CallbackDelivery, limit: int, offset: int):
    """Callbacks by status, for the complaints in the admin's area."""
    return session.scalars(
        select(HotlineCallback)
        .join(Complaint, Complaint.id == HotlineCallback.complaint_id)
        .where(HotlineCallback.status == status.value, scope.area_clause_on(Complaint.area_path))
        .order_by(HotlineCallback.created_at, HotlineCallback.seq)
        .limit(limit)
        .offset(offset)
    ).all()


def replay(
    session: Session, scope: Scope, callback_id: uuid.UUID, actor: audit.Actor
) -> HotlineCallback:
    """Give a dead callback a fresh retry window; it goes out at the next worker pass, and the
    ones held behind it follow in order."""
    message = session.get(HotlineCallback, callback_id)
    complaint = session.get(Complaint, message.complaint_id) if message else None
    if message is None or complaint is None or not scope.covers_path(complaint.area_path or "\0"):
        raise NotFound(f"no callback with id {callback_id}")
    if message.status != CallbackDelivery.DEAD.value:
        raise Conflict(f"only dead callbacks are replayed; this one is {message.status}")
    outbox.replay(message)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="complaint.callback_replayed",
        subject_type="complaint",
        subject_id=message.complaint_id,
        after={"callback_id": str(message.id), "event": message.event, "seq": message.seq},
    )
    return message


def counts(session: Session) -> dict[str, int]:
    return dict(
        session.execute(
            select(HotlineCallback.status, func.count()).group_by(HotlineCallback.status)
        ).all()
    )
