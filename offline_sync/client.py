"""A reference device: a local SQLite store with WatermelonDB's bookkeeping (each record's sync
status and changed columns), and `sync()` doing what WatermelonDB's `synchronize()` does: pull
(every page), apply with column-wise merge of local changes, then push, all or nothing.

Used by the tests and the load test; small enough to read as the protocol's specification from
the device's side.
"""

from __future__ import annotations

import json
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

SYNCED, CREATED, UPDATED, DELETED = "synced", "created", "updated", "deleted"


class SyncConflict(Exception):
    """The server answered 409: pull again, then push."""


@dataclass
class SyncReport:
    pulled: int
    pages: int
    pushed: int
    push_answer: dict[str, Any] | None


class Device:
    def __init__(
        self,
        base_url: str,
        username: str,
        password: str,
        store: Path | str = ":memory:",
        schema_version: int | None = None,
        client: httpx.Client | None = None,
    ) -> None:
        self.http = client or httpx.Client(base_url=base_url, timeout=60)
        self.username, self.password = username, password
        self.schema_version = schema_version
        self.db = sqlite3.connect(str(store), check_same_thread=False)
        self.db.execute(
            "CREATE TABLE IF NOT EXISTS records (tbl TEXT, id TEXT, data TEXT, status TEXT, "
            "changed TEXT, PRIMARY KEY (tbl, id))"
        )
        self.db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        self.token: str | None = None

    # --- local store ---------------------------------------------------------------------------

    @property
    def last_pulled_at(self) -> int | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = 'last_pulled_at'").fetchone()
        return int(row[0]) if row else None

    def _set_last_pulled_at(self, value: int) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO meta (key, value) VALUES ('last_pulled_at', ?)", (str(value),)
        )

    def get(self, table: str, record_id: str) -> dict[str, Any] | None:
        row = self.db.execute(
            "SELECT data FROM records WHERE tbl = ? AND id = ? AND status != ?",
            (table, record_id, DELETED),
        ).fetchone()
        return json.loads(row[0]) if row else None

    def all(self, table: str) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT data FROM records WHERE tbl = ? AND status != ? ORDER BY id", (table, DELETED)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def create(self, table: str, fields: dict[str, Any]) -> str:
        record = {"id": fields.get("id") or str(uuid.uuid4()), **fields}
        self.db.execute(
            "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
            (table, record["id"], json.dumps(record), CREATED, "[]"),
        )
        self.db.commit()
        return record["id"]

    def update(self, table: str, record_id: str, fields: dict[str, Any]) -> None:
        data, status, changed = self._row(table, record_id)
        data.update(fields)
        changed = sorted(set(changed) | set(fields))
        self.db.execute(
            "UPDATE records SET data = ?, status = ?, changed = ? WHERE tbl = ? AND id = ?",
            (
                json.dumps(data),
                CREATED if status == CREATED else UPDATED,
                json.dumps(changed),
                table,
                record_id,
            ),
        )
        self.db.commit()

    def delete(self, table: str, record_id: str) -> None:
        _, status, _ = self._row(table, record_id)
        if status == CREATED:  # never left the device
            self.db.execute("DELETE FROM records WHERE tbl = ? AND id = ?", (table, record_id))
        else:
            self.db.execute(
                "UPDATE records SET status = ? WHERE tbl = ? AND id = ?",
                (DELETED, table, record_id),
            )
        self.db.commit()

    def _row(self, table: str, record_id: str) -> tuple[dict[str, Any], str, list[str]]:
        row = self.db.execute(
            "SELECT data, status, changed FROM records WHERE tbl = ? AND id = ?",
            (table, record_id),
        ).fetchone()
        if row is None:
            raise KeyError(f"{table}/{record_id}")
        return json.loads(row[0]), row[1], json.loads(row[2])

    # --- sync ----------------------------------------------------------------------------------

    def sign_in(self) -> None:
        answer = self.http.post(
            "/api/v1/auth/token", data={"username": self.username, "password": self.password}
        )
        answer.raise_for_status()
        self.token = answer.json()["access_token"]

    @property
    def headers(self) -> dict[str, str]:
        if self.token is None:
            self.sign_in()
        return {"Authorization": f"Bearer {self.token}"}

    def sync(self, page_size: int | None = None) -> SyncReport:
        """Pull every page, then push local changes. Raises SyncConflict on 409 (the caller
        syncs again, as WatermelonDB apps do)."""
        pulled, pages = self.pull(page_size)
        pushed, answer = self.push()
        return SyncReport(pulled, pages, pushed, answer)

    def pull(self, page_size: int | None = None) -> tuple[int, int]:
        pulled = pages = 0
        while True:
            params: dict[str, Any] = {}
            if self.last_pulled_at is not None:
                params["last_pulled_at"] = self.last_pulled_at
            if self.schema_version is not None:
                params["schema_version"] = self.schema_version
            if page_size:
                params["page_size"] = page_size
            answer = self.http.get("/api/v1/sync", params=params, headers=self.headers)
            answer.raise_for_status()
            page = answer.json()
            for table, changes in page["changes"].items():
                for record in changes["created"] + changes["updated"]:
                    self._apply_remote(table, record)
                    pulled += 1
                for record_id in changes["deleted"]:
                    self._apply_remote_deletion(table, record_id)
                    pulled += 1
            self._set_last_pulled_at(page["timestamp"])
            self.db.commit()
            pages += 1
            if not page.get("has_more"):
                return pulled, pages

    def _apply_remote(self, table: str, record: dict[str, Any]) -> None:
        row = self.db.execute(
            "SELECT data, status, changed FROM records WHERE tbl = ? AND id = ?",
            (table, record["id"]),
        ).fetchone()
        if row is None:
            self.db.execute(
                "INSERT INTO records VALUES (?, ?, ?, ?, ?)",
                (table, record["id"], json.dumps(record), SYNCED, "[]"),
            )
            return
        local, status, changed = json.loads(row[0]), row[1], json.loads(row[2])
        if status == DELETED:
            return  # deleted here: the deletion is pushed next, not undone
        if status == SYNCED:
            merged, changed = record, []
        else:  # column-wise merge: what changed here wins, the rest comes from the server
            merged = {**record, **{c: local[c] for c in changed if c in local}}
            status = UPDATED
        self.db.execute(
            "UPDATE records SET data = ?, status = ?, changed = ? WHERE tbl = ? AND id = ?",
            (json.dumps(merged), status, json.dumps(changed), table, record["id"]),
        )

    def _apply_remote_deletion(self, table: str, record_id: str) -> None:
        self.db.execute("DELETE FROM records WHERE tbl = ? AND id = ?", (table, record_id))

    def local_changes(self) -> dict[str, dict[str, list]]:
        changes: dict[str, dict[str, list]] = {}
        rows = self.db.execute(
            "SELECT tbl, id, data, status FROM records WHERE status != ?", (SYNCED,)
        ).fetchall()
        for table, record_id, data, status in rows:
            bucket = changes.setdefault(table, {"created": [], "updated": [], "deleted": []})
            if status == DELETED:
                bucket["deleted"].append(record_id)
            else:
                bucket[status].append(json.loads(data))
        return changes

    def push(self) -> tuple[int, dict[str, Any] | None]:
        changes = self.local_changes()
        if not changes:
            return 0, None
        params = {"last_pulled_at": self.last_pulled_at} if self.last_pulled_at else {}
        answer = self.http.post(
            "/api/v1/sync", params=params, json={"changes": changes}, headers=self.headers
        )
        if answer.status_code == 409:
            raise SyncConflict(answer.json())
        answer.raise_for_status()
        self.db.execute("DELETE FROM records WHERE status = ?", (DELETED,))
        self.db.execute("UPDATE records SET status = ?, changed = '[]'", (SYNCED,))
        self.db.commit()
        count = sum(len(v) for bucket in changes.values() for v in bucket.values())
        return count, answer.json()

    def close(self) -> None:
        self.db.close()
