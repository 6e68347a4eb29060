"""The WatermelonDB sync protocol over the domains: pull what changed in a device's scope since
its cursor, push what the device did offline, all or nothing. No web imports.

The cursor is the change clock (backend.core.dialect.CLOCK_TABLE): every write of a synced row
takes the next number, in commit order, by a trigger. A pull reads the clock first and then
rows numbered up to it, so nothing committed later can fall below the cursor it returns.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from backend.core import security
from backend.core.audit import AuditChainHead
from backend.core.db import READ_ONLY, get_engine, utcnow
from backend.core.errors import Conflict, Forbidden, InvalidInput, Problem
from backend.core.settings import Settings
from backend.identity.enums import Role
from backend.identity.models import User
from backend.identity.service import Principal
from complaints import acting as complaint_steps
from complaints import extensions as complaint_extensions
from complaints import reading as complaint_reading
from complaints.models import Complaint, ComplaintCaller, ComplaintRelease
from complaints.schemas import ComplaintActionIn, ExtensionIn
from grids.crs import Crs
from grids.enums import AreaLevel
from grids.models import Area, GridAssignment, GridAssignmentChange
from grids.premises.models import Premises
from grids.scope import Scope, scope_of
from hazards import acting, reading, reporting
from hazards.models import Hazard
from hazards.schemas import ActionIn, HazardReport
from offline_sync import records
from offline_sync.enums import ActionStatus, Owner, PhotoState
from offline_sync.models import DeviceAction, DeviceComplaintAction, DevicePhoto, HiddenRecord
from offline_sync.quiet import QUIET, SignedIn
from offline_sync.tables import SCHEMA_VERSION, TABLES
from patrols import dispatch
from patrols import service as patrols
from patrols.enums import AnswerResult
from patrols.models import (
    Checklist,
    PatrolTask,
    TaskRelease,
    Visit,
    VisitAnswer,
    WorkPrompt,
)

DEVICE_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_LEADER})
DEFAULT_PAGE = 5_000
MAX_PAGE = 20_000


class SchemaMismatch(Conflict):
    slug, title = "sync-schema-mismatch", "The app's database schema does not match the server's"


class PushConflict(Conflict):
    slug, title = "sync-conflict", "Records changed on the server since your last pull"


# --- Pull ---------------------------------------------------------------------------------------


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


def check_schema(schema_version: int | None) -> None:
    if schema_version is not None and schema_version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the app speaks sync schema {schema_version}, the server {SCHEMA_VERSION}: "
            "update the app",
            server_schema_version=SCHEMA_VERSION,
            app_schema_version=schema_version,
        )


def _device_user(principal: Principal) -> None:
    if principal.role not in DEVICE_ROLES:
        raise Forbidden(f"a {principal.role} does not sync a device")


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
    _device_user(principal)
    check_schema(schema_version)
    now = clock_now(session)  # first: every row numbered up to it is committed
    since = last_pulled_at or 0
    if since and now <= since:  # nothing at all was written since: one query answers
        return PullPage(empty_changes(), since, False)
    scope = scope_of(session, principal)
    found: list[Change] = []
    for source in _sources(session, principal, scope):
        found += source(since, now, page_size + 1)
    found.sort(key=lambda c: c.seq)
    has_more = len(found) > page_size
    timestamp = now
    if has_more:
        timestamp = found[page_size - 1].seq
        found = [c for c in found if c.seq <= timestamp]  # never split one row's projections
    if since:
        found += _scope_moves(session, principal, scope, since, timestamp)
    return PullPage(_as_changes(found), timestamp, has_more)


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
        shown = reading.visible_among(
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

    hidden_ids = {
        str(rid) for rid in session.scalars(hidden["hazard_reports"])
    }  # small: what one user deleted on their devices
    return [
        stamped(
            Area,
            "grids",
            records.grid_record,
            Area.level == AreaLevel.GRID.value,
            scope.area_clause(),
        ),
        stamped(
            Premises,
            "premises",
            records.premises_or_deleted,
            scope.area_clause_on(Premises.area_path),
        ),
        reports_not_hidden,
        own(DeviceAction, "actions", records.action_record),
        own(DevicePhoto, "photos", records.photo_record),
        own(Visit, "visits", records.visit_record),
        own(VisitAnswer, "visit_answers", records.answer_record),
        deletions,
        stamped(Checklist, "checklists", records.checklist_record),
        stamped(PatrolTask, "patrol_tasks", records.task_record, PatrolTask.assignee_id == me),
        stamped(WorkPrompt, "work_prompts", records.prompt_record, dispatch.prompts_clause(scope)),
        released_tasks,
        complaint_rows,
        released_complaints,
        own(DeviceComplaintAction, "complaint_actions", records.complaint_action_record),
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
        seq = until  # sorts last: the move wins over older changes of the same records
        if joined:
            out.append(Change(seq, "grids", str(grid.id), records.grid_record(grid)))
            out += [
                Change(seq, "premises", str(p.id), records.premises_or_deleted(p))
                for p in in_grid_premises
            ]
            missing = records.missing_photos(session, [h.id for h in in_grid_hazards])
            shown = reading.visible_among(
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
        else:
            out.append(Change(seq, "grids", str(grid.id), None))
            out += [Change(seq, "premises", str(p.id), None) for p in in_grid_premises]
            out += [
                Change(seq, "hazards", str(h.id), None)
                for h in in_grid_hazards
                if h.reporter_id != principal.user_id
            ]
    return out


# --- Push ----------------------------------------------------------------------------------------


@dataclass
class PushOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    hidden: int = 0
    refused_actions: list[str] = field(default_factory=list)
    refused_changes: list[str] = field(default_factory=list)


class Problems:
    """Every bad field of every record in a push, gathered so that one 422 names them all: a
    phone (and the worker holding it) learns in one answer what it must fix or drop. The push
    goes on past a bad record only to find the others; nothing is kept when any is found."""

    def __init__(self, session: Session, changes: dict[str, Any]) -> None:
        self.session = session
        self.errors: list[dict[str, Any]] = []
        self._ids = {  # each record's path, to name its id next to the field
            f"changes.{name}.{kind}[{index}]": raw.get("id")
            for name in DEVICE_TABLES
            for kind in ("created", "updated")
            for index, raw in enumerate((changes.get(name) or {}).get(kind) or [])
        }
        for name in DEVICE_TABLES:
            for index, record_id in enumerate((changes.get(name) or {}).get("deleted") or []):
                self._ids[f"changes.{name}.deleted[{index}]"] = record_id

    def check(self, where: str, step, *args, **kwargs):
        """Run one record's step in a savepoint; an invalid input is noted (and None returned)
        instead of ending the push, and what the step had begun to write is undone, so the
        next record meets a clean session. Conflicts (409) and failures end the push at once."""
        try:
            with self.session.begin_nested():
                return step(*args, **kwargs)
        except InvalidInput as exc:
            self.note(where, exc)
            return None

    def parse(self, where: str, step, *args):
        """`check` for a step that reads a record and writes nothing (no savepoint needed)."""
        try:
            return step(*args)
        except InvalidInput as exc:
            self.note(where, exc)
            return None

    def note(self, where: str, exc: InvalidInput) -> None:
        found = exc.extensions.get("errors") or [{"field": where, "message": exc.detail}]
        for error in found:
            name = str(error.get("field") or "")
            path = name if name.startswith("changes.") else f"{where}.{name}" if name else where
            record = path.partition("]")[0] + "]"
            self.errors.append(
                {
                    **_record_of(path),
                    "id": self._ids.get(record),
                    "field": path,
                    "message": error["message"],
                }
            )

    def raise_any(self) -> None:
        if self.errors:
            shown = "; ".join(f"{e['field']}: {e['message']}" for e in self.errors[:5])
            more = f" (and {len(self.errors) - 5} more)" if len(self.errors) > 5 else ""
            raise InvalidInput(
                f"{len(self.errors)} field(s) in this push are not valid, nothing was stored: "
                f"{shown}{more}",
                errors=self.errors,
            )


def _record_of(path: str) -> dict[str, Any]:
    """The table and the record's position named by a path `changes.<table>.<kind>[i]...`."""
    parts = path.split(".")
    if len(parts) < 3 or parts[0] != "changes" or "[" not in parts[2]:
        return {"table": parts[1] if len(parts) > 1 else None}
    kind, _, index = parts[2].partition("[")
    return {"table": parts[1], "kind": kind, "index": int(index.rstrip("]") or 0)}


