"""Recomputing the scores: a complaint counts for the premises within 50 m of it in its own grid
and no other; a run that finds a premises' score unchanged leaves its row alone and writes only
what changed; and two workers (or a worker and `firegrid risk recompute`) never recompute at
the same time: the second worker passes by, a second recomputation waits its turn, and neither
fails on the scores' keys."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from backend.core import audit
from backend.core.db import session_scope, utcnow
from backend.core.settings import get_settings
from risk import service
from risk.models import RiskRun, RiskScore
from risk.scheduled import recompute_nightly
from tests.world import complaint_body, premises_body, send_complaint

METRE = 1 / 111_320  # a metre north, in degrees of latitude


def register(api, staff, name: str, lng: float, lat: float) -> uuid.UUID:
    created = api.post(
        "/api/v1/premises",
        json=premises_body(name=name, lng=lng, lat=lat, uscc=None, individual_business=True),
        headers=staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return uuid.UUID(created.json()["id"])


def complain(api, hotline, external_id: str, lng: float, lat: float) -> None:
    sent = send_complaint(
        api,
        hotline,
        complaint_body(external_id=external_id, location={"lng": lng, "lat": lat, "crs": "wgs84"}),
    )
    assert sent.status_code in (200, 201), sent.text


def recompute(db, as_of=None) -> service.RunOutcome:
    with db() as session:
        return service.recompute(
            session, get_settings(), actor=audit.Actor.system(), trigger="test", as_of=as_of
        )


def complaints_counted(db) -> dict[uuid.UUID, int]:
    with db() as session:
        scores = session.scalars(select(RiskScore)).all()
    return {
        s.premises_id: next(
            (c["facts"]["complaint"] for c in s.contributions if c["factor"] == "complaints"), 0
        )
        for s in scores
    }


def test_a_complaint_counts_for_the_premises_near_it_in_its_grid_only(
    api, db, grid, other_grid, station_staff, hotline
):
    shop = register(api, station_staff, "幸福小吃店", 109.41, 24.35)
    up_the_road = register(api, station_staff, "百米外小卖部", 109.41, 24.35 + 100 * METRE)
    next_grid = register(api, station_staff, "隔壁网格修车铺", 109.4252, 24.35)
    complain(api, hotline, "12345-near-1", 109.41, 24.35 + 20 * METRE)  # 20 m from the shop
    complain(api, hotline, "12345-near-2", 109.4249, 24.35)  # 30 m from next_grid, but in grid
    recompute(db)
    assert complaints_counted(db) == {shop: 1, up_the_road: 0, next_grid: 0}


def test_a_run_writes_only_the_scores_that_changed(api, db, grid, station_staff, hotline):
    shop = register(api, station_staff, "幸福小吃店", 109.41, 24.35)
    quiet = register(api, station_staff, "百米外小卖部", 109.41, 24.35 + 100 * METRE)
    first = recompute(db)
    assert first.changed == first.premises == 2
    with db() as session:
        computed = dict(session.execute(select(RiskScore.premises_id, RiskScore.computed_at)).all())

    again = recompute(db, as_of=utcnow() + timedelta(seconds=1))
    assert again.changed == 0 and again.premises == 2

    complain(api, hotline, "12345-changed-1", 109.41, 24.35)
    after = recompute(db, as_of=utcnow() + timedelta(seconds=2))
    assert after.changed == 1
    with db() as session:
        now = dict(session.execute(select(RiskScore.premises_id, RiskScore.computed_at)).all())
        runs = session.scalars(select(RiskRun).order_by(RiskRun.computed_at)).all()
    assert now[quiet] == computed[quiet]  # left alone: the score has not changed since
    assert now[shop] > computed[shop]
    assert [r.changed for r in runs] == [2, 0, 1]
    # A reader is told both: when the score last changed, and that it is current as of the run.
    why = api.get(f"/api/v1/risk/premises/{quiet}", headers=station_staff.headers(api)).json()
    assert datetime.fromisoformat(why["computed_at"]) == computed[quiet]
    assert datetime.fromisoformat(why["checked_at"]) == runs[-1].computed_at
    page = api.get("/api/v1/risk/premises", headers=station_staff.headers(api)).json()
    assert datetime.fromisoformat(page["checked_at"]) == runs[-1].computed_at
    assert complaints_counted(db) == {shop: 1, quiet: 0}

    archived = api.delete(f"/api/v1/premises/{quiet}", headers=station_staff.headers(api))
    assert archived.status_code == 204, archived.text
    gone = recompute(db, as_of=utcnow() + timedelta(seconds=3))  # archived: no longer scored
    assert gone.premises == 1 and gone.changed == 0
    assert set(complaints_counted(db)) == {shop}


@pytest.mark.postgresql_only
def test_a_second_worker_passes_by_while_the_first_recomputes(db, api, grid, station_staff):
    register(api, station_staff, "幸福小吃店", 109.41, 24.35)
    settings = get_settings().model_copy(update={"risk_recompute_hour": 0})
    ran, second_done = threading.Event(), threading.Event()
    first: list[int] = []

    def first_worker() -> None:
        with session_scope() as session:
            first.append(recompute_nightly(session, settings))
            ran.set()
            second_done.wait(3)

    thread = threading.Thread(target=first_worker)
    thread.start()
    try:
        assert ran.wait(30), "the first worker's job failed"
        with session_scope() as session:  # the first has not committed yet
            second = recompute_nightly(session, settings)
    finally:
        second_done.set()
        thread.join(30)
    assert (first[0], second) == (1, 0)
    with session_scope() as session:  # and once it has, a later pass finds today's run done
        assert recompute_nightly(session, settings) == 0
        assert session.scalar(select(func.count()).select_from(RiskRun)) == 1


@pytest.mark.postgresql_only
def test_a_second_recomputation_waits_for_the_first_and_neither_fails(db, api, grid, station_staff):
    for n in range(3):
        register(api, station_staff, f"单位{n}", 109.41, 24.35 + n * 100 * METRE)

    def run(session) -> int:
        return service.recompute(
            session, get_settings(), actor=audit.Actor.system(), trigger="test"
        ).premises

    ran = threading.Event()
    first: list[int] = []

    def first_run() -> None:
        with session_scope() as session:
            first.append(run(session))
            ran.set()
            time.sleep(1)  # still open while the second starts

    thread = threading.Thread(target=first_run)
    thread.start()
    try:
        assert ran.wait(30), "the first recomputation failed"
        started = time.monotonic()
        with session_scope() as session:  # without the lock: a duplicate key on risk_scores
            second = run(session)
        waited = time.monotonic() - started
    finally:
        thread.join(30)
    assert (first[0], second) == (3, 3)
    assert waited > 0.5  # it waited for the first to commit
    with session_scope() as session:
        assert session.scalar(select(func.count()).select_from(RiskScore)) == 3
        assert session.scalar(select(func.count()).select_from(RiskRun)) == 2


def test_the_risk_map_shows_scored_premises_in_scope_reddest_first(
    api, db, grid, other_township, station_staff, other_station_staff, grid_worker, hotline
):
    shop = register(api, station_staff, "幸福小吃店", 109.41, 24.35)
    home = register(api, station_staff, "临街住宅", 109.41, 24.35 + 100 * METRE)
    for n in (1, 2):
        complain(api, hotline, f"12345-map-{n}", 109.41, 24.35)
    recompute(db)

    answer = api.get(
        "/api/v1/risk/map",
        params={"bbox": "109.40,24.30,109.42,24.40", "limit": 1},
        headers=station_staff.headers(api),
    )
    assert answer.status_code == 200, answer.text
    page = answer.json()
    assert page["type"] == "FeatureCollection" and page["next_offset"] == 1
    [first] = page["features"]
    assert first["id"] == str(shop) and first["geometry"]["coordinates"] == [109.41, 24.35]
    assert first["properties"]["area_code"] == grid.code
    assert first["properties"]["level_zh"] in ("低", "中", "高", "很高")
    rest = api.get(
        "/api/v1/risk/map", params={"offset": 1}, headers=station_staff.headers(api)
    ).json()
    assert [f["id"] for f in rest["features"]] == [str(home)] and rest["next_offset"] is None
    assert rest["features"][0]["properties"]["score"] <= first["properties"]["score"]

    elsewhere = api.get("/api/v1/risk/map", headers=other_station_staff.headers(api))
    assert elsewhere.status_code == 200 and elsewhere.json()["features"] == []
    outside_box = api.get(
        "/api/v1/risk/map",
        params={"bbox": "109.45,24.30,109.50,24.40"},
        headers=station_staff.headers(api),
    ).json()
    assert outside_box["features"] == []
    refused = api.get("/api/v1/risk/map", headers=grid_worker.headers(api))
    assert refused.status_code == 403  # grid workers do not read risk scores
