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


def ordered_notice(api, reporter, confirmer, officers, premises_id, **period) -> tuple[str, dict]:
    """A hazard reported at the premises, confirmed, and ordered to be fixed by two officers,
    which issues its 责令限期改正通知书: (the hazard's id, the notice as the API shows it)."""
    from tests.world import hazard_body

    hid = api.post(
        "/api/v1/hazards", json=hazard_body(premises_id=premises_id), headers=reporter.headers(api)
    ).json()["id"]
    steps = [(confirmer, "confirm", {})] + [(o, "order_rectification", period) for o in officers]
    for person, action, fields in steps:
        answer = api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": action, **fields},
            headers=person.headers(api),
        )
        assert answer.status_code in (200, 202), answer.text
    [notice] = api.get(f"/api/v1/hazards/{hid}/notices", headers=officers[0].headers(api)).json()
    return hid, notice


def png_signature(width: int = 600, height: int = 200) -> bytes:
    """A signature as a phone's drawing pad saves it: black strokes on white, a PNG."""
    import io

    from PIL import Image, ImageDraw

    image = Image.new("RGB", (width, height), (255, 255, 255))
    ImageDraw.Draw(image).line([(40, 150), (200, 40), (320, 160), (560, 60)], fill=0, width=6)
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def issued_days_ago(db, notice_id: str, days: int) -> None:
    """The order was issued some days before the worker took it to the unit."""
    import uuid
    from datetime import timedelta

    from sqlalchemy import update

    from backend.core.db import utcnow
    from notices.models import Notice

    with db() as session:
        session.execute(
            update(Notice)
            .where(Notice.id == uuid.UUID(notice_id))
            .values(issued_at=utcnow() - timedelta(days=days))
        )