def push(
    session: Session,
    principal: Principal,
    last_pulled_at: int | None,
    changes: dict[str, Any],
    settings: Settings,
) -> PushOutcome:
    """Apply a device's changes in one transaction: any conflict or invalid record refuses the
    whole push and nothing is written (an invalid push names every bad field of every record).
    Reports go first, so an action may follow its report; photos are processed last, once the
    push is known to be kept."""
    _device_user(principal)
    since = last_pulled_at or 0
    outcome = PushOutcome()
    for name, table_changes in changes.items():
        table = TABLES.get(name)
        if table is None:
            raise InvalidInput(f"there is no sync table {name!r}", field=f"changes.{name}")
        if table.owner is Owner.SERVER and any(table_changes.get(k) for k in _KINDS):
            raise InvalidInput(
                f"{name} is read-only on devices; its changes are not accepted",
                field=f"changes.{name}",
            )
    for name in DEVICE_TABLES:  # a list that is not one would stop every later check
        for kind in ("created", "updated"):
            _records(changes.get(name) or {}, kind, name)
    problems = Problems(session, changes)
    conflicts: list[str] = []
    changes = _without_deleted(session, principal, changes, since, conflicts, outcome)
    reports = changes.get("hazard_reports") or {}
    pushed = []
    for kind in ("created", "updated"):
        for index, raw in _entries(reports, kind):
            where = f"changes.hazard_reports.{kind}[{index}]"
            body = problems.parse(where, _report_body, raw, where)
            if body is not None:
                pushed.append((where, body, raw))
    ids = [body.id for _, body, _ in pushed]
    known = set(session.scalars(select(Hazard.id).where(Hazard.id.in_(ids)))) if ids else set()
    fresh, labels, first_seen, later = [], [], set(), []
    for where, body, raw in pushed:
        if body.id in known or body.id in first_seen:
            later.append((where, raw))  # an existing record, or the same id again
        else:
            fresh.append(body)
            labels.append(where)
            first_seen.add(body.id)
    problems.check(  # one batch; its errors are labelled with each report's path already
        "changes.hazard_reports",
        reporting.report_many,
        session,
        principal,
        fresh,
        settings,
        known_new=True,
        labels=labels,
    )
    outcome.created += len(fresh)
    for where, raw in later:
        problems.check(
            where, _push_report, session, principal, raw, since, settings, outcome, conflicts, where
        )
    _push_patrols(session, principal, changes, settings, outcome, problems)
    actions = changes.get("actions") or {}
    pushed_actions = [
        (f"changes.actions.{kind}[{index}]", raw)
        for kind in ("created", "updated")
        for index, raw in _entries(actions, kind)
    ]
    pushed_actions.sort(key=lambda item: _sort_time(item[1].get("acted_at")))
    for where, raw in pushed_actions:
        problems.check(where, _push_action, session, principal, raw, settings, outcome, where)
    complaint_actions = changes.get("complaint_actions") or {}
    pushed_steps = [
        (f"changes.complaint_actions.{kind}[{index}]", raw)
        for kind in ("created", "updated")
        for index, raw in _entries(complaint_actions, kind)
    ]
    pushed_steps.sort(key=lambda item: _sort_time(item[1].get("acted_at")))
    for where, raw in pushed_steps:
        problems.check(
            where, _push_complaint_step, session, principal, raw, settings, outcome, where
        )
    photos = changes.get("photos") or {}
    declared: list[uuid.UUID] = []
    for kind in ("created", "updated"):
        for index, raw in _entries(photos, kind):
            where = f"changes.photos.{kind}[{index}]"
            photo_id = problems.check(
                where, _push_photo, session, principal, raw, settings, outcome, where
            )
            if photo_id is not None:
                declared.append(photo_id)
    for name in DEVICE_TABLES:
        for index, record_id in enumerate((changes.get(name) or {}).get("deleted") or []):
            where = f"changes.{name}.deleted[{index}]"
            problems.check(where, _hide, session, principal, name, record_id, outcome, where)
    problems.raise_any()
    if conflicts:
        raise PushConflict(
            f"{len(conflicts)} record(s) changed on the server after {since}: pull, then push again",
            conflicts=conflicts,
        )
    _deliver_photos(session, declared, settings)
    return outcome


