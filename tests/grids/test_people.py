"""The people of an area as staff list them (`GET /api/v1/users`), and a grid's team with
names: scoped like everything else, phones masked."""

from __future__ import annotations

from sqlalchemy import update

from backend.identity.enums import Role
from tests.world import make_person


def set_user(db, person, **values) -> None:
    from backend.identity.models import User

    with db() as session:
        session.execute(update(User).where(User.id == person.id).values(**values))


def usernames(response) -> list[str]:
    assert response.status_code == 200, response.text
    return [p["username"] for p in response.json()]


def test_a_station_lists_its_township_and_below_never_above_or_beside(
    api,
    db,
    county,
    township,
    other_township,
    village,
    grid,
    grid_worker,
    grid_leader,
    station_staff,
    other_station_staff,
    brigade_staff,
    citizen,
):
    set_user(db, grid_worker, display_name="李网格", phone="13812341234")
    staff = station_staff.headers(api)

    everyone = api.get("/api/v1/users", headers=staff)
    assert usernames(everyone) == ["leader.one", "station.one", "worker.one"]
    assert everyone.headers["X-Total-Count"] == "3"
    worker = everyone.json()[2]
    assert worker == {
        "id": str(grid_worker.id),
        "username": "worker.one",
        "display_name": "李网格",
        "role": "grid_worker",
        "area_code": grid.code,
        "area_name": f"测试grid{grid.code}",
        "active": True,
        "phone": "138****1234",
        "administrable": True,
    }
    station_itself = everyone.json()[1]
    assert station_itself["username"] == "station.one" and station_itself["administrable"] is False
    assert usernames(api.get(f"/api/v1/users?area={village.code}", headers=staff)) == [
        "leader.one",
        "worker.one",
    ]
    assert usernames(api.get("/api/v1/users?role=grid_leader", headers=staff)) == ["leader.one"]
    assert usernames(api.get("/api/v1/users?q=李", headers=staff)) == ["worker.one"]
    assert usernames(api.get("/api/v1/users?q=LEADER", headers=staff)) == ["leader.one"]

    # Above (the county) and beside (the other township) answer as an area never issued.
    above = api.get(f"/api/v1/users?area={county.code}", headers=staff)
    beside = api.get(f"/api/v1/users?area={other_township.code}", headers=staff)
    never = api.get("/api/v1/users?area=990109", headers=staff)
    assert above.status_code == beside.status_code == never.status_code == 404
    assert above.json()["detail"].replace(county.code, "X") == never.json()["detail"].replace(
        "990109", "X"
    )

    # The brigade sees the whole county; a worker may not list people at all.
    by_brigade = api.get("/api/v1/users", headers=brigade_staff.headers(api))
    assert usernames(by_brigade) == [
        "brigade.one",
        "leader.one",
        "station.one",
        "station.two",
        "worker.one",
    ]
    assert api.get("/api/v1/users", headers=grid_worker.headers(api)).status_code == 403


def test_paging_and_a_backup_worker_shown_at_the_grid_inside_the_area(
    api, db, township, village, grid, other_grid, station_staff, brigade_staff
):
    for n in range(5):
        make_person(db, f"worker.p{n}", Role.GRID_WORKER, grid)
    staff = station_staff.headers(api)
    page = api.get("/api/v1/users?role=grid_worker&limit=2&offset=2", headers=staff)
    assert usernames(page) == ["worker.p2", "worker.p3"]
    assert page.headers["X-Total-Count"] == "5"


def test_a_grids_team_carries_names_masked_phones_and_duty(
    api, db, grid, grid_worker, backup_worker, grid_leader, station_staff
):
    set_user(db, grid_worker, display_name="李网格", phone="13812341234")
    set_user(db, backup_worker, display_name="王后备")
    staff = station_staff.headers(api)
    api.put(
        f"/api/v1/grids/{grid.code}/team",
        json={"primary": str(grid_worker.id), "backups": [str(backup_worker.id)]},
        headers=staff,
    ).raise_for_status()
    api.put(
        f"/api/v1/users/{backup_worker.id}/duty", json={"status": "off_duty"}, headers=staff
    ).raise_for_status()

    team = api.get(f"/api/v1/grids/{grid.code}/team", headers=staff)
    assert team.status_code == 200, team.text
    members = [
        (
            m["user_id"],
            m["display_name"],
            m["relation"],
            m["phone"],
            m["duty"],
            m["available_today"],
        )
        for m in team.json()["members"]
    ]
    assert members == [
        (str(grid_worker.id), "李网格", "primary", "138****1234", "on_duty", True),
        (str(backup_worker.id), "王后备", "backup", None, "off_duty", False),
    ]
    assert team.json()["handler"]["display_name"] == "李网格"
