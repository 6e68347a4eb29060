"""Signing in, refreshing, signing out, and what happens to someone guessing passwords."""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import httpx
import jwt
from limits import parse_many
from sqlalchemy import func, select, update

from backend.core.audit import AuditEvent
from backend.core.db import utcnow
from backend.core.errors import PROBLEM_JSON
from backend.core.security import token_digest
from backend.core.settings import get_settings
from backend.identity.models import LoginThrottle, RefreshToken, User
from backend.identity.service import forget_rotation_answers


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


def test_me_lists_what_the_callers_role_may_do(api, station_staff, grid_worker):
    from backend.identity.enums import Role
    from backend.identity.permissions import Permission, may

    for user, role in ((station_staff, Role.STATION_STAFF), (grid_worker, Role.GRID_WORKER)):
        me = api.get("/api/v1/me", headers=user.headers(api)).json()
        assert me["permissions"] == sorted(p.value for p in Permission if may(role, p))
    station = api.get("/api/v1/me", headers=station_staff.headers(api)).json()
    assert "manage_complaints" in station["permissions"]
    assert "work_in_the_field" not in station["permissions"]


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


def refresh(api, refresh_token):
    return api.post("/api/v1/auth/refresh", json={"refresh_token": refresh_token})


def _let_the_grace_window_pass(db, refresh_token):
    """As if the token had been exchanged just longer ago than the reuse grace window."""
    grace = timedelta(seconds=get_settings().refresh_reuse_grace_seconds + 1)
    with db() as session:
        session.execute(
            update(RefreshToken)
            .where(RefreshToken.token_hash == token_digest(refresh_token))
            .values(used_at=utcnow() - grace)
        )


def test_refresh_rotates_and_the_old_token_stops_working(api, station_staff, db):
    first = station_staff.sign_in(api)

    second = refresh(api, first["refresh_token"])
    assert second.status_code == 200
    assert second.json()["refresh_token"] != first["refresh_token"]
    assert api.get("/api/v1/me", headers=bearer(second.json()["access_token"])).status_code == 200

    _let_the_grace_window_pass(db, first["refresh_token"])
    again = refresh(api, first["refresh_token"])
    assert again.status_code == 401


def test_a_phone_that_lost_the_refresh_answer_gets_the_same_pair_again(api, station_staff):
    first = station_staff.sign_in(api)
    lost = refresh(api, first["refresh_token"]).json()  # the answer never reached the phone

    retried = refresh(api, first["refresh_token"])

    assert retried.status_code == 200
    assert retried.json()["refresh_token"] == lost["refresh_token"]
    assert retried.json()["access_token"] == lost["access_token"]
    assert 0 < retried.json()["expires_in"] <= lost["expires_in"]
    # Whichever answer the phone kept, it is signed in and can refresh on.
    assert api.get("/api/v1/me", headers=bearer(retried.json()["access_token"])).status_code == 200
    onwards = refresh(api, retried.json()["refresh_token"])
    assert onwards.status_code == 200
    assert api.get("/api/v1/me", headers=bearer(onwards.json()["access_token"])).status_code == 200


def test_the_pair_given_again_is_kept_sealed_and_only_for_the_grace_window(api, station_staff, db):
    first = station_staff.sign_in(api)
    second = refresh(api, first["refresh_token"]).json()
    with db() as session:
        used = session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == token_digest(first["refresh_token"])
            )
        )
        assert used.sealed_answer is not None
        assert second["refresh_token"] not in used.sealed_answer
        assert second["access_token"] not in used.sealed_answer

    _let_the_grace_window_pass(db, first["refresh_token"])
    with db() as session:
        assert forget_rotation_answers(session, get_settings()) == 1
        used = session.scalar(
            select(RefreshToken).where(
                RefreshToken.token_hash == token_digest(first["refresh_token"])
            )
        )
        assert used.sealed_answer is None
    # The new pair itself is untouched.
    assert refresh(api, second["refresh_token"]).status_code == 200


def test_identical_refreshes_at_once_get_one_pair(api, station_staff, db):
    first = station_staff.sign_in(api)
    start = threading.Barrier(6)

    def one_try(_):
        start.wait()
        return refresh(api, first["refresh_token"])

    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(one_try, range(6)))

    assert [a.status_code for a in answers] == [200] * 6, [a.text for a in answers]
    assert len({a.json()["refresh_token"] for a in answers}) == 1
    with db() as session:
        family = session.scalar(
            select(RefreshToken.family_id).where(
                RefreshToken.token_hash == token_digest(first["refresh_token"])
            )
        )
        tokens = session.scalars(select(RefreshToken).where(RefreshToken.family_id == family)).all()
        assert len(tokens) == 2  # the one signed in with and the one it was exchanged for
        assert all(t.revoked_at is None for t in tokens)
        assert (
            session.scalar(
                select(func.count())
                .select_from(RefreshToken)
                .where(RefreshToken.user_id == station_staff.id)
            )
            == 2
        )
    assert refresh(api, answers[0].json()["refresh_token"]).status_code == 200


def test_reusing_a_refresh_token_revokes_the_whole_sign_in(api, station_staff, db):
    first = station_staff.sign_in(api)
    stolen = first["refresh_token"]
    legit = refresh(api, stolen).json()
    _let_the_grace_window_pass(db, stolen)

    replay = refresh(api, stolen)

    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    # The thief's replay also kills the legitimate holder's newer token: sign in again.
    after = refresh(api, legit["refresh_token"])
    assert after.status_code == 401
    with db() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.subject_id == str(station_staff.id))
        ).all()
    assert "auth.refresh_token_reused" in actions


