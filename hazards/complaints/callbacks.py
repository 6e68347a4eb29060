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
from zoneinfo import ZoneInfo

import httpx
import orjson
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session, aliased

from backend.core import audit, dialect, security
from backend.core.db import utcnow
from backend.core.errors import Conflict, InvalidInput, NotFound
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from grids.scope import Scope
from hazards.complaints.enums import CallbackDelivery
from hazards.complaints.models import Complaint, HotlineCallback, HotlinePartner

log = logging.getLogger("firegrid.complaints.callbacks")
LOCAL = ZoneInfo("Asia/Shanghai")
FIRST_WAIT = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
PASS_SECONDS = 20.0  # a worker pass stops starting new calls after this long


def local_time(moment: datetime | None) -> str | None:
    return moment.astimezone(LOCAL).isoformat(timespec="seconds") if moment else None


# --- Partners' callback addresses ----------------------------------------------------------------


def set_partner_callback(
    session: Session, settings: Settings, username: str, callback_url: str, actor: audit.Actor
) -> tuple[HotlinePartner, str]:
    """Point a partner's callbacks at a URL, with a fresh signing secret (returned once)."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None or Role(user.role) is not Role.INTEGRATION:
        raise NotFound(f"no partner system {username!r}")
    parts = urlsplit(callback_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("the callback URL must be http(s)://host/...", field="callback_url")
    secret = security.random_key_secret()
    partner = session.get(HotlinePartner, user.id) or HotlinePartner(user_id=user.id)
    partner.callback_url = callback_url
    partner.key_id = "fgc_" + secrets.token_hex(8)
    partner.sealed_secret = security.seal(settings.resolved_secret_key, secret)
    partner.updated_at = utcnow()
    session.add(partner)
    session.flush()
    audit.record(
        session,
        actor=actor,
        action="integration.callback_set",
        subject_type="user",
        subject_id=user.id,
        after={"callback_url": callback_url, "key_id": partner.key_id},
    )
    return partner, secret


# --- Writing ---------------------------------------------------------------------------------------


def enqueue(session: Session, complaint: Complaint, event: str, note: str | None = None) -> None:
    """Queue what the hotline hears of this step, numbered by the complaint's version (which
    every step raises), so the order is the order of the steps. Complaints that came from no
    partner (or one with no callback address) have nobody to tell."""
    if complaint.partner_id is None or session.get(HotlinePartner, complaint.partner_id) is None:
        return
    session.add(HotlineCallback(**callback_row(complaint, event, note)))


def callback_row(complaint: Complaint, event: str, note: str | None = None) -> dict:
    """The callback as a row of `hotline_callbacks` (also for bulk inserts)."""
    callback_id = uuid.uuid4()
    now = utcnow()
    payload = {
        "delivery_id": str(callback_id),
        "complaint_id": str(complaint.id),
        "channel": complaint.channel,
        "external_id": complaint.external_id,
        "event": event,
        "state": complaint.state,
        "sequence": complaint.version,
        "occurred_at": local_time(now),
        "deadline": local_time(complaint.reply_due_at),
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
        "seq": complaint.version,
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


def partners_with_callbacks(session: Session, partner_ids: set[uuid.UUID]) -> set[uuid.UUID]:
    if not partner_ids:
        return set()
    return set(
        session.scalars(
            select(HotlinePartner.user_id).where(HotlinePartner.user_id.in_(partner_ids))
        )
    )


# --- Delivering ------------------------------------------------------------------------------------


def deliver_hotline_callbacks(
    session: Session, settings: Settings, batch: int = 200, now: datetime | None = None
) -> int:
    """Worker job: send due callbacks, oldest first, never one before an earlier undelivered
    callback of the same complaint (a dead one holds those after it until replayed). Claimed
    with SKIP LOCKED on PostgreSQL. `now` lets a test stand later in time."""
    now = now or utcnow()
    earlier = aliased(HotlineCallback)
    blocked = exists().where(
        earlier.complaint_id == HotlineCallback.complaint_id,
        earlier.seq < HotlineCallback.seq,
        earlier.status != CallbackDelivery.DELIVERED.value,
    )
    due = session.scalars(
        dialect.claim(
            session,
            select(HotlineCallback)
            .where(
                HotlineCallback.status == CallbackDelivery.PENDING.value,
                HotlineCallback.next_attempt_at <= now,
                ~blocked,
            )
            .order_by(HotlineCallback.next_attempt_at, HotlineCallback.seq)
            .limit(batch),
        )
    ).all()
    started = time.monotonic()
    partners: dict[uuid.UUID, HotlinePartner | None] = {}
    delivered = 0
    with httpx.Client(timeout=settings.callback_timeout_seconds) as client:
        for message in due:
            if time.monotonic() - started > PASS_SECONDS:
                break
            if message.partner_id not in partners:
                partners[message.partner_id] = session.get(HotlinePartner, message.partner_id)
            partner = partners[message.partner_id]
            if partner is None:
                continue  # the address was removed: waits until one is set
            error = _send(client, partner, message, settings)
            message.attempts += 1
            if error is None:
                message.status, message.delivered_at, message.last_error = (
                    CallbackDelivery.DELIVERED.value,
                    now,
                    None,
                )
                delivered += 1
                continue
            message.last_error = error[:2000]
            wait = min(FIRST_WAIT * 2 ** (message.attempts - 1), LONGEST_WAIT)
            if now + wait - message.window_started_at > timedelta(
                hours=settings.callback_retry_hours
            ):
                message.status = CallbackDelivery.DEAD.value
                log.warning(
                    "hotline callback dead-lettered",
                    extra={"callback_id": str(message.id), "error": error[:200]},
                )
            else:
                message.next_attempt_at = now + wait
    return delivered


def _send(
    client: httpx.Client, partner: HotlinePartner, message: HotlineCallback, settings: Settings
) -> str | None:
    """POST one callback, signed; None when the partner took it (any 2xx), else why not."""
    body = orjson.dumps(message.payload)
    parts = urlsplit(partner.callback_url)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    secret = security.unseal(settings.resolved_secret_key, partner.sealed_secret)
    headers = {
        "Content-Type": "application/json",
        "X-Firegrid-Key-Id": partner.key_id,
        "X-Firegrid-Timestamp": timestamp,
        "X-Firegrid-Nonce": nonce,
        "X-Firegrid-Signature": security.sign(secret, "POST", path, timestamp, nonce, body),
        "X-Firegrid-Delivery": str(message.id),
        "X-Firegrid-Event": message.event,
    }
    try:
        response = client.post(partner.callback_url, content=body, headers=headers)
    except httpx.HTTPError as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return None
    return f"HTTP {response.status_code}: {response.text[:300]}"


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
    now = utcnow()
    message.status, message.attempts = CallbackDelivery.PENDING.value, 0
    message.window_started_at = message.next_attempt_at = now
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
