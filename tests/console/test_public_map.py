"""附近的举报 (/report/#/map), the public map of citizens' reports, in Chromium at a phone's
size: two reports filed through the citizens' API (one with a photo and a phone number typed
into its description, one that staff take through to closure) show on the page's own map as
dots by status and in the list with their category and stage in plain words, the reply and
the photo; the phone number typed shows only masked. Sixty reports a few metres apart show as
one cluster with its count, a tap on it zooms in to their dots; four at one spot, all closed, are
a green cluster that no zoom parts, and a tap lists just them. Where the deployment does not
offer the map, the page has no link to it and the view says it is not offered."""

from __future__ import annotations

import io
import re

import pytest
from playwright.sync_api import expect
from tusclient import client as tus

from backend.core import challenge
from tests.complaints.citizens.conftest import declared
from tests.console.conftest import ASSERT_TIMEOUT_MS, Page
from tests.console.test_citizen_page import (  # noqa: F401 - report_built: a fixture
    PHONE,
    TOWNSHIP,
    report_built,
    taken_to_closure,
)
from tests.console.test_console import STATION, bearer, only_firegrid
from tests.world import jpeg

TYPED_PHONE = "13912345678"


@pytest.fixture
def citizens_page(monkeypatch):
    """The page opened for the demo's first township, the public map as the test says."""
    from backend.core.settings import get_settings

    def open_page(public_map: bool) -> None:
        monkeypatch.setenv("FIREGRID_CITIZEN_AREA", TOWNSHIP)
        monkeypatch.setenv("FIREGRID_CITIZEN_CHALLENGE_BITS", "0")
        monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_ADDRESS", "1000/minute")
        monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_PHONE", "1000/minute")
        monkeypatch.setenv("FIREGRID_CITIZEN_PUBLIC_MAP", "true" if public_map else "false")
        get_settings.cache_clear()

    yield open_page
    get_settings.cache_clear()


@pytest.fixture
def phone(browser, live_server, report_built):  # noqa: F811 - the imported fixture
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    try:
        yield Page(context, live_server)
    finally:
        context.close()


def file(
    api,
    live_server,
    category: str,
    description: str,
    dx: float,
    photo: bytes | None = None,
    dy: float = 0.0,
) -> dict:
    form = api.get("/api/v1/citizen/form").json()
    lng, lat = form["map"]["center"]
    token = form["challenge"]["token"]
    photos = [declared(photo)] if photo else []
    answer = api.post(
        "/api/v1/citizen/reports",
        json={
            "category": category,
            "description": description,
            "lng": round(lng + dx, 6),
            "lat": round(lat + dy, 6),
            "photos": photos,
            "challenge": {"token": token, "nonce": challenge.solve(token, 0)},
        },
    )
    assert answer.status_code == 201, answer.text
    taken = answer.json()
    if photo:
        client = tus.TusClient(
            live_server + taken["upload"]["endpoint"],
            headers={"Authorization": f"Bearer {taken['upload']['token']}"},
        )
        client.uploader(
            file_stream=io.BytesIO(photo),
            chunk_size=64_000,
            metadata={"photo_id": photos[0]["id"], "sha256": photos[0]["sha256"]},
        ).upload()
    return taken


def test_the_public_map_shows_published_reports_with_their_stages_and_nothing_personal(
    citizens_page, phone, api, live_server, demo
):
    citizens_page(True)
    open_text = f"小区5栋楼道里有电动车在充电，物业电话{TYPED_PHONE}，没人管"
    file(api, live_server, "ebike_indoor", open_text, 0.003, photo=jpeg(1600, 1200))
    file(api, live_server, "exit_blocked", "商铺后门安全出口被货架堵死", -0.003)

    # Staff take the second one through to closure.
    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=station).json()
    complaint = next(c for c in listed if c["channel"] == "web" and "货架堵死" in (c["text"] or ""))
    taken_to_closure(
        api,
        demo,
        station,
        complaint,
        note="货架堵门属实",
        reply="已责令店主当场搬走货架，安全出口已畅通",
    )

    page = phone.page
    phone.goto("/report/")
    page.locator("[data-test=map-link]").click()
    expect(page.locator("[data-test=public-map] path.area").first).to_be_attached()
    cards = page.locator("[data-test=public-report]")
    expect(cards).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    expect(page.locator("[data-test=dot-open]")).to_have_count(1)
    expect(page.locator("[data-test=dot-closed]")).to_have_count(1)

    closed = cards.filter(has_text="货架")
    form = api.get("/api/v1/citizen/form").json()
    names = {c["code"]: c["name"] for c in form["categories"]}
    expect(closed.locator("h3")).to_have_text(names["exit_blocked"])  # in plain words
    expect(cards.filter(has_text="电动车").locator("h3")).to_have_text(names["ebike_indoor"])
    expect(closed.locator("[data-test=public-stage]")).to_have_text("已办结")
    expect(closed.locator("[data-test=public-reply]")).to_contain_text("已责令店主当场搬走货架")
    opened = cards.filter(has_text="电动车")
    expect(opened.locator("[data-test=public-stage]")).to_contain_text("已派发网格员")
    expect(opened).to_contain_text("139****5678")
    expect(opened.locator("[data-test=public-photo]")).to_have_count(1)
    page.wait_for_function(
        "() => { const img = document.querySelector('[data-test=public-photo]');"
        " return img && img.complete && img.naturalWidth > 0 }"
    )
    assert TYPED_PHONE not in page.content()
    assert TYPED_PHONE not in page.locator("body").inner_text()

    # A tap on a dot picks its report in the list.
    dot = page.locator("[data-test=dot-closed]").bounding_box()
    page.mouse.click(dot["x"] + dot["width"] / 2, dot["y"] + dot["height"] / 2)
    expect(closed).to_have_class(re.compile("chosen"))
    phone.screenshot("report-public-map")
    opened.locator("[data-test=public-photo]").scroll_into_view_if_needed()
    phone.screenshot("report-public-map-list")
    only_firegrid(phone)


