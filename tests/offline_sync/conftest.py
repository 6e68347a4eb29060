"""Builders for offline sync tests (the shared chain is tests/world.py)."""

from __future__ import annotations

from tests.world import hazard_body


def device_report(**extra) -> dict:
    """A `hazard_reports` record as a phone makes it offline (times in milliseconds)."""
    body = hazard_body(**extra)
    return {
        "category": body["category"],
        "severity": "ordinary",
        "source": "patrol",
        "description": body["description"],
        "lng": body["lng"],
        "lat": body["lat"],
        "crs": "wgs84",
        "premises_id": None,
        "device_time": 1_763_880_000_000,
        **{k: v for k, v in extra.items() if k not in body or k == "description"},
    }
