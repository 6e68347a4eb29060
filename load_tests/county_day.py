"""A county's day, compressed (issue 21): grid workers' phones syncing on their 5-minute cycle
with patrol visits and hazard photos, the 96119 hotline forwarding complaints, citizens
reporting, township station staff working in the console, and `firegrid worker` running
beside (the benchmark starts it). `benchmarks/county_day.py` runs it in steps of users
(`make bench B=county_day`); by hand, against the demo:

    FIREGRID_LOAD_LOGINS="$(.venv/bin/python load_tests/demo_logins.py 48)" \\
    FIREGRID_LOAD_HOTLINE='{"key_id": "...", "secret": "..."}' \\
        .venv/bin/locust -f load_tests/county_day.py --headless -u 60 -r 10 -t 60s \\
        --host http://127.0.0.1:8000

(the key and secret are the demo's `hotline.96119 key_id` and `secret` in demo-logins.json;
FIREGRID_LOAD_POINTS, [[lng, lat], ...] inside served grids, keeps citizens' and callers'
points inside the deployment, as the benchmark does).

**Time runs COMPRESSION times faster** (FIREGRID_COUNTY_DAY_COMPRESSION, default 60: the
5-minute sync cycle takes 5 s, an 8-hour shift 8 minutes). Every rate below is the real one
divided by the compression; each user keeps its pace (`constant_pacing`), so the load grows
with the number of users, which the benchmark raises in steps.

The mix, per kind of user. The issue gives the phones' pace (one sync per grid worker every 5
minutes); the rest are this file's assumptions, to be corrected from a pilot county's logs: a
station's staff open a console view about once a minute, a hotline centre forwards a
fire-related call every couple of minutes at its busiest, citizens report far less often than
workers, and there are about 20 grid workers per person at a console.

| user (weight) | real pace | what one cycle does |
|---|---|---|
| `GridWorkerPhone` (40) | one sync per 5 min | pull (every page); 1 cycle in 6 a patrol visit (check-in at one of the grid's premises, check-out, every checklist item answered "pass"), pushed; 1 in 20 a hazard report with a photo, pushed, then the photo's bytes through tus (about 16 visits and 5 reports in a 96-cycle shift) |
| `StationConsole` (2) | one console view per minute | the hazard queue (a page of 50, in 1 view in 3), a hazard's detail (hazard, timeline, photos), the map (grid layer with the team; hazards layer), the complaints list, `who am I`; a ledger export (xlsx) in 1 view in 40 |
| `CitizenApp` (1) | a report every 10 min | a report (随手拍) and its photo, as `locustfile.Citizen` |
| `HotlineSystem` (fixed 1) | a complaint every 2 min | a signed `POST /api/v1/hotline/complaints` (channel 96119, the partner's HMAC key, docs/integration-auth.md), at a point in a served grid |
| `Baseline` (fixed 1) | `/healthz` every second | the floor, measured in the same run |

So per 43 users: 40 phones syncing every 5 s, 2 consoles with a view every second (1-3
requests each), a citizen's report every 10 s, under compression 60. Sign-in happens once per
user, when it starts; a sign-in answered 503 (too many at once, decision 0043) is tried again
after its Retry-After, as the app does, and counted as `sign in (busy)`, not as a failure.

FIREGRID_COUNTY_DAY_STEPS ("12,24,...": users per step) and FIREGRID_COUNTY_DAY_STEP_SECONDS
make the run a staircase (`CountyDayShape`): each step first lets its new users join (sign
in, first sync), then is measured; the stats at each step's start and end are appended to
FIREGRID_COUNTY_DAY_MARKS (JSON lines), which the benchmark reads.
"""

from __future__ import annotations

import json
import os
import random
import secrets
import sys
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from locust import HttpUser, LoadTestShape, constant_pacing, events, task

sys.path.insert(0, str(Path(__file__).resolve().parent))

import locustfile as shared  # noqa: E402 - the scenario's helpers, next to this file

COMPRESSION = float(os.environ.get("FIREGRID_COUNTY_DAY_COMPRESSION", "60"))
SYNC_CYCLE = 300 / COMPRESSION
CONSOLE_VIEW = 60 / COMPRESSION
CITIZEN_REPORT = 600 / COMPRESSION
HOTLINE_CALL = 120 / COMPRESSION
VISIT_EVERY, REPORT_EVERY = 6, 20  # cycles
EXPORT_EVERY = 40  # console views
_hotline = json.loads(os.environ.get("FIREGRID_LOAD_HOTLINE", "{}"))


