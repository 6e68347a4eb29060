"""The audit log 全程留痕: append-only, hash-chained, written in the transaction it records.

Each event's hash is `sha256(prev_hash || canonical_json(event))`, so editing, deleting or
reordering any event breaks every link after it; `verify_chain` names the first broken one.
A one-row head table holds the last sequence number and hash: appending locks it, which keeps
the chain linear when several processes write at once.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, Integer, String, bindparam, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from backend.core import dialect
from backend.core.context import client_location_var, request_id_var
from backend.core.db import Base, UTCDateTime, utcnow
from backend.core.ids import new_ids

GENESIS_HASH = "0" * 64
HEAD_ID = 1


class AuditEvent(Base):
    __tablename__ = "audit_events"

    seq: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=False
    )
    event_id: Mapped[uuid.UUID] = mapped_column(unique=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    actor_id: Mapped[uuid.UUID | None]
    actor_role: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    client_lng: Mapped[float | None] = mapped_column(Float)
    client_lat: Mapped[float | None] = mapped_column(Float)
    request_id: Mapped[str | None] = mapped_column(String(64))
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64), unique=True)

    __table_args__ = ({"comment": "Append-only; see backend/core/audit.py"},)


class AuditChainHead(Base):
    __tablename__ = "audit_chain_head"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"))
    last_hash: Mapped[str] = mapped_column(String(64))
    # The change clock for offline sync (backend.core.dialect.CLOCK_TABLE): bumped by triggers.
    change_seq: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), default=0)


@dataclass(frozen=True)
class Actor:
    """Who did it, as the audit log records it. `None` ids are the system itself."""

    id: uuid.UUID | None
    role: str | None

    @classmethod
    def system(cls) -> Actor:
        return cls(id=None, role="system")


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _time_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _hashed_fields(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "seq": row["seq"],
        "event_id": str(row["event_id"]),
        "occurred_at": _time_text(row["occurred_at"]),
        "actor_id": str(row["actor_id"]) if row["actor_id"] else None,
        "actor_role": row["actor_role"],
        "action": row["action"],
        "subject_type": row["subject_type"],
        "subject_id": row["subject_id"],
        "before": row["before"],
        "after": row["after"],
        "client_lng": row["client_lng"],
        "client_lat": row["client_lat"],
        "request_id": row["request_id"],
    }


def compute_hash(prev_hash: str, row: Mapping[str, Any]) -> str:
    """The event's hash from its stored columns (a row as written, or `_row(event)` read back)."""
    return hashlib.sha256((prev_hash + canonical_json(_hashed_fields(row))).encode()).hexdigest()


def _jsonable(value: dict[str, Any] | None) -> dict[str, Any] | None:
    """Round-trip through JSON now, so the stored value is exactly what was hashed (a value
    that is plain JSON already, as most are, is taken as it is)."""
    if value is None or _plain(value):
        return value
    return json.loads(json.dumps(value, default=str, ensure_ascii=False))


_SCALARS = (str, int, float, bool, type(None))


def _plain(value: Any) -> bool:
    """JSON-native all the way down: str keys; str, number, bool, null, list and dict values
    (floats that JSON cannot hold, NaN and infinities, are not plain)."""
    if isinstance(value, dict):
        return all(type(k) is str and _plain(v) for k, v in value.items())
    if isinstance(value, list):
        return all(_plain(v) for v in value)
    if isinstance(value, float):
        return value == value and value not in (float("inf"), float("-inf"))
    return isinstance(value, _SCALARS)


@dataclass(frozen=True)
class Entry:
    """One event to append, before the chain numbers and hashes it."""

    actor: Actor
    action: str
    subject_type: str
    subject_id: Any
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None
    client_location: tuple[float, float] | None = None


def record(
    session: Session,
    *,
    actor: Actor,
    action: str,
    subject_type: str,
    subject_id: Any,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    client_location: tuple[float, float] | None = None,
) -> dict[str, Any]:
    """Append an event to the chain inside the caller's transaction; the row as written."""
    entry = Entry(actor, action, subject_type, subject_id, before, after, client_location)
    return record_many(session, [entry])[0]


def record_many(session: Session, entries: list[Entry]) -> list[dict[str, Any]]:
    """Append events in order, in the caller's transaction, with one update of the head row
    for the whole batch (a sync push of a hundred reports appends a hundred events)."""
    return append(session, prepare(entries))


@dataclass(frozen=True)
class Prepared:
    """Events ready to append: every column but their place in the chain (seq, prev_hash,
    hash), and each one's canonical text on either side of its seq. Writers prepare before
    they write anything, so that under the head row's lock, which every writer queues for,
    only the chaining is left: a few microseconds of hashing per event."""

    rows: list[dict[str, Any]]
    texts: list[tuple[str, str]]


