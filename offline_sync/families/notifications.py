"""The inbox from phones: `notification_reads`, read marks made on the device (offline too),
applied as the inbox's read marks (backend.notify.inbox). The notification then comes back in
the next pull with its `read_at`; the marks themselves are not kept, nor pulled back.

A mark of a notification that is not the user's, or no longer exists, changes nothing: it is
answered as unchanged, like a mark pushed twice, never as a refusal that would block the phone."""

from __future__ import annotations

from typing import Any

from backend.notify import inbox
from offline_sync import fields
from offline_sync.protocol import Entry, Push, TableAdapter


class DeviceReadMark(fields.DeviceRecord):
    id: fields.Uuid
    notification_id: fields.Uuid = None
    read_at: fields.Moment = None


def apply_reads(push: Push, entries: list[Entry]) -> None:
    for where, raw in entries:
        push.problems.check(where, _apply_read, push, raw, where)


def _apply_read(push: Push, raw: dict[str, Any], where: str) -> None:
    mark = fields.read(DeviceReadMark, raw, where)
    if inbox.mark_read_if_mine(
        push.session, push.principal.user_id, mark.notification_id, mark.read_at
    ):
        push.outcome.updated += 1
    else:
        push.outcome.unchanged += 1


# Before photos (always last); a read mark refers to no device record.
ADAPTERS = (TableAdapter("notification_reads", 65, apply_reads),)
