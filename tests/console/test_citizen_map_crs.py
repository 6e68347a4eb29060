"""The citizens' page over a deployment's basemap, in Chromium at a phone's size: with GCJ-02
tiles (FIREGRID_BASEMAP_CRS=gcj02, AMap or Tencent) the township boundaries and the pin are
drawn shifted to GCJ-02, where the tiles have them; with WGS-84 tiles (天地图) as they are. The
pin dragged on the map is still sent in WGS-84: the complaint lies where the citizen put it.
附近的举报's dots (Open311's WGS-84 points) are drawn shifted over GCJ-02 tiles too."""

from __future__ import annotations

import math
import re

import pytest
from playwright.sync_api import expect

from grids.crs import wgs84_to_gcj02
from tests.console.conftest import ASSERT_TIMEOUT_MS, Page
from tests.console.test_citizen_page import (  # noqa: F401 - fixtures
    PHONE,
    page_open,
    report_built,
    township_box,
)
from tests.console.test_console import STATION, bearer
from tests.console.test_public_map import citizens_page, file  # noqa: F401 - a fixture

R = 6378137


def mercator(lng: float, lat: float) -> tuple[float, float]:
    """As the page's MapPicker projects (Web Mercator, y down)."""
    return R * math.radians(lng), -R * math.log(math.tan(math.pi / 4 + math.radians(lat) / 2))


def on_map(point, origin, crs: str) -> tuple[float, float]:
    """Where the page should draw a WGS-84 point, in its map units around `origin`."""
    lng, lat = wgs84_to_gcj02(*point) if crs == "gcj02" else point
    x, y = mercator(lng, lat)
    return x - origin[0], y - origin[1]


@pytest.fixture
def basemap(page_open, monkeypatch, live_server):  # noqa: F811 - the imported fixture
    from backend.core.settings import get_settings

    def use(crs: str) -> None:
        # Tiles from the test server itself (they 404: only where things are drawn matters).
        monkeypatch.setenv(
            "FIREGRID_BASEMAP_URL", f"{live_server}/test-tiles/{{z}}/{{x}}/{{y}}.png"
        )
        monkeypatch.setenv("FIREGRID_BASEMAP_CRS", crs)
        get_settings.cache_clear()

    yield use
    get_settings.cache_clear()


