"""The citizens' page open for the test township, with a challenge easy enough to solve fast."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator

import pytest

from backend.core import challenge
from tests.world import jpeg

BITS = 6


@pytest.fixture
def page_open(monkeypatch, township, grid, grid_worker) -> Iterator[str]:
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_AREA", township.code)
    monkeypatch.setenv("FIREGRID_CITIZEN_CHALLENGE_BITS", str(BITS))
    get_settings.cache_clear()
    yield township.code
    get_settings.cache_clear()


def answered(api) -> dict:
    """A fresh challenge from the form, solved as the page solves it."""
    offered = api.get("/api/v1/citizen/form").json()["challenge"]
    return {"token": offered["token"], "nonce": challenge.solve(offered["token"], offered["bits"])}


def declared(data: bytes) -> dict:
    return {"id": str(uuid.uuid4()), "sha256": hashlib.sha256(data).hexdigest(), "size": len(data)}


def report_body(api, **fields) -> dict:
    return {
        "category": "ebike_indoor",
        "description": "一楼楼道有电动车在充电，电线从窗户拉出来",
        "lng": 109.41,
        "lat": 24.35,
        "challenge": answered(api),
        **fields,
    }


def photo_bytes(width: int = 1200, height: int = 900) -> bytes:
    return jpeg(width, height)
