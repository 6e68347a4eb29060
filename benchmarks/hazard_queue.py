"""The station console's hazard queue among 100,000 hazards: a station user's queue filtered by
state, overdue and area, paged (limit 50) with its total (`X-Total-Count`), served by
`firegrid serve`, against `/healthz` of the same server, the two taking turns.

    make bench B=hazard_queue

Issue 18 set the goal: at most 100 ms server time. It is printed beside the ratio; the ratio's
threshold is 100 ms divided by the `/healthz` median measured when the goal was set
(HEALTHZ_MS_WHEN_SET, docs/performance.md). Times are taken by the client over loopback, so
they hold the server's time and a little more.

One county of 10 townships (4 villages of 4 grids each, a worker per grid); hazards spread
over every grid, state, level and the last 90 days, generated in Python and inserted with the
table's own insert (both backends; the change-stamp triggers run).
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, firegrid_server, using_database  # noqa: E402

HAZARDS = 100_000
CHUNK = 5_000
TOWNSHIPS, VILLAGES, GRIDS = 10, 4, 4
ROUNDS = 40
GOAL_MS = 100.0
# /healthz per request, one connection, sequential, `firegrid serve` on loopback, on a quiet
# machine: 1,860 req/s, the figure benchmarks/sync.py recorded with the same client shape
# (session 2, docs/performance.md), 0.538 ms. Issue 18 set the goal on 2026-12-05 while the
# machine ran other suites (load average 10-13 on 2 cores, /healthz at 4-5 ms): no quiet
# /healthz could be measured that day, so the recorded one is used. The threshold is the goal
# in /healthz requests: 100 / 0.538 = 186.
HEALTHZ_MS_WHEN_SET = 1000 / 1860
THRESHOLD = round(GOAL_MS / HEALTHZ_MS_WHEN_SET)
PASSWORD = "bench-password-" + uuid.uuid4().hex[:12]
OPEN_STATES = ["reported", "confirmed", "rectification_ordered", "rectification_submitted"]


def square(x: float, y: float, size: float):
    from shapely.geometry import MultiPolygon, box

    return MultiPolygon([box(x, y, x + size, y + size)])


def seed(url: str) -> tuple[str, str]:
    """The area tree, a station user and the hazards; (the station's username, its township)."""
    from sqlalchemy import text

    from backend.core.audit import Actor
    from backend.core.db import session_scope
    from backend.identity.enums import Role
    from grids import service, workforce
    from grids.enums import AreaLevel
    from hazards.models import Hazard

    actor = Actor(id=None, role="benchmark")
    rng = random.Random(18)  # noqa: S311 - benchmark data, the same every run
    grids: list[tuple[uuid.UUID, str, float, float]] = []  # id, path, x, y
    with session_scope() as session:
        county = service.create_area(
            session,
            code="990101",
            name="基准县",
            level=AreaLevel.COUNTY,
            geometry=square(109.0, 24.0, 1.0),
            parent=None,
            actor=actor,
        )
        for t in range(TOWNSHIPS):
            tx = 109.0 + t * 0.1
            town = service.create_area(
                session,
                code=f"990101{t + 1:03d}",
                name=f"基准镇{t + 1}",
                level=AreaLevel.TOWNSHIP,
                geometry=square(tx, 24.0, 0.1),
                parent=county,
                actor=actor,
            )
            for v in range(VILLAGES):
                village = service.create_area(
                    session,
                    code=f"{town.code}{v + 1:03d}",
                    name=f"基准村{t + 1}-{v + 1}",
                    level=AreaLevel.VILLAGE,
                    geometry=square(tx, 24.0 + v * 0.025, 0.025),
                    parent=town,
                    actor=actor,
                )
                for g in range(GRIDS):
                    gx, gy = tx + g * 0.025, 24.0 + v * 0.025
                    grid = service.create_area(
                        session,
                        code=f"{village.code}-{g + 1:02d}",
                        name=f"基准网格{t + 1}-{v + 1}-{g + 1}",
                        level=AreaLevel.GRID,
                        geometry=square(gx, gy, 0.025),
                        parent=village,
                        actor=actor,
                    )
                    workforce.place_user(
                        session,
                        area=grid,
                        username=f"worker.{grid.code}",
                        password=PASSWORD,
                        role=Role.GRID_WORKER,
                        display_name=f"网格员{grid.code}",
                        certificate_number=None,
                        certificate_expires_on=None,
                        actor=actor,
                    )
                    grids.append((grid.id, grid.path, gx, gy))
        first_town = service.area_by_code(session, "990101001")
        workforce.place_user(
            session,
            area=first_town,
            username="station.bench",
            password=PASSWORD,
            role=Role.STATION_STAFF,
            display_name="基准工作站",
            certificate_number=None,
            certificate_expires_on=None,
            actor=actor,
        )
    now = datetime.now(UTC)
    started = time.perf_counter()
    for first in range(0, HAZARDS, CHUNK):
        rows = []
        for _ in range(min(CHUNK, HAZARDS - first)):
            grid_id, path, gx, gy = rng.choice(grids)
            x, y = gx + rng.random() * 0.025, gy + rng.random() * 0.025
            reported = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
            due = reported + timedelta(days=rng.randrange(1, 20))
            rows.append(
                {
                    "id": uuid.uuid4(),
                    "source": rng.choice(["patrol", "citizen", "complaint"]),
                    "category": "ebike_indoor",
                    "severity": "major" if rng.random() < 0.05 else "ordinary",
                    "state": rng.choice(OPEN_STATES),
                    "is_open": True,
                    "description": "基准隐患",
                    "lng": x,
                    "lat": y,
                    "location": f"SRID=4326;POINT({x!r} {y!r})",
                    "raw_lng": x,
                    "raw_lat": y,
                    "raw_crs": "wgs84",
                    "area_id": grid_id,
                    "area_path": path,
                    "route_status": "inside",
                    "outside_own_grids": False,
                    "reported_at": reported,
                    "level": rng.choice([0, 0, 1, 2, 3]),
                    "level_since": reported,
                    "level_due_at": due,
                    "escalate_at": due,
                    "failed_rechecks": 0,
                    "version": 1,
                    "updated_at": reported,
                }
            )
        with session_scope() as session:
            session.execute(Hazard.__table__.insert(), rows)
    with session_scope() as session:
        session.execute(text("ANALYZE"))  # fresh statistics for the planner, on both
    print(f"  seeded {HAZARDS:,} hazards in {time.perf_counter() - started:.1f} s")
    return "station.bench", "990101001"


def run_backend(name: str, url: str, targets: Targets) -> None:
    print(f"--- {name}")
    with using_database(url):
        username, township = seed(url)
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": url,
        "FIREGRID_LOG_LEVEL": "WARNING",
    }
    with firegrid_server(env) as host, httpx.Client(base_url=host, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": username, "password": PASSWORD}
        ).json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        query = f"/api/v1/hazards?queue=true&state=reported&overdue=true&area={township}&limit=50"
        first = client.get(query, headers=headers)
        assert first.status_code == 200, first.text
        total = int(first.headers["X-Total-Count"])
        assert len(first.json()) == 50 and total > 50, (len(first.json()), total)
        queue_ms, healthz_ms = [], []
        for _ in range(ROUNDS):
            for url_, times, extra in ((query, queue_ms, headers), ("/healthz", healthz_ms, {})):
                started = time.perf_counter()
                response = client.get(url_, headers=extra)
                times.append((time.perf_counter() - started) * 1000)
                assert response.status_code == 200
    queue, healthz = statistics.median(queue_ms), statistics.median(healthz_ms)
    targets.check(
        f"hazard_queue_100k_vs_healthz_{name}",
        queue / healthz,
        THRESHOLD,
        beside=(
            f"queue page of 50 (total {total:,}) median {queue:.1f} ms, p90 "
            f"{statistics.quantiles(queue_ms, n=10)[-1]:.1f} ms (goal <= {GOAL_MS:.0f} ms); "
            f"/healthz median {healthz:.2f} ms; threshold {GOAL_MS:.0f} ms / "
            f"{HEALTHZ_MS_WHEN_SET:.3f} ms; in this run's /healthz the goal would be "
            f"{GOAL_MS / healthz:.0f}"
        ),
    )


def main() -> None:
    targets = Targets()
    data_dir = tempfile.mkdtemp(prefix="firegrid-bench-hazard-queue-")
    os.environ["FIREGRID_DATA_DIR"] = data_dir
    backends = [("spatialite", f"sqlite:///{data_dir}/bench.sqlite")]
    if os.environ.get("FIREGRID_BENCH_DATABASE_URL"):
        backends.insert(0, ("postgis", os.environ["FIREGRID_BENCH_DATABASE_URL"]))
    for name, url in backends:
        run_backend(name, url, targets)
    targets.exit()


if __name__ == "__main__":
    main()
