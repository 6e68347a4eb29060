"""The unit's own page (/unit/) in Chromium at a phone's size (360x740, a WeChat-like mobile
browser, touch, Chinese), over the real app on loopback, the SMS through the local fake of
Aliyun SMS: issue 22's "done when". A grid worker reports an e-bike charging in a restaurant's
stairwell, two officers order it fixed (a 责令限期改正通知书 is issued), the worker serves it by
SMS link; the restaurant's 消防安全责任人 opens the texted link on their phone, confirms receipt,
opens the notice's PDF, takes an after-photo and sends the 整改报告; the worker verifies on
site and the hazard closes; the timeline and the audit log hold every step, and the notice's
hash is that of the PDF the page was served. A request for more time shows as waiting, then
granted; a wrong or expired link shows the refusal screen; the page never names the reporter.
"""

from __future__ import annotations

import hashlib
import os
import re
import uuid
from datetime import datetime, timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from backend.core.audit import events_for
from tests.conftest import empty_all_tables
from tests.console.conftest import ROOT, Page
from tests.notices.conftest import (  # noqa: F401 - fixtures
    LINK_TEMPLATE_CODE,
    PUBLIC_BASE_URL,
    environment,
    fake_services,
    fake_sms,
    sms_settings,
    texted,
)
from tests.notices.test_unit_link import PHONE as OWNER_PHONE
from tests.notices.test_unit_link import _ordered, _unit
from tests.world import Person, jpeg

# A phone as the owner holds it: WeChat's browser on Android, 360 CSS pixels wide.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "device_scale_factor": 2,
    "is_mobile": True,
    "has_touch": True,
    "locale": "zh-CN",
    "timezone_id": "UTC",
    "user_agent": (
        "Mozilla/5.0 (Linux; Android 13; V2227A Build/TP1A.220624.014; wv) AppleWebKit/537.36 "
        "(KHTML, like Gecko) Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160065 "
        "MMWEBSDK/20231202 MicroMessenger/8.0.47.2560(0x28002F35) WeChat/arm64 Weixin "
        "NetType/WIFI Language/zh_CN ABI/arm64"
    ),
}
UNIT = "幸福餐饮有限公司"
REPORTER = "李建国"  # the grid worker who reported it, by name
BEIJING = ZoneInfo("Asia/Shanghai")
REFUSED = "链接无效或已过期，请联系属地消防工作站"


@pytest.fixture(autouse=True)
def empty_tables(engine) -> None:
    """Each test builds its own world (tests/world.py): the tables emptied before each, as
    everywhere but the demo's console tests."""
    empty_all_tables(engine)


@pytest.fixture(scope="session")
def unit_built() -> None:
    from backend.console import unit_dir
    from backend.core.settings import get_settings

    built = unit_dir(get_settings())
    if not (built / "index.html").is_file():
        pytest.fail(f"the unit's page is not built in {built}: run scripts/build-console.sh")


@pytest.fixture
def phone(browser, live_server, unit_built):
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    try:
        yield Page(context, live_server)
    finally:
        context.close()


def screenshot(tab: Page, name: str) -> None:
    """docs/unit-page/<name>.png, only when the screens are being refreshed
    (FIREGRID_SCREENSHOTS set, as `make screenshots` does)."""
    if not os.environ.get("FIREGRID_SCREENSHOTS"):
        return
    folder = ROOT / "docs" / "unit-page"
    folder.mkdir(parents=True, exist_ok=True)
    tab.page.screenshot(path=folder / f"{name}.png", animations="disabled", full_page=True)


@pytest.fixture
def reporter(db, grid) -> Person:
    """The grid worker, with a name the unit must never read."""
    from backend.identity.enums import Role
    from grids import service, workforce
    from tests.world import PASSWORD, SETUP

    with db() as session:
        user = workforce.place_user(
            session,
            area=service.area_by_code(session, grid.code),
            username="worker.li",
            password=PASSWORD,
            role=Role.GRID_WORKER,
            display_name=REPORTER,
            certificate_number=None,
            certificate_expires_on=None,
            actor=SETUP,
        )
        return Person(user.id, user.username, Role.GRID_WORKER)


