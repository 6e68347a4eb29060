"""Answering "nothing new" to phones that poll, mostly without the database.

A pull that finds nothing needs two facts: the change clock, and whether the caller is still
signed in. This process remembers both for `FIREGRID_SYNC_QUIET_SECONDS` (1 s), and forgets
them the moment it commits any write. So a phone pulling right after its own push, or after
anything this process wrote, always goes to the database; a write by another process (the
worker, a second API process) reaches pulls at most that long later. Nothing is lost either
way: a "nothing new" answer keeps the phone's cursor where it was.
"""

from __future__ import annotations

import threading
import time
import uuid
from dataclasses import dataclass

from sqlalchemy import Engine, event

from backend.core.db import READ_ONLY


@dataclass(frozen=True)
class SignedIn:
    """What a user's sign-in state was, as last read."""

    active: bool
    session_version: int
    role: str


class QuietCache:
    MAX_USERS = 50_000  # a county's workers many times over; past it, start again

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._generation = 0  # moves on with every forgetting
        self._clock: tuple[int, float] | None = None
        self._users: dict[uuid.UUID, tuple[SignedIn, float]] = {}

    def generation(self) -> int:
        return self._generation

    def recall(self, user_id: uuid.UUID, ttl: float) -> tuple[int, SignedIn] | None:
        """(clock, sign-in state) if both are known and fresh, else None."""
        if ttl <= 0:
            return None
        now = time.monotonic()
        with self._lock:
            clock, user = self._clock, self._users.get(user_id)
        if clock is None or user is None or now - clock[1] > ttl or now - user[1] > ttl:
            return None
        return clock[0], user[0]

    def remember(self, generation: int, user_id: uuid.UUID, state: SignedIn, clock: int) -> None:
        """Keep what was read, unless something was written since the read began."""
        now = time.monotonic()
        with self._lock:
            if generation != self._generation:
                return
            if len(self._users) >= self.MAX_USERS:
                self._users.clear()
            self._clock = (clock, now)
            self._users[user_id] = (state, now)

    def forget(self) -> None:
        with self._lock:
            self._generation += 1
            self._clock = None
            self._users.clear()


QUIET = QuietCache()


@event.listens_for(Engine, "commit")
def _forget_after_a_write(connection) -> None:
    """Any write committed by this process may have moved the clock or signed someone out."""
    if not connection.get_execution_options().get(READ_ONLY, False):
        QUIET.forget()
