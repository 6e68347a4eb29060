"""Photos of hazards: checked and shrunk in memory, stored by content, EXIF removed from what
others see, doubts flagged; bad files refused with nothing left behind."""

import hashlib
import io
import os
from pathlib import Path

from PIL import Image

from backend.core import media
from tests.world import hazard_body, jpeg


def media_files() -> list[Path]:
    root = Path(os.environ["FIREGRID_DATA_DIR"]) / "media"
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def new_hazard(api, person, **fields):
    return api.post(
        "/api/v1/hazards",
        json=hazard_body(device_time="2026-11-23T10:00:00+08:00", **fields),
        headers=person.headers(api),
    ).json()


def upload(api, person, hazard_id, data, kind="before", content_type="image/jpeg"):
    return api.post(
        f"/api/v1/hazards/{hazard_id}/photos",
        params={"kind": kind},
        content=data,
        headers={**person.headers(api), "Content-Type": content_type},
    )


def test_a_phone_photo_is_stored_with_thumbnails_and_no_exif_for_others(
    api, grid, grid_worker, station_staff, citizen, photo_store
):
    hazard = new_hazard(api, grid_worker)
    data = jpeg(orientation=6)  # taken with the phone on its side

    response = upload(api, grid_worker, hazard["id"], data)

    assert response.status_code == 201, response.text
    photo = response.json()
    assert photo["sha256"] == hashlib.sha256(data).hexdigest()
    assert (photo["width"], photo["height"], photo["flags"]) == (4000, 3000, [])
    public = api.get(photo["public_url"], headers=grid_worker.headers(api))
    thumb = api.get(photo["thumbnail_url"], headers=grid_worker.headers(api))
    shown = Image.open(io.BytesIO(public.content))
    assert shown.size == (960, 1280)  # upright (rotated by EXIF orientation 6), at most 1280 px
    assert dict(shown.getexif()) == {}  # no GPS, no time, nothing
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    assert api.get(photo["original_url"], headers=station_staff.headers(api)).content == data
    assert photo_store.exists(media.photo_key(photo["sha256"], "thumbnail", "jpg"))
    assert (
        api.get(photo["original_url"], headers=citizen.headers(api)).status_code == 404
    )  # not their hazard


def test_doubtful_photos_are_flagged_not_refused(api, grid, grid_worker):
    hazard = new_hazard(api, grid_worker)
    far_and_old = jpeg(
        width=800, height=600, taken="2026:11:01 09:30:00", gps=(109.45, 24.35)
    )  # ~4 km east

    photo = upload(api, grid_worker, hazard["id"], far_and_old).json()

    assert photo["flags"] == ["taken_far_from_report", "taken_long_before_report"]


def test_the_reporter_sees_the_public_copy_but_not_the_original(api, grid, citizen):
    hazard = new_hazard(api, citizen, source="citizen")
    photo = upload(api, citizen, hazard["id"], jpeg(width=800, height=600)).json()

    assert api.get(photo["public_url"], headers=citizen.headers(api)).status_code == 200
    assert api.get(photo["original_url"], headers=citizen.headers(api)).status_code == 403


