"""Patrol planning and random-inspection draws at county scale, on PostGIS, in one run:
a month's tasks for 100,000 premises, and a draw over 100,000 units.

    make bench B=patrols

The demo's area tree and workers are loaded, then 100,000 premises are spread over the grids
of one district (generated in the database in chunks: a PostgreSQL-only shortcut acceptable
in a benchmark). Both steps are the real service calls, each in its own transaction with its
commit: `patrols.plans.generate_plan_tasks` (frequency rules, who handles each grid, one
task per due premises, the audit event) and `patrols.inspections.service.run_draw` (reading
the object and inspector directories, the hash-seeded draw, storing inputs and 5 % of the
units as assignments, the audit event). The baseline is reading the district's premises rows
alone, timed before the plan, between the plan and the draw, and after the draw (the median
of the three): each target is a step's time over that read's.
"""

from __future__ import annotations

import json
import os
import statistics
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import select, text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import Targets, using_database  # noqa: E402

PREMISES = 100_000
CHUNK = 5_000
DISTRICT = "450202"

# The goals on these machines: a month's plan in 10 s, a draw in 2 s. When they were
# set and met (2026-11-24, session 3, docs/performance.md) reading the rows took 0.60 s in the
# run recorded last (the draw 1.86 s, 3.1x the read; the plan 7.6-7.9 s, 13x in such runs).
GOAL_PLAN_S, GOAL_DRAW_S = 10.0, 2.0
READ_WHEN_SET_S = 0.60
PLAN_VS_READ = round(GOAL_PLAN_S / READ_WHEN_SET_S, 1)  # 16.7
DRAW_VS_READ = round(GOAL_DRAW_S / READ_WHEN_SET_S, 2)  # 3.33

SEED = """
INSERT INTO premises (
    id, name, uscc, individual_business, premises_type, risk_level, supervision_tier, key_unit,
    address, lng, lat, location, raw_lng, raw_lat, raw_crs, area_id, area_path, route_status,
    contact_name, contact_phone, credit_status, archived, version, created_at, updated_at)
SELECT gen_random_uuid(), '压测单位' || n, NULL, true,
    (ARRAY['small_venue','small_venue','small_venue','residential','living_workshop'])[1 + n % 5],
    (ARRAY['low','low','medium','high'])[1 + n % 4], 'township', n % 50 = 0,
    '示例路' || n || '号', 109.4, 24.3, ST_SetSRID(ST_MakePoint(109.4, 24.3), 4326),
    109.4, 24.3, 'wgs84', g.id, g.path, 'inside', NULL, NULL,
    (ARRAY['normal','normal','normal','red_list','watch','blacklist'])[1 + n % 6], false, 1,
    now(), now()
FROM generate_series(CAST(:first AS integer), CAST(:last AS integer)) AS n
JOIN (
    SELECT id, path, row_number() OVER (ORDER BY code) - 1 AS k
    FROM areas WHERE level = 'grid' AND path LIKE :district
) AS g ON g.k = n % :grids
"""


