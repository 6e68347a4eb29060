"""The hazard ledger 隐患台账 as xlsx among 100,000 hazards: the county brigade's export of all of
them, downloaded whole from `firegrid serve`, against `/healthz` of the same server, the two
taking turns; and the server process's peak memory for an export of 10,000 rows (one
township's station) against one of 100,000 (the brigade), each in a fresh server.

    make bench B=exports

Issue 19 set the goal: 100,000 rows streamed in at most 10 s. It is printed beside the ratio;
the ratio's threshold is 10 s divided by the quiet `/healthz` median recorded for the console's
goals (benchmarks/county.py). Memory must be flat: the 100,000-row export's peak at most 1.25
times the 10,000-row one's (the peak resident set of the server process, VmHWM, read from
/proc after each export).

The data is benchmarks/hazard_queue.py's: one county of 10 townships, hazards spread over
every grid, state, level and the last 90 days.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.common import (  # noqa: E402
    Targets,
    cpu_seconds,
    firegrid_server_process,
    using_database,
)
from benchmarks.county import (  # noqa: E402
    COUNTY,
    HAZARDS,
    goal_note,
    healthz_times,
    on_both_databases,
    threshold,
    token_headers,
)
from benchmarks.hazard_queue import STATION, seed  # noqa: E402

ROUNDS = 3
GOAL_S = 10.0
THRESHOLD = threshold(GOAL_S * 1000)
MEMORY_GROWTH = 1.25
EXPORT = "/api/v1/hazards/export.xlsx"
BRIGADE = "brigade.bench"


def download(client: httpx.Client, headers: dict[str, str]) -> int:
    """The whole export, read to its last byte; its size."""
    size = 0
    with client.stream("GET", EXPORT, params={"include_closed": "true"}, headers=headers) as answer:
        assert answer.status_code == 200, answer.read()
        for chunk in answer.iter_bytes():
            size += len(chunk)
    return size


def rss_mb(pid: int, field: str) -> float:
    """The process's resident set now (VmRSS) or its peak since the last reset (VmHWM), MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no {field} in /proc (Linux only)")


def reset_peak(pid: int) -> None:
    """Start the peak (VmHWM) again from the present resident set (Linux 4.0 and later)."""
    Path(f"/proc/{pid}/clear_refs").write_text("5")


def rows_in(content_size: int) -> str:
    return f"{content_size / 1e6:.1f} MB"


def run_backend(name: str, url: str, targets: Targets) -> None:
    print(f"--- {name}")
    with using_database(url):
        seed([(COUNTY, BRIGADE, "brigade_staff", "基准大队")])
    env = {**os.environ, "FIREGRID_DATABASE_URL": url, "FIREGRID_LOG_LEVEL": "WARNING"}

    # Peak memory: a fresh server per export, so each peak is that export's.
    peaks = {}
    for who in (STATION, BRIGADE):
        with (
            firegrid_server_process(env) as (host, pid),
            httpx.Client(base_url=host, timeout=300) as client,
        ):
            headers = token_headers(client, who)
            client.get("/api/v1/hazards", params={"limit": 1}, headers=headers)  # warm
            reset_peak(pid)
            before = rss_mb(pid, "VmRSS")
            size = download(client, headers)
            peaks[who] = (before, rss_mb(pid, "VmHWM"), size)

    with (
        firegrid_server_process(env) as (host, pid),
        httpx.Client(base_url=host, timeout=300) as client,
    ):
        headers = token_headers(client, BRIGADE)
        export_s, healthz_ms, cpu_s = [], [], []
        for _ in range(ROUNDS):
            started, cpu = time.perf_counter(), cpu_seconds(pid)
            size = download(client, headers)
            export_s.append(time.perf_counter() - started)
            cpu_s.append(cpu_seconds(pid) - cpu)
            healthz_ms.extend(healthz_times(client))
    export, healthz = statistics.median(export_s), statistics.median(healthz_ms)
    targets.check(
        f"hazard_ledger_xlsx_100k_vs_healthz_{name}",
        export * 1000 / healthz,
        THRESHOLD,
        beside=(
            f"export of {HAZARDS:,} hazards ({rows_in(size)}) median {export:.1f} s of "
            f"{ROUNDS} (goal <= {GOAL_S:.0f} s), the server's CPU time for it "
            f"{statistics.median(cpu_s):.1f} s; " + goal_note(GOAL_S * 1000, healthz)
        ),
    )
    small_before, small_peak, small_size = peaks[STATION]
    big_before, big_peak, big_size = peaks[BRIGADE]
    targets.check(
        f"hazard_ledger_xlsx_peak_memory_100k_vs_10k_{name}",
        big_peak / small_peak,
        MEMORY_GROWTH,
        beside=(
            f"server peak RSS: station's export (about {HAZARDS // 10:,} rows, "
            f"{rows_in(small_size)}) {small_peak:.0f} MB, {small_peak - small_before:+.0f} MB "
            f"over the {small_before:.0f} MB before it; brigade's export of {HAZARDS:,} "
            f"({rows_in(big_size)}) {big_peak:.0f} MB, {big_peak - big_before:+.0f} MB over "
            f"{big_before:.0f} MB"
        ),
    )


def main() -> None:
    on_both_databases("exports", run_backend)


if __name__ == "__main__":
    main()