def text_link(api, db, settings, sms, worker, notice) -> str:
    """The worker serves the notice by SMS link; the link as the owner's phone got it."""
    sent = api.post(
        f"/api/v1/notices/{notice['id']}/service",
        params={"method": "sms_link"},
        headers=worker.headers(api),
    )
    assert sent.status_code == 200, sent.text
    link = texted(db, settings, sms, OWNER_PHONE, LINK_TEMPLATE_CODE)[-1]["link"]
    assert link.startswith(f"{PUBLIC_BASE_URL}/unit/#ulk_")
    return link


def open_link(tab: Page, link: str) -> str:
    """Open the texted link on the test server (the deployment's public address is the test
    server's here); the key."""
    parts = urlsplit(link)
    tab.goto(f"{parts.path}#{parts.fragment}")
    return parts.fragment


def world(api, db, settings, sms, premises, reporter, station_staff, officers, **period):
    _unit(api, db, settings, sms, station_staff, [premises], UNIT, OWNER_PHONE)
    hid, notice = _ordered(api, reporter, [station_staff, officers[0]], premises, **period)
    return hid, notice, text_link(api, db, settings, sms, reporter, notice)


def test_the_owner_confirms_the_notice_sends_a_photo_and_a_report_and_the_hazard_closes(
    sms_settings,  # noqa: F811 - the imported fixture
    fake_sms,  # noqa: F811
    phone,
    api,
    db,
    premises,
    reporter,
    station_staff,
    officers,
    tmp_path,
):
    hid, notice, link = world(
        api,
        db,
        sms_settings,
        fake_sms,
        premises,
        reporter,
        station_staff,
        officers,
        deadline_working_days=3,
        period_days=15,
    )
    page = phone.page
    calls: list[tuple[str, str, str | None]] = []
    page.on(
        "request",
        lambda r: (
            calls.append((r.method, urlsplit(r.url).path, r.headers.get("authorization")))
            if "/api/" in r.url
            else None
        ),
    )
    key = open_link(phone, link)

    # The page: the unit's name, the notice to confirm, the hazard with its state in words.
    expect(page.locator("[data-test=unit-name]")).to_have_text(UNIT)
    notice_card = page.locator("[data-test=notice]")
    expect(notice_card).to_contain_text("《责令限期改正通知书》")
    expect(notice_card).to_contain_text(notice["number"])
    hazard = page.locator("[data-test=hazard]")
    expect(hazard).to_have_count(1)
    expect(hazard).to_contain_text("楼道内电动车飞线充电")
    expect(hazard.locator("[data-test=hazard-state]")).to_have_text("待整改")
    expect(hazard.locator("[data-test=photo-count]")).to_contain_text("已上传 0 张")
    expect(hazard.locator("[data-test=report-submit]")).to_be_disabled()
    # The key left the address bar (kept for this tab only) and went only as a bearer token.
    assert "ulk_" not in page.url and urlsplit(page.url).fragment == ""
    assert page.evaluate("() => sessionStorage.getItem('firegrid.unit.key')") == key
    assert calls and all(auth == f"Bearer {key}" for _, _, auth in calls)
    assert all("ulk_" not in url for url in phone.network_requests())
    screenshot(phone, "unit-opened")

    # 确认签收: served now, by the link; the deadline runs from now.
    page.locator("[data-test=confirm-receipt]").click()
    expect(page.locator("[data-test=receipt-confirmed]")).to_contain_text("已签收")
    expect(page.locator("[data-test=confirm-receipt]")).to_have_count(0)
    expect(hazard.locator("[data-test=days-left]")).to_have_text("还剩 15 天")
    staff_view = api.get(f"/api/v1/notices/{notice['id']}", headers=station_staff.headers(api))
    assert staff_view.json()["service"]["method"] == "sms_link"

    # The notice's PDF, fetched with the key and opened as a blob: its bytes are the notice's.
    served_pdf: list[tuple[str | None, int, str, bytes]] = []

    def pass_on(route):  # the server's answer, as the page receives it
        answer = route.fetch()
        served_pdf.append(
            (
                route.request.headers.get("authorization"),
                answer.status,
                answer.headers["content-type"],
                answer.body(),
            )
        )
        route.fulfill(response=answer)

    page.route("**/api/v1/unit-link/notices/*/pdf", pass_on)
    with phone.context.expect_page() as shown:
        page.locator("[data-test=notice-pdf]").click()
    shown.value.wait_for_url("blob:**")
    # Chromium's PDF viewer shows it (the page's policy, which the blob inherits, allows it).
    for _ in range(100):
        if any(f.url.startswith("chrome-extension://") for f in shown.value.frames):
            break
        shown.value.wait_for_timeout(100)
    else:
        pytest.fail(f"no PDF viewer in {[f.url for f in shown.value.frames]}")
    shown.value.close()
    [(authorization, status, content_type, pdf)] = served_pdf
    assert (authorization, status, content_type) == (f"Bearer {key}", 200, "application/pdf")
    assert pdf.startswith(b"%PDF-")
    assert hashlib.sha256(pdf).hexdigest() == notice["pdf_sha256"]
    page.unroute("**/api/v1/unit-link/notices/*/pdf")

    # An after-photo from the phone's camera (a real JPEG as it comes, EXIF and all).
    picture = tmp_path / "after.jpg"
    picture.write_bytes(jpeg(1600, 1200))
    camera = hazard.locator("[data-test=photo-camera]")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    camera.set_input_files(picture)
    expect(hazard.locator("[data-test=photo-count]")).to_contain_text("已上传 1 张")
    expect(hazard.locator("[data-test=report-submit]")).to_be_enabled()
    hazard.locator("[data-test=report-text]").fill("已将电动车移出楼道，加装充电柜")
    screenshot(phone, "unit-report")
    hazard.locator("[data-test=report-submit]").click()
    expect(hazard.locator("[data-test=hazard-state]")).to_have_text("已提交整改，待复查")
    expect(hazard.locator("[data-test=submitted]")).to_contain_text("网格员将到现场复查")
    expect(hazard.locator("[data-test=report-submit]")).to_have_count(0)
    screenshot(phone, "unit-submitted")

    # A reload keeps working: the key is kept in the tab.
    page.reload()
    expect(hazard.locator("[data-test=hazard-state]")).to_have_text("已提交整改，待复查")

    # Never who reported it or who works on it.
    body = page.locator("body").inner_text()
    for name in (REPORTER, reporter.username, station_staff.username, "worker", "station"):
        assert name not in body, name

    # The worker verifies on site: closed, and gone from the unit's page.
    verified = api.post(
        f"/api/v1/hazards/{hid}/actions", json={"action": "verify"}, headers=reporter.headers(api)
    )
    assert verified.status_code == 200, verified.text
    assert verified.json()["state"] == "verified_closed"
    page.reload()
    expect(page.locator("[data-test=no-hazards]")).to_be_visible()
    expect(page.locator("[data-test=hazard]")).to_have_count(0)
    assert REPORTER not in page.locator("body").inner_text()

    # Every step, in order, on the hazard's timeline ...
    timeline = api.get(f"/api/v1/hazards/{hid}/timeline", headers=station_staff.headers(api))
    entries = timeline.json()
    actions = [entry["action"] for entry in entries]
    steps = [
        "hazard.reported",
        "hazard.order_rectification",  # the notice generated with it, just before
        "hazard.notice_texted",
        "hazard.notice_link_opened",
        "hazard.notice_served",
        "hazard.deadline_from_service",
        "hazard.photo_added",
        "hazard.submit_rectification",
        "hazard.verify",
    ]
    assert [a for a in actions if a in steps] == steps, actions
    step = {entry["action"]: entry for entry in entries}  # the last of each
    issued = entries[actions.index("hazard.notice_generated")]
    assert actions.index("hazard.notice_generated") < actions.index("hazard.order_rectification")
    assert (issued["after"]["notice_id"], issued["after"]["kind"]) == (
        notice["id"],
        "rectification_order",
    )
    for action in ("hazard.notice_texted", "hazard.notice_link_opened", "hazard.notice_served"):
        assert step[action]["after"]["sha256"] == notice["pdf_sha256"] == issued["after"]["sha256"]
    assert step["hazard.notice_served"]["after"]["method"] == "sms_link"
    assert step["hazard.photo_added"]["after"]["kind"] == "after"
    assert step["hazard.submit_rectification"]["after"]["state"] == "rectification_submitted"
    assert step["hazard.submit_rectification"]["after"]["note"] == "已将电动车移出楼道，加装充电柜"
    assert step["hazard.verify"]["after"]["state"] == "verified_closed"  # closed
    for action in steps[3:8]:  # the unit's own steps, as its link's client
        assert step[action]["actor_name"] == "单位（短信链接）", action
    # ... and in the audit log: the notice issued with its sha256, texted, opened, served.
    with db() as session:
        trail = events_for(session, "notice", notice["id"])
        assert [e.action for e in trail] == [
            "notice.generated",
            "notice.link_texted",
            "notice.link_opened",
            "notice.served",
        ]
        assert {e.after["sha256"] for e in trail} == {notice["pdf_sha256"]}
        assert trail[-1].after["method"] == "sms_link"
        assert key not in str([e.after for e in trail])
        hazard_trail = [e.action for e in events_for(session, "hazard", uuid.UUID(hid))]
        assert (
            hazard_trail.index("hazard.photo_added")
            < hazard_trail.index("hazard.submit_rectification")
            < hazard_trail.index("hazard.verify")
        )


