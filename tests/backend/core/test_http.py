"""Bad requests get a clear problem+json 4xx, never a 500; every response has a request id."""

import uuid

import httpx

from backend.core.errors import PROBLEM_JSON


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert body["status"] == status
    assert body["type"].startswith("https://") and body["title"] and body["detail"]
    return body


def test_malformed_json_is_a_400(api):
    response = api.post(
        "/api/v1/auth/refresh",
        content=b'{"refresh_token": ',
        headers={"Content-Type": "application/json"},
    )
    assert assert_problem(response, 400)["type"].endswith("/malformed-json")


def test_wrong_types_name_the_field(api, station_staff, village):
    response = api.patch(
        f"/api/v1/areas/{village.code}",
        json={"name": "x", "version": "two"},
        headers=station_staff.headers(api),
    )
    body = assert_problem(response, 422)
    assert [e["field"] for e in body["errors"]] == ["body.version"]


def test_unknown_fields_are_refused_not_ignored(api, station_staff, village):
    response = api.patch(
        f"/api/v1/areas/{village.code}",
        json={"name": "x", "colour": "red"},
        headers=station_staff.headers(api),
    )
    assert "body.colour" in [e["field"] for e in assert_problem(response, 422)["errors"]]


def test_a_huge_body_is_refused_before_it_is_read(api):
    response = api.post(
        "/api/v1/auth/refresh",
        content=b"x" * (2 * 1024 * 1024),
        headers={"Content-Type": "application/json"},
    )
    assert_problem(response, 413)


def test_a_huge_body_without_content_length_is_refused_too(api):
    def chunks():
        for _ in range(40):
            yield b"x" * 65536

    response = api.post(
        "/api/v1/auth/refresh", content=chunks(), headers={"Content-Type": "application/json"}
    )
    assert_problem(response, 413)


def test_unknown_paths_ids_and_methods(api, admin):
    headers = admin.headers(api)
    assert_problem(api.get("/api/v1/nothing-here"), 404)
    assert_problem(api.get("/api/v1/areas/no-such-code", headers=headers), 404)
    assert_problem(api.post(f"/api/v1/users/{uuid.uuid4()}/revoke-sessions", headers=headers), 404)
    assert_problem(api.post("/api/v1/users/not-a-uuid/revoke-sessions", headers=headers), 422)
    assert_problem(api.delete("/api/v1/areas"), 405)


def test_a_sign_in_form_with_missing_fields_says_which(api):
    body = assert_problem(api.post("/api/v1/auth/token", data={"username": "x"}), 422)
    assert "body.password" in [e["field"] for e in body["errors"]]


def test_every_response_carries_a_request_id(api):
    generated = api.get("/healthz").headers["x-request-id"]
    echoed = api.get("/healthz", headers={"X-Request-ID": "hotline-call-42"}).headers[
        "x-request-id"
    ]
    unsafe = api.get("/healthz", headers={"X-Request-ID": "bad id\twith tabs"}).headers[
        "x-request-id"
    ]

    assert len(generated) == 32
    assert echoed == "hotline-call-42"
    assert unsafe != "bad id\twith tabs"
    assert api.get("/api/v1/nothing").headers["x-request-id"]


def test_an_unexpected_error_is_a_problem_with_the_request_id():
    """A bug (here a route that divides by zero) must not leak a traceback."""
    from backend.app import create_app
    from tests.conftest import serving

    app = create_app()
    app.add_api_route("/boom", lambda: 1 / 0)
    with serving(app) as url:
        response = httpx.get(f"{url}/boom", headers={"X-Request-ID": "trace-me"})

    body = assert_problem(response, 500)
    assert body["request_id"] == "trace-me" == response.headers["x-request-id"]
    assert "ZeroDivisionError" not in response.text


def test_a_write_that_finds_the_database_locked_is_asked_to_retry_not_a_500():
    """SQLite's write lock held past the busy timeout: the client is told to come back (a
    phone's sync retries), and any other database failure is still a 500."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from backend.app import create_app
    from tests.conftest import serving

    def locked():
        raise OperationalError(
            "BEGIN IMMEDIATE", None, sqlite3.OperationalError("database is locked")
        )

    def broken():
        raise OperationalError("SELECT", None, sqlite3.OperationalError("no such table: nowhere"))

    app = create_app()
    app.add_api_route("/locked", locked, methods=["POST"])
    app.add_api_route("/broken", broken)
    with serving(app) as url:
        busy = httpx.post(f"{url}/locked")
        failed = httpx.get(f"{url}/broken")

    body = assert_problem(busy, 503)
    assert busy.headers["retry-after"] == "5"
    assert "nothing was stored" in body["detail"]
    assert_problem(failed, 500)


def test_a_read_only_or_missing_sqlite_database_answers_503_by_its_result_code(tmp_path):
    """SQLite says why in its result code, not only its message: a database file that became
    read-only (a full or remounted disk) is the database's trouble, not the request's."""
    import sqlite3

    from sqlalchemy.exc import OperationalError

    from backend.app import create_app
    from tests.conftest import serving

    path = tmp_path / "ro.sqlite"
    sqlite3.connect(path).execute("CREATE TABLE t (x)").connection.commit()
    read_only = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        read_only.execute("INSERT INTO t VALUES (1)")
    except sqlite3.OperationalError as exc:
        refused = exc
    assert refused.sqlite_errorname.startswith("SQLITE_READONLY")

    def write():
        raise OperationalError("INSERT INTO t", None, refused)

    app = create_app()
    app.add_api_route("/write", write, methods=["POST"])
    with serving(app) as url:
        response = httpx.post(f"{url}/write")

    body = assert_problem(response, 503)
    assert body["type"].endswith("/database-unavailable")
    assert response.headers["retry-after"] == "5"
