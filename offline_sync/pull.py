"""Pull: what changed in a device's scope since its cursor, oldest first, in pages. No web
imports.

The cursor is the change clock (backend.core.dialect.CLOCK_TABLE): every write of a synced row
takes the next number, in commit order, by a trigger. A pull reads the clock first and then
rows numbered up to it, so nothing committed later can fall below the cursor it returns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import and_, exists, or_, select
from sqlalchemy.orm import Session

from backend.core import security
from backend.core.audit import AuditChainHead
from backend.core.db import READ_ONLY, get_engine, utcnow
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from backend.notify.models import Notification
from complaints.models import Complaint, ComplaintCaller, ComplaintRelease
from grids.enums import AreaLevel
from grids.models import Area, GridAssignment, GridAssignmentChange
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from hazards import reading as hazards
from hazards.models import Hazard
from notices.enums import NoticeState
from notices.models import Notice, NoticeSignature
from offline_sync import records
from offline_sync.models import DeviceAction, DeviceComplaintAction, DevicePhoto, HiddenRecord
from offline_sync.protocol import DEVICE_ROLES, DEVICE_TABLES, check_schema, require_device_user
from offline_sync.quiet import QUIET, SignedIn
from offline_sync.tables import TABLES
from patrols import campaigns
from patrols.models import Checklist, PatrolTask, TaskRelease, Visit, VisitAnswer, WorkPrompt

DEFAULT_PAGE = 5_000
READ_NOTIFICATIONS_DAYS = 30  # a first sync brings the unread and the read of these last days
MAX_PAGE = 20_000


@dataclass
class Change:
    seq: int
    table: str
    record_id: str
    record: dict[str, Any] | None  # None: deleted


@dataclass
class PullPage:
    changes: dict[str, dict[str, list]]
    timestamp: int
    has_more: bool


def clock_now(session: Session) -> int:
    return int(session.scalar(select(AuditChainHead.change_seq).where(AuditChainHead.id == 1)) or 0)


def quietly_nothing_new(settings: Settings, token: str, last_pulled_at: int | None) -> bool:
    """Whether this process already knows, without the database, that nothing changed since
    the cursor for a caller who is still signed in (offline_sync.quiet). False: ask."""
    if not last_pulled_at:
        return False
    try:
        claims = security.read_access_token(settings.resolved_secret_key, token)
    except security.TokenRejected:
        return False
    known = QUIET.recall(claims.subject, settings.sync_quiet_seconds)
    return known is not None and _quiet(known[1], claims, known[0], last_pulled_at)


def nothing_new(settings: Settings, token: str, last_pulled_at: int | None) -> bool:
    """Whether a phone's pull can be answered "nothing changed" from one statement: the token
    is valid, its user still active and signed in, a device user, and the change clock has not
    moved past the cursor. Phones poll often and mostly find nothing, so this skips the session
    and the scope queries. Any doubt answers False and the full pull decides (and refuses)."""
    if not last_pulled_at:
        return False
    try:
        claims = security.read_access_token(settings.resolved_secret_key, token)
    except security.TokenRejected:
        return False
    generation = QUIET.generation()
    with get_engine().execution_options(**{READ_ONLY: True}).connect() as connection:
        row = connection.execute(
            select(
                User.is_active,
                User.session_version,
                User.role,
                select(AuditChainHead.change_seq)
                .where(AuditChainHead.id == 1)
                .scalar_subquery()
                .label("change_seq"),
            ).where(User.id == claims.subject)
        ).first()
    if row is None:
        return False
    state = SignedIn(row.is_active, row.session_version, row.role)
    QUIET.remember(generation, claims.subject, state, row.change_seq)
    return _quiet(state, claims, row.change_seq, last_pulled_at)


def _quiet(state: SignedIn, claims, clock: int, last_pulled_at: int) -> bool:
    return bool(
        state.active
        and state.session_version == claims.session_version
        and Role(state.role) in DEVICE_ROLES
        and clock <= last_pulled_at
    )


def cursor_for(last_pulled_at: int | None, migration: str | None) -> int | None:
    """Where a pull starts. After an app migration (new tables or columns) the records the
    phone has lack them, so it starts from nothing, as a first sync does."""
    return None if migration not in (None, "", "null") else last_pulled_at


def pull(
    session: Session,
    principal: Principal,
    last_pulled_at: int | None,
    schema_version: int | None,
    page_size: int = DEFAULT_PAGE,
) -> PullPage:
    """Changes in the caller's scope numbered after `last_pulled_at`, oldest first, at most
    `page_size` of them (`has_more` then says to pull again from the returned timestamp)."""
    require_device_user(principal)
    check_schema(schema_version)
    now = clock_now(session)  # first: every row numbered up to it is committed
    since = last_pulled_at or 0
    if since and now <= since:  # nothing at all was written since: one query answers
        return PullPage(empty_changes(), since, False)
    scope = scope_of(session, principal)
    sources = _sources(session, principal, scope)
    changed: set[tuple[Any, bool]] = set()
    if since:  # an incremental pull reads only the tables written to since its cursor
        changed = _written_since(session, principal, [probe for probe, _ in sources], since, now)
        sources = [(probe, read) for probe, read in sources if probe in changed]
    found: list[Change] = []
    for _, source in sources:
        found += source(since, now, page_size + 1)
    found.sort(key=lambda c: c.seq)
    has_more = len(found) > page_size
    timestamp = now
    if has_more:
        timestamp = found[page_size - 1].seq
        found = [c for c in found if c.seq <= timestamp]  # never split one row's projections
    if (GridAssignmentChange, True) in changed:
        found += _scope_moves(session, principal, scope, since, timestamp)
    return PullPage(_as_changes(found), timestamp, has_more)


def _written_since(
    session: Session, principal: Principal, probes: list[tuple[Any, bool]], since: int, until: int
) -> set[tuple[Any, bool]]:
    """Which tables have rows numbered in (since, until], in one statement: a phone's pull
    every few minutes finds most of its seventeen tables untouched, and asking each cost a
    round trip. A probe is (model, whether to look at the caller's own rows only); each looks
    through an index on the change number (or on the user and it)."""
    probes = [*dict.fromkeys([*probes, (GridAssignmentChange, True)])]
    checks = []
    for model, own_rows in probes:
        where = [model.change_seq > since, model.change_seq <= until]
        if own_rows:
            where.append(model.user_id == principal.user_id)
        checks.append(exists().where(*where))
    found = session.execute(select(*checks)).one()
    return {probe for probe, written in zip(probes, found, strict=True) if written}


def empty_changes() -> dict[str, dict[str, list]]:
    return {name: {"created": [], "updated": [], "deleted": []} for name in TABLES}


def _as_changes(found: list[Change]) -> dict[str, dict[str, list]]:
    changes = empty_changes()
    latest: dict[tuple[str, str], Change] = {}
    for change in found:  # a record seen twice (moved into scope and changed) goes once
        latest[(change.table, change.record_id)] = change
    for (table, record_id), change in latest.items():
        if change.record is None:
            changes[table]["deleted"].append(record_id)
        else:
            changes[table]["updated"].append(change.record)  # sendCreatedAsUpdated
    return changes


def _sources(session: Session, principal: Principal, scope: Scope):
    """One reader per table: (since, until, limit) -> changes numbered in (since, until]."""
    me = principal.user_id
    hidden = {
        table: select(HiddenRecord.record_id).where(
            HiddenRecord.user_id == me, HiddenRecord.table_name == table
        )
        for table in DEVICE_TABLES
    }

    def window(column, since, until):
        return and_(column > since, column <= until)

    def stamped(model, table, as_record, *where):
        """A reader of the rows of `model` matching `where`, as changes of `table` (a record
        of None: deleted)."""

        def read(since, until, limit):
            rows = session.scalars(
                select(model)
                .where(*where, window(model.change_seq, since, until))
                .order_by(model.change_seq)
                .limit(limit)
            ).all()
            return [Change(r.change_seq, table, str(r.id), as_record(r)) for r in rows]

        return read

    def hazard_rows(since, until, limit):
        rows = session.scalars(
            select(Hazard)
            .where(
                or_(scope.area_clause_on(Hazard.area_path), Hazard.reporter_id == me),
                window(Hazard.change_seq, since, until),
            )
            .order_by(Hazard.change_seq)
            .limit(limit)
        ).all()
        out = []
        missing = records.missing_photos(session, [h.id for h in rows])
        shown = hazards.visible_among(
            session, principal, [h.possible_duplicate_of_id for h in rows]
        )
        for h in rows:
            out.append(
                Change(
                    h.change_seq,
                    "hazards",
                    str(h.id),
                    records.hazard_record(h, missing.get(h.id, []), shown),
                )
            )
            if h.reporter_id == me:
                out.append(
                    Change(h.change_seq, "hazard_reports", str(h.id), records.report_record(h))
                )
        return out

    def own(model, table, as_record):
        """The caller's own device-owned rows of one table, but those they deleted."""
        return stamped(model, table, as_record, model.user_id == me, model.id.not_in(hidden[table]))

    def deletions(since, until, limit):
        rows = session.execute(
            select(HiddenRecord.table_name, HiddenRecord.record_id, HiddenRecord.change_seq)
            .where(HiddenRecord.user_id == me, window(HiddenRecord.change_seq, since, until))
            .order_by(HiddenRecord.change_seq)
            .limit(limit)
        ).all()
        return [Change(seq, table, str(rid), None) for table, rid, seq in rows]

    def released_tasks(since, until, limit):
        rows = session.execute(
            select(TaskRelease.task_id, TaskRelease.change_seq)
            .where(TaskRelease.user_id == me, window(TaskRelease.change_seq, since, until))
            .order_by(TaskRelease.change_seq)
            .limit(limit)
        ).all()
        return [Change(seq, "patrol_tasks", str(task_id), None) for task_id, seq in rows]

    def reports_not_hidden(since, until, limit):
        # small: what one user deleted on their devices
        hidden_ids = {str(rid) for rid in session.scalars(hidden["hazard_reports"])}
        return [
            c
            for c in hazard_rows(since, until, limit)
            if c.table == "hazards" or c.record_id not in hidden_ids
        ]

    def complaint_rows(since, until, limit):
        rows = session.execute(
            select(Complaint, ComplaintCaller.masked_phone)
            .outerjoin(ComplaintCaller, ComplaintCaller.complaint_id == Complaint.id)
            .where(Complaint.assignee_id == me, window(Complaint.change_seq, since, until))
            .order_by(Complaint.change_seq)
            .limit(limit)
        ).all()
        return [
            Change(c.change_seq, "complaints", str(c.id), records.complaint_record(c, phone))
            for c, phone in rows
        ]

    def released_complaints(since, until, limit):
        rows = session.execute(
            select(ComplaintRelease.complaint_id, ComplaintRelease.change_seq)
            .where(
                ComplaintRelease.user_id == me,
                window(ComplaintRelease.change_seq, since, until),
            )
            .order_by(ComplaintRelease.change_seq)
            .limit(limit)
        ).all()
        return [Change(seq, "complaints", str(cid), None) for cid, seq in rows]

    def notification_rows(since, until, limit):
        """The user's own; a first sync leaves out those read and older than the window."""
        where = [Notification.user_id == me]
        if not since:
            recent = utcnow() - timedelta(days=READ_NOTIFICATIONS_DAYS)
            where.append(or_(Notification.read_at.is_(None), Notification.created_at >= recent))
        return stamped(Notification, "notifications", records.notification_record, *where)(
            since, until, limit
        )

    def notices_to_serve(since, until, limit):
        """Notices of the user's grids; served ones go as deleted, but a first sync leaves
        them out (the phone never had them)."""
        where = [scope.area_clause_on(Notice.area_path)]
        if not since:
            where.append(Notice.state != NoticeState.SERVED.value)
        return stamped(Notice, "notices_to_serve", records.notice_to_serve, *where)(
            since, until, limit
        )

    # Each reader with the table whose change numbers it windows (and whether only the
    # caller's own rows can be its changes), for `_written_since`.
    return [
        (
            (Area, False),
            stamped(
                Area,
                "grids",
                records.grid_record,
                Area.level == AreaLevel.GRID.value,
                scope.area_clause(),
            ),
        ),
        (
            (Premises, False),
            stamped(
                Premises,
                "premises",
                records.premises_or_deleted,
                scope.area_clause_on(Premises.area_path),
            ),
        ),
        ((Hazard, False), reports_not_hidden),
        ((DeviceAction, True), own(DeviceAction, "actions", records.action_record)),
        ((DevicePhoto, True), own(DevicePhoto, "photos", records.photo_record)),
        ((Visit, True), own(Visit, "visits", records.visit_record)),
        ((VisitAnswer, True), own(VisitAnswer, "visit_answers", records.answer_record)),
        ((HiddenRecord, True), deletions),
        ((Checklist, False), stamped(Checklist, "checklists", records.checklist_record)),
        (
            (PatrolTask, False),
            stamped(PatrolTask, "patrol_tasks", records.task_record, PatrolTask.assignee_id == me),
        ),
        (
            (WorkPrompt, False),
            stamped(
                WorkPrompt, "work_prompts", records.prompt_record, campaigns.prompts_clause(scope)
            ),
        ),
        ((TaskRelease, True), released_tasks),
        ((Complaint, False), complaint_rows),
        ((ComplaintRelease, True), released_complaints),
        (
            (DeviceComplaintAction, True),
            own(DeviceComplaintAction, "complaint_actions", records.complaint_action_record),
        ),
        ((Notification, True), notification_rows),
        ((Notice, False), notices_to_serve),
        (
            (NoticeSignature, True),
            own(NoticeSignature, "notice_signatures", records.signature_record),
        ),
    ]


def _scope_moves(
    session: Session, principal: Principal, scope: Scope, since: int, until: int
) -> list[Change]:
    """A grid the user joined since `since` arrives whole, whatever the age of its records;
    one they left arrives as deleted (but for hazards they reported themselves)."""
    moved = set(
        session.scalars(
            select(GridAssignmentChange.area_id).where(
                GridAssignmentChange.user_id == principal.user_id,
                GridAssignmentChange.change_seq > since,
                GridAssignmentChange.change_seq <= until,
            )
        )
    )
    if not moved:
        return []
    mine = set(
        session.scalars(
            select(GridAssignment.area_id).where(GridAssignment.user_id == principal.user_id)
        )
    )
    out: list[Change] = []
    for grid in session.scalars(select(Area).where(Area.id.in_(moved))):
        joined = grid.id in mine and scope.covers(grid)
        in_grid_premises = session.scalars(
            select(Premises).where(Premises.area_path.startswith(grid.path, autoescape=True))
        ).all()
        in_grid_hazards = session.scalars(
            select(Hazard).where(Hazard.area_path.startswith(grid.path, autoescape=True))
        ).all()
        in_grid_notices = session.scalars(
            select(Notice).where(
                Notice.area_path.startswith(grid.path, autoescape=True),
                Notice.state != NoticeState.SERVED.value,
            )
        ).all()
        seq = until  # sorts last: the move wins over older changes of the same records
        if joined:
            out.append(Change(seq, "grids", str(grid.id), records.grid_record(grid)))
            out += [
                Change(seq, "premises", str(p.id), records.premises_or_deleted(p))
                for p in in_grid_premises
            ]
            missing = records.missing_photos(session, [h.id for h in in_grid_hazards])
            shown = hazards.visible_among(
                session, principal, [h.possible_duplicate_of_id for h in in_grid_hazards]
            )
            out += [
                Change(
                    seq,
                    "hazards",
                    str(h.id),
                    records.hazard_record(h, missing.get(h.id, []), shown),
                )
                for h in in_grid_hazards
            ]
            out += [
                Change(seq, "notices_to_serve", str(n.id), records.notice_to_serve(n))
                for n in in_grid_notices
            ]
        else:
            out.append(Change(seq, "grids", str(grid.id), None))
            out += [Change(seq, "premises", str(p.id), None) for p in in_grid_premises]
            out += [
                Change(seq, "hazards", str(h.id), None)
                for h in in_grid_hazards
                if h.reporter_id != principal.user_id
            ]
            out += [Change(seq, "notices_to_serve", str(n.id), None) for n in in_grid_notices]
    return out