def test_a_request_for_more_time_waits_and_a_wrong_or_expired_link_is_refused(
    sms_settings,  # noqa: F811 - the imported fixture
    fake_sms,  # noqa: F811
    phone,
    browser,
    live_server,
    api,
    db,
    premises,
    reporter,
    station_staff,
    officers,
):
    hid, notice, link = world(
        api,
        db,
        sms_settings,
        fake_sms,
        premises,
        reporter,
        station_staff,
        officers,
        period_days=10,
    )
    page = phone.page
    open_link(phone, link)
    page.locator("[data-test=confirm-receipt]").click()
    hazard = page.locator("[data-test=hazard]")
    expect(hazard.locator("[data-test=days-left]")).to_have_text("还剩 10 天")

    # 申请延期: a reason and days; it then waits for the station.
    hazard.locator("[data-test=extension-open]").click()
    hazard.locator("[data-test=extension-reason]").fill("充电柜到货需要两周")
    hazard.locator("[data-test=extension-days]").fill("14")
    hazard.locator("[data-test=extension-submit]").click()
    waiting = hazard.locator("[data-test=extension-state]")
    expect(waiting).to_have_text("延期申请已提交，等待消防工作站审核")
    expect(hazard.locator("[data-test=extension-open]")).to_have_count(0)
    page.reload()
    expect(waiting).to_have_text("延期申请已提交，等待消防工作站审核")
    assert REPORTER not in page.locator("body").inner_text()
    screenshot(phone, "unit-extension-waiting")
    [asked] = api.get(
        f"/api/v1/hazards/{hid}/extension-requests", headers=station_staff.headers(api)
    ).json()
    assert (asked["state"], asked["days"], asked["reason"]) == ("pending", 14, "充电柜到货需要两周")

    # The station grants 7 days: the page shows the later deadline.
    granted = api.post(
        f"/api/v1/hazards/{hid}/extension-requests/decision",
        json={"grant": True, "days": 7},
        headers=station_staff.headers(api),
    )
    assert granted.status_code == 200, granted.text
    page.reload()
    expect(waiting).to_have_text("延期申请已同意，整改期限已顺延")
    moved = datetime.fromisoformat(granted.json()["deadline_after"])
    last_day = (moved - timedelta(microseconds=1)).astimezone(BEIJING).date()
    today = datetime.now(BEIJING).date()
    assert (last_day - today).days > 10
    expect(hazard.locator("[data-test=days-left]")).to_have_text(
        f"还剩 {(last_day - today).days} 天"
    )
    expect(hazard.locator("[data-test=deadline]")).to_contain_text(f"{last_day:%Y/%m/%d} 24:00 前")

    # A report before any photo: the button stays off, and says why.
    expect(hazard.locator("[data-test=report-submit]")).to_be_disabled()
    expect(hazard.locator("[data-test=report-needs-photo]")).to_be_visible()

    # The link expires: the next look is refused, and the kept key is forgotten.
    with db() as session:
        from backend.core.db import utcnow
        from notices.unitlink.models import UnitLink

        session.query(UnitLink).update({"expires_at": utcnow() - timedelta(seconds=1)})
    page.reload()
    expect(page.locator("[data-test=refused]")).to_contain_text(REFUSED)
    assert page.evaluate("() => sessionStorage.getItem('firegrid.unit.key')") is None
    screenshot(phone, "unit-refused")

    # A made-up key on another phone, and no key at all: the same screen.
    other = browser.new_context(**PHONE)
    try:
        stranger = Page(other, live_server)
        stranger.goto("/unit/#ulk_" + "x" * 43)
        expect(stranger.page.locator("[data-test=refused]")).to_contain_text(REFUSED)
        stranger.goto("/unit/")
        stranger.page.reload()
        expect(stranger.page.locator("[data-test=refused]")).to_contain_text(REFUSED)
    finally:
        other.close()


