"""Photos of a fire in progress: the alert leaves without one; the reporter sends a photo of the
fire afterwards, and a recipient another. Everyone who sees the alert sees their small copies;
the originals, with the camera's position, are for staff and workers whose area covers it.
Another township sees nothing; a closed alert takes no more photos; a photo that is not one is
refused and nothing is kept."""

from __future__ import annotations

import uuid

from sqlalchemy import func, select

from tests.fires.conftest import alert_body
from tests.world import jpeg


def test_the_reporter_and_a_recipient_send_photos_of_the_fire(
    db, api, crew, alert_settings, other_station_staff
):
    from fires.alerts.models import AlertPhoto

    pressed = api.post("/api/v1/fire-alerts", json=alert_body(), headers=crew.reporter.headers(api))
    assert pressed.status_code == 201, pressed.text
    alert_id = pressed.json()["id"]
    path = f"/api/v1/fire-alerts/{alert_id}/photos"
    image = jpeg(800, 600)

    sent = api.post(
        path, content=image, headers={**crew.reporter.headers(api), "Content-Type": "image/jpeg"}
    )
    assert sent.status_code == 201, sent.text
    photo = sent.json()
    assert (photo["width"], photo["height"], photo["mime"]) == (800, 600, "image/jpeg")
    again = api.post(
        path, content=image, headers={**crew.reporter.headers(api), "Content-Type": "image/jpeg"}
    )
    assert again.status_code == 201 and again.json()["sha256"] == photo["sha256"]
    other = jpeg(640, 480, gps=None)
    by_recipient = api.post(
        path, content=other, headers={**crew.near1.headers(api), "Content-Type": "image/jpeg"}
    )
    assert by_recipient.status_code == 201, by_recipient.text

    shown = api.get(f"/api/v1/fire-alerts/{alert_id}", headers=crew.station.headers(api)).json()
    assert [p["sha256"] for p in shown["photos"]] == [
        photo["sha256"],
        by_recipient.json()["sha256"],
    ]
    # Small copies for whoever sees the alert; the original, with its EXIF, for the area's staff.
    small = api.get(photo["thumbnail_url"], headers=crew.near1.headers(api))
    assert small.status_code == 200 and small.headers["content-type"] == "image/jpeg"
    assert b"Exif" not in small.content[:4096]
    original = api.get(photo["original_url"], headers=crew.station.headers(api))
    assert original.status_code == 200 and original.content == image

    # Another township's station sees no alert, so no photo, and may add none.
    theirs = other_station_staff.headers(api)
    assert api.get(photo["thumbnail_url"], headers=theirs).status_code == 404
    assert (
        api.post(path, content=image, headers={**theirs, "Content-Type": "image/jpeg"}).status_code
        == 404
    )

    # What is not a photo is refused, and nothing is kept of it.
    broken = api.post(
        path,
        content=b"not a photo at all",
        headers={**crew.reporter.headers(api), "Content-Type": "image/jpeg"},
    )
    assert broken.status_code in (415, 422), broken.text
    assert broken.headers["content-type"].startswith("application/problem+json")

    # Closed: the alert takes no more photos.
    closed = api.post(
        f"/api/v1/fire-alerts/{alert_id}/close",
        json={"outcome": "closed", "note": "明火已扑灭"},
        headers=crew.station.headers(api),
    )
    assert closed.status_code == 200, closed.text
    late = api.post(
        path,
        content=jpeg(320, 240),
        headers={**crew.reporter.headers(api), "Content-Type": "image/jpeg"},
    )
    assert late.status_code == 409 and late.json()["type"].endswith("fire-alert-closed")
    with db() as session:
        assert (
            session.scalar(
                select(func.count())
                .select_from(AlertPhoto)
                .where(AlertPhoto.alert_id == uuid.UUID(alert_id))
            )
            == 2
        )
