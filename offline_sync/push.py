"""Push: what a device did offline, applied all or nothing. No web imports.

The protocol's part: which tables a device may write, the records' shape, edits of records
deleted meanwhile, deletions, conflicts, and one 422 naming every bad field. Each device
table's records are applied by its family's adapter (offline_sync.families), table by table in
the registry's order.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from backend.core.errors import InvalidInput
from backend.core.settings import Settings
from backend.identity.service import Principal
from offline_sync import fields
from offline_sync.enums import Owner
from offline_sync.families import REGISTRY
from offline_sync.models import HiddenRecord
from offline_sync.problems import Problems
from offline_sync.protocol import (
    DEVICE_TABLES,
    Push,
    PushConflict,
    PushOutcome,
    require_device_user,
)
from offline_sync.tables import TABLES

KINDS = ("created", "updated", "deleted")


def push(
    session: Session,
    principal: Principal,
    last_pulled_at: int | None,
    changes: dict[str, Any],
    settings: Settings,
) -> PushOutcome:
    """Apply a device's changes in one transaction: any conflict or invalid record refuses the
    whole push and nothing is written (an invalid push names every bad field of every record).
    Tables go in the registry's order (reports first, so an action may follow its report);
    what waits for the push to be kept (photos' processing) runs last."""
    require_device_user(principal)
    since = last_pulled_at or 0
    for name, table_changes in changes.items():
        table = TABLES.get(name)
        if table is None:
            raise InvalidInput(f"there is no sync table {name!r}", field=f"changes.{name}")
        if table.owner is Owner.SERVER and any(table_changes.get(k) for k in KINDS):
            raise InvalidInput(
                f"{name} is read-only on devices; its changes are not accepted",
                field=f"changes.{name}",
            )
    for name in DEVICE_TABLES:  # a list that is not one would stop every later check
        for kind in ("created", "updated"):
            _records(changes.get(name) or {}, kind, name)
    run = Push(
        session,
        principal,
        settings,
        since,
        PushOutcome(),
        Problems(session, changes, DEVICE_TABLES),
    )
    changes = _without_deleted(run, changes)
    for adapter in REGISTRY.in_order():
        table_changes = changes.get(adapter.table) or {}
        entries = [
            (f"changes.{adapter.table}.{kind}[{index}]", raw)
            for kind in ("created", "updated")
            for index, raw in _entries(table_changes, kind)
        ]
        if entries:
            adapter.apply(run, entries)
    for name in DEVICE_TABLES:
        for index, record_id in enumerate((changes.get(name) or {}).get("deleted") or []):
            where = f"changes.{name}.deleted[{index}]"
            run.problems.check(where, _hide, run, name, record_id, where)
    run.problems.raise_any()
    if run.conflicts:
        raise PushConflict(
            f"{len(run.conflicts)} record(s) changed on the server after {since}: "
            "pull, then push again",
            conflicts=run.conflicts,
        )
    for then in run.once_kept:
        then()
    return run.outcome


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


def _without_deleted(run: Push, changes: dict[str, Any]) -> dict[str, Any]:
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
        for table, record_id, seq in run.session.execute(
            select(HiddenRecord.table_name, HiddenRecord.record_id, HiddenRecord.change_seq).where(
                HiddenRecord.user_id == run.principal.user_id
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
                if seq is not None and seq > run.since:
                    run.conflicts.append(str(raw.get("id")))
                elif seq is not None:
                    run.outcome.unchanged += 1
                still.append(raw if seq is None else None)  # set aside, in its place
            kept[name][kind] = still
    return kept


def _canonical_id(value: Any) -> str:
    try:
        return str(uuid.UUID(str(value)))
    except ValueError:
        return str(value)


def _hide(run: Push, table: str, record_id: Any, where: str) -> None:
    """A device-owned record deleted on a phone: hidden from all of that user's devices."""
    rid = fields.uuid_at(record_id, where)
    key = (run.principal.user_id, table, rid)
    if run.session.get(HiddenRecord, key) is None:
        run.session.add(
            HiddenRecord(user_id=run.principal.user_id, table_name=table, record_id=rid)
        )
        run.session.flush()
        run.outcome.hidden += 1
