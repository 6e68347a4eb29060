"""Signing in, refreshing, signing out, and what happens to someone guessing passwords."""

from datetime import timedelta

import jwt
from sqlalchemy import select, update

from backend.core.audit import AuditEvent
from backend.core.db import utcnow
from backend.core.errors import PROBLEM_JSON
from backend.core.settings import get_settings
from backend.identity.models import LoginThrottle, User


def sign_in(api, username, password):
    return api.post("/api/v1/auth/token", data={"username": username, "password": password})


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_station_staff_signs_in_and_sees_who_they_are(api, station_staff, township):
    tokens = station_staff.sign_in(api)
    assert tokens["token_type"] == "bearer"
    assert tokens["access_token"] and tokens["refresh_token"]

    me = api.get("/api/v1/me", headers=bearer(tokens["access_token"]))

    assert me.status_code == 200
    assert me.json()["username"] == "station.one"
    assert me.json()["role"] == "station_staff"
    assert me.json()["scope_area_code"] == township.code
    assert me.json()["certificate"]["valid_today"] is True


def test_a_grid_worker_sees_their_grid(api, grid_worker, grid):
    me = api.get("/api/v1/me", headers=grid_worker.headers(api)).json()
    assert me["grid_codes"] == [grid.code]
    assert me["certificate"] is None


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(api, station_staff):
    wrong = sign_in(api, "station.one", "not-the-password")
    unknown = sign_in(api, "nobody.here", "not-the-password")

    for response in (wrong, unknown):
        assert response.status_code == 401
        assert response.headers["content-type"] == PROBLEM_JSON
        assert response.json()["detail"] == "wrong username or password"


def test_usernames_are_case_insensitive(api, station_staff):
    assert sign_in(api, "Station.One", station_staff.password).status_code == 200


def test_refresh_rotates_and_the_old_token_stops_working(api, station_staff):
    first = station_staff.sign_in(api)

    second = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert api.get("/api/v1/me", headers=bearer(second.json()["access_token"])).status_code == 200

    again = api.post("/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert again.status_code == 401


def test_reusing_a_refresh_token_revokes_the_whole_sign_in(api, station_staff, db):
    first = station_staff.sign_in(api)
    stolen = first["refresh_token"]
    legit = api.post("/api/v1/auth/refresh", json={"refresh_token": stolen}).json()

    replay = api.post("/api/v1/auth/refresh", json={"refresh_token": stolen})

    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    # The thief's replay also kills the legitimate holder's newer token: sign in again.
    after = api.post("/api/v1/auth/refresh", json={"refresh_token": legit["refresh_token"]})
    assert after.status_code == 401
    with db() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(station_staff.id))
        ).all()
    assert "auth.refresh_token_reused" in actions


def test_sign_out_revokes_the_refresh_token(api, station_staff):
    tokens = station_staff.sign_in(api)

    assert (
        api.post("/api/v1/auth/revoke", json={"refresh_token": tokens["refresh_token"]}).status_code
        == 204
    )

    refused = api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401
    assert "revoked" in refused.json()["detail"]


def test_sign_out_everywhere_refuses_existing_access_tokens(api, station_staff):
    phone = station_staff.sign_in(api)
    laptop = station_staff.sign_in(api)

    assert (
        api.post("/api/v1/auth/revoke-all", headers=bearer(laptop["access_token"])).status_code
        == 204
    )

    assert api.get("/api/v1/me", headers=bearer(phone["access_token"])).status_code == 401
    assert (
        api.post("/api/v1/auth/refresh", json={"refresh_token": phone["refresh_token"]}).status_code
        == 401
    )
    # Signing in again works at once.
    fresh = station_staff.sign_in(api)
    assert api.get("/api/v1/me", headers=bearer(fresh["access_token"])).status_code == 200


def test_a_disabled_account_cannot_sign_in_or_use_its_tokens(api, station_staff, db):
    tokens = station_staff.sign_in(api)
    with db() as session:
        session.execute(update(User).where(User.id == station_staff.id).values(is_active=False))

    assert sign_in(api, "station.one", station_staff.password).status_code == 401
    assert api.get("/api/v1/me", headers=bearer(tokens["access_token"])).status_code == 401


def test_expired_forged_and_missing_tokens_are_refused(api, station_staff):
    secret = get_settings().resolved_secret_key
    now = utcnow()
    expired = jwt.encode(
        {
            "sub": str(station_staff.id),
            "typ": "access",
            "sv": 0,
            "iat": int((now - timedelta(hours=2)).timestamp()),
            "exp": int((now - timedelta(hours=1)).timestamp()),
        },
        secret,
        algorithm="HS256",
    )
    forged = jwt.encode(
        {
            "sub": str(station_staff.id),
            "typ": "access",
            "sv": 0,
            "iat": int(now.timestamp()),
            "exp": int((now + timedelta(hours=1)).timestamp()),
        },
        "somebody-elses-secret-of-sufficient-length",
        algorithm="HS256",
    )
    for headers, reason in (
        (bearer(expired), "expired"),
        (bearer(forged), "not valid"),
        (bearer("not.a.jwt"), "not valid"),
        ({}, "send an access token"),
    ):
        response = api.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert reason in response.json()["detail"]
        assert response.headers["www-authenticate"] == "Bearer"


def _let_the_backoff_pass(db, username):
    with db() as session:
        session.execute(
            update(LoginThrottle)
            .where(LoginThrottle.username == username)
            .values(blocked_until=utcnow() - timedelta(seconds=1))
        )


def test_repeated_failures_slow_the_username_down(api, station_staff, db):
    settings = get_settings()
    for _ in range(settings.login_slowdown_after):
        assert sign_in(api, "station.one", "guess").status_code == 401

    throttled = sign_in(api, "station.one", station_staff.password)

    assert throttled.status_code == 429
    assert int(throttled.headers["retry-after"]) >= 1
    assert throttled.headers["content-type"] == PROBLEM_JSON
    _let_the_backoff_pass(db, "station.one")
    assert sign_in(api, "station.one", station_staff.password).status_code == 200


def test_many_failures_lock_the_account_for_a_while(api, station_staff, db):
    settings = get_settings()
    for _ in range(settings.login_lockout_after):
        _let_the_backoff_pass(db, "station.one")
        assert sign_in(api, "station.one", "guess").status_code == 401

    locked = sign_in(api, "station.one", station_staff.password)

    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > (settings.login_lockout_minutes - 1) * 60
    with db() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(station_staff.id))
        ).all()
    assert "user.locked_out" in actions


def test_guessing_unknown_usernames_is_throttled_too(api):
    for _ in range(get_settings().login_slowdown_after):
        sign_in(api, "ghost", "guess")
    assert sign_in(api, "ghost", "guess").status_code == 429
