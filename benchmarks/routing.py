"""Point → grid routing at 10k and 100k grids, against PostGIS `ST_Contains` per point.

For each size, in one run on one PostGIS database (FIREGRID_BENCH_DATABASE_URL, which
`make bench` provides): the index rebuild from the database, its memory, batch routing in
process, single-point routing in process (buckets cold, then warm), the HTTP single-point
endpoint, and the baselines: one indexed `ST_Contains` query per point (and, for what of it
is the round trip alone, one `SELECT 1` per point), and a plain read of the grid rows the
rebuild reads. Each target is a ratio against one of them, measured interleaved with it.

    make bench B=routing

Grids are synthetic squares of about 250 m with densified edges (16 vertices each), tiling a
square area near Liuzhou, under 1 county, 10 townships and 100 villages. Points are uniform
over the area plus 1% outside it.
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import tempfile
import time
import uuid
from functools import partial
from pathlib import Path

import httpx
import numpy as np
import shapely
from geoalchemy2.shape import from_shape
from sqlalchemy import delete, func, insert, select, text, update

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    BIN,
    Targets,
    firegrid_server,
    interleaved_medians,
    round_robin_medians,
    using_database,
)

SIZES = (10_000, 100_000)
CELL_DEG = 0.0025  # about 250 m
ORIGIN = (109.0, 24.0)
BATCH_POINTS = 200_000
SINGLE_POINTS = 20_000
HTTP_POINTS = 1_000
BASELINE_POINTS = 2_000

# Where the thresholds come from (docs/performance.md, "routing"). The goals on these
# machines: an index rebuild under 1 s at 100k grids, batch routing at 400,000 points/s at
# 100k, single points 100x PostGIS. When they were set (2026-11-23, session 1) the rebuild took
# 0.78 s at 100k and PostGIS answered 2,796 points/s at 100k, 3,838 at 10k.
GOAL_REBUILD_S = 1.0
REBUILD_WHEN_SET_S = 0.78
# The plain read was not measured then; the rebuild code has not changed since, and took 1.98
# times the read at 100k on 2026-12-05 (medians of 5, interleaved), so the read took about
# 0.78 / 1.98 = 0.39 s then, and 1 s was 2.54 reads. The same threshold holds at 10k: the
# goal is a rate per row, and a smaller index has no excuse to cost more per row.
REBUILD_OVER_READ = round(GOAL_REBUILD_S / (REBUILD_WHEN_SET_S / 1.98), 2)  # 2.54
GOAL_BATCH_PER_S = 400_000.0
POSTGIS_WHEN_SET = {10_000: 3_838.0, 100_000: 2_796.0}  # points/s, one query per point
BATCH_OVER_POSTGIS = round(GOAL_BATCH_PER_S / POSTGIS_WHEN_SET[100_000])  # 143
# 100x PostGIS is the goal at a county's 100k grids. The lookup costs the same at any
# size (a bucket of a lattice sized by the grids, not by their number), while PostGIS is
# faster on a smaller table (a shallower GiST); about two thirds of its cost per point is the
# round trip, which does not depend on the size at all. At 10k the goal means the same lookup
# against a faster baseline: 100 x 2,796 / 3,838.
SINGLE_OVER_POSTGIS = {
    100_000: 100.0,
    10_000: round(100.0 * POSTGIS_WHEN_SET[100_000] / POSTGIS_WHEN_SET[10_000]),  # 73
}


GRID_ROWS = text(
    "SELECT CAST(id AS text), code, name, CAST(parent_id AS text), ST_AsBinary(geom) "
    "FROM areas WHERE level = 'grid'"
)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def seed(session_scope, size: int) -> tuple[float, float]:
    """Replace all areas with a county → 10 townships → 100 villages → `size` grids lattice."""
    from backend.identity.models import User
    from grids.models import Area, AreaRevision, GridAssignment
    from grids.premises.models import Premises

    side = math.ceil(math.sqrt(size))
    extent = side * CELL_DEG
    x0, y0 = ORIGIN
    with session_scope() as session:
        # Whatever hangs off areas (other benchmarks share this database) goes first.
        for table in (Premises, GridAssignment, User):
            session.execute(delete(table))
        for level in ("grid", "village", "township", "county"):
            session.execute(delete(Area).where(Area.level == level))
        county_id = uuid.uuid4()
        rows = [
            _area(
                county_id,
                "B00",
                "county",
                None,
                "/B00/",
                shapely.box(x0, y0, x0 + extent, y0 + extent),
            )
        ]
        band = extent / 10
        village_ids, village_paths = {}, {}
        for t in range(10):
            town_id, town_code = uuid.uuid4(), f"B00T{t}"
            strip = shapely.box(x0, y0 + t * band, x0 + extent, y0 + (t + 1) * band)
            rows.append(
                _area(town_id, town_code, "township", county_id, f"/B00/{town_code}/", strip)
            )
            for v in range(10):
                vid, vcode = uuid.uuid4(), f"{town_code}V{v}"
                cell = shapely.box(
                    x0 + v * extent / 10,
                    y0 + t * band,
                    x0 + (v + 1) * extent / 10,
                    y0 + (t + 1) * band,
                )
                rows.append(
                    _area(vid, vcode, "village", town_id, f"/B00/{town_code}/{vcode}/", cell)
                )
                village_ids[(t, v)], village_paths[(t, v)] = vid, f"/B00/{town_code}/{vcode}/"
        session.execute(insert(Area), rows)
        batch = []
        for i in range(side):
            for j in range(side):
                if i * side + j >= size:
                    break
                x, y = x0 + i * CELL_DEG, y0 + j * CELL_DEG
                key = (min(int(j * CELL_DEG / band), 9), min(int(i * CELL_DEG / (extent / 10)), 9))
                square = shapely.segmentize(
                    shapely.box(x, y, x + CELL_DEG, y + CELL_DEG), CELL_DEG / 4
                )
                code = f"{village_paths[key].split('/')[-2]}-{i:04d}{j:04d}"
                batch.append(
                    _area(
                        uuid.uuid4(),
                        code,
                        "grid",
                        village_ids[key],
                        village_paths[key] + code + "/",
                        square,
                    )
                )
                if len(batch) == 5000:
                    session.execute(insert(Area), batch)
                    batch = []
        if batch:
            session.execute(insert(Area), batch)
        session.execute(update(AreaRevision).values(revision=AreaRevision.revision + 1))
    with session_scope() as session:
        if session.get_bind().dialect.name == "postgresql":
            session.execute(text("ANALYZE areas"))  # fresh planner statistics after the reseed
    return extent, extent


def _area(area_id, code, level, parent_id, path, geometry) -> dict:
    from backend.core.db import utcnow

    now = utcnow()
    return {
        "id": area_id,
        "code": code,
        "name": code,
        "level": level,
        "parent_id": parent_id,
        "path": path,
        "geom": from_shape(shapely.MultiPolygon([geometry]), srid=4326),
        "version": 1,
        "created_at": now,
        "updated_at": now,
    }


def random_points(count: int, extent: float, rng) -> tuple[np.ndarray, np.ndarray]:
    xs = ORIGIN[0] + rng.uniform(-0.005 * extent, 1.005 * extent, count)
    ys = ORIGIN[1] + rng.uniform(-0.005 * extent, 1.005 * extent, count)
    return xs, ys


def route_each(index, xs: list[float], ys: list[float]) -> None:
    for x, y in zip(xs, ys, strict=True):
        index.route(x, y)


def query_each(session, query, xs: list[float], ys: list[float]) -> None:
    """One query per point, the lowest code taken client-side as the index does."""
    for x, y in zip(xs, ys, strict=True):
        min(session.execute(query, {"x": x, "y": y}).scalars(), default=None)


def http_rate(url: str, xs, ys) -> float:
    """Sequential single-point GET /api/v1/grids/locate over one keep-alive connection."""
    data_dir = tempfile.mkdtemp(prefix="firegrid-bench-routing-")
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": url,
        "FIREGRID_DATA_DIR": data_dir,
        "FIREGRID_LOG_LEVEL": "WARNING",
    }
    password = "bench-password-" + uuid.uuid4().hex[:8]
    username = "bench." + uuid.uuid4().hex[:8]
    subprocess.run(
        [BIN / "firegrid", "users", "create", username, "--role", "admin"],
        input=password + "\n",
        text=True,
        env=env,
        check=True,
        capture_output=True,
    )
    with firegrid_server(env) as url, httpx.Client(base_url=url, timeout=60) as client:
        token = client.post(
            "/api/v1/auth/token", data={"username": username, "password": password}
        ).json()
        headers = {"Authorization": f"Bearer {token['access_token']}"}
        client.get(
            "/api/v1/grids/locate", params={"lng": xs[0], "lat": ys[0]}, headers=headers
        ).raise_for_status()
        started = time.perf_counter()
        for x, y in zip(xs, ys, strict=True):
            client.get("/api/v1/grids/locate", params={"lng": x, "lat": y}, headers=headers)
        return len(xs) / (time.perf_counter() - started)


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    if not url:
        sys.exit(
            "routing benchmark needs FIREGRID_BENCH_DATABASE_URL (a PostGIS database); run `make bench B=routing`"
        )
    targets = Targets()
    rng = np.random.default_rng(20261123)
    with using_database(url):
        from backend.core.db import session_scope
        from grids import routing

        for size in SIZES:
            started = time.perf_counter()
            extent, _ = seed(session_scope, size)
            print(f"--- {size:,} grids (seeded in {time.perf_counter() - started:.1f} s)")

            gc.collect()
            before = rss_bytes()
            with session_scope(read_only=True) as session:
                index = routing.build_index(session, snap_m=200.0)
            memory_mb = (rss_bytes() - before) / 2**20

            def rebuild() -> None:
                with session_scope(read_only=True) as session:
                    routing.build_index(session, snap_m=200.0)

            def read_grid_rows() -> None:
                """The baseline: the rows the rebuild reads, fetched plainly."""
                with session_scope(read_only=True) as session:
                    session.execute(GRID_ROWS).all()

            read_grid_rows()
            # At 10k both sides take 50-150 ms, of the order of what a busy machine's scheduler
            # takes away at random: more samples there.
            repeats = 3 if size >= 100_000 else 11
            rebuild_s, read_s = interleaved_medians(rebuild, read_grid_rows, repeats)
            gc.collect()
            print(
                f"index rebuild from the database {rebuild_s:.2f} s, a plain read of its grid "
                f"rows {read_s:.2f} s (medians of {repeats}, interleaved); memory {memory_mb:.0f} MiB "
                "(RSS growth)"
            )

            xs, ys = random_points(BATCH_POINTS, extent, rng)
            index.route_arrays(xs[:1000], ys[:1000])
            routed = index.route_arrays(xs, ys)
            batch_pass = partial(index.route_arrays, xs, ys)

            sx, sy = xs[:SINGLE_POINTS].tolist(), ys[:SINGLE_POINTS].tolist()
            started = time.perf_counter()
            for x, y in zip(sx, sy, strict=True):
                index.route(x, y)
            cold_rate = SINGLE_POINTS / (time.perf_counter() - started)

            warm_pass = partial(route_each, index, sx, sy)
            agree = sum(
                index.route(x, y).grid is not None
                and index.route(x, y).grid.grid.code == index.grids[g].grid.code
                for x, y, g in zip(sx[:2000], sy[:2000], routed.grid[:2000], strict=True)
                if g >= 0
            )
            bx, by = xs[:BASELINE_POINTS].tolist(), ys[:BASELINE_POINTS].tolist()
            with session_scope(read_only=True) as session:
                # The GiST index finds candidates; the lowest code is picked client-side, as an
                # ORDER BY code LIMIT 1 lures the planner onto the code index and a full scan.
                query = text(
                    "SELECT code FROM areas WHERE level = 'grid' AND "
                    "ST_Contains(geom, ST_SetSRID(ST_MakePoint(:x, :y), 4326))"
                )
                trivial = text("SELECT CAST(:x AS float8) + CAST(:y AS float8)")

                postgis_pass = partial(query_each, session, query, bx, by)
                round_trip_pass = partial(query_each, session, trivial, bx, by)
                postgis_pass(), round_trip_pass()
                # Passes take turns, so that the machine's drift falls on all sides alike.
                batch_s, warm_s, postgis_s, round_trip_s = round_robin_medians(
                    [batch_pass, warm_pass, postgis_pass, round_trip_pass], 3
                )
                assert session.scalar(select(func.count()).select_from(text("areas"))) > size
            batch_rate = BATCH_POINTS / batch_s
            print(
                f"batch in process: {batch_rate:,.0f} points/s "
                f"({np.mean(routed.grid >= 0):.1%} routed to a grid)"
            )
            warm_rate = SINGLE_POINTS / warm_s
            baseline_rate = BASELINE_POINTS / postgis_s
            round_trip_rate = BASELINE_POINTS / round_trip_s
            print(
                f"single point in process: {cold_rate:,.0f}/s with cold buckets, {warm_rate:,.0f}/s warm "
                f"(single and batch agree on {agree} of {int(np.sum(routed.grid[:2000] >= 0))})"
            )
            print(
                f"PostGIS ST_Contains per point (baseline): {baseline_rate:,.0f}/s; the round trip "
                f"alone (SELECT of the two parameters): {round_trip_rate:,.0f}/s, so "
                f"{1e6 / baseline_rate - 1e6 / round_trip_rate:.0f} of "
                f"{1e6 / baseline_rate:.0f} µs per point is the query (medians of 3 passes, "
                "interleaved with the in-process ones)"
            )

            http = http_rate(url, xs[:HTTP_POINTS].tolist(), ys[:HTTP_POINTS].tolist())
            print(f"HTTP GET /api/v1/grids/locate, one at a time: {http:,.0f}/s")

            label = f"{size // 1000}k"
            targets.check(
                f"routing_index_rebuild_vs_read_{label}",
                rebuild_s / read_s,
                REBUILD_OVER_READ,
                beside=(
                    f"rebuild {rebuild_s:.2f} s (goal < {GOAL_REBUILD_S:.0f} s at 100k), read "
                    f"{read_s:.2f} s; threshold = {GOAL_REBUILD_S:.0f} s / (0.78 s / 1.98)"
                ),
            )
            targets.check(
                f"routing_single_vs_postgis_{label}",
                warm_rate / baseline_rate,
                SINGLE_OVER_POSTGIS[size],
                lower_is_better=False,
                beside=(
                    f"{warm_rate:,.0f} points/s in process, PostGIS {baseline_rate:,.0f}/s (round "
                    f"trip alone {round_trip_rate:,.0f}/s); the issue's 100x at 100k"
                    + ("" if size == 100_000 else " = 100 x 2,796 / 3,838 here")
                ),
            )
            if size == 100_000:
                targets.check(
                    "routing_batch_vs_postgis_100k",
                    batch_rate / baseline_rate,
                    BATCH_OVER_POSTGIS,
                    lower_is_better=False,
                    beside=(
                        f"batch {batch_rate:,.0f} points/s (goal ≥ {GOAL_BATCH_PER_S:,.0f}/s), "
                        f"PostGIS {baseline_rate:,.0f}/s; threshold = 400,000 / 2,796"
                    ),
                )
            print(
                json.dumps(
                    {
                        "size": size,
                        "memory_mib": round(memory_mb),
                        "cold_single_per_s": round(cold_rate),
                        "http_per_s": round(http),
                    }
                )
            )
            del index
    targets.exit()


if __name__ == "__main__":
    main()