def test_dense_reports_are_clustered_with_their_count_and_a_tap_parts_them(
    citizens_page, phone, api, live_server, demo
):
    citizens_page(True)
    # 60 reports on a 10 x 6 grid about 15 m apart, 900 m north of the centre: one cluster at the
    # township's zoom (a fingertip there is about 250 m), parted once zoomed in.
    for i in range(60):
        file(
            api,
            live_server,
            "ebike_indoor",
            f"密集小区第{i + 1}号楼道电动车充电",
            0.00015 * (i % 10),
            dy=0.008 + 0.00012 * (i // 10),
        )
    # Three far apart stay single dots; four at one spot, all closed, are a green cluster.
    for n, (dx, dy) in enumerate([(-0.012, -0.010), (0.012, -0.010), (0.012, 0.012)]):
        file(api, live_server, "exit_blocked", f"远处第{n + 1}处安全出口堵塞", dx, dy=dy)
    for n in range(4):
        file(api, live_server, "exit_blocked", f"同一商场第{n + 1}个安全出口锁闭", -0.010, dy=0.010)
    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 200}, headers=station).json()
    for complaint in [c for c in listed if "同一商场" in (c["text"] or "")]:
        taken_to_closure(api, demo, station, complaint, note="属实", reply="已责令商场打开安全出口")

    page = phone.page
    phone.goto("/report/#/map")
    expect(page.locator("[data-test=public-map] path.area").first).to_be_attached()
    dense = page.locator("[data-test=cluster-open]")
    expect(dense).to_have_count(1, timeout=ASSERT_TIMEOUT_MS)
    expect(dense).to_have_attribute("data-count", "60")
    expect(dense.locator("text")).to_have_text("60")
    same_spot = page.locator("[data-test=cluster-closed]")
    expect(same_spot).to_have_attribute("data-count", "4")
    opened = int(re.search(r"办理中 (\d+)", page.locator(".legend").inner_text()).group(1))
    assert opened >= 63
    # Only the reports not in a cluster are dots of their own.
    expect(page.locator("[data-test=dot-open]")).to_have_count(opened - 60)
    phone.screenshot("report-public-map-clusters")

    # A tap on the cluster zooms in: its 60 reports are dots of their own.
    box = dense.locator("circle").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("[data-test=cluster-open]")).to_have_count(0)
    expect(page.locator("[data-test=dot-open]")).to_have_count(opened)
    phone.screenshot("report-public-map-cluster-opened")
    cards = page.locator("[data-test=public-report]")
    total = cards.count()
    assert total >= 67

    # Four at one spot: no zoom parts them, so a tap lists just them under the map.
    page.reload()
    same_spot = page.locator("[data-test=cluster-closed]")
    expect(same_spot).to_have_count(1, timeout=ASSERT_TIMEOUT_MS)
    box = same_spot.locator("circle").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    expect(page.locator("[data-test=group]")).to_contain_text("这里有 4 条举报")
    expect(cards).to_have_count(4)
    for card in cards.all():
        expect(card).to_contain_text("同一商场")
        expect(card.locator("[data-test=public-stage]")).to_have_text("已办结")
    expect(same_spot).to_have_count(1)  # the deepest zoom still shows them as one
    phone.screenshot("report-public-map-cluster-list")
    page.locator("[data-test=group-all]").click()
    expect(cards).to_have_count(total)
    only_firegrid(phone)


def test_where_the_map_is_not_offered_there_is_no_link_and_the_view_says_so(
    citizens_page, phone, demo
):
    citizens_page(False)
    page = phone.page
    phone.goto("/report/")
    expect(page.locator("[data-test=categories]")).to_be_visible()
    expect(page.locator("[data-test=mine-link]")).to_be_visible()
    expect(page.locator("[data-test=map-link]")).to_have_count(0)
    phone.goto("/report/#/map")
    expect(page.locator("[data-test=not-offered]")).to_contain_text("暂不提供举报地图")
    assert not any("/open311/" in url for url in phone.requested)
    phone.screenshot("report-public-map-not-offered")
