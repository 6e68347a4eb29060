"""What pull and push share, and what a table family plugs into: who syncs, the schema check,
a push's running state and outcome, and the registry of device tables' adapters.

The protocol (pull.py, push.py) knows nothing of any domain's records; each family of device
tables (offline_sync/families/) reads its tables' records and applies them through its
domain's service. Adding a family is one module and one line in `families/__init__.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from backend.core.errors import Conflict, Forbidden
from backend.core.settings import Settings
from backend.identity.permissions import Permission, roles_with
from backend.identity.service import Principal
from offline_sync.enums import Owner
from offline_sync.problems import Problems
from offline_sync.tables import SCHEMA_VERSION, TABLES

DEVICE_ROLES = roles_with(Permission.WORK_IN_THE_FIELD)
DEVICE_TABLES = tuple(t.name for t in TABLES.values() if t.owner is Owner.DEVICE)


class SchemaMismatch(Conflict):
    slug, title = "sync-schema-mismatch", "The app's database schema does not match the server's"


class PushConflict(Conflict):
    slug, title = "sync-conflict", "Records changed on the server since your last pull"


def check_schema(schema_version: int | None) -> None:
    if schema_version is not None and schema_version != SCHEMA_VERSION:
        raise SchemaMismatch(
            f"the app speaks sync schema {schema_version}, the server {SCHEMA_VERSION}: "
            "update the app",
            server_schema_version=SCHEMA_VERSION,
            app_schema_version=schema_version,
        )


def require_device_user(principal: Principal) -> None:
    if principal.role not in DEVICE_ROLES:
        raise Forbidden(f"a {principal.role} does not sync a device")


@dataclass
class PushOutcome:
    """The push's answer, as the phone reads it (`vars()` of it is the JSON)."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    hidden: int = 0
    refused_actions: list[str] = field(default_factory=list)
    refused_changes: list[str] = field(default_factory=list)


@dataclass
class Push:
    """One push under way: what an adapter needs to apply its table's records. `conflicts`
    gathers the ids changed on the server after `since` (409 once every record is seen);
    `once_kept` what must wait until the push is known to be kept (nothing may outlive a
    refused push: photos' files)."""

    session: Session
    principal: Principal
    settings: Settings
    since: int
    outcome: PushOutcome
    problems: Problems
    conflicts: list[str] = field(default_factory=list)
    once_kept: list[Callable[[], None]] = field(default_factory=list)


# (path of the record in the push, e.g. "changes.visits.created[0]"; the record as sent)
Entry = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class TableAdapter:
    """How one device table's created and updated records are applied. `order`: tables are
    applied in increasing order, so that a record finds what it refers to (an action its
    report, an answer its visit, a photo its hazard) in the same push."""

    table: str
    order: int
    apply: Callable[[Push, list[Entry]], None]


class Registry:
    """The device tables' adapters, one per table; the push consults it."""

    def __init__(self, *adapters: TableAdapter) -> None:
        self._by_table: dict[str, TableAdapter] = {}
        for adapter in adapters:
            if adapter.table in self._by_table:
                raise ValueError(f"two adapters for the sync table {adapter.table!r}")
            self._by_table[adapter.table] = adapter
        missing = set(DEVICE_TABLES) - set(self._by_table)
        unknown = set(self._by_table) - set(DEVICE_TABLES)
        if missing or unknown:
            raise ValueError(
                f"device tables without an adapter: {sorted(missing)}; "
                f"adapters for no device table: {sorted(unknown)}"
            )

    def in_order(self) -> list[TableAdapter]:
        return sorted(self._by_table.values(), key=lambda a: a.order)

    def tables(self) -> tuple[str, ...]:
        return tuple(self._by_table)


def sort_time(value: Any) -> float:
    """The order steps were taken on the phone; a missing or odd time sorts first (the
    record itself is checked when applied)."""
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else 0.0
