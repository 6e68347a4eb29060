"""Authenticated, scoped reads under load, against `/healthz` in the same run.

Starts `firegrid serve` on loopback with the demo data (SpatiaLite, and PostGIS when
FIREGRID_BENCH_DATABASE_URL is set), runs the locust scenario in load_tests/ headless, and
compares median latencies. Bounded: a fixed number of seconds and users, loopback only.

    make bench B=api_read
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.demo import WORKER_LOGIN  # noqa: E402
from benchmarks.common import BIN, Targets, demo_deployment, firegrid_server  # noqa: E402

USERS, SECONDS = 16, 20
STAFF = ["station.cz1", "station.cz2", "brigade.chengzhong", "leader.cz1-1"]
WORKER = "worker.450202901001-001"  # one of the demo's grid workers


def run_backend(name: str, url: str | None, targets: Targets) -> None:
    demo = demo_deployment(name, url)
    env, data_dir, logins = demo.env, demo.data_dir, demo.logins
    with firegrid_server(env) as host:
        prefix = Path(data_dir) / "locust"
        accounts = {u: logins[u] for u in STAFF} | {WORKER: logins[WORKER_LOGIN]}
        load_env = {**env, "FIREGRID_LOAD_LOGINS": json.dumps(accounts)}
        subprocess.run(
            [
                BIN / "locust",
                "-f",
                str(ROOT / "load_tests" / "locustfile.py"),
                "--headless",
                "-u",
                str(USERS),
                "-r",
                str(USERS),
                "-t",
                f"{SECONDS}s",
                "--host",
                host,
                "--csv",
                str(prefix),
                "--only-summary",
                "StaffUser",  # the read mix only: field workers and citizens write
                "Baseline",
                "--loglevel",
                "WARNING",
            ],
            env=load_env,
            check=False,
            capture_output=True,
        )
        rows = {row["Name"]: row for row in csv.DictReader(open(f"{prefix}_stats.csv"))}

    def median(name: str) -> float:
        return float(rows[name]["Median Response Time"])

    total = rows["Aggregated"]
    print(
        f"{name}: {total['Request Count']} requests, {total['Failure Count']} failures, "
        f"{float(total['Requests/s']):.0f} req/s over {SECONDS} s with {USERS} users"
    )
    for label in (
        "GET /healthz",
        "GET /api/v1/areas",
        "GET /api/v1/areas/{code}",
        "GET /api/v1/me",
    ):
        print(
            f"  {label:<28} median {median(label):>6.1f} ms  p95 {float(rows[label]['95%']):>6.1f} ms"
        )
    base = max(median("GET /healthz"), 1.0)  # locust reports whole milliseconds
    targets.check(f"api_read_failures_{name}", float(total["Failure Count"]), 0)
    targets.check(f"api_read_area_list_vs_healthz_{name}", median("GET /api/v1/areas") / base, 8.0)
    targets.check(
        f"api_read_area_detail_vs_healthz_{name}", median("GET /api/v1/areas/{code}") / base, 8.0
    )


def main() -> None:
    targets = Targets()
    run_backend("spatialite", None, targets)
    if os.environ.get("FIREGRID_BENCH_DATABASE_URL"):
        run_backend("postgis", os.environ["FIREGRID_BENCH_DATABASE_URL"], targets)
    targets.exit()


if __name__ == "__main__":
    main()
