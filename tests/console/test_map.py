"""The console's 地图 in Chromium: a station sees its township's grids (not the neighbour's)
coloured by their hazards, opens a grid's team, finds an overdue hazard and opens it; with no
basemap no tile is asked for; with one configured (a tiny tile server on loopback here), its
tiles load from it, and the layers are asked for in its CRS."""

from __future__ import annotations

import contextlib
import struct
import threading
import uuid
import zlib
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlencode, urlsplit

from playwright.sync_api import expect
from shapely.geometry import shape

from tests.console.conftest import VIEWPORT, Page
from tests.console.test_console import STATION, TOWNSHIP, bearer, only_firegrid, sign_in

MAP = "[data-test=map]"


def png(width: int = 256, height: int = 256) -> bytes:
    """A plain light-blue PNG tile."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    row = b"\x00" + bytes([200, 225, 245]) * width
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(row * height))
        + chunk(b"IEND", b"")
    )


class Responses:
    """The JSON answers the page got from the map API, by layer, as they come."""

    def __init__(self, page) -> None:
        self.answers: list[tuple[dict, dict]] = []
        page.on("response", self._seen)

    def _seen(self, response) -> None:
        parts = urlsplit(response.url)
        if parts.path.startswith("/api/v1/map/") and response.ok:
            query = {k: v[0] for k, v in parse_qs(parts.query).items()}
            query["layer"] = parts.path.rsplit("/", 1)[-1]
            with contextlib.suppress(Exception):  # a cancelled request has no body
                self.answers.append((query, response.json()))

    def last(self, layer: str, level: str | None = None) -> tuple[dict, dict]:
        for query, answer in reversed(self.answers):
            if query["layer"] == layer and (level is None or query.get("level") == level):
                return query, answer
        raise AssertionError(f"no {layer} {level or ''} answer")


def settled(page) -> None:
    """The map has asked for the view it shows and drawn the answers."""
    expect(page.locator(MAP)).to_have_attribute("data-loading", "no")
    page.wait_for_timeout(600)  # past the debounce: no new round started
    expect(page.locator(MAP)).to_have_attribute("data-loading", "no")


def click_at(page, lng: float, lat: float) -> None:
    x, y = page.locator(MAP).evaluate(f"el => el.pixelOf({lng}, {lat})")
    box = page.locator(MAP).bounding_box()
    page.mouse.click(box["x"] + x, box["y"] + y)


def make_overdue(db, hazard_id: str) -> None:
    from sqlalchemy import update

    from backend.core.db import utcnow
    from hazards.models import Hazard

    with db() as session:
        session.execute(
            update(Hazard)
            .where(Hazard.id == uuid.UUID(hazard_id))
            .values(level_due_at=utcnow() - timedelta(days=2))
        )


def open_map(tab, username: str, password: str) -> None:
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, username, password)
    expect(page.locator("[data-test=user-name]")).to_be_visible()
    page.locator(".el-menu-item", has_text="地图").click()
    expect(page).to_have_url(f"{tab.base_url}/console/map")


def test_a_station_sees_its_grids_opens_a_grid_and_an_overdue_hazard(tab, api, demo, db):
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    mine = api.get("/api/v1/hazards", params={"limit": 50}, headers=station).json()
    assert mine, "the demo gives the station hazards"
    late = mine[-1]["id"]  # not overdue yet in the demo, perhaps: made so
    make_overdue(db, late)

    seen = Responses(page)
    open_map(tab, STATION, demo[STATION])
    expect(page.locator(".el-menu-item", has_text="地图")).to_be_visible()
    expect(page.locator("[data-test=legend]")).to_contain_text("有超期隐患")
    settled(page)

    # Its township's grids, and no other's, with their counts as the API gives them.
    query, grids = seen.last("areas", "grid")
    assert query["crs"] == "wgs84"
    codes = [f["properties"]["code"] for f in grids["features"]]
    assert codes and all(code.startswith(TOWNSHIP) for code in codes)
    everyone = api.get(
        "/api/v1/map/areas",
        params={"level": "grid", "limit": 10000, "team": "false"},
        headers=bearer(api, "admin", demo["admin"]),
    ).json()
    assert any(not f["properties"]["code"].startswith(TOWNSHIP) for f in everyone["features"])
    station_grids = api.get(
        "/api/v1/map/areas",
        params={"level": "grid", "limit": 10000, "team": "true"},
        headers=station,
    ).json()
    assert sorted(codes) == sorted(f["properties"]["code"] for f in station_grids["features"])
    _, townships = seen.last("areas", "township")
    assert [f["properties"]["code"] for f in townships["features"]] == [TOWNSHIP]
    zoom = page.locator(MAP).evaluate("el => el.zoom()")
    assert 12 <= zoom <= 15, zoom  # a township fills the view
    tab.screenshot("map-township")

    # The overdue hazard is on the map: clicking it opens its page.
    _, hazards = seen.last("hazards")
    overdue = [f for f in hazards["features"] if f["properties"]["overdue"]]
    assert late in {f["id"] for f in overdue}
    target = next(f for f in overdue if f["id"] == late)
    lng, lat = target["geometry"]["coordinates"]
    same_spot = {
        f["id"]
        for f in overdue
        if f["geometry"]["coordinates"] == target["geometry"]["coordinates"]
    }
    click_at(page, lng, lat)
    page.wait_for_url("**/console/hazards/*")
    assert page.url.rsplit("/", 1)[-1] in same_spot
    expect(page.locator("[data-test=hazard-overdue]")).to_have_text("超期")

    # Back on the map: a grid's team and counts, the other layers switched off to reach it.
    page.go_back()
    expect(page).to_have_url(f"{tab.base_url}/console/map")
    settled(page)
    page.locator("[data-test=layer-premises]").click()
    page.locator("[data-test=layer-hazards]").click()
    settled(page)
    grid = max(
        station_grids["features"],
        key=lambda f: (f["properties"]["open_hazards"], f["properties"]["on_duty"] is not None),
    )
    point = shape(grid["geometry"]).representative_point()
    click_at(page, point.x, point.y)
    popup = page.locator("[data-test=popup]")
    props = grid["properties"]
    expect(popup).to_contain_text(props["name"])
    expect(popup).to_contain_text(f"未办结隐患{props['open_hazards']} 条")
    expect(popup).to_contain_text(f"其中超期{props['overdue_hazards']} 条")
    if props["on_duty"]:
        expect(popup).to_contain_text(f"当前在岗{props['on_duty']['name']}")
    if props["worker"]:
        expect(popup).to_contain_text(props["worker"]["name"])
    for backup in props["backups"]:
        expect(popup).to_contain_text(backup["name"])
    tab.screenshot("map-grid-popup")

    # No basemap configured: nothing but firegrid was asked for, no tile anywhere.
    only_firegrid(tab)
    assert not any("tile" in url for url in tab.network_requests())


def test_a_layer_larger_than_one_answer_is_drawn_whole(tab, api, demo):
    """The API answers a layer in pages (`next_offset`); the map follows them. Each hazards
    request of the page is sent on with `limit=2`, so the real server pages the layer."""
    page = tab.page
    station = bearer(api, STATION, demo[STATION])
    expected = api.get("/api/v1/map/hazards", params={"limit": 5000}, headers=station).json()
    assert len(expected["features"]) > 4, "the demo gives the station a few pages of hazards"
    asked: list[dict] = []

    def small_pages(route) -> None:
        parts = urlsplit(route.request.url)
        query = {k: v[0] for k, v in parse_qs(parts.query).items()}
        query["limit"] = "2"
        asked.append(query)
        route.continue_(url=parts._replace(query=urlencode(query)).geturl())

    page.route("**/api/v1/map/hazards?*", small_pages)
    open_map(tab, STATION, demo[STATION])
    settled(page)
    # The whole township in view: every hazard of the station is drawn, not the first two.
    drawn = page.locator(MAP).evaluate("el => el.featureIds('hazards')")
    in_view = {f["id"] for f in expected["features"]}
    assert set(drawn) == in_view
    assert len(drawn) == len(set(drawn)), "no hazard drawn twice"
    assert any(q.get("offset") not in (None, "0") for q in asked), "the pages were followed"
    expect(page.locator("[data-test=map-truncated]")).to_have_count(0)


class TileServer:
    """A tile server on loopback: a PNG for every /{z}/{x}/{y}.png, and the paths it served."""

    def __init__(self) -> None:
        tile = png()
        served = self.served = []

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                served.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> TileServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.server.shutdown()
        self.server.server_close()


def test_a_configured_basemap_loads_its_tiles_and_the_layers_follow_its_crs(browser, demo):
    from backend.app import create_app
    from backend.core.settings import get_settings
    from tests.conftest import serving

    with TileServer() as tiles:
        settings = get_settings().model_copy(
            update={
                "basemap_url": f"http://127.0.0.1:{tiles.port}/{{z}}/{{x}}/{{y}}.png?key={{key}}",
                "basemap_crs": "gcj02",
                "basemap_key": "test-key",
                "basemap_attribution": "测试底图",
            }
        )
        with serving(create_app(settings), settings) as base:
            context = browser.new_context(viewport=VIEWPORT, locale="zh-CN", timezone_id="UTC")
            context.set_default_timeout(15_000)
            try:
                tab = Page(context, base)
                seen = Responses(tab.page)
                open_map(tab, STATION, demo[STATION])
                settled(tab.page)
                expect(tab.page.locator(".ol-attribution")).to_contain_text("测试底图")
                tab.page.wait_for_timeout(500)
            finally:
                requested = tab.network_requests()
                context.close()

    assert tiles.served, "no tile was asked for"
    assert all(path.endswith(".png?key=test-key") for path in tiles.served), tiles.served[:3]
    z = {int(path.split("/")[1]) for path in tiles.served}
    assert z and all(10 <= level <= 16 for level in z), z
    # The layers in the basemap's CRS, so that boundaries line up on it.
    query, grids = seen.last("areas", "grid")
    assert query["crs"] == "gcj02"
    assert all(f["properties"]["code"].startswith(TOWNSHIP) for f in grids["features"])
    # Everything from firegrid or the configured tile server, both on loopback.
    ports = {urlsplit(each).port for each in requested}
    assert {urlsplit(u).hostname for u in requested} == {"127.0.0.1"}
    assert ports == {urlsplit(base).port, tiles.port}
