"""The console's map at county scale: a full-county view and a township view, against
`/healthz` of the same server in the same run.

A synthetic county near Liuzhou: 10 townships (2 × 5, each 25 × 10 km) of 10 villages
(5 × 5 km) of 100 grids (500 m squares, 16 vertices each): 10,000 grids, one worker each (with
a phone), a backup in one grid of five; 100,000 premises (ten per grid, mixed types, risk
levels and credit statuses); 3,000 open hazards (a fifth of them overdue) and 3,000 closed.

What the console asks for, each view's requests one after the other on one connection:

- county view (brigade staff, zoom 10, the county's box): the 10,000 grids with their hazard
  counts (teams come from zoom 12 on), the 10 townships and 100 villages with theirs, the premises as counts per
  cell, and the open hazards as points;
- township view (the township's station staff, zoom 13, the township's box): its 1,000 grids
  with counts and teams,
  its villages, its premises per cell, its open hazards.

The server time of a view is the wall time of its requests on loopback. Each target is a view's
median time over `/healthz`'s (a block of HEALTHZ_BLOCK requests, per request), rounds taking
turns; the threshold is the issue's goal (county ≤ 1 s, township ≤ 200 ms) divided by the
`/healthz` latency on a quiet machine (below; docs/performance.md, "map"). The first request of
a view at a zoom also fills the boundary cache: it is printed as "cold", not targeted.

    make bench B=map

Runs on SpatiaLite (a fresh file) and, when FIREGRID_BENCH_DATABASE_URL is set (make bench
sets it), on PostGIS.
"""

from __future__ import annotations

import os
import random
import secrets
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, insert, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Targets,
    backends,
    firegrid_server,
    using_database,
)

ORIGIN = (109.0, 24.0)
CELL = 0.005  # degrees, about 500 m
TOWNS_X, TOWNS_Y = 5, 2
VILLAGES_X, VILLAGES_Y = 5, 2  # per township
GRIDS_SIDE = 10  # per village side: 100 grids a village
PREMISES_PER_GRID = 10
OPEN_HAZARDS = 3_000
OVERDUE_SHARE = 0.2
CLOSED_HAZARDS = 3_000
ROUNDS = 7
HEALTHZ_BLOCK = 20
PASSWORD = secrets.token_urlsafe(16)  # the two staff sign in with it, this run only

# The issue's goals (issue 18: a county view within 1 s, a township view within 200 ms), and
# the /healthz latency the threshold divides them by: one connection, one request after the
# other, 1,860 req/s (0.538 ms) on a quiet machine, as recorded when the sync benchmark's goal
# was set (session 2, 2026-11-23; docs/performance.md). The map's goals were set on
# 2026-12-05 on a machine at load 9-12 on 2 cores, where /healthz took 6-11 ms: a figure of
# that moment would have set thresholds ten times looser. Threshold = goal / 0.538 ms.
GOAL_COUNTY_S = 1.0
GOAL_TOWNSHIP_S = 0.2
HEALTHZ_WHEN_SET_S = 1 / 1_860
COUNTY_IN_HEALTHZ = round(GOAL_COUNTY_S / HEALTHZ_WHEN_SET_S)  # 1,860
TOWNSHIP_IN_HEALTHZ = round(GOAL_TOWNSHIP_S / HEALTHZ_WHEN_SET_S)  # 372