_KINDS = ("created", "updated", "deleted")
DEVICE_TABLES = tuple(t.name for t in TABLES.values() if t.owner is Owner.DEVICE)


def _sort_time(value: Any) -> float:
    """The order actions were taken on the phone; a missing or odd time sorts first (the
    record itself is checked when applied)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0


def _entries(table_changes: dict[str, Any], kind: str) -> list[tuple[int, dict[str, Any]]]:
    """(position in the push, record) of one table's checked records, but those set aside
    (None: an edit of a record deleted before, `_without_deleted`); positions stay the
    phone's, so that an error names the record the phone sent."""
    return [(i, raw) for i, raw in enumerate(table_changes.get(kind) or []) if raw is not None]


def _records(table_changes: dict[str, Any], kind: str, name: str) -> list[dict[str, Any]]:
    records = table_changes.get(kind) or []
    if not isinstance(records, list) or not all(
        isinstance(r, dict) and r.get("id") for r in records
    ):
        raise InvalidInput(
            f"changes.{name}.{kind} must be a list of records with ids",
            field=f"changes.{name}.{kind}",
        )
    return records


def _uuid(value: Any, where: str) -> uuid.UUID:
    try:
        return uuid.UUID(str(value))
    except ValueError as exc:
        raise InvalidInput(f"{where} is not a uuid", field=where) from exc


