"""The console's first screens in Chromium: sign in, the layout, the hazard queue of one's own
area, sign out; a wrong password; nothing requested from anywhere but firegrid itself."""

from __future__ import annotations

import json
import re
from datetime import datetime
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from playwright.sync_api import expect

STATION = "station.cz1"  # 城中演示街道一 消防工作站, township 450202901 (backend/demo.py)
STATION_NAME = "城中演示街道一 消防工作站"
TOWNSHIP = "450202901"
ROWS = ".el-table__body tr.el-table__row"


def bearer(api, username: str, password: str) -> dict[str, str]:
    answer = api.post("/api/v1/auth/token", data={"username": username, "password": password})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['access_token']}"}


def sign_in(tab, username: str, password: str) -> None:
    page = tab.page
    page.locator("input[name=username]").fill(username)
    page.locator("input[name=password]").fill(password)
    page.get_by_role("button", name="登录").click()


def beijing(stamp: str) -> str:
    return (
        datetime.fromisoformat(stamp)
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%Y-%m-%d %H:%M")
    )


def only_firegrid(tab) -> None:
    requested = tab.network_requests()
    assert requested
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in requested), [
        url for url in requested if urlsplit(url).hostname != "127.0.0.1"
    ]
    port = urlsplit(tab.base_url).port
    assert {urlsplit(url).port for url in requested} == {port}


def test_a_station_signs_in_sees_its_own_hazard_queue_and_signs_out(tab, api, demo):
    page = tab.page
    tab.goto("/console/")
    expect(page).to_have_url(f"{tab.base_url}/console/signin")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    tab.screenshot("signin")

    sign_in(tab, STATION, demo[STATION])

    expect(page).to_have_url(f"{tab.base_url}/console/hazards")
    expect(page.locator("[data-test=user-name]")).to_have_text(STATION_NAME)
    expect(page.locator("[data-test=user-role]")).to_have_text("乡镇消防工作站")
    expect(page.locator("[data-test=user-area]")).to_have_text(
        "辖区 城中演示街道一"
    )  # not its code
    expect(page.get_by_role("button", name="退出登录")).to_be_visible()
    # The menu holds only screens that exist, the hazard queue first, under headed groups.
    expect(page.locator("[data-test=menu-group] .el-menu-item-group__title")).to_have_text(
        ["日常工作", "火警与风险", "执法检查", "档案与人员", "简报与运维"]
    )
    expect(page.locator(".el-menu-item")).to_have_text(
        [
            "隐患",
            "地图",
            "巡查",
            "投诉",
            re.compile(r"^消息"),
            "火警",
            "火灾事故",
            "物联网报警",
            "微型消防站",
            "风险评估",
            "双随机",
            "待送达",
            "延期申请",
            "约谈告诫",
            "抄告移送",
            "场所",
            "单位档案",
            "人员",
            "网格团队",
            "简报",
        ]  # no 热线回传: that is an admin's
    )

    # The same hazards the API gives this user, in its order: their township's only.
    mine = api.get(
        "/api/v1/hazards", params={"limit": 21}, headers=bearer(api, STATION, demo[STATION])
    ).json()
    everyone = api.get(
        "/api/v1/hazards", params={"limit": 500}, headers=bearer(api, "admin", demo["admin"])
    ).json()
    assert mine, "the demo gives the station hazards to show"
    assert any(not h["area_code"].startswith(TOWNSHIP) for h in everyone), "nothing to leave out"
    assert all(h["area_code"].startswith(TOWNSHIP) for h in mine)
    rows = page.locator(ROWS)
    expect(rows).to_have_count(min(len(mine), 20))
    shown = [[cell.strip() for cell in row.locator("td").all_inner_texts()] for row in rows.all()]
    # 类别 / 描述: the category in Chinese above the description
    assert [row[1].splitlines()[-1] for row in shown] == [h["description"] for h in mine[:20]]
    # Names beside the ids, as the API gives them: premises, grid, who holds it now.
    assert [row[6] for row in shown] == [h["premises_name"] or "—" for h in mine[:20]]
    assert [row[7] for row in shown] == [h["area_name"] for h in mine[:20]]
    assert [row[8] for row in shown] == [h["handler_name"] or "—" for h in mine[:20]]
    total = api.get(
        "/api/v1/hazards", params={"limit": 1}, headers=bearer(api, STATION, demo[STATION])
    ).headers["x-total-count"]
    expect(page.locator("[data-test=hazard-total]")).to_have_text(f"共 {total} 条")
    # Dates in Beijing time although the browser's own zone is UTC; states in Chinese.
    assert [row[0] for row in shown] == [beijing(h["reported_at"]) for h in mine[:20]]
    # The demo's hazards are reported, confirmed, and one ordered fixed (backend/demo.py).
    in_chinese = {"reported": "已上报", "confirmed": "已确认", "rectification_ordered": "责令整改"}
    assert {h["state"] for h in mine} <= set(in_chinese)
    assert [row[2] for row in shown] == [in_chinese[h["state"]] for h in mine[:20]]
    tab.screenshot("hazards")

    tokens = json.loads(page.evaluate("sessionStorage.getItem('firegrid.console.tokens')"))
    page.get_by_role("button", name="退出登录").click()

    expect(page).to_have_url(f"{tab.base_url}/console/signin")
    expect(page.get_by_role("button", name="登录")).to_be_visible()
    assert page.evaluate("sessionStorage.getItem('firegrid.console.tokens')") is None
    # Signed out on the server too: the refresh token no longer works.
    refused = api.post("/api/v1/auth/refresh", json={"refresh_token": tokens["refresh_token"]})
    assert refused.status_code == 401

    only_firegrid(tab)


