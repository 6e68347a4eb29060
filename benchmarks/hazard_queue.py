"""The station console's hazard queue among 100,000 hazards: a station user's queue filtered by
state, overdue and area, paged (limit 50) with its total (`X-Total-Count`), served by
`firegrid serve`, against `/healthz` of the same server, the two taking turns.

    make bench B=hazard_queue

Issue 18 set the goal: at most 100 ms server time. It is printed beside the ratio; the ratio's
threshold is 100 ms divided by the `/healthz` median measured when the goal was set
(benchmarks/county.py). Times are taken by the client over loopback, so they hold the server's
time and a little more.

The county of benchmarks/county.py; its hazards all open, spread over every grid, level and
the last 90 days.
"""

from __future__ import annotations

import os
import random
import statistics
import sys
import time
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, firegrid_server, using_database  # noqa: E402
from benchmarks.county import (  # noqa: E402
    FIRST_TOWNSHIP,
    HAZARDS,
    OPEN_STATES,
    goal_note,
    hazard_row,
    healthz_times,
    insert_hazards,
    on_both_databases,
    seed_county,
    threshold,
    token_headers,
)

ROUNDS = 40
GOAL_MS = 100.0
THRESHOLD = threshold(GOAL_MS)
STATION = "station.bench"


def seed(staff: Iterable[tuple[str, str, str, str]] = ()) -> None:
    """The county (benchmarks/county.py), a station user of its first township (and `staff`),
    and hazards all open, reported over the last 90 days."""
    grids = seed_county([(FIRST_TOWNSHIP, STATION, "station_staff", "基准工作站"), *staff])
    rng = random.Random(18)  # noqa: S311 - benchmark data, the same every run
    now = datetime.now(UTC)

    def hazard() -> dict:
        reported = now - timedelta(minutes=rng.randrange(90 * 24 * 60))
        due = reported + timedelta(days=rng.randrange(1, 20))
        return hazard_row(
            rng,
            grids,
            reported,
            source=rng.choice(["patrol", "citizen", "complaint"]),
            category="ebike_indoor",
            severity="major" if rng.random() < 0.05 else "ordinary",
            state=rng.choice(OPEN_STATES),
            is_open=True,
            level=rng.choice([0, 0, 1, 2, 3]),
            level_due_at=due,
            escalate_at=due,
            failed_rechecks=0,
        )

    insert_hazards(hazard)


def run_backend(name: str, url: str, targets: Targets) -> None:
    print(f"--- {name}")
    with using_database(url):
        seed()
    env = {**os.environ, "FIREGRID_DATABASE_URL": url, "FIREGRID_LOG_LEVEL": "WARNING"}
    with firegrid_server(env) as host, httpx.Client(base_url=host, timeout=30) as client:
        headers = token_headers(client, STATION)
        query = (
            f"/api/v1/hazards?queue=true&state=reported&overdue=true&area={FIRST_TOWNSHIP}&limit=50"
        )
        first = client.get(query, headers=headers)
        assert first.status_code == 200, first.text
        total = int(first.headers["X-Total-Count"])
        assert len(first.json()) == 50 and total > 50, (len(first.json()), total)
        queue_ms, healthz_ms = [], []
        for _ in range(ROUNDS):
            started = time.perf_counter()
            assert client.get(query, headers=headers).status_code == 200
            queue_ms.append((time.perf_counter() - started) * 1000)
            healthz_ms.extend(healthz_times(client, 1))
    queue, healthz = statistics.median(queue_ms), statistics.median(healthz_ms)
    targets.check(
        f"hazard_queue_100k_vs_healthz_{name}",
        queue / healthz,
        THRESHOLD,
        beside=(
            f"queue page of 50 (total {total:,}, {HAZARDS:,} in the table) median {queue:.1f} ms,"
            f" p90 {statistics.quantiles(queue_ms, n=10)[-1]:.1f} ms (goal <= {GOAL_MS:.0f} ms); "
            + goal_note(GOAL_MS, healthz)
        ),
    )


def main() -> None:
    on_both_databases("hazard-queue", run_backend)


if __name__ == "__main__":
    main()
