"""我的举报 by phone (/report/#/mine, 用手机号查找我的举报) in Chromium at a phone's size: a
reporter left their number with two reports (filed through the citizens' API) and opens the
page on a new phone, with nothing kept; they type the number, 获取验证码 solves the server's
challenge and has a code texted (the fake Aliyun SMS, through the outbox), the button waits
60 s; a wrong code says the tries left in Chinese, the right one lists their reports (not
someone else's), a tap opens one's progress, and the list is still there after a reload (the
token is kept on the phone). The reports found join 我的举报 on that phone, once each (one
filed there stays as it was), until 换个号码 forgets them with the token."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from backend.core import challenge
from tests.complaints.citizens.conftest import (  # noqa: F401 - fixtures
    CODE_TEMPLATE_CODE,
    fake_services,
    fake_sms,
    sms_settings,
)
from tests.console.conftest import ASSERT_TIMEOUT_MS, Page
from tests.console.test_citizen_page import (  # noqa: F401 - fixtures
    PHONE,
    page_open,
    report_built,
    township_box,
)

NUMBER = "13912345678"


@pytest.fixture
def new_phone(browser, live_server, report_built, demo):  # noqa: F811 - the imported fixture
    context = browser.new_context(**PHONE)
    context.set_default_timeout(20_000)
    try:
        yield Page(context, live_server)
    finally:
        context.close()


def file(api, category: str, description: str, dx: float, phone: str) -> str:
    form = api.get("/api/v1/citizen/form").json()
    lng, lat = form["map"]["center"]
    offered = form["challenge"]
    answer = api.post(
        "/api/v1/citizen/reports",
        json={
            "category": category,
            "description": description,
            "lng": round(lng + dx, 6),
            "lat": lat,
            "phone": phone,
            "challenge": {
                "token": offered["token"],
                "nonce": challenge.solve(offered["token"], offered["bits"]),
            },
        },
    )
    assert answer.status_code == 201, answer.text
    return answer.json()["follow_code"]


def test_a_reporter_on_a_new_phone_finds_their_reports_by_phone_number(
    sms_settings,  # noqa: F811 - the imported fixture
    fake_sms,  # noqa: F811
    new_phone,
    api,
    db,
):
    from backend.notify import service as notify

    first = file(api, "exit_blocked", "商铺后门安全出口被货架堵死", -0.002, NUMBER)
    second = file(api, "ebike_indoor", "楼道里有电动车在充电", 0.002, NUMBER)
    others = file(api, "ebike_indoor", "地下室堆放杂物", 0.001, "13700000000")
    form = api.get("/api/v1/citizen/form", headers={"Accept-Language": "zh-CN"}).json()
    names = {c["code"]: c["name"] for c in form["categories"]}

    page = new_phone.page
    new_phone.goto("/report/#/mine")
    page.evaluate("() => localStorage.clear()")  # a new phone: no codes, no token
    page.reload()
    expect(page.locator("[data-test=mine]")).to_be_empty()
    lookup = page.locator("[data-test=phone-lookup]")
    expect(lookup).to_contain_text("用手机号查找我的举报")

    page.locator("[data-test=lookup-phone]").fill(NUMBER)
    page.locator("[data-test=ask-code]").click()
    expect(page.locator("[data-test=code-sent]")).to_contain_text("139****5678")
    expect(page.locator("[data-test=ask-code]")).to_be_disabled()
    expect(page.locator("[data-test=ask-code]")).to_contain_text("秒后可重发")

    with db() as session:
        notify.deliver_outbox(session, sms_settings)
    (text,) = [t for t in fake_sms.sent if t["TemplateCode"] == CODE_TEMPLATE_CODE]
    assert text["PhoneNumbers"] == NUMBER
    code = text["params"]["code"]

    wrong = "000000" if code != "000000" else "111111"
    page.locator("[data-test=lookup-code]").fill(wrong)
    page.locator("[data-test=lookup-submit]").click()
    expect(page.locator("[data-test=lookup-error]")).to_have_text("验证码错误，还可以再试 4 次")
    new_phone.screenshot("report-mine-by-phone-code")

    page.locator("[data-test=lookup-code]").fill(code)
    page.locator("[data-test=lookup-submit]").click()
    found = page.locator("[data-test=phone-reports] li")
    expect(found).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    expect(found.nth(0)).to_contain_text(second)  # newest first
    expect(found.nth(0)).to_contain_text(names["ebike_indoor"])
    expect(found.nth(1)).to_contain_text(first)
    expect(found.nth(1)).to_contain_text(names["exit_blocked"])
    expect(found.nth(1)).to_contain_text("已派发网格员")
    assert others not in page.locator("body").inner_text()
    expect(lookup).to_contain_text("已验证手机号 139****5678")
    assert NUMBER not in page.locator("body").inner_text()
    new_phone.screenshot("report-mine-by-phone")

    # The token stays on the phone: after a reload the list comes back without a code.
    page.reload()
    expect(found).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    kept = page.evaluate("() => JSON.parse(localStorage.getItem('firegrid.report.phone'))")
    assert kept["token"].startswith("cps_") and kept["phone"] == "139****5678"

    # A tap opens the report's progress.
    found.nth(1).locator("a").click()
    expect(page.locator("[data-test=follow-code]")).to_have_text(first)
    expect(page.locator("[data-test=stages]")).to_contain_text("已受理")
    new_phone.screenshot("report-mine-by-phone-follow")

    # 换个号码 forgets the token.
    new_phone.goto("/report/#/mine")
    page.locator("[data-test=phone-forget]").click()
    expect(page.locator("[data-test=lookup-phone]")).to_be_visible()
    assert page.evaluate("() => localStorage.getItem('firegrid.report.phone')") is None


@pytest.fixture
def old_phone(browser, live_server, report_built, demo, db):  # noqa: F811 - the imported fixture
    """The phone a report was filed on, its position granted inside the township."""
    min_x, min_y, max_x, max_y = township_box(db)
    here = {"longitude": (min_x + max_x) / 2, "latitude": (min_y + max_y) / 2}
    context = browser.new_context(**PHONE, geolocation=here, permissions=["geolocation"])
    context.set_default_timeout(20_000)
    try:
        yield Page(context, live_server)
    finally:
        context.close()


def texted_code(db, sms_settings, fake_sms) -> str:  # noqa: F811 - the imported fixtures
    from backend.notify import service as notify

    with db() as session:
        notify.deliver_outbox(session, sms_settings)
    texts = [t for t in fake_sms.sent if t["TemplateCode"] == CODE_TEMPLATE_CODE]
    assert texts and texts[-1]["PhoneNumbers"] == NUMBER_MINE
    return texts[-1]["params"]["code"]


def prove(page, db, sms_settings, fake_sms) -> None:  # noqa: F811 - the imported fixtures
    page.locator("[data-test=lookup-phone]").fill(NUMBER_MINE)
    page.locator("[data-test=ask-code]").click()
    expect(page.locator("[data-test=code-sent]")).to_contain_text("137****2468")
    page.locator("[data-test=lookup-code]").fill(texted_code(db, sms_settings, fake_sms))
    page.locator("[data-test=lookup-submit]").click()


NUMBER_MINE = "13755552468"


def test_reports_found_by_phone_join_my_reports_once_each_until_the_number_is_forgotten(
    sms_settings,  # noqa: F811 - the imported fixture
    fake_sms,  # noqa: F811
    old_phone,
    new_phone,
    api,
    db,
):
    # On the old phone, a report filed through the page with the number ...
    page = old_phone.page
    old_phone.goto("/report/")
    page.locator(".choice").first.click()
    expect(page.locator("[data-test=location]")).to_contain_text("已使用手机定位")
    page.locator("[data-test=description]").fill("仓库门口的消防栓被纸箱围住")
    page.locator("[data-test=phone]").fill(NUMBER_MINE)
    page.locator("[data-test=submit]").click()
    code_box = page.locator("[data-test=follow-code]")
    expect(code_box).to_be_visible(timeout=ASSERT_TIMEOUT_MS * 2)
    filed = code_box.inner_text().strip()
    # ... and one sent from another phone with the same number.
    other = file(api, "ebike_indoor", "车棚里电动车飞线充电", 0.003, NUMBER_MINE)

    # On a new phone (nothing kept), the number proven: both listed, and both in 我的举报.
    fresh = new_phone.page
    new_phone.goto("/report/#/mine")
    fresh.evaluate("() => localStorage.clear()")
    fresh.reload()
    mine = fresh.locator("[data-test=mine] li")
    expect(mine).to_have_count(0)
    prove(fresh, db, sms_settings, fake_sms)
    found = fresh.locator("[data-test=phone-reports] li")
    expect(found).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    expect(mine).to_have_count(2)
    new_phone.screenshot("report-mine-found-by-phone")

    # Next time: 我的举报 lists them from the phone itself, newest first, each opening its
    # progress without a code asked for.
    fresh.route("**/api/v1/citizen/my-reports", lambda route: route.abort())
    fresh.reload()
    expect(mine).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    expect(mine.nth(0)).to_contain_text(other)
    expect(mine.nth(1)).to_contain_text(filed)
    expect(mine.nth(0).locator("[data-test=mine-found]")).to_have_text("凭手机号 137****2468 查到")
    kept = fresh.evaluate("() => JSON.parse(localStorage.getItem('firegrid.report.mine'))")
    assert [k["code"] for k in kept] == [other, filed]
    assert NUMBER_MINE not in fresh.locator("body").inner_text()
    mine.nth(1).locator("a").click()
    expect(fresh.locator("[data-test=follow-code]")).to_have_text(filed)
    expect(fresh.locator("[data-test=stages]")).to_contain_text("已受理")
    fresh.unroute("**/api/v1/citizen/my-reports")

    # 换个号码: what the number found leaves this phone with its token.
    new_phone.goto("/report/#/mine")
    fresh.locator("[data-test=phone-forget]").click()
    expect(mine).to_have_count(0)
    fresh.reload()
    expect(fresh.locator("[data-test=lookup-phone]")).to_be_visible()
    expect(mine).to_have_count(0)

    # On the old phone, the same proof adds only what it did not file, and keeps its own as filed.
    old_phone.goto("/report/#/mine")
    mine = page.locator("[data-test=mine] li")
    expect(mine).to_have_count(1)
    page.evaluate("() => localStorage.removeItem('firegrid.report.phone')")
    prove(page, db, sms_settings, fake_sms)
    expect(page.locator("[data-test=phone-reports] li")).to_have_count(2, timeout=ASSERT_TIMEOUT_MS)
    expect(mine).to_have_count(2)
    expect(mine.filter(has_text=filed).locator("[data-test=mine-found]")).to_have_count(0)
    expect(mine.filter(has_text=other).locator("[data-test=mine-found]")).to_have_count(1)
