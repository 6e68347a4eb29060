"""Administering the people of my area: a station resets a grid worker's forgotten password,
the worker must choose a new one before anything else, and a worker who left is closed and
opened again. Only the users one could create, only in one's own area, never oneself."""

from __future__ import annotations

from backend.identity.enums import Role
from tests.world import PASSWORD, make_person

NEW_PASSWORD = "a-password-of-my-own-choice"


def reset(api, staff_headers, person):
    return api.post(f"/api/v1/users/{person.id}/password-reset", headers=staff_headers)


def sign_in(api, username, password):
    return api.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token: dict) -> dict:
    return {"Authorization": f"Bearer {token['access_token']}"}


def test_a_reset_worker_must_choose_a_password_before_anything_else(
    api, grid_worker, station_staff, grid
):
    old_session = grid_worker.headers(api)
    answer = reset(api, station_staff.headers(api), grid_worker)
    assert answer.status_code == 200, answer.text
    assert answer.headers["Cache-Control"] == "no-store"
    body = answer.json()
    assert body["user"]["username"] == "worker.one"
    assert body["password_change_required"] is True
    temporary = body["temporary_password"]
    assert len(temporary.replace("-", "")) == 12

    # Signed out everywhere; the old password no longer opens the account.
    assert api.get("/api/v1/me", headers=old_session).status_code == 401
    assert sign_in(api, "worker.one", PASSWORD).status_code == 401

    # The temporary password signs in, but opens nothing but /me and the change.
    token = sign_in(api, "worker.one", temporary).json()
    assert token["password_change_required"] is True
    me = api.get("/api/v1/me", headers=bearer(token))
    assert me.status_code == 200 and me.json()["password_change_required"] is True
    refused = api.get("/api/v1/hazards", headers=bearer(token))
    assert refused.status_code == 403
    assert refused.json()["type"].endswith("/password-change-required")
    refused_zh = api.get(
        "/api/v1/hazards", headers={**bearer(token), "Accept-Language": "zh-CN"}
    ).json()
    assert "请先设置新密码" in refused_zh["title"]
    assert api.get("/api/v1/sync?last_pulled_at=0", headers=bearer(token)).status_code == 403

    # Choosing one that is too short, the same, or with a wrong current one is refused.
    change = "/api/v1/me/password"
    short = api.post(
        change,
        json={"current_password": temporary, "new_password": "short"},
        headers=bearer(token),
    )
    assert short.status_code == 422 and short.json()["field"] == "new_password"
    wrong = api.post(
        change,
        json={"current_password": "not-the-temporary", "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert wrong.status_code == 422 and wrong.json()["field"] == "current_password"

    changed = api.post(
        change,
        json={"current_password": temporary, "new_password": NEW_PASSWORD},
        headers=bearer(token),
    )
    assert changed.status_code == 200, changed.text
    fresh = changed.json()
    assert fresh["password_change_required"] is False
    assert api.get("/api/v1/hazards", headers=bearer(fresh)).status_code == 200
    assert api.get("/api/v1/me", headers=bearer(token)).status_code == 401  # the old session
    assert sign_in(api, "worker.one", temporary).status_code == 401
    again = sign_in(api, "worker.one", NEW_PASSWORD).json()
    assert again["password_change_required"] is False


def test_anyone_changes_their_own_password_and_other_sessions_end(api, station_staff):
    phone = station_staff.headers(api)
    desk = station_staff.sign_in(api)
    changed = api.post(
        "/api/v1/me/password",
        json={"current_password": PASSWORD, "new_password": NEW_PASSWORD},
        headers=bearer(desk),
    )
    assert changed.status_code == 200, changed.text
    assert api.get("/api/v1/me", headers=phone).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(changed.json())).status_code == 200


def test_who_may_reset_whom(
    api, db, grid_worker, grid_leader, station_staff, other_station_staff, brigade_staff, township
):
    station = station_staff.headers(api)
    # A peer (another station officer of the same township) is not a station's to administer.
    peer = make_person(db, "station.peer", Role.STATION_STAFF, township)
    assert reset(api, station, peer).status_code == 403
    # Nor is the brigade above it (outside its area: as unknown as a made-up id).
    assert reset(api, station, brigade_staff).status_code == 404
    # Nor oneself: that is /me/password.
    assert reset(api, station, station_staff).status_code == 403
    # Another township's station does not reach this township's worker.
    assert reset(api, other_station_staff.headers(api), grid_worker).status_code == 404
    # A grid worker administers nobody.
    assert reset(api, grid_worker.headers(api), grid_leader).status_code == 403
    # The brigade administers the station's people and the station itself.
    brigade = brigade_staff.headers(api)
    assert reset(api, brigade, grid_leader).status_code == 200
    assert reset(api, brigade, station_staff).status_code == 200


def test_a_worker_who_left_is_closed_and_opened_again(api, db, grid_worker, station_staff):
    station = station_staff.headers(api)
    session = grid_worker.headers(api)
    closed = api.post(f"/api/v1/users/{grid_worker.id}/deactivate", headers=station)
    assert closed.status_code == 200, closed.text
    assert closed.json()["is_active"] is False
    assert api.get("/api/v1/me", headers=session).status_code == 401
    assert sign_in(api, "worker.one", PASSWORD).status_code == 401
    listed = api.get("/api/v1/users?role=grid_worker", headers=station).json()
    assert [p["active"] for p in listed if p["username"] == "worker.one"] == [False]

    reopened = api.post(f"/api/v1/users/{grid_worker.id}/activate", headers=station)
    assert reopened.status_code == 200 and reopened.json()["is_active"] is True
    assert sign_in(api, "worker.one", PASSWORD).status_code == 200

    # Each step is in the audit log, with who did it.
    from sqlalchemy import select

    from backend.core.audit import AuditEvent

    with db() as s:
        actions = s.scalars(
            select(AuditEvent.action)
            .where(AuditEvent.subject_id == str(grid_worker.id))
            .order_by(AuditEvent.seq)
        ).all()
    assert "user.deactivated" in actions and "user.activated" in actions


def test_a_station_creates_a_worker_without_choosing_their_password(api, station_staff, grid):
    station = station_staff.headers(api)
    me = api.get("/api/v1/me", headers=station).json()
    assert me["creates"] == [
        {"role": "grid_worker", "levels": ["grid"]},
        {"role": "grid_leader", "levels": ["village"]},
    ]
    created = api.post(
        f"/api/v1/areas/{grid.code}/users",
        json={"username": "worker.new", "role": "grid_worker", "display_name": "新网格员"},
        headers=station,
    )
    assert created.status_code == 201, created.text
    assert created.headers["Cache-Control"] == "no-store"
    temporary = created.json()["temporary_password"]
    token = sign_in(api, "worker.new", temporary).json()
    assert token["password_change_required"] is True
    assert api.get("/api/v1/hazards", headers=bearer(token)).status_code == 403

    # With a password chosen by the station, as before: no temporary one, nothing to change.
    chosen = api.post(
        f"/api/v1/areas/{grid.code}/users",
        json={"username": "worker.chosen", "role": "grid_worker", "password": NEW_PASSWORD},
        headers=station,
    )
    assert chosen.status_code == 201 and chosen.json()["temporary_password"] is None
    assert sign_in(api, "worker.chosen", NEW_PASSWORD).json()["password_change_required"] is False
