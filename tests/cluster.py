"""Several API processes and workers behind Debian's nginx, as deploy/ sets them up, on loopback.

`running_cluster` renders the shipped site config (deploy/nginx/firegrid.conf: its own file,
with only the ports, log paths and monitoring network put in) into a temporary prefix, starts
nginx there in the foreground (its pid file, logs and temp files under that prefix, as root or
not), `api_processes` `firegrid serve` processes on free loopback ports believing
X-Forwarded-For from nginx only, and optionally `firegrid worker` processes; it waits until
each answers and stops every process on the way out, also when starting failed. Used by
tests/backend/test_several_hosts.py and by benchmarks.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.served import FIREGRID, free_port

ROOT = Path(__file__).resolve().parent.parent
SITE_CONFIG = ROOT / "deploy" / "nginx" / "firegrid.conf"
NGINX_CANDIDATES = ("/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx")
READY_SECONDS = 60  # a loaded two-core machine starts a Python process slowly


def nginx_binary() -> str | None:
    found = os.environ.get("FIREGRID_NGINX") or shutil.which("nginx")
    if found:
        return found
    return next((path for path in NGINX_CANDIDATES if os.access(path, os.X_OK)), None)


def render_site(
    text: str, *, listen_port: int, api_ports: list[int], log_dir: Path, monitoring: str
) -> str:
    """The shipped site config with this cluster's ports and paths. Each substitution must
    find what it replaces, so a config edited out of these shapes fails here, loudly, rather
    than a test running some other configuration."""

    def sub(pattern: str, replacement, source: str, *, count: int | None = None) -> str:
        result, made = re.subn(pattern, replacement, source, flags=re.MULTILINE)
        if made == 0 or (count is not None and made != count):
            raise AssertionError(f"deploy/nginx/firegrid.conf: {pattern!r} matched {made} times")
        return result

    servers = re.findall(r"^([ \t]*)server 127\.0\.0\.1:\d+( [^;]*)?;\n", text, re.MULTILINE)
    if not servers:
        raise AssertionError("deploy/nginx/firegrid.conf: no `server 127.0.0.1:PORT` lines")
    indent, options = servers[0]
    lines = "".join(f"{indent}server 127.0.0.1:{port}{options};\n" for port in api_ports)
    text = sub(r"^[ \t]*server 127\.0\.0\.1:\d+[^;]*;\n", "", text)
    text = sub(r"^([ \t]*)(least_conn;\n)", lambda m: m.group(0) + lines, text, count=1)
    text = sub(r"^([ \t]*)listen 80;", rf"\1listen 127.0.0.1:{listen_port};", text, count=1)
    text = sub(r"^[ \t]*listen \[::\]:80;\n", "", text, count=1)
    text = sub(r"/var/log/nginx/", f"{log_dir}/", text)
    return sub(r"^([ \t]*)allow 192\.0\.2\.0/24;", rf"\1allow {monitoring};", text, count=1)


def main_config(prefix: Path, site: Path) -> str:
    """What Debian's /etc/nginx/nginx.conf holds around a site, in this prefix. As root the
    workers stay root: the prefix (pytest's temporary folder) is not readable by `nobody`."""
    user = "user root;\n" if os.geteuid() == 0 else ""
    return (
        f"{user}worker_processes 2;\n"
        f"pid {prefix}/nginx.pid;\n"
        f"error_log {prefix}/logs/error.log warn;\n"
        "events { worker_connections 512; }\n"
        "http {\n"
        "    default_type application/octet-stream;\n"
        f"    access_log {prefix}/logs/access.log;\n"
        f"    client_body_temp_path {prefix}/temp/body;\n"
        f"    proxy_temp_path {prefix}/temp/proxy;\n"
        f"    fastcgi_temp_path {prefix}/temp/fastcgi;\n"
        f"    uwsgi_temp_path {prefix}/temp/uwsgi;\n"
        f"    scgi_temp_path {prefix}/temp/scgi;\n"
        f"    include {site};\n"
        "}\n"
    )


@dataclass
class Cluster:
    url: str  # nginx, http://127.0.0.1:<port>
    api_urls: list[str]
    api_pids: list[int]
    worker_pids: list[int]
    nginx_pid: int
    prefix: Path
    _apis: list[subprocess.Popen] = field(repr=False)
    _workers: list[subprocess.Popen] = field(repr=False)
    _nginx: subprocess.Popen = field(repr=False)

    def stop_api(self, index: int) -> None:
        """Kill one API process outright (SIGKILL, as a crash or the OOM killer would)."""
        process = self._apis[index]
        process.kill()
        process.wait(timeout=30)

    def logs(self, directory: Path | None = None) -> str:
        """Every process's log, in one text (for a failing test's message); with `directory`,
        also copied there."""
        parts = []
        for path in sorted((self.prefix / "logs").glob("*")):
            if path.is_file():
                parts.append(f"==> {path.name} <==\n{path.read_text(errors='replace')[-4000:]}")
                if directory is not None:
                    directory.mkdir(parents=True, exist_ok=True)
                    shutil.copy(path, directory / path.name)
        return "\n".join(parts)


def _stop(process: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    if process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def _wait_until(check, what: str, processes: list[subprocess.Popen], logs) -> None:
    deadline = time.monotonic() + READY_SECONDS
    while True:
        try:
            if check():
                return
        except httpx.TransportError:
            pass
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"{what}: a process exited ({process.returncode})\n{logs()}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not ready in {READY_SECONDS} s\n{logs()}")
        time.sleep(0.1)


@contextmanager
def running_cluster(
    env: dict[str, str],
    *,
    api_processes: int = 2,
    workers: int = 0,
    worker_interval_seconds: float | None = None,
    tmp_dir: Path,
    monitoring_network: str = "127.0.0.0/8",
    api_env: list[dict[str, str]] | None = None,
) -> Iterator[Cluster]:
    """nginx on a free loopback port in front of `api_processes` API processes, and `workers`
    `firegrid worker` processes, all with `env` (which names the database; the schema must be
    migrated already); `api_env[i]`, when given, adds to the i-th API process's environment
    (a data folder of its own makes it another host). Skips the test when nginx is not
    installed."""
    nginx = nginx_binary()
    if nginx is None:
        pytest.skip("nginx is not installed (scripts/bootstrap.sh test installs Debian's nginx)")
    prefix = Path(tmp_dir) / "cluster"
    for sub in ("logs", "temp", "conf"):
        (prefix / sub).mkdir(parents=True, exist_ok=True)
    api_ports = [free_port() for _ in range(api_processes)]
    listen_port = free_port()
    site = prefix / "conf" / "firegrid.conf"
    site.write_text(
        render_site(
            SITE_CONFIG.read_text(),
            listen_port=listen_port,
            api_ports=api_ports,
            log_dir=prefix / "logs",
            monitoring=monitoring_network,
        )
    )
    main = prefix / "conf" / "nginx.conf"
    main.write_text(main_config(prefix, site))

    base_env = {**env, "FIREGRID_FORWARDED_ALLOW_IPS": "127.0.0.1"}
    if "PYTHONPATH" not in base_env:  # the venv's firegrid runs this checkout's code
        base_env["PYTHONPATH"] = str(ROOT)
    apis: list[subprocess.Popen] = []
    worker_processes: list[subprocess.Popen] = []
    nginx_process: subprocess.Popen | None = None
    opened = []

    def log_file(name: str):
        handle = open(prefix / "logs" / name, "wb")  # noqa: SIM115 - closed on the way out
        opened.append(handle)
        return handle

    def logs() -> str:
        return "\n".join(
            f"==> {path.name} <==\n{path.read_text(errors='replace')[-3000:]}"
            for path in sorted((prefix / "logs").glob("*"))
            if path.is_file()
        )

    try:
        for i, port in enumerate(api_ports):
            apis.append(
                subprocess.Popen(
                    [FIREGRID, "serve", "--port", str(port)],
                    env={**base_env, **(api_env[i] if api_env else {})},
                    stdout=log_file(f"api-{i}.log"),
                    stderr=subprocess.STDOUT,
                )
            )
        worker_env = dict(base_env)
        if worker_interval_seconds is not None:
            worker_env["FIREGRID_WORKER_INTERVAL_SECONDS"] = str(worker_interval_seconds)
        for i in range(workers):
            worker_processes.append(
                subprocess.Popen(
                    [FIREGRID, "worker"],
                    env=worker_env,
                    stdout=log_file(f"worker-{i}.log"),
                    stderr=subprocess.STDOUT,
                )
            )
        # `-e`: nginx's own log before it reads the configuration (else /var/log/nginx/).
        nginx_process = subprocess.Popen(
            [
                nginx,
                "-p",
                str(prefix),
                "-e",
                str(prefix / "logs" / "error.log"),
                "-c",
                str(main),
                "-g",
                "daemon off;",
            ],
            stdout=log_file("nginx.out"),
            stderr=subprocess.STDOUT,
        )
        api_urls = [f"http://127.0.0.1:{port}" for port in api_ports]
        for url in api_urls:
            _wait_until(
                lambda url=url: httpx.get(f"{url}/readyz", timeout=5).status_code == 200,
                "firegrid serve",
                apis,
                logs,
            )
        url = f"http://127.0.0.1:{listen_port}"
        _wait_until(
            lambda: httpx.get(f"{url}/readyz", timeout=5).status_code == 200,
            "nginx",
            [nginx_process],
            logs,
        )
        yield Cluster(
            url=url,
            api_urls=api_urls,
            api_pids=[p.pid for p in apis],
            worker_pids=[p.pid for p in worker_processes],
            nginx_pid=nginx_process.pid,
            prefix=prefix,
            _apis=apis,
            _workers=worker_processes,
            _nginx=nginx_process,
        )
    finally:
        if nginx_process is not None:
            _stop(nginx_process, signal.SIGQUIT)  # nginx's graceful stop
        for process in worker_processes + apis:
            _stop(process)
        for handle in opened:
            handle.close()
