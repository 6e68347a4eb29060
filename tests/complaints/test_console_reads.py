"""What the station console reads of complaints: names beside ids, the total in
`X-Total-Count`, filters by day, and whom a complaint may be dispatched to, by name."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from sqlalchemy import update

from tests.world import complaint_body, send_complaint


def received(api, hotline, n: int, **extra) -> dict:
    response = send_complaint(api, hotline, complaint_body(f"12345-2026-{n:06d}", **extra))
    assert response.status_code == 201, response.text
    return response.json()


def set_received_at(db, complaint_id: str, at: datetime) -> None:
    from complaints.models import Complaint

    with db() as session:
        session.execute(
            update(Complaint).where(Complaint.id == uuid.UUID(complaint_id)).values(received_at=at)
        )


def name(db, person, display_name: str) -> None:
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == person.id).values(display_name=display_name))


def test_the_list_names_the_assignee_and_the_area_and_counts_every_page(
    api, db, hotline, grid, grid_worker, station_staff
):
    name(db, grid_worker, "李网格")
    for n in range(3):
        received(api, hotline, n)
    staff = station_staff.headers(api)

    page = api.get("/api/v1/complaints?limit=2", headers=staff)
    assert page.status_code == 200, page.text
    assert page.headers["X-Total-Count"] == "3"
    row = page.json()[0]
    assert (row["assignee_id"], row["assignee"]) == (str(grid_worker.id), "李网格")
    assert (row["area_code"], row["area_name"]) == (grid.code, f"测试grid{grid.code}")
    assert row["caller_phone"] == "138****1234"
    rest = api.get("/api/v1/complaints?limit=2&offset=2", headers=staff)
    assert (len(rest.json()), rest.headers["X-Total-Count"]) == (1, "3")
    one = api.get(f"/api/v1/complaints/{row['id']}", headers=staff).json()
    assert (one["assignee"], one["area_name"]) == ("李网格", f"测试grid{grid.code}")


def test_received_days_are_beijing_calendar_days(
    api, db, hotline, grid, grid_worker, station_staff
):
    late_on_the_4th, early_on_the_5th = received(api, hotline, 1), received(api, hotline, 2)
    set_received_at(db, late_on_the_4th["id"], datetime(2026, 12, 4, 15, 30, tzinfo=UTC))
    set_received_at(db, early_on_the_5th["id"], datetime(2026, 12, 4, 16, 30, tzinfo=UTC))
    staff = station_staff.headers(api)

    on_the_5th = api.get(
        "/api/v1/complaints?received_from=2026-12-05&received_to=2026-12-05", headers=staff
    )
    assert [c["id"] for c in on_the_5th.json()] == [early_on_the_5th["id"]]
    assert on_the_5th.headers["X-Total-Count"] == "1"
    to_the_4th = api.get("/api/v1/complaints?received_to=2026-12-04", headers=staff).json()
    assert [c["id"] for c in to_the_4th] == [late_on_the_4th["id"]]
    backwards = api.get(
        "/api/v1/complaints?received_from=2026-12-06&received_to=2026-12-05", headers=staff
    )
    assert backwards.status_code == 422
    assert backwards.json()["errors"][0]["field"] == "received_to"


def test_dispatch_candidates_are_the_grids_team_and_leaders_by_name(
    api,
    db,
    hotline,
    grid,
    grid_worker,
    backup_worker,
    grid_leader,
    station_staff,
    other_station_staff,
):
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == backup_worker.id).values(phone="13912345678"))
    name(db, backup_worker, "王后备")
    staff = station_staff.headers(api)
    team = api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(grid_worker.id), "backups": [str(backup_worker.id)]},
        headers=staff,
    )
    assert team.status_code == 200, team.text
    off = api.put(
        f"/api/v1/users/{grid_worker.id}/duty", json={"status": "off_duty"}, headers=staff
    )
    assert off.status_code == 200, off.text
    complaint = received(api, hotline, 7)
    assert complaint["assignee_id"] == str(backup_worker.id)  # the primary is off duty

    response = api.get(f"/api/v1/complaints/{complaint['id']}/candidates", headers=staff)
    assert response.status_code == 200, response.text
    rows = [
        (c["user_id"], c["relation"], c["available_today"], c["recommended"])
        for c in response.json()
    ]
    assert rows == [
        (str(grid_worker.id), "primary", False, False),
        (str(backup_worker.id), "backup", True, True),
        (str(grid_leader.id), "grid_leader", True, False),
    ]
    backup = response.json()[1]
    assert (backup["display_name"], backup["phone"], backup["area_code"]) == (
        "王后备",
        "139****5678",
        grid.code,
    )

    # A worker does not dispatch; another township's station does not see the complaint.
    as_worker = api.get(
        f"/api/v1/complaints/{complaint['id']}/candidates", headers=grid_worker.headers(api)
    )
    assert as_worker.status_code == 403
    elsewhere = api.get(
        f"/api/v1/complaints/{complaint['id']}/candidates",
        headers=other_station_staff.headers(api),
    )
    made_up = api.get(f"/api/v1/complaints/{uuid.uuid4()}/candidates", headers=staff)
    assert elsewhere.status_code == made_up.status_code == 404


def test_a_complaint_in_triage_lists_every_grids_workers_under_its_township(
    api, hotline, grid, other_grid, grid_worker, backup_worker, grid_leader, station_staff
):
    body = complaint_body(location=None, address="测试township990101001 幸福路12号")
    complaint = send_complaint(api, hotline, body).json()
    assert complaint["state"] == "received"
    response = api.get(
        f"/api/v1/complaints/{complaint['id']}/candidates", headers=station_staff.headers(api)
    )
    assert response.status_code == 200, response.text
    assert [(c["user_id"], c["area_code"], c["recommended"]) for c in response.json()] == [
        (str(grid_worker.id), grid.code, False),
        (str(backup_worker.id), other_grid.code, False),
        (str(grid_leader.id), "990101001001", False),
    ]
