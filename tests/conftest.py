"""Test set-up: one real database per run (a SpatiaLite file, or the PostGIS database that
scripts/testdb.py provides), migrated with the real migrations, and the real app served by
uvicorn on loopback. Each test starts from empty tables; the audit chain is kept, as it is
append-only, and stays verifiable across the whole run.

FIREGRID_TEST_BACKEND=spatialite|postgis picks the backend; a backend that cannot be reached
fails the run instead of skipping it.
"""

from __future__ import annotations

import os
import secrets
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

BACKEND = os.environ.get("FIREGRID_TEST_BACKEND", "spatialite")
# Tests about PostgreSQL itself (they start a cluster of their own): collected in the PostGIS
# run only, so that `make test` runs them once and the SpatiaLite run does not list them as
# skipped.
POSTGRESQL_ONLY = ["backend/test_database_outage.py", "backend/test_read_replica.py"]
collect_ignore = [] if BACKEND == "postgis" else POSTGRESQL_ONLY


def pytest_configure(config: pytest.Config) -> None:
    data_dir = tempfile.mkdtemp(prefix="firegrid-test-")
    os.environ.update(
        FIREGRID_ENV="test",
        FIREGRID_DATA_DIR=data_dir,
        FIREGRID_SECRET_KEY=secrets.token_urlsafe(48),
        FIREGRID_LOG_LEVEL="WARNING",
    )
    if BACKEND == "postgis":
        url = os.environ.get("FIREGRID_TEST_DATABASE_URL")
        if not url:
            raise pytest.UsageError(
                "FIREGRID_TEST_BACKEND=postgis needs FIREGRID_TEST_DATABASE_URL (make test sets it)"
            )
    elif BACKEND == "spatialite":
        url = f"sqlite:///{data_dir}/firegrid-test.sqlite"
    else:
        raise pytest.UsageError(f"unknown FIREGRID_TEST_BACKEND {BACKEND!r}")
    os.environ["FIREGRID_DATABASE_URL"] = url

    import grids.geometry  # noqa: F401 - binds pyproj to its own PROJ before SpatiaLite loads the system's
    from backend import effects
    from backend.core import migrations
    from backend.core.settings import get_settings

    get_settings.cache_clear()
    try:
        migrations.upgrade(url)
    except Exception as exc:  # noqa: BLE001 - report any reason as a failed run
        raise pytest.UsageError(f"cannot migrate the {BACKEND} test database: {exc}") from exc
    effects.install()  # as the app, the worker and the command line do when they start
    config.firegrid_backend = BACKEND  # type: ignore[attr-defined]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked `postgresql_only` leave the SpatiaLite run (deselected, not skipped)."""
    if BACKEND == "postgis":
        return
    kept, left = [], []
    for item in items:
        (left if item.get_closest_marker("postgresql_only") else kept).append(item)
    if left:
        config.hook.pytest_deselected(items=left)
        items[:] = kept


def pytest_report_header(config: pytest.Config) -> str:
    return f"firegrid backend: {BACKEND} ({os.environ.get('FIREGRID_DATABASE_URL', '').split('@')[-1]})"


# --- Database ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def engine():
    from backend.core.db import get_engine

    return get_engine()


@pytest.fixture(autouse=True)
def empty_tables(engine) -> None:
    """Every test starts with empty tables (but the append-only audit chain, and the area
    revision, which moves on so that routing indexes from earlier tests go stale)."""
    empty_all_tables(engine)


def empty_all_tables(engine) -> None:
    from sqlalchemy import delete, update

    from backend.models import metadata
    from grids.enums import AreaLevel
    from grids.models import Area, AreaRevision

    kept = {"audit_events", "audit_chain_head", "area_revision"}
    with engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            if table.name in kept:
                continue
            if table.name == "areas":  # children first: SQLite checks RESTRICT row by row
                for level in reversed(AreaLevel):
                    conn.execute(
                        delete(Area.__table__).where(Area.__table__.c.level == level.value)
                    )
            else:
                conn.execute(delete(table))
        conn.execute(update(AreaRevision).values(revision=AreaRevision.revision + 1))


@pytest.fixture(autouse=True)
def no_rate_limit_counts() -> None:
    """Every test starts with no attempts counted against any rate limit (they are counted in
    this process's memory, where the served app runs)."""
    from backend.core import rate_limits
    from backend.identity.service import principals
    from grids.scope import scopes

    rate_limits.forget_all()
    principals.forget_all()  # and no caller remembered from another test's accounts
    scopes.forget_all()


@pytest.fixture
def db():
    """Open a unit of work against the test database: `with db() as session: ...`."""
    from backend.core.db import session_scope

    return session_scope


# --- The real HTTP server ----------------------------------------------------------------------


@contextmanager
def serving(app, settings=None) -> Iterator[str]:
    """Serve an ASGI app with uvicorn on a free loopback port, as `firegrid serve` would with
    these settings (by default the test run's); yields its base URL."""
    import uvicorn

    from backend.app import proxy_options
    from backend.core.settings import get_settings

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app,
        log_config=None,
        lifespan="off",
        server_header=False,
        **proxy_options(settings or get_settings()),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


@pytest.fixture(scope="session")
def live_server() -> Iterator[str]:
    from backend.app import create_app

    with serving(create_app()) as url:
        yield url


@pytest.fixture
def api(live_server: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live_server, timeout=30) as client:
        yield client


# --- Where photos are kept ------------------------------------------------------------------


@pytest.fixture(scope="session")
def s3_server():
    """A real S3-compatible server (SeaweedFS, tests/s3_server.py), started the first time a
    test asks for it and kept for the rest of the run."""
    from tests.s3_server import running

    with running() as server:
        yield server


@contextmanager
def _photos_kept(monkeypatch: pytest.MonkeyPatch, environ: dict[str, str]):
    """Photos kept where `environ`'s settings say (none: the local folder), for the test and
    the served app, which read the settings afresh; the store."""
    from backend.core import media
    from backend.core.settings import get_settings

    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    get_settings.cache_clear()
    try:
        yield media.store_for(get_settings())
    finally:
        monkeypatch.undo()
        get_settings.cache_clear()


@pytest.fixture(params=["local", "s3"])
def photo_store(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch):
    """The test runs once with photos in the local folder and once in the S3 server (under a
    prefix of its own), through the settings the served app reads; yields the store."""
    environ = {}
    if request.param == "s3":
        server = request.getfixturevalue("s3_server")
        environ = server.environ(prefix=f"t-{secrets.token_hex(4)}/")
    with _photos_kept(monkeypatch, environ) as store:
        yield store


@pytest.fixture
def s3_photo_store(s3_server, monkeypatch: pytest.MonkeyPatch):
    """Photos in the S3 server only (under a prefix of its own), as several hosts share them."""
    with _photos_kept(monkeypatch, s3_server.environ(prefix=f"t-{secrets.token_hex(4)}/")) as store:
        yield store


from tests.fakes import fake_fcm, partner_hotline  # noqa: E402,F401 - local FCM, a hotline partner
from tests.phones import js_clients, phones  # noqa: E402,F401 - phones running WatermelonDB
from tests.world import *  # noqa: E402,F403 - the fixture chain
