"""Polling phones are told "nothing new" from memory for at most a second, never after this
process's own writes, and never in a way that loses a change: the cursor stays put."""

import os
import subprocess
import sys
import time
import uuid

from offline_sync.client import Device
from offline_sync.quiet import QuietCache, SignedIn
from tests.world import premises_body

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
WORKER = SignedIn(active=True, session_version=1, role="grid_worker")


def test_what_was_read_before_a_write_is_not_kept():
    cache, user = QuietCache(), uuid.uuid4()
    started = cache.generation()
    cache.forget()  # a write commits while the read is under way
    cache.remember(started, user, WORKER, clock=41)
    assert cache.recall(user, ttl=1.0) is None

    cache.remember(cache.generation(), user, WORKER, clock=42)
    assert cache.recall(user, ttl=1.0) == (42, WORKER)
    time.sleep(0.06)
    assert cache.recall(user, ttl=0.05) is None  # too old to trust
    assert cache.recall(user, ttl=0) is None  # switched off


def test_a_write_by_another_process_reaches_a_polling_phone_within_the_second(
    api, live_server, grid, grid_worker, station_staff
):
    created = api.post(
        "/api/v1/premises", json=premises_body(), headers=station_staff.headers(api)
    ).json()
    phone = Device(live_server, grid_worker.username, grid_worker.password)
    phone.sync()
    phone.pull()  # the server now remembers that nothing changed since this cursor
    cursor = phone.last_pulled_at

    rename = (
        "from sqlalchemy import update\n"
        "from backend.core.db import session_scope\n"
        "from grids.premises.models import Premises\n"
        "with session_scope() as s:\n"
        "    s.execute(update(Premises).values(name='改名小吃店'))\n"
    )
    subprocess.run([sys.executable, "-c", rename], check=True, cwd=ROOT, env=os.environ)

    seen_at = None
    started = time.monotonic()
    while time.monotonic() - started < 5:
        answer = api.get("/api/v1/sync", params={"last_pulled_at": cursor}, headers=phone.headers)
        updated = answer.json()["changes"]["premises"]["updated"]
        if updated:
            seen_at = time.monotonic() - started
            break
        assert answer.json()["timestamp"] == cursor  # "nothing new" never moves the cursor on
        time.sleep(0.05)
    assert seen_at is not None and seen_at < 2.5
    assert [(p["id"], p["name"]) for p in updated] == [(created["id"], "改名小吃店")]
    phone.close()