@pytest.mark.parametrize("crs", ["gcj02", "wgs84"])
def test_boundaries_and_pin_are_drawn_in_the_tiles_crs_and_the_pin_is_sent_in_wgs84(
    crs,
    basemap,
    browser,
    live_server,
    report_built,  # noqa: F811 - the imported fixture
    demo,
    db,
    api,
):
    basemap(crs)
    min_x, min_y, max_x, max_y = township_box(db)
    here = {"longitude": min_x + (max_x - min_x) * 0.4, "latitude": min_y + (max_y - min_y) * 0.6}
    context = browser.new_context(**PHONE, geolocation=here, permissions=["geolocation"])
    context.set_default_timeout(20_000)
    try:
        phone = Page(context, live_server)
        page = phone.page
        form = api.get("/api/v1/citizen/form").json()
        assert form["map"]["tiles_crs"] == crs
        origin = mercator(*form["map"]["center"])
        areas = api.get("/api/v1/citizen/areas").json()

        phone.goto("/report/")
        expect(page.locator("[data-test=location]")).to_contain_text("已使用手机定位")
        page.locator("[data-test=open-map]").click()
        expect(page.locator("[data-test=map] path.area").first).to_be_attached()
        expect(page.locator("[data-test=map] image").first).to_be_attached()  # the tiles

        # The pin (the phone's WGS-84 position) and a boundary's first vertex are drawn where
        # the tiles' CRS puts them.
        def pin_at() -> tuple[float, float]:
            transform = page.locator("[data-test=pin]").get_attribute("transform")
            x, y = re.match(r"translate\(([-\d.e]+) ([-\d.e]+)\)", transform).groups()
            return float(x), float(y)

        expected = on_map((here["longitude"], here["latitude"]), origin, crs)
        assert pin_at() == pytest.approx(expected, abs=0.5), (pin_at(), expected)
        first = areas["features"][0]["geometry"]
        ring = first["coordinates"][0] if first["type"] == "Polygon" else first["coordinates"][0][0]
        d = page.locator("[data-test=map] path.area").first.get_attribute("d")
        drawn = tuple(float(v) for v in re.match(r"M([-\d.]+) ([-\d.]+)", d).groups())
        assert drawn == pytest.approx(on_map(ring[0], origin, crs), abs=0.2)
        if crs == "gcj02":  # the shift is real here: a few hundred metres
            plain = on_map((here["longitude"], here["latitude"]), origin, "wgs84")
            assert math.dist(expected, plain) > 100

        # Drag the pin: the location shown and sent is WGS-84, and the pin stays where it is
        # drawn from it.
        body = page.locator("[data-test=pin] .pin-body").bounding_box()
        x, y = body["x"] + body["width"] / 2, body["y"] + body["height"] / 2
        page.mouse.move(x, y)
        page.mouse.down()
        page.mouse.move(x + 50, y + 30, steps=6)
        page.mouse.up()
        expect(page.locator("[data-test=location]")).to_contain_text("已在地图上选择")
        shown = page.locator("[data-test=location]").inner_text()
        lng, lat = (float(v) for v in re.findall(r"\d+\.\d+", shown)[:2])
        assert pin_at() == pytest.approx(on_map((lng, lat), origin, crs), abs=1.5)

        category = form["categories"][0]["name"]
        page.locator(".choice", has_text=category).click()
        page.locator("[data-test=description]").fill(f"底图坐标系 {crs} 下拖动图钉的举报")
        page.locator("[data-test=submit]").click()
        expect(page.locator("[data-test=follow-code]")).to_be_visible(timeout=ASSERT_TIMEOUT_MS * 2)
        phone.screenshot(f"report-map-{crs}")
    finally:
        context.close()

    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=station).json()
    complaint = next(c for c in listed if f"底图坐标系 {crs}" in (c["text"] or ""))
    assert complaint["lng"] == pytest.approx(lng, abs=1e-5)
    assert complaint["lat"] == pytest.approx(lat, abs=1e-5)


def test_the_public_maps_dots_are_drawn_in_the_tiles_crs(
    citizens_page,  # noqa: F811 - the imported fixtures
    monkeypatch,
    browser,
    live_server,
    report_built,  # noqa: F811
    demo,
    api,
):
    """附近的举报 over GCJ-02 tiles: Open311's points (WGS-84) drawn shifted, as the pin is."""
    from backend.core.settings import get_settings

    citizens_page(True)
    monkeypatch.setenv("FIREGRID_BASEMAP_URL", f"{live_server}/test-tiles/{{z}}/{{x}}/{{y}}.png")
    monkeypatch.setenv("FIREGRID_BASEMAP_CRS", "gcj02")
    get_settings.cache_clear()
    file(api, live_server, "exit_blocked", "底图坐标系 gcj02 下的附近举报", 0.002)
    form = api.get("/api/v1/citizen/form").json()
    origin = mercator(*form["map"]["center"])
    published = [
        (r["long"], r["lat"])
        for r in api.get("/open311/v2/requests.json").json()
        if isinstance(r.get("lat"), float)
    ]
    context = browser.new_context(**PHONE)
    try:
        phone = Page(context, live_server)
        phone.goto("/report/#/map")
        dots = phone.page.locator("circle.dot")
        expect(dots.first).to_be_attached(timeout=ASSERT_TIMEOUT_MS)
        assert dots.count() >= 1
        for i in range(dots.count()):
            drawn = (float(dots.nth(i).get_attribute("cx")), float(dots.nth(i).get_attribute("cy")))
            point = min(published, key=lambda p: math.dist(drawn, on_map(p, origin, "gcj02")))
            assert drawn == pytest.approx(on_map(point, origin, "gcj02"), abs=0.5)
            assert math.dist(drawn, on_map(point, origin, "wgs84")) > 100
    finally:
        context.close()