class GridWorkerPhone(HttpUser):
    """A grid worker's phone on its sync cycle (the app syncs every 5 minutes, and at once
    after the worker records something)."""

    wait_time = constant_pacing(SYNC_CYCLE)
    weight = 40

    def on_start(self) -> None:
        shared._sign_in(self, *next(shared._workers))
        self.cursor: int | None = None
        self.grid_point: tuple[float, float] | None = None
        self.cycle = random.randrange(REPORT_EVERY)  # phones are not in step
        shared.pull(self)  # the first sync: everything of the worker's grids

    @task
    def sync_cycle(self) -> None:
        self.cycle += 1
        shared.pull(self)
        if self.cycle % VISIT_EVERY == 0:
            self.visit()
        if self.cycle % REPORT_EVERY == 0:
            shared.report_with_photo(self)

    def visit(self) -> None:
        premises = list(self.known["premises"].values())
        if not premises:
            return
        place = random.choice(premises)
        items = self.checklist_items(place.get("premises_type"))
        now = int(time.time() * 1000)
        visit_id = str(uuid.uuid4())
        changes = {
            "visits": {
                "created": [
                    {
                        "id": visit_id,
                        "premises_id": place["id"],
                        "checked_in_at": now - 600_000,
                        "checked_out_at": now,
                        "lng": place["lng"] + random.uniform(-0.0002, 0.0002),
                        "lat": place["lat"] + random.uniform(-0.0002, 0.0002),
                        "crs": "wgs84",
                        "accuracy_m": 15,
                    }
                ]
            },
            "visit_answers": {
                "created": [
                    {
                        "id": str(uuid.uuid4()),
                        "visit_id": visit_id,
                        "item_key": key,
                        "result": "pass",
                        "answered_at": now - 300_000,
                    }
                    for key in items
                ]
            },
        }
        self.client.post(
            "/api/v1/sync",
            params={"last_pulled_at": self.cursor},
            json={"changes": changes},
            name="POST /api/v1/sync (visit)",
        )

    def checklist_items(self, premises_type: str | None) -> list[str]:
        """The keys of the active checklist for this type of premises, else the general one."""
        active = [c for c in self.known["checklists"].values() if c.get("active")]
        chosen = next((c for c in active if c.get("premises_type") == premises_type), None)
        chosen = chosen or next((c for c in active if not c.get("premises_type")), None)
        return [item["key"] for item in json.loads(chosen["items"])] if chosen else []


class StationConsole(HttpUser):
    """Station staff in the console: what its pages ask for, one view at a time."""

    wait_time = constant_pacing(CONSOLE_VIEW)
    weight = 2

    def on_start(self) -> None:
        shared._sign_in(self, *next(shared._logins))
        self.views = random.randrange(EXPORT_EVERY)
        self.hazard_ids: list[str] = []

    @task(3)
    def hazard_queue(self) -> None:
        answer = self.client.get(
            "/api/v1/hazards", params={"limit": 50}, name="GET /api/v1/hazards (queue)"
        )
        if answer.ok:
            self.hazard_ids = [hazard["id"] for hazard in answer.json()] or self.hazard_ids
        self.maybe_export()

    @task(3)
    def hazard_detail(self) -> None:
        if not self.hazard_ids:
            return self.hazard_queue()
        hazard = random.choice(self.hazard_ids)
        for suffix in ("", "/timeline", "/photos"):
            self.client.get(f"/api/v1/hazards/{hazard}{suffix}", name=f"GET hazard{suffix}")
        self.maybe_export()

    @task(2)
    def map_view(self) -> None:
        self.client.get(
            "/api/v1/map/areas",
            params={"level": "grid", "zoom": 14, "limit": 10000},
            name="GET /api/v1/map/areas (grids)",
        )
        self.client.get(
            "/api/v1/map/hazards", params={"limit": 5000}, name="GET /api/v1/map/hazards"
        )
        self.maybe_export()

    @task(1)
    def complaints(self) -> None:
        self.client.get("/api/v1/complaints", params={"limit": 50}, name="GET /api/v1/complaints")
        self.client.get("/api/v1/me", name="GET /api/v1/me")
        self.maybe_export()

    def maybe_export(self) -> None:
        self.views += 1
        if self.views % EXPORT_EVERY == 0:
            self.client.get("/api/v1/hazards/export.xlsx", name="GET /api/v1/hazards/export.xlsx")


class CitizenApp(shared.Citizen):
    wait_time = constant_pacing(CITIZEN_REPORT)
    weight = 1