def test_a_wrong_password_is_refused_in_chinese(tab, demo):
    page = tab.page
    tab.goto("/console/signin")
    sign_in(tab, STATION, "not-the-password")

    expect(page.get_by_role("alert")).to_contain_text("用户名或密码错误")
    expect(page).to_have_url(f"{tab.base_url}/console/signin")
    assert page.evaluate("sessionStorage.getItem('firegrid.console.tokens')") is None
    tab.screenshot("signin-wrong-password")
    only_firegrid(tab)


def test_an_expired_access_token_is_refreshed_once_and_the_request_retried(tab, demo):
    page = tab.page
    tab.goto("/console/")
    sign_in(tab, STATION, demo[STATION])
    expect(page.locator(ROWS).first).to_be_visible()

    # The access token goes bad (as after its 15 minutes); the refresh token still works.
    page.evaluate(
        """() => {
          const key = 'firegrid.console.tokens'
          const pair = JSON.parse(sessionStorage.getItem(key))
          pair.access_token = 'expired'
          sessionStorage.setItem(key, JSON.stringify(pair))
        }"""
    )
    with page.expect_response("**/api/v1/auth/refresh") as refreshed:
        page.reload()
    assert refreshed.value.status == 200
    expect(page.locator("[data-test=user-name]")).to_have_text(STATION_NAME)
    expect(page.locator(ROWS).first).to_be_visible()
    assert sum(url.endswith("/api/v1/auth/refresh") for url in tab.network_requests()) == 1

    # Both tokens bad: the refresh is refused once, and the user is back at 登录.
    page.evaluate(
        """() => sessionStorage.setItem('firegrid.console.tokens',
          JSON.stringify({access_token: 'expired', refresh_token: 'revoked'}))"""
    )
    page.get_by_role("button", name="刷新").click()
    expect(page).to_have_url(f"{tab.base_url}/console/signin")
    assert page.evaluate("sessionStorage.getItem('firegrid.console.tokens')") is None
    assert sum(url.endswith("/api/v1/auth/refresh") for url in tab.network_requests()) == 2
    only_firegrid(tab)


def test_a_grid_worker_is_sent_to_the_phone_app(tab, api, demo, db):
    from sqlalchemy import select

    from backend.identity.models import User

    with db() as session:
        worker = session.scalar(
            select(User.username).where(User.role == "grid_worker").order_by(User.username)
        )
    tab.goto("/console/")
    sign_in(tab, worker, demo["worker.<grid code>"])

    expect(tab.page.get_by_role("alert")).to_contain_text("网格员账号不能使用管理端")
    expect(tab.page).to_have_url(f"{tab.base_url}/console/signin")
    only_firegrid(tab)
