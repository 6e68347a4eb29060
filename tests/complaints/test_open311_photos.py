"""Open311 as a real channel (issue 20, part 3): an app posts a report with photos in `media`
(multipart/form-data) and a point from a Chinese map SDK (`crs=gcj02`), over real HTTP; it
reads back `media_url` (the public copy, without EXIF) and the grid the report was routed to
(`extensions=true`); a retry with its Idempotency-Key stores nothing new; photos over the
limits are refused with nothing written; CORS answers the configured origins only; and what
is never published (the caller, photos taken on site, hotline complaints' photos) is in no
answer."""

from __future__ import annotations

import hashlib
import io
import os
import uuid
from pathlib import Path
from xml.etree import ElementTree

import httpx
import pytest
from PIL import Image
from sqlalchemy import func, select

from backend.core.settings import get_settings
from complaints.models import Complaint, ComplaintPhoto, Open311Idempotency
from grids.crs import wgs84_to_gcj02
from tests.complaints.conftest import CitizenApp
from tests.complaints.test_open311 import BASE
from tests.complaints.test_open311_retries_and_limits import from_address
from tests.world import at_once, jpeg

# A point in the grid 990101001001-01 (109.40..109.425), 250 m from its eastern edge. Its
# GCJ-02 coordinates, what AMap or Tencent's SDK gives, lie in the next grid (-02) when read
# as WGS-84: only a report read in its crs lands in -01.
WGS84 = (109.422, 24.35)
GCJ02 = wgs84_to_gcj02(*WGS84)
PHOTO = jpeg(1600, 1200, gps=(109.4111, 24.3333))  # GPS in its EXIF, which must not leak
SECOND = jpeg(800, 600, taken="2026:11:23 10:00:00", gps=None)


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def fields(app: CitizenApp | None = None, **changes) -> dict:
    form = {
        "service_code": "fire_lane_blocked",
        "lat": repr(GCJ02[1]),
        "long": repr(GCJ02[0]),
        "crs": "gcj02",
        "address_string": "幸福路12号东侧消防通道",
        "description": "消防通道被两辆货车堵死，已经三天了",
        "first_name": "小红",
        "last_name": "李",
        "phone": "13912345678",
    }
    if app is not None:
        form["api_key"] = app.api_key
    return {k: v for k, v in {**form, **changes}.items() if v is not None}


def media(*photos: bytes) -> list:
    return [("media", (f"IMG_{n}.jpg", data, "image/jpeg")) for n, data in enumerate(photos)]


def stored(db) -> tuple[int, int, int]:
    """Complaints, complaint photos and idempotency keys in the database."""
    with db() as session:
        return tuple(
            session.scalar(select(func.count()).select_from(model))
            for model in (Complaint, ComplaintPhoto, Open311Idempotency)
        )  # type: ignore[return-value]


def media_files() -> set[Path]:
    root = get_settings().data_dir / "media"
    return {p for p in root.rglob("*") if p.is_file()} if root.exists() else set()