def _report_body(raw: dict[str, Any], where: str) -> HazardReport:
    fields = {
        "id": raw.get("id"),
        "category": raw.get("category"),
        "severity": raw.get("severity") or "ordinary",
        "source": raw.get("source") or "patrol",
        "description": raw.get("description"),
        "lng": raw.get("lng"),
        "lat": raw.get("lat"),
        "crs": raw.get("crs") or "wgs84",
        "premises_id": raw.get("premises_id") or None,
    }
    errors = []
    try:
        fields["device_time"] = records.from_ms(raw.get("device_time"), f"{where}.device_time")
    except InvalidInput as exc:
        errors += exc.extensions["errors"]
    try:
        body = HazardReport.model_validate(fields)
    except ValidationError as exc:
        errors += [
            {"field": f"{where}.{'.'.join(str(p) for p in e['loc'])}", "message": e["msg"]}
            for e in exc.errors()
        ]
    if errors:
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
    return body


def _without_deleted(
    session: Session,
    principal: Principal,
    changes: dict[str, Any],
    since: int,
    conflicts: list[str],
    outcome: PushOutcome,
) -> dict[str, Any]:
    """Edits of records the user deleted (on this phone or another): one deleted after the
    phone's last pull is a conflict (the phone pulls the deletion, then pushes again); one
    deleted before it, which the phone has been told of, is not brought back (left unchanged).
    One query for the push: what a user deletes on their phones is few rows."""
    edited = {
        (name, str(raw.get("id")))
        for name in DEVICE_TABLES
        for kind in ("created", "updated")
        for raw in (changes.get(name) or {}).get(kind) or []
    }
    if not edited:
        return changes
    gone = {
        (table, str(record_id)): seq
        for table, record_id, seq in session.execute(
            select(HiddenRecord.table_name, HiddenRecord.record_id, HiddenRecord.change_seq).where(
                HiddenRecord.user_id == principal.user_id
            )
        )
    }
    if not gone:
        return changes
    kept: dict[str, Any] = {}
    for name, table_changes in changes.items():
        if name not in DEVICE_TABLES:
            kept[name] = table_changes
            continue
        kept[name] = dict(table_changes)
        for kind in ("created", "updated"):
            still: list[dict[str, Any] | None] = []
            for raw in table_changes.get(kind) or []:
                seq = gone.get((name, _canonical_id(raw.get("id"))))
                if seq is not None and seq > since:
                    conflicts.append(str(raw.get("id")))
                elif seq is not None:
                    outcome.unchanged += 1
                still.append(raw if seq is None else None)  # set aside, in its place
            kept[name][kind] = still
    return kept


