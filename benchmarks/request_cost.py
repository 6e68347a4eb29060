"""The fixed cost of a request: one client, one request at a time on a kept-alive connection,
an authenticated `GET /api/v1/me` and `GET /api/v1/grids/locate` of one point, against
`/healthz` of the same server in the same run.

    make bench B=request_cost

Issue 21 measured these at 310-340 a second where /healthz ran at 1,370-1,790 (about 20 %):
sign-in checks, the session and serialisation dominated, the lookup itself taking
microseconds. Target: each at least 40 % of /healthz's rate. Rounds of each request alternate
so that the machine's drift falls on all alike; the server runs the demo (`firegrid demo load`)
on SpatiaLite, and on PostGIS when FIREGRID_BENCH_DATABASE_URL is set.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.demo import WORKER_LOGIN  # noqa: E402
from benchmarks.common import BIN, Targets, demo_deployment, firegrid_server  # noqa: E402

ROUNDS, PER_ROUND = 10, 300
TARGET = 0.40
WORKER = "worker.450202901001-001"  # one of the demo's grid workers (as api_read's)


def rate(client: httpx.Client, path: str, params: dict | None = None) -> float:
    started = time.perf_counter()
    for _ in range(PER_ROUND):
        client.get(path, params=params).raise_for_status()
    return PER_ROUND / (time.perf_counter() - started)


def inside_grid(env: dict[str, str], code: str) -> dict[str, float]:
    """A point inside the worker's own grid, read from the demo's database."""
    script = (
        "from backend.core.db import session_scope\n"
        "from grids.models import Area\n"
        "from grids.service import area_shape\n"
        "from sqlalchemy import select\n"
        "with session_scope() as s:\n"
        f"    p = area_shape(s.scalar(select(Area).where(Area.code == {code!r}))).representative_point()\n"
        "    print(p.x, p.y)\n"
    )
    out = subprocess.run(
        [BIN / "python", "-c", script], env=env, check=True, capture_output=True, text=True
    ).stdout.split()
    return {"lng": float(out[-2]), "lat": float(out[-1])}


def run_backend(name: str, url: str | None, targets: Targets) -> None:
    demo = demo_deployment(name, url)
    env, password = demo.env, demo.logins[WORKER_LOGIN]
    point = inside_grid(env, WORKER.removeprefix("worker."))
    with firegrid_server(env) as host, httpx.Client(base_url=host, timeout=30) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": WORKER, "password": password}
        ).json()["access_token"]
        client.headers["Authorization"] = f"Bearer {token}"
        located = client.get("/api/v1/grids/locate", params=point)
        assert located.status_code == 200 and located.json()["grid"], located.text
        rates: dict[str, list[float]] = {"healthz": [], "me": [], "locate": []}
        for _ in range(ROUNDS):
            rates["healthz"].append(rate(client, "/healthz"))
            rates["me"].append(rate(client, "/api/v1/me"))
            rates["locate"].append(rate(client, "/api/v1/grids/locate", point))
    median = {k: sorted(v)[len(v) // 2] for k, v in rates.items()}
    for what in ("me", "locate"):
        targets.check(
            f"request_cost_{what}_vs_healthz_{name}",
            median[what] / median["healthz"],
            TARGET,
            lower_is_better=False,
            beside=(
                f"one client, one request at a time, kept alive: {median[what]:.0f}/s against "
                f"/healthz {median['healthz']:.0f}/s (medians of {ROUNDS} rounds of "
                f"{PER_ROUND}); goal >= {TARGET:.0%} of /healthz"
            ),
        )


def main() -> None:
    targets = Targets()
    run_backend("spatialite", None, targets)
    if os.environ.get("FIREGRID_BENCH_DATABASE_URL"):
        run_backend("postgis", os.environ["FIREGRID_BENCH_DATABASE_URL"], targets)
    targets.exit()


if __name__ == "__main__":
    main()