def test_within_the_grace_window_a_reuse_after_the_new_token_was_used_revokes_too(
    api, station_staff
):
    first = station_staff.sign_in(api)
    second = refresh(api, first["refresh_token"]).json()
    third = refresh(api, second["refresh_token"]).json()  # the phone moved on

    replay = refresh(api, first["refresh_token"])  # so this is not the phone retrying

    assert replay.status_code == 401
    assert "already used" in replay.json()["detail"]
    assert refresh(api, third["refresh_token"]).status_code == 401


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
    # Five failures past the slowdown: the wait has doubled to 16 s, long enough that the next
    # try falls inside it however slow the machine (the first wait is 1 s).
    failures = settings.login_slowdown_after + 5
    assert failures < settings.login_lockout_after
    for _ in range(failures):
        answer = sign_in(api, "station.one", "guess")
        assert answer.status_code in (401, 429)

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
    for _ in range(get_settings().login_slowdown_after + 5):  # past a wait any try outlasts
        assert sign_in(api, "ghost", "guess").status_code in (401, 429)
    assert sign_in(api, "ghost", "guess").status_code == 429


def from_address(live_server, address):
    """A client whose connections come from `address` (any 127.x.y.z is this machine)."""
    return httpx.Client(
        base_url=live_server, timeout=30, transport=httpx.HTTPTransport(local_address=address)
    )


def _address_limit():
    return parse_many(get_settings().login_address_limit)[0].amount


def test_one_address_failing_many_usernames_is_refused_without_locking_those_accounts(
    live_server, station_staff, grid_worker
):
    with from_address(live_server, "127.0.0.2") as guesser:
        failures = [sign_in(guesser, "station.one", "guess"), sign_in(guesser, "worker.one", "x")]
        failures += [sign_in(guesser, f"someone.{n}", "guess") for n in range(_address_limit() - 2)]
        assert {f.status_code for f in failures} == {401}

        refused = sign_in(guesser, "station.one", station_staff.password)

        assert refused.status_code == 429
        assert refused.headers["content-type"] == PROBLEM_JSON
        assert "from this address" in refused.json()["detail"]
        assert 1 <= int(refused.headers["retry-after"]) <= 24 * 3600

    # Everyone else signs in as usual: the accounts it tried are not locked.
    with from_address(live_server, "127.0.0.3") as office:
        assert sign_in(office, "station.one", station_staff.password).status_code == 200
        assert sign_in(office, "worker.one", grid_worker.password).status_code == 200


def test_an_address_is_the_connections_not_what_x_forwarded_for_claims(api, station_staff):
    for n in range(_address_limit()):
        response = api.post(
            "/api/v1/auth/token",
            data={"username": f"someone.{n}", "password": "guess"},
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
        assert response.status_code == 401

    refused = api.post(
        "/api/v1/auth/token",
        data={"username": "station.one", "password": station_staff.password},
        headers={"X-Forwarded-For": "198.51.100.7"},
    )
    assert refused.status_code == 429


def test_behind_a_trusted_proxy_the_address_is_the_one_it_forwards(station_staff):
    """A deployment behind nginx names it in FIREGRID_FORWARDED_ALLOW_IPS; then each client
    the proxy forwards is counted on its own, and the proxy itself is not throttled."""
    from backend.app import create_app
    from tests.conftest import serving

    behind_nginx = get_settings().model_copy(update={"forwarded_allow_ips": "127.0.0.5"})
    with serving(create_app(), behind_nginx) as url, from_address(url, "127.0.0.5") as nginx:
        for n in range(_address_limit()):
            forwarded = {"X-Forwarded-For": f"203.0.113.9, 198.51.100.{n}"}
            response = nginx.post(
                "/api/v1/auth/token",
                data={"username": f"someone.{n}", "password": "guess"},
                headers=forwarded,
            )
            assert response.status_code == 401
        owner = nginx.post(
            "/api/v1/auth/token",
            data={"username": "station.one", "password": station_staff.password},
            headers={"X-Forwarded-For": "198.51.100.200"},
        )
        assert owner.status_code == 200
        for n in range(_address_limit()):
            nginx.post(
                "/api/v1/auth/token",
                data={"username": f"other.{n}", "password": "guess"},
                headers={"X-Forwarded-For": "198.51.100.66"},
            )
        refused = nginx.post(
            "/api/v1/auth/token",
            data={"username": "station.one", "password": station_staff.password},
            headers={"X-Forwarded-For": "198.51.100.66"},
        )
        assert refused.status_code == 429
        assert "from this address" in refused.json()["detail"]


def test_a_username_guessed_from_many_addresses_is_still_locked(live_server, station_staff, db):
    settings = get_settings()
    for n in range(settings.login_lockout_after):
        _let_the_backoff_pass(db, "station.one")
        with from_address(live_server, f"127.0.1.{n + 1}") as guesser:
            assert sign_in(guesser, "station.one", "guess").status_code == 401

    with from_address(live_server, "127.0.2.1") as owner:
        locked = sign_in(owner, "station.one", station_staff.password)

    assert locked.status_code == 429
    assert "for this username" in locked.json()["detail"]
    assert int(locked.headers["retry-after"]) > (settings.login_lockout_minutes - 1) * 60