def prepare(entries: list[Entry]) -> Prepared:
    now, request_id, location = utcnow(), request_id_var.get(), client_location_var.get()
    when = _time_text(now)
    rows, texts = [], []
    for entry, event_id in zip(entries, new_ids(len(entries)), strict=True):
        where = entry.client_location or location
        row = {
            "event_id": event_id,
            "occurred_at": now,
            "actor_id": entry.actor.id,
            "actor_role": entry.actor.role,
            "action": entry.action,
            "subject_type": entry.subject_type,
            "subject_id": str(entry.subject_id),
            "before": _jsonable(entry.before),
            "after": _jsonable(entry.after),
            "client_lng": where[0] if where else None,
            "client_lat": where[1] if where else None,
            "request_id": request_id,
        }
        # `_hashed_fields` of the row, split around its seq (keys sort: seq comes between).
        head = {
            "action": row["action"],
            "actor_id": str(row["actor_id"]) if row["actor_id"] else None,
            "actor_role": row["actor_role"],
            "after": row["after"],
            "before": row["before"],
            "client_lat": row["client_lat"],
            "client_lng": row["client_lng"],
            "event_id": str(event_id),
            "occurred_at": when,
            "request_id": request_id,
        }
        tail = {"subject_id": row["subject_id"], "subject_type": row["subject_type"]}
        texts.append((f'{canonical_json(head)[:-1]},"seq":', f",{canonical_json(tail)[1:]}"))
        rows.append(row)
    return Prepared(rows, texts)


def append(session: Session, prepared: Prepared) -> list[dict[str, Any]]:
    """Number, chain and insert prepared events; the rows as written. Bumping the head row
    first takes its lock (a row lock on PostgreSQL; SQLite's write transactions are already
    exclusive), so concurrent writers queue here and the chain stays linear."""
    count = len(prepared.rows)
    if not count:
        return []
    last_seq, prev_hash = session.execute(_TAKE_SEQS, {"count": count}).one()
    rows = []
    for seq, row, (head, tail) in zip(
        range(last_seq - count + 1, last_seq + 1), prepared.rows, prepared.texts, strict=True
    ):
        chained = hashlib.sha256(f"{prev_hash}{head}{seq}{tail}".encode()).hexdigest()
        rows.append(row | {"seq": seq, "prev_hash": prev_hash, "hash": chained})
        prev_hash = chained
    dialect.insert_rows(session, AuditEvent.__table__, rows, along=(_SET_HASH, {"hash": prev_hash}))
    return rows


_head = AuditChainHead.__table__
_TAKE_SEQS = (
    _head.update()
    .where(_head.c.id == HEAD_ID)
    .values(last_seq=_head.c.last_seq + bindparam("count", type_=BigInteger))
    .returning(_head.c.last_seq, _head.c.last_hash)
)
_SET_HASH = _head.update().where(_head.c.id == HEAD_ID).values(last_hash=bindparam("hash"))


def _row(event: AuditEvent) -> dict[str, Any]:
    return {column.key: getattr(event, column.key) for column in AuditEvent.__table__.columns}


def events_for(session: Session, subject_type: str, subject_id: Any) -> list[AuditEvent]:
    """A subject's history in order: the timeline of a hazard, a user, an area."""
    query = (
        select(AuditEvent)
        .where(AuditEvent.subject_type == subject_type, AuditEvent.subject_id == str(subject_id))
        .order_by(AuditEvent.seq)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_seq: int | None = None
    broken_event_id: str | None = None
    reason: str | None = None

    @property
    def sound(self) -> bool:
        return self.broken_seq is None and self.reason is None


def _events_in_order(session: Session, batch: int = 2000) -> Iterator[AuditEvent]:
    last = 0
    while True:
        rows = list(
            session.scalars(
                select(AuditEvent)
                .where(AuditEvent.seq > last)
                .order_by(AuditEvent.seq)
                .limit(batch)
            )
        )
        if not rows:
            return
        yield from rows
        last = rows[-1].seq
        session.expunge_all()


def verify_chain(session: Session) -> ChainReport:
    """Recompute the chain from the first event and report the first link that does not hold."""
    expected_seq, prev_hash, checked = 1, GENESIS_HASH, 0
    for event in _events_in_order(session):
        problem = None
        if event.seq != expected_seq:
            problem = f"event {expected_seq} is missing (next present is {event.seq})"
        elif event.prev_hash != prev_hash:
            problem = "prev_hash does not match the previous event's hash"
        elif compute_hash(prev_hash, _row(event)) != event.hash:
            problem = "content does not match its hash (the event was edited)"
        if problem:
            return ChainReport(checked, event.seq, str(event.event_id), problem)
        checked += 1
        expected_seq, prev_hash = event.seq + 1, event.hash
    head = session.get(AuditChainHead, HEAD_ID)
    if head is None:
        return ChainReport(checked, None, None, "the chain head row is missing")
    if head.last_seq != expected_seq - 1 or head.last_hash != prev_hash:
        return ChainReport(
            checked,
            expected_seq,
            None,
            f"events after {expected_seq - 1} were removed (head says {head.last_seq})",
        )
    return ChainReport(checked)