class HotlineSystem(HttpUser):
    """The 96119 centre's system forwarding a fire-related call, signed with its key."""

    wait_time = constant_pacing(HOTLINE_CALL)
    fixed_count = 1

    @task
    def complaint(self) -> None:
        if not _hotline:
            return
        path = "/api/v1/hotline/complaints"
        body = json.dumps(
            {
                "channel": "96119",
                "external_id": f"load-{uuid.uuid4().hex}",
                "received_at": datetime.now(UTC).isoformat(),
                "type": "report",
                "text": "压测：楼道堆放杂物，堵塞消防通道",
                "address": "柳州市城中区示例路1号",
                "location": shared.somewhere(),
                "anonymous": True,
            },
            ensure_ascii=False,
        ).encode()
        self.client.post(
            path, data=body, headers=_signed(path, body), name="POST hotline complaint"
        )


def _signed(path: str, body: bytes) -> dict[str, str]:
    """The headers of docs/integration-auth.md: now, a new nonce, the HMAC signature."""
    from backend.core.security import sign

    timestamp, nonce = str(int(time.time())), secrets.token_hex(16)
    return {
        "Content-Type": "application/json",
        "X-Firegrid-Key-Id": _hotline["key_id"],
        "X-Firegrid-Timestamp": timestamp,
        "X-Firegrid-Nonce": nonce,
        "X-Firegrid-Signature": sign(_hotline["secret"], "POST", path, timestamp, nonce, body),
    }


class Baseline(shared.Baseline):
    wait_time = constant_pacing(1)
    fixed_count = 1


class HealthzFlood(HttpUser):
    """`/healthz` as fast as it answers: the stack's floor (nginx, the API processes, this
    client), which the benchmark measures alone before the day, for its ratio."""

    abstract = os.environ.get("FIREGRID_COUNTY_DAY_FLOOD") != "1"  # else not part of the day

    @task
    def healthz(self) -> None:
        self.client.get("/healthz", name="GET /healthz (flood)")


class CountyDayShape(LoadTestShape):
    """Users in steps (FIREGRID_COUNTY_DAY_STEPS). Each step first lets its new users join:
    every one signs in, then FIREGRID_COUNTY_DAY_SETTLE_SECONDS for their first sync (at most
    JOIN_LIMIT seconds in all); then it is measured for
    FIREGRID_COUNTY_DAY_STEP_SECONDS, its stats marked at the start and the end. Without steps
    locust ignores it (abstract), and -u/-r/-t apply."""

    steps = [int(n) for n in os.environ.get("FIREGRID_COUNTY_DAY_STEPS", "").split(",") if n]
    abstract = not steps
    step_seconds = float(os.environ.get("FIREGRID_COUNTY_DAY_STEP_SECONDS", "20"))
    settle_seconds = float(os.environ.get("FIREGRID_COUNTY_DAY_SETTLE_SECONDS", "3"))
    marks = os.environ.get("FIREGRID_COUNTY_DAY_MARKS")
    JOIN_LIMIT = 30.0
    SIGNING_IN = 2  # users that never sign in: HotlineSystem, Baseline

    def __init__(self) -> None:
        super().__init__()
        self.step, self.measuring, self.since = 0, False, 0.0
        self.joined_at: float | None = None  # when the step's last new user had signed in

    def tick(self) -> tuple[int, float] | None:
        now = self.get_run_time()
        if self.measuring and now - self.since >= self.step_seconds:
            self.mark(self.step, "end")
            self.step, self.measuring, self.since = self.step + 1, False, now
        if self.step >= len(self.steps):
            return None
        users = self.steps[self.step]
        if not self.measuring:
            signed_in = self.runner.environment.stats.get("sign in", "POST").num_requests
            if self.joined_at is None and signed_in >= users - self.SIGNING_IN:
                self.joined_at = now
            settled = self.joined_at is not None and now - self.joined_at >= self.settle_seconds
            if settled or now - self.since >= self.JOIN_LIMIT:
                self.mark(self.step, "start")
                self.measuring, self.since, self.joined_at = True, now, None
        return users, 20.0

    def mark(self, step: int, what: str) -> None:
        if not self.marks:
            return
        stats = self.runner.environment.stats
        entries = {
            name: {
                "count": entry.num_requests,
                "failures": entry.num_failures,
                "times": entry.response_times,
            }
            for (name, _method), entry in stats.entries.items()
        }
        line = {
            "step": step,
            "what": what,
            "users": self.steps[step],
            "at": time.time(),
            "entries": entries,
        }
        with open(self.marks, "a", encoding="utf-8") as out:
            out.write(json.dumps(line) + "\n")


@events.init.add_listener
def _needs_the_hotline_key(environment, **_kwargs) -> None:
    if not _hotline:
        print("FIREGRID_LOAD_HOTLINE is not set: HotlineSystem sends nothing", file=sys.stderr)
