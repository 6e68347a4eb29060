"""PostgreSQL restarts (an upgrade, a failover, a crash): requests in flight and after answer
503 problem+json with Retry-After, never 500; /readyz says not ready; a write in flight is
stored whole or not at all; and when the database is back the same API process answers again
by itself, with the audit chain intact. A read-only database (a standby, a failover in
progress) refuses writes with 503 too.

It runs the real `firegrid serve` against a private PostgreSQL cluster of its own, which it
stops and starts; the shared server is never touched. Collected in the PostGIS run only
(tests/conftest.py), so `make test` runs it once.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psycopg
import pytest

from backend.core import migrations
from backend.core.db import build_engine, session_factory
from backend.demo import DISTRICTS_FILE
from backend.identity.enums import Role
from grids import workforce
from tests import served as firegrid_serve
from tests.pg_cluster import Cluster, private_cluster
from tests.world import PASSWORD, SETUP

FIREGRID = str(Path(sys.executable).parent / "firegrid")
LIUZHOU = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def cluster() -> Iterator[Cluster]:
    with private_cluster("firegrid-outage-") as cluster:
        yield cluster


@dataclass
class Served:
    url: str
    process: subprocess.Popen
    database_url: str

    def audit_chain_sound(self) -> bool:
        from backend.core.audit import verify_chain
        from backend.core.db import build_engine, session_factory

        engine = build_engine(self.database_url, pool_size=1, max_overflow=0)
        try:
            with session_factory(engine, read_only=True)() as session:
                return verify_chain(session).sound
        finally:
            engine.dispose()


@pytest.fixture(scope="module")
def served(cluster: Cluster) -> Iterator[Served]:
    """`firegrid serve`, as in production, against the private cluster."""
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": cluster.url(),
        "FIREGRID_DATA_DIR": str(cluster.base / "var"),
        "FIREGRID_DB_POOL_SIZE": "4",
        "FIREGRID_LOG_LEVEL": "ERROR",
    }
    started = firegrid_serve.start(env)
    served = Served(started.url, started.process, cluster.url())
    # Meanwhile (the server starts in a few seconds): migrate, and an admin to sign in as.
    migrations.upgrade(cluster.url())
    engine = build_engine(cluster.url(), pool_size=1, max_overflow=0)
    with session_factory(engine)() as session, session.begin():
        workforce.place_user(
            session, area=None, username="admin.outage", password=PASSWORD, role=Role.ADMIN,
            display_name=None, certificate_number=None, certificate_expires_on=None, actor=SETUP,
        )  # fmt: skip
    engine.dispose()
    try:
        started.wait_ready(timeout=30)
        yield served
    finally:
        started.stop()


def signed_in(served: Served) -> dict[str, str]:
    token = httpx.post(
        f"{served.url}/api/v1/auth/token",
        data={"username": "admin.outage", "password": PASSWORD},
        timeout=30,
    )
    assert token.status_code == 200, token.text
    return {"Authorization": f"Bearer {token.json()['access_token']}"}


def counties(prefix: str) -> dict:
    """Liuzhou's ten districts under fresh codes: an import worth a few hundred milliseconds,
    all or nothing."""
    features = []
    for index, feature in enumerate(LIUZHOU["features"]):
        props = {"adcode": f"{prefix}{index:02d}", "name": f"演示{prefix}-{index}"}
        features.append({**feature, "properties": props})
    return {"type": "FeatureCollection", "features": features}


def assert_unavailable(response: httpx.Response, what: str) -> None:
    assert response.status_code == 503, (what, response.status_code, response.text[:300])
    assert response.headers["content-type"].startswith("application/problem+json"), what
    assert int(response.headers["retry-after"]) > 0, what
    assert response.json()["status"] == 503


def imported_codes(cluster: Cluster, prefix: str) -> int:
    with psycopg.connect(cluster.url()) as conn:
        return conn.execute(
            "SELECT count(*) FROM areas WHERE code LIKE %s", (f"{prefix}%",)
        ).fetchone()[0]


def waiting_to_insert(cluster: Cluster, sessions: int, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    with psycopg.connect(cluster.url("postgres"), autocommit=True) as conn:
        while True:
            waiting = conn.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = 'firegrid' "
                "AND wait_event_type = 'Lock' AND query ILIKE 'INSERT INTO areas%'"
            ).fetchone()[0]
            if waiting >= sessions:
                return
            assert time.monotonic() < deadline, f"{waiting} of {sessions} imports got going"
            time.sleep(0.05)


def wait_ready(served: Served, seconds: float = 20) -> httpx.Response:
    deadline = time.monotonic() + seconds
    while True:
        ready = httpx.get(f"{served.url}/readyz", timeout=10)
        if ready.status_code == 200 or time.monotonic() > deadline:
            return ready
        time.sleep(0.2)


@pytest.mark.parametrize("mode", ["fast", "immediate"])
def test_a_restarting_database_answers_503_and_the_service_recovers_by_itself(
    cluster, served, mode
):
    headers = signed_in(served)
    pid = served.process.pid
    ready = httpx.get(f"{served.url}/readyz")
    assert ready.status_code == 200
    assert "server" not in ready.headers  # `firegrid serve` names no server software
    answers: list[tuple[str, httpx.Response]] = []
    lock = threading.Lock()

    def call(what: str, method: str, path: str, **kwargs) -> None:
        try:
            response = httpx.request(method, f"{served.url}{path}", timeout=30, **kwargs)
        except httpx.TransportError as exc:  # the API process itself must not fail
            pytest.fail(f"{what}: no answer from the API: {exc!r}")
        with lock:
            answers.append((what, response))

    prefixes = [f"9{'fi'.index(mode[0])}{n}" for n in range(4)]
    calls = [
        threading.Thread(
            target=call,
            args=(f"import {prefix}", "POST", "/api/v1/areas/import"),
            kwargs={
                "params": {"level": "county", "crs": "gcj02"},
                "json": counties(prefix),
                "headers": headers,
            },
        )
        for prefix in prefixes
    ] + [
        threading.Thread(
            target=call, args=("read", "GET", "/api/v1/areas"), kwargs={"headers": headers}
        )
        for _ in range(6)
    ]
    # Hold the imports half-way: each has begun its transaction and waits to insert its areas
    # (reads go on) when the database goes away.
    blocker = psycopg.connect(cluster.url())
    blocker.execute("LOCK TABLE areas IN EXCLUSIVE MODE")
    for thread in calls:
        thread.start()
    waiting_to_insert(cluster, len(prefixes))
    cluster.stop(mode)
    blocker.close()
    for thread in calls:
        thread.join(timeout=60)

    for what, response in answers:
        assert response.status_code in {200, 503}, (what, response.status_code, response.text)
        if response.status_code == 503 or what.startswith("import"):
            assert_unavailable(response, what)

    # While it is down: every kind of request, reads, writes, sign-in, readiness.
    assert_unavailable(httpx.get(f"{served.url}/api/v1/areas", headers=headers), "read")
    assert_unavailable(
        httpx.post(
            f"{served.url}/api/v1/areas/import",
            params={"level": "county", "crs": "gcj02"},
            json=counties("98"),
            headers=headers,
        ),
        "write",
    )
    assert_unavailable(
        httpx.post(
            f"{served.url}/api/v1/auth/token",
            data={"username": "admin.outage", "password": PASSWORD},
        ),
        "sign-in",
    )
    not_ready = httpx.get(f"{served.url}/readyz")
    assert_unavailable(not_ready, "readyz")
    assert not_ready.json()["type"].endswith("/not-ready")
    assert httpx.get(f"{served.url}/healthz").status_code == 200  # the process itself is alive

    cluster.start()
    assert wait_ready(served).status_code == 200
    assert served.process.poll() is None and served.process.pid == pid  # not restarted
    assert httpx.get(f"{served.url}/api/v1/areas", headers=headers).status_code == 200

    for prefix in [*prefixes, "98"]:
        assert imported_codes(cluster, prefix) == 0, f"import {prefix} left areas behind"
    assert served.audit_chain_sound()
    fresh = httpx.post(
        f"{served.url}/api/v1/areas/import",
        params={"level": "county", "crs": "gcj02"},
        json=counties(f"97{'fi'.index(mode[0])}"),
        headers=headers,
    )
    assert fresh.status_code == 200, fresh.text


def test_a_read_only_database_refuses_writes_with_503_and_still_serves_reads(cluster, served):
    headers = signed_in(served)
    cluster.sql("ALTER DATABASE firegrid SET default_transaction_read_only = on", "postgres")
    # Sessions pick the setting up when they start: end the API's pooled ones.
    cluster.sql(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'firegrid'",
        "postgres",
    )
    try:
        write = httpx.post(
            f"{served.url}/api/v1/areas/import",
            params={"level": "county", "crs": "gcj02"},
            json=counties("96"),
            headers=headers,
            timeout=30,
        )
        read = httpx.get(f"{served.url}/api/v1/areas", headers=headers, timeout=30)
    finally:
        cluster.sql("ALTER DATABASE firegrid RESET default_transaction_read_only", "postgres")
        cluster.sql(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = 'firegrid'",
            "postgres",
        )

    assert_unavailable(write, "write to a read-only database")
    assert "nothing was stored" in write.json()["detail"]
    assert read.status_code == 200, read.text
    assert imported_codes(cluster, "96") == 0
    again = httpx.post(
        f"{served.url}/api/v1/areas/import",
        params={"level": "county", "crs": "gcj02"},
        json=counties("96"),
        headers=headers,
        timeout=30,
    )
    assert again.status_code == 200, again.text
    assert served.audit_chain_sound()