@pytest.mark.usefixtures("photo_store")
def test_an_app_posts_photos_and_a_gcj02_point_and_reads_back_the_photo_and_the_grid(
    api, live_server, citizen_app, grid_worker, other_grid, db
):
    # The api_key in the query string, as some Open311 apps send it.
    posted = api.post(
        f"{BASE}/requests.json",
        params={"api_key": citizen_app.api_key},
        data=fields(),
        files=media(PHOTO, SECOND),
    )
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]

    [found] = api.get(f"{BASE}/requests/{request_id}.json", params={"extensions": "true"}).json()
    # Routed in WGS-84: the grid where the place is, not the one the GCJ-02 numbers point at.
    assert found["extended_attributes"] == {
        "area_level": "grid",
        "area_code": "990101001001-01",
        "area_name": "测试grid990101001001-01",
        "crs": "gcj02",
        "raw_lat": GCJ02[1],
        "raw_long": GCJ02[0],
    }
    assert found["lat"] == pytest.approx(WGS84[1], abs=1e-6)
    assert found["long"] == pytest.approx(WGS84[0], abs=1e-6)
    # media_url: the first photo sent, absolute, served to anyone.
    assert found["media_url"] == f"{live_server}{BASE}/media/{sha(PHOTO)}.jpg"
    with httpx.Client(timeout=30) as anyone:
        photo = anyone.get(found["media_url"])
    assert photo.status_code == 200
    assert photo.headers["content-type"] == "image/jpeg"
    assert "immutable" in photo.headers["cache-control"]
    image = Image.open(io.BytesIO(photo.content))
    assert image.format == "JPEG" and image.size == (1280, 960)  # the public copy
    assert not image.getexif() and "exif" not in image.info  # no GPS, no camera
    assert photo.content != PHOTO

    # Without extensions, the plain GeoReport v2 fields; in XML, the same attributes.
    [plain] = api.get(f"{BASE}/requests/{request_id}.json").json()
    assert "extended_attributes" not in plain and plain["media_url"] == found["media_url"]
    as_xml = api.get(
        f"{BASE}/requests.xml", params={"service_request_id": request_id, "extensions": "true"}
    )
    [element] = ElementTree.fromstring(as_xml.content).findall("request")
    assert element.findtext("media_url") == found["media_url"]
    assert element.findtext("extended_attributes/area_code") == "990101001001-01"
    assert element.findtext("extended_attributes/crs") == "gcj02"
    assert api.get(f"{BASE}/requests.json", params={"extensions": "yes"}).status_code == 400

    # Behind it: one complaint on the worker's list, both photos as photos of the report.
    worker = grid_worker.headers(api)
    [mine] = api.get("/api/v1/complaints", headers=worker).json()
    assert mine["id"] == request_id
    timeline = api.get(f"/api/v1/complaints/{request_id}/timeline", headers=worker).json()
    assert [e["action"] for e in timeline][:4] == [
        "complaint.received",
        "complaint.dispatched",
        "complaint.photo_added",
        "complaint.photo_added",
    ]
    with db() as session:
        photos = session.scalars(select(ComplaintPhoto).order_by(ComplaintPhoto.uploaded_at)).all()
        assert [(p.sha256, p.kind, p.uploaded_by) for p in photos] == [
            (sha(PHOTO), "report", None),
            (sha(SECOND), "report", None),
        ]
        assert photos[0].photo_lat == pytest.approx(24.3333, abs=1e-3)  # kept for staff
        complaint = session.get(Complaint, uuid.UUID(request_id))
        assert (complaint.raw_crs, complaint.raw_lng) == ("gcj02", GCJ02[0])


def test_a_bd09_point_and_a_wrong_crs(api, citizen_app, grid_worker, db):
    from grids.crs import gcj02_to_bd09

    bd09 = gcj02_to_bd09(*GCJ02)
    posted = api.post(
        f"{BASE}/requests.json",
        data=fields(citizen_app, lat=repr(bd09[1]), long=repr(bd09[0]), crs="BD09"),
    )
    assert posted.status_code == 201, posted.text
    [found] = api.get(
        f"{BASE}/requests/{posted.json()[0]['service_request_id']}.json",
        params={"extensions": "true"},
    ).json()
    assert found["extended_attributes"]["area_code"] == "990101001001-01"
    assert found["extended_attributes"]["crs"] == "bd09"

    wrong = api.post(f"{BASE}/requests.json", data=fields(citizen_app, crs="cgcs2000"))
    assert wrong.status_code == 400
    assert "crs" in wrong.json()[0]["description"]
    assert stored(db)[0] == 1


