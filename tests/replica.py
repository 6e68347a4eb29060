"""A real streaming standby for the read-replica tests: a private primary cluster
(tests/pg_cluster.py), migrated, a standby made from it with `pg_basebackup -R` and started as a
hot standby, and the real `firegrid serve` reading from it. Everything is stopped and removed
afterwards, whatever happened."""

from __future__ import annotations

import os
import re
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from backend.core import migrations
from backend.core.db import build_engine, session_factory
from backend.identity.enums import Role
from grids import workforce
from tests.pg_cluster import (
    Cluster,
    as_owner,
    pg_tool,
    private_base,
    private_cluster,
)
from tests.served import free_port
from tests.served import serving as firegrid_serve
from tests.world import PASSWORD, SETUP

ADMIN = "admin.replica"


@dataclass
class Replicated:
    primary: Cluster
    standby: Cluster
    url: str  # the served API's
    max_lag_seconds: float

    def replay(self, *, paused: bool) -> None:
        """Pause or resume the standby's replay, and wait until it says so."""
        self.standby.sql(f"SELECT pg_wal_replay_{'pause' if paused else 'resume'}()")
        wanted = "paused" if paused else "not paused"
        deadline = time.monotonic() + 10
        while self.standby.value("SELECT pg_get_wal_replay_pause_state()") != wanted:
            assert time.monotonic() < deadline, f"the standby's replay is not {wanted}"
            time.sleep(0.05)

    def caught_up(self, seconds: float = 20) -> None:
        """Wait until the standby has replayed everything the primary has written."""
        target = self.primary.value("SELECT pg_current_wal_flush_lsn()::text")
        deadline = time.monotonic() + seconds
        while not self.standby.value(
            f"SELECT pg_last_wal_replay_lsn() >= '{target}'::pg_lsn"
        ):  # fmt: skip
            assert time.monotonic() < deadline, "the standby does not catch up"
            time.sleep(0.05)

    def reads(self, database: str, reason: str) -> float:
        """How many replica-safe reads the served API answered from `database` for `reason`."""
        text = httpx.get(f"{self.url}/metrics", timeout=10).text
        found = re.search(
            rf'^firegrid_replica_reads_total\{{database="{database}",reason="{reason}"\}} (\S+)$',
            text,
            re.MULTILINE,
        )
        assert found, f"no firegrid_replica_reads_total for {database}/{reason}"
        return float(found.group(1))


@contextmanager
def standby_of(primary: Cluster) -> Iterator[Cluster]:
    """A hot standby streaming from `primary`, started; stopped and removed afterwards."""
    base = private_base("firegrid-standby-")
    standby = Cluster(base, free_port())
    try:
        copied = as_owner(
            pg_tool("pg_basebackup"), "-D", str(standby.data), "-R", "-X", "stream",
            "-h", "127.0.0.1", "-p", str(primary.port), "-U", "postgres", "--no-sync",
            "--checkpoint=fast",
        )  # fmt: skip
        assert copied.returncode == 0, copied.stderr
        standby.start()  # hot_standby is on by default: it answers reads while it replays
        assert standby.value("SELECT pg_is_in_recovery()")
        yield standby
    finally:
        as_owner(pg_tool("pg_ctl"), "-D", str(standby.data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def replicated(max_lag_seconds: float) -> Iterator[Replicated]:
    with private_cluster("firegrid-primary-") as primary:
        migrations.upgrade(primary.url())
        engine = build_engine(primary.url(), pool_size=1, max_overflow=0)
        with session_factory(engine)() as session, session.begin():
            workforce.place_user(
                session, area=None, username=ADMIN, password=PASSWORD, role=Role.ADMIN,
                display_name=None, certificate_number=None, certificate_expires_on=None,
                actor=SETUP,
            )  # fmt: skip
        engine.dispose()
        with standby_of(primary) as standby, serving(primary, standby, max_lag_seconds) as url:
            yield Replicated(primary, standby, url, max_lag_seconds)


@contextmanager
def serving(primary: Cluster, standby: Cluster, max_lag_seconds: float) -> Iterator[str]:
    """`firegrid serve`, as in production, with the standby as its read replica."""
    env = {
        **os.environ,
        "FIREGRID_DATABASE_URL": primary.url(),
        "FIREGRID_DATABASE_REPLICA_URL": standby.url(),
        "FIREGRID_REPLICA_MAX_LAG_SECONDS": str(max_lag_seconds),
        "FIREGRID_DATA_DIR": str(primary.base / "var"),
        "FIREGRID_DB_POOL_SIZE": "4",
        "FIREGRID_LOG_LEVEL": "ERROR",
    }
    with firegrid_serve(env) as url:
        yield url
