"""Read replicas against a real streaming standby (decision 0042): with the standby's replay
paused, a write through the API is missing from replica-safe lists and maps but shown by the
primary's reads and to the caller who wrote it; resumed, the lists show it. A standby too far
behind, or stopped, leaves those reads to the primary: they still answer.

It starts a private primary, a standby made with `pg_basebackup -R`, and the real
`firegrid serve` (tests/replica.py); the shared server is never touched. Collected in the
PostGIS run only (tests/conftest.py).
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from backend.demo import DISTRICTS_FILE
from tests.conftest import BACKEND
from tests.replica import ADMIN, Replicated, replicated
from tests.world import PASSWORD

pytestmark = pytest.mark.skipif(
    BACKEND != "postgis", reason="a read replica is a PostgreSQL streaming standby"
)

MAX_LAG_SECONDS = 5.0
DISTRICT = json.loads(DISTRICTS_FILE.read_text(encoding="utf-8"))["features"][0]


@pytest.fixture(scope="module")
def setup() -> Iterator[Replicated]:
    with replicated(MAX_LAG_SECONDS) as setup:
        yield setup


def county(code: str) -> dict:
    feature = {**DISTRICT, "properties": {"adcode": code, "name": f"副本{code}"}}
    return {"type": "FeatureCollection", "features": [feature]}


@contextmanager
def writer_and_reader(setup: Replicated) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """The admin twice: a writer that keeps cookies, as the console's browser does, and the
    same account on another device (its token, none of the writer's cookies)."""
    with (
        httpx.Client(base_url=setup.url, timeout=30) as writer,
        httpx.Client(base_url=setup.url, timeout=30) as reader,
    ):
        token = writer.post("/api/v1/auth/token", data={"username": ADMIN, "password": PASSWORD})
        assert token.status_code == 200, token.text
        writer.headers["Authorization"] = f"Bearer {token.json()['access_token']}"
        reader.headers["Authorization"] = writer.headers["Authorization"]
        yield writer, reader


def listed(client: httpx.Client, headers: dict | None = None) -> set[str]:
    """Area codes in the list (GET /api/v1/areas, replica-safe)."""
    answer = client.get("/api/v1/areas", params={"limit": 500}, headers=headers or {})
    assert answer.status_code == 200, answer.text
    return {area["code"] for area in answer.json()}


def mapped(client: httpx.Client) -> set[str]:
    """Area codes on the map (GET /api/v1/map/areas, replica-safe)."""
    answer = client.get("/api/v1/map/areas", params={"limit": 1000})
    assert answer.status_code == 200, answer.text
    return {feature["properties"]["code"] for feature in answer.json()["features"]}


def write(client: httpx.Client, code: str) -> httpx.Response:
    answer = client.post(
        "/api/v1/areas/import", params={"level": "county", "crs": "gcj02"}, json=county(code)
    )
    assert answer.status_code == 200, answer.text
    return answer


def reading_from_standby(setup: Replicated, reader: httpx.Client) -> None:
    """Wait until the API process has seen the standby caught up, so reads go there."""
    setup.caught_up()
    before = setup.reads("replica", "fresh")
    deadline = time.monotonic() + 15
    while True:
        listed(reader)
        if setup.reads("replica", "fresh") > before:
            return
        assert time.monotonic() < deadline, "replica-safe reads never reached the standby"
        time.sleep(0.3)


def test_a_paused_standby_hides_a_new_write_but_not_from_its_writer_or_the_primary(setup):
    with writer_and_reader(setup) as (writer, reader):
        reading_from_standby(setup, reader)
        setup.replay(paused=True)
        try:
            own_before = setup.reads("primary", "own-writes")
            written = write(writer, "8100")
            assert written.headers["X-Firegrid-Read-After"]
            assert "firegrid_read_after=" in written.headers["set-cookie"]
            assert "HttpOnly" in written.headers["set-cookie"]

            # Someone else's list and map come from the standby: not there yet.
            assert "8100" not in listed(reader)
            assert "8100" not in mapped(reader)
            # A read that is not replica-safe (one area's detail) is the primary's: there.
            assert reader.get("/api/v1/areas/8100").status_code == 200
            # The writer's own list (its cookie) waits for the standby: from the primary.
            assert "8100" in listed(writer)
            assert "8100" in mapped(writer)
            # So does a client that carries the header instead of a cookie.
            header = {"X-Firegrid-Read-After": written.headers["X-Firegrid-Read-After"]}
            assert "8100" in listed(reader, header)
            # A forged position moves nobody's reads.
            assert "8100" not in listed(reader, {"X-Firegrid-Read-After": "ffffffff.0" + "0" * 31})
            assert setup.reads("primary", "own-writes") >= own_before + 3
        finally:
            setup.replay(paused=False)

        deadline = time.monotonic() + 15
        while "8100" not in listed(reader):
            assert time.monotonic() < deadline, "the standby never showed the write"
            time.sleep(0.2)
        assert "8100" in mapped(reader)


def test_a_standby_further_behind_than_the_bound_leaves_reads_to_the_primary(setup):
    with writer_and_reader(setup) as (writer, reader):
        reading_from_standby(setup, reader)
        setup.replay(paused=True)
        try:
            write(writer, "8200")
            assert "8200" not in listed(reader)  # within the bound: the standby answers
            lag_before = setup.reads("primary", "lag")
            time.sleep(MAX_LAG_SECONDS + 1.5)  # the bound and one check
            assert "8200" in listed(reader)  # the primary answers
            assert setup.reads("primary", "lag") > lag_before
        finally:
            setup.replay(paused=False)
        reading_from_standby(setup, reader)  # caught up: back on the standby by itself
        assert "8200" in listed(reader)


def test_a_stopped_standby_leaves_reads_to_the_primary(setup):
    with writer_and_reader(setup) as (writer, reader):
        reading_from_standby(setup, reader)
        write(writer, "8300")
        setup.standby.stop("immediate")
        try:
            away_before = setup.reads("primary", "away")
            for _ in range(3):  # the first may find the standby gone since the last check
                assert "8300" in listed(reader)
                assert "8300" in mapped(reader)
            assert setup.reads("primary", "away") > away_before
            assert httpx.get(f"{setup.url}/readyz", timeout=10).status_code == 200
        finally:
            setup.standby.start()
        reading_from_standby(setup, reader)
