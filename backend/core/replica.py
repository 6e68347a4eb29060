"""Read replicas (decision 0042): which database answers a replica-safe read.

With FIREGRID_DATABASE_REPLICA_URL set, the routes that say they are replica-safe
(`ReplicaSessionDep`: maps, lists and queues, exports, bulletins, public pages) read from a
PostgreSQL hot standby; every other request, the worker and the command line use the primary.
Two rules decide, both on WAL positions (LSNs) rather than on other machines' clocks:

- Lag. At most every CHECK_SECONDS, this process reads how far the primary has flushed its WAL,
  then how far the standby has replayed it. It keeps the primary's positions of the last
  FIREGRID_REPLICA_MAX_LAG_SECONDS, each with the (monotonic) time it was read: the standby is
  "as of" the newest of them it has replayed. Older than the bound, away, or no longer in
  recovery (promoted): the primary answers, and a counter says why.
- Read your writes. The answer to a write (any method but GET/HEAD/OPTIONS, status below 400)
  carries where the primary's WAL stood after it, signed, in a cookie and a header
  (READ_AFTER_*). A read that brings it back goes to the standby only once the standby has
  replayed that far; the sync pull and every other read that is not marked stay on the primary.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import re
import threading
import time
from collections import deque
from dataclasses import dataclass
from functools import lru_cache

from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError
from sqlalchemy.orm import Session

from backend.core import metrics
from backend.core.db import (
    build_engine,
    database_trouble,
    engine_for,
    get_engine,
    normalise_url,
    read_sessions,
)
from backend.core.settings import ConfigurationError, Settings

log = logging.getLogger("firegrid.replica")

READ_AFTER_COOKIE = "firegrid_read_after"
READ_AFTER_HEADER = "X-Firegrid-Read-After"
# How long a cookie is kept: long past any sane lag bound; once the standby has replayed its
# position it no longer changes where anything is read.
READ_AFTER_COOKIE_SECONDS = 24 * 3600
# How often a process asks both databases where they stand (two one-row queries).
CHECK_SECONDS = 1.0
# A standby that does not answer within this long is away: its reads go to the primary.
CONNECT_TIMEOUT_SECONDS = 3

_PRIMARY_FLUSHED = text("SELECT pg_current_wal_flush_lsn() - '0/0'::pg_lsn")
# After a write: the insert position is past every record the write made, even a commit not
# yet flushed (synchronous_commit = off).
_PRIMARY_INSERTED = text("SELECT pg_current_wal_insert_lsn() - '0/0'::pg_lsn")
_STANDBY_REPLAYED = text("SELECT pg_is_in_recovery(), pg_last_wal_replay_lsn() - '0/0'::pg_lsn")
_TOKEN = re.compile(r"^([0-9a-f]{1,16})\.([0-9a-f]{32})$")


def check_settings(settings: Settings) -> None:
    """Refuse to start with a replica on SQLite: only PostgreSQL streams to a standby."""
    replica_url = settings.database_replica_url
    if not replica_url:
        return
    for name, url in (
        ("FIREGRID_DATABASE_URL", settings.resolved_database_url),
        ("FIREGRID_DATABASE_REPLICA_URL", replica_url),
    ):
        try:
            backend = make_url(normalise_url(url)).get_backend_name()
        except ArgumentError as exc:
            raise ConfigurationError(f"{name} is not a database URL: {exc}") from None
        if backend != "postgresql":
            raise ConfigurationError(
                f"FIREGRID_DATABASE_REPLICA_URL is set but {name} is not PostgreSQL: a read "
                "replica is a PostgreSQL hot standby streaming from a PostgreSQL primary. Unset "
                "FIREGRID_DATABASE_REPLICA_URL to read everything from the one database."
            )


@dataclass(frozen=True)
class Standing:
    """What the last check found: the standby's replayed position, and the (monotonic) time at
    which the primary had flushed no more than that; None when away or not a standby."""

    checked: float
    replayed: int | None = None
    as_of: float | None = None


class Replica:
    def __init__(self, primary: Engine, standby: Engine, max_lag_seconds: float) -> None:
        self.primary = primary
        self.standby = standby
        self.max_lag = max_lag_seconds
        self._samples: deque[tuple[float, int]] = deque()
        self._standing = Standing(checked=float("-inf"))
        self._lock = threading.Lock()
        self._said = "fresh"  # the state last logged: log a change once, not every check

    def choose(self, read_after: int | None) -> str:
        """ "fresh": the standby answers; else why the primary does: "away", "lag", "own-writes"
        (the standby has not replayed the caller's last write yet)."""
        standing = self.standing()
        if standing.replayed is None:
            return "away"
        if standing.as_of is None or time.monotonic() - standing.as_of > self.max_lag:
            self._say("lag", f"is more than {self.max_lag:g} s behind the primary")
            return "lag"
        self._say("fresh", "is replaying close behind the primary again")
        if read_after is not None and standing.replayed < read_after:
            return "own-writes"
        return "fresh"

    def standing(self) -> Standing:
        standing = self._standing
        if time.monotonic() - standing.checked < CHECK_SECONDS:
            return standing
        if not self._lock.acquire(blocking=False):  # another thread is asking: its last answer
            return standing
        try:
            self._standing = self._check()
            return self._standing
        finally:
            self._lock.release()

    def _check(self) -> Standing:
        now = time.monotonic()
        try:
            with self.primary.connect() as conn:
                flushed = int(conn.execute(_PRIMARY_FLUSHED).scalar_one())
        except DBAPIError as exc:
            if database_trouble(exc) is None:
                raise
            return Standing(now)  # the primary is away: its own reads will say so (503)
        self._samples.append((now, flushed))
        horizon = now - self.max_lag - 2 * CHECK_SECONDS
        while len(self._samples) > 1 and self._samples[0][0] < horizon:
            self._samples.popleft()
        try:
            with self.standby.connect() as conn:
                recovering, replayed = conn.execute(_STANDBY_REPLAYED).one()
        except DBAPIError as exc:
            if database_trouble(exc) is None:
                raise
            self._say("away", f"cannot be reached ({type(exc.orig).__name__})")
            return Standing(now)
        if not recovering or replayed is None:
            self._say("away", "is not in recovery (promoted?): it no longer follows the primary")
            return Standing(now)
        replayed = int(replayed)
        as_of = max((at for at, lsn in self._samples if lsn <= replayed), default=None)
        return Standing(now, replayed, as_of)

    def went_away(self, exc: BaseException) -> None:
        """A read found the standby gone since the last check: the primary until the next."""
        self._standing = Standing(time.monotonic())
        self._say("away", f"cannot be reached ({type(exc).__name__})")

    def written(self) -> int | None:
        """Where the primary's WAL stands now, after a caller's write; None if it is away."""
        try:
            with self.primary.connect() as conn:
                return int(conn.execute(_PRIMARY_INSERTED).scalar_one())
        except DBAPIError as exc:
            if database_trouble(exc) is None:
                raise
            return None

    def _say(self, state: str, what: str) -> None:
        if state != self._said:
            self._said = state
            level = logging.INFO if state == "fresh" else logging.WARNING
            log.log(level, "read replica %s; replica-safe reads go to the %s", what,
                    "standby" if state == "fresh" else "primary")  # fmt: skip


@lru_cache(maxsize=4)
def _replica(primary_url: str, standby_url: str, max_lag_seconds: float) -> Replica:
    standby = build_engine(standby_url, connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    return Replica(engine_for(primary_url), standby, max_lag_seconds)


def replica_for(settings: Settings) -> Replica | None:
    if not settings.database_replica_url:
        return None
    return _replica(
        settings.resolved_database_url,
        settings.database_replica_url,
        settings.replica_max_lag_seconds,
    )


def primary_reads() -> Session:
    """A replica-safe read on the primary: it cannot write either, so that a route marked
    replica-safe that wrote fails in the tests, not once a standby answers it in production."""
    return read_sessions(get_engine())()


def read_session(settings: Settings, read_after: int | None) -> Session:
    """A session for a replica-safe read: on the standby when `choose` says it may answer and
    a connection to it opens; else on the primary. Never fails for the standby's sake."""
    replica = replica_for(settings)
    if replica is None:
        return primary_reads()
    reason = replica.choose(read_after)
    if reason == "fresh":
        session = read_sessions(replica.standby, refuse_writes=False)()
        try:
            session.connection()  # checked out now (and checked), so a dead standby shows here
        except DBAPIError as exc:
            session.close()
            if database_trouble(exc) is None:
                raise
            replica.went_away(exc)
            reason = "away"
        else:
            metrics.REPLICA_READS.labels("replica", reason).inc()
            return session
    metrics.REPLICA_READS.labels("primary", reason).inc()
    return primary_reads()


# --- The caller's last write, carried by the caller --------------------------------------------


def read_after_token(lsn: int, secret: str) -> str:
    return f"{lsn:x}.{_signature(lsn, secret)}"


def read_after(token: str | None, secret: str) -> int | None:
    """The position a caller's token names, or None (no token, or not one this service signed:
    it cannot move anyone's reads)."""
    found = _TOKEN.match(token or "")
    if not found:
        return None
    lsn = int(found.group(1), 16)
    return lsn if hmac.compare_digest(found.group(2), _signature(lsn, secret)) else None


def read_after_cookie(token: str, *, secure: bool) -> str:
    cookie = (
        f"{READ_AFTER_COOKIE}={token}; Path=/; Max-Age={READ_AFTER_COOKIE_SECONDS}; "
        "HttpOnly; SameSite=Lax"
    )
    return cookie + ("; Secure" if secure else "")


def _signature(lsn: int, secret: str) -> str:
    digest = hmac.new(secret.encode(), f"read-after:{lsn:x}".encode(), hashlib.sha256)
    return digest.hexdigest()[:32]
