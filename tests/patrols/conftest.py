"""Builders for patrol tests (the shared chain is tests/world.py)."""

from __future__ import annotations

from tests.world import premises_body


def register_shop(api, staff, name, **extra) -> str:
    """An individual business (no credit code needed) registered by `staff`; its id."""
    created = api.post(
        "/api/v1/premises",
        json=premises_body(name=name, uscc=None, individual_business=True, **extra),
        headers=staff.headers(api),
    )
    assert created.status_code == 201, created.text
    return created.json()["id"]