def test_too_many_calls_with_one_link_say_to_wait(
    sms_settings,  # noqa: F811 - the imported fixture
    fake_sms,  # noqa: F811
    phone,
    api,
    db,
    premises,
    reporter,
    station_staff,
    officers,
):
    _, _, link = world(api, db, sms_settings, fake_sms, premises, reporter, station_staff, officers)
    page = phone.page
    with environment({"FIREGRID_UNIT_LINK_LIMIT_PER_TOKEN": "1/hour"}):
        open_link(phone, link)
        expect(page.locator("[data-test=unit-name]")).to_have_text(UNIT)
        page.reload()
        expect(page.locator("[data-test=waiting]")).to_contain_text("操作太频繁")
        expect(page.locator("[data-test=waiting]")).to_contain_text("约 60 分钟后自动重试")
        screenshot(phone, "unit-wait")


def test_the_page_is_served_as_the_citizens_page_is(api, unit_built):
    """Its own build at /unit/: index.html asked for each time, hashed assets kept for good,
    compressed, and a policy that lets nothing in from outside."""
    assert api.get("/unit").status_code == 307
    index = api.get("/unit/")
    assert index.status_code == 200 and 'lang="zh-CN"' in index.text
    assert index.headers["cache-control"] == "no-cache"
    policy = index.headers["content-security-policy"]
    assert "default-src 'self'" in policy and "connect-src 'self'" in policy
    assert "http" not in policy  # no host of any kind
    [script] = re.findall(r'src="(/unit/assets/[^"]+\.js)"', index.text)
    served = api.get(script, headers={"Accept-Encoding": "gzip"})
    assert served.status_code == 200
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["content-encoding"] == "gzip"
    assert "https://" not in index.text and "//cdn" not in served.text