def _canonical_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _push_report(
    session: Session,
    principal: Principal,
    raw: dict[str, Any],
    since: int,
    settings: Settings,
    outcome: PushOutcome,
    conflicts: list[str],
    where: str,
) -> None:
    body = _report_body(raw, where)
    existing = session.get(Hazard, body.id)
    if existing is None:
        reporting.report(session, principal, body, settings)
        outcome.created += 1
        return
    if existing.reporter_id != principal.user_id:
        raise Conflict(f"{where}: id {body.id} belongs to another record", field=f"{where}.id")
    if records.report_record(existing) == {**records.report_record(existing), **_comparable(body)}:
        outcome.unchanged += 1  # the same content again (a replayed push): nothing to do
        return
    if existing.change_seq > since:
        conflicts.append(str(existing.id))
        return
    revision = reporting.revise_report(session, principal, existing, body, settings)
    if revision.refused:  # kept with its reason; the server's copy goes back to the phone
        outcome.refused_changes.append(str(existing.id))
    elif revision.changed:
        outcome.updated += 1
    else:
        outcome.unchanged += 1


def _comparable(body: HazardReport) -> dict[str, Any]:
    return {
        "category": body.category.value,
        "severity": body.severity.value,
        "source": body.source.value,
        "description": body.description,
        "lng": body.lng,
        "lat": body.lat,
        "crs": body.crs.value,
        "premises_id": str(body.premises_id) if body.premises_id else None,
        "device_time": records.ms(body.device_time),
    }


def _push_action(
    session: Session,
    principal: Principal,
    raw: dict[str, Any],
    settings: Settings,
    outcome: PushOutcome,
    where: str,
) -> None:
    """An action is applied once, through the hazard lifecycle; a refusal is kept with its
    reason (the device pulls it back) instead of failing the push."""
    action_id = _uuid(raw["id"], f"{where}.id")
    if session.get(DeviceAction, action_id) is not None:
        outcome.unchanged += 1  # actions are immutable: a re-push changes nothing
        return
    hazard_id = _uuid(raw.get("hazard_id"), f"{where}.hazard_id")
    payload = {
        k: raw.get(k)
        for k in ("note", "deadline_working_days", "duplicate_of", "version")
        if raw.get(k) not in (None, "")
    }
    record = DeviceAction(
        id=action_id,
        user_id=principal.user_id,
        hazard_id=hazard_id,
        action=str(raw.get("action") or "")[:32],
        payload=payload,
        status=ActionStatus.REFUSED.value,
        device_created_at=records.from_ms(raw.get("acted_at"), f"{where}.acted_at"),
        received_at=utcnow(),
    )
    try:
        body = ActionIn.model_validate({"action": raw.get("action"), **payload})
        with session.begin_nested():
            result = acting.act(session, principal, hazard_id, body, settings)
        record.status = (
            ActionStatus.AWAITING_APPROVAL if result.pending else ActionStatus.APPLIED
        ).value
    except (ValidationError, Problem) as exc:
        record.reason = _refusal(exc)
    _keep_step(session, record, outcome)


