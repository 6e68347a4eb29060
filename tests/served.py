"""`firegrid serve` as production runs it, in a process of its own on a free loopback port: for
the tests that need the real command (its start-up checks, its lifespan, settings of its own,
a database of its own)."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

FIREGRID = str(Path(sys.executable).parent / "firegrid")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Process:
    url: str
    process: subprocess.Popen

    def wait_ready(self, path: str = "/healthz", timeout: float = 60) -> None:
        """Until `path` answers 200; fails the test if the process stops or takes too long."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if httpx.get(f"{self.url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert self.process.poll() is None, "firegrid serve stopped"
            assert time.monotonic() < deadline, "firegrid serve did not start"
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM, as systemd stops it: in-flight work and batched exports finish."""
        self.process.terminate()
        self.process.wait(timeout=30)


def start(env: dict[str, str]) -> Process:
    """`firegrid serve` with `env`, not yet answering (see `Process.wait_ready`)."""
    port = free_port()
    process = subprocess.Popen(
        [FIREGRID, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    return Process(f"http://127.0.0.1:{port}", process)


@contextmanager
def serving(env: dict[str, str], *, ready: str = "/healthz") -> Iterator[str]:
    """`firegrid serve` with `env` while the block runs; its base URL once `ready` answers."""
    served = start(env)
    try:
        served.wait_ready(ready)
        yield served.url
    finally:
        served.stop()
