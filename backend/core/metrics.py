"""Counters the domains increment where things happen, for GET /metrics (backend/metrics.py).

They live in this process's memory: each API process counts its own, and Prometheus scrapes
each process (docs/decisions/0038-metrics.md). What can be read from the database at scrape
time (backlogs, overdue work) is not counted here but read by the composition root's collector.
"""

from __future__ import annotations

from collections.abc import Mapping

from prometheus_client import Counter

SYNC_PULLS = Counter(
    "firegrid_sync_pulls",
    "Pulls answered to phones (GET /api/v1/sync), by how: from memory (quiet) or the database.",
    ["answer"],
)
SYNC_PULLED_RECORDS = Counter(
    "firegrid_sync_pulled_records", "Records sent to phones in pulls (created, updated, deleted)."
)
SYNC_PUSHES = Counter(
    "firegrid_sync_pushes",
    "Pushes from phones (POST /api/v1/sync): accepted, conflict (409: pull first) or refused.",
    ["outcome"],
)
SYNC_PUSHED_RECORDS = Counter(
    "firegrid_sync_pushed_records",
    "Records of accepted pushes, by what became of them (refused: kept, with the reason).",
    ["result"],
)
for _answer in ("quiet", "database"):
    SYNC_PULLS.labels(_answer)
for _outcome in ("accepted", "conflict", "refused"):
    SYNC_PUSHES.labels(_outcome)
for _result in ("created", "updated", "unchanged", "hidden", "refused"):
    SYNC_PUSHED_RECORDS.labels(_result)


def pulled(changes: Mapping[str, Mapping[str, list]], *, quiet: bool) -> None:
    SYNC_PULLS.labels("quiet" if quiet else "database").inc()
    records = sum(len(rows) for table in changes.values() for rows in table.values())
    if records:
        SYNC_PULLED_RECORDS.inc(records)


def pushed(outcome: str, results: Mapping[str, int] | None = None) -> None:
    SYNC_PUSHES.labels(outcome).inc()
    for result, count in (results or {}).items():
        if count:
            SYNC_PUSHED_RECORDS.labels(result).inc(count)


REPLICA_READS = Counter(
    "firegrid_replica_reads",
    "Replica-safe reads, by the database that answered them and why (replica; or primary: "
    "the standby lags beyond FIREGRID_REPLICA_MAX_LAG_SECONDS, is away, or has not yet "
    "replayed the caller's own last write).",
    ["database", "reason"],
)
for _database, _reason in (
    ("replica", "fresh"),
    ("primary", "lag"),
    ("primary", "away"),
    ("primary", "own-writes"),
):
    REPLICA_READS.labels(_database, _reason)