def test_bad_photos_are_refused_and_leave_nothing_stored(api, grid, grid_worker):
    hazard = new_hazard(api, grid_worker)
    good = jpeg(width=800, height=600)
    bomb = io.BytesIO()
    Image.new("1", (12000, 12000)).save(bomb, "PNG")  # 144 MP of nothing: a few KB on the wire
    before = media_files()

    truncated = upload(api, grid_worker, hazard["id"], good[: len(good) // 2])
    not_an_image = upload(
        api, grid_worker, hazard["id"], b"GIF89a" + b"\0" * 100, content_type="image/gif"
    )
    too_many_pixels = upload(
        api, grid_worker, hazard["id"], bomb.getvalue(), content_type="image/png"
    )
    too_big = upload(api, grid_worker, hazard["id"], b"\xff\xd8" + b"\0" * (16 * 1024 * 1024))

    assert truncated.status_code == 422 and "truncated" in truncated.json()["detail"]
    assert not_an_image.status_code == 415
    assert too_many_pixels.status_code == 422 and "pixels" in too_many_pixels.json()["detail"]
    assert too_big.status_code == 413
    assert media_files() == before
    assert (
        api.get(f"/api/v1/hazards/{hazard['id']}/photos", headers=grid_worker.headers(api)).json()
        == []
    )


def test_a_rectification_needs_an_after_photo(api, grid, grid_worker, station_staff, officers):
    hid = new_hazard(api, grid_worker)["id"]
    api.post(
        f"/api/v1/hazards/{hid}/actions",
        json={"action": "confirm"},
        headers=grid_worker.headers(api),
    )
    for officer in (station_staff, officers[0]):
        api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": "order_rectification", "deadline_working_days": 3},
            headers=officer.headers(api),
        )

    def submit():
        return api.post(
            f"/api/v1/hazards/{hid}/actions",
            json={"action": "submit_rectification", "note": "已整改"},
            headers=grid_worker.headers(api),
        )

    refused = submit()
    assert refused.status_code == 422 and refused.json()["fields"] == ["photos"]
    upload(api, grid_worker, hid, jpeg(width=800, height=600), kind="after")
    assert submit().json()["state"] == "rectification_submitted"


def test_an_iphone_heic_photo_is_accepted_with_its_time_and_place(api, grid, grid_worker):
    from pillow_heif import register_heif_opener

    register_heif_opener()
    exif = Image.open(io.BytesIO(jpeg(width=8, height=8))).getexif()  # the same EXIF as a JPEG
    out = io.BytesIO()
    Image.new("RGB", (4032, 3024), (120, 60, 30)).save(out, "HEIF", quality=60, exif=exif)
    hazard = new_hazard(api, grid_worker)

    response = upload(api, grid_worker, hazard["id"], out.getvalue(), content_type="image/heic")

    assert response.status_code == 201, response.text
    photo = response.json()
    assert (photo["mime"], photo["width"], photo["height"]) == ("image/heic", 4032, 3024)
    assert photo["taken_at"].startswith("2026-11-23T01:30:00")  # 09:30 in Shanghai
    assert photo["flags"] == []  # its GPS matches the report
    public = Image.open(
        io.BytesIO(api.get(photo["public_url"], headers=grid_worker.headers(api)).content)
    )
    assert (public.format, max(public.size)) == ("JPEG", 1280)


def test_a_cmyk_jpeg_from_a_scanner_is_accepted_and_shown_as_rgb(api, grid, grid_worker):
    out = io.BytesIO()
    Image.new("CMYK", (1600, 1200), (0, 80, 160, 20)).save(out, "JPEG", quality=85)
    hazard = new_hazard(api, grid_worker)

    response = upload(api, grid_worker, hazard["id"], out.getvalue())

    assert response.status_code == 201, response.text
    public = Image.open(
        io.BytesIO(api.get(response.json()["public_url"], headers=grid_worker.headers(api)).content)
    )
    assert (public.mode, public.size) == ("RGB", (1280, 960))


def test_originals_with_their_exif_are_for_the_roles_the_docs_name_in_scope(
    api,
    db,
    county,
    grid,
    grid_worker,
    grid_leader,
    backup_worker,
    station_staff,
    other_station_staff,
    brigade_staff,
    admin,
    citizen,
):
    """docs/hazards.md, "Photos": grid workers and leaders, station and brigade staff,
    dispatchers and admins whose area covers the hazard; nobody else."""
    from backend.identity.enums import Role
    from tests.world import make_person

    dispatcher = make_person(db, "dispatch.county", Role.DISPATCHER, county)
    hazard = new_hazard(api, citizen, source="citizen")
    data = jpeg(width=800, height=600, gps=(109.41, 24.35))
    photo = upload(api, citizen, hazard["id"], data).json()

    for person in (grid_worker, grid_leader, station_staff, brigade_staff, dispatcher, admin):
        original = api.get(photo["original_url"], headers=person.headers(api))
        assert (original.status_code, original.content) == (200, data), person.username
    # The reporter sees their hazard but not its original; others do not see the hazard at all.
    assert api.get(photo["original_url"], headers=citizen.headers(api)).status_code == 403
    for person in (backup_worker, other_station_staff):
        assert api.get(photo["original_url"], headers=person.headers(api)).status_code == 404
