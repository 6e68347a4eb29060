"""Rate limits, counted by the `limits` package (the engine of slowapi and Flask-Limiter).

Counts live where FIREGRID_RATE_LIMIT_STORAGE says: `memory://` (the default, no other
service) counts in each API process on its own, so N processes allow up to N times a limit;
a deployment with several API processes points them all at one store (`redis://…`), and
the limits hold across them (decision 0020). Moving windows: a client is refused exactly
until its oldest counted attempt leaves the window, which is what Retry-After says.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import (
    FixedWindowRateLimiter,
    MovingWindowRateLimiter,
    RateLimiter,
)

_lock = threading.Lock()
_limiters: dict[str, RateLimiter] = {}


def _limiter(storage_uri: str) -> RateLimiter:
    with _lock:
        limiter = _limiters.get(storage_uri)
        if limiter is None:
            storage = storage_from_string(storage_uri)
            try:
                limiter = MovingWindowRateLimiter(storage)
            except NotImplementedError:  # memcached keeps no moving windows
                limiter = FixedWindowRateLimiter(storage)
            _limiters[storage_uri] = limiter
        return limiter


@lru_cache(maxsize=64)
def _parsed(spec: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(spec))


@dataclass(frozen=True)
class Limit:
    """One named limit ("login-address", "open311-key", ...), as a `limits` string such as
    "20/15 minutes;100/day": every part holds at once."""

    name: str
    spec: str
    storage_uri: str = "memory://"

    @property
    def items(self) -> tuple[RateLimitItem, ...]:
        return _parsed(self.spec)

    def wait(self, *who: str) -> int | None:
        """Seconds until `who` may try again, or None when one more attempt is within the
        limit. Counts nothing."""
        limiter = _limiter(self.storage_uri)
        over = [item for item in self.items if not limiter.test(item, self.name, *who)]
        return _seconds_until_free(limiter, over, self.name, *who) if over else None

    def hit(self, *who: str) -> int | None:
        """Count one attempt by `who`; when that is over the limit, the seconds until `who`
        may try again (the attempt is then not counted where it did not fit)."""
        limiter = _limiter(self.storage_uri)
        over = [item for item in self.items if not limiter.hit(item, self.name, *who)]
        return _seconds_until_free(limiter, over, self.name, *who) if over else None


def _seconds_until_free(limiter: RateLimiter, over: list[RateLimitItem], *keys: str) -> int:
    now = time.time()
    reset = max(limiter.get_window_stats(item, *keys).reset_time for item in over)
    return max(1, math.ceil(reset - now))


def forget_all() -> None:
    """Drop every count held in this process's memory stores (tests start from none)."""
    with _lock:
        for limiter in _limiters.values():
            limiter.storage.reset()
