"""Password checks on a few threads of their own, with a bounded queue (decision 0043).

argon2 is meant to be expensive: about 50 ms of a core and 64 MiB of memory per check. Run in
anyio's shared thread pool, as a sync endpoint is, a burst of sign-ins (a shift starting, 50
grid workers opening the app) took up to 40 of its threads at once, 2.5 GiB, and every other
sync endpoint queued behind them: sign-in p50 was 5.7 s with 50 users, and the rest of the
API stalled with it. Here checks run on FIREGRID_PASSWORD_HASHING_THREADS threads (default:
one per core), and the sign-in waits for its turn on the event loop, holding no request
thread. When more checks wait than FIREGRID_PASSWORD_HASHING_WAITING_PER_THREAD per thread,
the sign-in is refused at once with 503 and Retry-After (`SignInsBusy`) instead of joining a
queue that only grows.
"""

from __future__ import annotations

import asyncio
import math
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from backend.core import security
from backend.core.errors import Problem
from backend.core.security import PasswordVerdict
from backend.core.settings import Settings

# What one check costs, before any has been measured in this process (argon2-cffi's defaults
# on one core of a small server); then a moving average of the checks measured.
_FIRST_GUESS_SECONDS = 0.08


class SignInsBusy(Problem):
    status, slug, title = 503, "sign-in-busy", "Sign-in is busy"

    def __init__(self, wait: int) -> None:
        super().__init__(
            f"too many sign-ins are being checked right now; try again in {wait} s",
            retry_after=wait,
        )
        self.headers["Retry-After"] = str(wait)


# How much lower than the requests' threads the password threads run (Linux nice levels): a
# check still gets every idle cycle, but under load the cores go to the other requests first.
# argon2's own lane threads (parallelism 4) inherit it.
NICENESS = 10


def _yield_to_requests() -> None:
    if sys.platform.startswith("linux"):  # a thread's own nice level: Linux threads are tasks
        try:
            os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), NICENESS)
        except OSError:  # not allowed here: the check runs at the usual priority
            pass


class PasswordChecks:
    """A small executor and the count of checks admitted to it (running or waiting)."""

    def __init__(self, threads: int, waiting_per_thread: int) -> None:
        self.threads = threads
        self.bound = threads * (1 + waiting_per_thread)
        self._executor = ThreadPoolExecutor(
            threads, thread_name_prefix="password-check", initializer=_yield_to_requests
        )
        self._lock = threading.Lock()
        self._admitted = 0
        self._seconds_per_check = _FIRST_GUESS_SECONDS

    def admitted(self) -> int:
        """Checks running or waiting now (for /metrics and tests)."""
        return self._admitted

    async def check(self, password_hash: str | None, password: str) -> PasswordVerdict:
        with self._lock:
            if self._admitted >= self.bound:
                raise SignInsBusy(self._retry_after())
            self._admitted += 1
        future = asyncio.get_running_loop().run_in_executor(
            self._executor, self._timed, password_hash, password
        )
        # A client that gives up does not take the check back: it is counted until done.
        future.add_done_callback(self._release)
        return await asyncio.shield(future)

    def _release(self, _future: object) -> None:
        with self._lock:
            self._admitted -= 1

    def _timed(self, password_hash: str | None, password: str) -> PasswordVerdict:
        started = time.perf_counter()
        try:
            return security.check_password(password_hash, password)
        finally:
            took = time.perf_counter() - started
            self._seconds_per_check += (took - self._seconds_per_check) / 8

    def _retry_after(self) -> int:
        """Whole seconds until the checks admitted now are done, at least one."""
        return max(1, math.ceil(self._admitted * self._seconds_per_check / self.threads))


_checks: dict[tuple[int, int], PasswordChecks] = {}
_checks_lock = threading.Lock()


def checks_for(settings: Settings) -> PasswordChecks:
    """This process's executor for these settings (one, unless a test changes them)."""
    threads = settings.password_hashing_threads or os.cpu_count() or 1
    key = (threads, settings.password_hashing_waiting_per_thread)
    with _checks_lock:
        if key not in _checks:
            _checks[key] = PasswordChecks(*key)
        return _checks[key]


def checks_admitted() -> int:
    """Password checks running or waiting in this process now (an operator's /metrics): at
    the bound for long, sign-ins are being turned away with 503."""
    with _checks_lock:
        return sum(checks.admitted() for checks in _checks.values())


async def check_password(
    settings: Settings, password_hash: str | None, password: str
) -> PasswordVerdict:
    """Verify (and re-hash if due) on the password threads; `SignInsBusy` when too many wait."""
    return await checks_for(settings).check(password_hash, password)