def _refusal(exc: ValidationError | Problem) -> str:
    """Why the server refused a step, as the device shows it."""
    if isinstance(exc, ValidationError):
        return "; ".join(f"{'.'.join(str(p) for p in e['loc'])}: {e['msg']}" for e in exc.errors())
    return f"{exc.title}: {exc.detail}"


def _keep_step(session: Session, record: Any, outcome: PushOutcome) -> None:
    """A step is kept whatever became of it; a refused one is named in the push's answer."""
    if record.status == ActionStatus.REFUSED.value:
        outcome.refused_actions.append(str(record.id))
    session.add(record)
    session.flush()
    outcome.created += 1


def _push_complaint_step(
    session: Session,
    principal: Principal,
    raw: dict[str, Any],
    settings: Settings,
    outcome: PushOutcome,
    where: str,
) -> None:
    """A complaint step taken on the phone, applied once through the complaint lifecycle; a
    refusal is kept with its reason (pulled back) instead of failing the push."""
    action_id = _uuid(raw["id"], f"{where}.id")
    if session.get(DeviceComplaintAction, action_id) is not None:
        outcome.unchanged += 1  # steps are immutable: a re-push changes nothing
        return
    complaint_id = _uuid(raw.get("complaint_id"), f"{where}.complaint_id")
    payload = {
        k: raw.get(k) for k in records.COMPLAINT_ACTION_FIELDS if raw.get(k) not in (None, "")
    }
    action = str(raw.get("action") or "")[:32]
    record = DeviceComplaintAction(
        id=action_id,
        user_id=principal.user_id,
        complaint_id=complaint_id,
        action=action,
        payload=payload,
        status=ActionStatus.REFUSED.value,
        device_created_at=records.from_ms(raw.get("acted_at"), f"{where}.acted_at"),
        received_at=utcnow(),
    )
    try:
        with session.begin_nested():
            if action == "request_extension":
                asked = ExtensionIn.model_validate(
                    {"working_days": payload.get("working_days"), "reason": payload.get("note")}
                )
                complaint_extensions.request_extension(
                    session, principal, complaint_id, asked.working_days, asked.reason
                )
            else:
                fields = {
                    k: v
                    for k, v in payload.items()
                    if k not in ("lng", "lat", "crs", "working_days")
                }
                if "lng" in payload and "lat" in payload:
                    fields["location"] = {
                        "lng": payload["lng"],
                        "lat": payload["lat"],
                        "crs": payload.get("crs") or "wgs84",
                    }
                body = ComplaintActionIn.model_validate({"action": action, **fields})
                complaint_steps.act(session, principal, complaint_id, body, settings)
        record.status = ActionStatus.APPLIED.value
    except (ValidationError, Problem) as exc:
        record.reason = _refusal(exc)
    _keep_step(session, record, outcome)


