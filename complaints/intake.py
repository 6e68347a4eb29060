"""Taking complaints in, many at a time.

Every write transaction serialises on the audit chain's head row (decisions 0003 and 0008), so
one complaint per transaction caps intake at what one transaction's locked stretch allows (about
30 a second when each did its own routing and writes). Here a batch of complaints is routed
first, with nothing locked, and then written with one multi-row insert per table and one audit
append, in one transaction. Each complaint is placed, dispatched or sent to triage by the same
functions staff dispatch uses (`complaints.dispatch`): they set the complaint's columns and hand
back its audit event, push and callback, which this module gathers into those inserts.

`submit` is the way in from the API: each signed request hands its complaint to this process's
writer thread and awaits it; the writer takes whatever has queued up meanwhile (group commit),
so a quiet hotline sees its complaint written at once and a busy one shares transactions. The
request has only checked its signature; the writer checks the keys and records the nonces in
the group's transaction (`receive_signed`, decision 0016). The batch is all or nothing; should it fail for a reason other than a refusal
of one complaint, each complaint is taken again on its own, so one bad complaint fails only
its own request.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import queue
import threading
import uuid
from collections.abc import Iterator
from concurrent.futures import Future
from contextlib import contextmanager, nullcontext, suppress
from dataclasses import dataclass
from types import SimpleNamespace

from sqlalchemy import Connection, Row, select
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session

from backend.core import audit, dialect, security
from backend.core.audit import canonical_json
from backend.core.db import get_engine, utcnow
from backend.core.errors import Conflict, Forbidden, Problem, Unauthenticated
from backend.core.privacy import mask_phone
from backend.core.security import phone_digest
from backend.core.settings import Settings
from backend.identity import partners
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from backend.notify import service as notify
from complaints import callbacks, dispatch, rules
from complaints.enums import ComplaintState, Escalation
from complaints.models import Complaint, ComplaintCaller, HotlineCallback
from complaints.reading import by_key, complaint_view
from complaints.schemas import ComplaintIntake, ComplaintOut
from grids import workforce
from grids.models import Area
from grids.scope import scope_of
from grids.service import Placement, place_points

log = logging.getLogger("firegrid.complaints.intake")
BATCH = 200  # complaints per transaction at most
WAIT_SECONDS = 60.0  # a request gives up waiting for the writer after this long


@dataclass(frozen=True)
class Received:
    complaint: ComplaintOut | None
    created: bool
    refusal: Problem | None = None


class ComplaintKeyReused(Conflict):
    slug, title = "complaint-key-reused", "This channel and external id came with another body"


class AloneAgain(Exception):
    """A batch met a complaint another process wrote meanwhile: take each on its own."""


class ComplaintDraft(SimpleNamespace):
    """A new complaint's columns, read and set as on the model, without the ORM's bookkeeping
    (a batch makes thousands of attribute sets); inserted as it stands."""

    def __init__(self, **columns: object) -> None:
        super().__init__(**{**_UNSET, **columns})


_UNSET = dict.fromkeys(c.key for c in Complaint.__table__.columns if c.key != "change_seq")


def intake_digest(body: ComplaintIntake) -> str:
    return hashlib.sha256(canonical_json(body.model_dump(mode="json")).encode()).hexdigest()


def same_or_refused(existing: Complaint, digest: str, partner: Principal) -> Complaint:
    if existing.partner_id != partner.user_id:
        # Another partner's key: say nothing about that complaint.
        raise ComplaintKeyReused(
            f"external id {existing.external_id!r} on channel {existing.channel} is taken",
            field="external_id",
        )
    if existing.intake_digest != digest:
        raise ComplaintKeyReused(
            f"complaint {existing.external_id!r} on channel {existing.channel} was received "
            "with another body; send a new external id for a new complaint",
            field="external_id",
            complaint_id=str(existing.id),
        )
    return existing


def receive(
    session: Session,
    partner: Principal,
    body: ComplaintIntake,
    settings: Settings,
    *,
    own_key: bool = False,
) -> tuple[ComplaintOut, bool]:
    """One complaint, in the caller's transaction: the complaint as stored, and whether it is
    new. The same (channel, external id) with the same body returns the complaint already
    taken; with another body it is refused (409). `own_key`: the caller made the external id
    itself, unique (the citizens' page), so no other request can be writing it meanwhile."""
    (result,) = receive_many(session, [(partner, body)], settings, own_key=own_key)
    if result.refusal is not None:
        raise result.refusal
    assert result.complaint is not None
    return result.complaint, result.created


def receive_many(
    session: Session,
    items: list[tuple[Principal, ComplaintIntake]],
    settings: Settings,
    nonces: list[tuple[str, str] | None] | None = None,
    *,
    own_key: bool = False,
) -> list[Received]:
    """Route and store complaints, in the caller's transaction, in order: one answer each.
    `nonces`: each signed request's (key id, nonce), checked as unused by the API and recorded
    here, with the complaint; a replay that raced its original is refused. `own_key`: as for
    `receive`."""
    results: list[Received | None] = [None] * len(items)
    if nonces:
        replayed = partners.record_nonces(session, [n for n in nonces if n is not None])
        seen: set[tuple[str, str]] = set()
        for index, nonce in enumerate(nonces):
            if nonce is not None and (nonce in replayed or nonce in seen):
                results[index] = Received(None, False, Unauthenticated(partners.REPLAYED))
            if nonce is not None:
                seen.add(nonce)
    digests = [intake_digest(body) for _, body in items]
    keys = {(body.channel.value, body.external_id) for _, body in items}
    found = (
        {}
        if own_key
        else dialect.ids_by_key(session, Complaint.__table__, ["channel", "external_id"], keys)
    )
    stored = (
        {
            (c.channel, c.external_id): c
            for c in session.scalars(select(Complaint).where(Complaint.id.in_(found.values())))
        }
        if found
        else {}
    )
    fresh: list[int] = []
    first_of: dict[tuple[str, str], int] = {}
    repeats: list[tuple[int, int]] = []  # (index, index of the same complaint earlier in the batch)
    for index, ((partner, body), digest) in enumerate(zip(items, digests, strict=True)):
        key = (body.channel.value, body.external_id)
        if results[index] is not None:
            continue  # a replayed request
        if partner.role is not Role.INTEGRATION:
            results[index] = Received(None, False, Forbidden("complaints come in from partners"))
        elif key in stored:
            results[index] = _known(session, stored[key], digest, partner)
        elif key in first_of:
            earlier = first_of[key]
            if digests[earlier] == digest and items[earlier][0].user_id == partner.user_id:
                repeats.append((index, earlier))
            else:
                results[index] = Received(None, False, _reused(body))
        else:
            first_of[key] = index
            fresh.append(index)
    if fresh:
        try:
            # Alone, a complaint written meanwhile is read back in this transaction: keep a
            # savepoint to return to. A group is taken again one by one (AloneAgain) instead.
            with session.begin_nested() if len(items) == 1 and not own_key else nullcontext():
                created = _write(
                    session, [items[i] for i in fresh], [digests[i] for i in fresh], settings
                )
        except IntegrityError:
            if len(items) > 1:
                raise AloneAgain() from None
            (partner, body) = items[0]
            again = by_key(session, body.channel.value, body.external_id)
            if again is None:
                raise
            return [_known(session, again, digests[0], partner)]
        for index, out in zip(fresh, created, strict=True):
            results[index] = Received(out, True)
    for index, earlier in repeats:
        results[index] = Received(results[earlier].complaint, False)  # type: ignore[union-attr]
    return results  # type: ignore[return-value]


def _reused(body: ComplaintIntake) -> Problem:
    return ComplaintKeyReused(
        f"complaint {body.external_id!r} on channel {body.channel.value} was received with "
        "another body; send a new external id for a new complaint",
        field="external_id",
    )


def _known(session: Session, complaint: Complaint, digest: str, partner: Principal) -> Received:
    try:
        same = same_or_refused(complaint, digest, partner)
    except Problem as refusal:
        return Received(None, False, refusal)
    caller = session.get(ComplaintCaller, same.id)
    assignee = session.get(User, same.assignee_id) if same.assignee_id else None
    return Received(
        complaint_view(
            same,
            assignee.display_name if assignee else None,
            caller.masked_phone if caller else None,
        ),
        False,
    )


def _write(
    session: Session,
    items: list[tuple[Principal, ComplaintIntake]],
    digests: list[str],
    settings: Settings,
) -> list[ComplaintOut]:
    """Route the new complaints (reads only), then write them: complaints, callers, pushes,
    callbacks and audit events, one statement per table."""
    now = utcnow()
    calendar = rules.working_calendar(settings)
    secret = settings.resolved_secret_key
    senders = {partner.user_id: partner for partner, _ in items}
    scopes = {pid: scope_of(session, p) for pid, p in senders.items()}
    with_callbacks = callbacks.partners_with_callbacks(session, set(senders))
    located = [i for i, (_, body) in enumerate(items) if body.location is not None]
    placed = dict(
        zip(
            located,
            place_points(
                session,
                [
                    (b.location.lng, b.location.lat, b.location.crs)
                    for _, b in (items[i] for i in located)
                ],  # type: ignore[union-attr]
                settings.routing_snap_m,
            ),
            strict=True,
        )
    )
    # For complaints without a usable point, per partner: the townships and villages its
    # address may name, and the partner's own area (read only when such a complaint comes).
    candidates: dict[uuid.UUID, tuple[list, Row | None]] = {}
    complaints: list[tuple[ComplaintDraft, Placement | None]] = []
    for index, ((partner, body), digest) in enumerate(zip(items, digests, strict=True)):
        category = body.category or rules.classify(body.text)
        urgent = rules.is_urgent(category)
        received_at = min(body.received_at, now)  # a partner's clock ahead of ours gains nothing
        complaint = ComplaintDraft(
            id=uuid.uuid4(),
            channel=body.channel.value,
            external_id=body.external_id,
            partner_id=partner.user_id,
            intake_digest=digest,
            kind=body.type.value,
            text=body.text,
            address=body.address,
            category=category.value if category else None,
            urgent=urgent,
            anonymous=body.anonymous,
            received_at=received_at,
            hotline_deadline=body.hotline_deadline,
            state=ComplaintState.RECEIVED.value,
            assignee_id=None,
            dispatched_at=None,
            sign_due_at=None,
            verify_due_at=rules.verify_due(received_at, urgent, settings, calendar),
            reply_due_at=rules.reply_due(received_at, body.hotline_deadline, settings, calendar),
            lng=None, lat=None, location=None, raw_lng=None, raw_lat=None, raw_crs=None,
            version=1,
            escalation=int(Escalation.NONE),
            reminded=False,
            created_at=now,
            updated_at=now,
        )  # fmt: skip
        placement = None
        if index in placed:
            placement = dispatch.apply_placement(complaint, *placed[index], scopes[partner.user_id])
        if placement is None:
            if partner.user_id not in candidates:
                candidates[partner.user_id] = (
                    dispatch.address_candidates(session, scopes[partner.user_id]),
                    session.execute(
                        select(Area.id, Area.path).where(Area.id == partner.scope_area_id)
                    ).one_or_none(),
                )
            dispatch.place_by_address(complaint, *candidates[partner.user_id])
        complaints.append((complaint, placement))
    grids = {p.grid.grid.id: p.grid for _, p in complaints if p is not None and p.grid is not None}
    handlers = workforce.handlers_for(session, grids.values(), now)

    rows, callers, pushes, callback_rows, events, outs = [], [], [], [], [], []
    names: dict[uuid.UUID, str | None] = {}
    triage_staff: dict[str, list[uuid.UUID]] = {}
    for (complaint, placement), (partner, body) in zip(complaints, items, strict=True):
        handler = (
            handlers.get(placement.area_id) if placement is not None and placement.grid else None
        )
        audit_after = {
            "channel": complaint.channel,
            "external_id": complaint.external_id,
            "type": complaint.kind,
            "category": complaint.category,
            "urgent": complaint.urgent,
            "anonymous": complaint.anonymous,
            "area_path": complaint.area_path,
            "route_status": complaint.route_status,
            "intake_digest": complaint.intake_digest,
        }
        events.append(
            audit.Entry(
                partner.actor, "complaint.received", "complaint", complaint.id, after=audit_after
            )
        )
        assignee_id = dispatch.assignee_for(handler)
        if assignee_id is not None:
            events.append(
                dispatch.mark_dispatched(
                    complaint,
                    assignee_id,
                    audit.Actor.system(),
                    now=now,
                    settings=settings,
                    calendar=calendar,
                    reason=handler.kind.value,  # type: ignore[union-attr]
                )
            )
            names[complaint.id] = handler.display_name  # type: ignore[union-attr]
            pushes.append((assignee_id, *dispatch.dispatched_message(complaint)))
            if partner.user_id in with_callbacks:
                callback_rows.append(callbacks.callback_row(complaint, dispatch.HOTLINE_EVENT))
        else:
            if complaint.area_path not in triage_staff:
                triage_staff[complaint.area_path] = dispatch.station_staff_for(
                    session, complaint.area_path
                )
            message = dispatch.triage_message(complaint)
            pushes += [(user_id, *message) for user_id in triage_staff[complaint.area_path]]
            rules.set_stage(complaint)
        rows.append(vars(complaint))
        masked = None
        if body.caller and not body.anonymous and (body.caller.name or body.caller.phone):
            masked = mask_phone(body.caller.phone)
            callers.append(
                {
                    "complaint_id": complaint.id,
                    "sealed_name": security.seal(secret, body.caller.name)
                    if body.caller.name
                    else None,
                    "sealed_phone": security.seal(secret, body.caller.phone)
                    if body.caller.phone
                    else None,
                    "masked_phone": masked,
                    "phone_digest": phone_digest(secret, body.caller.phone)
                    if body.caller.phone
                    else None,
                }
            )
        outs.append(complaint_view(complaint, names.get(complaint.id), masked))

    # Everything above only read; from here the chain's head row is locked until commit.
    dialect.insert_rows(session, Complaint.__table__, rows)
    if callers:
        dialect.insert_rows(session, ComplaintCaller.__table__, callers)
    notify.push_many(session, pushes)
    if callback_rows:
        dialect.insert_rows(session, HotlineCallback.__table__, callback_rows)
    audit.record_many(session, events)
    return outs


# --- Group commit ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Waiting:
    """A signed request's complaint, queued for the writer: its signature matched; the key's
    validity and the nonce are settled in the writer's transaction."""

    key_id: str
    nonce: str
    body: ComplaintIntake
    settings: Settings
    done: Future


def receive_signed(session: Session, waiting: list[Waiting]) -> list[Received]:
    """`receive_many` for signed requests: their keys are checked first, in this transaction,
    so a key revoked a moment ago stores nothing."""
    signed_by = partners.signed_partners(session, {w.key_id for w in waiting})
    valid = [w for w in waiting if w.key_id in signed_by]
    taken = iter(
        receive_many(
            session,
            [(signed_by[w.key_id], w.body) for w in valid],
            waiting[0].settings,
            [(w.key_id, w.nonce) for w in valid],
        )
        if valid
        else []
    )
    return [
        next(taken)
        if w.key_id in signed_by
        else Received(None, False, Unauthenticated(partners.UNKNOWN_KEY))
        for w in waiting
    ]


class IntakeWriter:
    """This process's writer: requests queue their complaint and wait; the writer takes all that
    is queued (up to BATCH) into one transaction. Nothing is kept between batches, so any
    number of processes may run side by side (the database keeps keys unique)."""

    def __init__(self) -> None:
        self._queue: queue.Queue[Waiting] = queue.Queue()
        self._started = False
        self._lock = threading.Lock()
        self._connection: Connection | None = None

    async def submit(
        self, key_id: str, nonce: str, body: ComplaintIntake, settings: Settings
    ) -> tuple[ComplaintOut, bool]:
        self._start()
        waiting = Waiting(key_id, nonce, body, settings, Future())
        self._queue.put(waiting)
        try:
            result: Received = await asyncio.wait_for(
                asyncio.wrap_future(waiting.done), WAIT_SECONDS
            )
        except TimeoutError:
            raise IntakeBusy() from None
        if result.refusal is not None:
            raise result.refusal
        assert result.complaint is not None
        return result.complaint, result.created

    def waiting(self) -> int:
        return self._queue.qsize()

    def _start(self) -> None:
        with self._lock:
            if not self._started:
                threading.Thread(target=self._run, name="complaint-intake", daemon=True).start()
                self._started = True

    def _run(self) -> None:
        while True:
            batch: list[Waiting] = []
            while not batch:
                batch = self._take([self._queue.get()])
            while len(batch) < BATCH:
                try:
                    batch += self._take([self._queue.get_nowait()])
                except queue.Empty:
                    break
            self._write(batch)

    @staticmethod
    def _take(waiting: list[Waiting]) -> list[Waiting]:
        """Those whose request still waits; from here on it will get its answer."""
        return [w for w in waiting if w.done.set_running_or_notify_cancel()]

    @contextmanager
    def _unit_of_work(self) -> Iterator[Session]:
        """A transaction on the writer's own connection, kept from group to group: a pooled
        one is pinged at every checkout, a round trip per group that cost about 7 % of the
        intake rate under load. A connection found broken is dropped; the next group opens
        another (and the failed group is taken again one by one, so it is retried at once)."""
        engine, connection = get_engine(), self._connection
        if connection is None or connection.engine is not engine or connection.invalidated:
            if connection is not None:
                with suppress(Exception):
                    connection.close()
            connection = self._connection = engine.connect()
        session = Session(bind=connection, expire_on_commit=False)
        try:
            yield session
            session.commit()
        except BaseException:
            with suppress(Exception):
                session.rollback()
            if connection.invalidated:
                self._connection = None
            raise
        finally:
            session.close()

    def _receive(self, group: list[Waiting]) -> list[Received]:
        """One transaction for the group; once more on a new connection if the kept one turns
        out to be broken (the database restarted, a proxy dropped it)."""
        try:
            with self._unit_of_work() as session:
                return receive_signed(session, group)
        except DBAPIError as exc:
            if not exc.connection_invalidated:
                raise
        with self._unit_of_work() as session:
            return receive_signed(session, group)

    def _write(self, batch: list[Waiting]) -> None:
        groups = [batch] if len(batch) == 1 else [batch, *([w] for w in batch)]
        for attempt, group in enumerate(groups):
            try:
                results = self._receive(group)
            except Exception as exc:  # noqa: BLE001 - a batch is taken again one by one
                if len(group) == 1:
                    log.exception("complaint intake failed")
                    group[0].done.set_exception(exc)
                continue
            for waiting, result in zip(group, results, strict=True):
                waiting.done.set_result(result)
            if attempt == 0:
                return  # the whole batch went through


class IntakeBusy(Problem):
    status, slug, title = 503, "intake-busy", "Intake is busy"

    def __init__(self) -> None:
        super().__init__(
            f"the complaint was not taken within {WAIT_SECONDS:.0f} s; send it again with the "
            "same external id (a complaint taken meanwhile is answered, not doubled)"
        )
        self.headers["Retry-After"] = "5"


_writer = IntakeWriter()


def queue_depth() -> int:
    """Complaints waiting for this process's writer now (an operator's /metrics): more than a
    batch for long means the database is not keeping up."""
    return _writer.waiting()


async def submit(
    key_id: str, nonce: str, body: ComplaintIntake, settings: Settings
) -> tuple[ComplaintOut, bool]:
    """Take a signed request's complaint through this process's writer (see the module's
    docstring); the request waits without holding a thread."""
    return await _writer.submit(key_id, nonce, body, settings)
