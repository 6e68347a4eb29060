"""Helpers for benchmarks: fresh databases on both backends and the TARGET line format.

Every target is a ratio against a baseline measured in the same run (these machines are
shared, and their speed varies by 2x between runs). Where an issue named a time or a rate,
the ratio's threshold is that goal divided by what the baseline measured when the goal was
set (docs/performance.md records both); the absolute figure and the goal are printed on the
line after the TARGET line, for orientation, and decide nothing.
"""

from __future__ import annotations

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx


def backends() -> list[tuple[str, str]]:
    """(name, url) for SpatiaLite (a fresh file) and, when given, PostGIS."""
    data_dir = tempfile.mkdtemp(prefix="firegrid-bench-")
    os.environ.setdefault("FIREGRID_DATA_DIR", data_dir)
    found = [("spatialite", f"sqlite:///{data_dir}/bench.sqlite")]
    if os.environ.get("FIREGRID_BENCH_DATABASE_URL"):
        found.append(("postgis", os.environ["FIREGRID_BENCH_DATABASE_URL"]))
    return found


@contextmanager
def using_database(url: str) -> Iterator[None]:
    from backend.core import migrations
    from backend.core.settings import get_settings

    os.environ["FIREGRID_DATABASE_URL"] = url
    get_settings.cache_clear()
    migrations.upgrade(url)
    yield


def interleaved_medians(
    first: Callable[[], object], second: Callable[[], object], repeats: int
) -> tuple[float, float]:
    """Median wall times of two actions run alternately, so that the machine's drift (other
    jobs, CPU frequency) falls on both alike."""
    a, b = round_robin_medians([first, second], repeats)
    return a, b


def round_robin_medians(actions: list[Callable[[], object]], repeats: int) -> list[float]:
    """Median wall times of several actions run in turn, `repeats` rounds: a measured action
    and its baselines share the machine's drift."""
    samples: list[list[float]] = [[] for _ in actions]
    for _ in range(repeats):
        for action, times in zip(actions, samples, strict=True):
            started = time.perf_counter()
            action()
            times.append(time.perf_counter() - started)
    return [statistics.median(times) for times in samples]


class Targets:
    def __init__(self) -> None:
        self.failed = False

    def check(
        self,
        name: str,
        measured: float,
        target: float,
        *,
        lower_is_better: bool = True,
        beside: str | None = None,
    ) -> None:
        """One TARGET line; `beside`, printed indented under it, gives the absolute figures
        and the goal the threshold was derived from."""
        ok = measured <= target if lower_is_better else measured >= target
        self.failed |= not ok
        sign = "<=" if lower_is_better else ">="
        print(
            f"TARGET {name} measured={measured:.3f} target={sign}{target} {'PASS' if ok else 'FAIL'}"
        )
        if beside:
            print(f"    {beside}")

    def exit(self) -> None:
        sys.exit(1 if self.failed else 0)


BIN = Path(sys.executable).parent


@dataclass(frozen=True)
class DemoDeployment:
    """A migrated database with the demo loaded (`firegrid demo load`), and the environment
    that points `firegrid` processes at it; `logins` are the demo's passwords by username."""

    env: dict[str, str]
    data_dir: Path
    logins: dict[str, str]


def demo_deployment(name: str, url: str | None) -> DemoDeployment:
    """The demo in a fresh data folder: on `url` (PostGIS) when given, else on a SpatiaLite file
    in that folder. Benchmarks that drive a real server start from it."""
    data_dir = Path(tempfile.mkdtemp(prefix=f"firegrid-bench-{name}-"))
    env = {**os.environ, "FIREGRID_DATA_DIR": str(data_dir), "FIREGRID_LOG_LEVEL": "WARNING"}
    env.pop("FIREGRID_DATABASE_URL", None)
    if url:
        env["FIREGRID_DATABASE_URL"] = url
    for command in (["db", "upgrade"], ["demo", "load"]):
        subprocess.run([BIN / "firegrid", *command], env=env, check=True, capture_output=True)
    logins = json.loads((data_dir / "demo-logins.json").read_text())
    return DemoDeployment(env, data_dir, logins)


@contextmanager
def firegrid_server(env: dict[str, str]) -> Iterator[str]:
    """`firegrid serve` on a free loopback port with `env`; yields its base URL once ready."""
    with firegrid_server_process(env) as (url, _):
        yield url


@contextmanager
def firegrid_server_process(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """`firegrid serve` as `firegrid_server` starts it; yields its base URL and its process id
    (to read what the process itself uses, e.g. its peak memory)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [BIN / "firegrid", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(600):  # a minute: a loaded machine starts a process slowly
            try:
                if httpx.get(f"{url}/readyz").status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if server.poll() is not None:
                raise RuntimeError(f"firegrid serve exited with {server.returncode}")
            time.sleep(0.1)
        else:
            raise RuntimeError("firegrid serve did not become ready")
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


@contextmanager
def firegrid_servers(env: dict[str, str], processes: int) -> Iterator[list[str]]:
    """`processes` API processes, each `firegrid serve` on its own port; their base URLs. The
    client spreads its connections over them, as a reverse proxy balancing connections over
    one process per core does. (`firegrid serve --workers` shares one listening socket
    instead, and with keep-alive connections whichever process happens to accept a burst of
    them keeps their load: runs of the complaints benchmark saw one process at 80 % of a core
    beside another at 35 %.)"""
    with ExitStack() as servers:
        yield [servers.enter_context(firegrid_server(env)) for _ in range(processes)]


def cpu_seconds(pid: int) -> float:
    """User and system CPU time the process has used so far (/proc/<pid>/stat, in ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