def main() -> None:
    url = os.environ.get("FIREGRID_BENCH_DATABASE_URL")
    if not url:
        sys.exit(
            "patrols benchmark needs FIREGRID_BENCH_DATABASE_URL (PostGIS); run `make bench B=patrols`"
        )
    os.environ["FIREGRID_DATA_DIR"] = tempfile.mkdtemp(prefix="firegrid-bench-patrols-")
    targets = Targets()
    with using_database(url):
        from backend import demo
        from backend.core.db import session_scope
        from backend.core.settings import get_settings
        from backend.identity.models import User
        from backend.identity.service import Principal
        from grids.premises.models import Premises
        from patrols import plans as patrols
        from patrols.inspections import service as inspections

        settings = get_settings()
        with session_scope() as session:
            demo.load(session, settings)
            session.execute(text("DELETE FROM patrol_tasks"))  # the demo's own month
            grids = session.scalar(
                text("SELECT count(*) FROM areas WHERE level = 'grid' AND path LIKE :d"),
                {"d": f"/{DISTRICT}/%"},
            )
        started = time.perf_counter()
        for first in range(1, PREMISES + 1, CHUNK):
            with session_scope() as session:
                session.execute(
                    text(SEED),
                    {
                        "first": first,
                        "last": min(first + CHUNK - 1, PREMISES),
                        "district": f"/{DISTRICT}/%",
                        "grids": grids,
                    },
                )
        with session_scope() as session:
            session.execute(text("ANALYZE"))
            total = session.scalar(text("SELECT count(*) FROM premises"))
        print(
            f"seeded {PREMISES:,} premises over {grids} grids in {time.perf_counter() - started:.1f} s"
        )

        def read_rows() -> float:
            with session_scope() as session:
                started = time.perf_counter()
                rows = session.execute(
                    select(Premises.id, Premises.premises_type, Premises.area_id)
                ).all()
                assert len(rows) >= PREMISES
                return time.perf_counter() - started

        reads = [read_rows()]
        print(f"baseline: reading {total:,} premises rows took {reads[0]:.2f} s")

        brigade = Principal.of(_user(session_scope, User, "brigade.chengzhong"))
        period = datetime.now().strftime("%Y-%m")
        started = time.perf_counter()
        with session_scope() as session:
            made = patrols.generate_plan_tasks(
                session, brigade, settings, area_code=DISTRICT, period=period
            )
        plan_s = time.perf_counter() - started
        reads.append(read_rows())
        started = time.perf_counter()
        with session_scope() as session:
            again = patrols.generate_plan_tasks(
                session, brigade, settings, area_code=DISTRICT, period=period
            )
        again_s = time.perf_counter() - started
        print(
            f"plan {period}: {made.created:,} tasks ({made.not_due:,} not due this month) in "
            f"{plan_s:.2f} s; run again: {again.created} new "
            f"in {again_s:.2f} s"
        )
        assert made.created > 0.6 * PREMISES and again.created == 0

        year = date.today().year
        with session_scope() as session:
            inspections.add_item(session, brigade, code="exits", title="疏散通道", basis="消防法")
            plan = inspections.create_plan(
                session,
                brigade,
                title="压测抽查",
                area_code=DISTRICT,
                starts_on=date(year, 1, 1),
                ends_on=date(year, 12, 31),
                rates=[{"tier": None, "risk": None, "rate": 0.05}],
                item_codes=["exits"],
            )
            plan_id = plan.id
        started = time.perf_counter()
        with session_scope() as session:
            drawn = inspections.run_draw(session, brigade, settings, plan_id, "bench 2026-11-24")
            candidates = len(json.loads(drawn.inputs)["candidates"])
            draw_id = drawn.id
        draw_s = time.perf_counter() - started
        reads.append(read_rows())
        read_s = statistics.median(reads)
        with session_scope() as session:
            count = session.scalar(
                text("SELECT count(*) FROM inspection_assignments WHERE draw_id = :d"),
                {"d": draw_id},
            )
            sound = inspections.verify(session, draw_id).sound
        print(
            f"draw over {candidates:,} units: {count:,} drawn in {draw_s:.2f} s; verifies: {sound}"
        )
        assert candidates >= PREMISES and sound and total >= PREMISES

    print(
        f"reads of the premises rows: {', '.join(f'{r:.2f}' for r in reads)} s; median {read_s:.2f} s"
    )
    targets.check(
        "patrols_plan_month_100k_vs_read",
        plan_s / read_s,
        PLAN_VS_READ,
        beside=(
            f"plan {plan_s:.2f} s (goal ≤ {GOAL_PLAN_S:.0f} s), read {read_s:.2f} s; "
            f"threshold = {GOAL_PLAN_S:.0f} s / {READ_WHEN_SET_S:.2f} s"
        ),
    )
    targets.check(
        "patrols_draw_100k_vs_read",
        draw_s / read_s,
        DRAW_VS_READ,
        beside=(
            f"draw {draw_s:.2f} s (goal ≤ {GOAL_DRAW_S:.0f} s), read {read_s:.2f} s; "
            f"threshold = {GOAL_DRAW_S:.0f} s / {READ_WHEN_SET_S:.2f} s"
        ),
    )
    targets.exit()


def _user(session_scope, model, username):
    with session_scope() as session:
        user = session.scalar(select(model).where(model.username == username))
        session.expunge(user)
        return user


if __name__ == "__main__":
    main()