def test_the_same_post_retried_with_its_key_makes_one_complaint_and_one_photo(
    api, citizen_app, grid_worker, db
):
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post(
        f"{BASE}/requests.json", data=fields(citizen_app), files=media(PHOTO), headers=key
    )
    files_after_first = media_files()
    retried = api.post(
        f"{BASE}/requests.json", data=fields(citizen_app), files=media(PHOTO), headers=key
    )

    assert first.status_code == retried.status_code == 201, retried.text
    assert retried.json() == first.json()
    assert retried.headers["idempotent-replayed"] == "true"
    assert stored(db) == (1, 1, 1)
    assert media_files() == files_after_first

    # The photos are part of the report: the same key with another photo is another report.
    other = api.post(
        f"{BASE}/requests.json", data=fields(citizen_app), files=media(SECOND), headers=key
    )
    assert other.status_code == 422 and "Idempotency-Key" in other.json()[0]["description"]
    without = api.post(f"{BASE}/requests.json", data=fields(citizen_app), headers=key)
    assert without.status_code == 422
    assert stored(db) == (1, 1, 1)
    assert media_files() == files_after_first


def test_identical_reports_with_photos_at_once_are_taken_once(api, citizen_app, grid_worker, db):
    key = {"Idempotency-Key": "sent-three-times-on-a-slow-3g-link"}

    def post():
        return api.post(
            f"{BASE}/requests.json",
            data=fields(citizen_app),
            files=media(PHOTO, SECOND),
            headers=key,
        )

    answers = at_once(post, 3)

    assert [a.status_code for a in answers] == [201] * 3, [a.text for a in answers]
    assert len({a.json()[0]["service_request_id"] for a in answers}) == 1
    assert sorted(a.headers.get("idempotent-replayed", "") for a in answers) == [
        "",
        "true",
        "true",
    ]
    assert stored(db) == (1, 2, 1)


def bomb() -> bytes:
    """A PNG of 60 million pixels (over FIREGRID_PHOTO_MAX_PIXELS), a few kilobytes long."""
    out = io.BytesIO()
    Image.new("1", (10_000, 6_000)).save(out, "PNG")
    return out.getvalue()


