"""The citizens' page 随手拍 (/report/) in Chromium at a phone's size, touch and Chinese: a
citizen files a report with a photo (a camera-sized JPEG, resized by the page) and a pin
dragged on the page's own map, and gets a follow code; staff dispatch, verify, reply and close
it through the API; the citizen follows it with the code (stages with times, the reply, the
after-photo), says "还没整改好" with a photo, and the station's console, in the same browser,
shows the complaint reopened (重办). Nothing is loaded from outside."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.console.conftest import ASSERT_TIMEOUT_MS, Page
from tests.console.test_console import STATION, bearer, only_firegrid, sign_in
from tests.world import jpeg

TOWNSHIP = "450202901"  # 城中演示街道一 (backend/demo.py), station.cz1's
PHONE = {
    "viewport": {"width": 390, "height": 844},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "UTC",
}
CODE = re.compile(r"^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$")


@pytest.fixture(scope="session")
def report_built() -> None:
    from backend.console import report_dir
    from backend.core.settings import get_settings

    directory = report_dir(get_settings())
    if not (directory / "index.html").is_file():
        pytest.fail(f"the citizens' page is not built in {directory}: run scripts/build-console.sh")


def township_box(db, code: str = TOWNSHIP) -> tuple[float, float, float, float]:
    from sqlalchemy import select

    from grids.models import Area
    from grids.service import area_shape

    with db() as session:
        return area_shape(session.scalar(select(Area).where(Area.code == code))).bounds


@pytest.fixture
def page_open(monkeypatch):
    """The page opened for the demo's first township, with the deployment's challenge (16 bits,
    solved by the page itself)."""
    from backend.core.settings import get_settings

    monkeypatch.setenv("FIREGRID_CITIZEN_AREA", TOWNSHIP)
    monkeypatch.delenv("FIREGRID_CITIZEN_CHALLENGE_BITS", raising=False)
    # Other tests of the session report from the same address (the limits are tested apart).
    monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_ADDRESS", "1000/minute")
    monkeypatch.setenv("FIREGRID_CITIZEN_LIMIT_PER_PHONE", "1000/minute")
    get_settings.cache_clear()
    yield TOWNSHIP
    get_settings.cache_clear()


@pytest.fixture
def phone(page_open, browser, live_server, console_built, report_built, demo, db):
    min_x, min_y, max_x, max_y = township_box(db)
    # The phone stands in the township's north-west quarter; the pin is then dragged.
    here = {"longitude": min_x + (max_x - min_x) * 0.3, "latitude": min_y + (max_y - min_y) * 0.7}
    context = browser.new_context(**PHONE, geolocation=here, permissions=["geolocation"])
    context.set_default_timeout(20_000)
    try:
        yield Page(context, live_server), here
    finally:
        context.close()


def act(api, headers, cid, **body):
    answer = api.post(f"/api/v1/complaints/{cid}/actions", json=body, headers=headers)
    assert answer.status_code == 200, answer.text
    return answer.json()


def taken_to_closure(api, demo, station, complaint: dict, *, note: str, reply: str) -> None:
    """Staff and the grid worker take a citizen's complaint to closure, as a township does:
    dispatched if it waited in triage, signed, checked on site with a photo, answered, closed."""
    cid = complaint["id"]
    worker = bearer(api, f"worker.{complaint['area_code']}", demo["worker.<grid code>"])
    if complaint["state"] == "received":
        act(api, station, cid, action="dispatch")
    act(api, worker, cid, action="sign")
    after = api.post(
        f"/api/v1/complaints/{cid}/photos",
        content=jpeg(800, 600),
        headers={**worker, "Content-Type": "image/jpeg"},
    )
    assert after.status_code == 201, after.text
    act(api, worker, cid, action="verify", finding="hazard_found", note=note)
    act(api, worker, cid, action="reply", reply=reply)
    assert act(api, station, cid, action="close")["state"] == "closed"


def test_a_citizen_reports_follows_and_says_not_fixed_and_the_station_sees_it_reopened(
    phone, api, demo, tmp_path: Path
):
    tab, here = phone
    page = tab.page
    api_calls: list[str] = []
    page.on(
        "request",
        lambda r: (
            api_calls.append(f"{r.method} {r.url.split('?')[0]}")
            if "/api/v1/citizen/" in r.url
            and "/uploads" not in r.url
            and r.resource_type in ("fetch", "xhr")  # the photos shown are pictures, not calls
            else None
        ),
    )
    picture = tmp_path / "IMG_20261205_0930.jpg"
    picture.write_bytes(jpeg(4000, 3000))  # as a phone's camera makes it, with EXIF and GPS

    tab.goto("/report/")
    form = api.get("/api/v1/citizen/form", headers={"Accept-Language": "zh-CN"}).json()
    exit_blocked = next(c["name"] for c in form["categories"] if c["code"] == "exit_blocked")
    expect(page.locator("[data-test=categories]")).to_contain_text(exit_blocked)
    expect(page.locator("[data-test=served]")).to_contain_text("城中演示街道一")
    page.locator(".choice", has_text=exit_blocked).click()

    page.locator("[data-test=photo-input]").set_input_files(picture)
    expect(page.locator("[data-test=thumb]")).to_have_count(1)
    # The phone's position came (WGS-84) ...
    expect(page.locator("[data-test=location]")).to_contain_text("已使用手机定位")

    # ... and the citizen moves the pin on the map to the building across the road.
    page.locator("[data-test=open-map]").click()
    expect(page.locator("[data-test=map] path.area").first).to_be_attached()
    pin = page.locator("[data-test=pin] .pin-body").bounding_box()
    x, y = pin["x"] + pin["width"] / 2, pin["y"] + pin["height"] / 2
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + 60, y + 40, steps=8)
    page.mouse.up()
    expect(page.locator("[data-test=location]")).to_contain_text("已在地图上选择")
    expect(page.locator("[data-test=map-where]")).to_contain_text("城中演示街道一")
    placed = page.locator("[data-test=location]").inner_text()
    lng, lat = (float(v) for v in re.findall(r"\d+\.\d+", placed)[:2])
    assert lng > here["longitude"] and lat < here["latitude"]  # east and south: dragged

    page.locator("[data-test=description]").fill("小区3栋一楼安全出口被铁链锁住，楼道里堆满纸箱")
    page.locator("[data-test=phone]").fill("13800001234")
    page.locator(".wants label", has_text="已办结").locator("input").check()
    tab.screenshot("report-form")
    page.locator("[data-test=submit]").click()

    code_box = page.locator("[data-test=follow-code]")
    expect(code_box).to_be_visible(timeout=ASSERT_TIMEOUT_MS * 2)
    code = code_box.inner_text().strip()
    assert CODE.match(code), code
    expect(page.locator("[data-test=filed]")).to_be_visible()
    expect(page.locator("[data-test=stages]")).to_contain_text("已受理", timeout=30_000)
    page.locator("[data-test=copy]").click()
    expect(page.locator("[data-test=copy]")).to_have_text("已复制")
    tab.screenshot("report-filed")
    # The report path: the form, the areas for the map, the report, its follow view (asked
    # for once, after the photo's upload).
    page.wait_for_timeout(500)
    assert [call.split(" ")[0] + " " + call.split("/api/v1/citizen/")[1] for call in api_calls] == [
        "GET form",
        "GET areas",
        "POST reports",
        f"GET reports/{code}",
    ], api_calls

    # 我的举报 keeps it on this phone.
    page.locator("[data-test=mine-link]").click()
    expect(page.locator("[data-test=mine]")).to_contain_text(code)

    # Staff take it through: the grid's worker signs, checks on site with a photo, replies;
    # the station closes it.
    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=station).json()
    complaint = next(c for c in listed if c["channel"] == "web")
    cid = complaint["id"]
    assert complaint["area_code"].startswith(TOWNSHIP)
    assert abs(complaint["lng"] - lng) < 1e-4 and abs(complaint["lat"] - lat) < 1e-4
    taken_to_closure(
        api,
        demo,
        station,
        complaint,
        note="安全出口锁闭属实",
        reply="已责令物业当场打开安全出口并清理楼道纸箱",
    )

    # The citizen follows it with the code.
    tab.goto(f"/report/#/follow/{code}")
    stages = page.locator("[data-test=stages] li")
    expect(page.locator("[data-test=state]")).to_have_text("已办结")
    for name in ("已受理", "已派发网格员", "已现场核查", "已答复", "已办结"):
        expect(stages.filter(has_text=name)).to_have_class(re.compile("reached"))
    expect(page.locator("[data-test=reply]")).to_contain_text("已责令物业当场打开安全出口")
    expect(page.locator("[data-test=after-photos] img")).to_have_count(1)
    # The citizen's own photo, as its public copy (made smaller again by the server).
    expect(page.locator("[data-test=report-photos] img")).to_have_count(1)
    shown = page.wait_for_function(
        """() => {
          const img = document.querySelector('[data-test=report-photos] img')
          return img && img.complete && img.naturalWidth && [img.naturalWidth, img.naturalHeight]
        }"""
    ).json_value()
    assert shown and max(shown) <= 1280, shown  # resized on the phone from 4000x3000
    tab.screenshot("report-closed")

    # 还没整改好, with a photo.
    page.locator("[data-test=not-fixed]").click()
    page.locator("[data-test=dispute-note]").fill("铁链还在，晚上安全出口仍然锁着")
    page.locator("[data-test=dispute] [data-test=photo-input]").set_input_files(picture)
    expect(page.locator("[data-test=dispute] [data-test=thumb]")).to_have_count(1)
    page.locator("[data-test=dispute-submit]").click()
    expect(page.locator("[data-test=disputed]")).to_be_visible(timeout=30_000)
    expect(stages.filter(has_text="重新办理")).to_have_count(1)
    tab.screenshot("report-not-fixed")
    only_firegrid(tab)

    reopened = api.get(f"/api/v1/complaints/{cid}", headers=station).json()
    assert reopened["state"] == "reopened", reopened

    # The station's console, in the same browser, shows it back: 重办.
    console = Page(tab.context, tab.base_url)
    console.page.set_viewport_size({"width": 1280, "height": 800})  # the station's desk
    console.goto(f"/console/complaints/{cid}")
    sign_in(console, STATION, demo[STATION])
    expect(console.page.locator("[data-test=complaint-state]")).to_have_text("重办")
    console.screenshot("report-reopened-in-console")


def test_on_a_bad_line_the_report_is_filed_once_and_its_photo_arrives(phone, api, demo, tmp_path):
    """The answer to the report is lost on the way back (the server has it): the page sends it
    again with the same Idempotency-Key and gets the same report, not a second one. The photo's
    first chunk is cut off mid-way: tus-js-client retries and the photo arrives whole."""
    tab, _ = phone
    page = tab.page
    picture = tmp_path / "photo.jpg"
    picture.write_bytes(jpeg(3000, 4000))
    posts: list[str | None] = []
    lost = {"answer": False, "chunk": False}

    def lose_the_answer(route):
        posts.append(route.request.header_value("idempotency-key"))
        answer = route.fetch()  # the server takes the report ...
        if not lost["answer"]:
            lost["answer"] = True
            assert answer.status == 201, answer.text()
            route.abort("connectionreset")  # ... and its answer never reaches the phone
        else:
            route.fulfill(response=answer)

    def cut_the_first_chunk(route):
        # The photo's bytes go in the request that creates its upload (creation-with-upload),
        # or in a PATCH after it: the first request that carries them is cut off.
        carries_bytes = route.request.method == "PATCH" or (
            route.request.method == "POST" and route.request.post_data_buffer
        )
        if carries_bytes and not lost["chunk"]:
            lost["chunk"] = True
            route.abort("connectionreset")
        else:
            route.continue_()

    page.route("**/api/v1/citizen/reports", lose_the_answer)
    page.route("**/api/v1/citizen/uploads/**", cut_the_first_chunk)

    tab.goto("/report/")
    page.locator("[data-test=categories] .choice").first.click()
    page.locator("[data-test=photo-input]").set_input_files(picture)
    expect(page.locator("[data-test=thumb]")).to_have_count(1)
    expect(page.locator("[data-test=location]")).to_contain_text("已使用手机定位")
    page.locator("[data-test=description]").fill("二楼走廊灭火器过期，压力表指针在红区")
    page.locator("[data-test=submit]").click()

    code = page.locator("[data-test=follow-code]")
    expect(code).to_be_visible(timeout=30_000)
    assert CODE.match(code.inner_text().strip())
    expect(page.locator("[data-test=report-photos] img")).to_have_count(1, timeout=30_000)
    assert lost == {"answer": True, "chunk": True}
    assert len(posts) == 2 and posts[0] and posts[0] == posts[1], posts

    station = bearer(api, STATION, demo[STATION])
    listed = api.get("/api/v1/complaints", params={"limit": 100}, headers=station).json()
    filed = [c for c in listed if c["channel"] == "web" and "灭火器过期" in (c["text"] or "")]
    assert len(filed) == 1, [c["text"] for c in listed if c["channel"] == "web"]


def test_a_point_outside_the_page_s_area_is_refused_in_chinese(
    page_open, browser, live_server, report_built, demo, db
):
    """The phone stands in the neighbouring township, which this page does not serve: the
    server's refusal is shown in Chinese, and nothing is filed."""
    min_x, min_y, max_x, max_y = township_box(db, "450202902")  # 城中演示街道二
    here = {"longitude": (min_x + max_x) / 2, "latitude": (min_y + max_y) / 2}
    context = browser.new_context(**PHONE, geolocation=here, permissions=["geolocation"])
    try:
        tab = Page(context, live_server)
        page = tab.page
        tab.goto("/report/")
        page.locator("[data-test=submit]").click()
        expect(page.locator("[data-test=error]")).to_have_text("请选择隐患类型")
        page.locator("[data-test=categories] .choice").first.click()
        expect(page.locator("[data-test=location]")).to_contain_text("已使用手机定位")
        page.locator("[data-test=description]").fill("楼道里堆放了很多易燃物")
        page.locator("[data-test=submit]").click()
        error = page.locator("[data-test=error]")
        expect(error).to_contain_text("96119")
        assert re.search(r"[\u4e00-\u9fff]", error.inner_text())
        assert not re.search(r"[A-Za-z]{4,}", error.inner_text()), error.inner_text()
        expect(page.locator("[data-test=follow-code]")).to_have_count(0)
        tab.screenshot("report-outside")
    finally:
        context.close()


def test_a_closed_page_points_to_96119(monkeypatch, browser, live_server, report_built):
    from backend.core.settings import get_settings

    monkeypatch.delenv("FIREGRID_CITIZEN_AREA", raising=False)
    get_settings.cache_clear()
    context = browser.new_context(**PHONE)
    try:
        tab = Page(context, live_server)
        tab.goto("/report/")
        expect(tab.page.locator("main")).to_contain_text("暂未开通")
        expect(tab.page.locator("main a[href='tel:96119']")).to_be_visible()
    finally:
        context.close()
        get_settings.cache_clear()
