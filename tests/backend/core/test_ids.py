"""Ids are UUIDv7: unique, and increasing within a process even many to a millisecond."""

import uuid

from backend.core.ids import new_id, new_ids


def test_ids_increase_and_never_repeat_even_thousands_to_a_millisecond():
    made = new_ids(10_000) + [new_id() for _ in range(2_000)] + new_ids(5_000)

    assert made == sorted(made)
    assert len(set(made)) == len(made)
    assert {(i.version, i.variant) for i in made} == {(7, uuid.RFC_4122)}


def test_an_id_carries_the_time_it_was_made(monkeypatch):
    import time

    from backend.core import ids

    monkeypatch.setattr(ids, "_last_ms", 0)
    moment_ns = 1_795_000_000_123_456_789  # 2026-11-18, in nanoseconds since 1970
    monkeypatch.setattr(time, "time_ns", lambda: moment_ns)

    made = new_id()

    assert made.int >> 80 == moment_ns // 1_000_000
