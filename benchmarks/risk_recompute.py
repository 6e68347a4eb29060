"""Recomputing every risk score at county scale, on PostGIS: 100,000 premises with 43,000
hazards (open and closed) and 10,000 complaints, scored and written in one pass.

    make bench B=risk_recompute

The demo's area tree is loaded, then 100,000 premises are spread over the grids of one
district (each at its own point), a third of them with an open hazard, a tenth with a major
one closed this year and a tenth with a complaint at their door, all generated in the
database in chunks (a PostgreSQL-only shortcut acceptable in a benchmark). The step is the
real service call in its own transaction with its commit: `risk.service.recompute`, three
times: into empty tables (every row written), again (nothing changed: no row written), and as
of next month (the season's share changes: every row deleted and written again, the worst
case). The measure is the slowest of the three.

The baseline is reading the same premises rows alone (the scorer's own first query,
`risk.service.premises_query`), timed before the first run and after each (the median of
four). The issue's goal is 30 s; the ratio's threshold is that goal divided by the read's
median over the runs that set it (READ_WHEN_SET_S, docs/performance.md), and the goal as this
run's read would make it is printed beside. SpatiaLite is not benchmarked: it serves a
township, not a county's 100,000 premises (docs/performance.md).
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, using_database  # noqa: E402

PREMISES = 100_000
CHUNK = 5_000
DISTRICT = "450202"

# The goal: 100,000 premises in 30 s. READ_WHEN_SET_S is the baseline read's median
# over the five runs of 2026-12-06 that set the threshold (docs/performance.md, risk_recompute:
# each run's median 0.98-2.48 s, on a shared machine with load averages of 3-10).
GOAL_S = 30.0
READ_WHEN_SET_S = 1.06
RECOMPUTE_VS_READ = round(GOAL_S / READ_WHEN_SET_S, 1)

PREMISES_SQL = """
INSERT INTO premises (
    id, name, uscc, individual_business, premises_type, risk_level, supervision_tier, key_unit,
    address, lng, lat, location, raw_lng, raw_lat, raw_crs, area_id, area_path, route_status,
    contact_name, contact_phone, credit_status, archived, version, created_at, updated_at)
SELECT gen_random_uuid(), '压测单位' || n, NULL, true,
    (ARRAY['small_venue','small_venue','residential','living_workshop','public_gathering',
           'flammable_explosive'])[1 + n % 6],
    (ARRAY['low','low','medium','high'])[1 + n % 4],
    (ARRAY['township','township','police_station','brigade'])[1 + n % 4], n % 50 = 0,
    '示例路' || n || '号', 109.3 + (n % 1000) * 0.0002, 24.2 + (n / 1000) * 0.0002,
    ST_SetSRID(ST_MakePoint(109.3 + (n % 1000) * 0.0002, 24.2 + (n / 1000) * 0.0002), 4326),
    109.3, 24.2, 'wgs84', g.id, g.path, 'inside', NULL, NULL,
    (ARRAY['normal','normal','normal','red_list','watch','blacklist'])[1 + n % 6], false, 1,
    now(), now()
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
JOIN (
    SELECT id, path, row_number() OVER (ORDER BY code) - 1 AS k
    FROM areas WHERE level = 'grid' AND path LIKE :district
) AS g ON g.k = n % :grids
"""

HAZARDS_SQL = """
INSERT INTO hazards (
    id, source, category, severity, state, is_open, description, lng, lat, location,
    raw_lng, raw_lat, raw_crs, area_id, area_path, route_status, premises_id, reported_at,
    closed_at, level, level_since, failed_rechecks, version, updated_at)
SELECT gen_random_uuid(), 'patrol', 'ebike_indoor', :severity, :state, :open, 'bench',
    p.lng, p.lat, p.location, p.lng, p.lat, 'wgs84', p.area_id, p.area_path, 'inside', p.id,
    now() - interval '40 days', CASE WHEN :open THEN NULL ELSE now() - interval '10 days' END,
    0, now(), 0, 1, now()
FROM premises p WHERE p.name LIKE '压测单位%'
    AND CAST(substr(p.name, 5) AS integer) % :every = 0
    AND CAST(substr(p.name, 5) AS integer) BETWEEN :first AND :last
"""

COMPLAINTS_SQL = """
INSERT INTO complaints (
    id, channel, external_id, intake_digest, kind, text, address, urgent, anonymous,
    received_at, lng, lat, location, raw_lng, raw_lat, raw_crs, area_id, area_path,
    route_status, state, verify_due_at, reply_due_at, reminded, escalation, version,
    created_at, updated_at)
SELECT gen_random_uuid(), '12345', 'bench-' || p.name, 'x', 'report', '安全出口被锁闭',
    p.address, false, true, now() - interval '20 days', p.lng, p.lat, p.location, p.lng, p.lat,
    'wgs84', p.area_id, p.area_path, 'inside', 'closed', now(), now(), false, 0, 1, now(), now()
