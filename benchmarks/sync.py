"""Offline sync under a real server: pushes of hazard reports in batches of 100, a 20,000-record
first sync, and empty incremental pulls against `/healthz`, all in one run.

    make bench B=sync

Runs on PostGIS (FIREGRID_BENCH_DATABASE_URL, as `make bench` provides), else on SpatiaLite
and says so. The demo is loaded, 20,000 premises are added to one worker's grid, then
`firegrid serve` answers on loopback. Pushes go through routing, duplicate checks, the audit
log and the outbox like any report; each report is made at one of the worker's premises, so
a batch is spread over the grid as a day's patrol is. The first sync is the reference device
(offline_sync/client.py) pulling every page into its local store.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from backend.demo import WORKER_LOGIN  # noqa: E402
from benchmarks.common import BIN, Targets, firegrid_server  # noqa: E402

WORKER = "worker.450202901001-001"  # a demo grid worker
PREMISES = 20_000
BATCH, BATCHES = 100, 20
PROBES = 400  # requests per side for the pull-vs-healthz rate


def add_premises(env: dict[str, str], count: int) -> None:
    """Bulk-insert premises in the worker's grid (set-up, not measured)."""
    script = f"""
import random
from sqlalchemy import insert, select
from backend.core.db import session_scope
from backend.core.ids import new_id
from grids.models import Area
from grids.premises.models import Premises
with session_scope() as session:
    grid = session.scalar(select(Area).where(Area.code == "450202901001-001"))
    rng = random.Random(5)
    from geoalchemy2.shape import to_shape
    box = to_shape(grid.geom).bounds
    rows = []
    for n in range({count}):
        x = rng.uniform(box[0], box[2]); y = rng.uniform(box[1], box[3])
        rows.append(dict(id=new_id(), name=f"压测商铺{{n}}", uscc=None, individual_business=True,
            premises_type="small_venue", risk_level="low", supervision_tier="township",
            key_unit=False, address=f"示例路{{n}}号", lng=x, lat=y,
            location=f"SRID=4326;POINT({{x}} {{y}})", raw_lng=x, raw_lat=y, raw_crs="wgs84",
            area_id=grid.id, area_path=grid.path, route_status="inside", contact_name=None,
            contact_phone=None, credit_status="normal", archived=False, version=1))
    session.execute(insert(Premises), rows)
"""
    subprocess.run([BIN / "python", "-c", script], env=env, check=True, cwd=ROOT)


def rate(client: httpx.Client, path: str, params: dict, headers: dict, n: int) -> float:
    started = time.perf_counter()
    for _ in range(n):
        answer = client.get(path, params=params, headers=headers)
        assert answer.status_code == 200, answer.text
    return n / (time.perf_counter() - started)


def report(n: int, premises: dict) -> dict:
    """A patrol report at one of the worker's premises, a few metres off its pin, as a phone
    records it."""
    return {
        "id": str(uuid.uuid4()),
        "category": ["ebike_indoor", "exit_blocked", "open_flame", "flammables"][n % 4],
        "severity": "ordinary",
        "source": "patrol",
        "description": f"压测隐患{n}",
        "lng": premises["lng"] + (n % 7 - 3) * 0.00002,
        "lat": premises["lat"] + (n % 5 - 2) * 0.00002,
        "crs": "wgs84",
        "premises_id": premises["id"],
        "device_time": None,
    }


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    backend = "postgis" if url else "spatialite (no FIREGRID_BENCH_DATABASE_URL)"
    data_dir = tempfile.mkdtemp(prefix="firegrid-bench-sync-")
    env = {**os.environ, "FIREGRID_DATA_DIR": data_dir, "FIREGRID_LOG_LEVEL": "WARNING"}
    env.pop("FIREGRID_DATABASE_URL", None)
    if url:
        env["FIREGRID_DATABASE_URL"] = url
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([BIN / "firegrid", *command], env=env, check=True, capture_output=True)
    add_premises(env, PREMISES)
    password = json.loads((Path(data_dir) / "demo-logins.json").read_text())[WORKER_LOGIN]
    print(f"backend: {backend}; {PREMISES} premises in {WORKER}'s grid")

    from offline_sync.client import Device

    targets = Targets()
    with firegrid_server(env) as host, httpx.Client(base_url=host, timeout=120) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": WORKER, "password": password}
        ).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}

        # 1. The first sync, end to end: every page into the device's local store.
        device = Device(host, WORKER, password, client=client)
        device.token = token
        started = time.perf_counter()
        pulled, pages = device.pull()
        first_sync_s = time.perf_counter() - started
        print(f"first sync: {pulled} records in {pages} pages, {first_sync_s:.2f} s")
        assert len(device.all("premises")) >= PREMISES

        # 2. Empty incremental pulls against /healthz, alternating blocks.
        cursor = {"last_pulled_at": device.last_pulled_at}
        health, pulls = [], []
        for _ in range(4):
            health.append(rate(client, "/healthz", {}, {}, PROBES // 4))
            pulls.append(rate(client, "/api/v1/sync", cursor, auth, PROBES // 4))
        health_rate, pull_rate = sum(health) / len(health), sum(pulls) / len(pulls)
        print(f"/healthz {health_rate:.0f} req/s, empty pull {pull_rate:.0f} req/s")

        # 3. Pushes of 100 new reports each, as phones do after a day offline.
        # Each report is made at one of the worker's premises, as patrol reports are.
        sites = random.Random(7).sample(device.all("premises"), BATCH * BATCHES)  # noqa: S311
        pushed, started = 0, time.perf_counter()
        for b in range(BATCHES):
            batch = [report(n, sites[n]) for n in range(b * BATCH, (b + 1) * BATCH)]
            answer = client.post(
                "/api/v1/sync",
                params={"last_pulled_at": device.last_pulled_at},
                json={"changes": {"hazard_reports": {"created": batch}}},
                headers=auth,
            )
            assert answer.status_code == 200, answer.text
            pushed += answer.json()["created"]
        push_rate = pushed / (time.perf_counter() - started)
        print(f"push: {pushed} reports in batches of {BATCH}: {push_rate:.0f} reports/s")

    targets.check("sync_first_sync_20k_seconds", first_sync_s, 3.0)
    targets.check(
        "sync_empty_pull_rate_vs_healthz", pull_rate / health_rate, 0.5, lower_is_better=False
    )
    targets.check("sync_push_reports_per_second", push_rate, 5000.0, lower_is_better=False)
    targets.exit()


if __name__ == "__main__":
    main()
