"""The escalation sweep's cost follows the due hazards, not the table: 1,000 due hazards among
10k and among 1M open ones, on PostGIS, in one run.

    make bench B=escalation

Rows are generated in the database (`generate_series`, a PostgreSQL-only shortcut acceptable in
a benchmark); the sweep is the real `hazards.scheduled.escalate_overdue_hazards`, escalating
each due hazard with its conditional update and audit event.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, using_database  # noqa: E402

DUE = 1_000
SIZES = (10_000, 1_000_000)

SEED = """
INSERT INTO hazards (
    id, source, category, severity, state, is_open, description, lng, lat, location,
    raw_lng, raw_lat, raw_crs, area_path, route_status, reported_at, level, level_since,
    level_due_at, escalate_at, failed_rechecks, version, updated_at)
SELECT gen_random_uuid(), 'patrol', 'ebike_indoor', 'ordinary', 'reported', true, 'bench',
    109.4 + random() * 0.1, 24.3 + random() * 0.1,
    ST_SetSRID(ST_MakePoint(109.4 + random() * 0.1, 24.3 + random() * 0.1), 4326),
    109.4, 24.3, 'wgs84', '/B/', 'inside', now(), 0, now(),
    CASE WHEN n <= :due THEN now() - interval '1 hour' ELSE now() + interval '30 days' END,
    CASE WHEN n <= :due THEN now() - interval '1 hour' ELSE now() + interval '30 days' END,
    0, 1, now()
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
"""
# Seeded in chunks: every row written takes the next change number from one row (decision
# 0008), and PostgreSQL's cost for updating one row many times grows with the count inside a
# transaction, so a million rows go in 5,000 at a time.
CHUNK = 5_000


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    if not url:
        sys.exit(
            "escalation benchmark needs FIREGRID_BENCH_DATABASE_URL (PostGIS); run `make bench B=escalation`"
        )
    targets = Targets()
    timings = {}
    with using_database(url):
        from backend.core.db import session_scope
        from backend.core.settings import get_settings
        from hazards.scheduled import escalate_overdue_hazards

        for total in SIZES:
            started = time.perf_counter()
            with session_scope() as session:
                session.execute(text("DELETE FROM hazard_decisions"))
                session.execute(text("DELETE FROM hazards"))
            for first in range(1, total + 1, CHUNK):
                with session_scope() as session:
                    session.execute(
                        text(SEED),
                        {"due": DUE, "first": first, "last": min(first + CHUNK - 1, total)},
                    )
            with session_scope() as session:
                session.execute(text("ANALYZE hazards"))
            print(
                f"--- {DUE:,} due among {total:,} open hazards (seeded in {time.perf_counter() - started:.1f} s)"
            )
            with session_scope() as session:
                started = time.perf_counter()
                escalated = escalate_overdue_hazards(session, get_settings(), batch=DUE)
                timings[total] = time.perf_counter() - started
            with session_scope() as session:
                again = escalate_overdue_hazards(session, get_settings(), batch=DUE)
            print(
                f"sweep escalated {escalated:,} in {timings[total]:.2f} s; a second sweep escalated {again}"
            )
            assert escalated == DUE and again == 0
    ratio = timings[SIZES[-1]] / timings[SIZES[0]]
    targets.check("escalation_sweep_1m_vs_10k", ratio, 2.0)
    targets.exit()


if __name__ == "__main__":
    main()