def _area(area_id, code, level, parent_id, path, geometry, now) -> dict:
    return {
        "id": area_id,
        "code": code,
        "name": f"压测{code}",
        "level": level,
        "parent_id": parent_id,
        "path": path,
        "geom": from_shape(shapely.MultiPolygon([geometry]), srid=4326),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def seed(session_scope) -> dict:
    """Replace everything with the county; its codes, boxes and the two staff usernames."""
    from backend.core.audit import Actor
    from backend.core.db import utcnow
    from backend.identity.enums import Role
    from backend.identity.models import User
    from grids import service, workforce
    from grids.models import Area, AreaRevision, GridAssignment
    from grids.premises.models import Premises
    from hazards.models import Hazard

    rng = random.Random(18)  # noqa: S311 - a reproducible county, not a secret
    now = utcnow()
    x0, y0 = ORIGIN
    town_w, town_h = VILLAGES_X * GRIDS_SIDE * CELL, VILLAGES_Y * GRIDS_SIDE * CELL
    with session_scope() as session:
        for table in (Hazard, Premises, GridAssignment, User):
            session.execute(delete(table))
        for level in ("grid", "village", "township", "county"):
            session.execute(delete(Area).where(Area.level == level))
        county_id = uuid.uuid4()
        county_box = (x0, y0, x0 + TOWNS_X * town_w, y0 + TOWNS_Y * town_h)
        areas = [_area(county_id, "M00", "county", None, "/M00/", shapely.box(*county_box), now)]
        grids = []  # (id, path, minx, miny)
        towns = {}
        for tx in range(TOWNS_X):
            for ty in range(TOWNS_Y):
                t_id, t_code = uuid.uuid4(), f"M00{tx}{ty}"
                t_path = f"/M00/{t_code}/"
                tx0, ty0 = x0 + tx * town_w, y0 + ty * town_h
                towns[t_code] = (tx0, ty0, tx0 + town_w, ty0 + town_h)
                areas.append(
                    _area(
                        t_id,
                        t_code,
                        "township",
                        county_id,
                        t_path,
                        shapely.box(*towns[t_code]),
                        now,
                    )
                )
                for vx in range(VILLAGES_X):
                    for vy in range(VILLAGES_Y):
                        v_id, v_code = uuid.uuid4(), f"{t_code}{vx}{vy}"
                        v_path = f"{t_path}{v_code}/"
                        vx0 = tx0 + vx * GRIDS_SIDE * CELL
                        vy0 = ty0 + vy * GRIDS_SIDE * CELL
                        v_box = (vx0, vy0, vx0 + GRIDS_SIDE * CELL, vy0 + GRIDS_SIDE * CELL)
                        areas.append(
                            _area(v_id, v_code, "village", t_id, v_path, shapely.box(*v_box), now)
                        )
                        for gx in range(GRIDS_SIDE):
                            for gy in range(GRIDS_SIDE):
                                g_id, g_code = uuid.uuid4(), f"{v_code}-{gx}{gy}"
                                g_path = f"{v_path}{g_code}/"
                                gx0, gy0 = vx0 + gx * CELL, vy0 + gy * CELL
                                square = shapely.segmentize(
                                    shapely.box(gx0, gy0, gx0 + CELL, gy0 + CELL), CELL / 4
                                )
                                areas.append(_area(g_id, g_code, "grid", v_id, g_path, square, now))
                                grids.append((g_id, g_path, gx0, gy0))
        for start in range(0, len(areas), 5000):
            session.execute(insert(Area), areas[start : start + 5000])
        session.execute(update(AreaRevision).values(revision=AreaRevision.revision + 1))

        users, assignments = [], []
        for n, (g_id, _, _, _) in enumerate(grids):
            u_id = uuid.uuid4()
            users.append(
                {
                    "id": u_id,
                    "username": f"mapworker{n}",
                    "display_name": f"网格员{n}",
                    "role": "grid_worker",
                    "phone": f"139{n:08d}",
                    "is_active": True,
                    "session_version": 0,
                    "created_at": now,
                    "updated_at": now,
                }
            )
            assignments.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": u_id,
                    "area_id": g_id,
                    "role": "primary",
                    "created_at": now,
                }
            )
        for n in range(0, len(grids) - 1, 5):  # the next grid's worker as backup
            assignments.append(
                {
                    "id": uuid.uuid4(),
                    "user_id": users[n + 1]["id"],
                    "area_id": grids[n][0],
                    "role": "backup",
                    "created_at": now,
                }
            )
        for table, rows in ((User, users), (GridAssignment, assignments)):
            for start in range(0, len(rows), 5000):
                session.execute(insert(table), rows[start : start + 5000])

        types = ["small_venue", "residential", "living_workshop", "public_gathering", "farm_stay"]
        risks = ["low", "low", "medium", "high", "very_high"]
        credits = ["normal"] * 16 + ["red_list", "watch", "watch", "blacklist"]
        premises = []
        for g_id, g_path, gx0, gy0 in grids:
            for _ in range(PREMISES_PER_GRID):
                x = gx0 + rng.uniform(0.0003, CELL - 0.0003)
                y = gy0 + rng.uniform(0.0003, CELL - 0.0003)
                premises.append(
                    {
                        "id": uuid.uuid4(),
                        "name": f"压测商铺{len(premises)}",
                        "uscc": None,
                        "individual_business": True,
                        "premises_type": rng.choice(types),
                        "risk_level": rng.choice(risks),
                        "supervision_tier": "township",
                        "key_unit": rng.random() < 0.05,
                        "address": f"示例路{len(premises)}号",
                        "lng": x,
                        "lat": y,
                        "location": f"SRID=4326;POINT({x} {y})",
                        "raw_lng": x,
                        "raw_lat": y,
                        "raw_crs": "wgs84",
                        "area_id": g_id,
                        "area_path": g_path,
                        "route_status": "inside",
                        "credit_status": rng.choice(credits),
                        "archived": False,
                        "version": 1,
                        "created_at": now,
                        "updated_at": now,
                    }
                )
        for start in range(0, len(premises), 5000):
            session.execute(insert(Premises), premises[start : start + 5000])

        from datetime import timedelta

        hazards = []
        for n, unit in enumerate(rng.sample(premises, OPEN_HAZARDS + CLOSED_HAZARDS)):
            is_open = n < OPEN_HAZARDS
            overdue = is_open and rng.random() < OVERDUE_SHARE
            due = now + (timedelta(days=-1) if overdue else timedelta(days=3))
            x, y = unit["lng"], unit["lat"]
            hazards.append(
                {
                    "id": uuid.uuid4(),
                    "source": "patrol",
                    "category": "ebike_indoor",
                    "severity": "major" if n % 50 == 0 else "ordinary",
                    "state": "reported" if is_open else "verified_closed",
                    "is_open": is_open,
                    "description": "压测隐患",
                    "lng": x,
                    "lat": y,
                    "location": f"SRID=4326;POINT({x} {y})",
                    "raw_lng": x,
                    "raw_lat": y,
                    "raw_crs": "wgs84",
                    "area_id": unit["area_id"],
                    "area_path": unit["area_path"],
                    "route_status": "inside",
                    "premises_id": unit["id"],
                    "outside_own_grids": False,
                    "reported_at": now - timedelta(days=5),
                    "level": 0,
                    "level_since": now - timedelta(days=5),
                    "level_due_at": due if is_open else None,
                    "escalate_at": due if is_open else None,
                    "failed_rechecks": 0,
                    "version": 1,
                    "updated_at": now,
                }
            )
        for start in range(0, len(hazards), 5000):
            session.execute(insert(Hazard), hazards[start : start + 5000])

        staff = {}
        for username, role, code in (
            ("map.brigade", Role.BRIGADE_STAFF, "M00"),
            ("map.station", Role.STATION_STAFF, "M0000"),
        ):
            workforce.place_user(
                session,
                area=service.area_by_code(session, code),
                username=username,
                password=PASSWORD,
                role=role,
                display_name=username,
                certificate_number=None,
                certificate_expires_on=None,
                actor=Actor.system(),
            )
            staff[role] = username
    with session_scope() as session:
        if session.get_bind().dialect.name == "postgresql":
            for table in ("areas", "premises", "hazards", "users", "grid_assignments"):
                session.execute(text(f"ANALYZE {table}"))
    assert layout() == {"county": county_box, "township": towns["M0000"], "staff": staff}
    return layout()


