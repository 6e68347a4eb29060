"""Private PostgreSQL clusters for the tests about PostgreSQL itself (restarts, standbys): made
with the machine's own PostgreSQL binaries in a temporary directory, on a free loopback port,
and removed afterwards. The shared server the rest of the suite uses is never touched."""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest

from tests.served import free_port

OWNER = "postgres" if os.geteuid() == 0 else None  # initdb and postgres refuse root


def as_owner(*cmd: str) -> subprocess.CompletedProcess:
    if OWNER:
        cmd = ("runuser", "-u", OWNER, "--", *cmd)
    return subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)


def pg_tool(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True)
    return found[0] if found else shutil.which(name) or name


@dataclass
class Cluster:
    """A PostgreSQL cluster only this test uses, on a free loopback port."""

    base: Path
    port: int

    @property
    def data(self) -> Path:
        return self.base / "data"

    def url(self, database: str = "firegrid") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.base} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=40"
        )
        done = as_owner(
            pg_tool("pg_ctl"), "-D", str(self.data), "-l", str(self.base / "log"),
            "-o", options, "-w", "start",
        )  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr + self.log()

    def stop(self, mode: str) -> None:
        done = as_owner(pg_tool("pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop")
        assert done.returncode == 0, done.stdout + done.stderr

    def sql(self, statement: str, database: str = "firegrid") -> None:
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            conn.execute(statement)

    def value(self, query: str, database: str = "firegrid"):
        with psycopg.connect(self.url(database), autocommit=True) as conn:
            return conn.execute(query).fetchone()[0]

    def log(self) -> str:
        path = self.base / "log"
        return path.read_text(errors="replace")[-2000:] if path.exists() else ""


def private_base(prefix: str) -> Path:
    base = Path(tempfile.mkdtemp(prefix=prefix))
    if OWNER:
        shutil.chown(base, user=OWNER)
    return base


@contextmanager
def private_cluster(prefix: str) -> Iterator[Cluster]:
    """A fresh cluster, started, with a `firegrid` database that has PostGIS; stopped
    (immediately) and removed afterwards, whatever happened."""
    if not Path(pg_tool("initdb")).exists():
        pytest.fail("PostgreSQL's initdb is not installed (scripts/testdb.py installs it)")
    base = private_base(prefix)
    cluster = Cluster(base, free_port())
    try:
        made = as_owner(
            pg_tool("initdb"), "-D", str(base / "data"), "-U", "postgres", "--auth=trust",
            "-E", "UTF8", "--no-sync", "--no-instructions",
        )  # fmt: skip
        assert made.returncode == 0, made.stderr
        cluster.start()
        cluster.sql("CREATE DATABASE firegrid", database="postgres")
        cluster.sql("CREATE EXTENSION postgis")
        yield cluster
    finally:
        as_owner(pg_tool("pg_ctl"), "-D", str(cluster.data), "-m", "immediate", "stop")
        shutil.rmtree(base, ignore_errors=True)
