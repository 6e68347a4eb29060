"""我的举报 by phone (/report/#/mine, 用手机号查找我的举报) in Chromium at a phone's size: a
reporter left their number with two reports (filed through the citizens' API) and opens the
page on a new phone, with nothing kept; they type the number, 获取验证码 solves the server's
challenge and has a code texted (the fake Aliyun SMS, through the outbox), the button waits
60 s; a wrong code says the tries left in Chinese, the right one lists their reports (not
someone else's), a tap opens one's progress, and the list is still there after a reload (the
token is kept on the phone)."""

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