def reset_passwords(session_scope, usernames) -> None:
    from backend.core.security import hash_password
    from backend.identity.models import User

    with session_scope() as session:
        session.execute(
            update(User)
            .where(User.username.in_(list(usernames)))
            .values(password_hash=hash_password(PASSWORD))
        )


def layout() -> dict:
    """The county's and the first township's boxes, and the staff's usernames."""
    from backend.identity.enums import Role

    x0, y0 = ORIGIN
    town_w, town_h = VILLAGES_X * GRIDS_SIDE * CELL, VILLAGES_Y * GRIDS_SIDE * CELL
    return {
        "county": (x0, y0, x0 + TOWNS_X * town_w, y0 + TOWNS_Y * town_h),
        "township": (x0, y0, x0 + town_w, y0 + town_h),
        "staff": {Role.BRIGADE_STAFF: "map.brigade", Role.STATION_STAFF: "map.station"},
    }


def bbox(box) -> str:
    return ",".join(f"{v:.6f}" for v in box)


def county_view(box) -> list[tuple[str, dict]]:
    b = bbox(box)
    return [
        ("/api/v1/map/areas", {"level": "grid", "zoom": 10, "bbox": b, "limit": 10_000}),
        ("/api/v1/map/areas", {"level": "township", "zoom": 10, "bbox": b}),
        ("/api/v1/map/areas", {"level": "village", "zoom": 10, "bbox": b}),
        ("/api/v1/map/premises", {"zoom": 10, "bbox": b}),
        ("/api/v1/map/hazards", {"bbox": b, "limit": 5000}),
    ]


def township_view(box) -> list[tuple[str, dict]]:
    b = bbox(box)
    return [
        ("/api/v1/map/areas", {"level": "grid", "zoom": 13, "bbox": b, "limit": 10_000}),
        ("/api/v1/map/areas", {"level": "village", "zoom": 13, "bbox": b}),
        ("/api/v1/map/premises", {"zoom": 13, "bbox": b}),
        ("/api/v1/map/hazards", {"bbox": b, "limit": 5000}),
    ]


