"""The bulletin as people get it: a PDF with its Chinese font embedded, named in Chinese, and
page images with the charts on them; made once per area and month, again on request; read
only by the staff of the area."""

from __future__ import annotations

import io
from urllib.parse import unquote

from PIL import Image
from pypdf import PdfReader

from backend.core.db import utcnow
from bulletins.figures import month_bounds
from bulletins.service import current_month
from tests.world import hazard_body

MONTH = current_month(utcnow())
NEXT_MONTH = month_bounds(MONTH, 1)[0].strftime("%Y-%m")


def coloured_share(png: bytes, box: tuple[float, float, float, float]) -> float:
    """The share of clearly coloured (not grey, not white) pixels in a part of the page, given
    as fractions of its width and height."""
    image = Image.open(io.BytesIO(png)).convert("RGB")
    w, h = image.size
    part = image.crop((int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h)))
    data = part.tobytes()
    pixels = [data[i : i + 3] for i in range(0, len(data), 3)]
    return sum(1 for r, g, b in pixels if max(r, g, b) - min(r, g, b) > 60) / len(pixels)


def test_the_bulletin_is_a_pdf_in_chinese_with_charts_on_its_pages(
    api, township, grid, grid_worker, station_staff
):
    for category in ("ebike_indoor", "ebike_indoor", "electrical"):
        reported = api.post(
            "/api/v1/hazards",
            json=hazard_body(category=category, source="patrol"),
            headers=grid_worker.headers(api),
        )
        assert reported.status_code == 201, reported.text
    staff = station_staff.headers(api)

    made = api.post(
        "/api/v1/bulletins", json={"area": township.code, "month": MONTH}, headers=staff
    )

    assert made.status_code == 201, made.text
    bulletin = made.json()
    assert bulletin["figures"]["hazards"]["found"] == 3
    assert bulletin["pages"] >= 2 and not bulletin["by_worker"]
    pdf = api.get(bulletin["pdf_url"], headers=staff)
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    disposition = pdf.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    year, month = MONTH.split("-")
    named = unquote(disposition.split("filename*=UTF-8''")[1])
    assert named == f"测试township{township.code}{year}年{int(month)}月消防安全简报.pdf"

    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) == bulletin["pages"]
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            if "/DescendantFonts" in font:
                font = font["/DescendantFonts"][0].get_object()
            # Embedded (a TrueType subset), so that any reader shows the Chinese.
            assert "/FontFile2" in font["/FontDescriptor"].get_object(), font["/BaseFont"]
    text = reader.pages[0].extract_text()
    assert "消防安全网格化管理简报" in text and "本月共发现火灾隐患 3 处" in text

    page = api.get(bulletin["page_urls"][0], headers=staff)
    assert page.status_code == 200 and page.headers["content-type"] == "image/png"
    image = Image.open(io.BytesIO(page.content))
    assert image.size[0] > 800 and image.size[1] > image.size[0]
    # The upper third is text and the table: some ink, little colour. Below it are the trend
    # line and the category bars: red and blue.
    assert coloured_share(page.content, (0.1, 0.4, 0.9, 0.85)) > 0.02
    assert coloured_share(page.content, (0.1, 0.0, 0.9, 0.1)) < 0.001
    with Image.open(io.BytesIO(page.content)).convert("L") as grey:
        assert grey.getextrema()[0] < 80  # black text is there: not a blank page


def test_made_once_per_area_and_month_and_again_on_request(api, township, grid, station_staff):
    staff = station_staff.headers(api)
    body = {"area": township.code, "month": MONTH}
    first = api.post("/api/v1/bulletins", json=body, headers=staff)
    again = api.post("/api/v1/bulletins", json=body, headers=staff)
    remade = api.post("/api/v1/bulletins", json={**body, "regenerate": True}, headers=staff)

    assert (first.status_code, again.status_code, remade.status_code) == (201, 200, 201)
    assert first.json()["id"] == again.json()["id"] == remade.json()["id"]
    assert (again.json()["version"], remade.json()["version"]) == (1, 2)
    listed = api.get("/api/v1/bulletins", params={"area": township.code}, headers=staff)
    assert listed.status_code == 200
    assert [b["id"] for b in listed.json()] == [first.json()["id"]]
    assert listed.headers["X-Total-Count"] == "1"
    detail = api.get(f"/api/v1/bulletins/{first.json()['id']}", headers=staff)
    assert detail.json()["figures"]["month"] == MONTH


def test_only_the_staff_of_the_area_read_it(
    api, county, township, other_township, grid, grid_worker, station_staff, db
):
    from backend.identity.enums import Role
    from tests.world import make_person

    other = make_person(db, "station.other", Role.STATION_STAFF, other_township)
    staff = station_staff.headers(api)
    made = api.post(
        "/api/v1/bulletins", json={"area": township.code, "month": MONTH}, headers=staff
    )
    assert made.status_code == 201, made.text
    url = f"/api/v1/bulletins/{made.json()['id']}"

    assert api.get(url, headers=grid_worker.headers(api)).status_code == 403
    for path in (url, f"{url}/pdf", f"{url}/pages/1.png"):
        assert api.get(path, headers=other.headers(api)).status_code == 404
    assert api.get(f"{url}/pages/9.png", headers=staff).status_code == 404
    assert api.get("/api/v1/bulletins", headers=other.headers(api)).json() == []
    refused = api.post(
        "/api/v1/bulletins", json={"area": county.code, "month": MONTH}, headers=staff
    )
    assert refused.status_code == 404  # the county is above the station's township
    village_level = api.post(
        "/api/v1/bulletins", json={"area": grid.code, "month": MONTH}, headers=staff
    )
    assert village_level.status_code == 422
    future = api.post(
        "/api/v1/bulletins", json={"area": township.code, "month": NEXT_MONTH}, headers=staff
    )
    assert future.status_code == 422 and future.json()["errors"][0]["field"] == "month"