def _push_photo(
    session: Session,
    principal: Principal,
    raw: dict[str, Any],
    settings: Settings,
    outcome: PushOutcome,
    where: str,
) -> uuid.UUID | None:
    """A photo's record: what to expect from the upload. Returns its id when it is new (its
    bytes, if already uploaded, are processed once the push is kept: `_deliver_photos`)."""
    from offline_sync import uploads  # the upload side needs this module too

    photo_id = _uuid(raw["id"], f"{where}.id")
    existing = session.get(DevicePhoto, photo_id)
    if existing is not None:
        if existing.user_id != principal.user_id:
            raise Conflict(f"{where}: id {photo_id} belongs to another record", field=f"{where}.id")
        outcome.unchanged += 1  # a photo's record does not change; the server fills its state
        return None
    errors = []
    sha256 = str(raw.get("sha256") or "").lower()
    if not uploads.SHA256_HEX.match(sha256):
        errors.append({"field": f"{where}.sha256", "message": "must be 64 hex digits"})
    kind = raw.get("kind") or "before"
    if kind not in ("before", "after"):
        errors.append({"field": f"{where}.kind", "message": "must be before or after"})
    size = raw.get("size")
    if (
        isinstance(size, bool)
        or not isinstance(size, int | float)
        or not 0 < size <= settings.photo_max_bytes
    ):
        errors.append(
            {"field": f"{where}.size", "message": f"must be 1 to {settings.photo_max_bytes} bytes"}
        )
    hazard_id = complaint_id = None
    try:
        if raw.get("complaint_id") and not raw.get("hazard_id"):
            complaint_id = _uuid(raw.get("complaint_id"), f"{where}.complaint_id")
        else:
            hazard_id = _uuid(raw.get("hazard_id"), f"{where}.hazard_id")
    except InvalidInput as exc:
        errors += exc.extensions["errors"]
    try:
        taken_at = records.from_ms(raw.get("taken_at"), f"{where}.taken_at")
    except InvalidInput as exc:
        errors += exc.extensions["errors"]
    if errors:
        raise InvalidInput(
            "; ".join(f"{e['field']}: {e['message']}" for e in errors), errors=errors
        )
    photo = DevicePhoto(
        id=photo_id,
        user_id=principal.user_id,
        hazard_id=hazard_id,
        complaint_id=complaint_id,
        kind=kind,
        sha256=sha256,
        size=int(size),
        taken_at=taken_at,
        state=PhotoState.PENDING.value,
    )
    if complaint_id is not None:
        try:
            complaint_reading.get_visible(session, principal, complaint_id)
        except Problem:
            photo.state, photo.reason = (
                PhotoState.REFUSED.value,
                f"no complaint {complaint_id} assigned to you",
            )
    elif reading.get_visible_or_none(session, principal, hazard_id) is None:
        photo.state, photo.reason = (
            PhotoState.REFUSED.value,
            f"no hazard {hazard_id} visible to you",
        )
    session.add(photo)
    session.flush()
    outcome.created += 1
    return photo_id


def _deliver_photos(session: Session, photo_ids: list[uuid.UUID], settings: Settings) -> None:
    """Photos whose bytes came before their record: processed now that the push is kept (the
    pipeline's files must not outlive a push that was refused)."""
    from offline_sync import uploads

    for photo_id in photo_ids:
        uploads.deliver(session, photo_id, settings)


def _hide(
    session: Session,
    principal: Principal,
    table: str,
    record_id: Any,
    outcome: PushOutcome,
    where: str,
) -> None:
    rid = _uuid(record_id, where)
    key = (principal.user_id, table, rid)
    if session.get(HiddenRecord, key) is None:
        session.add(HiddenRecord(user_id=principal.user_id, table_name=table, record_id=rid))
        session.flush()
        outcome.hidden += 1


# --- Patrol visits, answers and track points ---------------------------------------------------------


def _push_patrols(
    session: Session,
    principal: Principal,
    changes: dict[str, Any],
    settings: Settings,
    outcome: PushOutcome,
    problems: Problems,
) -> None:
    """Visits first, then their answers (a failed item reports its hazard, so photos pushed
    with it find the hazard), then track points in one insert."""

    def visit(raw, where):
        _, created = patrols.record_visit(session, principal, settings, _visit(raw, where))
        outcome.created += created
        outcome.updated += not created

    def answer(raw, where):
        _, created = patrols.record_answer(session, principal, settings, _answer(raw, where))
        outcome.created += created
        outcome.updated += not created

    for kind in ("created", "updated"):
        for index, raw in _entries(changes.get("visits") or {}, kind):
            where = f"changes.visits.{kind}[{index}]"
            problems.check(where, visit, raw, where)
    for kind in ("created", "updated"):
        for index, raw in _entries(changes.get("visit_answers") or {}, kind):
            where = f"changes.visit_answers.{kind}[{index}]"
            problems.check(where, answer, raw, where)
    points = [
        point
        for kind in ("created", "updated")
        for index, raw in _entries(changes.get("track_points") or {}, kind)
        for where in [f"changes.track_points.{kind}[{index}]"]
        for point in [problems.parse(where, _track_point, raw, where)]
        if point is not None
    ]
    added = patrols.record_track(session, principal, points) if points else 0
    outcome.created += added
    outcome.unchanged += len(points) - added