def fetch_all(client: httpx.Client, headers: dict, requests: list[tuple[str, dict]]) -> dict:
    sizes = {}
    for path, params in requests:
        response = client.get(path, params=params, headers=headers)
        response.raise_for_status()
        sizes[f"{path}?level={params.get('level', '')}"] = (
            len(response.json()["features"]),
            len(response.content),
        )
    return sizes


def healthz_block(client: httpx.Client) -> None:
    for _ in range(HEALTHZ_BLOCK):
        client.get("/healthz").raise_for_status()


def token(client: httpx.Client, username: str) -> dict:
    response = client.post("/api/v1/auth/token", data={"username": username, "password": PASSWORD})
    response.raise_for_status()
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def run(name: str, url: str, targets: Targets) -> None:
    from backend.core.db import session_scope
    from backend.identity.enums import Role

    with using_database(url):
        started = time.perf_counter()
        if os.environ.get("FIREGRID_BENCH_MAP_REUSE"):  # iterating on the code, same county
            world = layout()
            reset_passwords(session_scope, world["staff"].values())
        else:
            world = seed(session_scope)
            print(f"[{name}] seeded the county in {time.perf_counter() - started:.0f} s")
    data_dir = tempfile.mkdtemp(prefix="firegrid-bench-map-")
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": url,
        "FIREGRID_DATA_DIR": data_dir,
        "FIREGRID_LOG_LEVEL": "WARNING",
    }
    with firegrid_server(env) as base, httpx.Client(base_url=base, timeout=120) as client:
        brigade = token(client, world["staff"][Role.BRIGADE_STAFF])
        station = token(client, world["staff"][Role.STATION_STAFF])
        county = county_view(world["county"])
        township = township_view(world["township"])
        # Warm up (first queries plan and cache), and show what a view holds.
        for label, headers, view in (("county", brigade, county), ("township", station, township)):
            begun = time.perf_counter()
            sizes = fetch_all(client, headers, view)
            cold = time.perf_counter() - begun
            for key, (features, size) in sizes.items():
                print(f"[{name}] {label}: {key} {features} features, {size / 1e6:.2f} MB")
            print(f"[{name}] {label} view cold (boundary cache empty): {cold * 1000:.0f} ms")
        healthz_block(client)
        samples: dict[str, list[float]] = {"county": [], "township": [], "healthz": []}
        for _ in range(ROUNDS):
            for label, action in (
                ("county", lambda: fetch_all(client, brigade, county)),
                ("healthz", lambda: healthz_block(client)),
                ("township", lambda: fetch_all(client, station, township)),
            ):
                begun = time.perf_counter()
                action()
                elapsed = time.perf_counter() - begun
                samples[label].append(elapsed / HEALTHZ_BLOCK if label == "healthz" else elapsed)
    medians = {label: statistics.median(times) for label, times in samples.items()}
    health = medians["healthz"]
    print(
        f"[{name}] county {medians['county'] * 1000:.0f} ms "
        f"({min(samples['county']) * 1000:.0f}-{max(samples['county']) * 1000:.0f}), township "
        f"{medians['township'] * 1000:.0f} ms "
        f"({min(samples['township']) * 1000:.0f}-{max(samples['township']) * 1000:.0f}), "
        f"/healthz {health * 1000:.2f} ms"
    )
    targets.check(
        f"map_county_view_vs_healthz_{name}",
        medians["county"] / health,
        COUNTY_IN_HEALTHZ,
        beside=(
            f"county view {medians['county'] * 1000:.0f} ms (goal ≤ {GOAL_COUNTY_S * 1000:.0f} ms), "
            f"/healthz {health * 1000:.2f} ms; threshold = {GOAL_COUNTY_S:g} s ÷ "
            f"{HEALTHZ_WHEN_SET_S * 1000:.3f} ms (/healthz on a quiet machine, docs/performance.md)"
        ),
    )
    targets.check(
        f"map_township_view_vs_healthz_{name}",
        medians["township"] / health,
        TOWNSHIP_IN_HEALTHZ,
        beside=(
            f"township view {medians['township'] * 1000:.0f} ms "
            f"(goal ≤ {GOAL_TOWNSHIP_S * 1000:.0f} ms), /healthz {health * 1000:.2f} ms; "
            f"threshold = {GOAL_TOWNSHIP_S * 1000:.0f} ms ÷ {HEALTHZ_WHEN_SET_S * 1000:.3f} ms"
        ),
    )


def main() -> None:
    targets = Targets()
    only = os.environ.get("FIREGRID_BENCH_MAP_BACKENDS")  # e.g. "postgis" while iterating
    for name, url in backends():
        if only and name not in only.split(","):
            continue
        run(name, url, targets)
    targets.exit()


if __name__ == "__main__":
    main()