FROM premises p WHERE p.name LIKE '压测单位%'
    AND CAST(substr(p.name, 5) AS integer) % 10 = 5
    AND CAST(substr(p.name, 5) AS integer) BETWEEN :first AND :last
"""


def seed(session_scope, grids: int) -> None:
    """100,000 premises over `grids` grids of the district, their hazards and complaints."""
    for first in range(1, PREMISES + 1, CHUNK):
        last = min(first + CHUNK - 1, PREMISES)
        with session_scope() as session:
            session.execute(
                text(PREMISES_SQL),
                {"first": first, "last": last, "district": f"/{DISTRICT}/%", "grids": grids},
            )
        with session_scope() as session:
            for severity, state, is_open, every in (
                ("ordinary", "rectification_ordered", True, 3),
                ("major", "verified_closed", False, 10),
            ):
                session.execute(
                    text(HAZARDS_SQL),
                    {
                        "severity": severity,
                        "state": state,
                        "open": is_open,
                        "every": every,
                        "first": first,
                        "last": last,
                    },
                )
            session.execute(text(COMPLAINTS_SQL), {"first": first, "last": last})
    with session_scope() as session:
        session.execute(text("ANALYZE"))


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    if not url:
        sys.exit(
            "risk_recompute benchmark needs FIREGRID_BENCH_DATABASE_URL (PostGIS); "
            "run `make bench B=risk_recompute`"
        )
    os.environ["FIREGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="firegrid-bench-risk-")
    targets = Targets()
    with using_database(url):
        from backend import demo
        from backend.core import audit
        from backend.core.db import session_scope, utcnow
        from backend.core.settings import get_settings
        from risk import service

        settings = get_settings()
        with session_scope() as session:
            demo.load(session, settings)
            grids = session.scalar(
                text("SELECT count(*) FROM areas WHERE level = 'grid' AND path LIKE :d"),
                {"d": f"/{DISTRICT}/%"},
            )
        started = time.perf_counter()
        seed(session_scope, grids)
        with session_scope() as session:
            total = session.scalar(text("SELECT count(*) FROM premises"))
            hazards = session.scalar(text("SELECT count(*) FROM hazards"))
            complaints = session.scalar(text("SELECT count(*) FROM complaints"))
        print(
            f"seeded {PREMISES:,} premises over {grids} grids, {hazards:,} hazards, "
            f"{complaints:,} complaints in {time.perf_counter() - started:.1f} s"
        )

        def read_rows() -> float:
            with session_scope() as session:
                started = time.perf_counter()
                rows = session.execute(service.premises_query()).all()
                assert len(rows) >= PREMISES
                return time.perf_counter() - started

        now = utcnow()
        reads = [read_rows()]
        runs = []
        for what, as_of in (
            ("into empty tables", now),
            ("again, nothing changed", now),
            ("as of next month, every row changed", now + timedelta(days=31)),
        ):
            started = time.perf_counter()
            with session_scope() as session:
                outcome = service.recompute(
                    session, settings, actor=audit.Actor.system(), trigger="command", as_of=as_of
                )
            runs.append(time.perf_counter() - started)
            reads.append(read_rows())
            print(
                f"recomputed {outcome.premises:,} premises ({outcome.changed:,} written) and "
                f"{outcome.grids} grids {what} in {runs[-1]:.2f} s; by step: "
                + ", ".join(f"{k} {v:.2f}" for k, v in outcome.phases.items())
            )
        with session_scope() as session:
            levels = dict(
                session.execute(
                    text("SELECT level, count(*) FROM risk_scores GROUP BY level")
                ).all()
            )
            exact = session.scalar(
                text(
                    "SELECT count(*) FROM risk_scores WHERE score <> ("
                    "SELECT sum(CAST(c->>'points' AS integer)) "
                    "FROM json_array_elements(contributions) AS c)"
                )
            )
        print(f"levels: {levels}; scores that are not their contributions' sum: {exact}")
        assert total >= PREMISES and outcome.premises >= PREMISES and exact == 0
    read_s = statistics.median(reads)
    recompute_s = max(runs)
    print(
        f"reads of the premises rows: {', '.join(f'{r:.2f}' for r in reads)} s; "
        f"median {read_s:.2f} s"
    )
    targets.check(
        "risk_recompute_100k_vs_read",
        recompute_s / read_s,
        RECOMPUTE_VS_READ,
        beside=(
            f"recompute {recompute_s:.2f} s, the slowest of three (goal ≤ {GOAL_S:.0f} s), "
            f"read {read_s:.2f} s; threshold {GOAL_S:.0f} s / {READ_WHEN_SET_S:.2f} s; "
            f"in this run's read the goal would be {GOAL_S / read_s:.1f}"
        ),
    )
    targets.exit()


if __name__ == "__main__":
    main()