def _crs(value: Any, where: str) -> Crs:
    try:
        return Crs(value or "wgs84")
    except ValueError as exc:
        raise InvalidInput(
            f"{where}.crs must be one of {', '.join(c.value for c in Crs)}", field=f"{where}.crs"
        ) from exc


def _number(raw: dict[str, Any], name: str, where: str, low: float, high: float) -> float | None:
    value = raw.get(name)
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise InvalidInput(
            f"{where}.{name} must be a number from {low} to {high}", field=f"{where}.{name}"
        )
    return float(value)


def _required_time(raw: dict[str, Any], name: str, where: str):
    moment = records.from_ms(raw.get(name), f"{where}.{name}")
    if moment is None:
        raise InvalidInput(f"{where}.{name} is required (milliseconds)", field=f"{where}.{name}")
    return moment


def _optional_uuid(raw: dict[str, Any], name: str, where: str) -> uuid.UUID | None:
    return _uuid(raw[name], f"{where}.{name}") if raw.get(name) else None


def _visit(raw: dict[str, Any], where: str) -> patrols.VisitRecord:
    return patrols.VisitRecord(
        id=_uuid(raw["id"], f"{where}.id"),
        task_id=_optional_uuid(raw, "task_id", where),
        premises_id=_optional_uuid(raw, "premises_id", where),
        checked_in_at=_required_time(raw, "checked_in_at", where),
        check_in=patrols.CheckIn(
            lng=_number(raw, "lng", where, -180, 180),
            lat=_number(raw, "lat", where, -90, 90),
            crs=_crs(raw.get("crs"), where),
            accuracy_m=_number(raw, "accuracy_m", where, 0, 100_000),
        ),
        checked_out_at=records.from_ms(raw.get("checked_out_at"), f"{where}.checked_out_at"),
    )


def _answer(raw: dict[str, Any], where: str) -> patrols.AnswerRecord:
    try:
        result = AnswerResult(raw.get("result"))
    except ValueError as exc:
        raise InvalidInput(
            f"{where}.result must be pass, fail or na", field=f"{where}.result"
        ) from exc
    key = raw.get("item_key")
    if not isinstance(key, str) or not key:
        raise InvalidInput(f"{where}.item_key is required", field=f"{where}.item_key")
    note = raw.get("note") or ""
    if not isinstance(note, str) or len(note) > 2000:
        raise InvalidInput(
            f"{where}.note must be text of at most 2000 characters", field=f"{where}.note"
        )
    return patrols.AnswerRecord(
        id=_uuid(raw["id"], f"{where}.id"),
        visit_id=_uuid(raw.get("visit_id"), f"{where}.visit_id"),
        item_key=key,
        result=result,
        note=note.strip(),
        answered_at=records.from_ms(raw.get("answered_at"), f"{where}.answered_at"),
    )


def _track_point(raw: dict[str, Any], where: str) -> patrols.TrackRecord:
    lng, lat = _number(raw, "lng", where, -180, 180), _number(raw, "lat", where, -90, 90)
    if lng is None or lat is None:
        raise InvalidInput(f"{where}: a track point needs lng and lat", field=f"{where}.lng")
    return patrols.TrackRecord(
        id=_uuid(raw["id"], f"{where}.id"),
        visit_id=_optional_uuid(raw, "visit_id", where),
        recorded_at=_required_time(raw, "recorded_at", where),
        lng=lng,
        lat=lat,
        crs=_crs(raw.get("crs"), where),
        accuracy_m=_number(raw, "accuracy_m", where, 0, 100_000),
    )