def test_photos_over_the_limits_are_refused_with_nothing_written(
    live_server, citizen_app, grid_worker, db
):
    settings = get_settings()
    before = media_files()
    key = {"Idempotency-Key": "report-with-photos"}
    too_large = b"\xff\xd8\xff\xe0" + os.urandom(settings.photo_max_bytes)
    for case, (photos, said) in enumerate(
        (
            ([PHOTO] * (settings.open311_max_photos + 1), f"at most {settings.open311_max_photos}"),
            ([PHOTO, too_large], f"media 2: the photo is {len(too_large)} bytes"),
            ([b"GIF89a not a photo at all"], "media 1: the data is not an image"),
            ([PHOTO[: len(PHOTO) // 2]], "media 1: the photo is damaged or truncated"),
            ([bomb()], "media 1: the photo has too many pixels"),
        )
    ):
        for fmt in ("json", "xml"):
            with from_address(live_server, f"127.0.5.{case + 1}") as phone:  # 10 a minute each
                refused = phone.post(
                    f"{BASE}/requests.{fmt}",
                    data=fields(citizen_app),
                    files=media(*photos),
                    headers=key,
                )
            assert refused.status_code == 400, (said, refused.text)
            if fmt == "json":
                [error] = refused.json()
                assert error["code"] == 400 and said in error["description"], error
            else:
                root = ElementTree.fromstring(refused.content)
                assert said in root.findtext("error/description")
        assert stored(db) == (0, 0, 0), said
    assert media_files() == before

    # A refused report does not use up its key, and the limits speak Chinese when asked.
    with from_address(live_server, "127.0.5.9") as api:
        chinese = api.post(
            f"{BASE}/requests.json",
            data=fields(citizen_app),
            files=media(b"not a photo"),
            headers={**key, "Accept-Language": "zh-CN"},
        )
        accepted = api.post(
            f"{BASE}/requests.json", data=fields(citizen_app), files=media(PHOTO), headers=key
        )
    assert chinese.json()[0]["description"].startswith("第 1 张照片（media）：")
    assert accepted.status_code == 201 and "idempotent-replayed" not in accepted.headers
    assert stored(db) == (1, 1, 1)


def test_media_must_be_files_and_text_fields_text(api, citizen_app, grid_worker, db):
    # A web form's file input left empty sends a part with no name and no bytes: no photo.
    empty_input = api.post(
        f"{BASE}/requests.json",
        data=fields(citizen_app),
        files=[("media", ("", b"", "application/octet-stream"))],
    )
    assert empty_input.status_code == 201, empty_input.text
    [found] = api.get(f"{BASE}/requests/{empty_input.json()[0]['service_request_id']}.json").json()
    assert found["media_url"] is None
    # As a browser sends it: a file part with filename="" and no bytes.
    boundary = "----firegridBoundary7MA4YWxkTrZu0gW"
    parts = [(f'name="{name}"', value.encode()) for name, value in fields(citizen_app).items()] + [
        ('name="media"; filename=""', b"")
    ]
    body = (
        b"".join(
            f"--{boundary}\r\nContent-Disposition: form-data; {disposition}\r\n\r\n".encode()
            + value
            + b"\r\n"
            for disposition, value in parts
        )
        + f"--{boundary}--\r\n".encode()
    )
    from_browser = api.post(
        f"{BASE}/requests.json",
        content=body,
        headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    assert from_browser.status_code == 201, from_browser.text
    as_text = api.post(f"{BASE}/requests.json", data=fields(citizen_app, media="IMG_1.jpg"))
    assert as_text.status_code == 400 and "multipart" in as_text.json()[0]["description"]
    as_file = api.post(
        f"{BASE}/requests.json",
        data=fields(citizen_app, description=None),
        files=[("description", ("d.txt", "消防通道堵塞".encode(), "text/plain"))],
    )
    assert as_file.status_code == 400
    assert as_file.json()[0]["description"] == "description is a text field, not a file"
    assert stored(db) == (2, 0, 0)


def test_cors_answers_the_configured_origins_only_and_only_under_open311():
    from backend.app import create_app
    from tests.conftest import serving

    allowed, other = "https://suishoupai.example.cn", "https://elsewhere.example.com"
    settings = get_settings().model_copy(update={"open311_cors_origins": [allowed]})
    preflight = {
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "idempotency-key",
    }
    with serving(create_app(settings), settings) as url, httpx.Client(base_url=url) as client:
        ok = client.options(f"{BASE}/requests.json", headers={**preflight, "Origin": allowed})
        assert ok.status_code == 200
        assert ok.headers["access-control-allow-origin"] == allowed
        assert "idempotency-key" in ok.headers["access-control-allow-headers"].lower()
        assert "POST" in ok.headers["access-control-allow-methods"]
        assert "access-control-allow-credentials" not in ok.headers

        refused = client.options(f"{BASE}/requests.json", headers={**preflight, "Origin": other})
        assert "access-control-allow-origin" not in refused.headers

        # The answer itself: readable by the allowed origin, with the headers a retry needs.
        answer = client.get(f"{BASE}/services.json", headers={"Origin": allowed})
        assert answer.headers["access-control-allow-origin"] == allowed
        exposed = answer.headers["access-control-expose-headers"].lower()
        assert "idempotent-replayed" in exposed and "retry-after" in exposed
        assert (
            "access-control-allow-origin"
            not in client.get(f"{BASE}/services.json", headers={"Origin": other}).headers
        )
        # Open311's origins are not the API's.
        api_preflight = client.options(
            "/api/v1/auth/token",
            headers={"Origin": allowed, "Access-Control-Request-Method": "POST"},
        )
        assert "access-control-allow-origin" not in api_preflight.headers

    # None by default.
    with serving(create_app()) as url, httpx.Client(base_url=url) as client:
        default = client.options(f"{BASE}/requests.json", headers={**preflight, "Origin": allowed})
        assert "access-control-allow-origin" not in default.headers


@pytest.mark.usefixtures("photo_store")
def test_what_is_never_published_is_in_no_answer(
    api, live_server, citizen_app, grid_worker, hotline, db
):
    from tests.world import complaint_body, send_complaint

    posted = api.post(f"{BASE}/requests.json", data=fields(citizen_app), files=media(PHOTO))
    assert posted.status_code == 201, posted.text
    request_id = posted.json()[0]["service_request_id"]
    worker = grid_worker.headers(api)
    site = jpeg(640, 480, taken="2026:11:24 15:00:00")
    added = api.post(
        f"/api/v1/complaints/{request_id}/photos",
        content=site,
        headers={**worker, "Content-Type": "image/jpeg"},
    )
    assert added.status_code == 201, added.text
    # A hotline complaint, with a photo of its caller's (as the citizens' page would keep one):
    # hotline complaints are not published, nor their photos.
    called = send_complaint(api, hotline, complaint_body())
    assert called.status_code in (200, 201), called.text
    hotline_photo = jpeg(500, 400, taken="2026:11:22 08:00:00")
    with db() as session:
        from backend.core import media as media_

        processed = media_.process(hotline_photo, max_bytes=10**8, max_pixels=10**8)
        media_.store_for(get_settings()).put_photo(processed)
        session.add(
            ComplaintPhoto(
                complaint_id=uuid.UUID(called.json()["id"]),
                sha256=processed.sha256,
                mime=processed.mime,
                size=processed.size,
                width=processed.width,
                height=processed.height,
                kind="report",
            )
        )

    everything = [
        api.get(f"{BASE}/requests.{fmt}", params={"extensions": "true"}).text
        for fmt in ("json", "xml")
    ] + [api.get(f"{BASE}/requests/{request_id}.json", params={"extensions": "true"}).text]
    for text in everything:
        assert request_id in text
        assert sha(PHOTO) in text
        for private in (
            "13912345678",
            "13812341234",
            "张三",
            "小红",
            "worker.one",
            str(grid_worker.id),
            sha(site),
            sha(hotline_photo),
            called.json()["id"],
            "24.3333",
        ):
            assert private not in text, private

    assert api.get(f"{BASE}/media/{sha(PHOTO)}.jpg").status_code == 200
    refusals = {}
    for name, wanted in (
        ("site photo", sha(site)),
        ("hotline photo", sha(hotline_photo)),
        ("unknown", "0" * 64),
        ("not a hash", "IMG_0001"),
    ):
        answer = api.get(f"{BASE}/media/{wanted}.jpg")
        assert answer.status_code == 404, name
        [error] = answer.json()
        refusals[name] = error["description"].replace(wanted, "…")
    assert len(set(refusals.values())) == 1, refusals
    # Nor the original or thumbnail under another name.
    assert api.get(f"{BASE}/media/{sha(PHOTO)}.png").status_code == 404
    assert api.get(f"{BASE}/media/../original/{sha(PHOTO)[:2]}/{sha(PHOTO)}.jpg").status_code == 404


def test_outside_every_grid_the_township_is_read_back(api, citizen_app, grid_worker):
    # 1.5 km east of the only grid, still in its township: routed to the township.
    posted = api.post(
        f"{BASE}/requests.json", data=fields(citizen_app, lat="24.35", long="109.44", crs=None)
    )
    assert posted.status_code == 201, posted.text
    [found] = api.get(
        f"{BASE}/requests/{posted.json()[0]['service_request_id']}.json",
        params={"extensions": "true"},
    ).json()
    assert found["extended_attributes"] == {
        "area_level": "township",
        "area_code": "990101001",
        "area_name": "测试township990101001",
        "crs": "wgs84",
        "raw_lat": 24.35,
        "raw_long": 109.44,
    }
    assert found["media_url"] is None
