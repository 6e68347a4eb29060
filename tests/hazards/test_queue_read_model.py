"""The hazard queue as the station console reads it: names beside ids, the total in
`X-Total-Count`, filters by source, level and reporting day, and orders named by `sort`."""

from __future__ import annotations

import uuid
from contextlib import contextmanager
from datetime import UTC, datetime

from sqlalchemy import event, update

from tests.world import hazard_body


def report(api, person, **fields) -> dict:
    response = api.post("/api/v1/hazards", json=hazard_body(**fields), headers=person.headers(api))
    assert response.status_code == 201, response.text
    return response.json()


def set_columns(db, hazard_id: str, **values) -> None:
    from hazards.models import Hazard

    with db() as session:
        session.execute(update(Hazard).where(Hazard.id == uuid.UUID(hazard_id)).values(**values))


@contextmanager
def counting_statements(engine):
    """SELECTs the served app sends to the database meanwhile (it runs in this process)."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", note)


def test_each_row_carries_the_names_beside_its_ids(
    api, db, grid, grid_worker, grid_leader, station_staff, premises, citizen
):
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == citizen.id).values(display_name="张三丰"))
        session.execute(update(User).where(User.id == grid_worker.id).values(display_name="李网格"))
    mine = report(api, grid_worker, premises_id=premises)
    theirs = report(api, citizen, source="citizen", category="open_flame", lng=109.415)

    listed = api.get("/api/v1/hazards", headers=station_staff.headers(api))
    assert listed.status_code == 200, listed.text
    rows = {h["id"]: h for h in listed.json()}
    assert listed.headers["X-Total-Count"] == "2"
    row = rows[mine["id"]]
    assert (row["area_code"], row["area_name"]) == (grid.code, f"测试grid{grid.code}")
    assert row["premises_name"] == "幸福小吃店"
    assert (row["handler_kind"], row["handler_id"], row["handler_name"]) == (
        "primary_worker",
        str(grid_worker.id),
        "李网格",
    )
    assert rows[theirs["id"]]["reporter"] == "张*"
    assert rows[theirs["id"]]["premises_name"] is None

    # A citizen following their report sees who holds it masked, and no user id.
    own = api.get(f"/api/v1/hazards/{theirs['id']}", headers=citizen.headers(api)).json()
    assert (own["handler_kind"], own["handler_id"], own["handler_name"]) == (
        "primary_worker",
        None,
        "李*",
    )


def test_the_handler_follows_the_level_that_holds_it(
    api, db, grid, grid_worker, grid_leader, station_staff, county
):
    at_grid, at_village, at_town, at_county = (report(api, grid_worker) for _ in range(4))
    for hazard, level in ((at_village, 1), (at_town, 2), (at_county, 3)):
        set_columns(db, hazard["id"], level=level)
    rows = {
        h["id"]: h for h in api.get("/api/v1/hazards", headers=station_staff.headers(api)).json()
    }
    assert rows[at_grid["id"]]["handler_kind"] == "primary_worker"
    assert (rows[at_village["id"]]["handler_kind"], rows[at_village["id"]]["handler_id"]) == (
        "grid_leader",
        str(grid_leader.id),
    )
    assert rows[at_town["id"]]["handler_kind"] == "township_station"
    assert rows[at_town["id"]]["handler_name"].endswith("消防工作站")
    assert (rows[at_county["id"]]["handler_kind"], rows[at_county["id"]]["handler_name"]) == (
        "county_brigade",
        f"测试county{county.code}消防救援大队",
    )


def test_names_are_loaded_in_the_same_queries_for_a_page_of_two_or_of_twelve(
    api, db, engine, grid, other_grid, grid_worker, backup_worker, station_staff, premises
):
    headers = station_staff.headers(api)
    for i in range(12):
        report(api, grid_worker, premises_id=premises if i % 2 else None, lng=109.41 + i * 0.002)
    # The caller and their scope known (kept a few seconds) to both counted requests alike.
    api.get("/api/v1/hazards?limit=1", headers=headers)
    with counting_statements(engine) as two:
        assert len(api.get("/api/v1/hazards?limit=2", headers=headers).json()) == 2
    with counting_statements(engine) as twelve:
        assert len(api.get("/api/v1/hazards?limit=12", headers=headers).json()) == 12
    assert len(two) == len(twelve) <= 12, twelve


def test_the_total_counts_every_page_and_follows_the_filters(api, grid, grid_worker, citizen):
    headers = grid_worker.headers(api)
    for _ in range(5):
        report(api, grid_worker)
    report(api, citizen, source="citizen")

    page = api.get("/api/v1/hazards?limit=2&offset=2", headers=headers)
    assert (len(page.json()), page.headers["X-Total-Count"]) == (2, "6")
    past_the_end = api.get("/api/v1/hazards?limit=2&offset=10", headers=headers)
    assert (past_the_end.json(), past_the_end.headers["X-Total-Count"]) == ([], "6")
    by_citizens = api.get("/api/v1/hazards?source=citizen", headers=headers)
    assert by_citizens.headers["X-Total-Count"] == "1"
    assert {h["source"] for h in by_citizens.json()} == {"citizen"}


def test_reporting_days_are_beijing_calendar_days(api, db, grid, grid_worker):
    headers = grid_worker.headers(api)
    late_on_the_4th = report(api, grid_worker)  # 23:30 in Beijing on 4 December
    early_on_the_5th = report(api, grid_worker)  # 00:30 in Beijing on 5 December
    on_the_6th = report(api, grid_worker)
    set_columns(db, late_on_the_4th["id"], reported_at=datetime(2026, 12, 4, 15, 30, tzinfo=UTC))
    set_columns(db, early_on_the_5th["id"], reported_at=datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    set_columns(db, on_the_6th["id"], reported_at=datetime(2026, 12, 6, 4, 0, tzinfo=UTC))

    def ids(query: str) -> set[str]:
        response = api.get(f"/api/v1/hazards?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return {h["id"] for h in response.json()}

    assert ids("reported_from=2026-12-05&reported_to=2026-12-05") == {early_on_the_5th["id"]}
    assert ids("reported_to=2026-12-04") == {late_on_the_4th["id"]}
    assert ids("reported_from=2026-12-05") == {early_on_the_5th["id"], on_the_6th["id"]}
    backwards = api.get(
        "/api/v1/hazards?reported_from=2026-12-06&reported_to=2026-12-05", headers=headers
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "reported_to"


def test_level_filter_and_sort_keys(api, db, grid, grid_worker, station_staff):
    headers = station_staff.headers(api)
    a, b, c = (report(api, grid_worker) for _ in range(3))
    set_columns(
        db,
        a["id"],
        reported_at=datetime(2026, 12, 1, tzinfo=UTC),
        level=2,
        severity="major",
        level_due_at=datetime(2026, 12, 20, tzinfo=UTC),
    )
    set_columns(
        db,
        b["id"],
        reported_at=datetime(2026, 12, 2, tzinfo=UTC),
        level_due_at=datetime(2026, 12, 10, tzinfo=UTC),
    )
    set_columns(
        db,
        c["id"],
        reported_at=datetime(2026, 12, 3, tzinfo=UTC),
        level_due_at=datetime(2026, 12, 15, tzinfo=UTC),
    )

    def order(sort: str | None, extra: str = "") -> list[str]:
        query = (f"sort={sort}&" if sort else "") + extra
        response = api.get(f"/api/v1/hazards?{query}", headers=headers)
        assert response.status_code == 200, response.text
        return [h["id"] for h in response.json()]

    assert order(None) == [b["id"], c["id"], a["id"]]  # the default: by when due
    assert order("level_due_at") == [b["id"], c["id"], a["id"]]
    assert order("-level_due_at") == [a["id"], c["id"], b["id"]]
    assert order("reported_at") == [a["id"], b["id"], c["id"]]
    assert order("-reported_at") == [c["id"], b["id"], a["id"]]
    assert order("severity") == [a["id"], b["id"], c["id"]]  # major first, then oldest
    assert order("-level") == [a["id"], b["id"], c["id"]]
    assert order(None, "level=2") == [a["id"]]
    assert order(None, "level=0") == [b["id"], c["id"]]

    unknown = api.get("/api/v1/hazards?sort=colour", headers=headers)
    assert unknown.status_code == 422
    assert unknown.headers["content-type"].startswith("application/problem+json")
    assert [e["field"] for e in unknown.json()["errors"]] == ["query.sort"]
