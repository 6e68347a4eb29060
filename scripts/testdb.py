#!/usr/bin/env python3
"""Provide a throwaway PostGIS database for the test suite, and clean it up afterwards.

    testdb.py up     prints a database URL (and remembers how it got it, in var/testdb.json)
    testdb.py down   drops what `up` created and stops a private cluster it started

Where the database comes from, in order:
1. FIREGRID_TEST_DATABASE_URL, used as given (never dropped);
2. a PostgreSQL server answering on 127.0.0.1:5432 (PGUSER/PGPASSWORD honoured, default user
   postgres): a database firegrid_test_<random> is created there, PostGIS installed from
   Debian's packages first if the server lacks it (as root);
3. otherwise a private cluster under ./var/pgtest, started as the `postgres` user (initdb
   refuses root), installing PostgreSQL and PostGIS from Debian's packages if needed.
"""

from __future__ import annotations

import glob
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parent.parent
VAR = ROOT / "var"
# One state file per caller (FIREGRID_TESTDB_STATE), so two runs at once never drop each
# other's database.
STATE = Path(os.environ.get("FIREGRID_TESTDB_STATE", VAR / "testdb.json"))
PRIVATE_DIR = VAR / "pgtest"
# When the postgres user cannot reach ./var (a checkout under a private home), use /tmp.
FALLBACK_DIR = Path(tempfile.gettempdir()) / f"firegrid-pgtest-{os.getuid()}"
PRIVATE_PORT = int(os.environ.get("FIREGRID_TEST_PG_PORT", "55432"))


def say(message: str) -> None:
    print(f"[testdb] {message}", file=sys.stderr)


def answers(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=1):
            return True
    except OSError:
        return False


def run(*cmd: str, user: str | None = None, check: bool = True) -> subprocess.CompletedProcess:
    if user and os.geteuid() == 0:
        cmd = ("runuser", "-u", user, "--", *cmd)
    return subprocess.run(cmd, check=check, capture_output=True, text=True)


def apt_install(*packages: str) -> None:
    if os.geteuid() != 0 or not shutil.which("apt-get"):
        sys.exit(
            f"[testdb] need {' '.join(packages)}; install them (Debian/Ubuntu: apt-get install "
            f"{' '.join(packages)}; macOS: brew install postgresql postgis) or set "
            "FIREGRID_TEST_DATABASE_URL to a PostGIS database"
        )
    say(f"installing {' '.join(packages)} from Debian's packages")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-qq"], check=True, env=env, stdout=subprocess.DEVNULL)
    subprocess.run(
        ["apt-get", "install", "-y", "-qq", *packages],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )


def admin_url(host: str, port: int, database: str = "postgres") -> str:
    user = os.environ.get("PGUSER", "postgres")
    password = os.environ.get("PGPASSWORD")
    auth = f"{user}:{password}@" if password else f"{user}@"
    return f"postgresql://{auth}{host}:{port}/{database}"


def ensure_postgis_available(conn: psycopg.Connection) -> None:
    if conn.execute("SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'").fetchone():
        return
    major = int(conn.execute("SHOW server_version_num").fetchone()[0]) // 10000
    apt_install(f"postgresql-{major}-postgis-3")


def create_database(host: str, port: int) -> str:
    name = f"firegrid_test_{secrets.token_hex(4)}"
    with psycopg.connect(admin_url(host, port), autocommit=True) as conn:
        ensure_postgis_available(conn)
        conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(admin_url(host, port, name), autocommit=True) as conn:
        conn.execute("CREATE EXTENSION IF NOT EXISTS postgis")
    return name


def pg_bin(tool: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)
    return found[0] if found else shutil.which(tool)


def private_dir(owner: str | None) -> Path:
    VAR.mkdir(exist_ok=True)
    if owner and run("test", "-w", str(VAR), user=owner, check=False).returncode != 0:
        if run("test", "-x", str(VAR), user=owner, check=False).returncode != 0:
            return FALLBACK_DIR
    return PRIVATE_DIR


def start_private_cluster() -> Path:
    if not pg_bin("initdb"):
        apt_install("postgresql", "postgis")
    initdb, pg_ctl = pg_bin("initdb"), pg_bin("pg_ctl")
    major = Path(initdb).parent.parent.name
    if not glob.glob(f"/usr/share/postgresql/{major}/extension/postgis.control"):
        apt_install(f"postgresql-{major}-postgis-3")
    owner = "postgres" if os.geteuid() == 0 else None
    base = private_dir(owner)
    data = base / "data"
    if not (data / "PG_VERSION").exists():
        base.mkdir(parents=True, exist_ok=True)
        if owner:
            shutil.chown(base, user=owner)
        say(f"initdb {data}")
        run(initdb, "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", user=owner)
    if not answers("127.0.0.1", PRIVATE_PORT):
        options = f"-p {PRIVATE_PORT} -k {base} -c listen_addresses=127.0.0.1 -c fsync=off"
        run(
            pg_ctl,
            "-D",
            str(data),
            "-l",
            str(base / "log"),
            "-o",
            options,
            "-w",
            "start",
            user=owner,
        )
    for _ in range(50):
        if answers("127.0.0.1", PRIVATE_PORT):
            return data
        time.sleep(0.2)
    sys.exit(f"[testdb] the private cluster did not start; see {base / 'log'}")


def up() -> None:
    VAR.mkdir(exist_ok=True)
    given = os.environ.get("FIREGRID_TEST_DATABASE_URL")
    if given:
        STATE.write_text(json.dumps({"mode": "given"}))
        print(given)
        return
    mode = os.environ.get("FIREGRID_TEST_PG_MODE", "auto")
    if mode != "private" and answers("127.0.0.1", 5432):
        try:
            name = create_database("127.0.0.1", 5432)
        except psycopg.OperationalError as exc:
            sys.exit(f"[testdb] a server answers on 127.0.0.1:5432 but refused us: {exc}".strip())
        STATE.write_text(json.dumps({"mode": "server", "port": 5432, "database": name}))
        say(f"created database {name} on 127.0.0.1:5432")
        print(admin_url("127.0.0.1", 5432, name))
        return
    data = start_private_cluster()
    name = create_database("127.0.0.1", PRIVATE_PORT)
    STATE.write_text(
        json.dumps({"mode": "private", "port": PRIVATE_PORT, "database": name, "data": str(data)})
    )
    say(f"created database {name} in the private cluster on 127.0.0.1:{PRIVATE_PORT}")
    print(admin_url("127.0.0.1", PRIVATE_PORT, name))


def down() -> None:
    if not STATE.exists():
        return
    state = json.loads(STATE.read_text())
    if state["mode"] in {"server", "private"}:
        try:
            with psycopg.connect(admin_url("127.0.0.1", state["port"]), autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{state["database"]}" WITH (FORCE)')
        except psycopg.Error as exc:
            say(f"could not drop {state['database']}: {exc}")
    if state["mode"] == "private":
        owner = "postgres" if os.geteuid() == 0 else None
        run(pg_bin("pg_ctl"), "-D", state["data"], "-m", "fast", "stop", user=owner, check=False)
    STATE.unlink()


if __name__ == "__main__":
    {"up": up, "down": down}[sys.argv[1] if len(sys.argv) > 1 else "up"]()
