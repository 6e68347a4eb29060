"""Worker jobs that once ran twice when two workers met: each now claims what it works on, so a
second worker arriving while the first is still at it passes by, neither waiting for the first
nor doing the work again.

- Rerouting premises after the areas changed: both workers moved the same premises and each
  recorded the move (two `premises.rerouted` events for one move).
- Expiring abandoned uploads: the second worker's delete waited for the first's commit, then
  found the row gone, and both counted the upload.

PostgreSQL only: SQLite lets one writer in at a time, so there is no second worker to meet.
"""

from __future__ import annotations

import base64
import threading
import uuid
from collections.abc import Callable
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from backend.core.audit import AuditEvent
from backend.core.db import session_scope, utcnow
from backend.core.settings import Settings, get_settings
from grids.premises import service as premises
from offline_sync.models import Upload
from offline_sync.uploads import expire_abandoned_uploads
from tests.world import make_area, premises_body

pytestmark = pytest.mark.postgresql_only

Job = Callable[[Session, Settings], int]


def while_another_runs(job: Job) -> tuple[int, int]:
    """`job` in a first worker's transaction and, while that one is still open, in a second
    worker's; what each returned. The first commits once the second is done (or after 3 s, if
    the second waits for it)."""
    ran, second_done = threading.Event(), threading.Event()
    first: list[int] = []

    def first_worker() -> None:
        with session_scope() as session:
            first.append(job(session, get_settings()))
            ran.set()
            second_done.wait(3)

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert ran.wait(30), "the first worker's job failed"
        with session_scope() as session:
            second = job(session, get_settings())
    finally:
        second_done.set()
        thread.join(30)
    return first[0], second


def test_premises_are_rerouted_once_when_two_workers_see_the_areas_change(
    api, admin, db, grid, other_township
):
    created = api.post(
        "/api/v1/premises", json=premises_body(lng=109.48, lat=24.35), headers=admin.headers(api)
    ).json()
    assert created["area_code"] == other_township.code  # no grid there yet
    village = make_area(
        db, "990101002001", "village", (109.45, 24.30, 109.50, 24.40), other_township
    )
    make_area(db, "990101002001-01", "grid", (109.45, 24.30, 109.50, 24.40), village)

    assert while_another_runs(premises.reroute_if_areas_changed) == (1, 0)
    with db() as session:
        recorded = session.scalar(
            select(func.count()).where(
                AuditEvent.action == "premises.rerouted", AuditEvent.subject_id == created["id"]
            )
        )
        assert recorded == 1
    with db() as session:  # and the next pass finds nothing new
        assert premises.reroute_if_areas_changed(session, get_settings()) == 0


def test_an_abandoned_upload_is_expired_by_one_worker_and_the_other_passes_by(
    api, grid, grid_worker
):
    def b64(text: str) -> str:
        return base64.b64encode(text.encode()).decode()

    metadata = f"photo_id {b64(str(uuid.uuid4()))},sha256 {b64('0' * 64)}"
    created = api.post(
        "/api/v1/uploads/",
        headers={
            **grid_worker.headers(api),
            "Tus-Resumable": "1.0.0",
            "Upload-Length": "1000",
            "Upload-Metadata": metadata,
        },
    )
    assert created.status_code == 201, created.text
    with session_scope() as session:
        session.execute(update(Upload).values(expires_at=utcnow() - timedelta(seconds=1)))

    assert while_another_runs(expire_abandoned_uploads) == (1, 0)
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(Upload)) == 0
